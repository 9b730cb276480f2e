// Vector leaf kernels of the scans for 4- and 8-byte numbers, compiled for
// baseline x86-64, AVX2 and AVX-512 and picked at load time. scan.cpp splits the
// work into rows and threads; these only see contiguous runs.
//
// Combining follows the scalar kernels: max/min keep a NaN once seen and, among
// equal values, the later one (so -0/+0 come out as a sequential loop's).
#pragma once

#include <cstdint>

namespace lumex::core::cpu::ssimd {

enum class Op { sum, prod, max, min };

// Scan of one contiguous run of n elements: y[k] combines x[0..k] (inclusive)
// or x[0..k) (exclusive); reverse runs from the end. y may alias x.
// A scan over an outer axis goes a row at a time: start_row writes the first
// output row (x itself when inclusive, the starting value when exclusive), then
// combine_row gives y[j] = prev[j] op x[j] for each next row.
#define LUMEX_SCAN_RUN(T)                                                        \
  void scan_run(Op op, const T* x, T* y, int64_t n, bool reverse, bool inclusive); \
  void start_row(Op op, const T* x, T* y, int64_t n, bool inclusive);            \
  void combine_row(Op op, const T* prev, const T* x, T* y, int64_t n);
LUMEX_SCAN_RUN(float)
LUMEX_SCAN_RUN(double)
LUMEX_SCAN_RUN(int32_t)
LUMEX_SCAN_RUN(int64_t)
LUMEX_SCAN_RUN(uint32_t)
LUMEX_SCAN_RUN(uint64_t)
#undef LUMEX_SCAN_RUN

}  // namespace lumex::core::cpu::ssimd
