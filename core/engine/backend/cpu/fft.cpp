// CPU kernel for FFT: a mixed-radix Cooley-Tukey transform in double precision
// for lengths whose prime factors are small, and Bluestein's chirp-z algorithm
// (a power-of-two convolution) when a prime factor is large.
#include <cmath>
#include <complex>
#include <vector>

#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/primitives.h"

namespace lumex::core {

namespace {

using cd = std::complex<double>;
constexpr double kPi = 3.14159265358979323846;

/// Largest prime factor that the direct radix-p butterfly handles.
constexpr size_t kMaxRadix = 61;

/// A forward transform of one length: factors, twiddles, and for Bluestein the
/// chirp and the transformed convolution kernel.
class Plan {
 public:
  explicit Plan(size_t n) : n_(n) {
    size_t m = n;
    for (size_t p : {4, 2, 3, 5}) {
      while (m % p == 0) {
        factors_.push_back(p);
        m /= p;
      }
    }
    for (size_t p = 7; p * p <= m; p += 2) {
      while (m % p == 0) {
        factors_.push_back(p);
        m /= p;
      }
    }
    if (m > 1) factors_.push_back(m);
    for (size_t p : factors_) {
      if (p > kMaxRadix) bluestein_ = true;
    }
    if (bluestein_) {
      size_t len = 1;
      while (len < 2 * n - 1) len *= 2;
      conv_ = std::make_unique<Plan>(len);
      chirp_.resize(n);
      for (size_t j = 0; j < n; ++j) {
        // j^2 mod 2n keeps the angle exact for large j.
        size_t j2 = (j * j) % (2 * n);
        chirp_[j] = std::polar(1.0, -kPi * static_cast<double>(j2) / n);
      }
      kernel_.assign(len, cd(0));
      kernel_[0] = std::conj(chirp_[0]);
      for (size_t j = 1; j < n; ++j) {
        kernel_[j] = kernel_[len - j] = std::conj(chirp_[j]);
      }
      conv_->forward(kernel_.data());
    } else {
      tw_.resize(n);
      for (size_t j = 0; j < n; ++j) {
        tw_[j] = std::polar(1.0, -2.0 * kPi * static_cast<double>(j) / n);
      }
      scratch_.resize(n);
    }
  }

  /// In-place forward DFT of x[0..n).
  void forward(cd* x) {
    if (n_ <= 1) return;
    if (bluestein_) {
      size_t len = kernel_.size();
      std::vector<cd> a(len, cd(0));
      for (size_t j = 0; j < n_; ++j) a[j] = x[j] * chirp_[j];
      conv_->forward(a.data());
      for (size_t j = 0; j < len; ++j) a[j] = std::conj(a[j] * kernel_[j]);
      conv_->forward(a.data());  // conj(F(conj(.))) / len is the inverse
      double scale = 1.0 / static_cast<double>(len);
      for (size_t k = 0; k < n_; ++k) x[k] = std::conj(a[k]) * scale * chirp_[k];
      return;
    }
    std::copy(x, x + n_, scratch_.begin());
    recurse(scratch_.data(), x, n_, 1, 0);
  }

 private:
  /// out[0..n) = DFT of in[0], in[stride], ..., recursing over factors_[level:].
  void recurse(const cd* in, cd* out, size_t n, size_t stride, size_t level) {
    if (n == 1) {
      out[0] = in[0];
      return;
    }
    size_t p = factors_[level];
    size_t m = n / p;
    for (size_t r = 0; r < p; ++r) {
      recurse(in + r * stride, out + r * m, m, stride * p, level + 1);
    }
    size_t step = n_ / n;  // W_n^t = tw_[t * step]
    cd t[kMaxRadix];
    for (size_t k = 0; k < m; ++k) {
      for (size_t r = 0; r < p; ++r) {
        t[r] = r == 0 ? out[k] : out[r * m + k] * tw_[r * k * step];  // r k step < n_
      }
      if (p == 2) {
        out[k] = t[0] + t[1];
        out[k + m] = t[0] - t[1];
      } else if (p == 4) {
        cd a = t[0] + t[2], b = t[0] - t[2];
        cd c = t[1] + t[3], d = t[1] - t[3];
        cd di(d.imag(), -d.real());  // -i * d
        out[k] = a + c;
        out[k + m] = b + di;
        out[k + 2 * m] = a - c;
        out[k + 3 * m] = b - di;
      } else {
        size_t pstep = n_ / p;
        for (size_t q = 0; q < p; ++q) {
          cd acc = t[0];
          for (size_t r = 1; r < p; ++r) acc += t[r] * tw_[((r * q) % p) * pstep];
          out[k + q * m] = acc;
        }
      }
    }
  }

  size_t n_;
  std::vector<size_t> factors_;
  std::vector<cd> tw_;
  std::vector<cd> scratch_;
  bool bluestein_ = false;
  std::unique_ptr<Plan> conv_;
  std::vector<cd> chirp_;
  std::vector<cd> kernel_;
};

/// Transforms every line of the row-major buffer `buf` (shape `shape`) along
/// `axis`; inverse = conjugate, forward, conjugate, scale by 1/n.
void transform_axis(std::vector<cd>& buf, const Shape& shape, int axis,
                    bool inverse) {
  size_t n = shape[axis];
  if (n <= 1 || buf.empty()) return;
  size_t inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  size_t lines = buf.size() / n;
  double scale = inverse ? 1.0 / static_cast<double>(n) : 1.0;
  // Lines are independent; each chunk gets its own plan (plans keep scratch space).
  auto run = [&](size_t lo, size_t hi) {
    Plan plan(n);
    std::vector<cd> line(n);
    for (size_t l = lo; l < hi; ++l) {
      cd* base = buf.data() + (l / inner) * n * inner + l % inner;
      for (size_t j = 0; j < n; ++j) {
        line[j] = inverse ? std::conj(base[j * inner]) : base[j * inner];
      }
      plan.forward(line.data());
      for (size_t j = 0; j < n; ++j) {
        base[j * inner] = inverse ? std::conj(line[j]) * scale : line[j];
      }
    }
  };
  if (lines > 1 && lines * n >= cpu::parallel_threshold() && cpu::num_threads() > 1) {
    cpu::parallel_for_impl(lines, run);
  } else {
    run(0, lines);
  }
}

/// Row-major complex<double> copy of `a` (real or complex64), any layout.
std::vector<cd> load(const array& a) {
  std::vector<cd> buf(a.size());
  if (a.size() == 0) return buf;
  Strides dense = row_strides(a.shape());
  auto copy = [&](auto* src) {
    cpu::strided_for_each<2>(a.shape(), {&a.strides(), &dense},
                             [&](const auto& off, int64_t n, const auto& st) {
                               for (int64_t i = 0; i < n; ++i) {
                                 auto v = src[off[0] + i * st[0]];
                                 buf[off[1] + i * st[1]] = cd(v);
                               }
                             });
  };
  if (a.dtype() == complex64) {
    copy(a.data<complex64_t>());
  } else {
    copy(a.data<float>());
  }
  return buf;
}

/// Copies `buf` (shape `from`) into a buffer of shape `to`, which differs only
/// on `axis` (crop; the caller fills any extra entries).
std::vector<cd> resize_axis(const std::vector<cd>& buf, const Shape& from,
                            const Shape& to, int axis) {
  size_t inner = 1;
  for (size_t d = axis + 1; d < from.size(); ++d) inner *= from[d];
  size_t nf = from[axis], nt = to[axis];
  size_t outer = nf * inner == 0 ? 0 : buf.size() / (nf * inner);
  std::vector<cd> out(shape_size(to), cd(0));
  size_t keep = std::min(nf, nt);
  for (size_t o = 0; o < outer; ++o) {
    for (size_t j = 0; j < keep; ++j) {
      for (size_t i = 0; i < inner; ++i) {
        out[(o * nt + j) * inner + i] = buf[(o * nf + j) * inner + i];
      }
    }
  }
  return out;
}

}  // namespace

void FFT::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  std::vector<cd> buf = load(in);
  Shape shape = in.shape();
  int last = axes_.back();
  if (real_ && !inverse_) {
    transform_axis(buf, shape, last, false);
    Shape half = shape;
    half[last] = out.shape(last);
    buf = resize_axis(buf, shape, half, last);
    shape = half;
    for (size_t i = 0; i + 1 < axes_.size(); ++i) {
      transform_axis(buf, shape, axes_[i], false);
    }
  } else if (real_) {
    for (size_t i = 0; i + 1 < axes_.size(); ++i) {
      transform_axis(buf, shape, axes_[i], true);
    }
    // Hermitian extension of the n/2 + 1 bins to the full length n.
    Shape full = shape;
    size_t n = out.shape(last), m = shape[last];
    full[last] = n;
    auto ext = resize_axis(buf, shape, full, last);
    size_t inner = 1;
    for (size_t d = last + 1; d < full.size(); ++d) inner *= full[d];
    size_t outer = ext.size() / (n * inner);
    for (size_t o = 0; o < outer; ++o) {
      for (size_t k = m; k < n; ++k) {
        for (size_t i = 0; i < inner; ++i) {
          size_t src = n - k;
          ext[(o * n + k) * inner + i] =
              src < m ? std::conj(buf[(o * m + src) * inner + i]) : cd(0);
        }
      }
    }
    buf = std::move(ext);
    shape = full;
    transform_axis(buf, shape, last, true);
  } else {
    for (int ax : axes_) transform_axis(buf, shape, ax, inverse_);
  }
  if (out.dtype() == complex64) {
    auto* o = out.data<complex64_t>();
    for (size_t i = 0; i < buf.size(); ++i) o[i] = complex64_t(buf[i]);
  } else {
    auto* o = out.data<float>();
    for (size_t i = 0; i < buf.size(); ++i) o[i] = static_cast<float>(buf[i].real());
  }
}

LUMEX_REGISTER_PRIMITIVE(FFT);

}  // namespace lumex::core
