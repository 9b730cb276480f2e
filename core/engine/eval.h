// Evaluation of lazy graphs: eval and async_eval.
#pragma once

#include <vector>

#include "engine/array.h"

namespace lumex::core {

/// Computes every array in `outputs` and whatever pending arrays they depend on.
/// Iterative (no recursion), frees intermediates as it goes, detaches the results.
void eval(std::vector<array> outputs);

/// Schedules evaluation. The CPU backend is synchronous today, so this evaluates.
void async_eval(std::vector<array> outputs);

}  // namespace lumex::core
