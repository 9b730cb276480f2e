// Reverse and forward mode differentiation of functions of arrays.
//
// Both trace the function on fresh copies of the primals (marked as tracers, so
// evaluating inside the function keeps the graph), then walk the graph between
// those copies and the outputs, calling each primitive's vjp or jvp rule. Rules
// are written with ops, so the results are graphs that can be transformed again.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "engine/array.h"

namespace lumex::core {

using ArrayFun = std::function<std::vector<array>(const std::vector<array>&)>;

/// Outputs of fun(primals) and the cotangents of the primals. `cotangents` may
/// cover only the first outputs (the rest get none).
std::pair<std::vector<array>, std::vector<array>> vjp(
    const ArrayFun& fun, const std::vector<array>& primals,
    const std::vector<array>& cotangents);

/// Outputs of fun(primals) and their tangents along `tangents`.
std::pair<std::vector<array>, std::vector<array>> jvp(
    const ArrayFun& fun, const std::vector<array>& primals,
    const std::vector<array>& tangents);

/// Rules supplied by the user for a function (custom_function): each gets the
/// primals first, then cotangents/tangents (and outputs for vjp).
using CustomVjp = std::function<std::vector<array>(
    const std::vector<array>& primals, const std::vector<array>& cotangents,
    const std::vector<array>& outputs)>;
using CustomJvp = std::function<std::vector<array>(
    const std::vector<array>& primals, const std::vector<array>& tangents)>;
using CustomVmap = std::function<std::pair<std::vector<array>, std::vector<int>>(
    const std::vector<array>& inputs, const std::vector<int>& axes)>;

/// Wraps already computed `outputs` of a function of `inputs` so transforms use
/// the given rules instead of differentiating through the function. Missing
/// rules fall back to transforming `fun`.
std::vector<array> custom_transforms(const ArrayFun& fun,
                                     const std::vector<array>& outputs,
                                     const std::vector<array>& inputs,
                                     CustomVjp vjp_rule, CustomJvp jvp_rule,
                                     CustomVmap vmap_rule);

}  // namespace lumex::core
