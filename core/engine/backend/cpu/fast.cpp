// Kernels of RMSNorm and LayerNorm: one row at a time (a row stays in L1 between
// the statistics pass and the output pass), rows split across threads. float32
// rows run directly; half-type rows are widened to a float buffer; float64 rows
// accumulate in double.
#include <cmath>
#include <optional>
#include <type_traits>
#include <vector>

#include "engine/allocator.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/backend/cpu/reduce_utils.h"
#include "engine/backend/cpu/target_clones.h"
#include "engine/primitives/fast.h"

namespace lumex::core {

using namespace cpu;

namespace {

// Sixteen partial sums let the compiler keep whole vectors of accumulators
// without reassociating a single float sum.
LUMEX_CLONES
float row_sum(const float* x, int64_t n) {
  float acc[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int j = 0; j < 16; ++j) acc[j] += x[i + j];
  }
  float s = 0.0f;
  for (; i < n; ++i) s += x[i];
  for (int j = 0; j < 16; ++j) s += acc[j];
  return s;
}

LUMEX_CLONES
float row_sumsq(const float* x, float shift, int64_t n) {
  float acc[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int j = 0; j < 16; ++j) {
      float d = x[i + j] - shift;
      acc[j] += d * d;
    }
  }
  float s = 0.0f;
  for (; i < n; ++i) s += (x[i] - shift) * (x[i] - shift);
  for (int j = 0; j < 16; ++j) s += acc[j];
  return s;
}

/// y = (x - shift) * r * w + b over a row (w, b may be null).
LUMEX_CLONES
void row_affine(const float* x, float shift, float r, const float* w, const float* b,
                float* y, int64_t n) {
  if (w && b) {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - shift) * r * w[i] + b[i];
  } else if (w) {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - shift) * r * w[i];
  } else if (b) {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - shift) * r + b[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - shift) * r;
  }
}

void norm_row_f32(const float* x, float* y, int64_t n, float eps, bool center, const float* w,
                  const float* b) {
  float mu = center ? row_sum(x, n) / static_cast<float>(n) : 0.0f;
  float var = row_sumsq(x, mu, n) / static_cast<float>(n);
  row_affine(x, mu, 1.0f / std::sqrt(var + eps), w, b, y, n);
}

void norm_row_f64(const double* x, double* y, int64_t n, double eps, bool center,
                  const double* w, const double* b) {
  double mu = 0.0;
  if (center) {
    for (int64_t i = 0; i < n; ++i) mu += x[i];
    mu /= static_cast<double>(n);
  }
  double ss = 0.0;
  for (int64_t i = 0; i < n; ++i) ss += (x[i] - mu) * (x[i] - mu);
  double r = 1.0 / std::sqrt(ss / static_cast<double>(n) + eps);
  for (int64_t i = 0; i < n; ++i) {
    double v = (x[i] - mu) * r;
    if (w) v *= w[i];
    if (b) v += b[i];
    y[i] = v;
  }
}

/// A per-feature parameter as a contiguous array of the computation type.
template <typename C, typename T>
std::vector<C> widen(const std::optional<array>& p) {
  if (!p) return {};
  array c = reduce_ops::row_contiguous(*p);
  const T* d = c.data<T>();
  std::vector<C> out(c.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<C>(static_cast<compute_t<T>>(d[i]));
  return out;
}

void normalize(const array& x0, const std::optional<array>& w, const std::optional<array>& b,
               float eps, bool center, array& out, const char* name) {
  array x = reduce_ops::row_contiguous(x0);
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  const int64_t n = x.shape(-1);
  const size_t rows = x.size() / static_cast<size_t>(n);
  dispatch_if<FloatType>(x.dtype(), name, [&](auto t) {
    using T = decltype(t);
    using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
    auto wv = widen<C, T>(w), bv = widen<C, T>(b);
    const C* wp = w ? wv.data() : nullptr;
    const C* bp = b ? bv.data() : nullptr;
    const T* xd = x.data<T>();
    T* yd = out.data<T>();
    auto run = [&](size_t lo, size_t hi) {
      std::vector<float> buf;
      for (size_t r = lo; r < hi; ++r) {
        const T* xr = xd + r * n;
        T* yr = yd + r * n;
        if constexpr (std::is_same_v<T, double>) {
          norm_row_f64(xr, yr, n, eps, center, wp, bp);
        } else if constexpr (std::is_same_v<T, float>) {
          norm_row_f32(xr, yr, n, eps, center, wp, bp);
        } else {
          buf.resize(n);
          for (int64_t i = 0; i < n; ++i) buf[i] = static_cast<float>(xr[i]);
          norm_row_f32(buf.data(), buf.data(), n, eps, center, wp, bp);
          for (int64_t i = 0; i < n; ++i) yr[i] = T(buf[i]);
        }
      }
    };
    if (x.size() >= parallel_threshold(Cost::moderate) && rows > 1 && num_threads() > 1) {
      parallel_for_impl(rows, run);
    } else {
      run(0, rows);
    }
  });
}

}  // namespace

void RMSNorm::eval_cpu(const std::vector<array>& inputs, array& out) {
  std::optional<array> w;
  if (has_weight_) w = inputs[1];
  normalize(inputs[0], w, std::nullopt, eps_, false, out, "rms_norm");
}

void LayerNorm::eval_cpu(const std::vector<array>& inputs, array& out) {
  std::optional<array> w, b;
  size_t i = 1;
  if (has_weight_) w = inputs[i++];
  if (has_bias_) b = inputs[i];
  normalize(inputs[0], w, b, eps_, true, out, "layer_norm");
}

}  // namespace lumex::core
