// Data types, their categories and MLX's promotion rules.
#pragma once

#include <complex>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>

namespace lumex::core {

/// IEEE half precision, stored as bits; arithmetic goes through float.
struct float16_t {
  uint16_t bits = 0;
  float16_t() = default;
  float16_t(float f);  // NOLINT: implicit, like a built-in float type
  template <typename T>
    requires std::is_arithmetic_v<T>
  float16_t(T v) : float16_t(static_cast<float>(v)) {}
  operator float() const;  // NOLINT
  static float16_t from_bits(uint16_t b) {
    float16_t h;
    h.bits = b;
    return h;
  }
};

/// bfloat16 (8-bit exponent, 7-bit mantissa), round-to-nearest-even from float.
struct bfloat16_t {
  uint16_t bits = 0;
  bfloat16_t() = default;
  bfloat16_t(float f) {  // NOLINT
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
      bits = 0x7fc0;  // MLX: every NaN becomes the positive quiet NaN (prints "nan")
    } else {
      u += 0x7fffu + ((u >> 16) & 1u);
      bits = static_cast<uint16_t>(u >> 16);
    }
  }
  template <typename T>
    requires std::is_arithmetic_v<T>
  bfloat16_t(T v) : bfloat16_t(static_cast<float>(v)) {}
  operator float() const {  // NOLINT
    uint32_t u = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  static bfloat16_t from_bits(uint16_t b) {
    bfloat16_t h;
    h.bits = b;
    return h;
  }
};

using complex64_t = std::complex<float>;

struct Dtype {
  // Order matters: it is the enum MLX pickles (`__getstate__`), and our tables index by it.
  enum class Val : uint8_t {
    bool_,
    uint8,
    uint16,
    uint32,
    uint64,
    int8,
    int16,
    int32,
    int64,
    float16,
    float32,
    float64,
    bfloat16,
    complex64,
  };
  static constexpr int num_types = 14;

  enum class Kind : char { b, u, i, f, V, c };

  Val val;
  uint8_t size;

  constexpr Dtype(Val v, uint8_t s) : val(v), size(s) {}
  constexpr operator Val() const { return val; }  // NOLINT: enables switch
};

inline constexpr Dtype bool_{Dtype::Val::bool_, 1};
inline constexpr Dtype uint8{Dtype::Val::uint8, 1};
inline constexpr Dtype uint16{Dtype::Val::uint16, 2};
inline constexpr Dtype uint32{Dtype::Val::uint32, 4};
inline constexpr Dtype uint64{Dtype::Val::uint64, 8};
inline constexpr Dtype int8{Dtype::Val::int8, 1};
inline constexpr Dtype int16{Dtype::Val::int16, 2};
inline constexpr Dtype int32{Dtype::Val::int32, 4};
inline constexpr Dtype int64{Dtype::Val::int64, 8};
inline constexpr Dtype float16{Dtype::Val::float16, 2};
inline constexpr Dtype float32{Dtype::Val::float32, 4};
inline constexpr Dtype float64{Dtype::Val::float64, 8};
inline constexpr Dtype bfloat16{Dtype::Val::bfloat16, 2};
inline constexpr Dtype complex64{Dtype::Val::complex64, 8};

Dtype dtype_from_val(Dtype::Val v);

inline bool operator==(Dtype a, Dtype b) { return a.val == b.val; }
inline bool operator!=(Dtype a, Dtype b) { return a.val != b.val; }

/// The abstract categories of MLX (`mx.floating`, `mx.integer`, ...).
enum class DtypeCategory {
  complexfloating,
  floating,
  inexact,
  signedinteger,
  unsignedinteger,
  integer,
  number,
  generic,
};

Dtype::Kind kind(Dtype d);
bool is_unsigned(Dtype d);
bool is_signed_int(Dtype d);
bool is_integral(Dtype d);  // bool excluded
bool is_floating_point(Dtype d);  // real floats
bool is_complex(Dtype d);
bool is_inexact(Dtype d);  // float or complex

/// Result dtype of a binary op on arrays of these dtypes (MLX's table, symmetric).
Dtype promote_types(Dtype a, Dtype b);
/// float32 for integers and bool, the type itself for inexact types.
Dtype at_least_float(Dtype d);

bool issubdtype(Dtype a, Dtype b);
bool issubdtype(Dtype a, DtypeCategory c);
bool issubdtype(DtypeCategory a, Dtype b);
bool issubdtype(DtypeCategory a, DtypeCategory b);

/// Name as printed in array reprs: "float32", "bool", ...
const char* dtype_name(Dtype d);
const char* category_name(DtypeCategory c);
std::ostream& operator<<(std::ostream& os, Dtype d);

template <typename T>
struct TypeToDtype;
#define LUMEX_TYPE_TO_DTYPE(T, D) \
  template <>                     \
  struct TypeToDtype<T> {         \
    static constexpr Dtype value = D; \
  };
LUMEX_TYPE_TO_DTYPE(bool, bool_)
LUMEX_TYPE_TO_DTYPE(uint8_t, uint8)
LUMEX_TYPE_TO_DTYPE(uint16_t, uint16)
LUMEX_TYPE_TO_DTYPE(uint32_t, uint32)
LUMEX_TYPE_TO_DTYPE(uint64_t, uint64)
LUMEX_TYPE_TO_DTYPE(int8_t, int8)
LUMEX_TYPE_TO_DTYPE(int16_t, int16)
LUMEX_TYPE_TO_DTYPE(int32_t, int32)
LUMEX_TYPE_TO_DTYPE(int64_t, int64)
LUMEX_TYPE_TO_DTYPE(float16_t, float16)
LUMEX_TYPE_TO_DTYPE(float, float32)
LUMEX_TYPE_TO_DTYPE(double, float64)
LUMEX_TYPE_TO_DTYPE(bfloat16_t, bfloat16)
LUMEX_TYPE_TO_DTYPE(complex64_t, complex64)
#undef LUMEX_TYPE_TO_DTYPE

template <typename T>
inline constexpr Dtype dtype_of = TypeToDtype<T>::value;

/// Calls f(T{}) with the C++ type of dtype d. Every kernel's dtype switch goes through here.
template <typename F>
decltype(auto) dispatch_dtype(Dtype d, F&& f) {
  switch (d.val) {
    case Dtype::Val::bool_: return f(bool{});
    case Dtype::Val::uint8: return f(uint8_t{});
    case Dtype::Val::uint16: return f(uint16_t{});
    case Dtype::Val::uint32: return f(uint32_t{});
    case Dtype::Val::uint64: return f(uint64_t{});
    case Dtype::Val::int8: return f(int8_t{});
    case Dtype::Val::int16: return f(int16_t{});
    case Dtype::Val::int32: return f(int32_t{});
    case Dtype::Val::int64: return f(int64_t{});
    case Dtype::Val::float16: return f(float16_t{});
    case Dtype::Val::float32: return f(float{});
    case Dtype::Val::float64: return f(double{});
    case Dtype::Val::bfloat16: return f(bfloat16_t{});
    case Dtype::Val::complex64: return f(complex64_t{});
  }
  return f(float{});
}

}  // namespace lumex::core
