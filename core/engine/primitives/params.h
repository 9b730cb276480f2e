// Primitive parameters as text: what params() reports (graph views, DOT export) and
// what make_primitive reads back, so every value has one spelling that reads back
// exactly: bools True/False, integers in decimal, floating-point numbers in the
// shortest form that round-trips, tuples as Python writes them ("(2, 3)", "(4,)"),
// dtypes by name.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "engine/primitives/base.h"
#include "engine/utils.h"

namespace lumex::core {

inline std::string param_text(bool v) { return v ? "True" : "False"; }
inline std::string param_text(int v) { return std::to_string(v); }
inline std::string param_text(int64_t v) { return std::to_string(v); }
std::string param_text(float v);
std::string param_text(double v);
std::string param_text(Dtype v);
template <typename T>
std::string param_text(const std::vector<T>& v) {
  return tuple_str(v);
}

/// Reads the parameters a factory was given. A missing or unreadable value throws
/// make_primitive's error; make_primitive also rejects what the result does not
/// report back (extra names, other spellings).
class ParamReader {
 public:
  ParamReader(const std::string& prim, const PrimitiveParams& params)
      : prim_(prim), params_(params) {}
  bool has(const char* key) const;
  const std::string& text(const char* key) const;
  bool flag(const char* key) const;
  int64_t integer(const char* key) const;
  double real(const char* key) const;
  std::vector<int64_t> ints(const char* key) const;
  template <typename V>
  V tuple(const char* key) const {
    auto v = ints(key);
    return V(v.begin(), v.end());
  }
  Dtype dtype(const char* key) const;
  /// The position of text(key) in `choices` (an enum's names, in its order).
  int choice(const char* key, std::initializer_list<const char*> choices) const;
  [[noreturn]] void fail() const { throw_bad_params(prim_, params_); }

 private:
  std::string prim_;
  const PrimitiveParams& params_;
};

}  // namespace lumex::core
