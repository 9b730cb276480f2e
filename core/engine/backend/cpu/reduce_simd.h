// Float32 leaf kernels of the reductions, compiled for baseline x86-64, AVX2 and
// AVX-512 and picked at load time. The callers (reduce.cpp, softmax.cpp) split
// the work into blocks and threads; these only see one contiguous run.
//
// NaN: max/min propagate it (one NaN makes the result NaN); argmax/argmin
// return the first NaN when there is one, else the first extreme.
#pragma once

#include <cstdint>

namespace lumex::core::cpu::rsimd {

// Reduce a contiguous run to one value (callers keep runs short enough, about
// 2K elements, for the float sum to stay accurate; they combine runs pairwise).
float sum(const float* p, int64_t n);
float prod(const float* p, int64_t n);
float max(const float* p, int64_t n);
float min(const float* p, int64_t n);

// acc[i] = acc[i] op p[i]: reducing an outer axis, one input row at a time.
void add_row(float* acc, const float* p, int64_t n);
/// acc[i] += sum over r < rows of p[r * stride + i]: several rows per pass over
/// acc, so the accumulator is loaded and stored once per group of rows.
void add_rows(float* acc, const float* p, int64_t n, int64_t rows, int64_t stride);
void mul_row(float* acc, const float* p, int64_t n);
void max_row(float* acc, const float* p, int64_t n);
void min_row(float* acc, const float* p, int64_t n);

/// Index of the first maximum (minimum) of p[0..n), n >= 1.
int64_t argmax(const float* p, int64_t n);
int64_t argmin(const float* p, int64_t n);

/// Reducing an outer axis: row k of the input updates the running best values
/// and their indices (best starts as row 0, idx as 0).
void argmax_row(float* best, uint32_t* idx, const float* row, int64_t n, uint32_t k);
void argmin_row(float* best, uint32_t* idx, const float* row, int64_t n, uint32_t k);

/// y = softmax(x) over one row; y may alias x.
void softmax_row(const float* x, float* y, int64_t n);
/// log(sum(exp(x))) over one row, stable, +inf/-inf/NaN as MLX.
float logsumexp_row(const float* x, int64_t n);

}  // namespace lumex::core::cpu::rsimd
