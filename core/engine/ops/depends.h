// mlx.core.depends: order evaluation without changing values.
#pragma once

#include <vector>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

/// Arrays equal to `inputs` that are computed only after `dependencies`.
std::vector<array> depends(const std::vector<array>& inputs,
                           const std::vector<array>& dependencies);

}  // namespace lumex::core
