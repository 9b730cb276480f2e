#include <cstring>

#include "engine/backend/cpu/elementwise.h"
#include "engine/backend/cpu/elementwise_ops.h"
#include "engine/primitives.h"

namespace lumex::core {

using namespace cpu;

#define LUMEX_BINARY(NAME, PRED)                                              \
  void NAME::eval_cpu(const std::vector<array>& inputs, array& out) {        \
    binary_same<PRED>(inputs[0], inputs[1], out, detail::NAME{}, #NAME);     \
  }
#define LUMEX_BINARY_BOOL(NAME)                                               \
  void NAME::eval_cpu(const std::vector<array>& inputs, array& out) {        \
    binary_to_bool(inputs[0], inputs[1], out, detail::NAME{});               \
  }

LUMEX_BINARY(Add, AnyType)
LUMEX_BINARY(Subtract, AnyType)
LUMEX_BINARY(Multiply, AnyType)
LUMEX_BINARY(Divide, AnyType)
LUMEX_BINARY(FloorDivide, RealType)
LUMEX_BINARY(Remainder, RealType)
LUMEX_BINARY(Power, AnyType)
LUMEX_BINARY(Maximum, AnyType)
LUMEX_BINARY(Minimum, AnyType)
LUMEX_BINARY(ArcTan2, FloatType)
LUMEX_BINARY(LogAddExp, InexactType)
LUMEX_BINARY(BitwiseAnd, IntOrBoolType)
LUMEX_BINARY(BitwiseOr, IntOrBoolType)
LUMEX_BINARY(BitwiseXor, IntOrBoolType)
LUMEX_BINARY(LeftShift, IntOrBoolType)
LUMEX_BINARY(RightShift, IntOrBoolType)
LUMEX_BINARY_BOOL(NotEqual)
LUMEX_BINARY_BOOL(Greater)
LUMEX_BINARY_BOOL(GreaterEqual)
LUMEX_BINARY_BOOL(Less)
LUMEX_BINARY_BOOL(LessEqual)
LUMEX_BINARY_BOOL(LogicalAnd)
LUMEX_BINARY_BOOL(LogicalOr)

void Equal::eval_cpu(const std::vector<array>& inputs, array& out) {
  if (equal_nan_) {
    binary_to_bool(inputs[0], inputs[1], out, detail::NaNEqual{});
  } else {
    binary_to_bool(inputs[0], inputs[1], out, detail::Equal{});
  }
}

void DivMod::eval_cpu(const std::vector<array>& inputs,
                      std::vector<array>& outputs) {
  binary_same<RealType>(inputs[0], inputs[1], outputs[0], detail::FloorDivide{},
                        "DivMod");
  binary_same<RealType>(inputs[0], inputs[1], outputs[1], detail::Remainder{},
                        "DivMod");
}

namespace {

template <size_t N>
struct uint_of_size;
template <> struct uint_of_size<1> { using type = uint8_t; };
template <> struct uint_of_size<2> { using type = uint16_t; };
template <> struct uint_of_size<4> { using type = uint32_t; };
template <> struct uint_of_size<8> { using type = uint64_t; };

/// c ? a : b as a bit blend: SSE2 cannot vectorize a select whose bool mask is
/// narrower than T, and a branch on random data mispredicts half the time.
template <typename T>
inline T blend(uint8_t c, T a, T b) {  // c: a bool read as a byte
  using U = typename uint_of_size<sizeof(T)>::type;
  U ua, ub;
  std::memcpy(&ua, &a, sizeof(T));
  std::memcpy(&ub, &b, sizeof(T));
  U m = static_cast<U>(U(0) - static_cast<U>(c != 0));
  U r = static_cast<U>((ua & m) | (ub & static_cast<U>(~m)));
  T out;
  std::memcpy(&out, &r, sizeof(T));
  return out;
}

template <typename T>
void select_run(const bool* cond, const T* x, const T* y, T* o, int64_t n, int64_t sc,
                int64_t sx, int64_t sy) {
  // Read as bytes: the vectorizer cannot widen a bool into a mask.
  const auto* c = reinterpret_cast<const uint8_t*>(cond);
  // The common layouts get loops with fixed strides, which the compiler vectorizes.
  if (sc == 1 && sx == 1 && sy == 1) {
    for (int64_t i = 0; i < n; ++i) o[i] = blend(c[i], x[i], y[i]);
  } else if (sc == 1 && sx == 1 && sy == 0) {
    T v = y[0];
    for (int64_t i = 0; i < n; ++i) o[i] = blend(c[i], x[i], v);
  } else if (sc == 1 && sx == 0 && sy == 1) {
    T v = x[0];
    for (int64_t i = 0; i < n; ++i) o[i] = blend(c[i], v, y[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) o[i] = c[i * sc] ? x[i * sx] : y[i * sy];
  }
}

bool dense_or_single(const array& a) {
  return a.data_size() == 1 || (a.flags().row_contiguous && a.data_size() == a.size());
}

}  // namespace

void Select::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& c = inputs[0];
  const auto& x = inputs[1];
  const auto& y = inputs[2];
  out.set_data(allocator::malloc(out.nbytes()));
  dispatch_dtype(out.dtype(), [&](auto t) {
    using T = decltype(t);
    const bool* pc = c.data<bool>();
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    T* po = out.data<T>();
    if (c.shape() == out.shape() && x.shape() == out.shape() && y.shape() == out.shape() &&
        dense_or_single(c) && dense_or_single(x) && dense_or_single(y)) {
      int64_t sc = c.data_size() > 1, sx = x.data_size() > 1, sy = y.data_size() > 1;
      parallel_for(out.size(), [&](size_t lo, size_t hi) {
        auto l = static_cast<int64_t>(lo);
        select_run(pc + l * sc, px + l * sx, py + l * sy, po + l,
                   static_cast<int64_t>(hi - lo), sc, sx, sy);
      });
      return;
    }
    parallel_strided_for_each<4>(
        out.shape(), {&c.strides(), &x.strides(), &y.strides(), &out.strides()},
        [&](const auto& off, int64_t n, const auto& st) {
          select_run(pc + off[0], px + off[1], py + off[2], po + off[3], n, st[0], st[1],
                     st[2]);
        });
  });
}

}  // namespace lumex::core
