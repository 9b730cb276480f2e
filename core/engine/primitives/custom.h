// A function with user-supplied transform rules (custom_function, checkpoint).
#pragma once

#include "engine/autodiff.h"
#include "engine/primitives/base.h"

namespace lumex::core {

/// Inputs: the function's outputs (gradient-stopped, already computed lazily)
/// followed by its inputs. Evaluation passes the outputs through; the rules are
/// the user's, or else the transform of `fun` itself.
class CustomTransforms : public Primitive {
 public:
  CustomTransforms(Stream s, int num_outputs, ArrayFun fun, CustomVjp vjp_rule,
                   CustomJvp jvp_rule, CustomVmap vmap_rule)
      : Primitive(s),
        num_outputs_(num_outputs),
        fun_(std::move(fun)),
        vjp_rule_(std::move(vjp_rule)),
        jvp_rule_(std::move(jvp_rule)),
        vmap_rule_(std::move(vmap_rule)) {}
  LUMEX_EVAL_MULTI
  LUMEX_DEFINE_NAME(CustomTransforms)
  LUMEX_TRANSFORM_RULES
  bool is_equivalent(const Primitive&) const override { return false; }

 private:
  int num_outputs_;
  ArrayFun fun_;
  CustomVjp vjp_rule_;
  CustomJvp jvp_rule_;
  CustomVmap vmap_rule_;
};

/// Stands for a vmapped function's input while the function is traced; it has
/// no data, and evaluating it is an error.
class Placeholder : public UnaryPrimitive {
 public:
  explicit Placeholder(Stream s) : UnaryPrimitive(s) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Placeholder)
  LUMEX_TRANSFORM_RULES  // trivial: it has no inputs
};

}  // namespace lumex::core
