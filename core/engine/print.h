// Text form of arrays, matching MLX's repr exactly (see docs: Differences from MLX).
#pragma once

#include <ostream>

#include "engine/array.h"

namespace lumex::core {

struct PrintOptions {
  int precision = -1;  // -1: shortest %g-style with 6 significant digits
};

PrintOptions get_printoptions();
void set_printoptions(PrintOptions options);

/// Writes `array(<data>, dtype=<name>)`; evaluates the array.
void print_array(std::ostream& os, array a);

}  // namespace lumex::core
