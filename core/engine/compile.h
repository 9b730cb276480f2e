// Compilation as capture and replay: the function is traced once on placeholders
// of its inputs' shapes and dtypes; later calls rebuild that graph on new inputs
// without running the function (fusing kernels belongs to the CPU speed work).
#pragma once

#include <memory>
#include <string>

#include "engine/autodiff.h"

namespace lumex::core {

class CompiledGraph {
 public:
  /// Traces fun on placeholders shaped like `inputs`.
  CompiledGraph(const ArrayFun& fun, const std::vector<array>& inputs);
  /// The outputs of the traced function for new inputs of the same shapes/dtypes.
  std::vector<array> replay(const std::vector<array>& inputs) const;
  size_t num_nodes() const { return steps_.size(); }
  size_t num_outputs() const { return outputs_.size(); }

  /// What fuse() decided about one traced step (the notebook's compile X-ray).
  struct TracedStep {
    std::string op;
    std::vector<uint64_t> out_ids;
    std::vector<uint64_t> in_ids;
    long group = -1;     // fused group index, -1 when the step runs on its own
    std::string reason;  // why a step fusion could take was left out, else empty
  };
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
  /// Replaces chains of float32 elementwise steps by Fused steps.
  void fuse();

  std::vector<array> placeholders_;
  std::vector<Step> steps_;  // in topological order
  std::vector<array> outputs_;
  std::vector<TracedStep> traced_;
};

/// Global switch (MLX's disable_compile / enable_compile).
bool compile_enabled();
void set_compile_enabled(bool enabled);

}  // namespace lumex::core
