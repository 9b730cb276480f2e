// lumex.core.distributed: MLX's collective API over a single process. init()
// returns the group of size 1 that MLX gives a program not launched by a
// distributed runner, so single-machine code that calls the collectives runs
// unchanged: reductions and gathers over one rank return their input, and
// point-to-point calls raise as MLX's singleton group does.
#include <deque>

#include <nanobind/stl/function.h>

#include "common.h"
#include "engine/ops.h"

using namespace lx;

namespace {

struct Group {
  int rank() const { return 0; }
  int size() const { return 1; }
};

const char* kGroupArgs =
    "    group (Group, optional): The group to use (the global group if None).\n"
    "    stream (Stream | Device | None): Stream or device to run on.\n";

void check_backend(const std::string& backend) {
  if (backend != "any" && backend != "mpi" && backend != "nccl" && backend != "jaccl" &&
      backend != "ring") {
    throw nb::value_error(("[distributed] The only valid values for backend are 'any', "
                           "'mpi', 'nccl', 'jaccl' and 'ring' but '" +
                           backend + "' was provided.")
                              .c_str());
  }
}

template <typename F>
void def_collective(nb::module_& m, const char* name, F fn, const char* what) {
  std::string doc = std::string(what) +
                    " Over the single-process group this is the input itself.\n\n"
                    "Args:\n    x (array): Input array.\n" +
                    kGroupArgs + "\nReturns:\n    array: The result.";
  static std::deque<std::string> docs;
  docs.push_back(std::move(doc));
  m.def(name,
        [fn](const ScalarOrArray& x, std::optional<Group>, StreamArg) { return fn(arr(x)); },
        "x"_a, nb::kw_only(), "group"_a = nb::none(), "stream"_a = nb::none(),
        docs.back().c_str());
}

}  // namespace

void init_distributed(nb::module_& core) {
  auto m = core.def_submodule(
      "distributed",
      "Communication between processes. This build has no multi-process backend: "
      ":func:`init` returns the group of size 1 and the collectives act on it.");

  nb::class_<Group>(m, "Group",
                    "A group of processes that can communicate (here always the "
                    "single calling process: rank 0 of size 1).")
      .def("rank", &Group::rank, "The rank of this process in the group.")
      .def("size", &Group::size, "The number of processes in the group.")
      .def("split",
           [](const Group&, int, int) -> Group {
             throw std::runtime_error("Cannot split the distributed group further.");
           },
           "color"_a, "key"_a = -1,
           "Split the group into subgroups by ``color`` (ranked by ``key``). A group of "
           "size 1 cannot be split: raises RuntimeError, as MLX.");

  m.def("is_available",
        [](const std::string& backend) {
          check_backend(backend);
          return backend == "any";
        },
        "backend"_a = "any",
        "Whether a communication backend is available. ``\"any\"`` is (the "
        "single-process group); no multi-process backend is built in.");
  m.def("init",
        [](bool strict, const std::string& backend, nb::object factory) {
          check_backend(backend);
          if (!factory.is_none()) {
            if (backend != "jaccl") {
              throw nb::value_error(
                  "[distributed] all_gather_factory is only valid with the 'jaccl' backend.");
            }
            if (!PyCallable_Check(factory.ptr())) {
              throw nb::type_error("[distributed] all_gather_factory must be callable.");
            }
          }
          if (strict) {
            throw std::runtime_error("[distributed] Couldn't initialize any backend");
          }
          return Group{};
        },
        "strict"_a = false, "backend"_a = "any", nb::kw_only(),
        "all_gather_factory"_a = nb::none(),
        "Initialize communication and return the global group: the group of size 1 "
        "(with ``strict=True`` a RuntimeError, since no multi-process backend can "
        "start).\n\n"
        "Args:\n    strict (bool): Raise instead of falling back to the single-process group.\n"
        "    backend (str): ``\"any\"``, ``\"mpi\"``, ``\"ring\"``, ``\"nccl\"`` or ``\"jaccl\"``.\n"
        "    all_gather_factory (callable, optional): jaccl's side channel (validated only).\n\n"
        "Returns:\n    Group: The global group.");

  def_collective(m, "all_sum", [](const array& x) { return x; }, "Sum ``x`` over all processes.");
  def_collective(m, "all_max", [](const array& x) { return x; },
                 "Element-wise maximum of ``x`` over all processes.");
  def_collective(m, "all_min", [](const array& x) { return x; },
                 "Element-wise minimum of ``x`` over all processes.");
  def_collective(m, "all_gather", [](const array& x) { return x; },
                 "Concatenate ``x`` from all processes along the first axis.");
  def_collective(m, "sum_scatter", [](const array& x) { return x; },
                 "Sum ``x`` over all processes and keep this rank's slice of the first axis.");

  m.def("send",
        [](const ScalarOrArray&, int, std::optional<Group>, StreamArg) -> array {
          throw nb::value_error("Cannot send to a singleton group");
        },
        "x"_a, "dst"_a, nb::kw_only(), "group"_a = nb::none(), "stream"_a = nb::none(),
        "Send ``x`` to the process of rank ``dst``. A group of size 1 has no other "
        "process: raises ValueError, as MLX.");
  m.def("recv",
        [](std::vector<int>, const Dtype&, int, std::optional<Group>, StreamArg) -> array {
          throw nb::value_error("Cannot recv from a singleton group");
        },
        "shape"_a, "dtype"_a, "src"_a, nb::kw_only(), "group"_a = nb::none(),
        "stream"_a = nb::none(),
        "Receive an array of ``shape`` and ``dtype`` from the process of rank ``src``. "
        "A group of size 1 has no other process: raises ValueError, as MLX.");
  m.def("recv_like",
        [](const ScalarOrArray&, int, std::optional<Group>, StreamArg) -> array {
          throw nb::value_error("Cannot recv from a singleton group");
        },
        "x"_a, "src"_a, nb::kw_only(), "group"_a = nb::none(), "stream"_a = nb::none(),
        "Receive an array shaped and typed like ``x`` from the process of rank ``src``. "
        "A group of size 1 has no other process: raises ValueError, as MLX.");
}
