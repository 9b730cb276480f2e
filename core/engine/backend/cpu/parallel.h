// A tiny fork-join pool: large loops are split into chunks that the calling
// thread and the workers claim dynamically, small ones run inline (waking a
// worker costs more than it saves below the thresholds).
#pragma once

#include <cstddef>
#include <functional>

namespace lumex::core::cpu {

/// Number of worker threads including the caller.
int num_threads();

/// How much arithmetic a loop does per element; decides where threads pay off.
enum class Cost {
  cheap,     // one add, copy or compare per element: memory bound
  moderate,  // a few operations per element (where, reductions with selects)
  heavy,     // a transcendental function (exp, log, sin, tanh...) per element
};

/// Elements below which a loop of that cost stays on the calling thread.
/// Measured on a 2-core Zen 4 (benchmarks/parallel_threshold.py).
size_t parallel_threshold(Cost cost = Cost::cheap);

/// Runs f(lo, hi) over chunks of [0, n) on all threads. Chunk starts are
/// multiples of 16; threads take chunks as they come free, so a thread that the
/// OS delays does not hold up the others.
void parallel_for_impl(size_t n, const std::function<void(size_t, size_t)>& f);

/// Runs f(lo, hi) over chunks of [0, n), in parallel when n is large enough.
template <typename F>
void parallel_for(size_t n, F&& f, Cost cost = Cost::cheap) {
  if (n < parallel_threshold(cost) || num_threads() == 1) {
    f(size_t(0), n);
  } else {
    parallel_for_impl(n, std::function<void(size_t, size_t)>(f));
  }
}

}  // namespace lumex::core::cpu
