// The byte layout of MLX's `.mlxfn` files, as MLX 0.32 writes them (all integers
// little-endian, no padding):
//
//   header   string version, int32 trace count, bool shapeless, string metadata
//   trace    vector<string> kwarg keys, vector<uint64> input ids, vector<array> inputs,
//            vector<uint64> output ids, uint64 tape length, tape entries
//   entry    uint64 id, bool has_primitive, then
//              primitive: vector<uint64> input ids, stream, string name, state,
//                         uint64 siblings, then (siblings == 0) shape, dtype
//                         or vector<uint64> ids, vector<shape>, vector<dtype>
//              else: bool constant, then (constant, first time its id is seen in
//                    the file) shape, dtype, the raw row-major bytes
//   string   uint64 length, bytes;  vector<T>  uint64 count, items
//   shape    vector<int32>;  dtype  int32 Dtype::Val, uint8 size;  array  shape, dtype
//   stream   int32 index, int32 device type, int32 device index
//
// A primitive's state is its constructor arguments in MLX's order (export_codec.cpp).
#pragma once

#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/array.h"
#include "engine/primitives/base.h"

namespace lumex::core::detail {

static_assert(std::endian::native == std::endian::little,
              "the .mlxfn writer assumes a little-endian host");

class ByteWriter {
 public:
  template <typename T>
    requires std::is_arithmetic_v<T>
  void put(T v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void put_bool(bool v) { put<uint8_t>(v ? 1 : 0); }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    out_.append(s);
  }
  template <typename T>
  void put_vector(const std::vector<T>& v) {
    put<uint64_t>(v.size());
    for (auto x : v) put<T>(x);
  }
  void put_shape(const Shape& s);
  void put_dtype(Dtype d) {
    put<int32_t>(static_cast<int32_t>(d.val));
    put<uint8_t>(d.size);
  }
  void put_bytes(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

/// Reads a file's bytes; every read is checked against what is left, so a
/// truncated or corrupt file raises instead of reading past the end.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size, std::string who)
      : data_(data), size_(size), who_(std::move(who)) {}
  template <typename T>
    requires std::is_arithmetic_v<T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  bool get_bool();
  std::string get_string();
  /// A vector count, checked against the bytes left (each item takes at least
  /// `min_item` bytes).
  uint64_t get_count(size_t min_item);
  template <typename T>
  std::vector<T> get_vector() {
    auto n = get_count(sizeof(T));
    std::vector<T> v(n);
    for (auto& x : v) x = get<T>();
    return v;
  }
  Shape get_shape();
  Dtype get_dtype();
  const char* take(size_t n) {
    need(n);
    auto p = reinterpret_cast<const char*>(data_ + pos_);
    pos_ += n;
    return p;
  }
  size_t pos() const { return pos_; }
  size_t left() const { return size_ - pos_; }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  void need(size_t n) const;
  const uint8_t* data_;
  size_t size_;
  std::string who_;
  size_t pos_ = 0;
};

/// Writes a primitive (stream, name, state): in MLX's encoding when it has one, else
/// as "lumex.<Name>" with its parameters as text. Throws for a primitive that
/// cannot be rebuilt from what it reports.
void write_primitive(ByteWriter& w, const Primitive& p);

/// What read_primitive made of a tape entry. `reshape` is set when the entry is a
/// pure change of shape (MLX's Squeeze, ExpandDims, Flatten, Unflatten): the outputs'
/// recorded shapes make it a Reshape. `split_axis` >= 0 for MLX's Split, which becomes
/// one Slice per output.
struct ReadPrimitive {
  std::shared_ptr<Primitive> prim;
  bool reshape = false;
  /// Where each lumex input is among MLX's (empty: the same inputs in the same order).
  std::vector<int> input_order;
  bool split = false;
  int split_axis = 0;
  std::vector<int> split_indices;
};
/// Where each of MLX's inputs is among `p`'s (empty: the same order).
std::vector<int> mlx_input_order(const Primitive& p);
ReadPrimitive read_primitive(ByteReader& r, const std::vector<Shape>& input_shapes);

}  // namespace lumex::core::detail
