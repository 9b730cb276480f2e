// linalg ops: validation and dtype checks, the LAPACK primitives, and the
// compositions (norm, pinv, solve_triangular, det, ...) built from them.
#include "engine/ops/decompositions.h"

#include <cmath>
#include <limits>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core::linalg {

namespace {

/// `complex_ok`: the op also takes complex64 (MLX's eig, eigh and svd do).
void check_matrix(const array& a, const char* op, bool square = true,
                  bool complex_ok = false) {
  if (a.ndim() < 2) {
    throw std::invalid_argument(
        msg("[", op, "] Arrays must have >= 2 dimensions. Received array with ", a.ndim(),
            " dimensions."));
  }
  bool complex = complex_ok && a.dtype() == complex64;
  if (a.dtype() != float32 && a.dtype() != float64 && !complex) {
    throw std::invalid_argument(
        msg("[", op, "] Arrays must have type float32", complex_ok ? ", float64 or complex64" : " or float64",
            ". Received array with type ", dtype_name(a.dtype()), "."));
  }
  if (square && a.shape(-1) != a.shape(-2)) {
    throw std::invalid_argument(msg("[", op, "] ", std::string(op) == "linalg::inv"
                                                        ? "Inverses are only defined for square matrices."
                                                        : "Expected a square matrix."));
  }
}

array one_out(const array& a, std::shared_ptr<Primitive> p, Shape shape, Dtype d) {
  return array(std::move(shape), d, std::move(p), {a});
}

array mT(const array& a, StreamOrDevice s) { return swapaxes(a, -1, -2, s); }

/// Singular values and Hermitian eigenvalues are real.
Dtype real_of(Dtype d) { return d == complex64 ? float32 : d; }

}  // namespace

array inv(const array& a, StreamOrDevice s) {
  check_matrix(a, "linalg::inv");
  return one_out(a, std::make_shared<Inverse>(to_stream(s), false, false), a.shape(),
                 a.dtype());
}

array tri_inv(const array& a, bool upper, StreamOrDevice s) {
  check_matrix(a, "linalg::tri_inv");
  return one_out(a, std::make_shared<Inverse>(to_stream(s), true, upper), a.shape(),
                 a.dtype());
}

array cholesky(const array& a, bool upper, StreamOrDevice s) {
  check_matrix(a, "linalg::cholesky");
  return one_out(a, std::make_shared<Cholesky>(to_stream(s), upper), a.shape(),
                 a.dtype());
}

array cholesky_inv(const array& l, bool upper, StreamOrDevice s) {
  check_matrix(l, "linalg::cholesky_inv");
  auto li = tri_inv(l, upper, s);
  // A = L L^T -> A^-1 = L^-T L^-1; A = U^T U -> A^-1 = U^-1 U^-T.
  return upper ? matmul(li, mT(li, s), s) : matmul(mT(li, s), li, s);
}

std::pair<array, array> qr(const array& a, StreamOrDevice s) {
  check_matrix(a, "linalg::qr", false);
  auto m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  Shape qs(a.shape()), rs(a.shape());
  qs.back() = k;
  rs[rs.size() - 2] = k;
  auto outs = array::make_arrays({qs, rs}, {a.dtype(), a.dtype()},
                                 std::make_shared<QRF>(to_stream(s)), {a});
  return {outs[0], outs[1]};
}

std::vector<array> svd(const array& a, bool compute_uv, StreamOrDevice s) {
  check_matrix(a, "linalg::svd", false, true);
  auto m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  Shape batch(a.shape().begin(), a.shape().end() - 2);
  Shape us = batch, ss = batch, vs = batch;
  us.insert(us.end(), {m, m});
  ss.push_back(k);
  vs.insert(vs.end(), {n, n});
  Dtype sd = real_of(a.dtype());
  if (a.size() == 0) {
    // No values, and (as NumPy and MLX) identity factors where they are not empty.
    auto sv = zeros(ss, sd, s);
    if (!compute_uv) return {sv};
    return {broadcast_to(eye(static_cast<int>(m), a.dtype(), s), us, s), sv,
            broadcast_to(eye(static_cast<int>(n), a.dtype(), s), vs, s)};
  }
  auto p = std::make_shared<SVD>(to_stream(s), compute_uv);
  if (!compute_uv) return {array(ss, sd, p, {a})};
  return array::make_arrays({us, ss, vs}, {a.dtype(), sd, a.dtype()}, p, {a});
}

std::pair<array, array> eig(const array& a, StreamOrDevice s) {
  check_matrix(a, "linalg::eig", true, true);
  Shape ws(a.shape().begin(), a.shape().end() - 1);
  auto outs = array::make_arrays({ws, a.shape()}, {complex64, complex64},
                                 std::make_shared<Eig>(to_stream(s), true), {a});
  return {outs[0], outs[1]};
}

array eigvals(const array& a, StreamOrDevice s) {
  check_matrix(a, "linalg::eigvals", true, true);
  Shape ws(a.shape().begin(), a.shape().end() - 1);
  return one_out(a, std::make_shared<Eig>(to_stream(s), false), ws, complex64);
}

namespace {
bool uplo_upper(const std::string& uplo, const char* op) {
  if (uplo != "L" && uplo != "U") {
    throw std::invalid_argument(msg("[", op, "] UPLO must be 'L' or 'U'."));
  }
  return uplo == "U";
}
}  // namespace

std::pair<array, array> eigh(const array& a, const std::string& uplo, StreamOrDevice s) {
  check_matrix(a, "linalg::eigh", true, true);
  Shape ws(a.shape().begin(), a.shape().end() - 1);
  auto outs = array::make_arrays(
      {ws, a.shape()}, {real_of(a.dtype()), a.dtype()},
      std::make_shared<Eigh>(to_stream(s), uplo_upper(uplo, "linalg::eigh"), true), {a});
  return {outs[0], outs[1]};
}

array eigvalsh(const array& a, const std::string& uplo, StreamOrDevice s) {
  check_matrix(a, "linalg::eigvalsh", true, true);
  Shape ws(a.shape().begin(), a.shape().end() - 1);
  return one_out(a,
                 std::make_shared<Eigh>(to_stream(s), uplo_upper(uplo, "linalg::eigvalsh"),
                                        false),
                 ws, real_of(a.dtype()));
}

namespace {
std::vector<array> luf(const array& a, StreamOrDevice s) {
  auto m = a.shape(-2), n = a.shape(-1);
  Shape batch(a.shape().begin(), a.shape().end() - 2);
  Shape ps = batch, perm = batch;
  ps.push_back(std::min(m, n));
  perm.push_back(m);
  return array::make_arrays({a.shape(), ps, perm}, {a.dtype(), uint32, uint32},
                            std::make_shared<LUF>(to_stream(s)), {a});
}
}  // namespace

std::pair<array, array> lu_factor(const array& a, StreamOrDevice s) {
  check_matrix(a, "linalg::lu_factor", false);
  auto o = luf(a, s);
  return {o[0], o[1]};
}

std::vector<array> lu(const array& a, StreamOrDevice s) {
  check_matrix(a, "linalg::lu", false);
  auto o = luf(a, s);
  // An (M, N) matrix: L is (M, K) with a unit diagonal, U is (K, N), K = min(M, N).
  auto m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  Shape zero(a.ndim(), 0), lstop = a.shape(), ustop = a.shape();
  lstop.back() = k;
  ustop[ustop.size() - 2] = k;
  auto l = add(tril(slice(o[0], zero, lstop, s), -1, s),
               eye(static_cast<int>(m), static_cast<int>(k), 0, a.dtype(), s), s);
  auto u = triu(slice(o[0], zero, ustop, s), 0, s);
  return {o[2], l, u};
}

array solve(const array& a, const array& b, StreamOrDevice s) {
  check_matrix(a, "linalg::solve");
  if (b.ndim() < 1) {
    throw std::invalid_argument("[linalg::solve] b must have at least one dimension.");
  }
  Dtype d = promote_types(a.dtype(), b.dtype());
  if (d != float32 && d != float64) d = float32;
  bool vec = b.ndim() == 1 || (b.ndim() == a.ndim() - 1 && b.shape(-1) == a.shape(-1));
  auto bm = vec ? expand_dims(b, -1, s) : b;
  if (bm.shape(-2) != a.shape(-1)) {
    throw std::invalid_argument(
        msg("[linalg::solve] Incompatible shapes ", shape_str(a.shape()), " and ",
            shape_str(b.shape()), "."));
  }
  Shape ab(a.shape().begin(), a.shape().end() - 2);
  Shape bb(bm.shape().begin(), bm.shape().end() - 2);
  Shape batch = broadcast_shapes(ab, bb);
  Shape as = batch, bs = batch;
  as.insert(as.end(), {a.shape(-2), a.shape(-1)});
  bs.insert(bs.end(), {bm.shape(-2), bm.shape(-1)});
  auto aa = broadcast_to(astype(a, d, s), as, s);
  auto bbm = broadcast_to(astype(bm, d, s), bs, s);
  array x(bs, d, std::make_shared<Solve>(to_stream(s)), {aa, bbm});
  return vec ? squeeze(x, -1, s) : x;
}

array solve_triangular(const array& a, const array& b, bool upper, StreamOrDevice s) {
  check_matrix(a, "linalg::solve_triangular");
  auto ai = tri_inv(a, upper, s);
  if (b.ndim() == a.ndim() - 1) return squeeze(matmul(ai, expand_dims(b, -1, s), s), -1, s);
  return matmul(ai, b, s);
}

std::pair<array, array> slogdet(const array& a_in, StreamOrDevice s) {
  // As MLX: integers and bool promote to float32; float16/bfloat16 are factored in
  // float32 and give results of their own type.
  Dtype t = a_in.dtype();
  bool half = t == float16 || t == bfloat16;
  if (!is_complex(t) && t != float32 && t != float64) {
    auto r = slogdet(astype(a_in, float32, s), s);
    if (!half) return r;
    return {astype(r.first, t, s), astype(r.second, t, s)};
  }
  const array& a = a_in;
  check_matrix(a, "linalg::slogdet");
  auto o = luf(a, s);
  auto n = a.shape(-1);
  auto diag = diagonal(o[0], 0, -2, -1, s);
  auto swaps = not_equal(o[1], arange(0, static_cast<double>(n), 1, uint32, s), s);
  auto nswaps = sum(astype(swaps, int32, s), std::vector<int>{-1}, false, s);
  auto parity_sign = subtract(array(1.0f, a.dtype()),
                              multiply(array(2.0f, a.dtype()),
                                       astype(remainder(nswaps, array(2)), a.dtype(), s), s),
                              s);
  auto sgn = multiply(parity_sign, prod(sign(diag, s), std::vector<int>{-1}, false, s), s);
  auto logabs = sum(log(abs(diag, s), s), std::vector<int>{-1}, false, s);
  return std::make_pair(sgn, logabs);
}

array det(const array& a, StreamOrDevice s) {
  auto [sg, la] = slogdet(a, s);
  return multiply(sg, exp(la, s), s);
}

array pinv(const array& a, StreamOrDevice s) {
  check_matrix(a, "linalg::pinv", false);
  if (a.size() == 0) {
    // Empty: the (empty) transposed shape, as NumPy and MLX.
    Shape t = a.shape();
    std::swap(t[t.size() - 1], t[t.size() - 2]);
    return zeros(t, a.dtype(), s);
  }
  auto usv = svd(a, true, s);
  auto m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  Shape zero(a.ndim(), 0);
  Shape ustop = usv[0].shape();
  ustop.back() = k;
  Shape vstop = usv[2].shape();
  vstop[vstop.size() - 2] = k;
  auto u = slice(usv[0], zero, ustop, s);
  auto vt = slice(usv[2], zero, vstop, s);
  auto sv = usv[1];
  double eps = a.dtype() == float32 ? std::numeric_limits<float>::epsilon()
                                    : std::numeric_limits<double>::epsilon();
  auto cutoff = multiply(max(sv, std::vector<int>{-1}, true, s),
                         array(static_cast<float>(std::max(m, n) * eps), a.dtype()), s);
  auto big = greater(sv, cutoff, s);
  auto sinv = where(big, divide(array(1.0f, a.dtype()),
                                where(big, sv, array(1.0f, a.dtype()), s), s),
                    array(0.0f, a.dtype()), s);
  return matmul(multiply(mT(vt, s), expand_dims(sinv, -2, s), s), mT(u, s), s);
}

array cross(const array& a, const array& b, int axis, StreamOrDevice s) {
  if (a.ndim() != b.ndim()) {
    throw std::invalid_argument("[linalg::cross] Inputs must have the same number of dimensions.");
  }
  int ax = normalize_axis(axis, a.ndim(), "linalg::cross");
  if (a.shape(ax) != 3 || b.shape(ax) != 3) {
    throw std::invalid_argument(
        "[linalg::cross] The specified axis must have size 3 for both inputs.");
  }
  auto part = [&](const array& x, int i) {
    Shape start(x.ndim(), 0), stop(x.shape());
    start[ax] = i;
    stop[ax] = i + 1;
    return slice(x, start, stop, s);
  };
  auto a0 = part(a, 0), a1 = part(a, 1), a2 = part(a, 2);
  auto b0 = part(b, 0), b1 = part(b, 1), b2 = part(b, 2);
  return concatenate({subtract(multiply(a1, b2, s), multiply(a2, b1, s), s),
                      subtract(multiply(a2, b0, s), multiply(a0, b2, s), s),
                      subtract(multiply(a0, b1, s), multiply(a1, b0, s), s)},
                     ax, s);
}

namespace {

array vector_norm(const array& a, double ord, const std::vector<int>& ax, bool keep,
                  StreamOrDevice s) {
  auto x = abs(a, s);
  if (std::isinf(ord)) return ord > 0 ? max(x, ax, keep, s) : min(x, ax, keep, s);
  if (ord == 0) return sum(astype(not_equal(a, array(0), s), x.dtype(), s), ax, keep, s);
  if (ord == 1) return sum(x, ax, keep, s);
  if (ord == 2) return sqrt(sum(square(x, s), ax, keep, s), s);
  auto p = array(static_cast<float>(ord), x.dtype());
  return power(sum(power(x, p, s), ax, keep, s),
               array(static_cast<float>(1.0 / ord), x.dtype()), s);
}

/// a with axes r and c moved last (in that order), the others kept in order.
array to_last2(const array& a, int r, int c, StreamOrDevice s) {
  std::vector<int> perm;
  for (int i = 0; i < a.ndim(); ++i) {
    if (i != r && i != c) perm.push_back(i);
  }
  perm.push_back(r);
  perm.push_back(c);
  return transpose(a, perm, s);
}

array matrix_norm(const array& a, const NormOrd& ord, std::vector<int> ax, bool keep,
                  StreamOrDevice s) {
  int r = ax[0], c = ax[1];
  auto x = abs(a, s);
  auto finish = [&](array v, std::vector<int> reduced) {
    if (keep) {
      std::sort(reduced.begin(), reduced.end());
      for (int d : reduced) v = expand_dims(v, d, s);
    }
    return v;
  };
  if (std::holds_alternative<std::string>(ord)) {
    auto& o = std::get<std::string>(ord);
    if (o == "fro") return sqrt(sum(square(x, s), ax, keep, s), s);
    if (o == "nuc") {
      auto sv = svd(to_last2(a, r, c, s), false, s)[0];
      return finish(sum(sv, std::vector<int>{-1}, false, s), ax);
    }
    throw std::invalid_argument(msg("[linalg::norm] Invalid ord value '", o, "'."));
  }
  double o = std::get<double>(ord);
  if (o == 1 || o == -1) {
    auto colsum = sum(x, std::vector<int>{r}, true, s);
    auto v = o > 0 ? max(colsum, std::vector<int>{c}, true, s) : min(colsum, std::vector<int>{c}, true, s);
    return keep ? v : squeeze(v, ax, s);
  }
  if (std::isinf(o)) {
    auto rowsum = sum(x, std::vector<int>{c}, true, s);
    auto v = o > 0 ? max(rowsum, std::vector<int>{r}, true, s) : min(rowsum, std::vector<int>{r}, true, s);
    return keep ? v : squeeze(v, ax, s);
  }
  if (o == 2 || o == -2) {
    auto sv = svd(to_last2(a, r, c, s), false, s)[0];
    auto v = o > 0 ? max(sv, std::vector<int>{-1}, false, s) : min(sv, std::vector<int>{-1}, false, s);
    return finish(v, ax);
  }
  throw std::invalid_argument(msg("[linalg::norm] Invalid ord ", o, " for matrix norm."));
}

}  // namespace

array norm(const array& a_in, const NormOrd& ord, const std::optional<std::vector<int>>& axis,
           bool keepdims, StreamOrDevice s) {
  // Integer and bool inputs are measured in float32, as MLX.
  auto a = is_inexact(a_in.dtype()) ? a_in : astype(a_in, float32, s);
  std::vector<int> ax;
  if (axis) {
    for (int x : *axis) ax.push_back(normalize_axis(x, a.ndim(), "linalg::norm"));
    if (ax.size() == 2 && ax[0] == ax[1]) {
      throw std::invalid_argument("[linalg::norm] Received duplicate axes.");
    }
  }
  if (ax.size() > 2) {
    throw std::invalid_argument("[linalg::norm] Received too many axes for norm.");
  }
  if (std::holds_alternative<std::monostate>(ord)) {
    std::vector<int> all = ax;
    if (!axis) {
      for (int i = 0; i < a.ndim(); ++i) all.push_back(i);
    }
    return sqrt(sum(square(abs(a, s), s), all, keepdims, s), s);
  }
  if (axis && ax.empty()) {
    // An ord needs a vector or a matrix; MLX words both cases this way.
    if (std::holds_alternative<std::string>(ord)) {
      throw std::invalid_argument(msg("[linalg::norm] Norm '", std::get<std::string>(ord),
                                      "' only supported for matrices, but received 0 axis/axes."));
    }
    throw std::invalid_argument("[linalg::norm] Received too many axes for norm.");
  }
  if (!axis) {
    if (a.ndim() == 1) ax = {0};
    else if (a.ndim() == 2) ax = {0, 1};
    else throw std::invalid_argument(
        "[linalg::norm] Norm with ord requires 1 or 2 axes; pass axis explicitly.");
  }
  if (ax.size() == 1) {
    if (std::holds_alternative<std::string>(ord)) {
      throw std::invalid_argument(msg("[linalg::norm] Invalid ord ",
                                      std::get<std::string>(ord), " for vector norm."));
    }
    return vector_norm(a, std::get<double>(ord), ax, keepdims, s);
  }
  return matrix_norm(a, ord, ax, keepdims, s);
}

}  // namespace lumex::core::linalg
