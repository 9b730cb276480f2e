// Vectorized dtype conversions for dense buffers (AsType, copies, half-precision
// math). Each one gives bit-for-bit the result of cpu::cast for every input.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/dtype.h"

namespace lumex::core::cpu {

void f32_to_f16(const float* in, float16_t* out, size_t n);
void f16_to_f32(const float16_t* in, float* out, size_t n);
void f32_to_bf16(const float* in, bfloat16_t* out, size_t n);
void bf16_to_f32(const bfloat16_t* in, float* out, size_t n);
void f32_to_i32(const float* in, int32_t* out, size_t n);

/// Whether convert_dense_fast has a kernel for this pair.
bool has_dense_convert(Dtype from, Dtype to);

/// Converts n dense elements with a kernel above; false if the pair has none.
bool convert_dense_fast(const void* in, Dtype from, void* out, Dtype to, size_t n);

}  // namespace lumex::core::cpu
