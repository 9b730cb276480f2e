#include "engine/introspect.h"

#include <map>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "engine/primitives.h"

namespace lumex::core {

namespace {

// Depth-first over the pending graph with an explicit stack, in the order of
// MLX's recursive traversal: a node is reported after its inputs, and the first
// sibling reached stands for its whole primitive. `start(o)` runs before the walk
// from each output; `visit(a)` runs once per node in post-order.
template <typename Start, typename Visit>
void walk(const std::vector<array>& outputs, Start&& start, Visit&& visit) {
  std::unordered_set<uint64_t> seen;
  struct Frame {
    array node;
    size_t next_input;
  };
  std::vector<Frame> stack;
  auto push = [&](const array& a) {
    if (!seen.insert(a.id()).second) return;
    for (auto& s : a.siblings()) seen.insert(s.id());
    stack.push_back({a, 0});
  };
  for (auto& out : outputs) {
    start(out);
    push(out);
    while (!stack.empty()) {
      auto& top = stack.back();
      auto& ins = top.node.inputs();
      if (top.node.has_primitive() && top.next_input < ins.size()) {
        // Copy: push() may grow the stack and invalidate `top`.
        array in = ins[top.next_input++];
        push(in);
      } else {
        array done = std::move(top.node);
        stack.pop_back();
        visit(done);
      }
    }
  }
}

NodeInfo describe(const array& a) {
  NodeInfo n;
  n.id = a.id();
  if (a.has_primitive()) {
    n.primitive_id = reinterpret_cast<uintptr_t>(a.primitive_ptr().get());
    n.op = a.primitive().name();
    n.params = a.primitive().params();
    n.stream = a.primitive().stream();
    for (auto& in : a.inputs()) n.inputs.push_back(in.id());
    for (auto& s : a.siblings()) n.siblings.push_back(s.id());
  }
  n.shape = a.shape();
  n.dtype = a.dtype();
  n.status = a.status();
  n.nbytes = a.nbytes();
  n.is_input = !a.has_primitive();
  n.is_constant = false;
  n.is_output = false;
  n.site = a.site();
  n.call = a.call();
  return n;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string quote(const std::string& s) { return "\"" + escape(s) + "\""; }

std::string shape_str(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) {
    out += std::to_string(s[i]);
    if (s.size() == 1 || i + 1 < s.size()) out += ",";
    if (i + 1 < s.size()) out += " ";
  }
  return out + ")";
}

// A, B, ..., Z, AA, AB, ... as MLX's NodeNamer; named arrays take a slot too.
class Namer {
 public:
  const std::string& name(const array& a) {
    auto it = names_.find(a.id());
    if (it != names_.end()) return it->second;
    std::string letters;
    for (size_t n = names_.size() + 1; n > 0; n = (n - 1) / 26) {
      letters.insert(letters.begin(), static_cast<char>('A' + (n - 1) % 26));
    }
    return names_.emplace(a.id(), quote(letters)).first->second;
  }
  void set(const array& a, const std::string& n) { names_.emplace(a.id(), quote(n)); }

 private:
  std::unordered_map<uint64_t, std::string> names_;
};

// Nested DOT clusters for dotted scope paths: "a.b" sits inside "a". The map is
// sorted, so a path comes right before the paths it contains.
void write_clusters(std::ostream& os,
                    const std::map<std::string, std::vector<std::string>>& scoped) {
  std::vector<std::string> open;  // paths of the clusters being written
  auto inside = [](const std::string& path, const std::string& outer) {
    return path.size() > outer.size() && path.compare(0, outer.size(), outer) == 0 &&
           path[outer.size()] == '.';
  };
  auto emit = [&](const std::string& path) {
    while (!open.empty() && !inside(path, open.back())) {
      os << "}\n";
      open.pop_back();
    }
    // Open the enclosing scopes that hold no node of their own.
    size_t from = open.empty() ? 0 : open.back().size() + 1;
    for (size_t dot = path.find('.', from); dot != std::string::npos;
         dot = path.find('.', dot + 1)) {
      auto outer = path.substr(0, dot);
      os << "subgraph " << quote("cluster_" + outer) << " { label=" << quote(outer) << ";\n";
      open.push_back(outer);
    }
    os << "subgraph " << quote("cluster_" + path) << " { label=" << quote(path) << ";\n";
    open.push_back(path);
  };
  for (auto& [path, names] : scoped) {
    emit(path);
    for (auto& n : names) os << n << ";\n";
  }
  for (size_t i = 0; i < open.size(); ++i) os << "}\n";
}

void write_dot(std::ostream& os, const std::vector<array>& outputs,
               const std::vector<std::pair<std::string, array>>& named, bool annotated) {
  Namer namer;
  std::vector<array> all = outputs;
  for (auto& [n, a] : named) {
    namer.set(a, n);
    all.push_back(a);
  }
  // Marked as the walk reaches each output, as MLX does: an output already drawn
  // as an intermediate of an earlier one is not moved to the sink rank.
  std::unordered_set<uint64_t> sinks;
  // Annotated graphs group the nodes of each module scope into a cluster.
  std::map<std::string, std::vector<std::string>> scoped;
  auto attrs = [&](const array& a) -> std::string {
    if (!annotated) return {};
    const auto& name = namer.name(a);  // quoted and escaped already
    std::string label = name.substr(1, name.size() - 2) + "\\n" +
                        shape_str(a.shape()) + " " + dtype_name(a.dtype()) + "\\n" +
                        status_name(a.status());
    auto site = sites::lookup(a.site());
    if (site.line > 0) {
      auto slash = site.file.find_last_of('/');
      label += "\\n" + escape(site.file.substr(slash == std::string::npos ? 0 : slash + 1)) +
               ":" + std::to_string(site.line);
    }
    if (!site.scope.empty()) {
      label += "\\n[" + escape(site.scope) + "]";
      scoped[site.scope].push_back(name);
    }
    const char* fill = a.status() == array::Status::available ? "#d9f2d9" : "#fff2cc";
    return " [label=\"" + label + "\", style=filled, fillcolor=\"" + fill + "\"]";
  };
  os << "digraph {\n";
  walk(
      all, [&](const array& o) { sinks.insert(o.id()); },
      [&](const array& x) {
        if (!x.has_primitive()) {
          os << "{ rank=source; " << namer.name(x) << attrs(x) << "; }\n";
          return;
        }
        auto pid = reinterpret_cast<uintptr_t>(x.primitive_ptr().get());
        // A fused node prints under MLX's name for it (CompiledExpMultiply...).
        auto fused = dynamic_cast<const Fused*>(&x.primitive());
        os << "{ " << pid << " [label =\"" << (fused ? fused->label() : x.primitive().name());
        if (annotated) {
          auto ps = x.primitive().params();
          if (!ps.empty()) {
            os << "(";
            for (size_t i = 0; i < ps.size(); ++i) {
              os << (i ? ", " : "") << ps[i].first << "=" << ps[i].second;
            }
            os << ")";
          }
        }
        os << "\", shape=rectangle]; }\n";
        for (auto& in : x.inputs()) os << namer.name(in) << " -> " << pid << "\n";
        for (auto& o : x.outputs()) {
          os << "{ " << (sinks.count(o.id()) ? "rank=sink; " : "") << namer.name(o)
             << attrs(o) << "; }\n";
          os << pid << " -> " << namer.name(o) << "\n";
        }
        if (annotated) {
          if (auto scope = sites::lookup(x.site()).scope; !scope.empty()) {
            scoped[scope].push_back(std::to_string(pid));
          }
        }
      });
  write_clusters(os, scoped);
  os << "}";
}

}  // namespace

const char* status_name(array::Status s) {
  switch (s) {
    case array::Status::unscheduled:
      return "unscheduled";
    case array::Status::scheduled:
      return "scheduled";
    case array::Status::evaluated:
      return "evaluated";
    case array::Status::available:
      return "available";
  }
  return "unknown";
}

std::vector<NodeInfo> snapshot_graph(const std::vector<array>& outputs,
                                     const std::vector<array>* caller_refs) {
  std::vector<NodeInfo> nodes;
  std::vector<array> all;  // kept to decide which nodes something outside the graph holds
  std::unordered_map<uint64_t, size_t> index;
  std::unordered_map<uint64_t, long> graph_refs;  // references the snapshot accounts for
  walk(
      outputs, [](const array&) {},
      [&](const array& x) {
        if (!x.has_primitive()) {
          index[x.id()] = nodes.size();
          nodes.push_back(describe(x));
          all.push_back(x);
          return;
        }
        for (auto& in : x.inputs()) ++graph_refs[in.id()];
        for (auto& o : x.outputs()) {
          index[o.id()] = nodes.size();
          nodes.push_back(describe(o));
          graph_refs[o.id()] += static_cast<long>(o.siblings().size());  // siblings hold each other
          all.push_back(o);
        }
      });
  for (auto& o : outputs) {
    ++graph_refs[o.id()];
    if (auto it = index.find(o.id()); it != index.end()) nodes[it->second].is_output = true;
  }
  if (caller_refs) {
    for (auto& a : *caller_refs) ++graph_refs[a.id()];
  }
  // Held: more references than the graph, the caller and our copy in `all` explain.
  // A source nobody else holds is a constant (the 1 in x + 1).
  for (auto& a : all) {
    auto& n = nodes[index[a.id()]];
    n.is_held = a.use_count() - 1 > graph_refs[a.id()];
    n.is_constant = n.is_input && !n.is_output && !n.is_held;
  }
  return nodes;
}

size_t pending_count(const std::vector<array>& outputs) {
  size_t n = 0;
  walk(outputs, [](const array&) {}, [&](const array& x) { n += x.has_primitive(); });
  return n;
}

std::pair<size_t, size_t> pending_size(const std::vector<array>& outputs) {
  size_t n = 0, bytes = 0;
  walk(outputs, [](const array&) {}, [&](const array& x) {
    if (!x.has_primitive()) return;
    ++n;
    bytes += x.nbytes();
    for (auto& s : x.siblings()) bytes += s.nbytes();
  });
  return {n, bytes};
}

void export_to_dot(std::ostream& os, const std::vector<array>& outputs,
                   const std::vector<std::pair<std::string, array>>& named) {
  write_dot(os, outputs, named, false);
}

void export_to_dot_annotated(std::ostream& os, const std::vector<array>& outputs,
                             const std::vector<std::pair<std::string, array>>& named) {
  write_dot(os, outputs, named, true);
}

namespace sites {

namespace detail {
std::atomic<bool> recording{false};
Provider provider = nullptr;
}  // namespace detail

namespace {

std::mutex table_mutex;  // guards every table below
std::vector<Site> table{Site{}};
std::map<std::tuple<std::string, int, std::string, std::string, std::string>, uint32_t>
    table_index;
// (frame site, scope id, op id) -> site with that context
std::map<std::tuple<uint32_t, uint32_t, uint32_t>, uint32_t> context_index;

// Scope paths and op names, interned so the per-thread state is a few integers.
struct Names {
  std::vector<std::string> names{""};
  std::unordered_map<std::string, uint32_t> index;
  uint32_t intern(const std::string& s) {
    auto it = index.find(s);
    if (it != index.end()) return it->second;
    auto id = static_cast<uint32_t>(names.size());
    names.push_back(s);
    index.emplace(s, id);
    return id;
  }
};
Names scope_names;
Names op_names;

struct ThreadContext {
  std::vector<uint32_t> scopes;  // interned full paths, innermost last
  uint32_t op = 0;
  uint32_t call = 0;
};
thread_local ThreadContext context;
std::atomic<uint32_t> call_counter{0};

uint32_t intern_locked(Site s) {
  auto key = std::make_tuple(s.file, s.line, s.function, s.scope, s.op);
  auto it = table_index.find(key);
  if (it != table_index.end()) return it->second;
  auto idx = static_cast<uint32_t>(table.size());
  table.push_back(std::move(s));
  table_index.emplace(std::move(key), idx);
  return idx;
}

}  // namespace

bool set_recording(bool on) { return detail::recording.exchange(on); }

void set_provider(Provider p) { detail::provider = p; }

uint32_t capture() {
  uint32_t frame = detail::provider ? detail::provider() : 0;
  uint32_t scope = context.scopes.empty() ? 0 : context.scopes.back();
  if (scope == 0 && context.op == 0) return frame;
  // Most nodes in a row share their context: skip the lock for a repeat.
  thread_local std::tuple<uint32_t, uint32_t, uint32_t> last_key{0, 0, 0};
  thread_local uint32_t last_idx = 0;
  auto key = std::make_tuple(frame, scope, context.op);
  if (key == last_key && last_idx != 0) return last_idx;
  std::lock_guard<std::mutex> lock(table_mutex);
  auto it = context_index.find(key);
  uint32_t idx;
  if (it != context_index.end()) {
    idx = it->second;
  } else {
    Site s = frame < table.size() ? table[frame] : table[0];
    s.scope = scope_names.names[scope];
    s.op = op_names.names[context.op];
    idx = intern_locked(std::move(s));
    context_index.emplace(key, idx);
  }
  last_key = key;
  last_idx = idx;
  return idx;
}

uint32_t intern(Site s) {
  std::lock_guard<std::mutex> lock(table_mutex);
  return intern_locked(std::move(s));
}

Site lookup(uint32_t index) {
  std::lock_guard<std::mutex> lock(table_mutex);
  if (index >= table.size()) return table[0];
  return table[index];
}

void push_scope(const std::string& segment) {
  std::lock_guard<std::mutex> lock(table_mutex);
  const std::string& parent =
      context.scopes.empty() ? scope_names.names[0] : scope_names.names[context.scopes.back()];
  context.scopes.push_back(
      scope_names.intern(parent.empty() ? segment : parent + "." + segment));
}

void pop_scope() {
  if (!context.scopes.empty()) context.scopes.pop_back();
}

std::string current_scope() {
  if (context.scopes.empty()) return {};
  std::lock_guard<std::mutex> lock(table_mutex);
  return scope_names.names[context.scopes.back()];
}

size_t scope_depth() { return context.scopes.size(); }

void PublicOp::open(const char* name) {
  if (context.op != 0) return;  // called from inside another public op
  {
    std::lock_guard<std::mutex> lock(table_mutex);
    context.op = op_names.intern(name);
  }
  uint32_t c = ++call_counter;
  if (c == 0) c = ++call_counter;  // 0 means "no call" after a wrap
  context.call = c;
  owner_ = true;
}

void PublicOp::close() {
  context.op = 0;
  context.call = 0;
}

uint32_t current_call() { return context.call; }

}  // namespace sites

}  // namespace lumex::core
