#include <numeric>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s) {
  if (a.shape() == shape) return a;
  auto bs = [&] {
    try {
      return broadcast_shapes(a.shape(), shape);
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument(
          msg("[broadcast_to] Cannot broadcast array of shape ",
              shape_str(a.shape()), " to shape ", shape_str(shape), "."));
    }
  }();
  if (bs != shape) {
    throw std::invalid_argument(
        msg("[broadcast_to] Cannot broadcast array of shape ",
            shape_str(a.shape()), " to shape ", shape_str(shape), "."));
  }
  auto st = to_stream(s);
  return array(shape, a.dtype(), std::make_shared<Broadcast>(st, shape), {a});
}

std::vector<array> broadcast_arrays(const std::vector<array>& inputs,
                                    StreamOrDevice s) {
  Shape shape;
  for (auto& a : inputs) shape = broadcast_shapes(shape, a.shape());
  std::vector<array> out;
  out.reserve(inputs.size());
  for (auto& a : inputs) out.push_back(broadcast_to(a, shape, s));
  return out;
}

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  int infer = -1;
  size_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        throw std::invalid_argument(
            "[reshape] Reshape can only infer one dimension.");
      }
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw std::invalid_argument(msg("[reshape] Invalid negative dimension ",
                                      shape[i], " in shape ", shape_str(shape),
                                      "."));
    } else {
      known *= static_cast<size_t>(shape[i]);
    }
  }
  if (infer >= 0) {
    if (known == 0 || a.size() % known != 0) {
      throw std::invalid_argument(
          msg("[reshape] Cannot infer the shape of an array of size ", a.size(),
              " into shape ", shape_str(shape), "."));
    }
    shape[infer] = static_cast<ShapeElem>(a.size() / known);
    known = a.size();
  }
  if (known != a.size()) {
    throw std::invalid_argument(msg("[reshape] Cannot reshape array of size ",
                                    a.size(), " into shape ", shape_str(shape),
                                    "."));
  }
  if (shape == a.shape()) return a;
  auto st = to_stream(s);
  return array(shape, a.dtype(), std::make_shared<Reshape>(st, shape), {a});
}

array transpose(const array& a, std::vector<int> axes, StreamOrDevice s) {
  if (axes.size() != static_cast<size_t>(a.ndim())) {
    throw std::invalid_argument(
        msg("[transpose] Recived ", axes.size(), " axes for array with ",
            a.ndim(), " dimensions."));
  }
  for (auto& ax : axes) ax = normalize_axis(ax, a.ndim(), "transpose");
  std::vector<bool> seen(a.ndim(), false);
  for (int ax : axes) {
    if (seen[ax]) {
      throw std::invalid_argument("[transpose] Repeat axes not allowed.");
    }
    seen[ax] = true;
  }
  Shape shape;
  for (int ax : axes) shape.push_back(a.shape(ax));
  auto st = to_stream(s);
  return array(std::move(shape), a.dtype(),
               std::make_shared<Transpose>(st, std::move(axes)), {a});
}

array transpose(const array& a, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.rbegin(), axes.rend(), 0);
  return transpose(a, std::move(axes), s);
}

array contiguous(const array& a, bool allow_col_major, StreamOrDevice s) {
  auto st = to_stream(s);
  return array(a.shape(), a.dtype(),
               std::make_shared<Contiguous>(st, allow_col_major), {a});
}

}  // namespace lumex::core
