// Combining functors shared by the reduction and scan kernels. They work on the
// accumulation type (float for half types); complex numbers order
// lexicographically (real part, then imaginary), as MLX does.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/backend/cpu/copy.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/backend/cpu/wrap.h"

namespace lumex::core::cpu::reduce_ops {

template <typename T>
inline bool is_nan(T x) {
  if constexpr (is_complex_v<T>) {
    return x.real() != x.real() || x.imag() != x.imag();
  } else if constexpr (std::is_floating_point_v<T>) {
    return x != x;
  } else {
    return false;
  }
}

template <typename T>
inline bool greater(T a, T b) {
  if constexpr (is_complex_v<T>) {
    return a.real() > b.real() || (a.real() == b.real() && a.imag() > b.imag());
  } else {
    return a > b;
  }
}

/// The smallest and largest values of T (infinities for floats).
template <typename T>
inline T lowest() {
  if constexpr (is_complex_v<T>) {
    constexpr float inf = std::numeric_limits<float>::infinity();
    return T(-inf, -inf);
  } else if constexpr (std::is_floating_point_v<T>) {
    return -std::numeric_limits<T>::infinity();
  } else {
    return std::numeric_limits<T>::lowest();
  }
}

template <typename T>
inline T highest() {
  if constexpr (is_complex_v<T>) {
    constexpr float inf = std::numeric_limits<float>::infinity();
    return T(inf, inf);
  } else if constexpr (std::is_floating_point_v<T>) {
    return std::numeric_limits<T>::infinity();
  } else {
    return std::numeric_limits<T>::max();
  }
}

template <typename A>
struct Sum {
  static A init() { return A(0); }
  A operator()(A a, A b) const { return wrap_add(a, b); }
};

template <typename A>
struct Prod {
  static A init() { return A(1); }
  A operator()(A a, A b) const {
    if constexpr (std::is_same_v<A, bool>) {
      return a && b;
    } else {
      return wrap_mul(a, b);
    }
  }
};

struct And {
  static bool init() { return true; }
  bool operator()(bool a, bool b) const { return a && b; }
};

struct Or {
  static bool init() { return false; }
  bool operator()(bool a, bool b) const { return a || b; }
};

// NaN wins: once an accumulator holds NaN it keeps it. Written as one select
// so the compiler can vectorize it.
template <typename A>
struct Max {
  static A init() { return lowest<A>(); }
  A operator()(A a, A b) const {
    return (greater(a, b) | is_nan(a)) ? a : b;
  }
};

template <typename A>
struct Min {
  static A init() { return highest<A>(); }
  A operator()(A a, A b) const {
    return (greater(b, a) | is_nan(a)) ? a : b;
  }
};

/// log(exp(a) + exp(b)) without overflow.
template <typename A>
struct LogAddExp {
  static A init() { return lowest<A>(); }
  A operator()(A a, A b) const {
    if constexpr (is_complex_v<A>) {
      if (is_nan(a) || is_nan(b)) return a + b;
      A hi = a.real() >= b.real() ? a : b;
      A lo = a.real() >= b.real() ? b : a;
      if (std::isinf(hi.real()) && hi.real() < 0) return hi;
      return hi + std::log(A(1) + std::exp(lo - hi));
    } else {
      if (a != a || b != b) return a + b;
      // Equal arguments (both infinities included) would give inf - inf.
      if (a == b) return a + static_cast<A>(0.69314718055994530942);
      A hi = a > b ? a : b;
      A lo = a > b ? b : a;
      return hi + std::log1p(std::exp(lo - hi));
    }
  }
};

// ---------------------------------------------------------------------------
// Row helpers: many kernels view a row-contiguous input as (outer, n, inner).

inline array row_contiguous(const array& in) {
  if (in.flags().row_contiguous && in.data_size() == in.size()) return in;
  array tmp = array::empty_buffer(in.shape(), in.dtype());
  copy_into(in, tmp);
  return tmp;
}

struct Rows {
  int64_t outer = 1, n = 1, inner = 1;
};

inline Rows split_at(const Shape& shape, int axis) {
  Rows r;
  for (int i = 0; i < axis; ++i) r.outer *= shape[i];
  r.n = shape[axis];
  for (size_t i = axis + 1; i < shape.size(); ++i) r.inner *= shape[i];
  return r;
}

/// Runs f(o, jlo, jhi) over outer rows and inner-column ranges, split across
/// threads along whichever of the two is larger.
template <typename F>
void for_rows(const Rows& r, Cost cost, F f) {
  bool big = static_cast<size_t>(r.outer * r.n * r.inner) >= parallel_threshold(cost) &&
             num_threads() > 1;
  if (!big) {
    for (int64_t o = 0; o < r.outer; ++o) f(o, int64_t(0), r.inner);
  } else if (r.outer >= r.inner) {
    parallel_for_impl(r.outer, [&](size_t lo, size_t hi) {
      for (size_t o = lo; o < hi; ++o) f(static_cast<int64_t>(o), int64_t(0), r.inner);
    });
  } else {
    // Few wide column blocks: narrow ones would make each thread stride
    // through every row for a few cache lines at a time.
    int64_t blocks = std::min<int64_t>(2 * num_threads(), r.inner);
    int64_t per = (r.inner + blocks - 1) / blocks;
    per = (per + 15) / 16 * 16;
    parallel_for_impl(static_cast<size_t>(blocks), [&](size_t lo, size_t hi) {
      int64_t jlo = std::min<int64_t>(r.inner, static_cast<int64_t>(lo) * per);
      int64_t jhi = std::min<int64_t>(r.inner, static_cast<int64_t>(hi) * per);
      if (jlo >= jhi) return;
      for (int64_t o = 0; o < r.outer; ++o) f(o, jlo, jhi);
    });
  }
}

}  // namespace lumex::core::cpu::reduce_ops
