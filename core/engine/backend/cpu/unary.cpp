#include "engine/backend/cpu/elementwise.h"
#include "engine/backend/cpu/elementwise_ops.h"
#include "engine/backend/cpu/simd_math.h"
#include "engine/primitives.h"

namespace lumex::core {

using namespace cpu;

// Float-only ops: the op layer has already promoted integers to float32.
#define LUMEX_UNARY_INEXACT(NAME)                                         \
  void NAME::eval_cpu(const std::vector<array>& inputs, array& out) {     \
    unary_same<InexactType>(inputs[0], out, detail::NAME{}, #NAME);       \
  }
#define LUMEX_UNARY_REAL_FLOAT(NAME)                                      \
  void NAME::eval_cpu(const std::vector<array>& inputs, array& out) {     \
    unary_same<FloatType>(inputs[0], out, detail::NAME{}, #NAME);         \
  }
#define LUMEX_UNARY_ANY(NAME)                                             \
  void NAME::eval_cpu(const std::vector<array>& inputs, array& out) {     \
    unary_same<AnyType>(inputs[0], out, detail::NAME{}, #NAME);           \
  }
#define LUMEX_UNARY_BOOL(NAME)                                            \
  void NAME::eval_cpu(const std::vector<array>& inputs, array& out) {     \
    unary_to_bool(inputs[0], out, detail::NAME{});                        \
  }

LUMEX_UNARY_INEXACT(Sqrt)
LUMEX_UNARY_INEXACT(Rsqrt)
LUMEX_UNARY_INEXACT(Tan)
LUMEX_UNARY_INEXACT(ArcSin)
LUMEX_UNARY_INEXACT(ArcCos)
LUMEX_UNARY_INEXACT(ArcTan)
LUMEX_UNARY_INEXACT(Sinh)
LUMEX_UNARY_INEXACT(Cosh)
LUMEX_UNARY_INEXACT(ArcSinh)
LUMEX_UNARY_INEXACT(ArcCosh)
LUMEX_UNARY_INEXACT(ArcTanh)
LUMEX_UNARY_REAL_FLOAT(ErfInv)
LUMEX_UNARY_ANY(Negative)
LUMEX_UNARY_ANY(Sign)
LUMEX_UNARY_ANY(Square)
LUMEX_UNARY_ANY(Floor)
LUMEX_UNARY_ANY(Ceil)
LUMEX_UNARY_ANY(Trunc)
LUMEX_UNARY_ANY(Round)
LUMEX_UNARY_ANY(Conjugate)
LUMEX_UNARY_BOOL(LogicalNot)
LUMEX_UNARY_BOOL(IsNaN)
LUMEX_UNARY_BOOL(IsInf)
LUMEX_UNARY_BOOL(IsPosInf)
LUMEX_UNARY_BOOL(IsNegInf)

// Vectorized float32 kernels (also used for float16/bfloat16 through float).
#define LUMEX_UNARY_FAST(NAME, PRED, KERNEL)                                \
  void NAME::eval_cpu(const std::vector<array>& inputs, array& out) {       \
    unary_fast<PRED>(inputs[0], out, simd_math::KERNEL, detail::NAME{}, #NAME); \
  }
LUMEX_UNARY_FAST(Exp, InexactType, exp_f32)
LUMEX_UNARY_FAST(Expm1, InexactType, expm1_f32)
LUMEX_UNARY_FAST(Log1p, InexactType, log1p_f32)
LUMEX_UNARY_FAST(Sin, InexactType, sin_f32)
LUMEX_UNARY_FAST(Cos, InexactType, cos_f32)
LUMEX_UNARY_FAST(Tanh, InexactType, tanh_f32)
LUMEX_UNARY_FAST(Sigmoid, InexactType, sigmoid_f32)
LUMEX_UNARY_FAST(Erf, FloatType, erf_f32)

void BitwiseInvert::eval_cpu(const std::vector<array>& inputs, array& out) {
  unary_same<IntOrBoolType>(inputs[0], out, detail::BitwiseInvert{},
                            "BitwiseInvert");
}

void Abs::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  if (in.dtype() == complex64) {
    unary_loop<complex64_t, float>(
        in, out, [](complex64_t x) { return std::abs(x); });
  } else {
    unary_same<AnyType>(in, out, detail::Abs{}, "Abs");
  }
}

void Real::eval_cpu(const std::vector<array>& inputs, array& out) {
  unary_loop<complex64_t, float>(inputs[0], out,
                                 [](complex64_t x) { return x.real(); });
}

void Imag::eval_cpu(const std::vector<array>& inputs, array& out) {
  unary_loop<complex64_t, float>(inputs[0], out,
                                 [](complex64_t x) { return x.imag(); });
}

void Log::eval_cpu(const std::vector<array>& inputs, array& out) {
  switch (base_) {
    case Base::e:
      unary_fast<InexactType>(inputs[0], out, simd_math::log_f32, detail::Log{}, "Log");
      break;
    case Base::two:
      unary_same<InexactType>(inputs[0], out, detail::Log2{}, "Log2");
      break;
    case Base::ten:
      unary_same<InexactType>(inputs[0], out, detail::Log10{}, "Log10");
      break;
  }
}

}  // namespace lumex::core
