// Contiguous float32 kernels compiled for several ISAs; the loader picks the best one
// for the running CPU (GCC/Clang target_clones), so the wheel stays portable.
#include <cmath>

#include "engine/backend/cpu/simd_math.h"
#include "engine/backend/cpu/target_clones.h"

namespace lumex::core::cpu::simd_math {

namespace {

#define LUMEX_MAP_LOOP(NAME, EXPR)                                      \
  LUMEX_CLONES void NAME##_loop(const float* in, float* out, size_t n) { \
    for (size_t i = 0; i < n; ++i) {                                    \
      const float x = in[i];                                            \
      out[i] = EXPR;                                                    \
    }                                                                   \
  }
LUMEX_MAP_LOOP(exp, exp_f32(x))
LUMEX_MAP_LOOP(expm1, expm1_f32(x))
LUMEX_MAP_LOOP(log, log_f32(x))
LUMEX_MAP_LOOP(log1p, log1p_f32(x))
LUMEX_MAP_LOOP(tanh, tanh_f32(x))
LUMEX_MAP_LOOP(erf, erf_f32(x))
LUMEX_MAP_LOOP(sigmoid, sigmoid_f32(x))
#undef LUMEX_MAP_LOOP

// Arguments the reduction cannot take (|x| > kTrigMax, inf, NaN) are left in place:
// every other result has |v| <= 1, which marks it done, so the fix-up pass also works
// when out aliases in. Returns whether any was left.
#define LUMEX_TRIG_LOOP(NAME)                                                \
  LUMEX_CLONES bool NAME##_loop(const float* in, float* out, size_t n) {     \
    int left = 0;                                                            \
    for (size_t i = 0; i < n; ++i) {                                         \
      const float x = in[i];                                                 \
      bool b = !(std::fabs(x) <= kTrigMax);                                  \
      out[i] = b ? x : NAME##_f32(x);                                        \
      left |= b;                                                             \
    }                                                                        \
    return left;                                                             \
  }
LUMEX_TRIG_LOOP(sin)
LUMEX_TRIG_LOOP(cos)
#undef LUMEX_TRIG_LOOP

template <typename F>
void fix_left(float* out, size_t n, F f) {
  for (size_t i = 0; i < n; ++i) {
    if (!(std::fabs(out[i]) <= 1.0f)) out[i] = f(out[i]);
  }
}

}  // namespace

void exp_f32(const float* in, float* out, size_t n) { exp_loop(in, out, n); }
void expm1_f32(const float* in, float* out, size_t n) { expm1_loop(in, out, n); }
void log_f32(const float* in, float* out, size_t n) { log_loop(in, out, n); }
void log1p_f32(const float* in, float* out, size_t n) { log1p_loop(in, out, n); }
void tanh_f32(const float* in, float* out, size_t n) { tanh_loop(in, out, n); }
void erf_f32(const float* in, float* out, size_t n) { erf_loop(in, out, n); }
void sigmoid_f32(const float* in, float* out, size_t n) { sigmoid_loop(in, out, n); }

void sin_f32(const float* in, float* out, size_t n) {
  if (sin_loop(in, out, n)) fix_left(out, n, [](float x) { return std::sin(x); });
}

void cos_f32(const float* in, float* out, size_t n) {
  if (cos_loop(in, out, n)) fix_left(out, n, [](float x) { return std::cos(x); });
}

}  // namespace lumex::core::cpu::simd_math
