// Convolution: the one primitive behind conv1d/2d/3d, conv_general, the transposed
// convolutions and convolve (all of them are ops that build it).
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/params.h"

namespace lumex::core {

/// Geometry of a channels-last convolution, one entry per spatial dim.
struct ConvParams {
  std::vector<int> stride;
  std::vector<int> padding_lo;  // negative values crop the (dilated) input
  std::vector<int> padding_hi;
  std::vector<int> kernel_dilation;
  std::vector<int> input_dilation;  // zeros inserted between input elements
  int groups = 1;
  bool flip = false;  // true convolution (kernel reversed) instead of correlation

  bool operator==(const ConvParams&) const = default;
};

/// Inputs x (N, S..., C) and w (O, K..., C / groups), both of the output's floating
/// dtype; output (N, T..., O). Spatial dim i of x is dilated by input_dilation,
/// padded by padding_lo/hi and read by the kernel (dilated by kernel_dilation) at
/// every stride-th position. Output channel o reads the input channels of group
/// o / (O / groups).
class Convolution : public UnaryPrimitive {
 public:
  Convolution(Stream s, ConvParams p) : UnaryPrimitive(s), p_(std::move(p)) {}
  LUMEX_EVAL
  LUMEX_DEFINE_NAME(Convolution)
  LUMEX_TRANSFORM_RULES
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override {
    return Primitive::is_equivalent(other) &&
           static_cast<const Convolution&>(other).p_ == p_;
  }
  const ConvParams& conv_params() const { return p_; }

 private:
  ConvParams p_;
};

/// The gradient of a Convolution with parameters p w.r.t. its weight: inputs x
/// (N, S..., C) and the cotangent g (N, T..., O); output the weight's shape
/// (O, K..., C / groups). The weight's own vjp rule builds it; a dedicated node
/// because the kernel multiplies im2col blocks of x by g directly, where a
/// Convolution would need both transposed and would gather a huge kernel.
class ConvWeightGrad : public UnaryPrimitive {
 public:
  ConvWeightGrad(Stream s, ConvParams p, std::vector<int> kernel)
      : UnaryPrimitive(s), p_(std::move(p)), kernel_(std::move(kernel)) {}
  // CPU only: eval_gpu is UnaryPrimitive's, which throws as the no-GPU build does.
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  LUMEX_DEFINE_NAME(ConvWeightGrad)
  LUMEX_TRANSFORM_RULES
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override {
    return Primitive::is_equivalent(other) &&
           static_cast<const ConvWeightGrad&>(other).p_ == p_ &&
           static_cast<const ConvWeightGrad&>(other).kernel_ == kernel_;
  }
  const ConvParams& conv_params() const { return p_; }

 private:
  ConvParams p_;
  std::vector<int> kernel_;  // the kernel's spatial sizes (strides make T ambiguous)
};

}  // namespace lumex::core
