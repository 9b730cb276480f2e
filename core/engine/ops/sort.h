// Sorting and searching along an axis. NaNs sort last; index outputs are uint32.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

/// Sorted along `axis`; without an axis the flattened array is sorted.
array sort(const array& a, std::optional<int> axis = -1, StreamOrDevice s = {});
array argsort(const array& a, std::optional<int> axis = -1, StreamOrDevice s = {});
/// Element kth in sorted position, smaller-or-equal ones before it, the rest after.
array partition(const array& a, int kth, std::optional<int> axis = -1,
                StreamOrDevice s = {});
array argpartition(const array& a, int kth, std::optional<int> axis = -1,
                   StreamOrDevice s = {});
/// The k largest elements along `axis`, in no particular order.
array topk(const array& a, int k, std::optional<int> axis = -1, StreamOrDevice s = {});
/// Insertion points (uint32) of `values` in the 1-D ascending `sorted_sequence`;
/// side is "left" (count of smaller elements) or "right" (smaller or equal).
array searchsorted(const array& sorted_sequence, const array& values,
                   const std::string& side = "left", StreamOrDevice s = {});
/// The sorted unique elements of the flattened `a`, in a static `size` (MLX's
/// form): returns {values, index of the first occurrence (uint32), inverse
/// (uint32, shaped like a), counts (int32)}. Entries past the last unique
/// element hold `fill_value` (default: the first unique value) and count 0; a
/// smaller size keeps the smallest elements. -0.0 equals 0.0; each NaN is its own.
std::vector<array> unique(const array& a, int size,
                          const std::optional<array>& fill_value = std::nullopt,
                          StreamOrDevice s = {});
/// The n-th discrete difference along `axis`.
array diff(const array& a, int n = 1, int axis = -1, StreamOrDevice s = {});

}  // namespace lumex::core
