// .npy: magic, version, a Python-dict header ('descr', 'fortran_order', 'shape'),
// then the raw elements. The header is parsed with a small strict tokenizer; it is
// never evaluated, and object arrays (which would need pickle) are refused.
#include <cctype>
#include <optional>

#include "engine/io/io_util.h"

namespace lumex::core {

namespace {

constexpr char kMagic[] = "\x93NUMPY";

struct NpyDescr {
  Dtype dtype;
  bool swap;
};

NpyDescr parse_descr(const std::string& name, const std::string& d) {
  auto bad = [&](const std::string& why) -> NpyDescr {
    io::fail(name, msg("unsupported dtype '", d, "' (", why, ")"));
  };
  if (d.size() < 2) return bad("not a simple dtype");
  char order = d[0];
  if (order != '<' && order != '>' && order != '|' && order != '=') {
    return bad("unknown byte order");
  }
  char k = d[1];
  if (k == 'O') return bad("object arrays need pickle, which lumex never runs");
  std::string digits = d.substr(2);
  if (digits.empty() || digits.size() > 2 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(c); })) {
    return bad("not a simple dtype");
  }
  int sz = std::stoi(digits);
  std::optional<Dtype> dt;
  switch (k) {
    case 'b': if (sz == 1) dt = bool_; break;
    case 'u':
      if (sz == 1) dt = uint8; else if (sz == 2) dt = uint16;
      else if (sz == 4) dt = uint32; else if (sz == 8) dt = uint64;
      break;
    case 'i':
      if (sz == 1) dt = int8; else if (sz == 2) dt = int16;
      else if (sz == 4) dt = int32; else if (sz == 8) dt = int64;
      break;
    case 'f':
      if (sz == 2) dt = float16; else if (sz == 4) dt = float32; else if (sz == 8) dt = float64;
      break;
    case 'c': if (sz == 8) dt = complex64; break;
    case 'V': if (sz == 2) dt = bfloat16; break;  // MLX writes bfloat16 as '<V2'
    default: break;
  }
  if (!dt) return bad("no lumex dtype holds it");
  return {*dt, order == '>' && sz > 1};
}

/// A tokenizer for the header's Python literal: {'key': value, ...}.
class HeaderParser {
 public:
  HeaderParser(const std::string& name, const char* p, size_t n)
      : name_(name), p_(p), end_(p + n) {}

  void expect(char c) {
    skip();
    if (p_ >= end_ || *p_ != c) bad(msg("expected '", c, "'"));
    ++p_;
  }
  bool peek(char c) {
    skip();
    return p_ < end_ && *p_ == c;
  }
  std::string str() {
    skip();
    if (p_ >= end_ || (*p_ != '\'' && *p_ != '"')) bad("expected a string");
    char q = *p_++;
    std::string s;
    while (p_ < end_ && *p_ != q) {
      if (*p_ == '\\') bad("escapes are not supported in the header");
      s += *p_++;
    }
    if (p_ >= end_) bad("unterminated string");
    ++p_;
    return s;
  }
  bool boolean() {
    skip();
    if (end_ - p_ >= 4 && std::string(p_, 4) == "True") return p_ += 4, true;
    if (end_ - p_ >= 5 && std::string(p_, 5) == "False") return p_ += 5, false;
    bad("expected True or False");
  }
  Shape tuple() {
    expect('(');
    Shape shape;
    while (!peek(')')) {
      skip();
      uint64_t v = 0;
      const char* start = p_;
      while (p_ < end_ && std::isdigit(static_cast<unsigned char>(*p_))) {
        if (!io::mul_ok(v, 10, v) || !io::add_ok(v, *p_ - '0', v) ||
            v > static_cast<uint64_t>(INT64_MAX)) {
          bad("dimension overflows");
        }
        ++p_;
      }
      if (p_ == start) bad("expected a non-negative integer dimension");
      if (shape.size() >= 64) bad("too many dimensions");
      shape.push_back(static_cast<int64_t>(v));
      if (!peek(',')) break;
      ++p_;
    }
    expect(')');
    return shape;
  }
  void finish() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\0')) ++p_;
    if (p_ != end_) bad("unexpected text after the header dict");
  }
  [[noreturn]] void bad(const std::string& what) {
    io::fail(name_, msg("malformed .npy header: ", what));
  }

 private:
  void skip() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t')) ++p_;
  }
  const std::string& name_;
  const char* p_;
  const char* end_;
};

}  // namespace

array load_npy(const io::ByteSource& src) {
  io::Cursor cur(src, 0);
  if (src.size < 8 || std::memcmp(src.data, kMagic, 6) != 0) {
    io::fail(src.name, "not a .npy file (bad magic)");
  }
  cur.need(6, "magic");
  uint8_t major = cur.get<uint8_t>("version");
  cur.get<uint8_t>("version");
  uint64_t hlen;
  if (major == 1) {
    hlen = cur.get<uint16_t>("header length");
  } else if (major == 2 || major == 3) {
    hlen = cur.get<uint32_t>("header length");
  } else {
    io::fail(src.name, msg("unsupported .npy version ", int(major)));
  }
  auto* h = reinterpret_cast<const char*>(cur.need(hlen, "header"));
  HeaderParser hp(src.name, h, hlen);
  std::optional<NpyDescr> descr;
  std::optional<bool> fortran;
  std::optional<Shape> shape;
  hp.expect('{');
  while (!hp.peek('}')) {
    auto key = hp.str();
    hp.expect(':');
    bool dup = false;
    if (key == "descr") {
      dup = descr.has_value();
      if (hp.peek('[')) hp.bad("structured dtypes are not supported");
      descr = parse_descr(src.name, hp.str());
    } else if (key == "fortran_order") {
      dup = fortran.has_value();
      fortran = hp.boolean();
    } else if (key == "shape") {
      dup = shape.has_value();
      shape = hp.tuple();
    } else {
      hp.bad(msg("unexpected key '", key, "'"));
    }
    if (dup) hp.bad(msg("duplicate key '", key, "'"));
    if (!hp.peek(',')) break;
    hp.expect(',');
  }
  hp.expect('}');
  hp.finish();
  if (!descr || !fortran || !shape) hp.bad("missing 'descr', 'fortran_order' or 'shape'");
  if (!*fortran || shape->size() < 2) {
    return io::make_array(src, cur.pos(), *shape, descr->dtype, descr->swap);
  }
  // Column-major data: load it as the transposed row-major array, then view it back.
  Shape rev(shape->rbegin(), shape->rend());
  auto t = io::make_array(src, cur.pos(), rev, descr->dtype, descr->swap);
  Strides strides(shape->size());
  int64_t s = 1;
  for (size_t i = 0; i < shape->size(); ++i) {
    strides[i] = s;
    s *= (*shape)[i];
  }
  if (t.size() == 0) return array::empty_buffer(*shape, descr->dtype);
  return array(t.data_shared_ptr(), *shape, descr->dtype, strides,
               static_cast<const char*>(t.raw_data()) -
                   static_cast<const char*>(t.data_shared_ptr()->buffer.ptr),
               t.size(), layout_flags(*shape, strides, t.size()));
}

void save_npy(const array& a, const io::Sink& sink) {
  const char* descr = nullptr;
  switch (a.dtype()) {
    case Dtype::Val::bool_: descr = "|b1"; break;
    case Dtype::Val::uint8: descr = "|u1"; break;
    case Dtype::Val::uint16: descr = "<u2"; break;
    case Dtype::Val::uint32: descr = "<u4"; break;
    case Dtype::Val::uint64: descr = "<u8"; break;
    case Dtype::Val::int8: descr = "|i1"; break;
    case Dtype::Val::int16: descr = "<i2"; break;
    case Dtype::Val::int32: descr = "<i4"; break;
    case Dtype::Val::int64: descr = "<i8"; break;
    case Dtype::Val::float16: descr = "<f2"; break;
    case Dtype::Val::float32: descr = "<f4"; break;
    case Dtype::Val::float64: descr = "<f8"; break;
    case Dtype::Val::bfloat16: descr = "<V2"; break;
    case Dtype::Val::complex64: descr = "<c8"; break;
  }
  std::string dict = msg("{'descr': '", descr, "', 'fortran_order': False, 'shape': ",
                         tuple_str(a.shape()), ", }");
  // Pad with spaces so the data starts 64-byte aligned, as NumPy does.
  size_t prefix = 10;
  std::string header;
  if (dict.size() + 1 + prefix > 65535) prefix = 12;
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict += '\n';
  header.append(kMagic, 6);
  header += static_cast<char>(prefix == 10 ? 1 : 2);
  header += '\0';
  if (prefix == 10) {
    io::put<uint16_t>(header, static_cast<uint16_t>(dict.size()));
  } else {
    io::put<uint32_t>(header, static_cast<uint32_t>(dict.size()));
  }
  header += dict;
  sink(header.data(), header.size());
  io::write_row_major(a, sink);
}

}  // namespace lumex::core
