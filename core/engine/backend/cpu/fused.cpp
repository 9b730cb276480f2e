// The fused elementwise interpreter: each block of the output is computed through
// the whole op list while it sits in L1, so memory sees each input once and the
// output once.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/backend/cpu/copy.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/backend/cpu/parallel_strided.h"
#include "engine/backend/cpu/simd_math.h"
#include "engine/backend/cpu/target_clones.h"
#include "engine/primitives.h"


namespace lumex::core {

namespace {

using Op = FusedStep::Op;
constexpr size_t kBlock = 512;

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
    case Op::broadcast: std::copy(a, a + n, out); break;
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
    case Op::log: cpu::simd_math::log_f32(a, out, m); break;
    case Op::tanh: cpu::simd_math::tanh_f32(a, out, m); break;
    case Op::erf: cpu::simd_math::erf_f32(a, out, m); break;
    case Op::expm1: cpu::simd_math::expm1_f32(a, out, m); break;
    case Op::log1p: cpu::simd_math::log1p_f32(a, out, m); break;
    default: simple_unary_block(op, a, out, m); break;
  }
  if (sa) std::fill(out + 1, out + n, out[0]);
}

}  // namespace

void Fused::eval_cpu(const std::vector<array>& inputs, array& out) {
  // An input nothing else can see may hold the result: every step reads element i
  // of a block before the last step writes element i of it.
  auto donor = std::find_if(inputs.begin(), inputs.end(), [&](const array& in) {
    return in.size() != 1 && cpu::is_donatable(in, out);
  });
  if (donor != inputs.end()) {
    out.copy_shared_buffer(*donor);
  } else {
    out.set_data(allocator::malloc(out.nbytes()));
  }
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
  // Scratch slots: a step writes over an operand it reads for the last time (the
  // kernels allow out == in), so a long chain still fits in L1.
  std::vector<size_t> last_use(nregs, 0), slot(nregs, 0);
  for (size_t k = 0; k < steps_.size(); ++k) {
    last_use[steps_[k].a] = k;
    if (FusedStep::is_binary(steps_[k].op)) last_use[steps_[k].b] = k;
  }
  std::vector<size_t> free_slots;
  size_t nslots = 0;
  for (size_t k = 0; k + 1 < steps_.size(); ++k) {
    const auto& s = steps_[k];
    for (int r : {s.a, FusedStep::is_binary(s.op) ? s.b : s.a}) {
      bool scratch_reg = r >= num_inputs_;
      if (scratch_reg && last_use[r] == k &&
          std::find(free_slots.begin(), free_slots.end(), slot[r]) == free_slots.end()) {
        free_slots.push_back(slot[r]);
      }
    }
    if (free_slots.empty()) {
      slot[s.out] = nslots++;
    } else {
      slot[s.out] = free_slots.back();
      free_slots.pop_back();
    }
  }
  // Slots are padded apart so that reading one and writing the next never hit
  // addresses 4 KiB apart (the CPU would see false store-to-load dependencies).
  constexpr size_t kSlotStride = kBlock + 16;
  auto run = [&](size_t b0, size_t b1) {
    std::vector<float> scratch(std::max<size_t>(nslots, 1) * kSlotStride);
    std::vector<const float*> reg(nregs);
    std::vector<char> reg_single(nregs);
    for (size_t blk = b0; blk < b1; ++blk) {
      size_t start = blk * kBlock, len = std::min(kBlock, n - start);
      for (int i = 0; i < num_inputs_; ++i) {
        reg[i] = single[i] ? src[i] : src[i] + start;
        reg_single[i] = single[i];
      }
      for (size_t k = 0; k < steps_.size(); ++k) {
        const auto& s = steps_[k];
        bool last = k + 1 == steps_.size();
        float* o = last ? dst + start : scratch.data() + slot[s.out] * kSlotStride;
        if (FusedStep::is_binary(s.op)) {
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
    cpu::parallel_chunks(nblocks, 16, run);
  } else {
    run(0, nblocks);
  }
}

}  // namespace lumex::core
