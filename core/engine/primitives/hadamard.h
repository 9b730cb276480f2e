// The Walsh-Hadamard transform (op in ops/hadamard.cpp, kernel in
// backend/cpu/hadamard.cpp).
#pragma once

#include <cstdint>

#include "engine/primitives/base.h"

namespace lumex::core {

/// The m of n = m * 2^k with m in (1, 12, 20, 28), or 0 when n has no such form.
int64_t hadamard_base(int64_t n);

/// The rows of MLX's H_m for m in (12, 20, 28), '+' for 1 and '-' for -1.
const char* const* hadamard_rows(int64_t m);

/// [x] -> (H_n @ x) * scale over the last axis (H_n^T with `transpose`: the
/// cotangent of a non-symmetric H_m). x is a floating dtype; n = m * 2^k.
class Hadamard : public UnaryPrimitive {
 public:
  Hadamard(Stream s, float scale, bool transpose)
      : UnaryPrimitive(s), scale_(scale), transpose_(transpose) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(Hadamard)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  float scale_;
  bool transpose_;
};

}  // namespace lumex::core
