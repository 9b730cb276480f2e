// Graph walks shared by the function transforms.
#pragma once

#include <unordered_set>
#include <vector>

#include "engine/array.h"

namespace lumex::core::detail {

/// Nodes on a path from `sources` (array ids) to `outputs`, in topological order
/// (inputs first), one entry per primitive; sources themselves are excluded.
/// Iterative depth-first search. Graph leaves end paths, and so do StopGradient
/// nodes when `stop_gradients` is set (differentiation); compile and vmap must
/// see through them, or what follows a stop_gradient would look constant.
/// If `on_path` is given, it receives the ids of every array on such a path.
std::vector<array> tape_between(const std::unordered_set<uint64_t>& sources,
                                const std::vector<array>& outputs,
                                std::unordered_set<uint64_t>* on_path = nullptr,
                                bool stop_gradients = true);

/// All outputs of the primitive that computes `node` (just `node` if it is alone).
std::vector<array> primitive_outputs(const array& node);

}  // namespace lumex::core::detail
