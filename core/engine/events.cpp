#include "engine/events.h"

#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace lumex::core {

namespace {

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

std::mutex observers_mutex;
struct Registered {
  int handle;
  bool wants_nodes;
  std::shared_ptr<events::Observer> fn;
};
std::vector<Registered> observers;
int next_handle = 1;
std::atomic<size_t> threshold{0};
events::Warner warner = nullptr;
std::atomic<uint64_t> next_sequence{1};

// The outermost open trigger on this thread, if any.
thread_local EvalEvent* current = nullptr;

void update_enabled() {
  events::detail::enabled.store(!observers.empty() || threshold.load() > 0);
}

void emit(const std::shared_ptr<EvalEvent>& ev) noexcept {
  std::vector<std::shared_ptr<events::Observer>> fns;
  {
    std::lock_guard<std::mutex> lock(observers_mutex);
    for (auto& r : observers) fns.push_back(r.fn);
  }
  ev->sequence = next_sequence++;
  std::shared_ptr<const EvalEvent> done = ev;
  for (auto& fn : fns) {
    try {
      (*fn)(done);
    } catch (...) {
      // An observer must not break evaluation; the Python wrapper reports its errors.
    }
  }
}

std::string growth_message(const std::vector<array>& tape, size_t limit) {
  std::unordered_map<uint32_t, size_t> counts;
  for (auto& a : tape) ++counts[a.site()];
  uint32_t best = 0;
  size_t best_count = 0;
  for (auto& [site, n] : counts) {
    if (site != 0 && n > best_count) best = site, best_count = n;
  }
  std::string msg = "evaluating a pending graph of " + std::to_string(tape.size()) +
                    " nodes (warning threshold " + std::to_string(limit) + "). ";
  if (best == 0) {
    return msg +
           "Record creation sites (lumex.core.graph.record_sites()) to see which line "
           "keeps extending it, and evaluate inside long loops.";
  }
  auto s = sites::lookup(best);
  return msg + std::to_string(best_count) + " of them were created at " + s.file + ":" +
         std::to_string(s.line) + " in " + s.function +
         ": that line keeps extending the graph; evaluate inside the loop.";
}

}  // namespace

const char* trigger_name(TriggerKind k) {
  switch (k) {
    case TriggerKind::eval: return "eval";
    case TriggerKind::async_eval: return "async_eval";
    case TriggerKind::repr: return "repr";
    case TriggerKind::format: return "format";
    case TriggerKind::item: return "item";
    case TriggerKind::tolist: return "tolist";
    case TriggerKind::bool_: return "bool";
    case TriggerKind::int_: return "int";
    case TriggerKind::float_: return "float";
    case TriggerKind::complex_: return "complex";
    case TriggerKind::index: return "index";
    case TriggerKind::iter: return "iter";
    case TriggerKind::buffer: return "buffer";
    case TriggerKind::numpy: return "numpy";
    case TriggerKind::bytes: return "bytes";
    case TriggerKind::dlpack: return "dlpack";
    case TriggerKind::pickle: return "pickle";
    case TriggerKind::save: return "save";
    case TriggerKind::bool_mask: return "bool_mask";
    case TriggerKind::other: return "other";
  }
  return "other";
}

void EvalTrigger::open(TriggerKind kind) {
  if (current) return;  // nested: the outer trigger explains this evaluation
  event_ = std::make_shared<EvalEvent>();
  event_->kind = kind;
  event_->site = sites::capture();
  event_->thread_id = std::hash<std::thread::id>{}(std::this_thread::get_id());
  current = event_.get();
}

void EvalTrigger::close() noexcept {
  current = nullptr;
  if (event_->num_nodes > 0) emit(event_);
}

namespace events {

namespace detail {
std::atomic<bool> enabled{false};
}  // namespace detail

int add_observer(Observer fn, bool wants_nodes) {
  std::lock_guard<std::mutex> lock(observers_mutex);
  int h = next_handle++;
  observers.push_back({h, wants_nodes, std::make_shared<Observer>(std::move(fn))});
  update_enabled();
  return h;
}

bool remove_observer(int handle) {
  std::lock_guard<std::mutex> lock(observers_mutex);
  for (auto it = observers.begin(); it != observers.end(); ++it) {
    if (it->handle == handle) {
      observers.erase(it);
      update_enabled();
      return true;
    }
  }
  return false;
}

void set_growth_warning(size_t limit, Warner warn) {
  std::lock_guard<std::mutex> lock(observers_mutex);
  warner = warn;
  threshold.store(limit);
  update_enabled();
}

EvalRecord::EvalRecord(const std::vector<array>& outputs, const std::vector<array>& tape) {
  if (tape.empty()) return;
  if (auto limit = threshold.load(); limit > 0 && tape.size() > limit && warner) {
    warner(growth_message(tape, limit));
  }
  bool observed, wants_nodes = false;
  {
    std::lock_guard<std::mutex> lock(observers_mutex);
    observed = !observers.empty();
    for (auto& r : observers) wants_nodes = wants_nodes || r.wants_nodes;
  }
  if (!observed) return;
  event_ = std::make_shared<EvalEvent>();
  if (wants_nodes) event_->nodes = snapshot_graph(outputs, &tape);
  for (auto& o : outputs) event_->outputs.push_back(o.id());
  event_->num_nodes = tape.size();
  for (auto& a : tape) {
    event_->nbytes += a.nbytes();
    for (auto& s : a.siblings()) event_->nbytes += s.nbytes();
  }
  start_ns_ = now_ns();
}

void EvalRecord::finish() {
  if (!event_) return;
  event_->wall_time = static_cast<double>(now_ns() - start_ns_) * 1e-9;
  if (current) {
    // Merged into the open trigger, which raises the event when it closes.
    auto& ev = *current;
    ev.nodes.insert(ev.nodes.end(), std::make_move_iterator(event_->nodes.begin()),
                    std::make_move_iterator(event_->nodes.end()));
    ev.outputs.insert(ev.outputs.end(), event_->outputs.begin(), event_->outputs.end());
    ev.num_nodes += event_->num_nodes;
    ev.nbytes += event_->nbytes;
    ev.wall_time += event_->wall_time;
    return;
  }
  event_->kind = TriggerKind::other;
  event_->site = sites::capture();
  event_->thread_id = std::hash<std::thread::id>{}(std::this_thread::get_id());
  emit(event_);
}

}  // namespace events

}  // namespace lumex::core
