// quantize, dequantize and quantized_matmul (MLX's signatures).
#include <deque>

#include "common.h"
#include "engine/ops.h"
#include "engine/ops/gather_matmul.h"
#include "engine/ops/quantized.h"

using namespace lx;

namespace {

std::optional<array> opt_arr(const nb::object& h) {
  if (h.is_none()) return std::nullopt;
  return arr(h);
}

const char* kModes =
    "Modes (``group_size``, ``bits`` defaults first): ``\"affine\"`` (64, 4; group sizes "
    "32/64/128, bits 1-6 or 8; a scale and a bias per group), ``\"mxfp4\"`` (32, 4), "
    "``\"mxfp8\"`` (32, 8) and ``\"nvfp4\"`` (16, 4; fp8 scales, optional "
    "``global_scale``). Values are packed little-endian into uint32 words, as MLX packs "
    "them.";

const char* keep(std::string text) {
  static std::deque<std::string> store;
  return store.emplace_back(std::move(text)).c_str();
}

}  // namespace

void init_quantized(nb::module_& m) {
  m.def("to_fp8",
        [](const array& x, StreamArg s) {
          lx::sites::PublicOp tag("to_fp8");
          return to_fp8(x, to_sod(s));
        },
        nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def to_fp8(x: array, /, *, stream: Stream | Device | None = None) -> array"),
        R"(Convert the array to fp8 (e4m3) from another floating-point type.

Values round to the nearest code (ties to even) and saturate at +-448; NaN becomes
the NaN code.

Args:
    x (array): The input array.

Returns:
    array: The array converted to fp8 with type ``uint8``.)");
  m.def("from_fp8",
        [](const array& x, Dtype dtype, StreamArg s) {
          lx::sites::PublicOp tag("from_fp8");
          return from_fp8(x, dtype, to_sod(s));
        },
        nb::arg(), "dtype"_a = bfloat16, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def from_fp8(x: array, /, dtype: Dtype = bfloat16, *, "
                "stream: Stream | Device | None = None) -> array"),
        R"(Convert the array from fp8 (e4m3) to another floating-point type.

Args:
    x (array): The input fp8 array with type ``uint8``.
    dtype (Dtype): The data type to convert to. Default: ``bfloat16``.

Returns:
    array: The array converted from fp8.)");
  m.def("quantize",
        [](const ScalarOrArray& w, std::optional<int> gs, std::optional<int> bits,
           const std::string& mode, const nb::object& global_scale, StreamArg s) {
          lx::sites::PublicOp tag("quantize");
          auto outs = quantize(arr(w), gs, bits, mode, opt_arr(global_scale), to_sod(s));
          if (outs.size() == 3) return nb::cast(std::make_tuple(outs[0], outs[1], outs[2]));
          return nb::cast(std::make_tuple(outs[0], outs[1]));
        },
        "w"_a, "group_size"_a = nb::none(), "bits"_a = nb::none(),
        "mode"_a = "affine", nb::kw_only(), "global_scale"_a = nb::none(),
        "stream"_a = nb::none(),
        nb::sig("def quantize(w: array, /, group_size: int | None = None, bits: int | None = "
                "None, mode: str = 'affine', *, global_scale: array | None = None, "
                "stream: Stream | Device | None = None) -> tuple[array, ...]"),
        keep(std::string("Quantize ``w`` in groups of ``group_size`` elements of its last "
                         "axis.\n\n") +
             kModes +
             "\n\nArgs:\n    w (array): The array to quantize (at least 2-D, real floating "
             "point).\n    group_size (int, optional): Elements per scale.\n"
             "    bits (int, optional): Bits per element.\n"
             "    mode (str): The quantization mode. Default: ``\"affine\"``.\n"
             "    global_scale (array, optional): nvfp4's float32 tensor scale.\n"
             "    stream (Stream | Device | None): Stream or device to run on.\n\n"
             "Returns:\n    tuple: ``(w_q, scales, biases)`` for ``\"affine\"``, "
             "``(w_q, scales)`` otherwise."));
  m.def("dequantize",
        [](const ScalarOrArray& w, const ScalarOrArray& scales, const nb::object& biases,
           std::optional<int> gs, std::optional<int> bits, const std::string& mode,
           const nb::object& global_scale, std::optional<Dtype> dtype, StreamArg s) {
          lx::sites::PublicOp tag("dequantize");
          return dequantize(arr(w), arr(scales), opt_arr(biases), gs, bits, mode,
                            opt_arr(global_scale), dtype, to_sod(s));
        },
        "w"_a, "scales"_a, "biases"_a = nb::none(), "group_size"_a = nb::none(),
        "bits"_a = nb::none(), "mode"_a = "affine", "global_scale"_a = nb::none(),
        "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def dequantize(w: array, /, scales: array, biases: array | None = None, "
                "group_size: int | None = None, bits: int | None = None, mode: str = "
                "'affine', global_scale: array | None = None, dtype: Dtype | None = None, *, "
                "stream: Stream | Device | None = None) -> array"),
        keep(std::string("Expand a quantized matrix: ``scale * q + bias`` per group "
                         "(affine) or the scaled fp4/fp8 values.\n\n") +
             kModes +
             "\n\nArgs:\n    w (array): Packed uint32 values.\n"
             "    scales (array): One scale per group.\n"
             "    biases (array, optional): One bias per group (affine only).\n"
             "    group_size (int, optional): Elements per scale.\n"
             "    bits (int, optional): Bits per element.\n"
             "    mode (str): The quantization mode. Default: ``\"affine\"``.\n"
             "    global_scale (array, optional): nvfp4's float32 tensor scale.\n"
             "    dtype (Dtype, optional): Output type; by default the scales' type (affine) "
             "or bfloat16.\n"
             "    stream (Stream | Device | None): Stream or device to run on.\n\n"
             "Returns:\n    array: The dequantized array."));
  m.def("quantized_matmul",
        [](const ScalarOrArray& x, const ScalarOrArray& w, const ScalarOrArray& scales,
           const nb::object& biases, bool transpose, std::optional<int> gs,
           std::optional<int> bits, const std::string& mode, StreamArg s) {
          lx::sites::PublicOp tag("quantized_matmul");
          return quantized_matmul(arr(x), arr(w), arr(scales), opt_arr(biases), transpose, gs,
                                  bits, mode, to_sod(s));
        },
        "x"_a, "w"_a, "scales"_a, "biases"_a = nb::none(),
        "transpose"_a = true, "group_size"_a = nb::none(), "bits"_a = nb::none(),
        "mode"_a = "affine", nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def quantized_matmul(x: array, w: array, /, scales: array, biases: array | "
                "None = None, transpose: bool = True, group_size: int | None = None, bits: "
                "int | None = None, mode: str = 'affine', *, stream: Stream | Device | None = "
                "None) -> array"),
        keep(std::string("Multiply by a quantized matrix without expanding it: "
                         "``x @ dequantize(w).T`` (``transpose=True``) or "
                         "``x @ dequantize(w)``.\n\n") +
             kModes +
             "\n\nArgs:\n    x (array): Input array.\n"
             "    w (array): Packed uint32 matrix.\n"
             "    scales (array): One scale per group.\n"
             "    biases (array, optional): One bias per group (affine only).\n"
             "    transpose (bool): Multiply by the transposed matrix. Default: ``True``.\n"
             "    group_size (int, optional): Elements per scale.\n"
             "    bits (int, optional): Bits per element.\n"
             "    mode (str): The quantization mode. Default: ``\"affine\"``.\n"
             "    stream (Stream | Device | None): Stream or device to run on.\n\n"
             "Returns:\n    array: The product."));
  m.def("gather_qmm",
        [](const ScalarOrArray& x, const ScalarOrArray& w, const ScalarOrArray& scales,
           const nb::object& biases, const nb::object& lhs, const nb::object& rhs,
           bool transpose, std::optional<int> gs, std::optional<int> bits,
           const std::string& mode, const nb::object& global_scale, bool, StreamArg s) {
          lx::sites::PublicOp tag("gather_qmm");
          if (!global_scale.is_none()) {
            throw nb::value_error("[gather_qmm] global_scale is not supported yet.");
          }
          return gather_qmm(arr(x), arr(w), arr(scales), opt_arr(biases), opt_arr(lhs),
                            opt_arr(rhs), transpose, gs, bits, mode, to_sod(s));
        },
        "x"_a, "w"_a, "scales"_a, "biases"_a = nb::none(), "lhs_indices"_a = nb::none(),
        "rhs_indices"_a = nb::none(), "transpose"_a = true, "group_size"_a = nb::none(),
        "bits"_a = nb::none(), "mode"_a = "affine", "global_scale"_a = nb::none(),
        nb::kw_only(), "sorted_indices"_a = false, "stream"_a = nb::none(),
        nb::sig("def gather_qmm(x: array, w: array, /, scales: array, biases: array | None = "
                "None, lhs_indices: array | None = None, rhs_indices: array | None = None, "
                "transpose: bool = True, group_size: int | None = None, bits: int | None = "
                "None, mode: str = 'affine', global_scale: array | None = None, *, "
                "sorted_indices: bool = False, stream: Stream | Device | None = None) -> array"),
        "Quantized matrix products with matrix-level gather: "
        ":func:`quantized_matmul` of ``x[lhs_indices]`` and ``w[rhs_indices]`` (with "
        "their scales and biases), the indices being flat positions in the batch dims "
        "and broadcasting together.\n\n"
        "Args:\n    x (array): Input array.\n    w (array): Packed uint32 matrices.\n"
        "    scales (array): Scales, with ``w``'s batch dims.\n"
        "    biases (array, optional): Biases (affine only).\n"
        "    lhs_indices (array, optional): Integer indices into ``x``'s batch.\n"
        "    rhs_indices (array, optional): Integer indices into ``w``'s batch.\n"
        "    transpose (bool): Multiply by the transposed matrices. Default: ``True``.\n"
        "    group_size (int, optional): Elements per scale.\n"
        "    bits (int, optional): Bits per element.\n"
        "    mode (str): The quantization mode. Default: ``\"affine\"``.\n"
        "    global_scale (array, optional): Not supported yet.\n"
        "    sorted_indices (bool): Accepted for MLX compatibility.\n"
        "    stream (Stream | Device | None): Stream or device to run on.\n\n"
        "Returns:\n    array: The products, shaped ``indices.shape + (M, N)``.");
  m.def("qqmm",
        [](const array& x, const array& w, std::optional<array> scales, std::optional<int> gs,
           std::optional<int> bits, const std::string& mode, std::optional<array> gx,
           std::optional<array> gw, StreamArg s) {
          lx::sites::PublicOp tag("qqmm");
          return qqmm(x, w, scales, gs, bits, mode, gx, gw, to_sod(s));
        },
        nb::arg(), nb::arg(), "scales"_a = nb::none(), "group_size"_a = nb::none(),
        "bits"_a = nb::none(), "mode"_a = "nvfp4", "global_scale_x"_a = nb::none(),
        "global_scale_w"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def qqmm(x: array, w: array, /, scales: array | None = None, "
                "group_size: int | None = None, bits: int | None = None, mode: str = 'nvfp4', "
                "global_scale_x: array | None = None, global_scale_w: array | None = None, *, "
                "stream: Stream | Device | None = None) -> array"),
        R"(Matrix multiplication with both operands quantized.

``x`` is quantized on the fly; ``w`` is used as is when it is already quantized
(packed in ``uint32`` with ``scales``) and quantized on the fly otherwise. The result is
``dequantize(quantize(x)) @ dequantize(w).T`` computed in ``float32`` and returned in
``x``'s dtype. Gradients pass straight through the quantization to ``x`` and to a
non-quantized ``w``.

Args:
    x (array): Input array (``float32``, ``float16`` or ``bfloat16``).
    w (array): Weight matrix, packed or not.
    scales (array, optional): The scales of a packed ``w``. Default: ``None``.
    group_size (int, optional): Elements sharing a scale. Default: the mode's.
    bits (int, optional): Bits per element. Default: the mode's.
    mode (str, optional): ``"nvfp4"`` or ``"mxfp8"``. Default: ``"nvfp4"``.
    global_scale_x (array, optional): ``nvfp4`` global scale of ``x``.
    global_scale_w (array, optional): ``nvfp4`` global scale of ``w``.

Returns:
    array: The product.)");
  m.def("gather_qqmm",
        [](const array& x, const array& w, std::optional<array> scales,
           std::optional<array> lhs, std::optional<array> rhs, std::optional<int> gs,
           std::optional<int> bits, const std::string& mode, std::optional<array> gx,
           std::optional<array> gw, bool, StreamArg s) {
          lx::sites::PublicOp tag("gather_qqmm");
          return gather_qqmm(x, w, scales, lhs, rhs, gs, bits, mode, gx, gw, to_sod(s));
        },
        nb::arg(), nb::arg(), "scales"_a = nb::none(), "lhs_indices"_a = nb::none(),
        "rhs_indices"_a = nb::none(), "group_size"_a = nb::none(), "bits"_a = nb::none(),
        "mode"_a = "nvfp4", "global_scale_x"_a = nb::none(), "global_scale_w"_a = nb::none(),
        nb::kw_only(), "sorted_indices"_a = false, "stream"_a = nb::none(),
        nb::sig("def gather_qqmm(x: array, w: array, /, scales: array | None = None, "
                "lhs_indices: array | None = None, rhs_indices: array | None = None, "
                "group_size: int | None = None, bits: int | None = None, mode: str = 'nvfp4', "
                "global_scale_x: array | None = None, global_scale_w: array | None = None, *, "
                "sorted_indices: bool = False, stream: Stream | Device | None = None) -> array"),
        R"(Fused :func:`qqmm` with matrix-level gather.

As :func:`gather_mm`, ``lhs_indices`` and ``rhs_indices`` hold flat indices into the
batch dimensions (all but the last two) of ``x`` and ``w``; a packed ``w``'s scales are
picked with it.

Args:
    x (array): Input array.
    w (array): Weight matrices, packed or not.
    scales (array, optional): The scales of a packed ``w``. Default: ``None``.
    lhs_indices (array, optional): Integer indices for ``x``. Default: ``None``.
    rhs_indices (array, optional): Integer indices for ``w``. Default: ``None``.
    group_size (int, optional): Elements sharing a scale. Default: the mode's.
    bits (int, optional): Bits per element. Default: the mode's.
    mode (str, optional): ``"nvfp4"`` or ``"mxfp8"``. Default: ``"nvfp4"``.
    global_scale_x (array, optional): ``nvfp4`` global scale of ``x``.
    global_scale_w (array, optional): ``nvfp4`` global scale of ``w``.
    sorted_indices (bool, optional): Accepted for MLX compatibility.

Returns:
    array: The products, shaped ``indices.shape + (M, N)``.)");
  m.def("gather_mm",
        [](const ScalarOrArray& a, const ScalarOrArray& b, const nb::object& lhs,
           const nb::object& rhs, bool, StreamArg s) {
          lx::sites::PublicOp tag("gather_mm");
          return gather_mm(arr(a), arr(b), opt_arr(lhs), opt_arr(rhs), to_sod(s));
        },
        "a"_a, "b"_a, "lhs_indices"_a = nb::none(), "rhs_indices"_a = nb::none(),
        nb::kw_only(), "sorted_indices"_a = false, "stream"_a = nb::none(),
        nb::sig("def gather_mm(a: array, b: array, /, lhs_indices: array | None = None, "
                "rhs_indices: array | None = None, *, sorted_indices: bool = False, "
                "stream: Stream | Device | None = None) -> array"),
        "Matrix products with matrix-level gather: ``a[lhs_indices] @ b[rhs_indices]``, "
        "the indices being flat positions in the batch dims (all but the last two) and "
        "broadcasting together; a missing index array walks its operand's batch.\n\n"
        "Args:\n    a (array): Input array.\n    b (array): Input array.\n"
        "    lhs_indices (array, optional): Integer indices into ``a``'s batch.\n"
        "    rhs_indices (array, optional): Integer indices into ``b``'s batch.\n"
        "    sorted_indices (bool): Accepted for MLX compatibility.\n"
        "    stream (Stream | Device | None): Stream or device to run on.\n\n"
        "Returns:\n    array: The products, shaped ``indices.shape + (M, N)``.");
}
