#include "engine/allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <atomic>
#include <map>
#include <mutex>
#include <new>

#include "engine/node_pool.h"

namespace lumex::core::allocator {

namespace {

constexpr size_t kAlign = 64;
// Below this, malloc's own bins are as fast as our cache and waste less.
constexpr size_t kCacheMin = 1 << 14;

size_t total_ram() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<size_t>(pages) * page : (size_t(1) << 34);
}

// Large blocks are mapped on 2 MiB boundaries and marked for transparent huge
// pages (the kernel here only backs madvised regions with them): streaming
// over 4 KiB pages costs a TLB walk per page and halves the bandwidth of
// reductions and copies. NumPy does the same for its large arrays.
constexpr size_t kHugeMin = size_t(4) << 20;
constexpr size_t kHugePage = size_t(2) << 20;

size_t rounded(size_t size) {
  if (size < kCacheMin) return size < 16 ? 16 : (size + 15) / 16 * 16;
  if (size >= kHugeMin) return (size + kHugePage - 1) / kHugePage * kHugePage;
  constexpr size_t page = 4096;
  return (size + page - 1) / page * page;
}

void* map_huge(size_t r) {
  void* raw = mmap(nullptr, r + kHugePage, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  auto a = reinterpret_cast<uintptr_t>(raw);
  uintptr_t start = (a + kHugePage - 1) / kHugePage * kHugePage;
  if (start > a) munmap(raw, start - a);
  size_t tail = (a + r + kHugePage) - (start + r);
  if (tail) munmap(reinterpret_cast<void*>(start + r), tail);
  void* p = reinterpret_cast<void*>(start);
#ifdef MADV_HUGEPAGE
  madvise(p, r, MADV_HUGEPAGE);
#endif
  return p;
}

void* system_alloc(size_t r) {
  if (r >= kHugeMin) return map_huge(r);
  // Scalars and other tiny buffers of graph nodes: the node pool. Small blocks:
  // plain malloc. Both are 16-byte aligned, enough for every dtype, and much
  // cheaper than aligned_alloc.
  if (r <= node_pool::kMaxPooled) return node_pool::allocate(r);
  if (r < kCacheMin) return std::malloc(r);
  return std::aligned_alloc(kAlign, r);
}

void system_free(void* p, size_t r) {
  if (r >= kHugeMin) {
    munmap(p, r);
  } else if (r <= node_pool::kMaxPooled) {
    node_pool::deallocate(p, r);
  } else {
    std::free(p);
  }
}


struct State {
  std::mutex mtx;
  // Atomics: small allocations (most graph constants) never take the lock.
  std::atomic<size_t> active{0};
  std::atomic<size_t> peak{0};
  size_t cached = 0;
  std::atomic<size_t> memory_limit{total_ram()};
  size_t cache_limit = total_ram();
  size_t wired_limit = 0;
  std::multimap<size_t, void*> cache;  // rounded size -> block

  void trim(size_t keep) {
    while (cached > keep && !cache.empty()) {
      auto it = std::prev(cache.end());  // largest first frees most per call
      cached -= it->first;
      system_free(it->second, it->first);
      cache.erase(it);
    }
  }
};

State& state() {
  static State* s = new State();  // leaked: buffers may be freed during static destruction
  return *s;
}

}  // namespace

namespace {
void count_alloc(State& s, size_t r) {
  size_t now = s.active.fetch_add(r, std::memory_order_relaxed) + r;
  size_t peak = s.peak.load(std::memory_order_relaxed);
  while (now > peak &&
         !s.peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}
}  // namespace

namespace {
std::string bytes_text(size_t n) {
  char buf[64];
  if (n >= (size_t(1) << 30)) {
    std::snprintf(buf, sizeof buf, "%zu bytes (%.1f GiB)", n, double(n) / double(1 << 30));
  } else {
    std::snprintf(buf, sizeof buf, "%zu bytes", n);
  }
  return buf;
}

// Fails fast with a clear error instead of letting the system overcommit (and the
// process die later) or grind through swap.
void check_limit(State& s, size_t size, size_t r) {
  size_t limit = s.memory_limit;
  if (r <= limit && s.active.load(std::memory_order_relaxed) + r <= limit) return;
  clear_cache();
  size_t active = s.active.load(std::memory_order_relaxed);
  if (r <= limit && active + r <= limit) return;
  throw memory_error("[malloc] Cannot allocate " + bytes_text(size) + ": " +
                     bytes_text(active) + " in use and the memory limit is " +
                     bytes_text(limit) + " (see set_memory_limit).");
}

/// Host memory: the system allocator behind a size-bucketed cache of large blocks.
class CpuAllocator : public Allocator {
 public:
  Buffer malloc(size_t size) override;
  void free(Buffer buf) override;
  size_t get_active_memory() override;
  size_t get_peak_memory() override;
  void reset_peak_memory() override;
  size_t get_cache_memory() override;
  void clear_cache() override;
  size_t get_memory_limit() override;
  size_t set_memory_limit(size_t limit) override;
  size_t set_cache_limit(size_t limit) override;
  size_t set_wired_limit(size_t limit) override;
};

}  // namespace

Buffer CpuAllocator::malloc(size_t size) {
  auto& s = state();
  if (size > (size_t(1) << 62)) check_limit(s, size, size);  // rounding would wrap
  size_t r = rounded(size);
  if (r >= kCacheMin) check_limit(s, size, r);
  void* p = nullptr;
  if (r >= kCacheMin) {
    std::lock_guard lk(s.mtx);
    // Accept a cached block up to 1/8 larger than asked for.
    auto it = s.cache.lower_bound(r);
    if (it != s.cache.end() && it->first <= r + r / 8) {
      p = it->second;
      r = it->first;
      s.cached -= r;
      s.cache.erase(it);
    } else {
      s.trim(s.cache_limit > r ? s.cache_limit - r : 0);
    }
  }
  if (!p) {
    p = system_alloc(r);
    if (!p && r >= kCacheMin) {
      clear_cache();
      p = system_alloc(r);
    }
    if (!p) throw memory_error("[malloc] Unable to allocate " + bytes_text(size) + ".");
  }
  count_alloc(s, r);
  return Buffer{p, r};
}

void CpuAllocator::free(Buffer buf) {
  if (!buf.ptr) return;
  auto& s = state();
  s.active.fetch_sub(buf.size, std::memory_order_relaxed);
  if (buf.size >= kCacheMin) {
    std::lock_guard lk(s.mtx);
    if (s.cached + buf.size <= s.cache_limit) {
      s.cache.emplace(buf.size, buf.ptr);
      s.cached += buf.size;
      return;
    }
  }
  system_free(buf.ptr, buf.size);
}

size_t CpuAllocator::get_active_memory() { return state().active.load(); }
size_t CpuAllocator::get_peak_memory() { return state().peak.load(); }
// MLX resets the peak to zero, not to the memory active now.
void CpuAllocator::reset_peak_memory() { state().peak.store(0); }
size_t CpuAllocator::get_cache_memory() {
  std::lock_guard lk(state().mtx);
  return state().cached;
}
void CpuAllocator::clear_cache() {
  std::lock_guard lk(state().mtx);
  state().trim(0);
}
size_t CpuAllocator::get_memory_limit() {
  std::lock_guard lk(state().mtx);
  return state().memory_limit;
}
size_t CpuAllocator::set_memory_limit(size_t limit) {
  std::lock_guard lk(state().mtx);
  size_t old = state().memory_limit;
  state().memory_limit = limit;
  return old;
}
size_t CpuAllocator::set_cache_limit(size_t limit) {
  std::lock_guard lk(state().mtx);
  size_t old = state().cache_limit;
  state().cache_limit = limit;
  state().trim(limit);
  return old;
}
size_t CpuAllocator::set_wired_limit(size_t limit) {
  std::lock_guard lk(state().mtx);
  size_t old = state().wired_limit;
  state().wired_limit = limit;
  return old;
}

Allocator& allocator() {
  static CpuAllocator* a = new CpuAllocator();  // leaked, like its state
  return *a;
}

Buffer malloc(size_t size) { return allocator().malloc(size); }
void free(Buffer buf) { allocator().free(buf); }
size_t get_active_memory() { return allocator().get_active_memory(); }
size_t get_peak_memory() { return allocator().get_peak_memory(); }
void reset_peak_memory() { allocator().reset_peak_memory(); }
size_t get_cache_memory() { return allocator().get_cache_memory(); }
void clear_cache() { allocator().clear_cache(); }
size_t get_memory_limit() { return allocator().get_memory_limit(); }
size_t set_memory_limit(size_t limit) { return allocator().set_memory_limit(limit); }
size_t set_cache_limit(size_t limit) { return allocator().set_cache_limit(limit); }
size_t set_wired_limit(size_t limit) { return allocator().set_wired_limit(limit); }

}  // namespace lumex::core::allocator
