// Random number generation: the counter-based Threefry-2x32 bits primitive.
// Every distribution in ops/random.cpp is built from its output with ops.
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/params.h"

namespace lumex::core {

/// Random bits from keys. Input: uint32 keys of shape (..., 2); output
/// keys.shape[:-1] + shape, unsigned of `width` bytes (1, 2 or 4). Each key fills
/// its block of ceil(bytes / 4) 32-bit words with Threefry-2x32 of (key, counter),
/// laid out as MLX does, so the same key gives MLX's bits.
class RandomBits : public UnaryPrimitive {
 public:
  RandomBits(Stream s, Shape shape, int width)
      : UnaryPrimitive(s), shape_(std::move(shape)), width_(width) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(RandomBits)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;
  const Shape& shape() const { return shape_; }
  int width() const { return width_; }

 private:
  Shape shape_;
  int width_;
};

}  // namespace lumex::core
