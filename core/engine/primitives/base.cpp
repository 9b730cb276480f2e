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
