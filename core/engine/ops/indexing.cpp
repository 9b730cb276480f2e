// Indexing ops on index arrays: gather/scatter, take/put along an axis, static and
// dynamic slice updates. NumPy index expressions are in ops/index_expr.cpp.
#include "engine/ops/indexing.h"

#include <algorithm>
#include <numeric>

#include "engine/ops.h"
#include "engine/ops/detail.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

/// Index arrays reach kernels as int32 or int64. An empty one selects nothing
/// whatever its dtype (`[]` arrives as float32; MLX's put_along_axis accepts it).
array index_dtype(const array& idx, const char* op, StreamOrDevice s) {
  auto d = idx.dtype();
  if (!is_integral(d) && idx.size() == 0) return astype(idx, int32, s);
  if (!is_integral(d)) {
    throw std::invalid_argument(
        msg("[", op, "] Indices must be integers, got ", dtype_name(d), "."));
  }
  if (d == int32 || d == int64) return idx;
  bool wide = d == uint32 || d == uint64;
  return astype(idx, wide ? int64 : int32, s);
}

}  // namespace

namespace detail {

std::vector<array> prepare_indices(const std::vector<array>& indices, const char* op,
                                   StreamOrDevice s) {
  std::vector<array> out;
  bool wide = false;
  for (auto& i : indices) {
    out.push_back(index_dtype(i, op, s));
    wide = wide || out.back().dtype() == int64;
  }
  // Kernels read every index array with one type.
  if (wide) {
    for (auto& i : out) i = astype(i, int64, s);
  }
  if (out.size() > 1) out = broadcast_arrays(out, s);
  return out;
}

/// Normalized start, stop and the resulting length of a slice along an axis of n.
void norm_slice(ShapeElem n, ShapeElem& start, ShapeElem& stop, ShapeElem step,
                ShapeElem& len) {
  auto norm = [&](ShapeElem v) {
    if (v < 0) v += n;
    return step > 0 ? std::clamp<ShapeElem>(v, 0, n)
                    : std::clamp<ShapeElem>(v, -1, n - 1);
  };
  start = norm(start);
  stop = norm(stop);
  ShapeElem span = step > 0 ? stop - start : start - stop;
  ShapeElem st = step > 0 ? step : -step;
  len = span > 0 ? (span + st - 1) / st : 0;
}

}  // namespace detail

using detail::norm_slice;
using detail::prepare_indices;

namespace {

std::vector<int> check_axes(std::vector<int> axes, int ndim, const char* op) {
  for (auto& ax : axes) ax = normalize_axis(ax, ndim, op);
  auto sorted = axes;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    throw std::invalid_argument(msg("[", op, "] Repeated axes."));
  }
  return axes;
}

array make_scatter(const array& a, const std::vector<array>& indices,
                   const array& updates, std::vector<int> axes,
                   Scatter::ReduceType reduce, StreamOrDevice s) {
  if (indices.size() != axes.size()) {
    throw std::invalid_argument("[scatter] Need one index array per axis.");
  }
  axes = check_axes(std::move(axes), a.ndim(), "scatter");
  auto idx = prepare_indices(indices, "scatter", s);
  Shape ishape = idx.empty() ? Shape{} : idx[0].shape();
  Shape ushape = ishape;
  if (updates.ndim() != static_cast<int>(ishape.size()) + a.ndim()) {
    throw std::invalid_argument(
        msg("[scatter] Updates with shape ", shape_str(updates.shape()),
            " need ", ishape.size() + a.ndim(), " dimensions."));
  }
  // With no index there is nothing to write, so slices need not fit (an empty
  // target written through an empty mask).
  bool writes = std::all_of(ishape.begin(), ishape.end(), [](ShapeElem d) { return d > 0; });
  for (int i = 0; i < a.ndim(); ++i) {
    auto n = updates.shape(static_cast<int>(ishape.size()) + i);
    if (writes && n > a.shape(i)) {
      throw std::invalid_argument(
          msg("[scatter] Update slice of size ", n, " does not fit axis ", i,
              " of size ", a.shape(i), "."));
    }
  }
  for (size_t i = 0; i < ishape.size(); ++i) {
    if (updates.shape(static_cast<int>(i)) != ishape[i]) {
      throw std::invalid_argument(
          msg("[scatter] Updates with shape ", shape_str(updates.shape()),
              " do not match indices with shape ", shape_str(ishape), "."));
    }
  }
  std::vector<array> inputs{a};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  inputs.push_back(astype(updates, a.dtype(), s));
  return array(a.shape(), a.dtype(),
               std::make_shared<Scatter>(to_stream(s), reduce, std::move(axes)),
               std::move(inputs));
}

}  // namespace

array gather(const array& a, const std::vector<array>& indices,
             const std::vector<int>& axes_in, const Shape& slice_sizes,
             StreamOrDevice s) {
  if (indices.size() != axes_in.size()) {
    throw std::invalid_argument("[gather] Need one index array per axis.");
  }
  if (static_cast<int>(slice_sizes.size()) != a.ndim()) {
    throw std::invalid_argument(
        msg("[gather] Got ", slice_sizes.size(), " slice sizes for an array with ",
            a.ndim(), " dimensions."));
  }
  for (int i = 0; i < a.ndim(); ++i) {
    if (slice_sizes[i] < 0 || slice_sizes[i] > a.shape(i)) {
      throw std::invalid_argument(
          msg("[gather] Slice size ", slice_sizes[i], " does not fit axis ", i,
              " of size ", a.shape(i), "."));
    }
  }
  auto axes = check_axes(axes_in, a.ndim(), "gather");
  auto idx = prepare_indices(indices, "gather", s);
  Shape out_shape = idx.empty() ? Shape{} : idx[0].shape();
  out_shape.insert(out_shape.end(), slice_sizes.begin(), slice_sizes.end());
  std::vector<array> inputs{a};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  return array(std::move(out_shape), a.dtype(),
               std::make_shared<Gather>(to_stream(s), std::move(axes), slice_sizes),
               std::move(inputs));
}

array scatter(const array& a, const std::vector<array>& indices, const array& updates,
              const std::vector<int>& axes, StreamOrDevice s) {
  return make_scatter(a, indices, updates, axes, Scatter::None, s);
}
array scatter_add(const array& a, const std::vector<array>& indices,
                  const array& updates, const std::vector<int>& axes, StreamOrDevice s) {
  return make_scatter(a, indices, updates, axes, Scatter::Sum, s);
}
array scatter_prod(const array& a, const std::vector<array>& indices,
                   const array& updates, const std::vector<int>& axes, StreamOrDevice s) {
  return make_scatter(a, indices, updates, axes, Scatter::Prod, s);
}
array scatter_max(const array& a, const std::vector<array>& indices,
                  const array& updates, const std::vector<int>& axes, StreamOrDevice s) {
  return make_scatter(a, indices, updates, axes, Scatter::Max, s);
}
array scatter_min(const array& a, const std::vector<array>& indices,
                  const array& updates, const std::vector<int>& axes, StreamOrDevice s) {
  return make_scatter(a, indices, updates, axes, Scatter::Min, s);
}

array slice_update(const array& a, const array& update, Shape start, Shape stop,
                   Shape strides, StreamOrDevice s) {
  auto nd = static_cast<size_t>(a.ndim());
  if (start.size() != nd || stop.size() != nd || strides.size() != nd) {
    throw std::invalid_argument(
        msg("[slice_update] Invalid number of indices or strides for array with ",
            a.ndim(), " dimensions."));
  }
  Shape shape(nd);
  for (size_t i = 0; i < nd; ++i) {
    if (strides[i] == 0) throw std::invalid_argument("[slice_update] Slice step cannot be zero.");
    norm_slice(a.shape(static_cast<int>(i)), start[i], stop[i], strides[i], shape[i]);
    if (shape[i] == 0) start[i] = 0;
  }
  auto upd = astype(update, a.dtype(), s);
  while (upd.ndim() > static_cast<int>(nd) && upd.shape(0) == 1) upd = squeeze(upd, 0, s);
  upd = broadcast_to(upd, shape, s);
  if (shape_size(shape) == 0) return a;
  return array(a.shape(), a.dtype(),
               std::make_shared<SliceUpdate>(to_stream(s), std::move(start),
                                             std::move(stop), std::move(strides)),
               {a, upd});
}

array slice(const array& a, const array& start_indices, std::vector<int> axes,
            const Shape& slice_size, StreamOrDevice s) {
  if (start_indices.ndim() > 1) {
    throw std::invalid_argument(
        msg("[slice] array of starting indices must be zero or one dimensional but has "
            "dimension ", start_indices.ndim(), "."));
  }
  if (!is_integral(start_indices.dtype())) {
    throw std::invalid_argument(msg("[slice] Start indices must be integers, got type ",
                                    dtype_name(start_indices.dtype()), "."));
  }
  if (start_indices.size() != axes.size()) {
    throw std::invalid_argument(msg("[slice] Number of starting indices ",
                                    start_indices.size(), " does not match number of axes ",
                                    axes.size(), "."));
  }
  axes = check_axes(std::move(axes), a.ndim(), "slice");
  // As MLX, slice_size gives the whole output shape: one size per dimension.
  if (static_cast<int>(slice_size.size()) != a.ndim()) {
    throw std::invalid_argument(
        msg("[slice] Invalid slice size for array with ", a.ndim(), " dimensions."));
  }
  Shape sizes = slice_size;
  auto starts = reshape(start_indices, {static_cast<ShapeElem>(axes.size())}, s);
  std::vector<array> idx;
  for (size_t i = 0; i < axes.size(); ++i) {
    auto i64 = static_cast<ShapeElem>(i);
    idx.push_back(reshape(slice(starts, Shape{i64}, Shape{i64 + 1}, s), {}, s));
  }
  return gather(a, idx, axes, sizes, s);
}

array slice_update(const array& a, const array& update, const array& start_indices,
                   std::vector<int> axes, StreamOrDevice s) {
  if (start_indices.size() != axes.size()) {
    throw std::invalid_argument(
        "[slice_update] The number of start indices and axes must match.");
  }
  axes = check_axes(std::move(axes), a.ndim(), "slice_update");
  if (update.ndim() != a.ndim()) {
    throw std::invalid_argument(
        "[slice_update] The update must have as many dimensions as the array.");
  }
  auto starts = reshape(start_indices, {static_cast<ShapeElem>(axes.size())}, s);
  std::vector<array> idx;
  for (size_t i = 0; i < axes.size(); ++i) {
    auto i64 = static_cast<ShapeElem>(i);
    idx.push_back(reshape(slice(starts, Shape{i64}, Shape{i64 + 1}, s), {}, s));
  }
  return scatter(a, idx, update, axes, s);
}

array take(const array& a, const array& indices, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "take");
  Shape sizes = a.shape();
  sizes[axis] = 1;
  auto g = gather(a, {indices}, {axis}, sizes, s);
  // g: I + a.shape with 1 at axis -> a.shape[:axis] + I + a.shape[axis+1:].
  int ni = indices.ndim();
  std::vector<int> perm;
  for (int i = 0; i < axis; ++i) perm.push_back(ni + i);
  for (int i = 0; i < ni; ++i) perm.push_back(i);
  for (int i = axis + 1; i < a.ndim(); ++i) perm.push_back(ni + i);
  g = squeeze(g, ni + axis, s);
  for (auto& p : perm) if (p > ni + axis) --p;
  return transpose(g, perm, s);
}

array take(const array& a, const array& indices, StreamOrDevice s) {
  return take(flatten(a, s), indices, 0, s);
}

array take(const array& a, int index, StreamOrDevice s) {
  return take(a, array(index), s);
}

array take(const array& a, int index, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "take");
  ShapeElem n = a.shape(axis);
  if (index < -n || index >= n) {
    throw std::out_of_range(msg("[take] Index ", index, " is out of bounds for axis ",
                                axis, " with size ", n, "."));
  }
  if (index < 0) index += static_cast<int>(n);
  Shape start(a.ndim(), 0), stop = a.shape();
  start[axis] = index;
  stop[axis] = index + 1;
  return squeeze(slice(a, start, stop, s), axis, s);
}

namespace {

/// Broadcasts `a` and `indices` against each other on every axis but `axis`.
std::pair<array, array> along_axis_operands(const array& a, const array& indices,
                                            int axis, const char* op,
                                            StreamOrDevice s) {
  if (indices.ndim() != a.ndim()) {
    throw std::invalid_argument(
        msg("[", op, "] Indices of dimension ", indices.ndim(),
            " does not match array of dimension ", a.ndim(), "."));
  }
  Shape as = a.shape(), is = indices.shape();
  as[axis] = 1;
  is[axis] = 1;
  Shape b = broadcast_shapes(as, is);
  Shape sa = b, si = b;
  sa[axis] = a.shape(axis);
  si[axis] = indices.shape(axis);
  return {broadcast_to(a, sa, s), broadcast_to(index_dtype(indices, op, s), si, s)};
}

}  // namespace

array take_along_axis(const array& a, const array& indices, std::optional<int> axis,
                      StreamOrDevice s) {
  if (!axis) {
    return take_along_axis(flatten(a, s), flatten(indices, s), 0, s);
  }
  int ax = normalize_axis(*axis, a.ndim(), "take_along_axis");
  auto [src, idx] = along_axis_operands(a, indices, ax, "take_along_axis", s);
  return array(idx.shape(), a.dtype(), std::make_shared<GatherAxis>(to_stream(s), ax),
               {src, idx});
}

namespace {

array scatter_axis(const array& a, const array& indices, const array& values,
                   int axis, Scatter::ReduceType r, const char* op, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), op);
  if (indices.ndim() != a.ndim()) {
    throw std::invalid_argument(
        msg("[", op, "] Indices of dimension ", indices.ndim(),
            " does not match array of dimension ", a.ndim(), "."));
  }
  // Indices and values broadcast together; off the axis they must fit into a.
  auto idx = index_dtype(indices, op, s);
  Shape sh = broadcast_shapes(idx.shape(), values.shape());
  for (int i = 0; i < a.ndim(); ++i) {
    if (i != ax && sh[i] != a.shape(i)) {
      if (sh[i] == 1) {
        sh[i] = a.shape(i);
      } else {
        throw std::invalid_argument(
            msg("[", op, "] Indices with shape ", shape_str(sh),
                " do not match array with shape ", shape_str(a.shape()), "."));
      }
    }
  }
  idx = broadcast_to(idx, sh, s);
  auto vals = broadcast_to(astype(values, a.dtype(), s), sh, s);
  return array(a.shape(), a.dtype(),
               std::make_shared<ScatterAxis>(to_stream(s), r, ax), {a, idx, vals});
}

}  // namespace

array masked_scatter(const array& a, const array& mask, const array& values,
                     StreamOrDevice s) {
  bool leading = mask.ndim() <= a.ndim();
  for (int i = 0; leading && i < mask.ndim(); ++i) leading = mask.shape(i) == a.shape(i);
  if (mask.dtype() != bool_ || !leading) {
    throw std::invalid_argument(
        msg("[masked_scatter] The boolean mask should have the same shape as the beginning "
            "of the indexed array but the mask has shape ", shape_str(mask.shape()),
            " and the array has shape ", shape_str(a.shape())));
  }
  int rest = a.ndim() - mask.ndim();
  auto v = astype(values, a.dtype(), s);
  if (v.ndim() <= rest) {
    v = broadcast_to(v, a.shape(), s);
  } else if (v.ndim() == rest + 1) {
    Shape rows{v.shape(0)};
    rows.insert(rows.end(), a.shape().begin() + mask.ndim(), a.shape().end());
    v = broadcast_to(v, rows, s);
  } else {
    throw std::invalid_argument(
        msg("[masked_scatter] Value array shape must be broadcastable with the last ", rest,
            " dimensions of the input."));
  }
  Shape ms = mask.shape();
  ms.resize(a.ndim(), 1);
  auto m = broadcast_to(reshape(mask, ms, s), a.shape(), s);
  return array(a.shape(), a.dtype(), std::make_shared<MaskedScatter>(to_stream(s), 0),
               {a, m, reshape(v, {-1}, s)});
}

array put_along_axis(const array& a, const array& indices, const array& values,
                     std::optional<int> axis, StreamOrDevice s) {
  if (!axis) {
    auto flat = put_along_axis(flatten(a, s), flatten(indices, s),
                               flatten(values, s), 0, s);
    return reshape(flat, a.shape(), s);
  }
  return scatter_axis(a, indices, values, *axis, Scatter::None, "put_along_axis", s);
}

array scatter_add_axis(const array& a, const array& indices, const array& values,
                       int axis, StreamOrDevice s) {
  return scatter_axis(a, indices, values, axis, Scatter::Sum, "scatter_add_axis", s);
}

}  // namespace lumex::core
