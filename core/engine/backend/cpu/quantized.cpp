// Kernels of Quantize, Dequantize and QuantizedMatmul (float32 in and out; ops
// cast). Packed rows are little-endian bit streams over uint32 words, as MLX
// writes them. A quantized matrix-vector product unpacks one group at a time
// into a small float buffer and dots it with every input row, so the weights are
// read once, at bits/32 of the float32 traffic; larger products expand the matrix
// once and call BLAS.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "engine/allocator.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/backend/cpu/reduce_utils.h"
#include "engine/backend/cpu/target_clones.h"
#include "engine/primitives/quantized.h"

namespace lumex::core {

using namespace cpu;

namespace {

// ------------------------------------------------------------ element codes

/// E2M1 magnitudes by code (the sign is bit 3).
constexpr float kFp4[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};

/// Nearest E2M1 code; halfway values go to the smaller magnitude, as MLX.
uint32_t to_fp4(float v) {
  float a = std::fabs(v);
  uint32_t idx = (a > 0.25f) + (a > 0.75f) + (a > 1.25f) + (a > 1.75f) + (a > 2.5f) +
                 (a > 3.5f) + (a > 5.0f);
  return idx | ((v < 0 && idx != 0) ? 8u : 0u);
}

float from_fp4(uint32_t c) { return (c & 8) ? -kFp4[c & 7] : kFp4[c & 7]; }

/// float -> fp8 E4M3 (finite-only format, max 448), round to nearest even, saturating.
uint32_t to_e4m3(float v) {
  uint32_t sign = std::signbit(v) ? 0x80u : 0u;
  float a = std::fabs(v);
  if (std::isnan(v)) return sign | 0x7Fu;
  if (a >= 448.0f) return sign | 0x7Eu;
  if (a < 0.015625f) {  // below the smallest normal 2^-6: steps of 2^-9
    return sign | static_cast<uint32_t>(std::nearbyint(a * 512.0f));
  }
  int e = std::ilogb(a);
  float m = std::nearbyint(std::ldexp(a, 3 - e));  // in [8, 16]
  if (m >= 16.0f) {
    m = 8.0f;
    ++e;
  }
  uint32_t code = (static_cast<uint32_t>(e + 7) << 3) | (static_cast<uint32_t>(m) - 8);
  return sign | std::min(code, 0x7Eu);
}

float from_e4m3(uint32_t c) {
  uint32_t e = (c >> 3) & 15, m = c & 7;
  float a;
  if ((c & 0x7F) == 0x7F) {
    a = NAN;
  } else if (e == 0) {
    a = std::ldexp(static_cast<float>(m), -9);
  } else {
    a = std::ldexp(1.0f + m / 8.0f, static_cast<int>(e) - 7);
  }
  return (c & 0x80) ? -a : a;
}

/// Shared power-of-two scale of an MX block: 2^ceil(log2(amax / elem_max)).
uint8_t e8m0_scale(float amax, float elem_max) {
  if (!(amax > 0)) return 127;
  int e;
  float f = std::frexp(amax / elem_max, &e);
  int x = f == 0.5f ? e - 1 : e;
  return static_cast<uint8_t>(std::clamp(x + 127, 0, 254));
}

float from_e8m0(uint32_t s) { return s == 255 ? NAN : std::ldexp(1.0f, static_cast<int>(s) - 127); }

// --------------------------------------------------------------- bit streams

/// Writes `n` codes of `bits` bits each into zeroed words (a multiple of 32 bits).
void pack(const uint32_t* codes, int64_t n, int bits, uint32_t* words) {
  for (int64_t i = 0; i < n; ++i) {
    int64_t bit = i * bits;
    int64_t w = bit >> 5;
    int off = static_cast<int>(bit & 31);
    words[w] |= codes[i] << off;
    if (off + bits > 32) words[w + 1] |= codes[i] >> (32 - off);
  }
}

/// Reads `n` codes starting at element `start` of a packed row, as floats.
LUMEX_CLONES
void unpack(const uint32_t* row, int64_t start, int64_t n, int bits, float* out) {
  const uint32_t mask = (1u << bits) - 1u;
  if (32 % bits == 0) {
    const int per = 32 / bits;
    const uint32_t* w = row + start / per;
    for (int64_t j = 0; j < n / per; ++j) {
      uint32_t word = w[j];
      for (int k = 0; k < per; ++k) out[j * per + k] = static_cast<float>((word >> (k * bits)) & mask);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    int64_t bit = (start + i) * bits;
    int64_t w = bit >> 5;
    int off = static_cast<int>(bit & 31);
    uint64_t v = row[w];
    if (off + bits > 32) v |= static_cast<uint64_t>(row[w + 1]) << 32;
    out[i] = static_cast<float>((v >> off) & mask);
  }
}

/// Values of one group: affine gives the raw levels (scale and bias are applied by
/// the caller), the fp modes give scaled element values.
struct GroupDecoder {
  QuantParams p;
  float global = 1.0f;  // nvfp4's global scale factor (g / (448 * 6))

  void operator()(const uint32_t* row, int64_t start, uint8_t scode, float* out) const {
    unpack(row, start, p.group_size, p.bits, out);
    if (p.mode == QuantMode::affine) return;
    float sc = p.mode == QuantMode::nvfp4 ? from_e4m3(scode) * global : from_e8m0(scode);
    if (p.mode == QuantMode::mxfp8) {
      for (int i = 0; i < p.group_size; ++i) out[i] = from_e4m3(static_cast<uint32_t>(out[i])) * sc;
    } else {
      for (int i = 0; i < p.group_size; ++i) out[i] = from_fp4(static_cast<uint32_t>(out[i])) * sc;
    }
  }
};

float global_factor(const std::vector<array>& inputs, size_t idx) {
  if (inputs.size() <= idx) return 1.0f;
  return inputs[idx].data<float>()[0] / (448.0f * 6.0f);
}

// ------------------------------------------------------------------ quantize

void quantize_affine_group(const float* w, int gs, int bits, uint32_t* codes, float& scale_out,
                           float& bias_out) {
  const float n_bins = static_cast<float>((1 << bits) - 1);
  float wmin = w[0], wmax = w[0];
  for (int j = 1; j < gs; ++j) {
    wmin = std::min(wmin, w[j]);
    wmax = std::max(wmax, w[j]);
  }
  // The edge farther from zero is represented exactly; when zero is a level, the
  // scale is adjusted so that it is hit exactly too.
  bool min_edge = std::fabs(wmin) > std::fabs(wmax);
  float scale = std::max((wmax - wmin) / n_bins, 1e-7f);
  scale = min_edge ? scale : -scale;
  float edge = min_edge ? wmin : wmax;
  float q0 = std::nearbyint(edge / scale);
  float bias = 0.0f;
  if (q0 != 0.0f) {
    scale = edge / q0;
    bias = edge;
  }
  for (int j = 0; j < gs; ++j) {
    float q = std::nearbyint((w[j] - bias) / scale);
    codes[j] = static_cast<uint32_t>(std::clamp(q, 0.0f, n_bins));
  }
  scale_out = scale;
  bias_out = bias;
}

uint8_t quantize_fp_group(const float* w, const QuantParams& p, float global,
                          bool has_global, uint32_t* codes) {
  float amax = 0.0f;
  for (int j = 0; j < p.group_size; ++j) amax = std::max(amax, std::fabs(w[j]));
  if (p.mode == QuantMode::nvfp4) {
    float target = amax / 6.0f;
    if (has_global) target = target / global;
    uint8_t sc = static_cast<uint8_t>(to_e4m3(target));
    float ds = from_e4m3(sc) * (has_global ? global : 1.0f);
    for (int j = 0; j < p.group_size; ++j) codes[j] = ds == 0.0f ? 0u : to_fp4(w[j] / ds);
    return sc;
  }
  const bool fp8 = p.mode == QuantMode::mxfp8;
  uint8_t sc = e8m0_scale(amax, fp8 ? 448.0f : 6.0f);
  float inv = std::ldexp(1.0f, 127 - static_cast<int>(sc));
  for (int j = 0; j < p.group_size; ++j) {
    float v = w[j] * inv;
    codes[j] = fp8 ? to_e4m3(v) : to_fp4(v);
  }
  return sc;
}

}  // namespace

void Quantize::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array w = reduce_ops::row_contiguous(inputs[0]);
  const int gs = p_.group_size, bits = p_.bits;
  const int64_t groups = w.size() / gs;
  const int64_t words_per_group = static_cast<int64_t>(gs) * bits / 32;
  auto& packed = outputs[0];
  packed.set_data(allocator::malloc(packed.nbytes()));
  std::memset(packed.data<uint32_t>(), 0, packed.nbytes());
  for (size_t i = 1; i < outputs.size(); ++i) {
    outputs[i].set_data(allocator::malloc(outputs[i].nbytes()));
  }
  const bool has_global = inputs.size() > 1;
  const float global = has_global ? global_factor(inputs, 1) : 1.0f;
  const float* src = w.data<float>();
  uint32_t* dst = packed.data<uint32_t>();
  parallel_for(
      groups,
      [&](size_t lo, size_t hi) {
        std::vector<uint32_t> codes(gs);
        for (size_t g = lo; g < hi; ++g) {
          const float* wg = src + g * gs;
          if (p_.mode == QuantMode::affine) {
            quantize_affine_group(wg, gs, bits, codes.data(), outputs[1].data<float>()[g],
                                  outputs[2].data<float>()[g]);
          } else {
            outputs[1].data<uint8_t>()[g] =
                quantize_fp_group(wg, p_, global, has_global, codes.data());
          }
          pack(codes.data(), gs, bits, dst + g * words_per_group);
        }
      },
      Cost::heavy);
}

void Dequantize::eval_cpu(const std::vector<array>& inputs, array& out) {
  array w = reduce_ops::row_contiguous(inputs[0]);
  array sc = reduce_ops::row_contiguous(inputs[1]);
  std::optional<array> bi;
  if (p_.mode == QuantMode::affine) bi = reduce_ops::row_contiguous(inputs[2]);
  out.set_data(allocator::malloc(out.nbytes()));
  const int gs = p_.group_size;
  const int64_t groups = out.size() / gs;
  const int64_t words_per_group = static_cast<int64_t>(gs) * p_.bits / 32;
  GroupDecoder dec{p_, has_global_ ? global_factor(inputs, inputs.size() - 1) : 1.0f};
  const uint32_t* wd = w.data<uint32_t>();
  float* o = out.data<float>();
  parallel_for(
      groups,
      [&](size_t lo, size_t hi) {
        for (size_t g = lo; g < hi; ++g) {
          float* og = o + g * gs;
          if (p_.mode == QuantMode::affine) {
            dec(wd + g * words_per_group, 0, 0, og);
            float s = sc.data<float>()[g], b = bi->data<float>()[g];
            for (int j = 0; j < gs; ++j) og[j] = og[j] * s + b;
          } else {
            dec(wd + g * words_per_group, 0, sc.data<uint8_t>()[g], og);
          }
        }
      },
      Cost::moderate);
}

namespace {

/// Dot product of a group (a multiple of 16 long): sixteen partial sums keep
/// the loop vectorized without reassociating one float sum.
LUMEX_CLONES
float group_dot(const float* a, const float* b, int n) {
  float acc[16] = {};
  for (int i = 0; i < n; i += 16) {
    for (int j = 0; j < 16; ++j) acc[j] += a[i + j] * b[i + j];
  }
  float s = 0.0f;
  for (int j = 0; j < 16; ++j) s += acc[j];
  return s;
}

/// Affine levels of one group dotted with x without unpacking to memory: x is
/// stored permuted per group as xp[k * W + j] = x[j * per + k] (word j, slot k),
/// so each step loads W words, shifts them all by the same amount and multiplies
/// lane by lane: whole vectors, no gathers.
template <int W>
LUMEX_CLONES float packed_dot(const uint32_t* w, const float* xp, int per, int bits) {
  const uint32_t mask = (1u << bits) - 1u;
  float acc[W] = {};
  for (int k = 0; k < per; ++k) {
    const int sh = k * bits;
    for (int j = 0; j < W; ++j) {
      acc[j] += static_cast<float>((w[j] >> sh) & mask) * xp[k * W + j];
    }
  }
  float s = 0.0f;
  for (int j = 0; j < W; ++j) s += acc[j];
  return s;
}

using PackedDot = float (*)(const uint32_t*, const float*, int, int);

/// The packed kernel for groups of W words, or null (then groups are unpacked).
PackedDot packed_dot_for(const QuantParams& p) {
  if (p.mode != QuantMode::affine || 32 % p.bits != 0) return nullptr;
  switch (p.group_size * p.bits / 32) {
    case 4: return &packed_dot<4>;
    case 8: return &packed_dot<8>;
    case 16: return &packed_dot<16>;
    case 32: return &packed_dot<32>;
    default: return nullptr;
  }
}

/// x rows (M, K) permuted group by group into the layout packed_dot reads.
std::vector<float> permute_for_packed(const float* x, int64_t M, int64_t K, const QuantParams& p) {
  const int per = 32 / p.bits, W = p.group_size / per;
  std::vector<float> xp(M * K);
  for (int64_t r = 0; r < M * K / p.group_size; ++r) {
    const float* src = x + r * p.group_size;
    float* dst = xp.data() + r * p.group_size;
    for (int j = 0; j < W; ++j) {
      for (int k = 0; k < per; ++k) dst[k * W + j] = src[j * per + k];
    }
  }
  return xp;
}

/// out[m, n] for all m of a few rows and n in [lo, hi): w stored (N, K).
void qmv_rows(const float* x, int64_t M, int64_t K, const uint32_t* w, int64_t words_per_row,
              const float* scales, const float* biases, const uint8_t* scodes,
              const GroupDecoder& dec, const float* xsums, float* out, int64_t N, int64_t lo,
              int64_t hi, PackedDot pdot) {
  const int gs = dec.p.group_size;
  const int64_t G = K / gs;
  if (pdot) {
    // x arrives permuted (permute_for_packed); affine scales and biases apply per group.
    const int per = 32 / dec.p.bits;
    const int64_t wpg = gs / per;
    for (int64_t n = lo; n < hi; ++n) {
      const uint32_t* row = w + n * words_per_row;
      for (int64_t m = 0; m < M; ++m) {
        float acc = 0.0f;
        for (int64_t g = 0; g < G; ++g) {
          float dot = pdot(row + g * wpg, x + m * K + g * gs, per, dec.p.bits);
          acc += scales[n * G + g] * dot + biases[n * G + g] * xsums[m * G + g];
        }
        out[m * N + n] = acc;
      }
    }
    return;
  }
  std::vector<float> buf(gs);
  std::vector<float> acc(M);
  for (int64_t n = lo; n < hi; ++n) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    const uint32_t* row = w + n * words_per_row;
    for (int64_t g = 0; g < G; ++g) {
      dec(row, g * gs, scodes ? scodes[n * G + g] : 0, buf.data());
      for (int64_t m = 0; m < M; ++m) {
        float dot = group_dot(buf.data(), x + m * K + g * gs, gs);
        if (scales) {
          acc[m] += scales[n * G + g] * dot + biases[n * G + g] * xsums[m * G + g];
        } else {
          acc[m] += dot;
        }
      }
    }
    for (int64_t m = 0; m < M; ++m) out[m * N + n] = acc[m];
  }
}

}  // namespace

void QuantizedMatmul::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = reduce_ops::row_contiguous(inputs[0]);
  array w = reduce_ops::row_contiguous(inputs[1]);
  array sc = reduce_ops::row_contiguous(inputs[2]);
  std::optional<array> bi;
  if (p_.mode == QuantMode::affine) bi = reduce_ops::row_contiguous(inputs[3]);
  out.set_data(allocator::malloc(out.nbytes()));
  const int64_t rows = w.shape(0), cols = w.shape(1) * 32 / p_.bits;
  const int64_t K = transpose_ ? cols : rows, N = transpose_ ? rows : cols;
  const int64_t M = x.size() / K;
  const int gs = p_.group_size;
  GroupDecoder dec{p_, 1.0f};
  const bool affine = p_.mode == QuantMode::affine;
  if (transpose_ && M <= 8) {
    // Matrix-vector products: stream the packed weights once.
    const int64_t G = K / gs;
    std::vector<float> xsums(M * G, 0.0f);
    if (affine) {
      const float* xd = x.data<float>();
      for (int64_t m = 0; m < M; ++m) {
        for (int64_t g = 0; g < G; ++g) {
          float s = 0.0f;
          for (int j = 0; j < gs; ++j) s += xd[m * K + g * gs + j];
          xsums[m * G + g] = s;
        }
      }
    }
    const int64_t wpr = w.shape(1);
    PackedDot pdot = packed_dot_for(p_);
    std::vector<float> xp;
    if (pdot) xp = permute_for_packed(x.data<float>(), M, K, p_);
    const float* xin = pdot ? xp.data() : x.data<float>();
    auto rows_of = [&](size_t lo, size_t hi) {
      qmv_rows(xin, M, K, w.data<uint32_t>(), wpr,
               affine ? sc.data<float>() : nullptr, affine ? bi->data<float>() : nullptr,
               affine ? nullptr : sc.data<uint8_t>(), dec, xsums.data(), out.data<float>(), N,
               lo, hi, pdot);
    };
    // The work is the whole matrix, not the N outputs: split rows once it is large.
    if (N * K >= static_cast<int64_t>(parallel_threshold(Cost::moderate)) && N > 1) {
      parallel_for_impl(N, rows_of);
    } else {
      rows_of(0, N);
    }
    return;
  }
  // Expand the matrix once (rows x cols, as stored) and multiply with BLAS.
  array wf = array::empty_buffer({rows, cols}, float32);
  {
    std::vector<array> dq_in{w, sc};
    if (bi) dq_in.push_back(*bi);
    Dequantize(stream(), p_, false).eval_cpu(dq_in, wf);
  }
  scipy_openblas_set_num_threads(num_threads());
  scipy_cblas_sgemm(CblasRowMajor, CblasNoTrans, transpose_ ? CblasTrans : CblasNoTrans, M, N,
                    K, 1.0f, x.data<float>(), K, wf.data<float>(), cols, 0.0f,
                    out.data<float>(), N);
}

}  // namespace lumex::core
