// Einstein summation: einsum and the contraction order it follows, einsum_path.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

/// The operands contracted at each step (positions into the list of operands
/// left at that step; results are appended at the end), chosen greedily as in
/// MLX and NumPy's "greedy" optimizer, and a summary of the naive and
/// optimized scaling and FLOP counts.
std::pair<std::vector<std::vector<int>>, std::string> einsum_path(
    const std::string& subscripts, const std::vector<array>& operands);

/// Evaluates the Einstein summation `subscripts` ("ij,jk->ik", implicit output,
/// "..." broadcasting, repeated indices for diagonals). Each pairwise step that
/// contracts an index is one batched matmul; steps without one multiply with
/// broadcasting, so the result differentiates through those ops.
array einsum(const std::string& subscripts, const std::vector<array>& operands,
             StreamOrDevice s = {});

}  // namespace lumex::core
