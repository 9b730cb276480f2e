// Convolutions: conv1d/2d/3d, conv_general, the transposed ones and convolve.
// Per-dim arguments take an int or a tuple of the convolution's rank, as MLX.
#include "common.h"
#include "engine/ops.h"
#include "engine/ops/conv.h"

using namespace lx;

namespace {
using Pair = std::variant<int, std::pair<int, int>>;
using Triple = std::variant<int, std::tuple<int, int, int>>;
using IntOrSeq = std::variant<int, std::vector<int>>;
using Padding =
    std::variant<int, std::vector<int>, std::pair<std::vector<int>, std::vector<int>>>;

std::vector<int> dims(const Pair& v) {
  if (auto i = std::get_if<int>(&v)) return {*i, *i};
  auto [a, b] = std::get<std::pair<int, int>>(v);
  return {a, b};
}
std::vector<int> dims(const Triple& v) {
  if (auto i = std::get_if<int>(&v)) return {*i, *i, *i};
  auto [a, b, c] = std::get<std::tuple<int, int, int>>(v);
  return {a, b, c};
}
std::vector<int> dims(const IntOrSeq& v) {
  if (auto i = std::get_if<int>(&v)) return {*i};
  return std::get<std::vector<int>>(v);
}
int dims(int v) { return v; }  // conv1d and conv_transpose1d take plain ints

/// MLX's per-dimension argument of an N-D convolution: an int (1D), or an int or a
/// tuple of N.
template <int N>
using PerDim = std::conditional_t<N == 1, int, std::conditional_t<N == 2, Pair, Triple>>;

/// conv1d/2d/3d: the same arguments at every rank.
template <int N, auto Op>
void def_conv(nb::module_& m, const char* name, const char* sig, const char* doc) {
  m.def(name,
        [](const array& input, const array& weight, const PerDim<N>& stride,
           const PerDim<N>& padding, const PerDim<N>& dilation, int groups, StreamArg s) {
          return Op(input, weight, dims(stride), dims(padding), dims(dilation), groups,
                    to_sod(s));
        },
        nb::arg(), nb::arg(), "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
        "groups"_a = 1, nb::kw_only(), "stream"_a = nb::none(), nb::sig(sig), doc);
}

/// conv_transpose1d/2d/3d: the same arguments at every rank.
template <int N, auto Op>
void def_conv_transpose(nb::module_& m, const char* name, const char* sig, const char* doc) {
  m.def(name,
        [](const array& input, const array& weight, const PerDim<N>& stride,
           const PerDim<N>& padding, const PerDim<N>& dilation,
           const PerDim<N>& output_padding, int groups, StreamArg s) {
          return Op(input, weight, dims(stride), dims(padding), dims(dilation),
                    dims(output_padding), groups, to_sod(s));
        },
        nb::arg(), nb::arg(), "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
        "output_padding"_a = 0, "groups"_a = 1, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig(sig), doc);
}

}  // namespace

void init_ops_conv(nb::module_& m) {
  def_conv<1, conv1d>(
      m, "conv1d",
      "def conv1d(input: array, weight: array, /, stride: int = 1, padding: int = 0, dilation: int = 1, groups: int = 1, *, stream: Stream | Device | None = None) -> array",
      R"(1D convolution over an input with several channels.

Args:
    input (array): Input array of shape ``(N, L, C_in)``.
    weight (array): Weight array of shape ``(C_out, K, C_in / groups)``.
    stride (int, optional): Kernel stride. Default: ``1``.
    padding (int, optional): Input padding on both sides. Default: ``0``.
    dilation (int, optional): Kernel dilation. Default: ``1``.
    groups (int, optional): Input feature groups. Default: ``1``.
Returns:
    array: The convolved array.)");

  def_conv<2, conv2d>(
      m, "conv2d",
      "def conv2d(input: array, weight: array, /, stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1, groups: int = 1, *, stream: Stream | Device | None = None) -> array",
      R"(2D convolution over an input with several channels.

Args:
    input (array): Input array of shape ``(N, H, W, C_in)``.
    weight (array): Weight array of shape ``(C_out, KH, KW, C_in / groups)``.
    stride (int or tuple(int), optional): Kernel strides, one for both spatial
        dimensions or a tuple of 2. Default: ``1``.
    padding (int or tuple(int), optional): Symmetric input padding, one for both
        spatial dimensions or a tuple of 2. Default: ``0``.
    dilation (int or tuple(int), optional): Kernel dilation, one for both spatial
        dimensions or a tuple of 2. Default: ``1``.
    groups (int, optional): Input feature groups. Default: ``1``.
Returns:
    array: The convolved array.)");

  def_conv<3, conv3d>(
      m, "conv3d",
      "def conv3d(input: array, weight: array, /, stride: int | tuple[int, int, int] = 1, padding: int | tuple[int, int, int] = 0, dilation: int | tuple[int, int, int] = 1, groups: int = 1, *, stream: Stream | Device | None = None) -> array",
      R"(3D convolution over an input with several channels.

Args:
    input (array): Input array of shape ``(N, D, H, W, C_in)``.
    weight (array): Weight array of shape ``(C_out, KD, KH, KW, C_in / groups)``.
    stride (int or tuple(int), optional): Kernel strides, one for all spatial
        dimensions or a tuple of 3. Default: ``1``.
    padding (int or tuple(int), optional): Symmetric input padding, one for all
        spatial dimensions or a tuple of 3. Default: ``0``.
    dilation (int or tuple(int), optional): Kernel dilation, one for all spatial
        dimensions or a tuple of 3. Default: ``1``.
    groups (int, optional): Input feature groups. Default: ``1`` (MLX allows only
        ``1`` in 3D; lumex takes any).
Returns:
    array: The convolved array.)");

  m.def("conv_general",
        [](const array& input, const array& weight, const IntOrSeq& stride,
           const Padding& padding, const IntOrSeq& kernel_dilation,
           const IntOrSeq& input_dilation, int groups, bool flip, StreamArg s) {
          std::vector<int> lo, hi;
          if (auto i = std::get_if<int>(&padding)) {
            lo = hi = {*i};
          } else if (auto v = std::get_if<std::vector<int>>(&padding)) {
            lo = hi = *v;
          } else {
            std::tie(lo, hi) =
                std::get<std::pair<std::vector<int>, std::vector<int>>>(padding);
          }
          return conv_general(input, weight, dims(stride), lo, hi,
                              dims(kernel_dilation), dims(input_dilation), groups, flip,
                              to_sod(s));
        },
        nb::arg(), nb::arg(), "stride"_a = 1, "padding"_a = 0, "kernel_dilation"_a = 1,
        "input_dilation"_a = 1, "groups"_a = 1, "flip"_a = false, nb::kw_only(),
        "stream"_a = nb::none(),
        nb::sig("def conv_general(input: array, weight: array, /, stride: int | Sequence[int] = 1, padding: int | Sequence[int] | tuple[Sequence[int], Sequence[int]] = 0, kernel_dilation: int | Sequence[int] = 1, input_dilation: int | Sequence[int] = 1, groups: int = 1, flip: bool = False, *, stream: Stream | Device | None = None) -> array"),
        R"(General convolution over an input with several channels.

Args:
    input (array): Input array of shape ``(N, ..., C_in)`` with 1 to 3 spatial
        dimensions.
    weight (array): Weight array of shape ``(C_out, ..., C_in / groups)``.
    stride (int or list(int), optional): Kernel strides, one for all spatial
        dimensions or one each. Default: ``1``.
    padding (int, list(int), or tuple(list(int), list(int)), optional): Input
        padding: one value for all sides, one per spatial dimension (both sides),
        or a pair of lists (low sides, high sides). Negative values crop.
        Default: ``0``.
    kernel_dilation (int or list(int), optional): Kernel dilation. Default: ``1``.
    input_dilation (int or list(int), optional): Input dilation (zeros inserted
        between input elements). Default: ``1``.
    groups (int, optional): Input feature groups. Default: ``1``.
    flip (bool, optional): Flip the kernel along its spatial dimensions (a
        convolution rather than a cross-correlation). Default: ``False``.
Returns:
    array: The convolved array.)");

  def_conv_transpose<1, conv_transpose1d>(
      m, "conv_transpose1d",
      "def conv_transpose1d(input: array, weight: array, /, stride: int = 1, padding: int = 0, dilation: int = 1, output_padding: int = 0, groups: int = 1, *, stream: Stream | Device | None = None) -> array",
      R"(1D transposed convolution over an input with several channels.

Args:
    input (array): Input array of shape ``(N, L, C_in)``.
    weight (array): Weight array of shape ``(C_out, K, C_in / groups)``.
    stride (int, optional): Kernel stride. Default: ``1``.
    padding (int, optional): Input padding. Default: ``0``.
    dilation (int, optional): Kernel dilation. Default: ``1``.
    output_padding (int, optional): Extra size added to the end of the output.
        Default: ``0``.
    groups (int, optional): Input feature groups. Default: ``1``.
Returns:
    array: The convolved array.)");

  def_conv_transpose<2, conv_transpose2d>(
      m, "conv_transpose2d",
      "def conv_transpose2d(input: array, weight: array, /, stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1, output_padding: int | tuple[int, int] = 0, groups: int = 1, *, stream: Stream | Device | None = None) -> array",
      R"(2D transposed convolution over an input with several channels.

Args:
    input (array): Input array of shape ``(N, H, W, C_in)``.
    weight (array): Weight array of shape ``(C_out, KH, KW, C_in / groups)``.
    stride (int or tuple(int), optional): Kernel strides, one for both spatial
        dimensions or a tuple of 2. Default: ``1``.
    padding (int or tuple(int), optional): Symmetric input padding. Default: ``0``.
    dilation (int or tuple(int), optional): Kernel dilation. Default: ``1``.
    output_padding (int or tuple(int), optional): Extra size added to the end of
        each output dimension. Default: ``0``.
    groups (int, optional): Input feature groups. Default: ``1``.
Returns:
    array: The convolved array.)");

  def_conv_transpose<3, conv_transpose3d>(
      m, "conv_transpose3d",
      "def conv_transpose3d(input: array, weight: array, /, stride: int | tuple[int, int, int] = 1, padding: int | tuple[int, int, int] = 0, dilation: int | tuple[int, int, int] = 1, output_padding: int | tuple[int, int, int] = 0, groups: int = 1, *, stream: Stream | Device | None = None) -> array",
      R"(3D transposed convolution over an input with several channels.

Args:
    input (array): Input array of shape ``(N, D, H, W, C_in)``.
    weight (array): Weight array of shape ``(C_out, KD, KH, KW, C_in / groups)``.
    stride (int or tuple(int), optional): Kernel strides, one for all spatial
        dimensions or a tuple of 3. Default: ``1``.
    padding (int or tuple(int), optional): Symmetric input padding. Default: ``0``.
    dilation (int or tuple(int), optional): Kernel dilation. Default: ``1``.
    output_padding (int or tuple(int), optional): Extra size added to the end of
        each output dimension. Default: ``0``.
    groups (int, optional): Input feature groups. Default: ``1``.
Returns:
    array: The convolved array.)");

  m.def("convolve",
        [](const array& a, const array& v, const std::string& mode, StreamArg s) {
          return convolve(a, v, mode, to_sod(s));
        },
        nb::arg(), nb::arg(), "mode"_a = "full", nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def convolve(a: array, v: array, /, mode: str = 'full', *, stream: Stream | Device | None = None) -> array"),
        R"(The discrete convolution of 1D arrays.

If ``v`` is longer than ``a``, they are swapped. The kernel is flipped, following
the signal processing convention (NumPy's ``convolve``).

Args:
    a (array): 1D input array.
    v (array): 1D input array.
    mode (str, optional): ``'full'``, ``'same'`` or ``'valid'``. Default: ``'full'``.
Returns:
    array: The convolved array.)");
}
