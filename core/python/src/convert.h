// Conversions between Python objects and arrays.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include <optional>
#include <string>
#include <type_traits>

#include "engine/array.h"

namespace nb = nanobind;
namespace lx = lumex::core;

/// mx.array(obj, dtype): scalars, nested sequences, buffers (NumPy), DLPack,
/// objects with __mlx_array__, and arrays.
lx::array to_array(nb::handle obj, std::optional<lx::Dtype> dtype = std::nullopt);

/// Converts an op argument; Python scalars take a dtype that suits `other`
/// (MLX's weak scalar typing), checking that ints fit. NumPy arrays and other
/// buffer/DLPack objects take `other`'s dtype, as in MLX. When `op_name` is given
/// (array operators), operands that are not array-like raise MLX's
/// "Cannot perform <op> on an mlx.core.array and <type>".
lx::array to_array_like(nb::handle obj, const lx::array* other,
                        const char* op_name = nullptr);

/// The two operands of a binary op, with weak scalars resolved against each other.
std::pair<lx::array, lx::array> to_arrays(nb::handle a, nb::handle b,
                                          const char* op_name = nullptr);

/// True for what MLX's operators accept as the other operand: scalars, arrays,
/// objects with __mlx_array__, and buffer/DLPack objects (NumPy, torch).
bool is_comparable_with_array(nb::handle obj);

bool is_python_scalar(nb::handle obj);

/// Python scalar (bool/int/float/complex) for a size-1 array; evaluates.
nb::object to_scalar(lx::array& a);
/// Nested lists of Python scalars; evaluates.
nb::object to_list(lx::array& a);

/// DLPack (dlpack.cpp). Imports any object with __dlpack__ (or a raw "dltensor"
/// capsule). copy=true always copies; otherwise the result wraps the producer's
/// memory (kept alive until the array's buffer is freed) when no conversion is
/// needed: float64 becomes float32 and complex128 complex64, as in MLX, unless
/// `keep_float64`. copy=false raises if a copy cannot be avoided.
lx::array from_dlpack(nb::handle obj, std::optional<bool> copy,
                      bool keep_float64 = false);
/// True if `obj` can be imported through DLPack (has __dlpack__ or is a capsule).
bool is_dlpack_producer(nb::handle obj);

/// A NumPy array viewing (copy=false) or copying the array's data; evaluates.
/// bfloat16 becomes an ml_dtypes.bfloat16 array, or its uint16 bits with `bf16_bits`.
nb::object to_numpy(lx::array& a, bool copy, bool bf16_bits = false);

/// nb::cast of a user argument: a wrong type, or an int out of T's range, raises
/// TypeError naming the argument instead of nanobind's RuntimeError "std::bad_cast".
template <typename T>
T cast_arg(nb::handle h, const char* name, const char* expected = nullptr) {
  T out;
  if (!nb::try_cast<T>(h, out)) {
    if (!expected) {
      expected = std::is_integral_v<T>         ? "an int in the supported range"
                 : std::is_floating_point_v<T> ? "a number"
                                               : "of another type";
    }
    std::string got = nb::inst_name(h).c_str();
    if (PyLong_Check(h.ptr())) got += std::string(" ") + nb::str(h).c_str();
    throw nb::type_error(
        (std::string(name) + " must be " + expected + ", got " + got + ".").c_str());
  }
  return out;
}
