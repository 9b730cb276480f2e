// Transform rules of the fused normalizations (kernels in backend/cpu/fast.cpp).
// The rules are ops in float32, so they can be differentiated again.
#include "engine/primitives/fast.h"


#include "engine/ops.h"
#include "engine/primitives/rule_utils.h"

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

LUMEX_REGISTER_PRIMITIVE(RMSNorm);
LUMEX_REGISTER_PRIMITIVE(LayerNorm);

}  // namespace lumex::core
