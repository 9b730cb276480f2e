// Distributions as ops on RandomBits. Formulas follow MLX's so that the same key
// gives the same values (uniform is bits / (2^32 - 1) clipped below 1).
#include "engine/ops/random.h"

#include <chrono>
#include <cmath>
#include <mutex>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core::random {

namespace {

std::mutex& state_mutex() {
  static std::mutex m;
  return m;
}

const array& check_key(const array& key) {
  if (key.dtype() != uint32) {
    throw std::invalid_argument(msg("[bits] Expected key type uint32 but received ",
                                    dtype_name(key.dtype()), "."));
  }
  if (key.shape() != Shape{2}) {
    throw std::invalid_argument(msg("[bits] Expected key shape (2) but received ",
                                    shape_str(key.shape()), "."));
  }
  return key;
}

/// The largest value below 1 in a real float dtype.
array below_one(Dtype dtype) {
  if (dtype == float16) return array(1.0f - 1.0f / 2048.0f, dtype);
  if (dtype == bfloat16) return array(1.0f - 1.0f / 256.0f, dtype);
  return array(std::nextafter(1.0f, 0.0f), dtype);
}

Shape without_axis(const Shape& s, int axis) {
  Shape r(s);
  r.erase(r.begin() + axis);
  return r;
}

}  // namespace

array key(uint64_t seed) {
  return array({static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(seed)},
               uint32);
}

array& global_key() {
  static array k = key(static_cast<uint64_t>(
      std::chrono::system_clock::now().time_since_epoch().count()));
  return k;
}

void seed(uint64_t s) {
  std::lock_guard<std::mutex> lock(state_mutex());
  global_key() = key(s);
}

array next_key() {
  std::lock_guard<std::mutex> lock(state_mutex());
  auto [keep, out] = split(global_key());
  global_key() = keep;
  return out;
}

array bits(const Shape& shape, int width, const std::optional<array>& key_,
           StreamOrDevice s) {
  array k = key_ ? check_key(*key_) : next_key();
  Dtype d = uint32;
  switch (width) {
    case 1: d = uint8; break;
    case 2: d = uint16; break;
    case 4: d = uint32; break;
    default:
      throw std::invalid_argument(
          msg("[bits] Bit width must be in {8, 16, 32} but got ", width * 8, "."));
  }
  for (auto n : shape) {
    if (n < 0) {
      throw std::invalid_argument(msg("[bits] Invalid shape ", shape_str(shape), "."));
    }
  }
  return array(shape, d,
               std::make_shared<RandomBits>(to_stream(s), shape, width), {k});
}

array split(const array& key, int num, StreamOrDevice s) {
  return bits({num, 2}, 4, key, s);
}

std::pair<array, array> split(const array& key, StreamOrDevice s) {
  auto both = split(key, 2, s);
  return {reshape(slice(both, {0, 0}, {1, 2}, s), {2}, s),
          reshape(slice(both, {1, 0}, {2, 2}, s), {2}, s)};
}

array uniform(const array& low, const array& high, const Shape& shape,
              Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument(
        "[uniform] Can only generate uniform numbers with real floating point type.");
  }
  if (dtype == float64) throw std::runtime_error("[uniform] Unsupported type.");
  auto lo = astype(low, dtype, s);
  auto range = subtract(astype(high, dtype, s), lo, s);
  auto out_shape = broadcast_shapes(shape, range.shape());
  if (out_shape != shape) {
    throw std::invalid_argument(msg("[uniform] Cannot generate random values of shape ",
                                    shape_str(shape), " from broadcasted shape ",
                                    shape_str(out_shape), "."));
  }
  auto u = divide(bits(shape, 4, key, s), array(4294967295.0f), s);
  u = minimum(astype(u, dtype, s), below_one(dtype), s);
  return add(multiply(range, u, s), lo, s);
}

array uniform(const Shape& shape, Dtype dtype, const std::optional<array>& key,
              StreamOrDevice s) {
  return uniform(array(0.0f, dtype), array(1.0f, dtype), shape, dtype, key, s);
}

array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc,
             const std::optional<array>& scale, const std::optional<array>& key,
             StreamOrDevice s) {
  array out(0.0f);
  if (dtype == complex64) {
    Shape pairs(shape);
    pairs.push_back(2);
    auto parts = multiply(normal(pairs, float32, std::nullopt, std::nullopt, key, s),
                          array(static_cast<float>(std::sqrt(0.5))), s);
    out = reshape(view(parts, complex64, s), shape, s);
  } else {
    if (!is_floating_point(dtype)) {
      throw std::invalid_argument(
          "[normal] Can only generate normal numbers with floating point type.");
    }
    // Uniform bits in float32 (float16's erfinv of its largest value below 1 would
    // overflow); the inverse error function in float64 for float64, as MLX.
    auto work = dtype == float64 ? float64 : float32;
    auto u = uniform(array(std::nextafter(-1.0f, 0.0f)), array(1.0f), shape, float32,
                     key, s);
    u = astype(u, work, s);
    out = multiply(array(std::sqrt(2.0), work), erfinv(u, s), s);
    out = astype(out, dtype, s);
  }
  if (scale) out = multiply(*scale, out, s);
  if (loc) out = add(*loc, out, s);
  return out;
}

array randint(const array& low, const array& high, const Shape& shape,
              Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  if (is_inexact(dtype)) {
    throw std::invalid_argument(
        "[randint] randint only accepts integer dtypes and bool.");
  }
  auto lo = astype(low, float32, s);
  auto hi = astype(high, float32, s);
  auto u = floor(uniform(lo, hi, shape, float32, key, s), s);
  // An empty range [low, high) gives low, as MLX.
  u = maximum(minimum(u, subtract(hi, array(1.0f), s), s), lo, s);
  return astype(u, dtype, s);
}

array bernoulli(const array& p, const std::optional<Shape>& shape,
                const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(p.dtype())) {
    throw std::invalid_argument(
        "[bernoulli] bernoulli probability `p` must be a float type.");
  }
  Shape sh = shape ? *shape : p.shape();
  if (broadcast_shapes(sh, p.shape()) != sh) {
    throw std::invalid_argument(msg("[bernoulli] Shape of p ", shape_str(p.shape()),
                                    " must be broadcastable to ", shape_str(sh), "."));
  }
  return less(uniform(sh, p.dtype(), key, s), p, s);
}

array truncated_normal(const array& lower, const array& upper,
                       const std::optional<Shape>& shape, Dtype dtype,
                       const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument(
        "[truncated_normal] Can only generate uniform numbers with real floating "
        "point type.");
  }
  Shape sh = shape ? *shape : broadcast_shapes(lower.shape(), upper.shape());
  auto sqrt2 = array(static_cast<float>(std::sqrt(2.0)), dtype);
  auto lo = astype(lower, dtype, s);
  auto hi = astype(upper, dtype, s);
  auto a = erf(divide(lo, sqrt2, s), s);
  auto b = erf(divide(hi, sqrt2, s), s);
  auto out = multiply(sqrt2, erfinv(uniform(a, b, sh, dtype, key, s), s), s);
  return maximum(minimum(hi, out, s), lo, s);
}

array gumbel(const Shape& shape, Dtype dtype, const std::optional<array>& key,
             StreamOrDevice s) {
  return negative(log(negative(log(uniform(shape, dtype, key, s), s), s), s), s);
}

array laplace(const Shape& shape, Dtype dtype, float loc, float scale,
              const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument(
        "[laplace] Can only generate Laplace numbers with real floating point type.");
  }
  auto u = uniform(array(std::nextafter(-1.0f, 0.0f)), array(1.0f), shape, float32,
                   key, s);
  auto out = multiply(sign(u, s), log1p(negative(abs(u, s), s), s), s);
  out = astype(out, dtype, s);
  if (scale != 1.0f) out = multiply(array(scale, dtype), out, s);
  if (loc != 0.0f) out = add(array(loc, dtype), out, s);
  return out;
}

namespace {

/// Gumbel-max sampling: `shape` is the sample shape, logits broadcast against it
/// with their distribution axis inserted.
array categorical_impl(const array& logits, int axis, const Shape& shape,
                       const std::optional<array>& key, StreamOrDevice s) {
  Shape gshape(shape);
  int offset = axis + static_cast<int>(shape.size()) - logits.ndim() + 1;
  gshape.insert(gshape.begin() + offset, logits.shape(axis));
  for (auto d : shape) {
    if (d == 0) return zeros(shape, uint32, s);  // no samples to draw
  }
  auto g = gumbel(gshape, float32, key, s);
  return argmax(add(g, logits, s), offset, false, s);
}

}  // namespace

array categorical(const array& logits, int axis, const std::optional<Shape>& shape,
                  const std::optional<int>& num_samples,
                  const std::optional<array>& key, StreamOrDevice s) {
  if (shape && num_samples) {
    throw std::invalid_argument(
        "[categorical] At most one of shape or num_samples can be specified.");
  }
  if (logits.ndim() == 0) {
    throw std::invalid_argument("[categorical] logits must have at least one dimension.");
  }
  axis = normalize_axis(axis, logits.ndim(), "categorical");
  Shape reduced = without_axis(logits.shape(), axis);
  if (num_samples) {
    if (*num_samples < 0) {
      throw std::invalid_argument("[categorical] num_samples must be non-negative.");
    }
    reduced.push_back(*num_samples);
    return categorical_impl(expand_dims(logits, -1, s), axis, reduced, key, s);
  }
  if (shape) {
    if (broadcast_shapes(*shape, reduced) != *shape) {
      throw std::invalid_argument(msg("[categorical] Requested shape ", shape_str(*shape),
                                      " is not broadcast compatible with specified shape ",
                                      shape_str(reduced), "."));
    }
    return categorical_impl(logits, axis, *shape, key, s);
  }
  return categorical_impl(logits, axis, reduced, key, s);
}

array multivariate_normal(const array& mean, const array& cov, const Shape& shape,
                          Dtype dtype, const std::optional<array>& key,
                          StreamOrDevice s) {
  if (dtype != float32) {
    throw std::invalid_argument(
        "[multivariate_normal] dtype must be float32.");
  }
  if (mean.ndim() < 1) {
    throw std::invalid_argument("[multivariate_normal] mean must have at least one dimension.");
  }
  if (cov.ndim() < 2) {
    throw std::invalid_argument("[multivariate_normal] cov must have at least two dimensions.");
  }
  auto n = mean.shape(-1);
  if (cov.shape(-1) != n || cov.shape(-2) != n) {
    throw std::invalid_argument(msg("[multivariate_normal] cov must have shape (..., ", n,
                                    ", ", n, ") but got ", shape_str(cov.shape()), "."));
  }
  // A square root of cov from its SVD: U diag(sqrt(S)) Vt.
  auto usv = linalg::svd(astype(cov, float32, s), true, s);
  auto root = matmul(multiply(usv[0], expand_dims(sqrt(usv[1], s), -2, s), s), usv[2], s);
  Shape mb(mean.shape().begin(), mean.shape().end() - 1);
  Shape cb(cov.shape().begin(), cov.shape().end() - 2);
  Shape out = broadcast_shapes(broadcast_shapes(shape, mb), cb);
  out.push_back(n);
  auto z = normal(out, float32, std::nullopt, std::nullopt, key, s);
  z = squeeze(matmul(expand_dims(z, -2, s), root, s), -2, s);
  return add(astype(mean, float32, s), z, s);
}

}  // namespace lumex::core::random
