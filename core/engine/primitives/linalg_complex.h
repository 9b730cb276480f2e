// eig, eigh and svd take complex64 (as MLX), but their gradient rules are written
// for real matrices.
#pragma once

#include <stdexcept>

#include "engine/array.h"
#include "engine/utils.h"

namespace lumex::core {

inline void reject_complex_grad(const array& a, const char* op) {
  if (is_complex(a.dtype())) {
    throw std::invalid_argument(
        msg("[linalg::", op, "] Gradients of complex inputs are not supported."));
  }
}

}  // namespace lumex::core
