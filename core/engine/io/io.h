// Saving and loading arrays: .npy, .safetensors and .gguf (.npz is a zip of .npy
// files, assembled in Python by lumex/_npz.py on top of the .npy functions here).
//
// Loaders parse a ByteSource: a whole file mapped into memory (or read into an
// anonymous mapping for streams). Loaded arrays are views into it when their data
// is aligned and in native byte order, so loading a large file does not copy it.
// Every header field is checked against the bytes actually present before it is
// used for an offset or an allocation; malformed files raise std::invalid_argument
// ("[load] <file>: <problem>"), I/O failures raise io::file_error.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engine/array.h"

namespace lumex::core {

/// Name → array, in file order (dicts on the Python side keep that order).
using NamedArrays = std::vector<std::pair<std::string, array>>;
using StringMetadata = std::vector<std::pair<std::string, std::string>>;
/// A GGUF metadata value: a scalar (0-d array), a numeric array (1-d), a
/// string, or a list of strings.
using GGUFMetaData = std::variant<array, std::string, std::vector<std::string>>;
using GGUFMetadata = std::vector<std::pair<std::string, GGUFMetaData>>;

namespace io {

/// An operating-system I/O failure (open, read, write, rename) on `path`.
class file_error : public std::runtime_error {
 public:
  file_error(int err, std::string path, const std::string& what)
      : std::runtime_error(what), err_(err), path_(std::move(path)) {}
  int err() const { return err_; }
  const std::string& path() const { return path_; }

 private:
  int err_;
  std::string path_;
};

/// The bytes of one file, alive while `owner` is (loaded arrays share it).
struct ByteSource {
  std::shared_ptr<array::Data> owner;
  const uint8_t* data = nullptr;
  size_t size = 0;
  std::string name;  // used in error messages
};

/// Maps `path` read-only (copy-on-write if a loaded array is written to).
ByteSource map_file(const std::string& path);

/// `size` bytes of fresh anonymous memory, committed only as it is written, for a
/// reader to fill (reading a stream into it). `name` names the source in errors.
ByteSource reserve_bytes(size_t size, std::string name);

/// Where saved bytes go: a file or a Python file object.
using Sink = std::function<void(const void* data, size_t n)>;

/// Writes to a temporary file beside `path`; commit() renames it over `path`.
/// Arrays loaded (mapped) from the old file stay valid, and a failed save leaves
/// the old file untouched.
class FileSink {
 public:
  explicit FileSink(std::string path);
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;
  ~FileSink();
  void write(const void* data, size_t n);
  void commit();
  Sink sink() {
    return [this](const void* d, size_t n) { write(d, n); };
  }

 private:
  std::string path_, tmp_;
  int fd_ = -1;
};

/// Writes an evaluated array's elements in row-major order, whatever its layout.
void write_row_major(const array& a, const Sink& sink);

}  // namespace io

/// Parses a .npy file (versions 1-3). Object (pickled) arrays are refused.
array load_npy(const io::ByteSource& src);
/// Writes `a` (evaluated) as .npy; bfloat16 is written as '<V2' like MLX.
void save_npy(const array& a, const io::Sink& sink);

std::pair<NamedArrays, StringMetadata> load_safetensors(const io::ByteSource& src);
/// Arrays must be evaluated; names must be unique.
void save_safetensors(const NamedArrays& arrays, const StringMetadata& metadata,
                      const io::Sink& sink);

std::pair<NamedArrays, GGUFMetadata> load_gguf(const io::ByteSource& src);
void save_gguf(const NamedArrays& arrays, const GGUFMetadata& metadata,
               const io::Sink& sink);

}  // namespace lumex::core
