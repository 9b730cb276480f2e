#include <cmath>
#include <limits>

#include "common.h"
#include "engine/dtype.h"
#include "engine/ops.h"
#include "engine/utils.h"

using namespace lx;

namespace {

struct Finfo {
  Dtype dtype;
  double min, max, eps, smallest_normal;
  int bits;
};

Finfo finfo(Dtype d) {
  if (d == complex64) d = float32;
  if (!is_floating_point(d)) {
    throw nb::value_error(
        msg("[finfo] dtype ", dtype_name(d), " is not inexact.").c_str());
  }
  switch (d.val) {
    case Dtype::Val::float16: return {d, -65504.0, 65504.0, 0.0009765625, 6.103515625e-05, 16};
    case Dtype::Val::bfloat16:
      return {d, -3.3895313892515355e38, 3.3895313892515355e38, 0.0078125, 1.1754943508222875e-38, 16};
    case Dtype::Val::float32:
      return {d, -std::numeric_limits<float>::max(), std::numeric_limits<float>::max(),
              std::numeric_limits<float>::epsilon(), std::numeric_limits<float>::min(), 32};
    default:
      return {d, -std::numeric_limits<double>::max(), std::numeric_limits<double>::max(),
              std::numeric_limits<double>::epsilon(), std::numeric_limits<double>::min(), 64};
  }
}

struct Iinfo {
  Dtype dtype;
  nb::object min, max;
};

Iinfo iinfo(Dtype d) {
  switch (d.val) {
    case Dtype::Val::uint8: return {d, nb::int_(0), nb::int_(255)};
    case Dtype::Val::uint16: return {d, nb::int_(0), nb::int_(65535)};
    case Dtype::Val::uint32: return {d, nb::int_(0), nb::int_(4294967295ull)};
    case Dtype::Val::uint64: return {d, nb::int_(0), nb::int_(std::numeric_limits<uint64_t>::max())};
    case Dtype::Val::int8: return {d, nb::int_(-128), nb::int_(127)};
    case Dtype::Val::int16: return {d, nb::int_(-32768), nb::int_(32767)};
    case Dtype::Val::int32:
      return {d, nb::int_(std::numeric_limits<int32_t>::min()), nb::int_(std::numeric_limits<int32_t>::max())};
    case Dtype::Val::int64:
      return {d, nb::int_(std::numeric_limits<int64_t>::min()), nb::int_(std::numeric_limits<int64_t>::max())};
    default:
      throw nb::value_error(msg("[iinfo] Only integer types supported but ",
                                dtype_name(d), " was provided")
                                .c_str());
  }
}

std::string fmt_limit(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// Kinds accepted by isdtype, as in the array API standard.
bool isdtype_kind(Dtype d, const std::string& kind) {
  if (kind == "bool") return d == bool_;
  if (kind == "signed integer") return is_signed_int(d);
  if (kind == "unsigned integer") return is_unsigned(d);
  if (kind == "integral") return is_integral(d);
  if (kind == "real floating") return is_floating_point(d);
  if (kind == "complex floating") return is_complex(d);
  if (kind == "numeric") return d != bool_;
  throw nb::value_error(msg("[isdtype] Unknown data type kind: '", kind, "'.").c_str());
}

// As MLX: a cast is safe when promoting the pair gives the target.
bool can_cast(Dtype from, Dtype to) { return promote_types(from, to) == to; }

}  // namespace

void init_dtype(nb::module_& m) {
  nb::class_<Dtype>(m, "Dtype", "An object holding the type of an array's elements.")
      .def_prop_ro("size", [](const Dtype& d) { return d.size; },
                   "Size of the type in bytes.")
      .def("__repr__", [](const Dtype& d) {
        return std::string("lumex.core.") + dtype_name(d);
      })
      .def("__eq__", [](const Dtype& a, nb::handle b) {
        return nb::isinstance<Dtype>(b) && a == nb::cast<Dtype>(b);
      })
      .def("__hash__", [](const Dtype& d) { return static_cast<int>(d.val); });

  m.attr("bool_") = nb::cast(bool_);
  m.attr("uint8") = nb::cast(uint8);
  m.attr("uint16") = nb::cast(uint16);
  m.attr("uint32") = nb::cast(uint32);
  m.attr("uint64") = nb::cast(uint64);
  m.attr("int8") = nb::cast(int8);
  m.attr("int16") = nb::cast(int16);
  m.attr("int32") = nb::cast(int32);
  m.attr("int64") = nb::cast(int64);
  m.attr("float16") = nb::cast(float16);
  m.attr("float32") = nb::cast(float32);
  m.attr("float64") = nb::cast(float64);
  m.attr("bfloat16") = nb::cast(bfloat16);
  m.attr("complex64") = nb::cast(complex64);

  nb::enum_<DtypeCategory>(m, "DtypeCategory", "Abstract groups of dtypes.")
      .value("complexfloating", DtypeCategory::complexfloating)
      .value("floating", DtypeCategory::floating)
      .value("inexact", DtypeCategory::inexact)
      .value("signedinteger", DtypeCategory::signedinteger)
      .value("unsignedinteger", DtypeCategory::unsignedinteger)
      .value("integer", DtypeCategory::integer)
      .value("number", DtypeCategory::number)
      .value("generic", DtypeCategory::generic);
  m.attr("complexfloating") = nb::cast(DtypeCategory::complexfloating);
  m.attr("floating") = nb::cast(DtypeCategory::floating);
  m.attr("inexact") = nb::cast(DtypeCategory::inexact);
  m.attr("signedinteger") = nb::cast(DtypeCategory::signedinteger);
  m.attr("unsignedinteger") = nb::cast(DtypeCategory::unsignedinteger);
  m.attr("integer") = nb::cast(DtypeCategory::integer);
  m.attr("number") = nb::cast(DtypeCategory::number);
  m.attr("generic") = nb::cast(DtypeCategory::generic);

  m.def("issubdtype",
        [](nb::handle a, nb::handle b) {
          auto is_d = [](nb::handle h) { return nb::isinstance<Dtype>(h); };
          auto is_c = [](nb::handle h) { return nb::isinstance<DtypeCategory>(h); };
          if (!is_d(a) && !is_c(a)) {
            throw nb::value_error("[issubdtype] Received invalid type for first input.");
          }
          if (!is_d(b) && !is_c(b)) {
            throw nb::value_error("[issubdtype] Received invalid type for second input.");
          }
          if (is_d(a) && is_d(b)) return issubdtype(nb::cast<Dtype>(a), nb::cast<Dtype>(b));
          if (is_d(a)) return issubdtype(nb::cast<Dtype>(a), nb::cast<DtypeCategory>(b));
          if (is_d(b)) return issubdtype(nb::cast<DtypeCategory>(a), nb::cast<Dtype>(b));
          return issubdtype(nb::cast<DtypeCategory>(a), nb::cast<DtypeCategory>(b));
        },
        "arg1"_a, "arg2"_a,
        nb::sig("def issubdtype(arg1: Dtype | DtypeCategory, arg2: Dtype | DtypeCategory) -> bool"),
        "Check if a dtype or category is a subtype of another.");

  m.def("isdtype",
        [](const Dtype& d, nb::handle kind) {
          auto bad_kind = []() {
            return nb::value_error(
                "[isdtype] `kind` must be a dtype, a string, or a tuple of dtypes "
                "and strings.");
          };
          auto one = [&](nb::handle k) -> bool {
            if (nb::isinstance<Dtype>(k)) return d == nb::cast<Dtype>(k);
            if (PyUnicode_Check(k.ptr())) return isdtype_kind(d, nb::cast<std::string>(k));
            throw bad_kind();
          };
          if (PyTuple_Check(kind.ptr())) {
            bool any = false;
            for (auto k : kind) any = one(k) || any;
            return any;
          }
          return one(kind);
        },
        "dtype"_a, "kind"_a,
        nb::sig("def isdtype(dtype: Dtype, kind: Dtype | str | tuple[Dtype | str, ...]) -> bool"),
        "Check a dtype against a kind: a dtype, a kind name ('bool', 'signed "
        "integer', 'unsigned integer', 'integral', 'real floating', 'complex "
        "floating', 'numeric'), or a tuple of these.");

  m.def("can_cast",
        [](nb::handle from, const Dtype& to) {
          Dtype f = float32;
          if (nb::isinstance<Dtype>(from)) {
            f = nb::cast<Dtype>(from);
          } else if (nb::isinstance<array>(from)) {
            f = nb::cast<array&>(from).dtype();
          } else {
            throw nb::value_error("[can_cast] `from_` must be an array or a dtype.");
          }
          return can_cast(f, to);
        },
        "from_"_a, "to"_a,
        nb::sig("def can_cast(from_: array | Dtype, to: Dtype) -> bool"),
        "Whether ``from_`` converts to ``to`` without losing information.");

  m.def("result_type",
        [](nb::args args) {
          if (args.size() == 0) {
            throw nb::value_error("[result_type] At least one array or dtype is required.");
          }
          std::optional<Dtype> out;
          for (auto a : args) {
            Dtype d = float32;
            if (nb::isinstance<Dtype>(a)) {
              d = nb::cast<Dtype>(a);
            } else if (nb::isinstance<array>(a)) {
              d = nb::cast<array&>(a).dtype();
            } else {
              throw nb::value_error("[result_type] Inputs must be arrays or dtypes.");
            }
            out = out ? promote_types(*out, d) : d;
          }
          return *out;
        },
        nb::sig("def result_type(*arrays_and_dtypes: array | Dtype) -> Dtype"),
        "Result dtype of an operation on the given arrays or dtypes.");

  nb::class_<Finfo>(m, "finfo", "Machine limits of a floating point dtype.")
      .def("__init__", [](Finfo* self, Dtype d) { new (self) Finfo(finfo(d)); })
      .def_ro("min", &Finfo::min)
      .def_ro("max", &Finfo::max)
      .def_ro("eps", &Finfo::eps)
      .def_ro("smallest_normal", &Finfo::smallest_normal)
      .def_ro("bits", &Finfo::bits)
      .def_ro("dtype", &Finfo::dtype)
      .def("__repr__", [](const Finfo& f) {
        return "finfo(min=" + fmt_limit(f.min) + ", max=" + fmt_limit(f.max) +
               ", dtype=" + dtype_name(f.dtype) + ")";
      });

  nb::class_<Iinfo>(m, "iinfo", "Machine limits of an integer dtype.")
      .def("__init__", [](Iinfo* self, Dtype d) { new (self) Iinfo(iinfo(d)); })
      .def_ro("min", &Iinfo::min)
      .def_ro("max", &Iinfo::max)
      .def_ro("dtype", &Iinfo::dtype)
      .def("__repr__", [](const Iinfo& f) {
        return "iinfo(min=" + nb::cast<std::string>(nb::str(f.min)) +
               ", max=" + nb::cast<std::string>(nb::str(f.max)) +
               ", dtype=" + dtype_name(f.dtype) + ")";
      });
}
