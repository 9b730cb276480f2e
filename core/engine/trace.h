// Graph walks shared by the function transforms.
#pragma once

#include <unordered_set>
#include <vector>

#include "engine/array.h"

namespace lumex::core::detail {

/// Nodes on a path from `sources` (array ids) to `outputs`, in topological order
/// (inputs first), one entry per primitive; sources themselves are excluded.
/// Iterative depth-first search. Graph leaves and StopGradient nodes end paths.
/// If `on_path` is given, it receives the ids of every array on such a path.
std::vector<array> tape_between(const std::unordered_set<uint64_t>& sources,
                                const std::vector<array>& outputs,
                                std::unordered_set<uint64_t>* on_path = nullptr);

/// All outputs of the primitive that computes `node` (just `node` if it is alone).
std::vector<array> primitive_outputs(const array& node);

}  // namespace lumex::core::detail
