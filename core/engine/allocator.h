// Buffers for array data. All engine allocations go through here so that memory
// statistics (active, peak, cache) are exact, and freed large blocks are cached:
// re-faulting fresh pages costs more than the arithmetic of most elementwise ops.
#pragma once

#include <cstddef>
#include <new>
#include <string>

namespace lumex::core::allocator {

struct Buffer {
  void* ptr = nullptr;
  size_t size = 0;  // bytes requested
};

/// An allocation over the memory limit, or one the system refused. Derives from
/// bad_alloc so every layer treats it as one; the binding raises MemoryError.
class memory_error : public std::bad_alloc {
 public:
  explicit memory_error(std::string what) : what_(std::move(what)) {}
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  std::string what_;
};

/// Where array memory comes from. The CPU build's (allocator.cpp) caches large
/// host blocks; a device backend defines allocator() to return its own, and the
/// functions below, which the engine calls, follow it.
class Allocator {
 public:
  virtual ~Allocator() = default;
  /// 64-byte aligned; a zero-size request gives a valid, distinct pointer.
  virtual Buffer malloc(size_t size) = 0;
  virtual void free(Buffer buf) = 0;
  virtual size_t get_active_memory() = 0;
  virtual size_t get_peak_memory() = 0;
  virtual void reset_peak_memory() = 0;
  virtual size_t get_cache_memory() = 0;
  virtual void clear_cache() = 0;
  virtual size_t get_memory_limit() = 0;
  /// Each setter returns the previous limit.
  virtual size_t set_memory_limit(size_t limit) = 0;
  virtual size_t set_cache_limit(size_t limit) = 0;
  virtual size_t set_wired_limit(size_t limit) = 0;
};

/// The allocator of this build.
Allocator& allocator();

/// 64-byte aligned; a zero-size request gives a valid, distinct pointer.
Buffer malloc(size_t size);
void free(Buffer buf);

size_t get_active_memory();
size_t get_peak_memory();
void reset_peak_memory();
size_t get_cache_memory();
void clear_cache();
size_t get_memory_limit();
/// Returns the previous limit.
size_t set_memory_limit(size_t limit);
size_t set_cache_limit(size_t limit);
size_t set_wired_limit(size_t limit);

}  // namespace lumex::core::allocator
