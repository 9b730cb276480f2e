// Integer arithmetic that wraps around (two's complement), as MLX's kernels do.
#pragma once

#include <type_traits>

namespace lumex::core::cpu {

// Signed overflow is undefined in C++ (and small unsigned types promote to int, so
// uint16 * uint16 can overflow too): integers compute in the unsigned type they
// promote to, whose arithmetic is modular, and convert back, which C++20 defines
// as modular. Anything else (floats, complex, SIMD vectors, bool) is left as is.
template <typename T>
inline constexpr bool wraps_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <typename T>
using wrap_unsigned_t = std::make_unsigned_t<decltype(+T{})>;

template <typename T>
inline T wrap_add(T a, T b) {
  if constexpr (wraps_v<T>) {
    return static_cast<T>(wrap_unsigned_t<T>(a) + wrap_unsigned_t<T>(b));
  } else {
    return a + b;
  }
}

template <typename T>
inline T wrap_sub(T a, T b) {
  if constexpr (wraps_v<T>) {
    return static_cast<T>(wrap_unsigned_t<T>(a) - wrap_unsigned_t<T>(b));
  } else {
    return a - b;
  }
}

template <typename T>
inline T wrap_mul(T a, T b) {
  if constexpr (wraps_v<T>) {
    return static_cast<T>(wrap_unsigned_t<T>(a) * wrap_unsigned_t<T>(b));
  } else {
    return a * b;
  }
}

}  // namespace lumex::core::cpu
