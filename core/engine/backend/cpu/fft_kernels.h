// FFT arithmetic on W lines at once: lane l of every vector belongs to line l,
// so each butterfly is plain vertical SIMD with scalar (broadcast) twiddles,
// whatever the length or radix. Data is split into real and imaginary arrays
// of vectors; passes ping-pong between two such buffers (Stockham autosort, so
// no bit reversal). Everything here is force-inlined into the target_clones
// entry points in fft.cpp, which compile it once per instruction set.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/backend/cpu/fft_plan.h"

namespace lumex::core::cpu::fft {

#define LUMEX_FFT_INLINE [[gnu::always_inline]] inline

template <int W>
struct Lanes {
  // may_alias: the buffers are also read and written as plain floats.
  typedef float V __attribute__((vector_size(4 * W), may_alias));
};
template <>
struct Lanes<1> {
  using V = float;
};

template <class V>
struct Cx {
  V re, im;
};

template <class V>
LUMEX_FFT_INLINE Cx<V> operator+(Cx<V> a, Cx<V> b) { return {a.re + b.re, a.im + b.im}; }
template <class V>
LUMEX_FFT_INLINE Cx<V> operator-(Cx<V> a, Cx<V> b) { return {a.re - b.re, a.im - b.im}; }
/// a * (wr + i wi) for a scalar twiddle.
template <class V>
LUMEX_FFT_INLINE Cx<V> mul(Cx<V> a, float wr, float wi) {
  return {a.re * wr - a.im * wi, a.re * wi + a.im * wr};
}
/// -i * a
template <class V>
LUMEX_FFT_INLINE Cx<V> neg_i(Cx<V> a) { return {a.im, -a.re}; }
template <class V>
LUMEX_FFT_INLINE Cx<V> scale(Cx<V> a, float c) { return {a.re * c, a.im * c}; }

/// Two buffers of real and imaginary parts; `cur` says which holds the data.
template <class V>
struct Work {
  V* re[2];
  V* im[2];
  int cur = 0;
  /// Two small buffers of kBlockLen for blocked transforms, or null.
  Work* small = nullptr;
  /// The same memory with real and imaginary parts exchanged: a forward
  /// transform through this view is the unnormalized inverse transform.
  /// (Data is copied in and out of `small`, so it needs no exchange.)
  Work swapped() const { return {{im[0], im[1]}, {re[0], re[1]}, cur, small}; }
};

/// a[t] <- sum_r a[r] W_P^{rt} for the radices with closed-form butterflies.
template <int P, class V>
LUMEX_FFT_INLINE void butterfly(Cx<V>* a) {
  if constexpr (P == 2) {
    Cx<V> t = a[0] - a[1];
    a[0] = a[0] + a[1];
    a[1] = t;
  } else if constexpr (P == 3) {
    constexpr float s = 0.866025403784438647f;  // sin(2 pi / 3)
    Cx<V> b = a[1] + a[2], d = neg_i(scale(a[1] - a[2], s));
    Cx<V> e = a[0] - scale(b, 0.5f);
    a[0] = a[0] + b;
    a[1] = e + d;
    a[2] = e - d;
  } else if constexpr (P == 4) {
    Cx<V> t0 = a[0] + a[2], t1 = a[0] - a[2];
    Cx<V> t2 = a[1] + a[3], t3 = neg_i(a[1] - a[3]);
    a[0] = t0 + t2;
    a[1] = t1 + t3;
    a[2] = t0 - t2;
    a[3] = t1 - t3;
  } else {
    static_assert(P == 5);
    constexpr float c1 = 0.309016994374947424f, c2 = -0.809016994374947424f;
    constexpr float s1 = 0.951056516295153572f, s2 = 0.587785252292473129f;
    Cx<V> b1 = a[1] + a[4], b2 = a[2] + a[3], d1 = a[1] - a[4], d2 = a[2] - a[3];
    Cx<V> e1 = a[0] + scale(b1, c1) + scale(b2, c2);
    Cx<V> e2 = a[0] + scale(b1, c2) + scale(b2, c1);
    Cx<V> f1 = neg_i(scale(d1, s1) + scale(d2, s2));
    Cx<V> f2 = neg_i(scale(d1, s2) - scale(d2, s1));
    a[0] = a[0] + b1 + b2;
    a[1] = e1 + f1;
    a[4] = e1 - f1;
    a[2] = e2 + f2;
    a[3] = e2 - f2;
  }
}

/// One Stockham pass with a closed-form radix-P butterfly.
template <int P, class V>
LUMEX_FFT_INLINE void pass_fixed(const Stage& st, const ComplexPlan& plan, const V* xr,
                                 const V* xi, V* yr, V* yi) {
  const size_t m = st.m, s = st.s;
  const float* twr = plan.tw_re.data() + st.tw;
  const float* twi = plan.tw_im.data() + st.tw;
  for (size_t j = 0; j < m; ++j) {
    float wr[P], wi[P];
    for (int t = 1; t < P; ++t) {
      wr[t] = twr[j * (P - 1) + t - 1];
      wi[t] = twi[j * (P - 1) + t - 1];
    }
    const V *ar = xr + s * j, *ai = xi + s * j;
    V *br = yr + s * P * j, *bi = yi + s * P * j;
    for (size_t q = 0; q < s; ++q) {
      Cx<V> a[P];
      for (int r = 0; r < P; ++r) a[r] = {ar[q + s * m * r], ai[q + s * m * r]};
      butterfly<P>(a);
      br[q] = a[0].re;
      bi[q] = a[0].im;
      for (int t = 1; t < P; ++t) {
        // j == 0 twiddles are 1 (the whole last pass): skip the multiply.
        Cx<V> b = j == 0 ? a[t] : mul(a[t], wr[t], wi[t]);
        br[q + s * t] = b.re;
        bi[q + s * t] = b.im;
      }
    }
  }
}

/// One Stockham pass with a direct O(p^2) DFT for a prime radix p > 5.
template <class V>
LUMEX_FFT_INLINE void pass_generic(const Stage& st, const ComplexPlan& plan, const V* xr,
                                   const V* xi, V* yr, V* yi) {
  const int p = st.p;
  const size_t m = st.m, s = st.s;
  const float* twr = plan.tw_re.data() + st.tw;
  const float* twi = plan.tw_im.data() + st.tw;
  const float* rr = plan.tw_re.data() + st.root;
  const float* ri = plan.tw_im.data() + st.root;
  Cx<V> a[kMaxRadix];
  for (size_t j = 0; j < m; ++j) {
    for (size_t q = 0; q < s; ++q) {
      for (int r = 0; r < p; ++r) a[r] = {xr[q + s * (j + m * r)], xi[q + s * (j + m * r)]};
      for (int t = 0; t < p; ++t) {
        Cx<V> b = a[0];
        for (int r = 1, k = t; r < p; ++r, k = k + t >= p ? k + t - p : k + t) {
          b = b + mul(a[r], rr[k], ri[k]);
        }
        if (t > 0) {
          b = mul(b, twr[j * (p - 1) + t - 1], twi[j * (p - 1) + t - 1]);
        }
        yr[q + s * (p * j + t)] = b.re;
        yi[q + s * (p * j + t)] = b.im;
      }
    }
  }
}

/// One in-place decimation-in-frequency pass over a block of length P * m:
/// x[j + t m] <- W_{Pm}^{jt} sum_r x[j + r m] W_P^{rt}.
template <int P, class V>
LUMEX_FFT_INLINE void pass_in_place(const Stage& st, const ComplexPlan& plan, V* xr, V* xi) {
  const size_t m = st.m;
  const float* twr = plan.tw_re.data() + st.tw;
  const float* twi = plan.tw_im.data() + st.tw;
  for (size_t j = 0; j < m; ++j) {
    Cx<V> a[P];
    for (int r = 0; r < P; ++r) a[r] = {xr[j + m * r], xi[j + m * r]};
    butterfly<P>(a);
    xr[j] = a[0].re;
    xi[j] = a[0].im;
    for (int t = 1; t < P; ++t) {
      Cx<V> b = mul(a[t], twr[j * (P - 1) + t - 1], twi[j * (P - 1) + t - 1]);
      xr[j + m * t] = b.re;
      xi[j + m * t] = b.im;
    }
  }
}

template <class V>
LUMEX_FFT_INLINE void stockham_passes(const ComplexPlan& plan, Work<V>& w);

/// Forward DFT of a long transform that is cut into cache-sized blocks: the
/// first plan.split passes run in place over the whole buffer, then each block
/// is copied to the small buffers, finished there, and written out strided.
template <class V>
LUMEX_FFT_INLINE void blocked(const ComplexPlan& plan, Work<V>& w) {
  V *xr = w.re[w.cur], *xi = w.im[w.cur];
  size_t len = plan.n;
  for (size_t i = 0; i < plan.split; ++i) {
    const Stage& st = plan.stages[i];
    for (size_t b = 0; b < plan.n; b += len) {
      switch (st.p) {
        case 2: pass_in_place<2>(st, plan, xr + b, xi + b); break;
        case 3: pass_in_place<3>(st, plan, xr + b, xi + b); break;
        case 4: pass_in_place<4>(st, plan, xr + b, xi + b); break;
        default: pass_in_place<5>(st, plan, xr + b, xi + b); break;
      }
    }
    len /= st.p;
  }
  const size_t blocks = plan.n / len;
  V *yr = w.re[1 - w.cur], *yi = w.im[1 - w.cur];
  Work<V>& sm = *w.small;
  for (size_t b = 0; b < blocks; ++b) {
    sm.cur = 0;
    for (size_t j = 0; j < len; ++j) {
      sm.re[0][j] = xr[b * len + j];
      sm.im[0][j] = xi[b * len + j];
    }
    stockham_passes(*plan.block, sm);
    const V *zr = sm.re[sm.cur], *zi = sm.im[sm.cur];
    V *outr = yr + plan.block_out[b], *outi = yi + plan.block_out[b];
    for (size_t k = 0; k < len; ++k) {
      outr[k * blocks] = zr[k];
      outi[k * blocks] = zi[k];
    }
  }
  w.cur = 1 - w.cur;
}

/// Forward DFT of the data in w.cur by mixed-radix passes (no Bluestein).
template <class V>
LUMEX_FFT_INLINE void stockham(const ComplexPlan& plan, Work<V>& w) {
  if (plan.block && w.small) {
    blocked(plan, w);
  } else {
    stockham_passes(plan, w);
  }
}

template <class V>
LUMEX_FFT_INLINE void stockham_passes(const ComplexPlan& plan, Work<V>& w) {
  for (const Stage& st : plan.stages) {
    const V *xr = w.re[w.cur], *xi = w.im[w.cur];
    V *yr = w.re[1 - w.cur], *yi = w.im[1 - w.cur];
    switch (st.p) {
      case 2: pass_fixed<2>(st, plan, xr, xi, yr, yi); break;
      case 3: pass_fixed<3>(st, plan, xr, xi, yr, yi); break;
      case 4: pass_fixed<4>(st, plan, xr, xi, yr, yi); break;
      case 5: pass_fixed<5>(st, plan, xr, xi, yr, yi); break;
      default: pass_generic(st, plan, xr, xi, yr, yi); break;
    }
    w.cur = 1 - w.cur;
  }
}

/// Pointwise product of the first len entries of w.cur with a kernel spectrum.
template <class V>
LUMEX_FFT_INLINE void multiply(Work<V>& w, const float* kr, const float* ki, size_t len) {
  V *xr = w.re[w.cur], *xi = w.im[w.cur];
  for (size_t j = 0; j < len; ++j) {
    Cx<V> v = mul(Cx<V>{xr[j], xi[j]}, kr[j], ki[j]);
    xr[j] = v.re;
    xi[j] = v.im;
  }
}

/// Cyclic convolution of the first conv.n entries of w.cur with the kernel
/// whose spectrum (over conv.n, divided by it) is kr + i ki.
template <class V>
LUMEX_FFT_INLINE void convolve(const ComplexPlan& conv, const float* kr, const float* ki,
                               Work<V>& w) {
  stockham(conv, w);
  multiply(w, kr, ki, conv.n);
  Work<V> inv = w.swapped();
  stockham(conv, inv);
  w.cur = inv.cur;
}

/// Rader for a prime n: X_0 is the sum; the other outputs, in the order
/// g^-a, are x_0 plus the convolution of the inputs in the order g^b.
template <class V>
LUMEX_FFT_INLINE void rader(const ComplexPlan& plan, Work<V>& w) {
  const size_t m = plan.n - 1;
  const uint32_t *pin = plan.perm_in.data(), *pout = plan.perm_out.data();
  const V *xr = w.re[w.cur], *xi = w.im[w.cur];
  V *ar = w.re[1 - w.cur], *ai = w.im[1 - w.cur];
  Cx<V> x0{xr[0], xi[0]}, sum = x0;
  for (size_t b = 0; b < m; ++b) {
    ar[b] = xr[pin[b]];
    ai[b] = xi[pin[b]];
    sum = sum + Cx<V>{ar[b], ai[b]};
  }
  w.cur = 1 - w.cur;
  convolve(*plan.conv, plan.kern_re.data(), plan.kern_im.data(), w);
  const V *cr = w.re[w.cur], *ci = w.im[w.cur];
  V *yr = w.re[1 - w.cur], *yi = w.im[1 - w.cur];
  yr[0] = sum.re;
  yi[0] = sum.im;
  for (size_t a = 0; a < m; ++a) {
    yr[pout[a]] = cr[a] + x0.re;
    yi[pout[a]] = ci[a] + x0.im;
  }
  w.cur = 1 - w.cur;
}

/// Forward DFT of the first plan.n entries of w.cur (buffers hold buf_len()).
/// Bluestein: X_k = c_k sum_j (x_j c_j) conj(c_{k-j}) with the chirp
/// c_j = exp(-i pi j^2 / n); the sum is a cyclic convolution done by a
/// power-of-two forward transform, a product with the precomputed kernel
/// spectrum, and an inverse transform.
template <class V>
LUMEX_FFT_INLINE void forward(const ComplexPlan& plan, Work<V>& w) {
  if (!plan.conv) {
    stockham(plan, w);
    return;
  }
  if (plan.rader) {
    rader(plan, w);
    return;
  }
  const size_t n = plan.n, len = plan.conv->n;
  V *xr = w.re[w.cur], *xi = w.im[w.cur];
  for (size_t j = n; j < len; ++j) xr[j] = xi[j] = V{};
  multiply(w, plan.chirp_re.data(), plan.chirp_im.data(), n);
  convolve(*plan.conv, plan.kern_re.data(), plan.kern_im.data(), w);
  multiply(w, plan.chirp_re.data(), plan.chirp_im.data(), n);
}

/// Unnormalized inverse DFT: the forward transform with real and imaginary
/// parts exchanged on the way in and out.
template <class V>
LUMEX_FFT_INLINE void inverse(const ComplexPlan& plan, Work<V>& w) {
  Work<V> inv = w.swapped();
  forward(plan, inv);
  w.cur = inv.cur;
}

}  // namespace lumex::core::cpu::fft
