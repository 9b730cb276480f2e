#include "engine/ops/indexing.h"

#include <algorithm>
#include <numeric>

#include "engine/events.h"
#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

/// Index arrays reach kernels as int32 or int64.
array index_dtype(const array& idx, const char* op, StreamOrDevice s) {
  auto d = idx.dtype();
  if (!is_integral(d)) {
    throw std::invalid_argument(
        msg("[", op, "] Indices must be integers, got ", dtype_name(d), "."));
  }
  if (d == int32 || d == int64) return idx;
  bool wide = d == uint32 || d == uint64;
  return astype(idx, wide ? int64 : int32, s);
}

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
  for (int i = 0; i < a.ndim(); ++i) {
    auto n = updates.shape(static_cast<int>(ishape.size()) + i);
    if (n > a.shape(i) || (std::count(axes.begin(), axes.end(), i) && n > a.shape(i))) {
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

// ---- index expressions ----

namespace {

/// Positions of the true entries of `mask`, one int64 index array per mask axis.
std::vector<array> mask_positions(const array& mask_in) {
  array mask = mask_in;
  // The result's shape depends on the mask's values, so the mask is computed
  // now: an evaluation point, reported to observers as such.
  EvalTrigger trigger(TriggerKind::bool_mask);
  mask.eval();
  auto c = contiguous(mask);
  c.eval();
  const bool* m = c.data<bool>();
  size_t n = c.size();
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) count += m[i];
  int nd = c.ndim();
  std::vector<std::vector<int64_t>> pos(nd, std::vector<int64_t>(count));
  auto strides = row_strides(c.shape());
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!m[i]) continue;
    size_t r = i;
    for (int d = 0; d < nd; ++d) {
      pos[d][k] = static_cast<int64_t>(r / strides[d]);
      r %= strides[d];
    }
    ++k;
  }
  std::vector<array> out;
  for (int d = 0; d < nd; ++d) {
    out.push_back(array(pos[d].data(), {static_cast<ShapeElem>(count)}, int64));
  }
  return out;
}

/// An index expression after ellipsis expansion and mask replacement: one entry
/// per output-or-input axis (Int, Slice, NewAxis or an integer Array).
struct Expanded {
  std::vector<IndexEntry> entries;
  bool has_array = false;
};

Expanded expand(const array& a, std::vector<IndexEntry> entries) {
  Expanded e;
  int ellipses = 0;
  int consumed = 0;
  for (auto& en : entries) {
    if (en.kind == IndexEntry::Ellipsis) {
      ++ellipses;
      e.entries.push_back(en);
    } else if (en.kind == IndexEntry::Array && en.arr->dtype() == bool_) {
      if (en.arr->ndim() == 0) {
        throw std::invalid_argument(
            "Boolean scalars cannot be used as indices; use a boolean array.");
      }
      for (int d = 0; d < en.arr->ndim(); ++d) {
        int ax = consumed + d;
        if (ax >= a.ndim() || en.arr->shape(d) != a.shape(ax)) {
          throw std::out_of_range(
              msg("boolean index of shape ", shape_str(en.arr->shape()),
                  " does not match the indexed array's dimensions at axis ", ax, "."));
        }
      }
      for (auto& p : mask_positions(*en.arr)) {
        e.entries.push_back(IndexEntry::array_index(p));
        ++consumed;
      }
    } else {
      if (en.kind == IndexEntry::Int || en.kind == IndexEntry::Slice ||
          en.kind == IndexEntry::Array) {
        ++consumed;
      }
      e.entries.push_back(en);
    }
  }
  if (ellipses > 1) {
    throw std::invalid_argument("An index can only have a single ellipsis ('...').");
  }
  if (consumed > a.ndim()) {
    throw std::invalid_argument(
        msg("Too many indices for array with ", a.ndim(), " dimensions."));
  }
  std::vector<IndexEntry> full;
  auto fill = [&] {
    for (int i = consumed; i < a.ndim(); ++i) {
      full.push_back(IndexEntry::slice({}, {}, {}));
    }
  };
  for (auto& en : e.entries) {
    if (en.kind == IndexEntry::Ellipsis) {
      fill();
    } else {
      full.push_back(en);
    }
  }
  if (!ellipses) fill();
  // Masks and explicit arrays were checked above; validate ints and array dtypes.
  int axis = 0;
  for (auto& en : full) {
    if (en.kind == IndexEntry::NewAxis) continue;
    ShapeElem n = a.shape(axis);
    if (en.kind == IndexEntry::Int) {
      if (en.value < -n || en.value >= n) {
        throw std::out_of_range(msg("index ", en.value, " is out of bounds for axis ",
                                    axis, " with size ", n));
      }
      if (en.value < 0) en.value += n;
    } else if (en.kind == IndexEntry::Array) {
      if (!is_integral(en.arr->dtype())) {
        throw std::invalid_argument(
            msg("Arrays used as indices must be of integer (or boolean) type, got ",
                dtype_name(en.arr->dtype()), "."));
      }
      e.has_array = true;
    } else if (en.kind == IndexEntry::Slice && en.step && *en.step == 0) {
      throw std::invalid_argument("slice step cannot be zero");
    }
    ++axis;
  }
  e.entries = std::move(full);
  return e;
}

/// Start, stop and step along an axis of n for a Slice (or Int) entry.
void entry_bounds(const IndexEntry& en, ShapeElem n, ShapeElem& start, ShapeElem& stop,
                  ShapeElem& step) {
  if (en.kind == IndexEntry::Int) {
    start = en.value;
    stop = en.value + 1;
    step = 1;
    return;
  }
  step = en.step.value_or(1);
  start = en.start ? *en.start : (step > 0 ? 0 : n - 1);
  // A missing stop for a backward slice means "past the front": -n-1 normalizes to -1.
  stop = en.stop ? *en.stop : (step > 0 ? n : -n - 1);
}

/// The gather that handles array (and int) entries, and how to lay its result out.
struct AdvancedPlan {
  array sliced;                 // `a` after the Slice entries (views), Ints kept as axes
  std::vector<int> adv_axes;    // axes of `sliced` indexed by arrays or ints
  std::vector<array> indices;   // broadcast integer index arrays
  Shape bshape;                 // their common shape
  bool adjacent;                // advanced entries are next to each other
  int slices_before;            // sliced axes before the first advanced entry
  std::vector<int> new_axes;    // NewAxis positions in the final result
  Shape result_shape;           // the shape of a[entries]
};

AdvancedPlan plan_advanced(const array& a, const std::vector<IndexEntry>& entries,
                           StreamOrDevice s) {
  Shape start, stop, steps;
  std::vector<int> adv_axes, adv_entry_pos;
  std::vector<array> idx;
  int axis = 0;
  for (size_t k = 0; k < entries.size(); ++k) {
    auto& en = entries[k];
    if (en.kind == IndexEntry::NewAxis) continue;
    ShapeElem n = a.shape(axis);
    if (en.kind == IndexEntry::Slice) {
      ShapeElem b, e, st;
      entry_bounds(en, n, b, e, st);
      start.push_back(b);
      stop.push_back(e);
      steps.push_back(st);
    } else {
      start.push_back(0);
      stop.push_back(n);
      steps.push_back(1);
      adv_axes.push_back(axis);
      adv_entry_pos.push_back(static_cast<int>(k));
      if (en.kind == IndexEntry::Int) {
        idx.push_back(n > 2147483647 ? array(en.value, int64)
                                     : array(static_cast<int32_t>(en.value), int32));
      } else {
        idx.push_back(*en.arr);
      }
    }
    ++axis;
  }
  auto sliced = slice(a, start, stop, steps, s);
  idx = prepare_indices(idx, "index", s);
  if (idx.size() == 1) idx = {idx[0]};
  bool adjacent = true;
  for (size_t i = 1; i < adv_entry_pos.size(); ++i) {
    if (adv_entry_pos[i] != adv_entry_pos[i - 1] + 1) adjacent = false;
  }
  AdvancedPlan p{sliced, adv_axes, idx, idx[0].shape(), adjacent, 0, {}, {}};
  // Lay out the result: walk entries, counting output axes.
  int out_pos = 0;
  bool placed = false;
  int nb = static_cast<int>(p.bshape.size());
  if (!adjacent) {
    out_pos = nb;
    placed = true;
  }
  axis = 0;
  for (size_t k = 0; k < entries.size(); ++k) {
    auto& en = entries[k];
    if (en.kind == IndexEntry::NewAxis) {
      p.new_axes.push_back(out_pos++);
      continue;
    }
    if (en.kind == IndexEntry::Slice) {
      if (!placed) ++p.slices_before;
      ++out_pos;
    } else if (!placed) {
      out_pos += nb;
      placed = true;
    }
    ++axis;
  }
  // Result shape.
  Shape rest;
  for (int i = 0; i < sliced.ndim(); ++i) {
    if (std::find(adv_axes.begin(), adv_axes.end(), i) == adv_axes.end()) {
      rest.push_back(sliced.shape(i));
    }
  }
  Shape core(rest.begin(), rest.begin() + (adjacent ? p.slices_before : 0));
  core.insert(core.end(), p.bshape.begin(), p.bshape.end());
  core.insert(core.end(), rest.begin() + (adjacent ? p.slices_before : 0), rest.end());
  p.result_shape = core;
  for (int na : p.new_axes) p.result_shape.insert(p.result_shape.begin() + na, 1);
  return p;
}

/// Basic indexing only: slice bounds per axis, and the result shape.
struct BasicPlan {
  Shape start, stop, steps, slice_shape, result_shape;
};

BasicPlan plan_basic(const array& a, const std::vector<IndexEntry>& entries) {
  BasicPlan p;
  int axis = 0;
  for (auto& en : entries) {
    if (en.kind == IndexEntry::NewAxis) {
      p.result_shape.push_back(1);
      continue;
    }
    ShapeElem n = a.shape(axis), b, e, st, len;
    entry_bounds(en, n, b, e, st);
    // Raw bounds for the slice ops (which normalize them); normalized for the length.
    p.start.push_back(b);
    p.stop.push_back(e);
    norm_slice(n, b, e, st, len);
    p.steps.push_back(st);
    p.slice_shape.push_back(len);
    if (en.kind == IndexEntry::Slice) p.result_shape.push_back(len);
    ++axis;
  }
  return p;
}

}  // namespace

array index(const array& a, std::vector<IndexEntry> entries, StreamOrDevice s) {
  auto ex = expand(a, std::move(entries));
  if (!ex.has_array) {
    auto p = plan_basic(a, ex.entries);
    auto v = slice(a, p.start, p.stop, p.steps, s);
    return v.shape() == p.result_shape ? v : reshape(v, p.result_shape, s);
  }
  auto p = plan_advanced(a, ex.entries, s);
  Shape sizes = p.sliced.shape();
  for (int ax : p.adv_axes) sizes[ax] = 1;
  auto g = gather(p.sliced, p.indices, p.adv_axes, sizes, s);
  // g: B + sliced shape with 1 on advanced axes -> B + remaining axes.
  int nb = static_cast<int>(p.bshape.size());
  Shape bs = p.bshape;
  for (int i = 0; i < p.sliced.ndim(); ++i) {
    if (std::find(p.adv_axes.begin(), p.adv_axes.end(), i) == p.adv_axes.end()) {
      bs.push_back(p.sliced.shape(i));
    }
  }
  g = reshape(g, bs, s);
  if (p.adjacent && p.slices_before > 0) {
    std::vector<int> perm;
    for (int i = 0; i < p.slices_before; ++i) perm.push_back(nb + i);
    for (int i = 0; i < nb; ++i) perm.push_back(i);
    for (int i = nb + p.slices_before; i < g.ndim(); ++i) perm.push_back(i);
    g = transpose(g, perm, s);
  }
  if (!p.new_axes.empty()) g = reshape(g, p.result_shape, s);
  return g;
}

namespace {

/// Index arrays that already hold data are checked now, so a bad __setitem__
/// raises before the target is replaced (others are checked by the kernel).
void check_known_indices(const array& a, const std::vector<IndexEntry>& entries) {
  int axis = 0;
  for (auto& en : entries) {
    if (en.kind == IndexEntry::NewAxis) continue;
    if (en.kind == IndexEntry::Array && en.arr->is_available()) {
      ShapeElem n = a.shape(axis);
      auto c = contiguous(astype(*en.arr, int64));
      c.eval();
      const int64_t* p = c.data<int64_t>();
      for (size_t i = 0; i < c.size(); ++i) {
        if (p[i] < -n || p[i] >= n) {
          throw std::out_of_range(msg("index ", p[i], " is out of bounds for axis ", axis,
                                      " with size ", n));
        }
      }
    }
    ++axis;
  }
}

array combine(const array& old, const array& upd, Scatter::ReduceType r,
              StreamOrDevice s) {
  switch (r) {
    case Scatter::None: return upd;
    case Scatter::Sum: return add(old, upd, s);
    case Scatter::Prod: return multiply(old, upd, s);
    case Scatter::Max: return maximum(old, upd, s);
    case Scatter::Min: return minimum(old, upd, s);
  }
  return upd;
}

array broadcast_update(const array& update, const Shape& shape, StreamOrDevice s) {
  array u = update;
  while (u.ndim() > static_cast<int>(shape.size()) && u.shape(0) == 1) u = squeeze(u, 0, s);
  return broadcast_to(u, shape, s);
}

}  // namespace

array index_update(const array& a, std::vector<IndexEntry> entries, const array& update,
                   Scatter::ReduceType reduce, StreamOrDevice s) {
  auto upd_in = astype(update, a.dtype(), s);
  // A scalar written through one full-shape mask needs no evaluation.
  if (reduce == Scatter::None && entries.size() == 1 &&
      entries[0].kind == IndexEntry::Array && entries[0].arr->dtype() == bool_ &&
      entries[0].arr->ndim() > 0 && upd_in.size() == 1 &&
      entries[0].arr->ndim() <= a.ndim()) {
    auto& m = *entries[0].arr;
    bool fits = true;
    for (int i = 0; i < m.ndim(); ++i) fits = fits && m.shape(i) == a.shape(i);
    if (fits) {
      Shape ms = m.shape();
      ms.resize(a.ndim(), 1);
      auto cond = broadcast_to(reshape(m, ms, s), a.shape(), s);
      return where(cond, reshape(upd_in, {}, s), a, s);
    }
  }
  auto ex = expand(a, std::move(entries));
  check_known_indices(a, ex.entries);
  if (!ex.has_array) {
    auto p = plan_basic(a, ex.entries);
    auto u = broadcast_update(upd_in, p.result_shape, s);
    u = reshape(u, p.slice_shape, s);
    if (reduce != Scatter::None) {
      u = combine(slice(a, p.start, p.stop, p.steps, s), u, reduce, s);
    }
    return slice_update(a, u, p.start, p.stop, p.steps, s);
  }
  auto p = plan_advanced(a, ex.entries, s);
  auto u = broadcast_update(upd_in, p.result_shape, s);
  if (!p.new_axes.empty()) {
    Shape no_new;
    for (int i = 0; i < u.ndim(); ++i) {
      if (std::find(p.new_axes.begin(), p.new_axes.end(), i) == p.new_axes.end()) {
        no_new.push_back(u.shape(i));
      }
    }
    u = reshape(u, no_new, s);
  }
  int nb = static_cast<int>(p.bshape.size());
  if (p.adjacent && p.slices_before > 0) {
    std::vector<int> perm;
    for (int i = 0; i < nb; ++i) perm.push_back(p.slices_before + i);
    for (int i = 0; i < p.slices_before; ++i) perm.push_back(i);
    for (int i = p.slices_before + nb; i < u.ndim(); ++i) perm.push_back(i);
    u = transpose(u, perm, s);
  }
  // Fast path: slices are all whole axes, so scatter straight into `a`.
  if (p.sliced.is_same(a)) {
    Shape ushape = p.bshape;
    for (int i = 0; i < a.ndim(); ++i) {
      bool adv = std::find(p.adv_axes.begin(), p.adv_axes.end(), i) != p.adv_axes.end();
      ushape.push_back(adv ? 1 : a.shape(i));
    }
    u = reshape(u, ushape, s);
    switch (reduce) {
      case Scatter::None: return scatter(a, p.indices, u, p.adv_axes, s);
      case Scatter::Sum: return scatter_add(a, p.indices, u, p.adv_axes, s);
      case Scatter::Prod: return scatter_prod(a, p.indices, u, p.adv_axes, s);
      case Scatter::Max: return scatter_max(a, p.indices, u, p.adv_axes, s);
      case Scatter::Min: return scatter_min(a, p.indices, u, p.adv_axes, s);
    }
  }
  // General case: index a grid of flat positions the same way, then scatter
  // into the flattened array.
  Dtype pd = a.size() > 2147483647 ? int64 : int32;
  auto positions = reshape(arange(0, static_cast<double>(a.size()), 1, pd, s), a.shape(), s);
  std::vector<IndexEntry> again = ex.entries;
  auto lin = index(positions, std::move(again), s);
  // `u` is in the layout [B, slices...] while lin follows the result layout; use
  // the result layout for both.
  auto ur = broadcast_update(upd_in, p.result_shape, s);
  auto flat_pos = flatten(lin, s);
  auto flat_upd = reshape(ur, {static_cast<ShapeElem>(flat_pos.size()), 1}, s);
  auto flat_a = flatten(a, s);
  array out = flat_a;
  switch (reduce) {
    case Scatter::None: out = scatter(flat_a, {flat_pos}, flat_upd, {0}, s); break;
    case Scatter::Sum: out = scatter_add(flat_a, {flat_pos}, flat_upd, {0}, s); break;
    case Scatter::Prod: out = scatter_prod(flat_a, {flat_pos}, flat_upd, {0}, s); break;
    case Scatter::Max: out = scatter_max(flat_a, {flat_pos}, flat_upd, {0}, s); break;
    case Scatter::Min: out = scatter_min(flat_a, {flat_pos}, flat_upd, {0}, s); break;
  }
  return reshape(out, a.shape(), s);
}

}  // namespace lumex::core
