"""Generate the tutorial notebooks in this folder.

The notebooks are stored without outputs, so they can be reviewed as plain
text here and diffed cleanly. This script is the source of truth: edit the
cells below, then run

    python tutorials/_build_notebooks.py

and commit the regenerated ``.ipynb`` files. ``tests/test_tutorials.py``
checks that the committed notebooks match this script, carry no outputs, and
run top to bottom in a fresh kernel.

Only ``nbformat`` is needed to run this script (not lumex itself).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def md(text: str) -> tuple[str, str]:
    return ("markdown", text.strip("\n"))


def code(text: str) -> tuple[str, str]:
    return ("code", text.strip("\n"))


# ---------------------------------------------------------------------------
# 01_quickstart
# ---------------------------------------------------------------------------

QUICKSTART = [
    md(
        """
# Quickstart: arrays, dtypes, broadcasting, reductions, lazy evaluation

This notebook is a first tour of **lumex**, an array library whose Python API
follows [MLX](https://ml-explore.github.io/mlx/): code written as
`import mlx.core as mx` runs with `import lumex.core as mx`.

You will learn how to

1. create arrays and inspect their shape and type,
2. predict the **dtype** of a result (MLX's promotion rules differ from NumPy's in a few useful ways),
3. combine arrays of different shapes with **broadcasting**,
4. summarise data with **reductions** such as `sum`, `mean` and `std`,
5. understand **lazy evaluation**: operations describe work, `mx.eval` does it.

Run the cells from top to bottom. Every example uses small arrays built with
`mx.arange` and `mx.linspace`, so the numbers are the same on every machine.
"""
    ),
    code(
        """
import lumex.core as mx
"""
    ),
    md(
        """
## 1. Arrays

An array is a grid of numbers that all share one data type. Create one from a
(nested) Python list:
"""
    ),
    code(
        """
a = mx.array([[1, 2, 3],
              [4, 5, 6]])
print(a)
print("shape:", a.shape, " ndim:", a.ndim, " size:", a.size, " dtype:", a.dtype)
"""
    ),
    md(
        """
`shape` is a tuple with one entry per axis: 2 rows, 3 columns. `size` is the
total number of elements.

You rarely type data in by hand. These constructors make arrays of a given
shape:
"""
    ),
    code(
        """
print(mx.zeros((2, 3)))
print(mx.ones((2, 3), dtype=mx.int32))
print(mx.full((2, 2), 7.5))
print(mx.arange(6))               # like range(6)
print(mx.arange(0.0, 1.0, 0.25))  # start, stop (excluded), step
print(mx.linspace(0, 1, 5))       # 5 evenly spaced points, both ends included
"""
    ),
    md(
        """
`reshape` views the same elements with a different shape, reading them in row
order. The number of elements must not change. `transpose` reverses (or, given
an order, permutes) the axes; `.T` is a shortcut for the full reversal.
"""
    ),
    code(
        """
x = mx.arange(12).reshape(3, 4)
print(x)
print(x.T.shape)
print(mx.transpose(mx.arange(24).reshape(2, 3, 4), (2, 0, 1)).shape)
"""
    ),
    md(
        """
Arithmetic works element by element, with operators or with the equivalent
functions:
"""
    ),
    code(
        """
b = mx.array([[10, 20, 30],
              [40, 50, 60]])
print(a + b)
print(mx.multiply(a, b))
print(b / a)
print(a ** 2)
"""
    ),
    md(
        """
To get plain Python values back, use `.item()` for a single element and
`.tolist()` for a whole array:
"""
    ),
    code(
        """
print(mx.sum(a).item(), a.tolist())
"""
    ),
    md(
        """
## 2. Data types

Every array has one **dtype**. When you build an array from Python values,
lumex (like MLX) picks a 32-bit default, not NumPy's 64-bit one:

| Python values | dtype     |
|---------------|-----------|
| `bool`        | `bool`    |
| `int`         | `int32`   |
| `float`       | `float32` |

A list that mixes kinds takes the "widest" kind present.
"""
    ),
    code(
        """
print(mx.array([1, 2, 3]).dtype)
print(mx.array([1.0, 2.0]).dtype)
print(mx.array([True, False]).dtype)
print(mx.array([1, 2.5]).dtype)   # int and float -> float32
"""
    ),
    md(
        """
Ask for a type explicitly with `dtype=` or convert with `astype`. Smaller types
use less memory: `itemsize` is the size of one element in bytes and `nbytes`
the size of the whole array.
"""
    ),
    code(
        """
h = mx.array([0.1, 0.2, 0.3], dtype=mx.float16)
print(h, h.itemsize, h.nbytes)

f = h.astype(mx.float32)
print(f.dtype, f.itemsize, f.nbytes)

# Converting float -> int truncates toward zero.
print(mx.array([1.7, -1.7]).astype(mx.int32))
"""
    ),
    md(
        """
Notice that `0.1` printed as `0.0999756`: `float16` keeps only about three
significant decimal digits. Small types trade precision for memory.

### Promotion: what type does `x + y` have?

When two arrays with different dtypes meet, the result gets a dtype that can
represent both. Two rules cover most cases:

* **Integer with floating point gives the floating point type.** `int32 + float16`
  is `float16`. (NumPy would give `float64` here; MLX keeps the small float type,
  which is what you want for models stored in half precision.)
* **Two types of the same kind give the larger one.** `float16 + float32` is
  `float32`; `int8 + uint8` is `int16`, the smallest type that holds both ranges.
"""
    ),
    code(
        """
i32 = mx.array([1, 2, 3])                    # int32
f16 = mx.array([0.5, 0.5, 0.5], dtype=mx.float16)
f32 = mx.array([0.5, 0.5, 0.5])              # float32

print("int32   + float16 ->", (i32 + f16).dtype)
print("float16 + float32 ->", (f16 + f32).dtype)
print("int8    + uint8   ->", (mx.array([1], dtype=mx.int8) + mx.array([1], dtype=mx.uint8)).dtype)
print("bfloat16 + float16 ->", (mx.array([1], dtype=mx.bfloat16) + mx.array([1], dtype=mx.float16)).dtype)
"""
    ),
    md(
        """
The last line is worth a second look: neither `bfloat16` nor `float16` can
represent every value of the other, so the result is `float32`.

Division `/` always produces a floating point result; floor division `//`
keeps integers as integers:
"""
    ),
    code(
        """
print((i32 / 2).dtype, i32 / 2)
print((i32 // 2).dtype, i32 // 2)
"""
    ),
    md(
        """
### Python scalars are "weak"

A plain Python number (`2`, `2.5`) has no fixed width, so it does not force
the array to a larger type. It only changes the result's **kind** when it has
to: an integer array times a Python float becomes floating point (the default
`float32`), but a `float16` array stays `float16`.
"""
    ),
    code(
        """
print("float16 * 2.5 ->", (f16 * 2.5).dtype)
print("int32   * 2.5 ->", (i32 * 2.5).dtype)
print("int8    * 3   ->", (mx.array([1, 2], dtype=mx.int8) * 3).dtype)
"""
    ),
    md(
        """
Wrapping the scalar in `mx.array` makes it a real `float32` array, and normal
promotion applies again:
"""
    ),
    code(
        """
print("float16 * mx.array(2.5) ->", (f16 * mx.array(2.5)).dtype)
"""
    ),
    md(
        """
**Tip for teaching:** this is a common source of surprise. If a computation in
half precision suddenly uses twice the memory, look for a constant that was
created with `mx.array(...)` instead of being left as a Python number.

## 3. Broadcasting

Broadcasting lets you combine arrays of different shapes without copying data
by hand. Compare the shapes **from the right**. Two axes fit if they are equal
or if one of them is 1 (or missing); the axis of size 1 is stretched to match.

We will use a tiny "image": height `H = 4`, width `W = 6`, and 3 colour
channels (red, green, blue), with values between 0 and 1.
"""
    ),
    code(
        """
H, W = 4, 6
img = mx.arange(H * W * 3).reshape(H, W, 3) / (H * W * 3 - 1)
print(img.shape, img.dtype)
print("min:", img.min().item(), " max:", img.max().item())
"""
    ),
    md(
        """
### Scale each channel

A colour correction multiplies every pixel's red, green and blue values by
three fixed factors. The factors form a vector of shape `(3,)`:

```
img    (4, 6, 3)
gain         (3,)   -> treated as (1, 1, 3), stretched to (4, 6, 3)
```
"""
    ),
    code(
        """
gain = mx.array([1.2, 1.0, 0.8])   # boost red, keep green, damp blue
warm = img * gain
print(warm.shape)
print("channel means before:", img.mean(axis=(0, 1)))
print("channel means after: ", warm.mean(axis=(0, 1)))
"""
    ),
    md(
        """
### Add a bias per row

To brighten the image gradually from top to bottom, add one value per row.
A `(H,)` vector would line up with the *channel* axis, which is wrong, so give
it explicit size-1 axes for width and channels: shape `(H, 1, 1)`.

```
img    (4, 6, 3)
bias   (4, 1, 1)   -> stretched along width and channels
```
"""
    ),
    code(
        """
bias = mx.linspace(0.0, 0.3, H).reshape(H, 1, 1)
brighter = img + bias
print(bias.shape, "->", brighter.shape)
print("row means before:", img.mean(axis=(1, 2)))
print("row means after: ", brighter.mean(axis=(1, 2)))
"""
    ),
    md(
        """
### When shapes do not fit

A per-column factor of shape `(W,) = (6,)` lines up with the channel axis
(size 3) and cannot be broadcast. lumex reports this right away, when the
operation is written, not later:
"""
    ),
    code(
        """
fade = mx.linspace(1.0, 0.5, W)   # one factor per column
try:
    img * fade
except ValueError as err:
    print("ValueError:", err)
"""
    ),
    md(
        """
The fix is to say which axis the vector belongs to: shape `(W, 1)` lines up
with width and leaves a size-1 axis for the channels.
"""
    ),
    code(
        """
faded = img * fade.reshape(W, 1)
print(faded.shape)
"""
    ),
    md(
        """
`mx.broadcast_to` shows what broadcasting does behind the scenes. You do not
need it for arithmetic, but it is handy for checking your mental model:
"""
    ),
    code(
        """
print(mx.broadcast_to(mx.array([1, 2, 3]), (2, 3)))
print(mx.broadcast_to(mx.array([[10], [20]]), (2, 3)))
"""
    ),
    md(
        """
## 4. Reductions

A reduction combines many values into fewer: `sum`, `mean`, `max`, `min`,
`var`, `std`. Without `axis` they reduce the whole array to one value.
With `axis` they reduce only along the given axis (or tuple of axes), and that
axis disappears from the shape.
"""
    ),
    code(
        """
x = mx.arange(12).reshape(3, 4)
print(x)
print("sum of everything:", x.sum())
print("sum, axis=0:      ", x.sum(axis=0))    # rows collapse: one value per column
print("mean, axis=1:     ", x.mean(axis=1))   # columns collapse: one value per row
print("max, axis=1:      ", mx.max(x, axis=1))
"""
    ),
    md(
        """
Note the types: the sum of `int32` values is `int32`, but `mean` always
returns floating point.

### Grayscale: a weighted sum over channels

A common grayscale formula is `0.299 R + 0.587 G + 0.114 B`. That is
broadcasting (scale each channel) followed by a reduction over the channel
axis, the last one:
"""
    ),
    code(
        """
weights = mx.array([0.299, 0.587, 0.114])
gray = (img * weights).sum(axis=-1)
print(img.shape, "->", gray.shape)
"""
    ),
    md(
        """
### `keepdims`: reduce, then broadcast back

To centre each row of the image (subtract the row's average colour from it),
compute the mean over the width axis. Without `keepdims` the result has shape
`(H, 3)`, which no longer lines up with `(H, W, 3)`:
"""
    ),
    code(
        """
row_mean = img.mean(axis=1)
print(row_mean.shape)
try:
    img - row_mean
except ValueError as err:
    print("ValueError:", err)
"""
    ),
    md(
        """
`keepdims=True` keeps the reduced axis with size 1, so the result broadcasts
against the original array:
"""
    ),
    code(
        """
row_mean = img.mean(axis=1, keepdims=True)
centred = img - row_mean
print(row_mean.shape, "->", centred.shape)
"""
    ),
    md(
        """
### Standardise each channel

`var` and `std` measure spread. Standardising each channel (subtract its mean,
divide by its standard deviation) reduces over height and width, `axis=(0, 1)`:
"""
    ),
    code(
        """
mean_c = img.mean(axis=(0, 1), keepdims=True)
std_c = img.std(axis=(0, 1), keepdims=True)
z = (img - mean_c) / std_c

print("shapes:", mean_c.shape, std_c.shape, z.shape)
print("std per channel after: ", z.std(axis=(0, 1)))
print("largest |mean| after:  ", mx.abs(z.mean(axis=(0, 1))).max())
"""
    ),
    md(
        """
The means are not exactly zero but tiny (around `1e-7`): that is ordinary
`float32` rounding, not a bug.

`var` and `std` divide by `N` by default (the population variance). Pass
`ddof=1` to divide by `N - 1` (the sample variance):
"""
    ),
    code(
        """
v = mx.array([1.0, 2.0, 3.0, 4.0])
print(mx.var(v), mx.var(v, ddof=1))
print(mx.std(v), mx.sqrt(mx.var(v)))
"""
    ),
    md(
        """
Axis numbers follow the data when you move axes around. Many libraries store
images channels-first, `(3, H, W)`. After transposing, the same statistics are
a reduction over axes `(1, 2)`:
"""
    ),
    code(
        """
chw = mx.transpose(img, (2, 0, 1))
print(chw.shape)
print(chw.mean(axis=(1, 2)))
print(img.mean(axis=(0, 1)))
"""
    ),
    md(
        """
## 5. Lazy evaluation

Everything so far looked immediate because `print` needs the numbers. In fact,
an operation such as `a + b` does **not** compute anything: it records a node
in a computation graph and returns an array that knows its shape and dtype but
has no data yet. Work happens when you ask for it:

* explicitly, with `mx.eval(...)`;
* implicitly, when you print an array or call `.item()` / `.tolist()`, or
  convert it to another library's array.

Building the graph is cheap, whatever the size of the data:
"""
    ),
    code(
        """
import time

start = time.perf_counter()
big = mx.ones((2000, 2000))
y = (big * 2 + 1).sum()          # nothing is computed yet
built = time.perf_counter()

print("shape and dtype are known already:", y.shape, y.dtype)

mx.eval(y)                       # now the work happens
done = time.perf_counter()

print(f"building the graph: {1e3 * (built - start):8.3f} ms")
print(f"evaluating it:      {1e3 * (done - built):8.3f} ms")
print(y)
"""
    ),
    md(
        """
(Exact times depend on your machine; the point is the difference between
the two lines.)

Shapes and dtypes are worked out while the graph is built, which is why the
broadcasting mistake in section 3 raised an error straight away.

`mx.eval` accepts several arrays (or lists and dicts of arrays) and computes
them together, sharing any common work. It returns `None`; the arrays
themselves now hold their values.
"""
    ),
    code(
        """
s = img.sum()
m = img.mean()
result = mx.eval(s, m)
print(result, s, m)
"""
    ),
    md(
        """
Laziness also means that work whose result is never used is never done:
"""
    ),
    code(
        """
unused = mx.ones((4000, 4000)) * 3   # costs nothing unless evaluated
del unused
"""
    ),
    md(
        """
**Rule of thumb:** build up a step of work (one iteration of a loop, one
batch), then call `mx.eval` once on everything that step produces. Evaluating
after every tiny operation throws away the chance to plan the work as a whole;
never evaluating inside a long loop lets the graph grow without bound.

## Recap

* `mx.array`, `zeros`, `ones`, `full`, `arange`, `linspace` create arrays;
  `reshape` and `transpose` rearrange them.
* Python `int`/`float` become `int32`/`float32`. Mixed dtypes promote to a type
  that holds both (`int32 + float16 -> float16`); Python scalars are weak and
  keep the array's type where they can.
* Broadcasting aligns shapes from the right; size-1 axes stretch. Use
  `reshape` to put a vector on the axis you mean.
* Reductions take `axis` (an int or a tuple) and `keepdims`.
* Operations are lazy; `mx.eval`, printing, `.item()` and `.tolist()` trigger
  computation.

## Exercises

1. Predict the dtype of `mx.array([1, 2], dtype=mx.uint8) + 1.5`, then check.
2. Scale `img` by a per-column factor **and** a per-channel factor in one
   expression. What shapes do the two factors need?
3. Compute the brightest pixel value of each channel of `img` (use `max` with
   the right `axis`).
4. Standardise `img` per *pixel* across channels, so that each pixel's three
   values have mean 0. Which axis, and do you need `keepdims`?
"""
    ),
]


# ---------------------------------------------------------------------------
# 02_seeing_the_engine
# ---------------------------------------------------------------------------

SEEING = [
    md(
        """
# Seeing the engine: lazy arrays, graphs, evaluations, gradients and vmap

lumex is lazy: operations record a graph and nothing is computed until something
asks for values. This notebook uses the notebook layer, `lumex.notebook_ext`, to
*look* at that process without disturbing it:

1. array displays that never evaluate,
2. the pending graph (`show_graph`) and the forward + backward graph of a gradient,
3. the evaluation ledger (`%%evaltrace`): every evaluation of a cell and the line that caused it,
4. explorers for `grad` and `vmap`.
"""
    ),
    code(
        """
import lumex.core as mx
from lumex.notebook_ext import show, show_graph, show_grad_graph, view
from lumex.notebook_ext import gradient_explorer, vmap_explorer
%load_ext lumex.notebook_ext
"""
    ),
    md(
        """
## 1. Displaying an array does not compute it

`y` below is *pending*: the display shows its shape, dtype, the op that will
produce it and the size of its pending graph. `mx.graph.status` confirms it is
still unscheduled afterwards.
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
assert mx.graph.status(y) == "unscheduled"  # displaying it computed nothing
mx.graph.status(y)
"""
    ),
    md(
        """
Once evaluated, the same display shows the values (as `print` would), statistics
and a small heatmap. Dicts of parameters display as a table.
"""
    ),
    code(
        """
mx.eval(y)
y
"""
    ),
    code(
        """
show({"layer1": {"w": y, "b": mx.zeros((4,))}, "scale": 0.5})
"""
    ),
    code(
        """
view(mx.sin(x))  # a widget with an Evaluate button
"""
    ),
    md(
        """
## 2. The pending graph

Record creation sites to label nodes with their source lines and group them by
function. Hover a node for its details; in the interactive view, click a node to
highlight what it depends on and what it feeds, or search.
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
For a gradient, `show_grad_graph` draws forward and backward together: blue is
the forward pass, pink depends on the cotangent (the chain rule at work), violet
is computed for the backward pass from primal values only, and dashed edges are
forward values the backward pass reads.
"""
    ),
    code(
        """
def f(x):
    return mx.sum(mx.sin(x) * x)

g = show_grad_graph(f, mx.array([0.5, 1.0, 2.0]))
g
"""
    ),
    md(
        """
## 3. Which lines evaluate? The evaluation ledger

`%%evaltrace` runs a cell and lists every evaluation in it: what triggered it
(`print`, `.item()`, an `if`, `mx.eval`, ...), the line, how many nodes it ran,
bytes and time. Pick an event to see the graph it computed. `--growth N` warns
when one evaluation runs more than N primitives and names the line that built them.
"""
    ),
    code(
        """
%%evaltrace --growth 50 --name ledger
a = mx.arange(5.0)
b = mx.exp(a) / 2
print(b)
total = b.sum().item()
if (b > 1).any():
    c = b * 2
acc = mx.zeros((5,))
for i in range(60):
    acc = acc + a
mx.eval(acc)
"""
    ),
    code(
        """
[(e.kind, e.line, e.num_nodes) for e in ledger.entries]
"""
    ),
    md(
        """
## 4. Explorers

Move the slider: the point, the tangent line and the values of f, f' = grad(f)
and f'' = grad(grad(f)) follow, next to a finite-difference check.
"""
    ),
    code(
        """
gradient_explorer(lambda t: mx.sin(t) * t, 1.0)
"""
    ),
    code(
        """
gradient_explorer(lambda u, v: u**2 + 3 * v**2 + u * v, (1.0, -1.0))
"""
    ),
    md(
        """
`vmap_explorer` shows which slice of each input every call sees, what each call
returns, and where it lands in the output along `out_axes`.
"""
    ),
    code(
        """
vmap_explorer(lambda row, bias: row * bias + 1, (0, None), 1,
              mx.arange(6.0).reshape(3, 2), mx.array([10.0, 20.0]))
"""
    ),
]


NOTEBOOKS = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_seeing_the_engine.ipynb": SEEING,
}


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """Build a notebook without outputs and with stable cell ids."""
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": {
            "display_name": "Python 3",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
    }
    for index, (kind, source) in enumerate(cells):
        cell = new_markdown_cell(source) if kind == "markdown" else new_code_cell(source)
        cell.id = f"cell-{index:03d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(cells: list[tuple[str, str]]) -> str:
    """The exact text written to disk for a notebook."""
    return nbformat.writes(build(cells)) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, cells in NOTEBOOKS.items():
        path = HERE / name
        text = render(cells)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if check:
            stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("out of date (run python tutorials/_build_notebooks.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
