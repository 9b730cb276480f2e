// Evaluation changes the pending graph (statuses, detached inputs) and runs on
// shared kernel thread pools, so evaluations are serialised. A second thread that
// reaches the same pending node then finds it computed, as if it ran alone.
#pragma once

namespace lumex::core {

/// Held by eval() and by walks that read inputs of pending nodes. Recursive: a
/// kernel may evaluate. Uncontended it costs one try_lock.
class GraphLock {
 public:
  GraphLock();
  ~GraphLock();
  GraphLock(const GraphLock&) = delete;
  GraphLock& operator=(const GraphLock&) = delete;
};

/// Called to block for the lock when another thread holds it. The Python layer
/// sets it to release the GIL while waiting: the holder may need the GIL (to drop
/// a Python callback, to notify an observer) before it can finish.
using GraphWaitHook = void (*)(void (*wait)());
void set_graph_wait_hook(GraphWaitHook hook);

}  // namespace lumex::core
