// Matrix products: matmul and addmm (the BLAS-backed primitives).
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/params.h"

namespace lumex::core {

/// Batched matrix product. Inputs a (..., M, K) and b (..., K, N) have the output's
/// dtype and identical (already broadcast) batch dims; output (..., M, N).
/// float32/float64/complex64 go to BLAS gemm; float16/bfloat16 compute in float32;
/// integer types (used internally, e.g. by vecdot) take a plain loop.
class Matmul : public UnaryPrimitive {
 public:
  explicit Matmul(Stream s) : UnaryPrimitive(s) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Matmul)
  LUMEX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) const override;
};

/// out = alpha * (a @ b) + beta * c. Inputs c (broadcast to the output shape), a, b,
/// all of the output's dtype, batch dims broadcast as for Matmul.
class AddMM : public UnaryPrimitive {
 public:
  AddMM(Stream s, float alpha, float beta)
      : UnaryPrimitive(s), alpha_(alpha), beta_(beta) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(AddMM)
  LUMEX_TRANSFORM_RULES
  std::vector<std::pair<std::string, std::string>> params() const override {
    return {{"alpha", param_text(alpha_)}, {"beta", param_text(beta_)}};
  }
  LUMEX_FROM_PARAMS
  bool is_equivalent(const Primitive& other) const override {
    if (!Primitive::is_equivalent(other)) return false;
    auto& o = static_cast<const AddMM&>(other);
    return o.alpha_ == alpha_ && o.beta_ == beta_;
  }
  float alpha() const { return alpha_; }
  float beta() const { return beta_; }

 private:
  float alpha_;
  float beta_;
};

}  // namespace lumex::core
