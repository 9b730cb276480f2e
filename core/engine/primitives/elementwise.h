// Elementwise primitives: unary, binary, ternary, and dtype conversion.
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/params.h"

namespace lumex::core {

/// Elementwise primitives share their rules: vmap re-applies the op to aligned
/// inputs, and differentiable ones derive jvp and vjp from their partials.
class Elementwise : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  LUMEX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) const override;
  /// The op on new inputs (for vmap); inputs keep the primitive's input dtypes.
  virtual array apply(const std::vector<array>& in) const = 0;
  /// d(out)/d(input i) for each input, broadcastable to the output; an empty
  /// vector means the output does not depend smoothly on the inputs (zero rules).
  virtual std::vector<array> partials(const std::vector<array>& in,
                                      const array& out) const {
    return {};
  }
  /// MLX's complex convention: a vjp is cotangent * conj(partial). Power keeps
  /// the partial unconjugated, as MLX does.
  virtual bool conjugate_partials() const { return true; }
  /// Conjugation itself is antilinear: its rules conjugate the (co)tangent.
  virtual bool antilinear() const { return false; }
};

#define LUMEX_ELEMENTWISE(NAME, SMOOTH)                                   \
  class NAME : public Elementwise {                                       \
   public:                                                                \
    explicit NAME(Stream s) : Elementwise(s) {}                           \
    LUMEX_EVAL                                                            \
    LUMEX_DEFINE_NAME(NAME)                                               \
    array apply(const std::vector<array>& in) const override;             \
    SMOOTH                                                                \
  };
#define LUMEX_PARTIALS                                                     \
  std::vector<array> partials(const std::vector<array>& in, const array& out) \
      const override;
// A differentiable elementwise primitive and one whose gradients are zero.
#define LUMEX_SIMPLE_PRIMITIVE(NAME) LUMEX_ELEMENTWISE(NAME, LUMEX_PARTIALS)
#define LUMEX_ZERO_GRAD_PRIMITIVE(NAME) LUMEX_ELEMENTWISE(NAME, )

LUMEX_SIMPLE_PRIMITIVE(Abs)
LUMEX_SIMPLE_PRIMITIVE(Negative)
LUMEX_ZERO_GRAD_PRIMITIVE(Sign)
LUMEX_SIMPLE_PRIMITIVE(Square)
LUMEX_SIMPLE_PRIMITIVE(Sqrt)
LUMEX_SIMPLE_PRIMITIVE(Rsqrt)
LUMEX_SIMPLE_PRIMITIVE(Exp)
LUMEX_SIMPLE_PRIMITIVE(Expm1)
LUMEX_SIMPLE_PRIMITIVE(Log1p)
LUMEX_SIMPLE_PRIMITIVE(Sin)
LUMEX_SIMPLE_PRIMITIVE(Cos)
LUMEX_SIMPLE_PRIMITIVE(Tan)
LUMEX_SIMPLE_PRIMITIVE(ArcSin)
LUMEX_SIMPLE_PRIMITIVE(ArcCos)
LUMEX_SIMPLE_PRIMITIVE(ArcTan)
LUMEX_SIMPLE_PRIMITIVE(Sinh)
LUMEX_SIMPLE_PRIMITIVE(Cosh)
LUMEX_SIMPLE_PRIMITIVE(Tanh)
LUMEX_SIMPLE_PRIMITIVE(ArcSinh)
LUMEX_SIMPLE_PRIMITIVE(ArcCosh)
LUMEX_SIMPLE_PRIMITIVE(ArcTanh)
LUMEX_SIMPLE_PRIMITIVE(Sigmoid)
LUMEX_SIMPLE_PRIMITIVE(Erf)
LUMEX_SIMPLE_PRIMITIVE(ErfInv)
LUMEX_ZERO_GRAD_PRIMITIVE(Floor)
LUMEX_ZERO_GRAD_PRIMITIVE(Ceil)
LUMEX_ZERO_GRAD_PRIMITIVE(Trunc)
LUMEX_SIMPLE_PRIMITIVE(Real)
LUMEX_SIMPLE_PRIMITIVE(Imag)
LUMEX_ELEMENTWISE(Conjugate, LUMEX_PARTIALS bool antilinear() const override { return true; })
LUMEX_ZERO_GRAD_PRIMITIVE(LogicalNot)
LUMEX_ZERO_GRAD_PRIMITIVE(BitwiseInvert)
LUMEX_ZERO_GRAD_PRIMITIVE(IsNaN)
LUMEX_ZERO_GRAD_PRIMITIVE(IsInf)
LUMEX_ZERO_GRAD_PRIMITIVE(IsPosInf)
LUMEX_ZERO_GRAD_PRIMITIVE(IsNegInf)
/// Passes its input through and blocks gradients.
LUMEX_ZERO_GRAD_PRIMITIVE(StopGradient)

LUMEX_SIMPLE_PRIMITIVE(Add)
LUMEX_SIMPLE_PRIMITIVE(Subtract)
LUMEX_SIMPLE_PRIMITIVE(Multiply)
LUMEX_SIMPLE_PRIMITIVE(Divide)
LUMEX_ZERO_GRAD_PRIMITIVE(FloorDivide)
LUMEX_SIMPLE_PRIMITIVE(Remainder)
LUMEX_ELEMENTWISE(Power,
                  LUMEX_PARTIALS bool conjugate_partials() const override { return false; })
LUMEX_SIMPLE_PRIMITIVE(Maximum)
LUMEX_SIMPLE_PRIMITIVE(Minimum)
LUMEX_SIMPLE_PRIMITIVE(ArcTan2)
LUMEX_SIMPLE_PRIMITIVE(LogAddExp)
LUMEX_ZERO_GRAD_PRIMITIVE(NotEqual)
LUMEX_ZERO_GRAD_PRIMITIVE(Greater)
LUMEX_ZERO_GRAD_PRIMITIVE(GreaterEqual)
LUMEX_ZERO_GRAD_PRIMITIVE(Less)
LUMEX_ZERO_GRAD_PRIMITIVE(LessEqual)
LUMEX_ZERO_GRAD_PRIMITIVE(LogicalAnd)
LUMEX_ZERO_GRAD_PRIMITIVE(LogicalOr)
LUMEX_ZERO_GRAD_PRIMITIVE(BitwiseAnd)
LUMEX_ZERO_GRAD_PRIMITIVE(BitwiseOr)
LUMEX_ZERO_GRAD_PRIMITIVE(BitwiseXor)
LUMEX_ZERO_GRAD_PRIMITIVE(LeftShift)
LUMEX_ZERO_GRAD_PRIMITIVE(RightShift)

/// where(condition, x, y)
LUMEX_SIMPLE_PRIMITIVE(Select)

class Log : public Elementwise {
 public:
  enum class Base { e, two, ten };
  Log(Stream s, Base base) : Elementwise(s), base_(base) {}
  LUMEX_EVAL
  array apply(const std::vector<array>& in) const override;
  LUMEX_PARTIALS
  const char* name() const override {
    return base_ == Base::e ? "Log" : base_ == Base::two ? "Log2" : "Log10";
  }
  LUMEX_FROM_NAME_AND_PARAMS
  bool is_equivalent(const Primitive& other) const override {
    return Primitive::is_equivalent(other) &&
           static_cast<const Log&>(other).base_ == base_;
  }
  Base base() const { return base_; }

 private:
  Base base_;
};

LUMEX_ZERO_GRAD_PRIMITIVE(Round)

class Equal : public Elementwise {
 public:
  Equal(Stream s, bool equal_nan = false)
      : Elementwise(s), equal_nan_(equal_nan) {}
  LUMEX_EVAL
  array apply(const std::vector<array>& in) const override;
  const char* name() const override { return equal_nan_ ? "NaNEqual" : "Equal"; }
  std::vector<std::pair<std::string, std::string>> params() const override {
    return {{"equal_nan", param_text(equal_nan_)}};
  }
  LUMEX_FROM_PARAMS
  bool is_equivalent(const Primitive& other) const override {
    return Primitive::is_equivalent(other) &&
           static_cast<const Equal&>(other).equal_nan_ == equal_nan_;
  }

 private:
  bool equal_nan_;
};

/// Quotient and remainder together: two outputs.
class DivMod : public Primitive {
 public:
  explicit DivMod(Stream s) : Primitive(s) {}
  LUMEX_EVAL_MULTI
  LUMEX_DEFINE_NAME(DivMod)
  LUMEX_TRANSFORM_RULES
};

class AsType : public UnaryPrimitive {
 public:
  AsType(Stream s, Dtype dtype) : UnaryPrimitive(s), dtype_(dtype) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(AsType)
  LUMEX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) const override {
    return {inputs[0].shape()};
  }
  Dtype dtype() const { return dtype_; }
  std::vector<std::pair<std::string, std::string>> params() const override {
    return {{"dtype", param_text(dtype_)}};
  }
  LUMEX_FROM_PARAMS
  bool is_equivalent(const Primitive& other) const override {
    return Primitive::is_equivalent(other) &&
           static_cast<const AsType&>(other).dtype_ == dtype_;
  }

 private:
  Dtype dtype_;
};

}  // namespace lumex::core
