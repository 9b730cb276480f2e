#include <nanobind/stl/complex.h>

#include <sstream>

#include "common.h"
#include "engine/ops.h"
#include "engine/print.h"
#include "engine/transforms.h"
#include "engine/utils.h"

using namespace lx;

namespace {

// ---- buffer protocol ----

struct BufferInfo {
  array keep;  // the buffer stays valid even if the Python object is overwritten
  std::vector<Py_ssize_t> shape, strides;
};

const char* buffer_format(Dtype d) {
  switch (d.val) {
    case Dtype::Val::bool_: return "?";
    case Dtype::Val::uint8: return "B";
    case Dtype::Val::uint16: return "H";
    case Dtype::Val::uint32: return "I";
    case Dtype::Val::uint64: return "Q";
    case Dtype::Val::int8: return "b";
    case Dtype::Val::int16: return "h";
    case Dtype::Val::int32: return "i";
    case Dtype::Val::int64: return "q";
    case Dtype::Val::float16: return "e";
    case Dtype::Val::float32: return "f";
    case Dtype::Val::float64: return "d";
    case Dtype::Val::complex64: return "Zf";
    case Dtype::Val::bfloat16: return nullptr;
  }
  return nullptr;
}

int array_getbuffer(PyObject* obj, Py_buffer* view, int flags) {
  try {
    auto& a = nb::cast<array&>(nb::handle(obj));
    if (a.dtype() == bfloat16) {
      PyErr_SetString(PyExc_BufferError,
                      "bfloat16 has no PEP 3118 buffer format: use np.array(a) "
                      "(through ml_dtypes) or a.view(mx.uint16).");
      return -1;
    }
    {
      nb::gil_scoped_release release;
      a.eval();
    }
    auto* info = new BufferInfo{a, {}, {}};
    for (int i = 0; i < a.ndim(); ++i) {
      info->shape.push_back(a.shape(i));
      info->strides.push_back(a.strides(i) * static_cast<Py_ssize_t>(a.itemsize()));
    }
    view->buf = a.raw_data();
    view->obj = obj;
    Py_INCREF(obj);
    view->len = static_cast<Py_ssize_t>(a.nbytes());
    view->readonly = 0;
    view->itemsize = static_cast<Py_ssize_t>(a.itemsize());
    view->format = (flags & PyBUF_FORMAT) ? const_cast<char*>(buffer_format(a.dtype())) : nullptr;
    view->ndim = a.ndim();
    view->shape = info->shape.data();
    view->strides = info->strides.data();
    view->suboffsets = nullptr;
    view->internal = info;
    return 0;
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_BufferError, e.what());
    return -1;
  }
}

void array_releasebuffer(PyObject*, Py_buffer* view) {
  delete static_cast<BufferInfo*>(view->internal);
}

PyType_Slot array_slots[] = {
    {Py_bf_getbuffer, reinterpret_cast<void*>(array_getbuffer)},
    {Py_bf_releasebuffer, reinterpret_cast<void*>(array_releasebuffer)},
    {0, nullptr}};

std::string array_repr(array& a) {
  std::ostringstream os;
  {
    nb::gil_scoped_release release;
    a.eval();
  }
  print_array(os, a);
  return os.str();
}

// Operators: each op gets the Python operands and resolves weak scalars.
using BinaryFn = array (*)(const array&, const array&, StreamOrDevice);

template <BinaryFn F>
array forward(const array& a, nb::handle b) {
  auto [x, y] = to_arrays(nb::cast(a), b);
  return F(x, y, {});
}

template <BinaryFn F>
array reflected(const array& a, nb::handle b) {
  auto [y, x] = to_arrays(b, nb::cast(a));
  return F(y, x, {});
}

template <BinaryFn F>
nb::object inplace(nb::handle self, nb::handle b) {
  auto& a = nb::cast<array&>(self);
  auto [x, y] = to_arrays(self, b);
  a.overwrite_descriptor(F(x, y, {}));
  return nb::borrow(self);
}

void check_not_float(const array& a, nb::handle b, const char* what) {
  auto [x, y] = to_arrays(nb::cast(a), b);
  if (is_inexact(x.dtype()) || is_inexact(y.dtype())) {
    throw nb::value_error(
        msg("Floating point types not allowed with bitwise ", what, ".").c_str());
  }
}

bool comparable(nb::handle b) {
  return nb::isinstance<array>(b) || is_python_scalar(b) ||
         nb::hasattr(b, "__mlx_array__") ||
         (PyObject_CheckBuffer(b.ptr()) && !PyBytes_Check(b.ptr())) ||
         nb::hasattr(b, "__array__");
}

std::vector<int> axes_from_args(nb::args args) {
  std::vector<int> axes;
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) {
    for (auto h : args[0]) axes.push_back(nb::cast<int>(h));
  } else {
    for (auto h : args) axes.push_back(nb::cast<int>(h));
  }
  return axes;
}

}  // namespace

void init_array(nb::module_& m) {
  nb::class_<array> cls(m, "array", nb::type_slots(array_slots),
                        "An N-dimensional array: a node of the lazy compute graph.");
  cls.def("__init__",
          [](array* self, nb::handle val, std::optional<Dtype> dtype) {
            new (self) array(to_array(val, dtype));
          },
          "val"_a, "dtype"_a = nb::none())
      .def_prop_ro("shape", [](const array& a) {
        nb::list l;
        for (auto d : a.shape()) l.append(d);
        return nb::tuple(l);
      }, "The array's dimensions as a tuple.")
      .def_prop_ro("dtype", &array::dtype, "The array's element type.")
      .def_prop_ro("ndim", &array::ndim, "Number of dimensions.")
      .def_prop_ro("size", &array::size, "Number of elements.")
      .def_prop_ro("itemsize", &array::itemsize, "Bytes per element.")
      .def_prop_ro("nbytes", &array::nbytes, "Bytes of all elements.")
      .def_prop_ro("T", [](const array& a) { return transpose(a); },
                   "The array with its axes reversed.")
      .def_prop_ro("mT", [](const array& a) {
        if (a.ndim() < 2) {
          throw nb::value_error("[mT] Array must have at least 2 dimensions.");
        }
        std::vector<int> axes(a.ndim());
        for (int i = 0; i < a.ndim(); ++i) axes[i] = i;
        std::swap(axes[a.ndim() - 1], axes[a.ndim() - 2]);
        return transpose(a, axes);
      }, "The array with its last two axes swapped.")
      .def_prop_ro("real", [](const array& a) { return real(a); })
      .def_prop_ro("imag", [](const array& a) { return imag(a); })
      .def("item", [](array& a) {
        nb::object r;
        r = to_scalar(a);
        return r;
      }, "The single element as a Python scalar (evaluates).")
      .def("tolist", [](array& a) { return to_list(a); },
           "Nested lists of Python scalars (evaluates).")
      .def("astype",
           [](const array& a, Dtype dtype, StreamArg s) { return astype(a, dtype, to_sod(s)); },
           "dtype"_a, "stream"_a = nb::none(), "Cast to another dtype.")
      .def("reshape",
           [](const array& a, nb::args shape, StreamArg stream) {
             Shape sh;
             if (shape.size() == 1 && !PyLong_Check(shape[0].ptr())) {
               for (auto h : shape[0]) sh.push_back(nb::cast<ShapeElem>(h));
             } else {
               for (auto h : shape) sh.push_back(nb::cast<ShapeElem>(h));
             }
             return reshape(a, sh, to_sod(stream));
           },
           "shape"_a, "stream"_a = nb::none(),
           "Reshape; the shape may be given as a tuple or as separate ints.")
      .def("transpose",
           [](const array& a, nb::args axes, StreamArg stream) {
             if (axes.size() == 0) return transpose(a, to_sod(stream));
             return transpose(a, axes_from_args(axes), to_sod(stream));
           },
           "axes"_a, "stream"_a = nb::none(), "Permute the axes.")
      .def("__repr__", &array_repr)
      .def("__str__", &array_repr)
      .def("__len__", [](const array& a) {
        if (a.ndim() == 0) throw nb::type_error("len() 0-dimensional array.");
        return a.shape(0);
      })
      .def("__bool__", [](array& a) { return nb::cast<bool>(nb::bool_(to_scalar(a))); })
      .def("__int__", [](array& a) { return nb::int_(to_scalar(a)); })
      .def("__float__", [](array& a) { return nb::float_(to_scalar(a)); })
      .def("__complex__", [](array& a) {
        nb::object s = to_scalar(a);
        return nb::steal(PyComplex_FromDoubles(
            nb::cast<std::complex<double>>(s).real(),
            nb::cast<std::complex<double>>(s).imag()));
      })
      .def("__index__", [](array& a) {
        if (a.ndim() != 0 || !is_integral(a.dtype())) {
          throw nb::type_error("Only 0-dimensional integer arrays can be used as an index.");
        }
        return nb::int_(to_scalar(a));
      })
      .def("__format__", [](array& a, const std::string& spec) -> nb::object {
        if (spec.empty()) return nb::str(array_repr(a).c_str());
        if (a.ndim() != 0) {
          throw nb::type_error("unsupported format string passed to mlx.core.array.__format__");
        }
        std::string f = "{:" + spec + "}";
        return nb::str(f.c_str()).attr("format")(to_scalar(a));
      })
      .def("__hash__", [](nb::handle self) { return reinterpret_cast<intptr_t>(self.ptr()); })
      .def("__array__",
           [](array& a, nb::handle dtype, std::optional<bool> copy) {
             nb::object out;
             {
               out = to_numpy(a, copy.value_or(false));
             }
             if (!dtype.is_none()) out = out.attr("astype")(dtype);
             return out;
           },
           "dtype"_a = nb::none(), "copy"_a = nb::none())
      .def("__array_namespace__", [](nb::handle, nb::args, nb::kwargs) {
        return nb::module_::import_("lumex.core");
      })
      .def("__copy__", [](const array& a) { return copy(a); })
      .def("__deepcopy__", [](const array& a, nb::handle) { return copy(a); }, "memo"_a)
      .def("__getstate__", [](array& a) {
        auto np = to_numpy(a, true);
        return nb::make_tuple(np, static_cast<int>(a.dtype().val));
      })
      .def("__setstate__", [](array& self, nb::tuple state) {
        auto dt = dtype_from_val(static_cast<Dtype::Val>(nb::cast<int>(state[1])));
        new (&self) array(to_array(state[0], dt));
      })
      .def("__add__", &forward<add>)
      .def("__sub__", &forward<subtract>)
      .def("__mul__", &forward<multiply>)
      .def("__truediv__", &forward<divide>)
      .def("__div__", &forward<divide>)
      .def("__floordiv__", &forward<floor_divide>)
      .def("__mod__", &forward<remainder>)
      .def("__pow__", &forward<power>)
      .def("__radd__", &reflected<add>)
      .def("__rsub__", &reflected<subtract>)
      .def("__rmul__", &reflected<multiply>)
      .def("__rtruediv__", &reflected<divide>)
      .def("__rdiv__", &reflected<divide>)
      .def("__rfloordiv__", &reflected<floor_divide>)
      .def("__rmod__", &reflected<remainder>)
      .def("__rpow__", &reflected<power>)
      .def("__iadd__", &inplace<add>)
      .def("__isub__", &inplace<subtract>)
      .def("__imul__", &inplace<multiply>)
      .def("__itruediv__", &inplace<divide>)
      .def("__ifloordiv__", &inplace<floor_divide>)
      .def("__imod__", &inplace<remainder>)
      .def("__ipow__", &inplace<power>)
      .def("__and__", [](const array& a, nb::handle b) {
        check_not_float(a, b, "and");
        return forward<bitwise_and>(a, b);
      })
      .def("__or__", [](const array& a, nb::handle b) {
        check_not_float(a, b, "or");
        return forward<bitwise_or>(a, b);
      })
      .def("__xor__", [](const array& a, nb::handle b) {
        check_not_float(a, b, "xor");
        return forward<bitwise_xor>(a, b);
      })
      .def("__lshift__", [](const array& a, nb::handle b) {
        check_not_float(a, b, "left shift");
        return forward<left_shift>(a, b);
      })
      .def("__rshift__", [](const array& a, nb::handle b) {
        check_not_float(a, b, "right shift");
        return forward<right_shift>(a, b);
      })
      .def("__iand__", [](nb::handle self, nb::handle b) {
        check_not_float(nb::cast<array&>(self), b, "and");
        return inplace<bitwise_and>(self, b);
      })
      .def("__ior__", [](nb::handle self, nb::handle b) {
        check_not_float(nb::cast<array&>(self), b, "or");
        return inplace<bitwise_or>(self, b);
      })
      .def("__ixor__", [](nb::handle self, nb::handle b) {
        check_not_float(nb::cast<array&>(self), b, "xor");
        return inplace<bitwise_xor>(self, b);
      })
      .def("__ilshift__", [](nb::handle self, nb::handle b) {
        check_not_float(nb::cast<array&>(self), b, "left shift");
        return inplace<left_shift>(self, b);
      })
      .def("__irshift__", [](nb::handle self, nb::handle b) {
        check_not_float(nb::cast<array&>(self), b, "right shift");
        return inplace<right_shift>(self, b);
      })
      .def("__neg__", [](const array& a) { return negative(a); })
      .def("__pos__", [](const array& a) { return a; })
      .def("__abs__", [](const array& a) { return abs(a); })
      .def("__invert__", [](const array& a) {
        if (is_inexact(a.dtype())) {
          throw nb::value_error("Floating point types not allowed with bitwise inversion.");
        }
        return a.dtype() == bool_ ? logical_not(a) : bitwise_invert(a);
      })
      .def("__eq__", [](const array& a, nb::handle b) -> nb::object {
        if (!comparable(b)) {
          if (b.is_none()) throw nb::type_error("Cannot compare an array with None.");
          return nb::bool_(false);
        }
        return nb::cast(forward<equal>(a, b));
      })
      .def("__ne__", [](const array& a, nb::handle b) -> nb::object {
        if (!comparable(b)) {
          if (b.is_none()) throw nb::type_error("Cannot compare an array with None.");
          return nb::bool_(true);
        }
        return nb::cast(forward<not_equal>(a, b));
      })
      .def("__lt__", &forward<less>)
      .def("__le__", &forward<less_equal>)
      .def("__gt__", &forward<greater>)
      .def("__ge__", &forward<greater_equal>);

  // Method forms of unary ops, as MLX has them.
#define LUMEX_UNARY_METHOD(NAME)                                          \
  cls.def(#NAME, [](const array& a, StreamArg s) { return NAME(a, to_sod(s)); }, \
          nb::kw_only(), "stream"_a = nb::none());
  LUMEX_UNARY_METHOD(abs)
  LUMEX_UNARY_METHOD(exp)
  LUMEX_UNARY_METHOD(log)
  LUMEX_UNARY_METHOD(log2)
  LUMEX_UNARY_METHOD(log10)
  LUMEX_UNARY_METHOD(log1p)
  LUMEX_UNARY_METHOD(sin)
  LUMEX_UNARY_METHOD(cos)
  LUMEX_UNARY_METHOD(sqrt)
  LUMEX_UNARY_METHOD(rsqrt)
  LUMEX_UNARY_METHOD(square)
  LUMEX_UNARY_METHOD(reciprocal)
#undef LUMEX_UNARY_METHOD
  cls.def("conj", [](const array& a, StreamArg s) { return conjugate(a, to_sod(s)); },
          nb::kw_only(), "stream"_a = nb::none());
  cls.def("round",
          [](const array& a, int decimals, StreamArg s) { return round(a, decimals, to_sod(s)); },
          "decimals"_a = 0, nb::kw_only(), "stream"_a = nb::none());
}
