// Prefix scans along one axis. The input is viewed row-contiguous as
// (outer, n, inner): a scan over the last axis runs one accumulator down each
// row; a scan over an outer axis carries a whole row of accumulators, so every
// step is a vectorizable row operation with sequential reads. Sums, products,
// max and min of 4- and 8-byte numbers go to the vector kernels of
// scan_simd.cpp; the rest (and logcumsumexp) run the scalar loops here.
//
// An inclusive scan starts from x[0] itself and an exclusive one from the op's
// initial value, as in MLX (so a sum of -0.0 stays -0.0 when inclusive).
#include <optional>
#include <vector>

#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/reduce_utils.h"
#include "engine/backend/cpu/scan_simd.h"
#include "engine/primitives.h"

namespace lumex::core {

using namespace cpu;
namespace ops = cpu::reduce_ops;

namespace {

template <typename Tin, typename Tout, typename Op>
void scan_typed(const array& in0, array& out, int axis, bool reverse,
                bool inclusive, Op op) {
  using A = compute_t<Tout>;
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  array in = ops::row_contiguous(in0);
  auto r = ops::split_at(in.shape(), axis);
  const Tin* src = in.data<Tin>();
  Tout* dst = out.data<Tout>();
  int64_t first = reverse ? r.n - 1 : 0;
  int64_t step = reverse ? -1 : 1;
  ops::for_rows(r, Cost::moderate, [&](int64_t o, int64_t jlo, int64_t jhi) {
    const Tin* x = src + o * r.n * r.inner;
    Tout* y = dst + o * r.n * r.inner;
    if (r.inner == 1) {
      A acc = Op::init();
      for (int64_t i = 0, k = first; i < r.n; ++i, k += step) {
        if (inclusive) {
          acc = i == 0 ? cast<A>(x[k]) : op(acc, cast<A>(x[k]));
          y[k] = cast<Tout>(acc);
        } else {
          y[k] = cast<Tout>(acc);
          acc = op(acc, cast<A>(x[k]));
        }
      }
      return;
    }
    std::vector<A> acc(jhi - jlo, Op::init());
    for (int64_t i = 0, k = first; i < r.n; ++i, k += step) {
      const Tin* xr = x + k * r.inner + jlo;
      Tout* yr = y + k * r.inner + jlo;
      int64_t m = jhi - jlo;
      if (inclusive) {
        for (int64_t j = 0; j < m; ++j) {
          acc[j] = i == 0 ? cast<A>(xr[j]) : op(acc[j], cast<A>(xr[j]));
          yr[j] = cast<Tout>(acc[j]);
        }
      } else {
        for (int64_t j = 0; j < m; ++j) {
          yr[j] = cast<Tout>(acc[j]);
          acc[j] = op(acc[j], cast<A>(xr[j]));
        }
      }
    }
  });
}

template <typename T>
void scan_vector(const array& in0, array& out, ssimd::Op op, int axis, bool reverse,
                 bool inclusive) {
  std::optional<array> tmp;
  if (!in0.flags().row_contiguous || in0.data_size() != in0.size()) {
    tmp = ops::row_contiguous(in0);
  }
  const array& in = tmp ? *tmp : in0;
  auto r = ops::split_at(in.shape(), axis);
  // In place is safe except for an exclusive scan over an outer axis, which
  // reads input row k - 1 after writing output row k - 1.
  if ((inclusive || r.inner == 1) && is_donatable(in, out)) {
    out.copy_shared_buffer(in);
  } else {
    out.set_data(allocator::malloc(out.nbytes()));
  }
  if (out.size() == 0) return;
  const T* src = in.data<T>();
  T* dst = out.data<T>();
  int64_t first = reverse ? r.n - 1 : 0;
  int64_t step = reverse ? -1 : 1;
  ops::for_rows(r, Cost::moderate, [&](int64_t o, int64_t jlo, int64_t jhi) {
    int64_t base = o * r.n * r.inner;
    if (r.inner == 1) {
      ssimd::scan_run(op, src + base, dst + base, r.n, reverse, inclusive);
      return;
    }
    auto at = [&](int64_t k) { return base + k * r.inner + jlo; };
    int64_t m = jhi - jlo;
    ssimd::start_row(op, src + at(first), dst + at(first), m, inclusive);
    for (int64_t i = 1, k = first + step; i < r.n; ++i, k += step) {
      ssimd::combine_row(op, dst + at(k - step), src + at(inclusive ? k : k - step),
                         dst + at(k), m);
    }
  });
}

/// The vector kernels, when they cover the op and dtype.
bool try_scan_vector(const array& in, array& out, Scan::Type type, int axis,
                     bool reverse, bool inclusive) {
  std::optional<ssimd::Op> op;
  switch (type) {
    case Scan::Type::Sum: op = ssimd::Op::sum; break;
    case Scan::Type::Prod: op = ssimd::Op::prod; break;
    case Scan::Type::Max: op = ssimd::Op::max; break;
    case Scan::Type::Min: op = ssimd::Op::min; break;
    default: break;
  }
  if (!op || in.dtype() != out.dtype()) return false;
  bool done = false;
  dispatch_dtype(in.dtype(), [&](auto t) {
    using T = decltype(t);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                  std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t> ||
                  std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t>) {
      scan_vector<T>(in, out, *op, axis, reverse, inclusive);
      done = true;
    }
  });
  return done;
}

template <template <typename> class OpT, template <typename> class Pred>
void scan_same(const array& in, array& out, int axis, bool reverse,
               bool inclusive, const char* name) {
  dispatch_if<Pred>(in.dtype(), name, [&](auto t) {
    using T = decltype(t);
    scan_typed<T, T>(in, out, axis, reverse, inclusive, OpT<compute_t<T>>{});
  });
}

}  // namespace

void Scan::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  if (try_scan_vector(in, out, type_, axis_, reverse_, inclusive_)) return;
  switch (type_) {
    case Type::Sum:
      if (in.dtype() == bool_ && out.dtype() == int32) {
        scan_typed<bool, int32_t>(in, out, axis_, reverse_, inclusive_,
                                  ops::Sum<int32_t>{});
      } else {
        scan_same<ops::Sum, AnyType>(in, out, axis_, reverse_, inclusive_, "cumsum");
      }
      break;
    case Type::Prod:
      scan_same<ops::Prod, AnyType>(in, out, axis_, reverse_, inclusive_, "cumprod");
      break;
    case Type::Max:
      scan_same<ops::Max, AnyType>(in, out, axis_, reverse_, inclusive_, "cummax");
      break;
    case Type::Min:
      scan_same<ops::Min, AnyType>(in, out, axis_, reverse_, inclusive_, "cummin");
      break;
    case Type::LogAddExp:
      scan_same<ops::LogAddExp, InexactType>(in, out, axis_, reverse_,
                                             inclusive_, "logcumsumexp");
      break;
  }
}

}  // namespace lumex::core
