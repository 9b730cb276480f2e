// Small helpers shared by ops: axis normalization, broadcasting of shapes, error text.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/array.h"

namespace lumex::core {

/// Raised for an axis out of range. MLX raises ValueError at HEAD and IndexError
/// in the 0.32 wheel; the binding maps this to a class deriving from both.
class axis_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// "(2,3)", "(4)": MLX's form in broadcasting messages.
std::string shape_str(const Shape& shape);
/// "(2, 3)", "(4,)": Python's tuple form, used where MLX prints a tuple.
template <typename V>
std::string tuple_str(const V& v) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) os << " ";
    os << v[i];
    if (i + 1 < v.size() || v.size() == 1) os << ",";
  }
  os << ")";
  return os.str();
}

/// Maps a possibly negative axis into [0, ndim); throws axis_error naming `op`.
int normalize_axis(int axis, int ndim, const char* op);
/// Normalizes and checks for duplicates; returns sorted axes.
std::vector<int> normalize_axes(const std::vector<int>& axes, int ndim,
                                const char* op);

Shape broadcast_shapes(const Shape& a, const Shape& b);

/// Layout flags of a strided view spanning `data_size` elements.
array::Flags layout_flags(const Shape& shape, const Strides& strides,
                          size_t data_size);

template <typename... Args>
std::string msg(Args&&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

}  // namespace lumex::core
