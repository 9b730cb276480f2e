// Transform rules of the fused normalizations (kernels in backend/cpu/fast.cpp).
// The rules are ops in float32, so they can be differentiated again.
#include "engine/primitives/fast.h"

#include <algorithm>

#include "engine/autodiff.h"
#include "engine/ops.h"
#include "engine/ops/fast.h"
#include "engine/primitives/rule_utils.h"
#include "engine/vmap.h"

namespace lumex::core {

namespace {

const std::vector<int> kLast{-1};

/// Half types compute in float32; float32 and float64 stay as they are.
array f32(const array& a, const Stream& s) {
  return astype(a, a.dtype() == float64 ? float64 : float32, s);
}

/// Sums `g` over every axis but the last: the cotangent of a per-feature parameter.
array feature_sum(const array& g, const Stream& s) {
  if (g.ndim() == 1) return g;
  return sum(reshape(g, {-1, g.shape(-1)}, s), std::vector<int>{0}, false, s);
}

struct RmsStats {
  array xf, r;  // float32 input and rsqrt(mean(x^2) + eps), keepdims
};
RmsStats rms_stats(const array& x, float eps, const Stream& s) {
  auto xf = f32(x, s);
  auto r = rsqrt(add(mean(square(xf, s), kLast, true, s), array(eps), s), s);
  return {xf, r};
}

struct LnStats {
  array xhat, rstd;  // normalized input and rsqrt(var + eps), keepdims
};
LnStats ln_stats(const array& x, float eps, const Stream& s) {
  auto xf = f32(x, s);
  auto xc = subtract(xf, mean(xf, kLast, true, s), s);
  auto rstd = rsqrt(add(mean(square(xc, s), kLast, true, s), array(eps), s), s);
  return {multiply(xc, rstd, s), rstd};
}

}  // namespace

// ------------------------------------------------------------------ RMSNorm

std::vector<std::pair<std::string, std::string>> RMSNorm::params() const {
  return {{"eps", param_text(eps_)}, {"weight", param_text(has_weight_)}};
}
std::shared_ptr<Primitive> RMSNorm::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("RMSNorm", params);
  return std::make_shared<RMSNorm>(s, r.real("eps"), r.flag("weight"));
}
bool RMSNorm::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const RMSNorm*>(&other);
  return o && o->eps_ == eps_ && o->has_weight_ == has_weight_;
}

std::vector<array> RMSNorm::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  const auto& s = stream();
  auto [xf, r] = rms_stats(primals[0], eps_, s);
  auto g = f32(cotangents[0], s);
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      auto gw = has_weight_ ? multiply(g, f32(primals[1], s), s) : g;
      // d/dx of x*r: r*gw - x * r^3 * mean(gw * x)
      auto proj = mean(multiply(gw, xf, s), kLast, true, s);
      auto dx = subtract(multiply(gw, r, s),
                         multiply(xf, multiply(proj, multiply(r, square(r, s), s), s), s), s);
      out.push_back(astype(dx, primals[0].dtype(), s));
    } else {
      out.push_back(astype(feature_sum(multiply(g, multiply(xf, r, s), s), s),
                           primals[1].dtype(), s));
    }
  }
  return out;
}

std::vector<array> RMSNorm::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  const auto& s = stream();
  auto [xf, r] = rms_stats(primals[0], eps_, s);
  std::optional<array> t;
  for (size_t i = 0; i < argnums.size(); ++i) {
    array term = zeros_like(xf, s);
    if (argnums[i] == 0) {
      auto tx = f32(tangents[i], s);
      auto proj = mean(multiply(xf, tx, s), kLast, true, s);
      term = subtract(multiply(tx, r, s),
                      multiply(xf, multiply(proj, multiply(r, square(r, s), s), s), s), s);
      if (has_weight_) term = multiply(term, f32(primals[1], s), s);
    } else {
      term = multiply(multiply(xf, r, s), f32(tangents[i], s), s);
    }
    t = t ? add(*t, term, s) : term;
  }
  return {astype(*t, primals[0].dtype(), s)};
}

std::pair<std::vector<array>, std::vector<int>> RMSNorm::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  const auto& s = stream();
  if (!has_weight_ || axes[1] < 0) {
    std::vector<array> ins(inputs);
    ins[0] = batch_to_front(inputs[0], axes[0], s);
    return {{array(ins[0].shape(), ins[0].dtype(),
                   std::make_shared<RMSNorm>(s, eps_, has_weight_), ins)},
            {0}};
  }
  // A batched weight: normalize without it, then scale with broadcasting.
  auto n = batch_size(inputs, axes);
  auto x = with_batch(inputs[0], axes[0], n, s);
  auto y = array(x.shape(), x.dtype(), std::make_shared<RMSNorm>(s, eps_, false), {x});
  auto al = align_batched({y, inputs[1]}, {0, axes[1]}, s);
  return {{multiply(al[0], al[1], s)}, {0}};
}

// ---------------------------------------------------------------- LayerNorm

std::vector<std::pair<std::string, std::string>> LayerNorm::params() const {
  return {{"eps", param_text(eps_)},
          {"weight", param_text(has_weight_)},
          {"bias", param_text(has_bias_)}};
}
std::shared_ptr<Primitive> LayerNorm::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("LayerNorm", params);
  return std::make_shared<LayerNorm>(s, r.real("eps"), r.flag("weight"), r.flag("bias"));
}
bool LayerNorm::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const LayerNorm*>(&other);
  return o && o->eps_ == eps_ && o->has_weight_ == has_weight_ && o->has_bias_ == has_bias_;
}

std::vector<array> LayerNorm::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>& argnums, const std::vector<array>&) {
  const auto& s = stream();
  auto [xhat, rstd] = ln_stats(primals[0], eps_, s);
  auto g = f32(cotangents[0], s);
  const int bias_at = has_weight_ ? 2 : 1;
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      auto gw = has_weight_ ? multiply(g, f32(primals[1], s), s) : g;
      auto dx = multiply(
          rstd,
          subtract(subtract(gw, mean(gw, kLast, true, s), s),
                   multiply(xhat, mean(multiply(gw, xhat, s), kLast, true, s), s), s),
          s);
      out.push_back(astype(dx, primals[0].dtype(), s));
    } else if (a == bias_at && has_bias_) {
      out.push_back(astype(feature_sum(g, s), primals[a].dtype(), s));
    } else {
      out.push_back(astype(feature_sum(multiply(g, xhat, s), s), primals[a].dtype(), s));
    }
  }
  return out;
}

std::vector<array> LayerNorm::jvp(const std::vector<array>& primals,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>& argnums) {
  const auto& s = stream();
  auto [xhat, rstd] = ln_stats(primals[0], eps_, s);
  const int bias_at = has_weight_ ? 2 : 1;
  std::optional<array> t;
  for (size_t i = 0; i < argnums.size(); ++i) {
    int a = argnums[i];
    auto ti = f32(tangents[i], s);
    array term = ti;
    if (a == 0) {
      term = multiply(rstd,
                      subtract(subtract(ti, mean(ti, kLast, true, s), s),
                               multiply(xhat, mean(multiply(xhat, ti, s), kLast, true, s), s),
                               s),
                      s);
      if (has_weight_) term = multiply(term, f32(primals[1], s), s);
    } else if (!(a == bias_at && has_bias_)) {
      term = multiply(xhat, ti, s);
    } else {
      term = broadcast_to(ti, xhat.shape(), s);
    }
    t = t ? add(*t, term, s) : term;
  }
  return {astype(*t, primals[0].dtype(), s)};
}

std::pair<std::vector<array>, std::vector<int>> LayerNorm::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  const auto& s = stream();
  bool params_batched = false;
  for (size_t i = 1; i < axes.size(); ++i) params_batched |= axes[i] >= 0;
  if (!params_batched) {
    std::vector<array> ins(inputs);
    ins[0] = batch_to_front(inputs[0], axes[0], s);
    return {{array(ins[0].shape(), ins[0].dtype(),
                   std::make_shared<LayerNorm>(s, eps_, has_weight_, has_bias_), ins)},
            {0}};
  }
  auto n = batch_size(inputs, axes);
  auto x = with_batch(inputs[0], axes[0], n, s);
  array y = array(x.shape(), x.dtype(), std::make_shared<LayerNorm>(s, eps_, false, false), {x});
  size_t i = 1;
  if (has_weight_) {
    auto al = align_batched({y, inputs[i]}, {0, axes[i]}, s);
    y = multiply(al[0], al[1], s);
    ++i;
  }
  if (has_bias_) {
    auto al = align_batched({y, inputs[i]}, {0, axes[i]}, s);
    y = add(al[0], al[1], s);
  }
  return {{y}, {0}};
}

// ------------------------------------------------ ScaledDotProductAttention
//
// The backward is a fused primitive of its own; everything else (forward mode,
// the gradient of an additive mask, batched sinks, and any transform of the
// backward) is the transform of the attention composed from ops, which is exact
// and keeps higher orders working.

namespace {

bool mask_is_array(const AttentionParams& p) {
  return p.mask == AttentionMaskKind::boolean || p.mask == AttentionMaskKind::additive;
}
int sinks_at(const AttentionParams& p) { return 3 + mask_is_array(p); }

fast::AttentionMask mask_of(const AttentionParams& p, const std::vector<array>& in) {
  if (p.mask == AttentionMaskKind::causal) return std::string("causal");
  if (mask_is_array(p)) return in[3];
  return std::monostate{};
}

/// The attention of the primitive's inputs, composed from ops: [out, lse].
ArrayFun composed(const AttentionParams& p, const Stream& s) {
  return [p, s](const std::vector<array>& in) {
    std::optional<array> sinks;
    if (p.has_sinks) sinks = in[sinks_at(p)];
    return fast::detail::sdpa_composed(in[0], in[1], in[2], p.scale, mask_of(p, in), sinks,
                                       in[0].dtype(), s);
  };
}

/// What the backward primitive computes, composed: its inputs to [dq, dk, dv, (dsinks)].
/// out and lse are recomputed, so their own derivatives are zero.
ArrayFun composed_vjp(const AttentionParams& p, const Stream& s) {
  return [p, s](const std::vector<array>& in) {
    const int n = 3 + p.num_extra();
    std::vector<array> prims(in.begin(), in.begin() + n);
    auto g = core::vjp(composed(p, s), prims, {in[n + 2]}).second;
    std::vector<array> out{g[0], g[1], g[2]};
    if (p.has_sinks) out.push_back(g[sinks_at(p)]);
    return out;
  };
}

std::vector<array> full_tangents(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums) {
  std::vector<array> t;
  for (auto& x : primals) t.push_back(zeros_like(x));
  for (size_t i = 0; i < argnums.size(); ++i) t[argnums[i]] = tangents[i];
  return t;
}

std::vector<array> pick(const std::vector<array>& all, const std::vector<int>& argnums) {
  std::vector<array> out;
  for (int a : argnums) out.push_back(all[a]);
  return out;
}

std::pair<std::vector<array>, std::vector<int>> vmap_by_tracing(
    const ArrayFun& f, const std::vector<array>& inputs, const std::vector<int>& axes,
    size_t num_outputs) {
  std::vector<int> in_axes(axes);
  for (auto& a : in_axes) {
    if (a < 0) a = no_axis;
  }
  std::vector<int> zeros(num_outputs, 0);
  return {core::vmap(f, inputs, in_axes, zeros), zeros};
}

/// x (B, ...) with the vmap axis folded into B: (n * B, ...).
array fold_batch(const array& x, int axis, ShapeElem n, const Stream& s) {
  auto xb = with_batch(x, axis, n, s);
  Shape sh(xb.shape().begin() + 1, xb.shape().end());
  sh[0] *= n;
  return reshape(xb, sh, s);
}

array unfold_batch(const array& x, ShapeElem n, const Stream& s) {
  Shape sh = x.shape();
  sh[0] /= n;
  sh.insert(sh.begin(), n);
  return reshape(x, sh, s);
}

/// A mask broadcastable to (B, H, Lq, Lk) made broadcastable to (n * B, H, Lq, Lk).
array fold_mask(const array& m, int axis, ShapeElem n, ShapeElem B, const Stream& s) {
  const int nd = m.ndim() - (axis >= 0);
  if (axis < 0 && (nd < 4 || m.shape(0) == 1)) return m;
  auto mb = with_batch(m, axis, n, s);
  Shape sh{n};
  sh.insert(sh.end(), 4 - nd, 1);
  sh.insert(sh.end(), mb.shape().begin() + 1, mb.shape().end());
  mb = reshape(mb, sh, s);
  sh[1] = B;
  mb = broadcast_to(mb, sh, s);
  Shape folded(sh.begin() + 1, sh.end());
  folded[0] *= n;
  return reshape(mb, folded, s);
}

/// Folds the vmap axis into B for every input of either primitive (the mask
/// specially); returns the folded inputs and n.
std::pair<std::vector<array>, ShapeElem> fold_inputs(const AttentionParams& p,
                                                     const std::vector<array>& inputs,
                                                     const std::vector<int>& axes,
                                                     const Stream& s) {
  const ShapeElem n = batch_size(inputs, axes);
  const ShapeElem B = inputs[0].shape(axes[0] == 0 ? 1 : 0);
  std::vector<array> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (mask_is_array(p) && i == 3) {
      out.push_back(fold_mask(inputs[i], axes[i], n, B, s));
    } else {
      out.push_back(fold_batch(inputs[i], axes[i], n, s));
    }
  }
  return {out, n};
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ScaledDotProductAttention::params() const {
  static const char* names[] = {"none", "causal", "boolean", "additive"};
  return {{"scale", param_text(p_.scale)},
          {"mask", names[static_cast<int>(p_.mask)]},
          {"sinks", param_text(p_.has_sinks)}};
}
AttentionParams ScaledDotProductAttention::read_params(const char* prim,
                                                       const PrimitiveParams& params) {
  ParamReader r(prim, params);
  return {static_cast<float>(r.real("scale")),
          AttentionMaskKind(r.choice("mask", {"none", "causal", "boolean", "additive"})),
          r.flag("sinks")};
}
std::shared_ptr<Primitive> ScaledDotProductAttention::from_params(Stream s,
                                                                  const PrimitiveParams& params) {
  return std::make_shared<ScaledDotProductAttention>(
      s, read_params("ScaledDotProductAttention", params));
}
bool ScaledDotProductAttention::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const ScaledDotProductAttention*>(&other);
  return o && o->p_ == p_;
}

std::vector<array> ScaledDotProductAttention::vjp(const std::vector<array>& primals,
                                                  const std::vector<array>& cotangents,
                                                  const std::vector<int>& argnums,
                                                  const std::vector<array>& outputs) {
  const auto& s = stream();
  const bool mask_grad = p_.mask == AttentionMaskKind::additive &&
                         std::find(argnums.begin(), argnums.end(), 3) != argnums.end();
  if (mask_grad) return pick(core::vjp(composed(p_, s), primals, {cotangents[0]}).second, argnums);
  std::vector<array> ins(primals);
  ins.insert(ins.end(), {outputs[0], outputs[1], cotangents[0]});
  std::vector<Shape> shapes{primals[0].shape(), primals[1].shape(), primals[2].shape()};
  std::vector<Dtype> dtypes{primals[0].dtype(), primals[1].dtype(), primals[2].dtype()};
  if (p_.has_sinks) {
    shapes.push_back(primals[sinks_at(p_)].shape());
    dtypes.push_back(float32);
  }
  auto g = array::make_arrays(shapes, dtypes,
                              std::make_shared<ScaledDotProductAttentionVJP>(s, p_), ins);
  std::vector<array> all{g[0], g[1], g[2]};
  if (mask_is_array(p_)) all.push_back(zeros_like(primals[3], s));
  if (p_.has_sinks) all.push_back(g[3]);
  return pick(all, argnums);
}

std::vector<array> ScaledDotProductAttention::jvp(const std::vector<array>& primals,
                                                  const std::vector<array>& tangents,
                                                  const std::vector<int>& argnums) {
  return core::jvp(composed(p_, stream()), primals, full_tangents(primals, tangents, argnums))
      .second;
}

std::pair<std::vector<array>, std::vector<int>> ScaledDotProductAttention::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  const auto& s = stream();
  if (p_.has_sinks && axes[sinks_at(p_)] >= 0) {
    return vmap_by_tracing(composed(p_, s), inputs, axes, 2);
  }
  auto [ins, n] = fold_inputs(p_, inputs, axes, s);
  auto outs = fast::detail::sdpa_fused(p_, std::move(ins), s);
  return {{unfold_batch(outs[0], n, s), unfold_batch(outs[1], n, s)}, {0, 0}};
}

std::vector<std::pair<std::string, std::string>> ScaledDotProductAttentionVJP::params() const {
  return ScaledDotProductAttention(stream(), p_).params();
}
std::shared_ptr<Primitive> ScaledDotProductAttentionVJP::from_params(
    Stream s, const PrimitiveParams& params) {
  return std::make_shared<ScaledDotProductAttentionVJP>(
      s, ScaledDotProductAttention::read_params("ScaledDotProductAttentionVJP", params));
}
bool ScaledDotProductAttentionVJP::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const ScaledDotProductAttentionVJP*>(&other);
  return o && o->p_ == p_;
}

std::vector<array> ScaledDotProductAttentionVJP::vjp(const std::vector<array>& primals,
                                                     const std::vector<array>& cotangents,
                                                     const std::vector<int>& argnums,
                                                     const std::vector<array>&) {
  return pick(core::vjp(composed_vjp(p_, stream()), primals, cotangents).second, argnums);
}

std::vector<array> ScaledDotProductAttentionVJP::jvp(const std::vector<array>& primals,
                                                     const std::vector<array>& tangents,
                                                     const std::vector<int>& argnums) {
  return core::jvp(composed_vjp(p_, stream()), primals,
                   full_tangents(primals, tangents, argnums))
      .second;
}

std::pair<std::vector<array>, std::vector<int>> ScaledDotProductAttentionVJP::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  const auto& s = stream();
  // d_sinks sums over B, so a batch folded into B would mix the vmapped rows.
  if (p_.has_sinks) return vmap_by_tracing(composed_vjp(p_, s), inputs, axes, 4);
  auto [ins, n] = fold_inputs(p_, inputs, axes, s);
  std::vector<Shape> shapes{ins[0].shape(), ins[1].shape(), ins[2].shape()};
  std::vector<Dtype> dtypes{ins[0].dtype(), ins[1].dtype(), ins[2].dtype()};
  auto g = array::make_arrays(shapes, dtypes,
                              std::make_shared<ScaledDotProductAttentionVJP>(s, p_), ins);
  return {{unfold_batch(g[0], n, s), unfold_batch(g[1], n, s), unfold_batch(g[2], n, s)},
          {0, 0, 0}};
}

LUMEX_REGISTER_PRIMITIVE(RMSNorm);
LUMEX_REGISTER_PRIMITIVE(LayerNorm);
LUMEX_REGISTER_PRIMITIVE(ScaledDotProductAttention);
LUMEX_REGISTER_PRIMITIVE(ScaledDotProductAttentionVJP);

}  // namespace lumex::core
