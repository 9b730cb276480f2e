// Kernels that assemble an output from pieces: concatenation and constant padding.
#include <cstring>

#include "engine/backend/cpu/copy.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/primitives.h"

namespace lumex::core {

namespace {

/// A view of part of `out`'s (row-contiguous) buffer, for copy_into to write through.
array region_of(const array& out, Shape shape, int64_t offset_elems) {
  Strides strides = out.strides();
  size_t bytes_before = static_cast<size_t>(offset_elems) * out.itemsize() +
                        (static_cast<const char*>(out.raw_data()) -
                         static_cast<const char*>(out.data_shared_ptr()->buffer.ptr));
  return array(out.data_shared_ptr(), std::move(shape), out.dtype(), std::move(strides),
               bytes_before, out.data_size(), array::Flags{false, false, false});
}

bool is_dense_row(const array& a) {
  return a.flags().row_contiguous && a.data_size() == a.size();
}

}  // namespace

void Concatenate::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  size_t outer = 1;
  for (int i = 0; i < axis_; ++i) outer *= out.shape(i);
  size_t item = out.itemsize();
  size_t out_row = out.size() / outer * item;  // bytes per outer index in out
  char* dst = static_cast<char*>(out.raw_data());
  int64_t axis_offset = 0;  // where this input starts along the axis
  for (const auto& in : inputs) {
    int64_t n = in.shape(axis_);
    if (in.size() > 0) {
      int64_t offset_elems = axis_offset * out.strides(axis_);
      if (is_dense_row(in) && in.dtype() == out.dtype()) {
        // Each outer index of a row-major input is one block of the output.
        size_t block = in.size() / outer * item;
        const char* src = static_cast<const char*>(in.raw_data());
        char* base = dst + offset_elems * item;
        cpu::parallel_for(outer * block / item, [&](size_t lo, size_t hi) {
          // Chunks are in elements; copy the blocks that start in [lo, hi).
          size_t per = block / item;
          for (size_t b = (lo + per - 1) / per; b * per < hi && b < outer; ++b) {
            std::memcpy(base + b * out_row, src + b * block, block);
          }
        });
      } else {
        array region = region_of(out, in.shape(), offset_elems);
        cpu::copy_into(in, region);
      }
    }
    axis_offset += n;
  }
}

void Pad::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  const auto& value = inputs[1];
  out.set_data(allocator::malloc(out.nbytes()));
  dispatch_dtype(out.dtype(), [&](auto t) {
    using T = decltype(t);
    T v = value.data<T>()[0];
    T* d = out.data<T>();
    cpu::parallel_for(out.size(), [&](size_t lo, size_t hi) {
      std::fill(d + lo, d + hi, v);
    });
  });
  if (in.size() == 0) return;
  int64_t offset = 0;
  for (int i = 0; i < out.ndim(); ++i) offset += low_[i] * out.strides(i);
  array interior = region_of(out, in.shape(), offset);
  cpu::copy_into(in, interior);
}

}  // namespace lumex::core
