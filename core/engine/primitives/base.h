// The Primitive interface: one subclass per operation kind. A primitive holds
// everything about its operation in one place: the CPU kernel call, the transform
// rules (written with ops so they can be transformed again) and its name.
#pragma once

#include <ostream>
#include <string>
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
  virtual void eval_gpu(const std::vector<array>& inputs,
                        std::vector<array>& outputs);

  /// Forward-mode rule: tangents of the outputs from tangents of inputs[argnums].
  virtual std::vector<array> jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums);
  /// Reverse-mode rule: cotangents of inputs[argnums]. `outputs` lets rules reuse results.
  virtual std::vector<array> vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>& outputs);
  /// Batching rule: outputs and their batch axes, given inputs batched along `axes` (-1: not batched).
  virtual std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes);

  virtual const char* name() const = 0;
  /// Parameters that distinguish instances (axes, shapes, ...), for graph introspection.
  virtual std::vector<std::pair<std::string, std::string>> params() const {
    return {};
  }
  /// True if `other` computes the same function (used to merge common subgraphs).
  virtual bool is_equivalent(const Primitive& other) const {
    return typeid(*this) == typeid(other);
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
  void eval_cpu(const std::vector<array>& inputs,
                std::vector<array>& outputs) final {
    eval_cpu(inputs, outputs[0]);
  }
};

/// Registry of primitive names, filled at static-init time by LUMEX_REGISTER_PRIMITIVE.
/// The transform-coverage test enumerates it.
std::vector<std::string>& primitive_registry();
struct PrimitiveRegistrar {
  explicit PrimitiveRegistrar(const char* name) {
    primitive_registry().emplace_back(name);
  }
};

#define LUMEX_CONCAT_(a, b) a##b
#define LUMEX_CONCAT(a, b) LUMEX_CONCAT_(a, b)
#define LUMEX_REGISTER_PRIMITIVE(NAME) \
  static ::lumex::core::PrimitiveRegistrar LUMEX_CONCAT(registrar_, NAME)(#NAME)

#define LUMEX_DEFINE_NAME(NAME) \
  const char* name() const override { return #NAME; }

}  // namespace lumex::core
