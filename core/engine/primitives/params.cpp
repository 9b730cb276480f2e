#include "engine/primitives/params.h"

#include <charconv>
#include <cstring>

namespace lumex::core {

namespace {
template <typename T>
std::string shortest(T v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}
}  // namespace

std::string param_text(float v) { return shortest(v); }
std::string param_text(double v) { return shortest(v); }
std::string param_text(Dtype v) { return dtype_name(v); }

bool ParamReader::has(const char* key) const {
  for (auto& [k, v] : params_) {
    if (k == key) return true;
  }
  return false;
}

const std::string& ParamReader::text(const char* key) const {
  for (auto& [k, v] : params_) {
    if (k == key) return v;
  }
  fail();
}

bool ParamReader::flag(const char* key) const {
  return choice(key, {"False", "True"}) == 1;
}

int64_t ParamReader::integer(const char* key) const {
  auto& t = text(key);
  int64_t v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) fail();
  return v;
}

double ParamReader::real(const char* key) const {
  auto& t = text(key);
  double v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) fail();
  return v;
}

std::vector<int64_t> ParamReader::ints(const char* key) const {
  // "(2, 3)", "(4,)" or "()": the spelling is checked by make_primitive's round
  // trip, so this only needs to find the numbers.
  auto& t = text(key);
  if (t.size() < 2 || t.front() != '(' || t.back() != ')') fail();
  std::vector<int64_t> out;
  const char* p = t.data() + 1;
  const char* end = t.data() + t.size() - 1;
  while (p < end) {
    if (*p == ' ' || *p == ',') {
      ++p;
      continue;
    }
    int64_t v = 0;
    auto r = std::from_chars(p, end, v);
    if (r.ec != std::errc()) fail();
    out.push_back(v);
    p = r.ptr;
  }
  return out;
}

Dtype ParamReader::dtype(const char* key) const {
  auto& t = text(key);
  for (Dtype d : {bool_, uint8, uint16, uint32, uint64, int8, int16, int32, int64, float16,
                  float32, float64, bfloat16, complex64}) {
    if (t == dtype_name(d)) return d;
  }
  fail();
}

int ParamReader::choice(const char* key, std::initializer_list<const char*> choices) const {
  auto& t = text(key);
  int i = 0;
  for (auto* c : choices) {
    if (t == c) return i;
    ++i;
  }
  fail();
}

}  // namespace lumex::core
