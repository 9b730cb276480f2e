// mlx.core's quantization ops: quantize, dequantize and quantized_matmul, in MLX's
// modes ("affine" with bits 1-6/8 and group sizes 32/64/128; "mxfp4", "mxfp8" and
// "nvfp4") and MLX's packing, so weights quantized by MLX load and multiply the same.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

/// [packed, scales, biases] for "affine", [packed, scales] for the fp modes.
std::vector<array> quantize(const array& w, std::optional<int> group_size = std::nullopt,
                            std::optional<int> bits = std::nullopt,
                            const std::string& mode = "affine",
                            const std::optional<array>& global_scale = std::nullopt,
                            StreamOrDevice s = {});

array dequantize(const array& w, const array& scales,
                 const std::optional<array>& biases = std::nullopt,
                 std::optional<int> group_size = std::nullopt,
                 std::optional<int> bits = std::nullopt, const std::string& mode = "affine",
                 const std::optional<array>& global_scale = std::nullopt,
                 std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});

/// x @ dequantize(w).T (transpose) or x @ dequantize(w).
array quantized_matmul(const array& x, const array& w, const array& scales,
                       const std::optional<array>& biases = std::nullopt,
                       bool transpose = true, std::optional<int> group_size = std::nullopt,
                       std::optional<int> bits = std::nullopt,
                       const std::string& mode = "affine", StreamOrDevice s = {});

/// x quantized on the fly times w (quantized on the fly, or already packed with
/// `scales`), transposed: dequantize(quantize(x)) @ dequantize(w).T in float32,
/// in x's dtype. Modes "nvfp4" and "mxfp8". Gradients pass straight through the
/// quantization to x and to a non-quantized w.
array qqmm(const array& x, const array& w, const std::optional<array>& scales = std::nullopt,
           std::optional<int> group_size = std::nullopt, std::optional<int> bits = std::nullopt,
           const std::string& mode = "nvfp4",
           const std::optional<array>& global_scale_x = std::nullopt,
           const std::optional<array>& global_scale_w = std::nullopt, StreamOrDevice s = {});

/// x (a real float dtype) as fp8 E4M3 codes (uint8).
array to_fp8(const array& x, StreamOrDevice s = {});
/// fp8 E4M3 codes (uint8) as values of the float `dtype`.
array from_fp8(const array& x, Dtype dtype = bfloat16, StreamOrDevice s = {});

}  // namespace lumex::core
