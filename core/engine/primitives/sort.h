// Sorting primitives, all along one axis. NaNs sort last (as MLX), and sorts are
// stable, so equal elements keep their order.
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/params.h"

namespace lumex::core {

/// Sorted values along `axis`.
class Sort : public UnaryPrimitive {
 public:
  Sort(Stream s, int axis) : UnaryPrimitive(s), axis_(axis) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(Sort)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  int axis_;
};

/// uint32 positions that sort the input along `axis`.
class ArgSort : public UnaryPrimitive {
 public:
  ArgSort(Stream s, int axis) : UnaryPrimitive(s), axis_(axis) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(ArgSort)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  int axis_;
};

/// Values along `axis` rearranged so position kth holds the element a full sort
/// would put there, smaller-or-equal ones before it and the rest after.
class Partition : public UnaryPrimitive {
 public:
  Partition(Stream s, int kth, int axis) : UnaryPrimitive(s), kth_(kth), axis_(axis) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(Partition)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  int kth_, axis_;
};

/// uint32 positions of Partition's arrangement.
class ArgPartition : public UnaryPrimitive {
 public:
  ArgPartition(Stream s, int kth, int axis)
      : UnaryPrimitive(s), kth_(kth), axis_(axis) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(ArgPartition)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  int kth_, axis_;
};

/// uint32 insertion points of values (input 1) in the 1-D ascending sequence
/// (input 0), by binary search in sort order (NaN last, -0 == +0): the count
/// of elements before each value ("left") or not after it ("right"). Under
/// vmap the sequence may be a stack (L..., m) searched by values (L..., rest).
class SearchSorted : public UnaryPrimitive {
 public:
  SearchSorted(Stream s, bool right) : UnaryPrimitive(s), right_(right) {}
  LUMEX_EVAL
  LUMEX_TRANSFORM_RULES
  LUMEX_DEFINE_NAME(SearchSorted)
  LUMEX_PARAMS
  bool is_equivalent(const Primitive& other) const override;

 private:
  bool right_;
};

}  // namespace lumex::core
