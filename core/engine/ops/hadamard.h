// The Walsh-Hadamard transform over the last axis.
#pragma once

#include <optional>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

/// (H_n @ x) * scale over the last axis, with n = m * 2^k for m in (1, 12, 20, 28):
/// H_n = kron(H_m, H_{2^k}), H_{2^k} Sylvester's matrix (scipy.linalg.hadamard) and
/// H_m MLX's fixed matrix. scale defaults to 1/sqrt(n), which makes H orthonormal.
/// Half and float types stay; every other dtype computes in float32.
array hadamard_transform(const array& a, std::optional<float> scale = std::nullopt,
                         StreamOrDevice s = {});

}  // namespace lumex::core
