// Indexing ops: gather/scatter, take/put along an axis, static and dynamic slice
// updates, and NumPy-style index expressions (the engine side of __getitem__,
// __setitem__ and `.at`). Out-of-range indices raise std::out_of_range: Python
// ints when the graph is built, index arrays when the kernel runs.
#pragma once

#include <optional>
#include <vector>

#include "engine/array.h"
#include "engine/device.h"
#include "engine/primitives/indexing.h"

namespace lumex::core {

/// Slices of `a` at the given index arrays (broadcast together; shape I) along
/// `axes`: the result has shape I + slice_sizes.
array gather(const array& a, const std::vector<array>& indices,
             const std::vector<int>& axes, const Shape& slice_sizes,
             StreamOrDevice s = {});
/// Writes `updates` (shape I + one slice dim per axis of `a`) into a copy of `a`
/// at the index arrays along `axes`; a repeated index keeps the last write.
array scatter(const array& a, const std::vector<array>& indices,
              const array& updates, const std::vector<int>& axes,
              StreamOrDevice s = {});
/// Like scatter, combining with the existing values (repeated indices accumulate).
array scatter_add(const array& a, const std::vector<array>& indices,
                  const array& updates, const std::vector<int>& axes,
                  StreamOrDevice s = {});
array scatter_prod(const array& a, const std::vector<array>& indices,
                   const array& updates, const std::vector<int>& axes,
                   StreamOrDevice s = {});
array scatter_max(const array& a, const std::vector<array>& indices,
                  const array& updates, const std::vector<int>& axes,
                  StreamOrDevice s = {});
array scatter_min(const array& a, const std::vector<array>& indices,
                  const array& updates, const std::vector<int>& axes,
                  StreamOrDevice s = {});

/// `a` with a[start:stop:strides] (normalized as slice() does) replaced by
/// `update`, which broadcasts to the slice's shape.
array slice_update(const array& a, const array& update, Shape start, Shape stop,
                   Shape strides, StreamOrDevice s = {});
/// Dynamic slice: a block of shape `slice_size` (one entry per axis of `a`, as
/// MLX; or one per entry of `axes`, other axes whole) starting at start_indices
/// along `axes` (0 elsewhere). Start indices are checked when evaluated.
array slice(const array& a, const array& start_indices, std::vector<int> axes,
            const Shape& slice_size, StreamOrDevice s = {});
/// Dynamic slice update: `update` (a's ndim) written at start_indices along axes.
array slice_update(const array& a, const array& update, const array& start_indices,
                   std::vector<int> axes, StreamOrDevice s = {});

/// Elements of the flattened `a` at `indices`.
array take(const array& a, const array& indices, StreamOrDevice s = {});
array take(const array& a, const array& indices, int axis, StreamOrDevice s = {});
array take(const array& a, int index, int axis, StreamOrDevice s = {});
/// Element `index` of the flattened `a` (a 0-d gather, checked when evaluated).
array take(const array& a, int index, StreamOrDevice s = {});
/// Without an axis, `a` and `indices` are flattened.
array take_along_axis(const array& a, const array& indices,
                      std::optional<int> axis, StreamOrDevice s = {});
array put_along_axis(const array& a, const array& indices, const array& values,
                     std::optional<int> axis, StreamOrDevice s = {});
/// put_along_axis that accumulates repeated indices.
array scatter_add_axis(const array& a, const array& indices, const array& values,
                       int axis, StreamOrDevice s = {});

/// a[mask] = values as MLX does it, lazily (no evaluation of the mask): `mask` is
/// boolean with a's leading shape; values are read in row-major order, one row of
/// a's remaining axes per masked entry. Values with at most that many axes are
/// broadcast to a; one more axis counts rows. Too few values fail when evaluated.
array masked_scatter(const array& a, const array& mask, const array& values,
                     StreamOrDevice s = {});

/// One entry of a NumPy index expression.
struct IndexEntry {
  enum Kind { Int, Slice, NewAxis, Ellipsis, Array } kind;
  int64_t value = 0;  // Int
  std::optional<int64_t> start, stop, step;  // Slice
  std::optional<array> arr;  // Array: integer or bool
  static IndexEntry integer(int64_t v) { return {Int, v, {}, {}, {}, {}}; }
  static IndexEntry slice(std::optional<int64_t> start, std::optional<int64_t> stop,
                          std::optional<int64_t> step) {
    return {Slice, 0, start, stop, step, {}};
  }
  static IndexEntry new_axis() { return {NewAxis, 0, {}, {}, {}, {}}; }
  static IndexEntry ellipsis() { return {Ellipsis, 0, {}, {}, {}, {}}; }
  static IndexEntry array_index(array a) { return {Array, 0, {}, {}, {}, std::move(a)}; }
};

/// a[entries] with NumPy's rules: basic indexing gives views, integer arrays
/// (and ints mixed with them) broadcast together, and their dims go where the
/// first of them stood if they are adjacent, in front otherwise. A boolean mask
/// is replaced by its nonzero positions, which evaluates it.
array index(const array& a, std::vector<IndexEntry> entries, StreamOrDevice s = {});
/// `a` with a[entries] combined with `update` (cast to a's dtype, broadcast to
/// the indexed shape) by `reduce`: None replaces (a repeated index keeps one
/// write), the others accumulate repeated indices (`a.at[idx].add(...)`).
array index_update(const array& a, std::vector<IndexEntry> entries,
                   const array& update, Scatter::ReduceType reduce = Scatter::None,
                   StreamOrDevice s = {});

/// The methods of MLX's `a.at[idx]`.
enum class AtUpdate { add, subtract, multiply, divide, maximum, minimum };
/// `a.at[entries].<how>(update)`: index_update with the matching reduction
/// (subtract adds -update, divide multiplies by 1/update).
array index_update(const array& a, std::vector<IndexEntry> entries,
                   const array& update, AtUpdate how, StreamOrDevice s = {});

}  // namespace lumex::core
