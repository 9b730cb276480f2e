// Building blocks shared by the transform rules of several primitives.
#pragma once

#include <vector>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

/// Sums `g` down to `shape`, undoing the broadcast of an operand of that shape.
array unbroadcast(const array& g, const Shape& shape, const Stream& s);

/// Moves the batch axis of `x` to the front (no-op if already there).
array batch_to_front(const array& x, int axis, const Stream& s);

/// Makes batched elementwise operands broadcast together: each batched input gets
/// its batch axis in front and unit dims after it so it lines up with the
/// unbatched ones (which broadcast against it from the right). Batch axis is 0.
std::vector<array> align_batched(const std::vector<array>& inputs,
                                 const std::vector<int>& axes, const Stream& s);

/// Size of the batch axis (from the first batched input).
ShapeElem batch_size(const std::vector<array>& inputs, const std::vector<int>& axes);

/// `x` with a batch axis of size n in front (broadcast when it has none).
array with_batch(const array& x, int axis, ShapeElem n, const Stream& s);

/// Maps axis indices of an unbatched array to the array with a batch axis in front.
std::vector<int> shift_axes(const std::vector<int>& axes, int ndim_unbatched);

/// Cotangent of `slice(x, start, stop, strides)` w.r.t. x: `g` scattered into zeros.
array slice_vjp(const array& g, const Shape& in_shape, const Shape& start,
                const Shape& stop, const Shape& strides, const Stream& s);

}  // namespace lumex::core
