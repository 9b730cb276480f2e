// Evaluation events: every evaluation that computes something is reported once to
// the registered observers, with what triggered it and a snapshot of the graph
// that was computed.
//
// Bindings mark each implicit evaluation with an EvalTrigger scope; all evals that
// run inside the outermost scope on a thread are merged into one event, raised when
// the scope ends. An eval outside any scope gives its own event of kind `other`.
// With no observer and no growth warning set, the cost is one relaxed atomic load
// per eval and per trigger scope.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/array.h"
#include "engine/introspect.h"

namespace lumex::core {

enum class TriggerKind : uint8_t {
  eval,        // mx.eval
  async_eval,  // mx.async_eval
  repr,        // repr / str / print
  format,      // format(a, spec), f-strings
  item,        // a.item()
  tolist,      // a.tolist()
  bool_,       // bool(a), `if a:`
  int_,        // int(a)
  float_,      // float(a)
  complex_,    // complex(a)
  index,       // operator.index(a), range(a)
  iter,        // iteration (lazy slices today: no evaluation)
  buffer,      // the buffer protocol: memoryview(a)
  numpy,       // np.array(a) / np.asarray(a) through __array__
  bytes,       // bytes(a)
  dlpack,      // a.__dlpack__() / np.from_dlpack(a)
  pickle,      // pickle.dumps(a)
  save,        // mx.save / savez / save_safetensors / save_gguf
  bool_mask,   // boolean-mask indexing (the mask's true count is needed)
  other,       // an eval outside any trigger scope
};

const char* trigger_name(TriggerKind k);

/// What one evaluation (or one trigger's evaluations) computed.
struct EvalEvent {
  TriggerKind kind;
  uint32_t site = 0;             // the user's location at the trigger (sites::lookup)
  std::vector<NodeInfo> nodes;   // the graph that was pending, taken before it ran
  std::vector<uint64_t> outputs; // ids of the arrays asked for
  size_t num_nodes = 0;          // primitives run
  size_t nbytes = 0;             // bytes of all arrays computed
  double wall_time = 0;          // seconds spent evaluating
  uint64_t thread_id = 0;
  uint64_t sequence = 0;         // process-wide order of events
};

/// Marks the evaluations in its lifetime as caused by `kind`. Nested scopes on the
/// same thread defer to the outermost one. Bindings that evaluate for the user
/// (save*, boolean masks, ...) open one before evaluating:
///   EvalTrigger trig(TriggerKind::save);
class EvalTrigger {
 public:
  explicit EvalTrigger(TriggerKind kind) {
    if (events_enabled()) [[unlikely]] open(kind);
  }
  ~EvalTrigger() {
    if (event_) close();
  }
  EvalTrigger(const EvalTrigger&) = delete;
  EvalTrigger& operator=(const EvalTrigger&) = delete;

  static bool events_enabled();

 private:
  void open(TriggerKind kind);
  void close() noexcept;
  std::shared_ptr<EvalEvent> event_;
};

namespace events {

namespace detail {
extern std::atomic<bool> enabled;
}  // namespace detail

/// True if eval must record (an observer is registered or a growth warning is set).
inline bool enabled() { return detail::enabled.load(std::memory_order_relaxed); }

using Observer = std::function<void(const std::shared_ptr<const EvalEvent>&)>;
/// Registers an observer; returns a handle for remove_observer. Observers run on
/// the evaluating thread after the event is complete and must not throw. With
/// `wants_nodes` false the events it gets may have no graph snapshot (`nodes`
/// empty; counts, bytes and times are still filled), which makes observing cheap;
/// the snapshot is taken when any registered observer wants it.
int add_observer(Observer fn, bool wants_nodes = true);
bool remove_observer(int handle);

/// Warn (through `warn`) when an eval is about to compute more than `threshold`
/// nodes; 0 turns it off.
using Warner = void (*)(const std::string& message);
void set_growth_warning(size_t threshold, Warner warn);

/// Made by eval() when enabled(): snapshots the pending graph before the tape
/// runs; finish() after it has run merges into the open trigger or raises an event.
class EvalRecord {
 public:
  EvalRecord(const std::vector<array>& outputs, const std::vector<array>& tape);
  void finish();

 private:
  std::shared_ptr<EvalEvent> event_;
  uint64_t start_ns_;
};

}  // namespace events

inline bool EvalTrigger::events_enabled() { return events::enabled(); }

}  // namespace lumex::core
