// Ops that rearrange elements: concatenate, stack and split, tile and repeat,
// pad, roll and flip, diagonals (shape-only views are in ops/shape.cpp).
#include <algorithm>
#include <numeric>

#include "engine/ops.h"
#include "engine/ops/detail.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

using detail::checked_axis;
using detail::take_range;

namespace {

Shape with_axis(Shape shape, int axis, ShapeElem n) {
  shape[axis] = n;
  return shape;
}

}  // namespace

// ---- joining and splitting ----

array concatenate(std::vector<array> arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) {
    throw std::invalid_argument(
        "[concatenate] No arrays provided for concatenation");
  }
  int nd = arrays[0].ndim();
  int ax = normalize_axis(axis, nd, "concatenate");
  Shape shape = arrays[0].shape();
  shape[ax] = 0;
  Dtype dtype = arrays[0].dtype();
  for (const auto& a : arrays) {
    if (a.ndim() != nd) {
      throw std::invalid_argument(msg(
          "[concatenate] All the input arrays must have the same number of "
          "dimensions. However, got arrays with dimensions ",
          nd, " and ", a.ndim(), "."));
    }
    for (int i = 0; i < nd; ++i) {
      if (i != ax && a.shape(i) != shape[i]) {
        std::string shapes;
        for (const auto& b : arrays) shapes += shape_str(b.shape()) + ", ";
        throw std::invalid_argument(msg(
            "[concatenate] All the input array dimensions must match exactly "
            "except for the concatenation axis. However, the provided shapes are ",
            shapes, "and the concatenation axis is ", axis, "."));
      }
    }
    shape[ax] += a.shape(ax);
    dtype = promote_types(dtype, a.dtype());
  }
  auto st = to_stream(s);
  for (auto& a : arrays) a = astype(a, dtype, st);
  if (arrays.size() == 1) return arrays[0];
  return array(std::move(shape), dtype, std::make_shared<Concatenate>(st, ax),
               std::move(arrays));
}

array concatenate(std::vector<array> arrays, StreamOrDevice s) {
  for (auto& a : arrays) a = flatten(a, s);
  return concatenate(std::move(arrays), 0, s);
}

array stack(const std::vector<array>& arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) {
    throw std::invalid_argument("[stack] No arrays provided for stacking");
  }
  for (const auto& a : arrays) {
    if (a.shape() != arrays[0].shape()) {
      throw std::invalid_argument("[stack] All arrays must have the same shape");
    }
  }
  int ax = normalize_axis(axis, arrays[0].ndim() + 1, "stack");
  std::vector<array> parts;
  parts.reserve(arrays.size());
  for (const auto& a : arrays) parts.push_back(expand_dims(a, ax, s));
  return concatenate(std::move(parts), ax, s);
}

array stack(const std::vector<array>& arrays, StreamOrDevice s) {
  return stack(arrays, 0, s);
}

std::vector<array> unstack(const array& a, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "unstack");
  std::vector<array> out;
  out.reserve(a.shape(ax));
  for (ShapeElem i = 0; i < a.shape(ax); ++i) {
    out.push_back(squeeze(take_range(a, ax, i, i + 1, s), ax, s));
  }
  return out;
}

std::vector<array> split(const array& a, int num_splits, int axis,
                         StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "split");
  if (num_splits <= 0) {
    throw std::invalid_argument(
        msg("[split] num_splits must be positive and non-zero but got ",
            num_splits, "."));
  }
  ShapeElem n = a.shape(ax);
  if (n % num_splits != 0) {
    throw std::invalid_argument(
        msg("Array split does not result in sub arrays with equal size: "
            "attempting ",
            num_splits, " splits along axis ", axis, " for shape ",
            shape_str(a.shape()), "."));
  }
  ShapeElem part = n / num_splits;
  std::vector<array> out;
  for (int i = 0; i < num_splits; ++i) {
    out.push_back(take_range(a, ax, i * part, (i + 1) * part, s));
  }
  return out;
}

std::vector<array> split(const array& a, const Shape& indices, int axis,
                         StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "split");
  ShapeElem n = a.shape(ax);
  auto clamp_index = [n](ShapeElem i) {
    return std::clamp<ShapeElem>(i < 0 ? i + n : i, 0, n);
  };
  std::vector<array> out;
  ShapeElem lo = 0;
  for (size_t i = 0; i <= indices.size(); ++i) {
    ShapeElem hi = i < indices.size() ? clamp_index(indices[i]) : n;
    // Python semantics: a part whose end precedes its start is empty.
    out.push_back(take_range(a, ax, lo, std::max(lo, hi), s));
    lo = hi;
  }
  return out;
}

// ---- repetition ----

array tile(const array& a, std::vector<int> reps, StreamOrDevice s) {
  Shape shape = a.shape();
  for (int r : reps) {
    if (r < 0) {
      throw std::invalid_argument(
          "[broadcast_to] Negative dimensions not allowed.");
    }
  }
  if (reps.size() < shape.size()) reps.insert(reps.begin(), shape.size() - reps.size(), 1);
  if (shape.size() < reps.size()) shape.insert(shape.begin(), reps.size() - shape.size(), 1);
  // Insert a repetition axis before each tiled one, broadcast it, then merge.
  Shape expanded, broadcast, final_shape;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (reps[i] != 1) {
      expanded.push_back(1);
      broadcast.push_back(reps[i]);
    }
    expanded.push_back(shape[i]);
    broadcast.push_back(shape[i]);
    final_shape.push_back(shape[i] * reps[i]);
  }
  auto x = reshape(a, std::move(expanded), s);
  x = broadcast_to(x, broadcast, s);
  return reshape(x, std::move(final_shape), s);
}

array repeat(const array& a, int repeats, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "repeat");
  if (repeats < 0) {
    throw std::invalid_argument("[repeat] Number of repeats cannot be negative");
  }
  Shape expanded = a.shape();
  expanded.insert(expanded.begin() + ax + 1, 1);
  Shape broadcast = expanded;
  broadcast[ax + 1] = repeats;
  Shape final_shape = a.shape();
  final_shape[ax] *= repeats;
  auto x = broadcast_to(reshape(a, std::move(expanded), s), broadcast, s);
  return reshape(x, std::move(final_shape), s);
}

array repeat(const array& a, int repeats, StreamOrDevice s) {
  return repeat(flatten(a, s), repeats, 0, s);
}

// ---- padding ----

namespace {

/// One axis padded by repeating its edge values.
array pad_edge(const array& x, int ax, ShapeElem lo, ShapeElem hi,
               StreamOrDevice s) {
  ShapeElem n = x.shape(ax);
  std::vector<array> parts;
  if (lo > 0) {
    parts.push_back(broadcast_to(take_range(x, ax, 0, 1, s),
                                 with_axis(x.shape(), ax, lo), s));
  }
  parts.push_back(x);
  if (hi > 0) {
    parts.push_back(broadcast_to(take_range(x, ax, n - 1, n, s),
                                 with_axis(x.shape(), ax, hi), s));
  }
  return concatenate(std::move(parts), ax, s);
}

/// One axis padded by mirroring. The mirrored sequence is periodic, so any pad
/// width is a window into a tiling of one period.
array pad_mirror(const array& x, int ax, ShapeElem lo, ShapeElem hi,
                 bool symmetric, StreamOrDevice s) {
  ShapeElem n = x.shape(ax);
  if (!symmetric && n == 1) return pad_edge(x, ax, lo, hi, s);
  array back = flip(x, {ax}, s);
  array period = symmetric
                     ? concatenate({x, back}, ax, s)
                     : concatenate({x, take_range(back, ax, 1, n - 1, s)}, ax, s);
  ShapeElem p = period.shape(ax);
  ShapeElem first = ((-lo) % p + p) % p;  // position of the first output element
  ShapeElem total = lo + n + hi;
  ShapeElem reps = (first + total + p - 1) / p;
  std::vector<int> tile_reps(x.ndim(), 1);
  tile_reps[ax] = static_cast<int>(reps);
  return take_range(tile(period, tile_reps, s), ax, first, first + total, s);
}

/// Pads with a scalar value (already of x's dtype); lo and hi cover every axis.
array pad_constant(const array& x, Shape lo, Shape hi, const array& value,
                   Stream st) {
  Shape shape = x.shape();
  bool any = false;
  for (int i = 0; i < x.ndim(); ++i) {
    shape[i] += lo[i] + hi[i];
    any = any || lo[i] != 0 || hi[i] != 0;
  }
  if (!any) return x;
  return array(std::move(shape), x.dtype(),
               std::make_shared<Pad>(st, std::move(lo), std::move(hi)),
               {x, value});
}

}  // namespace

array pad(const array& a, const std::vector<int>& axes, const Shape& low,
          const Shape& high, const array& pad_value, const std::string& mode,
          StreamOrDevice s) {
  if (axes.size() != low.size() || axes.size() != high.size()) {
    throw std::invalid_argument(
        msg("Invalid number of padding sizes passed to pad with axes of size ",
            axes.size()));
  }
  for (size_t i = 0; i < axes.size(); ++i) {
    if (low[i] < 0) {
      throw std::invalid_argument(msg(
          "Invalid low padding size (", low[i], ") passed to pad for axis ", i,
          ". Padding sizes must be non-negative"));
    }
    if (high[i] < 0) {
      throw std::invalid_argument(msg(
          "Invalid high padding size (", high[i], ") passed to pad for axis ",
          i, ". Padding sizes must be non-negative"));
    }
  }
  if (mode != "constant" && mode != "edge" && mode != "reflect" &&
      mode != "symmetric") {
    throw std::invalid_argument(
        msg("Invalid padding mode (", mode, ") passed to pad"));
  }
  Shape lo(a.ndim(), 0), hi(a.ndim(), 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    int ax = normalize_axis(axes[i], a.ndim(), "pad");
    lo[ax] = low[i];
    hi[ax] = high[i];
  }
  if (pad_value.size() != 1) {
    throw std::invalid_argument("[pad] The padding value must be a scalar.");
  }
  auto st = to_stream(s);
  array value = reshape(astype(pad_value, a.dtype(), st), {}, st);
  if (mode != "constant") {
    array x = a;
    for (int ax = 0; ax < a.ndim(); ++ax) {
      if (lo[ax] == 0 && hi[ax] == 0) continue;
      if (x.shape(ax) == 0) {
        if (mode != "edge") {
          throw std::invalid_argument(msg("[pad] Cannot pad empty axis ", ax,
                                          " using mode '", mode, "'."));
        }
        continue;  // left to the constant fill below, as MLX does
      }
      x = mode == "edge" ? pad_edge(x, ax, lo[ax], hi[ax], s)
                         : pad_mirror(x, ax, lo[ax], hi[ax], mode == "symmetric", s);
      lo[ax] = hi[ax] = 0;
    }
    return pad_constant(x, std::move(lo), std::move(hi), value, st);
  }
  return pad_constant(a, std::move(lo), std::move(hi), value, st);
}

array pad(const array& a, const std::vector<std::pair<int, int>>& pad_width,
          const array& pad_value, const std::string& mode, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  if (pad_width.size() != axes.size()) {
    throw std::invalid_argument(
        msg("Invalid number of padding sizes passed to pad with axes of size ",
            a.ndim()));
  }
  Shape low, high;
  for (auto [l, h] : pad_width) {
    low.push_back(l);
    high.push_back(h);
  }
  return pad(a, axes, low, high, pad_value, mode, s);
}

// ---- rolling and flipping ----

array roll(const array& a, const Shape& shift, const std::vector<int>& axes,
           StreamOrDevice s) {
  if (shift.size() < axes.size()) {
    throw std::invalid_argument(
        msg("[roll] At least one shift value per axis is required, ",
            shift.size(), " provided for ", axes.size(), " axes."));
  }
  array x = a;
  for (size_t i = 0; i < axes.size(); ++i) {
    int ax = checked_axis(axes[i], a.ndim(), "roll");
    ShapeElem n = x.shape(ax);
    if (n == 0) continue;
    ShapeElem k = ((shift[i] % n) + n) % n;
    if (k == 0) continue;
    x = concatenate({take_range(x, ax, n - k, n, s), take_range(x, ax, 0, n - k, s)},
                    ax, s);
  }
  return x;
}

array roll(const array& a, const Shape& shift, StreamOrDevice s) {
  ShapeElem total = 0;
  for (auto v : shift) total += v;
  return reshape(roll(flatten(a, s), Shape{total}, {0}, s), a.shape(), s);
}

array flip(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  // Repeated axes flip back, as when flipping one axis at a time.
  std::vector<bool> flipped(a.ndim(), false);
  for (int axis : axes) {
    int ax = normalize_axis(axis, a.ndim(), "flip");
    flipped[ax] = !flipped[ax];
  }
  Shape start(a.ndim(), 0), stop = a.shape(), steps(a.ndim(), 1);
  bool any = false;
  for (int i = 0; i < a.ndim(); ++i) {
    if (!flipped[i] || a.shape(i) <= 1) continue;
    any = true;
    start[i] = a.shape(i) - 1;
    stop[i] = -1;
    steps[i] = -1;
  }
  if (!any) return a;
  auto st = to_stream(s);
  return array(a.shape(), a.dtype(),
               std::make_shared<Slice>(st, std::move(start), std::move(stop),
                                       std::move(steps)),
               {a});
}

array flip(const array& a, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return flip(a, axes, s);
}

// ---- diagonals ----

namespace {
/// diagonal, with errors naming `op` (trace validates through it too).
array diagonal_of(const array& a, int offset, int axis1, int axis2, const char* op,
                  StreamOrDevice s) {
  int nd = a.ndim();
  if (nd < 2) {
    throw std::invalid_argument(
        msg("[", op, "] Array must have at least two dimensions, but got ", nd,
            " dimensions."));
  }
  auto check = [nd, op](int axis, const char* name) {
    int v = axis < 0 ? axis + nd : axis;
    if (v < 0 || v >= nd) {
      throw axis_error(msg("[", op, "] Invalid ", name, " ", axis,
                           " for array with ", nd, " dimensions."));
    }
    return v;
  };
  int a1 = check(axis1, "axis1");
  int a2 = check(axis2, "axis2");
  if (a1 == a2) {
    throw std::invalid_argument(
        msg("[", op, "] axis1 and axis2 cannot be the same axis"));
  }
  ShapeElem n1 = a.shape(a1), n2 = a.shape(a2);
  ShapeElem len = offset >= 0 ? std::min(n1, n2 - offset) : std::min(n1 + offset, n2);
  len = std::max<ShapeElem>(len, 0);
  // Move the two axes last and merge them: the diagonal is then a strided slice
  // (one step moves one row and one column), a view with a differentiable rule.
  auto st = to_stream(s);
  std::vector<int> perm;
  Shape shape;
  for (int i = 0; i < nd; ++i) {
    if (i == a1 || i == a2) continue;
    perm.push_back(i);
    shape.push_back(a.shape(i));
  }
  perm.push_back(a1);
  perm.push_back(a2);
  Shape merged = shape;
  merged.push_back(n1 * n2);
  auto flat = reshape(transpose(a, perm, st), merged, st);
  if (len == 0) {
    shape.push_back(0);
    return reshape(slice(flat, Shape(flat.ndim(), 0), Shape(flat.ndim(), 0), st), shape, st);
  }
  ShapeElem first = offset >= 0 ? offset : -ShapeElem{offset} * n2;
  Shape start(flat.ndim(), 0), stop = flat.shape(), step(flat.ndim(), 1);
  start.back() = first;
  stop.back() = first + (len - 1) * (n2 + 1) + 1;
  step.back() = n2 + 1;
  return slice(flat, start, stop, step, st);
}

}  // namespace

array diagonal(const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
  return diagonal_of(a, offset, axis1, axis2, "diagonal", s);
}

array trace(const array& a, int offset, int axis1, int axis2,
            std::optional<Dtype> dtype, StreamOrDevice s) {
  auto d = diagonal_of(a, offset, axis1, axis2, "trace", s);
  if (dtype) d = astype(d, *dtype, s);
  return sum(d, std::vector<int>{-1}, false, s);
}

array diag(const array& a, int k, StreamOrDevice s) {
  if (a.ndim() == 2) return diagonal(a, k, 0, 1, s);
  if (a.ndim() != 1) {
    throw std::invalid_argument(
        msg("[diag] array must be 1-D or 2-D, got array with ", a.ndim(),
            " dimensions."));
  }
  // Row r holds x[r] at column r + k: pad x to the matrix size and keep the
  // values where the (bool) k-th diagonal is set.
  ShapeElem n = a.shape(0), ak = k < 0 ? -int64_t{k} : k, m = n + ak;
  auto padded = pad(a, {0}, {0}, {ak}, array(0, a.dtype()), "constant", s);
  auto values = k >= 0 ? reshape(padded, {m, 1}, s) : reshape(padded, {1, m}, s);
  auto mask = eye(static_cast<int>(m), static_cast<int>(m), k, bool_, s);
  return where(mask, values, zeros({m, m}, a.dtype(), s), s);
}

}  // namespace lumex::core
