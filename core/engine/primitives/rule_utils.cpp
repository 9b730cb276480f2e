#include "engine/primitives/rule_utils.h"

#include "engine/ops.h"

namespace lumex::core {

array unbroadcast(const array& g, const Shape& shape, const Stream& s) {
  if (g.shape() == shape) return g;
  int extra = g.ndim() - static_cast<int>(shape.size());
  std::vector<int> axes;
  for (int i = 0; i < g.ndim(); ++i) {
    if (i < extra || (shape[i - extra] == 1 && g.shape(i) != 1)) axes.push_back(i);
  }
  auto r = axes.empty() ? g : sum(g, axes, true, s);
  return reshape(r, shape, s);
}

array batch_to_front(const array& x, int axis, const Stream& s) {
  return axis == 0 ? x : moveaxis(x, axis, 0, s);
}

ShapeElem batch_size(const std::vector<array>& inputs, const std::vector<int>& axes) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) return inputs[i].shape(axes[i]);
  }
  return 1;
}

std::vector<array> align_batched(const std::vector<array>& inputs,
                                 const std::vector<int>& axes, const Stream& s) {
  int rank = 0;  // largest rank without the batch axis
  for (size_t i = 0; i < inputs.size(); ++i) {
    rank = std::max(rank, inputs[i].ndim() - (axes[i] >= 0 ? 1 : 0));
  }
  std::vector<array> out;
  out.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] < 0) {
      out.push_back(inputs[i]);
      continue;
    }
    auto x = batch_to_front(inputs[i], axes[i], s);
    int missing = rank - (x.ndim() - 1);
    if (missing > 0) {
      Shape shape{x.shape(0)};
      shape.insert(shape.end(), missing, 1);
      shape.insert(shape.end(), x.shape().begin() + 1, x.shape().end());
      x = reshape(x, shape, s);
    }
    out.push_back(std::move(x));
  }
  return out;
}

array with_batch(const array& x, int axis, ShapeElem n, const Stream& s) {
  if (axis >= 0) return batch_to_front(x, axis, s);
  Shape shape{n};
  shape.insert(shape.end(), x.shape().begin(), x.shape().end());
  return broadcast_to(expand_dims(x, 0, s), shape, s);
}

std::vector<int> shift_axes(const std::vector<int>& axes, int ndim_unbatched) {
  std::vector<int> out;
  out.reserve(axes.size());
  for (int a : axes) out.push_back((a < 0 ? a + ndim_unbatched : a) + 1);
  return out;
}

array slice_vjp(const array& g, const Shape& in_shape, const Shape& start,
                const Shape& stop, const Shape& strides, const Stream& s) {
  (void)stop;
  if (g.size() == 0) return zeros(in_shape, g.dtype(), s);
  array r = g;
  for (int ax = 0; ax < g.ndim(); ++ax) {
    ShapeElem m = g.shape(ax), n = in_shape[ax], st = strides[ax], lo = start[ax];
    if (st < 0) {
      // A backward slice is a forward one from its last element, reversed.
      r = flip(r, std::vector<int>{ax}, s);
      lo = lo + (m - 1) * st;
      st = -st;
    }
    if (st > 1) {
      // Interleave st - 1 zeros after each element, then drop the trailing ones.
      auto e = expand_dims(r, ax + 1, s);
      e = pad(e, {ax + 1}, {0}, {st - 1}, array(0, r.dtype()), "constant", s);
      Shape flat = r.shape();
      flat[ax] = m * st;
      r = reshape(e, flat, s);
      Shape b(r.ndim(), 0), e2 = r.shape();
      e2[ax] = (m - 1) * st + 1;
      r = slice(r, b, e2, s);
    }
    ShapeElem len = r.shape(ax);
    if (lo != 0 || lo + len != n) {
      r = pad(r, {ax}, {lo}, {n - lo - len}, array(0, r.dtype()), "constant", s);
    }
  }
  return r;
}

}  // namespace lumex::core
