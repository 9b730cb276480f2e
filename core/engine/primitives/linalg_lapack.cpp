// Transform rules of the LAPACK primitives, written with ops. vmap is shared:
// the batch axis moves to the front, where every kernel already loops.
#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/primitives/linalg_complex.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

Shape with_matrix(const array& a, int64_t r, int64_t c) {
  Shape s(a.shape().begin(), a.shape().end() - 2);
  s.push_back(r);
  s.push_back(c);
  return s;
}

Shape with_vector(const array& a, int64_t n) {
  Shape s(a.shape().begin(), a.shape().end() - 2);
  s.push_back(n);
  return s;
}

array mT(const array& a, Stream s) { return swapaxes(a, -1, -2, s); }

/// Singular values and Hermitian eigenvalues are real.
Dtype real_of(Dtype d) { return d == complex64 ? float32 : d; }

}  // namespace

std::pair<std::vector<array>, std::vector<int>> LapackPrimitive::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  // Bring every input's batch to the front (broadcast unbatched ones).
  int64_t b = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) b = inputs[i].shape(axes[i]);
  }
  std::vector<array> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) {
      in.push_back(moveaxis(inputs[i], axes[i], 0, stream()));
    } else {
      Shape s = inputs[i].shape();
      s.insert(s.begin(), b);
      in.push_back(broadcast_to(expand_dims(inputs[i], 0, stream()), s, stream()));
    }
  }
  auto p = clone();
  auto specs = output_specs(in);
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& [s, d] : specs) {
    shapes.push_back(s);
    dtypes.push_back(d);
  }
  auto outs = array::make_arrays(shapes, dtypes, p, in);
  return {outs, std::vector<int>(outs.size(), 0)};
}

// Inverse ------------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> Inverse::params() const {
  return {{"tri", param_text(tri_)}, {"upper", param_text(upper_)}};
}
std::shared_ptr<Primitive> Inverse::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Inverse", params);
  return std::make_shared<Inverse>(s, r.flag("tri"), r.flag("upper"));
}
bool Inverse::is_equivalent(const Primitive& other) const {
  if (!Primitive::is_equivalent(other)) return false;
  auto& o = static_cast<const Inverse&>(other);
  return o.tri_ == tri_ && o.upper_ == upper_;
}
std::shared_ptr<Primitive> Inverse::clone() const {
  return std::make_shared<Inverse>(stream(), tri_, upper_);
}
std::vector<std::pair<Shape, Dtype>> Inverse::output_specs(
    const std::vector<array>& in) const {
  return {{in[0].shape(), in[0].dtype()}};
}
std::vector<array> Inverse::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>&) {
  // d(A^-1) = -A^-1 dA A^-1 (dA restricted to the used triangle for tri_inv).
  auto s = stream();
  auto ainv = array(primals[0].shape(), primals[0].dtype(), clone(), {primals[0]});
  auto t = tangents[0];
  if (tri_) t = upper_ ? triu(t, 0, s) : tril(t, 0, s);
  return {negative(matmul(matmul(ainv, t, s), ainv, s), s)};
}
std::vector<array> Inverse::vjp(const std::vector<array>&,
                                const std::vector<array>& cotangents,
                                const std::vector<int>&,
                                const std::vector<array>& outputs) {
  auto s = stream();
  auto ainv_t = mT(outputs[0], s);
  auto g = negative(matmul(matmul(ainv_t, cotangents[0], s), ainv_t, s), s);
  if (tri_) g = upper_ ? triu(g, 0, s) : tril(g, 0, s);
  return {g};
}

// Cholesky -------------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> Cholesky::params() const {
  return {{"upper", param_text(upper_)}};
}
std::shared_ptr<Primitive> Cholesky::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Cholesky", params);
  return std::make_shared<Cholesky>(s, r.flag("upper"));
}
bool Cholesky::is_equivalent(const Primitive& other) const {
  return Primitive::is_equivalent(other) &&
         static_cast<const Cholesky&>(other).upper_ == upper_;
}
std::shared_ptr<Primitive> Cholesky::clone() const {
  return std::make_shared<Cholesky>(stream(), upper_);
}
std::vector<std::pair<Shape, Dtype>> Cholesky::output_specs(
    const std::vector<array>& in) const {
  return {{in[0].shape(), in[0].dtype()}};
}

namespace {

/// Lower triangle with the diagonal halved: Phi in the Cholesky derivative.
array phi(const array& x, Stream s) {
  auto n = x.shape(-1);
  auto half = subtract(tri(n, n, 0, x.dtype(), s),
                       multiply(eye(n, x.dtype(), s), array(0.5f, x.dtype()), s), s);
  return multiply(x, half, s);
}

}  // namespace

std::vector<array> Cholesky::jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>&) {
  // With A = L L^T: dL = L Phi(L^-1 dA L^-T), using only A's symmetric part.
  auto s = stream();
  auto a = primals[0];
  auto l = array(a.shape(), a.dtype(), std::make_shared<Cholesky>(s, false), {a});
  auto linv = array(a.shape(), a.dtype(), std::make_shared<Inverse>(s, true, false), {l});
  auto da = multiply(add(tangents[0], mT(tangents[0], s), s), array(0.5f, a.dtype()), s);
  auto dl = matmul(l, phi(matmul(matmul(linv, da, s), mT(linv, s), s), s), s);
  return {upper_ ? mT(dl, s) : dl};
}

std::vector<array> Cholesky::vjp(const std::vector<array>&,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>&,
                                 const std::vector<array>& outputs) {
  // Murray (2016): S = L^-T Phi(L^T G) L^-1, symmetrized.
  auto s = stream();
  auto l = upper_ ? mT(outputs[0], s) : outputs[0];
  auto g = upper_ ? mT(cotangents[0], s) : cotangents[0];
  auto linv = array(l.shape(), l.dtype(), std::make_shared<Inverse>(s, true, false), {l});
  auto inner = phi(matmul(mT(l, s), g, s), s);
  auto sm = matmul(matmul(mT(linv, s), inner, s), linv, s);
  return {multiply(add(sm, mT(sm, s), s), array(0.5f, sm.dtype()), s)};
}

// QRF, SVD, Eig, LUF -------------------------------------------------------------

std::shared_ptr<Primitive> QRF::clone() const { return std::make_shared<QRF>(stream()); }
std::vector<std::pair<Shape, Dtype>> QRF::output_specs(
    const std::vector<array>& in) const {
  auto m = in[0].shape(-2), n = in[0].shape(-1), k = std::min(m, n);
  return {{with_matrix(in[0], m, k), in[0].dtype()},
          {with_matrix(in[0], k, n), in[0].dtype()}};
}

std::vector<std::pair<std::string, std::string>> SVD::params() const {
  return {{"compute_uv", param_text(compute_uv_)}};
}
std::shared_ptr<Primitive> SVD::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("SVD", params);
  return std::make_shared<SVD>(s, r.flag("compute_uv"));
}
bool SVD::is_equivalent(const Primitive& other) const {
  return Primitive::is_equivalent(other) &&
         static_cast<const SVD&>(other).compute_uv_ == compute_uv_;
}
std::shared_ptr<Primitive> SVD::clone() const {
  return std::make_shared<SVD>(stream(), compute_uv_);
}
std::vector<std::pair<Shape, Dtype>> SVD::output_specs(
    const std::vector<array>& in) const {
  auto m = in[0].shape(-2), n = in[0].shape(-1), k = std::min(m, n);
  Dtype d = in[0].dtype();
  if (!compute_uv_) return {{with_vector(in[0], k), real_of(d)}};
  return {{with_matrix(in[0], m, m), d}, {with_vector(in[0], k), real_of(d)},
          {with_matrix(in[0], n, n), d}};
}

std::vector<std::pair<std::string, std::string>> Eig::params() const {
  return {{"compute_vectors", param_text(compute_vectors_)}};
}
std::shared_ptr<Primitive> Eig::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Eig", params);
  return std::make_shared<Eig>(s, r.flag("compute_vectors"));
}
bool Eig::is_equivalent(const Primitive& other) const {
  return Primitive::is_equivalent(other) &&
         static_cast<const Eig&>(other).compute_vectors_ == compute_vectors_;
}
std::shared_ptr<Primitive> Eig::clone() const {
  return std::make_shared<Eig>(stream(), compute_vectors_);
}
std::vector<std::pair<Shape, Dtype>> Eig::output_specs(
    const std::vector<array>& in) const {
  auto n = in[0].shape(-1);
  if (!compute_vectors_) return {{with_vector(in[0], n), complex64}};
  return {{with_vector(in[0], n), complex64}, {in[0].shape(), complex64}};
}

std::shared_ptr<Primitive> LUF::clone() const { return std::make_shared<LUF>(stream()); }
std::vector<std::pair<Shape, Dtype>> LUF::output_specs(
    const std::vector<array>& in) const {
  auto m = in[0].shape(-2), n = in[0].shape(-1);
  return {{in[0].shape(), in[0].dtype()},
          {with_vector(in[0], std::min(m, n)), uint32},
          {with_vector(in[0], m), uint32}};
}

// Eigh ------------------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> Eigh::params() const {
  return {{"upper", param_text(upper_)}, {"compute_vectors", param_text(compute_vectors_)}};
}
std::shared_ptr<Primitive> Eigh::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Eigh", params);
  return std::make_shared<Eigh>(s, r.flag("upper"), r.flag("compute_vectors"));
}
bool Eigh::is_equivalent(const Primitive& other) const {
  if (!Primitive::is_equivalent(other)) return false;
  auto& o = static_cast<const Eigh&>(other);
  return o.upper_ == upper_ && o.compute_vectors_ == compute_vectors_;
}
std::shared_ptr<Primitive> Eigh::clone() const {
  return std::make_shared<Eigh>(stream(), upper_, compute_vectors_);
}
std::vector<std::pair<Shape, Dtype>> Eigh::output_specs(
    const std::vector<array>& in) const {
  auto n = in[0].shape(-1);
  Dtype wd = real_of(in[0].dtype());
  if (!compute_vectors_) return {{with_vector(in[0], n), wd}};
  return {{with_vector(in[0], n), wd}, {in[0].shape(), in[0].dtype()}};
}

std::vector<array> Eigh::jvp(const std::vector<array>& primals,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  // dw = diag(V^T dA V); dV = V (F * (V^T dA V)), F_ij = 1 / (w_j - w_i), i != j.
  auto s = stream();
  auto a = primals[0];
  reject_complex_grad(a, "eigh");
  auto outs = array::make_arrays({with_vector(a, a.shape(-1)), a.shape()},
                                 {a.dtype(), a.dtype()},
                                 std::make_shared<Eigh>(s, upper_, true), {a});
  auto w = outs[0], v = outs[1];
  auto vdv = matmul(matmul(mT(v, s), tangents[0], s), v, s);
  auto dw = diagonal(vdv, 0, -2, -1, s);
  if (!compute_vectors_) return {dw};
  auto n = a.shape(-1);
  auto diff = subtract(expand_dims(w, -2, s), expand_dims(w, -1, s), s);
  auto off = subtract(ones({n, n}, a.dtype(), s), eye(n, a.dtype(), s), s);
  auto f = divide(off, add(diff, eye(n, a.dtype(), s), s), s);
  return {dw, matmul(v, multiply(f, vdv, s), s)};
}

std::vector<array> Eigh::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&,
                             const std::vector<array>& outputs) {
  // dA = V (diag(gw) + F * (V^T gV)) V^T, symmetrized.
  auto s = stream();
  auto a = primals[0];
  reject_complex_grad(a, "eigh");
  array w = outputs[0];
  array v(0.0f);
  if (compute_vectors_) {
    v = outputs[1];
  } else {
    auto outs = array::make_arrays({with_vector(a, a.shape(-1)), a.shape()},
                                   {a.dtype(), a.dtype()},
                                   std::make_shared<Eigh>(s, upper_, true), {a});
    v = outs[1];
  }
  auto n = a.shape(-1);
  auto inner = multiply(expand_dims(cotangents[0], -2, s), eye(n, a.dtype(), s), s);
  if (compute_vectors_) {
    auto diff = subtract(expand_dims(w, -2, s), expand_dims(w, -1, s), s);
    auto off = subtract(ones({n, n}, a.dtype(), s), eye(n, a.dtype(), s), s);
    auto f = divide(off, add(diff, eye(n, a.dtype(), s), s), s);
    inner = add(inner, multiply(f, matmul(mT(v, s), cotangents[1], s), s), s);
  }
  auto g = matmul(matmul(v, inner, s), mT(v, s), s);
  return {multiply(add(g, mT(g, s), s), array(0.5f, g.dtype()), s)};
}

// Solve -----------------------------------------------------------------------

std::shared_ptr<Primitive> Solve::clone() const { return std::make_shared<Solve>(stream()); }
std::vector<std::pair<Shape, Dtype>> Solve::output_specs(
    const std::vector<array>& in) const {
  return {{in[1].shape(), in[1].dtype()}};
}
std::vector<array> Solve::jvp(const std::vector<array>& primals,
                              const std::vector<array>& tangents,
                              const std::vector<int>& argnums) {
  // dx = A^-1 (db - dA x).
  auto s = stream();
  auto& a = primals[0];
  auto x = array(primals[1].shape(), primals[1].dtype(), clone(), primals);
  std::optional<array> rhs;
  for (size_t i = 0; i < argnums.size(); ++i) {
    auto term = argnums[i] == 0 ? negative(matmul(tangents[i], x, s), s) : tangents[i];
    rhs = rhs ? add(*rhs, term, s) : term;
  }
  return {array(x.shape(), x.dtype(), clone(), {a, *rhs})};
}
std::vector<array> Solve::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents,
                              const std::vector<int>& argnums,
                              const std::vector<array>& outputs) {
  // gb = A^-T g; gA = -gb x^T.
  auto s = stream();
  auto at = mT(primals[0], s);
  auto gb = array(cotangents[0].shape(), cotangents[0].dtype(), clone(),
                  {at, cotangents[0]});
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(i == 0 ? negative(matmul(gb, mT(outputs[0], s), s), s) : gb);
  }
  return out;
}

LUMEX_REGISTER_PRIMITIVE(Inverse);
LUMEX_REGISTER_PRIMITIVE(Cholesky);
LUMEX_REGISTER_PRIMITIVE(Eigh);
LUMEX_REGISTER_PRIMITIVE(Eig);
LUMEX_REGISTER_PRIMITIVE(LUF);
LUMEX_REGISTER_PRIMITIVE(Solve);
LUMEX_RULE_EXEMPT(Eig, jvp, "MLX 0.32 has no derivative for the general eigenproblem");
LUMEX_RULE_EXEMPT(Eig, vjp, "MLX 0.32 has no derivative for the general eigenproblem");
LUMEX_RULE_EXEMPT(LUF, jvp, "MLX 0.32 has no LU derivative");
LUMEX_RULE_EXEMPT(LUF, vjp, "MLX 0.32 has no LU derivative");

}  // namespace lumex::core
