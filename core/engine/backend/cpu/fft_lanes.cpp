// Running an FFT pass on groups of 8 lines: each group is gathered (any
// strides, negative included) into split real and imaginary lane buffers,
// transformed together in float32 (fft_kernels.h), and scattered back. Real
// transforms of even length n run a complex transform of length n / 2 on
// packed samples plus a split pass. Groups are independent, so large passes
// are spread over the thread pool.
// Every function that takes or returns vectors is force-inlined into a
// target clone, so no vector crosses a real call and the ABI note is moot.
#pragma GCC diagnostic ignored "-Wpsabi"

#include <algorithm>
#include <cstdlib>

#include "engine/backend/cpu/fft_kernels.h"
#include "engine/backend/cpu/fft_pass.h"
#include "engine/backend/cpu/fft_transfer.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/backend/cpu/target_clones.h"

namespace lumex::core::cpu::fft {

namespace {

/// Lane buffers as floats: entry j of lane l is at j * W + l.
template <class V>
LUMEX_FFT_INLINE float* flat(V* v) {
  return reinterpret_cast<float*>(v);
}

/// Complex to complex: gather, transform, scatter.
template <int W>
LUMEX_FFT_INLINE void run_c2c(const Pass& ps, size_t l0, int count, Work<typename Lanes<W>::V>& w) {
  LineSet in{ps.src_off.data() + l0, ps.src_st, 1, count};
  LineSet out{ps.dst_off.data() + l0, ps.dst_st, 1, count};
  gather<W>(static_cast<const float*>(ps.src), in, ps.n, flat(w.re[0]), flat(w.im[0]));
  w.cur = 0;
  if (ps.inverse) {
    inverse(*ps.cplan, w);
  } else {
    forward(*ps.cplan, w);
  }
  scatter<W>(static_cast<float*>(ps.dst), out, ps.n, flat(w.re[w.cur]), flat(w.im[w.cur]),
             ps.scale);
}

/// Real to complex. Even n packs z_j = x_{2j} + i x_{2j+1}; with Z = DFT(z),
/// the even and odd samples' spectra are E_k = (Z_k + conj Z_{h-k}) / 2 and
/// O_k = -i (Z_k - conj Z_{h-k}) / 2, and X_k = E_k + W_n^k O_k.
template <int W>
LUMEX_FFT_INLINE void run_r2c(const Pass& ps, size_t l0, int count, Work<typename Lanes<W>::V>& w) {
  using V = typename Lanes<W>::V;
  const RealPlan& rp = *ps.rplan;
  size_t m = rp.cplx->n;  // complex length
  LineSet in{ps.src_off.data() + l0, 2 * ps.src_st, ps.src_st, count};
  const auto* src = static_cast<const float*>(ps.src);
  if (rp.packed()) {
    gather<W>(src, in, m, flat(w.re[0]), flat(w.im[0]));
  } else {
    in.im_step = 0;  // reads x_j as the real part; the imaginary part is zeroed below
    in.pair_step = ps.src_st;
    gather<W>(src, in, m, flat(w.re[0]), flat(w.im[0]));
    for (size_t j = 0; j < m; ++j) w.im[0][j] = V{};
  }
  w.cur = 0;
  forward(*rp.cplx, w);
  const V *zr = w.re[w.cur], *zi = w.im[w.cur];
  V *xr = w.re[1 - w.cur], *xi = w.im[1 - w.cur];
  size_t bins = ps.n / 2 + 1;
  if (rp.packed()) {
    for (size_t k = 0; k < bins; ++k) {
      size_t a = k == m ? 0 : k, b = k == 0 ? 0 : m - k;
      Cx<V> zk{zr[a], zi[a]}, zc{zr[b], -zi[b]};
      Cx<V> e = scale(zk + zc, 0.5f), o = neg_i(scale(zk - zc, 0.5f));
      Cx<V> x = e + mul(o, rp.w_re[k], rp.w_im[k]);
      xr[k] = x.re;
      xi[k] = x.im;
    }
  } else {
    xr = w.re[w.cur];
    xi = w.im[w.cur];
  }
  LineSet out{ps.dst_off.data() + l0, ps.dst_st, 1, count};
  scatter<W>(static_cast<float*>(ps.dst), out, bins, flat(xr), flat(xi), ps.scale);
}

/// Complex (n / 2 + 1 Hermitian bins) to real. Even n inverts the r2c split:
/// Z_k = (X_k + conj X_{h-k}) + i conj(W_n^k) (X_k - conj X_{h-k}), whose
/// inverse transform is 2 (x_{2j} + i x_{2j+1}). Odd n extends the bins to the
/// full spectrum. The imaginary parts of X_0 (and X_{n/2}) are ignored, as in
/// NumPy.
template <int W>
LUMEX_FFT_INLINE void run_c2r(const Pass& ps, size_t l0, int count, Work<typename Lanes<W>::V>& w) {
  using V = typename Lanes<W>::V;
  const RealPlan& rp = *ps.rplan;
  size_t m = rp.cplx->n, bins = ps.n / 2 + 1;
  // Packed lengths read the bins into buffer 1 (sized buf_len() + 1) first.
  int b = rp.packed() ? 1 : 0;
  LineSet in{ps.src_off.data() + l0, ps.src_st, 1, count};
  gather<W>(static_cast<const float*>(ps.src), in, bins, flat(w.re[b]), flat(w.im[b]));
  V *xr = w.re[b], *xi = w.im[b];
  xi[0] = V{};
  if (rp.packed()) {
    xi[m] = V{};
    V *zr = w.re[0], *zi = w.im[0];
    for (size_t k = 0; k < m; ++k) {
      Cx<V> xk{xr[k], xi[k]}, xc{xr[m - k], -xi[m - k]};
      Cx<V> d = mul(xk - xc, rp.w_re[k], -rp.w_im[k]);
      Cx<V> z = xk + xc + Cx<V>{-d.im, d.re};  // + i d
      zr[k] = z.re;
      zi[k] = z.im;
    }
  } else {
    for (size_t k = bins; k < m; ++k) {
      xr[k] = xr[m - k];
      xi[k] = -xi[m - k];
    }
  }
  w.cur = 0;
  inverse(*rp.cplx, w);
  LineSet out{ps.dst_off.data() + l0, 2 * ps.dst_st, ps.dst_st, count};
  auto* dst = static_cast<float*>(ps.dst);
  if (rp.packed()) {
    scatter<W>(dst, out, m, flat(w.re[w.cur]), flat(w.im[w.cur]), ps.scale);
  } else {
    // Odd lengths keep only the real part: one "pair" per sample, both halves
    // written to the same place, the real part last.
    out.pair_step = ps.dst_st;
    out.im_step = 0;
    scatter<W>(dst, out, m, flat(w.im[w.cur]), flat(w.re[w.cur]), ps.scale);
  }
}

/// Aligned lane buffers for one thread: two ping-pong buffers of real and
/// imaginary parts, one spare entry each (c2r reads bin n / 2 from buffer 1),
/// and with eight lanes the small buffers of blocked transforms.
template <int W>
struct Scratch {
  using V = typename Lanes<W>::V;
  std::unique_ptr<V[], decltype(&std::free)> mem{nullptr, &std::free};
  Work<V> work, small;
  explicit Scratch(size_t len) {
    size_t per = len + 1, blk = W == 8 && len > kBlockLen ? kBlockLen : 0;
    size_t bytes = (4 * per + 4 * blk) * sizeof(V);
    mem.reset(static_cast<V*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
    for (int b = 0; b < 2; ++b) {
      work.re[b] = mem.get() + (2 * b) * per;
      work.im[b] = mem.get() + (2 * b + 1) * per;
      small.re[b] = mem.get() + 4 * per + (2 * b) * blk;
      small.im[b] = mem.get() + 4 * per + (2 * b + 1) * blk;
    }
    if (blk) work.small = &small;
  }
};

template <int W>
LUMEX_FFT_INLINE void run_groups(const Pass& ps, size_t g0, size_t g1) {
  const ComplexPlan& plan = ps.rplan ? *ps.rplan->cplx : *ps.cplan;
  Scratch<W> scratch(plan.buf_len());
  size_t lines = ps.src_off.size();
  for (size_t g = g0; g < g1; ++g) {
    size_t l0 = g * W;
    int count = static_cast<int>(std::min<size_t>(W, lines - l0));
    switch (ps.mode) {
      case Mode::c2c: run_c2c<W>(ps, l0, count, scratch.work); break;
      case Mode::r2c: run_r2c<W>(ps, l0, count, scratch.work); break;
      case Mode::c2r: run_c2r<W>(ps, l0, count, scratch.work); break;
    }
  }
}

// The entry points compiled per instruction set. Eight lanes fill an AVX2
// register of floats; a single line runs one lane rather than waste seven.
LUMEX_CLONES void run_groups_w8(const Pass& ps, size_t g0, size_t g1) {
  run_groups<8>(ps, g0, g1);
}
LUMEX_CLONES void run_groups_w1(const Pass& ps, size_t g0, size_t g1) {
  run_groups<1>(ps, g0, g1);
}

}  // namespace

void run_lanes(const Pass& ps) {
  size_t lines = ps.src_off.size();
  if (lines == 0) return;
  // Eight lanes need 8x the scratch; very long lines run one at a time.
  bool wide = lines > 1 && ps.n <= (size_t(1) << 18);
  size_t width = wide ? 8 : 1;
  size_t groups = (lines + width - 1) / width;
  auto body = [&](size_t g0, size_t g1) {
    if (wide) {
      run_groups_w8(ps, g0, g1);
    } else {
      run_groups_w1(ps, g0, g1);
    }
  };
  if (groups > 1 && lines * ps.n >= cpu::parallel_threshold(cpu::Cost::heavy) &&
      cpu::num_threads() > 1) {
    cpu::parallel_for_impl(groups, body);
  } else {
    body(0, groups);
  }
}

}  // namespace lumex::core::cpu::fft
