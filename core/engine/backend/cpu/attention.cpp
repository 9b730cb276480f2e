// Kernels of ScaledDotProductAttention and its backward, flash-attention style:
// queries in blocks of kBq rows meet the keys in blocks of kBk, scores live only
// in a kBq x kBk tile (sgemm), and an online softmax rescales the running output
// when a row's maximum grows. The backward recomputes each tile's probabilities
// from the saved log-sum-exp instead of storing them. Everything runs in float32;
// half-type inputs are widened once and outputs rounded once.
//
// Masking follows MLX's composed definition: masked scores are dropped (exp -> 0)
// and a row that a boolean or causal mask leaves without any key (and that has
// no sink) is the plain mean of the values, which is what softmax over equal
// "lowest" scores gives.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "engine/backend/cpu/gemm.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/backend/cpu/reduce_simd.h"
#include "engine/backend/cpu/reduce_utils.h"
#include "engine/backend/cpu/simd_math.h"
#include "engine/backend/cpu/target_clones.h"
#include "engine/primitives/fast.h"

namespace lumex::core {

using namespace cpu;

namespace {

constexpr int64_t kBq = 64;   // query rows per tile
constexpr int64_t kBk = 256;  // keys per tile
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

/// x[i] = exp(x[i] - m) (m >= every x[i], or x[i] = -inf); returns the sum.
LUMEX_CLONES
float exp_shift_sum(float* x, int64_t n, float m) {
  float acc[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int j = 0; j < 16; ++j) {
      x[i + j] = simd_math::exp_nonpos(x[i + j] - m);
      acc[j] += x[i + j];
    }
  }
  float s = 0.0f;
  for (; i < n; ++i) {
    x[i] = simd_math::exp_nonpos(x[i] - m);
    s += x[i];
  }
  for (int j = 0; j < 16; ++j) s += acc[j];
  return s;
}

/// dp[i] = p[i] * (dp[i] - d): the score gradient of one row.
LUMEX_CLONES
void softmax_grad_row(const float* p, float* dp, int64_t n, float d) {
  for (int64_t i = 0; i < n; ++i) dp[i] = p[i] * (dp[i] - d);
}

LUMEX_CLONES
float dot(const float* a, const float* b, int64_t n) {
  float acc[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int j = 0; j < 16; ++j) acc[j] += a[i + j] * b[i + j];
  }
  float s = 0.0f;
  for (; i < n; ++i) s += a[i] * b[i];
  for (int j = 0; j < 16; ++j) s += acc[j];
  return s;
}

/// A float32 view of an input: the array itself when it is float32 with unit
/// stride along its last axis and rows at least a row apart (a head transposed
/// out of (B, L, H, D) qualifies), else a row-contiguous float32 copy.
class F32View {
 public:
  explicit F32View(const array& x) : arr_(x) {
    const int nd = x.ndim();
    const auto& st = x.strides();
    const bool direct = x.dtype() == float32 && nd == 4 &&
                        (st[3] == 1 || x.shape(3) == 1) && st[2] >= x.shape(3);
    if (!direct) {
      arr_ = reduce_ops::row_contiguous(x);
      if (arr_.dtype() != float32) {
        buf_.resize(arr_.size());
        auto widen = [&](auto* d) {
          for (size_t i = 0; i < buf_.size(); ++i) buf_[i] = static_cast<float>(d[i]);
        };
        if (arr_.dtype() == float16) {
          widen(arr_.data<float16_t>());
        } else {
          widen(arr_.data<bfloat16_t>());
        }
      }
    }
    p_ = buf_.empty() ? arr_.data<float>() : buf_.data();
    if (nd == 4) {
      int64_t contiguous[3] = {x.shape(1) * x.shape(2) * x.shape(3), x.shape(2) * x.shape(3),
                               x.shape(3)};
      for (int a = 0; a < 3; ++a) st_[a] = direct ? st[a] : contiguous[a];
    }
  }
  const float* data() const { return p_; }
  /// Row 0 of head (b, h) of a 4-d input; rows are ld() apart.
  const float* head(int64_t b, int64_t h) const { return p_ + b * st_[0] + h * st_[1]; }
  int64_t ld() const { return st_[2]; }

 private:
  array arr_;
  std::vector<float> buf_;
  const float* p_;
  int64_t st_[3] = {0, 0, 0};
};

/// Where a kernel writes an output in float32: the output's own buffer when it
/// is float32, else scratch that finish() rounds into it.
class F32Out {
 public:
  explicit F32Out(array& out) : out_(out) {
    out.set_data(allocator::malloc(out.nbytes()));
    if (out.dtype() != float32) scratch_.emplace(out.size() * sizeof(float));
  }
  float* data() { return scratch_ ? scratch_->as<float>() : out_.data<float>(); }
  void finish() {
    if (!scratch_) return;
    const float* src = scratch_->as<float>();
    const size_t n = out_.size();
    if (out_.dtype() == float16) {
      auto* d = out_.data<float16_t>();
      for (size_t i = 0; i < n; ++i) d[i] = float16_t(src[i]);
    } else {
      auto* d = out_.data<bfloat16_t>();
      for (size_t i = 0; i < n; ++i) d[i] = bfloat16_t(src[i]);
    }
  }

 private:
  array& out_;
  std::optional<Scratch> scratch_;
};

struct Dims {
  int64_t B, Hq, Hkv, Lq, Lk, D, Dv, rep, off;  // off: causal diagonal shift Lk - Lq
};

Dims dims_of(const std::vector<array>& in) {
  const auto &q = in[0], &k = in[1], &v = in[2];
  Dims d{q.shape(0), q.shape(1), k.shape(1), q.shape(2), k.shape(2), q.shape(3), v.shape(3),
         0, 0};
  d.rep = d.Hq / d.Hkv;
  d.off = d.Lk - d.Lq;
  return d;
}

/// The mask as the kernels read it: broadcast strides over (B, Hq, Lq, Lk).
struct Mask {
  AttentionMaskKind kind;
  int64_t off = 0;
  const float* add = nullptr;
  const bool* keep = nullptr;
  int64_t st[4] = {0, 0, 0, 0};

  Mask(AttentionMaskKind k, const Dims& d, const std::optional<array>& m) : kind(k), off(d.off) {
    if (!m) return;
    const int nd = m->ndim();
    for (int a = 0; a < 4; ++a) {
      int ma = a - (4 - nd);
      if (ma >= 0 && m->shape(ma) != 1) st[a] = m->strides()[ma];
    }
    if (kind == AttentionMaskKind::additive) {
      add = m->data<float>();
    } else {
      keep = m->data<bool>();
    }
  }
  int64_t row(int64_t b, int64_t h, int64_t i) const { return b * st[0] + h * st[1] + i * st[2]; }

  /// One past the last key any of rows [i0, i1) may see.
  int64_t key_end(int64_t i1, int64_t Lk) const {
    if (kind != AttentionMaskKind::causal) return Lk;
    return std::clamp<int64_t>(i1 - 1 + off + 1, 0, Lk);
  }

  /// Applies the mask to scores s[0..n) of row (b, h, i), keys k0.. (masked -> -inf).
  void apply(float* s, int64_t n, int64_t b, int64_t h, int64_t i, int64_t k0) const {
    switch (kind) {
      case AttentionMaskKind::none: break;
      case AttentionMaskKind::causal: {
        int64_t first = std::max<int64_t>(0, i + off + 1 - k0);
        for (int64_t j = first; j < n; ++j) s[j] = kNegInf;
        break;
      }
      case AttentionMaskKind::boolean: {
        const bool* m = keep + row(b, h, i) + k0 * st[3];
        for (int64_t j = 0; j < n; ++j) s[j] = m[j * st[3]] ? s[j] : kNegInf;
        break;
      }
      case AttentionMaskKind::additive: {
        const float* m = add + row(b, h, i) + k0 * st[3];
        for (int64_t j = 0; j < n; ++j) s[j] += m[j * st[3]];
        break;
      }
    }
  }

  /// True when the mask hides every key of row (b, h, i).
  bool empty_row(int64_t b, int64_t h, int64_t i, int64_t Lk) const {
    if (kind == AttentionMaskKind::causal) return i + off < 0;
    if (kind != AttentionMaskKind::boolean) return false;
    const bool* m = keep + row(b, h, i);
    for (int64_t j = 0; j < Lk; ++j) {
      if (m[j * st[3]]) return false;
    }
    return true;
  }
};

/// Runs task(t) for t in [0, n) over our threads, each BLAS call on its own thread.
template <typename F>
void for_tasks(int64_t n, double flops, F task) {
  auto run = [&](size_t lo, size_t hi) {
    for (size_t t = lo; t < hi; ++t) task(static_cast<int64_t>(t));
  };
  if (n > 1 && num_threads() > 1 && flops > 2e6) {
    SerialBlas serial;
    parallel_for_impl(static_cast<size_t>(n), std::function<void(size_t, size_t)>(run));
  } else {
    run(0, static_cast<size_t>(n));
  }
}

std::optional<array> mask_input(const AttentionParams& p, const std::vector<array>& in) {
  if (p.mask == AttentionMaskKind::boolean || p.mask == AttentionMaskKind::additive) {
    return in[3];
  }
  return std::nullopt;
}

std::optional<F32View> sinks_input(const AttentionParams& p, const std::vector<array>& in) {
  if (!p.has_sinks) return std::nullopt;
  return F32View(in[p.mask == AttentionMaskKind::boolean || p.mask == AttentionMaskKind::additive
                        ? 4 : 3]);
}

}  // namespace

void ScaledDotProductAttention::eval_cpu(const std::vector<array>& inputs,
                                         std::vector<array>& outputs) {
  const Dims d = dims_of(inputs);
  F32View q(inputs[0]), k(inputs[1]), v(inputs[2]);
  const auto mask_arr = mask_input(p_, inputs);
  const Mask mask(p_.mask, d, mask_arr);
  const auto sinks = sinks_input(p_, inputs);
  F32Out out(outputs[0]);
  outputs[1].set_data(allocator::malloc(outputs[1].nbytes()));
  float* lse = outputs[1].data<float>();
  const int64_t nqb = (d.Lq + kBq - 1) / kBq;
  const float scale = p_.scale;

  for_tasks(d.B * d.Hq * nqb, 2.0 * d.B * d.Hq * d.Lq * d.Lk * (d.D + d.Dv), [&](int64_t t) {
    const int64_t qb = t % nqb, h = (t / nqb) % d.Hq, b = t / (nqb * d.Hq);
    const int64_t hk = h / d.rep;
    const int64_t i0 = qb * kBq, nq = std::min(kBq, d.Lq - i0);
    const float* Q = q.head(b, h) + i0 * q.ld();
    const float* K = k.head(b, hk);
    const float* V = v.head(b, hk);
    const int64_t ldq = q.ld(), ldk = k.ld(), ldv = v.ld();
    float* O = out.data() + ((b * d.Hq + h) * d.Lq + i0) * d.Dv;
    std::vector<float> S(static_cast<size_t>(kBq * kBk)), m(nq), l(nq);
    const float sink = sinks ? sinks->data()[h] : kNegInf;
    std::fill(m.begin(), m.end(), sink);
    std::fill(l.begin(), l.end(), sinks ? 1.0f : 0.0f);
    std::fill(O, O + nq * d.Dv, 0.0f);

    const int64_t kend = mask.key_end(i0 + nq, d.Lk);
    for (int64_t k0 = 0; k0 < kend; k0 += kBk) {
      const int64_t nk = std::min(kBk, kend - k0);
      gemm<float>(false, true, nq, nk, d.D, scale, Q, ldq, K + k0 * ldk, ldk, 0.0f, S.data(), nk);
      for (int64_t r = 0; r < nq; ++r) {
        float* s = S.data() + r * nk;
        mask.apply(s, nk, b, h, i0 + r, k0);
        const float mx = rsimd::max(s, nk);
        const float mnew = mx > m[r] ? mx : m[r];
        if (mnew == kNegInf) {  // nothing seen yet: this tile adds nothing
          std::fill(s, s + nk, 0.0f);
          continue;
        }
        const float alpha = simd_math::exp_nonpos(m[r] - mnew);
        const float sum = exp_shift_sum(s, nk, mnew);
        if (alpha != 1.0f) {
          float* o = O + r * d.Dv;
          for (int64_t c = 0; c < d.Dv; ++c) o[c] *= alpha;
        }
        l[r] = l[r] * alpha + sum;
        m[r] = mnew;
      }
      gemm<float>(false, false, nq, d.Dv, nk, 1.0f, S.data(), nk, V + k0 * ldv, ldv, 1.0f, O,
                  d.Dv);
    }

    std::vector<float> vmean;
    for (int64_t r = 0; r < nq; ++r) {
      float* o = O + r * d.Dv;
      float& ls = lse[(b * d.Hq + h) * d.Lq + i0 + r];
      if (!sinks && mask.empty_row(b, h, i0 + r, d.Lk)) {
        if (vmean.empty()) {
          vmean.assign(d.Dv, 0.0f);
          for (int64_t j = 0; j < d.Lk; ++j) {
            for (int64_t c = 0; c < d.Dv; ++c) vmean[c] += V[j * ldv + c];
          }
          for (auto& x : vmean) x /= static_cast<float>(d.Lk);
        }
        std::copy(vmean.begin(), vmean.end(), o);
        ls = std::numeric_limits<float>::infinity();
        continue;
      }
      const float inv = 1.0f / l[r];
      for (int64_t c = 0; c < d.Dv; ++c) o[c] *= inv;
      ls = m[r] + std::log(l[r]);
    }
  });
  out.finish();
}

void ScaledDotProductAttentionVJP::eval_cpu(const std::vector<array>& inputs,
                                            std::vector<array>& outputs) {
  const Dims d = dims_of(inputs);
  const int nx = 3 + p_.num_extra();
  F32View q(inputs[0]), k(inputs[1]), v(inputs[2]);
  F32View o(inputs[nx]), lse_v(inputs[nx + 1]), dout(inputs[nx + 2]);
  const auto mask_arr = mask_input(p_, inputs);
  const Mask mask(p_.mask, d, mask_arr);
  const auto sinks = sinks_input(p_, inputs);
  F32Out dq(outputs[0]), dk(outputs[1]), dv(outputs[2]);
  std::vector<float> dsink(static_cast<size_t>(d.B * d.Hq), 0.0f);
  const float scale = p_.scale;
  const float* lse = lse_v.data();

  // One task per key head: it owns its dk/dv rows and the dq rows of the query
  // heads that share it, so tasks never write the same memory.
  for_tasks(d.B * d.Hkv, 4.0 * d.B * d.Hq * d.Lq * d.Lk * (d.D + d.Dv), [&](int64_t t) {
    const int64_t b = t / d.Hkv, hk = t % d.Hkv;
    const float* K = k.head(b, hk);
    const float* V = v.head(b, hk);
    const int64_t ldq = q.ld(), ldk = k.ld(), ldv = v.ld(), ldo = o.ld(), ldg = dout.ld();
    float* dK = dk.data() + t * d.Lk * d.D;
    float* dV = dv.data() + t * d.Lk * d.Dv;
    std::fill(dK, dK + d.Lk * d.D, 0.0f);
    std::fill(dV, dV + d.Lk * d.Dv, 0.0f);
    std::vector<float> P(static_cast<size_t>(kBq * kBk)), dP(P.size()), Dsum(d.Lq);
    std::vector<char> empty(d.Lq);
    for (int64_t h = hk * d.rep; h < (hk + 1) * d.rep; ++h) {
      const int64_t bh = b * d.Hq + h;
      const float* Qh = q.head(b, h);
      const float* dOh = dout.head(b, h);
      const float* Oh = o.head(b, h);
      const float* lse_h = lse + bh * d.Lq;
      float* dQh = dq.data() + bh * d.Lq * d.D;
      std::fill(dQh, dQh + d.Lq * d.D, 0.0f);
      for (int64_t i = 0; i < d.Lq; ++i) {
        Dsum[i] = dot(dOh + i * ldg, Oh + i * ldo, d.Dv);
        empty[i] = !sinks && mask.empty_row(b, h, i, d.Lk);
        if (empty[i]) {
          // The mean of the values: each key's value gets 1/Lk of this row's gradient.
          const float w = 1.0f / static_cast<float>(d.Lk);
          for (int64_t j = 0; j < d.Lk; ++j) {
            for (int64_t c = 0; c < d.Dv; ++c) dV[j * d.Dv + c] += w * dOh[i * ldg + c];
          }
        }
      }
      if (sinks) {
        const float sink = sinks->data()[h];
        float acc = 0.0f;
        for (int64_t i = 0; i < d.Lq; ++i) acc -= std::exp(sink - lse_h[i]) * Dsum[i];
        dsink[bh] = acc;
      }
      for (int64_t i0 = 0; i0 < d.Lq; i0 += kBq) {
        const int64_t nq = std::min(kBq, d.Lq - i0);
        const int64_t kend = mask.key_end(i0 + nq, d.Lk);
        for (int64_t k0 = 0; k0 < kend; k0 += kBk) {
          const int64_t nk = std::min(kBk, kend - k0);
          gemm<float>(false, true, nq, nk, d.D, scale, Qh + i0 * ldq, ldq, K + k0 * ldk, ldk,
                      0.0f, P.data(), nk);
          for (int64_t r = 0; r < nq; ++r) {
            float* s = P.data() + r * nk;
            if (empty[i0 + r]) {
              std::fill(s, s + nk, 0.0f);
              continue;
            }
            mask.apply(s, nk, b, h, i0 + r, k0);
            exp_shift_sum(s, nk, lse_h[i0 + r]);
          }
          // dV += P^T dO; dP = dO V^T; dS = P (dP - Dsum); dQ += dS K; dK += dS^T Q.
          gemm<float>(true, false, nk, d.Dv, nq, 1.0f, P.data(), nk, dOh + i0 * ldg, ldg, 1.0f,
                      dV + k0 * d.Dv, d.Dv);
          gemm<float>(false, true, nq, nk, d.Dv, 1.0f, dOh + i0 * ldg, ldg, V + k0 * ldv, ldv,
                      0.0f, dP.data(), nk);
          for (int64_t r = 0; r < nq; ++r) {
            softmax_grad_row(P.data() + r * nk, dP.data() + r * nk, nk, Dsum[i0 + r]);
          }
          gemm<float>(false, false, nq, d.D, nk, scale, dP.data(), nk, K + k0 * ldk, ldk, 1.0f,
                      dQh + i0 * d.D, d.D);
          gemm<float>(true, false, nk, d.D, nq, scale, dP.data(), nk, Qh + i0 * ldq, ldq, 1.0f,
                      dK + k0 * d.D, d.D);
        }
      }
    }
  });
  dq.finish();
  dk.finish();
  dv.finish();
  if (p_.has_sinks) {
    F32Out ds(outputs[3]);
    std::fill(ds.data(), ds.data() + d.Hq, 0.0f);
    for (int64_t b = 0; b < d.B; ++b) {
      for (int64_t h = 0; h < d.Hq; ++h) ds.data()[h] += dsink[b * d.Hq + h];
    }
    ds.finish();
  }
}

}  // namespace lumex::core
