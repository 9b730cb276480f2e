// Primitives that move, view or create data without arithmetic.
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/params.h"

namespace lumex::core {

/// A view with stride 0 along broadcast axes; no copy.
class Broadcast : public UnaryPrimitive {
 public:
  Broadcast(Stream s, Shape shape) : UnaryPrimitive(s), shape_(std::move(shape)) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Broadcast)
  LUMEX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) const override;
  LUMEX_PARAMS
  const Shape& shape() const { return shape_; }

 private:
  Shape shape_;
};

/// A view when the input layout allows it, a row-major copy otherwise.
class Reshape : public UnaryPrimitive {
 public:
  /// `inferred`: the axis the caller gave as -1 (its size follows from the input's
  /// size on a shapeless replay), or -1.
  Reshape(Stream s, Shape shape, int inferred = -1)
      : UnaryPrimitive(s), shape_(std::move(shape)), inferred_(inferred) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Reshape)
  LUMEX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) const override;
  LUMEX_PARAMS

 private:
  Shape shape_;
  int inferred_;
};

/// A strided view.
class Transpose : public UnaryPrimitive {
 public:
  Transpose(Stream s, std::vector<int> axes)
      : UnaryPrimitive(s), axes_(std::move(axes)) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Transpose)
  LUMEX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) const override;
  LUMEX_PARAMS
  const std::vector<int>& axes() const { return axes_; }

 private:
  std::vector<int> axes_;
};

/// A fresh row-major (or, if allowed, column-major) copy.
class Contiguous : public UnaryPrimitive {
 public:
  Contiguous(Stream s, bool allow_col_major)
      : UnaryPrimitive(s), allow_col_major_(allow_col_major) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Contiguous)
  LUMEX_TRANSFORM_RULES
  LUMEX_PARAMS

 private:
  bool allow_col_major_;
};

/// Fills the output from its input, already converted and broadcast to the output shape.
class Full : public UnaryPrimitive {
 public:
  explicit Full(Stream s) : UnaryPrimitive(s) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Full)
  LUMEX_TRANSFORM_RULES
};

class Arange : public UnaryPrimitive {
 public:
  Arange(Stream s, double start, double stop, double step)
      : UnaryPrimitive(s), start_(start), stop_(stop), step_(step) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Arange)
  LUMEX_TRANSFORM_RULES
  LUMEX_PARAMS

 private:
  double start_, stop_, step_;
};

/// A strided view: out[i] = in[start + i * step] per axis; steps may be negative.
class Slice : public UnaryPrimitive {
 public:
  Slice(Stream s, Shape start, Shape stop, Shape strides)
      : UnaryPrimitive(s),
        start_(std::move(start)),
        stop_(std::move(stop)),
        strides_(std::move(strides)) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Slice)
  LUMEX_TRANSFORM_RULES
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;
  const Shape& start() const { return start_; }
  const Shape& stop() const { return stop_; }
  const Shape& strides() const { return strides_; }

 private:
  Shape start_, stop_, strides_;
};

/// Joins inputs (all of the output dtype) along one axis.
class Concatenate : public UnaryPrimitive {
 public:
  Concatenate(Stream s, int axis) : UnaryPrimitive(s), axis_(axis) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Concatenate)
  LUMEX_TRANSFORM_RULES
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;
  int axis() const { return axis_; }

 private:
  int axis_;
};

/// Constant padding: inputs are the array and a scalar fill value of its dtype.
class Pad : public UnaryPrimitive {
 public:
  Pad(Stream s, Shape low, Shape high)
      : UnaryPrimitive(s), low_(std::move(low)), high_(std::move(high)) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Pad)
  LUMEX_TRANSFORM_RULES
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;
  const Shape& low() const { return low_; }
  const Shape& high() const { return high_; }

 private:
  Shape low_, high_;
};

/// A view with explicit shape, strides and offset over a row-contiguous input.
class AsStrided : public UnaryPrimitive {
 public:
  AsStrided(Stream s, Shape shape, Strides strides, int64_t offset)
      : UnaryPrimitive(s),
        shape_(std::move(shape)),
        strides_(std::move(strides)),
        offset_(offset) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(AsStrided)
  std::vector<array> vjp(const std::vector<array>& primals,
                         const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals,
                         const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes) override;
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  Shape shape_;
  Strides strides_;
  int64_t offset_;
};

/// Reinterprets the bytes as another dtype (the last axis absorbs size changes).
class View : public UnaryPrimitive {
 public:
  View(Stream s, Dtype dtype) : UnaryPrimitive(s), dtype_(dtype) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(View)
  LUMEX_TRANSFORM_RULES
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  Dtype dtype_;
};

}  // namespace lumex::core
