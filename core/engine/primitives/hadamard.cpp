// Rules of the Walsh-Hadamard transform. The transform is linear, so its jvp is
// itself and its vjp its transpose; both are Hadamard nodes and can be
// transformed again.
#include "engine/primitives/hadamard.h"

#include "engine/ops.h"
#include "engine/primitives/params.h"
#include "engine/primitives/rule_utils.h"

namespace lumex::core {

namespace {

// MLX's H_m for the non-power-of-two factors, so the transforms agree entry for
// entry (any Hadamard matrix of order m would be orthogonal; these are the ones
// MLX applies). Row i is the i-th output's weights.
const char* const kH12[] = {
    "+-++++++++++",
    "--+-+-+-+-+-",
    "+++-++----++",
    "+---+--+-++-",
    "+++++-++----",
    "+-+---+--+-+",
    "++--+++-++--",
    "+--++---+--+",
    "++----+++-++",
    "+--+-++---+-",
    "++++----+++-",
    "+-+--+-++---",
};
const char* const kH20[] = {
    "+----+----++--++-++-",
    "-+----+---+++---+-++",
    "--+----+---+++-+-+-+",
    "---+----+---+++++-+-",
    "----+----++--++-++-+",
    "-+++++-----+--+++--+",
    "+-+++-+---+-+--+++--",
    "++-++--+---+-+--+++-",
    "+++-+---+---+-+--+++",
    "++++-----++--+-+--++",
    "--++-+-++-+-----++++",
    "---++-+-++-+---+-+++",
    "+---++-+-+--+--++-++",
    "++---++-+----+-+++-+",
    "-++---++-+----+++++-",
    "-+--+--++-+----+----",
    "+-+-----++-+----+---",
    "-+-+-+---+--+----+--",
    "--+-+++------+----+-",
    "+--+--++------+----+",
};
const char* const kH28[] = {
    "+------++----++-+--+-+--++--",
    "-+-----+++-----+-+--+-+--++-",
    "--+-----+++---+-+-+----+--++",
    "---+-----+++---+-+-+-+--+--+",
    "----+-----+++---+-+-+++--+--",
    "-----+-----++++--+-+--++--+-",
    "------++----++-+--+-+--++--+",
    "--++++-+-------++--+++-+--+-",
    "---++++-+-----+-++--+-+-+--+",
    "+---+++--+----++-++--+-+-+--",
    "++---++---+----++-++--+-+-+-",
    "+++---+----+----++-++--+-+-+",
    "++++--------+-+--++-++--+-+-",
    "-++++--------+++--++--+--+-+",
    "-+-++-++--++--+--------++++-",
    "+-+-++--+--++--+--------++++",
    "-+-+-++--+--++--+----+---+++",
    "+-+-+-++--+--+---+---++---++",
    "++-+-+-++--+------+--+++---+",
    "-++-+-+-++--+------+-++++---",
    "+-++-+---++--+------+-++++--",
    "-++--++-+-++-+++----++------",
    "+-++--++-+-++-+++-----+-----",
    "++-++---+-+-++-+++-----+----",
    "-++-++-+-+-+-+--+++-----+---",
    "--++-++++-+-+----+++-----+--",
    "+--++-+-++-+-+----+++-----+-",
    "++--++-+-++-+-+----++------+",
};

}  // namespace

int64_t hadamard_base(int64_t n) {
  if (n <= 0) return 0;
  for (int64_t m : {1, 12, 20, 28}) {
    if (n % m) continue;
    int64_t p = n / m;
    if ((p & (p - 1)) == 0) return m;
  }
  return 0;
}

const char* const* hadamard_rows(int64_t m) {
  switch (m) {
    case 12: return kH12;
    case 20: return kH20;
    case 28: return kH28;
    default: return nullptr;
  }
}

std::vector<std::pair<std::string, std::string>> Hadamard::params() const {
  return {{"scale", param_text(scale_)}, {"transpose", param_text(transpose_)}};
}
std::shared_ptr<Primitive> Hadamard::from_params(Stream s, const PrimitiveParams& params) {
  ParamReader r("Hadamard", params);
  return std::make_shared<Hadamard>(s, static_cast<float>(r.real("scale")), r.flag("transpose"));
}

bool Hadamard::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Hadamard*>(&other);
  return o && o->scale_ == scale_ && o->transpose_ == transpose_;
}

std::vector<array> Hadamard::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                 const std::vector<int>&) {
  const auto& t = tangents[0];
  return {array(t.shape(), t.dtype(), std::make_shared<Hadamard>(stream(), scale_, transpose_),
                {t})};
}

std::vector<array> Hadamard::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                 const std::vector<int>&, const std::vector<array>&) {
  const auto& g = cotangents[0];
  return {array(g.shape(), g.dtype(),
                std::make_shared<Hadamard>(stream(), scale_, !transpose_), {g})};
}

std::pair<std::vector<array>, std::vector<int>> Hadamard::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  const auto& s = stream();
  auto x = inputs[0];
  int ax = axes[0];
  auto apply = [&](const array& v) {
    return array(v.shape(), v.dtype(), std::make_shared<Hadamard>(s, scale_, transpose_), {v});
  };
  if (ax < 0 || ax != x.ndim() - 1) return {{apply(x)}, {ax}};
  if (x.ndim() == 1) {
    // Each row was a 0-d array: a transform of size 1 per element.
    auto y = apply(expand_dims(x, std::vector<int>{-1}, s));
    return {{squeeze(y, std::vector<int>{-1}, s)}, {0}};
  }
  return {{apply(moveaxis(x, ax, 0, s))}, {0}};
}

LUMEX_REGISTER_PRIMITIVE(Hadamard);

}  // namespace lumex::core
