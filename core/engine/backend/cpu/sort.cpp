// Sorting and binary-search kernels. Values are mapped to unsigned keys whose order is the value
// order (floats: flip the sign bit of positives, all bits of negatives), then
// sorted with an LSD radix sort (one 8-bit digit per pass, passes where all keys
// share the digit skipped); short lines use std::stable_sort on the same keys.
// Sort keys keep the exact bits (so values are decoded from them); ArgSort and
// the partitions use canonical keys where every NaN is largest and -0 == +0.
#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <vector>

#include "engine/backend/cpu/copy.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/primitives.h"

namespace lumex::core {

namespace {

template <typename T>
struct KeyTraits {
  // Integers and bool: the value's order as an unsigned key.
  using U = std::conditional_t<(sizeof(T) > 4), uint64_t, uint32_t>;
  // Signed: the two's complement bits with T's sign bit flipped (sizeof(T) bytes).
  static constexpr U tsign = U(1) << (sizeof(T) * 8 - 1);
  static U exact(T x) {
    using UT = std::make_unsigned_t<T>;
    if constexpr (std::is_signed_v<T>) {
      return static_cast<U>(static_cast<UT>(x)) ^ tsign;
    } else {
      return static_cast<U>(x);
    }
  }
  static T decode(U k) {
    using UT = std::make_unsigned_t<T>;
    if constexpr (std::is_signed_v<T>) {
      return static_cast<T>(static_cast<UT>(k ^ tsign));
    } else {
      return static_cast<T>(k);
    }
  }
  static U canonical(T x) { return exact(x); }
  static constexpr int bits = sizeof(T) * 8;
  static bool is_neg_nan(U) { return false; }
};

/// IEEE-style floats of B bytes (float, double, float16, bfloat16).
template <typename T, typename UB>
struct FloatKeys {
  using U = UB;
  static constexpr U sign = U(1) << (sizeof(U) * 8 - 1);
  static U bits_of(T x) {
    U b;
    std::memcpy(&b, &x, sizeof(U));
    return b;
  }
  static U exact(T x) {
    U b = bits_of(x);
    return (b & sign) ? U(~b) : U(b | sign);
  }
  static T decode(U k) {
    U b = (k & sign) ? U(k & ~sign) : U(~k);
    T x;
    std::memcpy(&x, &b, sizeof(U));
    return x;
  }
  static U canonical(T x) {
    float f = static_cast<float>(x);
    if constexpr (std::is_same_v<T, double>) {
      if (std::isnan(x)) return U(~U(0));
      if (x == 0) return sign;
    } else {
      if (std::isnan(f)) return U(~U(0));
      if (f == 0) return sign;
    }
    return exact(x);
  }
  /// Exact keys of NaNs with the sign bit set sort first; they belong last.
  static bool is_neg_nan(U k) {
    if (k & sign) return false;
    return std::isnan(static_cast<double>(decode(k)));
  }
  static constexpr int bits = sizeof(U) * 8;
};

template <>
struct KeyTraits<float> : FloatKeys<float, uint32_t> {};
template <>
struct KeyTraits<double> : FloatKeys<double, uint64_t> {};
template <>
struct KeyTraits<float16_t> : FloatKeys<float16_t, uint16_t> {};
template <>
struct KeyTraits<bfloat16_t> : FloatKeys<bfloat16_t, uint16_t> {};
template <>
struct KeyTraits<bool> {
  using U = uint32_t;
  static U exact(bool x) { return x; }
  static bool decode(U k) { return k != 0; }
  static U canonical(bool x) { return x; }
  static constexpr int bits = 8;
  static bool is_neg_nan(U) { return false; }
};

/// LSD radix sort of `n` records by key(record); `tmp` has room for n records.
template <typename R, typename KeyFn>
void radix_sort(R* data, R* tmp, size_t n, int key_bits, KeyFn key) {
  int passes = (key_bits + 7) / 8;
  std::vector<size_t> hist(static_cast<size_t>(passes) * 256, 0);
  for (size_t i = 0; i < n; ++i) {
    auto k = key(data[i]);
    for (int p = 0; p < passes; ++p) ++hist[p * 256 + ((k >> (8 * p)) & 0xff)];
  }
  R* src = data;
  R* dst = tmp;
  for (int p = 0; p < passes; ++p) {
    size_t* h = &hist[p * 256];
    // Skip a pass in which every key has the same digit.
    bool trivial = false;
    for (int d = 0; d < 256; ++d) {
      if (h[d] == n) trivial = true;
      if (h[d] != 0) break;
    }
    if (trivial) continue;
    size_t sum = 0;
    for (int d = 0; d < 256; ++d) {
      size_t c = h[d];
      h[d] = sum;
      sum += c;
    }
    int shift = 8 * p;
    for (size_t i = 0; i < n; ++i) {
      dst[h[(key(src[i]) >> shift) & 0xff]++] = src[i];
    }
    std::swap(src, dst);
  }
  if (src != data) std::memcpy(data, src, n * sizeof(R));
}

constexpr size_t kSmallSort = 128;

/// Sorts one line in place (values as exact keys).
template <typename T>
void sort_line(T* line, size_t n, std::vector<typename KeyTraits<T>::U>& keys,
               std::vector<typename KeyTraits<T>::U>& tmp) {
  using K = KeyTraits<T>;
  using U = typename K::U;
  keys.resize(n);
  tmp.resize(n);
  for (size_t i = 0; i < n; ++i) keys[i] = K::exact(line[i]);
  if (n <= kSmallSort) {
    std::sort(keys.begin(), keys.end());
  } else {
    radix_sort(keys.data(), tmp.data(), n, K::bits, [](U k) { return k; });
  }
  // NaNs with the sign bit come first; move them behind everything else.
  size_t neg_nans = 0;
  while (neg_nans < n && K::is_neg_nan(keys[neg_nans])) ++neg_nans;
  size_t j = 0;
  for (size_t i = neg_nans; i < n; ++i) line[j++] = K::decode(keys[i]);
  for (size_t i = 0; i < neg_nans; ++i) line[j++] = K::decode(keys[i]);
}

template <typename U>
struct KeyIdx {
  U key;
  uint32_t idx;
};

/// Stable argsort of one line (read with `stride`) into out (contiguous or strided).
template <typename T>
void argsort_line(const T* in, int64_t in_stride, uint32_t* out, int64_t out_stride,
                  size_t n, std::vector<KeyIdx<typename KeyTraits<T>::U>>& buf,
                  std::vector<KeyIdx<typename KeyTraits<T>::U>>& tmp) {
  using K = KeyTraits<T>;
  using R = KeyIdx<typename K::U>;
  buf.resize(n);
  tmp.resize(n);
  for (size_t i = 0; i < n; ++i) {
    buf[i] = R{K::canonical(in[i * in_stride]), static_cast<uint32_t>(i)};
  }
  if (n <= kSmallSort) {
    std::stable_sort(buf.begin(), buf.end(),
                     [](const R& a, const R& b) { return a.key < b.key; });
  } else {
    radix_sort(buf.data(), tmp.data(), n, K::bits, [](const R& r) { return r.key; });
  }
  for (size_t i = 0; i < n; ++i) out[i * out_stride] = buf[i].idx;
}

/// Complex numbers: lexicographic (real, imag), NaNs last, by comparison sort.
bool complex_less(const complex64_t& a, const complex64_t& b) {
  bool an = std::isnan(a.real()) || std::isnan(a.imag());
  bool bn = std::isnan(b.real()) || std::isnan(b.imag());
  if (an || bn) return !an && bn;
  return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
}

/// Geometry of the lines along `axis` of a row-contiguous array.
struct Lines {
  size_t count, len;
  int64_t stride;  // between elements of a line
  size_t inner;    // product of the dims after axis
  size_t start(size_t l) const { return (l / inner) * len * inner + (l % inner); }
};

Lines lines_of(const array& a, int axis) {
  Lines g;
  g.len = a.shape(axis);
  g.inner = 1;
  for (int i = axis + 1; i < a.ndim(); ++i) g.inner *= a.shape(i);
  g.stride = static_cast<int64_t>(g.inner);
  g.count = g.len == 0 ? 0 : a.size() / g.len;
  return g;
}

template <typename F>
void for_lines(const Lines& g, F&& f) {
  if (g.count == 0) return;
  auto run = [&](size_t lo, size_t hi) { f(lo, hi); };
  if (g.count > 1 && g.count * g.len >= cpu::parallel_threshold()) {
    cpu::parallel_for_impl(g.count, run);
  } else {
    run(0, g.count);
  }
}

array row_contiguous(const array& in) {
  if (in.flags().row_contiguous && in.data_size() == in.size()) return in;
  array c = array::empty_buffer(in.shape(), in.dtype());
  cpu::copy_into(in, c);
  return c;
}

}  // namespace

void Sort::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::copy_row_contiguous(inputs[0], out);
  auto g = lines_of(out, axis_);
  dispatch_dtype(out.dtype(), [&](auto t) {
    using T = decltype(t);
    T* d = out.data<T>();
    for_lines(g, [&](size_t lo, size_t hi) {
      // Not std::vector<T>: vector<bool> has no data().
      std::unique_ptr<T[]> line(new T[g.len]);
      if constexpr (cpu::is_complex_v<T>) {
        for (size_t l = lo; l < hi; ++l) {
          T* p = d + g.start(l);
          for (size_t i = 0; i < g.len; ++i) line[i] = p[i * g.stride];
          std::stable_sort(line.get(), line.get() + g.len, complex_less);
          for (size_t i = 0; i < g.len; ++i) p[i * g.stride] = line[i];
        }
      } else {
        std::vector<typename KeyTraits<T>::U> keys, tmp;
        for (size_t l = lo; l < hi; ++l) {
          T* p = d + g.start(l);
          if (g.stride == 1) {
            sort_line(p, g.len, keys, tmp);
          } else {
            for (size_t i = 0; i < g.len; ++i) line[i] = p[i * g.stride];
            sort_line(line.get(), g.len, keys, tmp);
            for (size_t i = 0; i < g.len; ++i) p[i * g.stride] = line[i];
          }
        }
      }
    });
  });
}

void ArgSort::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto in = row_contiguous(inputs[0]);
  out.set_data(allocator::malloc(out.nbytes()));
  auto g = lines_of(in, axis_);
  uint32_t* o = out.data<uint32_t>();
  dispatch_dtype(in.dtype(), [&](auto t) {
    using T = decltype(t);
    const T* d = in.data<T>();
    for_lines(g, [&](size_t lo, size_t hi) {
      if constexpr (cpu::is_complex_v<T>) {
        std::vector<uint32_t> perm(g.len);
        for (size_t l = lo; l < hi; ++l) {
          const T* p = d + g.start(l);
          std::iota(perm.begin(), perm.end(), 0u);
          std::stable_sort(perm.begin(), perm.end(), [&](uint32_t a, uint32_t b) {
            return complex_less(p[a * g.stride], p[b * g.stride]);
          });
          uint32_t* q = o + g.start(l);
          for (size_t i = 0; i < g.len; ++i) q[i * g.stride] = perm[i];
        }
      } else {
        std::vector<KeyIdx<typename KeyTraits<T>::U>> buf, tmp;
        for (size_t l = lo; l < hi; ++l) {
          argsort_line(d + g.start(l), g.stride, o + g.start(l), g.stride, g.len, buf, tmp);
        }
      }
    });
  });
}

namespace {

/// Positions of one line arranged so position kth is in sorted place.
template <typename T>
void argpartition_line(const T* p, int64_t stride, size_t n, int kth,
                       std::vector<uint32_t>& perm) {
  perm.resize(n);
  std::iota(perm.begin(), perm.end(), 0u);
  if constexpr (cpu::is_complex_v<T>) {
    std::nth_element(perm.begin(), perm.begin() + kth, perm.end(), [&](uint32_t a, uint32_t b) {
      return complex_less(p[a * stride], p[b * stride]);
    });
  } else {
    using K = KeyTraits<T>;
    std::nth_element(perm.begin(), perm.begin() + kth, perm.end(), [&](uint32_t a, uint32_t b) {
      auto ka = K::canonical(p[a * stride]), kb = K::canonical(p[b * stride]);
      return ka < kb || (ka == kb && a < b);
    });
  }
}

template <bool Values>
void partition_impl(const array& input, array& out, int kth, int axis) {
  auto in = row_contiguous(input);
  out.set_data(allocator::malloc(out.nbytes()));
  auto g = lines_of(in, axis);
  dispatch_dtype(in.dtype(), [&](auto t) {
    using T = decltype(t);
    const T* d = in.data<T>();
    for_lines(g, [&](size_t lo, size_t hi) {
      std::vector<uint32_t> perm;
      for (size_t l = lo; l < hi; ++l) {
        size_t s0 = g.start(l);
        argpartition_line(d + s0, g.stride, g.len, kth, perm);
        if constexpr (Values) {
          T* q = out.data<T>() + s0;
          for (size_t i = 0; i < g.len; ++i) q[i * g.stride] = d[s0 + perm[i] * g.stride];
        } else {
          uint32_t* q = out.data<uint32_t>() + s0;
          for (size_t i = 0; i < g.len; ++i) q[i * g.stride] = perm[i];
        }
      }
    });
  });
}

}  // namespace

void Partition::eval_cpu(const std::vector<array>& inputs, array& out) {
  partition_impl<true>(inputs[0], out, kth_, axis_);
}

void ArgPartition::eval_cpu(const std::vector<array>& inputs, array& out) {
  partition_impl<false>(inputs[0], out, kth_, axis_);
}

namespace {

/// The first position in a[0, m) whose element does not go `before` the value
/// (a true-then-false predicate). Branch-free halving: random queries would
/// mispredict every branch of std::lower_bound.
template <typename T, typename Before>
size_t partition_point(const T* a, size_t m, Before before) {
  size_t lo = 0, len = m;
  while (len > 0) {
    size_t half = len / 2;
    bool go = before(a[lo + half]);
    lo = go ? lo + half + 1 : lo;
    len = go ? len - half - 1 : half;
  }
  return lo;
}

/// Insertion point of x in the sorted a[0, m), in sort order (NaN last, -0 == +0).
template <typename T>
size_t insertion_point(const T* a, size_t m, T x, bool right) {
  if constexpr (cpu::is_complex_v<T>) {
    return right ? partition_point(a, m, [&](const T& y) { return !complex_less(x, y); })
                 : partition_point(a, m, [&](const T& y) { return complex_less(y, x); });
  } else {
    using C = cpu::compute_t<T>;
    C v = static_cast<C>(x);
    if constexpr (cpu::is_float_v<T>) {
      // A NaN goes after every number (left) or after everything (right);
      // for a number, NaNs in `a` compare false and so stay after it.
      if (std::isnan(v)) {
        return right ? m : partition_point(a, m, [](const T& y) {
          return !std::isnan(static_cast<C>(y));
        });
      }
    }
    return right ? partition_point(a, m, [v](const T& y) { return static_cast<C>(y) <= v; })
                 : partition_point(a, m, [v](const T& y) { return static_cast<C>(y) < v; });
  }
}

}  // namespace

void SearchSorted::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto seq = row_contiguous(inputs[0]);
  auto vals = row_contiguous(inputs[1]);
  out.set_data(allocator::malloc(out.nbytes()));
  uint32_t* o = out.data<uint32_t>();
  // A stack of sequences (vmap) serves consecutive runs of values.
  const size_t m = seq.shape(-1);
  const size_t rows = m == 0 ? 1 : seq.size() / m;
  const size_t per_row = std::max<size_t>(1, vals.size() / rows);
  dispatch_dtype(seq.dtype(), [&](auto t) {
    using T = decltype(t);
    const T* s = seq.data<T>();
    const T* v = vals.data<T>();
    cpu::parallel_for(vals.size(), [&](size_t lo, size_t hi) {
      for (size_t i = lo; i < hi; ++i) {
        o[i] = static_cast<uint32_t>(insertion_point(s + (i / per_row) * m, m, v[i], right_));
      }
    });
  });
}

}  // namespace lumex::core
