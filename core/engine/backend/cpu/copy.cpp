#include "engine/backend/cpu/copy.h"

#include "engine/backend/cpu/convert_kernels.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/primitives.h"

namespace lumex::core {

namespace cpu {

bool is_donatable(const array& in, const array& out) {
  const auto& data = in.data_shared_ptr();
  // Only the consumer's inputs list refers to the node, and no view shares the buffer.
  return in.use_count() == 1 && data && data.use_count() == 1 &&
         data->donatable && in.itemsize() == out.itemsize() &&
         in.flags().row_contiguous && in.data_size() == out.size() &&
         in.size() == out.size();
}

namespace {

bool convert_dense_parallel(const void* src, Dtype from, void* dst, Dtype to, size_t n) {
  if (!has_dense_convert(from, to)) return false;
  auto ib = static_cast<const char*>(src);
  auto ob = static_cast<char*>(dst);
  size_t is = from.size, os = to.size;
  parallel_for(n, [&](size_t lo, size_t hi) {
    convert_dense_fast(ib + lo * is, from, ob + lo * os, to, hi - lo);
  });
  return true;
}

template <typename Tin, typename Tout>
void copy_typed(const array& in, array& out) {
  const Tin* src = in.data<Tin>();
  Tout* dst = out.data<Tout>();
  if (in.flags().row_contiguous && out.flags().row_contiguous &&
      in.data_size() == in.size() && out.data_size() == out.size()) {
    if (convert_dense_parallel(src, in.dtype(), dst, out.dtype(), in.size())) return;
    parallel_for(in.size(), [&](size_t lo, size_t hi) {
      for (size_t i = lo; i < hi; ++i) dst[i] = cast<Tout>(src[i]);
    });
    return;
  }
  if (in.data_size() == 1) {
    Tout v = cast<Tout>(src[0]);
    strided_for_each<1>(out.shape(), {&out.strides()},
                        [&](const auto& off, int64_t n, const auto& st) {
                          Tout* d = dst + off[0];
                          for (int64_t i = 0; i < n; ++i) d[i * st[0]] = v;
                        });
    return;
  }
  strided_for_each<2>(in.shape(), {&in.strides(), &out.strides()},
                      [&](const auto& off, int64_t n, const auto& st) {
                        const Tin* s = src + off[0];
                        Tout* d = dst + off[1];
                        if (st[0] == 1 && st[1] == 1) {
                          for (int64_t i = 0; i < n; ++i) d[i] = cast<Tout>(s[i]);
                        } else {
                          for (int64_t i = 0; i < n; ++i) {
                            d[i * st[1]] = cast<Tout>(s[i * st[0]]);
                          }
                        }
                      });
}

}  // namespace

void copy_into(const array& in, array& out) {
  dispatch_dtype(in.dtype(), [&](auto tin) {
    dispatch_dtype(out.dtype(), [&](auto tout) {
      copy_typed<decltype(tin), decltype(tout)>(in, out);
    });
  });
}

void copy_row_contiguous(const array& in, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  copy_into(in, out);
}

}  // namespace cpu

void convert_elements(const void* src, Dtype from, void* dst, Dtype to,
                      size_t n) {
  dispatch_dtype(from, [&](auto tin) {
    dispatch_dtype(to, [&](auto tout) {
      using Tin = decltype(tin);
      using Tout = decltype(tout);
      auto s = static_cast<const Tin*>(src);
      auto d = static_cast<Tout*>(dst);
      for (size_t i = 0; i < n; ++i) d[i] = cpu::cast<Tout>(s[i]);
    });
  });
}

void AsType::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  if (in.flags().contiguous) {
    // Keep the input's (dense) layout: no gather needed.
    out.set_data(allocator::malloc(in.data_size() * out.itemsize()),
                 in.data_size(), in.strides(), in.flags());
    if (cpu::convert_dense_parallel(in.raw_data(), in.dtype(), out.raw_data(), out.dtype(),
                               in.data_size())) {
      return;
    }
    dispatch_dtype(in.dtype(), [&](auto tin) {
      dispatch_dtype(out.dtype(), [&](auto tout) {
        using Tin = decltype(tin);
        using Tout = decltype(tout);
        const Tin* s = in.data<Tin>();
        Tout* d = out.data<Tout>();
        cpu::parallel_for(in.data_size(), [&](size_t lo, size_t hi) {
          for (size_t i = lo; i < hi; ++i) d[i] = cpu::cast<Tout>(s[i]);
        });
      });
    });
    return;
  }
  cpu::copy_row_contiguous(in, out);
}

}  // namespace lumex::core
