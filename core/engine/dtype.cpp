#include "engine/dtype.h"

#include <array>
#include <cmath>
#include <stdexcept>

namespace lumex::core {

float16_t::float16_t(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) {  // NaN
    bits = static_cast<uint16_t>(sign | 0x7e00u);
    return;
  }
  if (abs >= 0x477ff000u) {  // rounds to >= 65520: overflow to inf
    bits = static_cast<uint16_t>(sign | 0x7c00u);
    return;
  }
  if (abs < 0x38800000u) {  // subnormal half (or zero): let the FPU round
    float af;
    std::memcpy(&af, &abs, 4);
    uint32_t m = static_cast<uint32_t>(std::nearbyint(af * 16777216.0f));  // 2^24
    bits = static_cast<uint16_t>(sign | m);
    return;
  }
  uint32_t mant_odd = (abs >> 13) & 1u;
  abs += 0xc8000fffu + mant_odd;  // rebias exponent (-112 << 23) and round to nearest even
  bits = static_cast<uint16_t>(sign | (abs >> 13));
}

float16_t::operator float() const {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exp = (bits >> 10) & 0x1fu;
  uint32_t mant = bits & 0x3ffu;
  uint32_t out;
  if (exp == 0) {
    float f = static_cast<float>(mant) / 16777216.0f;  // mant * 2^-24
    std::memcpy(&out, &f, 4);
    out |= sign;
  } else if (exp == 31) {
    out = sign | 0x7f800000u | (mant << 13);
  } else {
    out = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &out, 4);
  return f;
}

Dtype dtype_from_val(Dtype::Val v) {
  static constexpr std::array<Dtype, Dtype::num_types> all = {
      bool_, uint8, uint16, uint32, uint64, int8, int16,
      int32, int64, float16, float32, float64, bfloat16, complex64};
  return all[static_cast<int>(v)];
}

Dtype::Kind kind(Dtype d) {
  switch (d.val) {
    case Dtype::Val::bool_: return Dtype::Kind::b;
    case Dtype::Val::uint8:
    case Dtype::Val::uint16:
    case Dtype::Val::uint32:
    case Dtype::Val::uint64: return Dtype::Kind::u;
    case Dtype::Val::int8:
    case Dtype::Val::int16:
    case Dtype::Val::int32:
    case Dtype::Val::int64: return Dtype::Kind::i;
    case Dtype::Val::float16:
    case Dtype::Val::float32:
    case Dtype::Val::float64: return Dtype::Kind::f;
    case Dtype::Val::bfloat16: return Dtype::Kind::V;
    case Dtype::Val::complex64: return Dtype::Kind::c;
  }
  return Dtype::Kind::f;
}

bool is_unsigned(Dtype d) { return kind(d) == Dtype::Kind::u; }
bool is_signed_int(Dtype d) { return kind(d) == Dtype::Kind::i; }
bool is_integral(Dtype d) { return is_unsigned(d) || is_signed_int(d); }
bool is_floating_point(Dtype d) {
  return kind(d) == Dtype::Kind::f || kind(d) == Dtype::Kind::V;
}
bool is_complex(Dtype d) { return kind(d) == Dtype::Kind::c; }
bool is_inexact(Dtype d) { return is_floating_point(d) || is_complex(d); }

namespace {

// Signed integer wide enough for both operands, or float32 when none is (u64 with a signed type).
Dtype mixed_int(Dtype u, Dtype i) {
  if (u.size < i.size) return i;
  switch (u.size) {
    case 1: return int16;
    case 2: return int32;
    case 4: return int64;
    default: return float32;
  }
}

Dtype promote_slow(Dtype a, Dtype b) {
  if (a == b) return a;
  if (a == bool_) return b;
  if (b == bool_) return a;
  if (is_complex(a) || is_complex(b)) return complex64;
  bool fa = is_floating_point(a), fb = is_floating_point(b);
  if (fa && fb) {
    if ((a == float16 && b == bfloat16) || (a == bfloat16 && b == float16)) {
      return float32;
    }
    return a.size >= b.size ? a : b;
  }
  if (fa) return a;
  if (fb) return b;
  if (kind(a) == kind(b)) return a.size >= b.size ? a : b;
  return is_unsigned(a) ? mixed_int(a, b) : mixed_int(b, a);
}

struct PromotionTable {
  std::array<std::array<Dtype::Val, Dtype::num_types>, Dtype::num_types> t;
  PromotionTable() {
    for (int i = 0; i < Dtype::num_types; ++i) {
      for (int j = 0; j < Dtype::num_types; ++j) {
        t[i][j] = promote_slow(
            dtype_from_val(static_cast<Dtype::Val>(i)),
            dtype_from_val(static_cast<Dtype::Val>(j))).val;
      }
    }
  }
};

}  // namespace

Dtype promote_types(Dtype a, Dtype b) {
  static const PromotionTable table;
  return dtype_from_val(table.t[static_cast<int>(a.val)][static_cast<int>(b.val)]);
}

Dtype at_least_float(Dtype d) { return is_inexact(d) ? d : float32; }

namespace {
bool in_category(Dtype d, DtypeCategory c) {
  switch (c) {
    case DtypeCategory::complexfloating: return is_complex(d);
    case DtypeCategory::floating: return is_floating_point(d);
    case DtypeCategory::inexact: return is_inexact(d);
    case DtypeCategory::signedinteger: return is_signed_int(d);
    case DtypeCategory::unsignedinteger: return is_unsigned(d);
    case DtypeCategory::integer: return is_integral(d);
    case DtypeCategory::number: return d != bool_;
    case DtypeCategory::generic: return true;
  }
  return false;
}

// Parent category in MLX's tree (generic is the root).
bool category_within(DtypeCategory a, DtypeCategory b) {
  using C = DtypeCategory;
  if (a == b || b == C::generic) return true;
  switch (a) {
    case C::complexfloating:
    case C::floating: return b == C::inexact || b == C::number;
    case C::signedinteger:
    case C::unsignedinteger: return b == C::integer || b == C::number;
    case C::inexact:
    case C::integer: return b == C::number;
    default: return false;
  }
}
}  // namespace

bool issubdtype(Dtype a, Dtype b) { return a == b; }
bool issubdtype(Dtype a, DtypeCategory c) { return in_category(a, c); }
bool issubdtype(DtypeCategory, Dtype) { return false; }
bool issubdtype(DtypeCategory a, DtypeCategory b) {
  return category_within(a, b);
}

const char* dtype_name(Dtype d) {
  static constexpr const char* names[] = {
      "bool",  "uint8",   "uint16",  "uint32",  "uint64",
      "int8",  "int16",   "int32",   "int64",   "float16",
      "float32", "float64", "bfloat16", "complex64"};
  return names[static_cast<int>(d.val)];
}

const char* category_name(DtypeCategory c) {
  static constexpr const char* names[] = {
      "complexfloating", "floating", "inexact", "signedinteger",
      "unsignedinteger", "integer",  "number",  "generic"};
  return names[static_cast<int>(c)];
}

std::ostream& operator<<(std::ostream& os, Dtype d) {
  return os << dtype_name(d);
}

}  // namespace lumex::core
