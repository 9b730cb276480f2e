#include "engine/ops/hadamard.h"

#include <cmath>
#include <stdexcept>

#include "engine/ops.h"
#include "engine/primitives/hadamard.h"
#include "engine/utils.h"

namespace lumex::core {

array hadamard_transform(const array& a, std::optional<float> scale, StreamOrDevice sd) {
  auto s = to_stream(sd);
  if (a.size() == 0) {
    throw std::invalid_argument("[hadamard_transform] Does not support empty arrays.");
  }
  const int64_t n = a.ndim() == 0 ? 1 : a.shape(-1);
  if (hadamard_base(n) == 0) {
    throw std::invalid_argument(
        "[hadamard] Only supports n = m*2^k where m in (1, 12, 20, 28).");
  }
  if (n == 1) {
    // A transform of size 1 is the scale alone. As MLX: without a scale the input
    // comes back as it is; with one, it is multiplied as by a Python float
    // (integers become float32, complex stays complex).
    if (!scale) return a;
    Dtype t = is_floating_point(a.dtype()) || a.dtype() == complex64 ? a.dtype() : float32;
    return multiply(astype(a, t, s), array(*scale, t == complex64 ? float32 : t), s);
  }
  Dtype t = is_floating_point(a.dtype()) ? a.dtype() : float32;
  float sc = scale ? *scale : static_cast<float>(1.0 / std::sqrt(static_cast<double>(n)));
  auto x = astype(a, t, s);
  return array(x.shape(), t, std::make_shared<Hadamard>(s, sc, false), {x});
}

}  // namespace lumex::core
