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
  Dtype t = is_floating_point(a.dtype()) ? a.dtype() : float32;
  float sc = scale ? *scale : static_cast<float>(1.0 / std::sqrt(static_cast<double>(n)));
  auto x = astype(a, t, s);
  return array(x.shape(), t, std::make_shared<Hadamard>(s, sc, false), {x});
}

}  // namespace lumex::core
