#include "common.h"
#include "engine/ops.h"

using namespace lx;

void init_ops_elementwise(nb::module_& m) {
  // Unary ops: `(a, /, *, stream=None)`.
#define LUMEX_UNARY(NAME, FN, DOC)                                              \
  m.def(NAME,                                                                    \
        [](const ScalarOrArray& a, StreamArg s) {                                \
          lx::sites::PublicOp tag(NAME);                                         \
          return FN(arr(a), to_sod(s));                                          \
        },                                                                       \
        nb::arg("a"), nb::kw_only(), "stream"_a = nb::none(),                    \
        nb::sig("def " NAME "(a: array, /, *, stream: Stream | Device | None = None) -> array"), \
        DOC "\n\nArgs:\n    a (array): Input array or scalar.\n" "    stream (Stream | Device | None): Stream or device to run on; the default stream when None.\n" \
        "\nReturns:\n    array: The result, with ``a``'s shape.");
  LUMEX_UNARY("abs", abs, "Element-wise absolute value.")
  LUMEX_UNARY("negative", negative, "Element-wise negation.")
  LUMEX_UNARY("sign", sign, "Element-wise sign.")
  LUMEX_UNARY("square", square, "Element-wise square.")
  LUMEX_UNARY("sqrt", sqrt, "Element-wise square root.")
  LUMEX_UNARY("rsqrt", rsqrt, "Element-wise reciprocal square root.")
  LUMEX_UNARY("reciprocal", reciprocal, "Element-wise reciprocal.")
  LUMEX_UNARY("exp", exp, "Element-wise exponential.")
  LUMEX_UNARY("expm1", expm1, "Element-wise exp(x) - 1, accurate near 0.")
  LUMEX_UNARY("log", log, "Element-wise natural logarithm.")
  LUMEX_UNARY("log2", log2, "Element-wise base-2 logarithm.")
  LUMEX_UNARY("log10", log10, "Element-wise base-10 logarithm.")
  LUMEX_UNARY("log1p", log1p, "Element-wise log(1 + x), accurate near 0.")
  LUMEX_UNARY("sin", sin, "Element-wise sine.")
  LUMEX_UNARY("cos", cos, "Element-wise cosine.")
  LUMEX_UNARY("tan", tan, "Element-wise tangent.")
  LUMEX_UNARY("arcsin", arcsin, "Element-wise inverse sine.")
  LUMEX_UNARY("arccos", arccos, "Element-wise inverse cosine.")
  LUMEX_UNARY("arctan", arctan, "Element-wise inverse tangent.")
  LUMEX_UNARY("sinh", sinh, "Element-wise hyperbolic sine.")
  LUMEX_UNARY("cosh", cosh, "Element-wise hyperbolic cosine.")
  LUMEX_UNARY("tanh", tanh, "Element-wise hyperbolic tangent.")
  LUMEX_UNARY("arcsinh", arcsinh, "Element-wise inverse hyperbolic sine.")
  LUMEX_UNARY("arccosh", arccosh, "Element-wise inverse hyperbolic cosine.")
  LUMEX_UNARY("arctanh", arctanh, "Element-wise inverse hyperbolic tangent.")
  LUMEX_UNARY("sigmoid", sigmoid, "Element-wise logistic sigmoid 1 / (1 + exp(-x)).")
  LUMEX_UNARY("erf", erf, "Element-wise error function.")
  LUMEX_UNARY("erfinv", erfinv, "Element-wise inverse of the error function.")
  LUMEX_UNARY("floor", floor, "Element-wise floor.")
  LUMEX_UNARY("ceil", ceil, "Element-wise ceiling.")
  LUMEX_UNARY("trunc", trunc, "Element-wise truncation toward zero.")
  LUMEX_UNARY("degrees", degrees, "Convert radians to degrees.")
  LUMEX_UNARY("radians", radians, "Convert degrees to radians.")
  LUMEX_UNARY("isnan", isnan, "Element-wise test for NaN.")
  LUMEX_UNARY("isinf", isinf, "Element-wise test for infinity.")
  LUMEX_UNARY("isfinite", isfinite, "Element-wise test for finite values.")
  LUMEX_UNARY("isposinf", isposinf, "Element-wise test for positive infinity.")
  LUMEX_UNARY("isneginf", isneginf, "Element-wise test for negative infinity.")
  LUMEX_UNARY("real", real, "Real part.")
  LUMEX_UNARY("imag", imag, "Imaginary part.")
  LUMEX_UNARY("conj", conjugate, "Complex conjugate.")
  LUMEX_UNARY("conjugate", conjugate, "Complex conjugate.")
  LUMEX_UNARY("logical_not", logical_not, "Element-wise logical not.")
  LUMEX_UNARY("bitwise_invert", bitwise_invert, "Element-wise bitwise inversion.")
  LUMEX_UNARY("stop_gradient", stop_gradient, "Identity that blocks gradients.")
#undef LUMEX_UNARY
  m.attr("arcsin").inc_ref();
  m.attr("asin") = m.attr("arcsin");
  m.attr("acos") = m.attr("arccos");
  m.attr("atan") = m.attr("arctan");
  m.attr("asinh") = m.attr("arcsinh");
  m.attr("acosh") = m.attr("arccosh");
  m.attr("atanh") = m.attr("arctanh");

  m.def("positive", [](const ScalarOrArray& a, StreamArg) {
    lx::sites::PublicOp tag("positive");
    return arr(a);
  },
        nb::arg("a"), nb::kw_only(), "stream"_a = nb::none(),
        "Element-wise identity: returns ``a`` unchanged (as ``+a`` does).");
  m.def("round",
        [](const ScalarOrArray& a, int decimals, StreamArg s) {
          lx::sites::PublicOp tag("round");
          return round(arr(a), decimals, to_sod(s));
        },
        nb::arg("a"), "decimals"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
        "Round to the given number of decimals (half to even).");
  m.def("nan_to_num",
        [](const ScalarOrArray& a, float nan, std::optional<float> posinf,
           std::optional<float> neginf, StreamArg s) {
          lx::sites::PublicOp tag("nan_to_num");
          return nan_to_num(arr(a), nan, posinf, neginf, to_sod(s));
        },
        nb::arg("a"), "nan"_a = 0.0f, "posinf"_a = nb::none(), "neginf"_a = nb::none(),
        nb::kw_only(), "stream"_a = nb::none(),
        "Replace NaN and infinities with finite numbers.");

  // Binary ops: `(a, b, /, *, stream=None)` with weak Python scalars.
#define LUMEX_BINARY(NAME, FN, DOC)                                          \
  m.def(NAME,                                                                \
        [](const ScalarOrArray& a, const ScalarOrArray& b, StreamArg s) {    \
          lx::sites::PublicOp tag(NAME);                                     \
          auto [x, y] = to_arrays(a, b);                                     \
          return FN(x, y, to_sod(s));                                        \
        },                                                                   \
        nb::arg("a"), nb::arg("b"), nb::kw_only(), "stream"_a = nb::none(), \
        nb::sig("def " NAME "(a: scalar | array, b: scalar | array, /, *, stream: Stream | Device | None = None) -> array"), \
        DOC "\n\nArgs:\n    a (array): Input array or scalar.\n    b (array): Input array or scalar.\n" \
        "    stream (Stream | Device | None): Stream or device to run on; the default stream when None.\n" \
        "\nReturns:\n    array: The result, with the broadcast shape of ``a`` and ``b``.");
  LUMEX_BINARY("add", add, "Element-wise addition with broadcasting.")
  LUMEX_BINARY("subtract", subtract, "Element-wise subtraction with broadcasting.")
  LUMEX_BINARY("multiply", multiply, "Element-wise multiplication with broadcasting.")
  LUMEX_BINARY("divide", divide, "Element-wise true division.")
  LUMEX_BINARY("floor_divide", floor_divide, "Element-wise floor division.")
  LUMEX_BINARY("remainder", remainder, "Element-wise remainder (sign of the divisor).")
  LUMEX_BINARY("power", power, "Element-wise power.")
  LUMEX_BINARY("maximum", maximum, "Element-wise maximum (NaN propagates).")
  LUMEX_BINARY("minimum", minimum, "Element-wise minimum (NaN propagates).")
  LUMEX_BINARY("arctan2", arctan2, "Element-wise arctan(a / b) using both signs.")
  LUMEX_BINARY("logaddexp", logaddexp, "Element-wise log(exp(a) + exp(b)), stably.")
  LUMEX_BINARY("equal", equal, "Element-wise equality.")
  LUMEX_BINARY("not_equal", not_equal, "Element-wise inequality.")
  LUMEX_BINARY("greater", greater, "Element-wise a > b.")
  LUMEX_BINARY("greater_equal", greater_equal, "Element-wise a >= b.")
  LUMEX_BINARY("less", less, "Element-wise a < b.")
  LUMEX_BINARY("less_equal", less_equal, "Element-wise a <= b.")
  LUMEX_BINARY("logical_and", logical_and, "Element-wise logical and.")
  LUMEX_BINARY("logical_or", logical_or, "Element-wise logical or.")
  LUMEX_BINARY("logical_xor", logical_xor, "Element-wise logical xor.")
  LUMEX_BINARY("bitwise_and", bitwise_and, "Element-wise bitwise and.")
  LUMEX_BINARY("bitwise_or", bitwise_or, "Element-wise bitwise or.")
  LUMEX_BINARY("bitwise_xor", bitwise_xor, "Element-wise bitwise xor.")
  LUMEX_BINARY("left_shift", left_shift, "Element-wise left shift.")
  LUMEX_BINARY("right_shift", right_shift, "Element-wise right shift.")
#undef LUMEX_BINARY
  m.attr("pow") = m.attr("power");
  m.attr("atan2") = m.attr("arctan2");
  m.attr("bitwise_left_shift") = m.attr("left_shift");
  m.attr("bitwise_right_shift") = m.attr("right_shift");

  m.def("divmod",
        [](const ScalarOrArray& a, const ScalarOrArray& b, StreamArg s) {
          lx::sites::PublicOp tag("divmod");
          auto [x, y] = to_arrays(a, b);
          auto r = divmod(x, y, to_sod(s));
          nb::list out;  // a list, as MLX
          out.append(nb::cast(r[0]));
          out.append(nb::cast(r[1]));
          return out;
        },
        nb::arg("a"), nb::arg("b"), nb::kw_only(), "stream"_a = nb::none(),
        "Quotient and remainder, as one two-output operation.");

  m.def("where",
        [](const ScalarOrArray& c, const ScalarOrArray& x, const ScalarOrArray& y,
           StreamArg s) {
          lx::sites::PublicOp tag("where");
          auto [xx, yy] = to_arrays(x, y);
          return where(to_array_like(c, nullptr), xx, yy, to_sod(s));
        },
        "condition"_a, "x"_a, "y"_a, nb::kw_only(), "stream"_a = nb::none(),
        R"(Select from ``x`` where ``condition`` is true, from ``y`` elsewhere.

The three inputs broadcast against each other.

Args:
    condition (array): The condition; non-zero means true.
    x (array): Values where the condition is true.
    y (array): Values where the condition is false.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: The selected values.)");

  m.def("clip",
        [](const ScalarOrArray& a, nb::handle a_min, nb::handle a_max, StreamArg s) {
          lx::sites::PublicOp tag("clip");
          auto x = arr(a);
          std::optional<array> lo, hi;
          if (!a_min.is_none()) lo = to_array_like(a_min, &x);
          if (!a_max.is_none()) hi = to_array_like(a_max, &x);
          return clip(x, lo, hi, to_sod(s));
        },
        nb::arg("a"), "a_min"_a.none(), "a_max"_a.none(), nb::kw_only(),
        "stream"_a = nb::none(), R"(Clip values to ``[a_min, a_max]``.

Args:
    a (array): Input array.
    a_min (scalar | array | None): Lower bound, or None for no lower bound.
    a_max (scalar | array | None): Upper bound, or None for no upper bound.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: ``a`` with values below ``a_min`` raised to it and values above
    ``a_max`` lowered to it.)");

  m.def("isclose",
        [](const ScalarOrArray& a, const ScalarOrArray& b, double rtol, double atol,
           bool equal_nan, StreamArg s) {
          lx::sites::PublicOp tag("isclose");
          auto [x, y] = to_arrays(a, b);
          return isclose(x, y, rtol, atol, equal_nan, to_sod(s));
        },
        nb::arg("a"), nb::arg("b"), "rtol"_a = 1e-5, "atol"_a = 1e-8, nb::kw_only(),
        "equal_nan"_a = false, "stream"_a = nb::none(),
        "Element-wise closeness: ``abs(a - b) <= atol + rtol * abs(b)``.");

  m.def("astype",
        [](const ScalarOrArray& a, Dtype dtype, StreamArg s) {
          lx::sites::PublicOp tag("astype");
          return astype(arr(a), dtype, to_sod(s));
        },
        nb::arg("a"), "dtype"_a, nb::kw_only(), "stream"_a = nb::none(),
        R"(Convert to another dtype.

Args:
    a (array): Input array.
    dtype (Dtype): The type to convert to.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: ``a`` with values of type ``dtype``.)");
}
