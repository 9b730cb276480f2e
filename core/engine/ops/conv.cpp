// Convolution ops: MLX's argument handling and checks, all lowered to one
// Convolution node (transposed convolutions and convolve included).
#include "engine/ops/conv.h"

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/primitives/conv.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

std::string ints_str(const std::vector<int>& v) {
  return shape_str(Shape(v.begin(), v.end()));
}

/// One value for every spatial dim, or exactly one per dim.
std::vector<int> per_dim(std::vector<int> v, int dims, int fallback, const char* what) {
  if (v.empty()) v = {fallback};
  if (v.size() == 1 && dims != 1) v.assign(dims, v[0]);
  if (static_cast<int>(v.size()) != dims) {
    throw std::invalid_argument(
        msg("[conv] Invalid ", what, " ", ints_str(v), " for ", dims, "D convolution."));
  }
  return v;
}

void check_positive(const std::vector<int>& v, const char* what, const char* plural) {
  for (int x : v) {
    if (x <= 0) {
      throw std::invalid_argument(msg("[conv] ", what, " sizes must be positive. Got ",
                                      plural, " ", ints_str(v), "."));
    }
  }
}

Shape conv_out_shape(const array& in, const array& w, const ConvParams& p) {
  int sd = in.ndim() - 2;
  Shape out{in.shape(0)};
  for (int i = 0; i < sd; ++i) {
    int64_t L = in.shape(i + 1);
    int64_t dilated = L > 0 ? (L - 1) * p.input_dilation[i] + 1 : 0;
    int64_t padded = dilated + p.padding_lo[i] + p.padding_hi[i];
    int64_t kext = (w.shape(i + 1) - 1) * int64_t(p.kernel_dilation[i]) + 1;
    out.push_back(padded < kext ? 0 : (padded - kext) / p.stride[i] + 1);
  }
  out.push_back(w.shape(0));
  return out;
}

}  // namespace

array convolution(const array& input, const array& weight, const ConvParams& p,
                  StreamOrDevice s) {
  return array(conv_out_shape(input, weight, p), input.dtype(),
               std::make_shared<Convolution>(to_stream(s), p), {input, weight});
}

array conv_general(array input, array weight, std::vector<int> stride,
                   std::vector<int> padding_lo, std::vector<int> padding_hi,
                   std::vector<int> kernel_dilation, std::vector<int> input_dilation,
                   int groups, bool flip, StreamOrDevice s) {
  if (input.ndim() < 3 || input.ndim() > 5) {
    throw std::invalid_argument(
        "[conv] Only works for inputs with 1-3 spatial dimensions. The inputs must "
        "be in the format [N, ..., C_in]");
  }
  int sd = input.ndim() - 2;
  if (weight.ndim() != input.ndim()) {
    throw std::invalid_argument(
        msg("[conv] Invalid weight array with ", weight.ndim(), " dimensions for ", sd,
            "D convolution. Expected an array with ", input.ndim(),
            " dimensions following the format [C_out, ..., C_in]."));
  }
  if (groups < 1) {
    throw std::invalid_argument(
        msg("[conv] The number of groups must be positive. Got ", groups, "."));
  }
  auto C = input.shape(-1);
  if (C % groups != 0) {
    throw std::invalid_argument(
        msg("[conv] The input channels must be divisible by the number of groups. Got "
            "input with shape ", shape_str(input.shape()), " and ", groups, " groups."));
  }
  if (C != weight.shape(-1) * groups) {
    if (groups == 1) {
      throw std::invalid_argument(
          msg("[conv] Expect the input channels in the input and weight array to "
              "match but got shapes - input: ", shape_str(input.shape()),
              " and weight: ", shape_str(weight.shape())));
    }
    throw std::invalid_argument(
        msg("[conv] Given groups=", groups, " and weights of shape ",
            shape_str(weight.shape()), ", expected to have ", weight.shape(-1) * groups,
            " input channels but got ", C, " input channels instead."));
  }
  if (weight.shape(0) % groups != 0) {
    throw std::invalid_argument(
        msg("[conv] If groups > 1, the output channels must be divisible by the number "
            "of groups. Got ", weight.shape(0), " output channels and ", groups,
            " groups."));
  }
  Dtype dtype = promote_types(input.dtype(), weight.dtype());
  if (!issubdtype(dtype, DtypeCategory::floating)) {
    throw std::invalid_argument(
        msg("[conv] Invalid input array with type ", dtype_name(dtype),
            ". Convolution currently only supports floating point types"));
  }
  ConvParams p;
  p.stride = per_dim(std::move(stride), sd, 1, "strides");
  p.kernel_dilation = per_dim(std::move(kernel_dilation), sd, 1, "kernel dilation");
  p.input_dilation = per_dim(std::move(input_dilation), sd, 1, "input dilation");
  if (padding_hi.empty()) padding_hi = padding_lo;
  if (padding_lo.empty()) padding_lo = padding_hi = {0};
  if (!(padding_lo.size() == padding_hi.size() &&
        (padding_lo.size() == 1 || static_cast<int>(padding_lo.size()) == sd))) {
    throw std::invalid_argument(msg("[conv] Invalid padding ", ints_str(padding_lo),
                                    " | ", ints_str(padding_hi), " for ", sd,
                                    "D convolution."));
  }
  p.padding_lo = per_dim(std::move(padding_lo), sd, 0, "padding");
  p.padding_hi = per_dim(std::move(padding_hi), sd, 0, "padding");
  check_positive(p.stride, "Stride", "strides");
  check_positive(p.kernel_dilation, "Kernel dilation", "kernel dilation");
  check_positive(p.input_dilation, "Input dilation", "input dilation");
  p.groups = groups;
  p.flip = flip;
  // Negative padding removes whole input elements before the input is dilated,
  // as in MLX (the primitive itself crops in dilated coordinates, for the rules).
  Shape start(input.ndim(), 0), stop = input.shape();
  bool crop = false;
  for (int i = 0; i < sd; ++i) {
    if (p.padding_lo[i] < 0 || p.padding_hi[i] < 0) {
      crop = true;
      start[i + 1] = std::min<int64_t>(std::max(0, -p.padding_lo[i]), stop[i + 1]);
      stop[i + 1] = std::max(start[i + 1], stop[i + 1] - std::max(0, -p.padding_hi[i]));
      p.padding_lo[i] = std::max(0, p.padding_lo[i]);
      p.padding_hi[i] = std::max(0, p.padding_hi[i]);
    }
  }
  if (crop) input = slice(input, start, stop, s);
  for (int i = 0; i < sd; ++i) {
    int64_t L = input.shape(i + 1);
    int64_t dilated = L > 0 ? (L - 1) * int64_t(p.input_dilation[i]) + 1 : 0;
    int64_t padded = dilated + p.padding_lo[i] + p.padding_hi[i];
    int64_t kext = (weight.shape(i + 1) - 1) * int64_t(p.kernel_dilation[i]) + 1;
    if (padded < kext) {
      throw std::invalid_argument(
          msg("[conv] Spatial dimensions of input after padding cannot be smaller "
              "than weight spatial dimensions. Got error at axis ", i + 1,
              " for input with shape ", shape_str(input.shape()), ", padding low ",
              ints_str(p.padding_lo), ", padding high ", ints_str(p.padding_hi),
              ", and weight of shape ", shape_str(weight.shape()), "."));
    }
  }
  input = astype(input, dtype, s);
  weight = astype(weight, dtype, s);
  return convolution(input, weight, p, s);
}

array conv1d(const array& input, const array& weight, int stride, int padding,
             int dilation, int groups, StreamOrDevice s) {
  return conv_general(input, weight, {stride}, {padding}, {padding}, {dilation}, {1},
                      groups, false, s);
}

array conv2d(const array& input, const array& weight, const std::vector<int>& stride,
             const std::vector<int>& padding, const std::vector<int>& dilation,
             int groups, StreamOrDevice s) {
  return conv_general(input, weight, stride, padding, padding, dilation, {1}, groups,
                      false, s);
}

array conv3d(const array& input, const array& weight, const std::vector<int>& stride,
             const std::vector<int>& padding, const std::vector<int>& dilation,
             int groups, StreamOrDevice s) {
  return conv_general(input, weight, stride, padding, padding, dilation, {1}, groups,
                      false, s);
}

array conv_transpose_general(const array& input, const array& weight,
                             std::vector<int> stride, std::vector<int> padding,
                             std::vector<int> dilation,
                             std::vector<int> output_padding, int groups,
                             StreamOrDevice s) {
  if (input.ndim() < 3 || input.ndim() > 5 || weight.ndim() != input.ndim()) {
    // conv_general words these errors.
    return conv_general(input, weight, {}, {}, {}, {}, {}, groups, true, s);
  }
  int sd = input.ndim() - 2;
  padding = per_dim(std::move(padding), sd, 0, "padding");
  dilation = per_dim(std::move(dilation), sd, 1, "kernel dilation");
  output_padding = per_dim(std::move(output_padding), sd, 0, "output padding");
  // The transpose of a strided correlation: the input spread out by the stride,
  // read by the reversed kernel, with the padding taken back from the full extent.
  std::vector<int> lo(sd), hi(sd);
  for (int i = 0; i < sd; ++i) {
    int full = dilation[i] * static_cast<int>(weight.shape(i + 1) - 1);
    lo[i] = full - padding[i];
    hi[i] = full - padding[i] + output_padding[i];
  }
  return conv_general(input, weight, {1}, lo, hi, dilation, std::move(stride), groups,
                      true, s);
}

array conv_transpose1d(const array& input, const array& weight, int stride,
                       int padding, int dilation, int output_padding, int groups,
                       StreamOrDevice s) {
  return conv_transpose_general(input, weight, {stride}, {padding}, {dilation},
                                {output_padding}, groups, s);
}

array conv_transpose2d(const array& input, const array& weight,
                       const std::vector<int>& stride, const std::vector<int>& padding,
                       const std::vector<int>& dilation,
                       const std::vector<int>& output_padding, int groups,
                       StreamOrDevice s) {
  return conv_transpose_general(input, weight, stride, padding, dilation,
                                output_padding, groups, s);
}

array conv_transpose3d(const array& input, const array& weight,
                       const std::vector<int>& stride, const std::vector<int>& padding,
                       const std::vector<int>& dilation,
                       const std::vector<int>& output_padding, int groups,
                       StreamOrDevice s) {
  return conv_transpose_general(input, weight, stride, padding, dilation,
                                output_padding, groups, s);
}

array convolve(const array& a, const array& v, const std::string& mode,
               StreamOrDevice s) {
  if (a.ndim() != 1 || v.ndim() != 1) {
    throw std::invalid_argument("[convolve] Inputs must be 1D.");
  }
  if (a.size() == 0 || v.size() == 0) {
    throw std::invalid_argument("[convolve] Inputs cannot be empty.");
  }
  // NumPy's convolve is symmetric: the longer array is the signal.
  const array& sig = a.size() >= v.size() ? a : v;
  const array& ker = a.size() >= v.size() ? v : a;
  int k = static_cast<int>(ker.size());
  int lo, hi;
  if (mode == "full") {
    lo = hi = k - 1;
  } else if (mode == "same") {
    lo = k / 2;  // NumPy centers the full result, dropping the extra element last
    hi = k - 1 - k / 2;
  } else if (mode == "valid") {
    lo = hi = 0;
  } else {
    throw std::invalid_argument("[convolve] Invalid mode.");
  }
  auto out = conv_general(reshape(sig, {1, sig.shape(0), 1}, s),
                          reshape(ker, {1, ker.shape(0), 1}, s), {1}, {lo}, {hi}, {1},
                          {1}, 1, true, s);
  return reshape(out, {out.shape(1)}, s);
}

}  // namespace lumex::core
