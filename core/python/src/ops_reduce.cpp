// Reductions, scans, softmax, allclose/array_equal, and their array-method forms.
#include "common.h"
#include "engine/ops.h"
#include "engine/utils.h"

using namespace lx;

namespace {

using ReduceFn = array (*)(const array&, const Axes&, bool, StreamOrDevice);
using ScanFn = array (*)(const array&, std::optional<int>, bool, bool, StreamOrDevice);
using ArgFn = array (*)(const array&, std::optional<int>, bool, StreamOrDevice);

// MLX 0.30+ raises IndexError for a bad axis where older releases raised
// ValueError; a class deriving from both satisfies code written for either.
void register_axis_error(nb::module_& m) {
  nb::object builtins = nb::module_::import_("builtins");
  nb::dict ns;
  ns["__module__"] = "lumex.core";
  nb::object type = builtins.attr("type")(
      "AxisError", nb::make_tuple(builtins.attr("IndexError"), builtins.attr("ValueError")),
      ns);
  nb::register_exception_translator(
      [](const std::exception_ptr& p, void* payload) {
        try {
          std::rethrow_exception(p);
        } catch (const axis_error& e) {
          PyErr_SetString(static_cast<PyObject*>(payload), e.what());
        }
      },
      type.release().ptr());  // lives as long as the interpreter
  (void)m;
}

void def_reductions(nb::module_& m) {
#define LUMEX_REDUCE(NAME, FN, DOC)                                            \
  m.def(NAME,                                                                  \
        [](const ScalarOrArray& a, const AxisArg& axis, bool keepdims,         \
           StreamArg s) {                                                      \
          lx::sites::PublicOp tag(NAME);                                       \
          return FN(arr(a), to_axes(axis), keepdims, to_sod(s));               \
        },                                                                     \
        nb::arg("a"), "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), \
        "stream"_a = nb::none(),                                               \
        nb::sig("def " NAME "(a: array, /, axis: None | int | Sequence[int] = None, " \
                "keepdims: bool = False, *, stream: Stream | Device | None = None) -> array"), \
        DOC "\n\nArgs:\n    a (array): Input array.\n" \
        "    axis (int | Sequence[int] | None): Axis or axes to reduce over; all axes when None.\n" \
        "    keepdims (bool): Keep the reduced axes with size 1.\n" \
        "    stream (Stream | Device | None): Stream or device to run on; the default stream when None.\n" \
        "\nReturns:\n    array: The reduced array.");
  LUMEX_REDUCE("sum", sum, "Sum reduction over the given axes.")
  LUMEX_REDUCE("prod", prod, "Product reduction over the given axes.")
  LUMEX_REDUCE("max", max, "Maximum over the given axes (NaN propagates).")
  LUMEX_REDUCE("min", min, "Minimum over the given axes (NaN propagates).")
  LUMEX_REDUCE("all", all, "True where all elements along the axes are true.")
  LUMEX_REDUCE("any", any, "True where any element along the axes is true.")
  LUMEX_REDUCE("mean", mean, "Mean over the given axes.")
  LUMEX_REDUCE("logsumexp", logsumexp, "log(sum(exp(a))) over the axes, computed stably.")
  LUMEX_REDUCE("median", median, "Median over the given axes.")
#undef LUMEX_REDUCE

  m.def("count_nonzero",
        [](const ScalarOrArray& a, const AxisArg& axis, bool keepdims, StreamArg s) {
          lx::sites::PublicOp tag("count_nonzero");
          return count_nonzero(arr(a), to_axes(axis), keepdims, to_sod(s));
        },
        nb::arg("a"), "axis"_a = nb::none(), nb::kw_only(), "keepdims"_a = false,
        "stream"_a = nb::none(),
        nb::sig("def count_nonzero(a: array, /, axis: None | int | Sequence[int] = None, *, "
                "keepdims: bool = False, stream: Stream | Device | None = None) -> array"),
        "Number of non-zero elements over the given axes (int32).");

  m.def("minmax",
        [](const ScalarOrArray& a, const AxisArg& axis, bool keepdims, StreamArg s) {
          lx::sites::PublicOp tag("minmax");
          auto [lo, hi] = minmax(arr(a), to_axes(axis), keepdims, to_sod(s));
          return nb::make_tuple(lo, hi);
        },
        nb::arg("a"), "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(),
        "stream"_a = nb::none(),
        nb::sig("def minmax(a: array, /, axis: None | int | Sequence[int] = None, "
                "keepdims: bool = False, *, stream: Stream | Device | None = None) "
                "-> tuple[array, array]"),
        "Minimum and maximum over the given axes, as a tuple.");

#define LUMEX_VAR(NAME, FN, DOC)                                                \
  m.def(NAME,                                                                   \
        [](const ScalarOrArray& a, const AxisArg& axis, bool keepdims, int ddof, \
           std::optional<int> correction, StreamArg s) {                        \
          lx::sites::PublicOp tag(NAME);                                        \
          return FN(arr(a), to_axes(axis), keepdims, correction.value_or(ddof), \
                    to_sod(s));                                                 \
        },                                                                      \
        nb::arg("a"), "axis"_a = nb::none(), "keepdims"_a = false, "ddof"_a = 0, \
        nb::kw_only(), "correction"_a = nb::none(), "stream"_a = nb::none(),    \
        nb::sig("def " NAME "(a: array, /, axis: None | int | Sequence[int] = None, " \
                "keepdims: bool = False, ddof: int = 0, *, correction: int | None = None, " \
                "stream: Stream | Device | None = None) -> array"),            \
        DOC "\n\nArgs:\n    a (array): Input array.\n" \
        "    axis (int | Sequence[int] | None): Axis or axes to reduce over; all axes when None.\n" \
        "    keepdims (bool): Keep the reduced axes with size 1.\n" \
        "    ddof (int): Delta degrees of freedom: the sum of squares is divided by N - ddof.\n" \
        "    correction (int | None): The array API's name for ``ddof``; overrides it.\n" \
        "    stream (Stream | Device | None): Stream or device to run on; the default stream when None.\n" \
        "\nReturns:\n    array: The reduced array.");
  LUMEX_VAR("var", lx::var, "Variance over the given axes, divided by N - ddof.")
  LUMEX_VAR("std", lx::std, "Standard deviation over the given axes, with N - ddof.")
#undef LUMEX_VAR

#define LUMEX_ARG(NAME, FN, DOC)                                               \
  m.def(NAME,                                                                  \
        [](const ScalarOrArray& a, std::optional<int> axis, bool keepdims,     \
           StreamArg s) {                                                      \
          lx::sites::PublicOp tag(NAME);                                       \
          return FN(arr(a), axis, keepdims, to_sod(s));                        \
        },                                                                     \
        nb::arg("a"), "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), \
        "stream"_a = nb::none(),                                               \
        nb::sig("def " NAME "(a: array, /, axis: None | int = None, keepdims: bool = False, " \
                "*, stream: Stream | Device | None = None) -> array"),         \
        DOC "\n\nArgs:\n    a (array): Input array.\n" \
        "    axis (int | None): Axis to search along; the flattened array when None.\n" \
        "    keepdims (bool): Keep the reduced axis with size 1.\n" \
        "    stream (Stream | Device | None): Stream or device to run on; the default stream when None.\n" \
        "\nReturns:\n    array: The indices, as ``uint32``.");
  LUMEX_ARG("argmax", argmax, "Index of the first maximum along an axis (uint32).")
  LUMEX_ARG("argmin", argmin, "Index of the first minimum along an axis (uint32).")
#undef LUMEX_ARG

  m.def("softmax",
        [](const ScalarOrArray& a, const AxisArg& axis, bool precise, StreamArg s) {
          lx::sites::PublicOp tag("softmax");
          return softmax(arr(a), to_axes(axis), precise, to_sod(s));
        },
        nb::arg("a"), "axis"_a = nb::none(), nb::kw_only(), "precise"_a = false,
        "stream"_a = nb::none(),
        nb::sig("def softmax(a: array, /, axis: None | int | Sequence[int] = None, *, "
                "precise: bool = False, stream: Stream | Device | None = None) -> array"),
        R"(``exp(a) / sum(exp(a))`` over the given axes, computed stably.

Args:
    a (array): Input array.
    axis (int | Sequence[int] | None): Axis or axes to normalize over; all axes
      when None.
    precise (bool): Accumulate half-precision inputs in ``float32``.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: Non-negative values that sum to one over ``axis``.)");
}

void def_scans(nb::module_& m) {
#define LUMEX_SCAN_DTYPE(NAME, FN, DOC)                                        \
  m.def(NAME,                                                                  \
        [](const ScalarOrArray& a, std::optional<int> axis, bool reverse,      \
           bool inclusive, std::optional<Dtype> dtype, StreamArg s) {          \
          lx::sites::PublicOp tag(NAME);                                       \
          return FN(arr(a), axis, reverse, inclusive, dtype, to_sod(s));       \
        },                                                                     \
        nb::arg("a"), "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, \
        "inclusive"_a = true, "dtype"_a = nb::none(), "stream"_a = nb::none(), \
        nb::sig("def " NAME "(a: array, /, axis: int | None = None, *, reverse: bool = False, " \
                "inclusive: bool = True, dtype: Dtype | None = None, "          \
                "stream: Stream | Device | None = None) -> array"),            \
        DOC "\n\nArgs:\n    a (array): Input array.\n" \
        "    axis (int | None): The axis to scan along; the flattened array when None.\n" \
        "    reverse (bool): Scan from the end of the axis towards its start.\n" \
        "    inclusive (bool): Include each element in its own result (False shifts by one).\n" \
        "    dtype (Dtype | None): The type to accumulate in and return.\n" \
        "    stream (Stream | Device | None): Stream or device to run on.\n" \
        "\nReturns:\n    array: The running results, with ``a``'s shape (flattened for axis=None).");
  LUMEX_SCAN_DTYPE("cumsum", cumsum, "Cumulative sum along an axis (flattened if None).")
  LUMEX_SCAN_DTYPE("cumprod", cumprod, "Cumulative product along an axis (flattened if None).")
#undef LUMEX_SCAN_DTYPE
  m.attr("cumulative_sum") = m.attr("cumsum");
  m.attr("cumulative_prod") = m.attr("cumprod");

#define LUMEX_SCAN(NAME, FN, DOC)                                              \
  m.def(NAME,                                                                  \
        [](const ScalarOrArray& a, std::optional<int> axis, bool reverse,      \
           bool inclusive, StreamArg s) {                                      \
          lx::sites::PublicOp tag(NAME);                                       \
          return FN(arr(a), axis, reverse, inclusive, to_sod(s));              \
        },                                                                     \
        nb::arg("a"), "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, \
        "inclusive"_a = true, "stream"_a = nb::none(),                         \
        nb::sig("def " NAME "(a: array, /, axis: int | None = None, *, reverse: bool = False, " \
                "inclusive: bool = True, stream: Stream | Device | None = None) -> array"), \
        DOC "\n\nArgs:\n    a (array): Input array.\n" \
        "    axis (int | None): The axis to scan along; the flattened array when None.\n" \
        "    reverse (bool): Scan from the end of the axis towards its start.\n" \
        "    inclusive (bool): Include each element in its own result (False shifts by one).\n" \
        "    stream (Stream | Device | None): Stream or device to run on.\n" \
        "\nReturns:\n    array: The running results, with ``a``'s shape (flattened for axis=None).");
  LUMEX_SCAN("cummax", cummax, "Cumulative maximum along an axis (flattened if None).")
  LUMEX_SCAN("cummin", cummin, "Cumulative minimum along an axis (flattened if None).")
  LUMEX_SCAN("logcumsumexp", logcumsumexp,
             "Cumulative log(sum(exp(a))) along an axis (flattened if None).")
#undef LUMEX_SCAN
}

void def_comparisons(nb::module_& m) {
  m.def("allclose",
        [](const array& a, const array& b, double rtol, double atol,
           bool equal_nan, StreamArg s) {
          lx::sites::PublicOp tag("allclose");
          return allclose(a, b, rtol, atol, equal_nan, to_sod(s));
        },
        nb::arg("a"), nb::arg("b"), "rtol"_a = 1e-5, "atol"_a = 1e-8, nb::kw_only(),
        "equal_nan"_a = false, "stream"_a = nb::none(),
        nb::sig("def allclose(a: array, b: array, /, rtol: float = 1e-05, atol: float = 1e-08, "
                "*, equal_nan: bool = False, stream: Stream | Device | None = None) -> array"),
        "True if all elements of a and b are close: ``abs(a - b) <= atol + rtol * abs(b)``.");
  m.def("array_equal",
        [](const ScalarOrArray& a, const ScalarOrArray& b, bool equal_nan, StreamArg s) {
          lx::sites::PublicOp tag("array_equal");
          auto [x, y] = to_arrays(a, b);
          return array_equal(x, y, equal_nan, to_sod(s));
        },
        "a"_a, "b"_a, nb::kw_only(), "equal_nan"_a = false, "stream"_a = nb::none(),
        nb::sig("def array_equal(a: scalar | array, b: scalar | array, *, equal_nan: bool = False, "
                "stream: Stream | Device | None = None) -> array"),
        "True if a and b have the same shape and equal values.");
}

// Array methods: same keyword arguments as the functions, `self` first.
void def_methods(nb::module_& m) {
  nb::handle cls = m.attr("array");
  auto method = [&](const char* name, auto fn, auto... extra) {
    nb::cpp_function_def(std::move(fn), nb::scope(cls), nb::name(name),
                         nb::is_method(), extra...);
  };

  auto reduce_method = [&](const char* name, ReduceFn fn) {
    method(name,
           [fn, name](const array& self, const AxisArg& axis, bool keepdims, StreamArg s) {
             lx::sites::PublicOp tag(name);
             return fn(self, to_axes(axis), keepdims, to_sod(s));
           },
           "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(),
           "stream"_a = nb::none());
  };
  reduce_method("sum", [](const array& a, const Axes& ax, bool k, StreamOrDevice s) {
    return sum(a, ax, k, s);
  });
  reduce_method("prod", [](const array& a, const Axes& ax, bool k, StreamOrDevice s) {
    return prod(a, ax, k, s);
  });
  reduce_method("mean", [](const array& a, const Axes& ax, bool k, StreamOrDevice s) {
    return mean(a, ax, k, s);
  });
  reduce_method("max", [](const array& a, const Axes& ax, bool k, StreamOrDevice s) {
    return max(a, ax, k, s);
  });
  reduce_method("min", [](const array& a, const Axes& ax, bool k, StreamOrDevice s) {
    return min(a, ax, k, s);
  });
  reduce_method("all", [](const array& a, const Axes& ax, bool k, StreamOrDevice s) {
    return all(a, ax, k, s);
  });
  reduce_method("any", [](const array& a, const Axes& ax, bool k, StreamOrDevice s) {
    return any(a, ax, k, s);
  });
  reduce_method("logsumexp", [](const array& a, const Axes& ax, bool k, StreamOrDevice s) {
    return logsumexp(a, ax, k, s);
  });

  auto var_method = [&](const char* name, bool is_std) {
    method(name,
           [is_std, name](const array& self, const AxisArg& axis, bool keepdims, int ddof,
                          std::optional<int> correction, StreamArg s) {
             lx::sites::PublicOp tag(name);
             int d = correction.value_or(ddof);
             return is_std ? lx::std(self, to_axes(axis), keepdims, d, to_sod(s))
                           : var(self, to_axes(axis), keepdims, d, to_sod(s));
           },
           "axis"_a = nb::none(), "keepdims"_a = false, "ddof"_a = 0, nb::kw_only(),
           "correction"_a = nb::none(), "stream"_a = nb::none());
  };
  var_method("var", false);
  var_method("std", true);

  auto arg_method = [&](const char* name, ArgFn fn) {
    method(name,
           [fn, name](const array& self, std::optional<int> axis, bool keepdims, StreamArg s) {
             lx::sites::PublicOp tag(name);
             return fn(self, axis, keepdims, to_sod(s));
           },
           "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(),
           "stream"_a = nb::none());
  };
  arg_method("argmax", [](const array& a, std::optional<int> ax, bool k, StreamOrDevice s) {
    return argmax(a, ax, k, s);
  });
  arg_method("argmin", [](const array& a, std::optional<int> ax, bool k, StreamOrDevice s) {
    return argmin(a, ax, k, s);
  });

  auto scan_method = [&](const char* name, ScanFn fn) {
    method(name,
           [fn, name](const array& self, std::optional<int> axis, bool reverse, bool inclusive,
                      StreamArg s) {
             lx::sites::PublicOp tag(name);
             return fn(self, axis, reverse, inclusive, to_sod(s));
           },
           "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false,
           "inclusive"_a = true, "stream"_a = nb::none());
  };
  scan_method("cumsum", [](const array& a, std::optional<int> ax, bool r, bool i,
                           StreamOrDevice s) { return cumsum(a, ax, r, i, {}, s); });
  scan_method("cumprod", [](const array& a, std::optional<int> ax, bool r, bool i,
                            StreamOrDevice s) { return cumprod(a, ax, r, i, {}, s); });
  scan_method("cummax", [](const array& a, std::optional<int> ax, bool r, bool i,
                           StreamOrDevice s) { return cummax(a, ax, r, i, s); });
  scan_method("cummin", [](const array& a, std::optional<int> ax, bool r, bool i,
                           StreamOrDevice s) { return cummin(a, ax, r, i, s); });
  scan_method("logcumsumexp", [](const array& a, std::optional<int> ax, bool r, bool i,
                                 StreamOrDevice s) { return logcumsumexp(a, ax, r, i, s); });
}

}  // namespace

void init_ops_reduce(nb::module_& m) {
  register_axis_error(m);
  def_reductions(m);
  def_scans(m);
  def_comparisons(m);
  def_methods(m);
}
