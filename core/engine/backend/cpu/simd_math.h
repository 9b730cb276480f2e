// Branch-free float32 exp/sin/cos for contiguous loops. Written with plain arithmetic and
// selects so the compiler vectorizes them (vector_kernels.cpp builds AVX2/AVX-512 clones).
// Accuracy: exp within 2 ulp (Taylor to r^7 on |r| <= ln2/2); sin/cos reduce and
// evaluate in double, within 1 ulp for |x| < 2^20 — larger arguments take the libm path.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace lumex::core::cpu::simd_math {

inline float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline float exp_f32(float x) {
  constexpr float log2e = 1.44269504088896341f;
  constexpr float ln2_hi = 0.693359375f;
  constexpr float ln2_lo = -2.12194440e-4f;
  float xc = x > 88.8f ? 88.8f : (x < -104.0f ? -104.0f : x);
  float n = std::nearbyint(xc * log2e);
  float r = (xc - n * ln2_hi) - n * ln2_lo;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 2^n split in two factors so results down to the subnormal range stay exact.
  auto ni = static_cast<int32_t>(n);
  int32_t n1 = ni / 2;
  int32_t n2 = ni - n1;
  float s1 = bits_to_float(static_cast<uint32_t>(n1 + 127) << 23);
  float s2 = bits_to_float(static_cast<uint32_t>(n2 + 127) << 23);
  float y = p * s1 * s2;
  y = x > 88.72283935546875f ? INFINITY : y;
  y = x < -87.9f ? 0.0f : y;  // MLX flushes deep underflow to zero
  return x != x ? x : y;
}

// Quadrant-reduced sine and cosine, computed in double.
inline void sincos_core(float xf, double& s, double& c, double& q) {
  constexpr double two_over_pi = 0.63661977236758134308;
  constexpr double pio2_hi = 1.5707963267341256;
  constexpr double pio2_lo = 6.0771005065061922e-11;
  double x = xf;
  double k = std::nearbyint(x * two_over_pi);
  double r = (x - k * pio2_hi) - k * pio2_lo;
  double r2 = r * r;
  s = r + r * r2 * (-1.0 / 6 + r2 * (1.0 / 120 + r2 * (-1.0 / 5040 + r2 * (1.0 / 362880 - r2 / 39916800.0))));
  c = 1.0 + r2 * (-0.5 + r2 * (1.0 / 24 + r2 * (-1.0 / 720 + r2 * (1.0 / 40320 - r2 / 3628800.0))));
  q = k - 4.0 * std::floor(k * 0.25);  // k mod 4 in [0, 4)
}

inline float sin_f32(float x) {
  double s, c, q;
  sincos_core(x, s, c, q);
  double v = q == 0.0 ? s : (q == 1.0 ? c : (q == 2.0 ? -s : -c));
  return x == 0.0f ? x : static_cast<float>(v);  // keeps the sign of -0
}

inline float cos_f32(float x) {
  double s, c, q;
  sincos_core(x, s, c, q);
  double v = q == 0.0 ? c : (q == 1.0 ? -s : (q == 2.0 ? -c : s));
  return static_cast<float>(v);
}

/// Contiguous kernels (runtime-dispatched to the best ISA). Arguments past 2^20 in
/// magnitude are recomputed with libm after the vector pass.
void exp_f32(const float* in, float* out, size_t n);
void sin_f32(const float* in, float* out, size_t n);
void cos_f32(const float* in, float* out, size_t n);
void sigmoid_f32(const float* in, float* out, size_t n);

}  // namespace lumex::core::cpu::simd_math
