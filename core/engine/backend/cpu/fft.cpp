// CPU kernel for FFT: each transformed axis is one pass over the lines along
// it (fft_pass.h), reading the input in place with its strides. Complex
// transforms write the output and then transform it in place along the other
// axes; real forward transforms do the real axis first, real inverse ones last.
#include <vector>

#include "engine/backend/cpu/fft_pass.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/primitives.h"

namespace lumex::core {

namespace {

using namespace cpu::fft;

/// Offsets of the first element of every line along `axis`, lines in
/// row-major order of the other dimensions (so neighbouring lines of an inner
/// axis are adjacent in a row-major array).
std::vector<int64_t> line_offsets(const Shape& shape, const Strides& strides, int axis,
                                  int64_t unit) {
  size_t lines = 1;
  for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
    if (d != axis) lines *= shape[d];
  }
  std::vector<int64_t> off(lines);
  Shape idx(shape.size(), 0);
  int64_t cur = 0;
  for (size_t l = 0; l < lines; ++l) {
    off[l] = cur * unit;
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (d == axis) continue;
      if (++idx[d] < shape[d]) {
        cur += strides[d];
        break;
      }
      cur -= strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
  return off;
}

/// Few long lines, and any very long ones (whose lane buffers would leave the
/// caches), are split four-step; the rest run side by side in lanes.
void run_pass(const Pass& ps) {
  if ((ps.src_off.size() < 8 && ps.n >= kLongLine) || ps.n > kHugeLine) {
    run_long(ps);
  } else {
    run_lanes(ps);
  }
}

Pass make_pass(Mode mode, bool inverse, size_t n, const void* src, const Shape& src_shape,
               const Strides& src_strides, void* dst, const Shape& dst_shape, int axis) {
  Pass ps{mode, inverse, n, src, dst, {}, {}, 0, 0, 1.0f, nullptr, nullptr};
  Strides dst_strides = row_strides(dst_shape);
  int64_t src_w = mode == Mode::r2c ? 1 : 2, dst_w = mode == Mode::c2r ? 1 : 2;
  ps.src_off = line_offsets(src_shape, src_strides, axis, src_w);
  ps.dst_off = line_offsets(dst_shape, dst_strides, axis, dst_w);
  ps.src_st = src_w * src_strides[axis];
  ps.dst_st = dst_w * dst_strides[axis];
  if (inverse) ps.scale = 1.0f / static_cast<float>(n);
  if (mode == Mode::c2c) {
    ps.cplan = complex_plan(n);
  } else {
    ps.rplan = real_plan(n);
  }
  return ps;
}

}  // namespace

void FFT::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  int last = axes_.back();
  const Shape& os = out.shape();
  // The norm's scale rides on the first pass (the passes are linear).
  double pending = scale_;
  auto run = [&](Pass ps) {
    ps.scale = static_cast<float>(ps.scale * pending);
    pending = 1.0;
    run_pass(ps);
  };
  if (!real_) {
    // The first pass reads the input in place (any strides); later ones
    // transform the output in place.
    const void* src = in.data<complex64_t>();
    Shape shape = in.shape();
    Strides strides = in.strides();
    for (auto it = axes_.rbegin(); it != axes_.rend(); ++it) {
      run(make_pass(Mode::c2c, inverse_, os[*it], src, shape, strides,
                         out.data<complex64_t>(), os, *it));
      src = out.data<complex64_t>();
      strides = row_strides(os);
    }
  } else if (!inverse_) {
    run(make_pass(Mode::r2c, false, in.shape(last), in.data<float>(), in.shape(),
                       in.strides(), out.data<complex64_t>(), os, last));
    for (size_t i = 0; i + 1 < axes_.size(); ++i) {
      run(make_pass(Mode::c2c, false, os[axes_[i]], out.data<complex64_t>(), os,
                         row_strides(os), out.data<complex64_t>(), os, axes_[i]));
    }
  } else {
    const void* src = in.data<complex64_t>();
    Strides strides = in.strides();
    std::vector<complex64_t> tmp;
    if (axes_.size() > 1) tmp.resize(in.size());
    for (size_t i = 0; i + 1 < axes_.size(); ++i) {
      run(make_pass(Mode::c2c, true, in.shape(axes_[i]), src, in.shape(), strides,
                         tmp.data(), in.shape(), axes_[i]));
      src = tmp.data();
      strides = row_strides(in.shape());
    }
    run(make_pass(Mode::c2r, true, os[last], src, in.shape(), strides,
                       out.data<float>(), os, last));
  }
}

}  // namespace lumex::core
