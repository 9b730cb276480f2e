// lumex.core.linalg: norms, factorizations, inverses and solvers (LAPACK).
#include <cmath>
#include <deque>
#include <string>

#include "common.h"
#include "engine/ops.h"

using namespace lx;
namespace L = lx::linalg;

namespace {

/// The public-op tag of a function defined by a helper ("linalg.inv"); its binding
/// keeps the pointer, so the text lives for the process.
const char* keep_name(std::string text) {
  static std::deque<std::string> store;
  return store.emplace_back(std::move(text)).c_str();
}

L::NormOrd ord_arg(nb::handle o) {
  if (o.is_none()) return std::monostate{};
  if (nb::isinstance<nb::str>(o)) return nb::cast<std::string>(o);
  double v;
  if (!nb::try_cast<double>(o, v)) {
    std::string what = "[norm] ord must be None, a number or a string, not ";
    throw nb::type_error((what + nb::inst_name(o).c_str() + ".").c_str());
  }
  return v;
}

}  // namespace

void init_linalg(nb::module_& parent) {
  auto m = parent.def_submodule("linalg", "Linear algebra (LAPACK on the CPU).");

  m.def("norm",
        [](const array& a, nb::handle ord, AxisArg axis, bool keepdims, StreamArg s) {
          lx::sites::PublicOp tag("linalg.norm");
          return L::norm(a, ord_arg(ord), to_axes(axis), keepdims, to_sod(s));
        },
        "a"_a, "ord"_a = nb::none(), "axis"_a = nb::none(), "keepdims"_a = false,
        nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def norm(a: array, /, ord: int | float | str | None = None, axis: int | list[int] | None = None, keepdims: bool = False, *, stream: Stream | Device | None = None) -> array"),
        R"(Matrix or vector norm.

With ``ord=None`` this is the 2-norm of the flattened array (or over ``axis``).
Vector orders: any number, ``inf``, ``-inf``, ``0``. Matrix orders (two axes):
``"fro"``, ``"nuc"``, ``1``, ``-1``, ``2``, ``-2``, ``inf``, ``-inf``.

Args:
    a (array): Input array.
    ord (int, float or str, optional): Order of the norm. Default: ``None``.
    axis (int or list(int), optional): One axis (vector norm) or two (matrix
      norm). Default: ``None``.
    keepdims (bool, optional): Keep the reduced axes as size one. Default: ``False``.

Returns:
    array: The norm.)");

  auto unary = [&](const char* name, array (*f)(const array&, StreamOrDevice),
                   const char* doc) {
    const char* tag_name = keep_name(std::string("linalg.") + name);
    m.def(name,
          [f, tag_name](const array& a, StreamArg s) {
            lx::sites::PublicOp tag(tag_name);
            return f(a, to_sod(s));
          },
          "a"_a,
          nb::kw_only(), "stream"_a = nb::none(), doc);
  };
  unary("inv", L::inv, R"(Inverse of a square matrix (batched over leading axes).

Args:
    a (array): Input array, ``float32`` or ``float64``.

Returns:
    array: ``ainv`` with ``a @ ainv = eye``.)");
  unary("pinv", L::pinv, R"(Moore-Penrose pseudo-inverse, from the SVD.

Args:
    a (array): Input array.

Returns:
    array: The pseudo-inverse.)");
  unary("eigvals", L::eigvals, R"(Eigenvalues of a square matrix (complex64).

Args:
    a (array): Input array.

Returns:
    array: The eigenvalues.)");
  unary("det", L::det, R"(Determinant of a square matrix.

Args:
    a (array): Input array.

Returns:
    array: The determinant.)");

  m.def("tri_inv",
        [](const array& a, bool upper, StreamArg s) {
          lx::sites::PublicOp tag("linalg.tri_inv");
          return L::tri_inv(a, upper, to_sod(s));
        },
        "a"_a, "upper"_a = false, nb::kw_only(), "stream"_a = nb::none(),
        R"(Inverse of a triangular matrix.

Args:
    a (array): Input array.
    upper (bool, optional): Whether ``a`` is upper (else lower) triangular.
      Default: ``False``.

Returns:
    array: The inverse.)");
  m.def("cholesky",
        [](const array& a, bool upper, StreamArg s) {
          lx::sites::PublicOp tag("linalg.cholesky");
          return L::cholesky(a, upper, to_sod(s));
        },
        "a"_a, "upper"_a = false, nb::kw_only(), "stream"_a = nb::none(),
        R"(Cholesky factor of a symmetric positive definite matrix.

Args:
    a (array): Input array.
    upper (bool, optional): Return the upper factor ``U`` (``a = U^T U``)
      instead of the lower ``L`` (``a = L L^T``). Default: ``False``.

Returns:
    array: The factor.)");
  m.def("cholesky_inv",
        [](const array& a, bool upper, StreamArg s) {
          lx::sites::PublicOp tag("linalg.cholesky_inv");
          return L::cholesky_inv(a, upper, to_sod(s));
        },
        "a"_a, "upper"_a = false, nb::kw_only(), "stream"_a = nb::none(),
        R"(Inverse of a positive definite matrix from its Cholesky factor.

Args:
    a (array): The Cholesky factor.
    upper (bool, optional): Whether the factor is upper triangular. Default: ``False``.

Returns:
    array: The inverse of the original matrix.)");
  m.def("qr",
        [](const array& a, StreamArg s) {
          lx::sites::PublicOp tag("linalg.qr");
          auto [q, r] = L::qr(a, to_sod(s));
          return nb::make_tuple(q, r);
        },
        "a"_a, nb::kw_only(), "stream"_a = nb::none(),
        R"(Reduced QR factorization.

Args:
    a (array): Input array.

Returns:
    tuple(array, array): ``Q`` (orthonormal columns) and upper triangular ``R``.)");
  m.def("svd",
        [](const array& a, bool compute_uv, StreamArg s) -> nb::object {
          lx::sites::PublicOp tag("linalg.svd");
          auto r = L::svd(a, compute_uv, to_sod(s));
          if (!compute_uv) return nb::cast(r[0]);
          return to_tuple(r);
        },
        "a"_a, "compute_uv"_a = true, nb::kw_only(), "stream"_a = nb::none(),
        R"(Singular value decomposition ``a = U @ diag(S) @ Vt``.

Args:
    a (array): Input array.
    compute_uv (bool, optional): Return ``(U, S, Vt)`` (else only ``S``).
      Default: ``True``.

Returns:
    Union[tuple(array, ...), array]: The factors, or the singular values.)");
  m.def("eig",
        [](const array& a, StreamArg s) {
          lx::sites::PublicOp tag("linalg.eig");
          auto [w, v] = L::eig(a, to_sod(s));
          return nb::make_tuple(w, v);
        },
        "a"_a, nb::kw_only(), "stream"_a = nb::none(),
        R"(Eigenvalues and right eigenvectors of a square matrix (complex64).

Args:
    a (array): Input array.

Returns:
    tuple(array, array): The eigenvalues and the eigenvectors (as columns).)");
  m.def("eigh",
        [](const array& a, const std::string& uplo, StreamArg s) {
          lx::sites::PublicOp tag("linalg.eigh");
          auto [w, v] = L::eigh(a, uplo, to_sod(s));
          return nb::make_tuple(w, v);
        },
        "a"_a, "UPLO"_a = "L", nb::kw_only(), "stream"_a = nb::none(),
        R"(Eigenvalues (ascending) and eigenvectors of a symmetric matrix.

Args:
    a (array): Input array.
    UPLO (str, optional): Triangle to read, ``"L"`` or ``"U"``. Default: ``"L"``.

Returns:
    tuple(array, array): The eigenvalues and the eigenvectors (as columns).)");
  m.def("eigvalsh",
        [](const array& a, const std::string& uplo, StreamArg s) {
          lx::sites::PublicOp tag("linalg.eigvalsh");
          return L::eigvalsh(a, uplo, to_sod(s));
        },
        "a"_a, "UPLO"_a = "L", nb::kw_only(), "stream"_a = nb::none(),
        R"(Eigenvalues (ascending) of a symmetric matrix.

Args:
    a (array): Input array.
    UPLO (str, optional): Triangle to read, ``"L"`` or ``"U"``. Default: ``"L"``.

Returns:
    array: The eigenvalues.)");
  m.def("lu",
        [](const array& a, StreamArg s) {
          lx::sites::PublicOp tag("linalg.lu");
          return to_tuple(L::lu(a, to_sod(s)));
        },
        "a"_a,
        nb::kw_only(), "stream"_a = nb::none(),
        R"(LU factorization with partial pivoting.

Args:
    a (array): Input array.

Returns:
    tuple(array, array, array): The row permutation ``p`` (uint32), unit lower
    ``L`` and upper ``U`` with ``(L @ U)[p] = a``.)");
  m.def("lu_factor",
        [](const array& a, StreamArg s) {
          lx::sites::PublicOp tag("linalg.lu_factor");
          auto [lu, piv] = L::lu_factor(a, to_sod(s));
          return nb::make_tuple(lu, piv);
        },
        "a"_a, nb::kw_only(), "stream"_a = nb::none(),
        R"(Packed LU factorization (as LAPACK's ``getrf``).

Args:
    a (array): Input array.

Returns:
    tuple(array, array): ``L`` and ``U`` packed in one matrix, and the 0-based
    pivot rows (uint32).)");
  m.def("solve",
        [](const array& a, const array& b, StreamArg s) {
          lx::sites::PublicOp tag("linalg.solve");
          return L::solve(a, b, to_sod(s));
        },
        "a"_a, "b"_a, nb::kw_only(), "stream"_a = nb::none(),
        R"(Solve ``a @ x = b`` for a square ``a``.

Args:
    a (array): Input matrix.
    b (array): Right-hand side(s), a vector or a matrix.

Returns:
    array: The solution ``x``.)");
  m.def("solve_triangular",
        [](const array& a, const array& b, bool upper, StreamArg s) {
          lx::sites::PublicOp tag("linalg.solve_triangular");
          return L::solve_triangular(a, b, upper, to_sod(s));
        },
        "a"_a, "b"_a, nb::kw_only(), "upper"_a = false, "stream"_a = nb::none(),
        R"(Solve ``a @ x = b`` for a triangular ``a``.

Args:
    a (array): Triangular matrix.
    b (array): Right-hand side(s).
    upper (bool, optional): Whether ``a`` is upper triangular. Default: ``False``.

Returns:
    array: The solution ``x``.)");
  m.def("slogdet",
        [](const array& a, StreamArg s) {
          lx::sites::PublicOp tag("linalg.slogdet");
          auto [sg, la] = L::slogdet(a, to_sod(s));
          return nb::make_tuple(sg, la);
        },
        "a"_a, nb::kw_only(), "stream"_a = nb::none(),
        R"(Sign and natural log of the absolute determinant.

Args:
    a (array): Input array.

Returns:
    tuple(array, array): ``sign`` and ``logabsdet``.)");
  m.def("cross",
        [](const array& a, const array& b, int axis, StreamArg s) {
          lx::sites::PublicOp tag("linalg.cross");
          return L::cross(a, b, axis, to_sod(s));
        },
        "a"_a, "b"_a, "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
        R"(Cross product of two arrays of 3-vectors along ``axis``.

Args:
    a (array): Input array.
    b (array): Input array.
    axis (int, optional): Axis holding the vectors. Default: ``-1``.

Returns:
    array: The cross product.)");
  // MLX exposes the same function at the top level too.
  parent.attr("matrix_norm") = m.attr("norm");
}
