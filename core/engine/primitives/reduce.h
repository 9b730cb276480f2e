// Reductions and scans: along axes (Reduce), to an index (ArgReduce), prefix
// scans (Scan), and the fused last-axis kernels softmax and median.
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/params.h"

namespace lumex::core {

/// Reduces `axes` of the input; the output keeps them as size-1 dims (the op
/// squeezes). Sum and Prod may widen small integers (the output dtype says how).
class Reduce : public UnaryPrimitive {
 public:
  enum class Type { And, Or, Sum, Prod, Min, Max };
  Reduce(Stream s, Type type, std::vector<int> axes)
      : UnaryPrimitive(s), type_(type), axes_(std::move(axes)) {}
  LUMEX_EVAL
  const char* name() const override;
  LUMEX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) const override;
  LUMEX_VARIANT_PARAMS
  bool is_equivalent(const Primitive& other) const override;
  Type type() const { return type_; }
  const std::vector<int>& axes() const { return axes_; }

 private:
  Type type_;
  std::vector<int> axes_;
};

/// Index (uint32) of the first extreme element along one axis; the axis is kept
/// with size 1. NaN counts as the extreme.
class ArgReduce : public UnaryPrimitive {
 public:
  enum class Type { ArgMin, ArgMax };
  ArgReduce(Stream s, Type type, int axis)
      : UnaryPrimitive(s), type_(type), axis_(axis) {}
  LUMEX_EVAL
  const char* name() const override;
  LUMEX_TRANSFORM_RULES
  LUMEX_VARIANT_PARAMS
  bool is_equivalent(const Primitive& other) const override;
  Type type() const { return type_; }
  int axis() const { return axis_; }

 private:
  Type type_;
  int axis_;
};

/// Prefix scan along one axis, optionally reversed and/or exclusive.
class Scan : public UnaryPrimitive {
 public:
  enum class Type { Sum, Prod, Min, Max, LogAddExp };
  Scan(Stream s, Type type, int axis, bool reverse, bool inclusive)
      : UnaryPrimitive(s),
        type_(type),
        axis_(axis),
        reverse_(reverse),
        inclusive_(inclusive) {}
  LUMEX_EVAL
  const char* name() const override;
  LUMEX_TRANSFORM_RULES
  LUMEX_VARIANT_PARAMS
  bool is_equivalent(const Primitive& other) const override;
  Type type() const { return type_; }
  int axis() const { return axis_; }
  bool reverse() const { return reverse_; }
  bool inclusive() const { return inclusive_; }

 private:
  /// cummax/cummin: the position (int32, along the axis) of the input each
  /// inclusive output copies; the rules route tangents and cotangents through it.
  array extremum_sources(const array& x, const Stream& s) const;
  /// vjp of the inclusive cumprod, exact where x has zeros.
  array cumprod_vjp(const array& x, const array& g, const Stream& s) const;
  Type type_;
  int axis_;
  bool reverse_;
  bool inclusive_;
};

/// Softmax over the last axis in one pass per row (max, exp-sum, scale).
/// Half types always accumulate in float32; `precise` is kept for MLX parity.
class Softmax : public UnaryPrimitive {
 public:
  Softmax(Stream s, bool precise) : UnaryPrimitive(s), precise_(precise) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Softmax)
  LUMEX_TRANSFORM_RULES
  std::vector<std::pair<std::string, std::string>> params() const override {
    return {{"precise", param_text(precise_)}};
  }
  LUMEX_FROM_PARAMS
  bool is_equivalent(const Primitive& other) const override {
    return Primitive::is_equivalent(other) &&
           static_cast<const Softmax&>(other).precise_ == precise_;
  }

 private:
  bool precise_;
};

/// log(sum(exp(x))) over the last axis, which is kept with size 1: one online
/// pass per row (running max, rescaled sum). Float inputs only.
class LogSumExp : public UnaryPrimitive {
 public:
  explicit LogSumExp(Stream s) : UnaryPrimitive(s) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(LogSumExp)
  LUMEX_TRANSFORM_RULES
};

/// Median over the last axis (which is dropped from the output); NaN if a row
/// holds NaN. Integer inputs arrive already converted to float.
class Median : public UnaryPrimitive {
 public:
  explicit Median(Stream s) : UnaryPrimitive(s) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Median)
  LUMEX_TRANSFORM_RULES
};

}  // namespace lumex::core
