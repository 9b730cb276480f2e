// Compilation as capture and replay: the function is traced once on placeholders
// of its inputs' shapes and dtypes; later calls rebuild that graph on new inputs
// without running the function (fusing kernels belongs to the CPU speed work).
#pragma once

#include <memory>

#include "engine/autodiff.h"

namespace lumex::core {

class CompiledGraph {
 public:
  /// Traces fun on placeholders shaped like `inputs`.
  CompiledGraph(const ArrayFun& fun, const std::vector<array>& inputs);
  /// The outputs of the traced function for new inputs of the same shapes/dtypes.
  std::vector<array> replay(const std::vector<array>& inputs) const;
  size_t num_nodes() const { return tape_.size(); }
  size_t num_outputs() const { return outputs_.size(); }

 private:
  std::vector<array> placeholders_;
  std::vector<array> tape_;  // nodes depending on the inputs, inputs first
  std::vector<array> outputs_;
};

/// Global switch (MLX's disable_compile / enable_compile).
bool compile_enabled();
void set_compile_enabled(bool enabled);

}  // namespace lumex::core
