// mlx.core.linalg: norms, factorizations, inverses and solvers. Factorizations
// run on LAPACK over the last two axes, batched over the leading ones; inputs must
// be float32 or float64.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core::linalg {

/// Vector or matrix norm. `ord` is a number (inf, -inf, 0, p), "fro" or "nuc", or
/// absent (2-norm of the flattened array, or of vectors/Frobenius over `axis`).
using NormOrd = std::variant<std::monostate, double, std::string>;
array norm(const array& a, const NormOrd& ord = {},
           const std::optional<std::vector<int>>& axis = std::nullopt,
           bool keepdims = false, StreamOrDevice s = {});

array inv(const array& a, StreamOrDevice s = {});
/// Inverse of a triangular matrix (the other triangle is ignored).
array tri_inv(const array& a, bool upper = false, StreamOrDevice s = {});
array cholesky(const array& a, bool upper = false, StreamOrDevice s = {});
/// Inverse of A from its Cholesky factor.
array cholesky_inv(const array& l, bool upper = false, StreamOrDevice s = {});
/// Moore-Penrose pseudo-inverse (from the SVD).
array pinv(const array& a, StreamOrDevice s = {});
/// Reduced QR.
std::pair<array, array> qr(const array& a, StreamOrDevice s = {});
/// [U, S, Vt] (full U and Vt) or [S].
std::vector<array> svd(const array& a, bool compute_uv = true,
                       StreamOrDevice s = {});
std::pair<array, array> eig(const array& a, StreamOrDevice s = {});
array eigvals(const array& a, StreamOrDevice s = {});
std::pair<array, array> eigh(const array& a, const std::string& uplo = "L",
                             StreamOrDevice s = {});
array eigvalsh(const array& a, const std::string& uplo = "L",
               StreamOrDevice s = {});
/// [perm, L, U] with (L U)[perm] = A.
std::vector<array> lu(const array& a, StreamOrDevice s = {});
/// (packed LU, pivots) as LAPACK's getrf, pivots 0-based uint32.
std::pair<array, array> lu_factor(const array& a, StreamOrDevice s = {});
/// Solves a x = b; b is (..., N) or (..., N, R).
array solve(const array& a, const array& b, StreamOrDevice s = {});
/// Solves a x = b for triangular a.
array solve_triangular(const array& a, const array& b, bool upper = false,
                       StreamOrDevice s = {});
array det(const array& a, StreamOrDevice s = {});
/// (sign, log|det|).
std::pair<array, array> slogdet(const array& a, StreamOrDevice s = {});
/// Cross product of 3-vectors (or 2-vectors, as MLX) along `axis`.
array cross(const array& a, const array& b, int axis = -1, StreamOrDevice s = {});

}  // namespace lumex::core::linalg
