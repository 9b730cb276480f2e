// Bindings for saving and loading. Paths go straight to the C++ readers (mapped)
// and writers (atomic rename); file objects are read with readinto/read and written
// with write. The .npz zip container lives in lumex/_npz.py on top of these.
#include <Python.h>

#include <optional>

#include "common.h"
#include "engine/events.h"
#include "engine/io/io.h"
#include "engine/eval.h"
#include "engine/utils.h"

namespace io = lx::io;

namespace {

bool is_path(nb::handle f) {
  return nb::isinstance<nb::str>(f) || nb::hasattr(f, "__fspath__");
}

std::string path_of(nb::handle f) {
  return nb::cast<std::string>(nb::module_::import_("os").attr("fspath")(f));
}

std::string with_ext(std::string path, const std::string& ext) {
  if (path.size() < ext.size() || path.compare(path.size() - ext.size(), ext.size(), ext) != 0) {
    path += ext;
  }
  return path;
}

std::string stream_name(nb::handle f) {
  if (nb::hasattr(f, "name")) return nb::str(f.attr("name")).c_str();
  return "<file object>";
}

/// Reads a file object to its end into reserved memory. With a known size (seekable
/// files, zip members) it reads straight in; otherwise it reads chunks first.
io::ByteSource read_stream(nb::handle f, std::optional<size_t> size, const std::string& name) {
  if (!size && nb::hasattr(f, "seekable") && nb::cast<bool>(f.attr("seekable")())) {
    auto pos = nb::cast<int64_t>(f.attr("tell")());
    auto end = nb::cast<int64_t>(f.attr("seek")(0, 2));
    f.attr("seek")(pos);
    size = static_cast<size_t>(std::max<int64_t>(end - pos, 0));
  }
  if (!size) {
    std::vector<nb::bytes> chunks;
    size_t total = 0;
    while (true) {
      nb::object c = f.attr("read")(size_t(1) << 24);
      if (!nb::isinstance<nb::bytes>(c)) throw nb::type_error("[load] read() must return bytes.");
      auto b = nb::borrow<nb::bytes>(c);
      if (b.size() == 0) break;
      total += b.size();
      chunks.push_back(b);
    }
    auto src = io::reserve_bytes(total, name);
    auto* dst = static_cast<char*>(src.owner->buffer.ptr);
    for (auto& b : chunks) {
      std::memcpy(dst, b.c_str(), b.size());
      dst += b.size();
    }
    return src;
  }
  auto src = io::reserve_bytes(*size, name);
  auto* dst = static_cast<char*>(src.owner->buffer.ptr);
  size_t done = 0;
  bool has_readinto = nb::hasattr(f, "readinto");
  while (done < *size) {
    size_t n = std::min(*size - done, size_t(1) << 30);
    size_t got;
    if (has_readinto) {
      nb::object mv = nb::steal(PyMemoryView_FromMemory(dst + done, n, PyBUF_WRITE));
      if (!mv.is_valid()) throw nb::python_error();
      nb::object r = f.attr("readinto")(mv);
      got = r.is_none() ? 0 : nb::cast<size_t>(r);
    } else {
      nb::object c = f.attr("read")(n);
      if (!nb::isinstance<nb::bytes>(c)) throw nb::type_error("[load] read() must return bytes.");
      auto b = nb::borrow<nb::bytes>(c);
      got = std::min(b.size(), n);
      std::memcpy(dst + done, b.c_str(), got);
    }
    if (got == 0) {
      throw std::invalid_argument(lx::msg("[load] ", name, ": file is truncated (expected ",
                                          *size, " bytes, got ", done, ")"));
    }
    done += got;
  }
  return src;
}

io::Sink stream_sink(nb::handle f) {
  nb::object write = f.attr("write");
  return [write](const void* p, size_t n) {
    auto* c = static_cast<const char*>(p);
    while (n > 0) {
      nb::object mv = nb::steal(PyMemoryView_FromMemory(const_cast<char*>(c), n, PyBUF_READ));
      if (!mv.is_valid()) throw nb::python_error();
      nb::object r = write(mv);
      // Raw files may write less than asked; buffered ones return None or n.
      size_t w = (r.is_none() || !nb::isinstance<nb::int_>(r)) ? n : nb::cast<size_t>(r);
      if (w == 0) throw std::runtime_error("[save] write() wrote no bytes.");
      w = std::min(w, n);
      c += w;
      n -= w;
    }
  };
}

/// Runs `write` on a file (atomically replaced) or a file object.
template <typename F>
void save_to(nb::handle file, const std::string& ext, F&& write) {
  if (is_path(file)) {
    io::FileSink out(with_ext(path_of(file), ext));
    write(out.sink());
    out.commit();
  } else {
    write(stream_sink(file));
  }
}

lx::NamedArrays named_arrays(nb::handle d, const char* op) {
  if (!nb::isinstance<nb::dict>(d)) {
    throw nb::type_error(lx::msg("[", op, "] Expected a dict of arrays.").c_str());
  }
  lx::NamedArrays out;
  for (auto [k, v] : nb::borrow<nb::dict>(d)) {
    if (!nb::isinstance<nb::str>(k)) {
      throw nb::type_error(lx::msg("[", op, "] Array names must be strings.").c_str());
    }
    out.emplace_back(nb::cast<std::string>(k), arr(v));
  }
  return out;
}

nb::object gguf_value(const lx::GGUFMetaData& v) {
  if (auto* a = std::get_if<lx::array>(&v)) return nb::cast(*a);
  if (auto* s = std::get_if<std::string>(&v)) return nb::str(s->data(), s->size());
  nb::list l;
  for (auto& s : std::get<std::vector<std::string>>(v)) l.append(nb::str(s.data(), s.size()));
  return l;
}

nb::object load(nb::object file, std::optional<std::string> format, bool return_metadata) {
  bool path = is_path(file);
  std::string name = path ? path_of(file) : stream_name(file);
  if (!format) {
    auto dot = name.rfind('.');
    auto slash = name.rfind('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
      throw nb::value_error("[load] Could not infer file format from extension; pass format=.");
    }
    format = name.substr(dot + 1);
  }
  const std::string& fmt = *format;
  if (fmt != "npy" && fmt != "safetensors" && fmt != "gguf") {
    throw nb::value_error(lx::msg("[load] Unknown file format ", fmt).c_str());
  }
  if (fmt == "npy" && return_metadata) {
    throw nb::value_error("[load] metadata not supported for format npy");
  }
  io::ByteSource src;
  if (path) {
    nb::gil_scoped_release release;
    src = io::map_file(name);
  } else {
    src = read_stream(file, std::nullopt, name);
  }
  if (fmt == "npy") return nb::cast(lx::load_npy(src));
  nb::dict arrays, meta;
  if (fmt == "safetensors") {
    auto [a, m] = lx::load_safetensors(src);
    for (auto& [k, v] : a) arrays[nb::str(k.data(), k.size())] = nb::cast(v);
    for (auto& [k, v] : m) meta[nb::str(k.data(), k.size())] = nb::str(v.data(), v.size());
  } else {
    auto [a, m] = lx::load_gguf(src);
    for (auto& [k, v] : a) arrays[nb::str(k.data(), k.size())] = nb::cast(v);
    for (auto& [k, v] : m) meta[nb::str(k.data(), k.size())] = gguf_value(v);
  }
  if (return_metadata) return nb::make_tuple(arrays, meta);
  return arrays;
}

}  // namespace

void init_io(nb::module_& m) {
  nb::register_exception_translator(
      [](const std::exception_ptr& p, void*) {
        try {
          std::rethrow_exception(p);
        } catch (const io::file_error& e) {
          // OSError(errno, message, filename) picks the subclass (FileNotFoundError, ...).
          nb::object err = nb::steal(PyObject_CallFunction(
              PyExc_OSError, "isO", e.err(), e.what(), nb::str(e.path().c_str()).ptr()));
          if (err.is_valid()) PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(err.ptr())), err.ptr());
        }
      });

  m.def("_load", &load, "file"_a, "format"_a = nb::none(), "return_metadata"_a = false,
        "load() for every format but .npz (lumex/_io.py dispatches).");

  m.def("save",
        [](nb::object file, nb::handle a) {
          lx::EvalTrigger trigger(lx::TriggerKind::save);
          auto x = arr(a);
          x.eval();
          save_to(file, ".npy", [&](const io::Sink& s) { lx::save_npy(x, s); });
        },
        "file"_a, "arr"_a,
        nb::sig("def save(file: Union[file, str, pathlib.Path], arr: array) -> None"),
        R"pbdoc(
Save the array to a binary file in ``.npy`` format.

Args:
    file (str, pathlib.Path, file): File to save to (``.npy`` is appended to a
      path without it), or a file object.
    arr (array): Array to save; it is evaluated first.
)pbdoc");

  // lumex/_io.py's savez writes each member with save(); the scope makes the
  // whole archive one save evaluation, as for the other savers.
  struct SaveScope {
    std::optional<lx::EvalTrigger> trigger;
  };
  nb::class_<SaveScope>(m, "_SaveScope")
      .def(nb::init<>())
      .def("__enter__", [](SaveScope& s) { s.trigger.emplace(lx::TriggerKind::save); })
      .def("__exit__", [](SaveScope& s, nb::args) { s.trigger.reset(); });

  m.def("save_safetensors",
        [](nb::object file, nb::handle arrays, std::optional<nb::dict> metadata) {
          lx::EvalTrigger trigger(lx::TriggerKind::save);
          auto named = named_arrays(arrays, "save_safetensors");
          lx::StringMetadata meta;
          if (metadata) {
            for (auto [k, v] : *metadata) {
              if (!nb::isinstance<nb::str>(k) || !nb::isinstance<nb::str>(v)) {
                throw nb::type_error("[save_safetensors] Metadata keys and values must be strings.");
              }
              meta.emplace_back(nb::cast<std::string>(k), nb::cast<std::string>(v));
            }
          }
          save_to(file, ".safetensors",
                  [&](const io::Sink& s) { lx::save_safetensors(named, meta, s); });
        },
        "file"_a, "arrays"_a, "metadata"_a = nb::none(),
        nb::sig("def save_safetensors(file: Union[file, str, pathlib.Path], arrays: dict[str, array], "
                "metadata: Optional[dict[str, str]] = None) -> None"),
        R"pbdoc(
Save array(s) to a binary file in ``.safetensors`` format.

See the `Safetensors documentation <https://huggingface.co/docs/safetensors/index>`_
for more information on the format.

Args:
    file (file, str, pathlib.Path): File in which the array is saved
      (``.safetensors`` is appended to a path without it), or a file object.
    arrays (dict(str, array)): The dictionary of names to arrays to be saved.
    metadata (dict(str, str), optional): The dictionary of metadata to be saved.
)pbdoc");

  m.def("save_gguf",
        [](nb::object file, nb::handle arrays, std::optional<nb::dict> metadata) {
          lx::EvalTrigger trigger(lx::TriggerKind::save);
          auto named = named_arrays(arrays, "save_gguf");
          lx::GGUFMetadata meta;
          if (metadata) {
            for (auto [k, v] : *metadata) {
              if (!nb::isinstance<nb::str>(k)) {
                throw nb::type_error("[save_gguf] Metadata keys must be strings.");
              }
              auto key = nb::cast<std::string>(k);
              if (nb::isinstance<nb::str>(v)) {
                meta.emplace_back(key, nb::cast<std::string>(v));
              } else if (nb::isinstance<lx::array>(v)) {
                meta.emplace_back(key, nb::cast<lx::array>(v));
              } else if (nb::isinstance<nb::list>(v) || nb::isinstance<nb::tuple>(v)) {
                std::vector<std::string> strs;
                for (auto s : v) {
                  if (!nb::isinstance<nb::str>(s)) {
                    throw nb::type_error("[save_gguf] Metadata lists must hold strings.");
                  }
                  strs.push_back(nb::cast<std::string>(s));
                }
                meta.emplace_back(key, std::move(strs));
              } else {
                throw nb::type_error(
                    "[save_gguf] Metadata values must be strings, lists of strings or arrays.");
              }
            }
          }
          save_to(file, ".gguf", [&](const io::Sink& s) { lx::save_gguf(named, meta, s); });
        },
        "file"_a, "arrays"_a, "metadata"_a = nb::none(),
        nb::sig("def save_gguf(file: Union[file, str, pathlib.Path], arrays: dict[str, array], "
                "metadata: Optional[dict[str, Union[array, str, list[str]]]] = None) -> None"),
        R"pbdoc(
Save array(s) to a binary file in ``.gguf`` format.

See the `GGUF documentation <https://github.com/ggerganov/ggml/blob/master/docs/gguf.md>`_
for more information on the format. Tensors may be float32, float16, bfloat16,
float64, int8, int16, int32 or int64.

Args:
    file (file, str, pathlib.Path): File in which the array is saved
      (``.gguf`` is appended to a path without it), or a file object.
    arrays (dict(str, array)): The dictionary of names to arrays to be saved.
    metadata (dict(str, Union[array, str, list(str)]), optional): The dictionary
      of metadata to be saved. Values can be a scalar or 1-D array, a string,
      or a list of strings.
)pbdoc");

  m.def("_load_npy_stream",
        [](nb::object f, size_t size, const std::string& name) {
          return lx::load_npy(read_stream(f, size, name));
        },
        "file"_a, "size"_a, "name"_a,
        "Reads `size` bytes of .npy from a file object (used by lumex._npz).");
}
