// Graph walks shared by the function transforms.
#pragma once

#include <unordered_set>
#include <vector>

#include "engine/array.h"

namespace lumex::core::detail {

/// Nodes on a path from `sources` (array ids) to `outputs`, in topological order
/// (inputs first), one entry per primitive; sources themselves are excluded.
/// Iterative depth-first search. Graph leaves end paths, and so do StopGradient
/// nodes when `stop_gradients` is set: differentiation must not see through
/// them, but compile and vmap must replay them like any other op (otherwise the
/// traced value would be captured as a constant that still reads the tracers).
/// If `on_path` is given, it receives the ids of every array on such a path.
std::vector<array> tape_between(const std::unordered_set<uint64_t>& sources,
                                const std::vector<array>& outputs,
                                std::unordered_set<uint64_t>* on_path = nullptr,
                                bool stop_gradients = false);

/// All outputs of the primitive that computes `node` (just `node` if it is alone).
std::vector<array> primitive_outputs(const array& node);

/// Ops that turn an input's shape into a value (mean's element count) call this
/// while a transform traces; a shapeless compile does not resize such a trace.
void note_shape_read();
/// How many times note_shape_read ran on this thread.
uint64_t shape_reads();

}  // namespace lumex::core::detail
