// CPU kernel for RandomBits: Threefry-2x32 (20 rounds) over a counter, one key
// per output block. The counter layout matches MLX's so the bits agree.
#include <cstring>
#include <utility>

#include "engine/backend/cpu/kernel_utils.h"
#include "engine/primitives.h"

namespace lumex::core {

namespace {

using Pair = std::pair<uint32_t, uint32_t>;

inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

/// Threefry-2x32 with 20 rounds: key schedule injected every 4 rounds.
Pair threefry2x32(Pair key, Pair ctr) {
  static constexpr int kRot[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  const uint32_t ks[3] = {key.first, key.second,
                          key.first ^ key.second ^ 0x1BD11BDAu};
  uint32_t x0 = ctr.first + ks[0];
  uint32_t x1 = ctr.second + ks[1];
  for (int i = 0; i < 5; ++i) {
    for (int r : kRot[i % 2]) {
      x0 += x1;
      x1 = rotl32(x1, r) ^ x0;
    }
    x0 += ks[(i + 1) % 3];
    x1 += ks[(i + 2) % 3] + static_cast<uint32_t>(i + 1);
  }
  return {x0, x1};
}

/// Fills `nbytes` bytes at dst from one key. The block has w = ceil(nbytes/4)
/// words; counter (i, h + i) (h = ceil(w/2)) gives words i and h + i, and an
/// odd block's middle word comes from counter (w/2, 0).
void fill_block(Pair key, uint8_t* dst, size_t nbytes) {
  size_t words = (nbytes + 3) / 4;
  size_t half = words / 2;
  bool odd = words % 2 == 1;
  size_t hi_start = half + (odd ? 1 : 0);
  auto put = [&](size_t word, uint32_t v) {
    size_t at = word * 4;
    if (at >= nbytes) return;
    std::memcpy(dst + at, &v, std::min<size_t>(4, nbytes - at));
  };
  for (size_t i = 0; i < half; ++i) {
    Pair r = threefry2x32(key, {static_cast<uint32_t>(i),
                                static_cast<uint32_t>(hi_start + i)});
    put(i, r.first);
    put(hi_start + i, r.second);
  }
  if (odd) {
    put(half, threefry2x32(key, {static_cast<uint32_t>(half), 0u}).first);
  }
}

}  // namespace

void RandomBits::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& keys = inputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  size_t nkeys = keys.size() / 2;
  if (nkeys == 0 || out.size() == 0) return;
  size_t block = out.nbytes() / nkeys;
  // Key words through the key array's own strides (it may be a view).
  Shape kshape = keys.shape();
  Strides kstr = keys.strides();
  Strides dense = row_strides(kshape);
  const uint32_t* kp = keys.data<uint32_t>();
  auto word = [&](size_t flat) {
    int64_t loc = 0;
    for (int d = static_cast<int>(kshape.size()) - 1; d >= 0; --d) {
      loc += static_cast<int64_t>(flat / dense[d] % kshape[d]) * kstr[d];
    }
    return kp[loc];
  };
  auto* dst = out.data<uint8_t>();
  for (size_t k = 0; k < nkeys; ++k) {
    fill_block({word(2 * k), word(2 * k + 1)}, dst + k * block, block);
  }
}

}  // namespace lumex::core
