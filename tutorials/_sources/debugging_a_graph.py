"""08_debugging_a_graph: a slow training loop, diagnosed with the evaluation ledger and
the growth warning, fixed, and measured before and after."""

from . import code, md

CELLS = [
    md(
        """
# Debugging a compute graph: why is my loop slow?

A training loop that is much slower than it should be is the most common
performance problem in a lazy framework, and it almost always has one of two
causes:

* an **implicit evaluation** inside the computation (an `if`, a `.item()`, a
  `print`) that forces the engine to compute piece by piece instead of in one
  batch;
* a **graph that grows** from step to step because something is kept but
  never evaluated.

This notebook takes a slow loop, finds both with the notebook layer, fixes
them, and measures the difference.

You will learn

1. to profile evaluations with the **evaluation ledger**, grouped by source line,
2. to catch a growing graph with the **graph-growth warning**,
3. to replace a data-dependent Python branch with `mx.where`,
4. to measure a fix honestly (same result, best of several runs).
"""
    ),
    code(
        """
import collections
import time

import lumex.core as mx
from lumex.notebook_ext import EvalLedger, show_graph

%load_ext lumex.notebook_ext
"""
    ),
    md(
        """
## 1. The slow loop

Robust regression: fit `w` to data with a few wild outliers, using the Huber
loss (quadratic for small residuals, linear for large ones, so outliers do not
dominate). The per-example loss is written the way the formula reads, and the
loop keeps a running total of the loss for reporting.
"""
    ),
    code(
        """
k1, k2, k3 = mx.random.split(mx.random.key(0), 3)
N = 512
X = mx.random.normal((N, 8), key=k1)
w_true = mx.arange(8.0) / 4 - 1
noise = mx.random.normal((N,), key=k2) * 0.1
outliers = (mx.random.uniform(shape=(N,), key=k3) < 0.1) * 20.0     # about 10% wild points
Y = X @ w_true + noise + outliers
mx.eval(X, Y)
DELTA = 1.0


def huber(r):
    if mx.abs(r) < DELTA:
        return 0.5 * r**2
    return DELTA * (mx.abs(r) - 0.5 * DELTA)


def loss_slow(w):
    residuals = X @ w - Y
    total = 0.0
    for r in residuals:
        total = total + huber(r)
    return total / residuals.shape[0]


def train_slow(steps):
    step = mx.value_and_grad(loss_slow)
    w = mx.zeros((8,))
    running = mx.array(0.0)
    for _ in range(steps):
        loss, grad = step(w)
        w = w - 0.1 * grad
        running = running + loss
        mx.eval(w)
    return w, running / steps
"""
    ),
    code(
        """
t0 = time.perf_counter()
w_slow, mean_loss = train_slow(10)
print(f"mean loss {mean_loss.item():.4f}")
print(f"10 steps: {1e3 * (time.perf_counter() - t0):.0f} ms")
"""
    ),
    md(
        """
Tens of milliseconds per step, for 512 examples with 8 features: the whole
dataset is 16 KB, and one step should take microseconds. Something is wrong.

## 2. Profile the evaluations

Run the loop inside an `EvalLedger` with the growth warning on, and group the
events by the line that triggered them. (For a cell you can also write
`%%evaltrace --growth 10000`; with thousands of events, a grouped summary is
easier to read than the full table.)
"""
    ),
    code(
        """
def by_line(ledger, top=5):
    groups = collections.defaultdict(lambda: [0, 0, 0.0])
    for e in ledger.entries:
        g = groups[(e.kind, e.source)]
        g[0] += 1
        g[1] += e.num_nodes
        g[2] += e.wall_time
    print(ledger.summary())
    print(f"{'events':>6} {'kind':>6} {'nodes':>6} {'ms':>8}  source line")
    for (kind, source), (count, nodes, seconds) in sorted(groups.items(), key=lambda kv: -kv[1][0])[:top]:
        print(f"{count:6d} {kind:>6} {nodes:6d} {1e3 * seconds:8.2f}  {source}")
    for w in ledger.warnings:
        print("GROWTH WARNING:", w.message)


with EvalLedger(growth_warning=10_000) as slow_ledger:
    w_slow, mean_loss = train_slow(10)
    mean_loss.item()
by_line(slow_ledger)
"""
    ),
    md(
        """
Two findings.

**Finding 1: `if mx.abs(r) < DELTA:` evaluates 512 times per step**, once per
example. Python's `if` needs a real `True` or `False`, so every example forces an evaluation
(kind `bool`), and each computes only a handful of nodes. The engine never
sees the batch: it is handed one scalar at a time. This is the implicit
evaluation that breaks batching.

**Finding 2: one evaluation at the end runs tens of thousands of nodes.** The growth
warning fired for the final `.item()`: `running = running + loss` keeps every
step's loss, and each pending loss holds its whole per-example graph (the
`huber` and `total` lines above), because only `w` is evaluated. The
warning names the line that created the most nodes. Look at one evaluation's
graph to see the shape of the problem:
"""
    ),
    code(
        """
biggest = max(slow_ledger.entries, key=lambda e: e.num_nodes)
print(biggest.kind, "at:", biggest.source, "|", biggest.num_nodes, "nodes")
view = biggest.graph_view()   # large graphs open with one box per function or loop
view
"""
    ),
    md(
        """
Collapsed by function, the picture is clear: thousands of operations built in
`huber` and `loss_slow`, kept alive by a handful of `train_slow` operations
(the `running` additions). In a live notebook, click a group to expand it.

The loss graph of one step tells the same story: well over a thousand scalar
nodes where a few vector operations would do.
"""
    ),
    code(
        """
print("primitives in one slow loss:", mx.graph.pending_count(loss_slow(mx.zeros((8,)))))
"""
    ),
    md(
        """
## 3. The fix

**Batching:** compute the condition for all examples at once and choose with
`mx.where`. It evaluates nothing, and both branches are computed as vectors
(computing the branch you do not need costs less than one evaluation).

**Growth:** evaluate the loss together with `w` at the end of each step, and
keep Python floats for the report.
"""
    ),
    code(
        """
def loss_fast(w):
    r = X @ w - Y
    a = mx.abs(r)
    return mx.mean(mx.where(a < DELTA, 0.5 * r**2, DELTA * (a - 0.5 * DELTA)))


def train_fast(steps):
    step = mx.value_and_grad(loss_fast)
    w = mx.zeros((8,))
    running = 0.0
    for _ in range(steps):
        loss, grad = step(w)
        w = w - 0.1 * grad
        mx.eval(w, loss)
        running += loss.item()
    return w, running / steps


print("primitives in one fast loss:", mx.graph.pending_count(loss_fast(mx.zeros((8,)))))
show_graph(loss_fast(mx.zeros((8,))))
"""
    ),
    md(
        """
The ledger of the fixed loop: one evaluation per step plus one `.item()` per
step (cheap: the loss is already computed, so it is not even reported), and no
growth warning.
"""
    ),
    code(
        """
with EvalLedger(growth_warning=10_000) as fast_ledger:
    w_fast, mean_fast = train_fast(10)
by_line(fast_ledger)
"""
    ),
    md(
        """
## 4. Measure

A fix is only a fix if the answer is the same and the time is lower. Run both
versions for the same number of steps, compare the weights, and take the best
of three runs of each to reduce noise from other programs.
"""
    ),
    code(
        """
def best_time(fn, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


steps = 10
t_slow, (w_slow, loss_slow_mean) = best_time(lambda: train_slow(steps))
t_fast, (w_fast, loss_fast_mean) = best_time(lambda: train_fast(steps))
print(f"slow: {1e3 * t_slow:8.1f} ms for {steps} steps, mean loss {loss_slow_mean.item():.5f}")
print(f"fast: {1e3 * t_fast:8.1f} ms for {steps} steps, mean loss {loss_fast_mean:.5f}")
print(f"speed-up: {t_slow / t_fast:.0f}x")
print("same weights:", mx.allclose(w_slow, w_fast, atol=1e-5).item())
"""
    ),
    md(
        """
With the loop fixed, training to convergence is cheap. The robust loss finds
`w_true` despite the outliers:
"""
    ),
    code(
        """
w_fit, final_loss = train_fast(300)
print("fitted:", [f"{v:+.2f}" for v in w_fit.tolist()])
print("true:  ", [f"{v:+.2f}" for v in w_true.tolist()])
"""
    ),
    md(
        """
## A checklist for slow loops

1. Wrap a few iterations in `EvalLedger(growth_warning=N)` (or a cell in
   `%%evaltrace --growth N`).
2. Many small events on one line: an implicit evaluation inside the
   computation. Look for `if` on arrays, `.item()`, `float()`, `print`, boolean
   masks, NumPy conversions. Replace branches with `mx.where`, masks with
   `mx.where` or multiplication, and move reporting out of the hot path.
3. A growth warning or one huge event: something kept across steps is never
   evaluated. `mx.eval` everything you keep at the end of each step.
4. Check the fix gives the same result, then time it (best of several runs).

## Exercises

1. Put `print(loss)` inside `train_fast`'s loop. What does the ledger show, and
   how much slower is it?
2. `loss_slow` also iterates over `residuals` with a Python `for`. Iteration
   itself does not evaluate (it makes lazy slices); check it with a ledger
   around `[r for r in residuals]`.
3. Write the Huber loss with `mx.minimum`/`mx.maximum` instead of `mx.where`,
   and compare the number of primitives with `mx.graph.pending_count`.
"""
    ),
]
