// Gather/scatter kernels. Values only move in Gather, SliceUpdate and GatherAxis,
// so those dispatch on the element size; the scatters combine, so they dispatch
// on the dtype. Index arrays arrive as int32 or int64 (the ops convert them).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <type_traits>
#include <vector>

#include "engine/backend/cpu/copy.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/primitives.h"

namespace lumex::core {

namespace {

array row_contiguous(const array& in) {
  if (in.flags().row_contiguous && in.data_size() == in.size()) return in;
  array c = array::empty_buffer(in.shape(), in.dtype());
  cpu::copy_into(in, c);
  return c;
}

/// Calls f(T{}) with an unsigned type of the given element size.
template <typename F>
void dispatch_size(size_t size, F&& f) {
  switch (size) {
    case 1: f(uint8_t{}); break;
    case 2: f(uint16_t{}); break;
    case 4: f(uint32_t{}); break;
    default: f(uint64_t{}); break;
  }
}

template <typename F>
void dispatch_index(Dtype d, F&& f) {
  if (d == int64) {
    f(int64_t{});
  } else {
    f(int32_t{});
  }
}

[[noreturn]] void index_error(const char* op, int64_t v, int axis, int64_t size) {
  throw std::out_of_range(msg("[", op, "] Index ", v, " is out of bounds for axis ", axis,
                              " with size ", size, "."));
}

/// Runs f(lo, hi) over [0, n) items of `work` elements each, in parallel when large.
template <typename F>
void parallel_items(size_t n, size_t work, F&& f) {
  if (n > 1 && n * work >= cpu::parallel_threshold(cpu::Cost::moderate) && cpu::num_threads() > 1) {
    cpu::parallel_for_impl(n, f);
  } else {
    f(size_t(0), n);
  }
}

/// Offset (in elements) of every run of a slice block, and the run geometry.
struct SliceRuns {
  std::vector<int64_t> offsets;
  int64_t len = 1, stride = 1;
  size_t total = 1;
};

SliceRuns slice_runs(const Shape& sizes, const Strides& strides) {
  SliceRuns r;
  r.total = shape_size(sizes);
  if (r.total == 0) return r;
  cpu::strided_for_each<1>(sizes, {&strides}, [&](auto off, int64_t n, auto inner) {
    r.offsets.push_back(off[0]);
    r.len = n;
    r.stride = inner[0];
  });
  return r;
}

/// Checks and wraps index values; records the first bad one.
struct IndexCheck {
  std::atomic<bool> bad{false};
  int64_t value = 0;
  int axis = 0;
  int64_t size = 0;
  std::atomic_flag taken = ATOMIC_FLAG_INIT;
  void report(int64_t v, int ax, int64_t n) {
    if (!taken.test_and_set()) {
      value = v;
      axis = ax;
      size = n;
    }
    bad = true;
  }
};

}  // namespace

void Gather::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& src = inputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  size_t k = inputs.size() - 1;
  std::vector<array> idx;
  for (size_t i = 1; i < inputs.size(); ++i) idx.push_back(row_contiguous(inputs[i]));
  size_t n = idx.empty() ? 1 : idx[0].size();
  auto runs = slice_runs(slice_sizes_, src.strides());
  std::vector<int64_t> dims(k), limit(k), st(k);
  for (size_t j = 0; j < k; ++j) {
    dims[j] = src.shape(axes_[j]);
    limit[j] = dims[j] - slice_sizes_[axes_[j]];
    st[j] = src.strides(axes_[j]);
  }
  bool check = index_checks_enabled();
  IndexCheck bad;
  dispatch_size(out.itemsize(), [&](auto t) {
    using T = decltype(t);
    const T* s = src.data<T>();
    T* o = out.data<T>();
    dispatch_index(idx.empty() ? int32 : idx[0].dtype(), [&](auto it) {
      using I = decltype(it);
      std::vector<const I*> ip(k);
      for (size_t j = 0; j < k; ++j) ip[j] = idx[j].data<I>();
      if (k == 1 && runs.total == 1) {
        // The common case: one index array picking single elements.
        const I* p = ip[0];
        int64_t d = dims[0], lim = limit[0], stride = st[0];
        parallel_items(n, 1, [&, p, d, lim, stride, s, o](size_t lo, size_t hi) {
          // Checked in blocks: a vectorized min/max over a block of indices, then a
          // bare gather loop. A compare inside the gather loop would cost ~2x on large
          // random gathers: its extra instructions leave room for fewer outstanding
          // cache misses.
          constexpr size_t kBlock = 4096;
          for (size_t b = lo; b < hi; b += kBlock) {
            size_t e = std::min(hi, b + kBlock);
            if (check) {
              I mn = p[b], mx = p[b];
              for (size_t i = b; i < e; ++i) {
                mn = std::min(mn, p[i]);
                mx = std::max(mx, p[i]);
              }
              if (mn < -d || mx > lim) {
                for (size_t i = b; i < e; ++i) {
                  if (p[i] < -d || p[i] > lim) {
                    bad.report(p[i], axes_[0], d);
                    return;
                  }
                }
              }
            }
            for (size_t i = b; i < e; ++i) {
              int64_t v = p[i];
              v += v < 0 ? d : 0;
              o[i] = s[v * stride];
            }
          }
        });
      } else {
        parallel_items(n, runs.total, [&](size_t lo, size_t hi) {
          for (size_t i = lo; i < hi; ++i) {
            int64_t off = 0;
            for (size_t j = 0; j < k; ++j) {
              int64_t v = ip[j][i];
              v += v < 0 ? dims[j] : 0;
              if (check && (v < 0 || v > limit[j])) {
                bad.report(ip[j][i], axes_[j], dims[j]);
                return;
              }
              off += v * st[j];
            }
            T* dst = o + i * runs.total;
            for (int64_t r : runs.offsets) {
              const T* from = s + off + r;
              if (runs.stride == 1) {
                std::memcpy(dst, from, runs.len * sizeof(T));
              } else {
                for (int64_t e = 0; e < runs.len; ++e) dst[e] = from[e * runs.stride];
              }
              dst += runs.len;
            }
          }
        });
      }
    });
  });
  if (bad.bad) index_error("gather", bad.value, bad.axis, bad.size);
}

namespace {

/// Applies `reduce` for one element.
template <typename T>
inline void combine(T& dst, T v, Scatter::ReduceType r) {
  using C = cpu::compute_t<T>;
  switch (r) {
    case Scatter::None: dst = v; return;
    case Scatter::Sum:
      if constexpr (std::is_same_v<T, bool>) {
        dst = dst || v;
      } else {
        dst = T(static_cast<C>(dst) + static_cast<C>(v));
      }
      return;
    case Scatter::Prod:
      if constexpr (std::is_same_v<T, bool>) {
        dst = dst && v;
      } else {
        dst = T(static_cast<C>(dst) * static_cast<C>(v));
      }
      return;
    case Scatter::Max:
    case Scatter::Min:
      if constexpr (cpu::is_complex_v<T>) {
        bool gt = v.real() > dst.real() || (v.real() == dst.real() && v.imag() > dst.imag());
        if ((r == Scatter::Max) == gt && !(v == dst)) dst = v;
      } else {
        C a = static_cast<C>(dst), b = static_cast<C>(v);
        if constexpr (cpu::is_float_v<T>) {
          if (std::isnan(a)) return;  // NaN propagates
          if (std::isnan(b)) {
            dst = v;
            return;
          }
        }
        if (r == Scatter::Max ? b > a : b < a) dst = v;
      }
      return;
  }
}

/// out = src copied row-contiguous (donating src's buffer when possible).
void init_from(const array& src, array& out) {
  if (cpu::is_donatable(src, out)) {
    out.copy_shared_buffer(src);
  } else {
    cpu::copy_row_contiguous(src, out);
  }
}

}  // namespace

void Scatter::eval_cpu(const std::vector<array>& inputs, array& out) {
  size_t k = inputs.size() - 2;
  init_from(inputs[0], out);
  auto upd = row_contiguous(inputs.back());
  std::vector<array> idx;
  for (size_t i = 1; i <= k; ++i) idx.push_back(row_contiguous(inputs[i]));
  int ni = upd.ndim() - out.ndim();
  size_t n = idx.empty() ? 1 : idx[0].size();
  Shape sizes(upd.shape().begin() + ni, upd.shape().end());
  auto ostrides = row_strides(out.shape());
  auto runs = slice_runs(sizes, ostrides);
  if (upd.size() == 0) return;
  std::vector<int64_t> dims(k), limit(k), st(k);
  for (size_t j = 0; j < k; ++j) {
    dims[j] = out.shape(axes_[j]);
    limit[j] = dims[j] - sizes[axes_[j]];
    st[j] = ostrides[axes_[j]];
  }
  bool one_per_indexed_axis = true;
  for (size_t j = 0; j < k; ++j) one_per_indexed_axis &= sizes[axes_[j]] == 1;
  bool check = index_checks_enabled();
  // The reduction as a compile-time constant, so the element loop has no switch.
  auto with_reduce = [r = reduce_](auto&& f) {
    switch (r) {
      case Scatter::None: return f(std::integral_constant<Scatter::ReduceType, Scatter::None>{});
      case Scatter::Sum: return f(std::integral_constant<Scatter::ReduceType, Scatter::Sum>{});
      case Scatter::Prod: return f(std::integral_constant<Scatter::ReduceType, Scatter::Prod>{});
      case Scatter::Max: return f(std::integral_constant<Scatter::ReduceType, Scatter::Max>{});
      case Scatter::Min: return f(std::integral_constant<Scatter::ReduceType, Scatter::Min>{});
    }
  };
  dispatch_dtype(out.dtype(), [&](auto t) {
    using T = decltype(t);
    T* o = out.data<T>();
    const T* u = upd.data<T>();
    dispatch_index(idx.empty() ? int32 : idx[0].dtype(), [&](auto it) {
      using I = decltype(it);
      // Validate everything first so a bad index leaves no partial result.
      if (check) {
        for (size_t j = 0; j < k; ++j) {
          const I* p = idx[j].data<I>();
          for (size_t i = 0; i < n; ++i) {
            int64_t v = p[i];
            v += v < 0 ? dims[j] : 0;
            if (v < 0 || v > limit[j]) index_error("scatter", p[i], axes_[j], dims[j]);
          }
        }
      }
      // Offset in `out` of index i's block.
      auto base = [&](size_t i) {
        int64_t off = 0;
        for (size_t j = 0; j < k; ++j) {
          int64_t v = idx[j].data<I>()[i];
          v += v < 0 ? dims[j] : 0;
          off += v * st[j];
        }
        return off;
      };
      // Elements [lo, hi) of every block, indices in order, so repeated
      // indices apply in order (the last write wins) however the work is split.
      auto apply = [&](size_t lo, size_t hi) {
        // The pieces of runs that [lo, hi) covers: (offset in the block's
        // destination, first element, element count).
        struct Piece {
          int64_t at;
          size_t first, count;
        };
        std::vector<Piece> pieces;
        for (size_t run = lo / runs.len; run * runs.len < hi; ++run) {
          size_t b = std::max(lo, run * runs.len);
          size_t e = std::min<size_t>(hi, (run + 1) * runs.len);
          pieces.push_back({runs.offsets[run] + int64_t(b - run * runs.len) * runs.stride, b, e - b});
        }
        with_reduce([&](auto red) {
          // Random read-modify-writes stall on each cache miss; touching the
          // destination a few indices ahead overlaps the misses.
          constexpr size_t kAhead = 16;
          const bool prefetch = !pieces.empty() && decltype(red)::value != Scatter::None;
          for (size_t i = 0; i < n; ++i) {
            if (prefetch && i + kAhead < n) __builtin_prefetch(o + base(i + kAhead) + pieces[0].at, 1);
            int64_t off = base(i);
            const T* from = u + i * runs.total;
            for (const auto& pc : pieces) {
              int64_t at = off + pc.at;
              for (size_t e = 0; e < pc.count; ++e, at += runs.stride) {
                combine(o[at], from[pc.first + e], decltype(red)::value);
              }
            }
          }
        });
      };
      const size_t block = runs.total;
      constexpr size_t kChunk = 16;  // elements per work item: a cache line of floats
      if (n * block >= cpu::parallel_threshold() && cpu::num_threads() > 1 &&
          block >= 2 * kChunk && one_per_indexed_axis) {
        // Blocks one wide along every indexed axis: element e of one block
        // never meets element e' != e of another, so threads split the elements.
        cpu::parallel_for_impl((block + kChunk - 1) / kChunk, [&](size_t lo, size_t hi) {
          apply(lo * kChunk, std::min(hi * kChunk, block));
        });
      } else {
        // Splitting by destination instead (every thread scanning every index)
        // measured slower than this serial loop on a loaded two-core machine.
        apply(0, block);
      }
    });
  });
}

void SliceUpdate::eval_cpu(const std::vector<array>& inputs, array& out) {
  init_from(inputs[0], out);
  const array& upd = inputs[1];
  auto rs = row_strides(out.shape());
  Strides view(out.ndim());
  int64_t offset = 0;
  for (int i = 0; i < out.ndim(); ++i) {
    view[i] = rs[i] * strides_[i];
    offset += start_[i] * rs[i];
  }
  dispatch_size(out.itemsize(), [&](auto t) {
    using T = decltype(t);
    T* o = out.data<T>() + offset;
    const T* u = upd.data<T>();
    cpu::strided_for_each<2>(upd.shape(), {&view, &upd.strides()},
                             [&](auto off, int64_t n, auto inner) {
                               T* d = o + off[0];
                               const T* s = u + off[1];
                               if (inner[0] == 1 && inner[1] == 1) {
                                 std::memcpy(d, s, n * sizeof(T));
                               } else {
                                 for (int64_t e = 0; e < n; ++e) {
                                   d[e * inner[0]] = s[e * inner[1]];
                                 }
                               }
                             });
  });
}

void GatherAxis::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& src = inputs[0];
  const array& idx = inputs[1];
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  Strides sst = src.strides();
  int64_t axis_stride = sst[axis_];
  sst[axis_] = 0;
  auto ost = row_strides(out.shape());
  int64_t d = src.shape(axis_);
  bool check = index_checks_enabled();
  IndexCheck bad;
  dispatch_size(out.itemsize(), [&](auto t) {
    using T = decltype(t);
    const T* s = src.data<T>();
    T* o = out.data<T>();
    dispatch_index(idx.dtype(), [&](auto it) {
      using I = decltype(it);
      const I* p = idx.data<I>();
      cpu::strided_for_each<3>(
          out.shape(), {&sst, &idx.strides(), &ost}, [&](auto off, int64_t n, auto inner) {
            if (bad.bad) return;
            for (int64_t e = 0; e < n; ++e) {
              int64_t v = p[off[1] + e * inner[1]];
              v += v < 0 ? d : 0;
              if (check && (v < 0 || v >= d)) {
                bad.report(p[off[1] + e * inner[1]], axis_, d);
                return;
              }
              o[off[2] + e * inner[2]] = s[off[0] + e * inner[0] + v * axis_stride];
            }
          });
    });
  });
  if (bad.bad) index_error("take_along_axis", bad.value, bad.axis, bad.size);
}

void ScatterAxis::eval_cpu(const std::vector<array>& inputs, array& out) {
  init_from(inputs[0], out);
  const array& idx = inputs[1];
  const array& upd = inputs[2];
  if (idx.size() == 0) return;
  Strides ost = row_strides(out.shape());
  int64_t axis_stride = ost[axis_];
  Strides ost0 = ost;
  ost0[axis_] = 0;
  int64_t d = out.shape(axis_);
  bool check = index_checks_enabled();
  auto r = reduce_;
  dispatch_dtype(out.dtype(), [&](auto t) {
    using T = decltype(t);
    T* o = out.data<T>();
    const T* u = upd.data<T>();
    dispatch_index(idx.dtype(), [&](auto it) {
      using I = decltype(it);
      const I* p = idx.data<I>();
      if (check) {
        cpu::strided_for_each<1>(idx.shape(), {&idx.strides()},
                                 [&](auto off, int64_t n, auto inner) {
                                   for (int64_t e = 0; e < n; ++e) {
                                     int64_t v = p[off[0] + e * inner[0]];
                                     if (v < -d || v >= d) {
                                       index_error("put_along_axis", v, axis_, d);
                                     }
                                   }
                                 });
      }
      cpu::strided_for_each<3>(
          idx.shape(), {&ost0, &idx.strides(), &upd.strides()},
          [&](auto off, int64_t n, auto inner) {
            for (int64_t e = 0; e < n; ++e) {
              int64_t v = p[off[1] + e * inner[1]];
              v += v < 0 ? d : 0;
              combine(o[off[0] + e * inner[0] + v * axis_stride], u[off[2] + e * inner[2]], r);
            }
          });
    });
  });
}

void MaskedScatter::eval_cpu(const std::vector<array>& inputs, array& out) {
  init_from(inputs[0], out);
  auto mask = row_contiguous(inputs[1]);
  auto values = row_contiguous(inputs[2]);
  if (out.size() == 0) return;
  int64_t batches = 1;
  for (int i = 0; i < batch_ndim_; ++i) batches *= out.shape(i);
  const int64_t row = static_cast<int64_t>(out.size()) / batches;
  const int64_t n = values.shape(-1);
  const bool* m = mask.data<bool>();
  bool short_of_values = false;
  dispatch_size(out.itemsize(), [&](auto t) {
    using T = decltype(t);
    T* o = out.data<T>();
    const T* v = values.data<T>();
    for (int64_t b = 0; b < batches && !short_of_values; ++b) {
      int64_t k = 0;
      for (int64_t i = b * row; i < (b + 1) * row; ++i) {
        if (!m[i]) continue;
        if (k == n) {
          short_of_values = true;
          break;
        }
        o[i] = v[b * n + k++];
      }
    }
  });
  if (short_of_values) {
    throw std::runtime_error("[MaskedScatter::eval_cpu] Source does not have enough elements for mask.");
  }
}

}  // namespace lumex::core
