// A chain of float32 elementwise ops fused by compile into one pass over memory.
#pragma once

#include <memory>

#include "engine/primitives/base.h"

namespace lumex::core {

/// One step of a fused program: `op` on registers a (and b), result in register
/// `out`. Registers 0..num_inputs-1 hold the inputs.
struct FusedStep {
  enum class Op : uint8_t {
    add, subtract, multiply, divide, maximum, minimum,
    negative, abs, square, sqrt, rsqrt, exp, log, sin, cos, tanh, sigmoid,
    erf, expm1, log1p,
  };
  Op op;
  int a, b, out;
  /// The original primitive, to rebuild the unfused graph for transforms.
  std::shared_ptr<Primitive> prim;
};

/// Inputs: float32 arrays of the output's shape, or single elements. Evaluates
/// the whole program per cache-sized block, so intermediates never reach memory.
class Fused : public UnaryPrimitive {
 public:
  Fused(Stream s, int num_inputs, std::vector<FusedStep> steps)
      : UnaryPrimitive(s), num_inputs_(num_inputs), steps_(std::move(steps)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  LUMEX_DEFINE_NAME(Fused)
  LUMEX_TRANSFORM_RULES
  std::vector<std::pair<std::string, std::string>> params() const override;
  bool is_equivalent(const Primitive&) const override { return false; }

  /// Maps an elementwise primitive to its fused op; false if it cannot be fused.
  static bool fusable(const Primitive& p, FusedStep::Op& op);

 private:
  /// The fused ops rebuilt as ordinary graph nodes on `inputs`.
  array expand(const std::vector<array>& inputs) const;

  int num_inputs_;
  std::vector<FusedStep> steps_;
};

}  // namespace lumex::core
