// Row kernels over the last axis: Softmax and LogSumExp. float32 rows go to the
// vectorized kernels in reduce_simd.cpp; half types are widened per row; float64
// runs a plain three-pass loop. Rows are split across threads.
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/backend/cpu/reduce_simd.h"
#include "engine/backend/cpu/reduce_utils.h"
#include "engine/primitives.h"

namespace lumex::core {

using namespace cpu;

namespace {

void softmax_row_f64(const double* x, double* y, int64_t n) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    y[i] = std::exp(x[i] - m);
    s += y[i];
  }
  double inv = 1.0 / s;
  for (int64_t i = 0; i < n; ++i) y[i] *= inv;
}

double logsumexp_row_f64(const double* x, int64_t n) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  double m = -inf;
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] != x[i]) return x[i];
    m = x[i] > m ? x[i] : m;
  }
  if (m == inf || m == -inf) return m;
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += std::exp(x[i] - m);
  return m + std::log(s);
}

/// Runs row(r, scratch) for every row, in parallel when the input is large.
/// Each chunk gets its own float scratch (for widening half-type rows).
template <typename F>
void for_each_row(size_t rows, size_t total, F row) {
  auto run = [&](size_t lo, size_t hi) {
    std::vector<float> buf;
    for (size_t r = lo; r < hi; ++r) row(r, buf);
  };
  if (total >= parallel_threshold(Cost::heavy) && rows > 1 && num_threads() > 1) {
    parallel_for_impl(rows, run);
  } else {
    run(0, rows);
  }
}

}  // namespace

void Softmax::eval_cpu(const std::vector<array>& inputs, array& out) {
  // Not a copy of the handle when the input is usable as is: that would hide
  // a donatable buffer behind an extra reference.
  std::optional<array> tmp;
  const auto& x0 = inputs[0];
  if (!x0.flags().row_contiguous || x0.data_size() != x0.size()) {
    tmp = reduce_ops::row_contiguous(x0);
  }
  const array& in = tmp ? *tmp : x0;
  if (is_donatable(in, out)) {
    out.copy_shared_buffer(in);
  } else {
    out.set_data(allocator::malloc(out.nbytes()));
  }
  if (out.size() == 0) return;
  int64_t n = in.shape(-1);
  size_t rows = in.size() / static_cast<size_t>(n);
  dispatch_if<FloatType>(in.dtype(), "Softmax", [&](auto t) {
    using T = decltype(t);
    const T* x = in.data<T>();
    T* y = out.data<T>();
    for_each_row(rows, in.size(), [&](size_t r, std::vector<float>& buf) {
      const T* xr = x + r * n;
      T* yr = y + r * n;
      if constexpr (std::is_same_v<T, float>) {
        rsimd::softmax_row(xr, yr, n);
      } else if constexpr (std::is_same_v<T, double>) {
        softmax_row_f64(xr, yr, n);
      } else {
        // Half types: widen the row, run the float32 kernel, narrow back.
        buf.resize(n);
        for (int64_t i = 0; i < n; ++i) buf[i] = static_cast<float>(xr[i]);
        rsimd::softmax_row(buf.data(), buf.data(), n);
        for (int64_t i = 0; i < n; ++i) yr[i] = T(buf[i]);
      }
    });
  });
}

void LogSumExp::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = reduce_ops::row_contiguous(inputs[0]);
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  int64_t n = in.shape(-1);
  size_t rows = out.size();
  dispatch_if<FloatType>(in.dtype(), "LogSumExp", [&](auto t) {
    using T = decltype(t);
    const T* x = in.data<T>();
    T* y = out.data<T>();
    for_each_row(rows, in.size(), [&](size_t r, std::vector<float>& buf) {
      const T* xr = x + r * n;
      if constexpr (std::is_same_v<T, float>) {
        y[r] = rsimd::logsumexp_row(xr, n);
      } else if constexpr (std::is_same_v<T, double>) {
        y[r] = logsumexp_row_f64(xr, n);
      } else {
        buf.resize(n);
        for (int64_t i = 0; i < n; ++i) buf[i] = static_cast<float>(xr[i]);
        y[r] = T(rsimd::logsumexp_row(buf.data(), n));
      }
    });
  });
}

}  // namespace lumex::core
