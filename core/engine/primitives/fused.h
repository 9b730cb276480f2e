// A chain of float32 elementwise ops fused by compile into one pass over memory.
#pragma once

#include <memory>

#include "engine/primitives/base.h"

namespace lumex::core {

/// The ops compile can fuse, as X(op, Primitive, arity): the one list the enum,
/// the names, the primitive mapping and the arity are generated from.
#define LUMEX_FUSED_OPS(X)                                                      \
  X(add, Add, 2) X(subtract, Subtract, 2) X(multiply, Multiply, 2)              \
  X(divide, Divide, 2) X(maximum, Maximum, 2) X(minimum, Minimum, 2)            \
  X(negative, Negative, 1) X(abs, Abs, 1) X(square, Square, 1) X(sqrt, Sqrt, 1) \
  X(rsqrt, Rsqrt, 1) X(exp, Exp, 1) X(log, Log, 1) X(sin, Sin, 1)               \
  X(cos, Cos, 1) X(tanh, Tanh, 1) X(sigmoid, Sigmoid, 1) X(erf, Erf, 1)         \
  X(expm1, Expm1, 1) X(log1p, Log1p, 1) X(broadcast, Broadcast, 1)

/// One step of a fused program: `op` on registers a (and b), result in register
/// `out`. Registers 0..num_inputs-1 hold the inputs.
struct FusedStep {
#define LUMEX_FUSED_ENUM(OP, PRIM, ARITY) OP,
  enum class Op : uint8_t { LUMEX_FUSED_OPS(LUMEX_FUSED_ENUM) };
#undef LUMEX_FUSED_ENUM
  static const char* name(Op op);
  static bool is_binary(Op op);
  Op op;
  int a, b, out;
  /// The original primitive and its result's shape, to rebuild the unfused graph
  /// for transforms.
  std::shared_ptr<Primitive> prim;
  Shape shape;
};

/// Inputs: float32 arrays of the output's shape, or single elements. Evaluates
/// the whole program per cache-sized block, so intermediates never reach memory.
class Fused : public UnaryPrimitive {
 public:
  Fused(Stream s, int num_inputs, std::vector<FusedStep> steps)
      : UnaryPrimitive(s), num_inputs_(num_inputs), steps_(std::move(steps)) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Fused)
  LUMEX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) const override;
  /// ops (names in order), inputs (how many) and args (each step's registers a, b;
  /// b = -1 for a unary op; step j writes register inputs + j).
  LUMEX_PARAMS
  bool is_equivalent(const Primitive&) const override { return false; }

  /// Maps an elementwise primitive to its fused op; false if it cannot be fused.
  static bool fusable(const Primitive& p, FusedStep::Op& op);
  /// MLX's name for such a node: "Compiled" and the fused primitives' names in
  /// order (what export_to_dot prints).
  std::string label() const;

 private:
  /// The fused ops rebuilt as ordinary graph nodes on `inputs`.
  array expand(const std::vector<array>& inputs) const;

  int num_inputs_;
  std::vector<FusedStep> steps_;
};

}  // namespace lumex::core
