// Parameters and transform rules of the sorting primitives (kernels live in
// backend/cpu/sort.cpp). Values move with their argsort/argpartition positions.
#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

/// The primitive's axis in an input batched along `bdim`.
int batched_axis(int axis, int bdim) { return axis >= bdim ? axis + 1 : axis; }

std::vector<array> integer_vjp(const std::vector<array>& primals,
                               const std::vector<int>& argnums) {
  std::vector<array> out;
  for (int a : argnums) out.push_back(zeros_like(primals[a]));
  return out;
}

}  // namespace

#define LUMEX_AXIS_PARAMS(NAME)                                                \
  std::vector<std::pair<std::string, std::string>> NAME::params() const {     \
    return {{"axis", param_text(axis_)}};                                     \
  }                                                                            \
  std::shared_ptr<Primitive> NAME::from_params(Stream s, const PrimitiveParams& params) { \
    return std::make_shared<NAME>(s, int(ParamReader(#NAME, params).integer("axis")));   \
  }                                                                            \
  bool NAME::is_equivalent(const Primitive& other) const {                     \
    auto* o = dynamic_cast<const NAME*>(&other);                               \
    return o && o->axis_ == axis_;                                             \
  }
LUMEX_AXIS_PARAMS(Sort)
LUMEX_AXIS_PARAMS(ArgSort)
#undef LUMEX_AXIS_PARAMS

#define LUMEX_KTH_PARAMS(NAME)                                                 \
  std::vector<std::pair<std::string, std::string>> NAME::params() const {     \
    return {{"kth", param_text(kth_)}, {"axis", param_text(axis_)}};          \
  }                                                                            \
  std::shared_ptr<Primitive> NAME::from_params(Stream s, const PrimitiveParams& params) { \
    ParamReader r(#NAME, params);                                              \
    return std::make_shared<NAME>(s, int(r.integer("kth")), int(r.integer("axis")));    \
  }                                                                            \
  bool NAME::is_equivalent(const Primitive& other) const {                     \
    auto* o = dynamic_cast<const NAME*>(&other);                               \
    return o && o->axis_ == axis_ && o->kth_ == kth_;                          \
  }
LUMEX_KTH_PARAMS(Partition)
LUMEX_KTH_PARAMS(ArgPartition)
#undef LUMEX_KTH_PARAMS

std::vector<array> Sort::jvp(const std::vector<array>& primals,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  auto idx = argsort(primals[0], axis_, stream());
  return {take_along_axis(tangents[0], idx, axis_, stream())};
}

std::vector<array> Sort::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  auto idx = argsort(primals[0], axis_, stream());
  return {scatter_add_axis(zeros_like(primals[0], stream()), idx, cotangents[0], axis_,
                           stream())};
}

std::pair<std::vector<array>, std::vector<int>> Sort::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{sort(inputs[0], batched_axis(axis_, axes[0]), stream())}, {axes[0]}};
}

std::vector<array> ArgSort::jvp(const std::vector<array>& primals,
                                const std::vector<array>&, const std::vector<int>&) {
  return {zeros(primals[0].shape(), uint32, stream())};
}

std::vector<array> ArgSort::vjp(const std::vector<array>& primals,
                                const std::vector<array>&, const std::vector<int>& argnums,
                                const std::vector<array>&) {
  return integer_vjp(primals, argnums);
}

std::pair<std::vector<array>, std::vector<int>> ArgSort::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{argsort(inputs[0], batched_axis(axis_, axes[0]), stream())}, {axes[0]}};
}

std::vector<array> Partition::jvp(const std::vector<array>& primals,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  auto idx = argpartition(primals[0], kth_, axis_, stream());
  return {take_along_axis(tangents[0], idx, axis_, stream())};
}

std::vector<array> Partition::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  auto idx = argpartition(primals[0], kth_, axis_, stream());
  return {scatter_add_axis(zeros_like(primals[0], stream()), idx, cotangents[0], axis_,
                           stream())};
}

std::pair<std::vector<array>, std::vector<int>> Partition::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{partition(inputs[0], kth_, batched_axis(axis_, axes[0]), stream())}, {axes[0]}};
}

std::vector<array> ArgPartition::jvp(const std::vector<array>& primals,
                                     const std::vector<array>&, const std::vector<int>&) {
  return {zeros(primals[0].shape(), uint32, stream())};
}

std::vector<array> ArgPartition::vjp(const std::vector<array>& primals,
                                     const std::vector<array>&,
                                     const std::vector<int>& argnums,
                                     const std::vector<array>&) {
  return integer_vjp(primals, argnums);
}

std::pair<std::vector<array>, std::vector<int>> ArgPartition::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{argpartition(inputs[0], kth_, batched_axis(axis_, axes[0]), stream())},
          {axes[0]}};
}

std::vector<std::pair<std::string, std::string>> SearchSorted::params() const {
  return {{"side", right_ ? "right" : "left"}};
}
std::shared_ptr<Primitive> SearchSorted::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("SearchSorted", params);
  return std::make_shared<SearchSorted>(s, r.choice("side", {"left", "right"}) == 1);
}

bool SearchSorted::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const SearchSorted*>(&other);
  return o && o->right_ == right_;
}

std::vector<array> SearchSorted::jvp(const std::vector<array>& primals,
                                     const std::vector<array>&, const std::vector<int>&) {
  return {zeros(primals[1].shape(), uint32, stream())};
}

std::vector<array> SearchSorted::vjp(const std::vector<array>& primals,
                                     const std::vector<array>&,
                                     const std::vector<int>& argnums,
                                     const std::vector<array>&) {
  return integer_vjp(primals, argnums);
}

std::pair<std::vector<array>, std::vector<int>> SearchSorted::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  // The kernel takes a stack of sequences (L..., m) with values (L..., rest):
  // a batched sequence puts its batch first in both, a shared one leaves the
  // values' batch axis after L.
  auto s = stream();
  array seq = inputs[0], vals = inputs[1];
  int out_axis;
  if (axes[0] >= 0) {
    seq = moveaxis(seq, axes[0], 0, s);
    if (axes[1] >= 0) {
      vals = moveaxis(vals, axes[1], 0, s);
    } else {
      Shape shape = vals.shape();
      shape.insert(shape.begin(), seq.shape(0));
      vals = broadcast_to(expand_dims(vals, 0, s), shape, s);
    }
    out_axis = 0;
  } else {
    out_axis = seq.ndim() - 1;
    vals = moveaxis(vals, axes[1], out_axis, s);
  }
  return {{array(vals.shape(), uint32, std::make_shared<SearchSorted>(s, right_),
                 {seq, vals})},
          {out_axis}};
}

LUMEX_REGISTER_PRIMITIVE(Sort);
LUMEX_REGISTER_PRIMITIVE(ArgSort);
LUMEX_REGISTER_PRIMITIVE(Partition);
LUMEX_REGISTER_PRIMITIVE(ArgPartition);
LUMEX_REGISTER_PRIMITIVE(SearchSorted);

}  // namespace lumex::core
