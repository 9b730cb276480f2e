#include "engine/eval.h"

#include <optional>

#include "engine/events.h"
#include "engine/graph_lock.h"
#include "engine/primitives.h"

namespace lumex::core {

namespace {

/// Sets the status of a node and of its sibling outputs.
void set_group_status(const array& a, array::Status st) {
  a.set_status(st);
  for (auto& s : a.siblings()) s.set_status(st);
}

// Post-order over the pending part of the graph, depth-first with an explicit stack.
// Each primitive appears once (through the first of its outputs that is reached):
// a node is marked scheduled when first visited, which doubles as the visited set
// (no hash set, no allocation per node).
std::vector<array> build_tape(const std::vector<array>& outputs) {
  std::vector<array> tape;
  struct Frame {
    array node;
    size_t next_input;
  };
  std::vector<Frame> stack;
  auto visit = [&](const array& a) {
    if (a.status() != array::Status::unscheduled) return;
    set_group_status(a, array::Status::scheduled);
    stack.push_back({a, 0});
  };
  try {
    for (const auto& out : outputs) {
      visit(out);
      while (!stack.empty()) {
        auto& top = stack.back();
        auto& ins = top.node.inputs();
        if (top.next_input < ins.size()) {
          // Copy: visit() may grow the stack and invalidate `top`.
          array in = ins[top.next_input++];
          visit(in);
        } else {
          tape.push_back(std::move(top.node));
          stack.pop_back();
        }
      }
    }
  } catch (...) {
    for (auto& a : tape) set_group_status(a, array::Status::unscheduled);
    for (auto& f : stack) set_group_status(f.node, array::Status::unscheduled);
    throw;
  }
  return tape;
}

}  // namespace

void eval(std::vector<array> outputs) {
  GraphLock lock;
  auto tape = build_tape(outputs);
  // Observers see the graph as it was pending; off, this is one predictable branch.
  std::optional<events::EvalRecord> record;
  if (events::enabled()) [[unlikely]] {
    // The snapshot shows the graph as the user left it: still unscheduled.
    for (auto& a : tape) set_group_status(a, array::Status::unscheduled);
    record.emplace(outputs, tape);
    for (auto& a : tape) set_group_status(a, array::Status::scheduled);
  }
  std::vector<array> outs;  // reused: most nodes have one output
  for (size_t i = 0; i < tape.size(); ++i) {
    // Moved out of the tape so the tape does not keep intermediates alive.
    array a = std::move(tape[i]);
    outs.clear();
    if (a.siblings().empty()) {
      outs.push_back(a);
    } else {
      outs = a.outputs();
    }
    try {
      auto& prim = a.primitive();
      if (prim.stream().device == Device::gpu) {
        prim.eval_gpu(a.inputs(), outs);
      } else {
        prim.eval_cpu(a.inputs(), outs);
      }
    } catch (...) {
      // Leave the graph as it was so the user can inspect it or retry.
      for (auto& o : outs) o.set_status(array::Status::unscheduled);
      for (size_t j = i + 1; j < tape.size(); ++j) {
        tape[j].set_status(array::Status::unscheduled);
        for (auto& o : tape[j].siblings()) {
          o.set_status(array::Status::unscheduled);
        }
      }
      throw;
    }
    for (auto& o : outs) o.set_status(array::Status::available);
    // Dropping the inputs releases intermediates whose last consumer just ran.
    // A transform that is tracing still needs the graph of its tracers.
    if (!a.is_tracer()) a.detach();
    outs.clear();
  }
  if (record) record->finish();
}

void async_eval(std::vector<array> outputs) {
  // MLX refuses it: work started in the background cannot be part of a traced graph.
  for (auto& a : outputs) {
    if (a.is_tracer()) {
      throw std::invalid_argument("[async_eval] Not allowed inside a graph transformation.");
    }
  }
  eval(std::move(outputs));
}

}  // namespace lumex::core
