"""04_indexing_and_updates: NumPy-style indexing, boolean masks as an evaluation point,
in-place updates, .at[] accumulation, and gradients through updates."""

from . import code, md

CELLS = [
    md(
        """
# Indexing and in-place updates

Reading parts of an array and writing into them works as in NumPy. Two
things are different in a lazy, differentiable library, and they are the
subject of this notebook:

* an update `a[idx] = v` is recorded in the graph like any other operation,
  so **gradients flow through it**;
* boolean masks make the result's **size depend on the data**, so they are an
  evaluation point.

You will learn

1. basic and advanced indexing (ints, slices, `...`, `None`, integer arrays),
2. boolean masks, why they evaluate, and the lazy alternative `mx.where`,
3. in-place updates, and how they are seen by every reference to an array,
4. accumulating into repeated indices with `.at[]`,
5. gradients of functions that update arrays in place.
"""
    ),
    code(
        """
import numpy as np

import lumex.core as mx
from lumex.notebook_ext import EvalLedger, show_grad_graph, show_graph

%load_ext lumex.notebook_ext
"""
    ),
    md(
        """
## 1. Reading: the NumPy rules

Integers pick an element and drop the axis; slices `start:stop:step` keep it;
`...` stands for "all remaining axes"; `None` inserts a new axis of size 1.
"""
    ),
    code(
        """
a = mx.arange(24).reshape(2, 3, 4)
print(a[1, 2, 3], a[-1, -1, -1])   # single elements, negative indices count from the end
print(a[0, :, 1:3])                # slices keep their axes
print(a[..., 0])                   # the first entry of the last axis, everywhere
print(a[:, None, 0].shape)         # None adds an axis
print(a[:, ::-1, ::2][0])          # steps, including backwards
"""
    ),
    md(
        """
Basic slices are **views**: they describe a window onto the same data, no copy
is made. Integer arrays (or lists, or NumPy arrays) pick entries by position;
several of them are combined element by element:
"""
    ),
    code(
        """
m = mx.arange(12).reshape(3, 4)
print(m[mx.array([2, 0])])                     # rows 2 and 0
print(m[:, [3, 3, 0]])                         # columns, repeated
print(m[mx.array([0, 1, 2]), mx.array([3, 2, 1])])   # pairs (0,3), (1,2), (2,1)
print(mx.take(m, mx.array([1, 5, 11])))        # positions in the flattened array
"""
    ),
    md(
        """
Out-of-range indices raise `IndexError`, as in NumPy. A plain integer is
checked at once. The values inside an index **array** are data, which may not
be computed yet, so they are checked when the gather runs, that is, when the
result is evaluated:
"""
    ),
    code(
        """
try:
    m[5]
except IndexError as err:
    print("at once:         IndexError:", err)

bad = m[mx.array([0, 7])]             # builds a graph node; nothing is checked yet
try:
    print(bad)
except IndexError as err:
    print("when evaluated:  IndexError:", err)
"""
    ),
    md(
        """
Reading never evaluates: an index expression is one more node in the graph.
`show_graph` shows a slice (`Slice`, a view) and an array index (`Gather`):
"""
    ),
    code(
        """
row = m[1, 1:3] * 10
picked = m[mx.array([2, 0]), 1] + row
show_graph(picked)
"""
    ),
    md(
        """
## 2. Boolean masks are an evaluation point

`a[mask]` keeps the entries where `mask` is true. How many there are depends
on the **values**, so the result's shape cannot be known until the mask has
been computed. lumex evaluates the mask right there. The ledger shows the
event, of kind `bool_mask`:
"""
    ),
    code(
        """
%%evaltrace
scores = mx.sin(mx.arange(10.0)) * 5
high = scores[scores > 2]          # evaluates `scores > 2` to count the true entries
print(high)
"""
    ),
    md(
        """
Inside a loop that evaluation happens every iteration and stops the engine
from batching the work. When you only need the masked entries for arithmetic,
keep the shape and use `mx.where` (or multiply by the mask): it stays lazy.
"""
    ),
    code(
        """
with EvalLedger() as ledger:
    scores = mx.sin(mx.arange(10.0)) * 5
    mask = scores > 2
    kept = mx.where(mask, scores, 0.0)          # same shape as scores, nothing evaluated
    mean_high = kept.sum() / mask.sum()         # the mean of the masked entries
print("evaluations so far:", len(ledger))
print("mean of the high scores:", mean_high.item(), "=", np.mean(np.array(high)))
"""
    ),
    md(
        """
Writing through a mask is fine: `a[mask] = 0` keeps `a`'s shape. A scalar
written through a full-size mask is turned into a `where` and stays lazy.

## 3. Writing: in-place updates

`a[idx] = v` replaces entries. Like NumPy, every name bound to the same array
object sees the change:
"""
    ),
    code(
        """
a = mx.zeros((3, 4))
alias = a
a[1] = 1.0                 # a whole row
a[:, 2] = mx.array([7.0, 8.0, 9.0])
a[a > 5] = -1.0            # through a mask
print(alias)
"""
    ),
    md(
        """
Behind the scenes nothing is overwritten in memory: the array object gets a
new graph node (`SliceUpdate` for slices, `Scatter` for array indices) whose
input is the old value. That is what makes updates safe in a lazy engine and
differentiable (section 5). Augmented assignments such as `+=` work the
same way.

## 4. Repeated indices: `.at[]`

With repeated indices, `a[idx] += 1` reads all entries first, adds, and writes
back: each repeated position is written several times with **the same**
value, so it gets `+1` once. To **accumulate**, use the `.at` property:
"""
    ),
    code(
        """
idx = mx.array([0, 1, 1, 3, 3, 3])

counts = mx.zeros((5,))
counts[idx] += 1
print("a[idx] += 1:        ", counts)

counts = mx.zeros((5,)).at[idx].add(1)
print("a.at[idx].add(1):   ", counts)
print("np.bincount agrees: ", np.bincount(np.array(idx), minlength=5))
"""
    ),
    md(
        """
`.at[idx]` also has `subtract`, `multiply`, `divide`, `maximum` and `minimum`,
and unlike `a[idx] = ...` it returns a **new** array (the original is
unchanged). A per-class sum is one line:
"""
    ),
    code(
        """
labels = mx.array([0, 2, 1, 2, 0, 2])
values = mx.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
print("sum per class: ", mx.zeros((3,)).at[labels].add(values))
print("max per class: ", mx.full((3,), -float("inf")).at[labels].maximum(values))
"""
    ),
    md(
        """
## 5. Gradients through in-place updates

Because an update is a graph node, `grad` differentiates through it. In this
function the entry at `idx` is **overwritten** with a constant, so it no
longer depends on `x`, and its gradient is 0:
"""
    ),
    code(
        """
def fun(x, idx):
    x[idx] = 2.0
    return x.sum()

dfdx = mx.grad(fun)(mx.array([1.0, 2.0, 3.0]), mx.array([1]))
print(dfdx)
assert dfdx.tolist() == [1.0, 0.0, 1.0]
"""
    ),
    md(
        """
The graph of that gradient shows where the zero comes from. Forward (blue),
the update is a `Scatter` into `x`. Backward (pink), the incoming gradient is
broadcast to every entry, then another `Scatter` writes zeros (the violet
`Full`) at the overwritten index, which it reads from the forward pass (the
dashed edge).
"""
    ),
    code(
        """
show_grad_graph(lambda x: fun(x, mx.array([1])), mx.array([1.0, 2.0, 3.0]))
"""
    ),
    md(
        """
Writing a value that depends on `x` moves the gradient instead of removing
it. Here entry 0 is replaced by `3 · x[2]`, so `x[2]` now contributes twice (once
as itself, once through entry 0), and `x[0]` not at all:
"""
    ),
    code(
        """
def moved(x):
    y = x * 1.0           # a copy, so the caller's array is not modified
    y[0] = 3 * x[2]
    return y.sum()

print(mx.grad(moved)(mx.array([1.0, 2.0, 3.0])))
"""
    ),
    md(
        """
`y = x * 1.0` is there for a reason: inside `fun` above, `x[idx] = 2.0` changed
the caller's array object too (section 3). That is allowed, but usually not
what a loss function should do.

Accumulation with `.at[].add` is differentiable as well. Each value is added
to one bin, so the gradient of a weighted sum of the bins sends each bin's
weight back to the values that went into it:
"""
    ),
    code(
        """
bin_weights = mx.array([1.0, 10.0, 100.0])

def weighted_bins(values):
    return (mx.zeros((3,)).at[labels].add(values) * bin_weights).sum()

print("labels:  ", labels.tolist())
print("gradient:", mx.grad(weighted_bins)(values))
"""
    ),
    md(
        """
## Recap

* Indexing follows NumPy; basic slices are views; out-of-range raises
  `IndexError`. Reading is lazy.
* Boolean-mask **reads** evaluate (data-dependent size); `mx.where` stays lazy.
* `a[idx] = v` records an update node; every reference to `a` sees it, and
  gradients flow through it (overwritten entries get gradient 0).
* `a.at[idx].add(v)` accumulates over repeated indices and returns a new array.

## Exercises

1. Predict `mx.grad(fun)(mx.array([1.0, 2.0, 3.0]), mx.array([0, 2]))`, then check.
2. Build a histogram of `mx.random.randint(0, 10, (1000,))` with `.at[].add`
   and compare it with `np.bincount`.
3. Rewrite `scores[scores > 2].max()` so that it does not evaluate
   (hint: `mx.where` with `-float("inf")`). Check with `%%evaltrace`.
"""
    ),
]
