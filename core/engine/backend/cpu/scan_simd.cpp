// Scans with GCC vector extensions (32-byte vectors: one AVX2/AVX-512VL register
// or two SSE registers, depending on the clone the loader picks).
//
// A run is scanned a vector at a time: log2(lanes) shift-and-combine steps give
// the prefix inside the register, then the carry (the running value, broadcast)
// is combined in. The loop-carried dependency is one combine per vector rather
// than one per element, which is what bounds a scalar scan.
#include "engine/backend/cpu/scan_simd.h"

#include <array>
#include <cstring>
#include <type_traits>
#include <limits>

#include "engine/backend/cpu/target_clones.h"
#include "engine/backend/cpu/wrap.h"

// The helpers pass vectors by value but are always inlined into the clones.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace lumex::core::cpu::ssimd {

namespace {

template <typename T>
struct Vec {
  typedef T type __attribute__((vector_size(32)));
  // __builtin_shuffle wants an integer mask with lanes of the element's width.
  using lane_int = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
  typedef lane_int mask __attribute__((vector_size(32)));
  static constexpr int L = 32 / sizeof(T);
};

template <typename T>
using vec_t = typename Vec<T>::type;

template <typename T>
LUMEX_INLINE vec_t<T> ld(const T* p) {
  vec_t<T> v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

template <typename T>
LUMEX_INLINE void st(T* p, vec_t<T> v) {
  std::memcpy(p, &v, sizeof(v));
}

// Lane by lane: adding x to a zero vector would turn -0.0 into +0.0.
template <typename T>
LUMEX_INLINE vec_t<T> splat(T x) {
  vec_t<T> v;
  for (int j = 0; j < Vec<T>::L; ++j) v[j] = x;
  return v;
}

/// Lanes moved S places towards the end (Up) or the start, vacated lanes taken
/// from fill. The masks are constants in memory: built in the loop, GCC
/// assembles them lane by lane.
template <typename T, bool Up, int S>
struct ShiftMask {
  using lane_int = typename Vec<T>::lane_int;
  static constexpr std::array<lane_int, Vec<T>::L> make() {
    constexpr int L = Vec<T>::L;
    std::array<lane_int, L> m{};
    for (int j = 0; j < L; ++j) {
      int from = Up ? j - S : j + S;
      m[j] = (from >= 0 && from < L) ? from : L + j;
    }
    return m;
  }
  static constexpr std::array<lane_int, Vec<T>::L> lanes = make();
};

template <typename T, bool Up, int S>
LUMEX_INLINE vec_t<T> shift(vec_t<T> v, vec_t<T> fill) {
  typename Vec<T>::mask m;
  std::memcpy(&m, ShiftMask<T, Up, S>::lanes.data(), sizeof(m));
  return __builtin_shuffle(v, fill, m);
}

/// Prefix (Up) or suffix combine inside one register: log2(lanes) steps.
template <typename T, typename O, bool Up, int S = 1>
LUMEX_INLINE vec_t<T> in_register(vec_t<T> p, vec_t<T> id) {
  if constexpr (S < Vec<T>::L) {
    p = O::combine(shift<T, Up, S>(p, id), p);
    return in_register<T, O, Up, 2 * S>(p, id);
  } else {
    return p;
  }
}

template <typename T>
LUMEX_INLINE vec_t<T> broadcast(vec_t<T> v, int lane) {
  typename Vec<T>::mask m = {};
  m += lane;
  return __builtin_shuffle(v, m);
}

// combine(older, newer), written once for scalars and vectors. Max/min take the
// newer value on ties and keep a NaN (x != x) once it is in the accumulator.
// identity() is neutral for every value (-0.0 for a float sum: -0 + x is x,
// signed zeros included, so an inclusive scan starts with x[0] itself, as in
// MLX); an exclusive scan starts from start() (+0.0 for a sum, as in MLX).
struct SumOp {
  template <typename T>
  static T identity() { return std::is_floating_point_v<T> ? T(-0.0) : T(0); }
  template <typename T>
  static T start() { return T(0); }
  template <typename U>
  static LUMEX_INLINE U combine(U a, U b) { return wrap_add(a, b); }
};
struct ProdOp {
  template <typename T>
  static T identity() { return T(1); }
  template <typename T>
  static T start() { return identity<T>(); }
  template <typename U>
  static LUMEX_INLINE U combine(U a, U b) { return wrap_mul(a, b); }
};
struct MaxOp {
  template <typename T>
  static T identity() {
    return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                : std::numeric_limits<T>::lowest();
  }
  template <typename T>
  static T start() { return identity<T>(); }
  template <typename U>
  static LUMEX_INLINE U combine(U a, U b) { return ((a > b) | (a != a)) ? a : b; }
};
struct MinOp {
  template <typename T>
  static T identity() {
    return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity()
                                                : std::numeric_limits<T>::max();
  }
  template <typename T>
  static T start() { return identity<T>(); }
  template <typename U>
  static LUMEX_INLINE U combine(U a, U b) { return ((b > a) | (a != a)) ? a : b; }
};

template <typename T, typename O, bool Rev>
LUMEX_INLINE void run(const T* x, T* y, int64_t n, bool inclusive) {
  using V = vec_t<T>;
  constexpr int L = Vec<T>::L;
  const V id = splat<T>(O::template identity<T>());
  const T start = inclusive ? O::template identity<T>() : O::template start<T>();
  V carry = splat<T>(start);
  // Forward: blocks from the start, the tail after them; reverse: blocks from
  // the end, the head last. "Older" lanes are the ones the scan reaches first.
  int64_t blocks = n / L;
  for (int64_t b = 0; b < blocks; ++b) {
    int64_t i = Rev ? n - (b + 1) * L : b * L;
    V p = ld(x + i);
    p = in_register<T, O, !Rev>(p, id);
    V r = O::combine(carry, p);
    V out = inclusive ? r : O::combine(carry, shift<T, !Rev, 1>(p, id));
    carry = broadcast<T>(r, Rev ? 0 : L - 1);
    st(y + i, out);
  }
  T acc = carry[0];
  int64_t rest = n - blocks * L;
  for (int64_t t = 0; t < rest; ++t) {
    int64_t i = Rev ? rest - 1 - t : blocks * L + t;
    T next = O::combine(acc, x[i]);
    y[i] = inclusive ? next : acc;
    acc = next;
  }
}

template <typename T, typename O>
LUMEX_INLINE void run_op(const T* x, T* y, int64_t n, bool reverse, bool inclusive) {
  if (reverse) {
    run<T, O, true>(x, y, n, inclusive);
  } else {
    run<T, O, false>(x, y, n, inclusive);
  }
}

template <typename T>
LUMEX_INLINE void run_any(Op op, const T* x, T* y, int64_t n, bool reverse, bool inclusive) {
  switch (op) {
    case Op::sum: return run_op<T, SumOp>(x, y, n, reverse, inclusive);
    case Op::prod: return run_op<T, ProdOp>(x, y, n, reverse, inclusive);
    case Op::max: return run_op<T, MaxOp>(x, y, n, reverse, inclusive);
    case Op::min: return run_op<T, MinOp>(x, y, n, reverse, inclusive);
  }
}

template <typename T, typename O>
LUMEX_INLINE void start_loop(const T* x, T* y, int64_t n, bool inclusive) {
  const T id = O::template identity<T>(), start = O::template start<T>();
  for (int64_t j = 0; j < n; ++j) y[j] = inclusive ? O::combine(id, x[j]) : start;
}

template <typename T, typename O>
LUMEX_INLINE void combine_loop(const T* prev, const T* x, T* y, int64_t n) {
  for (int64_t j = 0; j < n; ++j) y[j] = O::combine(prev[j], x[j]);
}

template <typename T>
LUMEX_INLINE void combine_any(Op op, const T* prev, const T* x, T* y, int64_t n) {
  switch (op) {
    case Op::sum: return combine_loop<T, SumOp>(prev, x, y, n);
    case Op::prod: return combine_loop<T, ProdOp>(prev, x, y, n);
    case Op::max: return combine_loop<T, MaxOp>(prev, x, y, n);
    case Op::min: return combine_loop<T, MinOp>(prev, x, y, n);
  }
}

template <typename T>
LUMEX_INLINE void start_any(Op op, const T* x, T* y, int64_t n, bool inclusive) {
  switch (op) {
    case Op::sum: return start_loop<T, SumOp>(x, y, n, inclusive);
    case Op::prod: return start_loop<T, ProdOp>(x, y, n, inclusive);
    case Op::max: return start_loop<T, MaxOp>(x, y, n, inclusive);
    case Op::min: return start_loop<T, MinOp>(x, y, n, inclusive);
  }
}

}  // namespace

#define LUMEX_SCAN_DEFINE(T)                                                        \
  LUMEX_CLONES void scan_run(Op op, const T* x, T* y, int64_t n, bool reverse,     \
                              bool inclusive) {                                     \
    run_any<T>(op, x, y, n, reverse, inclusive);                                    \
  }                                                                                 \
  LUMEX_CLONES void combine_row(Op op, const T* prev, const T* x, T* y, int64_t n) { \
    combine_any<T>(op, prev, x, y, n);                                              \
  }                                                                                 \
  LUMEX_CLONES void start_row(Op op, const T* x, T* y, int64_t n, bool inclusive) {  \
    start_any<T>(op, x, y, n, inclusive);                                           \
  }
LUMEX_SCAN_DEFINE(float)
LUMEX_SCAN_DEFINE(double)
LUMEX_SCAN_DEFINE(int32_t)
LUMEX_SCAN_DEFINE(int64_t)
LUMEX_SCAN_DEFINE(uint32_t)
LUMEX_SCAN_DEFINE(uint64_t)
#undef LUMEX_SCAN_DEFINE

}  // namespace lumex::core::cpu::ssimd
