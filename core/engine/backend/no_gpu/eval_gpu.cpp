// The GPU kernels of a build without a GPU backend: every eval_gpu raises. A GPU
// backend replaces this file with its own definitions (one per primitive, the same
// list), so a primitive it lacks is a link error rather than a runtime surprise.
#include <stdexcept>
#include <string>

#include "engine/primitives.h"
#include "engine/primitives/conv.h"
#include "engine/primitives/depends.h"
#include "engine/primitives/fast.h"
#include "engine/primitives/hadamard.h"
#include "engine/primitives/quantized.h"

namespace lumex::core {

namespace {
[[noreturn]] void no_gpu(const char* name) {
  throw std::runtime_error(std::string("[") + name + "] No GPU backend in this build.");
}
}  // namespace

#define LUMEX_NO_GPU(NAME) \
  void NAME::eval_gpu(const std::vector<array>&, array&) { no_gpu(name()); }
#define LUMEX_NO_GPU_MULTI(NAME)                                         \
  void NAME::eval_gpu(const std::vector<array>&, std::vector<array>&) { \
    no_gpu(name());                                                      \
  }

LUMEX_NO_GPU(Placeholder)
LUMEX_NO_GPU(Log)
LUMEX_NO_GPU(Equal)
LUMEX_NO_GPU(AsType)
LUMEX_NO_GPU(Abs)
LUMEX_NO_GPU(Negative)
LUMEX_NO_GPU(Sign)
LUMEX_NO_GPU(Square)
LUMEX_NO_GPU(Sqrt)
LUMEX_NO_GPU(Rsqrt)
LUMEX_NO_GPU(Exp)
LUMEX_NO_GPU(Expm1)
LUMEX_NO_GPU(Log1p)
LUMEX_NO_GPU(Sin)
LUMEX_NO_GPU(Cos)
LUMEX_NO_GPU(Tan)
LUMEX_NO_GPU(ArcSin)
LUMEX_NO_GPU(ArcCos)
LUMEX_NO_GPU(ArcTan)
LUMEX_NO_GPU(Sinh)
LUMEX_NO_GPU(Cosh)
LUMEX_NO_GPU(Tanh)
LUMEX_NO_GPU(ArcSinh)
LUMEX_NO_GPU(ArcCosh)
LUMEX_NO_GPU(ArcTanh)
LUMEX_NO_GPU(Sigmoid)
LUMEX_NO_GPU(Erf)
LUMEX_NO_GPU(ErfInv)
LUMEX_NO_GPU(Floor)
LUMEX_NO_GPU(Ceil)
LUMEX_NO_GPU(Real)
LUMEX_NO_GPU(Imag)
LUMEX_NO_GPU(Conjugate)
LUMEX_NO_GPU(LogicalNot)
LUMEX_NO_GPU(BitwiseInvert)
LUMEX_NO_GPU(IsNaN)
LUMEX_NO_GPU(IsInf)
LUMEX_NO_GPU(IsPosInf)
LUMEX_NO_GPU(IsNegInf)
LUMEX_NO_GPU(StopGradient)
LUMEX_NO_GPU(Add)
LUMEX_NO_GPU(Subtract)
LUMEX_NO_GPU(Multiply)
LUMEX_NO_GPU(Divide)
LUMEX_NO_GPU(FloorDivide)
LUMEX_NO_GPU(Remainder)
LUMEX_NO_GPU(Power)
LUMEX_NO_GPU(Maximum)
LUMEX_NO_GPU(Minimum)
LUMEX_NO_GPU(ArcTan2)
LUMEX_NO_GPU(LogAddExp)
LUMEX_NO_GPU(NotEqual)
LUMEX_NO_GPU(Greater)
LUMEX_NO_GPU(GreaterEqual)
LUMEX_NO_GPU(Less)
LUMEX_NO_GPU(LessEqual)
LUMEX_NO_GPU(LogicalAnd)
LUMEX_NO_GPU(LogicalOr)
LUMEX_NO_GPU(BitwiseAnd)
LUMEX_NO_GPU(BitwiseOr)
LUMEX_NO_GPU(BitwiseXor)
LUMEX_NO_GPU(LeftShift)
LUMEX_NO_GPU(RightShift)
LUMEX_NO_GPU(Select)
LUMEX_NO_GPU(Round)
LUMEX_NO_GPU(FFT)
LUMEX_NO_GPU(Fused)
LUMEX_NO_GPU(Gather)
LUMEX_NO_GPU(Scatter)
LUMEX_NO_GPU(SliceUpdate)
LUMEX_NO_GPU(GatherAxis)
LUMEX_NO_GPU(ScatterAxis)
LUMEX_NO_GPU(Matmul)
LUMEX_NO_GPU(AddMM)
LUMEX_NO_GPU(RandomBits)
LUMEX_NO_GPU(Reduce)
LUMEX_NO_GPU(ArgReduce)
LUMEX_NO_GPU(Scan)
LUMEX_NO_GPU(Softmax)
LUMEX_NO_GPU(LogSumExp)
LUMEX_NO_GPU(Median)
LUMEX_NO_GPU(Broadcast)
LUMEX_NO_GPU(Reshape)
LUMEX_NO_GPU(Transpose)
LUMEX_NO_GPU(Contiguous)
LUMEX_NO_GPU(Full)
LUMEX_NO_GPU(Arange)
LUMEX_NO_GPU(Slice)
LUMEX_NO_GPU(Concatenate)
LUMEX_NO_GPU(Pad)
LUMEX_NO_GPU(AsStrided)
LUMEX_NO_GPU(View)
LUMEX_NO_GPU(Sort)
LUMEX_NO_GPU(ArgSort)
LUMEX_NO_GPU(Partition)
LUMEX_NO_GPU(ArgPartition)
LUMEX_NO_GPU(SearchSorted)
LUMEX_NO_GPU(Convolution)
LUMEX_NO_GPU(RMSNorm)
LUMEX_NO_GPU(LayerNorm)
LUMEX_NO_GPU(Hadamard)
LUMEX_NO_GPU(Dequantize)
LUMEX_NO_GPU(ToFP8)
LUMEX_NO_GPU(FromFP8)
LUMEX_NO_GPU(QuantizedMatmul)

LUMEX_NO_GPU_MULTI(CustomTransforms)
LUMEX_NO_GPU_MULTI(DivMod)
LUMEX_NO_GPU_MULTI(Inverse)
LUMEX_NO_GPU_MULTI(Cholesky)
LUMEX_NO_GPU_MULTI(QRF)
LUMEX_NO_GPU_MULTI(SVD)
LUMEX_NO_GPU_MULTI(Eigh)
LUMEX_NO_GPU_MULTI(Eig)
LUMEX_NO_GPU_MULTI(LUF)
LUMEX_NO_GPU_MULTI(Solve)
LUMEX_NO_GPU_MULTI(Quantize)
LUMEX_NO_GPU_MULTI(Depends)
LUMEX_NO_GPU_MULTI(ScaledDotProductAttention)
LUMEX_NO_GPU_MULTI(ScaledDotProductAttentionVJP)

}  // namespace lumex::core
