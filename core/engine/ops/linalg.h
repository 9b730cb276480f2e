// Matrix and tensor products: matmul, addmm, inner, outer, tensordot, kron, vecdot.
#pragma once

#include <vector>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

/// Batched matrix product with NumPy's 1-D rules; floating/complex dtypes only.
array matmul(const array& a, const array& b, StreamOrDevice s = {});
/// beta * c + alpha * (a @ b).
array addmm(array c, array a, array b, const float& alpha = 1.f,
            const float& beta = 1.f, StreamOrDevice s = {});
array inner(const array& a, const array& b, StreamOrDevice s = {});
array outer(const array& a, const array& b, StreamOrDevice s = {});
/// Contracts the last `axis` dims of a with the first `axis` dims of b.
array tensordot(const array& a, const array& b, int axis = 2,
                StreamOrDevice s = {});
array tensordot(const array& a, const array& b, const std::vector<int>& axes_a,
                const std::vector<int>& axes_b, StreamOrDevice s = {});
array kron(const array& a, const array& b, StreamOrDevice s = {});
/// sum(conj(a) * b, axis).
array vecdot(const array& a, const array& b, int axis = -1,
             StreamOrDevice s = {});

}  // namespace lumex::core
