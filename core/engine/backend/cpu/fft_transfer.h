// Moving W lines between memory and the split lane buffers of fft_kernels.h.
// A line is a sequence of (re, im) pairs: complex64 elements, or the packed
// even/odd samples of a real line. Rows that are contiguous go through 8x8
// transposes, lines of an inner axis (neighbouring lanes adjacent in memory)
// through even/odd shuffles or straight vector copies; anything else
// (strided, reversed, partial groups) element by element.
#pragma once

#include <cstdint>

#include "engine/backend/cpu/fft_kernels.h"

namespace lumex::core::cpu::fft {

/// Where W lines live: float offsets of each line's first pair, float steps
/// from one pair to the next and from a real part to its imaginary part.
struct LineSet {
  const int64_t* off;
  int64_t pair_step, im_step;
  int count;  // lines in use; lanes past it read line 0 and are never written
};

namespace detail {

typedef float V8 __attribute__((vector_size(32), may_alias));
typedef int I8 __attribute__((vector_size(32)));

#if defined(__clang__)
#define LUMEX_FFT_SHUFFLE(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define LUMEX_FFT_SHUFFLE(a, b, ...) __builtin_shuffle(a, b, I8{__VA_ARGS__})
#endif

LUMEX_FFT_INLINE V8 load8(const float* p) {
  V8 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
LUMEX_FFT_INLINE void store8(float* p, V8 v) { __builtin_memcpy(p, &v, sizeof v); }

/// In-place transpose of an 8x8 block held as eight row vectors.
LUMEX_FFT_INLINE void transpose8(V8* r) {
  V8 a[8], c[8];
  for (int l = 0; l < 8; l += 2) {
    a[l] = LUMEX_FFT_SHUFFLE(r[l], r[l + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    a[l + 1] = LUMEX_FFT_SHUFFLE(r[l], r[l + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int h = 0; h < 8; h += 4) {
    for (int k = 0; k < 2; ++k) {
      c[h + 2 * k] = LUMEX_FFT_SHUFFLE(a[h + k], a[h + k + 2], 0, 1, 8, 9, 4, 5, 12, 13);
      c[h + 2 * k + 1] = LUMEX_FFT_SHUFFLE(a[h + k], a[h + k + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    }
  }
  for (int k = 0; k < 4; ++k) {
    r[k] = LUMEX_FFT_SHUFFLE(c[k], c[k + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    r[k + 4] = LUMEX_FFT_SHUFFLE(c[k], c[k + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

/// Which fast layout eight full lines have: 1 contiguous rows of pairs,
/// 2 lines of complex values adjacent in memory (an inner axis), 3 lines of
/// real values adjacent in memory, 0 none of these.
LUMEX_FFT_INLINE int layout8(const LineSet& s) {
  if (s.count != 8) return 0;
  if (s.pair_step == 2 && s.im_step == 1) return 1;
  bool complex_adjacent = s.im_step == 1, real_adjacent = true;
  for (int l = 1; l < 8; ++l) {
    complex_adjacent = complex_adjacent && s.off[l] == s.off[0] + 2 * l;
    real_adjacent = real_adjacent && s.off[l] == s.off[0] + l;
  }
  return complex_adjacent ? 2 : real_adjacent ? 3 : 0;
}

}  // namespace detail

/// re/im[j] (lane l) <- pair j of line l, for j < n.
template <int W>
LUMEX_FFT_INLINE void gather(const float* base, const LineSet& s, size_t n, float* re,
                             float* im) {
  size_t j0 = 0;
  if constexpr (W == 8) {
    using namespace detail;
    int layout = layout8(s);
    if (layout == 1) {
      for (; j0 + 4 <= n; j0 += 4) {
        V8 r[8];
        for (int l = 0; l < 8; ++l) r[l] = load8(base + s.off[l] + 2 * j0);
        transpose8(r);
        for (int k = 0; k < 4; ++k) {
          store8(re + (j0 + k) * 8, r[2 * k]);
          store8(im + (j0 + k) * 8, r[2 * k + 1]);
        }
      }
    } else if (layout == 2) {
      for (; j0 < n; ++j0) {
        const float* p = base + s.off[0] + static_cast<int64_t>(j0) * s.pair_step;
        V8 a = load8(p), b = load8(p + 8);
        store8(re + j0 * 8, LUMEX_FFT_SHUFFLE(a, b, 0, 2, 4, 6, 8, 10, 12, 14));
        store8(im + j0 * 8, LUMEX_FFT_SHUFFLE(a, b, 1, 3, 5, 7, 9, 11, 13, 15));
      }
    } else if (layout == 3) {
      for (; j0 < n; ++j0) {
        const float* p = base + s.off[0] + static_cast<int64_t>(j0) * s.pair_step;
        store8(re + j0 * 8, load8(p));
        store8(im + j0 * 8, load8(p + s.im_step));
      }
    }
  }
  for (int l = 0; l < W; ++l) {
    const float* p = base + s.off[l < s.count ? l : 0];
    for (size_t j = j0; j < n; ++j) {
      const float* q = p + static_cast<int64_t>(j) * s.pair_step;
      re[j * W + l] = q[0];
      im[j * W + l] = q[s.im_step];
    }
  }
}

/// Pair j of line l <- c * re/im[j] (lane l), for j < n and the lines in use.
template <int W>
LUMEX_FFT_INLINE void scatter(float* base, const LineSet& s, size_t n, const float* re,
                              const float* im, float c) {
  size_t j0 = 0;
  if constexpr (W == 8) {
    using namespace detail;
    int layout = layout8(s);
    if (layout == 1) {
      for (; j0 + 4 <= n; j0 += 4) {
        V8 r[8];
        for (int k = 0; k < 4; ++k) {
          r[2 * k] = load8(re + (j0 + k) * 8) * c;
          r[2 * k + 1] = load8(im + (j0 + k) * 8) * c;
        }
        transpose8(r);
        for (int l = 0; l < 8; ++l) store8(base + s.off[l] + 2 * j0, r[l]);
      }
    } else if (layout == 2) {
      for (; j0 < n; ++j0) {
        V8 a = load8(re + j0 * 8) * c, b = load8(im + j0 * 8) * c;
        float* p = base + s.off[0] + static_cast<int64_t>(j0) * s.pair_step;
        store8(p, LUMEX_FFT_SHUFFLE(a, b, 0, 8, 1, 9, 2, 10, 3, 11));
        store8(p + 8, LUMEX_FFT_SHUFFLE(a, b, 4, 12, 5, 13, 6, 14, 7, 15));
      }
    } else if (layout == 3) {
      // The real part first, then the imaginary: with im_step 0 the second wins.
      for (; j0 < n; ++j0) {
        float* p = base + s.off[0] + static_cast<int64_t>(j0) * s.pair_step;
        store8(p, load8(re + j0 * 8) * c);
        store8(p + s.im_step, load8(im + j0 * 8) * c);
      }
    }
  }
  for (int l = 0; l < s.count; ++l) {
    float* p = base + s.off[l];
    for (size_t j = j0; j < n; ++j) {
      float* q = p + static_cast<int64_t>(j) * s.pair_step;
      q[0] = re[j * W + l] * c;
      q[s.im_step] = im[j * W + l] * c;
    }
  }
}

}  // namespace lumex::core::cpu::fft
