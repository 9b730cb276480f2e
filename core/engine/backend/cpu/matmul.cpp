// CPU kernels for Matmul and AddMM: BLAS gemm on the operands' own memory when
// their layout allows (row-major or transposed, any leading dimension), a compact
// copy otherwise. Broadcast batch dims (stride 0) are never materialized.
#include <algorithm>
#include <climits>
#include <memory>

#include "engine/backend/cpu/gemm.h"
#include "engine/backend/cpu/kernel_utils.h"
#include "engine/backend/cpu/parallel.h"
#include "engine/primitives.h"

namespace lumex::core {

namespace {

using cpu::cast;
using cpu::gemm;
using cpu::gemm_t;
using cpu::Scratch;

/// One gemm operand: element (i, j) of batch matrix b is
/// ptr[batch_offset(b) + (trans ? j * ld + i : i * ld + j)].
template <typename C>
struct Operand {
  const C* ptr = nullptr;
  Strides batch_strides;
  bool trans = false;
  int64_t ld = 1;
  std::unique_ptr<Scratch> scratch;
};

/// Whether an R x Cc matrix with element strides (sr, sc) is a BLAS matrix
/// (row-major with leading dimension ld, or its transpose).
bool blas_layout(int64_t R, int64_t Cc, int64_t sr, int64_t sc, bool& trans,
                 int64_t& ld) {
  if ((sc == 1 || Cc <= 1) && (R <= 1 || sr >= std::max<int64_t>(Cc, 1))) {
    trans = false;
    ld = R <= 1 ? std::max<int64_t>(Cc, 1) : sr;
    return ld <= INT_MAX;
  }
  if ((sr == 1 || R <= 1) && (Cc <= 1 || sc >= std::max<int64_t>(R, 1))) {
    trans = true;
    ld = Cc <= 1 ? std::max<int64_t>(R, 1) : sc;
    return ld <= INT_MAX;
  }
  return false;
}

template <typename T, typename C>
Operand<C> prepare(const array& x) {
  Operand<C> op;
  int nd = x.ndim();
  int64_t R = x.shape(nd - 2), Cc = x.shape(nd - 1);
  op.batch_strides.assign(x.strides().begin(), x.strides().end() - 2);
  if constexpr (std::is_same_v<T, C>) {
    if (blas_layout(R, Cc, x.strides(nd - 2), x.strides(nd - 1), op.trans,
                    op.ld)) {
      op.ptr = x.data<C>();
      return op;
    }
  }
  // Compact row-major copy in C; broadcast batch dims stay broadcast.
  Shape cshape(x.shape());
  for (int d = 0; d < nd - 2; ++d) {
    if (x.strides(d) == 0) cshape[d] = 1;
  }
  Strides cstrides = row_strides(cshape);
  op.scratch = std::make_unique<Scratch>(shape_size(cshape) * sizeof(C));
  C* dst = op.scratch->template as<C>();
  const T* src = x.data<T>();
  cpu::strided_for_each<2>(cshape, {&x.strides(), &cstrides},
                           [&](const auto& off, int64_t n, const auto& st) {
                             const T* s = src + off[0];
                             C* d = dst + off[1];
                             for (int64_t i = 0; i < n; ++i) {
                               d[i * st[1]] = cast<C>(s[i * st[0]]);
                             }
                           });
  for (int d = 0; d < nd - 2; ++d) {
    op.batch_strides[d] = x.strides(d) == 0 ? 0 : cstrides[d];
  }
  op.ptr = dst;
  op.trans = false;
  op.ld = std::max<int64_t>(Cc, 1);
  return op;
}

/// True if a's batch dims and row dim walk memory with one uniform row stride,
/// so the whole batch is one (B*M) x K row-major matrix.
bool foldable_rows(const Shape& shape, const Strides& bstrides, int64_t ld) {
  int nd = static_cast<int>(shape.size());
  int64_t expect = ld;  // stride of the next-outer dim if uniform
  int64_t span = shape[nd - 2];
  for (int d = nd - 3; d >= 0; --d) {
    if (shape[d] == 1) continue;
    if (bstrides[d] != expect * span) return false;
    expect = bstrides[d];
    span = shape[d];
  }
  return true;
}

/// Matmul (beta = 0, no c) or AddMM (c given) into `out`, storage type T.
template <typename T>
void matmul_impl(const array& a, const array& b, const array* c, float alpha_f,
                 float beta_f, array& out) {
  using C = gemm_t<T>;
  out.set_data(allocator::malloc(out.nbytes()));
  int nd = out.ndim();
  int64_t M = out.shape(nd - 2), N = out.shape(nd - 1), K = a.shape(nd - 1);
  if (out.size() == 0) return;
  if (M > INT_MAX || N > INT_MAX || K > INT_MAX) {
    throw std::invalid_argument("[matmul] Matrix dimensions exceed 2^31 - 1.");
  }
  C alpha = static_cast<C>(alpha_f);
  C beta = static_cast<C>(beta_f);
  if (!c) beta = C(0);

  // Where gemm writes: the output itself, or a C-typed scratch for half types.
  std::unique_ptr<Scratch> obuf;
  C* dst;
  if constexpr (std::is_same_v<T, C>) {
    dst = out.data<C>();
  } else {
    obuf = std::make_unique<Scratch>(out.size() * sizeof(C));
    dst = obuf->template as<C>();
  }

  // Initialize with c when it contributes.
  if (c && beta != C(0)) {
    Strides ostrides = row_strides(out.shape());
    const T* src = c->data<T>();
    cpu::strided_for_each<2>(out.shape(), {&c->strides(), &ostrides},
                             [&](const auto& off, int64_t n, const auto& st) {
                               const T* s = src + off[0];
                               C* d = dst + off[1];
                               for (int64_t i = 0; i < n; ++i) {
                                 d[i] = cast<C>(s[i * st[0]]);
                               }
                             });
  }

  if (K == 0 || (c && alpha == C(0))) {
    // Nothing to multiply: out = beta * c (or zeros).
    size_t n = out.size();
    if (beta == C(0)) {
      std::fill(dst, dst + n, C(0));
    } else if (beta != C(1)) {
      for (size_t i = 0; i < n; ++i) dst[i] = static_cast<C>(beta * dst[i]);
    }
  } else {
    auto A = prepare<T, C>(a);
    auto B = prepare<T, C>(b);
    Shape bshape(out.shape().begin(), out.shape().end() - 2);
    size_t nbatch = shape_size(bshape);
    bool b_fixed = true;  // the same b matrix for every batch
    for (size_t d = 0; d < bshape.size(); ++d) {
      if (bshape[d] != 1 && B.batch_strides[d] != 0) b_fixed = false;
    }
    if (nbatch > 1 && b_fixed && !A.trans &&
        foldable_rows(a.shape(), A.batch_strides, A.ld) &&
        static_cast<int64_t>(nbatch) * M <= INT_MAX) {
      // One tall gemm instead of nbatch small ones.
      gemm<C>(false, B.trans, static_cast<int64_t>(nbatch) * M, N, K, alpha,
              A.ptr, A.ld, B.ptr, B.ld, beta, dst, N);
    } else {
      int nb = static_cast<int>(bshape.size());
      std::vector<int64_t> idx(nb, 0);
      int64_t oa = 0, ob = 0;
      for (size_t i = 0; i < nbatch; ++i) {
        gemm<C>(A.trans, B.trans, M, N, K, alpha, A.ptr + oa, A.ld, B.ptr + ob,
                B.ld, beta, dst + i * M * N, N);
        for (int d = nb - 1; d >= 0; --d) {
          oa += A.batch_strides[d];
          ob += B.batch_strides[d];
          if (++idx[d] < bshape[d]) break;
          oa -= A.batch_strides[d] * bshape[d];
          ob -= B.batch_strides[d] * bshape[d];
          idx[d] = 0;
        }
      }
    }
  }

  if constexpr (!std::is_same_v<T, C>) {
    T* o = out.data<T>();
    size_t n = out.size();
    for (size_t i = 0; i < n; ++i) o[i] = cast<T>(dst[i]);
  }
}

template <typename F>
void dispatch_matmul(Dtype d, const char* op, F&& f) {
  dispatch_dtype(d, [&](auto t) {
    using T = decltype(t);
    if constexpr (std::is_same_v<T, bool>) {
      throw std::invalid_argument(
          msg("[", op, "] Unsupported dtype ", dtype_name(d), "."));
    } else {
      f(t);
    }
  });
}

}  // namespace

void Matmul::eval_cpu(const std::vector<array>& inputs, array& out) {
  dispatch_matmul(out.dtype(), "matmul", [&](auto t) {
    matmul_impl<decltype(t)>(inputs[0], inputs[1], nullptr, 1.0f, 0.0f, out);
  });
}

void AddMM::eval_cpu(const std::vector<array>& inputs, array& out) {
  dispatch_matmul(out.dtype(), "addmm", [&](auto t) {
    matmul_impl<decltype(t)>(inputs[1], inputs[2], &inputs[0], alpha_, beta_,
                             out);
  });
}

}  // namespace lumex::core
