// Thin bindings of the function transforms over flat lists of arrays. The
// Python layer (lumex/_transforms.py) handles trees, argnums and caching.
#include <nanobind/stl/function.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>

#include <unordered_set>

#include "common.h"
#include "engine/adjoints.h"
#include "engine/autodiff.h"
#include "engine/compile.h"
#include "engine/primitives/base.h"
#include "engine/vmap.h"

namespace {

using Arrays = std::vector<lx::array>;
using OptAxes = std::vector<std::optional<int>>;

std::vector<int> to_axes(const OptAxes& axes) {
  std::vector<int> out;
  for (auto& a : axes) out.push_back(a ? *a : lx::no_axis);
  return out;
}

}  // namespace

void init_transforms(nb::module_& m) {
  m.def("_vjp", &lx::vjp, "fun"_a, "primals"_a, "cotangents"_a,
        "Flat vjp: (outputs, cotangents of the primals).");
  m.def("_vjp_adjoints",
        [](const lx::ArrayFun& fun, const Arrays& primals, const Arrays& cotangents) {
          auto t = lx::vjp_with_adjoints(fun, primals, cotangents);
          return std::make_tuple(t.outputs, t.grads, t.adjoints);
        },
        "fun"_a, "primals"_a, "cotangents"_a,
        "Flat vjp plus (traced array, cotangent) pairs in the order the backward pass "
        "finished them (the notebook's backward sweep).");
  m.def("_jvp", &lx::jvp, "fun"_a, "primals"_a, "tangents"_a,
        "Flat jvp: (outputs, tangents of the outputs).");
  m.def("_vmap",
        [](const lx::ArrayFun& fun, const Arrays& inputs, const OptAxes& in_axes,
           const std::function<OptAxes()>& out_axes) {
          return lx::vmap(fun, inputs, to_axes(in_axes),
                          [&] { return to_axes(out_axes()); });
        },
        "fun"_a, "inputs"_a, "in_axes"_a, "out_axes"_a,
        "Flat vmap with one axis (or None) per input; out_axes() is called after "
        "tracing and gives one per output.");
  // Compile swaps captured state in and out of the user's array objects.
  m.def("_overwrite", [](lx::array& a, const lx::array& b) { a.overwrite_descriptor(b); },
        "a"_a, "b"_a);
  m.def("_handle", [](const lx::array& a) { return a; }, "a"_a,
        "A new Python object for the same array node.");
  m.def("_custom_transforms",
        [](const lx::ArrayFun& fun, const Arrays& outputs, const Arrays& inputs,
           std::optional<lx::CustomVjp> vjp_rule, std::optional<lx::CustomJvp> jvp_rule,
           std::optional<std::function<std::pair<Arrays, OptAxes>(const Arrays&,
                                                                  const OptAxes&)>>
               vmap_rule) {
          lx::CustomVmap vm;
          if (vmap_rule) {
            vm = [f = *vmap_rule](const Arrays& in, const std::vector<int>& axes) {
              OptAxes py_axes;
              for (int a : axes) py_axes.push_back(a < 0 ? std::nullopt : std::optional<int>(a));
              auto [outs, oaxes] = f(in, py_axes);
              std::vector<int> r;
              for (auto& a : oaxes) r.push_back(a ? *a : -1);
              return std::make_pair(outs, r);
            };
          }
          return lx::custom_transforms(fun, outputs, inputs,
                                       vjp_rule ? *vjp_rule : lx::CustomVjp{},
                                       jvp_rule ? *jvp_rule : lx::CustomJvp{}, vm);
        },
        "fun"_a, "outputs"_a, "inputs"_a, "vjp"_a.none(), "jvp"_a.none(),
        "vmap"_a.none());

  nb::class_<lx::CompiledGraph>(m, "_CompiledGraph")
      .def(nb::init<const lx::ArrayFun&, const Arrays&>(), "fun"_a, "inputs"_a)
      .def("replay", &lx::CompiledGraph::replay, "inputs"_a)
      .def("replay_shapeless", &lx::CompiledGraph::replay_shapeless, "inputs"_a,
           "replay for inputs of other sizes; None when the trace cannot be resized.")
      .def_prop_ro("num_nodes", &lx::CompiledGraph::num_nodes)
      .def("traced_steps",
           [](const lx::CompiledGraph& g) {
             std::vector<std::tuple<std::string, std::vector<uint64_t>, std::vector<uint64_t>,
                                    long, std::string>>
                 out;
             for (auto& t : g.traced_steps()) {
               out.emplace_back(t.op, t.out_ids, t.in_ids, t.group, t.reason);
             }
             return out;
           },
           "(op, output ids, input ids, fused group or -1, why it was left out) per "
           "traced step, before fusion.")
      .def("merged",
           [](const lx::CompiledGraph& g) {
             std::vector<std::tuple<uint64_t, uint64_t, std::string>> out;
             for (auto& m : g.merged()) out.emplace_back(m.id, m.into, m.reason);
             return out;
           },
           "(value id, id of the value used instead, why) per value the simplification "
           "pass merged into an equal one.")
      .def_prop_ro("traced_outputs", &lx::CompiledGraph::traced_outputs)
      .def_prop_ro("placeholders", &lx::CompiledGraph::placeholders);
  m.def("_compile_enabled", &lx::compile_enabled);
  m.def("disable_compile", [] { lx::set_compile_enabled(false); },
        "Globally disable compilation: compiled functions run uncompiled.");
  m.def("enable_compile", [] { lx::set_compile_enabled(true); },
        "Globally enable compilation (undoes disable_compile).");

  m.def("_primitive_rules",
        [] {
          std::vector<std::tuple<std::string, bool, bool, bool>> out;
          for (auto& p : lx::primitive_registry()) {
            out.emplace_back(p.name, p.has_jvp, p.has_vjp, p.has_vmap);
          }
          return out;
        },
        "Registered primitives and which transform rules each defines.");
  m.def("_rule_exemptions",
        [] {
          std::vector<std::tuple<std::string, std::string, std::string>> out;
          for (auto& [key, why] : lx::rule_exemptions()) {
            out.emplace_back(key.first, key.second, why);
          }
          return out;
        },
        "(primitive, rule, reason) for rules a primitive deliberately lacks.");
  m.def("_primitive_names",
        [] {
          std::vector<std::pair<std::string, std::vector<std::string>>> out;
          for (auto& p : lx::primitive_registry()) out.emplace_back(p.name, p.names);
          return out;
        },
        "(class, names its instances report) for every registered primitive.");
  m.def("_make_primitive",
        [](const std::string& name, nb::dict given) {
          lx::PrimitiveParams params;
          for (auto [k, v] : given) params.emplace_back(nb::str(k).c_str(), nb::str(v).c_str());
          auto p = lx::make_primitive(name, lx::default_stream(lx::default_device()), params);
          return std::make_pair(std::string(p->name()), p->params());
        },
        "name"_a, "params"_a,
        "(name, params) of the primitive the registry makes from `name` and `params` "
        "(the factory graph import will use).");
  m.def("_remake_primitives",
        [](const Arrays& outputs) {
          // Every primitive behind `outputs`, rebuilt by the registry from what it
          // reports: (class, name, params, equivalent to the original).
          std::vector<std::tuple<std::string, std::string, lx::PrimitiveParams, bool>> out;
          std::unordered_set<const lx::Primitive*> seen;
          std::unordered_set<uint64_t> visited;
          std::vector<lx::array> stack(outputs.begin(), outputs.end());
          while (!stack.empty()) {
            auto a = stack.back();
            stack.pop_back();
            if (!visited.insert(a.id()).second || !a.has_primitive()) continue;
            for (auto& in : a.inputs()) stack.push_back(in);
            auto& p = a.primitive();
            if (!seen.insert(&p).second) continue;
            auto* info = lx::find_primitive(p.name());
            auto made = lx::make_primitive(p.name(), p.stream(), p.params());
            // Fused never merges (is_equivalent is false by design): its parameters
            // are the whole program, so equal parameters are the test.
            bool same = std::string(p.name()) == "Fused" ? made->params() == p.params()
                                                         : made->is_equivalent(p);
            out.emplace_back(info ? info->name : "", p.name(), p.params(), same);
          }
          return out;
        },
        "outputs"_a,
        "Rebuilds every primitive of the graph of `outputs` through the registry: "
        "(class, name, params, equivalent) per primitive.");
}
