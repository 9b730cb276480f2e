// Transform rules of Depends: gradients flow to the passed-through inputs only;
// the dependencies get zeros (they only order evaluation).
#include "engine/primitives/depends.h"

#include "engine/ops.h"
#include "engine/ops/depends.h"

namespace lumex::core {

std::vector<array> Depends::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  std::vector<array> out;
  for (int i = 0; i < n_; ++i) out.push_back(zeros_like(primals[i], stream()));
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] < n_) out[argnums[k]] = tangents[k];
  }
  return out;
}

std::vector<array> Depends::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums,
                                const std::vector<array>&) {
  std::vector<array> out;
  for (int a : argnums) {
    out.push_back(a < n_ ? cotangents[a] : zeros_like(primals[a], stream()));
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Depends::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  std::vector<array> ins(inputs.begin(), inputs.begin() + n_);
  std::vector<array> deps(inputs.begin() + n_, inputs.end());
  return {depends(ins, deps), std::vector<int>(axes.begin(), axes.begin() + n_)};
}

std::shared_ptr<Primitive> Depends::from_params(Stream s, const PrimitiveParams& params) {
  return std::make_shared<Depends>(s, int(ParamReader("Depends", params).integer("outputs")));
}

LUMEX_REGISTER_PRIMITIVE(Depends);

}  // namespace lumex::core
