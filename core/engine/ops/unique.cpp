// unique in MLX's static-size form, built from sort, search and gather ops, so
// it stays lazy (no data-dependent shape) and differentiates and batches
// through their rules.
#include <stdexcept>

#include "engine/ops.h"
#include "engine/utils.h"

namespace lumex::core {

std::vector<array> unique(const array& a, int size,
                          const std::optional<array>& fill_value, StreamOrDevice s) {
  if (size < 0) {
    throw std::invalid_argument(msg("[unique] Received negative size ", size, "."));
  }
  auto st = to_stream(s);
  const Dtype dt = a.dtype();
  const Shape out_shape{size};
  std::optional<array> fill;
  if (fill_value) {
    if (fill_value->size() != 1) {
      throw std::invalid_argument(
          msg("[unique] Fill value must have one element, but got shape ",
              shape_str(fill_value->shape()), "."));
    }
    fill = astype(reshape(*fill_value, {}, st), dt, st);
  }
  const auto n = static_cast<ShapeElem>(a.size());
  if (n == 0) {
    if (size > 0 && !fill) {
      throw std::invalid_argument(
          "[unique] A fill value is required for an empty input with a non-zero size.");
    }
    array values = fill ? full(out_shape, *fill, dt, st) : zeros(out_shape, dt, st);
    return {values, zeros(out_shape, uint32, st), zeros(a.shape(), uint32, st),
            zeros(out_shape, int32, st)};
  }

  array flat = reshape(a, {n}, st);
  // argsort is stable and ranks -0.0 with 0.0, so each run of equal values
  // starts at its first occurrence.
  array order = argsort(flat, 0, st);
  array sorted = take(flat, order, 0, st);
  // A sorted position starts a new group where it differs from the previous
  // one; NaN != NaN, so every NaN is a group of its own.
  array differs = not_equal(slice(sorted, {1}, {n}, st), slice(sorted, {0}, {n - 1}, st), st);
  array is_new = concatenate({ones({1}, bool_, st), differs}, 0, st);
  array group = subtract(cumsum(astype(is_new, int32, st), 0, false, true, std::nullopt, st),
                         array(1, int32), st);

  // Group k occupies sorted positions [starts[k], ends[k]); both are
  // n past the last group.
  array ks = arange(static_cast<double>(size), int32, st);
  array starts = searchsorted(group, ks, "left", st);
  array ends = searchsorted(group, ks, "right", st);
  array counts = astype(subtract(ends, starts, st), int32, st);
  array present = greater(counts, array(0, int32), st);
  array last = array(static_cast<uint32_t>(n - 1), uint32);
  array first = take(order, minimum(starts, last, st), 0, st);
  // Padding points at the first unique element, as in MLX.
  array index = where(present, first, take(order, 0, 0, st), st);
  array values = take(flat, index, 0, st);
  if (fill) values = where(present, values, *fill, st);

  // Dropped groups (a truncating size) map to the last kept entry.
  array clamped = astype(minimum(group, array(std::max(size - 1, 0), int32), st), uint32, st);
  array inverse = scatter(zeros({n}, uint32, st), {order}, reshape(clamped, {n, 1}, st),
                          {0}, st);
  return {values, index, reshape(inverse, a.shape(), st), counts};
}

}  // namespace lumex::core
