#include "engine/device.h"

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace lumex::core {

namespace {
struct StreamState {
  std::mutex mtx;
  Device default_device{Device::cpu, 0};
  std::vector<Stream> defaults{Stream(0, Device(Device::cpu, 0))};
  int next_index = 1;
  std::atomic<bool> customized{false};  // a default device or stream was set
};
StreamState& state() {
  static StreamState s;
  return s;
}

void check_available(const Device& d, const char* who, const char* what) {
  if (!is_available(d)) {
    // MLX's wording; the Metal backend (kernels_metal/) is not built yet.
    throw std::invalid_argument(std::string("[") + who + "] Cannot " + what +
                                " without gpu backend.");
  }
}
}  // namespace

bool is_available(const Device& d) {
  return d.type == Device::cpu && d.index == 0;
}

int device_count(Device::DeviceType t) { return t == Device::cpu ? 1 : 0; }

const Device& default_device() { return state().default_device; }

void set_default_device(const Device& d) {
  check_available(d, "set_default_device", "set gpu device");
  std::lock_guard lk(state().mtx);
  state().default_device = d;
  state().customized = true;
}

Stream default_stream(Device d) {
  check_available(d, "default_stream", "get gpu stream");
  std::lock_guard lk(state().mtx);
  for (auto& s : state().defaults) {
    if (s.device == d) return s;
  }
  return state().defaults.front();
}

void set_default_stream(Stream s) {
  check_available(s.device, "set_default_stream", "set gpu stream");
  std::lock_guard lk(state().mtx);
  for (auto& d : state().defaults) {
    if (d.device == s.device) d = s;
  }
  state().customized = true;
}

Stream new_stream(Device d) {
  check_available(d, "new_stream", "make gpu stream");
  std::lock_guard lk(state().mtx);
  return Stream(state().next_index++, d);
}

Stream to_stream(const StreamOrDevice& s) {
  // Hot path (every op): the CPU default stream, read without the lock.
  if (std::holds_alternative<std::monostate>(s) && !state().customized.load(std::memory_order_relaxed)) {
    return Stream(0, Device(Device::cpu, 0));
  }
  if (std::holds_alternative<Stream>(s)) {
    auto st = std::get<Stream>(s);
    check_available(st.device, "default_stream", "get gpu stream");
    return st;
  }
  if (std::holds_alternative<Device>(s)) return default_stream(std::get<Device>(s));
  return default_stream(default_device());
}

std::ostream& operator<<(std::ostream& os, const Device& d) {
  return os << "Device(" << (d.type == Device::cpu ? "cpu" : "gpu") << ", "
            << d.index << ")";
}

std::ostream& operator<<(std::ostream& os, const Stream& s) {
  return os << "Stream(" << s.device << ", " << s.index << ")";
}

}  // namespace lumex::core
