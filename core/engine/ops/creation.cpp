#include <cmath>
#include <limits>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {
void check_shape(const Shape& shape, const char* op) {
  for (auto d : shape) {
    if (d < 0) {
      throw std::invalid_argument(
          msg("[", op, "] Negative dimensions not allowed."));
    }
  }
}
}  // namespace

array full(Shape shape, const array& vals, Dtype dtype, StreamOrDevice s) {
  check_shape(shape, "full");
  auto st = to_stream(s);
  auto in = broadcast_to(astype(vals, dtype, st), shape, st);
  return array(std::move(shape), dtype, std::make_shared<Full>(st), {in});
}

array full(Shape shape, const array& vals, StreamOrDevice s) {
  return full(std::move(shape), vals, vals.dtype(), s);
}

array zeros(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(false, dtype), dtype, s);
}

array ones(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(true, dtype), dtype, s);
}

array zeros_like(const array& a, StreamOrDevice s) {
  return zeros(a.shape(), a.dtype(), s);
}

array ones_like(const array& a, StreamOrDevice s) {
  return ones(a.shape(), a.dtype(), s);
}

array zeros_like(const array& a, Dtype dtype, StreamOrDevice s) {
  return zeros(a.shape(), dtype, s);
}

array ones_like(const array& a, Dtype dtype, StreamOrDevice s) {
  return ones(a.shape(), dtype, s);
}

array full_like(const array& a, const array& vals, Dtype dtype, StreamOrDevice s) {
  return full(a.shape(), vals, dtype, s);
}

array full_like(const array& a, const array& vals, StreamOrDevice s) {
  return full(a.shape(), vals, a.dtype(), s);
}

array arange(double start, double stop, double step, Dtype dtype,
             StreamOrDevice s) {
  if (dtype == bool_) {
    throw std::invalid_argument("bool not supported for arange.");
  }
  if (step == 0) {
    throw std::invalid_argument("[arange] step must be nonzero.");
  }
  if (std::isinf(start) || std::isinf(stop)) {
    throw std::invalid_argument("[arange] Cannot compute length.");
  }
  double n = std::ceil((stop - start) / step);
  // An infinite step takes one element when it points from start towards stop
  // (as NumPy and MLX); the kernel must then not see it, as 0 * inf is NaN.
  if (std::isinf(step) && !std::isnan(n)) {
    n = (stop > start) == (step > 0) && stop != start ? 1 : 0;
    step = 1;
  }
  if (std::isnan(n)) {
    throw std::invalid_argument("[arange] Cannot compute length.");
  }
  if (n > static_cast<double>(std::numeric_limits<int32_t>::max())) {
    throw std::invalid_argument("[arange] Maximum size exceeded.");
  }
  auto len = static_cast<ShapeElem>(std::max(0.0, n));
  auto st = to_stream(s);
  if (!is_inexact(dtype)) {
    // As MLX: the length comes from the float values, the elements from start and
    // step converted to the integer type (arange(0, 3, 0.2, int32) is 15 zeros).
    start = std::trunc(start);
    step = std::trunc(step);
  }
  return array({len}, dtype, std::make_shared<Arange>(st, start, stop, step), {});
}

array arange(double stop, Dtype dtype, StreamOrDevice s) {
  return arange(0.0, stop, 1.0, dtype, s);
}

array linspace(double start, double stop, int num, bool endpoint, Dtype dtype,
               StreamOrDevice s) {
  if (num < 0) {
    throw std::invalid_argument(msg("[linspace] number of samples, ", num,
                                    ", must be non-negative."));
  }
  auto st = to_stream(s);
  if (num == 1) return astype(array(&start, {1}, float64), dtype, st);
  // (1 - t) * start + t * stop, in float64 for float64 output and float32
  // otherwise: MLX's rounding, and both endpoints come out exact.
  Dtype ct = dtype == float64 ? float64 : float32;
  double steps = endpoint ? num - 1 : num;
  auto t = divide(arange(0.0, num, 1.0, ct, st), array(steps, ct), st);
  auto t_bar = subtract(array(1.0, ct), t, st);
  auto out = add(multiply(t_bar, array(start, ct), st),
                 multiply(t, array(stop, ct), st), st);
  return astype(out, dtype, st);
}

array linspace(double start, double stop, int num, Dtype dtype, StreamOrDevice s) {
  return linspace(start, stop, num, true, dtype, s);
}

array eye(int n, int m, int k, Dtype dtype, StreamOrDevice s) {
  if (n < 0 || m < 0) {
    throw std::invalid_argument("[eye] N and M must be positive integers.");
  }
  auto st = to_stream(s);
  // Empty: no 8 GiB index vector for eye(0, 2**31 - 1).
  if (n == 0 || m == 0) return zeros({n, m}, dtype, st);
  auto rows = reshape(arange(0.0, n, 1.0, int32, st), {n, 1}, st);
  auto cols = reshape(arange(0.0, m, 1.0, int32, st), {1, m}, st);
  // Element (r, c) is on the k-th diagonal when c - r == k.
  auto mask = equal(subtract(cols, rows, st), array(k, int32), st);
  return astype(mask, dtype, st);
}

array eye(int n, Dtype dtype, StreamOrDevice s) { return eye(n, n, 0, dtype, s); }

array identity(int n, Dtype dtype, StreamOrDevice s) {
  return eye(n, n, 0, dtype, s);
}

array tri(int n, int m, int k, Dtype dtype, StreamOrDevice s) {
  auto st = to_stream(s);
  n = std::max(n, 0);
  m = std::max(m, 0);
  if (n == 0 || m == 0) return zeros({n, m}, dtype, st);
  auto rows = reshape(arange(0.0, n, 1.0, int32, st), {n, 1}, st);
  auto cols = reshape(arange(0.0, m, 1.0, int32, st), {1, m}, st);
  return astype(less_equal(subtract(cols, rows, st), array(k, int32), st), dtype, st);
}

namespace {
array triangle(const array& x, int k, bool lower, const char* op, StreamOrDevice s) {
  if (x.ndim() < 2) {
    throw std::invalid_argument(msg("[", op, "] array must be at least 2-D"));
  }
  auto st = to_stream(s);
  auto n = static_cast<int>(x.shape(-2)), m = static_cast<int>(x.shape(-1));
  auto zero = zeros({}, x.dtype(), st);
  if (lower) return where(tri(n, m, k, bool_, st), x, zero, st);
  return where(tri(n, m, k - 1, bool_, st), zero, x, st);
}
}  // namespace

array tril(const array& x, int k, StreamOrDevice s) {
  return triangle(x, k, true, "tril", s);
}

array triu(const array& x, int k, StreamOrDevice s) {
  return triangle(x, k, false, "triu", s);
}

std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse,
                            const std::string& indexing, StreamOrDevice s) {
  if (indexing != "xy" && indexing != "ij") {
    throw std::invalid_argument(
        "[meshgrid] Invalid indexing value. Valid values are 'xy' and 'ij'.");
  }
  size_t n = arrays.size();
  std::vector<array> out;
  Shape full_shape;
  for (size_t i = 0; i < n; ++i) {
    // Each (flattened) input varies along its own axis; "xy" swaps the first two.
    size_t pos = i;
    if (indexing == "xy" && n >= 2 && i < 2) pos = 1 - i;
    Shape shape(n, 1);
    shape[pos] = static_cast<ShapeElem>(arrays[i].size());
    out.push_back(reshape(arrays[i], shape, s));
  }
  if (sparse || n == 0) return out;
  Shape shape(n, 1);
  for (auto& o : out) shape = broadcast_shapes(shape, o.shape());
  for (auto& o : out) o = broadcast_to(o, shape, s);
  return out;
}

namespace {
/// n / (M - 1) for n in [0, M), as float32; M == 1 is handled by the callers.
array window_phase(int M, StreamOrDevice s) {
  auto st = to_stream(s);
  return divide(arange(0.0, M, 1.0, float32, st), array(float(M - 1), float32), st);
}

array cosine_window(int M, std::initializer_list<float> coeffs, StreamOrDevice s) {
  if (M < 1) return zeros({0}, float32, s);
  if (M == 1) return ones({1}, float32, s);
  auto st = to_stream(s);
  auto phase = multiply(window_phase(M, st), array(float(2 * M_PI), float32), st);
  // a0 - a1 cos(2 pi n / (M-1)) + a2 cos(4 pi n / (M-1))
  array out = zeros({M}, float32, st);
  int term = 0;
  for (float c : coeffs) {
    auto harmonic = cos(multiply(phase, array(float(term), float32), st), st);
    auto v = multiply(array(term % 2 ? -c : c, float32), harmonic, st);
    out = add(out, v, st);
    ++term;
  }
  return out;
}
}  // namespace

array bartlett(int M, StreamOrDevice s) {
  if (M < 1) return zeros({0}, float32, s);
  if (M == 1) return ones({1}, float32, s);
  auto st = to_stream(s);
  // 1 - |2n / (M - 1) - 1|
  auto x = subtract(multiply(window_phase(M, st), array(2.0f, float32), st), array(1.0f, float32), st);
  return subtract(array(1.0f, float32), abs(x, st), st);
}

array hanning(int M, StreamOrDevice s) { return cosine_window(M, {0.5f, 0.5f}, s); }

array hamming(int M, StreamOrDevice s) { return cosine_window(M, {0.54f, 0.46f}, s); }

array blackman(int M, StreamOrDevice s) {
  return cosine_window(M, {0.42f, 0.5f, 0.08f}, s);
}

array copy(const array& a, StreamOrDevice s) {
  auto st = to_stream(s);
  return array(a.shape(), a.dtype(), std::make_shared<Contiguous>(st, true), {a});
}

}  // namespace lumex::core
