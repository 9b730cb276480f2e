#include "common.h"
#include "engine/ops.h"

using namespace lx;

void init_ops_shape(nb::module_& m) {
  m.def("reshape",
        [](const ScalarOrArray& a, std::vector<ShapeElem> shape, StreamArg s) {
          return reshape(arr(a), shape, to_sod(s));
        },
        nb::arg("a"), "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
        "Reshape; one dimension may be -1.");
  m.def("transpose",
        [](const ScalarOrArray& a, std::optional<std::vector<int>> axes, StreamArg s) {
          if (!axes) return transpose(arr(a), to_sod(s));
          return transpose(arr(a), *axes, to_sod(s));
        },
        nb::arg("a"), "axes"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
        "Permute the axes (reverse them by default).");
  m.def("broadcast_to",
        [](const ScalarOrArray& a, std::vector<ShapeElem> shape, StreamArg s) {
          return broadcast_to(arr(a), shape, to_sod(s));
        },
        nb::arg("a"), "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
        "Broadcast to a shape (a view, no copy).");
  m.def("broadcast_arrays",
        [](nb::args arrays, StreamArg s) {
          std::vector<array> in;
          for (auto h : arrays) in.push_back(arr(h));
          auto out = broadcast_arrays(in, to_sod(s));
          nb::list l;
          for (auto& o : out) l.append(nb::cast(o));
          return nb::tuple(l);
        },
        "arrays"_a, "stream"_a = nb::none(), "Broadcast arrays against each other.");
  m.def("contiguous",
        [](const ScalarOrArray& a, bool allow_col_major, StreamArg s) {
          return contiguous(arr(a), allow_col_major, to_sod(s));
        },
        nb::arg("a"), "allow_col_major"_a = false, nb::kw_only(),
        "stream"_a = nb::none(), "A row-major (or column-major) copy when needed.");
}
