#include "engine/device.h"

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/stream_threads.h"

namespace lumex::core {

namespace {
struct StreamState {
  std::mutex mtx;
  Device default_device{Device::cpu, 0};
  std::vector<Stream> defaults{Stream(0, Device(Device::cpu, 0))};
  int next_index = 1;
  std::atomic<bool> customized{false};  // a default device or stream was set
  // Streams from new_stream, by index: the thread that made them (MLX raises when
  // another thread runs work on them). Cleared streams map to no thread.
  std::unordered_map<int, std::thread::id> owners;
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
  int index = state().next_index++;
  state().owners[index] = std::this_thread::get_id();
  return Stream(index, d);
}

Stream new_shared_stream(Device d) {
  check_available(d, "new_stream", "make gpu stream");
  std::lock_guard lk(state().mtx);
  return Stream(state().next_index++, d);
}

void clear_thread_streams() {
  std::lock_guard lk(state().mtx);
  for (auto& [index, owner] : state().owners) {
    if (owner == std::this_thread::get_id()) owner = std::thread::id();
  }
}

namespace {
void check_thread(const Stream& s) {
  std::lock_guard lk(state().mtx);
  auto it = state().owners.find(s.index);
  if (it != state().owners.end() && it->second != std::this_thread::get_id()) {
    throw std::runtime_error(
        "There is no Stream(" + std::string(s.device.type == Device::cpu ? "cpu" : "gpu") +
        ", " + std::to_string(s.index) +
        ") in current thread: a stream from new_stream can only be used on the thread "
        "that made it (use new_thread_local_stream to share one).");
  }
}
}  // namespace

Stream to_stream(const StreamOrDevice& s) {
  // Hot path (every op): the CPU default stream, read without the lock.
  if (std::holds_alternative<std::monostate>(s) && !state().customized.load(std::memory_order_relaxed)) {
    return Stream(0, Device(Device::cpu, 0));
  }
  Stream st = std::holds_alternative<Stream>(s) ? std::get<Stream>(s)
              : std::holds_alternative<Device>(s) ? default_stream(std::get<Device>(s))
                                                  : default_stream(default_device());
  check_available(st.device, "default_stream", "get gpu stream");
  if (st.index != 0) check_thread(st);
  return st;
}

std::ostream& operator<<(std::ostream& os, const Device& d) {
  return os << "Device(" << (d.type == Device::cpu ? "cpu" : "gpu") << ", "
            << d.index << ")";
}

std::ostream& operator<<(std::ostream& os, const Stream& s) {
  return os << "Stream(" << s.device << ", " << s.index << ")";
}

}  // namespace lumex::core
