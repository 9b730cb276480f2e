// Shape and layout ops.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

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

/// Python-style basic slicing per axis: negative indices count from the end and
/// out-of-range bounds clamp; steps may be negative but not zero.
array slice(const array& a, Shape start, Shape stop, Shape strides,
            StreamOrDevice s = {});
array slice(const array& a, Shape start, Shape stop, StreamOrDevice s = {});

/// Merges axes start_axis..end_axis into one.
array flatten(const array& a, int start_axis, int end_axis = -1,
              StreamOrDevice s = {});
array flatten(const array& a, StreamOrDevice s = {});
/// Splits one axis into `shape` (one entry may be -1).
array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s = {});
array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array squeeze(const array& a, int axis, StreamOrDevice s = {});
array squeeze(const array& a, StreamOrDevice s = {});
array expand_dims(const array& a, const std::vector<int>& axes,
                  StreamOrDevice s = {});
array expand_dims(const array& a, int axis, StreamOrDevice s = {});
array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s = {});
array moveaxis(const array& a, int source, int destination, StreamOrDevice s = {});
/// Swaps the last two axes.
array matrix_transpose(const array& a, StreamOrDevice s = {});

array concatenate(std::vector<array> arrays, int axis, StreamOrDevice s = {});
/// Concatenation of the flattened arrays.
array concatenate(std::vector<array> arrays, StreamOrDevice s = {});
array stack(const std::vector<array>& arrays, int axis, StreamOrDevice s = {});
array stack(const std::vector<array>& arrays, StreamOrDevice s = {});
std::vector<array> unstack(const array& a, int axis = 0, StreamOrDevice s = {});
/// Equal parts along an axis.
std::vector<array> split(const array& a, int num_splits, int axis,
                         StreamOrDevice s = {});
/// Parts between consecutive indices along an axis.
std::vector<array> split(const array& a, const Shape& indices, int axis,
                         StreamOrDevice s = {});

array tile(const array& a, std::vector<int> reps, StreamOrDevice s = {});
array repeat(const array& a, int repeats, int axis, StreamOrDevice s = {});
array repeat(const array& a, int repeats, StreamOrDevice s = {});
/// Pads each axis by (low, high); mode: "constant", "edge", "reflect", "symmetric".
array pad(const array& a, const std::vector<std::pair<int, int>>& pad_width,
          const array& pad_value, const std::string& mode = "constant",
          StreamOrDevice s = {});
array pad(const array& a, const std::vector<int>& axes, const Shape& low,
          const Shape& high, const array& pad_value,
          const std::string& mode = "constant", StreamOrDevice s = {});
array roll(const array& a, const Shape& shift, const std::vector<int>& axes,
           StreamOrDevice s = {});
/// Rolls the flattened array by the sum of `shift`.
array roll(const array& a, const Shape& shift, StreamOrDevice s = {});
array flip(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array flip(const array& a, StreamOrDevice s = {});

array diagonal(const array& a, int offset = 0, int axis1 = 0, int axis2 = 1,
               StreamOrDevice s = {});
/// Sum of the diagonal; dtype defaults to sum's result type.
array trace(const array& a, int offset, int axis1, int axis2,
            std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
/// The k-th diagonal of a matrix, or a matrix with a vector on its k-th diagonal.
array diag(const array& a, int k = 0, StreamOrDevice s = {});

array atleast_1d(const array& a, StreamOrDevice s = {});
array atleast_2d(const array& a, StreamOrDevice s = {});
array atleast_3d(const array& a, StreamOrDevice s = {});

/// A view of the row-major data of `a` with the given shape, strides and offset (elements).
array as_strided(const array& a, Shape shape, Strides strides, int64_t offset,
                 StreamOrDevice s = {});
/// Reinterprets the bits of `a` as `dtype`.
array view(const array& a, Dtype dtype, StreamOrDevice s = {});

}  // namespace lumex::core
