// gather_mm / gather_qmm as take along the flattened batch dims followed by a
// (quantized) matmul with broadcasting batch dims: the rules come from take's
// and matmul's.
#include "engine/ops/gather_matmul.h"

#include "engine/ops.h"
#include "engine/ops/quantized.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

[[noreturn]] void fail(const char* op, const std::string& msg) {
  throw std::invalid_argument(std::string("[") + op + "] " + msg);
}

Shape batch_shape(const array& a) { return Shape(a.shape().begin(), a.shape().end() - 2); }

/// The index array, or every batch position of `a` in order.
array indices_or_all(const std::optional<array>& idx, const array& a, const char* op,
                     const Stream& s) {
  if (idx) {
    if (!is_integral(idx->dtype())) {
      fail(op, "Got indices with invalid dtype. Indices must be integral.");
    }
    return *idx;
  }
  Shape bs = batch_shape(a);
  ShapeElem n = 1;
  for (auto d : bs) n *= d;
  return reshape(arange(0.0, static_cast<double>(n), 1.0, uint32, s), bs, s);
}

/// a's matrices picked by `idx`: idx.shape + a.shape[-2:].
array pick(const array& a, const array& idx, const Shape& out_batch, const Stream& s) {
  auto flat = reshape(a, {-1, a.shape(-2), a.shape(-1)}, s);
  auto g = take(flat, broadcast_to(idx, out_batch, s), 0, s);
  return g;
}

}  // namespace

array gather_mm(const array& a, const array& b, const std::optional<array>& lhs_indices,
                const std::optional<array>& rhs_indices, StreamOrDevice sd) {
  const char* op = "gather_mm";
  auto s = to_stream(sd);
  if (a.ndim() < 2 || b.ndim() < 2) fail(op, "Arrays must have at least 2 dimensions.");
  if (a.shape(-1) != b.shape(-2)) {
    fail(op, "Last dimension of first input with shape " + shape_str(a.shape()) +
                 " must match second to last dimension of second input with shape " +
                 shape_str(b.shape()) + ".");
  }
  Dtype out_type = promote_types(a.dtype(), b.dtype());
  if (!is_floating_point(out_type)) {
    fail(op, std::string("Only real floating point types are supported but ") +
                 dtype_name(a.dtype()) + " and " + dtype_name(b.dtype()) +
                 " were provided which results in " + dtype_name(out_type) +
                 ", which is not a real floating point type.");
  }
  auto li = indices_or_all(lhs_indices, a, op, s);
  auto ri = indices_or_all(rhs_indices, b, op, s);
  Shape out_batch = broadcast_shapes(li.shape(), ri.shape());
  return matmul(astype(pick(a, li, out_batch, s), out_type, s),
                astype(pick(b, ri, out_batch, s), out_type, s), s);
}

namespace {

/// x[lhs] and w[rhs] for the quantized gathers, with what picking w's companions
/// (scales, biases) needs.
struct Gathered {
  array xs, ws, ri;
  Shape out_batch;
};
Gathered gather_operands(const char* op, const array& x, const array& w,
                         const std::optional<array>& lhs_indices,
                         const std::optional<array>& rhs_indices, const Stream& s) {
  if (x.ndim() < 2 || w.ndim() < 2) fail(op, "Arrays must have at least 2 dimensions.");
  auto li = indices_or_all(lhs_indices, x, op, s);
  auto ri = indices_or_all(rhs_indices, w, op, s);
  Shape out_batch = broadcast_shapes(li.shape(), ri.shape());
  return {pick(x, li, out_batch, s), pick(w, ri, out_batch, s), ri, out_batch};
}

/// f(), with an invalid_argument from the op it calls reported under `op`'s name.
template <typename F>
array under_name(const char* op, F&& f) {
  try {
    return f();
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    auto close = msg.find("] ");
    fail(op, close == std::string::npos ? msg : msg.substr(close + 2));
  }
}

}  // namespace

array gather_qmm(const array& x, const array& w, const array& scales,
                 const std::optional<array>& biases, const std::optional<array>& lhs_indices,
                 const std::optional<array>& rhs_indices, bool transpose,
                 std::optional<int> group_size, std::optional<int> bits,
                 const std::string& mode, StreamOrDevice sd) {
  const char* op = "gather_qmm";
  auto s = to_stream(sd);
  auto g = gather_operands(op, x, w, lhs_indices, rhs_indices, s);
  auto ss = pick(scales, g.ri, g.out_batch, s);
  std::optional<array> bs;
  if (biases) bs = pick(*biases, g.ri, g.out_batch, s);
  return under_name(op, [&] {
    return quantized_matmul(g.xs, g.ws, ss, bs, transpose, group_size, bits, mode, s);
  });
}

array gather_qqmm(const array& x, const array& w, const std::optional<array>& scales,
                  const std::optional<array>& lhs_indices,
                  const std::optional<array>& rhs_indices, std::optional<int> group_size,
                  std::optional<int> bits, const std::string& mode,
                  const std::optional<array>& global_scale_x,
                  const std::optional<array>& global_scale_w, StreamOrDevice sd) {
  const char* op = "gather_qqmm";
  auto s = to_stream(sd);
  auto g = gather_operands(op, x, w, lhs_indices, rhs_indices, s);
  std::optional<array> ss;
  if (scales) {
    if (scales->ndim() < 2) fail(op, "The scales must have at least 2 dimensions.");
    ss = pick(*scales, g.ri, g.out_batch, s);
  }
  return under_name(op, [&] {
    return qqmm(g.xs, g.ws, ss, group_size, bits, mode, global_scale_x, global_scale_w, s);
  });
}

}  // namespace lumex::core
