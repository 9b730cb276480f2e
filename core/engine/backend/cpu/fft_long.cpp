// Long lines, few of them: lanes would sit idle, so each line is split
// four-step into two lane passes over shorter lines (a column and a row
// transform of the line viewed as an n1 x n2 matrix, with twiddles between),
// which also spreads one line over the thread pool. Lengths with a large prime
// factor go through Rader or Bluestein at this level, so their convolutions
// are split the same way. Real lines are packed into a complex line of half the
// length, as in the lane kernels.
#include <complex>
#include <vector>

#include "engine/backend/cpu/fft_pass.h"
#include "engine/backend/cpu/parallel.h"

namespace lumex::core::cpu::fft {

namespace {

using cf = std::complex<float>;

/// One strided line of complex values (offset and stride in floats).
struct Line {
  float* base;
  int64_t off, st;
  float* at(size_t j) const { return base + off + static_cast<int64_t>(j) * st; }
  cf get(size_t j) const { return {at(j)[0], at(j)[1]}; }
  void set(size_t j, cf v) const {
    at(j)[0] = v.real();
    at(j)[1] = v.imag();
  }
};

Line contiguous(std::vector<cf>& v) { return {reinterpret_cast<float*>(v.data()), 0, 2}; }

template <typename F>
void each(size_t n, F&& f) {
  cpu::parallel_for(n, [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) f(i);
  }, cpu::Cost::moderate);
}

void line_c2c(const std::shared_ptr<const ComplexPlan>& plan, bool inverse, Line in, Line out,
              float scale);

/// Cyclic convolution of `a` (length plan.conv->n) with the plan's kernel.
void convolve_line(const ComplexPlan& plan, std::vector<cf>& a) {
  Line buf = contiguous(a);
  line_c2c(plan.conv, false, buf, buf, 1.0f);
  each(a.size(), [&](size_t j) { a[j] *= cf(plan.kern_re[j], plan.kern_im[j]); });
  line_c2c(plan.conv, true, buf, buf, 1.0f);
}

/// Exchanges real and imaginary parts: a forward transform between two
/// swaps is the unnormalized inverse.
cf swap_if(bool inverse, cf v) { return inverse ? cf(v.imag(), v.real()) : v; }

/// Bluestein on one line: chirp, convolve, chirp again.
void bluestein_line(const ComplexPlan& plan, bool inverse, Line in, Line out, float scale) {
  size_t n = plan.n;
  auto chirp = [&](size_t j) { return cf(plan.chirp_re[j], plan.chirp_im[j]); };
  std::vector<cf> a(plan.conv->n, cf(0));
  each(n, [&](size_t j) { a[j] = swap_if(inverse, in.get(j)) * chirp(j); });
  convolve_line(plan, a);
  each(n, [&](size_t k) { out.set(k, swap_if(inverse, a[k] * chirp(k) * scale)); });
}

/// Rader on one line: permute, convolve, add x_0, permute back.
void rader_line(const ComplexPlan& plan, bool inverse, Line in, Line out, float scale) {
  size_t m = plan.n - 1;
  cf x0 = swap_if(inverse, in.get(0));
  std::vector<cf> a(m);
  each(m, [&](size_t b) { a[b] = swap_if(inverse, in.get(plan.perm_in[b])); });
  std::complex<double> sum = x0;
  for (cf v : a) sum += std::complex<double>(v);
  convolve_line(plan, a);
  out.set(0, swap_if(inverse, cf(sum) * scale));
  each(m, [&](size_t k) { out.set(plan.perm_out[k], swap_if(inverse, (a[k] + x0) * scale)); });
}

/// DFT of one complex line (unnormalized inverse when `inverse`), times scale.
void line_c2c(const std::shared_ptr<const ComplexPlan>& plan, bool inverse, Line in, Line out,
              float scale) {
  if (plan->rader) {
    rader_line(*plan, inverse, in, out, scale);
    return;
  }
  if (plan->conv) {
    bluestein_line(*plan, inverse, in, out, scale);
    return;
  }
  size_t n = plan->n;
  auto fs = four_step_plan(n);
  size_t n1 = fs->n1, n2 = fs->n2;
  if (n1 == 1) {
    run_lanes({Mode::c2c, inverse, n, in.base, out.base, {in.off}, {out.off}, in.st, out.st,
               scale, plan, nullptr});
    return;
  }
  std::vector<cf> tmp(n);
  Pass cols{Mode::c2c, inverse, n1, in.base, tmp.data(), {}, {}, int64_t(n2) * in.st, 2 * int64_t(n2),
            1.0f, complex_plan(n1), nullptr};
  for (size_t j2 = 0; j2 < n2; ++j2) {
    cols.src_off.push_back(in.off + int64_t(j2) * in.st);
    cols.dst_off.push_back(2 * j2);
  }
  run_lanes(cols);
  float sign = inverse ? -1.0f : 1.0f;
  each(n, [&](size_t i) { tmp[i] *= cf(fs->tw[2 * i], sign * fs->tw[2 * i + 1]); });
  Pass rows{Mode::c2c, inverse, n2, tmp.data(), out.base, {}, {}, 2, int64_t(n1) * out.st, scale,
            complex_plan(n2), nullptr};
  for (size_t k1 = 0; k1 < n1; ++k1) {
    rows.src_off.push_back(2 * k1 * n2);
    rows.dst_off.push_back(out.off + int64_t(k1) * out.st);
  }
  run_lanes(rows);
}

/// Real line of length n. Even n = 2h: the packed complex line's transform Z
/// is split as X_k = (Z_k + conj Z_{h-k}) / 2 - i W_n^k (Z_k - conj Z_{h-k}) / 2.
/// Odd n: a complex transform with zero imaginary parts.
void line_r2c(const RealPlan& rp, const float* src, int64_t off, int64_t st, Line out,
              float scale) {
  size_t h = rp.cplx->n;
  std::vector<cf> z(h);
  auto x = [&](int64_t j) { return src[off + j * st]; };
  if (!rp.packed()) {
    each(h, [&](size_t j) { z[j] = {x(j), 0.0f}; });
    line_c2c(rp.cplx, false, contiguous(z), contiguous(z), scale);
    each(rp.n / 2 + 1, [&](size_t k) { out.set(k, z[k]); });
    return;
  }
  each(h, [&](size_t j) { z[j] = {x(2 * j), x(2 * j + 1)}; });
  line_c2c(rp.cplx, false, contiguous(z), contiguous(z), 1.0f);
  each(h + 1, [&](size_t k) {
    cf zk = z[k == h ? 0 : k], zc = std::conj(z[k == 0 ? 0 : h - k]);
    cf o = (zk - zc) * cf(0.0f, -0.5f);
    out.set(k, ((zk + zc) * 0.5f + o * cf(rp.w_re[k], rp.w_im[k])) * scale);
  });
}

/// Inverse of line_r2c. Even n: Z_k = (X_k + conj X_{h-k}) + i conj(W_n^k)
/// (X_k - conj X_{h-k}) transforms back to 2 (x_{2j} + i x_{2j+1}). Odd n:
/// the bins extended to the full Hermitian spectrum. The imaginary parts of
/// X_0 (and X_{n/2}) are ignored.
void line_c2r(const RealPlan& rp, Line in, float* dst, int64_t off, int64_t st, float scale) {
  size_t h = rp.cplx->n, bins = rp.n / 2 + 1;
  std::vector<cf> z(h);
  auto bin = [&](size_t k) {
    cf x = in.get(k);
    return k == 0 || (rp.packed() && k == h) ? cf(x.real(), 0.0f) : x;
  };
  if (rp.packed()) {
    each(h, [&](size_t k) {
      cf xk = bin(k), xc = std::conj(bin(h - k));
      z[k] = xk + xc + cf(0.0f, 1.0f) * std::conj(cf(rp.w_re[k], rp.w_im[k])) * (xk - xc);
    });
  } else {
    each(h, [&](size_t k) { z[k] = k < bins ? bin(k) : std::conj(bin(h - k)); });
  }
  line_c2c(rp.cplx, true, contiguous(z), contiguous(z), 1.0f);
  auto* p = dst + off;
  if (rp.packed()) {
    each(h, [&](size_t j) {
      p[2 * int64_t(j) * st] = z[j].real() * scale;
      p[(2 * int64_t(j) + 1) * st] = z[j].imag() * scale;
    });
  } else {
    each(h, [&](size_t j) { p[int64_t(j) * st] = z[j].real() * scale; });
  }
}

}  // namespace

void run_long(const Pass& ps) {
  auto* dst = static_cast<float*>(ps.dst);
  auto* src = static_cast<float*>(const_cast<void*>(ps.src));
  for (size_t l = 0; l < ps.src_off.size(); ++l) {
    int64_t so = ps.src_off[l], dof = ps.dst_off[l];
    if (ps.mode == Mode::c2c) {
      line_c2c(ps.cplan, ps.inverse, {src, so, ps.src_st}, {dst, dof, ps.dst_st}, ps.scale);
    } else if (ps.mode == Mode::r2c) {
      line_r2c(*ps.rplan, src, so, ps.src_st, {dst, dof, ps.dst_st}, ps.scale);
    } else {
      line_c2r(*ps.rplan, {src, so, ps.src_st}, dst, dof, ps.dst_st, ps.scale);
    }
  }
}

}  // namespace lumex::core::cpu::fft
