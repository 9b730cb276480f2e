// Fused's rules: transforms see the ops it replaced (rebuilt on demand).
#include <typeinfo>

#include "engine/autodiff.h"
#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/vmap.h"

namespace lumex::core {

namespace {
using Op = FusedStep::Op;
const char* op_name(Op op) {
  static const char* names[] = {"add", "subtract", "multiply", "divide", "maximum",
                                "minimum", "negative", "abs", "square", "sqrt",
                                "rsqrt", "exp", "log", "sin", "cos", "tanh", "sigmoid",
                                "erf", "expm1", "log1p"};
  return names[static_cast<int>(op)];
}
bool is_binary(Op op) { return static_cast<int>(op) <= static_cast<int>(Op::minimum); }
}  // namespace

bool Fused::fusable(const Primitive& p, Op& op) {
  const auto& t = typeid(p);
  if (t == typeid(Add)) op = Op::add;
  else if (t == typeid(Subtract)) op = Op::subtract;
  else if (t == typeid(Multiply)) op = Op::multiply;
  else if (t == typeid(Divide)) op = Op::divide;
  else if (t == typeid(Maximum)) op = Op::maximum;
  else if (t == typeid(Minimum)) op = Op::minimum;
  else if (t == typeid(Negative)) op = Op::negative;
  else if (t == typeid(Abs)) op = Op::abs;
  else if (t == typeid(Square)) op = Op::square;
  else if (t == typeid(Sqrt)) op = Op::sqrt;
  else if (t == typeid(Rsqrt)) op = Op::rsqrt;
  else if (t == typeid(Exp)) op = Op::exp;
  else if (t == typeid(Sin)) op = Op::sin;
  else if (t == typeid(Cos)) op = Op::cos;
  else if (t == typeid(Tanh)) op = Op::tanh;
  else if (t == typeid(Sigmoid)) op = Op::sigmoid;
  else if (t == typeid(Erf)) op = Op::erf;
  else if (t == typeid(Expm1)) op = Op::expm1;
  else if (t == typeid(Log1p)) op = Op::log1p;
  else if (t == typeid(Log) && static_cast<const Log&>(p).base() == Log::Base::e) op = Op::log;
  else return false;
  return true;
}

std::vector<std::pair<std::string, std::string>> Fused::params() const {
  std::string ops;
  for (auto& s : steps_) ops += (ops.empty() ? "" : ",") + std::string(op_name(s.op));
  return {{"ops", ops}};
}

array Fused::expand(const std::vector<array>& inputs) const {
  std::vector<array> regs(inputs);
  regs.resize(num_inputs_ + steps_.size(), inputs[0]);
  for (auto& s : steps_) {
    std::vector<array> ins{regs[s.a]};
    if (is_binary(s.op)) ins.push_back(regs[s.b]);
    auto shape = ins[0].shape();
    if (ins.size() == 2 && ins[1].size() > ins[0].size()) shape = ins[1].shape();
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
