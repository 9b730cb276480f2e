#include "convert.h"

#include <nanobind/ndarray.h>
#include <nanobind/stl/complex.h>

#include <climits>
#include <complex>
#include <cstring>
#include <functional>
#include <vector>

#include "engine/ops.h"
#include "engine/eval.h"
#include "engine/utils.h"

using namespace lx;

namespace {

bool is_bool(nb::handle o) { return PyBool_Check(o.ptr()); }
bool is_int(nb::handle o) { return PyLong_Check(o.ptr()) && !PyBool_Check(o.ptr()); }
bool is_float(nb::handle o) { return PyFloat_Check(o.ptr()); }
bool is_complex(nb::handle o) { return PyComplex_Check(o.ptr()); }

// Python int -> int64. MLX fails there with RuntimeError "std::bad_cast" (or a
// TypeError from its argument matching); a TypeError with the value says why.
int64_t int_value(nb::handle o) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o.ptr(), &overflow);
  if (overflow != 0) {
    throw nb::type_error(msg("Python int ", nb::str(o).c_str(),
                             " is out of the int64 range of arrays.").c_str());
  }
  return v;
}

template <typename T>
bool fits(int64_t v) {
  return v >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
         (v < 0 || static_cast<uint64_t>(v) <=
                       static_cast<uint64_t>(std::numeric_limits<T>::max()));
}

bool int_fits(int64_t v, Dtype d) {
  switch (d.val) {
    case Dtype::Val::uint8: return fits<uint8_t>(v);
    case Dtype::Val::uint16: return fits<uint16_t>(v);
    case Dtype::Val::uint32: return fits<uint32_t>(v);
    case Dtype::Val::uint64: return v >= 0;
    case Dtype::Val::int8: return fits<int8_t>(v);
    case Dtype::Val::int16: return fits<int16_t>(v);
    case Dtype::Val::int32: return fits<int32_t>(v);
    default: return true;
  }
}

array int_scalar(nb::handle o, std::optional<Dtype> dtype) {
  int64_t v = int_value(o);
  if (!dtype) {
    return fits<int32_t>(v) ? array(static_cast<int32_t>(v), int32)
                            : array(v, int64);
  }
  return array(v, *dtype);
}

array scalar_to_array(nb::handle o, std::optional<Dtype> dtype) {
  if (is_bool(o)) return array(o.ptr() == Py_True, dtype.value_or(bool_));
  if (is_int(o)) return int_scalar(o, dtype);
  if (is_float(o)) {
    double d = PyFloat_AsDouble(o.ptr());
    Dtype dt = dtype.value_or(float32);
    if (dt == float64) return array(d, dt);
    return array(static_cast<float>(d), dt);  // MLX reads floats as float
  }
  if (is_complex(o)) {
    Py_complex c = PyComplex_AsCComplex(o.ptr());
    return array(complex64_t(static_cast<float>(c.real), static_cast<float>(c.imag)),
                 dtype.value_or(complex64));
  }
  throw nb::type_error("not a scalar");
}

// ---- nested sequences ----

struct ListInfo {
  Shape shape;
  bool any_bool = false, any_int = false, any_float = false, any_complex = false;
  bool int_needs_64 = false;
  bool has_arrays = false;
};

[[noreturn]] void invalid_type(nb::handle o) {
  throw nb::value_error(msg("Invalid type ", nb::type_name(o.type()).c_str(),
                            " received in array initialization.")
                            .c_str());
}

bool is_seq(nb::handle o) { return PyList_Check(o.ptr()) || PyTuple_Check(o.ptr()); }

// The shape follows the first element at each level (an array element adds its
// own shape), as in MLX; validate_list then checks every element against it.
Shape list_shape(nb::handle o) {
  Shape shape;
  nb::object cur = nb::borrow(o);
  while (true) {
    auto n = static_cast<ShapeElem>(PySequence_Size(cur.ptr()));
    shape.push_back(n);
    if (n == 0) break;
    nb::object first = nb::steal(PySequence_GetItem(cur.ptr(), 0));
    if (is_seq(first)) {
      cur = first;
      continue;
    }
    if (nb::isinstance<array>(first)) {
      auto a = nb::cast<array>(first);
      shape.insert(shape.end(), a.shape().begin(), a.shape().end());
    }
    break;
  }
  return shape;
}

// MLX's validate_shape: errors and their order match mlx/python/src/convert.cpp.
void validate_list(nb::handle o, size_t idx, ListInfo& info) {
  if (idx >= info.shape.size()) {
    throw nb::value_error("Initialization encountered extra dimension.");
  }
  auto n = static_cast<ShapeElem>(PySequence_Size(o.ptr()));
  if (n != info.shape[idx]) {
    throw nb::value_error("Initialization encountered non-uniform length.");
  }
  if (n == 0) {
    info.any_float = true;  // an empty level infers float32
    return;
  }
  auto seq = nb::borrow<nb::sequence>(o);
  bool first_is_tuple = PyTuple_Check(nb::object(seq[0]).ptr());
  for (auto l : seq) {
    if (PyList_Check(l.ptr())) {
      validate_list(l, idx + 1, info);
    } else if (first_is_tuple) {
      // MLX casts every element to the first element's kind (tuple).
      if (!PyTuple_Check(l.ptr())) {
        throw nb::type_error(msg("Cannot mix tuples and ", nb::inst_name(l).c_str(),
                                 " in one level of array initialization.").c_str());
      }
      validate_list(l, idx + 1, info);
    } else if (nb::isinstance<array>(l)) {
      info.has_arrays = true;
      auto a = nb::cast<array>(l);
      if (a.ndim() + idx + 1 != info.shape.size() ||
          !std::equal(a.shape().begin(), a.shape().end(),
                      info.shape.begin() + idx + 1)) {
        throw nb::value_error("Initialization encountered non-uniform length.");
      }
    } else {
      if (is_bool(l)) {
        info.any_bool = true;
      } else if (is_int(l)) {
        info.any_int = true;
        if (!fits<int32_t>(int_value(l))) info.int_needs_64 = true;
      } else if (is_float(l)) {
        info.any_float = true;
      } else if (is_complex(l)) {
        info.any_complex = true;
      } else {
        invalid_type(l);
      }
      if (idx + 1 != info.shape.size()) {
        throw nb::value_error("Initialization encountered non-uniform length.");
      }
    }
  }
}

void fill_list(nb::handle o, Dtype dtype, char*& dst) {
  if (is_seq(o)) {
    for (auto item : nb::borrow<nb::sequence>(o)) fill_list(item, dtype, dst);
    return;
  }
  if (is_bool(o)) {
    bool v = o.ptr() == Py_True;
    convert_elements(&v, bool_, dst, dtype, 1);
  } else if (is_int(o)) {
    int64_t v = int_value(o);
    convert_elements(&v, int64, dst, dtype, 1);
  } else if (is_float(o)) {
    double d = PyFloat_AS_DOUBLE(o.ptr());
    if (dtype == float64) {
      convert_elements(&d, float64, dst, dtype, 1);
    } else {
      float f = static_cast<float>(d);  // MLX reads list floats as float
      convert_elements(&f, float32, dst, dtype, 1);
    }
  } else {
    Py_complex c = PyComplex_AsCComplex(o.ptr());
    complex64_t v(static_cast<float>(c.real), static_cast<float>(c.imag));
    convert_elements(&v, complex64, dst, dtype, 1);
  }
  dst += dtype.size;
}

// A list holding arrays (and maybe scalars): convert every leaf, then join.
array list_of_arrays(nb::handle o, std::optional<Dtype> dtype) {
  auto seq = nb::borrow<nb::sequence>(o);
  std::vector<array> parts;
  for (auto item : seq) {
    if (nb::isinstance<array>(item)) {
      parts.push_back(nb::cast<array>(item));
    } else if (PyList_Check(item.ptr()) || PyTuple_Check(item.ptr())) {
      parts.push_back(list_of_arrays(item, std::nullopt));
    } else {
      parts.push_back(scalar_to_array(item, std::nullopt));
    }
  }
  Dtype dt = parts.empty() ? float32 : parts[0].dtype();
  for (auto& p : parts) {
    dt = promote_types(dt, p.dtype());
    if (p.shape() != parts[0].shape()) {
      throw nb::value_error("Initialization encountered non-uniform length.");
    }
  }
  if (dtype) dt = *dtype;
  if (parts.empty()) return array::empty_buffer({0}, dt);
  // A lazy stack: nothing is computed until the result is used.
  for (auto& p : parts) p = astype(p, dt);
  return stack(parts);
}

array from_list(nb::handle o, std::optional<Dtype> dtype) {
  ListInfo info;
  info.shape = list_shape(o);
  validate_list(o, 0, info);
  if (info.has_arrays) return list_of_arrays(o, dtype);
  Dtype inferred = info.any_complex ? complex64
                   : info.any_float ? float32
                   : info.any_int   ? (info.int_needs_64 ? int64 : int32)
                   : info.any_bool  ? bool_
                                    : float32;
  Dtype dt = dtype.value_or(inferred);
  auto out = array::empty_buffer(info.shape, dt);
  char* dst = static_cast<char*>(out.raw_data());
  if (out.size() > 0) fill_list(o, dt, dst);
  return out;
}

// ---- buffers ----

std::optional<Dtype> format_dtype(const char* fmt, Py_ssize_t itemsize) {
  std::string f(fmt ? fmt : "B");
  while (!f.empty() && (f[0] == '<' || f[0] == '=' || f[0] == '@' || f[0] == '!')) {
    f.erase(0, 1);
  }
  if (f == "?") return bool_;
  if (f == "Zf") return complex64;
  if (f == "Zd") return std::nullopt;  // complex128: converted by the caller
  if (f.size() != 1) return std::nullopt;
  switch (f[0]) {
    case 'e': return float16;
    case 'f': return float32;
    case 'd': return float64;
    default: break;
  }
  bool is_unsigned = std::isupper(static_cast<unsigned char>(f[0]));
  if (std::string("bBhHiIlLqQnN").find(f[0]) == std::string::npos) return std::nullopt;
  switch (itemsize) {
    case 1: return is_unsigned ? uint8 : int8;
    case 2: return is_unsigned ? uint16 : int16;
    case 4: return is_unsigned ? uint32 : int32;
    case 8: return is_unsigned ? uint64 : int64;
    default: return std::nullopt;
  }
}

array from_buffer(nb::handle o, std::optional<Dtype> dtype) {
  Py_buffer view;
  if (PyObject_GetBuffer(o.ptr(), &view, PyBUF_RECORDS_RO) != 0) {
    throw nb::python_error();
  }
  struct Release {
    Py_buffer* v;
    ~Release() { PyBuffer_Release(v); }
  } release{&view};
  Shape shape(view.shape, view.shape + view.ndim);
  Strides strides;
  for (int i = 0; i < view.ndim; ++i) {
    if (view.strides[i] % view.itemsize != 0) {
      throw nb::value_error("[array] Buffer strides must be multiples of the item size.");
    }
    strides.push_back(view.strides[i] / view.itemsize);
  }
  auto src_dtype = format_dtype(view.format, view.itemsize);
  bool complex128 = view.format && std::string(view.format).find("Zd") != std::string::npos;
  if (!src_dtype && !complex128) {
    throw std::runtime_error(msg("[array] Unsupported buffer format '",
                              view.format ? view.format : "", "'.")
                              .c_str());
  }
  // A view of the caller's memory, valid while `view` is held; copied below.
  auto data = std::make_shared<array::Data>(
      allocator::Buffer{view.buf, static_cast<size_t>(view.len)},
      [](allocator::Buffer) {});
  size_t n = shape_size(shape);
  if (complex128) {
    // No complex128 dtype: narrow to complex64 element by element.
    auto out = array::empty_buffer(shape, complex64);
    auto* dst = out.data<complex64_t>();
    auto src = array(data, shape, float64, Strides{}, 0, 0, {});
    size_t i = 0;
    std::vector<int64_t> idx(shape.size(), 0);
    for (; i < n; ++i) {
      int64_t off = 0;
      for (size_t d = 0; d < shape.size(); ++d) off += idx[d] * view.strides[d];
      auto* p = reinterpret_cast<const std::complex<double>*>(
          static_cast<const char*>(view.buf) + off);
      dst[i] = complex64_t(static_cast<float>(p->real()), static_cast<float>(p->imag()));
      for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
    return dtype ? astype(out, *dtype) : out;
  }
  // MLX narrows NumPy float64 to float32 unless asked for float64.
  Dtype dst_dtype = dtype.value_or(*src_dtype == float64 ? float32 : *src_dtype);
  auto src = array(data, shape, *src_dtype, strides, 0, n,
                   layout_flags(shape, strides, n));
  auto out = array::empty_buffer(shape, dst_dtype);
  if (n > 0) {
    auto c = contiguous(astype(src, dst_dtype));
    c.eval();
    std::memcpy(out.raw_data(), c.raw_data(), out.nbytes());
  }
  return out;
}

bool is_ml_dtypes_bfloat16(nb::handle o) {
  if (!nb::hasattr(o, "dtype")) return false;
  try {
    return nb::cast<std::string>(o.attr("dtype").attr("name")) == "bfloat16";
  } catch (...) {
    return false;
  }
}

}  // namespace

bool is_python_scalar(nb::handle obj) {
  return is_bool(obj) || is_int(obj) || is_float(obj) || is_complex(obj);
}

namespace {

// A fresh, row-contiguous, evaluated buffer holding `src` converted to `dt`: never
// shares memory with `src` (which may be a view of foreign memory).
array materialize(const array& src, Dtype dt) {
  auto c = contiguous(astype(src, dt));
  c.eval();
  if (c.data_shared_ptr() != src.data_shared_ptr() && c.flags().row_contiguous &&
      c.data_size() == c.size()) {
    return c;
  }
  auto out = array::empty_buffer(src.shape(), dt);
  if (out.size() > 0) std::memcpy(out.raw_data(), c.raw_data(), out.nbytes());
  return out;
}

bool is_buffer_like(nb::handle obj) {
  return PyObject_CheckBuffer(obj.ptr()) && !PyUnicode_Check(obj.ptr());
}

}  // namespace

bool is_dlpack_producer(nb::handle obj) {
  return PyCapsule_CheckExact(obj.ptr()) || nb::hasattr(obj, "__dlpack__");
}

array to_array(nb::handle obj, std::optional<Dtype> dtype) {
  if (nb::isinstance<array>(obj)) {
    auto a = nb::cast<array>(obj);
    return dtype ? astype(a, *dtype) : copy(a);
  }
  if (is_python_scalar(obj)) return scalar_to_array(obj, dtype);
  if (PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr())) return from_list(obj, dtype);
  if (nb::hasattr(obj, "__mlx_array__")) {
    nb::object inner = obj.attr("__mlx_array__")();
    if (!nb::isinstance<array>(inner)) {
      throw nb::type_error(msg("__mlx_array__ returned ", nb::inst_name(inner).c_str(),
                               ", not an array.").c_str());
    }
    auto a = nb::cast<array>(inner);
    return dtype ? astype(a, *dtype) : a;
  }
  if (is_ml_dtypes_bfloat16(obj)) {
    // No PEP 3118 format for bfloat16: read the bits as uint16.
    auto np = nb::module_::import_("numpy");
    auto bits = from_buffer(obj.attr("view")(np.attr("uint16")), std::nullopt);
    auto out = array(bits.data_shared_ptr(), bits.shape(), bfloat16, bits.strides(), 0,
                     bits.data_size(), bits.flags());
    return dtype ? astype(out, *dtype) : out;
  }
  if (is_buffer_like(obj)) return from_buffer(obj, dtype);
  // torch, JAX and other DLPack producers: import without a copy, then copy
  // (mx.array always copies).
  if (is_dlpack_producer(obj)) {
    auto view = from_dlpack(obj, std::nullopt, dtype.has_value());
    Dtype dt = dtype.value_or(view.dtype());
    return materialize(view, dt);
  }
  // Objects with only __array__: through NumPy.
  if (nb::hasattr(obj, "__array__")) {
    auto np = nb::module_::import_("numpy");
    nb::object arr = np.attr("asarray")(obj);
    return to_array(arr, dtype);
  }
  if (obj.is_none()) {
    throw nb::type_error("[array] None cannot be converted to an array.");
  }
  invalid_type(obj);
}

bool is_comparable_with_array(nb::handle obj) {
  return nb::isinstance<array>(obj) || is_python_scalar(obj) ||
         nb::hasattr(obj, "__mlx_array__") || is_buffer_like(obj) ||
         is_dlpack_producer(obj);
}

array to_array_like(nb::handle obj, const array* other, const char* op_name) {
  if (nb::isinstance<array>(obj)) return nb::cast<array>(obj);
  if (other && is_python_scalar(obj)) {
    Dtype od = other->dtype();
    if (is_bool(obj)) return array(obj.ptr() == Py_True, bool_);
    if (is_int(obj)) {
      if (is_integral(od)) {
        if (od == uint64) return int_scalar(obj, uint64);
        int64_t v = int_value(obj);
        if (!int_fits(v, od)) {
          throw nb::value_error(msg("Converting ", v, " to ", dtype_name(od),
                                    " would result in overflow.")
                                    .c_str());
        }
        return array(v, od);
      }
      if (od == bool_) return int_scalar(obj, std::nullopt);
      return int_scalar(obj, od);  // float and complex arrays keep their type
    }
    if (is_float(obj)) {
      return array(PyFloat_AsDouble(obj.ptr()), is_inexact(od) ? od : float32);
    }
    return scalar_to_array(obj, complex64);
  }
  if (is_python_scalar(obj)) return scalar_to_array(obj, std::nullopt);
  if (nb::hasattr(obj, "__mlx_array__")) return to_array(obj, std::nullopt);
  if (op_name && !is_comparable_with_array(obj)) {
    throw nb::value_error(msg("Cannot perform ", op_name, " on an mlx.core.array and ",
                              nb::type_name(obj.type()).c_str())
                              .c_str());
  }
  // NumPy arrays and scalars, torch tensors...: as in MLX, they take the dtype of
  // the mlx array they are combined with.
  if (is_buffer_like(obj) || is_dlpack_producer(obj)) {
    return to_array(obj, other ? std::optional<Dtype>(other->dtype()) : std::nullopt);
  }
  invalid_type(obj);
}

std::pair<array, array> to_arrays(nb::handle a, nb::handle b, const char* op_name) {
  bool a_arr = nb::isinstance<array>(a), b_arr = nb::isinstance<array>(b);
  if (a_arr && !b_arr) {
    auto x = nb::cast<array>(a);
    return {x, to_array_like(b, &x, op_name)};
  }
  if (b_arr && !a_arr) {
    auto y = nb::cast<array>(b);
    return {to_array_like(a, &y, op_name), y};
  }
  if (!a_arr && !b_arr && is_python_scalar(a) && !is_python_scalar(b)) {
    auto y = to_array_like(b, nullptr, op_name);
    return {to_array_like(a, &y, op_name), y};
  }
  if (!a_arr && !b_arr && is_python_scalar(b) && !is_python_scalar(a)) {
    auto x = to_array_like(a, nullptr, op_name);
    return {x, to_array_like(b, &x, op_name)};
  }
  return {to_array_like(a, nullptr, op_name), to_array_like(b, nullptr, op_name)};
}

nb::object to_scalar(array& a) {
  if (a.size() != 1) {
    throw nb::value_error(
        "[convert] Only length-1 arrays can be converted to Python scalars.");
  }
  a.eval();
  switch (a.dtype().val) {
    case Dtype::Val::bool_: return nb::bool_(a.item<bool>());
    case Dtype::Val::uint8:
    case Dtype::Val::uint16:
    case Dtype::Val::uint32:
    case Dtype::Val::uint64: return nb::int_(a.item<uint64_t>());
    case Dtype::Val::int8:
    case Dtype::Val::int16:
    case Dtype::Val::int32:
    case Dtype::Val::int64: return nb::int_(a.item<int64_t>());
    case Dtype::Val::complex64: {
      auto c = a.item<complex64_t>();
      return nb::cast(std::complex<double>(c.real(), c.imag()));
    }
    default: return nb::float_(a.item<double>());
  }
}

namespace {
nb::object element_to_python(const char* p, Dtype d) {
  switch (d.val) {
    case Dtype::Val::bool_: return nb::bool_(*reinterpret_cast<const bool*>(p));
    case Dtype::Val::complex64: {
      auto c = *reinterpret_cast<const complex64_t*>(p);
      return nb::cast(std::complex<double>(c.real(), c.imag()));
    }
    default:
      break;
  }
  if (is_integral(d)) {
    if (is_unsigned(d)) {
      uint64_t v;
      convert_elements(p, d, &v, uint64, 1);
      return nb::int_(v);
    }
    int64_t v;
    convert_elements(p, d, &v, int64, 1);
    return nb::int_(v);
  }
  double v;
  convert_elements(p, d, &v, float64, 1);
  return nb::float_(v);
}
}  // namespace

nb::object to_list(array& a) {
  a.eval();
  if (a.ndim() == 0) return to_scalar(a);
  // Iterative over the index space: build the nested lists bottom-up per row.
  const char* base = static_cast<const char*>(a.raw_data());
  auto isz = static_cast<int64_t>(a.itemsize());
  std::vector<nb::list> stack(a.ndim());
  std::vector<int64_t> idx(a.ndim(), 0);
  if (a.size() == 0) {
    // Empty: nest lists down to the first zero-length axis.
    std::function<nb::list(int)> build = [&](int d) {
      nb::list l;
      if (a.shape(d) == 0) return l;
      for (int64_t i = 0; i < a.shape(d); ++i) l.append(build(d + 1));
      return l;
    };
    return build(0);
  }
  nb::list result;
  stack[0] = result;
  for (int d = 1; d < a.ndim(); ++d) stack[d] = nb::list();
  while (true) {
    int64_t off = 0;
    for (int d = 0; d < a.ndim(); ++d) off += idx[d] * a.strides(d);
    stack[a.ndim() - 1].append(element_to_python(base + off * isz, a.dtype()));
    int d = a.ndim() - 1;
    for (; d >= 0; --d) {
      if (++idx[d] < a.shape(d)) break;
      idx[d] = 0;
      if (d > 0) {
        stack[d - 1].append(stack[d]);
        stack[d] = nb::list();
      }
    }
    if (d < 0) break;
  }
  return result;
}

nb::object to_numpy(array& a, bool copy, bool bf16_bits) {
  a.eval();
  std::vector<size_t> shape(a.shape().begin(), a.shape().end());
  nb::dlpack::dtype dt;
  switch (kind(a.dtype())) {
    case Dtype::Kind::b: dt = {uint8_t(nb::dlpack::dtype_code::Bool), 8, 1}; break;
    case Dtype::Kind::u: dt = {uint8_t(nb::dlpack::dtype_code::UInt), uint8_t(a.itemsize() * 8), 1}; break;
    case Dtype::Kind::i: dt = {uint8_t(nb::dlpack::dtype_code::Int), uint8_t(a.itemsize() * 8), 1}; break;
    case Dtype::Kind::f: dt = {uint8_t(nb::dlpack::dtype_code::Float), uint8_t(a.itemsize() * 8), 1}; break;
    case Dtype::Kind::V: dt = {uint8_t(nb::dlpack::dtype_code::UInt), 16, 1}; break;
    case Dtype::Kind::c: dt = {uint8_t(nb::dlpack::dtype_code::Complex), 64, 1}; break;
  }
  // The capsule owns a handle to the array, keeping its buffer alive for the view.
  auto* keep = new array(a);
  nb::capsule owner(keep, [](void* p) noexcept { delete static_cast<array*>(p); });
  nb::ndarray<nb::numpy> nd(a.raw_data(), a.ndim(), shape.data(), owner,
                            a.strides().data(), dt);
  nb::object out = nd.cast();
  if (a.dtype() == bfloat16 && !bf16_bits) {
    auto ml = nb::module_::import_("ml_dtypes");
    out = out.attr("view")(ml.attr("bfloat16"));
  }
  if (copy) out = out.attr("copy")();
  return out;
}
