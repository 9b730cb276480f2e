#include "engine/utils.h"

#include <algorithm>

namespace lumex::core {

std::string shape_str(const Shape& shape) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    os << shape[i];
    if (i + 1 < shape.size()) os << ",";  // MLX prints (4), not (4,)
  }
  os << ")";
  return os.str();
}

int normalize_axis(int axis, int ndim, const char* op) {
  int a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim) {
    throw axis_error(msg("[", op, "] Axis ", axis,
                         " is out of bounds for array with ", ndim,
                         " dimensions."));
  }
  return a;
}

std::vector<int> normalize_axes(const std::vector<int>& axes, int ndim,
                                const char* op) {
  std::vector<int> out;
  out.reserve(axes.size());
  for (int a : axes) out.push_back(normalize_axis(a, ndim, op));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    throw std::invalid_argument(msg("[", op, "] Received duplicate axes."));
  }
  return out;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    ShapeElem da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    ShapeElem db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da == db || db == 1) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else {
      throw std::invalid_argument(msg("[broadcast_shapes] Shapes ",
                                      shape_str(a), " and ", shape_str(b),
                                      " cannot be broadcast."));
    }
  }
  return out;
}

array::Flags layout_flags(const Shape& shape, const Strides& strides,
                          size_t data_size) {
  size_t size = shape_size(shape);
  array::Flags f{false, false, false};
  if (data_size != size) return f;
  // Size-1 dims never move the pointer, so their strides are ignored.
  int64_t expect = 1;
  bool row = true;
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    if (shape[i] == 1) continue;
    if (strides[i] != expect) row = false;
    expect *= shape[i];
  }
  expect = 1;
  bool col = true;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (strides[i] != expect) col = false;
    expect *= shape[i];
  }
  // Dense in some axis order: sorted strides pack exactly.
  std::vector<std::pair<int64_t, int64_t>> dims;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 1) dims.emplace_back(strides[i], shape[i]);
  }
  std::sort(dims.begin(), dims.end());
  expect = 1;
  bool dense = true;
  for (auto& [st, n] : dims) {
    if (st != expect) dense = false;
    expect *= n;
  }
  f.row_contiguous = row;
  f.col_contiguous = col;
  f.contiguous = dense;
  return f;
}

}  // namespace lumex::core
