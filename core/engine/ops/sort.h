// Sorting and searching along an axis. NaNs sort last; index outputs are uint32.
#pragma once

#include <optional>
#include <string>

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
/// The n-th discrete difference along `axis`.
array diff(const array& a, int n = 1, int axis = -1, StreamOrDevice s = {});

}  // namespace lumex::core
