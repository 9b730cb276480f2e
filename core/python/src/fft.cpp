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
}
