// FFT ops: argument handling (axes, lengths, norm), cropping/padding, and the
// FFT primitive, which applies the norm's scale itself.
#include "engine/ops/fft.h"

#include <cmath>
#include <set>

#include "engine/ops.h"
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

}  // namespace lumex::core::fft
