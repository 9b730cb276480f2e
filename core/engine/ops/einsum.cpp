#include "engine/ops/einsum.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <sstream>
#include <utility>
#include <stdexcept>

#include "engine/ops.h"
#include "engine/utils.h"

namespace lumex::core {

namespace {

// A set of index letters as bits: 'a'..'z' are bits 0..25, 'A'..'Z' 26..51.
using Letters = uint64_t;
constexpr auto npos = std::string::npos;

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
int bit_of(char c) { return c >= 'a' ? c - 'a' : 26 + (c - 'A'); }
Letters letter(char c) { return Letters{1} << bit_of(c); }
bool has(Letters set, char c) { return set & letter(c); }
Letters letters_of(const std::string& idx) {
  Letters set = 0;
  for (char c : idx) set |= letter(c);
  return set;
}
int count(Letters set) { return std::popcount(set); }

using Sizes = std::array<ShapeElem, 52>;

size_t size_of(Letters set, const Sizes& dims) {
  size_t n = 1;
  for (int b = 0; b < 52; ++b) {
    if ((set >> b) & 1) n *= static_cast<size_t>(dims[b]);
  }
  return n;
}

/// NumPy's FLOP estimate: one multiply per extra term, one add if anything is summed.
size_t flops(Letters all, bool sums, size_t n_terms, const Sizes& dims) {
  size_t per_element = std::max<size_t>(1, n_terms - 1) + (sums ? 1 : 0);
  return size_of(all, dims) * per_element;
}

/// One step: the operands at `positions` of the current list (results are
/// appended at its end) become one array over the letters `keep`.
struct Step {
  std::vector<int> positions;
  Letters keep;
};

struct Plan {
  std::vector<std::string> inputs;  // ellipses expanded
  std::string output;
  Sizes dims{};  // each letter's broadcast size
  std::vector<Step> steps;
  size_t naive_cost = 0, naive_scaling = 0, cost = 0, scaling = 0;
};

/// Splits "lhs->rhs" into input subscripts and the output. Without "->" the
/// output is the ellipsis (if any) then the letters seen once, in ASCII order.
std::pair<std::vector<std::string>, std::string> split_subscripts(
    const std::string& subscripts) {
  std::string s;
  for (char c : subscripts) {
    if (c != ' ') s += c;
  }
  std::string lhs = s, rhs;
  if (auto arrow = s.find("->"); arrow != npos) {
    lhs = s.substr(0, arrow);
    rhs = s.substr(arrow + 2);
  } else {
    std::array<int, 128> seen{};
    for (char c : s) {
      if (is_letter(c)) seen[c]++;
    }
    if (s.find('.') != npos) rhs = "...";
    for (int c = 0; c < 128; ++c) {
      if (seen[c] == 1) rhs += static_cast<char>(c);
    }
  }
  // Empty pieces are scalar operands: "i,->i" has two inputs.
  std::vector<std::string> inputs;
  for (size_t start = 0;;) {
    auto comma = lhs.find(',', start);
    inputs.push_back(lhs.substr(start, comma == npos ? npos : comma - start));
    if (comma == npos) break;
    start = comma + 1;
  }
  return {inputs, rhs};
}

/// Where "..." is in `sub` (npos if absent); everything else must be letters.
size_t find_ellipsis(const std::string& sub, const char* op) {
  size_t at = npos;
  for (size_t i = 0; i < sub.size(); ++i) {
    if (is_letter(sub[i])) continue;
    if (sub.compare(i, 3, "...") != 0) {
      throw std::invalid_argument(
          msg("[", op, "] Subscripts must be letters, but got '", sub[i], "'."));
    }
    if (at != npos) {
      throw std::invalid_argument(
          msg("[", op, "] Only one ellipsis per subscript is allowed but found "
              "more in '", sub, "'."));
    }
    at = i;
    i += 2;
  }
  return at;
}

/// Replaces every "..." by letters no subscript uses. An ellipsis covering n
/// axes takes the last n of them, so shorter ones line up on the right, as
/// broadcasting does.
void expand_ellipses(const std::string& subscripts, Plan& plan,
                     const std::vector<array>& operands, const char* op) {
  Letters used = 0;
  for (char c : subscripts) {
    if (is_letter(c)) used |= letter(c);
  }
  std::string spare;
  for (char c = 'a'; c <= 'z'; ++c) if (!has(used, c)) spare += c;
  for (char c = 'A'; c <= 'Z'; ++c) if (!has(used, c)) spare += c;
  size_t widest = 0;
  auto expand = [&](std::string& sub, size_t n) {
    if (n > spare.size()) {
      throw std::invalid_argument(
          msg("[", op, "] The ellipsis covers ", n,
              " dimensions, more than the unused letters can name."));
    }
    sub.replace(find_ellipsis(sub, op), 3, spare.substr(spare.size() - n));
  };
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    auto& sub = plan.inputs[i];
    if (find_ellipsis(sub, op) == npos) continue;
    int named = static_cast<int>(sub.size()) - 3;
    int ndim = operands[i].ndim();
    if (ndim < named) {
      throw std::invalid_argument(
          msg("[", op, "] Operand ", i, " with shape ",
              shape_str(operands[i].shape()),
              " has insufficient dimensions for subscript '", sub,
              "'. The ellipsis requires at least ", named,
              " dimensions but the operand has ", ndim, " dimensions."));
    }
    expand(sub, ndim - named);
    widest = std::max<size_t>(widest, ndim - named);
  }
  if (find_ellipsis(plan.output, op) != npos) expand(plan.output, widest);
}

/// Checks each operand against its subscript and records every letter's
/// size, broadcasting size-1 axes.
void check_dims(Plan& plan, const std::vector<array>& operands, const char* op) {
  plan.dims.fill(-1);
  for (size_t i = 0; i < operands.size(); ++i) {
    const auto& sub = plan.inputs[i];
    const auto& a = operands[i];
    if (static_cast<int>(sub.size()) != a.ndim()) {
      throw std::invalid_argument(
          msg("[", op, "] Invalid number of subscripts ", sub.size(),
              " for input ", i, " with ", a.ndim(), " dimensions."));
    }
    Sizes own;
    own.fill(-1);
    for (size_t j = 0; j < sub.size(); ++j) {
      auto& d = own[bit_of(sub[j])];
      if (d >= 0 && d != a.shape(j)) {
        throw std::invalid_argument(
            msg("[", op, "] Dimensions of repeated subscripts do not have the "
                "same size (", d, " != ", a.shape(j), ")."));
      }
      d = a.shape(j);
    }
    for (size_t j = 0; j < sub.size(); ++j) {
      auto& d = plan.dims[bit_of(sub[j])];
      ShapeElem n = a.shape(j);
      if (d >= 0 && n != 1 && d != 1 && d != n) {
        throw std::invalid_argument(
            msg("[", op, "] Cannot broadcast dimension ", j, " of input ", i,
                " with shape ", shape_str(a.shape()), " to size ", d, "."));
      }
      if (d < 0 || d == 1) d = n;
    }
  }
  for (char c : plan.output) {
    if (plan.dims[bit_of(c)] < 0) {
      throw std::invalid_argument(
          msg("[", op, "] Output subscript '", c,
              "' does not appear in any input."));
    }
  }
}

/// NumPy's greedy order: repeatedly contract the pair that removes the most
/// elements (ties: the cheaper), preferring pairs that share a letter; give up
/// on pairs whose result outgrows `memory_limit` or whose cost would exceed
/// the naive one, and finish with one step over what is left if none fits.
/// Candidates scored in earlier rounds are kept, as in MLX, so its paths
/// are reproduced exactly.
void greedy_steps(Plan& plan, size_t memory_limit) {
  struct Candidate {
    int64_t removed;
    size_t cost;
    Letters result;
    int x, y, scaling;
  };
  const Letters out = letters_of(plan.output);
  std::vector<Letters> live;
  for (auto& sub : plan.inputs) live.push_back(letters_of(sub));
  std::vector<std::pair<int, int>> pairs;
  for (int x = 0; x < static_cast<int>(live.size()); ++x) {
    for (int y = x + 1; y < static_cast<int>(live.size()); ++y) pairs.push_back({x, y});
  }
  std::vector<Candidate> candidates;
  auto consider = [&](int x, int y) {
    Letters both = live[x] | live[y];
    Letters needed = out;
    for (int k = 0; k < static_cast<int>(live.size()); ++k) {
      if (k != x && k != y) needed |= live[k];
    }
    Letters result = both & needed;
    size_t size = size_of(result, plan.dims);
    if (size > memory_limit) return;
    size_t cost = flops(both, result != both, 2, plan.dims);
    if (plan.cost + cost > plan.naive_cost) return;
    int64_t removed = static_cast<int64_t>(size_of(live[x], plan.dims) +
                                           size_of(live[y], plan.dims)) -
                      static_cast<int64_t>(size);
    candidates.push_back({removed, cost, result, x, y, count(both)});
  };
  for (size_t round = 0, n = live.size(); round + 1 < n; ++round) {
    for (auto [x, y] : pairs) {
      if (live[x] & live[y]) consider(x, y);
    }
    if (candidates.empty()) {
      for (auto [x, y] : pairs) consider(x, y);
    }
    if (candidates.empty()) {
      Step rest{{}, out};
      Letters all = 0;
      for (int k = 0; k < static_cast<int>(live.size()); ++k) {
        rest.positions.push_back(k);
        all |= live[k];
      }
      plan.cost += flops(all, (all & ~out) != 0, live.size(), plan.dims);
      plan.scaling = std::max<size_t>(plan.scaling, count(all));
      plan.steps.push_back(std::move(rest));
      return;
    }
    Candidate best = candidates.front();
    for (auto& c : candidates) {
      if (c.removed > best.removed ||
          (c.removed == best.removed && c.cost < best.cost)) {
        best = c;
      }
    }
    plan.cost += best.cost;
    plan.scaling = std::max<size_t>(plan.scaling, best.scaling);
    plan.steps.push_back({{best.x, best.y}, best.result});
    live.erase(live.begin() + best.y);
    live.erase(live.begin() + best.x);
    live.push_back(best.result);
    std::vector<Candidate> kept;
    for (auto c : candidates) {
      if (c.x == best.x || c.x == best.y || c.y == best.x || c.y == best.y) continue;
      c.x -= (c.x > best.x) + (c.x > best.y);
      c.y -= (c.y > best.x) + (c.y > best.y);
      kept.push_back(c);
    }
    candidates = std::move(kept);
    pairs.clear();
    int last = static_cast<int>(live.size()) - 1;
    for (int k = 0; k < last; ++k) pairs.push_back({k, last});
  }
  plan.steps.back().keep = out;
}

Plan make_plan(const std::string& subscripts, const std::vector<array>& operands,
               const char* op) {
  if (operands.empty()) {
    throw std::invalid_argument(msg("[", op, "] At least one operand is required."));
  }
  Plan plan;
  std::tie(plan.inputs, plan.output) = split_subscripts(subscripts);
  if (operands.size() != plan.inputs.size()) {
    throw std::invalid_argument(
        msg("[", op, "] Number of operands, ", operands.size(),
            ", does not match number of input subscripts, ", plan.inputs.size()));
  }
  expand_ellipses(subscripts, plan, operands, op);
  if (count(letters_of(plan.output)) != static_cast<int>(plan.output.size())) {
    throw std::invalid_argument(
        msg("[", op, "] Repeat indices not allowed in output."));
  }
  check_dims(plan, operands, op);

  const Letters out = letters_of(plan.output);
  Letters all = 0;
  // The largest array the naive evaluation touches bounds every intermediate.
  size_t memory_limit = size_of(out, plan.dims);
  for (auto& sub : plan.inputs) {
    all |= letters_of(sub);
    size_t n = 1;
    for (char c : sub) n *= static_cast<size_t>(plan.dims[bit_of(c)]);
    memory_limit = std::max(memory_limit, n);
  }
  plan.naive_cost = flops(all, (all & ~out) != 0, plan.inputs.size(), plan.dims);
  plan.naive_scaling = count(all);
  if (plan.inputs.size() <= 2) {
    Step only{{}, out};
    for (int k = 0; k < static_cast<int>(plan.inputs.size()); ++k) only.positions.push_back(k);
    plan.steps.push_back(std::move(only));
    plan.cost = plan.naive_cost;
    plan.scaling = plan.naive_scaling;
  } else {
    greedy_steps(plan, memory_limit);
  }
  return plan;
}

// ---- evaluation ----

struct Operand {
  array a;
  std::string idx;
};

/// Repeated letters within one operand index its diagonal: "iij" -> "ji".
void take_diagonals(Operand& op, const Stream& st) {
  for (size_t p = 0; p < op.idx.size(); ++p) {
    size_t q = op.idx.find(op.idx[p], p + 1);
    if (q == npos) continue;
    char c = op.idx[p];
    op.a = diagonal(op.a, 0, static_cast<int>(p), static_cast<int>(q), st);
    op.idx.erase(q, 1);
    op.idx.erase(p, 1);
    op.idx += c;
    p = static_cast<size_t>(-1);  // rescan: the string changed
  }
}

/// Sums the axes whose letter neither another operand of the step nor the
/// step's result needs.
void sum_private_axes(std::vector<Operand>& ops, Letters keep, const Stream& st) {
  for (size_t i = 0; i < ops.size(); ++i) {
    Letters needed = keep;
    for (size_t k = 0; k < ops.size(); ++k) {
      if (k != i) needed |= letters_of(ops[k].idx);
    }
    std::vector<int> axes;
    std::string rest;
    for (size_t j = 0; j < ops[i].idx.size(); ++j) {
      if (has(needed, ops[i].idx[j])) {
        rest += ops[i].idx[j];
      } else {
        axes.push_back(static_cast<int>(j));
      }
    }
    if (axes.empty()) continue;
    ops[i].a = sum(ops[i].a, axes, false, st);
    ops[i].idx = rest;
  }
}

/// a and b share a letter that is summed: one batched matmul of
/// (batch..., free_a, summed) by (batch..., summed, free_b). Batch axes stay
/// separate so matmul broadcasts them; summed axes of size 1 are broadcast here.
Operand contract_pair(const Operand& a, const Operand& b, Letters keep,
                      const Stream& st) {
  Letters in_a = letters_of(a.idx), in_b = letters_of(b.idx);
  std::vector<int> a_perm, a_free, a_sum, b_perm, b_sum, b_free;
  std::string batch, free_a, free_b;
  Shape k_dims, m_dims, n_dims;
  for (size_t j = 0; j < a.idx.size(); ++j) {
    char c = a.idx[j];
    int jb = static_cast<int>(b.idx.find(c));
    if (!has(in_b, c)) {
      free_a += c;
      a_free.push_back(static_cast<int>(j));
      m_dims.push_back(a.a.shape(j));
    } else if (has(keep, c)) {
      batch += c;
      a_perm.push_back(static_cast<int>(j));
      b_perm.push_back(jb);
    } else {
      a_sum.push_back(static_cast<int>(j));
      b_sum.push_back(jb);
      ShapeElem da = a.a.shape(j), db = b.a.shape(jb);
      k_dims.push_back(da == 1 ? db : da);
    }
  }
  for (size_t j = 0; j < b.idx.size(); ++j) {
    if (has(in_a, b.idx[j])) continue;
    free_b += b.idx[j];
    b_free.push_back(static_cast<int>(j));
    n_dims.push_back(b.a.shape(j));
  }
  auto M = static_cast<ShapeElem>(shape_size(m_dims));
  auto K = static_cast<ShapeElem>(shape_size(k_dims));
  auto N = static_cast<ShapeElem>(shape_size(n_dims));
  // (batch..., first..., second...) -> (batch..., rows, cols), broadcasting the summed axes.
  auto as_matrix = [&](const array& x, std::vector<int> perm,
                       const std::vector<int>& first, const std::vector<int>& second,
                       bool sum_first, ShapeElem rows, ShapeElem cols) {
    size_t nb = perm.size();
    perm.insert(perm.end(), first.begin(), first.end());
    perm.insert(perm.end(), second.begin(), second.end());
    array t = transpose(x, perm, st);
    Shape full = t.shape();
    std::copy(k_dims.begin(), k_dims.end(),
              full.begin() + nb + (sum_first ? 0 : first.size()));
    if (full != t.shape()) t = broadcast_to(t, full, st);
    Shape mat(full.begin(), full.begin() + nb);
    mat.push_back(rows);
    mat.push_back(cols);
    return reshape(t, mat, st);
  };
  array prod = matmul(as_matrix(a.a, a_perm, a_free, a_sum, false, M, K),
                      as_matrix(b.a, b_perm, b_sum, b_free, true, K, N), st);
  Shape out(prod.shape().begin(), prod.shape().end() - 2);
  out.insert(out.end(), m_dims.begin(), m_dims.end());
  out.insert(out.end(), n_dims.begin(), n_dims.end());
  return {reshape(prod, out, st), batch + free_a + free_b};
}

/// Broadcasting product of all operands (axes lined up by letter), then the
/// sum over the letters not kept: outer products, elementwise products and
/// what is left when no pair shares a summed letter.
Operand multiply_all(const std::vector<Operand>& ops, Letters keep, const Stream& st) {
  std::string order;
  for (auto& op : ops) {
    for (char c : op.idx) {
      if (order.find(c) == npos) order += c;
    }
  }
  std::optional<array> acc;
  for (auto& op : ops) {
    std::vector<int> perm;
    Shape shape;
    for (char c : order) {
      auto j = op.idx.find(c);
      if (j == npos) {
        shape.push_back(1);
      } else {
        perm.push_back(static_cast<int>(j));
        shape.push_back(op.a.shape(j));
      }
    }
    array t = transpose(op.a, perm, st);
    if (t.ndim() != static_cast<int>(shape.size())) t = reshape(t, shape, st);
    acc = acc ? multiply(*acc, t, st) : t;
  }
  std::vector<int> axes;
  std::string rest;
  for (size_t j = 0; j < order.size(); ++j) {
    if (has(keep, order[j])) {
      rest += order[j];
    } else {
      axes.push_back(static_cast<int>(j));
    }
  }
  if (!axes.empty()) acc = sum(*acc, axes, false, st);
  return {*acc, rest};
}

/// The axis letters contract_pair(a, b) produces: batch, a's free, b's free.
std::string pair_order(const std::string& a, const std::string& b, Letters keep) {
  Letters in_a = letters_of(a), in_b = letters_of(b);
  std::string batch, free_a, free_b;
  for (char c : a) {
    if (!has(in_b, c)) {
      free_a += c;
    } else if (has(keep, c)) {
      batch += c;
    }
  }
  for (char c : b) {
    if (!has(in_a, c)) free_b += c;
  }
  return batch + free_a + free_b;
}

/// One step of the plan; `order` (the last step's) is the wanted axis order.
Operand run_step(std::vector<Operand> ops, Letters keep, const std::string* order,
                 const Stream& st) {
  for (auto& op : ops) take_diagonals(op, st);
  sum_private_axes(ops, keep, st);
  if (ops.size() == 2) {
    Letters shared = letters_of(ops[0].idx) & letters_of(ops[1].idx);
    if (shared & ~keep) {
      // Swapping the operands can give the wanted order without a transpose.
      if (order && pair_order(ops[0].idx, ops[1].idx, keep) != *order &&
          pair_order(ops[1].idx, ops[0].idx, keep) == *order) {
        std::swap(ops[0], ops[1]);
      }
      return contract_pair(ops[0], ops[1], keep, st);
    }
  }
  return multiply_all(ops, keep, st);
}

}  // namespace

std::pair<std::vector<std::vector<int>>, std::string> einsum_path(
    const std::string& subscripts, const std::vector<array>& operands) {
  auto plan = make_plan(subscripts, operands, "einsum_path");
  std::vector<std::vector<int>> path;
  for (auto& step : plan.steps) path.push_back(step.positions);
  std::ostringstream info;
  info << "  Complete contraction:  " << subscripts << "\n"
       << "         Naive scaling:  " << plan.naive_scaling << "\n"
       << "     Optimized scaling:  " << plan.scaling << "\n"
       << "      Naive FLOP count:  " << plan.naive_cost << "\n"
       << "  Optimized FLOP count:  " << plan.cost << "\n";
  return {path, info.str()};
}

array einsum(const std::string& subscripts, const std::vector<array>& operands,
             StreamOrDevice s) {
  auto st = to_stream(s);
  auto plan = make_plan(subscripts, operands, "einsum");
  std::vector<Operand> live;
  for (size_t i = 0; i < operands.size(); ++i) {
    live.push_back({operands[i], plan.inputs[i]});
  }
  for (size_t k = 0; k < plan.steps.size(); ++k) {
    const auto& step = plan.steps[k];
    bool last = k + 1 == plan.steps.size();
    std::vector<Operand> ops;
    for (int p : step.positions) ops.push_back(live[p]);
    for (auto it = step.positions.rbegin(); it != step.positions.rend(); ++it) {
      live.erase(live.begin() + *it);
    }
    live.push_back(run_step(std::move(ops), step.keep, last ? &plan.output : nullptr, st));
  }
  auto& result = live.back();
  std::vector<int> perm;
  for (char c : plan.output) perm.push_back(static_cast<int>(result.idx.find(c)));
  return transpose(result.a, perm, st);
}

}  // namespace lumex::core
