// Reductions, scans, softmax and the whole-array comparisons built on them.
// `axes` empty with `all_axes` means "every axis" (Python's axis=None).
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

/// None (all axes) or an explicit list, as Python passes them.
using Axes = std::optional<std::vector<int>>;

array sum(const array& a, const Axes& axes = {}, bool keepdims = false,
          StreamOrDevice s = {});
array prod(const array& a, const Axes& axes = {}, bool keepdims = false,
           StreamOrDevice s = {});
array max(const array& a, const Axes& axes = {}, bool keepdims = false,
          StreamOrDevice s = {});
array min(const array& a, const Axes& axes = {}, bool keepdims = false,
          StreamOrDevice s = {});
array all(const array& a, const Axes& axes = {}, bool keepdims = false,
          StreamOrDevice s = {});
array any(const array& a, const Axes& axes = {}, bool keepdims = false,
          StreamOrDevice s = {});
array mean(const array& a, const Axes& axes = {}, bool keepdims = false,
           StreamOrDevice s = {});
array var(const array& a, const Axes& axes = {}, bool keepdims = false,
          int ddof = 0, StreamOrDevice s = {});
array std(const array& a, const Axes& axes = {}, bool keepdims = false,
          int ddof = 0, StreamOrDevice s = {});
array logsumexp(const array& a, const Axes& axes = {}, bool keepdims = false,
                StreamOrDevice s = {});
array count_nonzero(const array& a, const Axes& axes = {},
                    bool keepdims = false, StreamOrDevice s = {});
array median(const array& a, const Axes& axes = {}, bool keepdims = false,
             StreamOrDevice s = {});
std::pair<array, array> minmax(const array& a, const Axes& axes = {},
                               bool keepdims = false, StreamOrDevice s = {});

array argmax(const array& a, std::optional<int> axis = {},
             bool keepdims = false, StreamOrDevice s = {});
array argmin(const array& a, std::optional<int> axis = {},
             bool keepdims = false, StreamOrDevice s = {});

array softmax(const array& a, const Axes& axes = {}, bool precise = false,
              StreamOrDevice s = {});

// Scans: axis None flattens first. `dtype` (cumsum/cumprod) converts the input first.
array cumsum(const array& a, std::optional<int> axis = {}, bool reverse = false,
             bool inclusive = true, std::optional<Dtype> dtype = {},
             StreamOrDevice s = {});
array cumprod(const array& a, std::optional<int> axis = {}, bool reverse = false,
              bool inclusive = true, std::optional<Dtype> dtype = {},
              StreamOrDevice s = {});
array cummax(const array& a, std::optional<int> axis = {}, bool reverse = false,
             bool inclusive = true, StreamOrDevice s = {});
array cummin(const array& a, std::optional<int> axis = {}, bool reverse = false,
             bool inclusive = true, StreamOrDevice s = {});
array logcumsumexp(const array& a, std::optional<int> axis = {},
                   bool reverse = false, bool inclusive = true,
                   StreamOrDevice s = {});

/// 0-d bool: every element of a and b (broadcast) is close.
array allclose(const array& a, const array& b, double rtol = 1e-5,
               double atol = 1e-8, bool equal_nan = false, StreamOrDevice s = {});
/// 0-d bool: same shape and equal values (after promotion).
array array_equal(const array& a, const array& b, bool equal_nan = false,
                  StreamOrDevice s = {});

}  // namespace lumex::core
