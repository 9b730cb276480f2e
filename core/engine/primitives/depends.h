// Depends: outputs are its first `n` inputs unchanged, computed only after the
// remaining inputs (the dependencies). Used to order side effects in a graph.
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/params.h"

namespace lumex::core {

class Depends : public Primitive {
 public:
  Depends(Stream s, int n) : Primitive(s), n_(n) {}
  LUMEX_EVAL_MULTI
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(Depends)
  std::vector<std::pair<std::string, std::string>> params() const override {
    return {{"outputs", param_text(n_)}};
  }
  LUMEX_FROM_PARAMS
  bool is_equivalent(const Primitive& other) const override {
    auto* o = dynamic_cast<const Depends*>(&other);
    return o && o->n_ == n_;
  }

 private:
  int n_;  // inputs [0, n) are passed through, [n, end) are dependencies
};

}  // namespace lumex::core
