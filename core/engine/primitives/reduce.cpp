// Backend-independent parts of the reduce primitives: the parameters graph
// introspection shows. Kernels live in backend/cpu/.
#include <string>

#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {
const char* py_bool(bool b) { return b ? "True" : "False"; }
}  // namespace

std::vector<std::pair<std::string, std::string>> Reduce::params() const {
  return {{"axes", tuple_str(axes_)}};
}

std::vector<std::pair<std::string, std::string>> ArgReduce::params() const {
  return {{"axis", std::to_string(axis_)}};
}

std::vector<std::pair<std::string, std::string>> Scan::params() const {
  return {{"axis", std::to_string(axis_)},
          {"reverse", py_bool(reverse_)},
          {"inclusive", py_bool(inclusive_)}};
}

}  // namespace lumex::core
