// Internal helpers shared by the format readers and writers: overflow-checked
// arithmetic, a bounds-checked little-endian cursor, and array views into a file.
#pragma once

#include <cstring>
#include <limits>
#include <string>

#include "engine/io/io.h"
#include "engine/utils.h"

namespace lumex::core::io {

/// Throws std::invalid_argument "[load] <file>: <what>".
[[noreturn]] void fail(const std::string& name, const std::string& what);

/// Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool valid_utf8(const std::string& s);

/// a * b, or false if it overflows.
inline bool mul_ok(uint64_t a, uint64_t b, uint64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}
inline bool add_ok(uint64_t a, uint64_t b, uint64_t& out) {
  return !__builtin_add_overflow(a, b, &out);
}

/// Product of dims times itemsize in bytes; fails on negative dims or overflow
/// past `limit` (the bytes available, so no allocation can exceed the file).
uint64_t checked_nbytes(const std::string& name, const Shape& shape, size_t itemsize,
                        uint64_t limit);

/// Reads fixed-size little-endian fields with bounds checks.
class Cursor {
 public:
  Cursor(const ByteSource& src, size_t pos) : src_(src), pos_(pos) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return src_.size - pos_; }
  const uint8_t* need(uint64_t n, const char* what) {
    if (n > remaining()) {
      fail(src_.name, msg("file is truncated (", what, " needs ", n, " bytes at offset ",
                          pos_, ", ", remaining(), " left)"));
    }
    const uint8_t* p = src_.data + pos_;
    pos_ += n;
    return p;
  }
  template <typename T>
  T get(const char* what) {
    T v;
    std::memcpy(&v, need(sizeof(T), what), sizeof(T));
    return v;  // little-endian host assumed (x86-64, arm64)
  }

 private:
  const ByteSource& src_;
  size_t pos_;
};

/// An array over `nbytes` at `offset` of src: a view when aligned, else a copy.
/// `swap` byte-swaps each element (big-endian files), which always copies.
array make_array(const ByteSource& src, uint64_t offset, const Shape& shape, Dtype dtype,
                 bool swap = false);

/// Appends a value's little-endian bytes to a string buffer.
template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

/// Arrays to save must be evaluated, named uniquely: evaluates them together.
void eval_for_save(const NamedArrays& arrays, const char* op);

}  // namespace lumex::core::io
