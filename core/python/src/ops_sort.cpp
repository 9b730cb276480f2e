// Sorting, partitioning and searching ops.
#include "common.h"
#include "engine/ops.h"

using namespace lx;

void init_ops_sort(nb::module_& m) {
  m.def("sort",
        [](const array& a, nb::handle axis, StreamArg s) {
          lx::sites::PublicOp tag("sort");
          return sort(a, opt_axis(axis), to_sod(s));
        },
        nb::arg(), "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def sort(a: array, /, axis: None | int = -1, *, stream: StreamOrDevice = "
                "None) -> array"),
        R"(Sorted copy along an axis; NaNs sort last.

Args:
    a (array): Input array.
    axis (int | None): The axis to sort along; the flattened array when None.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: The sorted values.)");
  m.def("argsort",
        [](const array& a, nb::handle axis, StreamArg s) {
          lx::sites::PublicOp tag("argsort");
          return argsort(a, opt_axis(axis), to_sod(s));
        },
        nb::arg(), "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def argsort(a: array, /, axis: None | int = -1, *, stream: StreamOrDevice "
                "= None) -> array"),
        R"(Indices that sort the array along an axis (a stable sort; NaNs last).

Args:
    a (array): Input array.
    axis (int | None): The axis to sort along; the flattened array when None.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: ``uint32`` indices, such that ``take_along_axis(a, i, axis)`` is sorted.)");
  m.def("partition",
        [](const array& a, int kth, nb::handle axis, StreamArg s) {
          lx::sites::PublicOp tag("partition");
          return partition(a, kth, opt_axis(axis), to_sod(s));
        },
        nb::arg(), "kth"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def partition(a: array, /, kth: int, axis: None | int = -1, *, stream: "
                "StreamOrDevice = None) -> array"),
        "Partially sorted copy: element kth in sorted position, smaller ones before it.");
  m.def("argpartition",
        [](const array& a, int kth, nb::handle axis, StreamArg s) {
          lx::sites::PublicOp tag("argpartition");
          return argpartition(a, kth, opt_axis(axis), to_sod(s));
        },
        nb::arg(), "kth"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def argpartition(a: array, /, kth: int, axis: None | int = -1, *, stream: "
                "StreamOrDevice = None) -> array"),
        "uint32 indices that partition the array along an axis.");
  m.def("topk",
        [](const array& a, int k, nb::handle axis, StreamArg s) {
          lx::sites::PublicOp tag("topk");
          return topk(a, k, opt_axis(axis), to_sod(s));
        },
        nb::arg(), "k"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def topk(a: array, /, k: int, axis: None | int = -1, *, stream: "
                "StreamOrDevice = None) -> array"),
        R"(The ``k`` largest elements along an axis, in no particular order.

Args:
    a (array): Input array.
    k (int): How many elements to keep.
    axis (int | None): The axis to select along; the flattened array when None.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: ``a`` with ``axis`` shortened to ``k``.)");
  m.def("searchsorted",
        [](const array& seq, nb::handle values, const std::string& side, StreamArg s) {
          lx::sites::PublicOp tag("searchsorted");
          auto v = nb::isinstance<array>(values) ? nb::cast<array>(values)
                                                 : to_array_like(values, &seq);
          return searchsorted(seq, v, side, to_sod(s));
        },
        nb::arg(), nb::arg(), "side"_a = "left", nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def searchsorted(sorted_sequence: array, values: array, /, side: str = "
                "'left', *, stream: StreamOrDevice = None) -> array"),
        "uint32 insertion points of `values` in the 1-D ascending `sorted_sequence`.");
  m.def("unique",
        [](const array& a, int size, bool return_index, bool return_inverse,
           bool return_counts, nb::handle fill_value, StreamArg s) -> nb::object {
          lx::sites::PublicOp tag("unique");
          std::optional<array> fill;
          if (!fill_value.is_none()) {
            fill = nb::isinstance<array>(fill_value) ? nb::cast<array>(fill_value)
                                                     : to_array_like(fill_value, &a);
          }
          auto parts = unique(a, size, fill, to_sod(s));
          if (!return_index && !return_inverse && !return_counts) {
            return nb::cast(parts[0]);
          }
          nb::list out;
          out.append(parts[0]);
          if (return_index) out.append(parts[1]);
          if (return_inverse) out.append(parts[2]);
          if (return_counts) out.append(parts[3]);
          return nb::tuple(out);
        },
        nb::arg(), "size"_a, "return_index"_a = false, "return_inverse"_a = false,
        "return_counts"_a = false, "fill_value"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(),
        nb::sig("def unique(a: array, /, size: int, return_index: bool = False, "
                "return_inverse: bool = False, return_counts: bool = False, "
                "fill_value: scalar | array | None = None, *, stream: StreamOrDevice = None) "
                "-> array | tuple[array, ...]"),
        R"(Returns the sorted unique elements of the flattened array.

The output has a static ``size`` (MLX's form), so ``a`` is not evaluated.
Entries past the last unique element hold ``fill_value`` (default: the first
unique element) and count ``0``; a smaller ``size`` keeps the smallest unique
elements, and ``inverse`` then points dropped elements at the last entry.
``-0.0`` equals ``0.0``; each NaN is a unique element of its own.

Args:
    a (array): Input array.
    size (int): The size of the output.
    return_index (bool, optional): Also return the index (uint32) in the
      flattened ``a`` of each unique element's first occurrence.
    return_inverse (bool, optional): Also return the indices (uint32, shaped
      like ``a``) of the unique array that rebuild ``a``.
    return_counts (bool, optional): Also return each unique element's count (int32).
    fill_value (scalar or array, optional): The value of the padding entries.

Returns:
    array or tuple(array, ...): The unique elements, followed by the requested
    index, inverse and counts, in that order.)");
  m.def("diff",
        [](const array& a, int n, int axis, StreamArg s) {
          lx::sites::PublicOp tag("diff");
          return diff(a, n, axis, to_sod(s));
        },
        nb::arg(), "n"_a = 1, "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def diff(a: array, /, n: int = 1, axis: int = -1, *, stream: "
                "StreamOrDevice = None) -> array"),
        "The n-th discrete difference along an axis.");
}
