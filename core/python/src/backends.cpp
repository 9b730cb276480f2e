// The backend submodules MLX programs probe (lumex.core.metal, lumex.core.cuda),
// the thread-aware stream constructors, and depends. This build has no GPU
// backend: is_available() is False and the memory functions are the CPU's.
#include <sstream>

#include "common.h"
#include "engine/allocator.h"
#include "engine/ops.h"
#include "engine/ops/depends.h"
#include "engine/stream_threads.h"

using namespace lx;
namespace al = lumex::core::allocator;

namespace {

/// A stream that MLX makes unique per thread. The CPU backend runs every
/// stream synchronously on the calling thread, so one shared index serves all.
struct ThreadLocalStream : Stream {
  using Stream::Stream;
};

void init_metal(nb::module_& core) {
  auto m = core.def_submodule(
      "metal", "The Metal backend (Apple GPUs). Not part of this build: "
               ":func:`is_available` is False and the memory functions report "
               "the CPU allocator, as ``lumex.core``'s own do.");
  m.def("is_available", [] { return false; },
        "Whether the Metal backend is available (always False in this build).");
  m.def("device_info", [] { return nb::dict(); },
        "Properties of the Metal device: an empty dict without Metal, as MLX's "
        "CPU build. Use :func:`lumex.core.device_info`.");
  m.def("get_active_memory", &al::get_active_memory,
        "Same as :func:`lumex.core.get_active_memory` (MLX's deprecated alias).");
  m.def("get_peak_memory", &al::get_peak_memory,
        "Same as :func:`lumex.core.get_peak_memory` (MLX's deprecated alias).");
  m.def("reset_peak_memory", &al::reset_peak_memory,
        "Same as :func:`lumex.core.reset_peak_memory` (MLX's deprecated alias).");
  m.def("get_cache_memory", &al::get_cache_memory,
        "Same as :func:`lumex.core.get_cache_memory` (MLX's deprecated alias).");
  m.def("clear_cache", &al::clear_cache,
        "Same as :func:`lumex.core.clear_cache` (MLX's deprecated alias).");
  m.def("set_memory_limit", &al::set_memory_limit, "limit"_a,
        "Same as :func:`lumex.core.set_memory_limit` (MLX's deprecated alias).");
  m.def("set_cache_limit", &al::set_cache_limit, "limit"_a,
        "Same as :func:`lumex.core.set_cache_limit` (MLX's deprecated alias).");
  m.def("set_wired_limit", &al::set_wired_limit, "limit"_a,
        "Same as :func:`lumex.core.set_wired_limit` (MLX's deprecated alias).");
  // MLX's CPU build silently ignores these; a capture that cannot happen is
  // better reported than a trace file that never appears.
  m.def("start_capture",
        [](const std::string&) {
          throw std::runtime_error(
              "[metal::start_capture] GPU captures need the Metal backend, which this "
              "build does not have (lumex runs on the CPU).");
        },
        "path"_a, "Start a Metal GPU capture: raises RuntimeError (no Metal backend).");
  m.def("stop_capture",
        [] {
          throw std::runtime_error(
              "[metal::stop_capture] GPU captures need the Metal backend, which this "
              "build does not have (lumex runs on the CPU).");
        },
        "Stop a Metal GPU capture: raises RuntimeError (no Metal backend).");
}

void init_cuda(nb::module_& core) {
  auto m = core.def_submodule(
      "cuda", "The CUDA backend (NVIDIA GPUs). Not part of this build.");
  m.def("is_available", [] { return false; },
        "Whether the CUDA backend is available (always False in this build).");
}

void init_streams(nb::module_& m) {
  nb::class_<ThreadLocalStream, Stream>(
      m, "ThreadLocalStream",
      "A stream that is unique per thread (what :func:`new_thread_local_stream` "
      "returns). Accepted wherever a :class:`Stream` is.")
      .def("__repr__", [](const ThreadLocalStream& s) {
        std::ostringstream os;
        os << "ThreadLocalStream(" << s.device << ", " << s.index << ")";
        return os.str();
      });
  m.def("new_thread_local_stream",
        [](const Device& d) {
          auto s = new_shared_stream(d);
          return ThreadLocalStream(s.index, s.device);
        },
        "device"_a, "Make a new stream that is unique per thread.");
  m.def("new_thread_unsafe_stream", [](const Device& d) { return new_shared_stream(d); },
        "device"_a,
        "Make a new stream that can be used from any thread (CPU streams run "
        "synchronously on the thread that evaluates).");
  m.def("clear_streams", &clear_thread_streams,
        "Destroy the streams :func:`new_stream` made on the current thread.");
}

void init_depends(nb::module_& m) {
  m.def("depends",
        [](nb::object inputs, nb::object deps) -> nb::object {
          auto to_list = [](nb::handle h, bool& single) {
            std::vector<array> out;
            single = nb::isinstance<array>(h);
            if (single) {
              out.push_back(nb::cast<array>(h));
            } else {
              for (auto item : h) {
                if (!nb::isinstance<array>(item)) {
                  throw nb::type_error("[depends] Expected an array or a sequence of arrays.");
                }
                out.push_back(nb::cast<array>(item));
              }
            }
            return out;
          };
          bool single_in = false, single_dep = false;
          auto ins = to_list(inputs, single_in);
          auto dps = to_list(deps, single_dep);
          auto outs = depends(ins, dps);
          if (single_in) return nb::cast(outs[0]);
          return nb::cast(outs);
        },
        "inputs"_a, "dependencies"_a,
        nb::sig("def depends(inputs: array | Sequence[array], dependencies: array | "
                "Sequence[array]) -> array | list[array]"),
        "Insert dependencies between arrays in the graph: the results equal "
        "``inputs`` but are computed only after ``dependencies``.\n\n"
        "Args:\n    inputs (array or Sequence[array]): The arrays to pass through.\n"
        "    dependencies (array or Sequence[array]): The arrays to compute first.\n\n"
        "Returns:\n    array or list[array]: ``inputs``, depending on ``dependencies``.");
}

}  // namespace

void init_backends(nb::module_& m) {
  init_metal(m);
  init_cuda(m);
  init_streams(m);
  init_depends(m);
}
