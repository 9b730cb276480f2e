// Transform rules of the elementwise primitives. Unary and binary ones share
// Elementwise's rules, which need only each op's partial derivatives.
#include <cmath>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/primitives/rule_utils.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

array scalar_like(double v, const array& like) { return array(v, like.dtype()); }

}  // namespace

std::vector<array> Elementwise::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  auto s = stream();
  auto out = apply(primals);
  auto d = partials(primals, out);
  // As MLX, tangents keep their own (promoted) dtype, not the output's; only a
  // real-valued function of a complex input takes the real part.
  if (d.empty()) return {zeros(out.shape(), tangents[0].dtype(), s)};
  std::optional<array> acc;
  for (size_t i = 0; i < argnums.size(); ++i) {
    auto t = antilinear() ? conjugate(tangents[i], s) : tangents[i];
    auto term = multiply(t, d[argnums[i]], s);
    acc = acc ? add(*acc, term, s) : term;
  }
  if (is_complex(acc->dtype()) && !is_complex(out.dtype())) acc = real(*acc, s);
  return {broadcast_to(*acc, out.shape(), s)};
}

std::vector<array> Elementwise::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums,
                                    const std::vector<array>& outputs) {
  auto s = stream();
  auto d = partials(primals, outputs[0]);
  std::vector<array> vjps;
  for (int i : argnums) {
    const auto& x = primals[i];
    if (d.empty()) {
      vjps.push_back(zeros_like(x, s));
    } else {
      auto ct = antilinear() ? conjugate(cotangents[0], s) : cotangents[0];
      auto g = multiply(ct, conjugate_partials() ? conjugate(d[i], s) : d[i], s);
      vjps.push_back(astype(unbroadcast(g, x.shape(), s), x.dtype(), s));
    }
  }
  return vjps;
}

std::vector<Shape> Elementwise::output_shapes(const std::vector<array>& inputs) const {
  // Inputs that no longer broadcast: a new trace raises the op's own error (or
  // works, where a traced constant had the old size).
  Shape shape = inputs[0].shape();
  try {
    for (size_t k = 1; k < inputs.size(); ++k) shape = broadcast_shapes(shape, inputs[k].shape());
  } catch (const std::invalid_argument&) {
    return {};
  }
  return {shape};
}

std::pair<std::vector<array>, std::vector<int>> Elementwise::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{apply(align_batched(inputs, axes, stream()))}, {0}};
}

// ---- op application (used by vmap and jvp) ----

// Each line also registers the primitive (its name and rules) with the registry.
#define LUMEX_APPLY1(NAME, OP)                                      \
  array NAME::apply(const std::vector<array>& in) const {           \
    return OP(in[0], stream());                                     \
  }                                                                 \
  LUMEX_REGISTER_PRIMITIVE(NAME);
#define LUMEX_APPLY2(NAME, OP)                                      \
  array NAME::apply(const std::vector<array>& in) const {           \
    return OP(in[0], in[1], stream());                              \
  }                                                                 \
  LUMEX_REGISTER_PRIMITIVE(NAME);

LUMEX_APPLY1(Abs, abs)
LUMEX_APPLY1(Negative, negative)
LUMEX_APPLY1(Sign, sign)
LUMEX_APPLY1(Square, square)
LUMEX_APPLY1(Sqrt, sqrt)
LUMEX_APPLY1(Rsqrt, rsqrt)
LUMEX_APPLY1(Exp, exp)
LUMEX_APPLY1(Expm1, expm1)
LUMEX_APPLY1(Log1p, log1p)
LUMEX_APPLY1(Sin, sin)
LUMEX_APPLY1(Cos, cos)
LUMEX_APPLY1(Tan, tan)
LUMEX_APPLY1(ArcSin, arcsin)
LUMEX_APPLY1(ArcCos, arccos)
LUMEX_APPLY1(ArcTan, arctan)
LUMEX_APPLY1(Sinh, sinh)
LUMEX_APPLY1(Cosh, cosh)
LUMEX_APPLY1(Tanh, tanh)
LUMEX_APPLY1(ArcSinh, arcsinh)
LUMEX_APPLY1(ArcCosh, arccosh)
LUMEX_APPLY1(ArcTanh, arctanh)
LUMEX_APPLY1(Sigmoid, sigmoid)
LUMEX_APPLY1(Erf, erf)
LUMEX_APPLY1(ErfInv, erfinv)
LUMEX_APPLY1(Floor, floor)
LUMEX_APPLY1(Ceil, ceil)
LUMEX_APPLY1(Trunc, trunc)
LUMEX_APPLY1(Real, real)
LUMEX_APPLY1(Imag, imag)
LUMEX_APPLY1(Conjugate, conjugate)
LUMEX_APPLY1(LogicalNot, logical_not)
LUMEX_APPLY1(BitwiseInvert, bitwise_invert)
LUMEX_APPLY1(IsNaN, isnan)
LUMEX_APPLY1(IsInf, isinf)
LUMEX_APPLY1(IsPosInf, isposinf)
LUMEX_APPLY1(IsNegInf, isneginf)
LUMEX_APPLY1(StopGradient, stop_gradient)
LUMEX_APPLY2(Add, add)
LUMEX_APPLY2(Subtract, subtract)
LUMEX_APPLY2(Multiply, multiply)
LUMEX_APPLY2(Divide, divide)
LUMEX_APPLY2(FloorDivide, floor_divide)
LUMEX_APPLY2(Remainder, remainder)
LUMEX_APPLY2(Power, power)
LUMEX_APPLY2(Maximum, maximum)
LUMEX_APPLY2(Minimum, minimum)
LUMEX_APPLY2(ArcTan2, arctan2)
LUMEX_APPLY2(LogAddExp, logaddexp)
LUMEX_APPLY2(NotEqual, not_equal)
LUMEX_APPLY2(Greater, greater)
LUMEX_APPLY2(GreaterEqual, greater_equal)
LUMEX_APPLY2(Less, less)
LUMEX_APPLY2(LessEqual, less_equal)
LUMEX_APPLY2(LogicalAnd, logical_and)
LUMEX_APPLY2(LogicalOr, logical_or)
LUMEX_APPLY2(BitwiseAnd, bitwise_and)
LUMEX_APPLY2(BitwiseOr, bitwise_or)
LUMEX_APPLY2(BitwiseXor, bitwise_xor)
LUMEX_APPLY2(LeftShift, left_shift)
LUMEX_APPLY2(RightShift, right_shift)

array Round::apply(const std::vector<array>& in) const {
  return round(in[0], 0, stream());
}
array Select::apply(const std::vector<array>& in) const {
  return where(in[0], in[1], in[2], stream());
}
array Log::apply(const std::vector<array>& in) const {
  switch (base_) {
    case Base::two: return log2(in[0], stream());
    case Base::ten: return log10(in[0], stream());
    default: return log(in[0], stream());
  }
}
array Equal::apply(const std::vector<array>& in) const {
  auto s = stream();
  auto shape = broadcast_shapes(in[0].shape(), in[1].shape());
  auto x = in[0].size() == 1 ? in[0] : broadcast_to(in[0], shape, s);
  auto y = in[1].size() == 1 ? in[1] : broadcast_to(in[1], shape, s);
  return array(shape, bool_, std::make_shared<Equal>(s, equal_nan_), {x, y});
}

// ---- partial derivatives ----

#define LUMEX_PARTIALS_OF(NAME)                                          \
  std::vector<array> NAME::partials(const std::vector<array>& in,        \
                                    const array& out) const

// For complex z, d|z| = Re(conj(z) t) / |z|: the partial is conj(sign(z)), whose
// conjugate makes the vjp cotangent * sign(z), as MLX.
LUMEX_PARTIALS_OF(Abs) { return {conjugate(sign(in[0], stream()), stream())}; }
LUMEX_PARTIALS_OF(Negative) { return {scalar_like(-1, out)}; }
LUMEX_PARTIALS_OF(Square) {
  return {multiply(scalar_like(2, out), in[0], stream())};
}
LUMEX_PARTIALS_OF(Sqrt) {
  return {divide(scalar_like(0.5, out), out, stream())};
}
LUMEX_PARTIALS_OF(Rsqrt) {
  auto s = stream();
  return {multiply(scalar_like(-0.5, out), power(out, scalar_like(3, out), s), s)};
}
LUMEX_PARTIALS_OF(Exp) { return {out}; }
LUMEX_PARTIALS_OF(Expm1) { return {add(out, scalar_like(1, out), stream())}; }
LUMEX_PARTIALS_OF(Log) {
  double scale = base_ == Base::two ? std::log(2.0)
                 : base_ == Base::ten ? std::log(10.0) : 1.0;
  auto s = stream();
  return {reciprocal(multiply(in[0], scalar_like(scale, out), s), s)};
}
LUMEX_PARTIALS_OF(Log1p) {
  auto s = stream();
  return {reciprocal(add(in[0], scalar_like(1, out), s), s)};
}
LUMEX_PARTIALS_OF(Sin) { return {cos(in[0], stream())}; }
LUMEX_PARTIALS_OF(Cos) { return {negative(sin(in[0], stream()), stream())}; }
LUMEX_PARTIALS_OF(Tan) {
  auto s = stream();
  return {add(scalar_like(1, out), square(out, s), s)};
}
LUMEX_PARTIALS_OF(ArcSin) {
  auto s = stream();
  return {rsqrt(subtract(scalar_like(1, out), square(in[0], s), s), s)};
}
LUMEX_PARTIALS_OF(ArcCos) {
  auto s = stream();
  return {negative(rsqrt(subtract(scalar_like(1, out), square(in[0], s), s), s), s)};
}
LUMEX_PARTIALS_OF(ArcTan) {
  auto s = stream();
  return {reciprocal(add(scalar_like(1, out), square(in[0], s), s), s)};
}
LUMEX_PARTIALS_OF(Sinh) { return {cosh(in[0], stream())}; }
LUMEX_PARTIALS_OF(Cosh) { return {sinh(in[0], stream())}; }
LUMEX_PARTIALS_OF(Tanh) {
  auto s = stream();
  return {subtract(scalar_like(1, out), square(out, s), s)};
}
LUMEX_PARTIALS_OF(ArcSinh) {
  auto s = stream();
  return {rsqrt(add(square(in[0], s), scalar_like(1, out), s), s)};
}
LUMEX_PARTIALS_OF(ArcCosh) {
  auto s = stream();
  return {rsqrt(subtract(square(in[0], s), scalar_like(1, out), s), s)};
}
LUMEX_PARTIALS_OF(ArcTanh) {
  auto s = stream();
  return {reciprocal(subtract(scalar_like(1, out), square(in[0], s), s), s)};
}
LUMEX_PARTIALS_OF(Sigmoid) {
  auto s = stream();
  return {multiply(out, subtract(scalar_like(1, out), out, s), s)};
}
LUMEX_PARTIALS_OF(Erf) {
  auto s = stream();
  return {multiply(scalar_like(2.0 / std::sqrt(M_PI), out),
                   exp(negative(square(in[0], s), s), s), s)};
}
LUMEX_PARTIALS_OF(ErfInv) {
  auto s = stream();
  return {multiply(scalar_like(std::sqrt(M_PI) / 2.0, out), exp(square(out, s), s), s)};
}
// Complex parts: the cotangent of a real output re-enters as a complex number.
LUMEX_PARTIALS_OF(Real) { return {array(1.0, complex64)}; }
LUMEX_PARTIALS_OF(Imag) { return {array(complex64_t{0.0f, -1.0f})}; }
LUMEX_PARTIALS_OF(Conjugate) { return {scalar_like(1, out)}; }

LUMEX_PARTIALS_OF(Add) { return {scalar_like(1, out), scalar_like(1, out)}; }
LUMEX_PARTIALS_OF(Subtract) { return {scalar_like(1, out), scalar_like(-1, out)}; }
LUMEX_PARTIALS_OF(Multiply) { return {in[1], in[0]}; }
LUMEX_PARTIALS_OF(Divide) {
  auto s = stream();
  auto inv = reciprocal(in[1], s);
  return {inv, negative(multiply(out, inv, s), s)};
}
LUMEX_PARTIALS_OF(Remainder) {
  auto s = stream();
  return {scalar_like(1, out), negative(floor(divide(in[0], in[1], s), s), s)};
}
LUMEX_PARTIALS_OF(Power) {
  auto s = stream();
  const auto &x = in[0], &y = in[1];
  auto dx = multiply(y, power(x, subtract(y, scalar_like(1, out), s), s), s);
  // log(x) only where it is real; 0 ** y contributes nothing.
  auto positive = greater(x, scalar_like(0, out), s);
  auto logx = log(where(positive, x, scalar_like(1, out), s), s);
  auto dy = where(positive, multiply(out, logx, s), scalar_like(0, out), s);
  return {dx, dy};
}
LUMEX_PARTIALS_OF(Maximum) {
  auto s = stream();
  // Ties send the gradient to the second operand.
  auto m = astype(greater(in[0], in[1], s), out.dtype(), s);
  return {m, subtract(scalar_like(1, out), m, s)};
}
LUMEX_PARTIALS_OF(Minimum) {
  auto s = stream();
  auto m = astype(less(in[0], in[1], s), out.dtype(), s);
  return {m, subtract(scalar_like(1, out), m, s)};
}
LUMEX_PARTIALS_OF(ArcTan2) {
  auto s = stream();
  const auto &y = in[0], &x = in[1];
  auto denom = add(square(x, s), square(y, s), s);
  return {divide(x, denom, s), negative(divide(y, denom, s), s)};
}
LUMEX_PARTIALS_OF(LogAddExp) {
  auto s = stream();
  return {exp(subtract(in[0], out, s), s), exp(subtract(in[1], out, s), s)};
}
LUMEX_PARTIALS_OF(Select) {
  auto s = stream();
  auto c = in[0];
  auto one = astype(c, out.dtype(), s);
  return {zeros_like(c, s), one, subtract(scalar_like(1, out), one, s)};
}

// ---- multi-output and dtype primitives ----

std::vector<array> DivMod::jvp(const std::vector<array>& primals,
                               const std::vector<array>&, const std::vector<int>&) {
  auto outs = divmod(primals[0], primals[1], stream());
  return {zeros_like(outs[0], stream()), zeros_like(outs[1], stream())};
}
std::vector<array> DivMod::vjp(const std::vector<array>& primals,
                               const std::vector<array>&,
                               const std::vector<int>& argnums,
                               const std::vector<array>&) {
  std::vector<array> vjps;
  for (int i : argnums) vjps.push_back(zeros_like(primals[i], stream()));
  return vjps;
}
std::pair<std::vector<array>, std::vector<int>> DivMod::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto in = align_batched(inputs, axes, stream());
  return {divmod(in[0], in[1], stream()), {0, 0}};
}

std::vector<array> AsType::jvp(const std::vector<array>&,
                               const std::vector<array>& tangents,
                               const std::vector<int>&) {
  return {astype(tangents[0], dtype_, stream())};
}
std::vector<array> AsType::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>&, const std::vector<array>&) {
  return {astype(cotangents[0], primals[0].dtype(), stream())};
}
std::pair<std::vector<array>, std::vector<int>> AsType::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{astype(inputs[0], dtype_, stream())}, {axes[0]}};
}

std::shared_ptr<Primitive> AsType::from_params(Stream s, const PrimitiveParams& params) {
  return std::make_shared<AsType>(s, ParamReader("AsType", params).dtype("dtype"));
}
std::shared_ptr<Primitive> Equal::from_params(Stream s, const PrimitiveParams& params) {
  return std::make_shared<Equal>(s, ParamReader("Equal", params).flag("equal_nan"));
}
std::shared_ptr<Primitive> Log::from_params(Stream s, const std::string& name,
                                            const PrimitiveParams&) {
  return std::make_shared<Log>(s, name == "Log2" ? Base::two : name == "Log10" ? Base::ten : Base::e);
}

LUMEX_REGISTER_VARIANTS(Equal, "Equal", "NaNEqual");
LUMEX_REGISTER_PRIMITIVE(DivMod);
LUMEX_REGISTER_PRIMITIVE(Select);
LUMEX_REGISTER_PRIMITIVE(AsType);
LUMEX_REGISTER_VARIANTS(Log, "Log", "Log2", "Log10");
LUMEX_REGISTER_PRIMITIVE(Round);

}  // namespace lumex::core
