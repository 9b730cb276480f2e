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

/// exp(-2 pi i k / n), with k reduced first so large k loses no precision.
cd root(size_t k, size_t n) {
  double a = -2.0 * kPi * static_cast<double>(k % n) / static_cast<double>(n);
  return {std::cos(a), std::sin(a)};
}

void push(std::vector<float>& re, std::vector<float>& im, cd v) {
  re.push_back(static_cast<float>(v.real()));
  im.push_back(static_cast<float>(v.imag()));
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

/// In-place double-precision radix-2 DFT (power-of-two n); only used to
/// transform the Bluestein kernel once per plan.
void dft_pow2(std::vector<cd>& x) {
  size_t n = x.size();
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(x[i], x[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    for (size_t i = 0; i < n; i += len) {
      for (size_t k = 0; k < len / 2; ++k) {
        cd w = root(k, len);
        cd u = x[i + k], v = x[i + k + len / 2] * w;
        x[i + k] = u + v;
        x[i + k + len / 2] = u - v;
      }
    }
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
  dft_pow2(kern);
  for (cd v : kern) push(plan->kern_re, plan->kern_im, v / static_cast<double>(len));
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
