// Primitives that only pass data through (custom rules) or must never run.
#include "engine/primitives.h"

namespace lumex::core {

void CustomTransforms::eval_cpu(const std::vector<array>& inputs,
                                std::vector<array>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) outputs[i].copy_shared_buffer(inputs[i]);
}

void Placeholder::eval_cpu(const std::vector<array>&, array&) {
  throw std::invalid_argument(
      "[eval] Attempting to eval an array during function transformations like "
      "compile or vmap is not allowed.");
}

}  // namespace lumex::core
