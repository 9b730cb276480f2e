// Transform rules and parameters of RandomBits. Bits are integers, so their
// derivatives are zero; a batch of keys is a leading axis of keys.
#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

std::vector<std::pair<std::string, std::string>> RandomBits::params() const {
  return {{"shape", param_text(shape_)}, {"width", param_text(width_)}};
}
std::shared_ptr<Primitive> RandomBits::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("RandomBits", params);
  return std::make_shared<RandomBits>(s, r.tuple<Shape>("shape"), int(r.integer("width")));
}

bool RandomBits::is_equivalent(const Primitive& other) const {
  if (!Primitive::is_equivalent(other)) return false;
  auto& o = static_cast<const RandomBits&>(other);
  return o.shape_ == shape_ && o.width_ == width_;
}

std::vector<array> RandomBits::jvp(const std::vector<array>& primals,
                                   const std::vector<array>&,
                                   const std::vector<int>&) {
  Shape out(primals[0].shape().begin(), primals[0].shape().end() - 1);
  out.insert(out.end(), shape_.begin(), shape_.end());
  Dtype d = width_ == 1 ? uint8 : width_ == 2 ? uint16 : uint32;
  return {zeros(out, d, stream())};
}

std::vector<array> RandomBits::vjp(const std::vector<array>& primals,
                                   const std::vector<array>&,
                                   const std::vector<int>& argnums,
                                   const std::vector<array>&) {
  std::vector<array> out;
  for (size_t i = 0; i < argnums.size(); ++i) {
    out.push_back(zeros_like(primals[0], stream()));
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> RandomBits::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  // Batched keys become leading key dims, which the kernel already handles.
  auto keys = inputs[0];
  int ax = axes[0];
  if (ax != 0) keys = moveaxis(keys, ax, 0, stream());
  Shape out(keys.shape().begin(), keys.shape().end() - 1);
  out.insert(out.end(), shape_.begin(), shape_.end());
  Dtype d = width_ == 1 ? uint8 : width_ == 2 ? uint16 : uint32;
  auto p = std::make_shared<RandomBits>(stream(), shape_, width_);
  return {{array(out, d, p, {keys})}, {0}};
}

LUMEX_REGISTER_PRIMITIVE(RandomBits);

}  // namespace lumex::core
