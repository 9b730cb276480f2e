// The fused elementwise interpreter: each block of the output is computed through
// the whole op list while it sits in L1, so memory sees each input once and the
// output once.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/backend/cpu/copy.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/backend/cpu/simd_math.h"
#include "engine/primitives.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LUMEX_CLONES __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))
#else
#define LUMEX_CLONES
#endif

namespace lumex::core {

namespace {

using Op = FusedStep::Op;
constexpr size_t kBlock = 1024;

// Operands: `sa`/`sb` say whether a or b is a single value (stride 0).
LUMEX_CLONES void binary_block(Op op, const float* a, bool sa, const float* b, bool sb,
                               float* out, size_t n) {
#define LUMEX_BIN(EXPR)                                          \
  if (sa) {                                                      \
    const float x = a[0];                                        \
    for (size_t i = 0; i < n; ++i) { const float y = b[i]; out[i] = EXPR; } \
  } else if (sb) {                                               \
    const float y = b[0];                                        \
    for (size_t i = 0; i < n; ++i) { const float x = a[i]; out[i] = EXPR; } \
  } else {                                                       \
    for (size_t i = 0; i < n; ++i) { const float x = a[i], y = b[i]; out[i] = EXPR; } \
  }                                                              \
  break;
  switch (op) {
    case Op::add: LUMEX_BIN(x + y)
    case Op::subtract: LUMEX_BIN(x - y)
    case Op::multiply: LUMEX_BIN(x * y)
    case Op::divide: LUMEX_BIN(x / y)
    // NaN-propagating, like the unfused kernels.
    case Op::maximum: LUMEX_BIN((x != x || x > y) ? x : y)
    case Op::minimum: LUMEX_BIN((x != x || x < y) ? x : y)
    default: break;
  }
#undef LUMEX_BIN
}

LUMEX_CLONES void simple_unary_block(Op op, const float* a, float* out, size_t n) {
  switch (op) {
    case Op::negative: for (size_t i = 0; i < n; ++i) out[i] = -a[i]; break;
    case Op::abs: for (size_t i = 0; i < n; ++i) out[i] = std::fabs(a[i]); break;
    case Op::square: for (size_t i = 0; i < n; ++i) out[i] = a[i] * a[i]; break;
    case Op::sqrt: for (size_t i = 0; i < n; ++i) out[i] = std::sqrt(a[i]); break;
    case Op::rsqrt: for (size_t i = 0; i < n; ++i) out[i] = 1.0f / std::sqrt(a[i]); break;
    default: break;
  }
}

void unary_block(Op op, const float* a, bool sa, float* out, size_t n) {
  // A single-element operand is computed once and broadcast.
  size_t m = sa ? 1 : n;
  switch (op) {
    case Op::exp: cpu::simd_math::exp_f32(a, out, m); break;
    case Op::sin: cpu::simd_math::sin_f32(a, out, m); break;
    case Op::cos: cpu::simd_math::cos_f32(a, out, m); break;
    case Op::sigmoid: cpu::simd_math::sigmoid_f32(a, out, m); break;
    case Op::log: for (size_t i = 0; i < m; ++i) out[i] = std::log(a[i]); break;
    case Op::tanh: for (size_t i = 0; i < m; ++i) out[i] = std::tanh(a[i]); break;
    default: simple_unary_block(op, a, out, m); break;
  }
  if (sa) std::fill(out + 1, out + n, out[0]);
}

bool is_binary(Op op) { return static_cast<int>(op) <= static_cast<int>(Op::minimum); }

}  // namespace

void Fused::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  size_t n = out.size();
  // Inputs are read densely: anything strided gets a contiguous copy first.
  std::vector<array> dense;
  std::vector<const float*> src;
  std::vector<bool> single;
  for (auto& in : inputs) {
    bool one = in.size() == 1;
    const array* use = &in;
    if (!one && !(in.flags().row_contiguous && in.data_size() == in.size())) {
      dense.push_back(array::empty_buffer(in.shape(), in.dtype()));
      cpu::copy_row_contiguous(in, dense.back());
      use = &dense.back();
    }
    src.push_back(use->data<float>());
    single.push_back(one);
  }
  float* dst = out.data<float>();
  size_t nregs = static_cast<size_t>(num_inputs_) + steps_.size();
  size_t nblocks = (n + kBlock - 1) / kBlock;
  // Work per element is several ops, so split earlier than plain elementwise.
  auto run = [&](size_t b0, size_t b1) {
    std::vector<float> scratch(steps_.size() * kBlock);
    std::vector<const float*> reg(nregs);
    std::vector<bool> reg_single(nregs);
    for (size_t blk = b0; blk < b1; ++blk) {
      size_t start = blk * kBlock, len = std::min(kBlock, n - start);
      for (int i = 0; i < num_inputs_; ++i) {
        reg[i] = single[i] ? src[i] : src[i] + start;
        reg_single[i] = single[i];
      }
      for (size_t k = 0; k < steps_.size(); ++k) {
        const auto& s = steps_[k];
        bool last = k + 1 == steps_.size();
        float* o = last ? dst + start : scratch.data() + k * kBlock;
        if (is_binary(s.op)) {
          bool sa = reg_single[s.a], sb = reg_single[s.b];
          if (sa && sb) {
            // Both single: compute one element, then broadcast.
            binary_block(s.op, reg[s.a], false, reg[s.b], false, o, 1);
            std::fill(o + 1, o + len, o[0]);
          } else {
            binary_block(s.op, reg[s.a], sa, reg[s.b], sb, o, len);
          }
        } else {
          unary_block(s.op, reg[s.a], reg_single[s.a], o, len);
        }
        reg[s.out] = o;
        reg_single[s.out] = false;
      }
    }
  };
  if (nblocks > 1 && n * steps_.size() >= cpu::parallel_threshold()) {
    cpu::parallel_for_impl(nblocks, run);
  } else {
    run(0, nblocks);
  }
}

LUMEX_REGISTER_PRIMITIVE(Fused);

}  // namespace lumex::core
