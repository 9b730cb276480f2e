// The FFT driver's unit of work: one transform over every line along one
// axis, and the two ways of running it (fft_lanes.cpp, fft_long.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/backend/cpu/fft_plan.h"

namespace lumex::core::cpu::fft {

/// Lines at least this long, when fewer than eight, run four-step (run_long),
/// and so do all lines longer than kHugeLine (measured on a 2-core Zen 4).
constexpr size_t kLongLine = 4096;
constexpr size_t kHugeLine = 65536;

enum class Mode { c2c, r2c, c2r };

/// One transform over every line along one axis.
struct Pass {
  Mode mode;
  bool inverse;
  size_t n;  // transform length (the real length for r2c and c2r)
  const void* src;
  void* dst;
  // In floats (a complex64 element is two): each line's first element, and
  // the stride along the axis.
  std::vector<int64_t> src_off, dst_off;
  int64_t src_st, dst_st;
  float scale;
  std::shared_ptr<const ComplexPlan> cplan;  // c2c, and the inner plan of r2c/c2r
  std::shared_ptr<const RealPlan> rplan;
};

/// Runs the pass by transforming groups of eight lines side by side.
void run_lanes(const Pass& ps);

/// Runs the pass one line at a time, each split into two passes of shorter
/// lines (four-step), for a few lines too long to batch well.
void run_long(const Pass& ps);

}  // namespace lumex::core::cpu::fft
