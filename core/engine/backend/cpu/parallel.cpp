#include "engine/backend/cpu/parallel.h"

#include <algorithm>
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

// Workers wait on a generation counter; each job is split into equal chunks,
// chunk 0 runs on the caller.
class Pool {
 public:
  explicit Pool(int n) : n_(n) {
    for (int i = 1; i < n_; ++i) {
      workers_.emplace_back([this, i] { loop(i); });
    }
  }
  ~Pool() {
    {
      std::lock_guard lk(mtx_);
      stop_ = true;
      ++gen_;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
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
    {
      std::lock_guard lk(mtx_);
      job_ = &f;
      total_ = n;
      pending_ = n_ - 1;
      ++gen_;
    }
    cv_.notify_all();
    chunk(0, f);
    std::unique_lock lk(mtx_);
    done_cv_.wait(lk, [this] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  void chunk(int i, const std::function<void(size_t, size_t)>& f) {
    size_t per = (total_ + n_ - 1) / n_;
    per = (per + 15) / 16 * 16;  // keep chunk starts aligned for SIMD stores
    size_t lo = std::min(total_, per * i);
    size_t hi = std::min(total_, lo + per);
    if (lo < hi) f(lo, hi);
  }
  void loop(int i) {
    uint64_t seen = 0;
    while (true) {
      const std::function<void(size_t, size_t)>* job;
      {
        std::unique_lock lk(mtx_);
        cv_.wait(lk, [&] { return gen_ != seen; });
        seen = gen_;
        if (stop_) return;
        job = job_;
      }
      inside_job = true;
      if (job) chunk(i, *job);
      inside_job = false;
      {
        std::lock_guard lk(mtx_);
        if (--pending_ == 0) done_cv_.notify_one();
      }
    }
  }

  int n_;
  pid_t pid_ = getpid();
  std::vector<std::thread> workers_;
  std::mutex mtx_, job_mtx_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  size_t total_ = 0;
  int pending_ = 0;
  uint64_t gen_ = 0;
  bool stop_ = false;
};

Pool& pool() {
  static Pool* p = new Pool(env_threads());  // leaked: joining at exit can deadlock
  return *p;
}

}  // namespace

int num_threads() { return pool().size(); }

size_t parallel_threshold() { return size_t(1) << 16; }

void parallel_for_impl(size_t n, const std::function<void(size_t, size_t)>& f) {
  pool().run(n, f);
}

}  // namespace lumex::core::cpu
