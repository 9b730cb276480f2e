// lumex.core.fast: MLX's fused ops. Custom GPU kernels exist as names that
// raise, since this build has neither Metal nor CUDA.
#include <deque>

#include <nanobind/stl/function.h>

#include "common.h"
#include "engine/ops.h"
#include "engine/ops/fast.h"

using namespace lx;

namespace {

/// nanobind keeps the docstring pointer; own the built strings.
const char* keep(std::string text) {
  static std::deque<std::string> store;
  return store.emplace_back(std::move(text)).c_str();
}

std::optional<array> opt_arr(const nb::object& h) {
  if (h.is_none()) return std::nullopt;
  return arr(h);
}

const char* kStreamDoc =
    "    stream (Stream | Device | None): Stream or device to run on.\n";

nb::object no_backend(const char* op, const char* backend) {
  std::string msg = std::string("[") + op + "] No " + backend +
                    " back-end: this build runs on the CPU, where custom " + backend +
                    " kernels cannot run.";
  return nb::cpp_function([msg](nb::args, nb::kwargs) -> nb::object {
    throw std::runtime_error(msg);
  });
}

void init_custom_kernels(nb::module_& m) {
  m.def("metal_kernel",
        [](const std::string&, const std::vector<std::string>&,
           const std::vector<std::string>&, const std::string&, const std::string&, bool,
           bool, std::optional<nb::dict> options) {
          if (options) {
            for (auto [key, value] : *options) {
              auto k = nb::cast<std::string>(key);
              if (k != "math_mode") {
                throw nb::value_error(
                    ("[metal_kernel] Unknown compile option '" + k + "'.").c_str());
              }
              auto v = nb::cast<std::string>(value);
              if (v != "safe" && v != "relaxed" && v != "fast") {
                throw nb::value_error(("[metal_kernel] math_mode must be 'safe', 'relaxed' "
                                       "or 'fast' but got '" + v + "'.").c_str());
              }
            }
          }
          return no_backend("metal_kernel", "Metal");
        },
        "name"_a, "input_names"_a, "output_names"_a, "source"_a, "header"_a = "",
        "ensure_row_contiguous"_a = true, "atomic_outputs"_a = false,
        "compile_options"_a = nb::none(),
        "A custom Metal kernel from source. The arguments are checked; calling the "
        "returned function raises RuntimeError, since this build has no Metal back-end.\n\n"
        "Returns:\n    Callable: A function that raises RuntimeError when called.");
  m.def("cuda_kernel",
        [](const std::string&, const std::vector<std::string>&,
           const std::vector<std::string>&, const std::string&, const std::string&, bool,
           int) { return no_backend("cuda_kernel", "CUDA"); },
        "name"_a, "input_names"_a, "output_names"_a, "source"_a, "header"_a = "",
        "ensure_row_contiguous"_a = true, "shared_memory"_a = 0,
        "A custom CUDA kernel from source. Calling the returned function raises "
        "RuntimeError, since this build has no CUDA back-end.\n\n"
        "Returns:\n    Callable: A function that raises RuntimeError when called.");
  m.def("precompiled_cuda_kernel",
        [](nb::kwargs) -> nb::object {
          throw std::runtime_error(
              "[precompiled_cuda_kernel] No CUDA back-end: this build runs on the CPU.");
        },
        nb::sig("def precompiled_cuda_kernel(*, name: str, compiled_source: bytes, "
                "inputs: Sequence[array], output_shapes: Sequence[Sequence[int]], "
                "output_dtypes: Sequence[Dtype], scalars: Sequence[object], "
                "grid: tuple[int, int, int], threadgroup: tuple[int, int, int], "
                "shared_memory: int = 0, init_value: float | None = None, "
                "ensure_row_contiguous: bool = False, stream: Stream | Device | None = None) "
                "-> list[array]"),
        "Run a precompiled CUDA kernel (PTX or cubin). Raises RuntimeError: this build "
        "has no CUDA back-end.");
}

}  // namespace

void init_fast(nb::module_& core) {
  auto m = core.def_submodule(
      "fast", "Fused operations: normalizations, rotary embeddings, attention and "
              "cross entropy, each one op with gradients and vmap.");

  m.def("rms_norm",
        [](const ScalarOrArray& x, const nb::object& w, float eps, StreamArg s) {
          lx::sites::PublicOp tag("fast.rms_norm");
          return fast::rms_norm(arr(x), opt_arr(w), eps, to_sod(s));
        },
        "x"_a, "weight"_a.none(), "eps"_a, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def rms_norm(x: array, weight: array | None, eps: float, *, "
                "stream: Stream | Device | None = None) -> array"),
        keep(std::string("Root mean square normalization over the last axis:\n"
                     "``x / sqrt(mean(x**2) + eps) * weight``, with the statistics in "
                     "float32.\n\nArgs:\n    x (array): Input array.\n"
                     "    weight (array, optional): Scale of the last axis's size, or None.\n"
                     "    eps (float): Added to the mean square for stability.\n") +
         kStreamDoc + "\nReturns:\n    array: The normalized array."));
  m.def("layer_norm",
        [](const ScalarOrArray& x, const nb::object& w, const nb::object& b, float eps,
           StreamArg s) {
          lx::sites::PublicOp tag("fast.layer_norm");
          return fast::layer_norm(arr(x), opt_arr(w), opt_arr(b), eps, to_sod(s));
        },
        "x"_a, "weight"_a.none(), "bias"_a.none(), "eps"_a, nb::kw_only(),
        "stream"_a = nb::none(),
        nb::sig("def layer_norm(x: array, weight: array | None, bias: array | None, "
                "eps: float, *, stream: Stream | Device | None = None) -> array"),
        keep(std::string("Layer normalization over the last axis:\n"
                     "``(x - mean) / sqrt(var + eps) * weight + bias``, with the statistics "
                     "in float32.\n\nArgs:\n    x (array): Input array.\n"
                     "    weight (array, optional): Scale of the last axis's size, or None.\n"
                     "    bias (array, optional): Offset of the last axis's size, or None.\n"
                     "    eps (float): Added to the variance for stability.\n") +
         kStreamDoc + "\nReturns:\n    array: The normalized array."));
  m.def("rope",
        [](const ScalarOrArray& a, int dims, bool traditional, std::optional<float> base,
           float scale, const nb::object& offset, const nb::object& freqs, StreamArg s) {
          lx::sites::PublicOp tag("fast.rope");
          fast::RopeOffset off = 0;
          if (nb::isinstance<array>(offset)) {
            off = nb::cast<array>(offset);
          } else {
            off = nb::cast<int>(offset);
          }
          return fast::rope(arr(a), dims, traditional, base, scale, off, opt_arr(freqs),
                            to_sod(s));
        },
        "a"_a, "dims"_a, nb::kw_only(), "traditional"_a, "base"_a.none(), "scale"_a,
        "offset"_a, "freqs"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def rope(a: array, dims: int, *, traditional: bool, base: float | None, "
                "scale: float, offset: int | array, freqs: array | None = None, "
                "stream: Stream | Device | None = None) -> array"),
        keep(std::string(
             "Rotary positional encoding of an input shaped ``(B, *, T, D)``.\n\n"
             "Args:\n    a (array): The input, at least 3-D.\n"
             "    dims (int): How many leading features to rotate (even, at most D).\n"
             "    traditional (bool): Rotate consecutive pairs instead of the two halves.\n"
             "    base (float, optional): Base of the angular frequencies ``base**(-2i/dims)``.\n"
             "    scale (float): Multiplies the positions.\n"
             "    offset (int or array): First position: an int, a scalar array, or one "
             "integer per batch element.\n"
             "    freqs (array, optional): ``dims // 2`` frequencies to use instead of "
             "``base`` (exactly one of the two is given).\n") +
         kStreamDoc + "\nReturns:\n    array: The rotated array."));
  m.def("scaled_dot_product_attention",
        [](const ScalarOrArray& q, const ScalarOrArray& k, const ScalarOrArray& v,
           float scale, const nb::object& mask, const nb::object& sinks, bool,
           StreamArg s) {
          lx::sites::PublicOp tag("fast.scaled_dot_product_attention");
          fast::AttentionMask m;
          if (nb::isinstance<nb::str>(mask)) {
            m = nb::cast<std::string>(mask);
          } else if (!mask.is_none()) {
            m = arr(mask);
          }
          return fast::scaled_dot_product_attention(arr(q), arr(k), arr(v), scale, m,
                                                    opt_arr(sinks), to_sod(s));
        },
        "q"_a, "k"_a, "v"_a, nb::kw_only(), "scale"_a, "mask"_a = nb::none(),
        "sinks"_a = nb::none(), "force_fused"_a = false, "stream"_a = nb::none(),
        nb::sig("def scaled_dot_product_attention(q: array, k: array, v: array, *, "
                "scale: float, mask: None | str | array = None, sinks: array | None = None, "
                "force_fused: bool = False, stream: Stream | Device | None = None) -> array"),
        keep(std::string(
             "Multi-head attention ``softmax(scale * q @ k.T + mask) @ v``, with the "
             "softmax in float32.\n\n"
             "``k`` and ``v`` may have fewer heads than ``q`` (grouped-query and "
             "multi-query attention; they are not tiled).\n\n"
             "Args:\n    q (array): Queries ``(B, N_q, T_q, D)``.\n"
             "    k (array): Keys ``(B, N_kv, T_kv, D)``.\n"
             "    v (array): Values ``(B, N_kv, T_kv, D_v)``.\n"
             "    scale (float): Multiplies the scores (usually ``D**-0.5``).\n"
             "    mask (str or array, optional): ``\"causal\"`` (lower-right aligned), a "
             "boolean mask (False drops a score) or an additive one, broadcastable to "
             "``(B, N_q, T_q, T_kv)``. A fully masked row averages the values.\n"
             "    sinks (array, optional): One logit per query head that takes "
             "probability mass but contributes no value.\n"
             "    force_fused (bool): Accepted for MLX compatibility.\n") +
         kStreamDoc + "\nReturns:\n    array: The attention output ``(B, N_q, T_q, D_v)``."));
  m.def("cross_entropy",
        [](const ScalarOrArray& logits, const ScalarOrArray& targets, StreamArg s) {
          lx::sites::PublicOp tag("fast.cross_entropy");
          return fast::cross_entropy(arr(logits), arr(targets), to_sod(s));
        },
        "logits"_a, "targets"_a, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def cross_entropy(logits: array, targets: array, *, "
                "stream: Stream | Device | None = None) -> array"),
        keep(std::string("Cross entropy with class indices as targets: "
                     "``logsumexp(logits, -1) - logits[..., targets]``.\n\n"
                     "Args:\n    logits (array): Unnormalized logits; classes on the last axis.\n"
                     "    targets (array): Integer class indices, shaped like ``logits`` "
                     "without its last axis.\n") +
         kStreamDoc + "\nReturns:\n    array: The float32 loss, shaped like ``targets``."));
  m.def("gated_delta_update",
        [](const array& q, const array& k, const array& v, const array& gamma,
           const array& beta, std::optional<array> initial_state, std::optional<array> mask,
           StreamArg s) {
          lx::sites::PublicOp tag("fast.gated_delta_update");
          return fast::gated_delta_update(q, k, v, gamma, beta, initial_state, mask, to_sod(s));
        },
        "q"_a, "k"_a, "v"_a, "gamma"_a, "beta"_a, "initial_state"_a = nb::none(),
        "mask"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def gated_delta_update(q: array, k: array, v: array, gamma: array, "
                "beta: array, initial_state: array | None = None, mask: array | None = None, "
                "stream: Stream | Device | None = None) -> list[array]"),
        keep(std::string("Gated delta network forward pass.\n\n"
                     "Per step t and value head h (query/key head ``h // (Hv // Hk)``), with "
                     "the state ``S`` of shape ``(Dv, Dk)``: ``S = gamma_t * S``; "
                     "``S = S + beta_t * outer(v_t - S @ k_t, k_t)``; ``out_t = S @ q_t``. "
                     "A step where ``mask`` is false keeps the state and outputs zeros. The "
                     "state is kept in float32.\n\n"
                     "Args:\n    q (array): Queries ``[B, T, Hk, Dk]``.\n"
                     "    k (array): Keys ``[B, T, Hk, Dk]``.\n"
                     "    v (array): Values ``[B, T, Hv, Dv]``.\n"
                     "    gamma (array): Decay rates in linear space ``[B, T, Hv]``.\n"
                     "    beta (array): Delta update rates ``[B, T, Hv]``.\n"
                     "    initial_state (array, optional): ``[B, Hv, Dv, Dk]``; zeros by "
                     "default.\n"
                     "    mask (array, optional): ``[B, T]``, false for steps to skip.\n") +
         kStreamDoc + "\nReturns:\n    list(array): ``[output [B, T, Hv, Dv], final_state "
                      "[B, Hv, Dv, Dk]]``."));
  init_custom_kernels(m);
}
