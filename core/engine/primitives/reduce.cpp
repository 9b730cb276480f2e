// Backend-independent parts of the reduce primitives: the parameters graph
// introspection shows. Kernels live in backend/cpu/.
#include <string>

#include <algorithm>
#include <limits>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/primitives/rule_utils.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {
// The names the variants report (name()), in the order of their Type enums.
const std::vector<std::string> kReduceNames{"All", "Any", "Sum", "Prod", "Min", "Max"};
const std::vector<std::string> kArgReduceNames{"ArgMin", "ArgMax"};
const std::vector<std::string> kScanNames{"CumSum", "CumProd", "CumMin", "CumMax",
                                          "CumLogaddexp"};

/// The position of `name` in `names`, which is the variant's Type.
int variant(const std::vector<std::string>& names, const std::string& name,
            const ParamReader& r) {
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) r.fail();
  return int(it - names.begin());
}
}  // namespace

const char* Reduce::name() const { return kReduceNames[int(type_)].c_str(); }
const char* ArgReduce::name() const { return kArgReduceNames[int(type_)].c_str(); }
const char* Scan::name() const { return kScanNames[int(type_)].c_str(); }

std::vector<std::pair<std::string, std::string>> Reduce::params() const {
  return {{"axes", param_text(axes_)}};
}
std::shared_ptr<Primitive> Reduce::from_params(Stream s, const std::string& name,
                                               const PrimitiveParams& params) {
  ParamReader r(name, params);
  return std::make_shared<Reduce>(s, Type(variant(kReduceNames, name, r)),
                                  r.tuple<std::vector<int>>("axes"));
}

std::vector<std::pair<std::string, std::string>> ArgReduce::params() const {
  return {{"axis", param_text(axis_)}};
}
std::shared_ptr<Primitive> ArgReduce::from_params(Stream s, const std::string& name,
                                                  const PrimitiveParams& params) {
  ParamReader r(name, params);
  return std::make_shared<ArgReduce>(s, Type(variant(kArgReduceNames, name, r)),
                                     int(r.integer("axis")));
}

std::vector<std::pair<std::string, std::string>> Scan::params() const {
  return {{"axis", param_text(axis_)},
          {"reverse", param_text(reverse_)},
          {"inclusive", param_text(inclusive_)}};
}
std::shared_ptr<Primitive> Scan::from_params(Stream s, const std::string& name,
                                             const PrimitiveParams& params) {
  ParamReader r(name, params);
  return std::make_shared<Scan>(s, Type(variant(kScanNames, name, r)), int(r.integer("axis")),
                                r.flag("reverse"), r.flag("inclusive"));
}
std::shared_ptr<Primitive> Softmax::from_params(Stream s, const PrimitiveParams& params) {
  return std::make_shared<Softmax>(s, ParamReader("Softmax", params).flag("precise"));
}

// ---- transform rules ----

namespace {

using Rules = std::pair<std::vector<array>, std::vector<int>>;

/// Product of all other elements of each reduced group (no division, so zeros
/// are handled): exclusive prefix products times exclusive suffix products.
array product_of_others(const array& x, const std::vector<int>& axes,
                        const Stream& s) {
  std::vector<int> perm;
  Shape rest;
  for (int i = 0; i < x.ndim(); ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) {
      perm.push_back(i);
      rest.push_back(x.shape(i));
    }
  }
  perm.insert(perm.end(), axes.begin(), axes.end());
  auto t = transpose(x, perm, s);
  Shape flat = rest;
  ShapeElem n = 1;
  for (int a : axes) n *= x.shape(a);
  flat.push_back(n);
  auto r = reshape(t, flat, s);
  auto left = cumprod(r, -1, false, false, std::nullopt, s);
  auto right = cumprod(r, -1, true, false, std::nullopt, s);
  auto others = reshape(multiply(left, right, s), t.shape(), s);
  std::vector<int> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int>(i);
  return transpose(others, inverse, s);
}

/// Weight of each input element in an extremum (Min/Max) over `axes`: ties
/// share the gradient evenly.
array extremum_weights(const array& x, const array& out,
                       const std::vector<int>& axes, const Stream& s) {
  auto mask = astype(equal(x, out, s), x.dtype(), s);
  return divide(mask, sum(mask, axes, true, s), s);
}

/// sum_j w_j exp(a_j) for signed weights w, as a difference of two stable
/// log-domain sums (logcumsumexp in the given direction).
array signed_log_scan(const array& w, const array& a, int axis, bool reverse,
                      bool inclusive, const Stream& s) {
  auto zero = array(0, w.dtype());
  auto pos = logcumsumexp(add(log(maximum(w, zero, s), s), a, s), axis, reverse,
                          inclusive, s);
  auto neg = logcumsumexp(add(log(maximum(negative(w, s), zero, s), s), a, s), axis,
                          reverse, inclusive, s);
  return subtract(exp(pos, s), exp(neg, s), s);
}

}  // namespace

std::vector<array> Reduce::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>&) {
  auto s = stream();
  const auto &x = primals[0], &t = tangents[0];
  switch (type_) {
    case Type::Sum:
      return {sum(t, axes_, true, s)};
    case Type::Prod:
      return {sum(multiply(t, product_of_others(x, axes_, s), s), axes_, true, s)};
    case Type::Min:
    case Type::Max: {
      auto out = type_ == Type::Max ? max(x, axes_, true, s) : min(x, axes_, true, s);
      return {sum(multiply(t, extremum_weights(x, out, axes_, s), s), axes_, true, s)};
    }
    default:
      return {zeros_like(any(x, axes_, true, s), s)};
  }
}
std::vector<array> Reduce::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>&,
                               const std::vector<array>& outputs) {
  auto s = stream();
  const auto &x = primals[0], &g = cotangents[0];
  switch (type_) {
    case Type::Sum:
      return {broadcast_to(g, x.shape(), s)};
    case Type::Prod:
      return {multiply(g, conjugate(product_of_others(x, axes_, s), s), s)};
    case Type::Min:
    case Type::Max:
      return {multiply(g, extremum_weights(x, outputs[0], axes_, s), s)};
    default:
      return {zeros_like(x, s)};
  }
}
Rules Reduce::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  auto x = batch_to_front(inputs[0], axes[0], s);
  auto ax = shift_axes(axes_, x.ndim() - 1);
  switch (type_) {
    case Type::Sum: return {{sum(x, ax, true, s)}, {0}};
    case Type::Prod: return {{prod(x, ax, true, s)}, {0}};
    case Type::Min: return {{min(x, ax, true, s)}, {0}};
    case Type::Max: return {{max(x, ax, true, s)}, {0}};
    case Type::And: return {{all(x, ax, true, s)}, {0}};
    default: return {{any(x, ax, true, s)}, {0}};
  }
}

std::vector<array> ArgReduce::jvp(const std::vector<array>& primals,
                                  const std::vector<array>&, const std::vector<int>&) {
  auto s = stream();
  auto out = argmax(primals[0], axis_, true, s);
  return {zeros_like(out, s)};
}
std::vector<array> ArgReduce::vjp(const std::vector<array>& primals,
                                  const std::vector<array>&, const std::vector<int>&,
                                  const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}
Rules ArgReduce::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  auto x = batch_to_front(inputs[0], axes[0], s);
  int ax = axis_ + 1;
  return {{type_ == Type::ArgMax ? argmax(x, ax, true, s) : argmin(x, ax, true, s)},
          {0}};
}

namespace {

/// Moves `g` one step along `axis` towards the front (towards the back when
/// `backward`), filling the vacated end with zeros.
array shift_exclusive(const array& g, int axis, bool backward, const Stream& s) {
  ShapeElem n = g.shape(axis);
  if (n == 0) return g;
  Shape lo(g.ndim(), 0), hi = g.shape(), zs = g.shape();
  zs[axis] = 1;
  auto z = zeros(zs, g.dtype(), s);
  if (backward) {
    hi[axis] = n - 1;
    return concatenate({z, slice(g, lo, hi, s)}, axis, s);
  }
  lo[axis] = 1;
  return concatenate({slice(g, lo, hi, s), z}, axis, s);
}

}  // namespace

std::vector<array> Scan::jvp(const std::vector<array>& primals,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  auto s = stream();
  const auto &x = primals[0], &t = tangents[0];
  switch (type_) {
    case Type::Sum:
      return {cumsum(t, axis_, reverse_, inclusive_, std::nullopt, s)};
    case Type::Prod: {
      auto out = cumprod(x, axis_, reverse_, inclusive_, std::nullopt, s);
      return {multiply(out, cumsum(divide(t, x, s), axis_, reverse_, inclusive_,
                                   std::nullopt, s), s)};
    }
    case Type::LogAddExp: {
      // d out_j = sum_{i in prefix j} t_i exp(x_i - out_j)
      auto out = logcumsumexp(x, axis_, reverse_, inclusive_, s);
      return {multiply(signed_log_scan(t, x, axis_, reverse_, inclusive_, s),
                       exp(negative(out, s), s), s)};
    }
    default: {
      // Each output copies one input: its tangent is that input's tangent.
      auto ti = take_along_axis(t, extremum_sources(x, s), axis_, s);
      return {inclusive_ ? ti : shift_exclusive(ti, axis_, !reverse_, s)};
    }
  }
}
std::vector<array> Scan::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&,
                             const std::vector<array>& outputs) {
  auto s = stream();
  const auto &x = primals[0], &g = cotangents[0], &out = outputs[0];
  switch (type_) {
    case Type::Sum:
      return {cumsum(g, axis_, !reverse_, inclusive_, std::nullopt, s)};
    case Type::Prod:
      return {cumprod_vjp(x, inclusive_ ? g : shift_exclusive(g, axis_, reverse_, s), s)};
    case Type::LogAddExp:
      // d x_i = exp(x_i) * sum_{j: i in prefix j} g_j exp(-out_j)
      return {multiply(signed_log_scan(g, negative(out, s), axis_, !reverse_,
                                       inclusive_, s),
                       exp(x, s), s)};
    default: {
      // Exclusive output j is inclusive output j - 1 (j + 1 when reversed).
      auto gi = inclusive_ ? g : shift_exclusive(g, axis_, reverse_, s);
      return {scatter_add_axis(zeros_like(x, s), extremum_sources(x, s), gi, axis_, s)};
    }
  }
}

array Scan::cumprod_vjp(const array& x, const array& g, const Stream& s) const {
  // For the inclusive scan, d x_i = sum_{j >= i} g_j out_j / x_i before the first
  // zero (in scan order). At the first zero z the products after it are those of
  // x with x_z = 1, and d x_z = sum_{j >= z} g_j out'_j; later inputs get 0.
  auto zero = array(0, x.dtype());
  auto one = array(1, x.dtype());
  auto is_zero = equal(x, zero, s);
  auto seen = cumsum(astype(is_zero, int32, s), axis_, reverse_, true, std::nullopt, s);
  auto before = equal(seen, array(int32_t{0}), s);
  auto first = logical_and(is_zero, equal(seen, array(int32_t{1}), s), s);
  auto out = cumprod(x, axis_, reverse_, true, std::nullopt, s);
  auto out1 = cumprod(where(first, one, x, s), axis_, reverse_, true, std::nullopt, s);
  auto tail = [&](const array& o) {
    return cumsum(multiply(g, o, s), axis_, !reverse_, true, std::nullopt, s);
  };
  auto early = divide(tail(out), where(before, x, one, s), s);
  return where(before, early, where(first, tail(out1), zero, s), s);
}

array Scan::extremum_sources(const array& x, const Stream& s) const {
  // With the inclusive scan `incl`, x_i is the running extremum exactly where
  // x_i == incl_i, and output j copies the nearest such i at or before j (at or
  // after j when reversed).
  ShapeElem n = x.shape(axis_);
  array incl = type_ == Type::Max ? cummax(x, axis_, reverse_, true, s)
                                  : cummin(x, axis_, reverse_, true, s);
  Shape sh(x.ndim(), 1);
  sh[axis_] = n;
  auto pos = broadcast_to(reshape(arange(0, static_cast<double>(n), 1, int32, s), sh, s),
                          x.shape(), s);
  auto hit = equal(x, incl, s);
  return reverse_ ? cummin(where(hit, pos, array(static_cast<int32_t>(n - 1)), s), axis_,
                           true, true, s)
                  : cummax(where(hit, pos, array(int32_t{0}), s), axis_, false, true, s);
}
Rules Scan::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  auto x = batch_to_front(inputs[0], axes[0], s);
  int ax = axis_ + 1;
  switch (type_) {
    case Type::Sum: return {{cumsum(x, ax, reverse_, inclusive_, std::nullopt, s)}, {0}};
    case Type::Prod: return {{cumprod(x, ax, reverse_, inclusive_, std::nullopt, s)}, {0}};
    case Type::Max: return {{cummax(x, ax, reverse_, inclusive_, s)}, {0}};
    case Type::Min: return {{cummin(x, ax, reverse_, inclusive_, s)}, {0}};
    default: return {{logcumsumexp(x, ax, reverse_, inclusive_, s)}, {0}};
  }
}

std::vector<array> Softmax::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>&) {
  auto s = stream();
  auto out = softmax(primals[0], std::vector<int>{-1}, precise_, s);
  const auto& t = tangents[0];
  return {multiply(out, subtract(t, sum(multiply(t, out, s), std::vector<int>{-1}, true, s), s), s)};
}
std::vector<array> Softmax::vjp(const std::vector<array>&,
                                const std::vector<array>& cotangents,
                                const std::vector<int>&,
                                const std::vector<array>& outputs) {
  auto s = stream();
  const auto &g = cotangents[0], &out = outputs[0];
  return {multiply(out, subtract(g, sum(multiply(g, out, s), std::vector<int>{-1}, true, s), s), s)};
}
namespace {
/// Last-axis row kernels under vmap: a batch axis that is the last one moves
/// to the front (where it becomes a row index). Returns the input and its axis.
std::pair<array, int> rows_input(const array& in, int ax, const Stream& s) {
  if (ax == in.ndim() - 1) return {batch_to_front(in, ax, s), 0};
  return {in, ax};
}
}  // namespace

Rules Softmax::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  auto [x, ax] = rows_input(inputs[0], axes[0], s);
  return {{softmax(x, std::vector<int>{-1}, precise_, s)}, {ax}};
}

// d logsumexp(x) = softmax(x) . dx, with the fused softmax kernel.
std::vector<array> LogSumExp::jvp(const std::vector<array>& primals,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  auto s = stream();
  auto p = softmax(primals[0], std::vector<int>{-1}, false, s);
  return {sum(multiply(p, tangents[0], s), std::vector<int>{-1}, true, s)};
}
std::vector<array> LogSumExp::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>&,
                                  const std::vector<array>&) {
  auto s = stream();
  auto p = softmax(primals[0], std::vector<int>{-1}, false, s);
  return {multiply(cotangents[0], p, s)};
}
Rules LogSumExp::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  auto [x, ax] = rows_input(inputs[0], axes[0], s);
  Shape shape = x.shape();
  shape.back() = 1;
  return {{array(std::move(shape), x.dtype(), std::make_shared<LogSumExp>(s), {x})}, {ax}};
}

namespace {
/// How the median of each row spreads over its elements: half to the lower
/// middle value and half to the upper one (the same value for odd lengths),
/// shared among equal elements.
array median_weights(const array& x, const array& out, const Stream& s) {
  auto m = expand_dims(out, -1, s);
  auto inf = array(std::numeric_limits<double>::infinity(), x.dtype());
  auto lo = max(where(less_equal(x, m, s), x, negative(inf, s), s), std::vector<int>{-1}, true, s);
  auto hi = min(where(greater_equal(x, m, s), x, inf, s), std::vector<int>{-1}, true, s);
  auto half = array(0.5, x.dtype());
  auto w = [&](const array& v) {
    auto mask = astype(equal(x, v, s), x.dtype(), s);
    return divide(multiply(mask, half, s), sum(mask, std::vector<int>{-1}, true, s), s);
  };
  return add(w(lo), w(hi), s);
}
}  // namespace

std::vector<array> Median::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>&) {
  auto s = stream();
  const auto& x = primals[0];
  auto out = array(Shape(x.shape().begin(), x.shape().end() - 1), x.dtype(),
                   std::make_shared<Median>(s), {x});
  return {sum(multiply(tangents[0], median_weights(x, out, s), s), std::vector<int>{-1}, false, s)};
}
std::vector<array> Median::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>&,
                               const std::vector<array>& outputs) {
  auto s = stream();
  const auto& x = primals[0];
  return {multiply(expand_dims(cotangents[0], -1, s), median_weights(x, outputs[0], s), s)};
}
Rules Median::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  auto x = inputs[0];
  int ax = axes[0];
  if (ax == x.ndim() - 1) {
    x = batch_to_front(x, ax, s);
    ax = 0;
  }
  Shape shape(x.shape().begin(), x.shape().end() - 1);
  return {{array(shape, x.dtype(), std::make_shared<Median>(s), {x})}, {ax}};
}

// ---- names and equivalence ----

bool Reduce::is_equivalent(const Primitive& other) const {
  if (!Primitive::is_equivalent(other)) return false;
  auto& o = static_cast<const Reduce&>(other);
  return o.type_ == type_ && o.axes_ == axes_;
}

bool ArgReduce::is_equivalent(const Primitive& other) const {
  if (!Primitive::is_equivalent(other)) return false;
  auto& o = static_cast<const ArgReduce&>(other);
  return o.type_ == type_ && o.axis_ == axis_;
}

bool Scan::is_equivalent(const Primitive& other) const {
  if (!Primitive::is_equivalent(other)) return false;
  auto& o = static_cast<const Scan&>(other);
  return o.type_ == type_ && o.axis_ == axis_ && o.reverse_ == reverse_ &&
         o.inclusive_ == inclusive_;
}

std::vector<Shape> Reduce::output_shapes(const std::vector<array>& inputs) const {
  Shape shape = inputs[0].shape();
  for (int ax : axes_) shape[ax] = 1;
  return {shape};
}

LUMEX_REGISTER_VARIANTS(Reduce, kReduceNames);
LUMEX_REGISTER_VARIANTS(ArgReduce, kArgReduceNames);
LUMEX_REGISTER_PRIMITIVE(Median);
LUMEX_REGISTER_VARIANTS(Scan, kScanNames);
LUMEX_REGISTER_PRIMITIVE(Softmax);
LUMEX_REGISTER_PRIMITIVE(LogSumExp);

}  // namespace lumex::core
