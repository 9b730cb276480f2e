// Quantization ops: validation with MLX's messages, dtype casts around the float32
// kernels, and the batched-weight quantized_matmul as dequantize + matmul.
#include "engine/ops/quantized.h"

#include "engine/ops.h"
#include "engine/primitives/quantized.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

[[noreturn]] void fail(const char* op, const std::string& msg) {
  throw std::invalid_argument(std::string("[") + op + "] " + msg);
}

QuantMode parse_mode(const std::string& mode, const char* op) {
  if (mode == "affine") return QuantMode::affine;
  if (mode == "mxfp4") return QuantMode::mxfp4;
  if (mode == "mxfp8") return QuantMode::mxfp8;
  if (mode == "nvfp4") return QuantMode::nvfp4;
  fail(op, "Invalid quantization mode '" + mode + "'.");
}

/// Fills in the mode's defaults and checks group size and bits against it.
QuantParams resolve(const char* op, const std::string& mode_name, std::optional<int> gs,
                    std::optional<int> bits) {
  QuantMode mode = parse_mode(mode_name, op);
  if (mode == QuantMode::affine) {
    int g = gs.value_or(64), b = bits.value_or(4);
    if (g != 32 && g != 64 && g != 128) {
      fail(op, "The requested group size " + std::to_string(g) +
                   " is not supported. The supported group sizes are 32, 64, and 128.");
    }
    if (b < 1 || b > 8 || b == 7) {
      fail(op, "The requested number of bits " + std::to_string(b) +
                   " is not supported. The supported bits are 1, 2, 3, 4, 5, 6 and 8.");
    }
    return {mode, g, b};
  }
  const int want_gs = mode == QuantMode::nvfp4 ? 16 : 32;
  const int want_bits = mode == QuantMode::mxfp8 ? 8 : 4;
  int g = gs.value_or(want_gs), b = bits.value_or(want_bits);
  if (g != want_gs) {
    fail(op, std::string(quant_mode_name(mode)) + " quantization requires group size " +
                 std::to_string(want_gs) + " but got " + std::to_string(g) + ".");
  }
  if (b != want_bits) {
    fail(op, std::string(quant_mode_name(mode)) + " quantization requires bits to be " +
                 std::to_string(want_bits) + " but got " + std::to_string(b) + ".");
  }
  return {mode, g, b};
}

void check_global(const char* op, QuantMode mode, const std::optional<array>& g) {
  if (!g) return;
  if (mode != QuantMode::nvfp4) {
    fail(op, "Global scale is only supported for 'nvfp4' quantization mode.");
  }
  if (g->size() != 1) fail(op, "The global scale must be a single value.");
}

/// Checks packed w / scales / biases and returns the expanded (unpacked) last dim.
ShapeElem check_packed(const char* op, const QuantParams& p, const array& w,
                       const array& scales, const std::optional<array>& biases) {
  if (p.mode == QuantMode::affine && !biases) {
    fail(op, "Biases must be provided for affine quantization.");
  }
  if (p.mode == QuantMode::affine &&
      (!is_floating_point(scales.dtype()) || !is_floating_point(biases->dtype()))) {
    fail(op, std::string("Scales and biases must be floating point but got ") +
                 dtype_name(scales.dtype()) + " and " + dtype_name(biases->dtype()) + ".");
  }
  if (p.mode != QuantMode::affine) {
    if (biases) {
      fail(op, std::string("Biases must be null for quantization mode '") +
                   quant_mode_name(p.mode) + "'.");
    }
    if (scales.dtype() != uint8) {
      fail(op, std::string("Scale type must be uint8 but received type ") +
                   dtype_name(scales.dtype()) + ".");
    }
  }
  if (w.dtype() != uint32) {
    fail(op, std::string("The weight matrix should be uint32 but received ") +
                 dtype_name(w.dtype()));
  }
  if (w.ndim() < 2) {
    fail(op, "The matrix to be dequantized must have at least 2 dimension but it has only " +
                 std::to_string(w.ndim()) + ".");
  }
  ShapeElem K = w.shape(-1) * 32 / p.bits;
  Shape expect = w.shape();
  expect.back() = K / p.group_size;
  bool ok = (w.shape(-1) * 32) % p.bits == 0 && K % p.group_size == 0 &&
            scales.shape() == expect && (!biases || biases->shape() == expect);
  if (!ok) {
    fail(op, "Shape of scales and biases does not match the matrix given the quantization "
             "parameters. Provided matrix of shape " + shape_str(w.shape()) +
             " and scales/biases of shape " + shape_str(scales.shape()) +
             " with group_size=" + std::to_string(p.group_size) + " and bits=" +
             std::to_string(p.bits) + ".");
  }
  return K;
}

}  // namespace

std::vector<array> quantize(const array& w, std::optional<int> group_size,
                            std::optional<int> bits, const std::string& mode,
                            const std::optional<array>& global_scale, StreamOrDevice s) {
  const char* op = "quantize";
  auto p = resolve(op, mode, group_size, bits);
  check_global(op, p.mode, global_scale);
  if (!is_floating_point(w.dtype())) {
    fail(op, std::string("Only real floating types can be quantized but w has type ") +
                 dtype_name(w.dtype()) + ".");
  }
  if (w.ndim() < 2) {
    fail(op, "The matrix to be quantized must have at least 2 dimension but it has only " +
                 std::to_string(w.ndim()) + ".");
  }
  if (w.shape(-1) % p.group_size != 0) {
    fail(op, "The last dimension of the matrix needs to be divisible by the quantization "
             "group size " + std::to_string(p.group_size) +
             ". However the provided  matrix has shape " + shape_str(w.shape()));
  }
  auto st = to_stream(s);
  Shape packed = w.shape(), groups = w.shape();
  packed.back() = w.shape(-1) * p.bits / 32;
  groups.back() = w.shape(-1) / p.group_size;
  std::vector<array> inputs{astype(w, float32, st)};
  if (global_scale) inputs.push_back(astype(reshape(*global_scale, {}, st), float32, st));
  auto prim = std::make_shared<Quantize>(st, p);
  if (p.mode == QuantMode::affine) {
    auto outs = array::make_arrays({packed, groups, groups}, {uint32, float32, float32}, prim,
                                   inputs);
    return {outs[0], astype(outs[1], w.dtype(), st), astype(outs[2], w.dtype(), st)};
  }
  return array::make_arrays({packed, groups}, {uint32, uint8}, prim, inputs);
}

array dequantize(const array& w, const array& scales, const std::optional<array>& biases,
                 std::optional<int> group_size, std::optional<int> bits,
                 const std::string& mode, const std::optional<array>& global_scale,
                 std::optional<Dtype> dtype, StreamOrDevice s) {
  const char* op = "dequantize";
  auto p = resolve(op, mode, group_size, bits);
  check_global(op, p.mode, global_scale);
  if (w.ndim() < 2) {
    fail(op, "The matrix to be dequantized must have at least 2 dimension but it has only " +
                 std::to_string(w.ndim()) + ".");
  }
  if (w.dtype() != uint32) fail(op, "The matrix should be given as a uint32");
  Dtype out_type = float32;
  if (dtype) {
    out_type = *dtype;
  } else if (p.mode == QuantMode::affine) {
    out_type = biases ? promote_types(scales.dtype(), biases->dtype()) : scales.dtype();
  } else {
    out_type = bfloat16;
  }
  if (!is_floating_point(out_type)) {
    fail(op, std::string("Only real floating types are supported but output dtype == ") +
                 dtype_name(out_type) + ".");
  }
  check_packed(op, p, w, scales, biases);
  auto st = to_stream(s);
  std::vector<array> inputs{w};
  if (p.mode == QuantMode::affine) {
    inputs.push_back(astype(scales, float32, st));
    inputs.push_back(astype(*biases, float32, st));
  } else {
    inputs.push_back(scales);
  }
  if (global_scale) inputs.push_back(astype(reshape(*global_scale, {}, st), float32, st));
  Shape out_shape = w.shape();
  out_shape.back() = w.shape(-1) * 32 / p.bits;
  auto out = array(out_shape, float32,
                   std::make_shared<Dequantize>(st, p, global_scale.has_value()), inputs);
  return astype(out, out_type, st);
}

array quantized_matmul(const array& x, const array& w, const array& scales,
                       const std::optional<array>& biases, bool transpose,
                       std::optional<int> group_size, std::optional<int> bits,
                       const std::string& mode, StreamOrDevice s) {
  const char* op = "quantized_matmul";
  auto p = resolve(op, mode, group_size, bits);
  if (p.mode == QuantMode::affine && !biases) {
    fail(op, "Biases must be provided for affine quantization.");
  }
  if (w.dtype() != uint32) {
    fail(op, std::string("The weight matrix should be uint32 but received ") +
                 dtype_name(w.dtype()));
  }
  if (w.ndim() < 2) fail(op, "The quantized matrix must have at least 2 dimensions.");
  if (x.ndim() < 1) fail(op, "The input must have at least 1 dimension.");
  {
    Shape expect = w.shape();
    expect.back() = w.shape(-1) * 32 / p.bits / p.group_size;
    if (scales.shape() != expect || (biases && biases->shape() != expect)) {
      fail(op, "The shapes of the weight and scales are incompatible based on bits and "
               "group_size. w.shape() == " + shape_str(w.shape()) + " and scales.shape() == " +
               shape_str(scales.shape()) + " with group_size=" + std::to_string(p.group_size) +
               " and bits=" + std::to_string(p.bits));
    }
  }
  check_packed(op, p, w, scales, biases);
  const ShapeElem rows = w.shape(-2), cols = w.shape(-1) * 32 / p.bits;
  const ShapeElem K = transpose ? cols : rows, N = transpose ? rows : cols;
  if (x.shape(-1) != K) {
    fail(op, "Last dimension of first input with shape (..., " + std::to_string(x.shape(-1)) +
                 ") does not match the expanded quantized matrix (" + std::to_string(K) +
                 ", " + std::to_string(N) + ") computed from shape " + shape_str(w.shape()) +
                 " with group_size=" + std::to_string(p.group_size) + ", bits=" +
                 std::to_string(p.bits) + " and transpose=" + (transpose ? "true" : "false"));
  }
  Dtype out_type = at_least_float(x.dtype());
  if (p.mode == QuantMode::affine) {
    out_type = promote_types(out_type, promote_types(scales.dtype(), biases->dtype()));
  }
  auto st = to_stream(s);
  if (w.ndim() > 2) {
    // Batched weights: expand them once and let matmul broadcast the batch dims.
    auto wf = dequantize(w, scales, biases, p.group_size, p.bits, mode, std::nullopt, float32,
                         st);
    auto y = matmul(astype(x, float32, st), transpose ? swapaxes(wf, -1, -2, st) : wf, st);
    return astype(y, out_type, st);
  }
  const bool vec = x.ndim() == 1;
  auto xf = astype(vec ? reshape(x, {1, K}, st) : x, float32, st);
  Shape out_shape = xf.shape();
  out_shape.back() = N;
  std::vector<array> inputs{xf, w};
  if (p.mode == QuantMode::affine) {
    inputs.push_back(astype(scales, float32, st));
    inputs.push_back(astype(*biases, float32, st));
  } else {
    inputs.push_back(scales);
  }
  auto y = array(out_shape, float32, std::make_shared<QuantizedMatmul>(st, p, transpose),
                 inputs);
  if (vec) y = reshape(y, {N}, st);
  return astype(y, out_type, st);
}

namespace {

bool qq_float(Dtype t) { return t == float32 || t == float16 || t == bfloat16; }

/// The value of dequantize(quantize(a)) in float32, with a's gradient passing
/// straight through: q + (a - a) is exactly q and differentiates as a.
array fake_quantize(const array& a, const QuantParams& p, const std::string& mode,
                    const std::optional<array>& global, const Stream& s) {
  auto af = astype(a, float32, s);
  auto q = quantize(af, p.group_size, p.bits, mode, global, s);
  auto value = dequantize(q[0], q[1], std::nullopt, p.group_size, p.bits, mode, global,
                          float32, s);
  return add(stop_gradient(value, s), subtract(af, stop_gradient(af, s), s), s);
}

}  // namespace

array qqmm(const array& x, const array& w, const std::optional<array>& scales,
           std::optional<int> group_size, std::optional<int> bits, const std::string& mode,
           const std::optional<array>& global_scale_x, const std::optional<array>& global_scale_w,
           StreamOrDevice sd) {
  const char* op = "qqmm";
  auto p = resolve(op, mode, group_size, bits);
  if (p.mode != QuantMode::nvfp4 && p.mode != QuantMode::mxfp8) {
    fail(op, "Only 'nvfp4' and 'mxfp8' quantization modes are supported but mode == '" +
                 mode + "'.");
  }
  check_global(op, p.mode, global_scale_x);
  check_global(op, p.mode, global_scale_w);
  if (!qq_float(x.dtype())) {
    fail(op, std::string("Only real floating types except float64 are supported but first "
                         "argument dtype == ") + dtype_name(x.dtype()) + ".");
  }
  if (x.ndim() < 1) fail(op, "The input must have at least 1 dimension.");
  if (w.ndim() < 2) fail(op, "The weight matrix must have at least 2 dimensions.");
  auto s = to_stream(sd);
  const bool packed = is_integral(w.dtype()) && !is_signed_int(w.dtype());
  array w_eff = w;
  if (packed) {
    if (!scales) fail(op, "Scales must be provided if second argument is quantized.");
    if (w.dtype() != uint32) {
      fail(op, std::string("The quantized matrix should be uint32 but received ") +
                   dtype_name(w.dtype()) + ".");
    }
    Shape expect = w.shape();
    expect.back() = w.shape(-1) * 32 / p.bits / p.group_size;
    if (scales->shape() != expect) {
      fail(op, "The shapes of the weight and scales are incompatible based on bits and "
               "group_size. w.shape() == " + shape_str(w.shape()) + " and scales.shape() == " +
               shape_str(scales->shape()) + " with group_size=" + std::to_string(p.group_size) +
               " and bits=" + std::to_string(p.bits));
    }
    w_eff = dequantize(w, *scales, std::nullopt, p.group_size, p.bits, mode, global_scale_w,
                       float32, s);
  } else {
    if (scales) fail(op, "Scales must not be provided if second argument is not quantized.");
    if (!qq_float(w.dtype())) {
      fail(op, std::string("Only real floating types except float64 are supported but second "
                           "argument dtype == ") + dtype_name(w.dtype()) + ".");
    }
  }
  const ShapeElem K = packed ? w.shape(-1) * 32 / p.bits : w.shape(-1);
  if (x.shape(-1) != K) {
    fail(op, "Last dimension of first input with shape (..., " + std::to_string(x.shape(-1)) +
                 ") does not match the expanded quantized matrix (" + std::to_string(K) + ", " +
                 std::to_string(w.shape(-2)) + ") computed from shape " + shape_str(w.shape()) +
                 " with group_size=" + std::to_string(p.group_size) + ", bits=" +
                 std::to_string(p.bits) + " and transpose=true");
  }
  if (!packed) w_eff = fake_quantize(w, p, mode, global_scale_w, s);
  auto x_eff = fake_quantize(x, p, mode, global_scale_x, s);
  return astype(matmul(x_eff, swapaxes(w_eff, -1, -2, s), s), x.dtype(), s);
}

array to_fp8(const array& x, StreamOrDevice sd) {
  if (!is_floating_point(x.dtype())) {
    fail("to_fp8", msg("Only real floating types are supported but x.dtype() == ",
                       dtype_name(x.dtype()), "."));
  }
  auto s = to_stream(sd);
  return array(x.shape(), uint8, std::make_shared<ToFP8>(s), {x});
}

array from_fp8(const array& x, Dtype dtype, StreamOrDevice sd) {
  if (x.dtype() != uint8) {
    fail("from_fp8", msg("Input must have type uint8 but x.dtype() == ", dtype_name(x.dtype()),
                         "."));
  }
  if (!is_floating_point(dtype)) {
    fail("from_fp8", msg("Only real floating types are supported but dtype == ",
                         dtype_name(dtype), "."));
  }
  auto s = to_stream(sd);
  return array(x.shape(), dtype, std::make_shared<FromFP8>(s, dtype), {x});
}

}  // namespace lumex::core
