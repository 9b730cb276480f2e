// lumex.core.fft: the transforms, their n-d and real variants, and the
// frequency helpers.
#include <deque>

#include "common.h"
#include "engine/ops.h"

using namespace lx;

namespace {

/// nanobind keeps the signature and docstring pointers; own the built strings.
const char* keep(std::string text) {
  static std::deque<std::string> store;
  return store.emplace_back(std::move(text)).c_str();
}

const char* kNormDoc = R"(    norm (str, optional): ``"backward"`` (scale the inverse by ``1/n``),
      ``"ortho"`` (both by ``1/sqrt(n)``) or ``"forward"`` (the forward
      transform by ``1/n``). Default: ``"backward"``.)";

template <typename F>
void def_1d(nb::module_& m, const char* name, F op, const char* what,
            const char* returns) {
  std::string doc = std::string(what) +
                    "\n\nArgs:\n    a (array): The input array.\n"
                    "    n (int, optional): Length of the transformed axis; the input is\n"
                    "      cropped or zero-padded to it. Default: ``a.shape[axis]``.\n"
                    "    axis (int, optional): Axis to transform. Default: ``-1``.\n" +
                    kNormDoc + "\n\nReturns:\n    array: " + returns;
  const char* tag_name = keep(std::string("fft.") + name);
  m.def(name,
        [op, tag_name](const array& a, std::optional<int> n, int axis, const std::string& norm,
                       StreamArg s) {
          lx::sites::PublicOp tag(tag_name);
          return op(a, n, axis, norm, to_sod(s));
        },
        "a"_a, "n"_a = nb::none(), "axis"_a = -1, "norm"_a = "backward",
        "stream"_a = nb::none(),
        nb::sig(keep(std::string("def ") + name +
                 "(a: array, n: int | None = None, axis: int = -1, norm: str = 'backward', "
                 "stream: Stream | Device | None = None) -> array")),
        keep(doc));
}

template <typename F>
void def_nd(nb::module_& m, const char* name, F op, std::optional<std::vector<int>> def_axes,
            const char* what, const char* returns) {
  std::string axes_default = def_axes ? "[-2, -1]" : "None";
  std::string doc = std::string(what) +
                    "\n\nArgs:\n    a (array): The input array.\n"
                    "    s (list(int), optional): Lengths of the transformed axes.\n"
                    "    axes (list(int), optional): Axes to transform. Default: ``" +
                    axes_default + "`` (``None``: all, or the last ``len(s)``).\n" +
                    kNormDoc + "\n\nReturns:\n    array: " + returns;
  const char* tag_name = keep(std::string("fft.") + name);
  m.def(name,
        [op, tag_name](const array& a, std::optional<Shape> sz,
                       std::optional<std::vector<int>> axes, const std::string& norm,
                       StreamArg s) {
          lx::sites::PublicOp tag(tag_name);
          return op(a, sz, axes, norm, to_sod(s));
        },
        "a"_a, "s"_a = nb::none(),
        "axes"_a = def_axes ? nb::cast(*def_axes) : nb::object(nb::none()), "norm"_a = "backward",
        "stream"_a = nb::none(),
        nb::sig(keep(std::string("def ") + name +
                 "(a: array, s: Sequence[int] | None = None, axes: Sequence[int] | None = " +
                 axes_default +
                 ", norm: str = 'backward', stream: Stream | Device | None = None) -> array")),
        keep(doc));
}

}  // namespace

void init_fft(nb::module_& parent) {
  auto m = parent.def_submodule("fft", "Fast Fourier transforms.");
  namespace F = lx::fft;
  def_1d(m, "fft", F::fft, "One dimensional discrete Fourier Transform.",
         "The DFT of the input along the given axis.");
  def_1d(m, "ifft", F::ifft, "One dimensional inverse discrete Fourier Transform.",
         "The inverse DFT of the input along the given axis.");
  def_1d(m, "rfft", F::rfft,
         "One dimensional discrete Fourier Transform on a real input (complex\n"
         "inputs are cast to real). The output has ``n // 2 + 1`` entries on ``axis``.",
         "The DFT of the input along the given axis.");
  def_1d(m, "irfft", F::irfft,
         "The inverse of :func:`rfft`. The output length on ``axis`` is ``n``\n"
         "(default ``2 * (a.shape[axis] - 1)``); the input uses ``n // 2 + 1`` bins.",
         "The real array holding the inverse of :func:`rfft`.");
  std::vector<int> last2{-2, -1};
  def_nd(m, "fft2", F::fftn, last2, "Two dimensional discrete Fourier Transform.",
         "The DFT of the input along the given axes.");
  def_nd(m, "ifft2", F::ifftn, last2, "Two dimensional inverse discrete Fourier Transform.",
         "The inverse DFT of the input along the given axes.");
  def_nd(m, "rfft2", F::rfftn, last2,
         "Two dimensional real discrete Fourier Transform; the last axis gets\n"
         "``s[-1] // 2 + 1`` bins.",
         "The real DFT of the input along the given axes.");
  def_nd(m, "irfft2", F::irfftn, last2,
         "The inverse of :func:`rfft2`; the last axis' output length is ``s[-1]``\n"
         "(default ``2 * (a.shape[axes[-1]] - 1)``).",
         "The real array holding the inverse of :func:`rfft2`.");
  def_nd(m, "fftn", F::fftn, std::nullopt, "n-dimensional discrete Fourier Transform.",
         "The DFT of the input along the given axes.");
  def_nd(m, "ifftn", F::ifftn, std::nullopt,
         "n-dimensional inverse discrete Fourier Transform.",
         "The inverse DFT of the input along the given axes.");
  def_nd(m, "rfftn", F::rfftn, std::nullopt,
         "n-dimensional real discrete Fourier Transform; the last axis gets\n"
         "``s[-1] // 2 + 1`` bins.",
         "The real DFT of the input along the given axes.");
  def_nd(m, "irfftn", F::irfftn, std::nullopt,
         "The inverse of :func:`rfftn`; the last axis' output length is ``s[-1]``\n"
         "(default ``2 * (a.shape[axes[-1]] - 1)``).",
         "The real array holding the inverse of :func:`rfftn`.");

  m.def("fftfreq",
        [](int n, double d, StreamArg s) {
          lx::sites::PublicOp tag("fft.fftfreq");
          return F::fftfreq(n, d, to_sod(s));
        },
        "n"_a, "d"_a = 1.0, "stream"_a = nb::none(),
        nb::sig("def fftfreq(n: int, d: float = 1.0, stream: Stream | Device | None = None) -> array"),
        R"(Sample frequencies of the discrete Fourier transform.

Args:
    n (int): Window length.
    d (float, optional): Sample spacing. Default: ``1.0``.

Returns:
    array: ``[0, 1, ..., n//2 - 1 (or n//2), -(n//2), ..., -1] / (d * n)``.)");
  m.def("rfftfreq",
        [](int n, double d, StreamArg s) {
          lx::sites::PublicOp tag("fft.rfftfreq");
          return F::rfftfreq(n, d, to_sod(s));
        },
        "n"_a, "d"_a = 1.0, "stream"_a = nb::none(),
        nb::sig("def rfftfreq(n: int, d: float = 1.0, stream: Stream | Device | None = None) -> array"),
        R"(Sample frequencies of :func:`rfft`.

Args:
    n (int): Window length.
    d (float, optional): Sample spacing. Default: ``1.0``.

Returns:
    array: ``[0, 1, ..., n//2] / (d * n)``.)");
  m.def("fftshift",
        [](const array& a, AxisArg axes, StreamArg s) {
          lx::sites::PublicOp tag("fft.fftshift");
          return F::fftshift(a, to_axes(axes), to_sod(s));
        },
        "a"_a, "axes"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def fftshift(a: array, axes: int | Sequence[int] | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Shift the zero-frequency component to the center.

Args:
    a (array): The input array.
    axes (int or list(int), optional): Axes to shift. Default: all.

Returns:
    array: The shifted array.)");
  m.def("ifftshift",
        [](const array& a, AxisArg axes, StreamArg s) {
          lx::sites::PublicOp tag("fft.ifftshift");
          return F::ifftshift(a, to_axes(axes), to_sod(s));
        },
        "a"_a, "axes"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def ifftshift(a: array, axes: int | Sequence[int] | None = None, stream: Stream | Device | None = None) -> array"),
        R"(The inverse of :func:`fftshift`.

Args:
    a (array): The input array.
    axes (int or list(int), optional): Axes to shift. Default: all.

Returns:
    array: The shifted array.)");
  m.def("stft",
        [](const array& x, int n_fft, std::optional<int> hop_length,
           std::optional<int> win_length, std::optional<array> window, bool center,
           const std::string& pad_mode, const std::string& norm, std::optional<bool> onesided,
           StreamArg s) {
          lx::sites::PublicOp tag("fft.stft");
          return F::stft(x, n_fft, hop_length, win_length, window, center, pad_mode, norm,
                         onesided, to_sod(s));
        },
        "x"_a, "n_fft"_a = 2048, "hop_length"_a = nb::none(), "win_length"_a = nb::none(),
        "window"_a = nb::none(), "center"_a = true, "pad_mode"_a = "reflect",
        "norm"_a = "backward", "onesided"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def stft(x: array, n_fft: int = 2048, hop_length: int | None = None, "
                "win_length: int | None = None, window: array | None = None, "
                "center: bool = True, pad_mode: str = 'reflect', norm: str = 'backward', "
                "onesided: bool | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Short-Time Fourier Transform.

Splits the last axis of ``x`` into overlapping frames of length ``n_fft``, applies
``window``, and takes the Fourier Transform of each frame. The output is always
complex with shape ``(..., n_freq, n_frames)``.

Args:
    x (array): The input array.
    n_fft (int, optional): Size of the Fourier Transform. Default is ``2048``.
    hop_length (int, optional): Samples between frames. Default is ``n_fft // 4``.
    win_length (int, optional): Length of the default (rectangular) window.
      Default is ``n_fft``.
    window (array, optional): A one-dimensional window of at most ``n_fft`` samples,
      centered and zero-padded to ``n_fft``. Default is a rectangular window.
    center (bool, optional): Pad both ends by ``n_fft // 2`` so frames are centered.
      Default is ``True``.
    pad_mode (str, optional): ``"reflect"``, ``"constant"`` or ``"edge"``, used when
      ``center`` is ``True``. Default is ``"reflect"``.
    norm (str, optional): ``"backward"``, ``"ortho"`` or ``"forward"``.
      Default is ``"backward"``.
    onesided (bool, optional): Return only the ``n_fft // 2 + 1`` non-negative
      frequencies. Default is ``True`` for real input and ``False`` for complex input.

Returns:
    array: The STFT of ``x``.)");
  m.def("istft",
        [](const array& stft_matrix, std::optional<int> n_fft, std::optional<int> hop_length,
           std::optional<int> win_length, std::optional<array> window, bool center,
           const std::string& norm, std::optional<bool> onesided, std::optional<int> length,
           StreamArg s) {
          lx::sites::PublicOp tag("fft.istft");
          return F::istft(stft_matrix, n_fft, hop_length, win_length, window, center, norm,
                          onesided, length, to_sod(s));
        },
        "stft_matrix"_a, "n_fft"_a = nb::none(), "hop_length"_a = nb::none(),
        "win_length"_a = nb::none(), "window"_a = nb::none(), "center"_a = true,
        "norm"_a = "backward", "onesided"_a = nb::none(), "length"_a = nb::none(),
        "stream"_a = nb::none(),
        nb::sig("def istft(stft_matrix: array, n_fft: int | None = None, "
                "hop_length: int | None = None, win_length: int | None = None, "
                "window: array | None = None, center: bool = True, norm: str = 'backward', "
                "onesided: bool | None = None, length: int | None = None, "
                "stream: Stream | Device | None = None) -> array"),
        R"(Inverse Short-Time Fourier Transform.

Inverts :func:`stft` by overlap-adding the windowed inverse transform of each frame,
normalized by the overlap-added squared window (left as is where that is ~0).

Args:
    stft_matrix (array): The STFT with shape ``(..., n_freq, n_frames)``.
    n_fft (int, optional): Size of the Fourier Transform. Default is
      ``2 * (n_freq - 1)`` when ``onesided``, else ``n_freq``; pass it for an odd size.
    hop_length (int, optional): Samples between frames. Default is ``n_fft // 4``.
    win_length (int, optional): Length of the default window. Default is ``n_fft``.
    window (array, optional): A one-dimensional window. Default is rectangular.
    center (bool, optional): Whether the STFT was centered. Default is ``True``.
    norm (str, optional): ``"backward"``, ``"ortho"`` or ``"forward"``.
      Default is ``"backward"``.
    onesided (bool, optional): Whether the STFT holds only the non-negative
      frequencies. Default is ``True``.
    length (int, optional): Trim or zero-pad the output to this length.

Returns:
    array: The reconstructed float32 signal.)");
}
