"""02_lazy_evaluation: why lazy, what gets computed and when, the evaluation ledger,
and the training-loop memory trap."""

from . import code, md

CELLS = [
    md(
        """
# Lazy evaluation: what lumex computes, and when

lumex is **lazy**: `a + b` does not add anything. It records an `add` node in a
computation graph and returns an array that knows its shape and dtype but has no
data yet. The graph is computed when something needs the values.

That is powerful (only the work you use is done, and the whole step can be
planned at once) and, at first, confusing (*when* did that happen? why is this
loop slow? where did my memory go?). This notebook makes it visible with the
notebook layer, `lumex.notebook_ext`.

You will learn

1. why lumex is lazy, and how to look at a pending array and its graph **without computing it**,
2. that only what you use is computed,
3. when to call `mx.eval`,
4. every place lumex evaluates **implicitly**, shown live with the evaluation ledger (`%%evaltrace`),
5. the training-loop memory trap, and how the graph-growth warning points at it.
"""
    ),
    code(
        """
import time

import numpy as np

import lumex.core as mx
from lumex.notebook_ext import EvalLedger, show, show_graph

%load_ext lumex.notebook_ext
"""
    ),
    md(
        """
`%load_ext lumex.notebook_ext` installs the array displays (they are also on
automatically when lumex is imported in Jupyter) and the `%%evaltrace` cell
magic used below.

## 1. Why lazy?

Building a graph is cheap whatever the size of the data; computing it is where
the time goes:
"""
    ),
    code(
        """
start = time.perf_counter()
big = mx.ones((1500, 1500))
y = (big * 2 + 1).sum()          # nothing is computed yet
built = time.perf_counter()
mx.eval(y)                       # now the work happens
done = time.perf_counter()

print(f"building the graph: {1e3 * (built - start):8.3f} ms")
print(f"evaluating it:      {1e3 * (done - built):8.3f} ms")
"""
    ),
    md(
        """
Because the engine sees a whole step of work before running it, it can free
every intermediate as soon as its last consumer has run, skip what nobody
asked for, and let function transforms (`grad`, `vmap`) work on the recorded
graph.

### Looking without touching

Make a pending array the last line of a cell. The display shows its shape,
dtype, the operation that will produce it and the size of the pending graph,
and it does **not** compute it: `mx.graph.status` still says `unscheduled`
afterwards.
"""
    ),
    code(
        """
x = mx.arange(12.0).reshape(3, 4)
y = mx.exp(x * 0.25) - 1
y
"""
    ),
    code(
        """
print(mx.graph.status(y), "| primitives to run:", mx.graph.pending_count(y))
assert mx.graph.status(y) == "unscheduled"   # displaying it computed nothing
"""
    ),
    md(
        """
Once evaluated, the same display shows the values, statistics (with NaN and
Inf counts) and a small heatmap:
"""
    ),
    code(
        """
mx.eval(y)
print(mx.graph.status(y))
y
"""
    ),
    md(
        """
`show` displays a whole tree of arrays, pending or not, such as a model's
parameters, and `show(a, button=True)` gives a widget with an **Evaluate** button (the button
works in a live notebook).
"""
    ),
    code(
        """
show({"layer1": {"w": y, "b": mx.zeros((4,))}, "layer2": {"w": mx.sin(x).T}, "scale": 0.5})
"""
    ),
    code(
        """
show(mx.sin(x), button=True)
"""
    ),
    md(
        """
### The pending graph

`show_graph` draws the graph that evaluating an array would run. Inside
`mx.graph.record_sites()`, every node remembers the line that created it, so
the drawing labels nodes with source lines and groups them by function. Hover
a node for its details; in a live notebook you can also click a node to
highlight what it depends on and what it feeds, search, and collapse groups.
"""
    ),
    code(
        """
def layer(h, w):
    return mx.tanh(h @ w + 0.1)

with mx.graph.record_sites():
    w = mx.ones((4, 4)) * 0.5
    h = layer(layer(mx.ones((2, 4)), w), w)
    loss = mx.mean(h * h)

show_graph(loss, w=w, loss=loss)
"""
    ),
    md(
        """
## 2. Only what you use is computed

Ask for one of two results and the other one's graph is not touched. The
evaluation ledger, `EvalLedger`, records every evaluation in a block: what
triggered it, the line, how many primitives ran, the bytes produced and the
time taken.
"""
    ),
    code(
        """
data = mx.linspace(0, 1, 1_000_000)
mean = data.mean()
spread = mx.sort(data)[-1] - mx.sort(data)[0]   # an expensive way to get max - min

with EvalLedger() as ledger:
    mx.eval(mean)

print("mean:  ", mx.graph.status(mean))
print("spread:", mx.graph.status(spread), "(its sorts never ran)")
ledger
"""
    ),
    md(
        """
If `spread` is never needed, deleting it costs nothing: the work it describes
is simply dropped.

`mx.eval` takes any number of arrays (or lists, tuples and dicts of them) and
computes them **together**. Shared work, here the sort, runs once:
"""
    ),
    code(
        """
sorted_data = mx.sort(data)
lo, hi = sorted_data[0], sorted_data[-1]
median = sorted_data[500_000]

with EvalLedger() as ledger:
    mx.eval(lo, hi, median)
print(lo.item(), hi.item(), median.item())
print(ledger.summary())
"""
    ),
    md(
        """
## 3. When to call `mx.eval`

Two extremes are both bad:

* **evaluating after every small operation** hands the engine one node at a
  time, so it has nothing to plan, and each evaluation has a fixed cost
  (small on this CPU backend, a device synchronisation on a GPU);
* **never evaluating inside a long loop** lets the graph grow with every
  iteration (section 5).

The rule of thumb: build **one step** of work (one iteration, one batch), then
evaluate everything that step produces with a single `mx.eval`. Here is the
same loop of 300 small updates run three ways. The ledger counts the
evaluations and the largest graph each strategy computes; the times are
measured separately, without a ledger.
"""
    ),
    code(
        """
def run(strategy, steps=300):
    v = mx.zeros((256,))
    delta = mx.linspace(0, 1, 256)
    for i in range(steps):
        v = v * 0.99
        if strategy == "every op":
            mx.eval(v)
        v = v + delta
        if strategy in ("every op", "every step"):
            mx.eval(v)
    mx.eval(v)
    return v

for strategy in ("every op", "every step", "once at the end"):
    with EvalLedger(record_sites=False) as ledger:
        run(strategy)
    t0 = time.perf_counter()
    run(strategy)
    seconds = time.perf_counter() - t0
    largest = max(e.num_nodes for e in ledger.entries)
    print(f"{strategy:>16}: {len(ledger):3d} evaluations, largest graph {largest:3d} nodes, {1e3 * seconds:6.2f} ms")
"""
    ),
    md(
        """
On this CPU backend an evaluation costs about a microsecond of overhead, so
the three take similar time for such tiny steps. What differs is the shape of
the work: "every op" runs one node per evaluation, "once at the end" one
evaluation with a graph as long as the loop, which in a real training run
means millions of nodes and the memory they hold (section 5). One evaluation
per step keeps each graph the size of one step.

## 4. Every implicit evaluation, live

`mx.eval` is the explicit way to compute. Many other operations need values
and evaluate **implicitly**. The `%%evaltrace` cell magic runs a cell inside an
evaluation ledger and shows every evaluation it caused, with the trigger and
the line. (`--name events` also stores the ledger in a variable.)

Each line below starts from a fresh pending array, because evaluating
something that is already computed costs nothing and is not reported. Read
the table under the cell: one row per implicit evaluation.
"""
    ),
    code(
        """
%%evaltrace --name events
import io, pickle
a = mx.arange(6.0)
print(a + 1)                              # repr: printing needs the values
label = f"{(a * 2).sum():.1f}"            # format: f-strings too
total = (a * 3).sum().item()              # item: a Python number
as_list = (a * 4).tolist()                # tolist: Python lists
if ((a - 2) > 0).any():                   # bool: Python must know True or False
    pass
n = int((a * 5).max())                    # int
x = float((a * 6).sum())                  # float (complex() likewise)
r = range(mx.array(3) + 1)                # index: range(), operator.index()
as_numpy = np.array(a * 7)                # buffer: NumPy reads arrays through the buffer protocol
mem = memoryview(a * 8)                   # buffer: the buffer protocol itself
half = np.asarray((a * 9).astype(mx.bfloat16))  # numpy: __array__ (bfloat16 has no buffer format)
raw = bytes(a * 10)                       # bytes
shared = np.from_dlpack(a * 11)           # dlpack: np.from_dlpack, torch.from_dlpack, ...
blob = pickle.dumps(a * 12)               # pickle
mx.save(io.BytesIO(), a * 13)             # save: every mx.save* function
positives = a[(a * 14) > 20]              # bool_mask: the result's size depends on the data
rows = [row for row in a * 15]            # iteration: lazy slices, NOT an evaluation
mx.async_eval(a * 16)                     # async_eval
mx.eval(a * 17)                           # eval: the explicit one
"""
    ),
    code(
        """
for e in events.entries:
    print(f"{e.kind:>9}  line {e.line:>2}  {e.num_nodes} node(s)  {e.source}")
"""
    ),
    md(
        """
A few points worth stopping at:

* **Displaying** an array as the last line of a cell does *not* evaluate
  (section 1), but `print(a)` and `repr(a)` do.
* `if (...).any():` evaluates: Python needs a real `True` or `False`. Inside a
  loop this is the usual reason for a slow loop (notebook 8).
* Boolean-mask indexing evaluates the mask, because the size of the result
  depends on how many entries are true. `mx.where(mask, a, 0)` keeps the same
  shape and stays lazy.
* Every event keeps a snapshot of the graph it computed. Pick one with the
  dropdown under the table (in a live notebook), or draw it directly:
"""
    ),
    code(
        """
next(e for e in events.entries if e.kind == "bool_mask").graph_view()
"""
    ),
    md(
        """
**Try this:** add `print(a)` at the end of the traced cell. `a` was computed
on the first line that needed it, so printing it again computes nothing and
adds no row.

## 5. The training-loop memory trap

Here is a small linear regression trained with gradient descent. `W_true` is
the answer; the loop should find it.
"""
    ),
    code(
        """
X = mx.random.normal((256, 32), key=mx.random.key(0))
W_true = mx.random.normal((32, 64), key=mx.random.key(1)) / 10
Y = X @ W_true


def loss_fn(W):
    return mx.mean((X @ W - Y) ** 2)


step = mx.value_and_grad(loss_fn)
mx.eval(X, W_true, Y)
"""
    ),
    md(
        """
### Trap 1: never evaluating

Without `mx.eval` in the loop, every iteration adds its nodes to one graph.
Nothing is computed, so the loop looks fast, and `pending_count` shows what
it really did: a graph whose size grows with the number of steps, all of
which has to be computed at the first `print`.
"""
    ),
    code(
        """
W = mx.zeros((32, 64))
for i in range(100):
    loss, grad = step(W)
    W = W - 0.1 * grad
    if i % 25 == 24:
        print(f"step {i + 1:3d}: {mx.graph.pending_count(W):5d} pending primitives")
"""
    ),
    md(
        """
The **graph-growth warning** catches this. `%%evaltrace --growth N` (or
`mx.graph.set_growth_warning(N)` anywhere) warns when a single evaluation is
about to run more than `N` primitives, and names the line that created most of
them:
"""
    ),
    code(
        """
%%evaltrace --growth 500
W = mx.zeros((32, 64))
for i in range(100):
    loss, grad = step(W)
    W = W - 0.1 * grad
print(f"final loss {loss.item():.5f}")
"""
    ),
    md(
        """
The fix is one line: evaluate the state at the end of every step.

### Trap 2: evaluating the parameters but not the metrics

The subtler version evaluates `W` every step but keeps the **loss** in a list
for later. Each pending loss still needs the residual `X @ W - Y` of its own
step, so every step keeps a `(256, 64)` buffer alive that should have been
freed. Watch the active memory:
"""
    ),
    code(
        """
def train(steps, eval_metrics):
    W = mx.zeros((32, 64))
    history = []
    start = mx.get_active_memory()
    for i in range(steps):
        loss, grad = step(W)
        W = W - 0.1 * grad
        history.append(loss)
        mx.eval(*([W, loss] if eval_metrics else [W]))
    held = mx.get_active_memory() - start
    return history, held

history, held = train(150, eval_metrics=False)
print(f"only W evaluated:   {held / 1e6:6.2f} MB still held after 150 steps")
del history
history, held = train(150, eval_metrics=True)
print(f"W and loss evaluated: {held / 1e6:6.2f} MB still held after 150 steps")
print(f"loss went from {history[0].item():.4f} to {history[-1].item():.5f}")
"""
    ),
    md(
        """
Each pending loss held on to its step's residual; evaluated losses are just
scalars. In a real model the residuals are activations of every layer, and
this is how a training run runs out of memory after a few hundred steps.

**Rule:** at the end of a training step, `mx.eval` the parameters, the
optimizer state **and** every metric you keep.

## Recap

* Operations record a graph; arrays display their pending state without being
  computed (`mx.graph.status`, `mx.graph.pending_count`, `show_graph`).
* Only what an evaluation needs is computed, and `mx.eval(a, b, ...)` shares
  common work.
* Implicit evaluations: `print`/`repr`, f-strings, `.item()`, `.tolist()`,
  `bool`/`if`, `int`/`float`/`complex`, `range`, `np.array` and the buffer
  protocol, `bytes`, DLPack, pickling, saving and boolean masks. Iterating
  does not evaluate. `%%evaltrace` shows each with its line.
* In loops, evaluate once per step, and evaluate everything you keep.
  `--growth N` / `mx.graph.set_growth_warning(N)` warns when a graph grows.

## Exercises

1. In the trap 1 loop, add `mx.eval(W)` at the end of each step and run it under
   `%%evaltrace --growth 500`. How many evaluations are there now, and how many
   primitives does each run?
2. Replace `positives = a[(a * 10) > 20]` with an `mx.where` expression that
   stays lazy and gives zeros where the condition is false. Check with
   `%%evaltrace` that it no longer evaluates.
3. `print(loss)` inside a training loop is an evaluation. Does that also fix
   trap 2? Check with `mx.get_active_memory()`.
"""
    ),
]
