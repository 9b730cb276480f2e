#include "engine/vmap.h"

#include <unordered_map>
#include <unordered_set>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/trace.h"
#include "engine/utils.h"

namespace lumex::core {

std::vector<array> vmap(const ArrayFun& fun, const std::vector<array>& inputs,
                        const std::vector<int>& in_axes,
                        const std::vector<int>& out_axes) {
  return vmap(fun, inputs, in_axes, [&] { return out_axes; });
}

std::vector<array> vmap(const ArrayFun& fun, const std::vector<array>& inputs,
                        const std::vector<int>& in_axes,
                        const std::function<std::vector<int>()>& out_axes_fn) {
  if (in_axes.size() != inputs.size()) {
    throw std::invalid_argument(
        msg("[vmap] The number of in axes (", in_axes.size(),
            ") must match the number of arguments (", inputs.size(), ")."));
  }
  std::vector<int> axes(in_axes);
  ShapeElem batch = -1;
  std::vector<array> traced;
  std::unordered_set<uint64_t> sources;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto& x = inputs[i];
    int ax = axes[i];
    if (ax == no_axis) {
      traced.push_back(x);
      continue;
    }
    if (ax < -x.ndim() || ax >= x.ndim()) {
      throw std::out_of_range(msg("[vmap] Invalid vectorization axis ", ax,
                                  " for array with shape ", shape_str(x.shape())));
    }
    if (ax < 0) ax += x.ndim();
    axes[i] = ax;
    if (batch >= 0 && x.shape(ax) != batch) {
      throw std::invalid_argument(
          msg("[vmap] Inconsistent axis sizes: ", batch, " and ", x.shape(ax), "."));
    }
    batch = x.shape(ax);
    Shape shape = x.shape();
    shape.erase(shape.begin() + ax);
    auto p = array(shape, x.dtype(), std::make_shared<Placeholder>(to_stream({})), {});
    p.set_tracer(true);
    sources.insert(p.id());
    traced.push_back(std::move(p));
  }
  std::vector<array> outputs;
  {
    array::TracingScope tracing;
    outputs = fun(traced);
  }
  auto out_axes = out_axes_fn();
  if (out_axes.size() != outputs.size()) {
    throw std::invalid_argument(
        msg("[vmap] The number of out axes (", out_axes.size(),
            ") must match the number of outputs (", outputs.size(), ")."));
  }
  std::unordered_set<uint64_t> on_path;
  auto tape = detail::tape_between(sources, outputs, &on_path);

  std::unordered_map<uint64_t, std::pair<array, int>> batched;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (sources.count(traced[i].id())) {
      batched.insert_or_assign(traced[i].id(), std::make_pair(inputs[i], axes[i]));
    }
  }
  for (auto& node : tape) {
    std::vector<array> ins;
    std::vector<int> ax;
    for (auto& in : node.inputs()) {
      auto f = batched.find(in.id());
      if (f != batched.end()) {
        ins.push_back(f->second.first);
        ax.push_back(f->second.second);
      } else {
        ins.push_back(in);
        ax.push_back(-1);
      }
    }
    auto [outs, oaxes] = node.primitive().vmap(ins, ax);
    auto originals = detail::primitive_outputs(node);
    for (size_t k = 0; k < originals.size(); ++k) {
      batched.insert_or_assign(originals[k].id(), std::make_pair(outs[k], oaxes[k]));
    }
  }

  std::vector<array> results;
  for (size_t j = 0; j < outputs.size(); ++j) {
    const auto& o = outputs[j];
    int oa = out_axes[j] == no_axis ? -1 : out_axes[j];
    bool none = out_axes[j] == no_axis;
    auto f = batched.find(o.id());
    bool is_batched = f != batched.end() && f->second.second >= 0;
    int nd = o.ndim();  // unbatched rank
    if (!none && (oa < -(nd + 1) || oa > nd)) {
      throw std::out_of_range(msg("[vmap] Invalid output vectorization axis ", oa,
                                  " for array with shape ", shape_str(o.shape())));
    }
    if (!none && oa < 0) oa += nd + 1;
    if (!is_batched) {
      if (none || batch < 0) {
        results.push_back(o);
        continue;
      }
      Shape shape = o.shape();
      shape.insert(shape.begin() + oa, batch);
      results.push_back(broadcast_to(expand_dims(o, oa), shape));
      continue;
    }
    auto [arr, ax] = f->second;
    if (none) {
      throw std::invalid_argument(
          "[vmap] Cannot return a batched output with out_axes=None.");
    }
    results.push_back(ax == oa ? arr : moveaxis(arr, ax, oa));
  }
  return results;
}

}  // namespace lumex::core
