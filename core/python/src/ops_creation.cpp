#include <cmath>

#include "common.h"
#include "engine/ops.h"
#include "engine/utils.h"

using namespace lx;

namespace {

Shape to_shape(nb::handle h) {
  if (PyLong_Check(h.ptr())) return {cast_arg<ShapeElem>(h, "shape")};
  Shape s;
  for (auto d : h) s.push_back(cast_arg<ShapeElem>(d, "shape"));
  return s;
}

bool int_in_range(int64_t v, Dtype d) {
  switch (d.val) {
    case Dtype::Val::uint8: return v >= 0 && v <= 0xff;
    case Dtype::Val::uint16: return v >= 0 && v <= 0xffff;
    case Dtype::Val::uint32: return v >= 0 && v <= 0xffffffffLL;
    case Dtype::Val::uint64: return v >= 0;
    case Dtype::Val::int8: return v >= -128 && v <= 127;
    case Dtype::Val::int16: return v >= -32768 && v <= 32767;
    case Dtype::Val::int32: return v >= INT32_MIN && v <= INT32_MAX;
    default: return true;
  }
}

/// A fill value, as MLX converts it with a dtype hint: Python ints take the
/// dtype (checked for overflow; bool gives int32), floats take it only if it is
/// a float type, complex is always complex64, and mx.array keeps its own dtype.
array fill_value(nb::handle h, std::optional<Dtype> dtype) {
  if (nb::isinstance<array>(h)) return nb::cast<array>(h);
  if (PyBool_Check(h.ptr())) return array(h.ptr() == Py_True, dtype.value_or(bool_));
  if (PyLong_Check(h.ptr())) {
    auto v = nb::cast<int64_t>(h);
    Dtype dflt = (v > INT32_MAX || v < INT32_MIN) ? int64 : int32;
    Dtype t = dtype.value_or(dflt);
    if (is_integral(t) && t != bool_ && !int_in_range(v, t)) {
      throw nb::value_error(msg("Converting ", v, " to ", dtype_name(t),
                                " would result in overflow.").c_str());
    }
    return array(v, t == bool_ ? int32 : t);
  }
  if (PyFloat_Check(h.ptr())) {
    Dtype t = dtype.value_or(float32);
    bool floating = t == float16 || t == bfloat16 || t == float32 || t == float64;
    return array(nb::cast<double>(h), floating ? t : float32);
  }
  if (PyComplex_Check(h.ptr())) return to_array(h, complex64);
  return to_array(h, dtype);
}

using Number = std::variant<nb::int_, nb::float_>;

double number_value(const Number& n) {
  if (auto* i = std::get_if<nb::int_>(&n)) return nb::cast<double>(*i);
  return nb::cast<double>(std::get<nb::float_>(n));
}

Dtype number_dtype(const Number& n) {
  if (auto* i = std::get_if<nb::int_>(&n)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(i->ptr(), &overflow);
    return (overflow || v > INT32_MAX || v < INT32_MIN) ? int64 : int32;
  }
  return float32;
}

/// A linspace endpoint: a Python number or a size-1 array.
double endpoint_value(nb::handle h) {
  if (nb::isinstance<array>(h)) return nb::cast<array>(h).item<double>();
  return nb::cast<double>(h);
}

}  // namespace

void init_ops_creation(nb::module_& m) {
  m.def("zeros",
        [](nb::handle shape, std::optional<Dtype> dtype, StreamArg s) {
          lx::sites::PublicOp tag("zeros");
          return zeros(to_shape(shape), dtype.value_or(float32), to_sod(s));
        },
        "shape"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
        R"(An array of zeros.

Args:
    shape (int | Sequence[int]): The shape of the result.
    dtype (Dtype | None): The type of the result; ``float32`` when None.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: The zero-filled array.)");
  m.def("ones",
        [](nb::handle shape, std::optional<Dtype> dtype, StreamArg s) {
          lx::sites::PublicOp tag("ones");
          return ones(to_shape(shape), dtype.value_or(float32), to_sod(s));
        },
        "shape"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
        R"(An array of ones.

Args:
    shape (int | Sequence[int]): The shape of the result.
    dtype (Dtype | None): The type of the result; ``float32`` when None.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: The array of ones.)");
  m.def("full",
        [](nb::handle shape, const ScalarOrArray& vals, std::optional<Dtype> dtype,
           StreamArg s) {
          lx::sites::PublicOp tag("full");
          auto v = fill_value(vals, dtype);
          return full(to_shape(shape), v, v.dtype(), to_sod(s));
        },
        "shape"_a, "vals"_a, "dtype"_a = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(), R"(An array filled with ``vals``.

Args:
    shape (int | Sequence[int]): The shape of the result.
    vals (scalar | array): The fill value, broadcast to ``shape``.
    dtype (Dtype | None): The type of the result; that of ``vals`` when None.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: The filled array.)");
  m.def("empty",
        [](nb::handle shape, std::optional<Dtype> dtype, StreamArg s) {
          lx::sites::PublicOp tag("empty");
          return zeros(to_shape(shape), dtype.value_or(float32), to_sod(s));
        },
        "shape"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
        "An array of the given shape (zero-filled, as in MLX).");
  m.def("zeros_like",
        [](const array& a, std::optional<Dtype> dtype, StreamArg s) {
          lx::sites::PublicOp tag("zeros_like");
          return zeros_like(a, dtype.value_or(a.dtype()), to_sod(s));
        },
        nb::arg("a"), "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
        "Zeros shaped like a.");
  m.def("ones_like",
        [](const array& a, std::optional<Dtype> dtype, StreamArg s) {
          lx::sites::PublicOp tag("ones_like");
          return ones_like(a, dtype.value_or(a.dtype()), to_sod(s));
        },
        nb::arg("a"), "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
        "Ones shaped like a.");
  m.def("empty_like",
        [](const array& a, std::optional<Dtype> dtype, StreamArg s) {
          lx::sites::PublicOp tag("empty_like");
          return zeros_like(a, dtype.value_or(a.dtype()), to_sod(s));
        },
        nb::arg("a"), "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
        "An array shaped like a (zero-filled, as in MLX).");
  m.def("full_like",
        [](const array& a, const ScalarOrArray& vals, std::optional<Dtype> dtype,
           StreamArg s) {
          lx::sites::PublicOp tag("full_like");
          Dtype t = dtype.value_or(a.dtype());
          return full_like(a, fill_value(vals, t), t, to_sod(s));
        },
        "a"_a, "vals"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
        "vals broadcast to the shape of a, in a's dtype unless dtype is given.");

  // arange(start, stop[, step]) or arange(stop[, step]): ints give int32 (int64
  // when a value needs it), floats give float32.
  // `stop` must be passed but may be None (MLX: arange(-3, None, -1) counts to -3),
  // so arange(start=1, step=2) matches neither overload.
  m.def("arange",
        [](const Number& first, const std::optional<Number>& stop,
           const std::optional<Number>& step, std::optional<Dtype> dtype, StreamArg s) {
          lx::sites::PublicOp tag("arange");
          const Number& end = stop ? *stop : first;
          Dtype dt = number_dtype(end);
          if (stop) dt = promote_types(dt, number_dtype(first));
          if (step) dt = promote_types(dt, number_dtype(*step));
          return arange(stop ? number_value(first) : 0.0, number_value(end),
                        step ? number_value(*step) : 1.0, dtype.value_or(dt), to_sod(s));
        },
        "start"_a, "stop"_a.none(), "step"_a = nb::none(), "dtype"_a = nb::none(),
        nb::kw_only(),
        "stream"_a = nb::none(), R"(Evenly spaced values in ``[start, stop)``.

Integer arguments give ``int32`` (``int64`` when a value needs it); a float
argument gives ``float32``.

Args:
    start (int | float): The first value (the end of ``[0, start)`` when ``stop``
        is None).
    stop (int | float | None): The end of the interval, excluded.
    step (int | float | None): The spacing; 1 when None.
    dtype (Dtype | None): The type of the result.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: A 1-D array of ``ceil((stop - start) / step)`` values.)");
  m.def("arange",
        [](const Number& stop, const std::optional<Number>& step, std::optional<Dtype> dtype,
           StreamArg s) {
          lx::sites::PublicOp tag("arange");
          Dtype dt = number_dtype(stop);
          if (step) dt = promote_types(dt, number_dtype(*step));
          return arange(0.0, number_value(stop), step ? number_value(*step) : 1.0,
                        dtype.value_or(dt), to_sod(s));
        },
        "stop"_a, "step"_a = nb::none(), "dtype"_a = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(), R"(Evenly spaced values in ``[0, stop)``.

Args:
    stop (int | float): The end of the interval, excluded.
    step (int | float | None): The spacing; 1 when None.
    dtype (Dtype | None): The type of the result.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: A 1-D array of ``ceil(stop / step)`` values.)");
  m.def("linspace",
        [](nb::handle start, nb::handle stop, int num, bool endpoint,
           std::optional<Dtype> dtype, StreamArg s) {
          lx::sites::PublicOp tag("linspace");
          return linspace(endpoint_value(start), endpoint_value(stop), num, endpoint,
                          dtype.value_or(float32), to_sod(s));
        },
        "start"_a, "stop"_a, "num"_a = 50, "endpoint"_a = true, "dtype"_a = float32,
        "stream"_a = nb::none(), R"(``num`` evenly spaced values from ``start`` to ``stop``.

Args:
    start (scalar): The first value.
    stop (scalar): The last value (or the end of the interval, excluded,
      when ``endpoint`` is False).
    num (int): How many values.
    endpoint (bool): Include ``stop``.
    dtype (Dtype): The type of the result.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: A 1-D array of ``num`` values.)");
  m.def("eye",
        [](int n, std::optional<int> m, int k, std::optional<Dtype> dtype, StreamArg s) {
          lx::sites::PublicOp tag("eye");
          return eye(n, m.value_or(n), k, dtype.value_or(float32), to_sod(s));
        },
        "n"_a, "m"_a = nb::none(), "k"_a = 0, "dtype"_a = float32, nb::kw_only(),
        "stream"_a = nb::none(), R"(Ones on the ``k``-th diagonal, zeros elsewhere.

Args:
    n (int): Number of rows.
    m (int | None): Number of columns; ``n`` when None.
    k (int): The diagonal: 0 the main one, positive above it, negative below.
    dtype (Dtype): The type of the result.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: An ``(n, m)`` array.)");
  m.def("identity",
        [](int n, std::optional<Dtype> dtype, StreamArg s) {
          lx::sites::PublicOp tag("identity");
          return identity(n, dtype.value_or(float32), to_sod(s));
        },
        "n"_a, "dtype"_a = float32, nb::kw_only(), "stream"_a = nb::none(),
        "The n x n identity matrix.");
  m.def("tri",
        [](int n, std::optional<int> m, int k, std::optional<Dtype> dtype, StreamArg s) {
          lx::sites::PublicOp tag("tri");
          return tri(n, m.value_or(n), k, dtype.value_or(float32), to_sod(s));
        },
        "n"_a, "m"_a = nb::none(), "k"_a = 0, "dtype"_a = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(), "Ones at and below the k-th diagonal.");
  m.def("tril",
        [](const array& x, int k, StreamArg s) {
          lx::sites::PublicOp tag("tril"); return tril(x, k, to_sod(s)); },
        "x"_a, "k"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
        "Zero the elements above the k-th diagonal.");
  m.def("triu",
        [](const array& x, int k, StreamArg s) {
          lx::sites::PublicOp tag("triu"); return triu(x, k, to_sod(s)); },
        "x"_a, "k"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
        "Zero the elements below the k-th diagonal.");
  m.def("meshgrid",
        [](nb::args arrays, bool sparse, const std::string& indexing, StreamArg s) {
          lx::sites::PublicOp tag("meshgrid");
          std::vector<array> in;
          for (auto h : arrays) in.push_back(nb::cast<array>(h));
          auto out = meshgrid(in, sparse, indexing, to_sod(s));
          nb::list l;
          for (auto& o : out) l.append(nb::cast(o));
          return nb::tuple(l);
        },
        "arrays"_a, "sparse"_a = false, "indexing"_a = "xy", "stream"_a = nb::none(),
        "Coordinate grids from 1-D coordinate arrays.");
  m.def("asarray",
        [](nb::handle a, std::optional<Dtype> dtype, std::optional<bool> copy) {
          lx::sites::PublicOp tag("asarray");
          // Every conversion copies on this backend, so copy=False cannot be honoured.
          if (copy && !*copy) {
            throw nb::value_error(
                "Unable to avoid copy while creating an array as requested.");
          }
          return to_array(a, dtype);
        },
        "a"_a, "dtype"_a = nb::none(), nb::kw_only(), "copy"_a = nb::none(),
        "Convert to an array (like mx.array).");

  auto window = [&m](const char* name, array (*f)(int, StreamOrDevice)) {
    m.def(name,
          [f, name](int M, StreamArg s) {
            lx::sites::PublicOp tag(name);
            return f(M, to_sod(s));
          },
          "M"_a, nb::kw_only(),
          "stream"_a = nb::none(), "A window function of length M.");
  };
  window("bartlett", &bartlett);
  window("hanning", &hanning);
  window("hamming", &hamming);
  window("blackman", &blackman);
}
