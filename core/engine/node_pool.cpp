#include "engine/node_pool.h"

namespace lumex::core::node_pool {

namespace {

constexpr size_t kGrain = 16;
constexpr size_t kClasses = kMaxPooled / kGrain;
// Per thread: the blocks of a few thousand nodes (a long chain is released
// while the next is built), small next to the arrays themselves.
constexpr size_t kMaxFreeBytes = size_t(2) << 20;

struct Block {
  Block* next;
};

// Trivially destructible, so it can be used during and after thread exit;
// `dead` sends those late calls straight to the system.
struct Cache {
  Block* head[kClasses];
  size_t free_bytes;
  bool registered;
  bool dead;
};

thread_local Cache cache;

void release_all(Cache& c) {
  for (size_t k = 0; k < kClasses; ++k) {
    while (Block* b = c.head[k]) {
      c.head[k] = b->next;
      ::operator delete(b);
    }
  }
  c.free_bytes = 0;
}

// Its destructor returns the thread's blocks when the thread ends.
struct Reaper {
  ~Reaper() {
    release_all(cache);
    cache.dead = true;
  }
};

void register_reaper() {
  thread_local Reaper reaper;
  (void)reaper;
  cache.registered = true;
}

size_t class_of(size_t bytes) { return bytes == 0 ? 0 : (bytes - 1) / kGrain; }

}  // namespace

void* allocate(size_t bytes) {
  if (bytes <= kMaxPooled) {
    Cache& c = cache;
    size_t k = class_of(bytes);
    if (Block* b = c.head[k]) {
      c.head[k] = b->next;
      c.free_bytes -= (k + 1) * kGrain;
      return b;
    }
    if (!c.registered && !c.dead) register_reaper();
    // The whole class size, so the block can serve any request of its class later.
    return ::operator new((k + 1) * kGrain);
  }
  return ::operator new(bytes);
}

void deallocate(void* p, size_t bytes) noexcept {
  if (!p) return;
  if (bytes <= kMaxPooled) {
    Cache& c = cache;
    size_t k = class_of(bytes);
    size_t size = (k + 1) * kGrain;
    if (!c.dead && c.free_bytes + size <= kMaxFreeBytes) {
      // A thread may only ever release blocks: it still has to return them.
      if (!c.registered) register_reaper();
      auto* b = static_cast<Block*>(p);
      b->next = c.head[k];
      c.head[k] = b;
      c.free_bytes += size;
      return;
    }
  }
  ::operator delete(p);
}

}  // namespace lumex::core::node_pool
