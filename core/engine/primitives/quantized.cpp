// Parameters and transform rules of the quantized primitives (kernels in
// backend/cpu/quantized.cpp). Packed integers get zero gradients; affine scales
// and biases get exact ones, since dequantize is linear in them.
#include "engine/primitives/quantized.h"

#include "engine/ops.h"
#include "engine/primitives/rule_utils.h"

namespace lumex::core {

const char* quant_mode_name(QuantMode m) {
  switch (m) {
    case QuantMode::affine: return "affine";
    case QuantMode::mxfp4: return "mxfp4";
    case QuantMode::mxfp8: return "mxfp8";
    case QuantMode::nvfp4: return "nvfp4";
  }
  return "?";
}

namespace {

std::vector<std::pair<std::string, std::string>> quant_params(const QuantParams& p) {
  return {{"mode", quant_mode_name(p.mode)},
          {"group_size", param_text(p.group_size)},
          {"bits", param_text(p.bits)}};
}

QuantParams read_quant_params(const ParamReader& r) {
  return {QuantMode(r.choice("mode", {"affine", "mxfp4", "mxfp8", "nvfp4"})),
          int(r.integer("group_size")), int(r.integer("bits"))};
}

[[noreturn]] void no_scale_grad(const char* op, QuantMode m) {
  throw std::invalid_argument(std::string("[") + op +
                              "] Gradients with respect to the scales are only "
                              "available for affine quantization, not '" +
                              quant_mode_name(m) + "'.");
}

/// The quantized integers of w as float32 (scale 1, bias 0).
array levels(const array& w, const QuantParams& p, const Stream& s) {
  Shape gshape = w.shape();
  gshape.back() = w.shape(-1) * 32 / p.bits / p.group_size;
  Shape out = w.shape();
  out.back() = w.shape(-1) * 32 / p.bits;
  return array(out, float32, std::make_shared<Dequantize>(s, p, false),
               {w, ones(gshape, float32, s), zeros(gshape, float32, s)});
}

/// Sums `g` (..., K) over each group of the last axis: (..., K / gs).
array group_sum(const array& g, int gs, const Stream& s) {
  Shape sh = g.shape();
  sh.back() = g.shape(-1) / gs;
  sh.push_back(gs);
  return sum(reshape(g, sh, s), std::vector<int>{-1}, false, s);
}

/// Cotangents of the affine scales and biases from the cotangent of the expanded
/// matrix, for the requested argnums (1: scales, 2: biases).
void affine_param_vjp(const array& w, const array& dW, const QuantParams& p,
                      const std::vector<int>& argnums, const std::vector<array>& primals,
                      std::vector<array>& out, const Stream& s) {
  for (size_t i = 0; i < argnums.size(); ++i) {
    int a = argnums[i];
    if (a == 1) {
      out[i] = group_sum(multiply(dW, levels(w, p, s), s), p.group_size, s);
    } else if (a == 2) {
      out[i] = group_sum(dW, p.group_size, s);
    }
    if (a == 1 || a == 2) {
      out[i] = reshape(out[i], primals[a].shape(), s);
    }
  }
}

}  // namespace

// ---------------------------------------------------------------- Quantize

std::vector<std::pair<std::string, std::string>> Quantize::params() const {
  return quant_params(p_);
}
std::shared_ptr<Primitive> Quantize::from_params(Stream s, const PrimitiveParams& params) {
  return std::make_shared<Quantize>(s, read_quant_params(ParamReader("Quantize", params)));
}
bool Quantize::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Quantize*>(&other);
  return o && o->p_ == p_;
}

std::vector<array> Quantize::jvp(const std::vector<array>&, const std::vector<array>&,
                                 const std::vector<int>&) {
  throw std::invalid_argument("[quantize] Quantization is not differentiable.");
}

std::vector<array> Quantize::vjp(const std::vector<array>&, const std::vector<array>&,
                                 const std::vector<int>&, const std::vector<array>&) {
  throw std::invalid_argument("[quantize] Quantization is not differentiable.");
}

std::pair<std::vector<array>, std::vector<int>> Quantize::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  if (inputs.size() > 1 && axes[1] >= 0) {
    throw std::invalid_argument("[quantize] vmap over the global scale is not supported.");
  }
  auto w = batch_to_front(inputs[0], axes[0], stream());
  std::vector<array> ins{w};
  if (inputs.size() > 1) ins.push_back(inputs[1]);
  auto outs = array::make_arrays(
      [&] {
        std::vector<Shape> shapes;
        Shape packed = w.shape(), groups = w.shape();
        packed.back() = w.shape(-1) * p_.bits / 32;
        groups.back() = w.shape(-1) / p_.group_size;
        shapes.push_back(packed);
        shapes.push_back(groups);
        if (p_.mode == QuantMode::affine) shapes.push_back(groups);
        return shapes;
      }(),
      p_.mode == QuantMode::affine ? std::vector<Dtype>{uint32, float32, float32}
                                   : std::vector<Dtype>{uint32, uint8},
      std::make_shared<Quantize>(stream(), p_), ins);
  return {outs, std::vector<int>(outs.size(), 0)};
}

// ---------------------------------------------------------------- Dequantize

std::vector<std::pair<std::string, std::string>> Dequantize::params() const {
  auto v = quant_params(p_);
  v.push_back({"global_scale", param_text(has_global_)});
  return v;
}
std::shared_ptr<Primitive> Dequantize::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Dequantize", params);
  return std::make_shared<Dequantize>(s, read_quant_params(r), r.flag("global_scale"));
}
bool Dequantize::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Dequantize*>(&other);
  return o && o->p_ == p_ && o->has_global_ == has_global_;
}

std::vector<array> Dequantize::jvp(const std::vector<array>& primals,
                                   const std::vector<array>& tangents,
                                   const std::vector<int>& argnums) {
  const auto& s = stream();
  bool any = false;
  array ts = zeros_like(primals[1], s), tb = ts;
  for (size_t i = 0; i < argnums.size(); ++i) {
    int a = argnums[i];
    if (a == 0) continue;
    if (p_.mode != QuantMode::affine) no_scale_grad("dequantize", p_.mode);
    if (a == 1) ts = tangents[i];
    if (a == 2) tb = tangents[i];
    any = true;
  }
  Shape out = primals[0].shape();
  out.back() = primals[0].shape(-1) * 32 / p_.bits;
  if (!any) return {zeros(out, float32, s)};
  // Linear in (scales, biases): the tangent is the dequantization with the tangents.
  return {array(out, float32, std::make_shared<Dequantize>(s, p_, false),
                {primals[0], ts, tb})};
}

std::vector<array> Dequantize::vjp(const std::vector<array>& primals,
                                   const std::vector<array>& cotangents,
                                   const std::vector<int>& argnums,
                                   const std::vector<array>&) {
  const auto& s = stream();
  std::vector<array> out;
  for (int a : argnums) {
    if (a != 0 && p_.mode != QuantMode::affine) no_scale_grad("dequantize", p_.mode);
    out.push_back(zeros_like(primals[a], s));
  }
  affine_param_vjp(primals[0], cotangents[0], p_, argnums, primals, out, s);
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Dequantize::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  const auto& s = stream();
  if (has_global_ && axes.back() >= 0) {
    throw std::invalid_argument("[dequantize] vmap over the global scale is not supported.");
  }
  auto n = batch_size(inputs, axes);
  std::vector<array> ins;
  size_t batched = has_global_ ? inputs.size() - 1 : inputs.size();
  for (size_t i = 0; i < inputs.size(); ++i) {
    ins.push_back(i < batched ? with_batch(inputs[i], axes[i], n, s) : inputs[i]);
  }
  Shape out = ins[0].shape();
  out.back() = ins[0].shape(-1) * 32 / p_.bits;
  return {{array(out, float32, std::make_shared<Dequantize>(s, p_, has_global_), ins)}, {0}};
}

// ----------------------------------------------------------- QuantizedMatmul

std::vector<std::pair<std::string, std::string>> QuantizedMatmul::params() const {
  auto v = quant_params(p_);
  v.push_back({"transpose", param_text(transpose_)});
  return v;
}
std::shared_ptr<Primitive> QuantizedMatmul::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("QuantizedMatmul", params);
  return std::make_shared<QuantizedMatmul>(s, read_quant_params(r), r.flag("transpose"));
}
bool QuantizedMatmul::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const QuantizedMatmul*>(&other);
  return o && o->p_ == p_ && o->transpose_ == transpose_;
}

namespace {

/// The expanded weight as float32, in x @ W orientation: (K, N).
array expanded_kn(const array& w, const array& sc, const array& bi, const QuantParams& p,
                  bool transpose, const Stream& s) {
  Shape out = w.shape();
  out.back() = w.shape(-1) * 32 / p.bits;
  auto wf = array(out, float32, std::make_shared<Dequantize>(s, p, false), {w, sc, bi});
  return transpose ? swapaxes(wf, -1, -2, s) : wf;
}

}  // namespace

std::vector<array> QuantizedMatmul::jvp(const std::vector<array>& primals,
                                        const std::vector<array>& tangents,
                                        const std::vector<int>& argnums) {
  const auto& s = stream();
  std::optional<array> out;
  array ts = zeros_like(primals[2], s), tb = ts;
  bool params = false;
  for (size_t i = 0; i < argnums.size(); ++i) {
    int a = argnums[i];
    if (a == 0) {
      std::vector<array> ins(primals);
      ins[0] = tangents[i];
      Shape sh = primals[0].shape();
      sh.back() = transpose_ ? primals[1].shape(-2) : primals[1].shape(-1) * 32 / p_.bits;
      out = array(sh, float32, std::make_shared<QuantizedMatmul>(s, p_, transpose_), ins);
    } else if (a >= 2) {
      if (p_.mode != QuantMode::affine) no_scale_grad("quantized_matmul", p_.mode);
      (a == 2 ? ts : tb) = tangents[i];
      params = true;
    }
  }
  if (params) {
    auto t = matmul(primals[0], expanded_kn(primals[1], ts, tb, p_, transpose_, s), s);
    out = out ? add(*out, t, s) : t;
  }
  if (!out) {
    Shape sh = primals[0].shape();
    sh.back() = transpose_ ? primals[1].shape(-2) : primals[1].shape(-1) * 32 / p_.bits;
    out = zeros(sh, float32, s);
  }
  return {*out};
}

std::vector<array> QuantizedMatmul::vjp(const std::vector<array>& primals,
                                        const std::vector<array>& cotangents,
                                        const std::vector<int>& argnums,
                                        const std::vector<array>&) {
  const auto& s = stream();
  const array& x = primals[0];
  const array& g = cotangents[0];
  std::vector<array> out;
  bool params = false;
  for (int a : argnums) {
    if (a == 0) {
      std::vector<array> ins(primals);
      ins[0] = g;
      out.push_back(array(x.shape(), float32,
                          std::make_shared<QuantizedMatmul>(s, p_, !transpose_), ins));
    } else {
      if (a >= 2 && p_.mode != QuantMode::affine) no_scale_grad("quantized_matmul", p_.mode);
      params |= a >= 2;
      out.push_back(zeros_like(primals[a], s));
    }
  }
  if (params) {
    auto x2 = reshape(x, {-1, x.shape(-1)}, s);
    auto g2 = reshape(g, {-1, g.shape(-1)}, s);
    // The cotangent of the expanded matrix, in its stored orientation.
    auto dW = transpose_ ? matmul(transpose(g2, s), x2, s) : matmul(transpose(x2, s), g2, s);
    for (size_t i = 0; i < argnums.size(); ++i) {
      if (argnums[i] == 2) {
        out[i] = reshape(group_sum(multiply(dW, levels(primals[1], p_, s), s),
                                   p_.group_size, s),
                         primals[2].shape(), s);
      } else if (argnums[i] == 3) {
        out[i] = reshape(group_sum(dW, p_.group_size, s), primals[3].shape(), s);
      }
    }
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> QuantizedMatmul::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  const auto& s = stream();
  bool w_batched = false;
  for (size_t i = 1; i < axes.size(); ++i) w_batched |= axes[i] >= 0;
  if (!w_batched) {
    auto x = batch_to_front(inputs[0], axes[0], s);
    std::vector<array> ins(inputs);
    ins[0] = x;
    Shape sh = x.shape();
    sh.back() = transpose_ ? inputs[1].shape(-2) : inputs[1].shape(-1) * 32 / p_.bits;
    return {{array(sh, float32, std::make_shared<QuantizedMatmul>(s, p_, transpose_), ins)},
            {0}};
  }
  // A batched weight: expand it and multiply with broadcasting batch dims.
  auto n = batch_size(inputs, axes);
  std::vector<array> ws;
  for (size_t i = 1; i < inputs.size(); ++i) ws.push_back(with_batch(inputs[i], axes[i], n, s));
  if (ws.size() == 2) ws.push_back(zeros_like(ws[1], s));  // fp modes carry no biases
  Shape out = ws[0].shape();
  out.back() = ws[0].shape(-1) * 32 / p_.bits;
  std::vector<array> dq_in{ws[0], ws[1]};
  if (p_.mode == QuantMode::affine) dq_in.push_back(ws[2]);
  auto wf = array(out, float32, std::make_shared<Dequantize>(s, p_, false), dq_in);
  if (transpose_) wf = swapaxes(wf, -1, -2, s);
  auto x = with_batch(inputs[0], axes[0], n, s);
  // Line the weight's batch axis up with x's: (n, 1.., K, N).
  Shape wsh = wf.shape();
  wsh.insert(wsh.begin() + 1, x.ndim() - 3, 1);
  return {{matmul(x, reshape(wf, wsh, s), s)}, {0}};
}

LUMEX_REGISTER_PRIMITIVE(Quantize);
LUMEX_REGISTER_PRIMITIVE(Dequantize);
LUMEX_REGISTER_PRIMITIVE(QuantizedMatmul);

}  // namespace lumex::core
