#include "engine/backend/cpu/convert_kernels.h"

#include <cmath>
#include <cstring>

#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/simd_math.h"
#include "engine/backend/cpu/target_clones.h"

namespace lumex::core::cpu {

namespace {

using simd_math::bits_to_float;
using simd_math::float_to_bits;

// The branches of float16_t(float) and its operator float, written as selects.
inline uint16_t half_bits(float f) {
  uint32_t x = float_to_bits(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t a = x & 0x7fffffffu;
  uint32_t normal = (a + 0xc8000fffu + ((a >> 13) & 1u)) >> 13;
  float tiny = bits_to_float(a < 0x38800000u ? a : 0u);  // subnormal half: the FPU rounds
  auto sub = static_cast<uint32_t>(static_cast<int32_t>(std::nearbyint(tiny * 16777216.0f)));
  uint32_t h = a < 0x38800000u ? sub : normal;
  h = a >= 0x477ff000u ? 0x7c00u : h;
  h = a > 0x7f800000u ? 0x7e00u : h;
  return static_cast<uint16_t>(sign | h);
}

inline float half_value(uint16_t b) {
  uint32_t sign = static_cast<uint32_t>(b & 0x8000u) << 16;
  uint32_t e = (b >> 10) & 0x1fu;
  uint32_t m = b & 0x3ffu;
  uint32_t normal = ((e + 112) << 23) | (m << 13);
  uint32_t special = 0x7f800000u | (m << 13);
  uint32_t sub = float_to_bits(static_cast<float>(static_cast<int32_t>(m)) * 5.9604644775390625e-8f);
  uint32_t r = e == 0 ? sub : (e == 31 ? special : normal);
  return bits_to_float(sign | r);
}

inline uint16_t bfloat_bits(float f) {
  uint32_t u = float_to_bits(f);
  uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  return static_cast<uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? 0x7fc0u : r);
}

LUMEX_CLONES void f32_to_f16_loop(const float* in, uint16_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = half_bits(in[i]);
}

LUMEX_CLONES void f16_to_f32_loop(const uint16_t* in, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = half_value(in[i]);
}

LUMEX_CLONES void f32_to_bf16_loop(const float* in, uint16_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = bfloat_bits(in[i]);
}

LUMEX_CLONES void bf16_to_f32_loop(const uint16_t* in, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = bits_to_float(static_cast<uint32_t>(in[i]) << 16);
}

// In-range values truncate in the vector loop; returns whether any needs cast's
// wrap-around rule (|x| >= 2^31).
LUMEX_CLONES bool f32_to_i32_loop(const float* in, int32_t* out, size_t n) {
  int far = 0;
  for (size_t i = 0; i < n; ++i) {
    float x = in[i];
    bool ok = std::fabs(x) < 2147483648.0f;  // false for NaN too
    out[i] = static_cast<int32_t>(ok ? x : 0.0f);
    far |= !ok && x == x;
  }
  return far;
}

}  // namespace

void f32_to_f16(const float* in, float16_t* out, size_t n) {
  f32_to_f16_loop(in, reinterpret_cast<uint16_t*>(out), n);
}

void f16_to_f32(const float16_t* in, float* out, size_t n) {
  f16_to_f32_loop(reinterpret_cast<const uint16_t*>(in), out, n);
}

void f32_to_bf16(const float* in, bfloat16_t* out, size_t n) {
  f32_to_bf16_loop(in, reinterpret_cast<uint16_t*>(out), n);
}

void bf16_to_f32(const bfloat16_t* in, float* out, size_t n) {
  bf16_to_f32_loop(reinterpret_cast<const uint16_t*>(in), out, n);
}

void f32_to_i32(const float* in, int32_t* out, size_t n) {
  if (!f32_to_i32_loop(in, out, n)) return;
  for (size_t i = 0; i < n; ++i) {
    if (std::fabs(in[i]) >= 2147483648.0f) out[i] = cast<int32_t>(in[i]);
  }
}

bool has_dense_convert(Dtype from, Dtype to) {
  if (from == float32) return to == float16 || to == bfloat16 || to == int32;
  return to == float32 && (from == float16 || from == bfloat16);
}

bool convert_dense_fast(const void* in, Dtype from, void* out, Dtype to, size_t n) {
  if (from == float32 && to == float16) {
    f32_to_f16(static_cast<const float*>(in), static_cast<float16_t*>(out), n);
  } else if (from == float16 && to == float32) {
    f16_to_f32(static_cast<const float16_t*>(in), static_cast<float*>(out), n);
  } else if (from == float32 && to == bfloat16) {
    f32_to_bf16(static_cast<const float*>(in), static_cast<bfloat16_t*>(out), n);
  } else if (from == bfloat16 && to == float32) {
    bf16_to_f32(static_cast<const bfloat16_t*>(in), static_cast<float*>(out), n);
  } else if (from == float32 && to == int32) {
    f32_to_i32(static_cast<const float*>(in), static_cast<int32_t*>(out), n);
  } else {
    return false;
  }
  return true;
}

}  // namespace lumex::core::cpu
