// CPU kernel of Convolution. The general case is im2col + BLAS gemm per group:
// blocks of rows (one output position each) and of columns (kernel position x
// input channel) are gathered into scratch and multiplied by the weight matrix,
// accumulating over column blocks, so scratch stays bounded whatever the kernel
// size (the weight gradient's "kernel" is the whole cotangent). A 1x1 kernel
// multiplies the input in place; depthwise convolutions run a direct kernel
// vectorized over channels (a gemm with one channel per group would be a loop of
// dot products of length K).
#include <algorithm>
#include <cstring>

#include "engine/backend/cpu/copy.h"
#include "engine/backend/cpu/gemm.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/backend/cpu/target_clones.h"
#include "engine/primitives.h"
#include "engine/primitives/conv.h"

namespace lumex::core {

namespace {

using cpu::cast;
using cpu::gemm;
using cpu::gemm_t;
using cpu::Scratch;

/// Sizes of one convolution, spatial dims flattened where that is all we need.
struct Geometry {
  int sd;
  int64_t N, C, O, G, Cg, Og;
  std::vector<int64_t> L, K, T;  // input, kernel and output spatial sizes
  std::vector<int64_t> xstride;  // element stride of each input spatial dim
  int64_t Lprod = 1, Kprod = 1, Tprod = 1;

  Geometry(const array& x, const array& w, const array& out, int groups) {
    sd = x.ndim() - 2;
    N = x.shape(0);
    C = x.shape(-1);
    O = w.shape(0);
    G = groups;
    Cg = C / G;
    Og = O / G;
    for (int i = 0; i < sd; ++i) {
      L.push_back(x.shape(i + 1));
      K.push_back(w.shape(i + 1));
      T.push_back(out.shape(i + 1));
      Lprod *= L.back();
      Kprod *= K.back();
      Tprod *= T.back();
    }
    xstride.assign(sd, C);
    for (int i = sd - 2; i >= 0; --i) xstride[i] = xstride[i + 1] * L[i + 1];
  }
};

/// Where kernel tap k of output position (n, t) reads the input: the element
/// offset of its channel 0, or -1 when the tap falls on padding or on a zero
/// inserted by input dilation. Each tap's per-dim kernel offsets are worked out
/// once, so finding a tap costs no division (it runs once per row and tap).
class Taps {
 public:
  Taps(const Geometry& g, const ConvParams& p) : g_(g), base_(g.sd), koff_(g.Kprod * g.sd) {
    for (int i = 0; i < g.sd; ++i) dilated_ = dilated_ || p.input_dilation[i] != 1;
    for (int64_t k = 0; k < g.Kprod; ++k) {
      for (int64_t q = k, i = g.sd - 1; i >= 0; --i) {
        int64_t ki = q % g.K[i];
        q /= g.K[i];
        if (p.flip) ki = g.K[i] - 1 - ki;
        koff_[k * g.sd + i] = ki * p.kernel_dilation[i];
      }
    }
    for (int i = 0; i < g.sd; ++i) {
      stride_.push_back(p.stride[i]);
      pad_.push_back(p.padding_lo[i]);
      D_.push_back(p.input_dilation[i]);
    }
  }

  /// Positions the kernel's origin for output row r = n * Tprod + t.
  void set_row(int64_t r) {
    int64_t n = r / g_.Tprod, t = r % g_.Tprod;
    row_off_ = n * g_.Lprod * g_.C;
    for (int i = g_.sd - 1; i >= 0; --i) {
      int64_t ti = t % g_.T[i];
      t /= g_.T[i];
      base_[i] = ti * stride_[i] - pad_[i];
    }
  }

  int64_t offset(int64_t k) const {
    const int64_t* ko = koff_.data() + k * g_.sd;
    int64_t off = row_off_;
    for (int i = 0; i < g_.sd; ++i) {
      int64_t q = base_[i] + ko[i];
      if (dilated_) {
        if (q < 0 || q % D_[i]) return -1;
        q /= D_[i];
      }
      // One unsigned compare rejects both sides of the padding.
      if (static_cast<uint64_t>(q) >= static_cast<uint64_t>(g_.L[i])) return -1;
      off += q * g_.xstride[i];
    }
    return off;
  }

 private:
  const Geometry& g_;
  std::vector<int64_t> base_, koff_, stride_, pad_, D_;
  bool dilated_ = false;
  int64_t row_off_ = 0;
};

/// Runs f(lo, hi) over [0, rows), split across threads when `work` elements are
/// enough to pay for it (a row is much more than one element here).
template <typename F>
void parallel_rows(int64_t rows, int64_t work, F&& f) {
  if (work < (1 << 15) || cpu::num_threads() == 1 || rows < 2) {
    f(size_t(0), size_t(rows));
  } else {
    cpu::parallel_for_impl(rows, std::function<void(size_t, size_t)>(f));
  }
}

/// One set of output rows that read the same kernel taps: with input dilation D,
/// output positions of each residue mod D meet the non-zero inputs only through
/// a fixed subset of the taps (a transposed convolution of stride 2 uses a
/// quarter of a 2-D kernel per row), so skipping the others saves the gemm those
/// zeros would cost.
struct Phase {
  std::vector<int64_t> rows;  // global output rows (n * Tprod + t); empty: all
  std::vector<int64_t> taps;  // flat kernel indices read
};

std::vector<Phase> phases(const Geometry& g, const ConvParams& p) {
  int sd = g.sd;
  std::vector<int64_t> D(sd);
  int64_t nph = 1;
  for (int i = 0; i < sd; ++i) nph *= (D[i] = p.input_dilation[i]);
  if (nph == 1) {
    Phase all;
    for (int64_t k = 0; k < g.Kprod; ++k) all.taps.push_back(k);
    return {std::move(all)};
  }
  std::vector<Phase> out(nph);
  // Taps per residue vector r (r_i = t_i mod D_i).
  for (int64_t ph = 0; ph < nph; ++ph) {
    std::vector<int64_t> r(sd);
    for (int64_t q = ph, i = sd - 1; i >= 0; --i) {
      r[i] = q % D[i];
      q /= D[i];
    }
    for (int64_t k = 0; k < g.Kprod; ++k) {
      bool ok = true;
      for (int64_t q = k, i = sd - 1; i >= 0 && ok; --i) {
        int64_t ki = q % g.K[i];
        q /= g.K[i];
        if (p.flip) ki = g.K[i] - 1 - ki;
        int64_t v = r[i] * p.stride[i] + ki * p.kernel_dilation[i] - p.padding_lo[i];
        ok = ((v % D[i]) + D[i]) % D[i] == 0;
      }
      if (ok) out[ph].taps.push_back(k);
    }
  }
  for (int64_t row = 0; row < g.N * g.Tprod; ++row) {
    int64_t ph = 0, mul = 1;
    for (int64_t t = row % g.Tprod, i = sd - 1; i >= 0; --i) {
      ph += ((t % g.T[i]) % D[i]) * mul;
      mul *= D[i];
      t /= g.T[i];
    }
    out[ph].rows.push_back(row);
  }
  return out;
}

/// Gathers rows [m0, m0 + rows) and columns [k0, k0 + kw) of the im2col matrix
/// of phase ph (column = tap * Cg + channel) from group input xg into dst (rows, kw).
/// Taps that read adjacent input (neighbours along the last spatial dim, all
/// channels) are copied as one run: a 3x3 kernel over 16 channels is 3 copies
/// of 48 values per row rather than 9 of 16.
template <typename T, typename Cx>
void gather_cols(const Geometry& g, Taps& taps, const Phase& ph, const T* xg, int64_t m0,
                 int64_t rows, int64_t k0, int64_t kw, Cx* dst) {
  const T* run = nullptr;
  int64_t run_n = 0;
  auto flush = [&] {
    if constexpr (std::is_same_v<T, Cx>) {
      std::memcpy(dst, run, run_n * sizeof(Cx));
    } else {
      for (int64_t i = 0; i < run_n; ++i) dst[i] = cast<Cx>(run[i]);
    }
    dst += run_n;
    run_n = 0;
  };
  for (int64_t r = 0; r < rows; ++r) {
    int64_t m = m0 + r;
    taps.set_row(ph.rows.empty() ? m : ph.rows[m]);
    int64_t col = k0, end = k0 + kw;
    while (col < end) {
      int64_t j = col / g.Cg, c = col % g.Cg;
      int64_t n = std::min(g.Cg - c, end - col);
      int64_t off = taps.offset(ph.taps[j]);
      if (off < 0) {
        if (run_n) flush();
        std::fill(dst, dst + n, Cx(0));
        dst += n;
      } else if (run_n && run + run_n == xg + off + c) {
        run_n += n;
      } else {
        if (run_n) flush();
        run = xg + off + c;
        run_n = n;
      }
      col += n;
    }
    if (run_n) flush();
  }
}

/// Copies n values, converting to Cx.
template <typename T, typename Cx>
inline void copy_as(const T* src, int64_t n, Cx* dst) {
  if constexpr (std::is_same_v<T, Cx>) {
    std::memcpy(dst, src, n * sizeof(Cx));
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = cast<Cx>(src[i]);
  }
}

/// True when whole im2col rows can take gather_rows_plain: no input dilation and
/// no kernel flip.
bool plain_rows(const ConvParams& p) {
  if (p.flip) return false;
  for (int d : p.input_dilation) {
    if (d != 1) return false;
  }
  return true;
}

/// gather_cols for whole rows [m0, m0 + rows) when plain_rows(p): the output
/// position advances without divisions, and along the last spatial dim the taps
/// that fall inside the input are found by two bounds, then copied as one run
/// when the group is all the channels (else one copy per tap).
template <typename T, typename Cx>
void gather_rows_plain(const Geometry& g, const ConvParams& p, const T* xg, int64_t m0,
                       int64_t rows, Cx* dst) {
  const int sd = g.sd, last = sd - 1;
  std::vector<int64_t> t(sd), ko(sd, 0);
  int64_t n = m0 / g.Tprod;
  for (int64_t q = m0 % g.Tprod, i = last; i >= 0; --i) {
    t[i] = q % g.T[i];
    q /= g.T[i];
  }
  const int64_t Kl = g.K[last], Ll = g.L[last], dl = p.kernel_dilation[last];
  const int64_t seg = Kl * g.Cg, outer = g.Kprod / Kl;
  const bool runs = dl == 1 && g.Cg == g.C;
  for (int64_t r = 0; r < rows; ++r) {
    const T* xn = xg + n * g.Lprod * g.C;
    const int64_t bl = t[last] * p.stride[last] - p.padding_lo[last];
    // Taps kx in [lo, hi) of the last dim read inside the input.
    const int64_t lo = std::min(Kl, bl >= 0 ? 0 : (-bl + dl - 1) / dl);
    const int64_t hi = Ll - bl <= 0 ? 0 : std::min(Kl, (Ll - bl - 1) / dl + 1);
    std::fill(ko.begin(), ko.end(), 0);
    for (int64_t o = 0; o < outer; ++o) {
      int64_t off = 0;
      bool inside = hi > lo;
      for (int i = 0; i < last && inside; ++i) {
        int64_t q = t[i] * p.stride[i] - p.padding_lo[i] + ko[i] * p.kernel_dilation[i];
        inside = static_cast<uint64_t>(q) < static_cast<uint64_t>(g.L[i]);
        off += q * g.xstride[i];
      }
      if (!inside) {
        std::fill(dst, dst + seg, Cx(0));
      } else {
        std::fill(dst, dst + lo * g.Cg, Cx(0));
        const T* src = xn + off + (bl + lo * dl) * g.C;
        if (runs) {
          copy_as(src, (hi - lo) * g.C, dst + lo * g.Cg);
        } else {
          for (int64_t kx = lo; kx < hi; ++kx) {
            copy_as(src + (kx - lo) * dl * g.C, g.Cg, dst + kx * g.Cg);
          }
        }
        std::fill(dst + hi * g.Cg, dst + seg, Cx(0));
      }
      dst += seg;
      for (int i = last - 1; i >= 0; --i) {
        if (++ko[i] < g.K[i]) break;
        ko[i] = 0;
      }
    }
    for (int i = last; i >= 0; --i) {
      if (++t[i] < g.T[i]) break;
      t[i] = 0;
      if (i == 0) ++n;
    }
  }
}

/// im2col + gemm for the rows of one phase: out (rows, O) with leading dim O,
/// x row-contiguous in T, w (O, ntaps * Cg) in Cx with leading dim ldw.
template <typename T, typename Cx>
void phase_gemm(const Geometry& g, const ConvParams& p, const Phase& ph, const T* x,
                const Cx* w, int64_t ldw, Cx* out) {
  const int64_t M = ph.rows.empty() ? g.N * g.Tprod : ph.rows.size();
  const int64_t Kc = static_cast<int64_t>(ph.taps.size()) * g.Cg;
  if (M == 0) return;
  if (Kc == 0) {
    for (int64_t r = 0; r < M; ++r) std::fill(out + r * g.O, out + (r + 1) * g.O, Cx(0));
    return;
  }
  // Blocks of about 4 MiB of float32: large enough for gemm, small enough to stay
  // near the caches and to bound memory. Few rows (a weight gradient) take wide
  // column blocks, accumulated into the output. Each thread takes whole blocks
  // (gather, then a single-threaded gemm), at least one block per thread.
  constexpr int64_t budget = int64_t(1) << 20;
  const int64_t nt = cpu::num_threads();
  int64_t kb = std::min(Kc, std::max<int64_t>(std::min<int64_t>(Kc, 1024), budget / M));
  int64_t mb = std::max<int64_t>(1, std::min(M, budget / kb));
  if (nt > 1 && g.G < nt) mb = std::min(mb, std::max<int64_t>(16, (M + nt - 1) / nt));
  int64_t nblk = (M + mb - 1) / mb;
  if (nt > 1 && g.G * nblk > 1 && mb > 64) {
    // Equal blocks, a multiple of the threads in all: 10 blocks of which the last
    // holds 7 rows kept one thread a block longer than the other.
    while (g.G * nblk % nt) ++nblk;
    mb = (M + nblk - 1) / nblk;
    nblk = (M + mb - 1) / mb;
  }
  const int64_t tasks = g.G * nblk;
  const bool whole_rows = kb == Kc && ph.rows.empty() && plain_rows(p);
  auto run = [&](size_t lo, size_t hi) {
    Scratch cols(static_cast<size_t>(mb * kb) * sizeof(Cx));
    Cx* A = cols.as<Cx>();
    Taps taps(g, p);
    for (size_t task = lo; task < hi; ++task) {
      int64_t gi = static_cast<int64_t>(task) / nblk;
      int64_t m0 = static_cast<int64_t>(task) % nblk * mb;
      int64_t rows = std::min(mb, M - m0);
      const T* xg = x + gi * g.Cg;
      for (int64_t k0 = 0; k0 < Kc; k0 += kb) {
        int64_t kw = std::min(kb, Kc - k0);
        if (whole_rows) {
          gather_rows_plain(g, p, xg, m0, rows, A);
        } else {
          gather_cols(g, taps, ph, xg, m0, rows, k0, kw, A);
        }
        gemm<Cx>(false, true, rows, g.Og, kw, Cx(1), A, kw, w + gi * g.Og * ldw + k0, ldw,
                 k0 == 0 ? Cx(0) : Cx(1), out + m0 * g.O + gi * g.Og, g.O);
      }
    }
  };
  if (tasks > 1 && nt > 1 && M * Kc * g.Og * g.G >= (int64_t(1) << 20)) {
    cpu::SerialBlas serial;
    cpu::parallel_for_impl(tasks, std::function<void(size_t, size_t)>(run));
  } else {
    run(0, tasks);
  }
}

/// out (N*Tprod, O) in Cx; x and w row-contiguous, w already in Cx.
template <typename T, typename Cx>
void conv_gemm(const Geometry& g, const ConvParams& p, const T* x, const Cx* w, Cx* out) {
  const int64_t M = g.N * g.Tprod, Kc = g.Kprod * g.Cg;
  bool pointwise = g.Kprod == 1;
  for (int i = 0; i < g.sd; ++i) {
    pointwise = pointwise && p.stride[i] == 1 && p.padding_lo[i] == 0 &&
                p.padding_hi[i] == 0 && p.input_dilation[i] == 1;
  }
  if constexpr (std::is_same_v<T, Cx>) {
    if (pointwise) {
      // A 1x1 kernel reads the input as it is: (N*L, C) times (O, C)^T per group.
      for (int64_t gi = 0; gi < g.G; ++gi) {
        gemm<Cx>(false, true, M, g.Og, g.Cg, Cx(1), x + gi * g.Cg, g.C,
                 w + gi * g.Og * Kc, Kc, Cx(0), out + gi * g.Og, g.O);
      }
      return;
    }
  }
  auto plan = phases(g, p);
  if (plan.size() == 1) {
    phase_gemm<T, Cx>(g, p, plan[0], x, w, Kc, out);
    return;
  }
  for (const auto& ph : plan) {
    if (ph.rows.empty()) continue;
    // This phase's weight columns, then its rows scattered into place.
    int64_t kc = static_cast<int64_t>(ph.taps.size()) * g.Cg;
    std::vector<Cx> wp(std::max<int64_t>(g.O * kc, 1));
    for (int64_t o = 0; o < g.O; ++o) {
      for (size_t j = 0; j < ph.taps.size(); ++j) {
        std::copy_n(w + o * Kc + ph.taps[j] * g.Cg, g.Cg, wp.data() + o * kc + j * g.Cg);
      }
    }
    std::vector<Cx> ob(ph.rows.size() * g.O);
    phase_gemm<T, Cx>(g, p, ph, x, wp.data(), kc, ob.data());
    for (size_t r = 0; r < ph.rows.size(); ++r) {
      std::copy_n(ob.data() + r * g.O, g.O, out + ph.rows[r] * g.O);
    }
  }
}

LUMEX_CLONES void fma_row(float* acc, const float* x, const float* w, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] += x[i] * w[i];
}

/// Depthwise (one input and one output channel per group): every output row is
/// a sum over kernel taps of input rows times per-channel weights.
template <typename T, typename Cx>
void conv_depthwise(const Geometry& g, const ConvParams& p, const T* x, const T* w,
                    Cx* out) {
  const int64_t C = g.C, M = g.N * g.Tprod;
  // Weights as (Kprod, C) so a tap's weights are contiguous over channels.
  std::vector<Cx> wt(g.Kprod * C);
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t k = 0; k < g.Kprod; ++k) wt[k * C + c] = cast<Cx>(w[c * g.Kprod + k]);
  }
  parallel_rows(M, M * g.Kprod * C, [&](size_t lo, size_t hi) {
    Taps taps(g, p);
    std::vector<Cx> xrow(std::is_same_v<T, Cx> ? 0 : C);
    for (size_t r = lo; r < hi; ++r) {
      taps.set_row(static_cast<int64_t>(r));
      Cx* acc = out + r * C;
      std::fill(acc, acc + C, Cx(0));
      for (int64_t k = 0; k < g.Kprod; ++k) {
        int64_t off = taps.offset(k);
        if (off < 0) continue;
        const Cx* src;
        if constexpr (std::is_same_v<T, Cx>) {
          src = x + off;
        } else {
          for (int64_t c = 0; c < C; ++c) xrow[c] = cast<Cx>(x[off + c]);
          src = xrow.data();
        }
        if constexpr (std::is_same_v<Cx, float>) {
          fma_row(acc, src, wt.data() + k * C, C);
        } else {
          const Cx* wk = wt.data() + k * C;
          for (int64_t c = 0; c < C; ++c) acc[c] += src[c] * wk[c];
        }
      }
    }
  });
}

/// Rows [0, M) cut into a fixed number of slabs, each summed into its own
/// partial result: the threads share the rows without sharing an accumulator,
/// and the order of the final sum does not depend on which thread ran what.
struct Slabs {
  int64_t count, M;
  Slabs(int64_t M_, int64_t work) : M(M_) {
    count = work < (int64_t(1) << 20) || cpu::num_threads() == 1
                ? 1
                : std::clamp<int64_t>(M / 256, 1, 8);
  }
  int64_t lo(int64_t s) const { return M * s / count; }
  int64_t hi(int64_t s) const { return M * (s + 1) / count; }

  /// Runs f(slab, partial) for every slab, partial zeroed, n elements each;
  /// out = the sum of the partials, in slab order.
  template <typename Cx, typename F>
  void run(int64_t n, Cx* out, F&& f) const {
    std::vector<Cx> parts(static_cast<size_t>((count - 1) * n), Cx(0));
    std::fill(out, out + n, Cx(0));
    auto part = [&](int64_t s) { return s == 0 ? out : parts.data() + (s - 1) * n; };
    if (count == 1) {
      f(int64_t(0), out);
      return;
    }
    {
      cpu::SerialBlas serial;
      cpu::parallel_for_impl(count, [&](size_t a, size_t b) {
        for (size_t s = a; s < b; ++s) f(static_cast<int64_t>(s), part(s));
      });
    }
    for (int64_t s = 1; s < count; ++s) {
      const Cx* src = part(s);
      for (int64_t i = 0; i < n; ++i) out[i] += src[i];
    }
  }
};

/// Weight gradient dw (O, Kprod * Cg) = gy^T @ im2col(x) per group, gy (M, O):
/// the im2col blocks of the forward pass, multiplied from the left by the
/// cotangent's rows, so neither operand is transposed in memory.
template <typename Cx>
void weight_grad_gemm(const Geometry& g, const ConvParams& p, const Cx* x, const Cx* gy,
                      Cx* dw) {
  const int64_t M = g.N * g.Tprod, Kc = g.Kprod * g.Cg;
  bool pointwise = g.Kprod == 1;
  for (int i = 0; i < g.sd; ++i) {
    pointwise = pointwise && p.stride[i] == 1 && p.padding_lo[i] == 0 &&
                p.padding_hi[i] == 0 && p.input_dilation[i] == 1;
  }
  if (pointwise) {
    // A 1x1 kernel's im2col is the input itself.
    for (int64_t gi = 0; gi < g.G; ++gi) {
      gemm<Cx>(true, false, g.Og, g.Cg, M, Cx(1), gy + gi * g.Og, g.O, x + gi * g.Cg, g.C,
               Cx(0), dw + gi * g.Og * Kc, Kc);
    }
    return;
  }
  Phase all;
  for (int64_t k = 0; k < g.Kprod; ++k) all.taps.push_back(k);
  // Blocks of about 512 KiB of float32, near the caches; the gemm's output
  // block (Og, kw) stays hot while the rows of a slab stream through it.
  const int64_t kb = std::min<int64_t>(Kc, 4096);
  const int64_t mb = std::max<int64_t>(16, (int64_t(1) << 17) / kb);
  const bool whole_rows = kb == Kc && plain_rows(p);
  Slabs slabs(M, M * Kc * g.O);
  slabs.run(g.O * Kc, dw, [&](int64_t s, Cx* acc) {
    const int64_t lo = slabs.lo(s), hi = slabs.hi(s);
    Scratch cols(static_cast<size_t>(std::min(mb, hi - lo) * kb) * sizeof(Cx));
    Cx* A = cols.as<Cx>();
    Taps taps(g, p);
    for (int64_t gi = 0; gi < g.G; ++gi) {
      for (int64_t k0 = 0; k0 < Kc; k0 += kb) {
        int64_t kw = std::min(kb, Kc - k0);
        for (int64_t m0 = lo; m0 < hi; m0 += mb) {
          int64_t rows = std::min(mb, hi - m0);
          if (whole_rows) {
            gather_rows_plain(g, p, x + gi * g.Cg, m0, rows, A);
          } else {
            gather_cols(g, taps, all, x + gi * g.Cg, m0, rows, k0, kw, A);
          }
          gemm<Cx>(true, false, g.Og, kw, rows, Cx(1), gy + m0 * g.O + gi * g.Og, g.O, A, kw,
                   Cx(1), acc + gi * g.Og * Kc + k0, Kc);
        }
      }
    }
  });
}

/// Depthwise weight gradient dw (C, Kprod): per tap, the sum over rows of the
/// cotangent times the input row that tap read, vectorized over channels.
template <typename Cx>
void weight_grad_depthwise(const Geometry& g, const ConvParams& p, const Cx* x,
                           const Cx* gy, Cx* dw) {
  const int64_t C = g.C, M = g.N * g.Tprod;
  std::vector<Cx> acc(g.Kprod * C);  // (Kprod, C): a tap's channels contiguous
  Slabs slabs(M, M * g.Kprod * C);
  slabs.run(g.Kprod * C, acc.data(), [&](int64_t s, Cx* part) {
    Taps taps(g, p);
    for (int64_t r = slabs.lo(s); r < slabs.hi(s); ++r) {
      taps.set_row(r);
      const Cx* gr = gy + r * C;
      for (int64_t k = 0; k < g.Kprod; ++k) {
        int64_t off = taps.offset(k);
        if (off < 0) continue;
        if constexpr (std::is_same_v<Cx, float>) {
          fma_row(part + k * C, x + off, gr, C);
        } else {
          Cx* a = part + k * C;
          for (int64_t c = 0; c < C; ++c) a[c] += x[off + c] * gr[c];
        }
      }
    }
  });
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t k = 0; k < g.Kprod; ++k) dw[c * g.Kprod + k] = acc[k * C + c];
  }
}

/// Row-contiguous values of a, in the gemm type Cx (a copy only when needed).
template <typename T, typename Cx>
const Cx* dense_as(const array& a, array& keep, std::vector<Cx>& conv) {
  keep = a;
  if (!(a.flags().row_contiguous && a.data_size() == a.size())) {
    keep = array::empty_buffer(a.shape(), a.dtype());
    cpu::copy_row_contiguous(a, keep);
  }
  if constexpr (std::is_same_v<T, Cx>) {
    return keep.data<Cx>();
  } else {
    const T* src = keep.data<T>();
    conv.resize(a.size());
    for (size_t i = 0; i < conv.size(); ++i) conv[i] = cast<Cx>(src[i]);
    return conv.data();
  }
}

template <typename T>
void weight_grad_impl(const array& x_in, const array& g_in, array& out, const ConvParams& p) {
  using Cx = gemm_t<T>;
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  if (x_in.size() == 0 || g_in.size() == 0) {
    std::memset(out.data<T>(), 0, out.nbytes());
    return;
  }
  // The geometry of the forward convolution: its output has the cotangent's shape.
  Geometry g(x_in, out, g_in, p.groups);
  array xk = x_in, gk = g_in;
  std::vector<Cx> xc, gc, oc;
  const Cx* x = dense_as<T, Cx>(x_in, xk, xc);
  const Cx* gy = dense_as<T, Cx>(g_in, gk, gc);
  Cx* dw;
  if constexpr (std::is_same_v<T, Cx>) {
    dw = out.data<Cx>();
  } else {
    oc.resize(out.size());
    dw = oc.data();
  }
  if (g.Cg == 1 && g.Og == 1) {
    weight_grad_depthwise<Cx>(g, p, x, gy, dw);
  } else {
    weight_grad_gemm<Cx>(g, p, x, gy, dw);
  }
  if constexpr (!std::is_same_v<T, Cx>) {
    T* o = out.data<T>();
    for (size_t i = 0; i < oc.size(); ++i) o[i] = cast<T>(oc[i]);
  }
}

template <typename T>
void conv_impl(const array& x_in, const array& w_in, array& out, const ConvParams& p) {
  using Cx = gemm_t<T>;
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  auto dense = [](const array& a) {
    if (a.flags().row_contiguous && a.data_size() == a.size()) return a;
    auto c = array::empty_buffer(a.shape(), a.dtype());
    cpu::copy_row_contiguous(a, c);
    return c;
  };
  Geometry g(x_in, w_in, out, p.groups);
  if (x_in.size() == 0 || w_in.size() == 0) {
    std::memset(out.data<T>(), 0, out.nbytes());  // an empty sum
    return;
  }
  array x = dense(x_in), w = dense(w_in);

  Cx* dst;
  std::unique_ptr<Scratch> obuf;
  if constexpr (std::is_same_v<T, Cx>) {
    dst = out.data<Cx>();
  } else {
    obuf = std::make_unique<Scratch>(out.size() * sizeof(Cx));
    dst = obuf->template as<Cx>();
  }

  bool depthwise = g.Cg == 1 && g.Og == 1;
  for (int d : p.input_dilation) depthwise = depthwise && d == 1;
  if (depthwise) {
    conv_depthwise<T, Cx>(g, p, x.data<T>(), w.data<T>(), dst);
  } else if constexpr (std::is_same_v<T, Cx>) {
    conv_gemm<T, Cx>(g, p, x.data<T>(), w.data<T>(), dst);
  } else {
    std::vector<Cx> wc(w.size());
    const T* ws = w.data<T>();
    for (size_t i = 0; i < wc.size(); ++i) wc[i] = cast<Cx>(ws[i]);
    conv_gemm<T, Cx>(g, p, x.data<T>(), wc.data(), dst);
  }

  if constexpr (!std::is_same_v<T, Cx>) {
    T* o = out.data<T>();
    size_t n = out.size();
    for (size_t i = 0; i < n; ++i) o[i] = cast<T>(dst[i]);
  }
}

/// Runs impl<T> for the output's floating dtype T.
template <template <typename> class Impl>
void dispatch_float(const std::vector<array>& inputs, array& out, const ConvParams& p) {
  dispatch_dtype(out.dtype(), [&](auto t) {
    using T = decltype(t);
    if constexpr (cpu::is_float_v<T>) {
      Impl<T>::run(inputs[0], inputs[1], out, p);
    } else {
      throw std::invalid_argument(
          msg("[conv] Unsupported dtype ", dtype_name(out.dtype()), "."));
    }
  });
}

template <typename T>
struct Forward {
  static void run(const array& x, const array& w, array& out, const ConvParams& p) {
    conv_impl<T>(x, w, out, p);
  }
};
template <typename T>
struct WeightGrad {
  static void run(const array& x, const array& g, array& out, const ConvParams& p) {
    weight_grad_impl<T>(x, g, out, p);
  }
};

}  // namespace

void Convolution::eval_cpu(const std::vector<array>& inputs, array& out) {
  dispatch_float<Forward>(inputs, out, p_);
}

void ConvWeightGrad::eval_cpu(const std::vector<array>& inputs, array& out) {
  dispatch_float<WeightGrad>(inputs, out, p_);
}

}  // namespace lumex::core
