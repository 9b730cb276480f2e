// Convolutions with MLX's channels-last layout: input (N, spatial..., C_in),
// weight (C_out, kernel spatial..., C_in / groups), output (N, spatial..., C_out).
#pragma once

#include <string>
#include <vector>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

struct ConvParams;

/// Every convolution: one- or per-dim values for stride, padding (low and high
/// sides, negative crops), kernel and input dilation; `flip` reverses the kernel.
array conv_general(array input, array weight, std::vector<int> stride = {},
                   std::vector<int> padding_lo = {}, std::vector<int> padding_hi = {},
                   std::vector<int> kernel_dilation = {},
                   std::vector<int> input_dilation = {}, int groups = 1,
                   bool flip = false, StreamOrDevice s = {});
array conv1d(const array& input, const array& weight, int stride = 1, int padding = 0,
             int dilation = 1, int groups = 1, StreamOrDevice s = {});
array conv2d(const array& input, const array& weight,
             const std::vector<int>& stride = {1, 1},
             const std::vector<int>& padding = {0, 0},
             const std::vector<int>& dilation = {1, 1}, int groups = 1,
             StreamOrDevice s = {});
array conv3d(const array& input, const array& weight,
             const std::vector<int>& stride = {1, 1, 1},
             const std::vector<int>& padding = {0, 0, 0},
             const std::vector<int>& dilation = {1, 1, 1}, int groups = 1,
             StreamOrDevice s = {});
/// The gradient of the matching convolution w.r.t. its input: the input is
/// dilated by `stride` and the kernel flipped; `output_padding` extends the end.
/// All per-dim arguments take one value or one per spatial dim.
array conv_transpose_general(const array& input, const array& weight,
                             std::vector<int> stride, std::vector<int> padding,
                             std::vector<int> dilation,
                             std::vector<int> output_padding, int groups,
                             StreamOrDevice s = {});
array conv_transpose1d(const array& input, const array& weight, int stride = 1,
                       int padding = 0, int dilation = 1, int output_padding = 0,
                       int groups = 1, StreamOrDevice s = {});
array conv_transpose2d(const array& input, const array& weight,
                       const std::vector<int>& stride = {1, 1},
                       const std::vector<int>& padding = {0, 0},
                       const std::vector<int>& dilation = {1, 1},
                       const std::vector<int>& output_padding = {0, 0},
                       int groups = 1, StreamOrDevice s = {});
array conv_transpose3d(const array& input, const array& weight,
                       const std::vector<int>& stride = {1, 1, 1},
                       const std::vector<int>& padding = {0, 0, 0},
                       const std::vector<int>& dilation = {1, 1, 1},
                       const std::vector<int>& output_padding = {0, 0, 0},
                       int groups = 1, StreamOrDevice s = {});
/// NumPy's convolve of two 1-D arrays: mode "full", "same" or "valid".
array convolve(const array& a, const array& v, const std::string& mode = "full",
               StreamOrDevice s = {});

/// The Convolution node itself, without the user-facing checks: the transform
/// rules use it with negative padding. Inputs must share a floating dtype.
array convolution(const array& input, const array& weight, const ConvParams& p,
                  StreamOrDevice s = {});

}  // namespace lumex::core
