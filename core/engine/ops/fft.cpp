// FFT ops: argument handling (axes, lengths, norm), cropping/padding, and the
// FFT primitive, which applies the norm's scale itself.
#include "engine/ops/fft.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>

#include "engine/ops.h"
#include "engine/ops/detail.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core::fft {

namespace {

array fft_impl(const array& a, std::optional<Shape> n,
               std::optional<std::vector<int>> axes, bool real, bool inverse,
               const std::string& norm, const char* op, StreamOrDevice s) {
  if (norm != "backward" && norm != "ortho" && norm != "forward") {
    throw std::invalid_argument(msg(
        "[", op, "] Invalid norm. Expected one of {'backward', 'ortho', 'forward'}."));
  }
  if (a.ndim() < 1) {
    throw std::invalid_argument("[fftn] Requires array with at least one dimension.");
  }
  if (!axes) {
    if (n) {
      throw std::invalid_argument(
          "[fftn] `axes` should not be `None` if `s` is not `None`.");
    }
    axes.emplace();
    for (int i = 0; i < a.ndim(); ++i) axes->push_back(i);
  }
  std::vector<int> ax;
  for (int x : *axes) ax.push_back(normalize_axis(x, a.ndim(), "fftn"));
  if (std::set<int>(ax.begin(), ax.end()).size() != ax.size()) {
    throw std::invalid_argument(
        msg("[fftn] Duplicated axis received ", shape_str(Shape(ax.begin(), ax.end()))));
  }
  if (ax.empty()) return a;
  if (!n) {
    n.emplace();
    for (int x : ax) n->push_back(a.shape(x));
    if (real && inverse) n->back() = 2 * (n->back() - 1);
  }
  if (n->size() != ax.size()) {
    throw std::invalid_argument("[fftn] Shape and axes have different sizes.");
  }
  for (auto v : *n) {
    if (v <= 0) {
      throw std::invalid_argument(
          msg("[fftn] Invalid FFT output size requested ", shape_str(*n)));
    }
  }
  // Input lengths the primitive expects.
  Shape in_shape = a.shape();
  for (size_t i = 0; i < ax.size(); ++i) in_shape[ax[i]] = (*n)[i];
  if (real && inverse) in_shape[ax.back()] = (*n).back() / 2 + 1;
  array in = a;
  Shape stop = a.shape();
  bool crop = false;
  std::vector<int> pad_axes;
  Shape lo, hi;
  for (int d = 0; d < a.ndim(); ++d) {
    if (in_shape[d] < a.shape(d)) {
      stop[d] = in_shape[d];
      crop = true;
    } else if (in_shape[d] > a.shape(d)) {
      pad_axes.push_back(d);
      lo.push_back(0);
      hi.push_back(in_shape[d] - a.shape(d));
    }
  }
  if (crop) in = slice(in, Shape(a.ndim(), 0), stop, s);
  Dtype in_dtype = real && !inverse ? float32 : complex64;
  in = astype(in, in_dtype, s);
  if (!pad_axes.empty()) {
    in = pad(in, pad_axes, lo, hi, array(0.0f, in_dtype), "constant", s);
  }
  Shape out_shape = in_shape;
  if (real && !inverse) out_shape[ax.back()] = (*n).back() / 2 + 1;
  if (real && inverse) out_shape[ax.back()] = (*n).back();
  Dtype out_dtype = real && inverse ? float32 : complex64;
  double total = 1;
  for (auto v : *n) total *= static_cast<double>(v);
  double scale = 1.0;
  if (norm == "ortho") scale = inverse ? std::sqrt(total) : 1.0 / std::sqrt(total);
  if (norm == "forward") scale = inverse ? total : 1.0 / total;
  return array(out_shape, out_dtype,
               std::make_shared<FFT>(to_stream(s), ax, inverse, real,
                                     real && inverse ? n->back() : 0, scale),
               {in});
}

std::optional<Shape> one(std::optional<int> n) {
  if (!n) return std::nullopt;
  return Shape{*n};
}

}  // namespace

array fftn(const array& a, const std::optional<Shape>& n,
           const std::optional<std::vector<int>>& axes, const std::string& norm,
           StreamOrDevice s) {
  return fft_impl(a, n, axes, false, false, norm, "fftn", s);
}
array ifftn(const array& a, const std::optional<Shape>& n,
            const std::optional<std::vector<int>>& axes, const std::string& norm,
            StreamOrDevice s) {
  return fft_impl(a, n, axes, false, true, norm, "ifftn", s);
}
array rfftn(const array& a, const std::optional<Shape>& n,
            const std::optional<std::vector<int>>& axes, const std::string& norm,
            StreamOrDevice s) {
  return fft_impl(a, n, axes, true, false, norm, "rfftn", s);
}
array irfftn(const array& a, const std::optional<Shape>& n,
             const std::optional<std::vector<int>>& axes, const std::string& norm,
             StreamOrDevice s) {
  return fft_impl(a, n, axes, true, true, norm, "irfftn", s);
}

array fft(const array& a, std::optional<int> n, int axis, const std::string& norm,
          StreamOrDevice s) {
  return fft_impl(a, one(n), std::vector<int>{axis}, false, false, norm, "fft", s);
}
array ifft(const array& a, std::optional<int> n, int axis, const std::string& norm,
           StreamOrDevice s) {
  return fft_impl(a, one(n), std::vector<int>{axis}, false, true, norm, "ifft", s);
}
array rfft(const array& a, std::optional<int> n, int axis, const std::string& norm,
           StreamOrDevice s) {
  return fft_impl(a, one(n), std::vector<int>{axis}, true, false, norm, "rfft", s);
}
array irfft(const array& a, std::optional<int> n, int axis, const std::string& norm,
            StreamOrDevice s) {
  return fft_impl(a, one(n), std::vector<int>{axis}, true, true, norm, "irfft", s);
}

// Lazy, like the other creation ops: a huge n costs nothing until evaluated, and
// then the allocator's limit turns it into a MemoryError instead of minutes of
// host-side filling.
array fftfreq(int n, double d, StreamOrDevice s) {
  if (n <= 0) throw std::invalid_argument("[fftfreq] `n` must be greater than 0.");
  if (d == 0) throw std::invalid_argument("[fftfreq] `d` must be non-zero.");
  int pos = n / 2 + n % 2;  // 0 .. pos-1, then -(n - pos) .. -1 ((n + 1) / 2 overflows)
  array k = concatenate({arange(0, pos, 1, int32, s), arange(pos - n, 0, 1, int32, s)}, 0, s);
  return multiply(k, array(static_cast<float>(1.0 / (n * d))), s);
}

array rfftfreq(int n, double d, StreamOrDevice s) {
  if (n <= 0) throw std::invalid_argument("[rfftfreq] `n` must be greater than 0.");
  if (d == 0) throw std::invalid_argument("[rfftfreq] `d` must be non-zero.");
  return multiply(arange(0, n / 2 + 1, 1, int32, s), array(static_cast<float>(1.0 / (n * d))), s);
}

namespace {

array shift_impl(const array& a, const std::optional<std::vector<int>>& axes,
                 bool inverse, StreamOrDevice s) {
  std::vector<int> ax;
  if (axes) {
    for (int x : *axes) ax.push_back(normalize_axis(x, a.ndim(), "fftshift"));
  } else {
    for (int i = 0; i < a.ndim(); ++i) ax.push_back(i);
  }
  if (ax.empty()) return a;
  Shape shift;
  for (int x : ax) {
    auto len = a.shape(x);
    shift.push_back(inverse ? -(len / 2) : len / 2);
  }
  return roll(a, shift, ax, s);
}

}  // namespace

array fftshift(const array& a, const std::optional<std::vector<int>>& axes,
               StreamOrDevice s) {
  return shift_impl(a, axes, false, s);
}
array ifftshift(const array& a, const std::optional<std::vector<int>>& axes,
                StreamOrDevice s) {
  return shift_impl(a, axes, true, s);
}

// ------------------------------------------------------------- stft / istft

namespace {

[[noreturn]] void stft_fail(const char* op, const std::string& what) {
  throw std::invalid_argument(msg("[", op, "] ", what));
}

struct Framing {
  int n_fft, hop;
  array window;  // float32 (n_fft,)
};

/// Checks the frame parameters shared by stft and istft and builds the window:
/// `window` (or ones(win_length)) centred in n_fft samples with zeros.
Framing framing(const char* op, int n_fft, std::optional<int> hop_length,
                std::optional<int> win_length, const std::optional<array>& window,
                const std::string& norm, const Stream& s) {
  if (n_fft <= 0) stft_fail(op, "n_fft must be positive.");
  int hop = hop_length.value_or(n_fft / 4);
  if (hop <= 0) stft_fail(op, "hop_length must be positive.");
  if (norm != "backward" && norm != "ortho" && norm != "forward") {
    stft_fail(op, "Invalid norm. Expected one of {'backward', 'ortho', 'forward'}.");
  }
  if (win_length && *win_length <= 0) stft_fail(op, "win_length must be positive.");
  if (window && window->ndim() != 1) stft_fail(op, "window must be one-dimensional.");
  // A given window keeps its own length; win_length sizes the default one.
  ShapeElem wl = window ? window->shape(0) : win_length.value_or(n_fft);
  if (wl > n_fft || (win_length && *win_length > n_fft)) {
    stft_fail(op, "window length must not exceed n_fft.");
  }
  if (wl == 0) stft_fail(op, "window must not be empty.");
  array w = window ? astype(*window, float32, s) : ones({wl}, float32, s);
  if (wl < n_fft) {
    ShapeElem left = (n_fft - wl) / 2;
    w = pad(w, std::vector<int>{0}, Shape{left}, Shape{n_fft - wl - left},
            zeros({}, float32, s), "constant", s);
  }
  return {n_fft, hop, w};
}

/// (frames, n_fft) positions of each frame's samples in the signal.
array frame_positions(ShapeElem frames, int n_fft, int hop, const Stream& s) {
  Dtype t = (frames - 1) * static_cast<int64_t>(hop) + n_fft <= INT32_MAX ? int32 : int64;
  auto starts = arange(0.0, static_cast<double>(frames) * hop, static_cast<double>(hop), t, s);
  return add(reshape(starts, {frames, 1}, s),
             reshape(arange(0.0, static_cast<double>(n_fft), 1.0, t, s), {1, n_fft}, s), s);
}

}  // namespace

array stft(const array& x, int n_fft, std::optional<int> hop_length,
           std::optional<int> win_length, const std::optional<array>& window, bool center,
           const std::string& pad_mode, const std::string& norm, std::optional<bool> onesided,
           StreamOrDevice sd) {
  auto s = to_stream(sd);
  if (x.ndim() == 0) stft_fail("stft", "Input must have at least one dimension.");
  auto f = framing("stft", n_fft, hop_length, win_length, window, norm, s);
  const bool complex_in = x.dtype() == complex64;
  const bool one_sided = onesided.value_or(!complex_in);
  array sig = complex_in ? x : astype(x, float32, s);
  if (center) {
    ShapeElem half = n_fft / 2;
    sig = pad(sig, std::vector<int>{-1}, Shape{half}, Shape{half}, zeros({}, sig.dtype(), s),
              pad_mode, s);
  }
  ShapeElem len = sig.shape(-1);
  if (len < n_fft) stft_fail("stft", "Input is too short for the given n_fft.");
  ShapeElem frames = 1 + (len - n_fft) / f.hop;
  auto framed = multiply(take(sig, frame_positions(frames, n_fft, f.hop, s), -1, s), f.window, s);
  // As MLX: a one-sided transform of complex frames is rfft's, of their real part.
  array spec = one_sided ? rfft(framed, n_fft, -1, norm, s) : fft(framed, n_fft, -1, norm, s);
  return swapaxes(spec, -1, -2, s);
}

array istft(const array& stft_matrix, std::optional<int> n_fft, std::optional<int> hop_length,
            std::optional<int> win_length, const std::optional<array>& window, bool center,
            const std::string& norm, std::optional<bool> onesided, std::optional<int> length,
            StreamOrDevice sd) {
  auto s = to_stream(sd);
  if (stft_matrix.ndim() < 2) {
    stft_fail("istft", "Input must have at least two dimensions (freq, frames).");
  }
  const bool one_sided = onesided.value_or(true);
  const ShapeElem n_freq = stft_matrix.shape(-2), frames = stft_matrix.shape(-1);
  if (frames == 0 || n_freq == 0) stft_fail("istft", "Input must not be empty.");
  if (length && *length < 0) stft_fail("istft", "length must be non-negative.");
  int nfft = n_fft.value_or(static_cast<int>(one_sided ? 2 * (n_freq - 1) : n_freq));
  auto f = framing("istft", nfft, hop_length, win_length, window, norm, s);
  auto per_frame = swapaxes(astype(stft_matrix, complex64, s), -1, -2, s);
  array y = one_sided ? irfft(per_frame, nfft, -1, norm, s)
                      : real(ifft(per_frame, nfft, -1, norm, s), s);
  y = multiply(y, f.window, s);
  // Overlap-add: every frame's samples scattered into the signal at their positions.
  const ShapeElem total = (frames - 1) * static_cast<int64_t>(f.hop) + nfft;
  Shape batch(y.shape().begin(), y.shape().end() - 2);
  Shape out_shape = batch, flat_shape = batch;
  out_shape.push_back(total);
  flat_shape.push_back(frames * nfft);
  auto pos = reshape(frame_positions(frames, nfft, f.hop, s), {frames * nfft}, s);
  auto signal = scatter_add_axis(zeros(out_shape, float32, s),
                                 broadcast_to(pos, flat_shape, s), reshape(y, flat_shape, s),
                                 -1, s);
  auto envelope = scatter_add_axis(zeros({total}, float32, s), pos,
                                   tile(square(f.window, s), {static_cast<int>(frames)}, s),
                                   0, s);
  auto covered = greater(envelope, array(1e-11f), s);
  signal = where(covered, divide(signal, where(covered, envelope, array(1.0f), s), s), signal, s);
  ShapeElem start = center ? nfft / 2 : 0;
  ShapeElem stop = length ? start + *length : (center ? total - start : total);
  if (stop > total) {
    signal = pad(signal, std::vector<int>{-1}, Shape{0}, Shape{stop - total},
                 zeros({}, float32, s), "constant", s);
  }
  return detail::take_range(signal, signal.ndim() - 1, start, std::max(start, stop), s);
}

}  // namespace lumex::core::fft
