// NumPy index expressions (the engine side of __getitem__, __setitem__ and `.at`):
// masks, ellipsis and new axes expanded, then lowered to slices, one gather or a
// scatter from ops/indexing.cpp.
#include <algorithm>

#include "engine/events.h"
#include "engine/ops.h"
#include "engine/ops/detail.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

using detail::norm_slice;
using detail::prepare_indices;

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

/// Boolean masks replaced by their positions (one integer array per mask axis);
/// `consumed` counts the axes of `a` the entries index.
std::vector<IndexEntry> replace_masks(const array& a, std::vector<IndexEntry> entries,
                                      int& consumed) {
  std::vector<IndexEntry> out;
  int ellipses = 0;
  consumed = 0;
  for (auto& en : entries) {
    if (en.kind == IndexEntry::Ellipsis) {
      ++ellipses;
      out.push_back(en);
    } else if (en.kind == IndexEntry::Array && en.arr->dtype() == bool_) {
      if (en.arr->ndim() == 0) {
        throw std::invalid_argument(
            "Boolean scalars cannot be used as indices; use a boolean array.");
      }
      for (int d = 0; d < en.arr->ndim(); ++d) {
        int ax = consumed + d;
        if (ax >= a.ndim() || en.arr->shape(d) != a.shape(ax)) {
          // A shape error, so ValueError as MLX's __setitem__ (NumPy: IndexError).
          throw std::invalid_argument(
              msg("boolean index of shape ", shape_str(en.arr->shape()),
                  " does not match the indexed array's dimensions at axis ", ax, "."));
        }
      }
      for (auto& p : mask_positions(*en.arr)) {
        out.push_back(IndexEntry::array_index(p));
        ++consumed;
      }
    } else {
      if (en.kind == IndexEntry::Int || en.kind == IndexEntry::Slice ||
          en.kind == IndexEntry::Array) {
        ++consumed;
      }
      out.push_back(en);
    }
  }
  if (ellipses > 1) {
    throw std::invalid_argument("An index can only have a single ellipsis ('...').");
  }
  if (consumed > a.ndim()) {
    throw std::invalid_argument(
        msg("Too many indices for array with ", a.ndim(), " dimensions."));
  }
  return out;
}

/// The ellipsis (or the end, without one) replaced by full slices of the axes
/// the other entries leave out.
std::vector<IndexEntry> fill_ellipsis(const array& a,
                                      const std::vector<IndexEntry>& entries,
                                      int consumed) {
  std::vector<IndexEntry> full;
  bool ellipsis = false;
  auto fill = [&] {
    for (int i = consumed; i < a.ndim(); ++i) {
      full.push_back(IndexEntry::slice({}, {}, {}));
    }
  };
  for (auto& en : entries) {
    if (en.kind == IndexEntry::Ellipsis) {
      ellipsis = true;
      fill();
    } else {
      full.push_back(en);
    }
  }
  if (!ellipsis) fill();
  return full;
}

Expanded expand(const array& a, std::vector<IndexEntry> entries) {
  int consumed = 0;
  auto replaced = replace_masks(a, std::move(entries), consumed);
  Expanded e{fill_ellipsis(a, replaced, consumed), false};
  // Masks and explicit arrays were checked above; validate ints and array dtypes.
  int axis = 0;
  for (auto& en : e.entries) {
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
  // A lone boolean scalar selects everything or nothing (NumPy reads it as a new
  // axis of length 1 or 0, which the update drops): a `where`, lazy in the mask.
  if (entries.size() == 1 && entries[0].kind == IndexEntry::Array &&
      entries[0].arr->dtype() == bool_ && entries[0].arr->ndim() == 0) {
    auto u = broadcast_update(upd_in, a.shape(), s);
    return where(*entries[0].arr, combine(a, u, reduce, s), a, s);
  }
  // One mask: MLX's masked scatter, lazy in the mask (so it works under vmap and
  // compile) and reading the values in order.
  if (reduce == Scatter::None && entries.size() == 1 &&
      entries[0].kind == IndexEntry::Array && entries[0].arr->dtype() == bool_) {
    auto& m = *entries[0].arr;
    bool leading = m.ndim() <= a.ndim();
    for (int i = 0; leading && i < m.ndim(); ++i) leading = m.shape(i) == a.shape(i);
    // A single value for every masked entry needs no order: a `where`, without the
    // flattened copy. (With one axis more than a's rest, MLX reads it as one row.)
    if (!leading || upd_in.size() != 1 || upd_in.ndim() > a.ndim() - m.ndim()) {
      return masked_scatter(a, m, upd_in, s);
    }
    Shape ms = m.shape();
    ms.resize(a.ndim(), 1);
    auto cond = broadcast_to(reshape(m, ms, s), a.shape(), s);
    return where(cond, reshape(upd_in, {}, s), a, s);
  }
  auto ex = expand(a, std::move(entries));
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
  // Shapes first (ValueError, as MLX), then the values of computed indices.
  check_known_indices(a, ex.entries);
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

array index_update(const array& a, std::vector<IndexEntry> entries, const array& update,
                   AtUpdate how, StreamOrDevice s) {
  switch (how) {
    case AtUpdate::add: return index_update(a, std::move(entries), update, Scatter::Sum, s);
    case AtUpdate::subtract:
      return index_update(a, std::move(entries), negative(update, s), Scatter::Sum, s);
    case AtUpdate::multiply:
      return index_update(a, std::move(entries), update, Scatter::Prod, s);
    case AtUpdate::divide:
      return index_update(a, std::move(entries), reciprocal(update, s), Scatter::Prod, s);
    case AtUpdate::maximum: return index_update(a, std::move(entries), update, Scatter::Max, s);
    case AtUpdate::minimum: return index_update(a, std::move(entries), update, Scatter::Min, s);
  }
  return index_update(a, std::move(entries), update, Scatter::Sum, s);
}

}  // namespace lumex::core
