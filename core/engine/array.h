// The array: a handle to a node of the lazy compute graph.
//
// An array either holds data (a graph source) or a primitive and its inputs that
// will compute the data when evaluated. Evaluation detaches the node (drops the
// primitive and inputs), so intermediates are freed as soon as nothing needs them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "engine/allocator.h"
#include "engine/device.h"
#include "engine/dtype.h"
#include "engine/node_pool.h"

namespace lumex::core {

using ShapeElem = int64_t;
using Shape = std::vector<ShapeElem>;
using Strides = std::vector<int64_t>;  // in elements

class Primitive;

class array {
 public:
  enum class Status {
    unscheduled,  // pending: has a primitive, no data
    scheduled,    // part of an evaluation in progress
    evaluated,    // computed (asynchronously), data may still be written
    available,    // data is ready to read
  };

  struct Flags {
    bool contiguous : 1;      // the elements fill [data, data + data_size) densely
    bool row_contiguous : 1;  // C order, no gaps
    bool col_contiguous : 1;  // Fortran order, no gaps
  };

  /// Owns an allocation: ours (through the allocator) or foreign (NumPy, DLPack).
  struct Data {
    allocator::Buffer buffer;
    std::function<void(allocator::Buffer)> deleter;
    // Whether a kernel may reuse the buffer in place (donate it) once nothing else
    // refers to it: our own allocations and private copy-on-write file mappings
    // (written pages become private copies), never memory lent by NumPy or DLPack.
    bool donatable;
    explicit Data(allocator::Buffer b)
        : buffer(b), deleter(allocator::free), donatable(true) {}
    Data(allocator::Buffer b, std::function<void(allocator::Buffer)> d, bool donatable = false)
        : buffer(b), deleter(std::move(d)), donatable(donatable) {}
    Data(const Data&) = delete;
    Data& operator=(const Data&) = delete;
    ~Data() {
      if (deleter) deleter(buffer);
    }
  };

  /// A scalar array.
  template <typename T>
  explicit array(T val, Dtype dtype = dtype_of<T>);

  /// An array with data copied from a flat buffer of T, converted to dtype.
  template <typename T>
  array(const T* data, Shape shape, Dtype dtype = dtype_of<T>);

  template <typename T>
  array(std::initializer_list<T> data, Dtype dtype = dtype_of<T>);

  /// A graph node: shape and dtype are fixed now, data comes at evaluation.
  array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
        std::vector<array> inputs);

  /// Wraps existing memory (owned by `data`) as an available array.
  array(std::shared_ptr<Data> data, Shape shape, Dtype dtype, Strides strides,
        size_t offset_bytes, size_t data_size, Flags flags);

  /// An uninitialized, available, row-contiguous array.
  static array empty_buffer(Shape shape, Dtype dtype);

  /// Several outputs of one primitive, which become siblings.
  static std::vector<array> make_arrays(std::vector<Shape> shapes,
                                        const std::vector<Dtype>& dtypes,
                                        const std::shared_ptr<Primitive>& primitive,
                                        const std::vector<array>& inputs);

  array(const array&) = default;
  array(array&&) noexcept = default;
  array& operator=(const array&) = default;
  array& operator=(array&&) noexcept = default;
  ~array();

  Dtype dtype() const { return desc_->dtype; }
  size_t itemsize() const { return dtype().size; }
  size_t size() const { return desc_->size; }
  size_t nbytes() const { return size() * itemsize(); }
  int ndim() const { return static_cast<int>(desc_->shape.size()); }
  const Shape& shape() const { return desc_->shape; }
  /// Size of one dimension; negative dims count from the end.
  ShapeElem shape(int dim) const;
  const Strides& strides() const { return desc_->strides; }
  int64_t strides(int dim) const { return desc_->strides.at(dim); }

  /// Computes this array (and what it depends on) if it is not yet.
  void eval();
  /// The single element as T; evaluates. Throws if size() != 1.
  template <typename T>
  T item();

  // Acquire/release (plain moves on x86): a thread that sees `available` also
  // sees the data written before it.
  Status status() const { return desc_->status.load(std::memory_order_acquire); }
  void set_status(Status s) const { desc_->status.store(s, std::memory_order_release); }
  bool is_available() const { return status() == Status::available; }
  bool has_primitive() const { return desc_->primitive != nullptr; }
  Primitive& primitive() const { return *desc_->primitive; }
  const std::shared_ptr<Primitive>& primitive_ptr() const {
    return desc_->primitive;
  }
  std::vector<array>& inputs() const { return desc_->inputs; }
  /// The other outputs of this array's primitive.
  const std::vector<array>& siblings() const { return desc_->siblings; }
  /// All outputs of this array's primitive in order (this array included).
  std::vector<array> outputs() const;
  int sibling_position() const { return desc_->position; }
  /// Drops primitive, inputs and siblings: the array becomes a graph source.
  void detach();

  /// True while a transform traces a function and this array depends on its
  /// inputs. Evaluating a tracer keeps its graph (the transform still needs it).
  bool is_tracer() const { return desc_->tracer && in_tracing(); }
  void set_tracer(bool t) const { desc_->tracer = t; }
  /// Nesting depth of transforms currently tracing a function (0: none).
  static bool in_tracing() {
    return tracing_depth_.load(std::memory_order_relaxed) > 0;
  }
  struct TracingScope {
    TracingScope() { tracing_depth_.fetch_add(1); }
    ~TracingScope() { tracing_depth_.fetch_sub(1); }
  };

  /// A process-unique id, stable for the array's lifetime.
  uint64_t id() const { return desc_->id; }
  /// Where the user created this node (see sites:: in introspect.h); 0 if unknown.
  uint32_t site() const { return desc_->site; }
  /// The public op call that created this node (sites::current_call); 0 if unknown.
  uint32_t call() const { return desc_->call; }
  const void* desc_ptr() const { return desc_.get(); }

  Flags flags() const { return desc_->flags; }
  /// Number of elements in the buffer region this array spans.
  size_t data_size() const { return desc_->data_size; }
  const std::shared_ptr<Data>& data_shared_ptr() const { return desc_->data; }
  bool has_data() const { return desc_->data != nullptr; }
  /// Bytes of the whole allocation behind this array.
  size_t buffer_size() const {
    return desc_->data ? desc_->data->buffer.size : 0;
  }

  template <typename T>
  T* data() {
    return static_cast<T*>(desc_->data_ptr);
  }
  template <typename T>
  const T* data() const {
    return static_cast<const T*>(desc_->data_ptr);
  }
  void* raw_data() const { return desc_->data_ptr; }

  /// Allocates a fresh row-contiguous buffer for this (output) array.
  void set_data(allocator::Buffer buf);
  void set_data(allocator::Buffer buf, size_t data_size, Strides strides,
                Flags flags);
  /// Makes this array a view of `other`'s buffer with the given layout.
  void copy_shared_buffer(const array& other, Strides strides, Flags flags,
                          size_t data_size, int64_t offset_elems = 0);
  void copy_shared_buffer(const array& other);

  /// Replaces this handle's node by `other`'s: used by Python in-place operators,
  /// which must keep the Python object and make every alias see the new value.
  void overwrite_descriptor(const array& other) { desc_ = other.desc_; }

  /// True if `other` refers to the same node.
  bool is_same(const array& other) const { return desc_ == other.desc_; }
  long use_count() const { return desc_.use_count(); }

 private:
  struct ArrayDesc {
    Shape shape;
    Strides strides;
    size_t size = 1;
    Dtype dtype;
    std::shared_ptr<Primitive> primitive;
    std::atomic<Status> status{Status::unscheduled};
    std::shared_ptr<Data> data;
    void* data_ptr = nullptr;
    size_t data_size = 0;
    Flags flags{true, true, true};
    std::vector<array> inputs;
    std::vector<array> siblings;
    int position = 0;
    bool tracer = false;
    uint32_t site = 0;
    uint32_t call = 0;  // fills the padding before id
    uint64_t id;

    ArrayDesc(Shape shape, Dtype dtype);
    ArrayDesc(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
              std::vector<array> inputs);
    ~ArrayDesc();
  };

  explicit array(std::shared_ptr<ArrayDesc> desc) : desc_(std::move(desc)) {}
  /// Descriptors (with their reference counts) come from the node pool.
  template <typename... Args>
  static std::shared_ptr<ArrayDesc> make_desc(Args&&... args) {
    return node_pool::make_shared<ArrayDesc>(std::forward<Args>(args)...);
  }
  void init_scalar_or_copy(const void* src, Dtype src_dtype);

  std::shared_ptr<ArrayDesc> desc_;
  static std::atomic<int> tracing_depth_;

  friend struct ArrayDescAccess;
};

/// Row-major strides for a shape.
Strides row_strides(const Shape& shape);
size_t shape_size(const Shape& shape);

/// Copies n elements of dtype `from` at src into dtype `to` at dst, converting each.
void convert_elements(const void* src, Dtype from, void* dst, Dtype to, size_t n);

template <typename T>
array::array(T val, Dtype dtype) : desc_(make_desc(Shape{}, dtype)) {
  init_scalar_or_copy(&val, dtype_of<T>);
}

template <typename T>
array::array(const T* data, Shape shape, Dtype dtype)
    : desc_(make_desc(std::move(shape), dtype)) {
  init_scalar_or_copy(data, dtype_of<T>);
}

template <typename T>
array::array(std::initializer_list<T> data, Dtype dtype)
    : desc_(make_desc(
          Shape{static_cast<ShapeElem>(data.size())}, dtype)) {
  init_scalar_or_copy(data.begin(), dtype_of<T>);
}

template <typename T>
T array::item() {
  if (size() != 1) {
    throw std::invalid_argument(
        "[item] Only length-1 arrays can be converted to Python scalars.");
  }
  eval();
  T out;
  convert_elements(raw_data(), dtype(), &out, dtype_of<T>, 1);
  return out;
}

}  // namespace lumex::core
