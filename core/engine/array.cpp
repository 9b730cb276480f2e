#include "engine/array.h"

#include <atomic>
#include <limits>
#include <stdexcept>
#include <string>

#include "engine/introspect.h"
#include "engine/primitives.h"
#include "engine/eval.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {
std::atomic<uint64_t> next_id{1};
}

Strides row_strides(const Shape& shape) {
  Strides s(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) {
    s[i] = s[i + 1] * std::max<int64_t>(shape[i + 1], 1);
  }
  return s;
}

size_t shape_size(const Shape& shape) {
  size_t n = 1;
  bool overflow = false;
  for (auto d : shape) {
    if (d < 0) {
      throw std::invalid_argument("[shape] Negative dimension " + std::to_string(d) +
                                  " in shape " + tuple_str(shape) + ".");
    }
    if (d == 0) return 0;
    overflow |= __builtin_mul_overflow(n, static_cast<size_t>(d), &n);
  }
  // Element counts (and strides, and byte offsets) are int64 everywhere.
  if (overflow || n > static_cast<size_t>(std::numeric_limits<int64_t>::max())) {
    throw std::invalid_argument("[shape] The shape " + tuple_str(shape) +
                                " has more elements than fit in 64 bits.");
  }
  return n;
}

namespace {
// Every array (graph node or data) is built through this check, so no op can
// make a shape whose element or byte count wraps around.
size_t checked_size(const Shape& shape, Dtype dtype) {
  size_t n = shape_size(shape);
  size_t bytes;
  if (__builtin_mul_overflow(n, size_t(dtype.size), &bytes) ||
      bytes > static_cast<size_t>(std::numeric_limits<int64_t>::max())) {
    throw std::invalid_argument("[shape] The shape " + tuple_str(shape) +
                                " has more bytes than fit in 64 bits.");
  }
  return n;
}
}  // namespace

std::atomic<int> array::tracing_depth_{0};

array::ArrayDesc::ArrayDesc(Shape shape_, Dtype dtype_)
    : shape(std::move(shape_)), dtype(dtype_), id(next_id++) {
  size = checked_size(shape, dtype);
  strides = row_strides(shape);
}

array::ArrayDesc::ArrayDesc(Shape shape_, Dtype dtype_,
                            std::shared_ptr<Primitive> primitive_,
                            std::vector<array> inputs_)
    : shape(std::move(shape_)),
      dtype(dtype_),
      primitive(std::move(primitive_)),
      inputs(std::move(inputs_)),
      id(next_id++) {
  size = checked_size(shape, dtype);
  strides = row_strides(shape);
  if (array::in_tracing()) {
    for (auto& in : inputs) tracer |= in.desc_->tracer;
  }
  if (sites::recording()) [[unlikely]] {
    site = sites::capture();
    call = sites::current_call();
  }
}

// Graphs can be chains of millions of nodes: releasing them recursively through
// shared_ptr destructors would overflow the stack, so unlink them iteratively.
array::ArrayDesc::~ArrayDesc() {
  if (inputs.empty()) return;
  // Every input reference is moved onto the stack and dropped there. Only when
  // the stack holds the last reference are its inputs unlinked: a node used
  // twice (x + x) is then unlinked by its second drop, not by a nested destructor.
  std::vector<std::shared_ptr<ArrayDesc>> pending;
  auto take = [&pending](std::vector<array>& ins) {
    for (auto& in : ins) {
      if (in.desc_) pending.push_back(std::move(in.desc_));
    }
    ins.clear();
  };
  take(inputs);
  while (!pending.empty()) {
    auto d = std::move(pending.back());
    pending.pop_back();
    if (d.use_count() == 1) take(d->inputs);
  }
}

array::~array() {
  if (!desc_ || desc_->siblings.empty()) return;
  // This handle plus one reference held by each sibling: if that is all, no user
  // can reach the group any more, so break the sibling reference cycle.
  auto n = static_cast<long>(desc_->siblings.size()) + 1;
  if (desc_.use_count() != n) return;
  for (auto& s : desc_->siblings) {
    if (s.desc_.use_count() != n - 1) return;
  }
  auto sibs = std::move(desc_->siblings);
  desc_->siblings.clear();
  for (auto& s : sibs) s.desc_->siblings.clear();
}

array::array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
             std::vector<array> inputs)
    : desc_(make_desc(std::move(shape), dtype,
                                        std::move(primitive), std::move(inputs))) {}

array::array(std::shared_ptr<Data> data, Shape shape, Dtype dtype,
             Strides strides, size_t offset_bytes, size_t data_size, Flags flags)
    : desc_(make_desc(std::move(shape), dtype)) {
  desc_->strides = std::move(strides);
  desc_->data_ptr = static_cast<char*>(data->buffer.ptr) + offset_bytes;
  desc_->data = std::move(data);
  desc_->data_size = data_size;
  desc_->flags = flags;
  desc_->status.store(Status::available, std::memory_order_release);
}

array array::empty_buffer(Shape shape, Dtype dtype) {
  array out(make_desc(std::move(shape), dtype));
  out.set_data(allocator::malloc(out.nbytes()));
  out.desc_->status.store(Status::available, std::memory_order_release);
  return out;
}

void array::init_scalar_or_copy(const void* src, Dtype src_dtype) {
  set_data(allocator::malloc(nbytes()));
  convert_elements(src, src_dtype, desc_->data_ptr, dtype(), size());
  desc_->status.store(Status::available, std::memory_order_release);
}

std::vector<array> array::make_arrays(std::vector<Shape> shapes,
                                      const std::vector<Dtype>& dtypes,
                                      const std::shared_ptr<Primitive>& primitive,
                                      const std::vector<array>& inputs) {
  std::vector<array> outs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    outs.emplace_back(std::move(shapes[i]), dtypes[i], primitive, inputs);
  }
  for (size_t i = 0; i < outs.size(); ++i) {
    auto sibs = outs;
    sibs.erase(sibs.begin() + i);
    outs[i].desc_->siblings = std::move(sibs);
    outs[i].desc_->position = static_cast<int>(i);
  }
  return outs;
}

ShapeElem array::shape(int dim) const {
  int n = ndim();
  int d = dim < 0 ? dim + n : dim;
  if (d < 0 || d >= n) {
    throw std::out_of_range("[array::shape] Dimension out of range.");
  }
  return desc_->shape[d];
}

void array::eval() {
  if (status() != Status::available) core::eval({*this});
}

std::vector<array> array::outputs() const {
  std::vector<array> outs = siblings();
  outs.insert(outs.begin() + sibling_position(), *this);
  return outs;
}

void array::detach() {
  for (auto& s : desc_->siblings) {
    s.desc_->primitive = nullptr;
    s.desc_->inputs.clear();
    s.desc_->siblings.clear();
    s.desc_->position = 0;
  }
  desc_->siblings.clear();
  desc_->position = 0;
  desc_->inputs.clear();
  desc_->primitive = nullptr;
}

void array::set_data(allocator::Buffer buf) {
  desc_->data = node_pool::make_shared<Data>(buf);
  desc_->data_ptr = buf.ptr;
  desc_->data_size = size();
  desc_->strides = row_strides(shape());
  desc_->flags = Flags{true, true, true};
  if (ndim() > 1) {
    // A shape with at most one non-unit dim is both row- and column-major.
    int big = 0;
    for (auto d : shape()) big += d > 1;
    desc_->flags.col_contiguous = big <= 1;
  }
}

void array::set_data(allocator::Buffer buf, size_t data_size, Strides strides,
                     Flags flags) {
  desc_->data = node_pool::make_shared<Data>(buf);
  desc_->data_ptr = buf.ptr;
  desc_->data_size = data_size;
  desc_->strides = std::move(strides);
  desc_->flags = flags;
}

void array::copy_shared_buffer(const array& other, Strides strides, Flags flags,
                               size_t data_size, int64_t offset_elems) {
  desc_->data = other.desc_->data;
  desc_->data_ptr = static_cast<char*>(other.desc_->data_ptr) +
                    offset_elems * static_cast<int64_t>(other.itemsize());
  desc_->strides = std::move(strides);
  desc_->flags = flags;
  desc_->data_size = data_size;
}

void array::copy_shared_buffer(const array& other) {
  copy_shared_buffer(other, other.strides(), other.flags(), other.data_size());
}

}  // namespace lumex::core
