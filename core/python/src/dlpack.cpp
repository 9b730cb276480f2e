// DLPack export (array.__dlpack__, __dlpack_device__) and import (mx.from_dlpack;
// mx.array and mx.asarray reach it through to_array for torch/JAX tensors). The structs follow the DLPack 1.x header (dlpack.h); both the
// unversioned "dltensor" capsule and the versioned "dltensor_versioned" one (when
// the consumer passes max_version >= (1, 0)) are produced and accepted.
#include <cstring>

#include "common.h"
#include "engine/events.h"
#include "engine/ops.h"
#include "engine/utils.h"

using namespace lx;

namespace {

// ---- DLPack ABI (dlpack.h, v1.1) ----

enum DLDeviceType : int32_t {
  kDLCPU = 1,
  kDLCUDA = 2,
  kDLCUDAHost = 3,
  kDLMetal = 8,
  kDLCUDAManaged = 13,
};

struct DLDevice {
  DLDeviceType device_type;
  int32_t device_id;
};

enum DLDataTypeCode : uint8_t {
  kDLInt = 0,
  kDLUInt = 1,
  kDLFloat = 2,
  kDLOpaqueHandle = 3,
  kDLBfloat = 4,
  kDLComplex = 5,
  kDLBool = 6,
};

struct DLDataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};

struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;
  uint64_t byte_offset;
};

struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor* self);
};

struct DLPackVersion {
  uint32_t major;
  uint32_t minor;
};

struct DLManagedTensorVersioned {
  DLPackVersion version;
  void* manager_ctx;
  void (*deleter)(DLManagedTensorVersioned* self);
  uint64_t flags;
  DLTensor dl_tensor;
};

constexpr uint64_t kFlagReadOnly = 1ull << 0;
constexpr uint64_t kFlagIsCopied = 1ull << 1;

static_assert(sizeof(DLDevice) == 8);
static_assert(sizeof(DLDataType) == 4);
static_assert(sizeof(DLTensor) == 48);
static_assert(sizeof(DLManagedTensor) == 64);
static_assert(sizeof(DLManagedTensorVersioned) == 80);

// ---- export ----

DLDataType to_dl_dtype(Dtype d) {
  auto bits = static_cast<uint8_t>(d.size * 8);
  switch (d.val) {
    case Dtype::Val::bool_: return {kDLBool, 8, 1};
    case Dtype::Val::bfloat16: return {kDLBfloat, 16, 1};
    case Dtype::Val::complex64: return {kDLComplex, 64, 1};
    default: break;
  }
  if (is_unsigned(d)) return {kDLUInt, bits, 1};
  if (is_integral(d)) return {kDLInt, bits, 1};
  return {kDLFloat, bits, 1};
}

// Owns what the exported tensor points to: a handle on the array (so its buffer
// outlives the Python object) and the shape and strides arrays.
template <typename Managed>
struct ExportCtx {
  Managed managed;
  array keep;
  std::vector<int64_t> shape, strides;
  explicit ExportCtx(array a) : managed{}, keep(std::move(a)) {}
};

template <typename Managed>
void export_deleter(Managed* self) {
  // May run on any thread and without the GIL: only C++ state is touched.
  delete static_cast<ExportCtx<Managed>*>(self->manager_ctx);
}

template <typename Managed>
void fill_tensor(ExportCtx<Managed>* ctx) {
  const array& a = ctx->keep;
  ctx->shape.assign(a.shape().begin(), a.shape().end());
  ctx->strides.assign(a.strides().begin(), a.strides().end());
  // Never hand out null shape/strides pointers, even for 0-d arrays.
  ctx->shape.reserve(1);
  ctx->strides.reserve(1);
  DLTensor& t = ctx->managed.dl_tensor;
  t.data = a.raw_data();
  t.device = {kDLCPU, 0};
  t.ndim = a.ndim();
  t.dtype = to_dl_dtype(a.dtype());
  t.shape = ctx->shape.data();
  t.strides = ctx->strides.data();
  t.byte_offset = 0;
  ctx->managed.manager_ctx = ctx;
  ctx->managed.deleter = &export_deleter<Managed>;
}

void capsule_destructor(PyObject* cap) {
  // A consumer that failed (NumPy on bfloat16) drops the capsule with its error
  // set: keep that error, or Python reports "returned NULL without an exception".
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  // Only an unconsumed capsule still owns its tensor; consumers rename it.
  if (PyCapsule_IsValid(cap, "dltensor")) {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, "dltensor"));
    if (m && m->deleter) m->deleter(m);
  } else if (PyCapsule_IsValid(cap, "dltensor_versioned")) {
    auto* m = static_cast<DLManagedTensorVersioned*>(
        PyCapsule_GetPointer(cap, "dltensor_versioned"));
    if (m && m->deleter) m->deleter(m);
  }
  PyErr_Restore(type, value, tb);
}

array fresh_copy(const array& a) {
  auto c = contiguous(a);
  c.eval();
  auto out = array::empty_buffer(a.shape(), a.dtype());
  if (out.size() > 0) std::memcpy(out.raw_data(), c.raw_data(), out.nbytes());
  return out;
}

nb::object to_dlpack(array& a, nb::handle max_version, nb::handle dl_device,
                     std::optional<bool> copy) {
  if (!dl_device.is_none()) {
    auto dev = nb::cast<std::pair<int, int>>(dl_device);
    if (dev.first == kDLCUDA) {
      throw nb::buffer_error("CUDA DLPack export is not supported.");
    }
    if (dev.first != kDLCPU || dev.second != 0) {
      throw nb::buffer_error(
          msg("[__dlpack__] Unsupported device (", dev.first, ", ", dev.second,
              "): arrays live on the CPU, device (1, 0).")
              .c_str());
    }
  }
  bool versioned = false;
  if (!max_version.is_none()) {
    auto v = nb::cast<std::pair<int, int>>(max_version);
    versioned = v.first >= 1;
  }
  {
    nb::gil_scoped_release release;
    a.eval();
  }
  array src = a;
  bool copied = false;
  if (copy.value_or(false)) {
    nb::gil_scoped_release release;
    src = fresh_copy(a);
    copied = true;
  }
  if (versioned) {
    auto* ctx = new ExportCtx<DLManagedTensorVersioned>(src);
    fill_tensor(ctx);
    ctx->managed.version = {1, 1};
    ctx->managed.flags = copied ? kFlagIsCopied : 0;
    PyObject* cap = PyCapsule_New(&ctx->managed, "dltensor_versioned", capsule_destructor);
    if (!cap) {
      delete ctx;
      throw nb::python_error();
    }
    return nb::steal(cap);
  }
  auto* ctx = new ExportCtx<DLManagedTensor>(src);
  fill_tensor(ctx);
  PyObject* cap = PyCapsule_New(&ctx->managed, "dltensor", capsule_destructor);
  if (!cap) {
    delete ctx;
    throw nb::python_error();
  }
  return nb::steal(cap);
}

// ---- import ----

// Owns an imported tensor: calls the producer's deleter exactly once.
struct ImportOwner {
  DLManagedTensor* legacy = nullptr;
  DLManagedTensorVersioned* versioned = nullptr;
  ~ImportOwner() {
    if (legacy && legacy->deleter) legacy->deleter(legacy);
    if (versioned && versioned->deleter) versioned->deleter(versioned);
  }
  const DLTensor& tensor() const {
    return legacy ? legacy->dl_tensor : versioned->dl_tensor;
  }
};

// Dtype of a DLPack element type; complex128 is reported as (complex64, true).
std::pair<Dtype, bool> from_dl_dtype(DLDataType t) {
  if (t.lanes != 1) {
    throw nb::value_error("[from_dlpack] Vector (lanes > 1) DLPack types are not supported.");
  }
  switch (t.code) {
    case kDLBool:
      if (t.bits == 8) return {bool_, false};
      break;
    case kDLInt:
      switch (t.bits) {
        case 8: return {int8, false};
        case 16: return {int16, false};
        case 32: return {int32, false};
        case 64: return {int64, false};
      }
      break;
    case kDLUInt:
      switch (t.bits) {
        case 8: return {uint8, false};
        case 16: return {uint16, false};
        case 32: return {uint32, false};
        case 64: return {uint64, false};
      }
      break;
    case kDLFloat:
      switch (t.bits) {
        case 16: return {float16, false};
        case 32: return {float32, false};
        case 64: return {float64, false};
      }
      break;
    case kDLBfloat:
      if (t.bits == 16) return {bfloat16, false};
      break;
    case kDLComplex:
      if (t.bits == 64) return {complex64, false};
      if (t.bits == 128) return {complex64, true};
      break;
    default:
      break;
  }
  throw nb::value_error(msg("[from_dlpack] Unsupported DLPack data type (code ",
                            int(t.code), ", bits ", int(t.bits), ").")
                            .c_str());
}

// Takes ownership of the tensor in a "dltensor"/"dltensor_versioned" capsule.
std::shared_ptr<ImportOwner> consume_capsule(nb::handle cap) {
  auto owner = std::make_shared<ImportOwner>();
  if (PyCapsule_IsValid(cap.ptr(), "dltensor_versioned")) {
    auto* m = static_cast<DLManagedTensorVersioned*>(
        PyCapsule_GetPointer(cap.ptr(), "dltensor_versioned"));
    if (m->version.major > 1) {
      throw nb::buffer_error(msg("[from_dlpack] Unsupported DLPack version ",
                                 m->version.major, ".", m->version.minor, ".")
                                 .c_str());
    }
    owner->versioned = m;
    PyCapsule_SetName(cap.ptr(), "used_dltensor_versioned");
  } else if (PyCapsule_IsValid(cap.ptr(), "dltensor")) {
    owner->legacy = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap.ptr(), "dltensor"));
    PyCapsule_SetName(cap.ptr(), "used_dltensor");
  } else {
    throw nb::value_error(
        "[from_dlpack] Expected a DLPack capsule named 'dltensor' or "
        "'dltensor_versioned' (was it already consumed?).");
  }
  return owner;
}

nb::object get_capsule(nb::handle obj) {
  if (PyCapsule_CheckExact(obj.ptr())) return nb::borrow(obj);
  if (nb::hasattr(obj, "__dlpack_device__")) {
    auto dev = nb::cast<std::pair<int, int>>(obj.attr("__dlpack_device__")());
    if (dev.first != kDLCPU && dev.first != kDLCUDAHost) {
      throw nb::value_error(msg("[from_dlpack] Only CPU arrays can be imported; got "
                                "device type ", dev.first, ".")
                                .c_str());
    }
  }
  nb::object fn = obj.attr("__dlpack__");
  try {
    return fn(nb::arg("max_version") = nb::make_tuple(1, 1));
  } catch (nb::python_error& e) {
    if (!e.matches(PyExc_TypeError)) throw;
  }
  return fn();  // producers that predate max_version
}

// Copies a strided region (byte strides, any sign) into dense row-major order.
void strided_copy(const char* src, const Shape& shape, const std::vector<int64_t>& bstrides,
                  size_t itemsize, char* dst) {
  size_t n = shape_size(shape);
  if (n == 0) return;
  int nd = static_cast<int>(shape.size());
  std::vector<int64_t> idx(nd, 0);
  for (size_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (int d = 0; d < nd; ++d) off += idx[d] * bstrides[d];
    std::memcpy(dst + i * itemsize, src + off, itemsize);
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace

lx::array from_dlpack(nb::handle obj, std::optional<bool> copy, bool keep_float64) {
  if (!is_dlpack_producer(obj)) {
    throw nb::type_error(
        msg("[from_dlpack] Expected an object with __dlpack__ (or a DLPack capsule), got ",
            nb::type_name(obj.type()).c_str(), ".")
            .c_str());
  }
  nb::object cap = get_capsule(obj);
  auto owner = consume_capsule(cap);
  const DLTensor& t = owner->tensor();
  if (t.device.device_type != kDLCPU && t.device.device_type != kDLCUDAHost) {
    throw nb::value_error(msg("[from_dlpack] Only CPU arrays can be imported; got "
                              "device type ", int(t.device.device_type), ".")
                              .c_str());
  }
  auto [dt, is_c128] = from_dl_dtype(t.dtype);
  Shape shape(t.shape, t.shape + t.ndim);
  Strides strides = t.strides ? Strides(t.strides, t.strides + t.ndim) : row_strides(shape);
  size_t n = shape_size(shape);
  Dtype src_dt = is_c128 ? complex64 : dt;  // complex128 is read element by element
  size_t src_isz = is_c128 ? 16 : dt.size;
  const char* base = static_cast<const char*>(t.data) + t.byte_offset;

  // Dtype MLX gives the result: float64 narrows to float32, complex128 to complex64.
  Dtype out_dt = (dt == float64 && !keep_float64) ? float32 : src_dt;
  bool needs_conversion = is_c128 || out_dt != dt;
  bool negative = false;
  for (int d = 0; d < t.ndim; ++d) negative |= (strides[d] < 0 && shape[d] > 1);
  if (copy.has_value() && !*copy && needs_conversion) {
    throw nb::value_error(
        "[from_dlpack] Cannot import without a copy: the dtype must be converted.");
  }

  if (!copy.value_or(false) && !needs_conversion && !negative) {
    // Zero-copy: the array's buffer owns the producer's tensor.
    size_t span = 0;
    if (n > 0) {
      int64_t last = 0;
      for (int d = 0; d < t.ndim; ++d) {
        if (shape[d] > 1) last += (shape[d] - 1) * strides[d];
      }
      span = static_cast<size_t>(last) + 1;
    }
    auto data = std::make_shared<array::Data>(
        allocator::Buffer{const_cast<char*>(base), span * dt.size},
        [owner](allocator::Buffer) mutable { owner.reset(); });
    return array(data, shape, dt, strides, 0, span, layout_flags(shape, strides, span));
  }

  // Copy: gather into a dense buffer of the source type, then convert.
  std::vector<int64_t> bstrides(t.ndim);
  for (int d = 0; d < t.ndim; ++d) bstrides[d] = strides[d] * static_cast<int64_t>(src_isz);
  if (is_c128) {
    std::vector<char> tmp(n * 16);
    strided_copy(base, shape, bstrides, 16, tmp.data());
    auto out = array::empty_buffer(shape, complex64);
    auto* dst = out.data<complex64_t>();
    auto* src = reinterpret_cast<const double*>(tmp.data());
    for (size_t i = 0; i < n; ++i) {
      dst[i] = complex64_t(static_cast<float>(src[2 * i]), static_cast<float>(src[2 * i + 1]));
    }
    return out;
  }
  auto dense = array::empty_buffer(shape, dt);
  strided_copy(base, shape, bstrides, dt.size, static_cast<char*>(dense.raw_data()));
  if (out_dt == dt) return dense;
  auto out = contiguous(astype(dense, out_dt));
  out.eval();
  return out;
}

// Called by init_array on the array class.
void add_dlpack_methods(nb::class_<array>& cls) {
  cls.def("__dlpack__",
           [](array& a, nb::handle stream, nb::handle max_version, nb::handle dl_device,
              std::optional<bool> copy) {
             (void)stream;  // CPU arrays: nothing to synchronize
             lx::EvalTrigger trig(lx::TriggerKind::dlpack);
             return to_dlpack(a, max_version, dl_device, copy);
           },
           nb::kw_only(), "stream"_a = nb::none(), "max_version"_a = nb::none(),
           "dl_device"_a = nb::none(), "copy"_a = nb::none(),
           "A DLPack capsule sharing the array's memory (evaluates). A versioned "
           "capsule is returned when ``max_version >= (1, 0)``.")
      .def("__dlpack_device__",
           [](const array&) { return nb::make_tuple(static_cast<int>(kDLCPU), 0); },
           "The DLPack device: ``(1, 0)`` (CPU).");
}

void init_dlpack(nb::module_& m) {

  m.def("from_dlpack",
        [](nb::handle x, std::optional<bool> copy) { return from_dlpack(x, copy); },
        "x"_a, nb::kw_only(), "copy"_a = nb::none(),
        nb::sig("def from_dlpack(x: DLPackCompatible, /, *, copy: bool | None = None) -> array"),
        R"(Convert an object supporting DLPack (``__dlpack__``) to an array.

Unlike MLX, which always copies on the CPU, the result shares the producer's memory
(keeping it alive) unless ``copy=True`` or a conversion is needed: float64 becomes
float32 and complex128 complex64, as in MLX. ``copy=False`` raises ValueError when
a copy cannot be avoided.)");
}
