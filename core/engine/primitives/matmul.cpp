// Transform rules of the matrix-product primitives.
#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/primitives/rule_utils.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {
using Rules = std::pair<std::vector<array>, std::vector<int>>;

array mT(const array& x, const Stream& s) { return swapaxes(x, -1, -2, s); }

/// Batched a @ b for vmap: batch axes to the front; matmul broadcasts the rest.
array batched_matmul(const std::vector<array>& inputs, const std::vector<int>& axes,
                     size_t first, const Stream& s) {
  auto a = axes[first] >= 0 ? batch_to_front(inputs[first], axes[first], s)
                            : inputs[first];
  auto b = axes[first + 1] >= 0
               ? batch_to_front(inputs[first + 1], axes[first + 1], s)
               : inputs[first + 1];
  // An unbatched operand of higher rank would misalign the batch axis.
  if (axes[first] < 0 && a.ndim() >= b.ndim()) a = expand_dims(a, 0, s);
  if (axes[first + 1] < 0 && b.ndim() >= a.ndim()) b = expand_dims(b, 0, s);
  return matmul(a, b, s);
}
}  // namespace

std::vector<array> Matmul::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  auto s = stream();
  std::optional<array> out;
  for (size_t k = 0; k < argnums.size(); ++k) {
    auto term = argnums[k] == 0 ? matmul(tangents[k], primals[1], s)
                                : matmul(primals[0], tangents[k], s);
    out = out ? add(*out, term, s) : term;
  }
  return {*out};
}
std::vector<array> Matmul::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums,
                               const std::vector<array>&) {
  auto s = stream();
  const auto& g = cotangents[0];
  std::vector<array> vjps;
  for (int i : argnums) {
    // MLX's complex convention: the cotangent meets the conjugate transpose.
    vjps.push_back(i == 0 ? matmul(g, conjugate(mT(primals[1], s), s), s)
                          : matmul(conjugate(mT(primals[0], s), s), g, s));
  }
  return vjps;
}
Rules Matmul::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{batched_matmul(inputs, axes, 0, stream())}, {0}};
}

// Inputs (c, a, b): out = alpha * (a @ b) + beta * c.
std::vector<array> AddMM::jvp(const std::vector<array>& primals,
                              const std::vector<array>& tangents,
                              const std::vector<int>& argnums) {
  auto s = stream();
  auto alpha = array(alpha_, primals[0].dtype());
  auto beta = array(beta_, primals[0].dtype());
  std::optional<array> out;
  for (size_t k = 0; k < argnums.size(); ++k) {
    array term = argnums[k] == 0   ? multiply(beta, tangents[k], s)
                 : argnums[k] == 1 ? multiply(alpha, matmul(tangents[k], primals[2], s), s)
                                   : multiply(alpha, matmul(primals[1], tangents[k], s), s);
    out = out ? add(*out, term, s) : term;
  }
  auto shape = broadcast_shapes(primals[0].shape(),
                                matmul(primals[1], primals[2], s).shape());
  return {broadcast_to(*out, shape, s)};
}
std::vector<array> AddMM::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents,
                              const std::vector<int>& argnums,
                              const std::vector<array>&) {
  auto s = stream();
  const auto& g = cotangents[0];
  auto alpha = array(alpha_, g.dtype());
  auto beta = array(beta_, g.dtype());
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i == 0) {
      vjps.push_back(unbroadcast(multiply(beta, g, s), primals[0].shape(), s));
    } else if (i == 1) {
      vjps.push_back(unbroadcast(multiply(alpha, matmul(g, conjugate(mT(primals[2], s), s), s), s),
                                 primals[1].shape(), s));
    } else {
      vjps.push_back(unbroadcast(multiply(alpha, matmul(conjugate(mT(primals[1], s), s), g, s), s),
                                 primals[2].shape(), s));
    }
  }
  return vjps;
}
Rules AddMM::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  auto prod = batched_matmul(inputs, axes, 1, s);
  // c has the product's (unbatched) rank, so batch-first operands broadcast.
  auto c = axes[0] >= 0 ? batch_to_front(inputs[0], axes[0], s) : inputs[0];
  auto alpha = array(alpha_, prod.dtype());
  auto beta = array(beta_, prod.dtype());
  return {{add(multiply(alpha, prod, s), multiply(beta, c, s), s)}, {0}};
}

std::vector<Shape> Matmul::output_shapes(const std::vector<array>& inputs) const {
  const auto& a = inputs[0].shape();
  const auto& b = inputs[1].shape();
  if (a.size() < 2 || b.size() < 2) return {};
  if (a.back() != b[b.size() - 2]) {
    throw std::invalid_argument(msg("[matmul] Last dimension of first input with shape ",
                                    shape_str(a), " must match second to last dimension of"
                                    " second input with shape ", shape_str(b), "."));
  }
  auto shape = broadcast_shapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  shape.push_back(a[a.size() - 2]);
  shape.push_back(b.back());
  return {shape};
}

std::shared_ptr<Primitive> AddMM::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("AddMM", params);
  return std::make_shared<AddMM>(s, r.real("alpha"), r.real("beta"));
}

LUMEX_REGISTER_PRIMITIVE(Matmul);
LUMEX_REGISTER_PRIMITIVE(AddMM);

}  // namespace lumex::core
