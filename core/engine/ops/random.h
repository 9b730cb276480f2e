// Random number generation (mlx.core.random): splittable Threefry-2x32 keys and
// the distributions built on their bits. Every op takes an optional key; without
// one it draws a fresh key from the global state (see seed()).
#pragma once

#include <optional>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core::random {

/// A PRNG key (uint32, shape (2,)) from a seed: its high and low 32 bits.
array key(uint64_t seed);
/// Resets the global key to key(seed).
void seed(uint64_t seed);
/// The global key (splitting it advances the state).
array& global_key();
/// Splits the global key, keeps one half and returns the other.
array next_key();

/// Raw random bits: unsigned of `width` bytes (1, 2 or 4) with the given shape.
array bits(const Shape& shape, int width = 4,
           const std::optional<array>& key = std::nullopt,
           StreamOrDevice s = {});
/// `num` sub keys, shape (num, 2).
array split(const array& key, int num, StreamOrDevice s = {});
/// Two sub keys.
std::pair<array, array> split(const array& key, StreamOrDevice s = {});

/// Uniform in [low, high); low/high broadcast to `shape`. Real float dtypes only.
array uniform(const array& low, const array& high, const Shape& shape,
              Dtype dtype = float32,
              const std::optional<array>& key = std::nullopt,
              StreamOrDevice s = {});
array uniform(const Shape& shape, Dtype dtype = float32,
              const std::optional<array>& key = std::nullopt,
              StreamOrDevice s = {});
/// Standard normal (complex: each part has variance 1/2), then * scale + loc.
array normal(const Shape& shape, Dtype dtype = float32,
             const std::optional<array>& loc = std::nullopt,
             const std::optional<array>& scale = std::nullopt,
             const std::optional<array>& key = std::nullopt,
             StreamOrDevice s = {});
/// Integers in [low, high) from a float32 uniform, floored and clamped.
array randint(const array& low, const array& high, const Shape& shape,
              Dtype dtype = int32,
              const std::optional<array>& key = std::nullopt,
              StreamOrDevice s = {});
/// uniform < p (bool); p must be floating.
array bernoulli(const array& p, const std::optional<Shape>& shape = std::nullopt,
                const std::optional<array>& key = std::nullopt,
                StreamOrDevice s = {});
/// Normal truncated to (lower, upper), by inverse CDF.
array truncated_normal(const array& lower, const array& upper,
                       const std::optional<Shape>& shape = std::nullopt,
                       Dtype dtype = float32,
                       const std::optional<array>& key = std::nullopt,
                       StreamOrDevice s = {});
/// Standard Gumbel: -log(-log(u)).
array gumbel(const Shape& shape, Dtype dtype = float32,
             const std::optional<array>& key = std::nullopt,
             StreamOrDevice s = {});
/// Laplace(loc, scale) by inverse CDF.
array laplace(const Shape& shape, Dtype dtype = float32, float loc = 0.f,
              float scale = 1.f, const std::optional<array>& key = std::nullopt,
              StreamOrDevice s = {});
/// Samples (uint32 indices) from unnormalized log-probabilities along `axis`.
/// At most one of shape and num_samples may be given.
array categorical(const array& logits, int axis = -1,
                  const std::optional<Shape>& shape = std::nullopt,
                  const std::optional<int>& num_samples = std::nullopt,
                  const std::optional<array>& key = std::nullopt,
                  StreamOrDevice s = {});
/// mean + L z with L L^T = cov (from the SVD of cov); float32 only.
array multivariate_normal(const array& mean, const array& cov,
                          const Shape& shape = {}, Dtype dtype = float32,
                          const std::optional<array>& key = std::nullopt,
                          StreamOrDevice s = {});

}  // namespace lumex::core::random
