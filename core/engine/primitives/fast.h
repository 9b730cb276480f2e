// Fused normalizations over the last axis. Inputs share one floating dtype (the
// op promotes); statistics are taken in float32 (float64 for float64 inputs)
// and each output is rounded once.
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/params.h"

namespace lumex::core {

/// [x, (weight)] -> x * rsqrt(mean(x^2) + eps) * weight.
class RMSNorm : public UnaryPrimitive {
 public:
  RMSNorm(Stream s, float eps, bool has_weight)
      : UnaryPrimitive(s), eps_(eps), has_weight_(has_weight) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(RMSNorm)
  std::vector<std::pair<std::string, std::string>> params() const override;
  LUMEX_FROM_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  float eps_;
  bool has_weight_;
};

/// [x, (weight), (bias)] -> (x - mean) * rsqrt(var + eps) * weight + bias.
class LayerNorm : public UnaryPrimitive {
 public:
  LayerNorm(Stream s, float eps, bool has_weight, bool has_bias)
      : UnaryPrimitive(s), eps_(eps), has_weight_(has_weight), has_bias_(has_bias) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(LayerNorm)
  std::vector<std::pair<std::string, std::string>> params() const override;
  LUMEX_FROM_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  float eps_;
  bool has_weight_, has_bias_;
};

}  // namespace lumex::core
