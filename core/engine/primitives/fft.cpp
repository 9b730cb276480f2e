// Transform rules of FFT. The DFT is linear, so jvp applies it to the tangent and
// vjp its transpose (the norm's scale carries over to both); the real variants
// add the zero-padding and Hermitian weighting transposes.
#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

std::vector<std::pair<std::string, std::string>> FFT::params() const {
  std::vector<std::pair<std::string, std::string>> p = {
      {"axes", param_text(axes_)}, {"inverse", param_text(inverse_)}, {"real", param_text(real_)}};
  if (out_len_ != 0) p.emplace_back("n", param_text(out_len_));
  if (scale_ != 1.0) p.emplace_back("scale", param_text(scale_));
  return p;
}
std::shared_ptr<Primitive> FFT::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("FFT", params);
  return std::make_shared<FFT>(s, r.tuple<std::vector<int>>("axes"), r.flag("inverse"),
                               r.flag("real"), r.has("n") ? r.integer("n") : 0,
                               r.has("scale") ? r.real("scale") : 1.0);
}

bool FFT::is_equivalent(const Primitive& other) const {
  if (!Primitive::is_equivalent(other)) return false;
  auto& o = static_cast<const FFT&>(other);
  return o.axes_ == axes_ && o.inverse_ == inverse_ && o.real_ == real_ &&
         o.out_len_ == out_len_ && o.scale_ == scale_;
}

Shape FFT::out_shape(const Shape& in, const std::vector<int>& axes) const {
  Shape out = in;
  if (real_) out[axes.back()] = inverse_ ? out_len_ : in[axes.back()] / 2 + 1;
  return out;
}

std::vector<array> FFT::jvp(const std::vector<array>& primals,
                            const std::vector<array>& tangents,
                            const std::vector<int>&) {
  auto t = astype(tangents[0], primals[0].dtype(), stream());
  auto p = std::make_shared<FFT>(stream(), axes_, inverse_, real_, out_len_, scale_);
  return {array(out_shape(t.shape(), axes_), real_ && inverse_ ? float32 : complex64,
                p, {t})};
}

std::vector<array> FFT::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>&,
                            const std::vector<array>& outputs) {
  // MLX's convention: the cotangent meets the conjugate transpose, F^H g =
  // conj(F^T conj(g)); the DFT matrix is symmetric, so F^T is the transform itself.
  const array& x = primals[0];
  auto s = stream();
  int last = axes_.back();
  auto g = conjugate(astype(cotangents[0], complex64, s), s);
  if (!real_) {
    auto p = std::make_shared<FFT>(s, axes_, inverse_, false, 0, scale_);
    return {conjugate(array(g.shape(), complex64, p, {g}), s)};
  }
  if (!inverse_) {
    // rfft keeps the first n/2 + 1 bins: zero-pad them back, transform, and
    // keep the real part (the input was real).
    auto n = x.shape(last);
    auto padded = pad(g, {last}, {0}, {n - g.shape(last)}, array(0.0f, complex64),
                      "constant", s);
    auto p = std::make_shared<FFT>(s, axes_, false, false, 0, scale_);
    auto r = array(padded.shape(), complex64, p, {padded});
    return {astype(core::real(r, s), x.dtype(), s)};
  }
  // irfft reads each interior bin twice (itself and its conjugate mirror):
  // the inverse transform of g, cropped to the n/2 + 1 bins, weighted 2 there.
  auto p = std::make_shared<FFT>(s, axes_, true, false, 0, scale_);
  auto full = array(g.shape(), complex64, p, {g});
  auto m = x.shape(last);
  Shape stop = full.shape();
  stop[last] = m;
  auto bins = slice(full, Shape(full.ndim(), 0), stop, s);
  auto n = outputs[0].shape(last);
  std::vector<float> w(m, 2.0f);
  w[0] = 1.0f;
  if (n % 2 == 0) w[m - 1] = 1.0f;
  Shape wshape(full.ndim(), 1);
  wshape[last] = m;
  return {conjugate(multiply(bins, array(w.data(), wshape, float32), s), s)};
}

std::pair<std::vector<array>, std::vector<int>> FFT::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto x = axes[0] > 0 ? moveaxis(inputs[0], axes[0], 0, stream()) : inputs[0];
  std::vector<int> shifted;
  for (int a : axes_) shifted.push_back(a + 1);
  auto p = std::make_shared<FFT>(stream(), shifted, inverse_, real_, out_len_, scale_);
  return {{array(out_shape(x.shape(), shifted), real_ && inverse_ ? float32 : complex64,
                 p, {x})},
          {0}};
}

LUMEX_REGISTER_PRIMITIVE(FFT);

}  // namespace lumex::core
