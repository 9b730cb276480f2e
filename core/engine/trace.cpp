#include "engine/trace.h"

#include <unordered_map>

#include "engine/graph_lock.h"
#include "engine/primitives.h"

namespace lumex::core::detail {

/// Nodes on a path from `sources` to `outputs`, in topological order (inputs
/// first), one entry per primitive. Iterative depth-first search; sources are
/// not included. Graph leaves (and, for autodiff, gradient-stopped nodes) end a path.
std::vector<array> tape_between(const std::unordered_set<uint64_t>& sources,
                                const std::vector<array>& outputs,
                                std::unordered_set<uint64_t>* on_path,
                                bool stop_gradients) {
  GraphLock lock;  // another thread's eval may be detaching these nodes
  std::unordered_map<uint64_t, bool> depends;  // node id -> reaches a source
  for (auto id : sources) depends[id] = true;
  std::vector<array> tape;
  struct Frame {
    array node;
    size_t next;
  };
  std::vector<Frame> stack;
  auto push = [&](const array& a) {
    if (depends.count(a.id())) return;
    if (!a.has_primitive() ||
        (stop_gradients && dynamic_cast<const StopGradient*>(&a.primitive()) != nullptr)) {
      depends[a.id()] = false;
      return;
    }
    depends[a.id()] = false;  // marks "visiting"; fixed when finished
    stack.push_back({a, 0});
  };
  for (auto& out : outputs) {
    push(out);
    while (!stack.empty()) {
      auto& top = stack.back();
      auto& ins = top.node.inputs();
      if (top.next < ins.size()) {
        array in = ins[top.next++];
        push(in);
        continue;
      }
      bool dep = false;
      for (auto& in : ins) dep = dep || depends[in.id()];
      array node = std::move(top.node);
      stack.pop_back();
      for (auto& o : node.outputs()) depends[o.id()] = dep;
      if (dep) tape.push_back(std::move(node));
    }
  }
  if (on_path) {
    for (auto& [id, dep] : depends) {
      if (dep) on_path->insert(id);
    }
  }
  return tape;
}

namespace {
thread_local uint64_t shape_read_count = 0;
}  // namespace

void note_shape_read() { ++shape_read_count; }
uint64_t shape_reads() { return shape_read_count; }

std::vector<array> primitive_outputs(const array& node) {
  return node.siblings().empty() ? std::vector<array>{node} : node.outputs();
}

}  // namespace lumex::core::detail
