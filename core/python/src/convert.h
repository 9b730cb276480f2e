// Conversions between Python objects and arrays.
#pragma once

#include <nanobind/nanobind.h>

#include <optional>

#include "engine/array.h"

namespace nb = nanobind;
namespace lx = lumex::core;

/// mx.array(obj, dtype): scalars, nested sequences, buffers (NumPy), DLPack,
/// objects with __mlx_array__, and arrays.
lx::array to_array(nb::handle obj, std::optional<lx::Dtype> dtype = std::nullopt);

/// Converts an op argument; Python scalars take a dtype that suits `other`
/// (MLX's weak scalar typing), checking that ints fit.
lx::array to_array_like(nb::handle obj, const lx::array* other);

/// The two operands of a binary op, with weak scalars resolved against each other.
std::pair<lx::array, lx::array> to_arrays(nb::handle a, nb::handle b);

bool is_python_scalar(nb::handle obj);

/// Python scalar (bool/int/float/complex) for a size-1 array; evaluates.
nb::object to_scalar(lx::array& a);
/// Nested lists of Python scalars; evaluates.
nb::object to_list(lx::array& a);

/// A NumPy array viewing (copy=false) or copying the array's data; evaluates.
nb::object to_numpy(lx::array& a, bool copy);
