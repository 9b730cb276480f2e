#include <nanobind/stl/complex.h>

#include <sstream>

#include "common.h"
#include "engine/events.h"
#include "engine/ops.h"
#include "engine/print.h"
#include "engine/eval.h"
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
      EvalTrigger trig(TriggerKind::buffer);
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
    EvalTrigger trig(TriggerKind::repr);
    nb::gil_scoped_release release;
    a.eval();
  }
  print_array(os, a);
  return os.str();
}

// Operators: each op gets the Python operands and resolves weak scalars. `Name`
// is MLX's operation name for the "Cannot perform <name> on ..." error.
using BinaryFn = array (*)(const array&, const array&, StreamOrDevice);

// The other operand of every binary operator, as MLX's stubs spell it.
#define LUMEX_OPERAND \
  "bool | int | float | lumex.core.array | ndarray[writable=False] | complex | lumex.core.ArrayLike"
#define LUMEX_BINARY_SIG(NAME) \
  nb::sig("def " NAME "(self, other: " LUMEX_OPERAND ") -> lumex.core.array")

#define LUMEX_OP_NAME(ID, TEXT) constexpr char ID[] = TEXT;
LUMEX_OP_NAME(kAdd, "addition")
LUMEX_OP_NAME(kSub, "subtraction")
LUMEX_OP_NAME(kMul, "multiplication")
LUMEX_OP_NAME(kDiv, "division")
LUMEX_OP_NAME(kFloorDiv, "floor division")
LUMEX_OP_NAME(kMod, "modulus")
LUMEX_OP_NAME(kPow, "power")
LUMEX_OP_NAME(kAnd, "bitwise and")
LUMEX_OP_NAME(kOr, "bitwise or")
LUMEX_OP_NAME(kXor, "bitwise xor")
LUMEX_OP_NAME(kLShift, "left shift")
LUMEX_OP_NAME(kRShift, "right shift")
LUMEX_OP_NAME(kLt, "less than")
LUMEX_OP_NAME(kLe, "less than or equal")
LUMEX_OP_NAME(kGt, "greater than")
LUMEX_OP_NAME(kGe, "greater than or equal")
LUMEX_OP_NAME(kEq, "equal")
LUMEX_OP_NAME(kNe, "not equal")
LUMEX_OP_NAME(kIAdd, "inplace addition")
LUMEX_OP_NAME(kISub, "inplace subtraction")
LUMEX_OP_NAME(kIMul, "inplace multiplication")
LUMEX_OP_NAME(kIDiv, "inplace division")
LUMEX_OP_NAME(kIFloorDiv, "inplace floor division")
LUMEX_OP_NAME(kIMod, "inplace modulus")
LUMEX_OP_NAME(kIPow, "inplace power")
LUMEX_OP_NAME(kIAnd, "inplace bitwise and")
LUMEX_OP_NAME(kIOr, "inplace bitwise or")
LUMEX_OP_NAME(kIXor, "inplace bitwise xor")
LUMEX_OP_NAME(kILShift, "inplace left shift")
LUMEX_OP_NAME(kIRShift, "inplace right shift")
#undef LUMEX_OP_NAME

// The other operand of `self op b`, typed against self (same rules as to_arrays,
// without wrapping self in a new Python object on this hot path).
array other_operand(const array& a, nb::handle b, const char* name) {
  if (nb::isinstance<array>(b)) return nb::cast<array>(b);
  return to_array_like(b, &a, name);
}

template <BinaryFn F, const char* Name>
array forward(const array& a, nb::handle b) {
  return F(a, other_operand(a, b, Name), {});
}

template <BinaryFn F, const char* Name>
array reflected(const array& a, nb::handle b) {
  return F(other_operand(a, b, Name), a, {});
}

template <BinaryFn F, const char* Name>
nb::object inplace(nb::handle self, nb::handle b) {
  auto& a = nb::cast<array&>(self);
  auto [x, y] = to_arrays(self, b, Name);
  a.overwrite_descriptor(F(x, y, {}));
  return nb::borrow(self);
}

// Bitwise ops reject floating point operands ("... with bitwise and.").
template <BinaryFn F, const char* Name, bool Inplace>
nb::object bitwise(nb::handle self, nb::handle b, const char* what) {
  auto& a = nb::cast<array&>(self);
  auto [x, y] = to_arrays(self, b, Name);
  if (is_inexact(x.dtype()) || is_inexact(y.dtype())) {
    throw nb::value_error(
        msg("Floating point types not allowed with ", what, ".").c_str());
  }
  if constexpr (Inplace) {
    a.overwrite_descriptor(F(x, y, {}));
    return nb::borrow(self);
  } else {
    return nb::cast(F(x, y, {}));
  }
}

std::vector<int> axes_from_args(nb::args args) {
  std::vector<int> axes;
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) {
    for (auto h : args[0]) axes.push_back(cast_arg<int>(h, "axes"));
  } else {
    for (auto h : args) axes.push_back(cast_arg<int>(h, "axes"));
  }
  return axes;
}

}  // namespace

void add_dlpack_methods(nb::class_<array>& cls);  // dlpack.cpp

namespace {
/// A name for annotations only, as in MLX: no instances, nothing is one.
struct ArrayLike {};
}  // namespace

void init_array(nb::module_& m) {
  nb::class_<ArrayLike>(m, "ArrayLike",
                        "Any Python object which has an ``__mlx_array__`` method that\n"
                        "returns an :obj:`array`.");
  nb::class_<array> cls(m, "array", nb::type_slots(array_slots), nb::is_weak_referenceable(),
                        "An N-dimensional array: a node of the lazy compute graph.");
  cls.def("__init__",
          [](array* self, nb::handle val, std::optional<Dtype> dtype) {
            new (self) array(to_array(val, dtype));
          },
          "val"_a, "dtype"_a = nb::none(),
          nb::sig("def __init__(self: array, val: scalar | list | tuple | DLPackCompatible | array, "
                  "dtype: Dtype | None = None)"))
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
          throw nb::value_error(
              "[matrix_transpose] Input array must have at least 2 dimensions.");
        }
        std::vector<int> axes(a.ndim());
        for (int i = 0; i < a.ndim(); ++i) axes[i] = i;
        std::swap(axes[a.ndim() - 1], axes[a.ndim() - 2]);
        return transpose(a, axes);
      }, "The array with its last two axes swapped.")
      .def_prop_ro("real", [](const array& a) { return real(a); })
      .def_prop_ro("imag", [](const array& a) { return imag(a); })
      .def("item", [](array& a) {
        EvalTrigger trig(TriggerKind::item);
        nb::object r;
        r = to_scalar(a);
        return r;
      }, "The single element as a Python scalar (evaluates).")
      .def("tolist", [](array& a) {
             EvalTrigger trig(TriggerKind::tolist);
             return to_list(a);
           },
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
      .def("__bool__", [](array& a) {
        EvalTrigger trig(TriggerKind::bool_);
        return nb::cast<bool>(nb::bool_(to_scalar(a)));
      })
      .def("__int__", [](array& a) {
        EvalTrigger trig(TriggerKind::int_);
        return nb::int_(to_scalar(a));
      })
      .def("__float__", [](array& a) {
        EvalTrigger trig(TriggerKind::float_);
        return nb::float_(to_scalar(a));
      })
      .def("__complex__", [](array& a) {
        EvalTrigger trig(TriggerKind::complex_);
        nb::object s = to_scalar(a);
        return nb::steal(PyComplex_FromDoubles(
            nb::cast<std::complex<double>>(s).real(),
            nb::cast<std::complex<double>>(s).imag()));
      })
      .def("__index__", [](array& a) {
        if (a.ndim() != 0 || !is_integral(a.dtype())) {
          throw nb::type_error(
              "Only 0-dimensional integer arrays can be converted to an index.");
        }
        EvalTrigger trig(TriggerKind::index);
        return nb::int_(to_scalar(a));
      })
      .def("__format__", [](array& a, nb::handle spec) -> nb::object {
        // Scalars format like the Python scalar; other arrays only with "".
        EvalTrigger trig(TriggerKind::format);
        if (a.ndim() == 0) {
          return nb::steal(PyObject_Format(to_scalar(a).ptr(), spec.ptr()));
        }
        if (nb::len(spec) == 0) return nb::str(array_repr(a).c_str());
        throw nb::type_error("unsupported format string passed to mx.array.__format__");
      })
      .def("__hash__", [](nb::handle self) { return reinterpret_cast<intptr_t>(self.ptr()); })
      .def("__array__",
           [](array& a, nb::handle dtype, nb::handle copy) {
             // NumPy applies the dtype (and copies) itself where needed.
             EvalTrigger trig(TriggerKind::numpy);
             nb::object out = to_numpy(a, !copy.is_none() && nb::cast<bool>(copy));
             if (!dtype.is_none()) {
               out = out.attr("astype")(dtype, "copy"_a = false);
             }
             return out;
           },
           "dtype"_a = nb::none(), "copy"_a = nb::none())
      .def("__array_namespace__", [](nb::handle, nb::args, nb::kwargs) {
        return nb::module_::import_("lumex.core");
      })
      .def("__bytes__", [](array& a) {
        EvalTrigger trig(TriggerKind::bytes);
        {
          nb::gil_scoped_release release;
          a.eval();
        }
        auto c = contiguous(a);
        {
          nb::gil_scoped_release release;
          c.eval();
        }
        return nb::bytes(static_cast<const char*>(c.raw_data()), c.nbytes());
      })
      .def("__copy__", [](const array& a) { return copy(a); })
      .def("__deepcopy__", [](const array& a, nb::handle) { return copy(a); }, "memo"_a)
      .def("__getstate__", [](array& a) {
        // (NumPy array, dtype enum): bfloat16 travels as its uint16 bits.
        EvalTrigger trig(TriggerKind::pickle);
        auto np = to_numpy(a, true, /*bf16_bits=*/true);
        return nb::make_tuple(np, static_cast<int>(a.dtype().val));
      })
      .def("__setstate__", [](array& self, nb::tuple state) {
        auto dt = dtype_from_val(static_cast<Dtype::Val>(nb::cast<int>(state[1])));
        if (dt == bfloat16) {
          auto bits = to_array(state[0], uint16);
          new (&self) array(view(bits, bfloat16));
        } else {
          new (&self) array(to_array(state[0], dt));
        }
      })
      .def("__add__", &forward<add, kAdd>,
           LUMEX_BINARY_SIG("__add__"))
      .def("__sub__", &forward<subtract, kSub>,
           LUMEX_BINARY_SIG("__sub__"))
      .def("__mul__", &forward<multiply, kMul>,
           LUMEX_BINARY_SIG("__mul__"))
      .def("__truediv__", &forward<divide, kDiv>,
           LUMEX_BINARY_SIG("__truediv__"))
      .def("__div__", &forward<divide, kDiv>,
           LUMEX_BINARY_SIG("__div__"))
      .def("__floordiv__", &forward<floor_divide, kFloorDiv>,
           LUMEX_BINARY_SIG("__floordiv__"))
      .def("__mod__", &forward<remainder, kMod>,
           LUMEX_BINARY_SIG("__mod__"))
      .def("__pow__", &forward<power, kPow>,
           LUMEX_BINARY_SIG("__pow__"))
      .def("__radd__", &reflected<add, kAdd>,
           LUMEX_BINARY_SIG("__radd__"))
      .def("__rsub__", &reflected<subtract, kSub>,
           LUMEX_BINARY_SIG("__rsub__"))
      .def("__rmul__", &reflected<multiply, kMul>,
           LUMEX_BINARY_SIG("__rmul__"))
      .def("__rtruediv__", &reflected<divide, kDiv>,
           LUMEX_BINARY_SIG("__rtruediv__"))
      .def("__rdiv__", &reflected<divide, kDiv>,
           LUMEX_BINARY_SIG("__rdiv__"))
      .def("__rfloordiv__", &reflected<floor_divide, kFloorDiv>,
           LUMEX_BINARY_SIG("__rfloordiv__"))
      .def("__rmod__", &reflected<remainder, kMod>,
           LUMEX_BINARY_SIG("__rmod__"))
      .def("__rpow__", &reflected<power, kPow>,
           LUMEX_BINARY_SIG("__rpow__"))
      .def("__iadd__", &inplace<add, kIAdd>,
           LUMEX_BINARY_SIG("__iadd__"))
      .def("__isub__", &inplace<subtract, kISub>,
           LUMEX_BINARY_SIG("__isub__"))
      .def("__imul__", &inplace<multiply, kIMul>,
           LUMEX_BINARY_SIG("__imul__"))
      .def("__itruediv__",
           [](nb::handle self, nb::handle b) {
             if (!is_inexact(nb::cast<array&>(self).dtype())) {
               throw nb::value_error(
                   "In place division cannot cast to non-floating point type.");
             }
             return inplace<divide, kIDiv>(self, b);
           },
           LUMEX_BINARY_SIG("__itruediv__"))
      .def("__ifloordiv__", &inplace<floor_divide, kIFloorDiv>,
           LUMEX_BINARY_SIG("__ifloordiv__"))
      .def("__imod__", &inplace<remainder, kIMod>,
           LUMEX_BINARY_SIG("__imod__"))
      .def("__ipow__", &inplace<power, kIPow>,
           LUMEX_BINARY_SIG("__ipow__"))
      .def("__and__", [](nb::handle a, nb::handle b) {
        return bitwise<bitwise_and, kAnd, false>(a, b, "bitwise and");
      },
           LUMEX_BINARY_SIG("__and__"))
      .def("__or__", [](nb::handle a, nb::handle b) {
        return bitwise<bitwise_or, kOr, false>(a, b, "bitwise or");
      },
           LUMEX_BINARY_SIG("__or__"))
      .def("__xor__", [](nb::handle a, nb::handle b) {
        return bitwise<bitwise_xor, kXor, false>(a, b, "bitwise xor");
      },
           LUMEX_BINARY_SIG("__xor__"))
      .def("__lshift__", [](nb::handle a, nb::handle b) {
        return bitwise<left_shift, kLShift, false>(a, b, "left shift");
      },
           LUMEX_BINARY_SIG("__lshift__"))
      .def("__rshift__", [](nb::handle a, nb::handle b) {
        return bitwise<right_shift, kRShift, false>(a, b, "right shift");
      },
           LUMEX_BINARY_SIG("__rshift__"))
      .def("__iand__", [](nb::handle a, nb::handle b) {
        return bitwise<bitwise_and, kIAnd, true>(a, b, "bitwise and");
      },
           LUMEX_BINARY_SIG("__iand__"))
      .def("__ior__", [](nb::handle a, nb::handle b) {
        return bitwise<bitwise_or, kIOr, true>(a, b, "bitwise or");
      },
           LUMEX_BINARY_SIG("__ior__"))
      .def("__ixor__", [](nb::handle a, nb::handle b) {
        return bitwise<bitwise_xor, kIXor, true>(a, b, "bitwise xor");
      },
           LUMEX_BINARY_SIG("__ixor__"))
      .def("__ilshift__", [](nb::handle a, nb::handle b) {
        return bitwise<left_shift, kILShift, true>(a, b, "left shift");
      },
           LUMEX_BINARY_SIG("__ilshift__"))
      .def("__irshift__", [](nb::handle a, nb::handle b) {
        return bitwise<right_shift, kIRShift, true>(a, b, "right shift");
      },
           LUMEX_BINARY_SIG("__irshift__"))
      .def("__neg__", [](const array& a) { return negative(a); })
      .def("__pos__", [](const array& a) { return a; })
      .def("__abs__", [](const array& a) { return abs(a); })
      .def("__invert__", [](const array& a) { return invert(a); })
      .def("__eq__", [](const array& a, nb::handle b) -> nb::object {
        // Lists, tuples, strings...: Python's False, not an elementwise result.
        if (!is_comparable_with_array(b)) return nb::bool_(false);
        return nb::cast(forward<equal, kEq>(a, b));
      },
           nb::sig("def __eq__(self, other: " LUMEX_OPERAND ") -> lumex.core.array | bool"))
      .def("__ne__", [](const array& a, nb::handle b) -> nb::object {
        if (!is_comparable_with_array(b)) return nb::bool_(true);
        return nb::cast(forward<not_equal, kNe>(a, b));
      },
           nb::sig("def __ne__(self, other: " LUMEX_OPERAND ") -> lumex.core.array | bool"))
      .def("__lt__", &forward<less, kLt>,
           LUMEX_BINARY_SIG("__lt__"))
      .def("__le__", &forward<less_equal, kLe>,
           LUMEX_BINARY_SIG("__le__"))
      .def("__gt__", &forward<greater, kGt>,
           LUMEX_BINARY_SIG("__gt__"))
      .def("__ge__", &forward<greater_equal, kGe>,
           LUMEX_BINARY_SIG("__ge__"));
  add_dlpack_methods(cls);

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
