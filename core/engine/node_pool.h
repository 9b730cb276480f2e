// Per-thread free lists for the small blocks every graph node needs (its
// descriptor with the shared_ptr count, its Data, scalar buffers). Building and
// releasing a chain of a thousand nodes otherwise sends each block through
// malloc's slower bins: its own per-thread cache holds only a few per size.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace lumex::core::node_pool {

/// Blocks up to this size come from the pool; larger ones from operator new.
constexpr size_t kMaxPooled = 512;

/// A block of at least `bytes` bytes, 16-byte aligned. Any thread may release
/// it (a thread keeps at most a bounded number of released blocks; the rest go
/// back to the system).
void* allocate(size_t bytes);
void deallocate(void* p, size_t bytes) noexcept;

/// For std::allocate_shared: the object and its reference counts in one block.
template <typename T>
struct Allocator {
  using value_type = T;
  Allocator() noexcept = default;
  template <typename U>
  Allocator(const Allocator<U>&) noexcept {}
  T* allocate(size_t n) {
    static_assert(alignof(T) <= 16, "node_pool blocks are 16-byte aligned");
    return static_cast<T*>(node_pool::allocate(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept { node_pool::deallocate(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const Allocator<U>&) const noexcept { return true; }
};

/// std::make_shared with the block (object and counts) from the pool.
template <typename T, typename... Args>
std::shared_ptr<T> make_shared(Args&&... args) {
  return std::allocate_shared<T>(Allocator<T>(), std::forward<Args>(args)...);
}

}  // namespace lumex::core::node_pool
