"""10_watching_training: the training monitor on a small model: the `total += loss` leak
and an implicit evaluation per step caught and fixed, and where to put mx.eval."""

from . import code, md

CELLS = [
    md(
        """
# Watching training

A training loop that runs is not yet a loop that is right. Two mistakes are common
with a lazy engine, and neither raises an error:

- **a metric accumulated as a graph** (`total += loss`): `total` is never evaluated,
  so every step adds the loss's graph to it, and that graph keeps the step's
  activations alive. Memory climbs until the run dies, hours later;
- **an implicit evaluation in the middle of a step** (`loss.item()`, `print(loss)`,
  `if loss > 1:`): the step's graph is cut in two evaluations, which costs a
  synchronisation every step (on a GPU, a stall).

You will learn

1. to wrap an ordinary training loop in `monitor(model, optimizer)` and read what it
   shows: logged scalars, step time, the evaluations of each step with their lines,
   the pending graph left after each step, active and peak memory,
2. to let it catch the `total += loss` leak and an implicit evaluation per step, and
   to fix both,
3. to ask **where to evaluate**: the memory an evaluation needs, and what evaluating
   a part of it first changes (`memory_plan`),
4. to compile the fixed step with its state (`mx.compile(step, inputs=, outputs=)`)
   and open the **compile X-ray** (`show_compiled`) to see what was fused.
"""
    ),
    code(
        """
import numpy as np

import lumex.core as mx
import lumex.nn as nn
import lumex.optimizers as optim
from lumex.notebook_ext import memory_plan, monitor, show_compiled, show_graph
"""
    ),
    md(
        """
## 1. A small model and its data

Two interleaved half-moons, 256 points; a small perceptron. Everything is
seeded, so every run shows the same numbers.
"""
    ),
    code(
        """
rng = np.random.default_rng(0)
t = rng.uniform(0, np.pi, 256)
label = rng.integers(0, 2, 256)
points = np.stack([np.cos(t) + label * 1.0, np.sin(t) * (1 - 2 * label) + label * 0.3], axis=1)
X = mx.array((points + rng.normal(0, 0.1, points.shape)).astype(np.float32))
Y = mx.array(label.astype(np.uint32))


def fresh_model():
    mx.random.seed(0)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
    mx.eval(model.parameters())
    return model, optim.Adam(learning_rate=0.01)


def loss_fn(model, x, y):
    return nn.losses.cross_entropy(model(x), y, reduction="mean")


STEPS = 60
"""
    ),
    md(
        """
## 2. The leak: `total += loss`

Here is a loop as it is often first written: the step is evaluated with
`mx.eval(model.parameters(), optimizer.state)`, and the loss is added to a running
total for an average at the end. Wrapping it in `with monitor(model, optimizer) as m:`
changes nothing in the loop; the monitor shows a live view while it runs, and stays
in the notebook as a picture afterwards.
"""
    ),
    code(
        """
model, optimizer = fresh_model()
step = nn.value_and_grad(model, loss_fn)
total = mx.array(0.0)

with monitor(model, optimizer, title="total += loss") as m:
    for i in range(STEPS):
        loss, grads = step(model, X, Y)
        optimizer.update(model, grads)
        mx.eval(model.parameters(), optimizer.state)
        total += loss
"""
    ),
    md(
        """
The *pending graph* chart climbs in a straight line: after each step, the loop's
variables hold a bigger unevaluated graph than before. The warning names the
variable, the line that extends it, and what evaluating it now would take. The
numbers are in `m.steps` and `m.warnings` too:
"""
    ),
    code(
        """
for w in m.warnings:
    print(w.kind, "at", w.where, "\\n ", w.message)
print("pending nodes after steps 10, 30, 59:", [m.steps[i].pending_nodes for i in (10, 30, 59)])
print(f"active memory after step 10: {m.steps[10].active / 1024:.0f} KB, after step 59: {m.steps[-1].active / 1024:.0f} KB")
"""
    ),
    md(
        """
`total` now is one graph of sixty losses, each holding its step's
activations. Its graph, drawn without evaluating it, shows the chain:
"""
    ),
    code(
        """
show_graph(total, title="total after 60 steps")
"""
    ),
    md(
        """
The fix: accumulate a Python number from the evaluated loss (or evaluate `total`
with the step). Log the loss with `m.log` so it is charted: a logged array is read
once it is evaluated.
"""
    ),
    code(
        """
model, optimizer = fresh_model()
step = nn.value_and_grad(model, loss_fn)
total = 0.0

with monitor(model, optimizer, title="fixed: one evaluation per step") as m:
    for i in range(STEPS):
        loss, grads = step(model, X, Y)
        optimizer.update(model, grads)
        mx.eval(model.parameters(), optimizer.state, loss)
        total += loss.item()
        m.log(loss=loss)

print("warnings:", m.warnings)
print(f"mean loss {total / STEPS:.4f}; pending nodes after the last steps:",
      [s.pending_nodes for s in m.steps[-3:]])
"""
    ),
    md(
        """
## 3. An implicit evaluation in every step

Checking the loss before updating (`if loss.item() > 10: break`, a `print`, a
progress bar reading it) is an implicit evaluation: it computes the forward pass
on its own, and the step's `mx.eval` then computes the rest. The monitor counts the
evaluations of each step and shows their triggers:
"""
    ),
    code(
        """
model, optimizer = fresh_model()
step = nn.value_and_grad(model, loss_fn)

with monitor(model, optimizer, title="an implicit evaluation per step") as m:
    for i in range(STEPS):
        loss, grads = step(model, X, Y)
        if loss.item() > 10:  # diverged?
            break
        optimizer.update(model, grads)
        mx.eval(model.parameters(), optimizer.state)

for e in m.steps[5].evaluations:
    print(f"{e.kind:5s} at {e.where}: {e.source}  ({e.nodes} nodes)")
print()
for w in m.warnings:
    print(w.kind, "\\n ", w.message)
"""
    ),
    md(
        """
The fix is to check the value the step's own evaluation computed: add `loss` to
the `mx.eval` and read it afterwards. One evaluation per step again:
"""
    ),
    code(
        """
model, optimizer = fresh_model()
step = nn.value_and_grad(model, loss_fn)

with monitor(model, optimizer, title="fixed: the check after the step") as m:
    for i in range(STEPS):
        loss, grads = step(model, X, Y)
        optimizer.update(model, grads)
        mx.eval(model.parameters(), optimizer.state, loss)
        if loss.item() > 10:  # computed already: no evaluation
            break
        m.log(loss=loss)

print("evaluations per step:", {len(s.evaluations) for s in m.steps[:-1]}, "- warnings:", m.warnings)
"""
    ),
    md(
        """
## 4. Where to evaluate

`mx.eval` decides how much memory is in use at once. `memory_plan(y)` replays the
evaluation of a pending graph the way the engine runs it (its order; views share
buffers; an elementwise op writes over an input it is the last reader of; a buffer
is freed when nothing holds it) and reports its peak, without computing anything.
`memory_plan(y, first=h)` replays "`mx.eval(h)`, then `mx.eval(y)`".

First, what the leak of section 2 was holding. Eight "steps", each evaluating a wide
hidden layer and adding a pending term to `total`:
"""
    ),
    code(
        """
mx.random.seed(1)
W = mx.random.normal((2, 4096)) * 0.5
mx.eval(W)

total = mx.array(0.0)
for i in range(8):
    h = mx.maximum(X @ (W * (1 + i / 10)), 0.0)  # 256 x 4096 float32: 4 MB
    total = total + mx.mean(mx.tanh(h) * h)
    mx.eval(h)  # the step's own evaluation
del h

print(memory_plan(total).describe())
"""
    ),
    md(
        """
Evaluating `total` now would free 32 MB: every step's hidden layer is still alive,
held only by the pending graph of `total`. That is the memory the monitor's
chart showed climbing.

Second, a cut. `score` below is pending; `hidden` is a variable, so it stays allocated
whatever happens. Compare evaluating everything at once, evaluating `hidden` first,
and the same graph without the variable:
"""
    ),
    code(
        """
hidden = mx.maximum(X @ W, 0.0)
score = mx.sum(mx.tanh(hidden) * mx.sigmoid(hidden), axis=1)
print("all at once:      ", memory_plan(score).describe())
print("hidden first:     ", memory_plan(score, first=hidden).describe())
del hidden  # now only the graph holds it: the engine frees it after its last reader
print("without the name: ", memory_plan(score).describe())

plan = memory_plan(score)
mx.reset_peak_memory()
before = mx.get_active_memory()
mx.eval(score)
print(f"measured: {(mx.get_peak_memory() - before) / 2**20:.1f} MB above what was in use "
      f"(plan: {plan.peak / 2**20:.1f} MB)")
"""
    ),
    md(
        """
The graph view shows the same figures: its summary has the peak of evaluating the
whole graph (and the cut that lowers it most, when one does), and each pending
node's details (click it) the peak if it were evaluated first. In the monitor, a
growing graph's warning says what evaluating it would take.

## 5. Compiling the step, and the X-ray

The fixed step is a good candidate for `mx.compile`: the same graph every step. The
model's parameters and the optimizer's state change inside the step, so they are
declared as the compiled function's state with `inputs=` and `outputs=`; the
compiled step then reads and writes them like the plain one.
"""
    ),
    code(
        """
model, optimizer = fresh_model()
state = [model.state, optimizer.state]


def train_step(x, y):
    loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
    optimizer.update(model, grads)
    return loss


compiled_step = mx.compile(train_step, inputs=state, outputs=state)

with monitor(model, optimizer, title="compiled step") as m:
    for i in range(STEPS):
        loss = compiled_step(X, Y)
        mx.eval(state, loss)

print(len(m.steps), "steps, warnings:", m.warnings, f"- final loss {m.steps[-1].scalars['loss']:.2g}")
"""
    ),
    md(
        """
The monitor never saw `m.log`, yet it charts `loss`: until a loop logs its scalars,
a one-element float array the step evaluates (here through `mx.eval(state, loss)`)
is recorded under its variable's name. The optimizer's update now runs inside the
compiled step, out of the monitor's sight; a step ends when `loss` is evaluated again.

What did `compile` do with the step? `show_compiled(compiled_step, X, Y)` traces it
the way `mx.compile` does (the state included, nothing evaluated) and draws the
trace before and after compile's pass, with every fused group boxed, each op linked
to its source line, and for each elementwise op left out of a fusion, the reason:
"""
    ),
    code(
        """
xray = show_compiled(compiled_step, X, Y)
xray
"""
    ),
    code(
        """
print(len(xray.groups), "fused groups;", len(xray.left_out), "elementwise ops left on their own")
for op in xray.left_out[:4]:
    print(f"  {op['op']} at {op['source']}: {op['reason']}")
"""
    ),
    md(
        """
## Summary

- `with monitor(model, optimizer) as m:` watches a loop without changing it; steps end
  at each `optimizer.update` (or at `m.step()`, or when `m.log` gets a name again).
- A pending graph that grows every step is a leak; the warning names the variable
  and the line. Evaluate it with the step, or accumulate Python numbers.
- More than one evaluation per step, one of them implicit, means a value was read too
  early; read it after the step's `mx.eval`.
- `memory_plan(y, first=h)` tells you what an `mx.eval(h)` placed earlier would do to
  the peak memory.
- `mx.compile(step, inputs=state, outputs=state)` compiles a training step with its
  state; `show_compiled(step, *args)` shows what it fused and why the rest was not.
"""
    ),
]
