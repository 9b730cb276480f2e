// mlx.core.fast ops, validated as MLX validates them. The normalizations are fused
// primitives (primitives/fast.h); rope and attention are built from other ops, so
// every transform comes from their rules.
#include "engine/ops/fast.h"

#include <cmath>
#include <limits>

#include "engine/ops.h"
#include "engine/ops/detail.h"
#include "engine/primitives/fast.h"
#include "engine/utils.h"

namespace lumex::core::fast {

namespace {

[[noreturn]] void fail(const char* op, const std::string& msg) {
  throw std::invalid_argument(std::string("[") + op + "] " + msg);
}

void check_param(const char* op, const char* what, const array& p, const array& x) {
  if (p.ndim() != 1) {
    fail(op, std::string(what) + " must have 1 dimension but has " +
                 std::to_string(p.ndim()) + " dimensions.");
  }
  if (p.shape(0) != x.shape(-1)) {
    fail(op, std::string(what) +
                 " must have the same size as the last dimension of x but has " +
                 std::to_string(p.shape(0)) + " elements.");
  }
}

void check_input(const char* op, const array& x, Dtype out) {
  if (x.ndim() < 1) {
    fail(op, "Input must have at least 1 dimension but got input with 0 dimensions.");
  }
  if (!is_floating_point(out)) {
    fail(op, std::string("Received unsupported type ") + dtype_name(out) + ".");
  }
}

}  // namespace

array rms_norm(const array& x, const std::optional<array>& weight, float eps,
               StreamOrDevice s) {
  Dtype out_type = weight ? promote_types(x.dtype(), weight->dtype()) : x.dtype();
  check_input("rms_norm", x, out_type);
  if (weight) check_param("rms_norm", "(*weight)", *weight, x);
  auto st = to_stream(s);
  std::vector<array> inputs{astype(x, out_type, st)};
  if (weight) inputs.push_back(astype(*weight, out_type, st));
  return array(x.shape(), out_type, std::make_shared<RMSNorm>(st, eps, weight.has_value()),
               std::move(inputs));
}

array layer_norm(const array& x, const std::optional<array>& weight,
                 const std::optional<array>& bias, float eps, StreamOrDevice s) {
  Dtype out_type = x.dtype();
  if (weight) out_type = promote_types(out_type, weight->dtype());
  if (bias) out_type = promote_types(out_type, bias->dtype());
  if (weight) check_param("layer_norm", "weight", *weight, x);
  if (bias) check_param("layer_norm", "bias", *bias, x);
  check_input("layer_norm", x, out_type);
  auto st = to_stream(s);
  std::vector<array> inputs{astype(x, out_type, st)};
  if (weight) inputs.push_back(astype(*weight, out_type, st));
  if (bias) inputs.push_back(astype(*bias, out_type, st));
  return array(x.shape(), out_type,
               std::make_shared<LayerNorm>(st, eps, weight.has_value(), bias.has_value()),
               std::move(inputs));
}

array rope(const array& x, int dims, bool traditional, std::optional<float> base,
           float scale, const RopeOffset& offset, const std::optional<array>& freqs,
           StreamOrDevice s) {
  const char* op = "rope";
  if (x.ndim() < 3) {
    fail(op, "Input must have at least 3 dimensions but got input with " +
                 std::to_string(x.ndim()) + " dimensions.");
  }
  if (!is_floating_point(x.dtype())) {
    fail(op, std::string("Input must be a floating type but got ") + dtype_name(x.dtype()) +
                 ".");
  }
  if (dims <= 0 || dims % 2 != 0 || dims > x.shape(-1)) {
    fail(op, "dims must be a positive even number not larger than the feature "
             "dimension " + std::to_string(x.shape(-1)) + " but got " +
             std::to_string(dims) + ".");
  }
  if (!base && !freqs) fail(op, "Neither base nor freqs has a value.");
  if (base && freqs) fail(op, "Only one of base or freqs can have a value.");
  const int half = dims / 2;
  if (freqs && (freqs->ndim() != 1 || freqs->shape(0) != half)) {
    fail(op, "freqs must be one-dimensional with size " + std::to_string(half) +
                 " but got shape " + tuple_str(freqs->shape()) + ".");
  }
  const ShapeElem T = x.shape(-2);
  const Dtype ct = x.dtype() == float64 ? float64 : float32;  // computation type
  // Positions (T) or, with one offset per batch row, (B, 1.., T); in the computation type.
  array pos = arange(0.0, static_cast<double>(T), 1.0, ct, s);
  if (std::holds_alternative<int>(offset)) {
    pos = add(pos, array(static_cast<double>(std::get<int>(offset)), ct), s);
  } else {
    const array& off = std::get<array>(offset);
    if (!is_integral(off.dtype())) {
      fail(op, std::string("offset must be an integer but got type ") +
                   dtype_name(off.dtype()) + ".");
    }
    if (off.ndim() > 1) {
      fail(op, "offset must have at most one dimension but has shape " +
                   tuple_str(off.shape()) + ".");
    }
    if (off.size() == 1) {
      pos = add(pos, astype(reshape(off, {}, s), ct, s), s);
    } else {
      if (off.shape(0) != x.shape(0)) {
        fail(op, "offset must have one value per batch element: got " +
                     std::to_string(off.shape(0)) + " offsets for a batch of " +
                     std::to_string(x.shape(0)) + ".");
      }
      Shape oshape(x.ndim() - 1, 1);
      oshape[0] = off.shape(0);
      pos = add(pos, reshape(astype(off, ct, s), oshape, s), s);
    }
  }
  pos = multiply(pos, array(static_cast<double>(scale), ct), s);
  array inv_freq = freqs ? reciprocal(astype(*freqs, ct, s), s)
                         : exp(multiply(arange(0.0, half, 1.0, ct, s),
                                        array(-std::log(static_cast<double>(*base)) / half, ct), s),
                               s);
  auto theta = multiply(expand_dims(pos, -1, s), inv_freq, s);
  auto c = cos(theta, s), sn = sin(theta, s);
  auto xf = astype(x, ct, s);
  const int nd = x.ndim();
  auto last = [&](ShapeElem start, ShapeElem stop, ShapeElem step) {
    Shape st(nd, 0), sp = x.shape(), str(nd, 1);
    st[nd - 1] = start;
    sp[nd - 1] = stop;
    str[nd - 1] = step;
    return slice(xf, st, sp, str, s);
  };
  array x1 = traditional ? last(0, dims, 2) : last(0, half, 1);
  array x2 = traditional ? last(1, dims, 2) : last(half, dims, 1);
  auto r1 = subtract(multiply(x1, c, s), multiply(x2, sn, s), s);
  auto r2 = add(multiply(x1, sn, s), multiply(x2, c, s), s);
  array rot = traditional ? flatten(stack({r1, r2}, -1, s), nd - 1, nd, s)
                          : concatenate({r1, r2}, -1, s);
  if (dims < x.shape(-1)) rot = concatenate({rot, last(dims, x.shape(-1), 1)}, -1, s);
  return astype(rot, x.dtype(), s);
}

array scaled_dot_product_attention(const array& q, const array& k, const array& v,
                                   float scale, const AttentionMask& mask,
                                   const std::optional<array>& sinks, StreamOrDevice s) {
  const char* op = "scaled_dot_product_attention";
  for (const array* a : {&q, &k, &v}) {
    if (a->ndim() != 4) {
      fail(op, "input with shape " + shape_str(a->shape()) + " expected to be rank 4");
    }
  }
  const ShapeElem B = q.shape(0), Nq = q.shape(1), Tq = q.shape(2), D = q.shape(3);
  const ShapeElem Nkv = k.shape(1), Tkv = k.shape(2);
  for (const array* a : {&k, &v}) {
    if (a->shape(0) != B) {
      fail(op, "mismatching batch dimension for input with shape " + shape_str(a->shape()) + ".");
    }
  }
  if (k.shape(3) != D) {
    fail(op, "query, keys expected to have matching last dimension; found query shape " +
                 shape_str(q.shape()) + " for keys shape " + shape_str(k.shape()) + ".");
  }
  if (k.shape(1) != v.shape(1)) {
    fail(op, "keys, values expected to have matching n_kv_heads; found keys with n_heads " +
                 std::to_string(k.shape(1)) + " for values with n_heads " +
                 std::to_string(v.shape(1)) + ".");
  }
  if (k.shape(2) != v.shape(2)) {
    fail(op, "keys, values expected to have matching sequence lengths; found keys with "
             "length " + std::to_string(k.shape(2)) + " for values with length " +
             std::to_string(v.shape(2)) + ".");
  }
  if (Nkv == 0 || Nq % Nkv != 0) {
    fail(op, "n_heads must be a multiple of n_kv_heads, found n_heads " + std::to_string(Nq) +
                 " for n_kv_heads " + std::to_string(Nkv) + ".");
  }
  Dtype out_type = at_least_float(promote_types(promote_types(q.dtype(), k.dtype()), v.dtype()));
  if (!is_floating_point(out_type)) {
    fail(op, std::string("Received unsupported type ") + dtype_name(out_type) + ".");
  }
  const array* mask_arr = std::get_if<array>(&mask);
  bool causal = false;
  if (auto* m = std::get_if<std::string>(&mask)) {
    if (*m != "causal") {
      fail(op, "invalid mask option '" + *m + "'. Must be 'causal', or an array.");
    }
    causal = true;
  }
  if (mask_arr) {
    if (mask_arr->ndim() > 4) {
      fail(op, "the mask with shape " + shape_str(mask_arr->shape()) +
                   " expected to have at most rank 4.");
    }
    broadcast_shapes(mask_arr->shape(), Shape{B, Nq, Tq, Tkv});
    if (mask_arr->dtype() != bool_ && promote_types(mask_arr->dtype(), out_type) != out_type) {
      fail(op, std::string("Mask type must promote to output type ") + dtype_name(out_type) +
                   ".");
    }
  }
  if (sinks && (sinks->ndim() != 1 || sinks->shape(0) != Nq)) {
    fail(op, "Received invalid shape for sinks " + shape_str(sinks->shape()) + ".");
  }
  const bool fused = out_type != float64 && q.size() > 0 && k.size() > 0 && v.size() > 0;
  if (!fused) return detail::sdpa_composed(q, k, v, scale, mask, sinks, out_type, s)[0];
  auto st = to_stream(s);
  AttentionParams p{scale, AttentionMaskKind::none, sinks.has_value()};
  std::vector<array> inputs{astype(q, out_type, st), astype(k, out_type, st),
                            astype(v, out_type, st)};
  if (causal) p.mask = AttentionMaskKind::causal;
  if (mask_arr) {
    p.mask = mask_arr->dtype() == bool_ ? AttentionMaskKind::boolean
                                        : AttentionMaskKind::additive;
    inputs.push_back(p.mask == AttentionMaskKind::boolean ? *mask_arr
                                                          : astype(*mask_arr, float32, st));
  }
  if (sinks) inputs.push_back(astype(*sinks, float32, st));
  return detail::sdpa_fused(p, std::move(inputs), st)[0];
}

namespace detail {

std::vector<array> sdpa_fused(const AttentionParams& p, std::vector<array> inputs,
                              const Stream& s) {
  const array& q = inputs[0];
  const Shape out_shape{q.shape(0), q.shape(1), q.shape(2), inputs[2].shape(3)};
  const Dtype dt = q.dtype();
  return array::make_arrays({out_shape, {q.shape(0), q.shape(1), q.shape(2)}}, {dt, float32},
                            std::make_shared<ScaledDotProductAttention>(s, p),
                            std::move(inputs));
}

std::vector<array> sdpa_composed(const array& q, const array& k, const array& v, float scale,
                                 const AttentionMask& mask, const std::optional<array>& sinks,
                                 Dtype out_type, StreamOrDevice s) {
  const ShapeElem B = q.shape(0), Nq = q.shape(1), Tq = q.shape(2), D = q.shape(3);
  const ShapeElem Nkv = k.shape(1), Tkv = k.shape(2), Dv = v.shape(3);
  const array* mask_arr = std::get_if<array>(&mask);
  const bool causal = std::holds_alternative<std::string>(mask);
  const ShapeElem rep = Nq / Nkv;
  auto qs = multiply(astype(q, out_type, s), array(scale, out_type), s);
  auto kt = swapaxes(astype(k, out_type, s), -1, -2, s);
  // Query heads that share a key head are stacked along the query axis, so one
  // batched matmul per key head serves them all.
  auto scores = reshape(matmul(reshape(qs, {B, Nkv, rep * Tq, D}, s), kt, s),
                        {B, Nq, Tq, Tkv}, s);
  // A masked score gets the lowest finite value: a fully masked row then averages
  // the values, as MLX does, instead of producing NaN.
  // Softmax in float32 (float64 stays float64).
  const Dtype acc = out_type == float64 ? float64 : float32;
  auto lowest = array(-std::numeric_limits<float>::max(), acc);
  scores = astype(scores, acc, s);
  if (causal) {
    auto qi = add(arange(0.0, Tq, 1.0, int32, s), array(static_cast<int>(Tkv - Tq)), s);
    auto keep = greater_equal(expand_dims(qi, -1, s), arange(0.0, Tkv, 1.0, int32, s), s);
    scores = where(keep, scores, lowest, s);
  }
  if (mask_arr) {
    scores = mask_arr->dtype() == bool_
                 ? where(*mask_arr, scores, lowest, s)
                 : add(scores, astype(*mask_arr, acc, s), s);
  }
  array probs = scores;
  std::optional<array> lse;
  if (sinks) {
    auto sk = broadcast_to(reshape(astype(*sinks, acc, s), {1, Nq, 1, 1}, s),
                           {B, Nq, Tq, 1}, s);
    auto all = concatenate({sk, scores}, -1, s);
    auto full = softmax(all, std::vector<int>{-1}, true, s);
    probs = slice(full, {0, 0, 0, 1}, {B, Nq, Tq, Tkv + 1}, s);
    lse = logsumexp(all, std::vector<int>{-1}, false, s);
  } else {
    probs = softmax(scores, std::vector<int>{-1}, true, s);
    lse = logsumexp(scores, std::vector<int>{-1}, false, s);
  }
  probs = reshape(astype(probs, out_type, s), {B, Nkv, rep * Tq, Tkv}, s);
  auto out = matmul(probs, astype(v, out_type, s), s);
  return {reshape(out, {B, Nq, Tq, Dv}, s), astype(*lse, float32, s)};
}

}  // namespace detail


array cross_entropy(const array& logits, const array& targets, StreamOrDevice s) {
  const char* op = "cross_entropy";
  if (logits.ndim() < 1) {
    fail(op, "logits must have at least 1 dimension but got input with 0 dimensions.");
  }
  if (!is_floating_point(logits.dtype())) {
    fail(op, std::string("Received unsupported logits type ") + dtype_name(logits.dtype()) +
                 ".");
  }
  if (!is_integral(targets.dtype())) {
    fail(op, std::string("targets must be integer class indices but got ") +
                 dtype_name(targets.dtype()) + ".");
  }
  Shape expect(logits.shape().begin(), logits.shape().end() - 1);
  if (targets.shape() != expect) {
    fail(op, "targets shape " + shape_str(targets.shape()) + " does not match logits shape " +
                 shape_str(logits.shape()) + " with the last axis removed.");
  }
  auto lse = logsumexp(logits, std::vector<int>{-1}, false, s);
  auto picked = squeeze(take_along_axis(logits, expand_dims(targets, -1, s), -1, s), -1, s);
  return astype(subtract(lse, picked, s), float32, s);
}

std::vector<array> gated_delta_update(const array& q, const array& k, const array& v,
                                      const array& gamma, const array& beta,
                                      const std::optional<array>& initial_state,
                                      const std::optional<array>& mask, StreamOrDevice sd) {
  auto fail = [](const std::string& what) {
    throw std::invalid_argument("[gated_delta_update] " + what);
  };
  if (q.ndim() != 4 || k.ndim() != 4 || v.ndim() != 4) {
    fail("q, k and v must have 4 dimensions (B, T, H, D).");
  }
  if (q.shape() != k.shape()) {
    fail("q and k must have the same shape but got " + shape_str(q.shape()) + " and " +
         shape_str(k.shape()) + ".");
  }
  const ShapeElem B = q.shape(0), T = q.shape(1), Hk = q.shape(2), Dk = q.shape(3);
  const ShapeElem Hv = v.shape(2), Dv = v.shape(3);
  if (v.shape(0) != B || v.shape(1) != T) {
    fail("v must share q's batch and time sizes but has shape " + shape_str(v.shape()) + ".");
  }
  if (Hk == 0 || Hv % Hk != 0) {
    fail(msg("The value heads (", Hv, ") must be a multiple of the key heads (", Hk, ")."));
  }
  for (auto* a : {&q, &k, &v, &gamma, &beta}) {
    if (!is_floating_point(a->dtype())) fail("Inputs must have a real floating dtype.");
  }
  auto s = to_stream(sd);
  const Shape gate_shape{B, T, Hv};
  auto check_gate = [&](const array& a, const char* name) {
    try {
      if (broadcast_shapes(a.shape(), gate_shape) != gate_shape) throw std::invalid_argument("");
    } catch (const std::invalid_argument&) {
      fail(msg(name, " with shape ", shape_str(a.shape()), " must broadcast to (B, T, Hv) = ",
               shape_str(gate_shape), "."));
    }
    return broadcast_to(astype(a, float32, s), gate_shape, s);
  };
  auto g = check_gate(gamma, "gamma"), b = check_gate(beta, "beta");
  const Shape state_shape{B, Hv, Dv, Dk};
  array state = zeros(state_shape, float32, s);
  if (initial_state) {
    if (initial_state->shape() != state_shape) {
      fail("initial_state must have shape (B, Hv, Dv, Dk) = " + shape_str(state_shape) +
           " but has " + shape_str(initial_state->shape()) + ".");
    }
    state = astype(*initial_state, float32, s);
  }
  std::optional<array> m;
  if (mask) {
    try {
      if (broadcast_shapes(mask->shape(), {B, T}) != Shape{B, T}) throw std::invalid_argument("");
    } catch (const std::invalid_argument&) {
      fail("mask with shape " + shape_str(mask->shape()) + " must broadcast to (B, T) = " +
           shape_str({B, T}) + ".");
    }
    m = broadcast_to(astype(*mask, bool_, s), {B, T}, s);
  }
  // Each query/key head serves Hv / Hk value heads.
  const int rep = static_cast<int>(Hv / Hk);
  auto qf = astype(q, float32, s), kf = astype(k, float32, s), vf = astype(v, float32, s);
  if (rep > 1) {
    qf = repeat(qf, rep, 2, s);
    kf = repeat(kf, rep, 2, s);
  }
  auto step = [&](const array& a, ShapeElem t) {  // a[:, t]
    return squeeze(core::detail::take_range(a, 1, t, t + 1, s), 1, s);
  };
  std::vector<array> outs;
  outs.reserve(T);
  for (ShapeElem t = 0; t < T; ++t) {
    auto kt = step(kf, t), qt = step(qf, t), vt = step(vf, t);  // (B, Hv, D)
    auto gt = expand_dims(step(g, t), {-1, -2}, s), bt = expand_dims(step(b, t), -1, s);
    auto decayed = multiply(state, gt, s);
    auto predicted = squeeze(matmul(decayed, expand_dims(kt, -1, s), s), -1, s);
    auto delta = multiply(subtract(vt, predicted, s), bt, s);
    auto updated = add(decayed, multiply(expand_dims(delta, -1, s), expand_dims(kt, -2, s), s), s);
    auto out = squeeze(matmul(updated, expand_dims(qt, -1, s), s), -1, s);
    if (m) {
      auto mt = step(*m, t);  // (B,)
      state = where(reshape(mt, {B, 1, 1, 1}, s), updated, state, s);
      out = where(reshape(mt, {B, 1, 1}, s), out, zeros({}, float32, s), s);
    } else {
      state = updated;
    }
    outs.push_back(out);
  }
  array out = T > 0 ? stack(outs, 1, s) : zeros({B, 0, Hv, Dv}, float32, s);
  return {astype(out, v.dtype(), s), state};
}

}  // namespace lumex::core::fast
