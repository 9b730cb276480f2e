// The Primitive interface: one subclass per operation kind. A primitive is declared
// once (primitives/<family>.h: name, parameters, LUMEX_EVAL and LUMEX_TRANSFORM_RULES),
// its rules and its registration sit together in primitives/<family>.cpp (rules are
// written with ops so they can be transformed again), and its kernels are the
// backends' eval_cpu (backend/cpu/) and eval_gpu (backend/no_gpu/ until a GPU
// backend exists).
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

class Primitive {
 public:
  explicit Primitive(Stream stream) : stream_(stream) {}
  virtual ~Primitive() = default;
  Primitive(const Primitive&) = delete;
  Primitive& operator=(const Primitive&) = delete;

  /// Computes the outputs (already shaped and typed) from available inputs.
  virtual void eval_cpu(const std::vector<array>& inputs,
                        std::vector<array>& outputs) = 0;
  /// The same on a GPU stream. Declared by LUMEX_EVAL; this default (for classes
  /// declared without it) throws like the no-GPU build does.
  virtual void eval_gpu(const std::vector<array>& inputs,
                        std::vector<array>& outputs);

  // Transform rules. All are written with ops (never kernels), so their results
  // can be transformed again. Integer/bool-valued primitives return zeros.
  //
  /// Forward mode: tangents[i] belongs to primals[argnums[i]] (same shape). Returns
  /// one tangent per output, each with that output's shape.
  virtual std::vector<array> jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums);
  /// Reverse mode: one cotangent per output (zeros where the caller had none).
  /// Returns one cotangent per entry of argnums, shaped and typed like that primal.
  /// `outputs` are this primitive's outputs, for rules that reuse them.
  virtual std::vector<array> vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>& outputs);
  /// Batching: axes[i] is the batch axis of inputs[i], or -1 if it is not batched
  /// (at least one is). Returns the outputs and the batch axis of each (-1: none).
  virtual std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes);

  virtual const char* name() const = 0;
  /// Parameters that distinguish instances (axes, shapes, ...), for graph introspection.
  virtual std::vector<std::pair<std::string, std::string>> params() const {
    return {};
  }
  /// The output shapes for inputs shaped other than when the node was made (a
  /// shapeless compile's replay). Empty when the class cannot tell: the caller then
  /// traces again. Throws std::invalid_argument for inputs the op would reject.
  virtual std::vector<Shape> output_shapes(const std::vector<array>& inputs) const {
    return {};
  }
  /// True if `other` computes the same function (for merging common subgraphs):
  /// by default the same class reporting the same name and parameters; classes
  /// override it to compare their fields directly.
  virtual bool is_equivalent(const Primitive& other) const {
    return typeid(*this) == typeid(other) && std::string(name()) == other.name() &&
           params() == other.params();
  }

  const Stream& stream() const { return stream_; }

 private:
  Stream stream_;
};

/// A primitive with exactly one output.
class UnaryPrimitive : public Primitive {
 public:
  using Primitive::Primitive;
  virtual void eval_cpu(const std::vector<array>& inputs, array& out) = 0;
  virtual void eval_gpu(const std::vector<array>& inputs, array& out);
  void eval_cpu(const std::vector<array>& inputs,
                std::vector<array>& outputs) final {
    eval_cpu(inputs, outputs[0]);
  }
  void eval_gpu(const std::vector<array>& inputs,
                std::vector<array>& outputs) final {
    eval_gpu(inputs, outputs[0]);
  }
};

/// Parameters as params() reports them (name, value as text; primitives/params.h
/// has the one spelling per type).
using PrimitiveParams = std::vector<std::pair<std::string, std::string>>;
/// Makes a primitive from the name it reports and its parameters (see make_primitive).
using PrimitiveFactory =
    std::function<std::shared_ptr<Primitive>(Stream, const std::string&, const PrimitiveParams&)>;

/// What the registry knows about one primitive class: its name and which transform
/// rules it defines (detected at compile time: a rule counts when the class or one
/// of its bases below Primitive overrides it). Rules a primitive deliberately lacks
/// are recorded with a reason through LUMEX_RULE_EXEMPT.
struct PrimitiveInfo {
  std::string name;
  /// The names its instances report: the class name, or one per variant for a
  /// class whose name() says which (Reduce: Sum, Prod, ...; Log: Log, Log2, Log10).
  std::vector<std::string> names;
  bool has_jvp;
  bool has_vjp;
  bool has_vmap;
  /// Set for a class constructible from a Stream alone (no parameters), or one
  /// with `static std::shared_ptr<Primitive> from_params(Stream, const PrimitiveParams&)`
  /// (variant classes: `from_params(Stream, const std::string& name, const PrimitiveParams&)`).
  PrimitiveFactory make;
};
std::vector<PrimitiveInfo>& primitive_registry();
/// The registry entry whose instances may be called `name`, or null.
const PrimitiveInfo* find_primitive(const std::string& name);
/// The registered primitive called `name` (what its name() reports) rebuilt from
/// `params` as its params() gives them: what importing a saved graph needs. The
/// result reports exactly that name and those parameters. Throws
/// std::invalid_argument for an unknown name, a class without a factory, or
/// parameters it does not take.
std::shared_ptr<Primitive> make_primitive(const std::string& name, Stream stream,
                                          const PrimitiveParams& params);
/// (primitive name, rule name) -> why that rule is absent.
std::vector<std::pair<std::pair<std::string, std::string>, std::string>>&
rule_exemptions();

[[noreturn]] void throw_bad_params(const std::string& name, const PrimitiveParams& params);

template <typename P>
struct PrimitiveRegistrar {
  explicit PrimitiveRegistrar(const char* name, std::vector<std::string> names = {}) {
    PrimitiveFactory make;
    if constexpr (requires(Stream s, const std::string& n, const PrimitiveParams& p) {
                    P::from_params(s, n, p);
                  }) {
      make = [](Stream s, const std::string& n, const PrimitiveParams& p)
          -> std::shared_ptr<Primitive> { return P::from_params(s, n, p); };
    } else if constexpr (requires(Stream s, const PrimitiveParams& p) { P::from_params(s, p); }) {
      make = [](Stream s, const std::string&, const PrimitiveParams& p)
          -> std::shared_ptr<Primitive> { return P::from_params(s, p); };
    } else if constexpr (std::is_constructible_v<P, Stream>) {
      // Parameters with defaults give only the default instance: make_primitive
      // checks the result reports the parameters asked for.
      make = [](Stream s, const std::string&, const PrimitiveParams&)
          -> std::shared_ptr<Primitive> { return std::make_shared<P>(s); };
    }
    if (names.empty()) names.push_back(name);
    // &P::rule has type `R (Primitive::*)(...)` exactly when nothing below
    // Primitive overrides it.
    primitive_registry().push_back(PrimitiveInfo{
        name, std::move(names),
        !std::is_same_v<decltype(&P::jvp), decltype(&Primitive::jvp)>,
        !std::is_same_v<decltype(&P::vjp), decltype(&Primitive::vjp)>,
        !std::is_same_v<decltype(&P::vmap), decltype(&Primitive::vmap)>,
        std::move(make)});
  }
};
struct RuleExemption {
  RuleExemption(const char* prim, const char* rule, const char* reason) {
    rule_exemptions().push_back({{prim, rule}, reason});
  }
};

#define LUMEX_CONCAT_(a, b) a##b
#define LUMEX_CONCAT(a, b) LUMEX_CONCAT_(a, b)
#define LUMEX_REGISTER_PRIMITIVE(NAME)                            \
  static ::lumex::core::PrimitiveRegistrar<NAME> LUMEX_CONCAT( \
      registrar_, NAME)(#NAME)
/// For a class whose instances report one name per variant (see PrimitiveInfo::names).
#define LUMEX_REGISTER_VARIANTS(NAME, ...)                        \
  static ::lumex::core::PrimitiveRegistrar<NAME> LUMEX_CONCAT( \
      registrar_, NAME)(#NAME, {__VA_ARGS__})
/// Documents a rule a primitive does not have (RULE is "jvp", "vjp" or "vmap").
#define LUMEX_RULE_EXEMPT(NAME, RULE, REASON)                        \
  static ::lumex::core::RuleExemption LUMEX_CONCAT(                  \
      exempt_##NAME##_, RULE)(#NAME, #RULE, REASON)

// Declares a primitive's kernels: eval_cpu (backend/cpu/) and eval_gpu (a GPU
// backend; backend/no_gpu/eval_gpu.cpp in a build without one). LUMEX_EVAL for
// one output, LUMEX_EVAL_MULTI for several.
#define LUMEX_EVAL                                                        \
  void eval_cpu(const std::vector<array>& inputs, array& out) override; \
  void eval_gpu(const std::vector<array>& inputs, array& out) override;
#define LUMEX_EVAL_MULTI                                                  \
  void eval_cpu(const std::vector<array>& inputs,                        \
                std::vector<array>& outputs) override;                   \
  void eval_gpu(const std::vector<array>& inputs,                        \
                std::vector<array>& outputs) override;

// Declares a primitive's derivative rules, jvp and vjp (defined in its .cpp), for a
// class that inherits its vmap.
#define LUMEX_GRAD_RULES                                                      \
  std::vector<array> jvp(const std::vector<array>& primals,                   \
                         const std::vector<array>& tangents,                  \
                         const std::vector<int>& argnums) override;           \
  std::vector<array> vjp(const std::vector<array>& primals,                   \
                         const std::vector<array>& cotangents,                \
                         const std::vector<int>& argnums,                     \
                         const std::vector<array>& outputs) override;
// Declares the three transform rules of a primitive (defined in its .cpp).
#define LUMEX_TRANSFORM_RULES                                                 \
  LUMEX_GRAD_RULES                                                            \
  std::pair<std::vector<array>, std::vector<int>> vmap(                       \
      const std::vector<array>& inputs, const std::vector<int>& axes) override;

/// Declares the factory make_primitive uses for a class with parameters (defined
/// next to its rules, usually with a ParamReader from primitives/params.h).
#define LUMEX_FROM_PARAMS \
  static std::shared_ptr<Primitive> from_params(Stream s, const PrimitiveParams& params);
/// The same for a class with variants: `name` says which.
#define LUMEX_FROM_NAME_AND_PARAMS                                            \
  static std::shared_ptr<Primitive> from_params(Stream s, const std::string& name, \
                                                const PrimitiveParams& params);
/// Declares params() (written with param_text, primitives/params.h) together with the
/// factory that reads it back, both defined in the family's .cpp: what a primitive
/// reports is what make_primitive rebuilds it from.
#define LUMEX_PARAMS                                                        \
  std::vector<std::pair<std::string, std::string>> params() const override; \
  LUMEX_FROM_PARAMS
/// The same for a class with variants (LUMEX_REGISTER_VARIANTS).
#define LUMEX_VARIANT_PARAMS                                                \
  std::vector<std::pair<std::string, std::string>> params() const override; \
  LUMEX_FROM_NAME_AND_PARAMS

#define LUMEX_DEFINE_NAME(NAME) \
  const char* name() const override { return #NAME; }

}  // namespace lumex::core
