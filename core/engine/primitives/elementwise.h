// Elementwise primitives: unary, binary, ternary, and dtype conversion.
#pragma once

#include "engine/primitives/base.h"

namespace lumex::core {

// Declares a single-output primitive without parameters.
#define LUMEX_SIMPLE_PRIMITIVE(NAME)                                    \
  class NAME : public UnaryPrimitive {                                  \
   public:                                                              \
    explicit NAME(Stream s) : UnaryPrimitive(s) {}                      \
    void eval_cpu(const std::vector<array>& inputs, array& out) override; \
    LUMEX_DEFINE_NAME(NAME)                                             \
  };

LUMEX_SIMPLE_PRIMITIVE(Abs)
LUMEX_SIMPLE_PRIMITIVE(Negative)
LUMEX_SIMPLE_PRIMITIVE(Sign)
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
LUMEX_SIMPLE_PRIMITIVE(Floor)
LUMEX_SIMPLE_PRIMITIVE(Ceil)
LUMEX_SIMPLE_PRIMITIVE(Real)
LUMEX_SIMPLE_PRIMITIVE(Imag)
LUMEX_SIMPLE_PRIMITIVE(Conjugate)
LUMEX_SIMPLE_PRIMITIVE(LogicalNot)
LUMEX_SIMPLE_PRIMITIVE(BitwiseInvert)
LUMEX_SIMPLE_PRIMITIVE(IsNaN)
LUMEX_SIMPLE_PRIMITIVE(IsInf)
LUMEX_SIMPLE_PRIMITIVE(IsPosInf)
LUMEX_SIMPLE_PRIMITIVE(IsNegInf)

LUMEX_SIMPLE_PRIMITIVE(Add)
LUMEX_SIMPLE_PRIMITIVE(Subtract)
LUMEX_SIMPLE_PRIMITIVE(Multiply)
LUMEX_SIMPLE_PRIMITIVE(Divide)
LUMEX_SIMPLE_PRIMITIVE(FloorDivide)
LUMEX_SIMPLE_PRIMITIVE(Remainder)
LUMEX_SIMPLE_PRIMITIVE(Power)
LUMEX_SIMPLE_PRIMITIVE(Maximum)
LUMEX_SIMPLE_PRIMITIVE(Minimum)
LUMEX_SIMPLE_PRIMITIVE(ArcTan2)
LUMEX_SIMPLE_PRIMITIVE(LogAddExp)
LUMEX_SIMPLE_PRIMITIVE(NotEqual)
LUMEX_SIMPLE_PRIMITIVE(Greater)
LUMEX_SIMPLE_PRIMITIVE(GreaterEqual)
LUMEX_SIMPLE_PRIMITIVE(Less)
LUMEX_SIMPLE_PRIMITIVE(LessEqual)
LUMEX_SIMPLE_PRIMITIVE(LogicalAnd)
LUMEX_SIMPLE_PRIMITIVE(LogicalOr)
LUMEX_SIMPLE_PRIMITIVE(BitwiseAnd)
LUMEX_SIMPLE_PRIMITIVE(BitwiseOr)
LUMEX_SIMPLE_PRIMITIVE(BitwiseXor)
LUMEX_SIMPLE_PRIMITIVE(LeftShift)
LUMEX_SIMPLE_PRIMITIVE(RightShift)

/// where(condition, x, y)
LUMEX_SIMPLE_PRIMITIVE(Select)

class Log : public UnaryPrimitive {
 public:
  enum class Base { e, two, ten };
  Log(Stream s, Base base) : UnaryPrimitive(s), base_(base) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override {
    return base_ == Base::e ? "Log" : base_ == Base::two ? "Log2" : "Log10";
  }
  bool is_equivalent(const Primitive& other) const override {
    return Primitive::is_equivalent(other) &&
           static_cast<const Log&>(other).base_ == base_;
  }
  Base base() const { return base_; }

 private:
  Base base_;
};

class Round : public UnaryPrimitive {
 public:
  explicit Round(Stream s) : UnaryPrimitive(s) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  LUMEX_DEFINE_NAME(Round)
};

class Equal : public UnaryPrimitive {
 public:
  Equal(Stream s, bool equal_nan = false)
      : UnaryPrimitive(s), equal_nan_(equal_nan) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return equal_nan_ ? "NaNEqual" : "Equal"; }
  std::vector<std::pair<std::string, std::string>> params() const override {
    return {{"equal_nan", equal_nan_ ? "True" : "False"}};
  }
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
  void eval_cpu(const std::vector<array>& inputs,
                std::vector<array>& outputs) override;
  LUMEX_DEFINE_NAME(DivMod)
};

class AsType : public UnaryPrimitive {
 public:
  AsType(Stream s, Dtype dtype) : UnaryPrimitive(s), dtype_(dtype) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  LUMEX_DEFINE_NAME(AsType)
  std::vector<std::pair<std::string, std::string>> params() const override {
    return {{"dtype", dtype_name(dtype_)}};
  }
  bool is_equivalent(const Primitive& other) const override {
    return Primitive::is_equivalent(other) &&
           static_cast<const AsType&>(other).dtype_ == dtype_;
  }

 private:
  Dtype dtype_;
};

}  // namespace lumex::core
