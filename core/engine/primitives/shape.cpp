// Backend-independent parts of the shape primitives: the parameters graph
// introspection shows. Kernels live in backend/cpu/.
#include <string>

#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

std::vector<std::pair<std::string, std::string>> Broadcast::params() const {
  return {{"shape", tuple_str(shape_)}};
}

std::vector<std::pair<std::string, std::string>> Reshape::params() const {
  return {{"shape", tuple_str(shape_)}};
}

std::vector<std::pair<std::string, std::string>> Transpose::params() const {
  return {{"axes", tuple_str(axes_)}};
}

std::vector<std::pair<std::string, std::string>> Slice::params() const {
  return {{"start", tuple_str(start_)}, {"stop", tuple_str(stop_)}, {"strides", tuple_str(strides_)}};
}

std::vector<std::pair<std::string, std::string>> AsStrided::params() const {
  return {{"shape", tuple_str(shape_)}, {"strides", tuple_str(strides_)},
          {"offset", std::to_string(offset_)}};
}

std::vector<std::pair<std::string, std::string>> View::params() const {
  return {{"dtype", dtype_name(dtype_)}};
}

std::vector<std::pair<std::string, std::string>> Arange::params() const {
  return {{"start", std::to_string(start_)},
          {"stop", std::to_string(stop_)},
          {"step", std::to_string(step_)}};
}

std::vector<std::pair<std::string, std::string>> Concatenate::params() const {
  return {{"axis", std::to_string(axis_)}};
}

std::vector<std::pair<std::string, std::string>> Pad::params() const {
  return {{"low", tuple_str(low_)}, {"high", tuple_str(high_)}};
}

}  // namespace lumex::core
