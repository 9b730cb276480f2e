// Array creation ops.
#pragma once

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

array full(Shape shape, const array& vals, Dtype dtype, StreamOrDevice s = {});
array full(Shape shape, const array& vals, StreamOrDevice s = {});
array zeros(const Shape& shape, Dtype dtype = float32, StreamOrDevice s = {});
array ones(const Shape& shape, Dtype dtype = float32, StreamOrDevice s = {});
array zeros_like(const array& a, StreamOrDevice s = {});
array ones_like(const array& a, StreamOrDevice s = {});
array arange(double start, double stop, double step, Dtype dtype,
             StreamOrDevice s = {});
/// A lazy copy (a node whose value equals `a`).
array copy(const array& a, StreamOrDevice s = {});

}  // namespace lumex::core
