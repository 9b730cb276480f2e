// Primitives that move, view or create data without arithmetic.
#pragma once

#include "engine/primitives/base.h"

namespace lumex::core {

/// A view with stride 0 along broadcast axes; no copy.
class Broadcast : public UnaryPrimitive {
 public:
  Broadcast(Stream s, Shape shape) : UnaryPrimitive(s), shape_(std::move(shape)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  LUMEX_DEFINE_NAME(Broadcast)
  std::vector<std::pair<std::string, std::string>> params() const override;
  const Shape& shape() const { return shape_; }

 private:
  Shape shape_;
};

/// A view when the input layout allows it, a row-major copy otherwise.
class Reshape : public UnaryPrimitive {
 public:
  Reshape(Stream s, Shape shape) : UnaryPrimitive(s), shape_(std::move(shape)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  LUMEX_DEFINE_NAME(Reshape)
  std::vector<std::pair<std::string, std::string>> params() const override;

 private:
  Shape shape_;
};

/// A strided view.
class Transpose : public UnaryPrimitive {
 public:
  Transpose(Stream s, std::vector<int> axes)
      : UnaryPrimitive(s), axes_(std::move(axes)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  LUMEX_DEFINE_NAME(Transpose)
  std::vector<std::pair<std::string, std::string>> params() const override;
  const std::vector<int>& axes() const { return axes_; }

 private:
  std::vector<int> axes_;
};

/// A fresh row-major (or, if allowed, column-major) copy.
class Contiguous : public UnaryPrimitive {
 public:
  Contiguous(Stream s, bool allow_col_major)
      : UnaryPrimitive(s), allow_col_major_(allow_col_major) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  LUMEX_DEFINE_NAME(Contiguous)

 private:
  bool allow_col_major_;
};

/// Fills the output with its (scalar, already converted) input.
class Full : public UnaryPrimitive {
 public:
  explicit Full(Stream s) : UnaryPrimitive(s) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  LUMEX_DEFINE_NAME(Full)
};

class Arange : public UnaryPrimitive {
 public:
  Arange(Stream s, double start, double stop, double step)
      : UnaryPrimitive(s), start_(start), stop_(stop), step_(step) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  LUMEX_DEFINE_NAME(Arange)
  std::vector<std::pair<std::string, std::string>> params() const override;

 private:
  double start_, stop_, step_;
};

}  // namespace lumex::core
