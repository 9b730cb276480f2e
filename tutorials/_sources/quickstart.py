"""01_quickstart: arrays, dtypes, broadcasting, reductions, and NumPy vs PyTorch vs lumex."""

from . import IF_INSTALLED, code, md

CELLS = [
    md(
        """
# Quickstart: arrays, dtypes, broadcasting, reductions

This notebook is a first tour of **lumex**, an array library whose Python API
follows [MLX](https://ml-explore.github.io/mlx/): code written as
`import mlx.core as mx` runs with `import lumex.core as mx`.

You will learn how to

1. create arrays and inspect their shape and type,
2. predict the **dtype** of a result (MLX's promotion rules differ from NumPy's in a few useful ways),
3. combine arrays of different shapes with **broadcasting**,
4. summarise data with **reductions** such as `sum`, `mean` and `std`,
5. compare lumex with **NumPy and PyTorch**, including how each handles gradients,
6. look at a **lazy** array in the notebook before and after it is computed.

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
## 5. NumPy, PyTorch and lumex side by side

If you know NumPy or PyTorch, most of lumex will look familiar. The
differences that matter day to day are the defaults and how gradients work:

| | NumPy | PyTorch | lumex (MLX API) |
|---|---|---|---|
| default float / int | `float64` / `int64` | `float32` / `int64` | `float32` / `int32` |
| `std`, `var` | divide by `N` (`ddof=0`) | divide by `N - 1` (`correction=1`) | divide by `N` (`ddof=0`) |
| axis keyword | `axis=` | `dim=` | `axis=` |
| when work happens | at once | at once | when a value is needed (lazy) |
| gradients | none | `requires_grad=True`, `.backward()` fills `.grad` | `mx.grad(f)` is a new function |

The same small table of measurements in NumPy and lumex:
"""
    ),
    code(
        """
import numpy as np

data = [[1.0, 2.0, 3.0],
        [4.0, 6.0, 8.0]]
a_np, a_mx = np.array(data), mx.array(data)
print("dtypes:     ", a_np.dtype, "|", a_mx.dtype)
print("int default:", np.array([1, 2]).dtype, "|", mx.array([1, 2]).dtype)
print("std axis=0: ", np.std(a_np, axis=0), "|", mx.std(a_mx, axis=0))
print("same values:", np.allclose(np.std(a_np, axis=0), np.array(mx.std(a_mx, axis=0))))
"""
    ),
    md(
        """
PyTorch is optional for these tutorials. The next cells use a small cell
magic, `%%if_installed`, defined here: it runs a cell when the modules named
on its first line can be imported, and otherwise prints the code so you can
still read it.
"""
    ),
    IF_INSTALLED,
    code(
        """
%%if_installed torch
import torch

a_t = torch.tensor(data)
print("dtypes:", a_t.dtype, torch.tensor([1, 2]).dtype)
print("torch.std(dim=0):              ", torch.std(a_t, dim=0))               # divides by N - 1
print("torch.std(dim=0, correction=0):", torch.std(a_t, dim=0, correction=0))  # matches NumPy and lumex
"""
    ),
    md(
        """
The `std` default is the classic porting bug: the same line of code gives
different numbers in PyTorch (`[2.1213, 2.8284, 3.5355]` here, against
`[1.5, 2, 2.5]`). Pass `ddof=1` in NumPy or lumex (or
`correction=0` in PyTorch) to make them agree.

### Gradients: state on tensors versus functions

Take a one-parameter model `w * x` and its mean squared error against `y`.
NumPy has no automatic differentiation, so you derive the gradient by hand:
`d/dw mean((w x - y)²) = mean(2 (w x - y) x)`.
"""
    ),
    code(
        """
x_np = np.array([1.0, 2.0, 3.0])
y_np = np.array([2.0, 4.0, 6.5])
w0 = 1.5
print("by hand:", np.mean(2 * (w0 * x_np - y_np) * x_np))
"""
    ),
    md(
        """
PyTorch records operations on tensors that have `requires_grad=True`;
`.backward()` then **adds** the gradient into `.grad`. Call it twice without
zeroing and the gradient doubles (`-5.6667`, then `-11.3333`):
"""
    ),
    code(
        """
%%if_installed torch
import torch

w = torch.tensor(1.5, requires_grad=True)
x_t, y_t = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 4.0, 6.5])
for attempt in range(2):
    loss = ((w * x_t - y_t) ** 2).mean()
    loss.backward()
    print(f"after backward #{attempt + 1}: w.grad = {w.grad.item():.4f}")
"""
    ),
    md(
        """
lumex follows MLX (and JAX): you differentiate a **function**. `mx.grad(loss)`
returns a new function that computes the gradient with respect to the first
argument. Nothing is stored on the arrays, so calling it twice gives the same
answer, and because the result is again a function you can differentiate it
once more:
"""
    ),
    code(
        """
x = mx.array([1.0, 2.0, 3.0])
y = mx.array([2.0, 4.0, 6.5])


def loss(w):
    return mx.mean((w * x - y) ** 2)


dloss = mx.grad(loss)
print("grad:", dloss(mx.array(w0)).item(), dloss(mx.array(w0)).item())
print("second derivative:", mx.grad(dloss)(mx.array(w0)).item(), "= mean(2 x²) =", np.mean(2 * x_np**2))
"""
    ),
    md(
        """
Notebook 3 (function transforms) goes much further with `grad`, `vmap` and
friends.

## 6. Lazy arrays in the notebook

Everything so far looked immediate because `print` needs the numbers. In fact,
an operation such as `a + b` only *records* work in a graph; it is computed
when something needs the values. In Jupyter, lumex arrays have a display that
never forces that computation. Make the last line of a cell a pending array
and you see its shape, dtype, the operation that will produce it and how big
its pending graph is:
"""
    ),
    code(
        """
gray = (img * weights).sum(axis=-1)   # the grayscale image again, not computed yet
gray
"""
    ),
    md(
        """
`mx.eval` computes it. The same display now shows the values with summary
statistics and a heatmap, which for an image is the picture itself:
"""
    ),
    code(
        """
mx.eval(gray)
gray
"""
    ),
    md(
        """
Notebook 2 (lazy evaluation) explains when lumex computes, why, and how to
see every evaluation a cell performs.

## Recap

* `mx.array`, `zeros`, `ones`, `full`, `arange`, `linspace` create arrays;
  `reshape` and `transpose` rearrange them.
* Python `int`/`float` become `int32`/`float32`. Mixed dtypes promote to a type
  that holds both (`int32 + float16 -> float16`); Python scalars are weak and
  keep the array's type where they can.
* Broadcasting aligns shapes from the right; size-1 axes stretch. Use
  `reshape` to put a vector on the axis you mean.
* Reductions take `axis` (an int or a tuple) and `keepdims`; `std` and `var`
  divide by `N` unless you pass `ddof`.
* NumPy computes in `float64` and has no gradients; PyTorch keeps gradients
  on tensors; lumex differentiates functions with `mx.grad`.
* Operations are lazy; the notebook display shows a pending array without
  computing it.

## Exercises

1. Predict the dtype of `mx.array([1, 2], dtype=mx.uint8) + 1.5`, then check.
2. Scale `img` by a per-column factor **and** a per-channel factor in one
   expression. What shapes do the two factors need?
3. Compute the brightest pixel value of each channel of `img` (use `max` with
   the right `axis`).
4. Standardise `img` per *pixel* across channels, so that each pixel's three
   values have mean 0. Which axis, and do you need `keepdims`?
5. Write the gradient of `loss` with respect to `w` **and** a bias `b` for the
   model `w * x + b`, using `mx.grad(loss2, argnums=(0, 1))`. Check it against
   the formula you derive by hand.
"""
    ),
]
