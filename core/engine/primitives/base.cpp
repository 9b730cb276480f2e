#include "engine/primitives/base.h"

#include <stdexcept>

namespace lumex::core {

std::vector<PrimitiveInfo>& primitive_registry() {
  static std::vector<PrimitiveInfo> infos;
  return infos;
}

std::vector<std::pair<std::pair<std::string, std::string>, std::string>>&
rule_exemptions() {
  static std::vector<std::pair<std::pair<std::string, std::string>, std::string>>
      reasons;
  return reasons;
}

void Primitive::eval_gpu(const std::vector<array>&, std::vector<array>&) {
  throw std::runtime_error(std::string("[") + name() +
                           "] No GPU backend in this build.");
}

void UnaryPrimitive::eval_gpu(const std::vector<array>& inputs, array& out) {
  std::vector<array> outputs{out};
  Primitive::eval_gpu(inputs, outputs);
}

void throw_bad_params(const std::string& name, const PrimitiveParams& params) {
  std::string text;
  for (auto& [k, v] : params) text += (text.empty() ? "" : ", ") + k + "=" + v;
  throw std::invalid_argument("[make_primitive] " + name + " cannot be made with parameters (" +
                              text + ").");
}

const PrimitiveInfo* find_primitive(const std::string& name) {
  for (auto& info : primitive_registry()) {
    for (auto& n : info.names) {
      if (n == name) return &info;
    }
  }
  return nullptr;
}

std::shared_ptr<Primitive> make_primitive(const std::string& name, Stream stream,
                                          const PrimitiveParams& params) {
  auto* info = find_primitive(name);
  if (!info) throw std::invalid_argument("[make_primitive] Unknown primitive " + name + ".");
  if (!info->make) {
    throw std::invalid_argument("[make_primitive] " + name +
                                " cannot be made from its parameters.");
  }
  auto prim = info->make(stream, name, params);
  // Factories read leniently; what they made must say exactly what was asked, so a
  // missing, extra or differently spelled parameter is an error, not a silent change.
  if (prim->name() != name || prim->params() != params) throw_bad_params(name, params);
  return prim;
}

std::vector<array> Primitive::jvp(const std::vector<array>&,
                                  const std::vector<array>&,
                                  const std::vector<int>&) {
  throw std::invalid_argument(std::string("[") + name() +
                              "] jvp is not implemented yet.");
}

std::vector<array> Primitive::vjp(const std::vector<array>&,
                                  const std::vector<array>&,
                                  const std::vector<int>&,
                                  const std::vector<array>&) {
  throw std::invalid_argument(std::string("[") + name() +
                              "] vjp is not implemented yet.");
}

std::pair<std::vector<array>, std::vector<int>> Primitive::vmap(
    const std::vector<array>&, const std::vector<int>&) {
  throw std::invalid_argument(std::string("[") + name() +
                              "] vmap is not implemented yet.");
}

}  // namespace lumex::core
