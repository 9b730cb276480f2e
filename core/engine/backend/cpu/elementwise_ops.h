// Scalar functors for elementwise primitives, named after the primitives.
// Half types are computed in float (compute_t) and rounded once on the way out.
#pragma once

#include <cmath>
#include <complex>

#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/wrap.h"

namespace lumex::core::cpu::detail {

#define LUMEX_FLOAT_UNARY(NAME, EXPR)              \
  struct NAME {                                    \
    template <typename T>                          \
    T operator()(T in) const {                     \
      compute_t<T> x = static_cast<compute_t<T>>(in); \
      return T(EXPR);                              \
    }                                              \
  };

LUMEX_FLOAT_UNARY(Sqrt, std::sqrt(x))
LUMEX_FLOAT_UNARY(Exp, std::exp(x))
LUMEX_FLOAT_UNARY(Sin, std::sin(x))
LUMEX_FLOAT_UNARY(Cos, std::cos(x))
LUMEX_FLOAT_UNARY(Tan, std::tan(x))
LUMEX_FLOAT_UNARY(ArcSin, std::asin(x))
LUMEX_FLOAT_UNARY(ArcCos, std::acos(x))
LUMEX_FLOAT_UNARY(ArcTan, std::atan(x))
LUMEX_FLOAT_UNARY(Sinh, std::sinh(x))
LUMEX_FLOAT_UNARY(Cosh, std::cosh(x))
LUMEX_FLOAT_UNARY(Tanh, std::tanh(x))
LUMEX_FLOAT_UNARY(ArcSinh, std::asinh(x))
LUMEX_FLOAT_UNARY(ArcCosh, std::acosh(x))
LUMEX_FLOAT_UNARY(ArcTanh, std::atanh(x))
LUMEX_FLOAT_UNARY(Log, std::log(x))
LUMEX_FLOAT_UNARY(Log10, std::log10(x))
#undef LUMEX_FLOAT_UNARY

struct Rsqrt {
  template <typename T>
  T operator()(T in) const {
    compute_t<T> x = static_cast<compute_t<T>>(in);
    return T(compute_t<T>(1) / std::sqrt(x));
  }
};

struct Log2 {
  template <typename T>
  T operator()(T in) const {
    if constexpr (is_complex_v<T>) {
      return std::log(in) / std::log(2.0f);
    } else {
      return T(std::log2(static_cast<compute_t<T>>(in)));
    }
  }
};

struct Expm1 {
  template <typename T>
  T operator()(T in) const {
    if constexpr (is_complex_v<T>) {
      return std::exp(in) - T(1);
    } else {
      return T(std::expm1(static_cast<compute_t<T>>(in)));
    }
  }
};

struct Log1p {
  template <typename T>
  T operator()(T in) const {
    if constexpr (is_complex_v<T>) {
      return std::log(in + T(1));
    } else {
      return T(std::log1p(static_cast<compute_t<T>>(in)));
    }
  }
};

struct Sigmoid {
  template <typename T>
  T operator()(T in) const {
    compute_t<T> x = static_cast<compute_t<T>>(in);
    return T(compute_t<T>(1) / (compute_t<T>(1) + std::exp(-x)));
  }
};

struct Erf {
  template <typename T>
  T operator()(T in) const {
    return T(std::erf(static_cast<compute_t<T>>(in)));
  }
};

struct ErfInv {
  template <typename T>
  T operator()(T in) const {
    return T(static_cast<compute_t<T>>(erfinv(static_cast<double>(in))));
  }
  // Giles' single-precision approximation refined by two Newton steps in double.
  static double erfinv(double y) {
    if (y <= -1.0) return y == -1.0 ? -INFINITY : NAN;
    if (y >= 1.0) return y == 1.0 ? INFINITY : NAN;
    double w = -std::log((1.0 - y) * (1.0 + y));
    double x;
    if (w < 5.0) {
      w -= 2.5;
      double p = 2.81022636e-08;
      p = 3.43273939e-07 + p * w;
      p = -3.5233877e-06 + p * w;
      p = -4.39150654e-06 + p * w;
      p = 0.00021858087 + p * w;
      p = -0.00125372503 + p * w;
      p = -0.00417768164 + p * w;
      p = 0.246640727 + p * w;
      p = 1.50140941 + p * w;
      x = p * y;
    } else {
      w = std::sqrt(w) - 3.0;
      double p = -0.000200214257;
      p = 0.000100950558 + p * w;
      p = 0.00134934322 + p * w;
      p = -0.00367342844 + p * w;
      p = 0.00573950773 + p * w;
      p = -0.0076224613 + p * w;
      p = 0.00943887047 + p * w;
      p = 1.00167406 + p * w;
      p = 2.83297682 + p * w;
      x = p * y;
    }
    constexpr double two_over_sqrt_pi = 1.1283791670955126;
    for (int i = 0; i < 2; ++i) {
      double err = std::erf(x) - y;
      x -= err / (two_over_sqrt_pi * std::exp(-x * x));
    }
    return x;
  }
};

struct Abs {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      return T(std::abs(x));
    } else if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else if constexpr (std::is_integral_v<T>) {
      return x < 0 ? wrap_sub(T(0), x) : x;  // wraps for the minimum value, as MLX
    } else {
      return T(std::abs(static_cast<compute_t<T>>(x)));
    }
  }
};

struct Negative {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_half_v<T>) {
      return T::from_bits(x.bits ^ 0x8000u);
    } else if constexpr (wraps_v<T>) {
      return wrap_sub(T(0), x);
    } else {
      return T(-x);
    }
  }
};

struct Sign {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      float m = std::abs(x);
      return m == 0 ? T(0) : x / m;
    } else if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) {
      return T(x != 0);
    } else {
      compute_t<T> v = static_cast<compute_t<T>>(x);
      return T((v > 0) - (v < 0));  // NaN gives 0, as in MLX
    }
  }
};

struct Square {
  template <typename T>
  T operator()(T x) const {
    return T(x * x);
  }
};

struct Floor {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_float_v<T>) {
      return T(std::floor(static_cast<compute_t<T>>(x)));
    } else {
      return x;
    }
  }
};

struct Ceil {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_float_v<T>) {
      return T(std::ceil(static_cast<compute_t<T>>(x)));
    } else {
      return x;
    }
  }
};

struct Trunc {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_float_v<T>) {
      return T(std::trunc(static_cast<compute_t<T>>(x)));
    } else {
      return x;
    }
  }
};

struct Round {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_float_v<T>) {
      return T(std::nearbyint(static_cast<compute_t<T>>(x)));  // half to even
    } else if constexpr (is_complex_v<T>) {
      return T(std::nearbyint(x.real()), std::nearbyint(x.imag()));
    } else {
      return x;
    }
  }
};

struct Conjugate {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      return std::conj(x);
    } else {
      return x;
    }
  }
};

struct BitwiseInvert {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, bool>) {
      return !x;
    } else {
      return T(~x);
    }
  }
};

// Predicates: any input type, bool output.
struct LogicalNot {
  template <typename T>
  bool operator()(T x) const {
    return !cast<bool>(x);
  }
};

struct IsNaN {
  template <typename T>
  bool operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      return std::isnan(x.real()) || std::isnan(x.imag());
    } else if constexpr (is_float_v<T>) {
      return std::isnan(static_cast<compute_t<T>>(x));
    } else {
      return false;
    }
  }
};

struct IsInf {
  template <typename T>
  bool operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      return std::isinf(x.real()) || std::isinf(x.imag());
    } else if constexpr (is_float_v<T>) {
      return std::isinf(static_cast<compute_t<T>>(x));
    } else {
      return false;
    }
  }
};

struct IsPosInf {
  template <typename T>
  bool operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      // MLX compares with the real infinity: an imaginary part must be zero.
      return std::isinf(x.real()) && x.real() > 0 && x.imag() == 0;
    } else if constexpr (is_float_v<T>) {
      auto v = static_cast<compute_t<T>>(x);
      return std::isinf(v) && v > 0;
    } else {
      return false;
    }
  }
};

struct IsNegInf {
  template <typename T>
  bool operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      // MLX compares with the real infinity: an imaginary part must be zero.
      return std::isinf(x.real()) && x.real() < 0 && x.imag() == 0;
    } else if constexpr (is_float_v<T>) {
      auto v = static_cast<compute_t<T>>(x);
      return std::isinf(v) && v < 0;
    } else {
      return false;
    }
  }
};

// ---- binary ----

#define LUMEX_ARITH_BINARY(NAME, OP, WRAP)      \
  struct NAME {                                 \
    template <typename T>                       \
    T operator()(T a, T b) const {              \
      if constexpr (std::is_same_v<T, bool>) {  \
        return static_cast<bool>(a OP b);       \
      } else if constexpr (wraps_v<T>) {        \
        return WRAP(a, b);                      \
      } else {                                  \
        return T(a OP b);                       \
      }                                         \
    }                                           \
  };

LUMEX_ARITH_BINARY(Add, +, wrap_add)
LUMEX_ARITH_BINARY(Subtract, -, wrap_sub)
LUMEX_ARITH_BINARY(Multiply, *, wrap_mul)
#undef LUMEX_ARITH_BINARY

struct Divide {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return FloorDivideInt(a, b);
    } else {
      return T(a / b);
    }
  }
  template <typename T>
  static T FloorDivideInt(T a, T b) {
    if constexpr (std::is_same_v<T, bool>) {
      return b ? a : false;
    } else {
      if (b == 0) return T(0);
      if constexpr (std::is_signed_v<T>) {
        if (b == -1) return T(0 - static_cast<std::make_unsigned_t<T>>(a));  // no overflow trap
        T q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
        return q;
      } else {
        return a / b;
      }
    }
  }
};

struct FloorDivide {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return Divide::FloorDivideInt(a, b);
    } else {
      return T(std::floor(static_cast<compute_t<T>>(a) / static_cast<compute_t<T>>(b)));
    }
  }
};

struct Remainder {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return b ? false : false;
    } else if constexpr (std::is_integral_v<T>) {
      if (b == 0) return a;  // MLX: x % 0 == x
      if constexpr (std::is_signed_v<T>) {
        if (b == -1) return T(0);
        T r = a % b;
        if (r != 0 && ((r < 0) != (b < 0))) r += b;
        return r;
      } else {
        return a % b;
      }
    } else {
      auto x = static_cast<compute_t<T>>(a);
      auto y = static_cast<compute_t<T>>(b);
      auto r = std::fmod(x, y);
      if (r != 0 && ((r < 0) != (y < 0))) r += y;
      return T(r);
    }
  }
};

struct Power {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return a || !b;
    } else if constexpr (std::is_integral_v<T>) {
      if constexpr (std::is_signed_v<T>) {
        if (b < 0) return T(0);
      }
      using U = std::make_unsigned_t<T>;
      U base = static_cast<U>(a), res = 1;
      auto e = static_cast<U>(b);
      while (e) {
        if (e & 1) res = static_cast<U>(res * base);
        base = static_cast<U>(base * base);
        e >>= 1;
      }
      return static_cast<T>(res);
    } else if constexpr (is_complex_v<T>) {
      return std::pow(a, b);
    } else {
      return T(std::pow(static_cast<compute_t<T>>(a), static_cast<compute_t<T>>(b)));
    }
  }
};

// Comparisons: bool output. Complex orders lexicographically (real, then imaginary).
#define LUMEX_COMPARE(NAME, OP)                                     \
  struct NAME {                                                     \
    template <typename T>                                           \
    bool operator()(T a, T b) const {                               \
      if constexpr (is_complex_v<T>) {                              \
        return a.real() == b.real() ? (a.imag() OP b.imag())        \
                                    : (a.real() OP b.real());       \
      } else {                                                      \
        return static_cast<compute_t<T>>(a) OP static_cast<compute_t<T>>(b); \
      }                                                             \
    }                                                               \
  };
LUMEX_COMPARE(Greater, >)
LUMEX_COMPARE(GreaterEqual, >=)
LUMEX_COMPARE(Less, <)
LUMEX_COMPARE(LessEqual, <=)
#undef LUMEX_COMPARE

struct Maximum {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_float_v<T>) {
      if (std::isnan(static_cast<compute_t<T>>(a))) return a;
      if (std::isnan(static_cast<compute_t<T>>(b))) return b;
      return static_cast<compute_t<T>>(a) > static_cast<compute_t<T>>(b) ? a : b;
    } else if constexpr (is_complex_v<T>) {
      return Greater{}(a, b) ? a : b;
    } else {
      return a > b ? a : b;
    }
  }
};

struct Minimum {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_float_v<T>) {
      if (std::isnan(static_cast<compute_t<T>>(a))) return a;
      if (std::isnan(static_cast<compute_t<T>>(b))) return b;
      return static_cast<compute_t<T>>(a) < static_cast<compute_t<T>>(b) ? a : b;
    } else if constexpr (is_complex_v<T>) {
      return Less{}(a, b) ? a : b;
    } else {
      return a < b ? a : b;
    }
  }
};

struct ArcTan2 {
  template <typename T>
  T operator()(T a, T b) const {
    return T(std::atan2(static_cast<compute_t<T>>(a), static_cast<compute_t<T>>(b)));
  }
};

struct LogAddExp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_complex_v<T>) {
      return std::log(std::exp(a) + std::exp(b));
    } else {
      return real(a, b);
    }
  }
  template <typename T>
  static T real(T a, T b) {
    using C = compute_t<T>;
    C x = static_cast<C>(a), y = static_cast<C>(b);
    if (std::isnan(x) || std::isnan(y)) return T(x + y);
    C m = std::max(x, y);
    if (std::isinf(m)) return T(m);
    return T(m + std::log1p(std::exp(std::min(x, y) - m)));
  }
};

struct Equal {
  template <typename T>
  bool operator()(T a, T b) const {
    if constexpr (is_complex_v<T>) {
      return a == b;
    } else {
      return static_cast<compute_t<T>>(a) == static_cast<compute_t<T>>(b);
    }
  }
};

struct NaNEqual {
  template <typename T>
  bool operator()(T a, T b) const {
    if (Equal{}(a, b)) return true;
    return IsNaN{}(a) && IsNaN{}(b);
  }
};

struct NotEqual {
  template <typename T>
  bool operator()(T a, T b) const {
    return !Equal{}(a, b);
  }
};

struct LogicalAnd {
  template <typename T>
  bool operator()(T a, T b) const {
    return cast<bool>(a) && cast<bool>(b);
  }
};

struct LogicalOr {
  template <typename T>
  bool operator()(T a, T b) const {
    return cast<bool>(a) || cast<bool>(b);
  }
};

#define LUMEX_BITWISE(NAME, EXPR)          \
  struct NAME {                            \
    template <typename T>                  \
    T operator()(T a, T b) const {         \
      return static_cast<T>(EXPR);         \
    }                                      \
  };
LUMEX_BITWISE(BitwiseAnd, a & b)
LUMEX_BITWISE(BitwiseOr, a | b)
LUMEX_BITWISE(BitwiseXor, a ^ b)
#undef LUMEX_BITWISE

struct LeftShift {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return static_cast<T>(a && !b);
    } else {
      using U = std::make_unsigned_t<T>;
      if (b < 0 || static_cast<uint64_t>(b) >= sizeof(T) * 8) return T(0);
      return static_cast<T>(static_cast<U>(a) << b);
    }
  }
};

struct RightShift {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return static_cast<T>(a && !b);
    } else {
      if (b < 0 || static_cast<uint64_t>(b) >= sizeof(T) * 8) {
        if constexpr (std::is_signed_v<T>) return a < 0 ? T(-1) : T(0);
        return T(0);
      }
      return static_cast<T>(a >> b);
    }
  }
};

}  // namespace lumex::core::cpu::detail
