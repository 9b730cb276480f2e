// Transform rules of CustomTransforms: the user's, or the transform of the
// wrapped function when the user gave none.
#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"
#include "engine/vmap.h"

namespace lumex::core {

std::vector<array> CustomTransforms::jvp(const std::vector<array>& primals,
                                         const std::vector<array>& tangents,
                                         const std::vector<int>& argnums) {
  std::vector<array> ins(primals.begin() + num_outputs_, primals.end());
  std::vector<array> tans;
  for (auto& x : ins) tans.push_back(zeros_like(x));
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] >= num_outputs_) tans[argnums[k] - num_outputs_] = tangents[k];
  }
  if (jvp_rule_) return jvp_rule_(ins, tans);
  return core::jvp(fun_, ins, tans).second;
}

std::vector<array> CustomTransforms::vjp(const std::vector<array>& primals,
                                         const std::vector<array>& cotangents,
                                         const std::vector<int>& argnums,
                                         const std::vector<array>& outputs) {
  std::vector<array> ins(primals.begin() + num_outputs_, primals.end());
  auto grads = vjp_rule_ ? vjp_rule_(ins, cotangents, outputs)
                         : core::vjp(fun_, ins, cotangents).second;
  if (grads.size() != ins.size()) {
    throw std::invalid_argument(
        msg("[custom_function] The vjp returned ", grads.size(),
            " cotangents for ", ins.size(), " inputs."));
  }
  std::vector<array> result;
  for (int i : argnums) {
    result.push_back(i < num_outputs_ ? zeros_like(primals[i])
                                      : grads[i - num_outputs_]);
  }
  return result;
}

std::pair<std::vector<array>, std::vector<int>> CustomTransforms::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  std::vector<array> ins(inputs.begin() + num_outputs_, inputs.end());
  std::vector<int> in_axes(axes.begin() + num_outputs_, axes.end());
  if (vmap_rule_) return vmap_rule_(ins, in_axes);
  for (auto& a : in_axes) {
    if (a < 0) a = no_axis;
  }
  auto outs = core::vmap(fun_, ins, in_axes, std::vector<int>(num_outputs_, 0));
  return {outs, std::vector<int>(num_outputs_, 0)};
}

std::vector<array> Placeholder::jvp(const std::vector<array>&,
                                    const std::vector<array>&,
                                    const std::vector<int>&) {
  return {};
}
std::vector<array> Placeholder::vjp(const std::vector<array>&,
                                    const std::vector<array>&,
                                    const std::vector<int>&,
                                    const std::vector<array>&) {
  return {};
}
std::pair<std::vector<array>, std::vector<int>> Placeholder::vmap(
    const std::vector<array>&, const std::vector<int>&) {
  return {};
}

LUMEX_REGISTER_PRIMITIVE(CustomTransforms);
LUMEX_REGISTER_PRIMITIVE(Placeholder);

}  // namespace lumex::core
