// Kernel of the Walsh-Hadamard transform: per row of n = m * 2^k, the 2^k-point
// butterflies on each of the m blocks (in place, O(n log n)), then H_m across
// the blocks with the scale folded in. Half types compute in float, float64 in double.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "engine/allocator.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/backend/cpu/reduce_utils.h"
#include "engine/primitives/hadamard.h"

namespace lumex::core {

using namespace cpu;

namespace {

template <typename C>
void butterflies(C* x, int64_t p) {
  for (int64_t h = 1; h < p; h *= 2) {
    for (int64_t i = 0; i < p; i += 2 * h) {
      C* lo = x + i;
      C* hi = lo + h;
      for (int64_t j = 0; j < h; ++j) {
        C a = lo[j], b = hi[j];
        lo[j] = a + b;
        hi[j] = a - b;
      }
    }
  }
}

/// H_m (or its transpose) as +-1 entries, row-major.
template <typename C>
std::vector<C> signs(int64_t m, const char* const* rows, bool transpose) {
  std::vector<C> h(m * m);
  for (int64_t a = 0; a < m; ++a) {
    for (int64_t c = 0; c < m; ++c) {
      h[a * m + c] = (transpose ? rows[c][a] : rows[a][c]) == '+' ? C(1) : C(-1);
    }
  }
  return h;
}

/// x (m blocks of length p) <- (H_m (x) I_p) x * scale, a block at a time so the
/// inner loop runs along a block; `tmp` holds the m * p inputs.
template <typename C>
void across_blocks(C* x, int64_t m, int64_t p, const C* h, C scale, std::vector<C>& tmp) {
  tmp.assign(x, x + m * p);
  for (int64_t a = 0; a < m; ++a) {
    C* y = x + a * p;
    std::fill(y, y + p, C(0));
    for (int64_t c = 0; c < m; ++c) {
      const C w = h[a * m + c] * scale;
      const C* t = tmp.data() + c * p;
      for (int64_t b = 0; b < p; ++b) y[b] += w * t[b];
    }
  }
}

template <typename C>
void transform_row(C* x, int64_t n, int64_t m, const C* h, C scale, std::vector<C>& tmp) {
  const int64_t p = n / m;
  for (int64_t a = 0; a < m; ++a) butterflies(x + a * p, p);
  if (m > 1) {
    across_blocks(x, m, p, h, scale, tmp);
  } else {
    for (int64_t i = 0; i < n; ++i) x[i] *= scale;
  }
}

}  // namespace

void Hadamard::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = reduce_ops::row_contiguous(inputs[0]);
  out.set_data(allocator::malloc(out.nbytes()));
  const int64_t n = x.ndim() == 0 ? 1 : x.shape(-1);
  const size_t count = x.size() / static_cast<size_t>(n);
  const int64_t m = hadamard_base(n);
  const char* const* rows = hadamard_rows(m);
  const bool transpose = transpose_;
  const float scale = scale_;
  dispatch_if<FloatType>(x.dtype(), "hadamard_transform", [&](auto t) {
    using T = decltype(t);
    using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
    const T* xd = x.data<T>();
    T* yd = out.data<T>();
    const auto h = m > 1 ? signs<C>(m, rows, transpose) : std::vector<C>{};
    auto run = [&](size_t lo, size_t hi) {
      std::vector<C> buf, tmp;
      for (size_t r = lo; r < hi; ++r) {
        const T* xr = xd + r * n;
        T* yr = yd + r * n;
        C* w;
        if constexpr (std::is_same_v<T, C>) {
          std::copy(xr, xr + n, yr);
          w = yr;
        } else {
          buf.resize(n);
          for (int64_t i = 0; i < n; ++i) buf[i] = static_cast<C>(xr[i]);
          w = buf.data();
        }
        transform_row<C>(w, n, m, h.data(), static_cast<C>(scale), tmp);
        if constexpr (!std::is_same_v<T, C>) {
          for (int64_t i = 0; i < n; ++i) yr[i] = T(w[i]);
        }
      }
    };
    if (x.size() >= parallel_threshold(Cost::moderate) && count > 1 && num_threads() > 1) {
      parallel_for_impl(count, run);
    } else {
      run(0, count);
    }
  });
}

}  // namespace lumex::core
