// Rounding ops added after elementwise.h (MLX 0.32's trunc).
#pragma once

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

/// Rounds toward zero (integers unchanged).
array trunc(const array& a, StreamOrDevice s = {});

}  // namespace lumex::core
