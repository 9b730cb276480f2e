// .gguf (versions 2 and 3): magic, counts, typed key/value metadata, tensor infos
// (name, reversed dims, ggml type, offset), then aligned tensor data. Counts and
// lengths are checked against the bytes left before anything is reserved.
#include <algorithm>
#include <cstring>
#include <optional>
#include <unordered_set>

#include "engine/io/io_util.h"
#include "engine/eval.h"

namespace lumex::core {

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF"
constexpr uint32_t kDefaultAlignment = 32;
constexpr uint32_t kMaxDims = 16;

enum ValueType : uint32_t {
  UINT8 = 0, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY,
  UINT64, INT64, FLOAT64, NUM_VALUE_TYPES
};

// Numeric metadata types and their lumex dtypes (STRING and ARRAY are separate).
std::optional<Dtype> value_dtype(uint32_t t) {
  switch (t) {
    case UINT8: return uint8;
    case INT8: return int8;
    case UINT16: return uint16;
    case INT16: return int16;
    case UINT32: return uint32;
    case INT32: return int32;
    case FLOAT32: return float32;
    case BOOL: return bool_;
    case UINT64: return uint64;
    case INT64: return int64;
    case FLOAT64: return float64;
    default: return std::nullopt;
  }
}

std::optional<uint32_t> value_type_of(Dtype d) {
  for (uint32_t t = 0; t < NUM_VALUE_TYPES; ++t) {
    auto vd = value_dtype(t);
    if (vd && *vd == d) return t;
  }
  return std::nullopt;
}

// ggml tensor types that hold plain elements.
std::optional<Dtype> tensor_dtype(uint32_t t) {
  switch (t) {
    case 0: return float32;
    case 1: return float16;
    case 24: return int8;
    case 25: return int16;
    case 26: return int32;
    case 27: return int64;
    case 28: return float64;
    case 30: return bfloat16;
    default: return std::nullopt;
  }
}

// ggml's block-quantized types that map onto MLX's affine format (group size 32):
// each block of 32 values is a float16 scale d (and, for Q4_1, a float16 minimum)
// followed by the codes. They load as a packed uint32 weight with float16 scales
// and biases, as MLX's loader gives them.
struct BlockType {
  int bits;       // affine bits of the codes
  int bytes;      // bytes per block of 32
  bool has_min;   // Q4_1: w = d q + m; Q4_0: w = d (q - 8); Q8_0: w = d q (q signed)
};
std::optional<BlockType> block_type(uint32_t t) {
  switch (t) {
    case 2: return BlockType{4, 18, false};  // Q4_0
    case 3: return BlockType{4, 20, true};   // Q4_1
    case 8: return BlockType{8, 34, false};  // Q8_0
    default: return std::nullopt;
  }
}

/// Repacks `blocks` ggml blocks at p into MLX's affine layout: codes in element
/// order, bits-wide, little-endian within uint32 words; bias = -8 d (Q4_0), m
/// (Q4_1) or -128 d (Q8_0, whose signed codes shift by 128).
void unpack_blocks(const uint8_t* p, size_t blocks, const BlockType& bt, uint32_t* packed,
                   float16_t* scales, float16_t* biases) {
  const size_t words = 32 * bt.bits / 32;
  for (size_t b = 0; b < blocks; ++b, p += bt.bytes) {
    uint16_t d_bits, m_bits = 0;
    std::memcpy(&d_bits, p, 2);
    if (bt.has_min) std::memcpy(&m_bits, p + 2, 2);
    float16_t d, m;
    std::memcpy(&d, &d_bits, 2);
    std::memcpy(&m, &m_bits, 2);
    scales[b] = d;
    const uint8_t* q = p + (bt.has_min ? 4 : 2);
    uint32_t* w = packed + b * words;
    std::fill(w, w + words, 0u);
    if (bt.bits == 4) {
      biases[b] = bt.has_min ? m : float16_t(-8.0f * static_cast<float>(d));
      for (int j = 0; j < 16; ++j) {
        uint32_t lo = q[j] & 0xF, hi = q[j] >> 4;  // elements j and j + 16
        w[j / 8] |= lo << (4 * (j % 8));
        w[(j + 16) / 8] |= hi << (4 * ((j + 16) % 8));
      }
    } else {
      biases[b] = float16_t(-128.0f * static_cast<float>(d));
      for (int j = 0; j < 32; ++j) {
        uint32_t code = static_cast<uint8_t>(static_cast<int8_t>(q[j]) + 128);
        w[j / 4] |= code << (8 * (j % 4));
      }
    }
  }
}

std::optional<uint32_t> tensor_type_of(Dtype d) {
  for (uint32_t t : {0u, 1u, 24u, 25u, 26u, 27u, 28u, 30u}) {
    if (*tensor_dtype(t) == d) return t;
  }
  return std::nullopt;
}

class GGUFReader {
 public:
  explicit GGUFReader(const io::ByteSource& src) : src_(src), cur_(src, 0) {}

  std::string string(const char* what) {
    uint64_t n = cur_.get<uint64_t>(what);
    if (n > cur_.remaining()) {
      io::fail(src_.name, msg(what, " length ", n, " runs past the end of the file"));
    }
    auto* p = reinterpret_cast<const char*>(cur_.need(n, what));
    std::string s(p, n);
    if (!io::valid_utf8(s)) io::fail(src_.name, msg(what, " is not valid UTF-8"));
    return s;
  }

  // A count of items each at least `min_bytes` long that must fit in what is left.
  uint64_t count(const char* what, uint64_t min_bytes) {
    uint64_t n = cur_.get<uint64_t>(what);
    uint64_t need;
    if (!io::mul_ok(n, min_bytes, need) || need > cur_.remaining()) {
      io::fail(src_.name, msg(what, " ", n, " is more than the file can hold"));
    }
    return n;
  }

  std::optional<GGUFMetaData> value(const std::string& key, uint32_t type) {
    if (type == STRING) return string("string value");
    if (type == ARRAY) {
      uint32_t et = cur_.get<uint32_t>("array type");
      if (et == STRING) {
        uint64_t n = count("array length", 8);
        std::vector<std::string> v;
        v.reserve(n);
        for (uint64_t i = 0; i < n; ++i) v.push_back(string("string value"));
        return v;
      }
      auto dt = value_dtype(et);
      if (!dt) {
        io::fail(src_.name, msg("metadata '", key, "' is an array of unsupported type ", et));
      }
      uint64_t n = count("array length", dt->size);
      if (n == 0) return std::nullopt;  // MLX drops empty arrays
      auto a = io::make_array(src_, cur_.pos(), {static_cast<int64_t>(n)}, *dt);
      cur_.need(n * dt->size, "array");
      return own(a);
    }
    auto dt = value_dtype(type);
    if (!dt) io::fail(src_.name, msg("metadata '", key, "' has unknown type ", type));
    auto a = io::make_array(src_, cur_.pos(), {}, *dt);
    cur_.need(dt->size, "value");
    return own(a);
  }

  // Metadata is small: copy it so it does not keep the whole mapping alive.
  static array own(const array& a) {
    auto out = array::empty_buffer(a.shape(), a.dtype());
    std::memcpy(out.raw_data(), a.raw_data(), a.nbytes());
    return out;
  }

  std::pair<NamedArrays, GGUFMetadata> read() {
    if (cur_.get<uint32_t>("magic") != kMagic) io::fail(src_.name, "not a GGUF file (bad magic)");
    uint32_t version = cur_.get<uint32_t>("version");
    if (version != 2 && version != 3) {
      io::fail(src_.name, msg("unsupported GGUF version ", version));
    }
    // Smallest tensor info: name length, n_dims, type, offset; smallest kv: key
    // length, type, one byte of value.
    uint64_t n_tensors = cur_.get<uint64_t>("tensor count");
    uint64_t n_kv = count("metadata count", 8 + 4 + 1);
    GGUFMetadata meta;
    std::unordered_set<std::string> keys;
    uint64_t alignment = kDefaultAlignment;
    for (uint64_t i = 0; i < n_kv; ++i) {
      auto key = string("metadata key");
      if (!keys.insert(key).second) io::fail(src_.name, msg("duplicate metadata key '", key, "'"));
      uint32_t type = cur_.get<uint32_t>("metadata type");
      auto v = value(key, type);
      if (key == "general.alignment") {
        auto* a = v ? std::get_if<array>(&*v) : nullptr;
        if (!a || a->dtype() != uint32 || a->ndim() != 0) {
          io::fail(src_.name, "general.alignment must be a uint32");
        }
        alignment = *a->data<uint32_t>();
        if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
          io::fail(src_.name, msg("general.alignment ", alignment, " is not a power of two"));
        }
      }
      if (v) meta.emplace_back(std::move(key), std::move(*v));
    }
    uint64_t need;
    if (!io::mul_ok(n_tensors, 8 + 4 + 4 + 8, need) || need > cur_.remaining()) {
      io::fail(src_.name, msg("tensor count ", n_tensors, " is more than the file can hold"));
    }
    struct Info {
      std::string name;
      Shape shape;
      Dtype dtype;
      uint64_t offset, nbytes;
      std::optional<BlockType> blocks;  // a block-quantized tensor
    };
    std::vector<Info> infos;
    infos.reserve(n_tensors);
    std::unordered_set<std::string> names;
    for (uint64_t i = 0; i < n_tensors; ++i) {
      auto name = string("tensor name");
      if (!names.insert(name).second) io::fail(src_.name, msg("duplicate tensor name '", name, "'"));
      uint32_t nd = cur_.get<uint32_t>("n_dims");
      if (nd > kMaxDims) io::fail(src_.name, msg("tensor '", name, "' has ", nd, " dimensions"));
      Shape shape(nd);
      for (uint32_t d = 0; d < nd; ++d) {
        uint64_t v = cur_.get<uint64_t>("dimension");
        if (v > uint64_t(INT64_MAX)) io::fail(src_.name, msg("tensor '", name, "' dimension overflows"));
        shape[nd - 1 - d] = static_cast<int64_t>(v);  // GGUF lists the fastest dim first
      }
      uint32_t type = cur_.get<uint32_t>("tensor type");
      auto dt = tensor_dtype(type);
      auto bt = block_type(type);
      if (!dt && !bt) {
        io::fail(src_.name, msg("tensor '", name, "' has ggml type ", type,
                                " (only F32, F16, BF16, F64, I8-I64, Q4_0, Q4_1 and Q8_0 "
                                "are supported)"));
      }
      uint64_t off = cur_.get<uint64_t>("tensor offset");
      if (off % alignment != 0) {
        io::fail(src_.name, msg("tensor '", name, "' offset ", off, " is not aligned to ", alignment));
      }
      uint64_t nbytes;
      if (bt) {
        if (nd == 0 || shape.back() % 32 != 0) {
          io::fail(src_.name, msg("tensor '", name, "' is block-quantized but its first ",
                                  "dimension is not a multiple of 32"));
        }
        // One block per 32 values, checked against the file like a plain tensor.
        Shape per_block = shape;
        per_block.back() /= 32;
        nbytes = io::checked_nbytes(src_.name, per_block, bt->bytes, src_.size);
        dt = uint32;
      } else {
        nbytes = io::checked_nbytes(src_.name, shape, dt->size, src_.size);
      }
      infos.push_back({std::move(name), std::move(shape), *dt, off, nbytes, bt});
    }
    uint64_t base = (cur_.pos() + alignment - 1) / alignment * alignment;
    if (base > src_.size && !infos.empty()) io::fail(src_.name, "file is truncated before the tensor data");
    uint64_t data_size = base <= src_.size ? src_.size - base : 0;
    std::vector<size_t> order(infos.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return infos[a].offset < infos[b].offset; });
    uint64_t end = 0;
    for (size_t i : order) {
      auto& t = infos[i];
      uint64_t e;
      if (!io::add_ok(t.offset, t.nbytes, e) || e > data_size) {
        io::fail(src_.name, msg("tensor '", t.name, "' (", t.nbytes, " bytes at data offset ",
                                t.offset, ") runs past the end of the file"));
      }
      if (t.offset < end && t.nbytes > 0) {
        io::fail(src_.name, msg("tensor '", t.name, "' overlaps another tensor"));
      }
      end = std::max(end, e);
    }
    NamedArrays arrays;
    for (auto& t : infos) {
      if (t.blocks) {
        add_quantized(arrays, t.name, t.shape, *t.blocks, base + t.offset);
      } else {
        arrays.emplace_back(t.name, io::make_array(src_, base + t.offset, t.shape, t.dtype));
      }
    }
    return {std::move(arrays), std::move(meta)};
  }

 private:
  /// A block-quantized tensor as MLX names it: "x.weight" gives x.weight, x.scales
  /// and x.biases; any other name n gives n, n.scales and n.biases.
  void add_quantized(NamedArrays& arrays, const std::string& name, const Shape& shape,
                     const BlockType& bt, uint64_t offset) {
    Shape wshape = shape, sshape = shape;
    wshape.back() = shape.back() * bt.bits / 32;
    sshape.back() = shape.back() / 32;
    auto w = array::empty_buffer(wshape, uint32);
    auto sc = array::empty_buffer(sshape, float16);
    auto bi = array::empty_buffer(sshape, float16);
    unpack_blocks(src_.data + offset, shape_size(sshape), bt,
                  static_cast<uint32_t*>(w.raw_data()), static_cast<float16_t*>(sc.raw_data()),
                  static_cast<float16_t*>(bi.raw_data()));
    const std::string suffix = ".weight";
    bool is_weight = name.size() > suffix.size() &&
                     name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    std::string stem = is_weight ? name.substr(0, name.size() - suffix.size()) : name;
    arrays.emplace_back(name, w);
    arrays.emplace_back(stem + ".scales", sc);
    arrays.emplace_back(stem + ".biases", bi);
  }

  const io::ByteSource& src_;
  io::Cursor cur_;
};

void put_string(std::string& out, const std::string& s) {
  io::put<uint64_t>(out, s.size());
  out += s;
}

}  // namespace

std::pair<NamedArrays, GGUFMetadata> load_gguf(const io::ByteSource& src) {
  return GGUFReader(src).read();
}

void save_gguf(const NamedArrays& arrays, const GGUFMetadata& metadata,
               const io::Sink& sink) {
  std::vector<uint32_t> types;
  for (auto& [name, a] : arrays) {
    auto t = tensor_type_of(a.dtype());
    if (!t) {
      throw std::invalid_argument(msg("[save_gguf] dtype ", a.dtype(), " is not supported."));
    }
    types.push_back(*t);
  }
  std::unordered_set<std::string> keys;
  std::vector<array> meta_arrays;
  for (auto& [k, v] : metadata) {
    if (!keys.insert(k).second) {
      throw std::invalid_argument(msg("[save_gguf] Duplicate metadata key '", k, "'."));
    }
    if (auto* a = std::get_if<array>(&v)) meta_arrays.push_back(*a);
  }
  io::eval_for_save(arrays, "save_gguf");
  eval(meta_arrays);

  std::string h;
  io::put<uint32_t>(h, kMagic);
  io::put<uint32_t>(h, 3);
  io::put<uint64_t>(h, arrays.size());
  io::put<uint64_t>(h, metadata.size());
  for (auto& [k, v] : metadata) {
    put_string(h, k);
    if (auto* s = std::get_if<std::string>(&v)) {
      io::put<uint32_t>(h, STRING);
      put_string(h, *s);
    } else if (auto* l = std::get_if<std::vector<std::string>>(&v)) {
      io::put<uint32_t>(h, ARRAY);
      io::put<uint32_t>(h, STRING);
      io::put<uint64_t>(h, l->size());
      for (auto& s : *l) put_string(h, s);
    } else {
      auto& a = std::get<array>(v);
      auto t = value_type_of(a.dtype());
      if (!t || a.ndim() > 1) {
        throw std::invalid_argument(
            msg("[save_gguf] Metadata '", k, "' must be a 0-d or 1-d array of a GGUF type, got ",
                a.ndim(), "-d ", a.dtype(), "."));
      }
      if (a.ndim() == 1) {
        io::put<uint32_t>(h, ARRAY);
        io::put<uint32_t>(h, *t);
        io::put<uint64_t>(h, a.size());
      } else {
        io::put<uint32_t>(h, *t);
      }
      io::write_row_major(a, [&](const void* p, size_t n) {
        h.append(static_cast<const char*>(p), n);
      });
    }
  }
  uint64_t offset = 0;
  auto align = [](uint64_t x) { return (x + kDefaultAlignment - 1) / kDefaultAlignment * kDefaultAlignment; };
  for (size_t i = 0; i < arrays.size(); ++i) {
    auto& [name, a] = arrays[i];
    put_string(h, name);
    io::put<uint32_t>(h, a.ndim());
    for (int d = a.ndim() - 1; d >= 0; --d) io::put<uint64_t>(h, a.shape(d));
    io::put<uint32_t>(h, types[i]);
    io::put<uint64_t>(h, offset);
    offset = align(offset + a.nbytes());
  }
  h.append(align(h.size()) - h.size(), '\0');
  sink(h.data(), h.size());
  static const char zeros[kDefaultAlignment] = {};
  for (auto& [name, a] : arrays) {
    io::write_row_major(a, sink);
    sink(zeros, align(a.nbytes()) - a.nbytes());
  }
}

}  // namespace lumex::core
