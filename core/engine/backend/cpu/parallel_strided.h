// Strided iteration split across the thread pool: the flat index space is cut into
// equal ranges, each walked as innermost runs (partial runs at the range ends), so a
// broadcast over rows, a single huge run and many short runs all use both cores.
#pragma once

#include <algorithm>
#include <atomic>

#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"

namespace lumex::core::cpu {

/// Calls f(offsets, len, inner_strides) for the runs covering flat indices [lo, hi).
template <size_t N, typename F>
void runs_in_range(const Collapsed<N>& c, size_t lo, size_t hi, F& f) {
  int nd = static_cast<int>(c.shape.size());
  auto n = static_cast<size_t>(c.shape[nd - 1]);
  std::array<int64_t, N> inner, off{};
  for (size_t k = 0; k < N; ++k) inner[k] = c.strides[k][nd - 1];
  std::vector<int64_t> idx(nd);
  size_t rem = lo;
  for (int d = nd - 1; d >= 0; --d) {
    idx[d] = static_cast<int64_t>(rem % c.shape[d]);
    rem /= c.shape[d];
    for (size_t k = 0; k < N; ++k) off[k] += idx[d] * c.strides[k][d];
  }
  size_t pos = lo;
  while (pos < hi) {
    size_t len = std::min(n - static_cast<size_t>(idx[nd - 1]), hi - pos);
    f(off, static_cast<int64_t>(len), inner);
    pos += len;
    if (pos >= hi) return;
    for (size_t k = 0; k < N; ++k) off[k] -= idx[nd - 1] * inner[k];
    idx[nd - 1] = 0;
    for (int d = nd - 2; d >= 0; --d) {
      for (size_t k = 0; k < N; ++k) off[k] += c.strides[k][d];
      if (++idx[d] < c.shape[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= c.strides[k][d] * c.shape[d];
      idx[d] = 0;
    }
  }
}

/// Runs f(lo, hi) over [0, n) in chunks of `grain` that the pool's threads claim
/// one at a time, so a thread the OS has descheduled (a busy machine) does not hold
/// up the others with a fixed half of the work.
template <typename F>
void parallel_chunks(size_t n, size_t grain, F&& f) {
  if (n <= grain || num_threads() == 1) {
    f(size_t(0), n);
    return;
  }
  std::atomic<size_t> next{0};
  // Every thread gets one call (the pool hands out 16-aligned ranges) and then
  // claims chunks until none are left.
  parallel_for_impl(16 * static_cast<size_t>(num_threads()), [&](size_t, size_t) {
    for (size_t lo; (lo = next.fetch_add(grain)) < n;) f(lo, std::min(n, lo + grain));
  });
}

/// strided_for_each, in parallel when the iteration space is large.
template <size_t N, typename F>
void parallel_strided_for_each(const Shape& shape,
                               const std::array<const Strides*, N>& strides, F&& f) {
  size_t total = shape_size(shape);
  if (total == 0) return;
  auto c = collapse_dims<N>(shape, strides);
  if (total < parallel_threshold() || num_threads() == 1) {
    runs_in_range(c, 0, total, f);
    return;
  }
  parallel_for_impl(total, [&](size_t lo, size_t hi) { runs_in_range(c, lo, hi, f); });
}

}  // namespace lumex::core::cpu
