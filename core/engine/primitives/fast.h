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
  LUMEX_PARAMS
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
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  float eps_;
  bool has_weight_, has_bias_;
};

}  // namespace lumex::core

namespace lumex::core {

/// How a fused attention masks its scores.
enum class AttentionMaskKind { none, causal, boolean, additive };

/// The parameters shared by the attention primitive and its backward.
struct AttentionParams {
  float scale;
  AttentionMaskKind mask;
  bool has_sinks;
  bool operator==(const AttentionParams&) const = default;
  /// Inputs before the optional mask and sinks (q, k, v), and how many follow.
  int num_extra() const { return (mask == AttentionMaskKind::boolean ||
                                  mask == AttentionMaskKind::additive) + has_sinks; }
};

/// [q, k, v, (mask), (sinks)] -> [out, lse]: softmax(q k^T * scale + mask) v with
/// grouped-query heads, one pass over the keys with an online softmax. lse
/// (float32, (B, Hq, Lq)) is the log of each row's softmax denominator, kept for
/// the backward. q/k/v share a half or float32 dtype; an additive mask is
/// float32, a boolean one bool, both broadcastable to (B, Hq, Lq, Lk).
class ScaledDotProductAttention : public Primitive {
 public:
  ScaledDotProductAttention(Stream s, AttentionParams p) : Primitive(s), p_(p) {}
  LUMEX_EVAL_MULTI
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(ScaledDotProductAttention)
  LUMEX_PARAMS
  /// The parameters as params() writes them (shared with the backward).
  static AttentionParams read_params(const char* prim, const PrimitiveParams& params);
  bool is_equivalent(const Primitive& other) const override;
  const AttentionParams& attention() const { return p_; }

 private:
  AttentionParams p_;
};

/// [q, k, v, (mask), (sinks), out, lse, d_out] -> [dq, dk, dv, (d_sinks)]: the
/// backward of ScaledDotProductAttention, recomputing the probabilities from lse.
class ScaledDotProductAttentionVJP : public Primitive {
 public:
  ScaledDotProductAttentionVJP(Stream s, AttentionParams p) : Primitive(s), p_(p) {}
  LUMEX_EVAL_MULTI
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(ScaledDotProductAttentionVJP)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  AttentionParams p_;
};

}  // namespace lumex::core
