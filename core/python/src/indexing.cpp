// Indexing from Python: a[idx], a[idx] = v, a.at[idx].add(v), and the gather/
// scatter ops (take, take_along_axis, put_along_axis, slice, slice_update).
// Index expressions are parsed here into IndexEntry lists; the engine's
// index()/index_update() apply NumPy's rules.
#include "common.h"
#include "engine/ops.h"
#include "engine/utils.h"

using namespace lx;

namespace {

[[noreturn]] void bad_index_type() {
  throw nb::value_error("Cannot index mlx array using the given type.");
}

std::optional<int64_t> slice_part(nb::handle h) {
  if (h.is_none()) return std::nullopt;
  if (PyBool_Check(h.ptr()) || !PyIndex_Check(h.ptr())) {
    throw nb::type_error("slice indices must be integers or None.");
  }
  return nb::cast<int64_t>(nb::int_(h));
}

IndexEntry index_array(array a) {
  if (a.dtype() != bool_ && !is_integral(a.dtype())) {
    // An empty list arrives as float32: treat it as an empty integer index.
    if (a.size() == 0) return IndexEntry::array_index(astype(a, int32));
    throw nb::value_error(
        msg("Arrays used as indices must be of integer (or boolean) type, got ",
            dtype_name(a.dtype()), ".")
            .c_str());
  }
  return IndexEntry::array_index(std::move(a));
}

IndexEntry to_entry(nb::handle h) {
  if (h.is_none()) return IndexEntry::new_axis();
  if (h.ptr() == Py_Ellipsis) return IndexEntry::ellipsis();
  if (PySlice_Check(h.ptr())) {
    return IndexEntry::slice(slice_part(h.attr("start")), slice_part(h.attr("stop")),
                             slice_part(h.attr("step")));
  }
  if (nb::isinstance<array>(h)) return index_array(nb::cast<array>(h));
  // A Python bool is a 0-d mask (the engine accepts it alone in an update).
  if (PyBool_Check(h.ptr())) return IndexEntry::array_index(array(h.ptr() == Py_True));
  if (PyLong_Check(h.ptr())) return IndexEntry::integer(nb::cast<int64_t>(h));
  if (PyList_Check(h.ptr())) return index_array(to_array(h));
  // NumPy integer scalars (and 0-d integer arrays) act as ints.
  bool is_nd = nb::hasattr(h, "ndim") && nb::cast<int>(h.attr("ndim")) != 0;
  if (PyIndex_Check(h.ptr()) && !is_nd) {
    nb::object i = nb::steal(PyNumber_Index(h.ptr()));
    if (!i.is_valid()) throw nb::python_error();
    return IndexEntry::integer(nb::cast<int64_t>(i));
  }
  // NumPy arrays and other buffers.
  if (nb::hasattr(h, "__array_interface__") || nb::hasattr(h, "__array__")) {
    return index_array(to_array(h));
  }
  bad_index_type();
}

std::vector<IndexEntry> to_entries(nb::handle idx) {
  std::vector<IndexEntry> out;
  if (PyTuple_Check(idx.ptr())) {
    for (auto h : idx) out.push_back(to_entry(h));
  } else {
    out.push_back(to_entry(idx));
  }
  return out;
}

array getitem(const array& a, nb::handle idx) {
  auto entries = to_entries(idx);
  nb::gil_scoped_release release;  // boolean masks evaluate
  return index(a, std::move(entries));
}

array update_value(const array& a, nb::handle v) {
  if (nb::isinstance<array>(v)) return nb::cast<array>(v);
  return to_array_like(v, &a);
}

/// a.at[idx]: remembers the array and index; the methods return updated copies.
struct ArrayAt {
  array a;
  nb::object idx;
  // `name` is the method as the graph view shows it (at[].add), not the scatter or
  // slice_update primitive behind it.
  array apply(nb::handle v, AtUpdate how, const char* name) const {
    lx::sites::PublicOp tag(name);
    if (!idx.is_valid()) {  // a.at without [idx]; a.at[None] is a valid index
      throw nb::value_error("Indices are not set: use a.at[indices].");
    }
    auto u = update_value(a, v);
    auto entries = to_entries(idx);
    nb::gil_scoped_release release;
    return index_update(a, std::move(entries), u, how);
  }
};

}  // namespace

void init_indexing(nb::module_& m) {
  auto cls = nb::type<array>();
  cls.attr("__getitem__") = nb::cpp_function(
      [](const array& a, nb::handle idx) {
        lx::sites::PublicOp tag("getitem");  // a[idx]: the slices and gathers behind it fold in
        return getitem(a, idx);
      },
      nb::is_method(),
      nb::name("__getitem__"), nb::scope(cls), "index"_a.none());
  cls.attr("__setitem__") = nb::cpp_function(
      [](array& a, nb::handle idx, nb::handle v) {
        lx::sites::PublicOp tag("setitem");
        auto u = update_value(a, v);
        auto entries = to_entries(idx);
        // MLX quirk kept for compatibility: `a[...] = array` takes the update's dtype.
        bool replace = idx.ptr() == Py_Ellipsis && nb::isinstance<array>(v);
        if (replace) u = nb::cast<array>(v);
        array out = [&] {
          nb::gil_scoped_release release;
          return index_update(replace ? astype(a, u.dtype()) : a, std::move(entries), u);
        }();
        // Every Python reference to this array sees the update.
        a.overwrite_descriptor(out);
      },
      nb::is_method(), nb::name("__setitem__"), nb::scope(cls), "index"_a.none(), "value"_a);

  nb::class_<ArrayAt>(m, "ArrayAt",
                      "The object `a.at` returns: `a.at[idx].add(v)` and friends return a "
                      "copy of `a` updated at idx, accumulating repeated indices.")
      .def("__getitem__",
           [](const ArrayAt& self, nb::object idx) { return ArrayAt{self.a, idx}; },
           "index"_a.none())
      .def("add", [](const ArrayAt& s, nb::handle v) { return s.apply(v, AtUpdate::add, "at[].add"); },
           "value"_a)
      .def("subtract",
           [](const ArrayAt& s, nb::handle v) { return s.apply(v, AtUpdate::subtract, "at[].subtract"); },
           "value"_a)
      .def("multiply",
           [](const ArrayAt& s, nb::handle v) { return s.apply(v, AtUpdate::multiply, "at[].multiply"); },
           "value"_a)
      .def("divide",
           [](const ArrayAt& s, nb::handle v) { return s.apply(v, AtUpdate::divide, "at[].divide"); },
           "value"_a)
      .def("maximum",
           [](const ArrayAt& s, nb::handle v) { return s.apply(v, AtUpdate::maximum, "at[].maximum"); },
           "value"_a)
      .def("minimum",
           [](const ArrayAt& s, nb::handle v) { return s.apply(v, AtUpdate::minimum, "at[].minimum"); },
           "value"_a);
  cls.attr("at") = nb::module_::import_("builtins").attr("property")(nb::cpp_function(
      [](const array& a) { return ArrayAt{a, nb::object()}; }, nb::is_method()));

  m.def("take",
        [](const array& a, nb::handle indices, nb::handle axis, StreamArg s) {
          lx::sites::PublicOp tag("take");
          auto ax = opt_axis(axis);
          if (PyLong_Check(indices.ptr()) && !PyBool_Check(indices.ptr())) {
            int i = nb::cast<int>(indices);
            return ax ? take(a, i, *ax, to_sod(s)) : take(a, i, to_sod(s));
          }
          auto idx = nb::isinstance<array>(indices) ? nb::cast<array>(indices) : to_array(indices);
          return ax ? take(a, idx, *ax, to_sod(s)) : take(a, idx, to_sod(s));
        },
        nb::arg(), "indices"_a, "axis"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(),
        nb::sig("def take(a: array, /, indices: int | array, axis: int | None = None, *, "
                "stream: StreamOrDevice = None) -> array"),
        R"pbdoc(Take elements along an axis (of the flattened array without one).

Out-of-range indices raise IndexError; negative ones count from the end.)pbdoc");
  m.def("take_along_axis",
        [](const array& a, const array& indices, nb::handle axis, StreamArg s) {
          lx::sites::PublicOp tag("take_along_axis");
          return take_along_axis(a, indices, opt_axis(axis), to_sod(s));
        },
        nb::arg(), "indices"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def take_along_axis(a: array, /, indices: array, axis: int | None = -1, *, "
                "stream: StreamOrDevice = None) -> array"),
        "Take values along an axis at the given indices (which broadcast against `a`).");
  m.def("put_along_axis",
        [](const array& a, const array& indices, nb::handle values, nb::handle axis,
           StreamArg s) {
          lx::sites::PublicOp tag("put_along_axis");
          return put_along_axis(a, indices, update_value(a, values), opt_axis(axis), to_sod(s));
        },
        nb::arg(), "indices"_a, "values"_a, "axis"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(),
        nb::sig("def put_along_axis(a: array, /, indices: array, values: array, axis: int | "
                "None = None, *, stream: StreamOrDevice = None) -> array"),
        "Put values along an axis at the given indices (a copy of `a`).");
  m.def("slice",
        [](const array& a, nb::handle start, std::vector<int> axes, Shape sizes,
           StreamArg s) {
          lx::sites::PublicOp tag("slice");
          auto st = nb::isinstance<array>(start) ? nb::cast<array>(start) : to_array(start);
          return slice(a, st, std::move(axes), sizes, to_sod(s));
        },
        nb::arg(), "start_indices"_a, "axes"_a, "slice_size"_a, nb::kw_only(),
        "stream"_a = nb::none(),
        nb::sig("def slice(a: array, start_indices: array, axes: Sequence[int], slice_size: "
                "Sequence[int], *, stream: StreamOrDevice = None) -> array"),
        R"pbdoc(Extract a slice of `slice_size` along `axes` starting at `start_indices`
(an array, so the start may be computed). A slice reaching past the end raises
IndexError when evaluated.)pbdoc");
  m.def("slice_update",
        [](const array& a, const array& update, nb::handle start, std::vector<int> axes,
           StreamArg s) {
          lx::sites::PublicOp tag("slice_update");
          auto st = nb::isinstance<array>(start) ? nb::cast<array>(start) : to_array(start);
          return slice_update(a, update, st, std::move(axes), to_sod(s));
        },
        nb::arg(), "update"_a, "start_indices"_a, "axes"_a, nb::kw_only(),
        "stream"_a = nb::none(),
        nb::sig("def slice_update(a: array, update: array, start_indices: array, axes: "
                "Sequence[int], *, stream: StreamOrDevice = None) -> array"),
        "A copy of `a` with `update` written at `start_indices` along `axes`.");
}
