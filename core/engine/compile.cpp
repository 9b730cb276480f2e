#include "engine/compile.h"

#include <atomic>
#include <cstdlib>
#include <unordered_map>
#include <algorithm>
#include <unordered_set>

#include "engine/primitives.h"
#include "engine/trace.h"
#include "engine/utils.h"

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

void CompiledGraph::fuse() {
  // How many steps (and outputs) read each value: only values read once, by
  // the next op of the chain, may stay inside a fused block.
  std::unordered_map<uint64_t, int> readers;
  for (auto& st : steps_) {
    for (auto& in : st.inputs) ++readers[in.id()];
  }
  for (auto& o : outputs_) readers[o.id()] += 2;

  // Why a step cannot join a fused block ("" when it can); the notebook's
  // compile X-ray shows these next to the elementwise ops left out.
  auto why_not = [&](const Step& st, FusedStep::Op& op) -> std::string {
    if (!Fused::fusable(*st.prim, op)) return "no fused kernel for this op";
    if (st.out_ids.size() != 1) return "it has several outputs";
    if (st.dtypes[0] != float32) {
      return msg("its result is ", dtype_name(st.dtypes[0]), ": fused kernels are float32 only");
    }
    for (auto& in : st.inputs) {
      if (in.dtype() != float32) {
        return msg("an input is ", dtype_name(in.dtype()), ": fused kernels are float32 only");
      }
      if (in.size() != 1 && in.shape() != st.shapes[0]) {
        return msg("an input of shape ", shape_str(in.shape()), " is broadcast to ",
                   shape_str(st.shapes[0]),
                   ": fused kernels read inputs of the result's shape or single elements");
      }
    }
    return "";
  };
  auto fusable = [&](const Step& st, FusedStep::Op& op) { return why_not(st, op).empty(); };
  traced_.clear();
  for (auto& st : steps_) {
    TracedStep t{st.prim->name(), st.out_ids, {}, -1, {}};
    for (auto& in : st.inputs) t.in_ids.push_back(in.id());
    traced_.push_back(std::move(t));
  }

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

  // The X-ray's account: fused groups numbered in order, and for each step that
  // fusion could take but left alone, why.
  {
    std::unordered_map<uint64_t, size_t> first_reader, producer;
    for (size_t i = 0; i < steps_.size(); ++i) {
      for (auto id : steps_[i].out_ids) producer.emplace(id, i);
      for (auto& in : steps_[i].inputs) first_reader.emplace(in.id(), i);
    }
    std::unordered_set<uint64_t> returned;
    for (auto& o : outputs_) returned.insert(o.id());
    std::unordered_map<long, long> number;
    for (size_t i = 0; i < steps_.size(); ++i) {
      auto& t = traced_[i];
      FusedStep::Op op;
      t.reason = why_not(steps_[i], op);
      long g = step_group[i];
      if (g >= 0 && groups[g].steps.size() >= 2) {
        t.group = number.emplace(g, static_cast<long>(number.size())).first->second;
        continue;
      }
      if (!t.reason.empty()) continue;
      // Fusable, yet alone: say what stopped a chain on each side.
      std::string up;
      for (auto& in : steps_[i].inputs) {
        auto p = producer.find(in.id());
        if (p == producer.end()) continue;
        auto& prev = steps_[p->second];
        auto because = why_not(prev, op);
        int times = readers[in.id()] - (returned.count(in.id()) ? 2 : 0);
        auto part = !because.empty() ? msg(prev.prim->name(), " (not fusable)")
                    : returned.count(in.id()) ? msg(prev.prim->name(), " (returned)")
                    : times > 1 ? msg(prev.prim->name(), " (read ", times, " times)")
                                : msg(prev.prim->name(), " (another shape)");
        if (up.find(part) == std::string::npos) up += (up.empty() ? "" : ", ") + part;
      }
      up = up.empty() ? "its inputs are function inputs or constants" : "inputs from " + up;
      auto out = steps_[i].out_ids[0];
      auto r = first_reader.find(out);
      std::string down;
      if (returned.count(out)) {
        down = "its result is returned";
      } else if (readers[out] > 1) {
        down = msg("its result is read ", readers[out], " times");
      } else if (r != first_reader.end()) {
        auto& next = steps_[r->second];
        down = why_not(next, op).empty()
                   ? msg("read by ", next.prim->name(), " of another shape")
                   : msg("read by ", next.prim->name(), " (not fusable)");
      } else {
        down = "nothing reads its result";
      }
      t.reason = "no chain to join: " + up + "; " + down;
    }
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
