// A tiny fork-join pool: large elementwise loops are split across the cores,
// small ones run inline (spawning work costs more than it saves below the threshold).
#pragma once

#include <cstddef>
#include <functional>

namespace lumex::core::cpu {

/// Number of worker threads including the caller.
int num_threads();
/// Elements below which loops stay on the calling thread.
size_t parallel_threshold();

void parallel_for_impl(size_t n, const std::function<void(size_t, size_t)>& f);

/// Runs f(lo, hi) over chunks of [0, n), possibly in parallel.
template <typename F>
void parallel_for(size_t n, F&& f) {
  if (n < parallel_threshold() || num_threads() == 1) {
    f(size_t(0), n);
  } else {
    parallel_for_impl(n, std::function<void(size_t, size_t)>(f));
  }
}

}  // namespace lumex::core::cpu
