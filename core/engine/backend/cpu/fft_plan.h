// FFT plans: the per-length tables (factorization, twiddles, Bluestein chirp
// and kernel, real-transform twiddles) that the kernels in fft_kernels.h read.
// Plans are immutable once built and shared through a thread-safe cache, so
// repeated transforms of one length pay for the trigonometry once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace lumex::core::cpu::fft {

/// Largest prime handled by a direct radix-p pass; lengths with a larger prime
/// factor go through Rader's or Bluestein's algorithm.
constexpr int kMaxRadix = 31;

/// Longest transform whose two lane buffers (eight lanes) stay in a 32 KiB L1
/// cache; longer ones run their first passes in place until the blocks left
/// are this short, then finish each block in a small buffer.
constexpr size_t kBlockLen = 256;

/// One Stockham autosort pass: `s` interleaved sub-transforms of length p * m
/// are each split into p of length m. Twiddles W_{pm}^{jt} for j < m and
/// 0 < t < p start at `tw`, laid out [j][t - 1]; a radix above 5 also keeps
/// the roots W_p^k, k < p, at `root`.
struct Stage {
  int p;
  size_t m, s, tw, root;
};

/// Forward complex DFT of length n (the inverse swaps real and imaginary parts
/// on the way in and out). Mixed radix when every prime factor is at most
/// kMaxRadix; otherwise a cyclic convolution through a mixed-radix plan:
/// Rader's for a prime n whose n - 1 has small factors, else Bluestein's.
struct ComplexPlan {
  size_t n = 0;
  std::vector<Stage> stages;
  std::vector<float> tw_re, tw_im;
  std::shared_ptr<const ComplexPlan> conv;  // the convolution's plan
  bool rader = false;
  std::vector<float> chirp_re, chirp_im;    // Bluestein: exp(-i pi j^2 / n), j < n
  std::vector<uint32_t> perm_in, perm_out;  // Rader: g^b and g^-b mod n, b < n - 1
  std::vector<float> kern_re, kern_im;      // the convolution kernel's DFT, / conv->n
  // Blocking: stages[0, split) run in place (decimation in frequency), leaving
  // n / block->n contiguous blocks; block b's spectrum lands at block_out[b]
  // + (n / block->n) k.
  size_t split = 0;
  std::shared_ptr<const ComplexPlan> block;
  std::vector<uint32_t> block_out;
  /// Elements each work buffer needs.
  size_t buf_len() const { return conv && conv->n > n ? conv->n : n; }
};

/// Real transform of length n. Even n: a complex transform of n / 2 packed
/// samples (even + i odd) and a split pass with twiddles W_n^k, k <= n / 2.
/// Odd n: a complex transform of length n.
struct RealPlan {
  size_t n = 0;
  std::shared_ptr<const ComplexPlan> cplx;
  std::vector<float> w_re, w_im;
  bool packed() const { return n % 2 == 0; }
};

/// Four-step split of a long length n = n1 * n2, n1 the largest divisor up to
/// sqrt(n): n2 transforms of length n1, twiddles W_n^{j2 k1} (interleaved
/// re, im, laid out [k1][j2]), then n1 transforms of length n2.
struct FourStep {
  size_t n1 = 1, n2 = 1;
  std::vector<float> tw;
};

std::shared_ptr<const ComplexPlan> complex_plan(size_t n);
std::shared_ptr<const FourStep> four_step_plan(size_t n);
std::shared_ptr<const RealPlan> real_plan(size_t n);

}  // namespace lumex::core::cpu::fft
