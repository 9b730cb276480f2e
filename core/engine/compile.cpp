#include "engine/compile.h"

#include <atomic>
#include <cstdlib>
#include <unordered_map>
#include <unordered_set>

#include "engine/primitives.h"
#include "engine/trace.h"

namespace lumex::core {

namespace {
std::atomic<bool>& enabled_flag() {
  static std::atomic<bool> flag{[] {
    const char* env = std::getenv("LUMEX_DISABLE_COMPILE");
    if (!env) env = std::getenv("MLX_DISABLE_COMPILE");
    return !(env && *env && std::string(env) != "0");
  }()};
  return flag;
}
}  // namespace

bool compile_enabled() { return enabled_flag().load(); }
void set_compile_enabled(bool enabled) { enabled_flag().store(enabled); }

CompiledGraph::CompiledGraph(const ArrayFun& fun, const std::vector<array>& inputs) {
  std::unordered_set<uint64_t> sources;
  for (auto& x : inputs) {
    auto p = array(x.shape(), x.dtype(), std::make_shared<Placeholder>(to_stream({})), {});
    p.set_tracer(true);
    sources.insert(p.id());
    placeholders_.push_back(std::move(p));
  }
  {
    array::TracingScope tracing;
    outputs_ = fun(placeholders_);
  }
  tape_ = detail::tape_between(sources, outputs_);
}

std::vector<array> CompiledGraph::replay(const std::vector<array>& inputs) const {
  std::unordered_map<uint64_t, array> fresh;
  fresh.reserve(tape_.size() + inputs.size());
  for (size_t i = 0; i < placeholders_.size(); ++i) {
    fresh.insert_or_assign(placeholders_[i].id(), inputs[i]);
  }
  std::vector<array> ins;
  for (auto& node : tape_) {
    ins.clear();
    for (auto& in : node.inputs()) {
      auto f = fresh.find(in.id());
      ins.push_back(f != fresh.end() ? f->second : in);
    }
    if (node.siblings().empty()) {
      fresh.insert_or_assign(node.id(),
                             array(node.shape(), node.dtype(), node.primitive_ptr(), ins));
      continue;
    }
    auto outs = node.outputs();
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    for (auto& o : outs) {
      shapes.push_back(o.shape());
      dtypes.push_back(o.dtype());
    }
    auto made = array::make_arrays(std::move(shapes), dtypes, node.primitive_ptr(), ins);
    for (size_t k = 0; k < outs.size(); ++k) fresh.insert_or_assign(outs[k].id(), made[k]);
  }
  std::vector<array> result;
  result.reserve(outputs_.size());
  for (auto& o : outputs_) {
    auto f = fresh.find(o.id());
    result.push_back(f != fresh.end() ? f->second : o);
  }
  return result;
}

}  // namespace lumex::core
