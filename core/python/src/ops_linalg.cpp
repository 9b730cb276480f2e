// Matrix and tensor products, and the array's @ operator. Like MLX, these take
// arrays only (no Python scalars or lists), mostly positional-only.
#include <variant>

#include "common.h"
#include "engine/ops.h"

using namespace lx;

namespace {
/// Operands may be arrays or anything convertible to one (NumPy arrays, scalars).
std::vector<array> einsum_operands(const nb::args& operands) {
  std::vector<array> out;
  for (auto h : operands) out.push_back(to_array(h));
  return out;
}
}  // namespace

void init_ops_linalg(nb::module_& m) {
  m.def("matmul",
        [](const array& a, const array& b, StreamArg s) {
          lx::sites::PublicOp tag("matmul");
          return matmul(a, b, to_sod(s));
        },
        nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def matmul(a: array, b: array, /, *, stream: Stream | Device | None = None) -> array"),
        R"(Matrix multiplication.

Perform the (possibly batched) matrix multiplication of two arrays. This function
supports broadcasting for arrays with more than two dimensions.

- If the first array is 1-D then a 1 is prepended to its shape to make it a matrix.
  Similarly if the second array is 1-D then a 1 is appended to its shape to make
  it a matrix. In either case the singleton dimension is removed from the result.
- A batched matrix multiplication is performed if the arrays have more than 2
  dimensions. The matrix dimensions for the matrix product are the last two
  dimensions of each input.
- All but the last two dimensions of each input are broadcast with one another
  using standard NumPy-style broadcasting semantics.

Args:
    a (array): Input array or scalar.
    b (array): Input array or scalar.

Returns:
    array: The matrix product of ``a`` and ``b``.)");

  m.def("block_masked_mm",
        [](const array& a, const array& b, int block_size, std::optional<array> mask_out,
           std::optional<array> mask_lhs, std::optional<array> mask_rhs, StreamArg s) {
          lx::sites::PublicOp tag("block_masked_mm");
          return block_masked_mm(a, b, block_size, mask_out, mask_lhs, mask_rhs, to_sod(s));
        },
        nb::arg(), nb::arg(), "block_size"_a = 64, "mask_out"_a = nb::none(),
        "mask_lhs"_a = nb::none(), "mask_rhs"_a = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(),
        nb::sig("def block_masked_mm(a: array, b: array, /, block_size: int = 64, "
                "mask_out: array | None = None, mask_lhs: array | None = None, "
                "mask_rhs: array | None = None, *, stream: Stream | Device | None = None) "
                "-> array"),
        R"(Matrix multiplication with block masking.

With ``a`` of shape (..., M, K) and ``b`` of shape (..., K, N), each mask holds one
entry per ``block_size x block_size`` block (the last block of an axis may be partial):
``mask_lhs`` is (..., ceil(M/bs), ceil(K/bs)), ``mask_rhs`` (..., ceil(K/bs),
ceil(N/bs)) and ``mask_out`` (..., ceil(M/bs), ceil(N/bs)). A boolean mask zeroes the
blocks it marks False; a floating mask scales each block by its entry.

Args:
    a (array): Input array.
    b (array): Input array.
    block_size (int): Size of the blocks. Default: ``64``.
    mask_out (array, optional): Mask for the output.
    mask_lhs (array, optional): Mask for ``a``.
    mask_rhs (array, optional): Mask for ``b``.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: The masked product.)");

  m.def("segmented_mm",
        [](const array& a, const array& b, const array& segments, StreamArg s) {
          lx::sites::PublicOp tag("segmented_mm");
          return segmented_mm(a, b, segments, to_sod(s));
        },
        nb::arg(), nb::arg(), "segments"_a, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def segmented_mm(a: array, b: array, /, segments: array, *, "
                "stream: Stream | Device | None = None) -> array"),
        R"(One matrix product per segment of the inner dimension.

Args:
    a (array): Input array of shape ``(M, K)``.
    b (array): Input array of shape ``(K, N)``.
    segments (array): Integer ``[start, stop)`` offsets into ``K``, shape ``(..., 2)``.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: ``a[:, start:stop] @ b[start:stop, :]`` per segment, shape ``(..., M, N)``.)");

  m.def("addmm",
        [](const array& c, const array& a, const array& b, float alpha, float beta,
           StreamArg s) {
          lx::sites::PublicOp tag("addmm"); return addmm(c, a, b, alpha, beta, to_sod(s)); },
        nb::arg(), nb::arg(), nb::arg(), "alpha"_a = 1.0f, "beta"_a = 1.0f,
        nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def addmm(c: array, a: array, b: array, /, alpha: float = 1.0, beta: float = 1.0, *, stream: Stream | Device | None = None) -> array"),
        R"(Matrix multiplication with addition and optional scaling.

Perform the (possibly batched) matrix multiplication of two arrays and add to the
result with optional scaling factors: ``beta * c + alpha * (a @ b)``.

Args:
    c (array): Input array or scalar.
    a (array): Input array or scalar.
    b (array): Input array or scalar.
    alpha (float, optional): Scaling factor for the matrix product of ``a`` and
      ``b`` (default: ``1``).
    beta (float, optional): Scaling factor for ``c`` (default: ``1``).

Returns:
    array: ``alpha * (a @ b)  + beta * c``)");

  m.def("inner",
        [](const array& a, const array& b, StreamArg s) {
          lx::sites::PublicOp tag("inner");
          return inner(a, b, to_sod(s));
        },
        nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def inner(a: array, b: array, /, *, stream: Stream | Device | None = None) -> array"),
        R"(Ordinary inner product of vectors for 1-D arrays, in higher dimensions a sum
product over the last axes.

Args:
    a (array): Input array
    b (array): Input array

Returns:
    array: The inner product.)");

  m.def("outer",
        [](const array& a, const array& b, StreamArg s) {
          lx::sites::PublicOp tag("outer");
          return outer(a, b, to_sod(s));
        },
        nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def outer(a: array, b: array, /, *, stream: Stream | Device | None = None) -> array"),
        R"(Compute the outer product of two 1-D arrays, if the array's passed are not
1-D a flatten op will be run beforehand.

Args:
    a (array): Input array
    b (array): Input array

Returns:
    array: The outer product.)");

  m.def("tensordot",
        [](const array& a, const array& b,
           const std::variant<int, std::vector<std::vector<int>>>& axes,
           StreamArg s) {
          lx::sites::PublicOp tag("tensordot");
          if (std::holds_alternative<int>(axes)) {
            return tensordot(a, b, std::get<int>(axes), to_sod(s));
          }
          auto& x = std::get<std::vector<std::vector<int>>>(axes);
          if (x.size() != 2) {
            throw std::invalid_argument(
                "[tensordot] axes must be a list of two lists.");
          }
          return tensordot(a, b, x[0], x[1], to_sod(s));
        },
        nb::arg(), nb::arg(), "axes"_a = 2, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def tensordot(a: array, b: array, /, axes: int | list[Sequence[int]] = 2, *, stream: Stream | Device | None = None) -> array"),
        R"(Compute the tensor dot product along the specified axes.

Args:
    a (array): Input array
    b (array): Input array
    axes (int or list(list(int)), optional): The number of dimensions to
      sum over. If an integer is provided, then sum over the last
      ``axes`` dimensions of ``a`` and the first ``axes`` dimensions of
      ``b``. If a list of lists is provided, then sum over the
      corresponding dimensions of ``a`` and ``b``. Default: 2.

Returns:
    array: The tensor dot product.)");

  m.def("kron",
        [](const array& a, const array& b, StreamArg s) {
          lx::sites::PublicOp tag("kron");
          return kron(a, b, to_sod(s));
        },
        "a"_a, "b"_a, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def kron(a: array, b: array, *, stream: Stream | Device | None = None) -> array"),
        R"(Compute the Kronecker product of two arrays ``a`` and ``b``.

Args:
    a (array): The first input array.
    b (array): The second input array.

Returns:
    array: The Kronecker product of ``a`` and ``b``.

Examples:
    >>> a = mx.array([[1, 2], [3, 4]])
    >>> b = mx.array([[0, 1], [1, 0]])
    >>> mx.kron(a, b)
    array([[0, 1, 0, 2],
           [1, 0, 2, 0],
           [0, 3, 0, 4],
           [3, 0, 4, 0]], dtype=int32))");

  m.def("vecdot",
        [](const array& a, const array& b, int axis, StreamArg s) {
          lx::sites::PublicOp tag("vecdot");
          return vecdot(a, b, axis, to_sod(s));
        },
        nb::arg(), nb::arg(), "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def vecdot(a: array, b: array, /, *, axis: int = -1, stream: Stream | Device | None = None) -> array"),
        R"(Compute the vector dot product of two arrays along an axis.

Args:
  a (array): Input array
  b (array): Input array
  axis (int, optional): Axis over which to compute the dot product. Default: ``-1``.

Returns:
  array: The vector dot product.)");

  m.def("einsum",
        [](const std::string& subscripts, nb::args operands, StreamArg s) {
          lx::sites::PublicOp tag("einsum");
          return einsum(subscripts, einsum_operands(operands), to_sod(s));
        },
        "subscripts"_a, "operands"_a, "stream"_a = nb::none(),
        nb::sig("def einsum(subscripts: str, *operands, stream: Stream | Device | None = None) -> array"),
        R"(Perform the Einstein summation convention on the operands.

Contractions are implemented with :func:`matmul` and have the same
requirements.

Args:
  subscripts (str): The Einstein summation convention equation.
  *operands (array): The input arrays.

Returns:
  array: The output array.)");

  m.def("einsum_path",
        [](const std::string& subscripts, nb::args operands) {
          auto [path, info] = einsum_path(subscripts, einsum_operands(operands));
          nb::list steps;
          for (auto& step : path) {
            nb::list positions;
            for (int p : step) positions.append(p);
            steps.append(nb::tuple(positions));
          }
          return nb::make_tuple(steps, info);
        },
        "subscripts"_a, "operands"_a,
        nb::sig("def einsum_path(subscripts: str, *operands) -> tuple[list[tuple[int, ...]], str]"),
        R"(Compute the contraction order for the given Einstein summation.

Args:
  subscripts (str): The Einstein summation convention equation.
  *operands (array): The input arrays.

Returns:
  tuple(list(tuple(int, int)), str):
    The einsum path and a string containing information about the
    chosen path.)");

  // The @ operator (MLX has no __rmatmul__).
  nb::handle cls = m.attr("array");
  cls.attr("__matmul__") = nb::cpp_function(
      [](const array& a, const array& other) {
        lx::sites::PublicOp tag("matmul");
        return matmul(a, other);
      },
      nb::scope(cls), nb::name("__matmul__"), nb::is_method(), "other"_a,
      nb::sig("def __matmul__(self, other: array) -> array"));
  cls.attr("__imatmul__") = nb::cpp_function(
      [](nb::handle self, const array& other) {
        auto& a = nb::cast<array&>(self);
        a.overwrite_descriptor(matmul(a, other));
        return nb::borrow(self);
      },
      nb::scope(cls), nb::name("__imatmul__"), nb::is_method(), "other"_a,
      nb::sig("def __imatmul__(self, other: array) -> array"));
}
