// Fused's rules: transforms see the ops it replaced (rebuilt on demand).
#include <algorithm>
#include <typeinfo>

#include "engine/autodiff.h"
#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"
#include "engine/primitives/params.h"
#include "engine/vmap.h"

namespace lumex::core {

using Op = FusedStep::Op;

const char* FusedStep::name(Op op) {
  switch (op) {
#define LUMEX_FUSED_NAME(OP, PRIM, ARITY) \
  case Op::OP: return #OP;
    LUMEX_FUSED_OPS(LUMEX_FUSED_NAME)
#undef LUMEX_FUSED_NAME
  }
  return "?";
}

bool FusedStep::is_binary(Op op) {
  switch (op) {
#define LUMEX_FUSED_ARITY(OP, PRIM, ARITY) \
  case Op::OP: return ARITY == 2;
    LUMEX_FUSED_OPS(LUMEX_FUSED_ARITY)
#undef LUMEX_FUSED_ARITY
  }
  return false;
}

bool Fused::fusable(const Primitive& p, Op& op) {
  const auto& t = typeid(p);
#define LUMEX_FUSED_MATCH(OP, PRIM, ARITY) \
  if (t == typeid(PRIM)) {                 \
    op = Op::OP;                           \
    return true;                           \
  }
  // Only the natural log has a fused kernel.
  if (t == typeid(Log) && static_cast<const Log&>(p).base() != Log::Base::e) return false;
  LUMEX_FUSED_OPS(LUMEX_FUSED_MATCH)
#undef LUMEX_FUSED_MATCH
  return false;
}

std::vector<std::pair<std::string, std::string>> Fused::params() const {
  std::string ops;
  for (auto& s : steps_) ops += (ops.empty() ? "" : ",") + std::string(FusedStep::name(s.op));
  std::vector<int> args;
  for (auto& s : steps_) args.insert(args.end(), {s.a, s.b});
  return {{"ops", ops}, {"inputs", param_text(num_inputs_)}, {"args", param_text(args)}};
}

std::shared_ptr<Primitive> Fused::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Fused", params);
  int num_inputs = int(r.integer("inputs"));
  auto args = r.ints("args");
  std::vector<FusedStep> steps;
  const std::string& ops = r.text("ops");
  for (size_t pos = 0; pos <= ops.size();) {
    size_t end = std::min(ops.find(',', pos), ops.size());
    std::string name = ops.substr(pos, end - pos);
    pos = end + 1;
    size_t j = steps.size();
    if (2 * j + 1 >= args.size()) r.fail();
    FusedStep st{Op{}, int(args[2 * j]), int(args[2 * j + 1]), num_inputs + int(j), nullptr};
#define LUMEX_FUSED_FROM_NAME(OP, PRIM, ARITY) \
    if (name == #OP) {                           \
      st.op = Op::OP;                            \
      st.prim = make_primitive(#PRIM, s, {});    \
    }
    LUMEX_FUSED_OPS(LUMEX_FUSED_FROM_NAME)
#undef LUMEX_FUSED_FROM_NAME
    // Registers must already hold a value: an input or an earlier step's result.
    int limit = num_inputs + int(j);
    bool unary = !FusedStep::is_binary(st.op);
    if (!st.prim || st.a < 0 || st.a >= limit || (unary ? st.b != -1 : st.b < 0 || st.b >= limit)) {
      r.fail();
    }
    steps.push_back(std::move(st));
  }
  if (num_inputs < 1 || steps.empty()) r.fail();
  return std::make_shared<Fused>(s, num_inputs, std::move(steps));
}

std::vector<Shape> Fused::output_shapes(const std::vector<array>& inputs) const {
  // The kernel reads each input densely at the result's shape, or as one element.
  Shape shape = inputs[0].shape();
  try {
    for (auto& in : inputs) shape = broadcast_shapes(shape, in.shape());
  } catch (const std::invalid_argument&) {
    return {};  // as Elementwise: a new trace decides
  }
  for (auto& in : inputs) {
    if (in.size() != 1 && in.shape() != shape) return {};
  }
  for (auto& s : steps_) {
    if (s.op == Op::broadcast) return {};  // its target is a traced shape
  }
  return {shape};
}

std::string Fused::label() const {
  std::string out = "Compiled";
  for (auto& s : steps_) out += s.prim->name();
  return out;
}

array Fused::expand(const std::vector<array>& inputs) const {
  std::vector<array> regs(inputs);
  regs.resize(num_inputs_ + steps_.size(), inputs[0]);
  for (auto& s : steps_) {
    std::vector<array> ins{regs[s.a]};
    if (FusedStep::is_binary(s.op)) ins.push_back(regs[s.b]);
    // Only a broadcast's result shape is its own; the others follow their inputs
    // (which a shapeless replay may have resized).
    Shape shape = s.shape;
    if (s.op != Op::broadcast) {
      shape = ins[0].shape();
      if (ins.size() == 2) shape = broadcast_shapes(shape, ins[1].shape());
    }
    regs[s.out] = array(shape, float32, s.prim, ins);
  }
  return regs[steps_.back().out];
}

std::vector<array> Fused::jvp(const std::vector<array>& primals,
                              const std::vector<array>& tangents,
                              const std::vector<int>& argnums) {
  std::vector<array> tans;
  for (auto& p : primals) tans.push_back(zeros_like(p));
  for (size_t k = 0; k < argnums.size(); ++k) tans[argnums[k]] = tangents[k];
  auto f = [this](const std::vector<array>& x) { return std::vector<array>{expand(x)}; };
  return core::jvp(f, primals, tans).second;
}

std::vector<array> Fused::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents,
                              const std::vector<int>& argnums,
                              const std::vector<array>&) {
  auto f = [this](const std::vector<array>& x) { return std::vector<array>{expand(x)}; };
  auto grads = core::vjp(f, primals, cotangents).second;
  std::vector<array> out;
  for (int i : argnums) out.push_back(grads[i]);
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Fused::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  std::vector<int> in_axes;
  for (int a : axes) in_axes.push_back(a < 0 ? no_axis : a);
  auto f = [this](const std::vector<array>& x) { return std::vector<array>{expand(x)}; };
  return {core::vmap(f, inputs, in_axes, std::vector<int>{0}), {0}};
}

LUMEX_REGISTER_PRIMITIVE(Fused);

}  // namespace lumex::core
