// Vectorizing map: runs a function over a batch axis of its inputs by tracing it
// once on unbatched placeholders and replaying the graph with each primitive's
// batching rule.
#pragma once

#include <limits>

#include "engine/autodiff.h"

namespace lumex::core {

/// Marks an input or output without a batch axis (None in Python).
constexpr int no_axis = std::numeric_limits<int>::min();

/// in_axes[i] / out_axes[j]: the batch axis of input i / output j, or no_axis.
std::vector<array> vmap(const ArrayFun& fun, const std::vector<array>& inputs,
                        const std::vector<int>& in_axes,
                        const std::vector<int>& out_axes);
/// The same, with out_axes asked for after tracing (when the outputs are known).
std::vector<array> vmap(const ArrayFun& fun, const std::vector<array>& inputs,
                        const std::vector<int>& in_axes,
                        const std::function<std::vector<int>()>& out_axes);

}  // namespace lumex::core
