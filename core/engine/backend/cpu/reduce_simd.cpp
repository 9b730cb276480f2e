// Float32 reduction leaves with GCC vector extensions: 8-lane vectors become one
// AVX2/AVX-512VL register or two SSE registers depending on the clone the
// loader picks. Several independent accumulators hide add latency
// when the data is in cache.
#include "engine/backend/cpu/reduce_simd.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "engine/backend/cpu/simd_math.h"
#include "engine/backend/cpu/target_clones.h"

// The helpers pass vectors by value but are always inlined into the clones, so
// the ABI note about AVX arguments does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace lumex::core::cpu::rsimd {

namespace {

// 8 lanes: GCC 12 scalarizes selects on 64-byte vector-extension types, and
// Zen 4 splits 512-bit operations in two anyway.
constexpr int W = 8;
typedef float vf __attribute__((vector_size(32)));
typedef int32_t vi __attribute__((vector_size(32)));
constexpr float kInf = std::numeric_limits<float>::infinity();

LUMEX_INLINE vf ld(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof(vf));
  return v;
}
LUMEX_INLINE vi ldi(const uint32_t* p) {
  vi v;
  std::memcpy(&v, p, sizeof(vi));
  return v;
}
LUMEX_INLINE void st(float* p, vf v) { std::memcpy(p, &v, sizeof(vf)); }
LUMEX_INLINE void sti(uint32_t* p, vi v) { std::memcpy(p, &v, sizeof(vi)); }
LUMEX_INLINE vf splat(float x) { return vf{} + x; }

template <typename Op>
LUMEX_INLINE float fold(vf v, Op op) {
  float r = v[0];
  for (int j = 1; j < W; ++j) r = op(r, v[j]);
  return r;
}

LUMEX_INLINE float hsum(vf v) {
  // Pairwise, like the lanes were filled.
  for (int w = W / 2; w >= 1; w /= 2) {
    for (int j = 0; j < w; ++j) v[j] += v[j + w];
  }
  return v[0];
}

// Max/min ignoring NaN (a NaN never wins the select), with NaNs seen tracked
// separately: cheaper than a NaN-propagating select in the loop.
template <bool IsMax>
LUMEX_INLINE vf pick(vf a, vf x) {
  if constexpr (IsMax) {
    return x > a ? x : a;
  } else {
    return x < a ? x : a;
  }
}

template <bool IsMax>
LUMEX_INLINE float extreme(const float* p, int64_t n, bool& nan) {
  const float init = IsMax ? -kInf : kInf;
  vf a0 = splat(init), a1 = a0, a2 = a0, a3 = a0;
  vi bad = {};
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    vf x0 = ld(p + i), x1 = ld(p + i + W), x2 = ld(p + i + 2 * W), x3 = ld(p + i + 3 * W);
    a0 = pick<IsMax>(a0, x0);
    a1 = pick<IsMax>(a1, x1);
    a2 = pick<IsMax>(a2, x2);
    a3 = pick<IsMax>(a3, x3);
    bad |= (x0 != x0) | (x1 != x1) | (x2 != x2) | (x3 != x3);
  }
  for (; i + W <= n; i += W) {
    vf x = ld(p + i);
    a0 = pick<IsMax>(a0, x);
    bad |= x != x;
  }
  vf a = pick<IsMax>(pick<IsMax>(a0, a1), pick<IsMax>(a2, a3));
  float r = fold(a, [](float u, float v) { return IsMax ? (v > u ? v : u) : (v < u ? v : u); });
  bool any = false;
  for (int j = 0; j < W; ++j) any |= bad[j] != 0;
  for (; i < n; ++i) {
    float x = p[i];
    any |= x != x;
    r = IsMax ? (x > r ? x : r) : (x < r ? x : r);
  }
  nan = any;
  return r;
}

template <bool IsMax>
LUMEX_INLINE int64_t arg_extreme(const float* p, int64_t n) {
  int64_t i = 0;
  float best_v = p[0];
  int64_t best_i = 0;
  auto better = [](float x, float b) {
    return (IsMax ? x > b : x < b) || (x != x && b == b);
  };
  if (n >= 4 * W && n <= std::numeric_limits<int32_t>::max()) {
    // Per-lane first extreme (or first NaN) and its index, in four independent
    // chains (one chain is bound by compare+blend latency); the lanes are then
    // merged preferring the smallest index among equals.
    vf best[4];
    vi idx[4];
    vi step = vi{} + W;
    for (int c = 0; c < 4; ++c) {
      best[c] = ld(p + c * W);
      for (int j = 0; j < W; ++j) idx[c][j] = c * W + j;
    }
    vi cur = idx[0] + 4 * W;
    for (i = 4 * W; i + 4 * W <= n; i += 4 * W) {
      for (int c = 0; c < 4; ++c) {
        vf x = ld(p + i + c * W);
        vi take = (IsMax ? x > best[c] : x < best[c]) | ((x != x) & (best[c] == best[c]));
        best[c] = take ? x : best[c];
        idx[c] = take ? cur + c * W : idx[c];
      }
      cur += 4 * step;
    }
    best_v = best[0][0];
    best_i = idx[0][0];
    for (int c = 0; c < 4; ++c) {
      for (int j = 0; j < W; ++j) {
        float x = best[c][j];
        bool same = x == best_v || (x != x && best_v != best_v);
        if (better(x, best_v) || (same && idx[c][j] < best_i)) {
          best_v = x;
          best_i = idx[c][j];
        }
      }
    }
  } else {
    i = 1;
  }
  for (; i < n; ++i) {
    if (better(p[i], best_v)) {
      best_v = p[i];
      best_i = i;
    }
  }
  return best_i;
}

template <bool IsMax>
LUMEX_INLINE void arg_row(float* best, uint32_t* idx, const float* row, int64_t n,
                          uint32_t k) {
  vi kk = vi{} + static_cast<int32_t>(k);
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    vf b = ld(best + i), x = ld(row + i);
    vi take = (IsMax ? x > b : x < b) | ((x != x) & (b == b));
    st(best + i, take ? x : b);
    sti(idx + i, take ? kk : ldi(idx + i));
  }
  for (; i < n; ++i) {
    float x = row[i], b = best[i];
    if ((IsMax ? x > b : x < b) || (x != x && b == b)) {
      best[i] = x;
      idx[i] = k;
    }
  }
}

// Plain loops over arrays: the loop vectorizer turns the exp into vector code
// at the clone's full width (it does not for lanes of a vector-extension
// value). m is at least every non-NaN x, so the arguments are <= 0.
LUMEX_INLINE void exp_shift(const float* x, float* y, int64_t n, float m) {
  for (int64_t i = 0; i < n; ++i) y[i] = simd_math::exp_nonpos(x[i] - m);
}

LUMEX_INLINE void scale(float* y, int64_t n, float c) {
  for (int64_t i = 0; i < n; ++i) y[i] *= c;
}

/// Four accumulators over n elements, n a multiple of 4 * W.
LUMEX_INLINE vf sum_run(const float* p, int64_t n) {
  vf a0 = {}, a1 = {}, a2 = {}, a3 = {};
  for (int64_t i = 0; i < n; i += 4 * W) {
    a0 += ld(p + i);
    a1 += ld(p + i + W);
    a2 += ld(p + i + 2 * W);
    a3 += ld(p + i + 3 * W);
  }
  return (a0 + a1) + (a2 + a3);
}

/// Pairwise over blocks of kSumBlock (a binary counter merges equal-sized
/// partial sums), so the rounding error grows with log(n), as in NumPy.
LUMEX_INLINE float sum_v(const float* p, int64_t n) {
  constexpr int64_t kSumBlock = 1024;
  vf stack[64];
  int depth = 0;
  uint64_t count = 0;
  int64_t i = 0;
  for (; i + kSumBlock <= n; i += kSumBlock) {
    vf s = sum_run(p + i, kSumBlock);
    ++count;
    for (uint64_t c = count; (c & 1) == 0; c >>= 1) s += stack[--depth];
    stack[depth++] = s;
  }
  int64_t body = (n - i) / (4 * W) * (4 * W);
  vf tot = sum_run(p + i, body);
  i += body;
  for (; i + W <= n; i += W) tot += ld(p + i);
  while (depth > 0) tot += stack[--depth];
  float t = 0.0f;
  for (; i < n; ++i) t += p[i];
  return hsum(tot) + t;
}

// Rows longer than this do not stay in L1/L2 between passes: they take the
// online form (running max and rescaled sum per block), which reads x twice
// and writes y once instead of three reads and two writes.
constexpr int64_t kOnlineRow = 16384;
constexpr int64_t kOnlineBlock = 2048;

}  // namespace

LUMEX_CLONES float sum(const float* p, int64_t n) { return sum_v(p, n); }

LUMEX_CLONES float prod(const float* p, int64_t n) {
  vf a0 = splat(1.0f), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 *= ld(p + i);
    a1 *= ld(p + i + W);
    a2 *= ld(p + i + 2 * W);
    a3 *= ld(p + i + 3 * W);
  }
  for (; i + W <= n; i += W) a0 *= ld(p + i);
  float t = 1.0f;
  for (; i < n; ++i) t *= p[i];
  return fold((a0 * a1) * (a2 * a3), [](float u, float v) { return u * v; }) * t;
}

LUMEX_CLONES float max(const float* p, int64_t n) {
  bool nan;
  float r = extreme<true>(p, n, nan);
  return nan ? std::numeric_limits<float>::quiet_NaN() : r;
}

LUMEX_CLONES float min(const float* p, int64_t n) {
  bool nan;
  float r = extreme<false>(p, n, nan);
  return nan ? std::numeric_limits<float>::quiet_NaN() : r;
}

LUMEX_CLONES void add_row(float* acc, const float* p, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] += p[i];
}

LUMEX_CLONES void add_rows(float* acc, const float* p, int64_t n, int64_t rows,
                           int64_t stride) {
  constexpr int64_t kGroup = 8;
  int64_t r = 0;
  for (; r + kGroup <= rows; r += kGroup) {
    const float* q = p + r * stride;
    int64_t i = 0;
    for (; i + W <= n; i += W) {
      vf s0 = ld(q + i) + ld(q + stride + i);
      vf s1 = ld(q + 2 * stride + i) + ld(q + 3 * stride + i);
      vf s2 = ld(q + 4 * stride + i) + ld(q + 5 * stride + i);
      vf s3 = ld(q + 6 * stride + i) + ld(q + 7 * stride + i);
      st(acc + i, ld(acc + i) + ((s0 + s1) + (s2 + s3)));
    }
    for (; i < n; ++i) {
      float t = 0.0f;
      for (int64_t k = 0; k < kGroup; ++k) t += q[k * stride + i];
      acc[i] += t;
    }
  }
  for (; r < rows; ++r) {
    const float* q = p + r * stride;
    for (int64_t i = 0; i < n; ++i) acc[i] += q[i];
  }
}

LUMEX_CLONES void mul_row(float* acc, const float* p, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] *= p[i];
}

template <bool IsMax>
LUMEX_INLINE void extreme_row(float* acc, const float* p, int64_t n) {
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    vf a = ld(acc + i), x = ld(p + i);
    // A NaN input replaces the accumulator; a NaN accumulator stays (it never
    // compares smaller or greater).
    auto take = (IsMax ? x > a : x < a) | (x != x);
    st(acc + i, take ? x : a);
  }
  for (; i < n; ++i) {
    bool take = (IsMax ? p[i] > acc[i] : p[i] < acc[i]) || p[i] != p[i];
    acc[i] = take ? p[i] : acc[i];
  }
}

LUMEX_CLONES void max_row(float* acc, const float* p, int64_t n) {
  extreme_row<true>(acc, p, n);
}
LUMEX_CLONES void min_row(float* acc, const float* p, int64_t n) {
  extreme_row<false>(acc, p, n);
}

LUMEX_CLONES int64_t argmax(const float* p, int64_t n) { return arg_extreme<true>(p, n); }
LUMEX_CLONES int64_t argmin(const float* p, int64_t n) { return arg_extreme<false>(p, n); }

LUMEX_CLONES void argmax_row(float* best, uint32_t* idx, const float* row, int64_t n,
                              uint32_t k) {
  arg_row<true>(best, idx, row, n, k);
}
LUMEX_CLONES void argmin_row(float* best, uint32_t* idx, const float* row, int64_t n,
                              uint32_t k) {
  arg_row<false>(best, idx, row, n, k);
}

LUMEX_CLONES void softmax_row(const float* x, float* y, int64_t n) {
  // The max ignores NaN: a NaN input still poisons the sum, so the row comes
  // out NaN either way.
  bool nan;
  if (n <= kOnlineRow) {
    float m = extreme<true>(x, n, nan);
    exp_shift(x, y, n, m);
    scale(y, n, 1.0f / sum_v(y, n));
    return;
  }
  float m = -kInf, s = 0.0f;
  bool any_nan = false;
  float buf[kOnlineBlock];
  for (int64_t b = 0; b < n; b += kOnlineBlock) {
    int64_t len = n - b < kOnlineBlock ? n - b : kOnlineBlock;
    float bm = extreme<true>(x + b, len, nan);
    any_nan |= nan;
    // A block of -inf adds nothing (and -inf - -inf would make a NaN); a row
    // of only -inf still comes out NaN from the last pass, as in MLX.
    if (bm == -kInf) continue;
    if (bm > m) {
      s *= simd_math::exp_f32(m - bm);
      m = bm;
    }
    exp_shift(x + b, buf, len, m);
    s += sum_v(buf, len);
  }
  float inv = any_nan ? std::numeric_limits<float>::quiet_NaN() : 1.0f / s;
  for (int64_t b = 0; b < n; b += kOnlineBlock) {
    int64_t len = n - b < kOnlineBlock ? n - b : kOnlineBlock;
    exp_shift(x + b, y + b, len, m);
    scale(y + b, len, inv);
  }
}

LUMEX_CLONES float logsumexp_row(const float* x, int64_t n) {
  // One pass: a running max and the sum rescaled when the max grows. Any NaN
  // gives NaN; a +inf (without NaN) gives +inf; all -inf gives -inf.
  float m = -kInf, s = 0.0f;
  bool pos_inf = false;
  float buf[kOnlineBlock];
  for (int64_t b = 0; b < n; b += kOnlineBlock) {
    int64_t len = n - b < kOnlineBlock ? n - b : kOnlineBlock;
    bool nan;
    float bm = extreme<true>(x + b, len, nan);
    if (nan) return std::numeric_limits<float>::quiet_NaN();
    if (bm == kInf) pos_inf = true;
    if (pos_inf || bm == -kInf) continue;
    if (bm > m) {
      s *= simd_math::exp_f32(m - bm);
      m = bm;
    }
    exp_shift(x + b, buf, len, m);
    s += sum_v(buf, len);
  }
  if (pos_inf) return kInf;
  if (m == -kInf) return -kInf;
  return m + std::log(s);
}

}  // namespace lumex::core::cpu::rsimd
