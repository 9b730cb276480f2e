#include "engine/ops/reduce.h"

#include <algorithm>
#include <numeric>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/trace.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

using RType = Reduce::Type;

// MLX words axis errors differently depending on which op checks them; the
// generic reductions use this wording and raise IndexError (axis_error).
std::vector<int> reduce_axes(const array& a, const Axes& axes) {
  int nd = a.ndim();
  std::vector<int> out;
  if (!axes) {
    out.resize(nd);
    std::iota(out.begin(), out.end(), 0);
    return out;
  }
  for (int ax : *axes) {
    int n = ax < 0 ? ax + nd : ax;
    if (n < 0 || n >= nd) {
      throw axis_error(msg("Invalid axis ", ax, " for array with ", nd,
                           " dimensions."));
    }
    out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    throw std::invalid_argument("Duplicate axes detected in reduction.");
  }
  return out;
}

/// mean, var and median check axes themselves, with their op name.
void check_axes_named(const array& a, const Axes& axes, const char* op) {
  if (!axes) return;
  for (int ax : *axes) {
    if (ax < -a.ndim() || ax >= a.ndim()) {
      throw axis_error(msg("[", op, "] axis ", ax,
                           " is out of bounds for array with ", a.ndim(),
                           " dimensions."));
    }
  }
}

Shape kept_shape(const Shape& shape, const std::vector<int>& axes) {
  Shape out = shape;
  for (int ax : axes) out[ax] = 1;
  return out;
}

Shape squeezed_shape(const Shape& shape, const std::vector<int>& axes) {
  Shape out;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    if (!std::binary_search(axes.begin(), axes.end(), i)) out.push_back(shape[i]);
  }
  return out;
}

/// Reduced outputs are computed with the axes kept; drop them unless asked not to.
array finish(const array& kept, const array& a, const std::vector<int>& axes,
             bool keepdims, const Stream& st) {
  if (keepdims) return kept;
  return reshape(kept, squeezed_shape(a.shape(), axes), st);
}

array reduce_node(const array& a, RType type, const std::vector<int>& axes,
                  Dtype out_dtype, bool keepdims, const Stream& st) {
  array out(kept_shape(a.shape(), axes), out_dtype,
            std::make_shared<Reduce>(st, type, axes), {a});
  return finish(out, a, axes, keepdims, st);
}

/// sum and prod widen small integers (as MLX does) so they rarely overflow.
Dtype accumulate_dtype(Dtype d) {
  if (d == bool_ || d == int8 || d == int16) return int32;
  if (d == uint8 || d == uint16) return uint32;
  return d;
}

size_t reduced_size(const array& a, const std::vector<int>& axes) {
  if (array::in_tracing()) detail::note_shape_read();
  size_t n = 1;
  for (int ax : axes) n *= static_cast<size_t>(a.shape(ax));
  return n;
}

array min_max(const array& a, const Axes& axes, bool keepdims, RType type,
              const char* op, StreamOrDevice s) {
  auto ax = reduce_axes(a, axes);
  for (int i : ax) {
    if (a.shape(i) == 0) {
      throw std::invalid_argument(msg("[", op, "] Cannot ", op,
                                      " reduce over axis ", i, " with size 0."));
    }
  }
  if (ax.empty()) return a;
  return reduce_node(a, type, ax, a.dtype(), keepdims, to_stream(s));
}

array arg_reduce(const array& a, std::optional<int> axis, bool keepdims,
                 ArgReduce::Type type, const char* op, StreamOrDevice s) {
  if (a.size() == 0) {
    throw std::invalid_argument(
        msg("[", op, "] Cannot ", op, " reduce zero size array."));
  }
  auto st = to_stream(s);
  if (!axis) {
    auto flat = reshape(a, {static_cast<ShapeElem>(a.size())}, st);
    array out({1}, uint32, std::make_shared<ArgReduce>(st, type, 0), {flat});
    return reshape(out, keepdims ? Shape(a.ndim(), 1) : Shape{}, st);
  }
  auto ax = reduce_axes(a, std::vector<int>{*axis});
  array out(kept_shape(a.shape(), ax), uint32,
            std::make_shared<ArgReduce>(st, type, ax[0]), {a});
  return finish(out, a, ax, keepdims, st);
}

array scan_node(array a, std::optional<int> axis, Scan::Type type, bool reverse,
                bool inclusive, const char* op, Dtype out_dtype,
                const Stream& st) {
  int ax;
  if (!axis) {
    a = reshape(a, {static_cast<ShapeElem>(a.size())}, st);
    ax = 0;
  } else {
    ax = normalize_axis(*axis, a.ndim(), op);
  }
  return array(a.shape(), out_dtype,
               std::make_shared<Scan>(st, type, ax, reverse, inclusive), {a});
}

/// True when `axes` (sorted) are exactly the last axes.
bool trailing_axes(const std::vector<int>& axes, int ndim) {
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[axes.size() - 1 - i] != ndim - 1 - static_cast<int>(i)) return false;
  }
  return !axes.empty();
}

}  // namespace

array sum(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  auto ax = reduce_axes(a, axes);
  if (ax.empty()) return a;
  return reduce_node(a, RType::Sum, ax, accumulate_dtype(a.dtype()), keepdims,
                     to_stream(s));
}

array prod(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  auto ax = reduce_axes(a, axes);
  if (ax.empty()) return a;
  return reduce_node(a, RType::Prod, ax, accumulate_dtype(a.dtype()), keepdims,
                     to_stream(s));
}

array max(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return min_max(a, axes, keepdims, RType::Max, "max", s);
}

array min(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return min_max(a, axes, keepdims, RType::Min, "min", s);
}

array all(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  auto ax = reduce_axes(a, axes);
  auto st = to_stream(s);
  if (ax.empty()) return astype(a, bool_, st);
  return reduce_node(a, RType::And, ax, bool_, keepdims, st);
}

array any(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  auto ax = reduce_axes(a, axes);
  auto st = to_stream(s);
  if (ax.empty()) return astype(a, bool_, st);
  return reduce_node(a, RType::Or, ax, bool_, keepdims, st);
}

array mean(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  check_axes_named(a, axes, "mean");
  auto ax = reduce_axes(a, axes);
  auto st = to_stream(s);
  auto dtype = at_least_float(a.dtype());
  auto x = astype(a, dtype, st);
  if (ax.empty()) return x;
  // A true division keeps 0/0 = NaN for empty reductions, as MLX and NumPy do.
  auto n = array(static_cast<double>(reduced_size(a, ax)), dtype);
  return divide(sum(x, ax, keepdims, st), n, st);
}

array var(const array& a, const Axes& axes, bool keepdims, int ddof,
          StreamOrDevice s) {
  check_axes_named(a, axes, "mean");
  auto ax = reduce_axes(a, axes);
  auto st = to_stream(s);
  auto x = astype(a, at_least_float(a.dtype()), st);
  // Two passes (squared deviations from the mean) rather than E[x^2] - E[x]^2,
  // which cancels badly when the mean is large.
  auto d = subtract(x, mean(x, ax, true, st), st);
  auto d2 = x.dtype() == complex64 ? square(abs(d, st), st) : square(d, st);
  auto v = mean(d2, ax, keepdims, st);
  if (ddof != 0) {
    double n = static_cast<double>(reduced_size(a, ax));
    double scale = n / std::max(n - ddof, 0.0);
    v = multiply(v, array(scale, v.dtype()), st);
  }
  return v;
}

array std(const array& a, const Axes& axes, bool keepdims, int ddof,
          StreamOrDevice s) {
  auto st = to_stream(s);
  return sqrt(var(a, axes, keepdims, ddof, st), st);
}

array logsumexp(const array& a, const Axes& axes, bool keepdims,
                StreamOrDevice s) {
  if (a.size() == 0) {
    throw std::invalid_argument("[logsumexp] Received empty array.");
  }
  auto ax = reduce_axes(a, axes);
  auto st = to_stream(s);
  auto x = astype(a, at_least_float(a.dtype()), st);
  if (ax.empty()) return x;
  if (x.dtype() != complex64 && trailing_axes(ax, a.ndim())) {
    // One online pass per row over the flattened trailing axes.
    Shape rows(a.shape().begin(), a.shape().begin() + (a.ndim() - ax.size()));
    rows.push_back(static_cast<ShapeElem>(reduced_size(a, ax)));
    auto flat = ax.size() == 1 ? x : reshape(x, rows, st);
    rows.back() = 1;
    array out(std::move(rows), x.dtype(), std::make_shared<LogSumExp>(st), {flat});
    if (ax.size() > 1) out = reshape(out, kept_shape(a.shape(), ax), st);
    return finish(out, a, ax, keepdims, st);
  }
  // Shift by the max for stability; an infinite max shifts by 0 instead so
  // +inf stays +inf and an all -inf row gives -inf rather than NaN.
  auto m = max(x, ax, true, st);
  m = where(isinf(m, st), array(0.0, x.dtype()), m, st);
  auto out = add(log(sum(exp(subtract(x, m, st), st), ax, true, st), st), m, st);
  return finish(out, a, ax, keepdims, st);
}

array count_nonzero(const array& a, const Axes& axes, bool keepdims,
                    StreamOrDevice s) {
  auto st = to_stream(s);
  auto nz = not_equal(a, array(0, a.dtype()), st);
  return astype(sum(nz, axes, keepdims, st), int32, st);
}

array median(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  check_axes_named(a, axes, "median");
  std::vector<int> ax;
  if (!axes) {
    ax.resize(a.ndim());
    std::iota(ax.begin(), ax.end(), 0);
  } else {
    for (int i : *axes) ax.push_back(i < 0 ? i + a.ndim() : i);
    std::sort(ax.begin(), ax.end());
    if (std::adjacent_find(ax.begin(), ax.end()) != ax.end()) {
      throw std::invalid_argument("[median] Received duplicate axis.");
    }
  }
  if (ax.empty() && a.ndim() > 0) {
    // MLX flattens the reduced axes and trips over an empty range.
    throw std::invalid_argument(
        "[flatten] start_axis must be less than or equal to end_axis");
  }
  for (int i : ax) {
    if (a.shape(i) == 0) {
      throw std::invalid_argument("[median] Cannot take median along empty axis.");
    }
  }
  auto st = to_stream(s);
  auto x = astype(a, at_least_float(a.dtype()), st);
  // Move the reduced axes last and flatten them into one row per output.
  std::vector<int> perm;
  Shape rows;
  for (int i = 0; i < a.ndim(); ++i) {
    if (!std::binary_search(ax.begin(), ax.end(), i)) {
      perm.push_back(i);
      rows.push_back(a.shape(i));
    }
  }
  perm.insert(perm.end(), ax.begin(), ax.end());
  Shape flat = rows;
  flat.push_back(static_cast<ShapeElem>(reduced_size(a, ax)));
  auto t = reshape(transpose(x, perm, st), flat, st);
  array out(rows, x.dtype(), std::make_shared<Median>(st), {t});
  if (keepdims) return reshape(out, kept_shape(a.shape(), ax), st);
  return out;
}

std::pair<array, array> minmax(const array& a, const Axes& axes, bool keepdims,
                               StreamOrDevice s) {
  auto st = to_stream(s);
  auto lo = min(a, axes, keepdims, st);
  return {lo, max(a, axes, keepdims, st)};
}

array argmax(const array& a, std::optional<int> axis, bool keepdims,
             StreamOrDevice s) {
  return arg_reduce(a, axis, keepdims, ArgReduce::Type::ArgMax, "argmax", s);
}

array argmin(const array& a, std::optional<int> axis, bool keepdims,
             StreamOrDevice s) {
  return arg_reduce(a, axis, keepdims, ArgReduce::Type::ArgMin, "argmin", s);
}

array softmax(const array& a, const Axes& axes, bool precise, StreamOrDevice s) {
  if (a.ndim() == 0 && axes && !axes->empty()) {
    throw std::invalid_argument(
        "[softmax] Received non-empty axes for array with 0 dimensions.");
  }
  auto ax = reduce_axes(a, axes);
  auto st = to_stream(s);
  if (ax.empty()) {
    // Each element is its own group: 1, or NaN where exp(x - x) is NaN. MLX
    // keeps the input dtype here.
    if (!is_inexact(a.dtype())) return ones_like(a, st);
    auto e = exp(subtract(a, a, st), st);
    return divide(e, e, st);
  }
  auto dtype = at_least_float(a.dtype());
  auto x = astype(a, dtype, st);
  if (dtype != complex64 && trailing_axes(ax, a.ndim())) {
    // One fused pass per row over the flattened trailing axes.
    Shape rows(a.shape().begin(), a.shape().begin() + (a.ndim() - ax.size()));
    rows.push_back(static_cast<ShapeElem>(reduced_size(a, ax)));
    auto flat = ax.size() == 1 ? x : reshape(x, rows, st);
    array out(flat.shape(), dtype, std::make_shared<Softmax>(st, precise), {flat});
    return ax.size() == 1 ? out : reshape(out, a.shape(), st);
  }
  auto m = max(x, ax, true, st);
  auto e = exp(subtract(x, m, st), st);
  return divide(e, sum(e, ax, true, st), st);
}

array cumsum(const array& a, std::optional<int> axis, bool reverse,
             bool inclusive, std::optional<Dtype> dtype, StreamOrDevice s) {
  auto st = to_stream(s);
  auto x = dtype ? astype(a, *dtype, st) : a;
  auto out_dtype = x.dtype() == bool_ ? int32 : x.dtype();
  return scan_node(x, axis, Scan::Type::Sum, reverse, inclusive, "cumsum",
                   out_dtype, st);
}

array cumprod(const array& a, std::optional<int> axis, bool reverse,
              bool inclusive, std::optional<Dtype> dtype, StreamOrDevice s) {
  auto st = to_stream(s);
  auto x = dtype ? astype(a, *dtype, st) : a;
  return scan_node(x, axis, Scan::Type::Prod, reverse, inclusive, "cumprod",
                   x.dtype(), st);
}

array cummax(const array& a, std::optional<int> axis, bool reverse,
             bool inclusive, StreamOrDevice s) {
  return scan_node(a, axis, Scan::Type::Max, reverse, inclusive, "cummax",
                   a.dtype(), to_stream(s));
}

array cummin(const array& a, std::optional<int> axis, bool reverse,
             bool inclusive, StreamOrDevice s) {
  return scan_node(a, axis, Scan::Type::Min, reverse, inclusive, "cummin",
                   a.dtype(), to_stream(s));
}

array logcumsumexp(const array& a, std::optional<int> axis, bool reverse,
                   bool inclusive, StreamOrDevice s) {
  auto st = to_stream(s);
  auto x = astype(a, at_least_float(a.dtype()), st);
  return scan_node(x, axis, Scan::Type::LogAddExp, reverse, inclusive,
                   "logcumsumexp", x.dtype(), st);
}

array allclose(const array& a, const array& b, double rtol, double atol,
               bool equal_nan, StreamOrDevice s) {
  auto st = to_stream(s);
  return all(isclose(a, b, rtol, atol, equal_nan, st), {}, false, st);
}

array array_equal(const array& a, const array& b, bool equal_nan,
                  StreamOrDevice s) {
  if (a.shape() != b.shape()) return array(false, bool_);
  auto st = to_stream(s);
  auto dtype = promote_types(a.dtype(), b.dtype());
  auto x = astype(a, dtype, st);
  auto y = astype(b, dtype, st);
  array eq = equal_nan && is_inexact(dtype)
                 ? array(a.shape(), bool_, std::make_shared<Equal>(st, true),
                         {x, y})
                 : equal(x, y, st);
  return all(eq, {}, false, st);
}

}  // namespace lumex::core
