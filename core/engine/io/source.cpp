// File access for the loaders and savers: mapping, anonymous buffers, atomic writes.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <unordered_set>

#include "engine/io/io_util.h"
#include "engine/eval.h"

namespace lumex::core::io {

void fail(const std::string& name, const std::string& what) {
  // Messages quote file contents: escape what is not printable UTF-8, so the
  // message itself can always become a Python str.
  std::string text = msg("[load] ", name, ": ", what), out;
  bool utf8 = valid_utf8(text);
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && !utf8)) {
      out += msg("\\x", "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]);
    } else {
      out += static_cast<char>(c);
    }
  }
  throw std::invalid_argument(out);
}

bool valid_utf8(const std::string& s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i++]);
    if (c < 0x80) continue;
    int k;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) k = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) k = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) k = 3, cp = c & 0x07;
    else return false;
    if (n - i < static_cast<size_t>(k)) return false;
    for (int j = 0; j < k; ++j) {
      auto b = static_cast<unsigned char>(s[i++]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000))) ||
        (k == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
  }
  return true;
}

uint64_t checked_nbytes(const std::string& name, const Shape& shape, size_t itemsize,
                        uint64_t limit) {
  bool empty = false;
  for (auto d : shape) {
    if (d < 0) fail(name, msg("negative dimension ", d, " in shape ", tuple_str(shape)));
    empty |= d == 0;
  }
  if (empty) return 0;
  uint64_t n = itemsize;
  for (auto d : shape) {
    // Overflow and "too big" both mean the data cannot be in the file.
    if (!mul_ok(n, static_cast<uint64_t>(d), n) || n > limit) {
      fail(name, msg("shape ", tuple_str(shape), " needs more bytes than the file has (",
                     limit, " available)"));
    }
  }
  return n;
}

namespace {

[[noreturn]] void os_fail(const std::string& path, const char* what) {
  int err = errno;
  throw file_error(err, path, msg("[io] ", what, " '", path, "': ", std::strerror(err)));
}

void unmap(allocator::Buffer b) {
  if (b.size > 0) munmap(b.ptr, b.size);
}

}  // namespace

ByteSource map_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) os_fail(path, "cannot open");
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    errno = err;
    os_fail(path, "cannot stat");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    errno = EINVAL;
    os_fail(path, "not a regular file");
  }
  size_t size = static_cast<size_t>(st.st_size);
  void* p = nullptr;
  if (size > 0) {
    // Private + writable: the buffer protocol hands out writable views; writes go to
    // private copies of the pages, never to the file.
    p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      errno = err;
      os_fail(path, "cannot map");
    }
  }
  ::close(fd);
  static char empty;
  ByteSource s;
  s.owner = std::make_shared<array::Data>(
      allocator::Buffer{size ? p : &empty, size}, unmap, /*donatable=*/size > 0);
  s.data = static_cast<const uint8_t*>(s.owner->buffer.ptr);
  s.size = size;
  s.name = path;
  return s;
}

ByteSource reserve_bytes(size_t size, std::string name) {
  static char empty;
  void* p = &empty;
  if (size > 0) {
    p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
             -1, 0);
    if (p == MAP_FAILED) {
      throw std::invalid_argument(
          msg("[load] ", name, ": cannot reserve ", size, " bytes to read the stream"));
    }
  }
  ByteSource s;
  s.owner = std::make_shared<array::Data>(allocator::Buffer{p, size}, unmap,
                                          /*donatable=*/size > 0);
  s.data = static_cast<const uint8_t*>(p);
  s.size = size;
  s.name = std::move(name);
  return s;
}

FileSink::FileSink(std::string path) : path_(std::move(path)) {
  std::random_device rd;
  for (int attempt = 0; attempt < 16 && fd_ < 0; ++attempt) {
    tmp_ = msg(path_, ".tmp", std::hex, rd(), rd());
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) break;
  }
  if (fd_ < 0) os_fail(path_, "cannot create");
}

FileSink::~FileSink() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

void FileSink::write(const void* data, size_t n) {
  auto* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd_, p, std::min<size_t>(n, size_t(1) << 30));
    if (w < 0) {
      if (errno == EINTR) continue;
      os_fail(path_, "cannot write");
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void FileSink::commit() {
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    ::unlink(tmp_.c_str());
    os_fail(path_, "cannot write");
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    errno = err;
    os_fail(path_, "cannot replace");
  }
}

void write_row_major(const array& a, const Sink& sink) {
  size_t isz = a.itemsize();
  if (a.size() == 0) return;
  if (a.flags().row_contiguous) {
    sink(a.raw_data(), a.nbytes());
    return;
  }
  // Gather into a bounded chunk: walks the index space with an odometer.
  constexpr size_t chunk_bytes = size_t(1) << 20;
  std::vector<char> chunk;
  chunk.reserve(chunk_bytes + isz);
  const char* base = static_cast<const char*>(a.raw_data());
  int nd = a.ndim();
  std::vector<int64_t> idx(nd, 0);
  int64_t off = 0;  // in elements
  for (size_t i = 0; i < a.size(); ++i) {
    chunk.insert(chunk.end(), base + off * static_cast<int64_t>(isz),
                 base + (off + 1) * static_cast<int64_t>(isz));
    if (chunk.size() >= chunk_bytes) {
      sink(chunk.data(), chunk.size());
      chunk.clear();
    }
    for (int d = nd - 1; d >= 0; --d) {
      off += a.strides(d);
      if (++idx[d] < a.shape(d)) break;
      off -= a.strides(d) * a.shape(d);
      idx[d] = 0;
    }
  }
  if (!chunk.empty()) sink(chunk.data(), chunk.size());
}

array make_array(const ByteSource& src, uint64_t offset, const Shape& shape, Dtype dtype,
                 bool swap) {
  uint64_t avail = offset <= src.size ? src.size - offset : 0;
  if (offset > src.size) fail(src.name, msg("data offset ", offset, " is past the end"));
  uint64_t nbytes = checked_nbytes(src.name, shape, dtype.size, avail);
  if (nbytes == 0) return array::empty_buffer(shape, dtype);
  const uint8_t* p = src.data + offset;
  bool aligned = reinterpret_cast<uintptr_t>(p) % dtype.size == 0;
  if (aligned && !swap) {
    auto strides = row_strides(shape);
    size_t n = shape_size(shape);
    return array(src.owner, shape, dtype, strides, offset, n, layout_flags(shape, strides, n));
  }
  auto out = array::empty_buffer(shape, dtype);
  auto* dst = static_cast<uint8_t*>(out.raw_data());
  std::memcpy(dst, p, nbytes);
  if (swap && dtype.size > 1) {
    // Complex numbers swap each float half on its own.
    size_t w = dtype == complex64 ? 4 : dtype.size;
    for (size_t i = 0; i < nbytes; i += w) std::reverse(dst + i, dst + i + w);
  }
  return out;
}

void eval_for_save(const NamedArrays& arrays, const char* op) {
  std::unordered_set<std::string> seen;
  std::vector<array> all;
  for (auto& [k, a] : arrays) {
    if (!seen.insert(k).second) {
      throw std::invalid_argument(msg("[", op, "] Duplicate array name '", k, "'."));
    }
    all.push_back(a);
  }
  eval(all);
}

}  // namespace lumex::core::io
