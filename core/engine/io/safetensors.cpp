// .safetensors: an 8-byte little-endian header length, a JSON header mapping each
// name to {dtype, shape, data_offsets}, then the data. The JSON reader below is
// strict (UTF-8, no duplicate keys, bounded depth) and knows only what the header
// needs: objects, arrays, strings, non-negative integers, null.
#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "engine/io/io_util.h"

namespace lumex::core {

namespace {

constexpr uint64_t kMaxHeader = 100'000'000;  // the safetensors package's limit

struct Json {
  enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
  uint64_t num = 0;
  bool is_int = true;  // false for negative or fractional numbers
  std::string str;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;
};

class JsonParser {
 public:
  JsonParser(const std::string& name, const char* p, size_t n)
      : name_(name), p_(p), end_(p + n) {}

  Json document() {
    skip();
    if (p_ >= end_ || *p_ != '{') bad("the header is not a JSON object");
    Json v = value(0);
    skip();
    if (p_ != end_) bad("unexpected text after the JSON object");
    return v;
  }

  [[noreturn]] void bad(const std::string& what) {
    io::fail(name_, msg("malformed safetensors header: ", what));
  }

 private:
  Json value(int depth) {
    if (depth > 64) bad("nesting too deep");
    skip();
    if (p_ >= end_) bad("unexpected end of header");
    Json v;
    char c = *p_;
    if (c == '{') {
      v.kind = Json::Kind::object;
      ++p_;
      std::unordered_set<std::string> keys;
      if (!take('}')) {
        do {
          skip();
          std::string k = string();
          if (!keys.insert(k).second) bad(msg("duplicate key '", k, "'"));
          skip();
          if (!take(':')) bad("expected ':'");
          v.members.emplace_back(std::move(k), value(depth + 1));
        } while (take(','));
        if (!take('}')) bad("expected ',' or '}'");
      }
    } else if (c == '[') {
      v.kind = Json::Kind::array;
      ++p_;
      if (!take(']')) {
        do {
          v.items.push_back(value(depth + 1));
        } while (take(','));
        if (!take(']')) bad("expected ',' or ']'");
      }
    } else if (c == '"') {
      v.kind = Json::Kind::string;
      v.str = string();
    } else if (literal("null")) {
      v.kind = Json::Kind::null;
    } else if (literal("true")) {
      v.kind = Json::Kind::boolean;
      v.num = 1;
    } else if (literal("false")) {
      v.kind = Json::Kind::boolean;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = Json::Kind::number;
      number(v);
    } else {
      bad(msg("unexpected character '", c, "'"));
    }
    return v;
  }

  void number(Json& v) {
    if (*p_ == '-') {
      v.is_int = false;
      ++p_;
    }
    const char* start = p_;
    bool overflow = false;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      overflow |= !io::mul_ok(v.num, 10, v.num) || !io::add_ok(v.num, *p_ - '0', v.num);
      ++p_;
    }
    if (p_ == start) bad("malformed number");
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) {
      v.is_int = false;
      while (p_ < end_ && (std::isdigit(static_cast<unsigned char>(*p_)) || *p_ == '.' ||
                           *p_ == 'e' || *p_ == 'E' || *p_ == '+' || *p_ == '-')) {
        ++p_;
      }
    }
    if (overflow) v.is_int = false;
  }

  std::string string() {
    if (!take('"')) bad("expected a string");
    std::string s;
    while (true) {
      if (p_ >= end_) bad("unterminated string");
      auto c = static_cast<unsigned char>(*p_++);
      if (c == '"') break;
      if (c < 0x20) bad("control character in a string");
      if (c == '\\') {
        if (p_ >= end_) bad("unterminated string");
        char e = *p_++;
        switch (e) {
          case '"': s += '"'; break;
          case '\\': s += '\\'; break;
          case '/': s += '/'; break;
          case 'b': s += '\b'; break;
          case 'f': s += '\f'; break;
          case 'n': s += '\n'; break;
          case 'r': s += '\r'; break;
          case 't': s += '\t'; break;
          case 'u': unicode_escape(s); break;
          default: bad("invalid escape in a string");
        }
      } else {
        s += static_cast<char>(c);
      }
    }
    if (!io::valid_utf8(s)) bad("invalid UTF-8 in a string");
    return s;
  }

  uint32_t hex4() {
    if (end_ - p_ < 4) bad("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char h = *p_++;
      v <<= 4;
      if (h >= '0' && h <= '9') v |= h - '0';
      else if (h >= 'a' && h <= 'f') v |= h - 'a' + 10;
      else if (h >= 'A' && h <= 'F') v |= h - 'A' + 10;
      else bad("invalid \\u escape");
    }
    return v;
  }

  void unicode_escape(std::string& s) {
    uint32_t cp = hex4();
    if (cp >= 0xD800 && cp < 0xDC00) {
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') bad("unpaired surrogate");
      p_ += 2;
      uint32_t lo = hex4();
      if (lo < 0xDC00 || lo >= 0xE000) bad("unpaired surrogate");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp < 0xE000) {
      bad("unpaired surrogate");
    }
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool take(char c) {
    skip();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool literal(const char* w) {
    size_t n = std::strlen(w);
    if (static_cast<size_t>(end_ - p_) >= n && std::memcmp(p_, w, n) == 0) {
      p_ += n;
      return true;
    }
    return false;
  }
  void skip() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  const std::string& name_;
  const char* p_;
  const char* end_;
};

struct StDtype {
  const char* name;
  Dtype dtype;
};

// F8 types have no lumex dtype: like MLX, their bytes load as uint8.
constexpr StDtype kDtypes[] = {
    {"BOOL", bool_},    {"U8", uint8},     {"U16", uint16},    {"U32", uint32},
    {"U64", uint64},    {"I8", int8},      {"I16", int16},     {"I32", int32},
    {"I64", int64},     {"F16", float16},  {"F32", float32},   {"F64", float64},
    {"BF16", bfloat16}, {"C64", complex64}, {"F8_E4M3", uint8}, {"F8_E5M2", uint8},
};

const char* st_name(Dtype d) {
  for (auto& e : kDtypes) {
    if (e.dtype == d) return e.name;
  }
  return nullptr;  // unreachable: every dtype is listed
}

void json_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += msg("\\u00", "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

const Json* member(const Json& obj, const char* key) {
  for (auto& [k, v] : obj.members) {
    if (k == key) return &v;
  }
  return nullptr;
}

}  // namespace

std::pair<NamedArrays, StringMetadata> load_safetensors(const io::ByteSource& src) {
  io::Cursor cur(src, 0);
  uint64_t hlen = cur.get<uint64_t>("header length");
  if (hlen > cur.remaining()) {
    io::fail(src.name, msg("header length ", hlen, " is larger than the file (",
                           src.size, " bytes)"));
  }
  if (hlen > kMaxHeader) io::fail(src.name, msg("header length ", hlen, " is too large"));
  auto* h = reinterpret_cast<const char*>(cur.need(hlen, "header"));
  JsonParser jp(src.name, h, hlen);
  Json doc = jp.document();
  size_t base = cur.pos();
  uint64_t data_size = src.size - base;

  NamedArrays arrays;
  StringMetadata metadata;
  struct Range {
    uint64_t begin, end;
    size_t index;
  };
  std::vector<Range> ranges;
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& [name, v] : doc.members) {
    if (name == "__metadata__") {
      if (v.kind == Json::Kind::null) continue;
      if (v.kind != Json::Kind::object) jp.bad("__metadata__ must be an object");
      for (auto& [k, s] : v.members) {
        if (s.kind != Json::Kind::string) jp.bad(msg("metadata value '", k, "' is not a string"));
        metadata.emplace_back(k, s.str);
      }
      continue;
    }
    if (v.kind != Json::Kind::object) jp.bad(msg("entry '", name, "' is not an object"));
    auto* dt = member(v, "dtype");
    auto* sh = member(v, "shape");
    auto* off = member(v, "data_offsets");
    if (!dt || !sh || !off || dt->kind != Json::Kind::string ||
        sh->kind != Json::Kind::array || off->kind != Json::Kind::array ||
        off->items.size() != 2) {
      jp.bad(msg("entry '", name, "' needs dtype, shape and data_offsets [begin, end]"));
    }
    auto it = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                           [&](const StDtype& e) { return dt->str == e.name; });
    if (it == std::end(kDtypes)) {
      io::fail(src.name, msg("tensor '", name, "' has unknown dtype '", dt->str, "'"));
    }
    Shape shape;
    for (auto& d : sh->items) {
      if (d.kind != Json::Kind::number || !d.is_int || d.num > uint64_t(INT64_MAX)) {
        jp.bad(msg("tensor '", name, "' has an invalid dimension"));
      }
      shape.push_back(static_cast<int64_t>(d.num));
    }
    for (auto& o : off->items) {
      if (o.kind != Json::Kind::number || !o.is_int) {
        jp.bad(msg("tensor '", name, "' has invalid data_offsets"));
      }
    }
    uint64_t b = off->items[0].num, e = off->items[1].num;
    if (b > e || e > data_size) {
      io::fail(src.name, msg("tensor '", name, "' has data_offsets [", b, ", ", e,
                             "] outside the ", data_size, " data bytes"));
    }
    uint64_t nbytes = io::checked_nbytes(src.name, shape, it->dtype.size, data_size);
    if (nbytes != e - b) {
      io::fail(src.name, msg("tensor '", name, "' has shape ", tuple_str(shape), " and dtype ",
                             dt->str, " (", nbytes, " bytes) but data_offsets span ", e - b,
                             " bytes"));
    }
    ranges.push_back({b, e, arrays.size()});
    shapes.push_back(std::move(shape));
    dtypes.push_back(it->dtype);
    arrays.emplace_back(name, array(0));
  }
  // Tensors must tile the data section: no overlaps (aliased tensors) and no gaps.
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t pos = 0;
  for (auto& r : ranges) {
    if (r.begin != pos) {
      io::fail(src.name, msg("tensor '", arrays[r.index].first, "' at data offset ", r.begin,
                             r.begin < pos ? " overlaps the previous tensor"
                                           : " leaves a gap after the previous tensor"));
    }
    pos = r.end;
  }
  if (pos != data_size) {
    io::fail(src.name, msg("tensors end at data offset ", pos, " but the data section has ",
                           data_size, " bytes"));
  }
  for (auto& r : ranges) {
    arrays[r.index].second =
        io::make_array(src, base + r.begin, shapes[r.index], dtypes[r.index]);
  }
  return {std::move(arrays), std::move(metadata)};
}

void save_safetensors(const NamedArrays& arrays, const StringMetadata& metadata,
                      const io::Sink& sink) {
  io::eval_for_save(arrays, "save_safetensors");
  // Largest items first keeps every tensor aligned to its item size without padding
  // (the format forbids gaps between tensors).
  std::vector<size_t> order(arrays.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return arrays[a].second.itemsize() > arrays[b].second.itemsize();
  });
  std::string h = "{";
  if (!metadata.empty()) {
    h += "\"__metadata__\":{";
    for (size_t i = 0; i < metadata.size(); ++i) {
      if (i) h += ',';
      json_string(h, metadata[i].first);
      h += ':';
      json_string(h, metadata[i].second);
    }
    h += '}';
  }
  uint64_t offset = 0;
  for (size_t i : order) {
    auto& [name, a] = arrays[i];
    if (name == "__metadata__") {
      throw std::invalid_argument("[save_safetensors] '__metadata__' is reserved.");
    }
    if (h.size() > 1) h += ',';
    json_string(h, name);
    h += msg(":{\"dtype\":\"", st_name(a.dtype()), "\",\"shape\":[");
    for (int d = 0; d < a.ndim(); ++d) h += msg(d ? "," : "", a.shape(d));
    h += msg("],\"data_offsets\":[", offset, ",", offset + a.nbytes(), "]}");
    offset += a.nbytes();
  }
  h += '}';
  h.append((8 - h.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  std::string prefix;
  io::put<uint64_t>(prefix, h.size());
  sink(prefix.data(), prefix.size());
  sink(h.data(), h.size());
  for (size_t i : order) io::write_row_major(arrays[i].second, sink);
}

}  // namespace lumex::core
