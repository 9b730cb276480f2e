#include "common.h"
#include "engine/events.h"
#include "engine/eval.h"

namespace {

// Leaves of nested lists/tuples/dicts that are arrays; other leaves are ignored.
void collect_arrays(nb::handle tree, std::vector<lx::array>& out) {
  std::vector<nb::handle> stack{tree};
  while (!stack.empty()) {
    auto h = stack.back();
    stack.pop_back();
    if (nb::isinstance<lx::array>(h)) {
      out.push_back(nb::cast<lx::array>(h));
    } else if (nb::isinstance<nb::list>(h) || nb::isinstance<nb::tuple>(h)) {
      for (auto item : h) stack.push_back(item);
    } else if (nb::isinstance<nb::dict>(h)) {
      for (auto item : nb::borrow<nb::dict>(h).values()) stack.push_back(item);
    }
  }
}

}  // namespace

void init_eval(nb::module_& m) {
  m.def("eval",
        [](nb::args args) {
          std::vector<lx::array> arrays;
          collect_arrays(args, arrays);
          lx::EvalTrigger trig(lx::TriggerKind::eval);
          nb::gil_scoped_release release;
          lx::eval(std::move(arrays));
        },
        nb::sig("def eval(*args) -> None"),
        R"(Evaluate arrays, and everything their values depend on.

Computation in lumex is lazy: operations record a graph, and ``eval``
computes it. The arrays are computed together in one pass, each shared
intermediate once; afterwards they hold their data and no longer refer to the
graph that produced them, so intermediates are freed.

Args:
    *args (array | list | tuple | dict): Arrays, or trees (nested lists,
      tuples and dicts) of arrays. Other leaves are ignored.)");
  m.def("async_eval",
        [](nb::args args) {
          std::vector<lx::array> arrays;
          collect_arrays(args, arrays);
          lx::EvalTrigger trig(lx::TriggerKind::async_eval);
          nb::gil_scoped_release release;
          lx::async_eval(std::move(arrays));
        },
        nb::sig("def async_eval(*args) -> None"),
        R"(Start evaluating arrays and return.

Like :func:`eval` in what it computes. Today's CPU backend finishes the work
before returning.

Args:
    *args (array | list | tuple | dict): Arrays, or trees of arrays.)");
}
