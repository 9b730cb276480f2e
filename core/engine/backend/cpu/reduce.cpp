// Reductions (Reduce, ArgReduce) and Median.
//
// Reduce works on any layout: the input's dims are reordered by stride so memory
// is read in order, then each innermost run is either reduced (a contiguous run
// uses independent lanes and pairwise blocks, which vectorizes and keeps float
// sums accurate) or accumulated elementwise into a run of outputs (reducing an
// outer axis adds whole rows, again vectorized). Work is split across threads
// along a kept dim, or, when few outputs remain, along a reduced dim with
// per-thread partial results.
#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <numeric>

#include "engine/backend/cpu/copy.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/backend/cpu/reduce_simd.h"
#include "engine/backend/cpu/reduce_utils.h"
#include "engine/primitives.h"

namespace lumex::core {

using namespace cpu;
using reduce_ops::for_rows;
using reduce_ops::row_contiguous;
using reduce_ops::split_at;
namespace ops = cpu::reduce_ops;

namespace {

// ---------------------------------------------------------------------------
// Reduce

constexpr int kLanes = 16;
constexpr int64_t kBlock = 2048;  // pairwise leaf size

/// Reduces a contiguous run of at most kBlock elements with kLanes accumulators.
template <typename Tin, typename A, typename Op>
A reduce_block(const Tin* p, int64_t n, Op op) {
  A lanes[kLanes];
  for (auto& l : lanes) l = Op::init();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) lanes[j] = op(lanes[j], cast<A>(p[i + j]));
  }
  A tail = Op::init();
  for (; i < n; ++i) tail = op(tail, cast<A>(p[i]));
  for (int w = kLanes / 2; w >= 1; w /= 2) {
    for (int j = 0; j < w; ++j) lanes[j] = op(lanes[j], lanes[j + w]);
  }
  return op(lanes[0], tail);
}

template <typename Tin, typename A, typename Op>
A reduce_contiguous(const Tin* p, int64_t n, Op op) {
  // The float32 kernels take whole runs: splitting them into many short calls
  // measurably slows the streaming loads (the sum is pairwise inside).
  if constexpr (std::is_same_v<Tin, float> && std::is_same_v<Op, ops::Sum<float>>) {
    return rsimd::sum(p, n);
  } else if constexpr (std::is_same_v<Tin, float> && std::is_same_v<Op, ops::Prod<float>>) {
    return rsimd::prod(p, n);
  } else if constexpr (std::is_same_v<Tin, float> && std::is_same_v<Op, ops::Max<float>>) {
    return rsimd::max(p, n);
  } else if constexpr (std::is_same_v<Tin, float> && std::is_same_v<Op, ops::Min<float>>) {
    return rsimd::min(p, n);
  }
  if (n > kBlock) {
    int64_t half = (n / 2 + kLanes - 1) / kLanes * kLanes;
    return op(reduce_contiguous<Tin, A>(p, half, op),
              reduce_contiguous<Tin, A>(p + half, n - half, op));
  }
  return reduce_block<Tin, A>(p, n, op);
}

template <typename Tin, typename A, typename Op>
A reduce_run(const Tin* p, int64_t n, int64_t stride, Op op) {
  if (stride == 1) return reduce_contiguous<Tin, A>(p, n, op);
  A acc = Op::init();
  for (int64_t i = 0; i < n; ++i) acc = op(acc, cast<A>(p[i * stride]));
  return acc;
}

/// Iteration space of a reduction: the input's non-trivial dims ordered by
/// decreasing input stride, with output strides (0 along reduced dims).
struct Plan {
  Shape shape;
  Strides in, out;
  std::vector<bool> reduced;
};

Plan make_plan(const array& in, const std::vector<int>& axes,
               const Shape& out_shape) {
  struct Dim {
    int64_t n, si, so;
    bool red;
  };
  auto out_strides = row_strides(out_shape);
  std::vector<Dim> dims;
  for (int d = 0; d < in.ndim(); ++d) {
    if (in.shape(d) == 1) continue;
    bool red = std::find(axes.begin(), axes.end(), d) != axes.end();
    dims.push_back({in.shape(d), in.strides(d), red ? 0 : out_strides[d], red});
  }
  std::stable_sort(dims.begin(), dims.end(), [](const Dim& a, const Dim& b) {
    return std::abs(a.si) > std::abs(b.si);
  });
  Plan p;
  for (auto& d : dims) {
    bool merge = !p.shape.empty() && p.reduced.back() == d.red &&
                 p.in.back() == d.si * d.n && p.out.back() == d.so * d.n;
    if (merge) {
      p.shape.back() *= d.n;
      p.in.back() = d.si;
      p.out.back() = d.so;
    } else {
      p.shape.push_back(d.n);
      p.in.push_back(d.si);
      p.out.push_back(d.so);
      p.reduced.push_back(d.red);
    }
  }
  if (p.shape.empty()) {
    p.shape = {1};
    p.in = {0};
    p.out = {0};
    p.reduced = {true};
  }
  return p;
}

template <typename Tin, typename A, typename Op>
void reduce_plan(const Tin* in, A* acc, const Plan& p, Op op) {
  if constexpr (std::is_same_v<Tin, float> && std::is_same_v<Op, ops::Sum<float>>) {
    // Summing whole rows into one row of outputs (an outer axis of a matrix).
    if (p.shape.size() == 2 && p.reduced[0] && !p.reduced[1] && p.in[1] == 1 &&
        p.out[1] == 1) {
      rsimd::add_rows(acc, in, p.shape[1], p.shape[0], p.in[0]);
      return;
    }
  }
  strided_for_each<2>(
      p.shape, {&p.in, &p.out}, [&](const auto& off, int64_t n, const auto& st) {
        const Tin* src = in + off[0];
        A* dst = acc + off[1];
        if (st[1] == 0) {
          *dst = op(*dst, reduce_run<Tin, A>(src, n, st[0], op));
        } else if (st[0] == 1 && st[1] == 1) {
          if constexpr (std::is_same_v<Tin, float> && std::is_same_v<Op, ops::Sum<float>>) {
            rsimd::add_row(dst, src, n);
          } else if constexpr (std::is_same_v<Tin, float> &&
                               std::is_same_v<Op, ops::Prod<float>>) {
            rsimd::mul_row(dst, src, n);
          } else if constexpr (std::is_same_v<Tin, float> &&
                               std::is_same_v<Op, ops::Max<float>>) {
            rsimd::max_row(dst, src, n);
          } else if constexpr (std::is_same_v<Tin, float> &&
                               std::is_same_v<Op, ops::Min<float>>) {
            rsimd::min_row(dst, src, n);
          } else {
            for (int64_t i = 0; i < n; ++i) dst[i] = op(dst[i], cast<A>(src[i]));
          }
        } else {
          for (int64_t i = 0; i < n; ++i) {
            dst[i * st[1]] = op(dst[i * st[1]], cast<A>(src[i * st[0]]));
          }
        }
      });
}

// Scratch accumulators (std::vector<bool> would not give a plain pointer).
template <typename A>
std::unique_ptr<A[]> filled(size_t n, A v) {
  std::unique_ptr<A[]> p(new A[n]);
  std::fill(p.get(), p.get() + n, v);
  return p;
}

/// The plan restricted to [lo, hi) along dim d.
Plan sub_plan(const Plan& p, size_t d, int64_t lo, int64_t hi) {
  Plan s = p;
  s.shape[d] = hi - lo;
  return s;
}

int largest_dim(const Plan& p, bool reduced) {
  int best = -1;
  for (size_t d = 0; d < p.shape.size(); ++d) {
    if (p.reduced[d] == reduced && (best < 0 || p.shape[d] > p.shape[best])) {
      best = static_cast<int>(d);
    }
  }
  return best;
}

template <typename Tin, typename A, typename Op>
void reduce_parallel(const Tin* in, A* acc, size_t out_size, const Plan& p,
                     size_t total, Op op) {
  constexpr int64_t kMinSplit = 32;
  bool big = total >= parallel_threshold() && num_threads() > 1;
  int kept = largest_dim(p, false);
  int red = largest_dim(p, true);
  bool can_keep = kept >= 0 && p.shape[kept] >= kMinSplit;
  bool can_red = red >= 0 && p.shape[red] >= kMinSplit;
  // When whole input rows accumulate into a row of outputs (reducing an outer
  // axis), splitting the kept columns would make every thread stride through
  // all rows; per-thread partial rows keep the reads sequential. They cost a
  // buffer and a merge per chunk, so only while the outputs are few.
  bool rows_into_row = !p.reduced.back() && out_size * 64 <= total;
  if (big && can_red && (!can_keep || rows_into_row)) {
    std::mutex mtx;
    parallel_for_impl(p.shape[red], [&](size_t lo, size_t hi) {
      auto part = filled<A>(out_size, Op::init());
      auto s = sub_plan(p, red, lo, hi);
      reduce_plan(in + static_cast<int64_t>(lo) * p.in[red], part.get(), s, op);
      std::lock_guard lk(mtx);
      for (size_t i = 0; i < out_size; ++i) acc[i] = op(acc[i], part[i]);
    });
    return;
  }
  if (big && can_keep) {
    // Threads own disjoint slices of the output.
    parallel_for_impl(p.shape[kept], [&](size_t lo, size_t hi) {
      auto s = sub_plan(p, kept, lo, hi);
      auto l = static_cast<int64_t>(lo);
      reduce_plan(in + l * p.in[kept], acc + l * p.out[kept], s, op);
    });
    return;
  }
  reduce_plan(in, acc, p, op);
}

template <typename Tin, typename Tout, typename A, typename Op>
void reduce_typed(const array& in, array& out, const std::vector<int>& axes,
                  Op op) {
  out.set_data(allocator::malloc(out.nbytes()));
  auto plan = make_plan(in, axes, out.shape());
  if constexpr (std::is_same_v<A, Tout>) {
    Tout* acc = out.data<Tout>();
    std::fill(acc, acc + out.size(), Op::init());
    reduce_parallel(in.data<Tin>(), acc, out.size(), plan, in.size(), op);
  } else {
    auto acc = filled<A>(out.size(), Op::init());
    reduce_parallel(in.data<Tin>(), acc.get(), out.size(), plan, in.size(), op);
    Tout* dst = out.data<Tout>();
    for (size_t i = 0; i < out.size(); ++i) dst[i] = cast<Tout>(acc[i]);
  }
}

/// Sum and Prod: the output is the input type or a widened integer.
template <template <typename> class OpT>
void reduce_arith(const array& in, array& out, const std::vector<int>& axes) {
  dispatch_dtype(in.dtype(), [&](auto t) {
    using T = decltype(t);
    if (out.dtype() == in.dtype()) {
      using A = compute_t<T>;
      reduce_typed<T, T, A>(in, out, axes, OpT<A>{});
    } else if constexpr (sizeof(T) <= 2 && std::is_integral_v<T>) {
      if (out.dtype() == int32) {
        reduce_typed<T, int32_t, int32_t>(in, out, axes, OpT<int32_t>{});
      } else {
        reduce_typed<T, uint32_t, uint32_t>(in, out, axes, OpT<uint32_t>{});
      }
    } else {
      throw std::runtime_error("[Reduce] Unexpected output dtype.");
    }
  });
}

template <template <typename> class OpT>
void reduce_same(const array& in, array& out, const std::vector<int>& axes) {
  dispatch_dtype(in.dtype(), [&](auto t) {
    using T = decltype(t);
    using A = compute_t<T>;
    reduce_typed<T, T, A>(in, out, axes, OpT<A>{});
  });
}

template <typename Op>
void reduce_bool(const array& in, array& out, const std::vector<int>& axes) {
  dispatch_dtype(in.dtype(), [&](auto t) {
    using T = decltype(t);
    reduce_typed<T, bool, bool>(in, out, axes, Op{});
  });
}

// ---------------------------------------------------------------------------
// ArgReduce

template <typename T, bool IsMax>
void arg_reduce_typed(const array& in0, array& out, int axis) {
  using C = compute_t<T>;
  array in = row_contiguous(in0);
  out.set_data(allocator::malloc(out.nbytes()));
  auto r = split_at(in.shape(), axis);
  const T* src = in.data<T>();
  uint32_t* dst = out.data<uint32_t>();
  // The first extreme wins; the first NaN beats everything.
  auto better = [](C x, C best) {
    bool b = IsMax ? ops::greater(x, best) : ops::greater(best, x);
    return b || (ops::is_nan(x) && !ops::is_nan(best));
  };
  for_rows(r, Cost::moderate, [&](int64_t o, int64_t jlo, int64_t jhi) {
    const T* base = src + o * r.n * r.inner;
    uint32_t* obase = dst + o * r.inner;
    if constexpr (std::is_same_v<T, float>) {
      if (r.inner == 1) {
        obase[0] = static_cast<uint32_t>(IsMax ? rsimd::argmax(base, r.n)
                                               : rsimd::argmin(base, r.n));
        return;
      }
      int64_t m = jhi - jlo;
      std::vector<float> best(base + jlo, base + jhi);
      std::vector<uint32_t> idx(m, 0);
      for (int64_t k = 1; k < r.n; ++k) {
        const float* row = base + k * r.inner + jlo;
        auto kk = static_cast<uint32_t>(k);
        if constexpr (IsMax) {
          rsimd::argmax_row(best.data(), idx.data(), row, m, kk);
        } else {
          rsimd::argmin_row(best.data(), idx.data(), row, m, kk);
        }
      }
      std::copy(idx.begin(), idx.end(), obase + jlo);
      return;
    }
    if constexpr (!is_complex_v<C>) {
      if (r.inner == 1) {
        // Two passes beat one branchy pass: a vectorized extreme, then a search
        // for its first occurrence.
        C m = IsMax ? reduce_contiguous<T, C>(base, r.n, ops::Max<C>{})
                    : reduce_contiguous<T, C>(base, r.n, ops::Min<C>{});
        int64_t k = 0;
        if (ops::is_nan(m)) {
          while (!ops::is_nan(static_cast<C>(base[k]))) ++k;
        } else {
          while (static_cast<C>(base[k]) != m) ++k;
        }
        obase[0] = static_cast<uint32_t>(k);
        return;
      }
    }
    if (r.inner == 1) {
      C best = static_cast<C>(base[0]);
      uint32_t bi = 0;
      for (int64_t k = 1; k < r.n; ++k) {
        C x = static_cast<C>(base[k]);
        if (better(x, best)) {
          best = x;
          bi = static_cast<uint32_t>(k);
        }
      }
      obase[0] = bi;
      return;
    }
    // Whole rows at a time: reads stay sequential when reducing an outer axis.
    std::vector<C> best(base + jlo, base + jhi);
    std::vector<uint32_t> idx(jhi - jlo, 0);
    for (int64_t k = 1; k < r.n; ++k) {
      const T* row = base + k * r.inner;
      for (int64_t j = jlo; j < jhi; ++j) {
        C x = static_cast<C>(row[j]);
        if (better(x, best[j - jlo])) {
          best[j - jlo] = x;
          idx[j - jlo] = static_cast<uint32_t>(k);
        }
      }
    }
    std::copy(idx.begin(), idx.end(), obase + jlo);
  });
}

// ---------------------------------------------------------------------------
// Median

template <typename C>
C median_of(std::vector<C>& v) {
  auto less = [](const C& a, const C& b) { return ops::greater(b, a); };
  size_t n = v.size();
  size_t k = (n - 1) / 2;
  std::nth_element(v.begin(), v.begin() + k, v.end(), less);
  C a = v[k];
  if (n % 2 == 1) return a;
  C b = *std::min_element(v.begin() + k + 1, v.end(), less);
  return (a + b) / C(2);
}

}  // namespace

// ---------------------------------------------------------------------------
// Primitive entry points and metadata

void Reduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  switch (type_) {
    case Type::Sum: reduce_arith<ops::Sum>(in, out, axes_); break;
    case Type::Prod: reduce_arith<ops::Prod>(in, out, axes_); break;
    case Type::Max: reduce_same<ops::Max>(in, out, axes_); break;
    case Type::Min: reduce_same<ops::Min>(in, out, axes_); break;
    case Type::And: reduce_bool<ops::And>(in, out, axes_); break;
    case Type::Or: reduce_bool<ops::Or>(in, out, axes_); break;
  }
}

void ArgReduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  dispatch_dtype(inputs[0].dtype(), [&](auto t) {
    using T = decltype(t);
    if (type_ == Type::ArgMax) {
      arg_reduce_typed<T, true>(inputs[0], out, axis_);
    } else {
      arg_reduce_typed<T, false>(inputs[0], out, axis_);
    }
  });
}

void Median::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = row_contiguous(inputs[0]);
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  int64_t n = in.shape(-1);
  dispatch_if<InexactType>(in.dtype(), "Median", [&](auto t) {
    using T = decltype(t);
    using C = compute_t<T>;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    auto run = [&](size_t lo, size_t hi) {
      std::vector<C> v(n);
      for (size_t r = lo; r < hi; ++r) {
        bool nan = false;
        for (int64_t i = 0; i < n; ++i) {
          v[i] = static_cast<C>(x[r * n + i]);
          nan |= ops::is_nan(v[i]);
        }
        C m = nan ? C(std::numeric_limits<float>::quiet_NaN()) : median_of(v);
        y[r] = cast<T>(m);
      }
    };
    if (in.size() >= parallel_threshold(Cost::heavy) && out.size() > 1 && num_threads() > 1) {
      parallel_for_impl(out.size(), run);
    } else {
      run(0, out.size());
    }
  });
}

}  // namespace lumex::core
