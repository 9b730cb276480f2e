// Ops that change only the shape or layout of an array: broadcasting, reshaping,
// transposes, slicing, squeezing, axis moves and raw strided or dtype views.
// Ops that rearrange elements (join, split, tile, pad, roll, diagonals) are in
// ops/arrange.cpp.
#include <algorithm>
#include <numeric>

#include "engine/ops.h"
#include "engine/ops/detail.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s) {
  if (a.shape() == shape) return a;
  for (auto d : shape) {
    if (d < 0) {
      throw std::invalid_argument("[broadcast_to] Negative dimensions not allowed.");
    }
  }
  // An incompatible pair raises broadcast_shapes' own error, as in MLX.
  if (broadcast_shapes(a.shape(), shape) != shape) {
    throw std::invalid_argument(msg("Cannot broadcast array of shape ",
                                    shape_str(a.shape()), " into shape ",
                                    shape_str(shape), "."));
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
  int64_t known = 1;
  bool negative = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        throw std::invalid_argument(
            "[reshape] Reshape can only infer one dimension.");
      }
      infer = static_cast<int>(i);
    } else {
      negative = negative || shape[i] < 0;
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0) {
      throw std::invalid_argument(
          "[reshape] Cannot infer the shape of an empty array");
    }
    // Like MLX, infer by integer division and report the resulting shape.
    shape[infer] = static_cast<int64_t>(a.size()) / known;
    known *= shape[infer];
  }
  if (negative || known != static_cast<int64_t>(a.size())) {
    throw std::invalid_argument(msg("[reshape] Cannot reshape array of size ",
                                    a.size(), " into shape ", shape_str(shape),
                                    "."));
  }
  if (shape == a.shape()) return a;
  auto st = to_stream(s);
  return array(shape, a.dtype(), std::make_shared<Reshape>(st, shape, infer), {a});
}

array transpose(const array& a, std::vector<int> axes, StreamOrDevice s) {
  if (axes.size() != static_cast<size_t>(a.ndim())) {
    throw std::invalid_argument(
        msg("[transpose] Received ", axes.size(), " axes for array with ",
            a.ndim(), " dimensions."));
  }
  for (auto& ax : axes) {
    int v = ax < 0 ? ax + a.ndim() : ax;
    if (v < 0 || v >= a.ndim()) {
      throw axis_error(msg("[transpose] Invalid axis (", ax,
                           ") for array with ", a.ndim(), " dimensions."));
    }
    ax = v;
  }
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

// ---- slicing ----

namespace {

/// The Slice node for already-normalized start and step (stop only for params).
array make_slice(const array& a, Shape start, Shape stop, Shape steps, Shape shape,
                 StreamOrDevice s) {
  bool identity = shape == a.shape();
  for (size_t i = 0; identity && i < steps.size(); ++i) {
    identity = steps[i] == 1 && start[i] == 0;
  }
  if (identity) return a;
  auto st = to_stream(s);
  return array(std::move(shape), a.dtype(),
               std::make_shared<Slice>(st, std::move(start), std::move(stop),
                                       std::move(steps)),
               {a});
}

}  // namespace

namespace detail {

/// The part [lo, hi) of axis `axis`, with 0 <= lo <= hi <= size.
array take_range(const array& a, int axis, ShapeElem lo, ShapeElem hi,
                 StreamOrDevice s) {
  Shape start(a.ndim(), 0), stop = a.shape(), steps(a.ndim(), 1);
  start[axis] = lo;
  stop[axis] = hi;
  Shape shape = a.shape();
  shape[axis] = hi - lo;
  return make_slice(a, std::move(start), std::move(stop), std::move(steps),
                    std::move(shape), s);
}

int checked_axis(int axis, int ndim, const char* op) {
  int a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim) {
    throw axis_error(msg("[", op, "] Invalid axis ", axis, " for array with ",
                         ndim, " dimensions."));
  }
  return a;
}

}  // namespace detail

using detail::checked_axis;

array slice(const array& a, Shape start, Shape stop, Shape strides,
            StreamOrDevice s) {
  auto nd = static_cast<size_t>(a.ndim());
  if (start.size() != nd || stop.size() != nd || strides.size() != nd) {
    throw std::invalid_argument(
        msg("[slice] Invalid number of indices or strides for array with ",
            a.ndim(), " dimensions."));
  }
  Shape shape(nd);
  for (size_t i = 0; i < nd; ++i) {
    ShapeElem n = a.shape(static_cast<int>(i)), st = strides[i];
    if (st == 0) throw std::invalid_argument("[slice] Slice step cannot be zero.");
    auto norm = [&](ShapeElem v) {
      if (v < 0) v += n;
      // Forward slices clamp to [0, n]; backward ones to [-1, n - 1].
      return st > 0 ? std::clamp<ShapeElem>(v, 0, n)
                    : std::clamp<ShapeElem>(v, -1, n - 1);
    };
    start[i] = norm(start[i]);
    stop[i] = norm(stop[i]);
    ShapeElem span = st > 0 ? stop[i] - start[i] : start[i] - stop[i];
    ShapeElem step = st > 0 ? st : -st;
    shape[i] = span > 0 ? (span + step - 1) / step : 0;
    if (shape[i] == 0) start[i] = 0;
  }
  return make_slice(a, std::move(start), std::move(stop), std::move(strides),
                    std::move(shape), s);
}

array slice(const array& a, Shape start, Shape stop, StreamOrDevice s) {
  return slice(a, std::move(start), std::move(stop), Shape(a.ndim(), 1), s);
}

// ---- reshaping views ----

array flatten(const array& a, int start_axis, int end_axis, StreamOrDevice s) {
  int nd = a.ndim();
  if (nd == 0) return reshape(a, {1}, s);
  // Out-of-range axes clamp rather than raise, as in MLX.
  int lo = std::clamp(start_axis < 0 ? start_axis + nd : start_axis, 0, nd - 1);
  int hi = std::clamp(end_axis < 0 ? end_axis + nd : end_axis, 0, nd - 1);
  if (lo > hi) {
    throw std::invalid_argument(
        "[flatten] start_axis must be less than or equal to end_axis");
  }
  if (lo == hi) return a;
  Shape shape(a.shape().begin(), a.shape().begin() + lo);
  ShapeElem merged = 1;
  for (int i = lo; i <= hi; ++i) merged *= a.shape(i);
  shape.push_back(merged);
  shape.insert(shape.end(), a.shape().begin() + hi + 1, a.shape().end());
  return reshape(a, std::move(shape), s);
}

array flatten(const array& a, StreamOrDevice s) { return flatten(a, 0, -1, s); }

array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s) {
  if (shape.empty()) {
    throw std::invalid_argument(
        "[unflatten] Shape to unflatten to cannot be empty.");
  }
  int nd = a.ndim();
  int ax = axis < 0 ? axis + nd : axis;
  if (ax < 0 || ax >= nd) {
    throw axis_error(msg("[unflatten] Invalid axes ", axis,
                         " for array with ", nd, " dimensions."));
  }
  ShapeElem n = a.shape(ax), known = 1;
  int infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        throw std::invalid_argument("[Unflatten] Can only infer one dimension.");
      }
      infer = static_cast<int>(i);
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0 && known != 0 && n % known == 0) shape[infer] = n / known;
  if ((infer >= 0 && (known == 0 || n % known != 0)) ||
      (infer < 0 && known != n)) {
    throw std::invalid_argument(msg("[Unflatten] Cannot unflatten axis ", axis,
                                    " with size ", n, " into shape ",
                                    shape_str(shape), "."));
  }
  Shape out(a.shape().begin(), a.shape().begin() + ax);
  out.insert(out.end(), shape.begin(), shape.end());
  out.insert(out.end(), a.shape().begin() + ax + 1, a.shape().end());
  return reshape(a, std::move(out), s);
}

array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "squeeze");
  for (int i : ax) {
    if (a.shape(i) != 1) {
      throw std::invalid_argument(msg("[squeeze] Cannot squeeze axis ", i,
                                      " with size ", a.shape(i),
                                      " which is not equal to 1."));
    }
  }
  Shape shape;
  for (int i = 0, j = 0; i < a.ndim(); ++i) {
    if (j < static_cast<int>(ax.size()) && ax[j] == i) {
      ++j;
    } else {
      shape.push_back(a.shape(i));
    }
  }
  return reshape(a, std::move(shape), s);
}

array squeeze(const array& a, int axis, StreamOrDevice s) {
  return squeeze(a, std::vector<int>{axis}, s);
}

array squeeze(const array& a, StreamOrDevice s) {
  Shape shape;
  for (auto d : a.shape()) {
    if (d != 1) shape.push_back(d);
  }
  return reshape(a, std::move(shape), s);
}

array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  int out_nd = a.ndim() + static_cast<int>(axes.size());
  auto ax = normalize_axes(axes, out_nd, "expand_dims");
  Shape shape;
  auto it = a.shape().begin();
  for (int i = 0, j = 0; i < out_nd; ++i) {
    if (j < static_cast<int>(ax.size()) && ax[j] == i) {
      shape.push_back(1);
      ++j;
    } else {
      shape.push_back(*it++);
    }
  }
  return reshape(a, std::move(shape), s);
}

array expand_dims(const array& a, int axis, StreamOrDevice s) {
  return expand_dims(a, std::vector<int>{axis}, s);
}


array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s) {
  int a1 = checked_axis(axis1, a.ndim(), "swapaxes");
  int a2 = checked_axis(axis2, a.ndim(), "swapaxes");
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  std::swap(axes[a1], axes[a2]);
  return transpose(a, std::move(axes), s);
}

array moveaxis(const array& a, int source, int destination, StreamOrDevice s) {
  int src = checked_axis(source, a.ndim(), "moveaxis");
  int dst = checked_axis(destination, a.ndim(), "moveaxis");
  std::vector<int> axes;
  for (int i = 0; i < a.ndim(); ++i) {
    if (i != src) axes.push_back(i);
  }
  axes.insert(axes.begin() + dst, src);
  return transpose(a, std::move(axes), s);
}

array matrix_transpose(const array& a, StreamOrDevice s) {
  if (a.ndim() < 2) {
    throw std::invalid_argument(
        "[matrix_transpose] Input array must have at least 2 dimensions.");
  }
  return swapaxes(a, -1, -2, s);
}

array atleast_1d(const array& a, StreamOrDevice s) {
  return a.ndim() == 0 ? reshape(a, {1}, s) : a;
}

array atleast_2d(const array& a, StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1, 1}, s);
  if (a.ndim() == 1) return reshape(a, {1, a.shape(0)}, s);
  return a;
}

array atleast_3d(const array& a, StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1, 1, 1}, s);
  if (a.ndim() == 1) return reshape(a, {1, a.shape(0), 1}, s);
  if (a.ndim() == 2) return reshape(a, {a.shape(0), a.shape(1), 1}, s);
  return a;
}

// ---- raw views ----

array as_strided(const array& a, Shape shape, Strides strides, int64_t offset,
                 StreamOrDevice s) {
  if (strides.size() < shape.size()) {
    throw std::invalid_argument(
        msg("[as_strided] Got ", strides.size(), " strides for ", shape.size(),
            " dimensions."));
  }
  strides.resize(shape.size());
  for (auto d : shape) {
    if (d < 0) {
      throw std::invalid_argument(
          msg("[as_strided] Negative dimensions not allowed, got ",
              shape_str(shape), "."));
    }
  }
  // Unlike MLX, reject views reaching outside the data: they would read
  // arbitrary memory.
  if (shape_size(shape) > 0) {
    int64_t lo = offset, hi = offset;
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t reach = strides[i] * (shape[i] - 1);
      (reach < 0 ? lo : hi) += reach;
    }
    if (lo < 0 || hi >= static_cast<int64_t>(a.size())) {
      throw std::invalid_argument(
          msg("[as_strided] The view reaches elements outside the array of size ",
              a.size(), "."));
    }
  }
  auto st = to_stream(s);
  return array(shape, a.dtype(),
               std::make_shared<AsStrided>(st, shape, std::move(strides), offset),
               {contiguous(a, false, st)});
}

array view(const array& a, Dtype dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) return a;
  size_t in_size = a.itemsize(), out_size = dtype.size;
  Shape shape = a.shape();
  if (in_size != out_size) {
    if (a.ndim() == 0) {
      throw std::invalid_argument(
          "[view] Changing the type of a scalar is only allowed for types with "
          "the same size.");
    }
    ShapeElem last_bytes = shape.back() * static_cast<ShapeElem>(in_size);
    if (out_size > in_size && last_bytes % static_cast<ShapeElem>(out_size) != 0) {
      throw std::invalid_argument(
          "[view] When viewing as a larger dtype, the size in bytes of the last "
          "axis must be a multiple of the requested type size.");
    }
    shape.back() = last_bytes / static_cast<ShapeElem>(out_size);
  }
  auto st = to_stream(s);
  return array(std::move(shape), dtype, std::make_shared<View>(st, dtype), {a});
}

}  // namespace lumex::core