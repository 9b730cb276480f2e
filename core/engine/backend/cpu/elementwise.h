// Unary, binary and ternary elementwise loops: contiguous fast paths, scalar
// broadcast paths, and a collapsed strided fallback. The primitives' eval_cpu
// pick a functor from elementwise_ops.h and a dtype set, and call these.
#pragma once

#include <algorithm>

#include "engine/backend/cpu/convert_kernels.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/backend/cpu/parallel_strided.h"

namespace lumex::core::cpu {

template <typename Tin, typename Tout, typename Op>
void unary_loop(const array& in, array& out, Op op) {
  if (in.flags().contiguous) {
    if (is_donatable(in, out)) {
      out.copy_shared_buffer(in);
    } else {
      out.set_data(allocator::malloc(in.data_size() * sizeof(Tout)),
                   in.data_size(), in.strides(), in.flags());
    }
    const Tin* src = in.data<Tin>();
    Tout* dst = out.data<Tout>();
    parallel_for(in.data_size(), [&](size_t lo, size_t hi) {
      for (size_t i = lo; i < hi; ++i) dst[i] = static_cast<Tout>(op(src[i]));
    });
    return;
  }
  out.set_data(allocator::malloc(out.nbytes()));
  const Tin* src = in.data<Tin>();
  Tout* dst = out.data<Tout>();
  parallel_strided_for_each<2>(in.shape(), {&in.strides(), &out.strides()},
                               [&](const auto& off, int64_t n, const auto& st) {
                                 const Tin* s = src + off[0];
                                 Tout* d = dst + off[1];
                                 for (int64_t i = 0; i < n; ++i) {
                                   d[i] = static_cast<Tout>(op(s[i * st[0]]));
                                 }
                               });
}

/// A vectorized float32 kernel over n dense elements (out may alias in).
using F32Block = void (*)(const float*, float*, size_t);

template <typename T>
constexpr bool is_f32_like_v =
    std::is_same_v<T, float> || std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

/// Applies `block` to a run of n elements with strides ss/ds, staging through a
/// float buffer unless the run is dense float32.
template <typename T>
void block_run(F32Block block, const T* s, int64_t ss, T* d, int64_t ds, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    if (ss == 1 && ds == 1) {
      block(s, d, static_cast<size_t>(n));
      return;
    }
  }
  constexpr int64_t kChunk = 512;
  alignas(64) float buf[kChunk];
  for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
    int64_t m = std::min(kChunk, n - i0);
    const T* si = s + i0 * ss;
    T* di = d + i0 * ds;
    if (ss == 1 && !std::is_same_v<T, float>) {
      convert_dense_fast(si, dtype_of<T>, buf, float32, static_cast<size_t>(m));
    } else {
      for (int64_t i = 0; i < m; ++i) buf[i] = static_cast<float>(si[i * ss]);
    }
    block(buf, buf, static_cast<size_t>(m));
    if (ds == 1 && !std::is_same_v<T, float>) {
      convert_dense_fast(buf, float32, di, dtype_of<T>, static_cast<size_t>(m));
    } else {
      for (int64_t i = 0; i < m; ++i) di[i * ds] = T(buf[i]);
    }
  }
}

/// float32, float16 and bfloat16 go through a vectorized float32 kernel (any layout);
/// other dtypes allowed by Pred use the scalar functor `op`.
template <template <typename> class Pred, typename Op>
void unary_fast(const array& in, array& out, F32Block block, Op op, const char* name) {
  dispatch_if<Pred>(in.dtype(), name, [&](auto t) {
    using T = decltype(t);
    if constexpr (!is_f32_like_v<T>) {
      unary_loop<T, T>(in, out, op);
    } else if (in.flags().contiguous) {
      if (is_donatable(in, out)) {
        out.copy_shared_buffer(in);
      } else {
        out.set_data(allocator::malloc(in.data_size() * sizeof(T)), in.data_size(),
                     in.strides(), in.flags());
      }
      const T* src = in.data<T>();
      T* dst = out.data<T>();
      auto body = [&](size_t lo, size_t hi) {
        block_run(block, src + lo, 1, dst + lo, 1, static_cast<int64_t>(hi - lo));
      };
      if (in.data_size() < parallel_threshold(Cost::heavy)) {
        body(0, in.data_size());
      } else {
        parallel_chunks(in.data_size(), 16384, body);  // compute-bound: balance the threads
      }
    } else {
      out.set_data(allocator::malloc(out.nbytes()));
      const T* src = in.data<T>();
      T* dst = out.data<T>();
      parallel_strided_for_each<2>(in.shape(), {&in.strides(), &out.strides()},
                                   [&](const auto& off, int64_t n, const auto& st) {
                                     block_run(block, src + off[0], st[0], dst + off[1],
                                               st[1], n);
                                   });
    }
  });
}

/// Same-dtype unary op over the dtypes allowed by Pred.
template <template <typename> class Pred, typename Op>
void unary_same(const array& in, array& out, Op op, const char* name) {
  dispatch_if<Pred>(in.dtype(), name, [&](auto t) {
    using T = decltype(t);
    unary_loop<T, T>(in, out, op);
  });
}

/// Unary op whose output is bool (predicates).
template <typename Op>
void unary_to_bool(const array& in, array& out, Op op) {
  dispatch_dtype(in.dtype(), [&](auto t) {
    using T = decltype(t);
    unary_loop<T, bool>(in, out, op);
  });
}

template <typename T, typename U, typename Tout, typename Op>
void binary_inner(const T* a, const U* b, Tout* o, int64_t n, int64_t sa,
                  int64_t sb, Op op) {
  // Unit and zero strides get their own loops so the compiler vectorizes them.
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) o[i] = op(a[i], b[i]);
  } else if (sa == 0 && sb == 1) {
    T x = a[0];
    for (int64_t i = 0; i < n; ++i) o[i] = op(x, b[i]);
  } else if (sa == 1 && sb == 0) {
    U y = b[0];
    for (int64_t i = 0; i < n; ++i) o[i] = op(a[i], y);
  } else {
    for (int64_t i = 0; i < n; ++i) o[i] = op(a[i * sa], b[i * sb]);
  }
}

/// A single-element input seen with out's shape (all strides 0).
inline array broadcast_view(const array& in, const Shape& shape) {
  auto offset = static_cast<const char*>(in.raw_data()) -
                static_cast<const char*>(in.data_shared_ptr()->buffer.ptr);
  Strides strides(shape.size(), 0);
  return array(in.data_shared_ptr(), shape, in.dtype(), strides,
               static_cast<size_t>(offset), 1, layout_flags(shape, strides, 1));
}

template <typename T, typename Tout, typename Op>
void binary_loop(const array& a, const array& b, array& out, Op op) {
  // Ops pass single elements without broadcasting them (see binary_node). When
  // the other operand is dense too, the scalar path below takes them as they are
  // (a view costs more than the op on small arrays); otherwise they get a view.
  auto dense = [&](const array& v) {
    return v.shape() == out.shape() && v.flags().row_contiguous &&
           v.data_size() == v.size();
  };
  bool simple = (a.data_size() == 1 || dense(a)) && (b.data_size() == 1 || dense(b));
  if (!simple && a.shape() != out.shape()) {
    binary_loop<T, Tout>(broadcast_view(a, out.shape()), b, out, op);
    return;
  }
  if (!simple && b.shape() != out.shape()) {
    binary_loop<T, Tout>(a, broadcast_view(b, out.shape()), out, op);
    return;
  }
  bool a_scalar = a.data_size() == 1, b_scalar = b.data_size() == 1;
  bool a_row = a.flags().row_contiguous && a.data_size() == a.size();
  bool b_row = b.flags().row_contiguous && b.data_size() == b.size();
  if ((a_row || a_scalar) && (b_row || b_scalar)) {
    if (a_row && !a_scalar && is_donatable(a, out)) {
      out.copy_shared_buffer(a);
    } else if (b_row && !b_scalar && is_donatable(b, out)) {
      out.copy_shared_buffer(b);
    } else {
      out.set_data(allocator::malloc(out.nbytes()));
    }
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    Tout* po = out.data<Tout>();
    int64_t sa = a_scalar ? 0 : 1, sb = b_scalar ? 0 : 1;
    parallel_for(out.size(), [&](size_t lo, size_t hi) {
      binary_inner(pa + lo * sa, pb + lo * sb, po + lo,
                   static_cast<int64_t>(hi - lo), sa, sb, op);
    });
    return;
  }
  if (a.flags().contiguous && b.flags().contiguous &&
      a.strides() == b.strides() && a.data_size() == b.data_size()) {
    out.set_data(allocator::malloc(a.data_size() * sizeof(Tout)),
                 a.data_size(), a.strides(), a.flags());
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    Tout* po = out.data<Tout>();
    parallel_for(a.data_size(), [&](size_t lo, size_t hi) {
      binary_inner(pa + lo, pb + lo, po + lo, static_cast<int64_t>(hi - lo), 1,
                   1, op);
    });
    return;
  }
  out.set_data(allocator::malloc(out.nbytes()));
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  Tout* po = out.data<Tout>();
  parallel_strided_for_each<3>(
      out.shape(), {&a.strides(), &b.strides(), &out.strides()},
      [&](const auto& off, int64_t n, const auto& st) {
        binary_inner(pa + off[0], pb + off[1], po + off[2], n, st[0], st[1], op);
      });
}

template <template <typename> class Pred, typename Op>
void binary_same(const array& a, const array& b, array& out, Op op,
                 const char* name) {
  dispatch_if<Pred>(a.dtype(), name, [&](auto t) {
    using T = decltype(t);
    binary_loop<T, T>(a, b, out, op);
  });
}

template <typename Op>
void binary_to_bool(const array& a, const array& b, array& out, Op op) {
  dispatch_dtype(a.dtype(), [&](auto t) {
    using T = decltype(t);
    binary_loop<T, bool>(a, b, out, op);
  });
}

}  // namespace lumex::core::cpu
