// Quantized weights in MLX's formats. Packed values are a little-endian bit stream
// over uint32 words (element i of a row at bit i * bits), one scale (and for
// "affine" one bias) per group of `group_size` consecutive elements of the last
// axis. Kernels take float32 scales/biases and float32 activations; ops cast.
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/params.h"

namespace lumex::core {

enum class QuantMode { affine, mxfp4, mxfp8, nvfp4 };
const char* quant_mode_name(QuantMode m);

/// Parameters shared by the quantized primitives.
struct QuantParams {
  QuantMode mode;
  int group_size;
  int bits;
  bool operator==(const QuantParams&) const = default;
};

/// w (float32, ..., K) -> [packed uint32 (..., K*bits/32), scales (..., K/gs)
/// float32 (affine) or uint8 (fp modes), biases (affine only)]. An optional second
/// input is nvfp4's float32 global scale.
class Quantize : public Primitive {
 public:
  Quantize(Stream s, QuantParams p) : Primitive(s), p_(p) {}
  LUMEX_EVAL_MULTI
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(Quantize)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  QuantParams p_;
};

/// [packed, scales, (biases, affine), (global scale, nvfp4)] -> float32 values.
class Dequantize : public UnaryPrimitive {
 public:
  Dequantize(Stream s, QuantParams p, bool has_global)
      : UnaryPrimitive(s), p_(p), has_global_(has_global) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(Dequantize)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  QuantParams p_;
  bool has_global_;
};

/// x (float32, ..., M, K) times a quantized matrix: [x, packed, scales, (biases)]
/// -> (..., M, N). `transpose`: w is stored (N, K) and x @ w.T is computed;
/// otherwise w is (K, N). w may carry batch dims that broadcast with x's.
class QuantizedMatmul : public UnaryPrimitive {
 public:
  QuantizedMatmul(Stream s, QuantParams p, bool transpose)
      : UnaryPrimitive(s), p_(p), transpose_(transpose) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(QuantizedMatmul)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  QuantParams p_;
  bool transpose_;
};

}  // namespace lumex::core
