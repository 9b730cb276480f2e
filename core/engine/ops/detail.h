// Helpers shared between op files (shape.cpp/arrange.cpp, indexing.cpp/index_expr.cpp);
// not part of the op API.
#pragma once

#include <vector>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core::detail {

/// The part [lo, hi) of axis `axis`, with 0 <= lo <= hi <= size (a Slice node).
array take_range(const array& a, int axis, ShapeElem lo, ShapeElem hi,
                 StreamOrDevice s);
/// Maps a possibly negative axis into [0, ndim); throws axis_error with MLX's
/// "Invalid axis" text naming `op`.
int checked_axis(int axis, int ndim, const char* op);

/// Index arrays as the gather/scatter kernels read them: integer-checked (errors
/// name `op`), int32 or int64 alike, and broadcast together.
std::vector<array> prepare_indices(const std::vector<array>& indices, const char* op,
                                   StreamOrDevice s);
/// Normalized start, stop and the resulting length of a slice along an axis of n.
void norm_slice(ShapeElem n, ShapeElem& start, ShapeElem& stop, ShapeElem step,
                ShapeElem& len);

}  // namespace lumex::core::detail
