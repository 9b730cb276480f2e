// Copies with dtype conversion between arbitrary layouts.
#pragma once

#include "engine/array.h"

namespace lumex::core::cpu {

/// Writes `in` (any layout) converted to out.dtype() into out's existing buffer,
/// following out's strides.
void copy_into(const array& in, array& out);

/// Allocates `out` row-contiguous and copies `in` into it.
void copy_row_contiguous(const array& in, array& out);

}  // namespace lumex::core::cpu
