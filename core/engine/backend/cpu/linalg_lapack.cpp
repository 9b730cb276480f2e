// CPU kernels for the LAPACK primitives. Each batch matrix is copied into a
// column-major scratch (LAPACK's layout), factorized, and copied out row-major;
// the copies are O(n^2) beside the O(n^3) factorizations.
// scipy-openblas32 exports every LAPACK routine with a scipy_ prefix; the
// header's default mangling does not add it.
#define LAPACK_GLOBAL(lcname, UCNAME) scipy_##lcname##_
#include <complex>
// complex64_t is std::complex<float>: the same layout as Fortran's COMPLEX.
#define lapack_complex_float std::complex<float>
#define lapack_complex_double std::complex<double>
#include <lapack.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <vector>

#include "engine/backend/cpu/kernel_utils.h"
#include "engine/primitives.h"

namespace lumex::core {

namespace {

using lint = lapack_int;

// Overloads picking the s/d routine. Character arguments carry their Fortran
// string lengths (1) explicitly.
void getrf(lint m, lint n, float* a, lint* ipiv, lint* info) {
  LAPACK_sgetrf(&m, &n, a, &m, ipiv, info);
}
void getrf(lint m, lint n, double* a, lint* ipiv, lint* info) {
  LAPACK_dgetrf(&m, &n, a, &m, ipiv, info);
}
void getri(lint n, float* a, const lint* ipiv, float* w, lint lw, lint* info) {
  LAPACK_sgetri(&n, a, &n, ipiv, w, &lw, info);
}
void getri(lint n, double* a, const lint* ipiv, double* w, lint lw, lint* info) {
  LAPACK_dgetri(&n, a, &n, ipiv, w, &lw, info);
}
void potrf(char uplo, lint n, float* a, lint* info) {
  LAPACK_spotrf_base(&uplo, &n, a, &n, info, 1);
}
void potrf(char uplo, lint n, double* a, lint* info) {
  LAPACK_dpotrf_base(&uplo, &n, a, &n, info, 1);
}
void trtri(char uplo, lint n, float* a, lint* info) {
  char diag = 'N';
  LAPACK_strtri_base(&uplo, &diag, &n, a, &n, info, 1, 1);
}
void trtri(char uplo, lint n, double* a, lint* info) {
  char diag = 'N';
  LAPACK_dtrtri_base(&uplo, &diag, &n, a, &n, info, 1, 1);
}
void geqrf(lint m, lint n, float* a, float* tau, float* w, lint lw, lint* info) {
  LAPACK_sgeqrf(&m, &n, a, &m, tau, w, &lw, info);
}
void geqrf(lint m, lint n, double* a, double* tau, double* w, lint lw, lint* info) {
  LAPACK_dgeqrf(&m, &n, a, &m, tau, w, &lw, info);
}
void orgqr(lint m, lint n, lint k, float* a, const float* tau, float* w, lint lw,
           lint* info) {
  LAPACK_sorgqr(&m, &n, &k, a, &m, tau, w, &lw, info);
}
void orgqr(lint m, lint n, lint k, double* a, const double* tau, double* w, lint lw,
           lint* info) {
  LAPACK_dorgqr(&m, &n, &k, a, &m, tau, w, &lw, info);
}
void gesdd(char job, lint m, lint n, float* a, float* s, float* u, lint ldu,
           float* vt, lint ldvt, float* w, lint lw, lint* iw, lint* info) {
  LAPACK_sgesdd_base(&job, &m, &n, a, &m, s, u, &ldu, vt, &ldvt, w, &lw, iw, info, 1);
}
void gesdd(char job, lint m, lint n, double* a, double* s, double* u, lint ldu,
           double* vt, lint ldvt, double* w, lint lw, lint* iw, lint* info) {
  LAPACK_dgesdd_base(&job, &m, &n, a, &m, s, u, &ldu, vt, &ldvt, w, &lw, iw, info, 1);
}
void syevd(char job, char uplo, lint n, float* a, float* wv, float* w, lint lw,
           lint* iw, lint liw, lint* info) {
  LAPACK_ssyevd_base(&job, &uplo, &n, a, &n, wv, w, &lw, iw, &liw, info, 1, 1);
}
void syevd(char job, char uplo, lint n, double* a, double* wv, double* w, lint lw,
           lint* iw, lint liw, lint* info) {
  LAPACK_dsyevd_base(&job, &uplo, &n, a, &n, wv, w, &lw, iw, &liw, info, 1, 1);
}
void geev(char jobvr, lint n, float* a, float* wr, float* wi, float* vr, float* w,
          lint lw, lint* info) {
  char jobvl = 'N';
  lint one = 1;
  LAPACK_sgeev_base(&jobvl, &jobvr, &n, a, &n, wr, wi, nullptr, &one, vr, &n, w, &lw,
                    info, 1, 1);
}
void geev(char jobvr, lint n, double* a, double* wr, double* wi, double* vr,
          double* w, lint lw, lint* info) {
  char jobvl = 'N';
  lint one = 1;
  LAPACK_dgeev_base(&jobvl, &jobvr, &n, a, &n, wr, wi, nullptr, &one, vr, &n, w, &lw,
                    info, 1, 1);
}
// Complex64 drivers (MLX accepts complex64 in eig, eigh and svd).
void geev(char jobvr, lint n, complex64_t* a, complex64_t* w, complex64_t* vr,
          complex64_t* work, lint lw, float* rwork, lint* info) {
  char jobvl = 'N';
  lint one = 1;
  lint ldvr = std::max<lint>(1, n);
  LAPACK_cgeev_base(&jobvl, &jobvr, &n, a, &n, w, nullptr, &one, vr, &ldvr, work, &lw,
                    rwork, info, 1, 1);
}
void heevd(char job, char uplo, lint n, complex64_t* a, float* wv, complex64_t* w, lint lw,
           float* rw, lint lrw, lint* iw, lint liw, lint* info) {
  LAPACK_cheevd_base(&job, &uplo, &n, a, &n, wv, w, &lw, rw, &lrw, iw, &liw, info, 1, 1);
}
void gesdd(char job, lint m, lint n, complex64_t* a, float* s, complex64_t* u, lint ldu,
           complex64_t* vt, lint ldvt, complex64_t* w, lint lw, float* rw, lint* iw,
           lint* info) {
  LAPACK_cgesdd_base(&job, &m, &n, a, &m, s, u, &ldu, vt, &ldvt, w, &lw, rw, iw, info, 1);
}
void gesv(lint n, lint r, float* a, lint* ipiv, float* b, lint* info) {
  LAPACK_sgesv(&n, &r, a, &n, ipiv, b, &n, info);
}
void gesv(lint n, lint r, double* a, lint* ipiv, double* b, lint* info) {
  LAPACK_dgesv(&n, &r, a, &n, ipiv, b, &n, info);
}

/// Loops over the batch of (rows, cols) matrices of `a` (any layout), handing
/// each to `f` as a column-major copy.
template <typename T, typename F>
void for_each_matrix(const array& a, F&& f) {
  int nd = a.ndim();
  int64_t rows = a.shape(nd - 2), cols = a.shape(nd - 1);
  int64_t rs = a.strides(nd - 2), cs = a.strides(nd - 1);
  size_t batch = rows * cols == 0 ? 0 : a.size() / (rows * cols);
  std::vector<T> cm(rows * cols);
  const T* src = a.data<T>();
  Shape bshape(a.shape().begin(), a.shape().end() - 2);
  Strides dense = row_strides(bshape);
  for (size_t b = 0; b < batch; ++b) {
    int64_t off = 0;
    for (int d = 0; d < nd - 2; ++d) {
      off += static_cast<int64_t>(b / dense[d] % bshape[d]) * a.strides(d);
    }
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) cm[j * rows + i] = src[off + i * rs + j * cs];
    }
    f(b, cm.data());
  }
}

/// Iterative LAPACK drivers (gesdd, syevd, geev) can loop forever on inf or NaN.
/// For such a matrix this fills the given buffers with NaN and returns true; the
/// kernel then skips LAPACK and stores the NaNs, as MLX's results are NaN there.
template <typename T>
bool finite_value(T v) {
  if constexpr (std::is_same_v<T, complex64_t>) {
    return std::isfinite(v.real()) && std::isfinite(v.imag());
  } else {
    return std::isfinite(v);
  }
}

template <typename T>
bool all_finite(const T* m, size_t n) {
  bool finite = true;
  for (size_t i = 0; i < n; ++i) finite &= finite_value(m[i]);
  return finite;
}

template <typename T>
bool nan_if_nonfinite(const T* m, size_t n, std::initializer_list<std::vector<T>*> outs) {
  if (all_finite(m, n)) return false;
  for (auto* o : outs) std::fill(o->begin(), o->end(), std::numeric_limits<T>::quiet_NaN());
  return true;
}

template <typename V>
void fill_nan(V& v) {
  using T = typename V::value_type;
  if constexpr (std::is_same_v<T, complex64_t>) {
    float q = std::numeric_limits<float>::quiet_NaN();
    std::fill(v.begin(), v.end(), complex64_t(q, q));
  } else {
    std::fill(v.begin(), v.end(), std::numeric_limits<T>::quiet_NaN());
  }
}

/// Writes a column-major (rows, cols) matrix as batch entry b of `out`.
template <typename T>
void store(array& out, size_t b, const T* cm, int64_t rows, int64_t cols) {
  T* dst = out.data<T>() + b * rows * cols;
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) dst[i * cols + j] = cm[j * rows + i];
  }
}

void alloc(std::vector<array>& outs) {
  for (auto& o : outs) o.set_data(allocator::malloc(o.nbytes()));
}

template <typename F>
void dispatch_real(Dtype d, const char* op, F&& f) {
  if (d == float32) {
    f(float{});
  } else if (d == float64) {
    f(double{});
  } else {
    throw std::invalid_argument(msg("[", op, "] Unsupported dtype ", dtype_name(d), "."));
  }
}

void check_info(lint info, const char* op, const char* what) {
  if (info < 0) {
    throw std::runtime_error(msg("[", op, "] LAPACK rejected argument ", -info, "."));
  }
  if (info > 0) throw std::runtime_error(msg("[", op, "] ", what));
}

}  // namespace

void Inverse::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& a = inputs[0];
  alloc(outputs);
  lint n = a.shape(-1);
  dispatch_real(a.dtype(), tri_ ? "linalg::tri_inv" : "linalg::inv", [&](auto t) {
    using T = decltype(t);
    std::vector<lint> ipiv(n);
    std::vector<T> work(std::max<lint>(1, n * 64));
    for_each_matrix<T>(a, [&](size_t b, T* m) {
      lint info = 0;
      if (tri_) {
        char uplo = upper_ ? 'U' : 'L';
        trtri(uplo, n, m, &info);
        check_info(info, "linalg::tri_inv", "Matrix is singular.");
        // Zero the triangle that was not part of the input.
        for (lint j = 0; j < n; ++j) {
          for (lint i = 0; i < n; ++i) {
            if (upper_ ? i > j : i < j) m[j * n + i] = T(0);
          }
        }
      } else {
        getrf(n, n, m, ipiv.data(), &info);
        check_info(info, "linalg::inv", "Matrix is singular.");
        getri(n, m, ipiv.data(), work.data(), static_cast<lint>(work.size()), &info);
        check_info(info, "linalg::inv", "Matrix is singular.");
      }
      store(outputs[0], b, m, n, n);
    });
  });
}

void Cholesky::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& a = inputs[0];
  alloc(outputs);
  lint n = a.shape(-1);
  dispatch_real(a.dtype(), "linalg::cholesky", [&](auto t) {
    using T = decltype(t);
    for_each_matrix<T>(a, [&](size_t b, T* m) {
      lint info = 0;
      potrf(upper_ ? 'U' : 'L', n, m, &info);
      check_info(info, "linalg::cholesky",
                 "Cholesky decomposition failed: the matrix is not positive definite.");
      for (lint j = 0; j < n; ++j) {
        for (lint i = 0; i < n; ++i) {
          if (upper_ ? i > j : i < j) m[j * n + i] = T(0);
        }
      }
      store(outputs[0], b, m, n, n);
    });
  });
}

void QRF::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& a = inputs[0];
  alloc(outputs);
  lint M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  dispatch_real(a.dtype(), "linalg::qr", [&](auto t) {
    using T = decltype(t);
    std::vector<T> tau(std::max<lint>(K, 1));
    std::vector<T> work(std::max<lint>(1, std::max(M, N) * 64));
    std::vector<T> r(K * N);
    std::vector<T> q(M * K);
    for_each_matrix<T>(a, [&](size_t b, T* m) {
      lint info = 0;
      lint lw = static_cast<lint>(work.size());
      if (K > 0) geqrf(M, N, m, tau.data(), work.data(), lw, &info);
      check_info(info, "linalg::qr", "QR factorization failed.");
      for (lint j = 0; j < N; ++j) {
        for (lint i = 0; i < K; ++i) r[j * K + i] = i <= j ? m[j * M + i] : T(0);
      }
      std::copy(m, m + M * K, q.begin());
      if (K > 0) orgqr(M, K, K, q.data(), tau.data(), work.data(), lw, &info);
      check_info(info, "linalg::qr", "QR factorization failed.");
      store(outputs[0], b, q.data(), M, K);
      store(outputs[1], b, r.data(), K, N);
    });
  });
}

namespace {

void svd_complex(const array& a, bool compute_uv, std::vector<array>& outputs) {
  using C = complex64_t;
  lint M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  char job = compute_uv ? 'A' : 'N';
  std::vector<float> s(std::max<lint>(K, 1));
  std::vector<C> u(compute_uv ? M * M : 1), vt(compute_uv ? N * N : 1);
  std::vector<lint> iw(std::max<lint>(1, 8 * K));
  // LAPACK 3.7's bound for either job.
  std::vector<float> rw(std::max<lint>(
      1, K * std::max<lint>(5 * K + 7, 2 * std::max(M, N) + 2 * K + 1)));
  lint ldu = std::max<lint>(1, M), ldvt = std::max<lint>(1, N);
  std::vector<C> probe(std::max<lint>(1, M * N));
  C wq = 0;
  lint info = 0;
  gesdd(job, M, N, probe.data(), s.data(), u.data(), ldu, vt.data(), ldvt, &wq, -1,
        rw.data(), iw.data(), &info);
  std::vector<C> work(std::max<lint>(1, static_cast<lint>(wq.real())));
  for_each_matrix<C>(a, [&](size_t b, C* m) {
    if (all_finite(m, M * N)) {
      lint inf = 0;
      gesdd(job, M, N, m, s.data(), u.data(), ldu, vt.data(), ldvt, work.data(),
            static_cast<lint>(work.size()), rw.data(), iw.data(), &inf);
      check_info(inf, "linalg::svd", "SVD did not converge.");
    } else {
      fill_nan(s);
      fill_nan(u);
      fill_nan(vt);
    }
    float* sv = outputs[compute_uv ? 1 : 0].data<float>() + b * K;
    std::copy(s.begin(), s.begin() + K, sv);
    if (compute_uv) {
      store(outputs[0], b, u.data(), M, M);
      store(outputs[2], b, vt.data(), N, N);
    }
  });
}

}  // namespace

void SVD::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& a = inputs[0];
  alloc(outputs);
  if (a.dtype() == complex64) return svd_complex(a, compute_uv_, outputs);
  lint M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  dispatch_real(a.dtype(), "linalg::svd", [&](auto t) {
    using T = decltype(t);
    char job = compute_uv_ ? 'A' : 'N';
    std::vector<T> s(std::max<lint>(K, 1)), u(compute_uv_ ? M * M : 1),
        vt(compute_uv_ ? N * N : 1);
    std::vector<lint> iw(std::max<lint>(1, 8 * K));
    lint ldu = std::max<lint>(1, M), ldvt = std::max<lint>(1, N);
    // Workspace query once per shape.
    std::vector<T> probe(std::max<lint>(1, M * N));
    T wq = 0;
    lint info = 0;
    gesdd(job, M, N, probe.data(), s.data(), u.data(), ldu, vt.data(), ldvt, &wq, -1,
          iw.data(), &info);
    std::vector<T> work(std::max<lint>(1, static_cast<lint>(wq)));
    for_each_matrix<T>(a, [&](size_t b, T* m) {
      if (!nan_if_nonfinite(m, M * N, {&s, &u, &vt})) {
        lint inf = 0;
        gesdd(job, M, N, m, s.data(), u.data(), ldu, vt.data(), ldvt, work.data(),
              static_cast<lint>(work.size()), iw.data(), &inf);
        check_info(inf, "linalg::svd", "SVD did not converge.");
      }
      if (compute_uv_) {
        store(outputs[0], b, u.data(), M, M);
        std::copy(s.begin(), s.begin() + K, outputs[1].data<T>() + b * K);
        store(outputs[2], b, vt.data(), N, N);
      } else {
        std::copy(s.begin(), s.begin() + K, outputs[0].data<T>() + b * K);
      }
    });
  });
}

namespace {

void eigh_complex(const array& a, bool upper, bool vectors, std::vector<array>& outputs) {
  using C = complex64_t;
  lint n = a.shape(-1);
  char job = vectors ? 'V' : 'N';
  std::vector<float> w(std::max<lint>(n, 1));
  // The bounds for job 'V', which cover 'N'.
  lint lw = std::max<lint>(1, 2 * n + n * n);
  lint lrw = std::max<lint>(1, 1 + 5 * n + 2 * n * n);
  lint liw = std::max<lint>(1, 3 + 5 * n);
  std::vector<C> work(lw);
  std::vector<float> rw(lrw);
  std::vector<lint> iw(liw);
  for_each_matrix<C>(a, [&](size_t b, C* m) {
    if (all_finite(m, n * n)) {
      lint info = 0;
      heevd(job, upper ? 'U' : 'L', n, m, w.data(), work.data(), lw, rw.data(), lrw,
            iw.data(), liw, &info);
      check_info(info, "linalg::eigh", "Eigendecomposition did not converge.");
    } else {
      fill_nan(w);
      float q = std::numeric_limits<float>::quiet_NaN();
      std::fill(m, m + n * n, C(q, q));
    }
    std::copy(w.begin(), w.begin() + n, outputs[0].data<float>() + b * n);
    if (vectors) store(outputs[1], b, m, n, n);
  });
}

}  // namespace

void Eigh::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& a = inputs[0];
  alloc(outputs);
  if (a.dtype() == complex64) return eigh_complex(a, upper_, compute_vectors_, outputs);
  lint n = a.shape(-1);
  dispatch_real(a.dtype(), "linalg::eigh", [&](auto t) {
    using T = decltype(t);
    char job = compute_vectors_ ? 'V' : 'N';
    std::vector<T> w(std::max<lint>(n, 1));
    lint lw = std::max<lint>(1, 1 + 6 * n + 2 * n * n);
    lint liw = std::max<lint>(1, 3 + 5 * n);
    std::vector<T> work(lw);
    std::vector<lint> iw(liw);
    for_each_matrix<T>(a, [&](size_t b, T* m) {
      if (nan_if_nonfinite(m, n * n, {&w})) {
        std::fill(m, m + n * n, std::numeric_limits<T>::quiet_NaN());
      } else {
        lint info = 0;
        syevd(job, upper_ ? 'U' : 'L', n, m, w.data(), work.data(), lw, iw.data(), liw,
              &info);
        check_info(info, "linalg::eigh", "Eigendecomposition did not converge.");
      }
      std::copy(w.begin(), w.begin() + n, outputs[0].data<T>() + b * n);
      if (compute_vectors_) store(outputs[1], b, m, n, n);
    });
  });
}

namespace {

void eig_complex(const array& a, bool vectors, std::vector<array>& outputs) {
  using C = complex64_t;
  lint n = a.shape(-1);
  char job = vectors ? 'V' : 'N';
  std::vector<C> w(std::max<lint>(n, 1));
  std::vector<C> vr(vectors ? std::max<lint>(n * n, 1) : 1);
  std::vector<C> work(std::max<lint>(1, 2 * n + n * 64));
  std::vector<float> rw(std::max<lint>(1, 2 * n));
  for_each_matrix<C>(a, [&](size_t b, C* m) {
    if (all_finite(m, n * n)) {
      lint info = 0;
      geev(job, n, m, w.data(), vr.data(), work.data(), static_cast<lint>(work.size()),
           rw.data(), &info);
      check_info(info, "linalg::eig", "Eigendecomposition did not converge.");
    } else {
      fill_nan(w);
      fill_nan(vr);
    }
    std::copy(w.begin(), w.begin() + n, outputs[0].data<C>() + b * n);
    if (vectors) store(outputs[1], b, vr.data(), n, n);
  });
}

}  // namespace

void Eig::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& a = inputs[0];
  alloc(outputs);
  if (a.dtype() == complex64) return eig_complex(a, compute_vectors_, outputs);
  lint n = a.shape(-1);
  dispatch_real(a.dtype(), "linalg::eig", [&](auto t) {
    using T = decltype(t);
    char job = compute_vectors_ ? 'V' : 'N';
    std::vector<T> wr(std::max<lint>(n, 1)), wi(std::max<lint>(n, 1));
    std::vector<T> vr(compute_vectors_ ? std::max<lint>(n * n, 1) : 1);
    std::vector<T> work(std::max<lint>(1, 8 * n + n * 64));
    for_each_matrix<T>(a, [&](size_t b, T* m) {
      if (!nan_if_nonfinite(m, n * n, {&wr, &wi, &vr})) {
        lint info = 0;
        geev(job, n, m, wr.data(), wi.data(), vr.data(), work.data(),
             static_cast<lint>(work.size()), &info);
        check_info(info, "linalg::eig", "Eigendecomposition did not converge.");
      }
      auto* vals = outputs[0].data<complex64_t>() + b * n;
      for (lint i = 0; i < n; ++i) vals[i] = complex64_t(wr[i], wi[i]);
      if (!compute_vectors_) return;
      // geev packs a conjugate pair's vectors as (re, im) in two columns.
      auto* vec = outputs[1].data<complex64_t>() + b * n * n;
      for (lint j = 0; j < n; ++j) {
        bool pair = wi[j] != T(0) && j + 1 < n;
        for (lint i = 0; i < n; ++i) {
          if (pair) {
            T re = vr[j * n + i], im = vr[(j + 1) * n + i];
            vec[i * n + j] = complex64_t(re, im);
            vec[i * n + j + 1] = complex64_t(re, -im);
          } else {
            vec[i * n + j] = complex64_t(vr[j * n + i], 0);
          }
        }
        if (pair) ++j;
      }
    });
  });
}

void LUF::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& a = inputs[0];
  alloc(outputs);
  lint M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  dispatch_real(a.dtype(), "linalg::lu", [&](auto t) {
    using T = decltype(t);
    std::vector<lint> ipiv(std::max<lint>(K, 1));
    for_each_matrix<T>(a, [&](size_t b, T* m) {
      lint info = 0;
      if (K > 0) getrf(M, N, m, ipiv.data(), &info);
      // info > 0 means an exact zero pivot: the factorization is still valid.
      check_info(info < 0 ? info : 0, "linalg::lu", "");
      store(outputs[0], b, m, M, N);
      auto* piv = outputs[1].data<uint32_t>() + b * K;
      // rows[i]: the row of A that the swaps bring to position i (A[rows] = LU);
      // the output is its inverse, as MLX: (L U)[perm] = A.
      std::vector<uint32_t> rows(M);
      for (lint i = 0; i < M; ++i) rows[i] = static_cast<uint32_t>(i);
      for (lint i = 0; i < K; ++i) {
        piv[i] = static_cast<uint32_t>(ipiv[i] - 1);
        std::swap(rows[i], rows[ipiv[i] - 1]);
      }
      auto* perm = outputs[2].data<uint32_t>() + b * M;
      for (lint i = 0; i < M; ++i) perm[rows[i]] = static_cast<uint32_t>(i);
    });
  });
}

void Solve::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& a = inputs[0];
  const array& rhs = inputs[1];
  alloc(outputs);
  lint n = a.shape(-1), r = rhs.shape(-1);
  dispatch_real(a.dtype(), "linalg::solve", [&](auto t) {
    using T = decltype(t);
    std::vector<lint> ipiv(std::max<lint>(n, 1));
    // Column-major copies of every right-hand side, then one gesv per matrix.
    std::vector<std::vector<T>> bs;
    for_each_matrix<T>(rhs, [&](size_t, T* m) { bs.emplace_back(m, m + n * r); });
    for_each_matrix<T>(a, [&](size_t b, T* m) {
      lint info = 0;
      gesv(n, r, m, ipiv.data(), bs[b].data(), &info);
      check_info(info, "linalg::solve", "Matrix is singular.");
      store(outputs[0], b, bs[b].data(), n, r);
    });
  });
}

}  // namespace lumex::core
