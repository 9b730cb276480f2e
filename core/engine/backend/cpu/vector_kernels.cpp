// Contiguous float32 kernels compiled for several ISAs; the loader picks the best one
// for the running CPU (GCC/Clang target_clones), so the wheel stays portable.
#include <cmath>

#include "engine/backend/cpu/simd_math.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LUMEX_CLONES __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))
#else
#define LUMEX_CLONES
#endif

namespace lumex::core::cpu::simd_math {

namespace {
constexpr float kBigArg = 1048576.0f;

LUMEX_CLONES bool exp_loop(const float* in, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = exp_f32(in[i]);
  return true;
}

// Returns whether any argument needs the slow path.
LUMEX_CLONES bool sin_loop(const float* in, float* out, size_t n) {
  int big = 0;
  for (size_t i = 0; i < n; ++i) {
    // Huge arguments are left in place (|sin| <= 1 marks the others done) so the
    // fix-up pass also works when out aliases in.
    bool b = std::fabs(in[i]) > kBigArg;
    out[i] = b ? in[i] : sin_f32(in[i]);
    big |= b;
  }
  return big;
}

LUMEX_CLONES bool cos_loop(const float* in, float* out, size_t n) {
  int big = 0;
  for (size_t i = 0; i < n; ++i) {
    bool b = std::fabs(in[i]) > kBigArg;
    out[i] = b ? in[i] : cos_f32(in[i]);
    big |= b;
  }
  return big;
}

LUMEX_CLONES bool sigmoid_loop(const float* in, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = 1.0f / (1.0f + exp_f32(-in[i]));
  return true;
}

template <typename F>
void fix_big(float* out, size_t n, F f) {
  for (size_t i = 0; i < n; ++i) {
    if (std::fabs(out[i]) > kBigArg) out[i] = f(out[i]);
  }
}
}  // namespace

void exp_f32(const float* in, float* out, size_t n) { exp_loop(in, out, n); }

void sin_f32(const float* in, float* out, size_t n) {
  if (sin_loop(in, out, n)) fix_big(out, n, [](float x) { return std::sin(x); });
}

void cos_f32(const float* in, float* out, size_t n) {
  if (cos_loop(in, out, n)) fix_big(out, n, [](float x) { return std::cos(x); });
}

void sigmoid_f32(const float* in, float* out, size_t n) { sigmoid_loop(in, out, n); }

}  // namespace lumex::core::cpu::simd_math
