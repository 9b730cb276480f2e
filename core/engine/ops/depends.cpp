#include "engine/ops/depends.h"

#include <stdexcept>

#include "engine/primitives/depends.h"

namespace lumex::core {

std::vector<array> depends(const std::vector<array>& inputs,
                           const std::vector<array>& dependencies) {
  if (inputs.empty()) return {};
  if (dependencies.empty()) return inputs;
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& a : inputs) {
    shapes.push_back(a.shape());
    dtypes.push_back(a.dtype());
  }
  std::vector<array> all(inputs);
  all.insert(all.end(), dependencies.begin(), dependencies.end());
  auto p = std::make_shared<Depends>(to_stream({}), static_cast<int>(inputs.size()));
  return array::make_arrays(std::move(shapes), std::move(dtypes), p, std::move(all));
}

}  // namespace lumex::core
