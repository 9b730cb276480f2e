#include <cstdlib>

#include "engine/backend/cpu/copy.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/primitives.h"

namespace lumex::core {

void Broadcast::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  int off = out.ndim() - in.ndim();
  Strides strides(out.ndim(), 0);
  for (int i = off; i < out.ndim(); ++i) {
    bool stretched = in.shape(i - off) == 1 && out.shape(i) != 1;
    strides[i] = stretched ? 0 : in.strides(i - off);
  }
  auto flags = layout_flags(out.shape(), strides, in.data_size());
  out.copy_shared_buffer(in, strides, flags, in.data_size());
}

void Reshape::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  if (in.flags().row_contiguous && in.data_size() == in.size()) {
    auto strides = row_strides(out.shape());
    out.copy_shared_buffer(in, strides, layout_flags(out.shape(), strides, in.size()),
                           in.size());
    return;
  }
  // Not expressible as a view: materialize in the input's logical order, then view.
  array tmp = array::empty_buffer(in.shape(), in.dtype());
  cpu::copy_into(in, tmp);
  auto strides = row_strides(out.shape());
  out.copy_shared_buffer(tmp, strides, layout_flags(out.shape(), strides, tmp.size()),
                         tmp.size());
}

void Transpose::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  Strides strides(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) strides[i] = in.strides(axes_[i]);
  out.copy_shared_buffer(in, strides,
                         layout_flags(out.shape(), strides, in.data_size()),
                         in.data_size());
}

void Contiguous::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  bool full = in.data_size() == in.size();
  if (full && (in.flags().row_contiguous ||
               (allow_col_major_ && in.flags().col_contiguous))) {
    out.copy_shared_buffer(in);
  } else {
    cpu::copy_row_contiguous(in, out);
  }
}

void StopGradient::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.copy_shared_buffer(inputs[0]);
}

void Full::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::copy_row_contiguous(inputs[0], out);
}

void Arange::eval_cpu(const std::vector<array>&, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  dispatch_dtype(out.dtype(), [&](auto t) {
    using T = decltype(t);
    T* d = out.data<T>();
    size_t n = out.size();
    if constexpr (cpu::is_int_v<T>) {
      // Stepping in T (wrapping) reproduces MLX for out-of-range starts and
      // stays exact past 2^53, where a double accumulator would not.
      using U = std::make_unsigned_t<T>;
      U v = static_cast<U>(cpu::cast<T>(start_));
      U st = static_cast<U>(cpu::cast<T>(start_ + step_)) - v;
      for (size_t i = 0; i < n; ++i, v += st) d[i] = static_cast<T>(v);
    } else if constexpr (std::is_same_v<T, bool>) {
      for (size_t i = 0; i < n; ++i) d[i] = cpu::cast<T>(start_ + i * step_);
    } else {
      // Accumulating in T (rounding each step) matches MLX's values exactly.
      T v = cpu::cast<T>(start_);
      T st = T(cpu::cast<T>(start_ + step_) - v);
      for (size_t i = 0; i < n; ++i) {
        d[i] = v;
        v = T(v + st);
      }
    }
  });
}

namespace {

/// Elements of the buffer a view can touch, from its first to its last element.
size_t view_span(const Shape& shape, const Strides& strides) {
  if (shape_size(shape) == 0) return 0;
  size_t span = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] > 1) span += static_cast<size_t>(std::abs(strides[i])) * (shape[i] - 1);
  }
  return span;
}

void share_view(const array& in, array& out, Strides strides, int64_t offset) {
  // An empty view must not point outside the buffer.
  if (out.size() == 0) offset = 0;
  size_t span = view_span(out.shape(), strides);
  auto flags = layout_flags(out.shape(), strides, span);
  out.copy_shared_buffer(in, std::move(strides), flags, span, offset);
}

}  // namespace

void Slice::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  Strides strides(in.ndim());
  int64_t offset = 0;
  for (int i = 0; i < in.ndim(); ++i) {
    strides[i] = in.strides(i) * strides_[i];
    offset += start_[i] * in.strides(i);
  }
  share_view(in, out, std::move(strides), offset);
}

void AsStrided::eval_cpu(const std::vector<array>& inputs, array& out) {
  share_view(inputs[0], out, strides_, offset_);
}

void View::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  if (in.itemsize() == out.itemsize()) {
    out.copy_shared_buffer(in);
    return;
  }
  // A size change regroups bytes along the last axis, which needs row-major data.
  array src = in;
  if (!(in.flags().row_contiguous && in.data_size() == in.size())) {
    src = array::empty_buffer(in.shape(), in.dtype());
    cpu::copy_into(in, src);
  }
  auto strides = row_strides(out.shape());
  out.copy_shared_buffer(src, strides, layout_flags(out.shape(), strides, out.size()),
                         out.size());
}

}  // namespace lumex::core
