// Derivatives of the QR and singular value decompositions, written with ops.
// MLX 0.32 has none; these follow the standard results (QR: Liao et al. 2019;
// SVD: Townsend 2016) and are checked against finite differences in the tests.
#include <stdexcept>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/primitives/linalg_complex.h"

namespace lumex::core {

namespace {

array mT(const array& a, const Stream& s) { return swapaxes(a, -1, -2, s); }

/// Columns [from, to) of a batch of matrices.
array columns(const array& x, ShapeElem from, ShapeElem to, const Stream& s) {
  Shape start(x.ndim(), 0), stop = x.shape();
  start.back() = from;
  stop.back() = to;
  return slice(x, start, stop, s);
}

/// x diag(v): scales the columns of x.
array times_diag(const array& x, const array& v, const Stream& s) {
  return multiply(x, expand_dims(v, -2, s), s);
}
/// diag(v) x: scales the rows of x.
array diag_times(const array& v, const array& x, const Stream& s) {
  return multiply(expand_dims(v, -1, s), x, s);
}

/// F_ij = 1 / (s_j^2 - s_i^2) off the diagonal, 0 on it.
array inverse_gaps(const array& sv, const Stream& s) {
  auto k = sv.shape(-1);
  auto sq = square(sv, s);
  auto gap = subtract(expand_dims(sq, -2, s), expand_dims(sq, -1, s), s);
  auto id = eye(static_cast<int>(k), sv.dtype(), s);
  return divide(subtract(ones({k, k}, sv.dtype(), s), id, s), add(gap, id, s), s);
}

std::vector<array> full_svd(const array& a, const Stream& s) {
  auto m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  Shape batch(a.shape().begin(), a.shape().end() - 2);
  auto with = [&](std::initializer_list<ShapeElem> tail) {
    Shape out = batch;
    out.insert(out.end(), tail);
    return out;
  };
  return array::make_arrays({with({m, m}), with({k}), with({n, n})},
                            {a.dtype(), a.dtype(), a.dtype()},
                            std::make_shared<SVD>(s, true), {a});
}

/// The inverse of the upper triangular R.
array upper_inverse(const array& r, const Stream& s) {
  return array(r.shape(), r.dtype(), std::make_shared<Inverse>(s, true, true), {r});
}

void check_qr_shape(const array& a) {
  if (a.shape(-2) < a.shape(-1)) {
    throw std::invalid_argument(
        "[linalg::qr] Derivatives are only implemented for matrices with at "
        "least as many rows as columns.");
  }
}

}  // namespace

// QR: with A = Q R (M >= N), C = Q^T dA R^-1 splits into the antisymmetric
// Q^T dQ and the upper triangular dR R^-1.

std::vector<array> QRF::jvp(const std::vector<array>& primals,
                            const std::vector<array>& tangents,
                            const std::vector<int>&) {
  auto s = stream();
  const auto& a = primals[0];
  check_qr_shape(a);
  auto specs = output_specs(primals);
  auto qr = array::make_arrays({specs[0].first, specs[1].first},
                               {specs[0].second, specs[1].second}, clone(), {a});
  auto &q = qr[0], &r = qr[1];
  auto rinv = upper_inverse(r, s);
  auto da_rinv = matmul(tangents[0], rinv, s);
  auto c = matmul(mT(q, s), da_rinv, s);
  auto lower = tril(c, -1, s);
  auto upper_part = subtract(c, subtract(lower, mT(lower, s), s), s);  // dR R^-1
  return {subtract(da_rinv, matmul(q, upper_part, s), s), matmul(upper_part, r, s)};
}

std::vector<array> QRF::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>&,
                            const std::vector<array>& outputs) {
  auto s = stream();
  check_qr_shape(primals[0]);
  const auto &q = outputs[0], &r = outputs[1];
  const auto &gq = cotangents[0], &gr = cotangents[1];
  auto m = subtract(matmul(r, mT(gr, s), s), matmul(mT(gq, s), q, s), s);
  // M's lower triangle mirrored into the upper one.
  auto sym = add(tril(m, 0, s), mT(tril(m, -1, s), s), s);
  auto b = add(gq, matmul(q, sym, s), s);
  return {matmul(b, mT(upper_inverse(r, s), s), s)};
}

// SVD: with A = U S V^T (reduced to K = min(M, N) columns) and dP = U^T dA V,
// dS = diag(dP); the rotations of U and V come from dP scaled by the inverse
// gaps between squared singular values, and for non-square A the part of dA
// outside the spans of U and V adds a term scaled by S^-1.

std::vector<array> SVD::jvp(const std::vector<array>& primals,
                            const std::vector<array>& tangents,
                            const std::vector<int>&) {
  auto s = stream();
  const auto& a = primals[0];
  reject_complex_grad(a, "svd");
  const auto& da = tangents[0];
  auto m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  auto usv = full_svd(a, s);
  auto u = columns(usv[0], 0, k, s);
  auto v = columns(mT(usv[2], s), 0, k, s);
  const auto& sv = usv[1];
  auto dp = matmul(matmul(mT(u, s), da, s), v, s);
  auto ds = diagonal(dp, 0, -2, -1, s);
  if (!compute_uv_) return {ds};

  auto f = inverse_gaps(sv, s);
  auto dpt = mT(dp, s);
  auto du = matmul(u, multiply(f, add(times_diag(dp, sv, s), diag_times(sv, dpt, s), s), s), s);
  auto dv = matmul(v, multiply(f, add(diag_times(sv, dp, s), times_diag(dpt, sv, s), s), s), s);
  auto sinv = reciprocal(sv, s);
  // The columns past K: the smallest change that keeps the basis orthonormal.
  auto complete = [&](array dk, const array& basis, const array& full, ShapeElem rows,
                      const array& outside) {
    if (rows == k) return dk;
    dk = add(dk, times_diag(outside, sinv, s), s);
    auto rest = columns(full, k, rows, s);
    auto drest = negative(matmul(basis, matmul(mT(dk, s), rest, s), s), s);
    return concatenate({dk, drest}, -1, s);
  };
  du = complete(du, u, usv[0], m, subtract(matmul(da, v, s), matmul(u, dp, s), s));
  dv = complete(dv, v, mT(usv[2], s), n,
                subtract(matmul(mT(da, s), u, s), matmul(v, dpt, s), s));
  return {du, ds, mT(dv, s)};
}

std::vector<array> SVD::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>&,
                            const std::vector<array>& outputs) {
  auto s = stream();
  const auto& a = primals[0];
  reject_complex_grad(a, "svd");
  auto m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  auto usv = compute_uv_ ? outputs : full_svd(a, s);
  auto u = columns(usv[0], 0, k, s);
  auto v = columns(mT(usv[2], s), 0, k, s);
  const auto& sv = usv[1];
  const auto& gs = compute_uv_ ? cotangents[1] : cotangents[0];
  auto inner = multiply(expand_dims(gs, -2, s), eye(static_cast<int>(k), a.dtype(), s), s);
  if (!compute_uv_) return {matmul(matmul(u, inner, s), mT(v, s), s)};

  auto gu = columns(cotangents[0], 0, k, s);
  auto gv = columns(mT(cotangents[2], s), 0, k, s);
  auto f = inverse_gaps(sv, s);
  auto j = multiply(f, subtract(matmul(mT(u, s), gu, s), matmul(mT(gu, s), u, s), s), s);
  auto l = multiply(f, subtract(matmul(mT(v, s), gv, s), matmul(mT(gv, s), v, s), s), s);
  inner = add(inner, add(times_diag(j, sv, s), diag_times(sv, l, s), s), s);
  auto ga = matmul(matmul(u, inner, s), mT(v, s), s);
  auto sinv = reciprocal(sv, s);
  if (m > k) {
    auto outside = subtract(gu, matmul(u, matmul(mT(u, s), gu, s), s), s);
    ga = add(ga, matmul(times_diag(outside, sinv, s), mT(v, s), s), s);
  }
  if (n > k) {
    auto gvt = mT(gv, s);
    auto outside = subtract(gvt, matmul(matmul(gvt, v, s), mT(v, s), s), s);
    ga = add(ga, matmul(u, diag_times(sinv, outside, s), s), s);
  }
  return {ga};
}

LUMEX_REGISTER_PRIMITIVE(QRF);
LUMEX_REGISTER_PRIMITIVE(SVD);

}  // namespace lumex::core
