#include "engine/compile.h"

#include <atomic>
#include <cstdlib>
#include <unordered_map>
#include <algorithm>
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
  // Inside another transform (compile under vmap or grad) MLX runs the function
  // without this check, and the closure may legitimately hold the caller's tracer.
  bool nested = array::in_tracing();
  {
    array::TracingScope tracing;
    outputs_ = fun(placeholders_);
  }
  if (!nested) check_captured(inputs, sources);
  for (auto& node : detail::tape_between(sources, outputs_)) {
    Step step{node.primitive_ptr(), node.inputs(), {}, {}, {}};
    for (auto& o : detail::primitive_outputs(node)) {
      step.out_ids.push_back(o.id());
      step.shapes.push_back(o.shape());
      step.dtypes.push_back(o.dtype());
    }
    steps_.push_back(std::move(step));
  }
  fuse();
}

void CompiledGraph::check_captured(const std::vector<array>& inputs,
                                   const std::unordered_set<uint64_t>& sources) const {
  // An argument reached other than through its placeholder (a closure holding
  // the same array, or a graph built from it before the call) would be baked
  // into the trace as a constant: MLX refuses such a function, and so do we.
  std::unordered_set<uint64_t> original;
  for (auto& x : inputs) original.insert(x.id());
  std::unordered_set<uint64_t> seen;
  std::vector<array> stack(outputs_.begin(), outputs_.end());
  while (!stack.empty()) {
    array a = std::move(stack.back());
    stack.pop_back();
    if (sources.count(a.id()) || !seen.insert(a.id()).second) continue;
    if (original.count(a.id())) {
      throw std::invalid_argument(
          "[compile] Attempting to compile a function with uncaptured inputs is not allowed.");
    }
    for (auto& in : a.inputs()) stack.push_back(in);
  }
}

void CompiledGraph::fuse() {
  // How many steps (and outputs) read each value: only values read once, by
  // the next op of the chain, may stay inside a fused block.
  std::unordered_map<uint64_t, int> readers;
  for (auto& st : steps_) {
    for (auto& in : st.inputs) ++readers[in.id()];
  }
  for (auto& o : outputs_) readers[o.id()] += 2;

  auto fusable = [&](const Step& st, FusedStep::Op& op) {
    if (st.out_ids.size() != 1 || st.dtypes[0] != float32) return false;
    if (!Fused::fusable(*st.prim, op)) return false;
    for (auto& in : st.inputs) {
      if (in.dtype() != float32) return false;
      if (in.size() != 1 && in.shape() != st.shapes[0]) return false;
    }
    return true;
  };

  // Group consecutive chains: a step joins the group of an input step whose
  // value only it reads. Groups are built in topological order.
  std::unordered_map<uint64_t, size_t> group_of;  // out id -> group index
  struct Group {
    std::vector<size_t> steps;
  };
  std::vector<Group> groups;
  std::vector<FusedStep::Op> ops(steps_.size());
  std::vector<long> step_group(steps_.size(), -1);
  for (size_t i = 0; i < steps_.size(); ++i) {
    if (!fusable(steps_[i], ops[i])) continue;
    long g = -1;
    for (auto& in : steps_[i].inputs) {
      auto f = group_of.find(in.id());
      if (f != group_of.end() && readers[in.id()] == 1 &&
          steps_[groups[f->second].steps.back()].shapes[0] == steps_[i].shapes[0]) {
        if (g == -1) {
          g = static_cast<long>(f->second);
        } else if (static_cast<size_t>(g) != f->second) {
          // Two chains meet: append the other chain's steps to this group.
          auto& other = groups[f->second];
          for (auto k : other.steps) step_group[k] = g;
          auto& mine = groups[g].steps;
          mine.insert(mine.end(), other.steps.begin(), other.steps.end());
          std::sort(mine.begin(), mine.end());
          other.steps.clear();
        }
      }
    }
    if (g == -1) {
      g = static_cast<long>(groups.size());
      groups.push_back({});
    }
    groups[g].steps.push_back(i);
    step_group[i] = g;
    group_of[steps_[i].out_ids[0]] = static_cast<size_t>(g);
  }

  std::vector<bool> drop(steps_.size(), false);
  std::unordered_map<size_t, Step> replacement;  // at the group's last step
  for (auto& grp : groups) {
    if (grp.steps.size() < 2) continue;
    std::unordered_map<uint64_t, int> reg;  // value id -> register
    std::vector<array> ext;
    std::vector<FusedStep> program;
    int n_ext = 0;
    // Externals first (registers 0..n_ext-1), then one register per step.
    std::unordered_set<uint64_t> inside;
    for (auto k : grp.steps) inside.insert(steps_[k].out_ids[0]);
    for (auto k : grp.steps) {
      for (auto& in : steps_[k].inputs) {
        if (!inside.count(in.id()) && !reg.count(in.id())) {
          reg[in.id()] = n_ext++;
          ext.push_back(in);
        }
      }
    }
    for (size_t j = 0; j < grp.steps.size(); ++j) {
      auto k = grp.steps[j];
      auto& st = steps_[k];
      FusedStep fs{ops[k], reg.at(st.inputs[0].id()),
                   st.inputs.size() > 1 ? reg.at(st.inputs[1].id()) : -1,
                   n_ext + static_cast<int>(j), st.prim};
      reg[st.out_ids[0]] = fs.out;
      program.push_back(std::move(fs));
      drop[k] = true;
    }
    auto last = grp.steps.back();
    Step fused{std::make_shared<Fused>(steps_[last].prim->stream(), n_ext, std::move(program)),
               ext, steps_[last].out_ids, steps_[last].shapes, steps_[last].dtypes};
    replacement.emplace(last, std::move(fused));
  }
  if (replacement.empty()) return;
  std::vector<Step> out;
  for (size_t i = 0; i < steps_.size(); ++i) {
    auto r = replacement.find(i);
    if (r != replacement.end()) {
      out.push_back(std::move(r->second));
    } else if (!drop[i]) {
      out.push_back(std::move(steps_[i]));
    }
  }
  steps_ = std::move(out);
}

std::vector<array> CompiledGraph::replay(const std::vector<array>& inputs) const {
  std::unordered_map<uint64_t, array> fresh;
  fresh.reserve(steps_.size() + inputs.size());
  for (size_t i = 0; i < placeholders_.size(); ++i) {
    fresh.insert_or_assign(placeholders_[i].id(), inputs[i]);
  }
  std::vector<array> ins;
  for (auto& st : steps_) {
    ins.clear();
    for (auto& in : st.inputs) {
      auto f = fresh.find(in.id());
      ins.push_back(f != fresh.end() ? f->second : in);
    }
    if (st.out_ids.size() == 1) {
      fresh.insert_or_assign(st.out_ids[0], array(st.shapes[0], st.dtypes[0], st.prim, ins));
      continue;
    }
    auto made = array::make_arrays(st.shapes, st.dtypes, st.prim, ins);
    for (size_t k = 0; k < made.size(); ++k) fresh.insert_or_assign(st.out_ids[k], made[k]);
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
