// Branch-free float32 math for contiguous loops. Everything is plain float arithmetic,
// integer bit tricks and selects, so the compiler vectorizes a loop calling these
// (vector_kernels.cpp builds baseline/AVX2/AVX-512 clones; other CPUs get the same
// code compiled for their baseline). Polynomial coefficients were fitted for this file
// (weighted least squares iterated towards minimax, then rounded to float).
//
// Maximum error against the float64 result, in float32 ulps, measured by
// tests/test_simd_accuracy.py (the bounds it asserts are in docs/differences.md):
//   exp 1, expm1 2, log 1, log1p 2, sin/cos 1 (|x| <= 65536; beyond that libm),
//   tanh 2, erf 2, sigmoid 2; exp_nonpos (softmax terms) 1.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace lumex::core::cpu::simd_math {

inline float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline uint32_t float_to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// 1.5 * 2^23: v + kShifter rounds v to an integer kept in the low mantissa bits.
constexpr float kShifter = 12582912.0f;

/// Round to nearest (ties to even) for |v| < 2^22, with plain adds so that it
/// vectorizes on every ISA (SSE2 has no vector nearbyint).
inline float round_nearest(float v) {
  return (v + kShifter) - kShifter;
}

/// 2^n for integer n in [-126, 127].
inline float pow2i(int32_t n) { return bits_to_float(static_cast<uint32_t>(n + 127) << 23); }

/// c[0] x^(N-1) + ... + c[N-1] by Horner's rule.
template <size_t N>
inline float horner(float x, const float (&c)[N]) {
  float p = c[0];
  for (size_t i = 1; i < N; ++i) p = p * x + c[i];
  return p;
}

constexpr float kLog2e = 1.44269504088896341f;
// ln 2 split so that n * kLn2Hi is exact for |n| < 2^8 and the pair carries ~40 bits.
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;

/// exp(r) - 1 on |r| <= ln2/2 (about 0.5 ulp).
inline float expm1_reduced(float r) {
  constexpr float c[] = {1.98241207e-4f, 1.39332458e-3f, 8.33341945e-3f,
                         4.16664816e-2f, 1.66666657e-1f, 0.5f};
  return r + (r * r) * horner(r, c);
}

inline float exp_f32(float x) {
  // No clamping: outside [-87.9, 88.72] the selects at the end replace whatever
  // the reduction made of x (with -fno-trapping-math that is harmless).
  float t = x * kLog2e + kShifter;
  float n = t - kShifter;
  float r = (x - n * kLn2Hi) - n * kLn2Lo;
  float p = expm1_reduced(r) + 1.0f;
  // 2^n for n in [-127, 128] as 2^(n - d) * 2^d with d = +-1: both factors are
  // normal, and the second product rounds only when the result is subnormal.
  // The low bits of t hold n, so adding the biased exponent and shifting out the
  // rest gives the bits of 2^(n - d) without an integer conversion.
  bool up = x > 0.0f;
  float scale = bits_to_float((float_to_bits(t) + (up ? 126u : 128u)) << 23);
  float y = p * scale * (up ? 2.0f : 0.5f);
  y = x > 88.72283935546875f ? INFINITY : y;
  y = x < -87.9f ? 0.0f : y;  // MLX flushes deep underflow to zero
  return x != x ? x : y;
}

/// exp(x) for x <= 0 (or NaN): the softmax and logsumexp terms exp(x - max).
/// About half the work of exp_f32: no overflow side, 2^n put straight into the
/// exponent bits, and results below 2^-126 flush to 0 (next to the row's
/// largest term, 1, they are far below float32 resolution). At most 1 ulp
/// with FMA, 1.2 without (measured over every 7th float in [-87.3, 0]).
inline float exp_nonpos(float x) {
  constexpr float kLo = -87.33654f;        // ln(2^-126)
  float xc = x < kLo ? kLo : x;
  float t = xc * kLog2e + kShifter;
  float n = t - kShifter;
  float r = (xc - n * kLn2Hi) - n * kLn2Lo;
  // exp(r) = 1 + r + r^2 (the expm1_reduced polynomial), as one Horner chain.
  constexpr float c[] = {1.98241207e-4f, 1.39332458e-3f, 8.33341945e-3f, 4.16664816e-2f,
                         1.66666657e-1f, 0.5f, 1.0f, 1.0f};
  // The low bits of t hold n (two's complement): adding the bias and shifting
  // out the rest leaves the bits of 2^n.
  float y = horner(r, c) * bits_to_float((float_to_bits(t) + 127u) << 23);
  return x < kLo ? 0.0f : y;
}

inline float expm1_f32(float x) {
  float xc = x > 88.8f ? 88.8f : (x < -20.0f ? -20.0f : x);
  float n = round_nearest(xc * kLog2e);
  float r = (xc - n * kLn2Hi) - n * kLn2Lo;
  float p = expm1_reduced(r);
  auto ni = static_cast<int32_t>(n);
  int32_t n1 = ni / 2;
  float s1 = pow2i(n1), s2 = pow2i(ni - n1);
  // 2^n - 1 is exact for -24 <= n <= 24; past that the -1 is below half an ulp.
  bool big = n > 24.0f;
  float small = pow2i(static_cast<int32_t>(big ? 24.0f : n));
  float y = big ? (p + 1.0f) * s1 * s2 : small * p + (small - 1.0f);
  y = x > 88.72283935546875f ? INFINITY : y;
  return (x != x || x == 0.0f) ? x : y;  // x == 0 keeps the sign of -0
}

/// log(1 + f) - f + f^2/2 = s * (f^2/2 + R(s^2)) with s = f / (2 + f), |s| <= 0.1716.
inline float log1p_reduced(float f) {
  float s = f / (2.0f + f);
  float z = s * s;
  constexpr float c[] = {0.245168358f, 0.285039395f, 0.400005102f, 0.666666687f};
  float R = z * horner(z, c);
  float hf = 0.5f * f * f;
  return s * (hf + R) - hf;
}

inline float log_f32(float x) {
  // Subnormals are scaled into the normal range first.
  bool sub = x < 1.17549435e-38f;
  float xs = sub ? x * 8388608.0f : x;
  uint32_t ix = float_to_bits(xs);
  int32_t e = static_cast<int32_t>((ix >> 23) & 0xff) - 127 - (sub ? 23 : 0);
  float m = bits_to_float((ix & 0x7fffffu) | 0x3f800000u);  // [1, 2)
  bool hi = m > 1.41421356f;
  m = hi ? 0.5f * m : m;
  e = hi ? e + 1 : e;
  float f = m - 1.0f;
  float k = static_cast<float>(e);
  float y = k * kLn2Hi + ((log1p_reduced(f) + k * kLn2Lo) + f);
  y = x == INFINITY ? x : y;
  y = x == 0.0f ? -INFINITY : y;
  return (x < 0.0f || x != x) ? NAN : y;
}

inline float log1p_f32(float x) {
  float u = 1.0f + x;
  // log(u) is off by the rounding of 1 + x; (x - (u - 1)) / u corrects it.
  float c = (x - (u - 1.0f)) / u;
  float y = log_f32(u);
  bool plain = u == INFINITY || u == 0.0f || u != u;
  y = plain ? y : y + c;
  return x == 0.0f ? x : y;
}

// pi/2 in five pieces; the first four have 8 significant bits, so k * piece is exact
// for integer k < 2^16, i.e. |x| <= kTrigMax.
constexpr float kPio2_1 = 1.5703125f;
constexpr float kPio2_2 = 4.84466552734375e-4f;
constexpr float kPio2_3 = -6.407499313354492e-7f;
constexpr float kPio2_4 = 9.89530235528946e-10f;
constexpr float kPio2_5 = 2.5633440682570896e-12f;
constexpr float kTrigMax = 65536.0f;

/// Reduces x by the nearest multiple k of pi/2 to r + t, with t (|t| < 2^-21) below
/// r's last bit, and returns k mod 4. Arguments beyond kTrigMax (and inf/NaN) reduce
/// as 0; callers route them elsewhere.
inline float trig_reduce(float x, float& t, int32_t& quadrant) {
  float xs = std::fabs(x) <= kTrigMax ? x : 0.0f;
  // k lands in the low mantissa bits of ks, which give the quadrant directly.
  float ks = xs * 0.636619772f + kShifter;
  float k = ks - kShifter;
  // Exact: the products are exact and the differences cancel (Sterbenz).
  float r = (xs - k * kPio2_1) - k * kPio2_2;
  // The next two subtractions keep their rounding errors (TwoSum) in t.
  float b = k * kPio2_3;
  float s = r - b;
  float v = s - r;
  float e1 = (r - (s - v)) - (b + v);
  float b2 = k * kPio2_4;
  float s2 = s - b2;
  float v2 = s2 - s;
  float e2 = (s - (s2 - v2)) - (b2 + v2);
  t = (e1 + e2) - k * kPio2_5;
  quadrant = static_cast<int32_t>(float_to_bits(ks) & 3u);
  return s2;
}

/// sin(r + t) and cos(r + t) for |r| <= pi/4 (plus rounding) and tiny t.
inline void sincos_reduced(float r, float t, float& sin_out, float& cos_out) {
  float z = r * r;
  constexpr float cs[] = {2.71812200e-6f, -1.98393129e-4f, 8.33332911e-3f, -1.66666672e-1f};
  constexpr float cc[] = {-2.72057548e-7f, 2.47994594e-5f, -1.38888834e-3f, 4.16666679e-2f};
  float pc = horner(z, cc);
  float s_small = r * z * horner(z, cs);
  float hz = 0.5f * z;
  float w = 1.0f - hz;
  // (1 - w) - hz is the rounding error of w, added back with the small terms.
  float c_small = ((1.0f - w) - hz) + z * z * pc;
  // sin(r + t) = sin r + t cos r, cos(r + t) = cos r - t sin r, to first order in t.
  sin_out = r + (s_small + t * (w + c_small));
  cos_out = w + (c_small - t * (r + s_small));
}

/// sin(x) for shift 0, cos(x) = sin(x + pi/2) for shift 1.
inline float sin_shifted(float x, int32_t shift) {
  int32_t q;
  float t, s, c;
  float r = trig_reduce(x, t, q);
  sincos_reduced(r, t, s, c);
  q += shift;
  float v = (q & 1) ? c : s;
  // Quadrants 2 and 3 flip the sign: bit 1 of q moved to the sign bit.
  return bits_to_float(float_to_bits(v) ^ ((static_cast<uint32_t>(q) & 2u) << 30));
}

inline float sin_f32(float x) { return x == 0.0f ? x : sin_shifted(x, 0); }  // keeps -0
inline float cos_f32(float x) { return sin_shifted(x, 1); }

inline float tanh_f32(float x) {
  float a = std::fabs(x);
  // |x| < 0.625: x + x^3 P(x^2).
  float z = a * a;
  constexpr float c[] = {-5.70500037e-3f, 2.06391010e-2f, -5.37397191e-2f, 1.33314416e-1f,
                         -3.33332807e-1f};
  float small = a + a * z * horner(z, c);
  // Otherwise tanh|x| = 1 - 2 / (exp(2|x|) + 1) (at least 0.55, so the subtraction
  // loses little); past 9.1 it rounds to 1.
  float large = 1.0f - 2.0f / (exp_f32(2.0f * (a < 9.1f ? a : 9.1f)) + 1.0f);
  float y = std::copysign(a < 0.625f ? small : large, x);
  return x != x ? x : y;
}

inline float erf_f32(float x) {
  float a = std::fabs(x);
  // |x| < 0.9: erf(x) = x + x * Q(x^2); the leading x is exact.
  float z = a * a;
  constexpr float cs[] = {-6.09065348e-4f, 5.01202838e-3f, -2.67789625e-2f, 1.12821430e-1f,
                          -3.76125246e-1f, 1.28379151e-1f};
  float small = a + a * horner(z, cs);
  // 0.9 <= |x| < 3.95: erf = 1 - exp(Q(|x| - 0.9)) with Q fitting log(erfc); above, 1.
  float t = (a > 3.95f ? 3.95f : a) - 0.9f;
  constexpr float cl[] = {1.62129163e-6f, -3.40415827e-5f, 3.42423766e-4f, -2.24929210e-3f,
                          1.11468732e-2f, -4.58116233e-2f, -8.30010056e-1f, -2.47163439f,
                          -1.59409726f};
  float large = 1.0f - exp_f32(horner(t, cl));
  float y = a < 0.9f ? small : large;
  y = std::copysign(y, x);
  return x != x ? x : y;
}

inline float sigmoid_f32(float x) {
  // e^-|x| <= 1, so 1 + e never loses the small tail: x < 0 gives e / (1 + e).
  float e = exp_f32(-std::fabs(x));
  return (x < 0.0f ? e : 1.0f) / (1.0f + e);
}

/// Contiguous kernels (runtime-dispatched to the best ISA); `out` may alias `in`.
void exp_f32(const float* in, float* out, size_t n);
void expm1_f32(const float* in, float* out, size_t n);
void log_f32(const float* in, float* out, size_t n);
void log1p_f32(const float* in, float* out, size_t n);
void sin_f32(const float* in, float* out, size_t n);  // |x| > kTrigMax: libm
void cos_f32(const float* in, float* out, size_t n);  // |x| > kTrigMax: libm
void tanh_f32(const float* in, float* out, size_t n);
void erf_f32(const float* in, float* out, size_t n);
void sigmoid_f32(const float* in, float* out, size_t n);

}  // namespace lumex::core::cpu::simd_math
