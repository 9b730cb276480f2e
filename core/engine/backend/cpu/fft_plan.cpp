// Building and caching FFT plans. Tables are computed in double and rounded
// once to float, so float32 transforms carry no accumulated table error.
#include "engine/backend/cpu/fft_plan.h"

#include <cmath>
#include <complex>
#include <map>
#include <mutex>
#include <utility>

namespace lumex::core::cpu::fft {

namespace {

using cd = std::complex<double>;
constexpr double kPi = 3.14159265358979323846;

/// exp(-2 pi i k / n), with k reduced first so large k loses no precision. The
/// quarter turns are exact (cos and sin of a rounded pi are not), so the DC and
/// Nyquist bins of a real transform come out with an imaginary part of exactly 0.
cd root(size_t k, size_t n) {
  k %= n;
  if ((4 * k) % n == 0) {
    static constexpr double kRe[4] = {1, 0, -1, 0}, kIm[4] = {0, -1, 0, 1};
    size_t q = 4 * k / n;
    return {kRe[q], kIm[q]};
  }
  double a = -2.0 * kPi * static_cast<double>(k) / static_cast<double>(n);
  return {std::cos(a), std::sin(a)};
}

void push(std::vector<float>& re, std::vector<float>& im, cd v) {
  re.push_back(static_cast<float>(v.real()));
  im.push_back(static_cast<float>(v.imag()));
}

bool is_prime(size_t n) {
  for (size_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return n > 1;
}

/// Radices in pass order, or an empty list if a prime factor exceeds kMaxRadix.
std::vector<int> factorize(size_t n) {
  std::vector<int> f;
  for (int p : {4, 2, 3, 5}) {
    for (; n % p == 0; n /= p) f.push_back(p);
  }
  for (size_t p = 7; n > 1 && p <= static_cast<size_t>(kMaxRadix); p += 2) {
    for (; n % p == 0; n /= p) f.push_back(static_cast<int>(p));
  }
  if (n > 1) f.clear();
  return f;
}

/// out[0..n) = double-precision DFT of x[0], x[xs], ..., for a length whose
/// prime factors are small (the Bluestein and Rader convolutions): recursive
/// decimation in time. Only used to transform a kernel once per plan.
/// `roots` holds exp(-2 pi i k / N) for the top-level length N.
void dft_double(const cd* x, size_t xs, cd* out, size_t n, const std::vector<cd>& roots) {
  if (n == 1) {
    out[0] = x[0];
    return;
  }
  size_t p = 2;
  while (n % p != 0) ++p;
  size_t m = n / p, step = roots.size() / n;
  for (size_t r = 0; r < p; ++r) dft_double(x + r * xs, xs * p, out + r * m, m, roots);
  std::vector<cd> t(p);
  for (size_t k2 = 0; k2 < m; ++k2) {
    for (size_t r = 0; r < p; ++r) t[r] = out[r * m + k2];
    for (size_t q = 0; q < p; ++q) {
      size_t k = k2 + q * m;
      cd acc = t[0];
      // r k < n when p == 2, which is every level of a power-of-two length.
      for (size_t r = 1; r < p; ++r) acc += t[r] * roots[(p == 2 ? k : r * k % n) * step];
      out[k] = acc;
    }
  }
}

/// In place, for a power-of-two length: iterative radix 2 after a bit-reversal
/// permutation, which stays cache friendly for the long Bluestein kernels.
void dft_pow2(std::vector<cd>& x, const std::vector<cd>& roots) {
  size_t n = x.size();
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(x[i], x[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    size_t half = len / 2, step = n / len;
    for (size_t i = 0; i < n; i += len) {
      for (size_t k = 0; k < half; ++k) {
        cd u = x[i + k], v = x[i + k + half] * roots[k * step];
        x[i + k] = u + v;
        x[i + k + half] = u - v;
      }
    }
  }
}

std::vector<cd> dft_double(std::vector<cd> x) {
  size_t n = x.size();
  std::vector<cd> roots(n);
  for (size_t k = 0; k < n; ++k) roots[k] = root(k, n);
  if ((n & (n - 1)) == 0) {
    dft_pow2(x, roots);
    return x;
  }
  std::vector<cd> out(n);
  dft_double(x.data(), 1, out.data(), n, roots);
  return out;
}

size_t pow_mod(size_t b, size_t e, size_t p) {
  size_t r = 1;
  for (b %= p; e; e >>= 1, b = b * b % p) {
    if (e & 1) r = r * b % p;
  }
  return r;
}

/// Smallest generator of the multiplicative group mod the prime p.
size_t primitive_root(size_t p) {
  std::vector<size_t> qs;
  size_t m = p - 1;
  for (size_t q = 2; q * q <= m; ++q) {
    if (m % q == 0) qs.push_back(q);
    while (m % q == 0) m /= q;
  }
  if (m > 1) qs.push_back(m);
  for (size_t g = 2;; ++g) {
    bool gen = true;
    for (size_t q : qs) gen = gen && pow_mod(g, (p - 1) / q, p) != 1;
    if (gen) return g;
  }
}

/// Rader: for prime n, X_{g^-a} = x_0 + sum_b x_{g^b} W_n^{g^(b-a)}, a cyclic
/// convolution of length n - 1 (g a primitive root), done through the
/// mixed-radix plan of that length.
void build_rader(ComplexPlan& plan) {
  size_t n = plan.n, m = n - 1, g = primitive_root(n), ginv = pow_mod(g, n - 2, n);
  plan.conv = complex_plan(m);
  plan.rader = true;
  std::vector<cd> kern(m);
  for (size_t b = 0, gb = 1, gi = 1; b < m; ++b, gb = gb * g % n, gi = gi * ginv % n) {
    plan.perm_in.push_back(static_cast<uint32_t>(gb));
    plan.perm_out.push_back(static_cast<uint32_t>(gi));
    kern[b] = root(gi, n);
  }
  for (cd v : dft_double(kern)) push(plan.kern_re, plan.kern_im, v / static_cast<double>(m));
}

/// Picks the in-place stages that cut a long transform into blocks of at most
/// kBlockLen (closed-form radices only), and where each block's output goes:
/// after stages of radices p0, p1, ..., the block at digits (t0, t1, ...)
/// holds the outputs t0 + p0 t1 + p0 p1 t2 + ... (mod the block count).
void plan_blocks(ComplexPlan& plan) {
  size_t blocks = 1, split = 0;
  while (plan.n / blocks > kBlockLen && split < plan.stages.size() &&
         plan.stages[split].p <= 5) {
    blocks *= plan.stages[split++].p;
  }
  if (split == 0 || plan.n / blocks > kBlockLen) return;
  plan.split = split;
  plan.block = complex_plan(plan.n / blocks);
  for (size_t b = 0; b < blocks; ++b) {
    size_t rest = b, scale = blocks, out = 0, weight = 1;
    for (size_t i = 0; i < split; ++i) {
      size_t p = plan.stages[i].p;
      scale /= p;
      out += (rest / scale) * weight;
      rest %= scale;
      weight *= p;
    }
    plan.block_out.push_back(static_cast<uint32_t>(out));
  }
}

std::shared_ptr<ComplexPlan> build_complex(size_t n) {
  auto plan = std::make_shared<ComplexPlan>();
  plan->n = n;
  std::vector<int> radices = factorize(n);
  if (n <= 1 || !radices.empty()) {
    size_t s = 1;
    for (int p : radices) {
      size_t len = n / s, m = len / p;
      Stage stage{p, m, s, plan->tw_re.size(), 0};
      for (size_t j = 0; j < m; ++j) {
        for (int t = 1; t < p; ++t) push(plan->tw_re, plan->tw_im, root(j * t, len));
      }
      stage.root = plan->tw_re.size();
      if (p > 5) {
        for (int k = 0; k < p; ++k) push(plan->tw_re, plan->tw_im, root(k, p));
      }
      plan->stages.push_back(stage);
      s *= p;
    }
    plan_blocks(*plan);
    return plan;
  }
  if (is_prime(n) && !factorize(n - 1).empty()) {
    build_rader(*plan);
    return plan;
  }
  size_t len = 1;
  while (len < 2 * n - 1) len *= 2;
  plan->conv = complex_plan(len);
  std::vector<cd> kern(len, cd(0));
  for (size_t j = 0; j < n; ++j) {
    // j^2 mod 2n keeps the angle exact for large j.
    size_t j2 = (j * j) % (2 * n);
    cd c = std::polar(1.0, -kPi * static_cast<double>(j2) / static_cast<double>(n));
    push(plan->chirp_re, plan->chirp_im, c);
    kern[j] = std::conj(c);
    if (j > 0) kern[len - j] = std::conj(c);
  }
  for (cd v : dft_double(kern)) push(plan->kern_re, plan->kern_im, v / static_cast<double>(len));
  return plan;
}

std::shared_ptr<RealPlan> build_real(size_t n) {
  auto plan = std::make_shared<RealPlan>();
  plan->n = n;
  plan->cplx = complex_plan(n % 2 == 0 ? n / 2 : n);
  if (n % 2 == 0) {
    for (size_t k = 0; k <= n / 2; ++k) push(plan->w_re, plan->w_im, root(k, n));
  }
  return plan;
}

std::shared_ptr<FourStep> build_four_step(size_t n) {
  auto plan = std::make_shared<FourStep>();
  for (size_t d = 1; d * d <= n; ++d) {
    if (n % d == 0) plan->n1 = d;
  }
  plan->n2 = n / plan->n1;
  plan->tw.reserve(2 * n);
  for (size_t k1 = 0; k1 < plan->n1; ++k1) {
    for (size_t j2 = 0; j2 < plan->n2; ++j2) {
      cd w = root(j2 * k1, n);
      plan->tw.push_back(static_cast<float>(w.real()));
      plan->tw.push_back(static_cast<float>(w.imag()));
    }
  }
  return plan;
}

/// A small map guarded by a mutex. Plans in use stay alive through their
/// shared_ptr when the cache is cleared, which bounds it for programs that
/// transform many distinct lengths.
template <typename Plan, typename Build>
std::shared_ptr<const Plan> cached(size_t n, Build build) {
  static std::mutex mu;
  static std::map<size_t, std::shared_ptr<const Plan>> cache;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(n);
    if (it != cache.end()) return it->second;
  }
  // Built outside the lock: a Bluestein plan asks the cache for its convolution plan.
  std::shared_ptr<const Plan> plan = build(n);
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() >= 64) cache.clear();
  return cache.emplace(n, std::move(plan)).first->second;
}

}  // namespace

std::shared_ptr<const ComplexPlan> complex_plan(size_t n) {
  return cached<ComplexPlan>(n, build_complex);
}

std::shared_ptr<const FourStep> four_step_plan(size_t n) {
  return cached<FourStep>(n, build_four_step);
}

std::shared_ptr<const RealPlan> real_plan(size_t n) {
  return cached<RealPlan>(n, build_real);
}

}  // namespace lumex::core::cpu::fft
