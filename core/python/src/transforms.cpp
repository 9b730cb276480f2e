#include "common.h"
#include "engine/transforms.h"

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

void init_autodiff(nb::module_& m);

void init_transforms(nb::module_& m) {
  init_autodiff(m);
  m.def("eval",
        [](nb::args args) {
          std::vector<lx::array> arrays;
          collect_arrays(args, arrays);
          nb::gil_scoped_release release;
          lx::eval(std::move(arrays));
        },
        "Evaluate arrays (any nested lists, tuples or dicts of them).");
  m.def("async_eval",
        [](nb::args args) {
          std::vector<lx::array> arrays;
          collect_arrays(args, arrays);
          nb::gil_scoped_release release;
          lx::async_eval(std::move(arrays));
        },
        "Start evaluating arrays; today the CPU backend finishes before returning.");
}
