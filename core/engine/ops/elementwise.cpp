#include <cmath>
#include <limits>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

template <typename P, typename... Args>
array unary_node(const array& a, Dtype out_dtype, const Stream& st, Args... args) {
  return array(a.shape(), out_dtype, std::make_shared<P>(st, args...), {a});
}

/// Float ops: integers and bool compute in float32.
template <typename P>
array float_unary(const array& a, StreamOrDevice s) {
  auto st = to_stream(s);
  auto dtype = at_least_float(a.dtype());
  return unary_node<P>(astype(a, dtype, st), dtype, st);
}

template <typename P>
array same_unary(const array& a, StreamOrDevice s) {
  auto st = to_stream(s);
  return unary_node<P>(a, a.dtype(), st);
}

template <typename P>
array bool_unary(const array& a, StreamOrDevice s) {
  auto st = to_stream(s);
  return unary_node<P>(a, bool_, st);
}

/// Promotes both inputs to `dtype`, broadcasts them, and builds a binary node.
template <typename P, typename... Args>
array binary_node(const array& a, const array& b, Dtype in_dtype,
                  Dtype out_dtype, const Stream& st, Args... args) {
  auto shape = broadcast_shapes(a.shape(), b.shape());
  // Single elements (scalars, mostly) skip the Broadcast node: binary kernels
  // read them with stride 0, and one node less per op matters for small graphs.
  auto expand = [&](const array& v) {
    auto c = astype(v, in_dtype, st);
    return v.size() == 1 ? c : broadcast_to(c, shape, st);
  };
  auto x = expand(a);
  auto y = expand(b);
  return array(std::move(shape), out_dtype, std::make_shared<P>(st, args...),
               {std::move(x), std::move(y)});
}

template <typename P>
array arith_binary(const array& a, const array& b, StreamOrDevice s) {
  auto st = to_stream(s);
  auto dtype = promote_types(a.dtype(), b.dtype());
  return binary_node<P>(a, b, dtype, dtype, st);
}

template <typename P>
array compare_binary(const array& a, const array& b, StreamOrDevice s) {
  auto st = to_stream(s);
  auto dtype = promote_types(a.dtype(), b.dtype());
  return binary_node<P>(a, b, dtype, bool_, st);
}

template <typename P>
array bitwise_binary(const array& a, const array& b, const char* op,
                     StreamOrDevice s, bool is_shift = false) {
  auto st = to_stream(s);
  auto dtype = promote_types(a.dtype(), b.dtype());
  if (is_shift && dtype == bool_) dtype = uint8;  // shifting bools makes bytes
  if (!is_integral(dtype) && dtype != bool_) {
    throw std::runtime_error(msg(
        "[", op, "] Only allowed on integer or boolean types but got types ",
        dtype_name(a.dtype()), " and ", dtype_name(b.dtype()), "."));
  }
  return binary_node<P>(a, b, dtype, dtype, st);
}

void reject_complex(const array& a, const char* op) {
  if (a.dtype() == complex64) {
    throw std::invalid_argument(msg("[", op, "] Not supported for complex64."));
  }
}

}  // namespace

array astype(array a, Dtype dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) return a;
  auto st = to_stream(s);
  return unary_node<AsType>(a, dtype, st, dtype);
}

array abs(const array& a, StreamOrDevice s) {
  auto st = to_stream(s);
  return unary_node<Abs>(a, a.dtype() == complex64 ? float32 : a.dtype(), st);
}

array negative(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_) {
    throw std::invalid_argument(
        "[negative] Not supported for bool, use logical_not instead.");
  }
  return same_unary<Negative>(a, s);
}

array sign(const array& a, StreamOrDevice s) { return same_unary<Sign>(a, s); }
array square(const array& a, StreamOrDevice s) { return same_unary<Square>(a, s); }
array sqrt(const array& a, StreamOrDevice s) { return float_unary<Sqrt>(a, s); }
array rsqrt(const array& a, StreamOrDevice s) { return float_unary<Rsqrt>(a, s); }

array reciprocal(const array& a, StreamOrDevice s) {
  auto dtype = at_least_float(a.dtype());
  return divide(array(1.0f, dtype), a, s);
}

array exp(const array& a, StreamOrDevice s) { return float_unary<Exp>(a, s); }
array expm1(const array& a, StreamOrDevice s) {
  reject_complex(a, "expm1");
  return float_unary<Expm1>(a, s);
}
array log1p(const array& a, StreamOrDevice s) { return float_unary<Log1p>(a, s); }

array log(const array& a, StreamOrDevice s) {
  auto st = to_stream(s);
  auto dtype = at_least_float(a.dtype());
  return unary_node<Log>(astype(a, dtype, st), dtype, st, Log::Base::e);
}
array log2(const array& a, StreamOrDevice s) {
  auto st = to_stream(s);
  auto dtype = at_least_float(a.dtype());
  return unary_node<Log>(astype(a, dtype, st), dtype, st, Log::Base::two);
}
array log10(const array& a, StreamOrDevice s) {
  auto st = to_stream(s);
  auto dtype = at_least_float(a.dtype());
  return unary_node<Log>(astype(a, dtype, st), dtype, st, Log::Base::ten);
}

array sin(const array& a, StreamOrDevice s) { return float_unary<Sin>(a, s); }
array cos(const array& a, StreamOrDevice s) { return float_unary<Cos>(a, s); }
array tan(const array& a, StreamOrDevice s) { return float_unary<Tan>(a, s); }
array arcsin(const array& a, StreamOrDevice s) { return float_unary<ArcSin>(a, s); }
array arccos(const array& a, StreamOrDevice s) { return float_unary<ArcCos>(a, s); }
array arctan(const array& a, StreamOrDevice s) { return float_unary<ArcTan>(a, s); }
array sinh(const array& a, StreamOrDevice s) { return float_unary<Sinh>(a, s); }
array cosh(const array& a, StreamOrDevice s) { return float_unary<Cosh>(a, s); }
array tanh(const array& a, StreamOrDevice s) { return float_unary<Tanh>(a, s); }
array arcsinh(const array& a, StreamOrDevice s) { return float_unary<ArcSinh>(a, s); }
array arccosh(const array& a, StreamOrDevice s) { return float_unary<ArcCosh>(a, s); }
array arctanh(const array& a, StreamOrDevice s) { return float_unary<ArcTanh>(a, s); }
array sigmoid(const array& a, StreamOrDevice s) {
  reject_complex(a, "sigmoid");
  return float_unary<Sigmoid>(a, s);
}

array erf(const array& a, StreamOrDevice s) {
  reject_complex(a, "erf");
  return float_unary<Erf>(a, s);
}
array erfinv(const array& a, StreamOrDevice s) {
  reject_complex(a, "erfinv");
  return float_unary<ErfInv>(a, s);
}

array floor(const array& a, StreamOrDevice s) {
  reject_complex(a, "floor");
  return same_unary<Floor>(a, s);
}
array ceil(const array& a, StreamOrDevice s) {
  reject_complex(a, "ceil");
  return same_unary<Ceil>(a, s);
}
array trunc(const array& a, StreamOrDevice s) {
  reject_complex(a, "trunc");
  return same_unary<Trunc>(a, s);
}

array round(const array& a, int decimals, StreamOrDevice s) {
  if (decimals == 0 || (!is_inexact(a.dtype()) && decimals > 0)) {
    return same_unary<Round>(a, s);
  }
  auto st = to_stream(s);
  if (!is_inexact(a.dtype())) {
    // Integers round to tens, hundreds, ... half to even, staying integers.
    auto f = astype(a, float64, st);
    auto scale = array(std::pow(10.0, -decimals), float64);
    auto r = multiply(same_unary<Round>(divide(f, scale, st), st), scale, st);
    return astype(r, a.dtype(), st);
  }
  auto scale = array(std::pow(10.0, decimals), a.dtype());
  auto scaled = multiply(a, scale, st);
  // Where x * 10^d overflows (10^5 in float16 already), the type cannot hold
  // digits that fine and x is its own rounding; inf/inf would give NaN.
  return where(isfinite(scaled, st), divide(same_unary<Round>(scaled, st), scale, st), a, st);
}

array degrees(const array& a, StreamOrDevice s) {
  auto dtype = at_least_float(a.dtype());
  return multiply(a, array(180.0 / M_PI, dtype), s);
}
array radians(const array& a, StreamOrDevice s) {
  auto dtype = at_least_float(a.dtype());
  return multiply(a, array(M_PI / 180.0, dtype), s);
}

array isnan(const array& a, StreamOrDevice s) { return bool_unary<IsNaN>(a, s); }
array isinf(const array& a, StreamOrDevice s) { return bool_unary<IsInf>(a, s); }
array isposinf(const array& a, StreamOrDevice s) { return bool_unary<IsPosInf>(a, s); }
array isneginf(const array& a, StreamOrDevice s) { return bool_unary<IsNegInf>(a, s); }
array isfinite(const array& a, StreamOrDevice s) {
  auto st = to_stream(s);
  return logical_not(logical_or(isinf(a, st), isnan(a, st), st), st);
}

array nan_to_num(const array& a, float nan, std::optional<float> posinf,
                 std::optional<float> neginf, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return a;
  auto st = to_stream(s);
  auto type = a.dtype() == complex64 ? float32 : a.dtype();
  double big = type == float16    ? 65504.0
               : type == bfloat16 ? 3.3895313892515355e38
               : type == float64  ? std::numeric_limits<double>::max()
                                  : std::numeric_limits<float>::max();
  auto out = where(isnan(a, st), array(nan, a.dtype()), a, st);
  out = where(isposinf(out, st), array(posinf ? double(*posinf) : big, a.dtype()),
              out, st);
  return where(isneginf(out, st),
               array(neginf ? double(*neginf) : -big, a.dtype()), out, st);
}

array real(const array& a, StreamOrDevice s) {
  if (a.dtype() != complex64) return a;
  auto st = to_stream(s);
  return unary_node<Real>(a, float32, st);
}
array imag(const array& a, StreamOrDevice s) {
  if (a.dtype() != complex64) return zeros_like(a, s);
  auto st = to_stream(s);
  return unary_node<Imag>(a, float32, st);
}
array conjugate(const array& a, StreamOrDevice s) {
  if (a.dtype() != complex64) return a;
  return same_unary<Conjugate>(a, s);
}

array logical_not(const array& a, StreamOrDevice s) {
  return bool_unary<LogicalNot>(a, s);
}

array bitwise_invert(const array& a, StreamOrDevice s) {
  if (!is_integral(a.dtype()) && a.dtype() != bool_) {
    throw std::invalid_argument(
        "[bitwise_invert] Bitwise inverse only allowed on integer types.");
  }
  return same_unary<BitwiseInvert>(a, s);
}

array invert(const array& a, StreamOrDevice s) {
  if (is_inexact(a.dtype())) {
    throw std::invalid_argument("Floating point types not allowed with bitwise inversion.");
  }
  return a.dtype() == bool_ ? logical_not(a, s) : bitwise_invert(a, s);
}

array stop_gradient(const array& a, StreamOrDevice s) {
  return same_unary<StopGradient>(a, s);
}

array add(const array& a, const array& b, StreamOrDevice s) {
  return arith_binary<Add>(a, b, s);
}
array subtract(const array& a, const array& b, StreamOrDevice s) {
  return arith_binary<Subtract>(a, b, s);
}
array multiply(const array& a, const array& b, StreamOrDevice s) {
  return arith_binary<Multiply>(a, b, s);
}

array divide(const array& a, const array& b, StreamOrDevice s) {
  auto st = to_stream(s);
  auto dtype = at_least_float(promote_types(a.dtype(), b.dtype()));
  return binary_node<Divide>(a, b, dtype, dtype, st);
}

array floor_divide(const array& a, const array& b, StreamOrDevice s) {
  auto dtype = promote_types(a.dtype(), b.dtype());
  if (dtype == complex64) return divide(a, b, s);
  if (is_floating_point(dtype)) return floor(divide(a, b, s), s);
  return arith_binary<FloorDivide>(a, b, s);
}

array remainder(const array& a, const array& b, StreamOrDevice s) {
  auto dtype = promote_types(a.dtype(), b.dtype());
  if (dtype == complex64) {
    throw std::invalid_argument("[remainder] Complex type not supported.");
  }
  return arith_binary<Remainder>(a, b, s);
}

std::vector<array> divmod(const array& a, const array& b, StreamOrDevice s) {
  auto st = to_stream(s);
  auto dtype = promote_types(a.dtype(), b.dtype());
  if (dtype == complex64) {
    throw std::invalid_argument("[divmod] Complex type not supported.");
  }
  auto shape = broadcast_shapes(a.shape(), b.shape());
  auto x = broadcast_to(astype(a, dtype, st), shape, st);
  auto y = broadcast_to(astype(b, dtype, st), shape, st);
  return array::make_arrays({shape, shape}, {dtype, dtype},
                            std::make_shared<DivMod>(st), {x, y});
}

array power(const array& a, const array& b, StreamOrDevice s) {
  return arith_binary<Power>(a, b, s);
}
array maximum(const array& a, const array& b, StreamOrDevice s) {
  return arith_binary<Maximum>(a, b, s);
}
array minimum(const array& a, const array& b, StreamOrDevice s) {
  return arith_binary<Minimum>(a, b, s);
}

array arctan2(const array& a, const array& b, StreamOrDevice s) {
  auto st = to_stream(s);
  auto dtype = at_least_float(promote_types(a.dtype(), b.dtype()));
  if (dtype == complex64) {
    throw std::invalid_argument("[arctan2] Not supported for complex64.");
  }
  return binary_node<ArcTan2>(a, b, dtype, dtype, st);
}
array logaddexp(const array& a, const array& b, StreamOrDevice s) {
  auto st = to_stream(s);
  auto dtype = at_least_float(promote_types(a.dtype(), b.dtype()));
  return binary_node<LogAddExp>(a, b, dtype, dtype, st);
}

array equal(const array& a, const array& b, StreamOrDevice s) {
  return compare_binary<Equal>(a, b, s);
}
array not_equal(const array& a, const array& b, StreamOrDevice s) {
  return compare_binary<NotEqual>(a, b, s);
}
array greater(const array& a, const array& b, StreamOrDevice s) {
  return compare_binary<Greater>(a, b, s);
}
array greater_equal(const array& a, const array& b, StreamOrDevice s) {
  return compare_binary<GreaterEqual>(a, b, s);
}
array less(const array& a, const array& b, StreamOrDevice s) {
  return compare_binary<Less>(a, b, s);
}
array less_equal(const array& a, const array& b, StreamOrDevice s) {
  return compare_binary<LessEqual>(a, b, s);
}

array logical_and(const array& a, const array& b, StreamOrDevice s) {
  auto st = to_stream(s);
  return binary_node<LogicalAnd>(astype(a, bool_, st), astype(b, bool_, st),
                                 bool_, bool_, st);
}
array logical_or(const array& a, const array& b, StreamOrDevice s) {
  auto st = to_stream(s);
  return binary_node<LogicalOr>(astype(a, bool_, st), astype(b, bool_, st),
                                bool_, bool_, st);
}
array logical_xor(const array& a, const array& b, StreamOrDevice s) {
  auto st = to_stream(s);
  return not_equal(astype(a, bool_, st), astype(b, bool_, st), st);
}

array bitwise_and(const array& a, const array& b, StreamOrDevice s) {
  return bitwise_binary<BitwiseAnd>(a, b, "bitwise_and", s);
}
array bitwise_or(const array& a, const array& b, StreamOrDevice s) {
  return bitwise_binary<BitwiseOr>(a, b, "bitwise_or", s);
}
array bitwise_xor(const array& a, const array& b, StreamOrDevice s) {
  return bitwise_binary<BitwiseXor>(a, b, "bitwise_xor", s);
}
array left_shift(const array& a, const array& b, StreamOrDevice s) {
  return bitwise_binary<LeftShift>(a, b, "left_shift", s, true);
}
array right_shift(const array& a, const array& b, StreamOrDevice s) {
  return bitwise_binary<RightShift>(a, b, "right_shift", s, true);
}

array where(const array& condition, const array& x, const array& y,
            StreamOrDevice s) {
  auto st = to_stream(s);
  auto dtype = promote_types(x.dtype(), y.dtype());
  auto shape = broadcast_shapes(condition.shape(),
                                broadcast_shapes(x.shape(), y.shape()));
  auto c = broadcast_to(astype(condition, bool_, st), shape, st);
  auto xx = broadcast_to(astype(x, dtype, st), shape, st);
  auto yy = broadcast_to(astype(y, dtype, st), shape, st);
  return array(std::move(shape), dtype, std::make_shared<Select>(st),
               {std::move(c), std::move(xx), std::move(yy)});
}

array clip(const array& a, const std::optional<array>& a_min,
           const std::optional<array>& a_max, StreamOrDevice s) {
  if (!a_min && !a_max) {
    throw std::invalid_argument("[clip] At most one of a_min and a_max may be None");
  }
  auto out = a;
  if (a_min) out = maximum(out, *a_min, s);
  if (a_max) out = minimum(out, *a_max, s);
  return out;
}

array isclose(const array& a, const array& b, double rtol, double atol,
              bool equal_nan, StreamOrDevice s) {
  auto st = to_stream(s);
  // |a - b| <= atol + rtol * |b|, with infinities equal only to themselves.
  auto dtype = at_least_float(promote_types(a.dtype(), b.dtype()));
  if (dtype == complex64) dtype = float32;
  auto lhs = abs(subtract(a, b, st), st);
  auto rhs = add(array(atol, dtype), multiply(array(rtol, dtype), abs(b, st), st), st);
  auto out = less_equal(lhs, rhs, st);
  auto any_inf = logical_or(isinf(a, st), isinf(b, st), st);
  auto both_equal = equal(a, b, st);
  out = logical_or(logical_and(out, logical_not(any_inf, st), st),
                   logical_and(any_inf, both_equal, st), st);
  if (equal_nan) {
    out = logical_or(out, logical_and(isnan(a, st), isnan(b, st), st), st);
  }
  return out;
}

}  // namespace lumex::core
