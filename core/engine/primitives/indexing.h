// Primitives that read or write elements at computed positions: gather/scatter
// (advanced indexing, take, dynamic slices), their per-axis forms (take_along_axis,
// put_along_axis) and the static slice update behind basic __setitem__.
//
// Kernels check every index against its axis at evaluation and throw
// std::out_of_range (IndexError in Python); negative indices count from the end.
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/params.h"

namespace lumex::core {

/// out[i..., s...] = src[.., idx_k[i...] + s_k, ..]: inputs are src and one index
/// array per entry of `axes` (all of one shape I, integer dtypes). The output has
/// shape I + slice_sizes, where slice_sizes[a] is taken from src starting at the
/// index along indexed axes and at 0 along the others.
class Gather : public UnaryPrimitive {
 public:
  Gather(Stream s, std::vector<int> axes, Shape slice_sizes)
      : UnaryPrimitive(s), axes_(std::move(axes)), slice_sizes_(std::move(slice_sizes)) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(Gather)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;
  const std::vector<int>& axes() const { return axes_; }
  const Shape& slice_sizes() const { return slice_sizes_; }

 private:
  std::vector<int> axes_;
  Shape slice_sizes_;
};

/// The inverse of Gather: inputs are src, the index arrays (shape I) and updates
/// (shape I + slice shape, with src's ndim slice dims). Each update block is
/// combined into a copy of src by `reduce`; with None a repeated index keeps the
/// last write, the others accumulate.
class Scatter : public UnaryPrimitive {
 public:
  enum ReduceType { None, Sum, Prod, Max, Min };
  Scatter(Stream s, ReduceType reduce, std::vector<int> axes)
      : UnaryPrimitive(s), reduce_(reduce), axes_(std::move(axes)) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(Scatter)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;
  const std::vector<int>& axes() const { return axes_; }

 private:
  ReduceType reduce_;
  std::vector<int> axes_;
};

/// out = src with src[start:stop:strides] replaced by update (inputs src, update;
/// update has the slice's shape and src's dtype).
class SliceUpdate : public UnaryPrimitive {
 public:
  SliceUpdate(Stream s, Shape start, Shape stop, Shape strides)
      : UnaryPrimitive(s),
        start_(std::move(start)),
        stop_(std::move(stop)),
        strides_(std::move(strides)) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(SliceUpdate)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  Shape start_, stop_, strides_;
};

/// take_along_axis: inputs src and indices of the same ndim, whose shapes agree
/// except along `axis` (the output has the indices' shape).
class GatherAxis : public UnaryPrimitive {
 public:
  GatherAxis(Stream s, int axis) : UnaryPrimitive(s), axis_(axis) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(GatherAxis)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  int axis_;
};

/// put_along_axis: inputs src, indices and updates (indices' shape); reduce None
/// (last write wins) or Sum.
class ScatterAxis : public UnaryPrimitive {
 public:
  ScatterAxis(Stream s, Scatter::ReduceType reduce, int axis)
      : UnaryPrimitive(s), reduce_(reduce), axis_(axis) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(ScatterAxis)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  Scatter::ReduceType reduce_;
  int axis_;
};

/// a[mask] = src with MLX's semantics: inputs a, mask (a's shape, bool) and src
/// (a's first `batch_ndim` axes, then one axis of length S). Within each batch, the
/// masked entries of a take src's values in row-major order; a batch with more
/// masked entries than S fails when evaluated, as in MLX. vmap adds batch axes.
class MaskedScatter : public UnaryPrimitive {
 public:
  MaskedScatter(Stream s, int batch_ndim) : UnaryPrimitive(s), batch_ndim_(batch_ndim) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(MaskedScatter)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  int batch_ndim_;
};

/// Whether gather/scatter kernels check indices (on unless LUMEX_NO_INDEX_CHECK
/// is set in the environment; the switch exists to measure the check's cost).
bool index_checks_enabled();

}  // namespace lumex::core
