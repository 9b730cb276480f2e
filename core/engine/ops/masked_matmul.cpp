#include "engine/ops/masked_matmul.h"

#include "engine/ops.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

[[noreturn]] void fail(const char* op, const std::string& what) {
  throw std::invalid_argument(msg("[", op, "] ", what));
}

/// A block mask (..., ceil(rows / bs), ceil(cols / bs)) applied to x (..., rows, cols).
array apply_block_mask(const array& x, const array& mask, int bs, const char* which,
                       const Stream& s) {
  auto rows = x.shape(-2), cols = x.shape(-1);
  auto br = (rows + bs - 1) / bs, bc = (cols + bs - 1) / bs;
  if (mask.ndim() < 2 || mask.shape(-2) != br || mask.shape(-1) != bc) {
    fail("block_masked_mm",
         msg(which, " mask with shape ", shape_str(mask.shape()), " must end in (", br, ",",
             bc, ") for a matrix of shape (", rows, ",", cols, ") and block size ", bs, "."));
  }
  // Each entry repeated over its block: (..., br, 1, bc, 1) -> (..., br*bs, bc*bs).
  Shape wide(mask.shape().begin(), mask.shape().end() - 2);
  Shape batch = wide;
  wide.insert(wide.end(), {br, static_cast<ShapeElem>(bs), bc, static_cast<ShapeElem>(bs)});
  auto m = broadcast_to(expand_dims(mask, std::vector<int>{-3, -1}, s), wide, s);
  batch.insert(batch.end(), {br * bs, bc * bs});
  m = reshape(m, batch, s);
  Shape start(m.ndim(), 0), stop = m.shape();
  stop[stop.size() - 2] = rows;
  stop.back() = cols;
  m = slice(m, start, stop, s);
  // A False block is skipped, not multiplied by zero (inf * 0 would be NaN).
  if (mask.dtype() == bool_) return where(m, x, zeros({}, x.dtype(), s), s);
  return multiply(x, astype(m, x.dtype(), s), s);
}

}  // namespace

array block_masked_mm(const array& a, const array& b, int block_size,
                      const std::optional<array>& mask_out,
                      const std::optional<array>& mask_lhs,
                      const std::optional<array>& mask_rhs, StreamOrDevice sd) {
  auto s = to_stream(sd);
  if (block_size <= 0) fail("block_masked_mm", msg("Invalid block size ", block_size, "."));
  if (a.ndim() < 2 || b.ndim() < 2) {
    fail("block_masked_mm", "Arrays must have at least 2 dimensions.");
  }
  Dtype t = promote_types(a.dtype(), b.dtype());
  auto x = mask_lhs ? apply_block_mask(astype(a, t, s), *mask_lhs, block_size, "lhs", s) : a;
  auto y = mask_rhs ? apply_block_mask(astype(b, t, s), *mask_rhs, block_size, "rhs", s) : b;
  auto out = matmul(x, y, s);
  return mask_out ? apply_block_mask(out, *mask_out, block_size, "out", s) : out;
}

array segmented_mm(const array& a, const array& b, const array& segments,
                   StreamOrDevice sd) {
  auto s = to_stream(sd);
  if (a.ndim() != 2 || b.ndim() != 2) {
    fail("segmented_mm", msg("Batched matmul with segments is not supported: got shapes ",
                             shape_str(a.shape()), " and ", shape_str(b.shape()), "."));
  }
  if (a.shape(1) != b.shape(0)) {
    fail("segmented_mm", msg("Last dimension of a ", shape_str(a.shape()),
                             " must match the first of b ", shape_str(b.shape()), "."));
  }
  if (segments.ndim() < 1 || segments.shape(-1) != 2) {
    fail("segmented_mm", msg("Segments must have shape (..., 2), got ",
                             shape_str(segments.shape()), "."));
  }
  if (!is_integral(segments.dtype())) {
    fail("segmented_mm", msg("Segments must be integers, got ",
                             dtype_name(segments.dtype()), "."));
  }
  auto k = a.shape(1);
  auto split = [&](int i) {
    Shape start(segments.ndim(), 0), stop = segments.shape();
    start.back() = i;
    stop.back() = i + 1;
    return slice(segments, start, stop, s);  // (..., 1): broadcasts against K
  };
  auto pos = arange(0.0, static_cast<double>(k), 1.0, int64, s);
  auto in = logical_and(greater_equal(pos, split(0), s), less(pos, split(1), s), s);
  auto zero = zeros({}, promote_types(a.dtype(), b.dtype()), s);
  // Mask the smaller operand: (..., M, K) or (..., K, N) copies.
  if (a.shape(0) <= b.shape(1)) {
    return matmul(where(expand_dims(in, -2, s), a, zero, s), b, s);
  }
  return matmul(a, where(expand_dims(in, -1, s), b, zero, s), s);
}

}  // namespace lumex::core
