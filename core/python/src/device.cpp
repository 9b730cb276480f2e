#include <sstream>

#include "common.h"

using namespace lx;

namespace {
template <typename T>
std::string repr(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

void init_device(nb::module_& m) {
  nb::enum_<Device::DeviceType>(m, "DeviceType")
      .value("cpu", Device::cpu)
      .value("gpu", Device::gpu);

  nb::class_<Device>(m, "Device", "A device to run operations on.")
      .def(nb::init<Device::DeviceType, int>(), "type"_a, "index"_a = 0)
      .def_ro("type", &Device::type)
      .def("__repr__", &repr<Device>)
      .def("__eq__", [](const Device& a, nb::handle b) {
        if (nb::isinstance<Device>(b)) return a == nb::cast<Device>(b);
        if (nb::isinstance<Device::DeviceType>(b)) {
          return a == Device(nb::cast<Device::DeviceType>(b));
        }
        return false;
      })
      .def("__hash__", [](const Device& d) {
        return static_cast<int>(d.type) * 1000 + d.index;
      });
  nb::implicitly_convertible<Device::DeviceType, Device>();

  m.attr("cpu") = nb::cast(Device::cpu);
  m.attr("gpu") = nb::cast(Device::gpu);

  nb::class_<Stream>(m, "Stream", "A stream for running operations on a device.")
      .def_ro("device", &Stream::device)
      .def("__repr__", &repr<Stream>)
      .def("__eq__", [](const Stream& a, nb::handle b) {
        return nb::isinstance<Stream>(b) && a == nb::cast<Stream>(b);
      })
      .def("__hash__", [](const Stream& s) { return s.index; });

  m.def("default_device", &default_device, nb::rv_policy::copy,
        "The default device (Device(cpu, 0) in this build).");
  m.def("set_default_device", &set_default_device, "device"_a,
        "Set the default device.");
  m.def("default_stream", &default_stream, "device"_a,
        "The default stream of a device.");
  m.def("set_default_stream", &set_default_stream, "stream"_a,
        "Set the default stream of its device.");
  m.def("new_stream", &new_stream, "device"_a, "Make a new stream on a device.");
  m.def("is_available", &is_available, "device"_a,
        "Whether a device is available (only the CPU in this build).");
  m.def("device_count", &device_count, "device_type"_a,
        "Number of devices of a type.");
  m.def("synchronize", [](StreamArg) {}, "stream"_a = nb::none(),
        "Wait for a stream's work to finish (CPU work is synchronous today).");
  m.def("device_info",
        [](std::optional<Device>) {
          nb::dict d;
          d["architecture"] = "x86_64";
#if defined(__aarch64__)
          d["architecture"] = "arm64";
#endif
          d["device_name"] = "cpu";
          return d;
        },
        "d"_a = nb::none(), "Information about a device.");

  // `with mx.stream(s):` makes s (a Stream or a Device) the default.
  struct StreamContext {
    StreamArg target;
    std::optional<Stream> prev_stream;
    std::optional<Device> prev_device;
  };
  nb::class_<StreamContext>(m, "StreamContext",
                             "Context manager that makes a stream or device the default "
                             "inside its block; what :func:`stream` returns.")
      .def("__init__",
           [](StreamContext* self, StreamArg s) {
             new (self) StreamContext{s, std::nullopt, std::nullopt};
           },
           "s"_a)
      .def("__enter__",
           [](StreamContext& c) {
             auto st = to_stream(to_sod(c.target));
             c.prev_device = default_device();
             c.prev_stream = default_stream(st.device);
             set_default_device(st.device);
             set_default_stream(st);
           })
      .def("__exit__", [](StreamContext& c, nb::args) {
        if (c.prev_stream) set_default_stream(*c.prev_stream);
        if (c.prev_device) set_default_device(*c.prev_device);
      });
  m.def("stream", [](StreamArg s) { return StreamContext{s, std::nullopt, std::nullopt}; },
        "s"_a, "A context manager that sets the default device and stream.");
}
