#include "engine/compile.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string_view>
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
  // Inside another transform (compile under vmap or grad) MLX runs the function
  // without this check, and the closure may legitimately hold the caller's tracer.
  bool nested = array::in_tracing();
  auto reads = detail::shape_reads();
  {
    array::TracingScope tracing;
    outputs_ = fun(placeholders_);
  }
  reads_shapes_ = detail::shape_reads() != reads;
  if (!nested) check_captured(inputs, sources);
  std::vector<std::vector<array>> values;
  for (auto& node : detail::tape_between(sources, outputs_)) {
    Step step{node.primitive_ptr(), node.inputs(), {}, {}, {}};
    values.push_back(detail::primitive_outputs(node));
    for (auto& o : values.back()) {
      step.out_ids.push_back(o.id());
      step.shapes.push_back(o.shape());
      step.dtypes.push_back(o.dtype());
    }
    TracedStep t{step.prim->name(), step.out_ids, {}, -1, {}};
    for (auto& in : step.inputs) t.in_ids.push_back(in.id());
    traced_.push_back(std::move(t));
    steps_.push_back(std::move(step));
  }
  simplify(values);
  fuse();
  plan_resizing();
}

void CompiledGraph::plan_resizing() {
  // An op broadcasting its operands made these Broadcasts at the traced shapes; on a
  // replay at other sizes their target is the broadcast of what the op reads.
  std::unordered_map<uint64_t, size_t> producer;
  std::unordered_map<uint64_t, std::vector<size_t>> readers;
  std::unordered_set<uint64_t> internal, returned;
  for (auto& p : placeholders_) internal.insert(p.id());
  for (size_t i = 0; i < steps_.size(); ++i) {
    for (auto id : steps_[i].out_ids) {
      producer.emplace(id, i);
      internal.insert(id);
    }
    for (auto& in : steps_[i].inputs) readers[in.id()].push_back(i);
  }
  for (auto& r : results_) returned.insert(r.id());
  auto is_broadcast = [&](const Step& st) {
    return dynamic_cast<const Broadcast*>(st.prim.get()) != nullptr;
  };
  auto is_elementwise = [&](const Step& st) {
    return dynamic_cast<const Elementwise*>(st.prim.get()) != nullptr ||
           dynamic_cast<const Fused*>(st.prim.get()) != nullptr;
  };
  std::unordered_map<size_t, std::vector<size_t>> before;  // reader -> broadcasts moved there
  std::vector<bool> moved(steps_.size(), false);
  for (size_t i = 0; i < steps_.size(); ++i) {
    auto& st = steps_[i];
    auto id = st.out_ids[0];
    auto r = readers.find(id);
    if (!is_broadcast(st) || returned.count(id) || r == readers.end()) continue;
    bool only_elementwise = true;
    for (auto k : r->second) only_elementwise = only_elementwise && is_elementwise(steps_[k]);
    if (!only_elementwise) continue;
    std::vector<std::pair<array, bool>> roots;
    for (auto k : r->second) {
      for (auto& in : steps_[k].inputs) {
        if (in.id() == id) continue;
        auto p = producer.find(in.id());
        const array& root =
            p != producer.end() && is_broadcast(steps_[p->second]) ? steps_[p->second].inputs[0] : in;
        roots.emplace_back(root, internal.count(root.id()) > 0);
      }
    }
    // Only a broadcast to exactly what its readers' operands make (broadcast_to a
    // larger shape keeps its traced target).
    Shape traced = st.inputs[0].shape();
    for (auto& root : roots) traced = broadcast_shapes(traced, root.first.shape());
    if (traced != st.shapes[0]) continue;
    broadcast_roots_.emplace(id, std::move(roots));
    before[r->second.front()].push_back(i);
    moved[i] = true;
  }
  if (before.empty()) return;
  std::vector<Step> order;
  order.reserve(steps_.size());
  for (size_t i = 0; i < steps_.size(); ++i) {
    auto b = before.find(i);
    if (b != before.end()) {
      for (auto k : b->second) order.push_back(std::move(steps_[k]));
    }
    if (!moved[i]) order.push_back(std::move(steps_[i]));
  }
  steps_ = std::move(order);
}

namespace {
/// One element read from a trace constant as a key: its dtype, shape and bytes.
/// Empty for anything else (a graph node, a tracer of an enclosing transform,
/// several elements).
std::string scalar_constant_key(const array& a) {
  if (a.has_primitive() || a.is_tracer() || a.size() != 1 || !a.is_available() ||
      !a.has_data()) {
    return {};
  }
  std::string key = msg(dtype_name(a.dtype()), shape_str(a.shape()), ':');
  key.append(static_cast<const char*>(a.raw_data()), a.itemsize());
  return key;
}
}  // namespace

void CompiledGraph::simplify(const std::vector<std::vector<array>>& values) {
  // A dropped value -> the value used in its place (never itself dropped, so one
  // lookup resolves it).
  std::unordered_map<uint64_t, array> alias;
  std::unordered_map<std::string, array> scalars;
  auto resolve = [&](array& in) {
    auto f = alias.find(in.id());
    if (f != alias.end()) {
      in = f->second;
      return;
    }
    auto key = scalar_constant_key(in);
    if (key.empty()) return;
    auto [it, first] = scalars.emplace(std::move(key), in);
    if (first || it->second.id() == in.id()) return;
    merged_.push_back({in.id(), it->second.id(), "an equal scalar constant"});
    alias.emplace(in.id(), it->second);
    in = it->second;
  };
  // Same class, same parameters, same inputs, same result types: the same values.
  // Classes whose instances hold code (custom rules, fused programs) say no.
  auto same = [](const Step& a, const Step& b) {
    if (a.inputs.size() != b.inputs.size() || a.shapes != b.shapes || a.dtypes != b.dtypes ||
        std::strcmp(a.prim->name(), b.prim->name()) != 0) {
      return false;
    }
    for (size_t k = 0; k < a.inputs.size(); ++k) {
      if (a.inputs[k].id() != b.inputs[k].id()) return false;
    }
    return a.prim->is_equivalent(*b.prim) && b.prim->is_equivalent(*a.prim) &&
           a.prim->params() == b.prim->params();
  };
  std::unordered_map<size_t, std::vector<size_t>> seen;  // hash -> index in kept
  std::vector<Step> kept;
  std::vector<size_t> kept_from;  // index in steps_ (and values) of each kept step
  kept.reserve(steps_.size());
  for (size_t i = 0; i < steps_.size(); ++i) {
    auto& st = steps_[i];
    size_t h = std::hash<std::string_view>{}(st.prim->name()) ^ st.out_ids.size();
    for (auto& in : st.inputs) {
      resolve(in);
      h = h * 1000003u ^ std::hash<uint64_t>{}(in.id());
    }
    auto& bucket = seen[h];
    auto twin = std::find_if(bucket.begin(), bucket.end(),
                             [&](size_t k) { return same(kept[k], st); });
    if (twin == bucket.end()) {
      bucket.push_back(kept.size());
      kept_from.push_back(i);
      kept.push_back(std::move(st));
      continue;
    }
    auto& into = values[kept_from[*twin]];
    for (size_t k = 0; k < st.out_ids.size(); ++k) {
      merged_.push_back({st.out_ids[k], into[k].id(),
                         msg("the same ", st.prim->name(), " of the same inputs (common subexpression)")});
      alias.emplace(st.out_ids[k], into[k]);
    }
  }
  steps_ = std::move(kept);
  results_ = outputs_;
  for (auto& r : results_) {
    auto f = alias.find(r.id());
    if (f != alias.end()) r = f->second;
  }
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

void CompiledGraph::split_scalar_broadcasts(
    std::unordered_map<uint64_t, int>& readers,
    const std::function<bool(const Step&, FusedStep::Op&)>& fusable) {
  // A single element broadcast is free inside a fused block (kernels read single
  // elements directly): each fusable reader of a shared one gets its own copy, so
  // the other readers do not stop the chain. The original stays for those.
  std::unordered_map<uint64_t, size_t> broadcast_at;  // value -> its step, if such
  std::vector<Step> out;
  out.reserve(steps_.size());
  bool split = false;
  FusedStep::Op op;
  for (auto& st : steps_) {
    if (fusable(st, op)) {
      for (auto& in : st.inputs) {
        auto b = broadcast_at.find(in.id());
        if (b == broadcast_at.end() || readers[in.id()] < 2) continue;
        Step clone = out[b->second];
        // A node of its own, never evaluated: its id names the copy's value.
        array copy(clone.shapes[0], clone.dtypes[0], clone.prim, clone.inputs);
        --readers[in.id()];
        readers[copy.id()] = 1;
        clone.out_ids = {copy.id()};
        out.push_back(std::move(clone));
        in = copy;
        split = true;
      }
      if (op == FusedStep::Op::broadcast) broadcast_at.emplace(st.out_ids[0], out.size());
    }
    out.push_back(std::move(st));
  }
  if (!split) {
    steps_ = std::move(out);
    return;
  }
  // Originals every reader now has a copy of are dead.
  steps_.clear();
  for (auto& st : out) {
    if (broadcast_at.count(st.out_ids[0]) && readers[st.out_ids[0]] == 0) continue;
    steps_.push_back(std::move(st));
  }
}

void CompiledGraph::fuse() {
  // How many steps (and outputs) read each value: only values read once, by
  // the next op of the chain, may stay inside a fused block.
  std::unordered_map<uint64_t, int> readers;
  for (auto& st : steps_) {
    for (auto& in : st.inputs) ++readers[in.id()];
  }
  for (auto& o : results_) readers[o.id()] += 2;

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
  split_scalar_broadcasts(readers, fusable);
  // Steps simplify() kept, by their traced record.
  std::unordered_map<uint64_t, size_t> record_of;
  for (size_t i = 0; i < traced_.size(); ++i) record_of.emplace(traced_[i].out_ids[0], i);

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
    for (auto& o : results_) returned.insert(o.id());
    std::unordered_map<long, long> number;
    for (size_t i = 0; i < steps_.size(); ++i) {
      auto rec = record_of.find(steps_[i].out_ids[0]);
      if (rec == record_of.end()) continue;  // a copy split_scalar_broadcasts made
      auto& t = traced_[rec->second];
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
                   n_ext + static_cast<int>(j), st.prim, st.shapes[0]};
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
  return *replay_steps(inputs, false);
}

std::optional<std::vector<array>> CompiledGraph::replay_shapeless(
    const std::vector<array>& inputs) const {
  bool same = true;
  if (reads_shapes_) {
    for (size_t i = 0; i < inputs.size() && same; ++i) {
      same = inputs[i].shape() == placeholders_[i].shape();
    }
    return same ? std::optional(replay(inputs)) : std::nullopt;
  }
  for (size_t i = 0; i < inputs.size() && same; ++i) {
    same = inputs[i].shape() == placeholders_[i].shape();
  }
  return replay_steps(inputs, !same);
}

std::optional<std::vector<array>> CompiledGraph::replay_steps(const std::vector<array>& inputs,
                                                              bool reshape) const {
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
    const std::vector<Shape>* shapes = &st.shapes;
    std::vector<Shape> inferred;
    if (reshape) {
      bool moved = false;
      for (size_t k = 0; k < ins.size() && !moved; ++k) {
        moved = ins[k].shape() != st.inputs[k].shape();
      }
      // An implicit broadcast follows its op's operands even when its own input kept
      // its size.
      auto roots = broadcast_roots_.find(st.out_ids[0]);
      if (roots != broadcast_roots_.end()) {
        Shape target = ins[0].shape();
        try {
          for (auto& [root, computed] : roots->second) {
            auto f = fresh.find(root.id());
            if (computed && f == fresh.end()) return std::nullopt;
            target = broadcast_shapes(target, f != fresh.end() ? f->second.shape() : root.shape());
          }
        } catch (const std::invalid_argument&) {
          return std::nullopt;  // a new trace raises the op's own error
        }
        if (target.size() != st.shapes[0].size()) return std::nullopt;
        inferred = {target};
        shapes = &inferred;
      } else if (moved) {
        inferred = st.prim->output_shapes(ins);
        if (inferred.size() != st.shapes.size()) return std::nullopt;
        shapes = &inferred;
      }
    }
    if (st.out_ids.size() == 1) {
      fresh.insert_or_assign(st.out_ids[0], array((*shapes)[0], st.dtypes[0], st.prim, ins));
      continue;
    }
    auto made = array::make_arrays(*shapes, st.dtypes, st.prim, ins);
    for (size_t k = 0; k < made.size(); ++k) fresh.insert_or_assign(st.out_ids[k], made[k]);
  }
  std::vector<array> result;
  result.reserve(results_.size());
  for (auto& o : results_) {
    auto f = fresh.find(o.id());
    // A constant of the trace (zeros_like(x)) has the traced shape, whatever x is now.
    if (reshape && f == fresh.end() && o.ndim() > 0) return std::nullopt;
    result.push_back(f != fresh.end() ? f->second : o);
  }
  return result;
}

}  // namespace lumex::core
