#include "engine/graph_lock.h"

#include <atomic>
#include <mutex>

namespace lumex::core {

namespace {
std::recursive_mutex& graph_mutex() {
  static auto* m = new std::recursive_mutex();  // leaked: evals may run at exit
  return *m;
}
std::atomic<GraphWaitHook> wait_hook{nullptr};
void block() { graph_mutex().lock(); }
}  // namespace

GraphLock::GraphLock() {
  if (graph_mutex().try_lock()) return;
  if (auto hook = wait_hook.load(std::memory_order_acquire)) {
    hook(&block);
  } else {
    block();
  }
}

GraphLock::~GraphLock() { graph_mutex().unlock(); }

void set_graph_wait_hook(GraphWaitHook hook) {
  wait_hook.store(hook, std::memory_order_release);
}

}  // namespace lumex::core
