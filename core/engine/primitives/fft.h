// Discrete Fourier transforms over a set of axes.
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/params.h"

namespace lumex::core {

/// Unnormalized forward DFT, or inverse DFT scaled by 1/n, over `axes`, then
/// times `scale` (the norm argument, applied inside the transform's passes).
/// Complex: complex64 -> complex64. Real forward: float32 (n) -> complex64 with
/// n/2 + 1 bins on the last listed axis. Real inverse: complex64 with n/2 + 1
/// bins -> float32 with n = output length on that axis (Hermitian symmetry
/// assumed). The op has already cropped or padded the input.
class FFT : public UnaryPrimitive {
 public:
  /// `out_len` is the real inverse's output length on the last axis (else 0).
  FFT(Stream s, std::vector<int> axes, bool inverse, bool real, int64_t out_len = 0,
      double scale = 1.0)
      : UnaryPrimitive(s),
        axes_(std::move(axes)),
        inverse_(inverse),
        real_(real),
        out_len_(out_len),
        scale_(scale) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(FFT)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;
  const std::vector<int>& axes() const { return axes_; }
  bool inverse() const { return inverse_; }
  bool real() const { return real_; }
  double scale() const { return scale_; }

 private:
  std::vector<int> axes_;
  bool inverse_;
  bool real_;
  int64_t out_len_;
  double scale_;
  /// The output's shape for an input of shape `in` (axes_ may be shifted).
  Shape out_shape(const Shape& in, const std::vector<int>& axes) const;
};

}  // namespace lumex::core
