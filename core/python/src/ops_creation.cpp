#include <cmath>

#include "common.h"
#include "engine/ops.h"

using namespace lx;

namespace {

Shape to_shape(nb::handle h) {
  if (PyLong_Check(h.ptr())) return {nb::cast<ShapeElem>(h)};
  Shape s;
  for (auto d : h) s.push_back(nb::cast<ShapeElem>(d));
  return s;
}

}  // namespace

void init_ops_creation(nb::module_& m) {
  m.def("zeros",
        [](nb::handle shape, std::optional<Dtype> dtype, StreamArg s) {
          return zeros(to_shape(shape), dtype.value_or(float32), to_sod(s));
        },
        "shape"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
        "An array of zeros.");
  m.def("ones",
        [](nb::handle shape, std::optional<Dtype> dtype, StreamArg s) {
          return ones(to_shape(shape), dtype.value_or(float32), to_sod(s));
        },
        "shape"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
        "An array of ones.");
  m.def("full",
        [](nb::handle shape, const ScalarOrArray& vals, std::optional<Dtype> dtype,
           StreamArg s) {
          auto v = to_array(vals, std::nullopt);
          return full(to_shape(shape), v, dtype.value_or(v.dtype()), to_sod(s));
        },
        "shape"_a, "vals"_a, "dtype"_a = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(), "An array filled with vals (broadcast to shape).");
  m.def("zeros_like",
        [](const ScalarOrArray& a, StreamArg s) { return zeros_like(arr(a), to_sod(s)); },
        nb::arg("a"), nb::kw_only(), "stream"_a = nb::none(), "Zeros shaped like a.");
  m.def("ones_like",
        [](const ScalarOrArray& a, StreamArg s) { return ones_like(arr(a), to_sod(s)); },
        nb::arg("a"), nb::kw_only(), "stream"_a = nb::none(), "Ones shaped like a.");

  m.def("arange",
        [](nb::handle start, nb::handle stop, nb::handle step,
           std::optional<Dtype> dtype, StreamArg s) {
          // arange(stop) or arange(start, stop[, step]); ints give int32, floats float32.
          bool any_float = false;
          auto value = [&](nb::handle h, double dflt) {
            if (h.is_none()) return dflt;
            if (PyFloat_Check(h.ptr())) any_float = true;
            return nb::cast<double>(h);
          };
          double a = value(start, 0.0);
          double b = value(stop, 0.0);
          double c = value(step, 1.0);
          if (stop.is_none()) {
            b = a;
            a = 0.0;
          }
          Dtype dt = dtype.value_or(any_float ? float32 : int32);
          return arange(a, b, c, dt, to_sod(s));
        },
        "start"_a, "stop"_a = nb::none(), "step"_a = nb::none(), nb::kw_only(),
        "dtype"_a = nb::none(), "stream"_a = nb::none(),
        "Evenly spaced values in [start, stop).");
}
