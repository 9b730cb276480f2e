// The backward pass made visible: vjp that also reports every traced array's
// cotangent (its "grad", in micrograd's words), for the notebook's backward sweep.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "engine/array.h"

namespace lumex::core {

struct VjpTrace {
  std::vector<array> outputs;
  std::vector<array> grads;
  /// (traced array, its cotangent) in the order the backward pass finished
  /// them: reverse topological order, the primals' traced copies last.
  std::vector<std::pair<array, array>> adjoints;
};

VjpTrace vjp_with_adjoints(const std::function<std::vector<array>(const std::vector<array>&)>& fun,
                           const std::vector<array>& primals,
                           const std::vector<array>& cotangents);

}  // namespace lumex::core
