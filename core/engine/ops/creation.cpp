#include <cmath>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {
void check_shape(const Shape& shape, const char* op) {
  for (auto d : shape) {
    if (d < 0) {
      throw std::invalid_argument(
          msg("[", op, "] Negative dimensions not allowed, got ",
              shape_str(shape), "."));
    }
  }
}
}  // namespace

array full(Shape shape, const array& vals, Dtype dtype, StreamOrDevice s) {
  check_shape(shape, "full");
  auto st = to_stream(s);
  auto in = broadcast_to(astype(vals, dtype, st), shape, st);
  return array(std::move(shape), dtype, std::make_shared<Full>(st), {in});
}

array full(Shape shape, const array& vals, StreamOrDevice s) {
  return full(std::move(shape), vals, vals.dtype(), s);
}

array zeros(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(false, dtype), dtype, s);
}

array ones(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(true, dtype), dtype, s);
}

array zeros_like(const array& a, StreamOrDevice s) {
  return zeros(a.shape(), a.dtype(), s);
}

array ones_like(const array& a, StreamOrDevice s) {
  return ones(a.shape(), a.dtype(), s);
}

array arange(double start, double stop, double step, Dtype dtype,
             StreamOrDevice s) {
  if (dtype == bool_) {
    throw std::invalid_argument("[arange] Cannot use bool dtype.");
  }
  if (std::isnan(start) || std::isnan(stop) || std::isnan(step)) {
    throw std::invalid_argument("[arange] Cannot compute length.");
  }
  if (std::isinf(start) || std::isinf(stop)) {
    throw std::invalid_argument("[arange] Cannot compute length.");
  }
  if (step == 0) {
    throw std::invalid_argument("[arange] Step size cannot be zero.");
  }
  double n = std::ceil((stop - start) / step);
  if (n > static_cast<double>(std::numeric_limits<int32_t>::max())) {
    throw std::invalid_argument("[arange] Maximum size exceeded.");
  }
  auto len = static_cast<ShapeElem>(std::max(0.0, n));
  auto st = to_stream(s);
  return array({len}, dtype, std::make_shared<Arange>(st, start, stop, step), {});
}

array copy(const array& a, StreamOrDevice s) {
  auto st = to_stream(s);
  return array(a.shape(), a.dtype(), std::make_shared<Contiguous>(st, true), {a});
}

}  // namespace lumex::core
