// Transform rules of Convolution. Both gradients are convolutions again: the
// input's is the cotangent spread by the stride and read by the flipped kernel
// (channels swapped per group); the weight's correlates the input with the
// cotangent, with the batch axis playing the channels. vmap folds the batch axis
// into the batch, the output channels or the groups.
#include "engine/ops.h"
#include "engine/ops/conv.h"
#include "engine/primitives.h"
#include "engine/primitives/conv.h"
#include "engine/primitives/rule_utils.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {
using Rules = std::pair<std::vector<array>, std::vector<int>>;

/// Axis order (last, 1..sd, first): swaps the roles of the first and last axes.
std::vector<int> swap_ends(int sd) {
  std::vector<int> perm{sd + 1};
  for (int i = 1; i <= sd; ++i) perm.push_back(i);
  perm.push_back(0);
  return perm;
}

array input_grad(const array& x, const array& w, const array& g, const ConvParams& p,
                 const Stream& s) {
  int sd = x.ndim() - 2;
  int G = p.groups;
  auto O = w.shape(0), Cg = w.shape(-1);
  // (O, K..., Cg) -> (C, K..., O / G): per group, input and output channels swap.
  Shape split{G, O / G};
  for (int i = 1; i <= sd; ++i) split.push_back(w.shape(i));
  split.push_back(Cg);
  std::vector<int> perm{0, sd + 2};
  for (int i = 2; i < sd + 2; ++i) perm.push_back(i);
  perm.push_back(1);
  Shape merged{G * Cg};
  for (int i = 1; i <= sd; ++i) merged.push_back(w.shape(i));
  merged.push_back(O / G);
  auto wt = reshape(transpose(reshape(w, split, s), perm, s), merged, s);
  // The gradient reads the kernel reversed: reversing the (small) weight here
  // rather than with `flip` keeps the kernel's taps in memory order.
  if (!p.flip) {
    std::vector<int> axes;
    for (int i = 1; i <= sd; ++i) axes.push_back(i);
    wt = flip(wt, axes, s);
  }

  ConvParams q;
  q.groups = G;
  q.flip = false;
  for (int i = 0; i < sd; ++i) {
    int L = static_cast<int>(x.shape(i + 1)), T = static_cast<int>(g.shape(i + 1));
    int K = static_cast<int>(w.shape(i + 1));
    int st = p.stride[i], d = p.kernel_dilation[i], D = p.input_dilation[i];
    int lo = p.padding_lo[i];
    q.stride.push_back(D);
    q.kernel_dilation.push_back(d);
    q.input_dilation.push_back(st);
    q.padding_lo.push_back((K - 1) * d - lo);
    q.padding_hi.push_back((L - 1) * D - (T - 1) * st + lo);
  }
  return convolution(g, wt, q, s);
}

/// The weight gradient as a Convolution: x with batch and channels swapped
/// correlated with the cotangent as its kernel. Only for input dilation, where
/// that Convolution's kernel skips the inserted zeros phase by phase.
array weight_grad_as_conv(const array& x, const Shape& wshape, const array& g,
                          const ConvParams& p, const Stream& s) {
  int sd = x.ndim() - 2;
  int G = p.groups;
  auto N = x.shape(0), Cg = wshape.back();
  // x (N, L..., G*Cg) -> (Cg, L..., G*N): the batch becomes the channels, grouped.
  Shape split{N};
  for (int i = 1; i <= sd; ++i) split.push_back(x.shape(i));
  split.push_back(G);
  split.push_back(Cg);
  std::vector<int> perm{sd + 2};
  for (int i = 1; i <= sd; ++i) perm.push_back(i);
  perm.push_back(sd + 1);
  perm.push_back(0);
  Shape merged{Cg};
  for (int i = 1; i <= sd; ++i) merged.push_back(x.shape(i));
  merged.push_back(G * N);
  auto xt = reshape(transpose(reshape(x, split, s), perm, s), merged, s);
  auto gt = transpose(g, swap_ends(sd), s);  // (O, T..., N): the kernel

  ConvParams q;
  q.groups = G;
  q.flip = false;
  for (int i = 0; i < sd; ++i) {
    int L = static_cast<int>(x.shape(i + 1)), T = static_cast<int>(g.shape(i + 1));
    int K = static_cast<int>(wshape[i + 1]);
    int st = p.stride[i], d = p.kernel_dilation[i], D = p.input_dilation[i];
    int lo = p.padding_lo[i];
    q.stride.push_back(d);
    q.kernel_dilation.push_back(st);
    q.input_dilation.push_back(D);
    q.padding_lo.push_back(lo);
    // Crops the input rows no output read (a stride that does not divide evenly).
    q.padding_hi.push_back((K - 1) * d + (T - 1) * st - (L - 1) * D - lo);
  }
  auto dw = transpose(convolution(xt, gt, q, s), swap_ends(sd), s);
  if (p.flip) {
    std::vector<int> axes;
    for (int i = 1; i <= sd; ++i) axes.push_back(i);
    dw = flip(dw, axes, s);
  }
  return dw;
}

/// d/dw of <g, conv(x, w)> for a weight of shape wshape.
array weight_grad(const array& x, const Shape& wshape, const array& g, const ConvParams& p,
                  const Stream& s) {
  bool dilated = false;
  for (int d : p.input_dilation) dilated = dilated || d != 1;
  if (dilated) return weight_grad_as_conv(x, wshape, g, p, s);
  std::vector<int> kernel;
  for (size_t i = 1; i + 1 < wshape.size(); ++i) kernel.push_back(static_cast<int>(wshape[i]));
  return array(wshape, x.dtype(), std::make_shared<ConvWeightGrad>(s, p, std::move(kernel)),
               {x, astype(g, x.dtype(), s)});
}

bool empty_conv(const array& x, const array& w, const array& g) {
  return x.size() == 0 || w.size() == 0 || g.size() == 0;
}

std::vector<std::pair<std::string, std::string>> param_texts(const ConvParams& p) {
  return {{"stride", param_text(p.stride)},
          {"padding_lo", param_text(p.padding_lo)},
          {"padding_hi", param_text(p.padding_hi)},
          {"kernel_dilation", param_text(p.kernel_dilation)},
          {"input_dilation", param_text(p.input_dilation)},
          {"groups", param_text(p.groups)},
          {"flip", param_text(p.flip)}};
}

ConvParams read_params(ParamReader& r) {
  using V = std::vector<int>;
  return ConvParams{r.tuple<V>("stride"), r.tuple<V>("padding_lo"), r.tuple<V>("padding_hi"),
                    r.tuple<V>("kernel_dilation"), r.tuple<V>("input_dilation"),
                    int(r.integer("groups")), r.flag("flip")};
}
}  // namespace

std::vector<std::pair<std::string, std::string>> Convolution::params() const {
  return param_texts(p_);
}
std::shared_ptr<Primitive> Convolution::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Convolution", params);
  return std::make_shared<Convolution>(s, read_params(r));
}

std::vector<array> Convolution::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  auto s = stream();
  std::optional<array> out;
  for (size_t k = 0; k < argnums.size(); ++k) {
    auto term = argnums[k] == 0 ? convolution(tangents[k], primals[1], p_, s)
                                : convolution(primals[0], tangents[k], p_, s);
    out = out ? add(*out, term, s) : term;
  }
  return {*out};
}

std::vector<array> Convolution::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums,
                                    const std::vector<array>&) {
  auto s = stream();
  const auto &x = primals[0], &w = primals[1], &g = cotangents[0];
  std::vector<array> vjps;
  for (int i : argnums) {
    if (empty_conv(x, w, g)) {
      vjps.push_back(zeros_like(primals[i], s));
    } else {
      vjps.push_back(i == 0 ? input_grad(x, w, g, p_, s) : weight_grad(x, w.shape(), g, p_, s));
    }
  }
  return vjps;
}

Rules Convolution::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  int sd = static_cast<int>(p_.stride.size());
  int G = p_.groups;
  if (axes[0] >= 0 && axes[1] < 0) {
    // Batch folded into N.
    auto x = batch_to_front(inputs[0], axes[0], s);
    auto B = x.shape(0);
    Shape xs(x.shape().begin() + 1, x.shape().end());
    xs[0] *= B;
    auto out = convolution(reshape(x, xs, s), inputs[1], p_, s);
    Shape os = out.shape();
    os[0] /= B;
    os.insert(os.begin(), B);
    return {{reshape(out, os, s)}, {0}};
  }
  auto w = batch_to_front(inputs[1], axes[1], s);
  auto B = w.shape(0), O = w.shape(1);
  if (axes[0] < 0) {
    // Batch folded into the output channels, inside each group.
    Shape split{B, G, O / G};
    split.insert(split.end(), w.shape().begin() + 2, w.shape().end());
    std::vector<int> perm{1, 0};
    for (int i = 2; i < static_cast<int>(split.size()); ++i) perm.push_back(i);
    Shape merged{G * B * (O / G)};
    merged.insert(merged.end(), w.shape().begin() + 2, w.shape().end());
    auto wf = reshape(transpose(reshape(w, split, s), perm, s), merged, s);
    auto out = convolution(inputs[0], wf, p_, s);
    // (N, T..., G, B, O/G) -> (B, N, T..., G, O/G) -> (B, N, T..., O)
    Shape os(out.shape().begin(), out.shape().end() - 1);
    os.push_back(G);
    os.push_back(B);
    os.push_back(O / G);
    std::vector<int> operm{sd + 2};
    for (int i = 0; i <= sd; ++i) operm.push_back(i);
    operm.push_back(sd + 1);
    operm.push_back(sd + 3);
    Shape fin{B};
    fin.insert(fin.end(), out.shape().begin(), out.shape().end() - 1);
    fin.push_back(O);
    return {{reshape(transpose(reshape(out, os, s), operm, s), fin, s)}, {0}};
  }
  // Both batched: each batch element is its own set of groups.
  auto x = moveaxis(batch_to_front(inputs[0], axes[0], s), 0, sd + 1, s);
  Shape xs(x.shape().begin(), x.shape().end() - 1);
  xs.back() *= x.shape(-1);
  Shape ws(w.shape().begin() + 1, w.shape().end());
  ws[0] *= B;
  ConvParams q = p_;
  q.groups = G * static_cast<int>(B);
  auto out = convolution(reshape(x, xs, s), reshape(w, ws, s), q, s);
  Shape os(out.shape().begin(), out.shape().end() - 1);
  os.push_back(B);
  os.push_back(O);
  return {{moveaxis(reshape(out, os, s), sd + 1, 0, s)}, {0}};
}

LUMEX_REGISTER_PRIMITIVE(Convolution);

// ---- ConvWeightGrad: bilinear in (x, g), like the Convolution it differentiates ----

static Shape weight_shape(const array& x, const array& g, const std::vector<int>& kernel,
                            int groups) {
  Shape w{g.shape(-1)};
  for (int k : kernel) w.push_back(k);
  w.push_back(x.shape(-1) / groups);
  return w;
}

std::vector<std::pair<std::string, std::string>> ConvWeightGrad::params() const {
  auto out = param_texts(p_);
  out.emplace_back("kernel", param_text(kernel_));
  return out;
}
std::shared_ptr<Primitive> ConvWeightGrad::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("ConvWeightGrad", params);
  auto p = read_params(r);
  return std::make_shared<ConvWeightGrad>(s, std::move(p), r.tuple<std::vector<int>>("kernel"));
}

std::vector<array> ConvWeightGrad::jvp(const std::vector<array>& primals,
                                       const std::vector<array>& tangents,
                                       const std::vector<int>& argnums) {
  auto s = stream();
  auto wshape = weight_shape(primals[0], primals[1], kernel_, p_.groups);
  std::optional<array> out;
  for (size_t k = 0; k < argnums.size(); ++k) {
    auto term = argnums[k] == 0 ? weight_grad(tangents[k], wshape, primals[1], p_, s)
                                : weight_grad(primals[0], wshape, tangents[k], p_, s);
    out = out ? add(*out, term, s) : term;
  }
  return {*out};
}

std::vector<array> ConvWeightGrad::vjp(const std::vector<array>& primals,
                                       const std::vector<array>& cotangents,
                                       const std::vector<int>& argnums,
                                       const std::vector<array>&) {
  // <c, dw(x, g)> = <g, conv(x, c)>: x's vjp is the convolution's input gradient
  // with c as the weight, g's is the convolution itself.
  auto s = stream();
  const auto &x = primals[0], &g = primals[1], &c = cotangents[0];
  std::vector<array> vjps;
  for (int i : argnums) {
    if (empty_conv(x, c, g)) {
      vjps.push_back(zeros_like(primals[i], s));
    } else {
      vjps.push_back(i == 0 ? input_grad(x, c, g, p_, s)
                            : astype(convolution(x, astype(c, x.dtype(), s), p_, s), g.dtype(), s));
    }
  }
  return vjps;
}

Rules ConvWeightGrad::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  // Each batch element becomes its own set of groups; an unbatched input is
  // broadcast first.
  auto s = stream();
  int sd = static_cast<int>(kernel_.size());
  auto B = axes[0] >= 0 ? inputs[0].shape(axes[0]) : inputs[1].shape(axes[1]);
  auto fold = [&](const array& a, int axis) {
    array b = axis >= 0 ? batch_to_front(a, axis, s) : a;
    if (axis < 0) {
      Shape sh = a.shape();
      sh.insert(sh.begin(), B);
      b = broadcast_to(expand_dims(a, 0, s), sh, s);
    }
    auto m = moveaxis(b, 0, sd + 1, s);  // (N, S..., B, C)
    Shape sh(m.shape().begin(), m.shape().end() - 1);
    sh.back() *= m.shape(-1);
    return reshape(m, sh, s);
  };
  ConvParams q = p_;
  q.groups = p_.groups * static_cast<int>(B);
  auto x = fold(inputs[0], axes[0]), g = fold(inputs[1], axes[1]);
  auto dw = weight_grad(x, weight_shape(x, g, kernel_, q.groups), g, q, s);
  Shape os{B, dw.shape(0) / B};
  os.insert(os.end(), dw.shape().begin() + 1, dw.shape().end());
  return {{reshape(dw, os, s)}, {0}};
}

LUMEX_REGISTER_PRIMITIVE(ConvWeightGrad);

}  // namespace lumex::core
