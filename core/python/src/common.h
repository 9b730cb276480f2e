// Shared binding helpers: the stream argument, and axis/shape argument forms.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/tuple.h>

#include <variant>

#include "convert.h"
#include "engine/device.h"
#include "engine/introspect.h"

namespace nb = nanobind;
using namespace nb::literals;
namespace lx = lumex::core;

/// What Python passes as `stream=`: None, a Stream, a Device, or a DeviceType.
using StreamArg = std::variant<std::monostate, lx::Stream, lx::Device,
                               lx::Device::DeviceType>;

inline lx::StreamOrDevice to_sod(const StreamArg& s) {
  if (std::holds_alternative<lx::Stream>(s)) return std::get<lx::Stream>(s);
  if (std::holds_alternative<lx::Device>(s)) return std::get<lx::Device>(s);
  if (std::holds_alternative<lx::Device::DeviceType>(s)) {
    return lx::Device(std::get<lx::Device::DeviceType>(s));
  }
  return {};
}

/// An `axis` argument: None, an int, or a sequence of ints.
using AxisArg = std::variant<std::monostate, int, std::vector<int>>;

/// AxisArg as the engine takes it: no value for None (all axes).
inline std::optional<std::vector<int>> to_axes(const AxisArg& a) {
  if (std::holds_alternative<int>(a)) return std::vector<int>{std::get<int>(a)};
  if (std::holds_alternative<std::vector<int>>(a)) return std::get<std::vector<int>>(a);
  return std::nullopt;
}

/// A single `axis=` that may be None.
inline std::optional<int> opt_axis(nb::handle h) {
  if (h.is_none()) return std::nullopt;
  return cast_arg<int>(h, "axis");
}

/// Several results as a Python tuple.
inline nb::tuple to_tuple(const std::vector<lx::array>& v) {
  nb::list l;
  for (auto& a : v) l.append(nb::cast(a));
  return nb::tuple(l);
}

/// A scalar or array operand, converted lazily (keeps MLX's weak scalar rules).
using ScalarOrArray = nb::object;

inline lx::array arr(nb::handle h) { return to_array_like(h, nullptr); }

void init_array(nb::module_& m);
void init_dtype(nb::module_& m);
void init_device(nb::module_& m);
void init_ops_elementwise(nb::module_& m);
void init_ops_creation(nb::module_& m);
void init_ops_shape(nb::module_& m);
void init_ops_reduce(nb::module_& m);
void init_ops_linalg(nb::module_& m);
void init_ops_conv(nb::module_& m);
void init_memory(nb::module_& m);
void init_transforms(nb::module_& m);
void init_eval(nb::module_& m);
void init_dlpack(nb::module_& m);
void init_printing(nb::module_& m);
void init_indexing(nb::module_& m);
void init_ops_sort(nb::module_& m);
void init_random(nb::module_& m);
void init_linalg(nb::module_& m);
void init_fft(nb::module_& m);
void init_io(nb::module_& m);
void init_graph(nb::module_& m);
void init_backends(nb::module_& m);
void init_distributed(nb::module_& m);
void init_fast(nb::module_& m);
void init_quantized(nb::module_& m);
void init_export(nb::module_& m);
