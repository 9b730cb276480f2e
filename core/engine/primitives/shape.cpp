// Backend-independent parts of the shape primitives: the parameters graph
// introspection shows. Kernels live in backend/cpu/.
#include <string>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/primitives/rule_utils.h"
#include "engine/utils.h"

namespace lumex::core {

std::vector<std::pair<std::string, std::string>> Broadcast::params() const {
  return {{"shape", param_text(shape_)}};
}
std::shared_ptr<Primitive> Broadcast::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Broadcast", params);
  return std::make_shared<Broadcast>(s, r.tuple<Shape>("shape"));
}

std::vector<std::pair<std::string, std::string>> Reshape::params() const {
  return {{"shape", param_text(shape_)}};
}
std::shared_ptr<Primitive> Reshape::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Reshape", params);
  return std::make_shared<Reshape>(s, r.tuple<Shape>("shape"));
}

std::vector<Shape> Broadcast::output_shapes(const std::vector<array>& inputs) const {
  // The target is a traced shape: it holds while the input still broadcasts to it;
  // otherwise a new trace decides (an op's implicit broadcast follows the new sizes,
  // broadcast_to raises).
  try {
    if (broadcast_shapes(inputs[0].shape(), shape_) == shape_) return {shape_};
  } catch (const std::invalid_argument&) {
  }
  return {};
}

std::vector<Shape> Reshape::output_shapes(const std::vector<array>& inputs) const {
  const auto& in = inputs[0];
  int64_t known = 1;
  for (size_t i = 0; i < shape_.size(); ++i) {
    if (static_cast<int>(i) != inferred_) known *= shape_[i];
  }
  Shape shape = shape_;
  if (inferred_ >= 0 && known > 0 && static_cast<int64_t>(in.size()) % known == 0) {
    shape[inferred_] = static_cast<int64_t>(in.size()) / known;
  } else if (inferred_ >= 0 || known != static_cast<int64_t>(in.size())) {
    // A fixed target read from the traced shape (a squeeze, x.reshape(n * m)) says
    // nothing about other sizes: trace again. Only a -1 that does not divide fails.
    if (inferred_ < 0) return {};
    auto asked = shape_;
    asked[inferred_] = -1;
    throw std::invalid_argument(msg("[reshape] Cannot reshape array of size ", in.size(),
                                    " into shape ", shape_str(asked), "."));
  }
  return {shape};
}

std::vector<Shape> Transpose::output_shapes(const std::vector<array>& inputs) const {
  Shape shape;
  for (int ax : axes_) shape.push_back(inputs[0].shape()[ax]);
  return {shape};
}

std::vector<std::pair<std::string, std::string>> Transpose::params() const {
  return {{"axes", param_text(axes_)}};
}
std::shared_ptr<Primitive> Transpose::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Transpose", params);
  return std::make_shared<Transpose>(s, r.tuple<std::vector<int>>("axes"));
}

std::vector<std::pair<std::string, std::string>> Contiguous::params() const {
  return {{"allow_col_major", param_text(allow_col_major_)}};
}
std::shared_ptr<Primitive> Contiguous::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Contiguous", params);
  return std::make_shared<Contiguous>(s, r.flag("allow_col_major"));
}

std::vector<std::pair<std::string, std::string>> Slice::params() const {
  return {{"start", param_text(start_)}, {"stop", param_text(stop_)},
          {"strides", param_text(strides_)}};
}
std::shared_ptr<Primitive> Slice::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Slice", params);
  return std::make_shared<Slice>(s, r.tuple<Shape>("start"), r.tuple<Shape>("stop"),
                                 r.tuple<Shape>("strides"));
}

std::vector<std::pair<std::string, std::string>> AsStrided::params() const {
  return {{"shape", param_text(shape_)}, {"strides", param_text(strides_)},
          {"offset", param_text(offset_)}};
}
std::shared_ptr<Primitive> AsStrided::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("AsStrided", params);
  return std::make_shared<AsStrided>(s, r.tuple<Shape>("shape"), r.tuple<Strides>("strides"),
                                     r.integer("offset"));
}

std::vector<std::pair<std::string, std::string>> View::params() const {
  return {{"dtype", param_text(dtype_)}};
}
std::shared_ptr<Primitive> View::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("View", params);
  return std::make_shared<View>(s, r.dtype("dtype"));
}

std::vector<std::pair<std::string, std::string>> Arange::params() const {
  return {{"start", param_text(start_)}, {"stop", param_text(stop_)}, {"step", param_text(step_)}};
}
std::shared_ptr<Primitive> Arange::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Arange", params);
  return std::make_shared<Arange>(s, r.real("start"), r.real("stop"), r.real("step"));
}

std::vector<std::pair<std::string, std::string>> Concatenate::params() const {
  return {{"axis", param_text(axis_)}};
}
std::shared_ptr<Primitive> Concatenate::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Concatenate", params);
  return std::make_shared<Concatenate>(s, int(r.integer("axis")));
}

std::vector<std::pair<std::string, std::string>> Pad::params() const {
  return {{"low", param_text(low_)}, {"high", param_text(high_)}};
}
std::shared_ptr<Primitive> Pad::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Pad", params);
  return std::make_shared<Pad>(s, r.tuple<Shape>("low"), r.tuple<Shape>("high"));
}

// ---- transform rules ----

namespace {
using Rules = std::pair<std::vector<array>, std::vector<int>>;
}  // namespace

std::vector<array> Broadcast::jvp(const std::vector<array>&,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {broadcast_to(tangents[0], shape_, stream())};
}
std::vector<array> Broadcast::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  return {unbroadcast(cotangents[0], primals[0].shape(), stream())};
}
Rules Broadcast::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  // Line the input up with the target shape, then broadcast behind the batch axis.
  auto x = align_batched({inputs[0], zeros(shape_, bool_, s)}, {axes[0], -1}, s)[0];
  Shape shape{x.shape(0)};
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  return {{broadcast_to(x, shape, s)}, {0}};
}

std::vector<array> Reshape::jvp(const std::vector<array>&,
                                const std::vector<array>& tangents,
                                const std::vector<int>&) {
  return {reshape(tangents[0], shape_, stream())};
}
std::vector<array> Reshape::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>&, const std::vector<array>&) {
  return {reshape(cotangents[0], primals[0].shape(), stream())};
}
Rules Reshape::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto x = batch_to_front(inputs[0], axes[0], stream());
  Shape shape{x.shape(0)};
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  return {{reshape(x, shape, stream())}, {0}};
}

std::vector<array> Transpose::jvp(const std::vector<array>&,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {transpose(tangents[0], axes_, stream())};
}
std::vector<array> Transpose::vjp(const std::vector<array>&,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  std::vector<int> inverse(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) inverse[axes_[i]] = static_cast<int>(i);
  return {transpose(cotangents[0], inverse, stream())};
}
Rules Transpose::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto x = batch_to_front(inputs[0], axes[0], stream());
  std::vector<int> perm{0};
  for (int a : axes_) perm.push_back(a + 1);
  return {{transpose(x, perm, stream())}, {0}};
}

std::vector<array> Contiguous::jvp(const std::vector<array>&,
                                   const std::vector<array>& tangents,
                                   const std::vector<int>&) {
  return {tangents[0]};
}
std::vector<array> Contiguous::vjp(const std::vector<array>&,
                                   const std::vector<array>& cotangents,
                                   const std::vector<int>&, const std::vector<array>&) {
  return {cotangents[0]};
}
Rules Contiguous::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{contiguous(inputs[0], allow_col_major_, stream())}, {axes[0]}};
}

// Full's input is already broadcast to the output shape: it is a copy.
std::vector<array> Full::jvp(const std::vector<array>&,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {tangents[0]};
}
std::vector<array> Full::vjp(const std::vector<array>&,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  return {cotangents[0]};
}
Rules Full::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  const auto& x = inputs[0];
  return {{array(x.shape(), x.dtype(), std::make_shared<Full>(stream()), {x})},
          {axes[0]}};
}

// Arange has no inputs, so its rules are never asked for anything.
std::vector<array> Arange::jvp(const std::vector<array>&, const std::vector<array>&,
                               const std::vector<int>&) {
  return {};
}
std::vector<array> Arange::vjp(const std::vector<array>&, const std::vector<array>&,
                               const std::vector<int>&, const std::vector<array>&) {
  return {};
}
Rules Arange::vmap(const std::vector<array>&, const std::vector<int>&) {
  return {};
}

namespace {

/// Stored stops are normalized; a backward slice that runs past the front has
/// stop -1, which the slice op would read as "last element": spell it -n-1.
Shape op_stops(const Shape& stop, const Shape& strides, const Shape& shape) {
  Shape out = stop;
  for (size_t i = 0; i < out.size(); ++i) {
    if (strides[i] < 0 && out[i] == -1) out[i] = -shape[i] - 1;
  }
  return out;
}

}  // namespace

std::vector<array> Slice::jvp(const std::vector<array>&,
                              const std::vector<array>& tangents,
                              const std::vector<int>&) {
  return {slice(tangents[0], start_, op_stops(stop_, strides_, tangents[0].shape()),
                strides_, stream())};
}
std::vector<array> Slice::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents,
                              const std::vector<int>&, const std::vector<array>&) {
  return {slice_vjp(cotangents[0], primals[0].shape(), start_, stop_, strides_,
                    stream())};
}
Rules Slice::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto x = batch_to_front(inputs[0], axes[0], stream());
  Shape start{0}, stop{x.shape(0)}, strides{1};
  start.insert(start.end(), start_.begin(), start_.end());
  strides.insert(strides.end(), strides_.begin(), strides_.end());
  Shape inner(x.shape().begin() + 1, x.shape().end());
  auto st = op_stops(stop_, strides_, inner);
  stop.insert(stop.end(), st.begin(), st.end());
  return {{slice(x, start, stop, strides, stream())}, {0}};
}

std::vector<array> Concatenate::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  std::vector<array> parts;
  for (size_t i = 0, k = 0; i < primals.size(); ++i) {
    if (k < argnums.size() && argnums[k] == static_cast<int>(i)) {
      parts.push_back(tangents[k++]);
    } else {
      parts.push_back(zeros_like(primals[i], stream()));
    }
  }
  return {concatenate(parts, axis_, stream())};
}
std::vector<array> Concatenate::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums,
                                    const std::vector<array>&) {
  const auto& g = cotangents[0];
  std::vector<ShapeElem> offsets{0};
  for (auto& p : primals) offsets.push_back(offsets.back() + p.shape(axis_));
  std::vector<array> vjps;
  for (int i : argnums) {
    Shape start(g.ndim(), 0), stop = g.shape();
    start[axis_] = offsets[i];
    stop[axis_] = offsets[i + 1];
    vjps.push_back(slice(g, start, stop, stream()));
  }
  return vjps;
}
Rules Concatenate::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto n = batch_size(inputs, axes);
  std::vector<array> parts;
  for (size_t i = 0; i < inputs.size(); ++i) {
    parts.push_back(with_batch(inputs[i], axes[i], n, stream()));
  }
  return {{concatenate(parts, axis_ + 1, stream())}, {0}};
}

// Inputs: the array and the (scalar) pad value.
std::vector<array> Pad::jvp(const std::vector<array>& primals,
                            const std::vector<array>& tangents,
                            const std::vector<int>& argnums) {
  auto s = stream();
  auto tx = zeros_like(primals[0], s);
  auto tv = zeros_like(primals[1], s);
  for (size_t k = 0; k < argnums.size(); ++k) (argnums[k] == 0 ? tx : tv) = tangents[k];
  std::vector<int> all(primals[0].ndim());
  for (int i = 0; i < primals[0].ndim(); ++i) all[i] = i;
  return {pad(tx, all, low_, high_, tv, "constant", s)};
}
std::vector<array> Pad::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>& argnums,
                            const std::vector<array>&) {
  auto s = stream();
  const auto& g = cotangents[0];
  Shape start = low_, stop = low_;
  for (int i = 0; i < g.ndim(); ++i) stop[i] += primals[0].shape(i);
  auto inner = slice(g, start, stop, s);
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i == 0) {
      vjps.push_back(inner);
    } else {
      auto v = subtract(sum(g, {}, false, s), sum(inner, {}, false, s), s);
      vjps.push_back(reshape(v, primals[1].shape(), s));
    }
  }
  return vjps;
}
Rules Pad::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  auto n = batch_size(inputs, axes);
  auto x = with_batch(inputs[0], axes[0], n, s);
  std::vector<int> all(x.ndim());
  for (int i = 0; i < x.ndim(); ++i) all[i] = i;
  Shape lo{0}, hi{0};
  lo.insert(lo.end(), low_.begin(), low_.end());
  hi.insert(hi.end(), high_.begin(), high_.end());
  if (axes[1] < 0) return {{pad(x, all, lo, hi, inputs[1], "constant", s)}, {0}};
  // A pad value per batch entry: pad with zeros, then fill the border.
  auto padded = pad(x, all, lo, hi, zeros({}, x.dtype(), s), "constant", s);
  auto inside = pad(ones(x.shape(), bool_, s), all, lo, hi, array(false), "constant", s);
  Shape vshape(x.ndim(), 1);
  vshape[0] = n;
  auto v = reshape(inputs[1], vshape, s);
  return {{where(inside, padded, v, s)}, {0}};
}

std::vector<array> AsStrided::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  auto s = stream();
  const auto& x = primals[0];
  // The flat position each output element reads, from the same view of an arange;
  // overlapping windows read a position several times, so cotangents accumulate.
  Dtype pd = x.size() > 2147483647 ? int64 : int32;
  auto positions = as_strided(arange(0, static_cast<double>(x.size()), 1, pd, s), shape_,
                              strides_, offset_, s);
  auto g = reshape(cotangents[0], {static_cast<ShapeElem>(positions.size()), 1}, s);
  auto flat = scatter_add(zeros({static_cast<ShapeElem>(x.size())}, x.dtype(), s),
                          {flatten(positions, s)}, g, {0}, s);
  return {reshape(flat, x.shape(), s)};
}

std::vector<array> AsStrided::jvp(const std::vector<array>&,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {as_strided(tangents[0], shape_, strides_, offset_, stream())};
}
Rules AsStrided::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  // Each batch entry is a contiguous block; the view repeats per block.
  auto x = contiguous(batch_to_front(inputs[0], axes[0], s), false, s);
  auto block = static_cast<int64_t>(x.size() / std::max<ShapeElem>(x.shape(0), 1));
  Shape shape{x.shape(0)};
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  Strides strides{block};
  strides.insert(strides.end(), strides_.begin(), strides_.end());
  return {{as_strided(x, shape, strides, offset_, s)}, {0}};
}

std::vector<array> View::jvp(const std::vector<array>& primals,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  auto out = view(primals[0], dtype_, stream());
  if (!is_floating_point(dtype_) || primals[0].dtype().size != dtype_.size) {
    return {zeros_like(out, stream())};
  }
  return {view(tangents[0], dtype_, stream())};
}
std::vector<array> View::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  const auto& x = primals[0];
  if (!is_floating_point(x.dtype()) || x.dtype().size != dtype_.size) {
    return {zeros_like(x, stream())};
  }
  return {view(cotangents[0], x.dtype(), stream())};
}
Rules View::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  // The batch axis must not be the last one, which a size change regroups.
  auto x = batch_to_front(inputs[0], axes[0], stream());
  return {{view(x, dtype_, stream())}, {0}};
}

// ---- names and equivalence ----

bool Concatenate::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Concatenate*>(&other);
  return o && o->axis_ == axis_;
}

bool Pad::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Pad*>(&other);
  return o && o->low_ == low_ && o->high_ == high_;
}

bool Slice::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Slice*>(&other);
  return o && o->start_ == start_ && o->stop_ == stop_ && o->strides_ == strides_;
}

bool AsStrided::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const AsStrided*>(&other);
  return o && o->shape_ == shape_ && o->strides_ == strides_ && o->offset_ == offset_;
}

bool View::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const View*>(&other);
  return o && o->dtype_ == dtype_;
}

LUMEX_REGISTER_PRIMITIVE(Concatenate);
LUMEX_REGISTER_PRIMITIVE(Pad);
LUMEX_REGISTER_PRIMITIVE(Broadcast);
LUMEX_REGISTER_PRIMITIVE(Reshape);
LUMEX_REGISTER_PRIMITIVE(Transpose);
LUMEX_REGISTER_PRIMITIVE(Contiguous);
LUMEX_REGISTER_PRIMITIVE(Full);
LUMEX_REGISTER_PRIMITIVE(Arange);
LUMEX_REGISTER_PRIMITIVE(Slice);
LUMEX_REGISTER_PRIMITIVE(AsStrided);
LUMEX_REGISTER_PRIMITIVE(View);

}  // namespace lumex::core
