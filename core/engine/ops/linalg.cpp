#include <numeric>
#include <stdexcept>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

Shape batch_dims(const Shape& s) { return Shape(s.begin(), s.end() - 2); }

Shape with_tail(Shape s, ShapeElem x, ShapeElem y) {
  s.push_back(x);
  s.push_back(y);
  return s;
}

/// The Matmul node for a (..., M, K) @ b (..., K, N), both at least 2-D with
/// matching K: casts to `dtype` and broadcasts the batch dims.
array product_node(array a, array b, Dtype dtype, const Stream& st,
                   Shape* out_batch = nullptr) {
  a = astype(a, dtype, st);
  b = astype(b, dtype, st);
  Shape bs = broadcast_shapes(batch_dims(a.shape()), batch_dims(b.shape()));
  ShapeElem M = a.shape(-2), K = a.shape(-1), N = b.shape(-1);
  a = broadcast_to(a, with_tail(bs, M, K), st);
  b = broadcast_to(b, with_tail(bs, K, N), st);
  if (out_batch) *out_batch = bs;
  return array(with_tail(bs, M, N), dtype, std::make_shared<Matmul>(st),
               {std::move(a), std::move(b)});
}

/// 1-D operands become a row (first) or a column (second) matrix.
void expand_vectors(array& a, array& b, const char* op, const Stream& st) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    throw std::invalid_argument(
        msg("[", op,
            "] Got 0 dimension input. Inputs must have at least one "
            "dimension."));
  }
  if (a.ndim() == 1) a = reshape(a, {1, a.shape(0)}, st);
  if (b.ndim() == 1) b = reshape(b, {b.shape(0), 1}, st);
  if (a.shape(-1) != b.shape(-2)) {
    throw std::invalid_argument(
        msg("[", op, "] Last dimension of first input with shape ",
            shape_str(a.shape()),
            " must match second to last dimension of second input with shape ",
            shape_str(b.shape()), "."));
  }
}

/// The output shape with the dims of 1-D operands removed.
Shape squeeze_vectors(Shape full, bool a_vec, bool b_vec) {
  if (b_vec) full.erase(full.end() - 1);
  if (a_vec) full.erase(full.end() - (b_vec ? 1 : 2));
  return full;
}

/// MLX's accumulation dtype for sums of integers and bools.
Dtype sum_dtype(Dtype d) {
  if (d == bool_ || d == int8 || d == int16 || d == int32) return int32;
  if (d == uint8 || d == uint16 || d == uint32) return uint32;
  return d;
}

}  // namespace

array matmul(const array& in_a, const array& in_b, StreamOrDevice s) {
  auto st = to_stream(s);
  array a = in_a, b = in_b;
  expand_vectors(a, b, "matmul", st);
  auto dtype = promote_types(in_a.dtype(), in_b.dtype());
  if (!is_inexact(dtype)) {
    throw std::invalid_argument(
        msg("[matmul] Only inexact types are supported but ",
            dtype_name(in_a.dtype()), " and ", dtype_name(in_b.dtype()),
            " were provided which results in ", dtype_name(dtype),
            ", which is not a floating point type."));
  }
  auto out = product_node(a, b, dtype, st);
  if (in_a.ndim() == 1 || in_b.ndim() == 1) {
    out = reshape(out,
                  squeeze_vectors(out.shape(), in_a.ndim() == 1,
                                  in_b.ndim() == 1),
                  st);
  }
  return out;
}

array addmm(array c, array in_a, array in_b, const float& alpha,
            const float& beta, StreamOrDevice s) {
  auto st = to_stream(s);
  array a = in_a, b = in_b;
  expand_vectors(a, b, "addmm", st);
  auto dtype =
      promote_types(c.dtype(), promote_types(in_a.dtype(), in_b.dtype()));
  if (!is_inexact(dtype)) {
    throw std::invalid_argument(
        msg("[addmm] Only real floating point types are supported but ",
            dtype_name(c.dtype()), ", ", dtype_name(in_a.dtype()), " and ",
            dtype_name(in_b.dtype()), " were provided which results in ",
            dtype_name(dtype), ", which is not a real floating point type."));
  }
  bool a_vec = in_a.ndim() == 1, b_vec = in_b.ndim() == 1;
  a = astype(a, dtype, st);
  b = astype(b, dtype, st);
  Shape bs = broadcast_shapes(batch_dims(a.shape()), batch_dims(b.shape()));
  ShapeElem M = a.shape(-2), K = a.shape(-1), N = b.shape(-1);
  Shape full = with_tail(bs, M, N);
  Shape out_shape = squeeze_vectors(full, a_vec, b_vec);
  if (broadcast_shapes(c.shape(), out_shape) != out_shape) {
    throw std::invalid_argument(
        "[addmm] input c must broadcast to the output shape");
  }
  // c in the full (unsqueezed) rank: leading 1s, then 1s where vectors were.
  Shape cs(out_shape.size() - c.ndim(), 1);
  cs.insert(cs.end(), c.shape().begin(), c.shape().end());
  if (a_vec) cs.insert(cs.begin() + bs.size(), 1);
  if (b_vec) cs.push_back(1);
  c = broadcast_to(reshape(astype(c, dtype, st), cs, st), full, st);
  a = broadcast_to(a, with_tail(bs, M, K), st);
  b = broadcast_to(b, with_tail(bs, K, N), st);
  auto out = array(full, dtype, std::make_shared<AddMM>(st, alpha, beta),
                   {std::move(c), std::move(a), std::move(b)});
  if (a_vec || b_vec) out = reshape(out, out_shape, st);
  return out;
}

array tensordot(const array& a, const array& b, int axis, StreamOrDevice s) {
  if (axis < 0) {
    throw std::invalid_argument(
        "[tensordot] axis must be greater or equal to 0.");
  }
  if (axis > std::min(a.ndim(), b.ndim())) {
    throw std::invalid_argument(
        "[tensordot] axis must be less than the number of dimensions of a "
        "and b.");
  }
  std::vector<int> axes_a(axis), axes_b(axis);
  std::iota(axes_a.begin(), axes_a.end(), a.ndim() - axis);
  std::iota(axes_b.begin(), axes_b.end(), 0);
  return tensordot(a, b, axes_a, axes_b, s);
}

array tensordot(const array& a, const array& b, const std::vector<int>& in_axes_a,
                const std::vector<int>& in_axes_b, StreamOrDevice s) {
  if (in_axes_a.size() != in_axes_b.size()) {
    throw std::invalid_argument("[tensordot] axes must have the same size.");
  }
  auto norm = [](std::vector<int> axes, int ndim) {
    for (auto& ax : axes) {
      int n = ax < 0 ? ax + ndim : ax;
      if (n < 0 || n >= ndim) {
        throw std::out_of_range(
            msg("[tensordot] Axis ", ax, " is out of bounds for array with ",
                ndim, " dimensions."));
      }
      ax = n;
    }
    return axes;
  };
  auto axes_a = norm(in_axes_a, a.ndim());
  auto axes_b = norm(in_axes_b, b.ndim());
  ShapeElem K = 1;
  for (size_t i = 0; i < axes_a.size(); ++i) {
    if (a.shape(axes_a[i]) != b.shape(axes_b[i])) {
      throw std::invalid_argument(
          "[tensordot] a and b must have the same shape on the contracted "
          "axes.");
    }
    K *= a.shape(axes_a[i]);
  }
  auto st = to_stream(s);
  auto free_axes = [](const std::vector<int>& contracted, int ndim) {
    std::vector<bool> used(ndim, false);
    for (int ax : contracted) used[ax] = true;
    std::vector<int> out;
    for (int d = 0; d < ndim; ++d) {
      if (!used[d]) out.push_back(d);
    }
    return out;
  };
  auto free_a = free_axes(axes_a, a.ndim());
  auto free_b = free_axes(axes_b, b.ndim());
  Shape out_shape;
  ShapeElem M = 1, N = 1;
  for (int d : free_a) {
    out_shape.push_back(a.shape(d));
    M *= a.shape(d);
  }
  for (int d : free_b) {
    out_shape.push_back(b.shape(d));
    N *= b.shape(d);
  }
  auto permute = [&](const array& x, std::vector<int> perm) {
    bool identity = perm.size() == static_cast<size_t>(x.ndim());
    for (size_t i = 0; identity && i < perm.size(); ++i) {
      identity = perm[i] == static_cast<int>(i);
    }
    return identity ? x : transpose(x, std::move(perm), st);
  };
  std::vector<int> perm_a = free_a;
  perm_a.insert(perm_a.end(), axes_a.begin(), axes_a.end());
  std::vector<int> perm_b = axes_b;
  perm_b.insert(perm_b.end(), free_b.begin(), free_b.end());
  auto x = reshape(permute(a, perm_a), {M, K}, st);
  auto y = reshape(permute(b, perm_b), {K, N}, st);
  return reshape(matmul(x, y, st), out_shape, st);
}

array inner(const array& a, const array& b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) return multiply(a, b, s);
  if (a.shape(-1) != b.shape(-1)) {
    throw std::invalid_argument(
        "[inner] a and b must have the same last dimension.");
  }
  return tensordot(a, b, {-1}, {-1}, s);
}

array outer(const array& a, const array& b, StreamOrDevice s) {
  auto st = to_stream(s);
  return multiply(reshape(a, {static_cast<ShapeElem>(a.size()), 1}, st),
                  reshape(b, {1, static_cast<ShapeElem>(b.size())}, st), st);
}

array kron(const array& a, const array& b, StreamOrDevice s) {
  if (a.size() == 0 || b.size() == 0) {
    throw std::invalid_argument("[kron] Input arrays cannot be empty.");
  }
  auto st = to_stream(s);
  int nd = std::max(a.ndim(), b.ndim());
  auto padded = [nd](const Shape& sh) {
    Shape p(nd - sh.size(), 1);
    p.insert(p.end(), sh.begin(), sh.end());
    return p;
  };
  Shape pa = padded(a.shape()), pb = padded(b.shape());
  Shape sa, sb, out_shape;
  for (int d = 0; d < nd; ++d) {
    sa.push_back(pa[d]);
    sa.push_back(1);
    sb.push_back(1);
    sb.push_back(pb[d]);
    out_shape.push_back(pa[d] * pb[d]);
  }
  return reshape(multiply(reshape(a, sa, st), reshape(b, sb, st), st),
                 out_shape, st);
}

array vecdot(const array& a, const array& b, int axis, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    throw std::invalid_argument("[vecdot] inputs must be at least 1D.");
  }
  int ax_a = axis < 0 ? axis + a.ndim() : axis;
  if (ax_a < 0 || ax_a >= a.ndim()) {
    throw axis_error("[vecdot] axis is out of bounds.");
  }
  int ax_b = axis < 0 ? axis + b.ndim() : axis;
  if (ax_b < 0 || ax_b >= b.ndim() || ax_b != ax_a) {
    throw std::invalid_argument("[vecdot] axis is out of bounds.");
  }
  if (a.shape(ax_a) != b.shape(ax_b)) {
    throw std::invalid_argument(
        "[vecdot] a and b must have the same size along axis.");
  }
  Shape bshape = broadcast_shapes(a.shape(), b.shape());
  auto st = to_stream(s);
  int nd = static_cast<int>(bshape.size());
  int r = ax_a;  // reduced axis, in the broadcast shape's coordinates
  ShapeElem K = bshape[r];
  Shape batch;
  std::vector<int> perm;
  for (int d = 0; d < nd; ++d) {
    if (d != r) {
      batch.push_back(bshape[d]);
      perm.push_back(d);
    }
  }
  // x (..., K) viewed as (..., 1, K) / (..., K, 1) via a trailing unit dim that
  // is added before broadcasting (so the reshape stays a view).
  auto as_matrix = [&](array x, bool row) {
    Shape padded(nd - x.ndim(), 1);
    padded.insert(padded.end(), x.shape().begin(), x.shape().end());
    padded.push_back(1);
    x = reshape(x, padded, st);
    std::vector<int> p = perm;
    if (row) {
      p.push_back(nd);
      p.push_back(r);
    } else {
      p.push_back(r);
      p.push_back(nd);
    }
    x = transpose(x, p, st);
    return broadcast_to(x, row ? with_tail(batch, 1, K) : with_tail(batch, K, 1),
                        st);
  };
  auto dtype = promote_types(a.dtype(), b.dtype());
  array out = [&] {
    if (is_inexact(dtype)) {
      auto x = astype(a, dtype, st);
      if (is_complex(dtype)) x = conjugate(x, st);
      return array(with_tail(batch, 1, 1), dtype, std::make_shared<Matmul>(st),
                   {as_matrix(x, true), as_matrix(astype(b, dtype, st), false)});
    }
    // Integers and bools: products wrap in the promoted type, the sum accumulates
    // in MLX's sum dtype (a matmul against ones).
    auto sdt = sum_dtype(dtype);
    auto prod = astype(multiply(a, b, st), sdt, st);
    auto ones_col = broadcast_to(full(Shape{K, 1}, array(1, sdt), sdt, st),
                                 with_tail(batch, K, 1), st);
    return array(with_tail(batch, 1, 1), sdt, std::make_shared<Matmul>(st),
                 {as_matrix(prod, true), ones_col});
  }();
  return reshape(out, batch, st);
}

}  // namespace lumex::core
