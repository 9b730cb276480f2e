// Parameters and transform rules of the indexing primitives (kernels live in
// backend/cpu/indexing.cpp).
#include <cstdlib>
#include <numeric>

#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/ops/detail.h"
#include "engine/primitives/rule_utils.h"
#include "engine/utils.h"

namespace lumex::core {

bool index_checks_enabled() {
  static const bool on = std::getenv("LUMEX_NO_INDEX_CHECK") == nullptr;
  return on;
}

namespace {

const char* reduce_name(Scatter::ReduceType r) {
  switch (r) {
    case Scatter::None: return "none";
    case Scatter::Sum: return "sum";
    case Scatter::Prod: return "prod";
    case Scatter::Max: return "max";
    case Scatter::Min: return "min";
  }
  return "none";
}

Scatter::ReduceType read_reduce(const ParamReader& r) {
  return Scatter::ReduceType(r.choice("reduce", {"none", "sum", "prod", "max", "min"}));
}

/// arange(n) shaped (n, 1, ..., 1) and broadcast to `shape` (whose first dim is n).
array batch_index(ShapeElem n, const Shape& shape, const Stream& s) {
  Shape sh(shape.size(), 1);
  sh[0] = n;
  return broadcast_to(reshape(arange(0, static_cast<double>(n), 1, int32, s), sh, s), shape, s);
}

}  // namespace

// ---- Gather ----

std::vector<std::pair<std::string, std::string>> Gather::params() const {
  return {{"axes", param_text(axes_)}, {"slice_sizes", param_text(slice_sizes_)}};
}
std::shared_ptr<Primitive> Gather::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Gather", params);
  return std::make_shared<Gather>(s, r.tuple<std::vector<int>>("axes"), r.tuple<Shape>("slice_sizes"));
}
bool Gather::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Gather*>(&other);
  return o && o->axes_ == axes_ && o->slice_sizes_ == slice_sizes_;
}

std::vector<array> Gather::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  std::vector<array> idx(primals.begin() + 1, primals.end());
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) return {gather(tangents[i], idx, axes_, slice_sizes_, stream())};
  }
  Shape sh = idx.empty() ? Shape{} : idx[0].shape();
  sh.insert(sh.end(), slice_sizes_.begin(), slice_sizes_.end());
  return {zeros(sh, primals[0].dtype(), stream())};
}

std::vector<array> Gather::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums,
                               const std::vector<array>&) {
  std::vector<array> idx(primals.begin() + 1, primals.end());
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(scatter_add(zeros_like(primals[0], stream()), idx, cotangents[0], axes_, stream()));
    } else {
      out.push_back(zeros_like(primals[a], stream()));
    }
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Gather::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto n = batch_size(inputs, axes);
  const array& src = inputs[0];
  bool idx_batched = false;
  for (size_t i = 1; i < inputs.size(); ++i) idx_batched = idx_batched || axes[i] >= 0;
  std::vector<int> gaxes;
  for (int a : axes_) gaxes.push_back(a + (axes[0] >= 0 ? 1 : 0));
  if (!idx_batched) {
    // Only the source is batched: keep its batch axis as a whole slice.
    auto s = with_batch(src, axes[0], n, stream());
    Shape sizes{n};
    sizes.insert(sizes.end(), slice_sizes_.begin(), slice_sizes_.end());
    std::vector<array> idx(inputs.begin() + 1, inputs.end());
    int ni = idx.empty() ? 0 : idx[0].ndim();
    return {{gather(s, idx, gaxes, sizes, stream())}, {ni}};
  }
  std::vector<array> idx;
  for (size_t i = 1; i < inputs.size(); ++i) {
    idx.push_back(with_batch(inputs[i], axes[i], n, stream()));
  }
  idx = broadcast_arrays(idx, stream());
  if (axes[0] < 0) return {{gather(src, idx, axes_, slice_sizes_, stream())}, {0}};
  auto s = with_batch(src, axes[0], n, stream());
  idx.insert(idx.begin(), batch_index(n, idx[0].shape(), stream()));
  gaxes.insert(gaxes.begin(), 0);
  Shape sizes{1};
  sizes.insert(sizes.end(), slice_sizes_.begin(), slice_sizes_.end());
  auto g = gather(s, idx, gaxes, sizes, stream());
  return {{squeeze(g, idx[0].ndim(), stream())}, {0}};
}

// ---- Scatter ----

std::vector<std::pair<std::string, std::string>> Scatter::params() const {
  return {{"reduce", reduce_name(reduce_)}, {"axes", param_text(axes_)}};
}
std::shared_ptr<Primitive> Scatter::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Scatter", params);
  return std::make_shared<Scatter>(s, read_reduce(r), r.tuple<std::vector<int>>("axes"));
}
bool Scatter::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Scatter*>(&other);
  return o && o->reduce_ == reduce_ && o->axes_ == axes_;
}

namespace {

array scatter_with(Scatter::ReduceType r, const array& a, const std::vector<array>& idx,
                   const array& u, const std::vector<int>& axes, Stream s) {
  switch (r) {
    case Scatter::None: return scatter(a, idx, u, axes, s);
    case Scatter::Sum: return scatter_add(a, idx, u, axes, s);
    case Scatter::Prod: return scatter_prod(a, idx, u, axes, s);
    case Scatter::Max: return scatter_max(a, idx, u, axes, s);
    case Scatter::Min: return scatter_min(a, idx, u, axes, s);
  }
  return scatter(a, idx, u, axes, s);
}

}  // namespace

std::vector<array> Scatter::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  if (reduce_ != None && reduce_ != Sum) {
    throw std::invalid_argument(
        msg("[Scatter::jvp] Not supported for reduce type ", reduce_name(reduce_), "."));
  }
  size_t nu = primals.size() - 1;
  std::optional<array> ts, tu;
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) ts = tangents[i];
    if (static_cast<size_t>(argnums[i]) == nu) tu = tangents[i];
  }
  std::vector<array> idx(primals.begin() + 1, primals.end() - 1);
  array src_t = ts ? *ts : zeros_like(primals[0], stream());
  array upd_t = tu ? *tu : zeros_like(primals[nu], stream());
  return {scatter_with(reduce_, src_t, idx, upd_t, axes_, stream())};
}

std::vector<array> Scatter::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums,
                                const std::vector<array>& outputs) {
  bool extremum = reduce_ == Max || reduce_ == Min;
  if (reduce_ != None && reduce_ != Sum && !extremum) {
    throw std::invalid_argument(
        msg("[Scatter::vjp] Not supported for reduce type ", reduce_name(reduce_), "."));
  }
  size_t nu = primals.size() - 1;
  const array& ct = cotangents[0];
  const array& upd = primals[nu];
  std::vector<array> idx(primals.begin() + 1, primals.end() - 1);
  std::vector<array> out;
  if (extremum) {
    // The cotangent reaches every operand equal to the result it produced.
    auto s = stream();
    const array& res = outputs[0];
    int ni = idx.empty() ? 0 : idx[0].ndim();
    Shape sizes(upd.shape().begin() + ni, upd.shape().end());
    auto pick = [&](const array& a) {
      return reshape(gather(a, idx, axes_, sizes, s), upd.shape(), s);
    };
    auto zero = zeros_like(ct, s);
    for (int a : argnums) {
      if (a == 0) {
        out.push_back(where(equal(res, primals[0], s), ct, zero, s));
      } else if (static_cast<size_t>(a) == nu) {
        out.push_back(where(equal(pick(res), upd, s), pick(ct), zeros_like(upd, s), s));
      } else {
        out.push_back(zeros_like(primals[a], s));
      }
    }
    return out;
  }
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(reduce_ == None ? scatter(ct, idx, zeros_like(upd, stream()), axes_, stream())
                                    : ct);
    } else if (static_cast<size_t>(a) == nu) {
      int ni = idx.empty() ? 0 : idx[0].ndim();
      Shape sizes(upd.shape().begin() + ni, upd.shape().end());
      out.push_back(reshape(gather(ct, idx, axes_, sizes, stream()), upd.shape(), stream()));
    } else {
      out.push_back(zeros_like(primals[a], stream()));
    }
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Scatter::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto n = batch_size(inputs, axes);
  size_t nu = inputs.size() - 1;
  std::vector<int> saxes;
  for (int a : axes_) saxes.push_back(a + 1);
  auto src = with_batch(inputs[0], axes[0], n, stream());
  bool other_batched = false;
  for (size_t i = 1; i < inputs.size(); ++i) other_batched = other_batched || axes[i] >= 0;
  std::vector<array> idx(inputs.begin() + 1, inputs.begin() + nu);
  if (!other_batched) {
    // Only the source is batched: every update block spans the batch axis.
    int ni = idx.empty() ? 0 : idx[0].ndim();
    auto u = expand_dims(inputs[nu], ni, stream());
    Shape sh = u.shape();
    sh[ni] = n;
    u = broadcast_to(u, sh, stream());
    return {{scatter_with(reduce_, src, idx, u, saxes, stream())}, {0}};
  }
  for (size_t i = 1; i < nu; ++i) idx[i - 1] = with_batch(inputs[i], axes[i], n, stream());
  if (!idx.empty()) idx = broadcast_arrays(idx, stream());
  // Updates: (n, I..., slice...) with a size-1 slice on the batch axis.
  auto u = with_batch(inputs[nu], axes[nu], n, stream());
  int ni_orig = inputs[nu].ndim() - (axes[nu] >= 0 ? 1 : 0) - inputs[0].ndim() +
                (axes[0] >= 0 ? 1 : 0);
  Shape ishape = idx.empty() ? Shape{n} : idx[0].shape();
  // Indices may carry a batch axis the updates lack (or broadcast further).
  Shape target = ishape;
  target.insert(target.end(), u.shape().begin() + 1 + ni_orig, u.shape().end());
  if (u.shape() != target) u = broadcast_to(u, target, stream());
  u = expand_dims(u, static_cast<int>(ishape.size()), stream());
  idx.insert(idx.begin(), batch_index(n, ishape, stream()));
  saxes.insert(saxes.begin(), 0);
  return {{scatter_with(reduce_, src, idx, u, saxes, stream())}, {0}};
}

// ---- SliceUpdate ----

std::vector<std::pair<std::string, std::string>> SliceUpdate::params() const {
  return {{"start", param_text(start_)}, {"stop", param_text(stop_)},
          {"strides", param_text(strides_)}};
}
std::shared_ptr<Primitive> SliceUpdate::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("SliceUpdate", params);
  return std::make_shared<SliceUpdate>(s, r.tuple<Shape>("start"), r.tuple<Shape>("stop"),
                                       r.tuple<Shape>("strides"));
}
bool SliceUpdate::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const SliceUpdate*>(&other);
  return o && o->start_ == start_ && o->stop_ == stop_ && o->strides_ == strides_;
}

namespace {

/// The Slice view with already-normalized bounds (the slice op would normalize again).
array raw_slice(const array& a, const Shape& shape, const Shape& start,
                const Shape& stop, const Shape& strides, Stream s) {
  return array(shape, a.dtype(), std::make_shared<Slice>(s, start, stop, strides), {a});
}

array raw_slice_update(const array& a, const array& u, const Shape& start,
                       const Shape& stop, const Shape& strides, Stream s) {
  return array(a.shape(), a.dtype(), std::make_shared<SliceUpdate>(s, start, stop, strides),
               {a, astype(u, a.dtype(), s)});
}

}  // namespace

std::vector<array> SliceUpdate::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  std::optional<array> ts, tu;
  for (size_t i = 0; i < argnums.size(); ++i) {
    (argnums[i] == 0 ? ts : tu) = tangents[i];
  }
  array src_t = ts ? *ts : zeros_like(primals[0], stream());
  array upd_t = tu ? *tu : zeros_like(primals[1], stream());
  return {raw_slice_update(src_t, upd_t, start_, stop_, strides_, stream())};
}

std::vector<array> SliceUpdate::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums,
                                    const std::vector<array>&) {
  const array& ct = cotangents[0];
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(raw_slice_update(ct, zeros_like(primals[1], stream()), start_, stop_,
                                     strides_, stream()));
    } else {
      out.push_back(raw_slice(ct, primals[1].shape(), start_, stop_, strides_, stream()));
    }
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> SliceUpdate::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto n = batch_size(inputs, axes);
  auto src = with_batch(inputs[0], axes[0], n, stream());
  auto upd = with_batch(inputs[1], axes[1], n, stream());
  Shape start{0}, stop{n}, strides{1};
  start.insert(start.end(), start_.begin(), start_.end());
  stop.insert(stop.end(), stop_.begin(), stop_.end());
  strides.insert(strides.end(), strides_.begin(), strides_.end());
  if (axes[0] < 0) src = copy(src, stream());  // materialize the broadcast source
  return {{raw_slice_update(src, upd, start, stop, strides, stream())}, {0}};
}

// ---- GatherAxis / ScatterAxis ----

std::vector<std::pair<std::string, std::string>> GatherAxis::params() const {
  return {{"axis", param_text(axis_)}};
}
std::shared_ptr<Primitive> GatherAxis::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("GatherAxis", params);
  return std::make_shared<GatherAxis>(s, int(r.integer("axis")));
}
bool GatherAxis::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const GatherAxis*>(&other);
  return o && o->axis_ == axis_;
}

std::vector<array> GatherAxis::jvp(const std::vector<array>& primals,
                                   const std::vector<array>& tangents,
                                   const std::vector<int>& argnums) {
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) return {take_along_axis(tangents[i], primals[1], axis_, stream())};
  }
  return {zeros(primals[1].shape(), primals[0].dtype(), stream())};
}

std::vector<array> GatherAxis::vjp(const std::vector<array>& primals,
                                   const std::vector<array>& cotangents,
                                   const std::vector<int>& argnums,
                                   const std::vector<array>&) {
  std::vector<array> out;
  for (int a : argnums) {
    out.push_back(a == 0 ? scatter_add_axis(zeros_like(primals[0], stream()), primals[1],
                                            cotangents[0], axis_, stream())
                         : zeros_like(primals[1], stream()));
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> GatherAxis::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto n = batch_size(inputs, axes);
  auto src = with_batch(inputs[0], axes[0], n, stream());
  auto idx = with_batch(inputs[1], axes[1], n, stream());
  return {{take_along_axis(src, idx, axis_ + 1, stream())}, {0}};
}

std::vector<std::pair<std::string, std::string>> ScatterAxis::params() const {
  return {{"reduce", reduce_name(reduce_)}, {"axis", param_text(axis_)}};
}
std::shared_ptr<Primitive> ScatterAxis::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("ScatterAxis", params);
  return std::make_shared<ScatterAxis>(s, read_reduce(r), int(r.integer("axis")));
}
bool ScatterAxis::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const ScatterAxis*>(&other);
  return o && o->axis_ == axis_ && o->reduce_ == reduce_;
}

namespace {

array scatter_axis_with(Scatter::ReduceType r, const array& a, const array& idx,
                        const array& u, int axis, Stream s) {
  return r == Scatter::Sum ? scatter_add_axis(a, idx, u, axis, s)
                           : put_along_axis(a, idx, u, axis, s);
}

}  // namespace

std::vector<array> ScatterAxis::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  std::optional<array> ts, tu;
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) ts = tangents[i];
    if (argnums[i] == 2) tu = tangents[i];
  }
  array src_t = ts ? *ts : zeros_like(primals[0], stream());
  array upd_t = tu ? *tu : zeros_like(primals[2], stream());
  return {scatter_axis_with(reduce_, src_t, primals[1], upd_t, axis_, stream())};
}

std::vector<array> ScatterAxis::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums,
                                    const std::vector<array>&) {
  const array& ct = cotangents[0];
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(reduce_ == Scatter::Sum
                        ? ct
                        : put_along_axis(ct, primals[1], zeros_like(primals[2], stream()),
                                         axis_, stream()));
    } else if (a == 2) {
      out.push_back(take_along_axis(ct, primals[1], axis_, stream()));
    } else {
      out.push_back(zeros_like(primals[1], stream()));
    }
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> ScatterAxis::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto n = batch_size(inputs, axes);
  auto src = with_batch(inputs[0], axes[0], n, stream());
  auto idx = with_batch(inputs[1], axes[1], n, stream());
  auto upd = with_batch(inputs[2], axes[2], n, stream());
  return {{scatter_axis_with(reduce_, src, idx, upd, axis_ + 1, stream())}, {0}};
}

// ---- MaskedScatter ----

std::vector<std::pair<std::string, std::string>> MaskedScatter::params() const {
  return {{"batch_ndim", param_text(batch_ndim_)}};
}
std::shared_ptr<Primitive> MaskedScatter::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("MaskedScatter", params);
  return std::make_shared<MaskedScatter>(s, int(r.integer("batch_ndim")));
}
bool MaskedScatter::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const MaskedScatter*>(&other);
  return o && o->batch_ndim_ == batch_ndim_;
}

std::vector<array> MaskedScatter::jvp(const std::vector<array>& primals,
                                      const std::vector<array>& tangents,
                                      const std::vector<int>& argnums) {
  std::optional<array> ta, tv;
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) ta = tangents[i];
    if (argnums[i] == 2) tv = tangents[i];
  }
  array a_t = ta ? *ta : zeros_like(primals[0], stream());
  array v_t = tv ? *tv : zeros_like(primals[2], stream());
  return {array(primals[0].shape(), a_t.dtype(),
                std::make_shared<MaskedScatter>(stream(), batch_ndim_),
                {a_t, primals[1], astype(v_t, a_t.dtype(), stream())})};
}

std::vector<array> MaskedScatter::vjp(const std::vector<array>& primals,
                                      const std::vector<array>& cotangents,
                                      const std::vector<int>& argnums,
                                      const std::vector<array>&) {
  const auto& s = stream();
  const array& g = cotangents[0];
  const array& mask = primals[1];
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(where(mask, zeros({}, g.dtype(), s), g, s));
    } else if (a == 1) {
      out.push_back(zeros_like(mask, s));
    } else {
      // Value k of a batch went to the k-th masked entry of that batch: its
      // position is the running count of the mask. Unmasked entries (and any
      // beyond the values) are parked at index S, which is cut off.
      Shape rows(mask.shape().begin(), mask.shape().begin() + batch_ndim_);
      rows.push_back(-1);
      auto m = reshape(mask, rows, s);
      auto pos = subtract(cumsum(m, -1, false, true, int32, s), array(1, int32), s);
      ShapeElem n = primals[2].shape(-1);
      auto in_range = logical_and(m, less(pos, array(static_cast<int>(n), int32), s), s);
      auto idx = where(in_range, pos, array(static_cast<int>(n), int32), s);
      Shape ext = primals[2].shape();
      ext.back() = n + 1;
      auto d = put_along_axis(zeros(ext, g.dtype(), s), idx, reshape(g, rows, s), -1, s);
      out.push_back(detail::take_range(d, batch_ndim_, 0, n, s));
    }
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> MaskedScatter::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  const auto& s = stream();
  auto n = batch_size(inputs, axes);
  auto a = with_batch(inputs[0], axes[0], n, s);
  auto m = with_batch(inputs[1], axes[1], n, s);
  auto v = with_batch(inputs[2], axes[2], n, s);
  return {{array(a.shape(), a.dtype(), std::make_shared<MaskedScatter>(s, batch_ndim_ + 1),
                 {a, m, v})},
          {0}};
}

LUMEX_REGISTER_PRIMITIVE(Gather);
LUMEX_REGISTER_PRIMITIVE(Scatter);
LUMEX_REGISTER_PRIMITIVE(SliceUpdate);
LUMEX_REGISTER_PRIMITIVE(GatherAxis);
LUMEX_REGISTER_PRIMITIVE(ScatterAxis);
LUMEX_REGISTER_PRIMITIVE(MaskedScatter);

}  // namespace lumex::core
