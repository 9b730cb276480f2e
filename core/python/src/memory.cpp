#include "common.h"
#include "engine/allocator.h"

namespace al = lumex::core::allocator;

void init_memory(nb::module_& m) {
  m.def("get_active_memory", &al::get_active_memory,
        "Bytes held by arrays now (not counting the cache).");
  m.def("get_peak_memory", &al::get_peak_memory,
        "The largest active memory since start or the last reset.");
  m.def("reset_peak_memory", &al::reset_peak_memory, "Reset the peak memory to zero.");
  m.def("get_cache_memory", &al::get_cache_memory,
        "Bytes of freed buffers kept for reuse.");
  m.def("clear_cache", &al::clear_cache, "Release the buffer cache.");
  m.def("get_memory_limit", &al::get_memory_limit, "The memory limit in bytes.");
  m.def("set_memory_limit", &al::set_memory_limit, "limit"_a,
        "Set the memory limit; returns the previous one.");
  m.def("set_cache_limit", &al::set_cache_limit, "limit"_a,
        "Set the cache limit (0 disables the cache); returns the previous one.");
  m.def("set_wired_limit", &al::set_wired_limit, "limit"_a,
        "Accepted for compatibility (no effect on the CPU); returns the previous one.");
  m.def("get_array_buffer_size",
        [](nb::args arrays) {
          size_t total = 0;
          for (auto h : arrays) {
            auto a = nb::cast<lx::array>(h);
            if (!a.is_available()) {
              throw nb::value_error(
                  "[get_array_buffer_size] Arrays must be evaluated before querying buffer size.");
            }
            total += a.buffer_size();
          }
          return total;
        },
        "Bytes of the buffers behind evaluated arrays.");
}
