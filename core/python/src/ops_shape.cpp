#include <limits>

#include "common.h"
#include "engine/events.h"
#include "engine/ops.h"
#include "engine/utils.h"

using namespace lx;

namespace {

/// A list of arrays argument: a list or tuple of mx.array, or an array (its rows).
std::vector<array> array_list(nb::handle h, const char* op) {
  std::vector<array> out;
  if (nb::isinstance<array>(h)) return unstack(nb::cast<array>(h), 0);
  if (!PyList_Check(h.ptr()) && !PyTuple_Check(h.ptr())) {
    throw nb::type_error(msg(op, "(): expected a list of arrays, got ",
                             nb::type_name(h.type()).c_str(), ".")
                             .c_str());
  }
  for (auto item : h) {
    if (!nb::isinstance<array>(item)) {
      throw nb::type_error(msg(op, "(): expected a list of arrays, got an element of type ",
                               nb::type_name(item.type()).c_str(), ".")
                               .c_str());
    }
    out.push_back(nb::cast<array>(item));
  }
  return out;
}

nb::list to_list(const std::vector<array>& v) {
  nb::list l;
  for (auto& a : v) l.append(nb::cast(a));
  return l;
}

Shape shape_of(nb::handle h) {
  Shape s;
  for (auto d : h) s.push_back(cast_arg<ShapeElem>(d, "shape"));
  return s;
}


/// pad_width forms: n, (n,), (lo, hi), or one (lo, hi) pair per axis (one pair
/// applies to every axis).
std::vector<std::pair<int, int>> pad_widths(nb::handle h, int ndim) {
  auto all = [ndim](int lo, int hi) {
    return std::vector<std::pair<int, int>>(ndim, {lo, hi});
  };
  if (PyLong_Check(h.ptr())) {
    int w = cast_arg<int>(h, "pad_width");
    return all(w, w);
  }
  if (!PyList_Check(h.ptr()) && !PyTuple_Check(h.ptr())) {
    throw nb::type_error("pad(): pad_width must be an int, a tuple of ints or a list of pairs.");
  }
  auto seq = nb::borrow<nb::sequence>(h);
  size_t n = nb::len(seq);
  bool ints = true;
  for (auto item : seq) ints = ints && PyLong_Check(item.ptr());
  auto w = [&](size_t i) { return cast_arg<int>(seq[i], "pad_width"); };
  if (ints && n == 1) return all(w(0), w(0));
  if (ints && n == 2) return all(w(0), w(1));
  if (ints) {
    throw nb::type_error("pad(): a tuple pad_width must have one or two ints.");
  }
  std::vector<std::pair<int, int>> out;
  for (auto item : seq) {
    auto pair = cast_arg<std::pair<int, int>>(item, "pad_width", "(low, high) pairs of ints");
    out.push_back(pair);
  }
  if (out.size() == 1) return all(out[0].first, out[0].second);
  return out;
}

/// Yields the sub-arrays along axis 0, lazily.
struct ArrayIterator {
  array a;
  ShapeElem index = 0;
  ShapeElem size = 0;
};

}  // namespace

void init_ops_shape(nb::module_& m) {
  m.attr("newaxis") = nb::none();
  // MLX's module constants are plain Python floats, not arrays.
  m.attr("inf") = std::numeric_limits<double>::infinity();
  m.attr("nan") = std::numeric_limits<double>::quiet_NaN();
  m.attr("pi") = 3.141592653589793;
  m.attr("e") = 2.718281828459045;
  m.attr("euler_gamma") = 0.5772156649015329;

  m.def("reshape",
        [](const ScalarOrArray& a, std::vector<ShapeElem> shape, StreamArg s) {
          lx::sites::PublicOp tag("reshape");
          return reshape(arr(a), shape, to_sod(s));
        },
        nb::arg("a"), "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
        R"(Give the elements a new shape, read in row-major order.

Contiguous data is reshaped as a view, without a copy.

Args:
    a (array): Input array.
    shape (Sequence[int]): The new shape; one dimension may be -1, meaning
      whatever size makes the element counts match.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: The reshaped array.)");
  auto transpose_fn = [](const ScalarOrArray& a, std::optional<std::vector<int>> axes,
                         StreamArg s) {
    if (!axes) return transpose(arr(a), to_sod(s));
    return transpose(arr(a), *axes, to_sod(s));
  };
  m.def("transpose", transpose_fn, nb::arg("a"), "axes"_a = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(), R"(Permute the axes (a view, no copy).

Args:
    a (array): Input array.
    axes (Sequence[int] | None): The new order of the axes; reversed when None.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: The transposed array.)");
  m.def("permute_dims",
        [transpose_fn](const ScalarOrArray& a, std::optional<std::vector<int>> axes,
                       StreamArg s) {
          lx::sites::PublicOp tag("permute_dims");
          return transpose_fn(a, axes, s);
        },
        nb::arg("a"), "axes"_a = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(), "Permute the axes (alias of transpose).");
  m.def("matrix_transpose",
        [](const ScalarOrArray& a, StreamArg s) {
          lx::sites::PublicOp tag("matrix_transpose");
          return matrix_transpose(arr(a), to_sod(s));
        },
        nb::arg("a"), nb::kw_only(), "stream"_a = nb::none(), "Swap the last two axes.");
  m.def("broadcast_to",
        [](const ScalarOrArray& a, std::vector<ShapeElem> shape, StreamArg s) {
          lx::sites::PublicOp tag("broadcast_to");
          return broadcast_to(arr(a), shape, to_sod(s));
        },
        nb::arg("a"), "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
        "Broadcast to a shape (a view, no copy).");
  m.def("broadcast_arrays",
        [](nb::args arrays, StreamArg s) {
          lx::sites::PublicOp tag("broadcast_arrays");
          std::vector<array> in;
          for (auto h : arrays) in.push_back(arr(h));
          auto out = broadcast_arrays(in, to_sod(s));
          return nb::list(nb::cast(out));  // a list, as MLX
        },
        "arrays"_a, "stream"_a = nb::none(), "Broadcast arrays against each other.");
  m.def("broadcast_shapes",
        [](nb::args shapes) {
          if (shapes.size() == 0) {
            throw nb::value_error("[broadcast_shapes] Must provide at least one shape.");
          }
          Shape out = shape_of(shapes[0]);
          for (size_t i = 1; i < shapes.size(); ++i) {
            out = broadcast_shapes(out, shape_of(shapes[i]));
          }
          nb::list l;
          for (auto d : out) l.append(d);
          return nb::tuple(l);
        },
        "shapes"_a, "The shape the given shapes broadcast to.");
  m.def("contiguous",
        [](const ScalarOrArray& a, bool allow_col_major, StreamArg s) {
          lx::sites::PublicOp tag("contiguous");
          return contiguous(arr(a), allow_col_major, to_sod(s));
        },
        nb::arg("a"), "allow_col_major"_a = false, nb::kw_only(),
        "stream"_a = nb::none(), "A row-major (or column-major) copy when needed.");

  auto flatten_fn = [](const ScalarOrArray& a, int start_axis, int end_axis, StreamArg s) {
    lx::sites::PublicOp tag("flatten");
    return flatten(arr(a), start_axis, end_axis, to_sod(s));
  };
  m.def("flatten", flatten_fn, nb::arg("a"), "start_axis"_a = 0, "end_axis"_a = -1,
        nb::kw_only(), "stream"_a = nb::none(), "Merge the axes start_axis..end_axis.");
  m.def("unflatten",
        [](const ScalarOrArray& a, int axis, std::vector<ShapeElem> shape, StreamArg s) {
          lx::sites::PublicOp tag("unflatten");
          return unflatten(arr(a), axis, shape, to_sod(s));
        },
        nb::arg("a"), "axis"_a, "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
        "Split one axis into several.");
  auto squeeze_fn = [](const ScalarOrArray& a, const AxisArg& axis, StreamArg s) {
    lx::sites::PublicOp tag("squeeze");
    if (std::holds_alternative<std::monostate>(axis)) return squeeze(arr(a), to_sod(s));
    if (auto* i = std::get_if<int>(&axis)) return squeeze(arr(a), *i, to_sod(s));
    return squeeze(arr(a), std::get<std::vector<int>>(axis), to_sod(s));
  };
  m.def("squeeze", squeeze_fn, nb::arg("a"), "axis"_a = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(), R"(Remove size-one axes.

Args:
    a (array): Input array.
    axis (int | Sequence[int] | None): The axes to remove (each must have size
      one); every size-one axis when None.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: A view of ``a`` without those axes.)");
  m.def("expand_dims",
        [](const ScalarOrArray& a, std::variant<int, std::vector<int>> axis, StreamArg s) {
          lx::sites::PublicOp tag("expand_dims");
          if (auto* i = std::get_if<int>(&axis)) return expand_dims(arr(a), *i, to_sod(s));
          return expand_dims(arr(a), std::get<std::vector<int>>(axis), to_sod(s));
        },
        nb::arg("a"), "axis"_a, nb::kw_only(), "stream"_a = nb::none(),
        R"(Insert size-one axes.

Args:
    a (array): Input array.
    axis (int | Sequence[int]): Where the new axes go, as positions in the result.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: A view of ``a`` with the extra axes.)");
  auto swapaxes_fn = [](const ScalarOrArray& a, int axis1, int axis2, StreamArg s) {
    lx::sites::PublicOp tag("swapaxes");
    return swapaxes(arr(a), axis1, axis2, to_sod(s));
  };
  m.def("swapaxes", swapaxes_fn, nb::arg("a"), "axis1"_a, "axis2"_a, nb::kw_only(),
        "stream"_a = nb::none(), "Swap two axes.");
  auto moveaxis_fn = [](const ScalarOrArray& a, int source, int destination, StreamArg s) {
    lx::sites::PublicOp tag("moveaxis");
    return moveaxis(arr(a), source, destination, to_sod(s));
  };
  m.def("moveaxis", moveaxis_fn, nb::arg("a"), "source"_a, "destination"_a, nb::kw_only(),
        "stream"_a = nb::none(), "Move an axis to a new position.");

  auto concat_fn = [](nb::handle arrays, std::optional<int> axis, StreamArg s) {
    lx::sites::PublicOp tag("concatenate");
    auto in = array_list(arrays, "concatenate");
    if (!axis) return concatenate(in, to_sod(s));
    return concatenate(in, *axis, to_sod(s));
  };
  m.def("concatenate", concat_fn, "arrays"_a, "axis"_a = 0, nb::kw_only(),
        "stream"_a = nb::none(), R"(Join arrays along an existing axis.

Args:
    arrays (list[array]): The arrays; their shapes must match except along ``axis``.
    axis (int | None): The axis to join along; None flattens the arrays first.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: The joined array.)");
  m.def("concat",
        [concat_fn](nb::handle arrays, std::optional<int> axis, StreamArg s) {
          lx::sites::PublicOp tag("concat");  // outermost wins: the name the user called
          return concat_fn(arrays, axis, s);
        },
        "arrays"_a, "axis"_a = 0, nb::kw_only(),
        "stream"_a = nb::none(), "Join arrays along an axis (alias of concatenate).");
  m.def("stack",
        [](nb::handle arrays, std::optional<int> axis, StreamArg s) {
          lx::sites::PublicOp tag("stack");
          auto in = array_list(arrays, "stack");
          return stack(in, axis.value_or(0), to_sod(s));
        },
        "arrays"_a, "axis"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
        R"(Join arrays along a new axis.

Args:
    arrays (list[array]): The arrays, all of the same shape.
    axis (int): Position of the new axis in the result.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    array: An array with one more axis than the inputs.)");
  m.def("unstack",
        [](const ScalarOrArray& x, int axis, StreamArg s) {
          lx::sites::PublicOp tag("unstack");
          return to_tuple(unstack(arr(x), axis, to_sod(s)));
        },
        nb::arg("x"), nb::kw_only(), "axis"_a = 0, "stream"_a = nb::none(),
        "Split an array into its slices along an axis.");
  auto split_fn = [](const ScalarOrArray& a, std::variant<int, std::vector<ShapeElem>> ios,
                     int axis, StreamArg s) {
    lx::sites::PublicOp tag("split");
    if (auto* n = std::get_if<int>(&ios)) return to_list(split(arr(a), *n, axis, to_sod(s)));
    return to_list(split(arr(a), std::get<std::vector<ShapeElem>>(ios), axis, to_sod(s)));
  };
  m.def("split", split_fn, nb::arg("a"), "indices_or_sections"_a, "axis"_a = 0,
        nb::kw_only(), "stream"_a = nb::none(),
        R"(Split an array along an axis.

Args:
    a (array): Input array.
    indices_or_sections (int | Sequence[int]): A number of equal parts, or the
      indices at which to split.
    axis (int): The axis to split along.
    stream (Stream | Device | None): Stream or device to run on.

Returns:
    list[array]: The parts.)");

  m.def("tile",
        [](const ScalarOrArray& a, std::variant<int, std::vector<int>> reps, StreamArg s) {
          lx::sites::PublicOp tag("tile");
          if (auto* n = std::get_if<int>(&reps)) return tile(arr(a), {*n}, to_sod(s));
          return tile(arr(a), std::get<std::vector<int>>(reps), to_sod(s));
        },
        nb::arg("a"), nb::arg("reps"), nb::kw_only(), "stream"_a = nb::none(),
        "Repeat the whole array along each axis.");
  m.def("repeat",
        [](const ScalarOrArray& a, int repeats, std::optional<int> axis, StreamArg s) {
          lx::sites::PublicOp tag("repeat");
          if (!axis) return repeat(arr(a), repeats, to_sod(s));
          return repeat(arr(a), repeats, *axis, to_sod(s));
        },
        nb::arg("array"), "repeats"_a, "axis"_a = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(), "Repeat each element (of the flattened array if axis is None).");
  m.def("pad",
        [](const ScalarOrArray& a, nb::handle pad_width, const std::string& mode,
           const ScalarOrArray& constant_values, StreamArg s) {
          lx::sites::PublicOp tag("pad");
          auto x = arr(a);
          auto widths = pad_widths(pad_width, x.ndim());
          auto value = to_array_like(constant_values, &x);
          return pad(x, widths, value, mode, to_sod(s));
        },
        nb::arg("a"), "pad_width"_a, "mode"_a = "constant", "constant_values"_a = 0,
        nb::kw_only(), "stream"_a = nb::none(),
        "Pad with a constant, the edge values, or a reflection.");
  m.def("roll",
        [](const ScalarOrArray& a, std::variant<int, std::vector<ShapeElem>> shift,
           const AxisArg& axis, StreamArg s) {
          lx::sites::PublicOp tag("roll");
          Shape sh;
          if (auto* n = std::get_if<int>(&shift)) {
            sh = {*n};
          } else {
            sh = std::get<std::vector<ShapeElem>>(shift);
          }
          auto x = arr(a);
          if (std::holds_alternative<std::monostate>(axis)) return roll(x, sh, to_sod(s));
          if (auto* i = std::get_if<int>(&axis)) {
            ShapeElem total = 0;
            for (auto v : sh) total += v;
            return roll(x, Shape{total}, {*i}, to_sod(s));
          }
          auto axes = std::get<std::vector<int>>(axis);
          // One shift for several axes applies to each of them.
          if (sh.size() == 1) sh.assign(axes.size(), sh[0]);
          return roll(x, sh, axes, to_sod(s));
        },
        nb::arg("a"), "shift"_a, "axis"_a = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(), "Roll elements along axes (of the flattened array if axis is None).");
  m.def("flip",
        [](const ScalarOrArray& a, const AxisArg& axis, StreamArg s) {
          lx::sites::PublicOp tag("flip");
          if (std::holds_alternative<std::monostate>(axis)) return flip(arr(a), to_sod(s));
          if (auto* i = std::get_if<int>(&axis)) return flip(arr(a), {*i}, to_sod(s));
          return flip(arr(a), std::get<std::vector<int>>(axis), to_sod(s));
        },
        nb::arg("a"), "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
        "Reverse the order of elements along axes (all by default).");

  auto diag_fn = [](const ScalarOrArray& a, int k, StreamArg s) {
    lx::sites::PublicOp tag("diag");
    return diag(arr(a), k, to_sod(s));
  };
  m.def("diag", diag_fn, nb::arg("a"), "k"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
        "Extract a diagonal, or build a diagonal matrix from a vector.");
  auto diagonal_fn = [](const ScalarOrArray& a, int offset, int axis1, int axis2,
                        StreamArg s) {
    lx::sites::PublicOp tag("diagonal");
    return diagonal(arr(a), offset, axis1, axis2, to_sod(s));
  };
  m.def("diagonal", diagonal_fn, nb::arg("a"), "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1,
        "stream"_a = nb::none(), "The diagonal of the (axis1, axis2) planes.");

  m.def("trace",
        [](const ScalarOrArray& a, int offset, int axis1, int axis2,
           std::optional<Dtype> dtype, StreamArg s) {
          lx::sites::PublicOp tag("trace");
          return trace(arr(a), offset, axis1, axis2, dtype, to_sod(s));
        },
        nb::arg("a"), "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1, "dtype"_a = nb::none(),
        nb::kw_only(), "stream"_a = nb::none(), "Sum along a diagonal.");

  auto atleast = [&m](const char* name, array (*f)(const array&, StreamOrDevice)) {
    m.def(name,
          [f, name](nb::args arys, StreamArg s) -> nb::object {
            lx::sites::PublicOp tag(name);
            std::vector<array> out;
            for (auto h : arys) out.push_back(f(arr(h), to_sod(s)));
            if (out.size() == 1) return nb::cast(out[0]);
            return to_list(out);
          },
          "arys"_a, "stream"_a = nb::none(), "Make every input have at least that many dimensions.");
  };
  atleast("atleast_1d", &atleast_1d);
  atleast("atleast_2d", &atleast_2d);
  atleast("atleast_3d", &atleast_3d);

  m.def("as_strided",
        [](const ScalarOrArray& a, std::optional<std::vector<ShapeElem>> shape,
           std::optional<std::vector<int64_t>> strides, int64_t offset, StreamArg s) {
          lx::sites::PublicOp tag("as_strided");
          auto x = arr(a);
          Shape sh = shape ? Shape(*shape) : x.shape();
          Strides st = strides ? Strides(*strides) : row_strides(sh);
          return as_strided(x, sh, st, offset, to_sod(s));
        },
        nb::arg("a"), "shape"_a = nb::none(), "strides"_a = nb::none(), "offset"_a = 0,
        nb::kw_only(), "stream"_a = nb::none(),
        "A view of the row-major data with the given shape and strides (in elements).");
  m.def("view",
        [](const ScalarOrArray& a, Dtype dtype, StreamArg s) {
          lx::sites::PublicOp tag("view");
          return view(arr(a), dtype, to_sod(s));
        },
        nb::arg("a"), "dtype"_a, "stream"_a = nb::none(), "Reinterpret the bits as another dtype.");

  // ---- array methods ----
  nb::handle cls = m.attr("array");
  auto method = [&cls](const char* name, nb::object f) { nb::setattr(cls, name, f); };
  method("flatten",
         nb::cpp_function(
             [](const array& a, int start_axis, int end_axis, StreamArg s) {
               lx::sites::PublicOp tag("flatten");
               return flatten(a, start_axis, end_axis, to_sod(s));
             },
             nb::is_method(), nb::scope(cls), nb::name("flatten"), "start_axis"_a = 0, "end_axis"_a = -1, nb::kw_only(),
             "stream"_a = nb::none()));
  method("squeeze",
         nb::cpp_function(
             [](const array& a, const AxisArg& axis, StreamArg s) {
               lx::sites::PublicOp tag("squeeze");
               if (std::holds_alternative<std::monostate>(axis)) return squeeze(a, to_sod(s));
               if (auto* i = std::get_if<int>(&axis)) return squeeze(a, *i, to_sod(s));
               return squeeze(a, std::get<std::vector<int>>(axis), to_sod(s));
             },
             nb::is_method(), nb::scope(cls), nb::name("squeeze"), "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none()));
  method("swapaxes",
         nb::cpp_function(
             [](const array& a, int axis1, int axis2, StreamArg s) {
               lx::sites::PublicOp tag("swapaxes");
               return swapaxes(a, axis1, axis2, to_sod(s));
             },
             nb::is_method(), nb::scope(cls), nb::name("swapaxes"), "axis1"_a, "axis2"_a, nb::kw_only(), "stream"_a = nb::none()));
  method("moveaxis",
         nb::cpp_function(
             [](const array& a, int source, int destination, StreamArg s) {
               lx::sites::PublicOp tag("moveaxis");
               return moveaxis(a, source, destination, to_sod(s));
             },
             nb::is_method(), nb::scope(cls), nb::name("moveaxis"), "source"_a, "destination"_a, nb::kw_only(),
             "stream"_a = nb::none()));
  method("split",
         nb::cpp_function(
             [](const array& a, std::variant<int, std::vector<ShapeElem>> ios, int axis,
                StreamArg s) {
               lx::sites::PublicOp tag("split");
               if (auto* n = std::get_if<int>(&ios)) return to_list(split(a, *n, axis, to_sod(s)));
               return to_list(split(a, std::get<std::vector<ShapeElem>>(ios), axis, to_sod(s)));
             },
             nb::is_method(), nb::scope(cls), nb::name("split"), "indices_or_sections"_a, "axis"_a = 0, nb::kw_only(),
             "stream"_a = nb::none()));
  method("diag",
         nb::cpp_function(
             [](const array& a, int k, StreamArg s) {
               lx::sites::PublicOp tag("diag"); return diag(a, k, to_sod(s)); },
             nb::is_method(), nb::scope(cls), nb::name("diag"), "k"_a = 0, nb::kw_only(), "stream"_a = nb::none()));
  method("diagonal",
         nb::cpp_function(
             [](const array& a, int offset, int axis1, int axis2, StreamArg s) {
               lx::sites::PublicOp tag("diagonal");
               return diagonal(a, offset, axis1, axis2, to_sod(s));
             },
             nb::is_method(), nb::scope(cls), nb::name("diagonal"), "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1,
             "stream"_a = nb::none()));
  method("view",
         nb::cpp_function(
             [](const array& a, Dtype dtype, StreamArg s) { return view(a, dtype, to_sod(s)); },
             nb::is_method(), nb::scope(cls), nb::name("view"), "dtype"_a, nb::kw_only(), "stream"_a = nb::none()));

  // ---- iteration: lazy slices along axis 0 ----
  nb::class_<ArrayIterator>(m, "ArrayIterator",
                             "Iterator over an array's slices along its first axis "
                             "(``iter(a)``); each slice is lazy.")
      .def("__iter__", [](nb::handle self) { return nb::borrow(self); })
      .def("__next__", [](ArrayIterator& it) {
        // Slices are lazy (as in MLX), so iterating evaluates nothing by itself.
        EvalTrigger trig(TriggerKind::iter);
        if (it.index >= it.size) throw nb::stop_iteration();
        Shape start(it.a.ndim(), 0), stop = it.a.shape();
        start[0] = it.index;
        stop[0] = it.index + 1;
        ++it.index;
        return squeeze(slice(it.a, start, stop), 0);
      });
  method("__iter__", nb::cpp_function(
                         [](const array& a) {
                           if (a.ndim() == 0) {
                             throw nb::type_error("iter() 0-dimensional array.");
                           }
                           return ArrayIterator{a, 0, a.shape(0)};
                         },
                         nb::is_method()));
}
