#include "engine/ops/sort.h"

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

/// The array to work on (flattened when no axis is given) and the axis.
std::pair<array, int> sort_operand(const array& a, std::optional<int> axis,
                                   const char* op, StreamOrDevice s) {
  if (!axis) return {flatten(a, s), 0};
  if (a.ndim() == 0) {
    throw std::invalid_argument(msg("[", op, "] Cannot sort a 0-dimensional array."));
  }
  return {a, normalize_axis(*axis, a.ndim(), op)};
}

int check_kth(int kth, ShapeElem n, const char* op) {
  if (kth < -n || kth >= n) {
    throw std::invalid_argument(
        msg("[", op, "] Received invalid kth ", kth, " along axis of size ", n, "."));
  }
  return kth < 0 ? kth + static_cast<int>(n) : kth;
}

}  // namespace

array sort(const array& a, std::optional<int> axis, StreamOrDevice s) {
  auto [x, ax] = sort_operand(a, axis, "sort", s);
  return array(x.shape(), x.dtype(), std::make_shared<Sort>(to_stream(s), ax), {x});
}

array argsort(const array& a, std::optional<int> axis, StreamOrDevice s) {
  auto [x, ax] = sort_operand(a, axis, "argsort", s);
  return array(x.shape(), uint32, std::make_shared<ArgSort>(to_stream(s), ax), {x});
}

array partition(const array& a, int kth, std::optional<int> axis, StreamOrDevice s) {
  auto [x, ax] = sort_operand(a, axis, "partition", s);
  kth = check_kth(kth, x.shape(ax), "partition");
  return array(x.shape(), x.dtype(), std::make_shared<Partition>(to_stream(s), kth, ax),
               {x});
}

array argpartition(const array& a, int kth, std::optional<int> axis, StreamOrDevice s) {
  auto [x, ax] = sort_operand(a, axis, "argpartition", s);
  kth = check_kth(kth, x.shape(ax), "argpartition");
  return array(x.shape(), uint32, std::make_shared<ArgPartition>(to_stream(s), kth, ax),
               {x});
}

array topk(const array& a, int k, std::optional<int> axis, StreamOrDevice s) {
  auto [x, ax] = sort_operand(a, axis, "topk", s);
  ShapeElem n = x.shape(ax);
  if (k < 0 || k > n) {
    throw std::invalid_argument(
        msg("[topk] Invalid k=", k, " for an axis of size ", n, "."));
  }
  if (k == 0) {
    Shape sh = x.shape();
    sh[ax] = 0;
    return zeros(sh, x.dtype(), s);
  }
  auto p = partition(x, static_cast<int>(n - k), ax, s);
  Shape start(x.ndim(), 0), stop = x.shape();
  start[ax] = n - k;
  return slice(p, start, stop, s);
}

array searchsorted(const array& sorted_sequence, const array& values,
                   const std::string& side, StreamOrDevice s) {
  if (sorted_sequence.ndim() != 1) {
    throw std::invalid_argument(
        msg("[searchsorted] The sorted sequence must be 1-D but has ",
            sorted_sequence.ndim(), " dimensions."));
  }
  if (side != "left" && side != "right") {
    throw std::invalid_argument(
        msg("[searchsorted] side must be 'left' or 'right', got '", side, "'."));
  }
  auto st = to_stream(s);
  auto dtype = promote_types(sorted_sequence.dtype(), values.dtype());
  return array(values.shape(), uint32, std::make_shared<SearchSorted>(st, side == "right"),
               {astype(sorted_sequence, dtype, st), astype(values, dtype, st)});
}

array diff(const array& a, int n, int axis, StreamOrDevice s) {
  if (n < 0) throw std::invalid_argument("[diff] Order must be non-negative.");
  if (a.ndim() == 0) {
    throw std::invalid_argument("[diff] Requires an array of at least one dimension.");
  }
  int ax = normalize_axis(axis, a.ndim(), "diff");
  array out = a;
  for (int i = 0; i < n; ++i) {
    ShapeElem len = out.shape(ax);
    if (len == 0) break;
    Shape s0(out.ndim(), 0), e0 = out.shape(), s1(out.ndim(), 0), e1 = out.shape();
    e0[ax] = len - 1;
    s1[ax] = 1;
    auto lo = slice(out, s0, e0, s);
    auto hi = slice(out, s1, e1, s);
    out = out.dtype() == bool_ ? not_equal(hi, lo, s) : subtract(hi, lo, s);
  }
  return out;
}

}  // namespace lumex::core
