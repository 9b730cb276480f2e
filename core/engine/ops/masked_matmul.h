// block_masked_mm and segmented_mm: matrix products with parts of the operands
// masked out, composed from where/multiply and matmul (so their rules come free).
#pragma once

#include <optional>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

/// a @ b with block_size x block_size blocks masked: each mask has one entry per
/// block of its matrix (the last block may be partial), batch dims broadcasting
/// with the product's. A boolean mask zeroes the blocks it marks False; a float
/// mask scales each block by its entry.
array block_masked_mm(const array& a, const array& b, int block_size,
                      const std::optional<array>& mask_out,
                      const std::optional<array>& mask_lhs,
                      const std::optional<array>& mask_rhs, StreamOrDevice s = {});

/// One product per segment of the inner dimension: segments (..., 2) holds
/// [start, stop) offsets into K; the result is (..., M, N).
array segmented_mm(const array& a, const array& b, const array& segments,
                   StreamOrDevice s = {});

}  // namespace lumex::core
