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

void Full::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::copy_row_contiguous(inputs[0], out);
}

void Arange::eval_cpu(const std::vector<array>&, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  dispatch_dtype(out.dtype(), [&](auto t) {
    using T = decltype(t);
    T* d = out.data<T>();
    if constexpr (cpu::is_int_v<T>) {
      // Exact integer stepping (a double accumulator loses precision past 2^53).
      auto s = static_cast<int64_t>(start_), st = static_cast<int64_t>(step_);
      for (size_t i = 0; i < out.size(); ++i) {
        d[i] = static_cast<T>(s + static_cast<int64_t>(i) * st);
      }
    } else {
      for (size_t i = 0; i < out.size(); ++i) {
        d[i] = cpu::cast<T>(start_ + static_cast<double>(i) * step_);
      }
    }
  });
}

namespace {
std::string join(const auto& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) {
    s += std::to_string(v[i]);
    if (i + 1 < v.size() || v.size() == 1) s += ",";
    if (i + 1 < v.size()) s += " ";
  }
  return s + ")";
}
}  // namespace

std::vector<std::pair<std::string, std::string>> Broadcast::params() const {
  return {{"shape", join(shape_)}};
}
std::vector<std::pair<std::string, std::string>> Reshape::params() const {
  return {{"shape", join(shape_)}};
}
std::vector<std::pair<std::string, std::string>> Transpose::params() const {
  return {{"axes", join(axes_)}};
}
std::vector<std::pair<std::string, std::string>> Arange::params() const {
  return {{"start", std::to_string(start_)},
          {"stop", std::to_string(stop_)},
          {"step", std::to_string(step_)}};
}

LUMEX_REGISTER_PRIMITIVE(Broadcast);
LUMEX_REGISTER_PRIMITIVE(Reshape);
LUMEX_REGISTER_PRIMITIVE(Transpose);
LUMEX_REGISTER_PRIMITIVE(Contiguous);
LUMEX_REGISTER_PRIMITIVE(Full);
LUMEX_REGISTER_PRIMITIVE(Arange);

}  // namespace lumex::core
