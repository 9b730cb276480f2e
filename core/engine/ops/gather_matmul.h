// gather_mm and gather_qmm: matrix products whose operands are picked from the
// batch dims of the inputs by index arrays (flat indices into those batch dims).
#pragma once

#include <optional>
#include <string>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

/// a[lhs] @ b[rhs], the index arrays broadcast together; a missing index array
/// walks its operand's batch dims in order.
array gather_mm(const array& a, const array& b, const std::optional<array>& lhs_indices,
                const std::optional<array>& rhs_indices, StreamOrDevice s = {});

/// quantized_matmul(x[lhs], w[rhs], scales[rhs], biases[rhs]).
array gather_qmm(const array& x, const array& w, const array& scales,
                 const std::optional<array>& biases, const std::optional<array>& lhs_indices,
                 const std::optional<array>& rhs_indices, bool transpose,
                 std::optional<int> group_size, std::optional<int> bits,
                 const std::string& mode, StreamOrDevice s = {});

/// qqmm(x[lhs], w[rhs]) (w and scales picked alike when w is packed).
array gather_qqmm(const array& x, const array& w, const std::optional<array>& scales,
                  const std::optional<array>& lhs_indices,
                  const std::optional<array>& rhs_indices, std::optional<int> group_size,
                  std::optional<int> bits, const std::string& mode,
                  const std::optional<array>& global_scale_x,
                  const std::optional<array>& global_scale_w, StreamOrDevice s = {});

}  // namespace lumex::core
