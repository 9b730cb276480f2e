// BLAS gemm for CPU kernels (matmul, convolutions): a typed row-major gemm that
// keeps OpenBLAS's thread count in step with ours, and aligned scratch memory.
#pragma once

#include <cblas.h>

#include <type_traits>

#include "engine/allocator.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"

namespace lumex::core::cpu {

/// An aligned scratch allocation freed on scope exit.
class Scratch {
 public:
  explicit Scratch(size_t bytes) : buf_(allocator::malloc(bytes)) {}
  ~Scratch() { allocator::free(buf_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <typename T>
  T* as() const {
    return static_cast<T*>(buf_.ptr);
  }

 private:
  allocator::Buffer buf_;
};

/// The type gemm runs in for storage type T.
template <typename T>
using gemm_t = std::conditional_t<is_half_v<T>, float, T>;

inline CBLAS_TRANSPOSE tr(bool t) { return t ? CblasTrans : CblasNoTrans; }

/// OpenBLAS starts as many threads as there are cores, like our pool: give it
/// our thread count (LUMEX_NUM_THREADS=1 makes both single-threaded). Eval runs
/// one primitive at a time, so the two pools never run together.
inline void sync_blas_threads() {
  static const bool once = [] {
    scipy_openblas_set_num_threads(num_threads());
    return true;
  }();
  (void)once;
}

/// While alive, BLAS runs every call on its calling thread: for gemms issued from
/// inside our own parallel loops. (Alternating between our pool and OpenBLAS's
/// for each block makes the two fight over the cores: each spins while the other
/// works, several times slower on a busy machine.)
class SerialBlas {
 public:
  SerialBlas() {
    sync_blas_threads();
    scipy_openblas_set_num_threads(1);
  }
  ~SerialBlas() { scipy_openblas_set_num_threads(num_threads()); }
  SerialBlas(const SerialBlas&) = delete;
  SerialBlas& operator=(const SerialBlas&) = delete;
};

/// C = alpha * op(A) @ op(B) + beta * C, row-major (any leading dimensions).
template <typename C>
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, C alpha,
          const C* A, int64_t lda, const C* B, int64_t ldb, C beta, C* out,
          int64_t ldc) {
  sync_blas_threads();
  if constexpr (std::is_same_v<C, float>) {
    scipy_cblas_sgemm(CblasRowMajor, tr(ta), tr(tb), M, N, K, alpha, A, lda, B,
                      ldb, beta, out, ldc);
  } else if constexpr (std::is_same_v<C, double>) {
    scipy_cblas_dgemm(CblasRowMajor, tr(ta), tr(tb), M, N, K, alpha, A, lda, B,
                      ldb, beta, out, ldc);
  } else if constexpr (std::is_same_v<C, complex64_t>) {
    scipy_cblas_cgemm(CblasRowMajor, tr(ta), tr(tb), M, N, K, &alpha, A, lda,
                      B, ldb, &beta, out, ldc);
  } else {
    // Integer types: a plain loop (no BLAS), accumulating in C with wraparound.
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t j = 0; j < N; ++j) {
        C acc = C(0);
        for (int64_t k = 0; k < K; ++k) {
          C x = ta ? A[k * lda + i] : A[i * lda + k];
          C y = tb ? B[j * ldb + k] : B[k * ldb + j];
          acc = static_cast<C>(acc + static_cast<C>(x * y));
        }
        C& o = out[i * ldc + j];
        o = beta == C(0) ? static_cast<C>(alpha * acc)
                         : static_cast<C>(alpha * acc + beta * o);
      }
    }
  }
}

}  // namespace lumex::core::cpu
