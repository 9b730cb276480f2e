#include "engine/autodiff.h"

#include "engine/adjoints.h"

#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/trace.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

/// Fresh, traceable stand-ins for the primals: the function is traced on these.
std::vector<array> tracer_copies(const std::vector<array>& primals) {
  std::vector<array> out;
  out.reserve(primals.size());
  for (auto& p : primals) {
    auto c = copy(p);
    c.set_tracer(true);
    out.push_back(std::move(c));
  }
  return out;
}


}  // namespace

namespace {
/// vjp; with `adjoints`, also each traced array's cotangent as the backward
/// pass finishes it.
std::pair<std::vector<array>, std::vector<array>> vjp_impl(
    const ArrayFun& fun, const std::vector<array>& primals,
    const std::vector<array>& cotangents,
    std::vector<std::pair<array, array>>* adjoints) {
  auto copies = tracer_copies(primals);
  std::vector<array> outputs;
  {
    array::TracingScope tracing;
    outputs = fun(copies);
  }
  if (cotangents.size() > outputs.size()) {
    throw std::invalid_argument(
        msg("[vjp] Number of outputs to compute gradients for (", cotangents.size(),
            ") does not match number of cotangents (", outputs.size(), ")."));
  }
  std::unordered_map<uint64_t, array> cots;
  for (size_t i = 0; i < cotangents.size(); ++i) {
    const auto& o = outputs[i];
    const auto& c = cotangents[i];
    if (c.shape() != o.shape()) {
      throw std::invalid_argument(
          msg("[vjp] Output shape ", shape_str(o.shape()),
              " does not match cotangent shape ", shape_str(c.shape()), "."));
    }
    auto ct = astype(c, o.dtype());
    auto it = cots.find(o.id());
    if (it == cots.end()) {
      cots.emplace(o.id(), ct);
    } else {
      it->second = add(it->second, ct);
    }
  }
  std::unordered_set<uint64_t> sources;
  for (auto& c : copies) sources.insert(c.id());
  std::vector<array> seeded(outputs.begin(), outputs.begin() + cotangents.size());
  std::unordered_set<uint64_t> on_path;
  auto tape = detail::tape_between(sources, seeded, &on_path, /*stop_gradients=*/true);

  for (auto it = tape.rbegin(); it != tape.rend(); ++it) {
    auto& node = *it;
    auto outs = detail::primitive_outputs(node);
    std::vector<array> out_cots;
    bool any = false;
    for (auto& o : outs) {
      auto f = cots.find(o.id());
      if (f != cots.end()) {
        out_cots.push_back(f->second);
        if (adjoints) adjoints->emplace_back(o, f->second);
        cots.erase(f);  // consumed: free it as soon as the rule is built
        any = true;
      } else {
        out_cots.push_back(zeros_like(o));
      }
    }
    if (!any) continue;
    auto& ins = node.inputs();
    std::vector<int> argnums;
    for (size_t i = 0; i < ins.size(); ++i) {
      if (on_path.count(ins[i].id())) argnums.push_back(static_cast<int>(i));
    }
    if (argnums.empty()) continue;
    auto vjps = node.primitive().vjp(ins, out_cots, argnums, outs);
    for (size_t k = 0; k < argnums.size(); ++k) {
      const auto& in = ins[argnums[k]];
      auto f = cots.find(in.id());
      if (f == cots.end()) {
        cots.emplace(in.id(), vjps[k]);
      } else {
        f->second = add(f->second, vjps[k]);
      }
    }
  }
  std::vector<array> grads;
  grads.reserve(copies.size());
  for (auto& c : copies) {
    auto f = cots.find(c.id());
    grads.push_back(f != cots.end() ? f->second : zeros_like(c));
    if (adjoints) adjoints->emplace_back(c, grads.back());
  }
  return {std::move(outputs), std::move(grads)};
}
}  // namespace

std::pair<std::vector<array>, std::vector<array>> vjp(
    const ArrayFun& fun, const std::vector<array>& primals,
    const std::vector<array>& cotangents) {
  return vjp_impl(fun, primals, cotangents, nullptr);
}

VjpTrace vjp_with_adjoints(const ArrayFun& fun, const std::vector<array>& primals,
                           const std::vector<array>& cotangents) {
  VjpTrace t;
  std::tie(t.outputs, t.grads) = vjp_impl(fun, primals, cotangents, &t.adjoints);
  return t;
}

std::pair<std::vector<array>, std::vector<array>> jvp(
    const ArrayFun& fun, const std::vector<array>& primals,
    const std::vector<array>& tangents) {
  if (primals.size() != tangents.size()) {
    throw std::invalid_argument(
        "[jvp] Number of inputs does not match number of tangents.");
  }
  for (size_t i = 0; i < primals.size(); ++i) {
    if (primals[i].shape() != tangents[i].shape()) {
      throw std::invalid_argument(
          "[jvp] Input shape does not match shape of tangent.");
    }
  }
  auto copies = tracer_copies(primals);
  std::vector<array> outputs;
  {
    array::TracingScope tracing;
    outputs = fun(copies);
  }
  std::unordered_map<uint64_t, array> tans;
  std::unordered_set<uint64_t> sources;
  for (size_t i = 0; i < copies.size(); ++i) {
    sources.insert(copies[i].id());
    // Tangents keep their own dtype (an int primal may carry a float tangent), as MLX.
    tans.emplace(copies[i].id(), tangents[i]);
  }
  auto tape = detail::tape_between(sources, outputs, nullptr, /*stop_gradients=*/true);
  for (auto& node : tape) {
    auto& ins = node.inputs();
    std::vector<int> argnums;
    std::vector<array> in_tans;
    for (size_t i = 0; i < ins.size(); ++i) {
      auto f = tans.find(ins[i].id());
      if (f != tans.end()) {
        argnums.push_back(static_cast<int>(i));
        in_tans.push_back(f->second);
      }
    }
    if (argnums.empty()) continue;
    auto out_tans = node.primitive().jvp(ins, in_tans, argnums);
    auto outs = detail::primitive_outputs(node);
    for (size_t k = 0; k < outs.size() && k < out_tans.size(); ++k) {
      tans.insert_or_assign(outs[k].id(), out_tans[k]);
    }
  }
  std::vector<array> result;
  for (auto& o : outputs) {
    auto f = tans.find(o.id());
    result.push_back(f != tans.end() ? f->second : zeros_like(o));
  }
  return {std::move(outputs), std::move(result)};
}

std::vector<array> custom_transforms(const ArrayFun& fun,
                                     const std::vector<array>& outputs,
                                     const std::vector<array>& inputs,
                                     CustomVjp vjp_rule, CustomJvp jvp_rule,
                                     CustomVmap vmap_rule) {
  std::vector<array> all;
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& o : outputs) {
    all.push_back(stop_gradient(o));
    shapes.push_back(o.shape());
    dtypes.push_back(o.dtype());
  }
  all.insert(all.end(), inputs.begin(), inputs.end());
  auto prim = std::make_shared<CustomTransforms>(
      to_stream({}), static_cast<int>(outputs.size()), fun, std::move(vjp_rule),
      std::move(jvp_rule), std::move(vmap_rule));
  if (outputs.size() == 1) {
    return {array(shapes[0], dtypes[0], prim, std::move(all))};
  }
  return array::make_arrays(std::move(shapes), dtypes, prim, all);
}

}  // namespace lumex::core
