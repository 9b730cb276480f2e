// Sorting, partitioning and searching ops.
#include "common.h"
#include "engine/ops.h"

using namespace lx;

namespace {

std::optional<int> opt_axis(nb::handle h) {
  if (h.is_none()) return std::nullopt;
  return nb::cast<int>(h);
}

}  // namespace

void init_ops_sort(nb::module_& m) {
  m.def("sort",
        [](const array& a, nb::handle axis, StreamArg s) {
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
          return partition(a, kth, opt_axis(axis), to_sod(s));
        },
        nb::arg(), "kth"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def partition(a: array, /, kth: int, axis: None | int = -1, *, stream: "
                "StreamOrDevice = None) -> array"),
        "Partially sorted copy: element kth in sorted position, smaller ones before it.");
  m.def("argpartition",
        [](const array& a, int kth, nb::handle axis, StreamArg s) {
          return argpartition(a, kth, opt_axis(axis), to_sod(s));
        },
        nb::arg(), "kth"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def argpartition(a: array, /, kth: int, axis: None | int = -1, *, stream: "
                "StreamOrDevice = None) -> array"),
        "uint32 indices that partition the array along an axis.");
  m.def("topk",
        [](const array& a, int k, nb::handle axis, StreamArg s) {
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
          auto v = nb::isinstance<array>(values) ? nb::cast<array>(values)
                                                 : to_array_like(values, &seq);
          return searchsorted(seq, v, side, to_sod(s));
        },
        nb::arg(), nb::arg(), "side"_a = "left", nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def searchsorted(sorted_sequence: array, values: array, /, side: str = "
                "'left', *, stream: StreamOrDevice = None) -> array"),
        "uint32 insertion points of `values` in the 1-D ascending `sorted_sequence`.");
  m.def("diff",
        [](const array& a, int n, int axis, StreamArg s) { return diff(a, n, axis, to_sod(s)); },
        nb::arg(), "n"_a = 1, "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def diff(a: array, /, n: int = 1, axis: int = -1, *, stream: "
                "StreamOrDevice = None) -> array"),
        "The n-th discrete difference along an axis.");
}
