// Graph introspection: read the pending graph without evaluating anything.
//
// snapshot_graph() walks the unevaluated ancestors of some arrays (iteratively, so
// 10^6-node chains are fine) and describes each node. Creation sites, when enabled,
// tag every new graph node with where the user created it (an index into an
// interned table filled by a provider the Python layer installs).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "engine/array.h"

namespace lumex::core {

/// One array in a graph snapshot.
struct NodeInfo {
  uint64_t id = 0;             // array::id()
  uintptr_t primitive_id = 0;  // shared by sibling outputs; 0 for graph sources
  std::string op;              // primitive name, empty for graph sources
  std::vector<std::pair<std::string, std::string>> params;
  std::optional<Stream> stream;  // the primitive's stream, none for graph sources
  std::vector<uint64_t> inputs;
  std::vector<uint64_t> siblings;  // other outputs of the same primitive
  Shape shape;
  Dtype dtype = float32;
  array::Status status = array::Status::unscheduled;
  size_t nbytes = 0;
  bool is_input = false;     // a graph source: no primitive (holds or will hold data)
  bool is_constant = false;  // a source only the graph keeps alive (e.g. the 1 in x + 1)
  bool is_output = false;    // one of the arrays the snapshot was taken for
  bool is_held = false;      // referenced from outside this graph (a variable, another graph)
  uint32_t site = 0;     // creation site index, 0 when unknown
  uint32_t call = 0;     // public op call serial (sites::current_call), 0 when unknown
};

/// The pending graph of `outputs` in topological order (inputs before users).
/// Sources feeding pending nodes are included; evaluated arrays are sources.
/// `caller_refs` lists references the caller holds besides `outputs` (eval's tape),
/// so they do not count as references from outside the graph (`is_held`).
std::vector<NodeInfo> snapshot_graph(const std::vector<array>& outputs,
                                     const std::vector<array>* caller_refs = nullptr);

/// Number of nodes an eval of `outputs` would compute (no evaluation).
size_t pending_count(const std::vector<array>& outputs);

/// pending_count and the bytes of the results those nodes would produce.
std::pair<size_t, size_t> pending_size(const std::vector<array>& outputs);

/// MLX's DOT format: sources ranked first, one rectangle per primitive, outputs
/// ranked last; unnamed arrays are called A, B, ..., Z, AA, ... in visiting order.
void export_to_dot(std::ostream& os, const std::vector<array>& outputs,
                   const std::vector<std::pair<std::string, array>>& named);

/// As export_to_dot, with each array labelled by op, shape, dtype, status and,
/// where recorded, its creation site.
void export_to_dot_annotated(std::ostream& os, const std::vector<array>& outputs,
                             const std::vector<std::pair<std::string, array>>& named);

const char* status_name(array::Status s);

namespace sites {

/// Where and in what context a node was created: the user's line, the module
/// scope path open at that moment ("encoder.layers.0"), and the public op (the
/// binding the user called, such as "ones") whose call created it.
struct Site {
  std::string file;
  int line = 0;
  std::string function;
  std::string scope;  // dotted path, empty at top level
  std::string op;     // public op name, empty outside a tagged binding call
};

/// Returns the site of the caller (an interned index, 0 for unknown).
using Provider = uint32_t (*)();

namespace detail {
extern std::atomic<bool> recording;
extern Provider provider;
}  // namespace detail

/// True while creation sites are recorded. Read once per node creation.
inline bool recording() {
  return detail::recording.load(std::memory_order_relaxed);
}
/// Turns recording on or off; returns the previous setting.
bool set_recording(bool on);
void set_provider(Provider p);
/// The caller's site through the provider, with the current scope and public op
/// (works whether or not recording is on).
uint32_t capture();
/// Interns a site; equal sites get equal indices. Index 0 is reserved for unknown.
uint32_t intern(Site s);
/// The site for an index; index 0 or out of range gives an empty site.
Site lookup(uint32_t index);

/// Module scopes: a per-thread stack of path segments, joined with ".".
void push_scope(const std::string& segment);
void pop_scope();
std::string current_scope();
size_t scope_depth();

/// The public op call in progress on this thread: bindings open one per call, so
/// the nodes a call creates (a `ones` builds Full and Broadcast) can be shown as
/// that op. Only the outermost call on a thread counts, and only while recording,
/// so the cost otherwise is one relaxed atomic load.
class PublicOp {
 public:
  explicit PublicOp(const char* name) {
    if (recording()) [[unlikely]] open(name);
  }
  ~PublicOp() {
    if (owner_) close();
  }
  PublicOp(const PublicOp&) = delete;
  PublicOp& operator=(const PublicOp&) = delete;

 private:
  void open(const char* name);
  void close();
  bool owner_ = false;
};

/// The serial number of the public op call in progress (0 outside any): nodes
/// with equal nonzero serials were created by one call.
uint32_t current_call();

}  // namespace sites

}  // namespace lumex::core
