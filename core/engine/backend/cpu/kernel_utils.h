// Shared machinery for CPU kernels: dtype predicates, casts, and strided iteration.
#pragma once

#include <array>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "engine/array.h"
#include "engine/utils.h"

namespace lumex::core::cpu {

template <typename T>
inline constexpr bool is_half_v =
    std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;
template <typename T>
inline constexpr bool is_complex_v = std::is_same_v<T, complex64_t>;
template <typename T>
inline constexpr bool is_float_v = std::is_floating_point_v<T> || is_half_v<T>;
template <typename T>
inline constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

/// The type arithmetic on T is carried out in (half types compute in float).
template <typename T>
using compute_t = std::conditional_t<is_half_v<T>, float, T>;

/// Conversion with MLX's semantics: float -> int truncates and wraps, anything -> bool is x != 0,
/// complex -> real takes the real part.
template <typename To, typename From>
inline To cast(From x) {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (std::is_same_v<To, bool>) {
    if constexpr (is_complex_v<From>) {
      return x.real() != 0 || x.imag() != 0;
    } else {
      return static_cast<compute_t<From>>(x) != 0;
    }
  } else if constexpr (is_complex_v<From>) {
    return cast<To>(x.real());
  } else if constexpr (is_complex_v<To>) {
    return complex64_t(static_cast<float>(static_cast<compute_t<From>>(x)), 0.0f);
  } else if constexpr (is_int_v<To> && is_float_v<From>) {
    // Out-of-range float -> int is undefined in C++; go through int64 (or uint64) and wrap.
    double d = static_cast<double>(static_cast<compute_t<From>>(x));
    if (std::isnan(d)) return To(0);
    if constexpr (std::is_same_v<To, uint64_t>) {
      if (d >= 18446744073709551616.0) return std::numeric_limits<uint64_t>::max();
      if (d < 0) return static_cast<To>(static_cast<int64_t>(std::max(d, -9223372036854775808.0)));
      return static_cast<To>(d);
    } else {
      if (d >= 9223372036854775807.0) return static_cast<To>(std::numeric_limits<int64_t>::max());
      if (d <= -9223372036854775808.0) return static_cast<To>(std::numeric_limits<int64_t>::min());
      return static_cast<To>(static_cast<int64_t>(d));
    }
  } else if constexpr (is_half_v<To>) {
    return To(static_cast<float>(static_cast<compute_t<From>>(x)));
  } else {
    return static_cast<To>(static_cast<compute_t<From>>(x));
  }
}

/// Shape and per-operand strides with mergeable neighbouring dims collapsed.
template <size_t N>
struct Collapsed {
  Shape shape;
  std::array<Strides, N> strides;
};

template <size_t N>
Collapsed<N> collapse_dims(const Shape& shape,
                           const std::array<const Strides*, N>& strides) {
  Collapsed<N> c;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;  // size-1 dims never move the pointer
    bool merge = !c.shape.empty();
    if (merge) {
      for (size_t k = 0; k < N; ++k) {
        if (c.strides[k].back() != (*strides[k])[d] * shape[d]) merge = false;
      }
    }
    if (merge) {
      c.shape.back() *= shape[d];
      for (size_t k = 0; k < N; ++k) c.strides[k].back() = (*strides[k])[d];
    } else {
      c.shape.push_back(shape[d]);
      for (size_t k = 0; k < N; ++k) c.strides[k].push_back((*strides[k])[d]);
    }
  }
  if (c.shape.empty()) {
    c.shape.push_back(1);
    for (size_t k = 0; k < N; ++k) c.strides[k].push_back(0);
  }
  return c;
}

/// Calls f(offsets, n, inner_strides) for every innermost run of the iteration
/// space, where offsets[k] is operand k's element offset at the run's start.
template <size_t N, typename F>
void strided_for_each(const Shape& shape,
                      const std::array<const Strides*, N>& strides, F&& f) {
  if (shape_size(shape) == 0) return;
  auto c = collapse_dims<N>(shape, strides);
  int nd = static_cast<int>(c.shape.size());
  int64_t n = c.shape[nd - 1];
  std::array<int64_t, N> inner;
  for (size_t k = 0; k < N; ++k) inner[k] = c.strides[k][nd - 1];
  std::array<int64_t, N> off{};
  if (nd == 1) {
    f(off, n, inner);
    return;
  }
  std::vector<int64_t> idx(nd - 1, 0);
  while (true) {
    f(off, n, inner);
    int d = nd - 2;
    for (; d >= 0; --d) {
      for (size_t k = 0; k < N; ++k) off[k] += c.strides[k][d];
      if (++idx[d] < c.shape[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= c.strides[k][d] * c.shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/// Calls f(T{}) if T satisfies Pred, else throws naming the op.
template <template <typename> class Pred, typename F>
void dispatch_if(Dtype d, const char* op, F&& f) {
  dispatch_dtype(d, [&](auto t) {
    using T = decltype(t);
    if constexpr (Pred<T>::value) {
      f(t);
    } else {
      throw std::invalid_argument(
          msg("[", op, "] Unsupported dtype ", dtype_name(d), "."));
    }
  });
}

template <typename T>
struct AnyType : std::true_type {};
template <typename T>
struct InexactType : std::bool_constant<is_float_v<T> || is_complex_v<T>> {};
template <typename T>
struct RealType : std::bool_constant<!is_complex_v<T>> {};
template <typename T>
struct FloatType : std::bool_constant<is_float_v<T>> {};
template <typename T>
struct IntOrBoolType : std::bool_constant<std::is_integral_v<T>> {};

/// Reuse an input's buffer for the output when nothing else can observe it.
bool is_donatable(const array& in, const array& out);


}  // namespace lumex::core::cpu
