// Thin bindings of exported functions (engine/export.h); lumex/_export.py gives
// them MLX's Python signatures and argument checks.
#include <nanobind/stl/function.h>
#include <nanobind/stl/map.h>

#include "common.h"
#include "engine/export.h"

void init_export(nb::module_& m) {
  nb::class_<lx::FunctionExporter>(m, "_FunctionExporter")
      .def(nb::init<std::string, bool, std::string>(), "path"_a, "shapeless"_a, "metadata"_a,
           "Creates (or truncates) the file with no trace in it.")
      .def("add", &lx::FunctionExporter::add, "fun"_a, "args"_a, "kwargs"_a,
           "Traces fun (called with the positional then the keyword inputs, in key order) "
           "and rewrites the file with the new trace.")
      .def("close", &lx::FunctionExporter::close)
      .def_prop_ro("closed", &lx::FunctionExporter::closed);
  nb::class_<lx::ImportedFunction>(m, "_ImportedFunction")
      .def(nb::init<const std::string&>(), "path"_a)
      .def("__call__", &lx::ImportedFunction::operator(), "args"_a, "kwargs"_a)
      .def_prop_ro("metadata", &lx::ImportedFunction::metadata)
      .def_prop_ro("version", &lx::ImportedFunction::version)
      .def_prop_ro("shapeless", &lx::ImportedFunction::shapeless)
      .def_prop_ro("num_traces", &lx::ImportedFunction::num_traces);
}
