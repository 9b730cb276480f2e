#include "engine/backend/cpu/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

namespace lumex::core::cpu {

namespace {

thread_local bool inside_job = false;

int env_threads() {
  if (const char* e = std::getenv("LUMEX_NUM_THREADS")) {
    int n = std::atoi(e);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

// Chunks are claimed from an atomic counter by the caller and by whichever
// workers have woken up. The caller never waits for a worker that has not
// started: on a busy machine a sleeping worker can take milliseconds to be
// scheduled, and the caller simply does its share of the work meanwhile.
class Pool {
 public:
  explicit Pool(int n) : n_(n) {
    for (int i = 1; i < n_; ++i) workers_.emplace_back([this] { loop(); });
  }
  int size() const { return n_; }

  void run(size_t n, const std::function<void(size_t, size_t)>& f) {
    // Nested jobs run inline; a forked child has no workers, so it does too.
    if (inside_job || getpid() != pid_) {
      f(0, n);
      return;
    }
    inside_job = true;
    struct Reset {
      ~Reset() { inside_job = false; }
    } reset;
    std::lock_guard job_lk(job_mtx_);  // one parallel job at a time
    size_t chunks = std::min<size_t>(n, 4 * static_cast<size_t>(n_));
    size_t per = (n + chunks - 1) / chunks;
    if (per >= 64) per = (per + 15) / 16 * 16;  // chunk starts aligned for SIMD stores
    {
      std::lock_guard lk(mtx_);
      job_ = &f;
      total_ = n;
      per_ = per;
      next_.store(0, std::memory_order_relaxed);
      ++gen_;
    }
    cv_.notify_all();
    work(f);
    // Every chunk is claimed; close the job to latecomers and wait for the
    // workers still running one.
    std::unique_lock lk(mtx_);
    job_ = nullptr;
    done_cv_.wait(lk, [this] { return active_ == 0; });
  }

 private:
  void work(const std::function<void(size_t, size_t)>& f) {
    while (true) {
      size_t lo = next_.fetch_add(per_, std::memory_order_relaxed);
      if (lo >= total_) return;
      f(lo, std::min(total_, lo + per_));
    }
  }

  void loop() {
    uint64_t seen = 0;
    while (true) {
      const std::function<void(size_t, size_t)>* job;
      {
        std::unique_lock lk(mtx_);
        cv_.wait(lk, [&] { return gen_ != seen; });
        seen = gen_;
        job = job_;
        if (!job) continue;  // woke after the caller finished it
        ++active_;
      }
      inside_job = true;
      work(*job);
      inside_job = false;
      std::lock_guard lk(mtx_);
      if (--active_ == 0) done_cv_.notify_one();
    }
  }

  int n_;
  pid_t pid_ = getpid();
  std::vector<std::thread> workers_;
  std::mutex mtx_, job_mtx_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  size_t total_ = 0, per_ = 1;
  std::atomic<size_t> next_{0};
  int active_ = 0;
  uint64_t gen_ = 0;
};

Pool& pool() {
  // Leaked, workers detached by never joining: joining at exit can deadlock.
  static Pool* p = new Pool(env_threads());
  return *p;
}

}  // namespace

int num_threads() { return pool().size(); }

size_t parallel_threshold(Cost cost) {
  // LUMEX_PARALLEL_THRESHOLD overrides every class (benchmarks/parallel_threshold.py
  // sets it to 0 to time small sizes threaded).
  static const long forced = [] {
    const char* e = std::getenv("LUMEX_PARALLEL_THRESHOLD");
    return e ? std::atol(e) : -1L;
  }();
  if (forced >= 0) return static_cast<size_t>(forced);
  // benchmarks/parallel_threshold.py on the 2-core Zen 4 (shared, load ~6): two
  // threads break even for add near 2^17-2^18 elements and for exp near 2^15; a
  // wake-up costs 5-15 us, so below that the second thread only adds latency.
  switch (cost) {
    case Cost::cheap: return size_t(1) << 18;
    case Cost::moderate: return size_t(1) << 17;
    case Cost::heavy: return size_t(1) << 15;
  }
  return size_t(1) << 18;
}

void parallel_for_impl(size_t n, const std::function<void(size_t, size_t)>& f) {
  pool().run(n, f);
}

}  // namespace lumex::core::cpu
