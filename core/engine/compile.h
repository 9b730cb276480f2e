// Compilation as capture and replay: the function is traced once on placeholders
// of its inputs' shapes and dtypes; later calls rebuild that graph on new inputs
// without running the function. Two passes run on the trace first: simplification
// (equal scalar constants merged, common subexpressions computed once), then fusion.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "engine/autodiff.h"
#include "engine/primitives/fused.h"

namespace lumex::core {

class CompiledGraph {
 public:
  /// Traces fun on placeholders shaped like `inputs`.
  CompiledGraph(const ArrayFun& fun, const std::vector<array>& inputs);
  /// The outputs of the traced function for new inputs of the same shapes/dtypes.
  std::vector<array> replay(const std::vector<array>& inputs) const;
  /// The same for inputs of the traced ranks and dtypes but other sizes (MLX's
  /// shapeless compile): each step's result shapes come from its primitive's
  /// output_shapes. Empty when a step cannot tell (the caller traces again).
  std::optional<std::vector<array>> replay_shapeless(const std::vector<array>& inputs) const;
  size_t num_nodes() const { return steps_.size(); }
  size_t num_outputs() const { return outputs_.size(); }
  /// Traced steps before the passes (num_nodes() is what a replay runs).
  size_t num_traced() const { return traced_.size(); }

  /// What fuse() decided about one traced step (the notebook's compile X-ray).
  struct TracedStep {
    std::string op;
    std::vector<uint64_t> out_ids;
    std::vector<uint64_t> in_ids;
    long group = -1;     // fused group index, -1 when the step runs on its own
    std::string reason;  // why a step fusion could take was left out, else empty
  };
  /// A value simplify() replaced by an equal one: a step's output merged into the
  /// same output of an identical earlier step, or a scalar constant into an equal one.
  struct Merged {
    uint64_t id;    // the value dropped
    uint64_t into;  // the value computed (or read) instead
    std::string reason;
  };
  const std::vector<Merged>& merged() const { return merged_; }
  /// Every traced step in topological order, before fusion.
  const std::vector<TracedStep>& traced_steps() const { return traced_; }
  /// The traced outputs and placeholders (their graph is the trace before fusion).
  const std::vector<array>& traced_outputs() const { return outputs_; }
  const std::vector<array>& placeholders() const { return placeholders_; }

 private:
  /// One primitive to rebuild per replay. Inputs are traced arrays: looked up
  /// among this replay's fresh arrays by id, else used as they are (constants).
  struct Step {
    std::shared_ptr<Primitive> prim;
    std::vector<array> inputs;
    std::vector<uint64_t> out_ids;
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
  };
  /// For shapeless replays: the values an implicit Broadcast (one only elementwise
  /// ops read) must match, and each such Broadcast moved just before its first reader.
  void plan_resizing();
  std::optional<std::vector<array>> replay_steps(const std::vector<array>& inputs,
                                                bool reshape) const;
  /// Merges equal scalar constants, then steps that apply an equivalent primitive
  /// to the same inputs (common subexpressions). `values` are each step's traced outputs.
  void simplify(const std::vector<std::vector<array>>& values);
  /// Replaces chains of float32 elementwise steps by Fused steps.
  void fuse();
  void split_scalar_broadcasts(std::unordered_map<uint64_t, int>& readers,
                               const std::function<bool(const Step&, FusedStep::Op&)>& fusable);
  /// Raises if the outputs reach an argument other than through its placeholder.
  void check_captured(const std::vector<array>& inputs,
                      const std::unordered_set<uint64_t>& sources) const;

  std::vector<array> placeholders_;
  std::vector<Step> steps_;  // in topological order
  std::vector<array> outputs_;     // as traced (the X-ray draws their graph)
  std::vector<array> results_;     // what a replay returns: outputs_ after simplify()
  std::vector<TracedStep> traced_;
  std::vector<Merged> merged_;
  /// Broadcast output id -> (value, computed by the replay) its target follows.
  std::unordered_map<uint64_t, std::vector<std::pair<array, bool>>> broadcast_roots_;
  bool reads_shapes_ = false;  // an op made a value of a traced shape (not resizable)
};

/// Global switch (MLX's disable_compile / enable_compile).
bool compile_enabled();
void set_compile_enabled(bool enabled);

}  // namespace lumex::core
