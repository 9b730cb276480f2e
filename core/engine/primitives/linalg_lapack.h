// Matrix factorizations and solvers on LAPACK (scipy-openblas32). All act on the
// last two axes and are batched over the leading ones; inputs are float32 or
// float64 (the op casts), square where the factorization needs it.
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/params.h"

namespace lumex::core {

// The clone/output_specs pair every LAPACK primitive defines (each also declares its
// jvp/vjp with LUMEX_GRAD_RULES; vmap is shared).
#define LUMEX_LAPACK_CLONE                                 \
 protected:                                                \
  std::shared_ptr<Primitive> clone() const override;       \
  std::vector<std::pair<Shape, Dtype>> output_specs(       \
      const std::vector<array>& inputs) const override;

/// Shared by the LAPACK primitives: vmap moves the batch axis to the front,
/// where every factorization already loops.
class LapackPrimitive : public Primitive {
 public:
  using Primitive::Primitive;
  std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes) override;

 protected:
  /// The same primitive again, for batched inputs (vmap).
  virtual std::shared_ptr<Primitive> clone() const = 0;
  /// Output shapes and dtypes for the given inputs.
  virtual std::vector<std::pair<Shape, Dtype>> output_specs(
      const std::vector<array>& inputs) const = 0;
};

/// Inverse of a square matrix (getrf + getri), or of a triangular one (trtri)
/// when `tri`; then `upper` says which triangle holds the matrix.
class Inverse : public LapackPrimitive {
 public:
  Inverse(Stream s, bool tri, bool upper)
      : LapackPrimitive(s), tri_(tri), upper_(upper) {}
  LUMEX_EVAL_MULTI
  LUMEX_GRAD_RULES
  LUMEX_DEFINE_NAME(Inverse)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

  LUMEX_LAPACK_CLONE

 private:
  bool tri_;
  bool upper_;
};

/// Cholesky factor of a symmetric positive definite matrix: lower L with
/// A = L L^T, or upper U with A = U^T U. Throws if A is not positive definite.
class Cholesky : public LapackPrimitive {
 public:
  Cholesky(Stream s, bool upper) : LapackPrimitive(s), upper_(upper) {}
  LUMEX_EVAL_MULTI
  LUMEX_GRAD_RULES
  LUMEX_DEFINE_NAME(Cholesky)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

  LUMEX_LAPACK_CLONE

 private:
  bool upper_;
};

/// Reduced QR: Q (M, K) with orthonormal columns and upper R (K, N), K = min(M, N).
/// Derivatives need M >= N (then R is square and invertible).
class QRF : public LapackPrimitive {
 public:
  explicit QRF(Stream s) : LapackPrimitive(s) {}
  LUMEX_EVAL_MULTI
  LUMEX_GRAD_RULES
  LUMEX_DEFINE_NAME(QRF)

  LUMEX_LAPACK_CLONE
};

/// Singular value decomposition (gesdd): A = U diag(S) Vt with full U (M, M) and
/// Vt (N, N); S (K,) descending. Outputs U, S, Vt, or only S. Derivatives
/// assume distinct nonzero singular values; the columns of U and rows of Vt past
/// K are not determined by A, so their cotangents are ignored.
class SVD : public LapackPrimitive {
 public:
  SVD(Stream s, bool compute_uv) : LapackPrimitive(s), compute_uv_(compute_uv) {}
  LUMEX_EVAL_MULTI
  LUMEX_GRAD_RULES
  LUMEX_DEFINE_NAME(SVD)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

  LUMEX_LAPACK_CLONE

 private:
  bool compute_uv_;
};

/// Eigen-decomposition of a symmetric matrix (syevd) from one triangle:
/// eigenvalues ascending (N,) and, if asked, eigenvectors as columns (N, N).
class Eigh : public LapackPrimitive {
 public:
  Eigh(Stream s, bool upper, bool compute_vectors)
      : LapackPrimitive(s), upper_(upper), compute_vectors_(compute_vectors) {}
  LUMEX_EVAL_MULTI
  LUMEX_GRAD_RULES
  LUMEX_DEFINE_NAME(Eigh)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

  LUMEX_LAPACK_CLONE

 private:
  bool upper_;
  bool compute_vectors_;
};

/// General (non-symmetric) eigen-decomposition (geev): complex64 eigenvalues
/// (N,) and, if asked, complex64 right eigenvectors as unit-norm columns (N, N).
class Eig : public LapackPrimitive {
 public:
  Eig(Stream s, bool compute_vectors)
      : LapackPrimitive(s), compute_vectors_(compute_vectors) {}
  LUMEX_EVAL_MULTI
  LUMEX_DEFINE_NAME(Eig)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

  LUMEX_LAPACK_CLONE

 private:
  bool compute_vectors_;
};

/// LU with partial pivoting (getrf) of an (M, N) matrix: packed LU (M, N), the
/// 0-based pivot rows (K,) as uint32 (row i swapped with pivots[i]), and the
/// row permutation (M,) as uint32 with (L U)[perm] = A (MLX's convention).
class LUF : public LapackPrimitive {
 public:
  explicit LUF(Stream s) : LapackPrimitive(s) {}
  LUMEX_EVAL_MULTI
  LUMEX_DEFINE_NAME(LUF)

  LUMEX_LAPACK_CLONE
};

/// Solves A X = B (gesv) for square A (N, N) and B (N, R); throws if A is singular.
class Solve : public LapackPrimitive {
 public:
  explicit Solve(Stream s) : LapackPrimitive(s) {}
  LUMEX_EVAL_MULTI
  LUMEX_GRAD_RULES
  LUMEX_DEFINE_NAME(Solve)

  LUMEX_LAPACK_CLONE
};

}  // namespace lumex::core
