// Shape and layout ops.
#pragma once

#include <optional>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s = {});
std::vector<array> broadcast_arrays(const std::vector<array>& inputs,
                                    StreamOrDevice s = {});
/// Reshape; one dimension may be -1 (inferred).
array reshape(const array& a, Shape shape, StreamOrDevice s = {});
array transpose(const array& a, std::vector<int> axes, StreamOrDevice s = {});
array transpose(const array& a, StreamOrDevice s = {});
array contiguous(const array& a, bool allow_col_major = false,
                 StreamOrDevice s = {});

}  // namespace lumex::core
