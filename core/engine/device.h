// Devices and streams. Only the CPU device exists today; the GPU is reserved for kernels_metal/.
#pragma once

#include <ostream>
#include <variant>

namespace lumex::core {

struct Device {
  enum class DeviceType { cpu, gpu };
  static constexpr DeviceType cpu = DeviceType::cpu;
  static constexpr DeviceType gpu = DeviceType::gpu;

  DeviceType type;
  int index;

  constexpr Device(DeviceType t, int i = 0) : type(t), index(i) {}  // NOLINT
};

inline bool operator==(const Device& a, const Device& b) {
  return a.type == b.type && a.index == b.index;
}
inline bool operator!=(const Device& a, const Device& b) { return !(a == b); }

bool is_available(const Device& d);
int device_count(Device::DeviceType t);
const Device& default_device();
/// Throws std::invalid_argument for a device that is not available.
void set_default_device(const Device& d);

struct Stream {
  int index;
  Device device;
  Stream(int i, Device d) : index(i), device(d) {}
};

inline bool operator==(const Stream& a, const Stream& b) {
  return a.index == b.index && a.device == b.device;
}
inline bool operator!=(const Stream& a, const Stream& b) { return !(a == b); }

/// What every op takes as its last argument: nothing (the default stream), a stream, or a device.
using StreamOrDevice = std::variant<std::monostate, Stream, Device>;

Stream default_stream(Device d);
void set_default_stream(Stream s);
Stream new_stream(Device d);
/// Resolves an op's StreamOrDevice to a concrete stream, checking the device exists.
Stream to_stream(const StreamOrDevice& s);

std::ostream& operator<<(std::ostream& os, const Device& d);
std::ostream& operator<<(std::ostream& os, const Stream& s);

}  // namespace lumex::core
