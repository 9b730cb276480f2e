// mlx.core.fast: normalizations, rotary embeddings and attention as single ops.
// Validation and dtype rules follow MLX 0.32; statistics and softmax are taken
// in float32 whatever the input precision.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "engine/array.h"
#include "engine/device.h"
#include "engine/primitives/fast.h"

namespace lumex::core::fast {

/// x / sqrt(mean(x^2, -1) + eps) * weight, over the last axis.
array rms_norm(const array& x, const std::optional<array>& weight, float eps,
               StreamOrDevice s = {});

/// (x - mean) / sqrt(var + eps) * weight + bias, over the last axis.
array layer_norm(const array& x, const std::optional<array>& weight,
                 const std::optional<array>& bias, float eps, StreamOrDevice s = {});

/// Rotary positional encoding of the first `dims` features of x (B, ..., T, D).
/// `offset` is an int or an integer array (a scalar or one per batch row);
/// exactly one of `base` and `freqs` is given.
using RopeOffset = std::variant<int, array>;
array rope(const array& x, int dims, bool traditional, std::optional<float> base,
           float scale, const RopeOffset& offset,
           const std::optional<array>& freqs = std::nullopt, StreamOrDevice s = {});

/// softmax(q k^T * scale + mask) v over (B, N, T, D) inputs; k/v may have fewer
/// heads (grouped queries). `mask` is none, "causal" (lower-right aligned), a
/// boolean array (False masks) or an additive array; `sinks` (one per query head)
/// add a logit that takes probability mass but no value.
using AttentionMask = std::variant<std::monostate, std::string, array>;
array scaled_dot_product_attention(const array& q, const array& k, const array& v,
                                   float scale, const AttentionMask& mask = {},
                                   const std::optional<array>& sinks = std::nullopt,
                                   StreamOrDevice s = {});

namespace detail {
/// Attention built from other ops, for what the fused kernel does not run
/// (float64, empty arrays) and for the transform rules that the fused primitive
/// takes from it. Inputs are validated; returns [out, lse] as the primitive does.
std::vector<array> sdpa_composed(const array& q, const array& k, const array& v, float scale,
                                 const AttentionMask& mask, const std::optional<array>& sinks,
                                 Dtype out_type, StreamOrDevice s = {});
/// The fused primitive's [out, lse] over inputs prepared as it expects them.
std::vector<array> sdpa_fused(const AttentionParams& p, std::vector<array> inputs,
                              const Stream& s);
}  // namespace detail

/// The gated delta rule over T steps, per value head h (query/key head h / (Hv/Hk)):
/// S <- gamma_t S; S <- S + beta_t (v_t - S k_t) k_t^T; out_t = S q_t. q, k are
/// (B, T, Hk, Dk), v (B, T, Hv, Dv), gamma and beta (B, T, Hv), the state
/// (B, Hv, Dv, Dk) starts at initial_state (or zeros). A step where mask (B, T) is
/// false keeps the state and outputs zeros. Returns [out (v's dtype), state (float32)].
std::vector<array> gated_delta_update(const array& q, const array& k, const array& v,
                                      const array& gamma, const array& beta,
                                      const std::optional<array>& initial_state,
                                      const std::optional<array>& mask, StreamOrDevice s = {});

/// logsumexp(logits, -1) - logits[..., target], in float32.
array cross_entropy(const array& logits, const array& targets, StreamOrDevice s = {});

}  // namespace lumex::core::fast
