"""05_interop: NumPy views and the buffer protocol, the gradient pitfall of writing
behind the engine's back, PyTorch / JAX / TensorFlow conversion, and bfloat16."""

from . import IF_INSTALLED, code, md

CELLS = [
    md(
        """
# Interop: NumPy, PyTorch, JAX, TensorFlow

lumex arrays live in ordinary CPU memory, so other libraries can read them
**without copying** through NumPy's `__array__`, the Python buffer protocol
and DLPack. That is fast, and it comes with one sharp edge: a view lets you
change an array's memory behind the engine's back, which the graph (and so
`grad`) knows nothing about.

You will learn

1. how to get a NumPy **view** (`copy=False`) or a copy, and what `memoryview` gives,
2. the **gradient pitfall**: `f(x) = x²` computed by writing through a view, whose
   gradient comes out as 1 instead of 6,
3. conversion to and from **PyTorch, JAX and TensorFlow** (cells for libraries that are
   not installed print their code instead of running),
4. **bfloat16** with NumPy through `ml_dtypes`.
"""
    ),
    code(
        """
import numpy as np

import lumex.core as mx

%load_ext lumex.notebook_ext
"""
    ),
    md(
        """
## 1. NumPy: views and copies

`np.array(a)` copies. `np.array(a, copy=False)` (or `np.asarray(a)`) returns a
NumPy array that **shares** lumex's buffer. Either way the lumex array has to
be computed first, so both are evaluation points (`buffer` in the ledger:
NumPy reads lumex arrays through the buffer protocol).
"""
    ),
    code(
        """
%%evaltrace
a = mx.arange(6.0).reshape(2, 3) * 10
copied = np.array(a)
shared = np.array(a, copy=False)
print("two views share memory:", np.shares_memory(shared, np.asarray(a)))
print("a view and the copy:   ", np.shares_memory(shared, copied))
"""
    ),
    md(
        """
Writing into the view changes the lumex array, because it *is* the lumex
array's memory. The copy is unaffected:
"""
    ),
    code(
        """
shared[0, 0] = -1.0
print(a)
print(copied[0, 0])
"""
    ),
    md(
        """
The Python **buffer protocol** gives the same memory to anything that accepts
buffers (`memoryview`, `bytes`, `array.array`, file writes, image libraries):
"""
    ),
    code(
        """
m = memoryview(a)
print(m.format, m.shape, m.strides, "readonly:", m.readonly)
print(m.tolist())
"""
    ),
    md(
        """
In the other direction, `mx.array(numpy_array)` always **copies**: lumex's
arrays must not change under the engine, and NumPy arrays can.
"""
    ),
    code(
        """
source = np.ones(3, dtype=np.float32)
b = mx.array(source)
source[:] = 5
print(b)
"""
    ),
    md(
        """
## 2. The pitfall: writing behind the engine's back

The graph records operations, not memory writes. If a function modifies an
array through a NumPy view, the engine does not know. Here is `f(x) = x²`
computed by squaring `x` **in place** through a view, then summing:
"""
    ),
    code(
        """
def f(x):
    x_view = np.array(x, copy=False)
    x_view[:] *= x_view          # x² written into x's memory: the graph never sees it
    return x.sum()

x = mx.array([3.0])
value, grad = mx.value_and_grad(f)(x)
print("f(x) = x² =", value.item())
print("f'(x) = 2x =", 2 * 3.0, "but grad says", grad.item())
"""
    ),
    md(
        """
The value is right (9) and the gradient is wrong (1 instead of 6). As far as
the engine is concerned, `f` is `x.sum()`, whose derivative is 1: the
squaring happened in memory, outside the graph.

Look at the graph `grad` differentiated: one `Sum`, nothing else.
"""
    ),
    code(
        """
from lumex.notebook_ext import show_grad_graph

show_grad_graph(f, mx.array([3.0]))
"""
    ),
    md(
        """
There is a second surprise: the write also went into the caller's array,
because `grad` traces the function on an array that shares `x`'s memory:
"""
    ),
    code(
        """
print("x after the call:", x)
"""
    ),
    md(
        """
The fix is to say what you mean with lumex operations. Then the graph has a
`Multiply`, and the derivative is right:
"""
    ),
    code(
        """
def f_fixed(x):
    return (x * x).sum()

value, grad = mx.value_and_grad(f_fixed)(mx.array([3.0]))
print(value.item(), grad.item())
"""
    ),
    md(
        """
**Rule:** use views to *read* lumex data cheaply (plotting, saving, handing to
another library). Never write through a view inside code you differentiate,
and prefer `a[idx] = v` (notebook 4) for updates: that one is recorded.

## 3. PyTorch, JAX and TensorFlow

The cells below run when the library is installed. When it is not, the
`%%if_installed` magic (defined in the next cell) prints the code instead.
"""
    ),
    IF_INSTALLED,
    md(
        """
### PyTorch

`torch.from_dlpack(a)` and `torch.from_numpy(np.array(a, copy=False))` share
memory with the lumex array. `mx.array(tensor)` copies (through DLPack).
"""
    ),
    code(
        """
%%if_installed torch
import torch

a = mx.arange(4.0) * 2
t = torch.from_dlpack(a)                  # zero-copy
t_np = torch.from_numpy(np.array(a, copy=False))
print(t, t.dtype)
back = mx.array(torch.linspace(0, 1, 3))  # a copy
print(back, back.dtype)
"""
    ),
    md(
        """
Gradients do **not** flow across libraries: a tensor made from a lumex array
is a leaf for PyTorch, and `mx.grad` cannot see through PyTorch operations.
Compute a gradient on one side, convert the result.

### JAX

JAX arrays accept anything NumPy can read, and `np.asarray` turns a JAX array
into NumPy for `mx.array`:
"""
    ),
    code(
        """
%%if_installed jax
import jax.numpy as jnp

a = mx.arange(4.0) * 2
j = jnp.asarray(np.array(a, copy=False))
print(j, j.dtype)
back = mx.array(np.asarray(jnp.linspace(0, 1, 3)))
print(back)
"""
    ),
    md(
        """
### TensorFlow
"""
    ),
    code(
        """
%%if_installed tensorflow
import tensorflow as tf

a = mx.arange(4.0) * 2
t = tf.constant(np.array(a, copy=False))
print(t)
back = mx.array(tf.linspace(0.0, 1.0, 3).numpy())
print(back)
"""
    ),
    md(
        """
## 4. bfloat16

`bfloat16` keeps `float32`'s range with only about 3 significant digits; many
models are stored in it. NumPy has no bfloat16 of its own; the `ml_dtypes`
package (installed with lumex) adds one, and lumex converts to and from it.
(MLX itself raises a `ValueError` on `np.array` of a bfloat16 array.)
"""
    ),
    code(
        """
import ml_dtypes

exact = [1.0, 3.14159, 1000.5, 1e30]
w = mx.array(exact, dtype=mx.bfloat16)
w_np = np.array(w)
print(w_np, w_np.dtype)
print("relative rounding error:", np.abs(w_np.astype(np.float64) / exact - 1))

back = mx.array(w_np)
print(back.dtype, mx.array_equal(back, w).item())
print(mx.array(np.array([0.1, 0.2], dtype=ml_dtypes.bfloat16)))
"""
    ),
    md(
        """
A bfloat16 array takes half the memory of float32 and computes in bfloat16:
"""
    ),
    code(
        """
big = mx.ones((1000, 1000), dtype=mx.bfloat16)
print(big.nbytes, "bytes, vs", big.astype(mx.float32).nbytes, "in float32")
print("sum in bfloat16:", big.sum(), " in float32:", big.astype(mx.float32).sum())
"""
    ),
    md(
        """
The bfloat16 sum may not be exactly 10⁶: with 8 bits of mantissa, the spacing
between neighbouring bfloat16 numbers near 10⁶ is 4096. Accumulate in
`float32` when you need the exact total.

PyTorch has its own bfloat16; DLPack carries it across:
"""
    ),
    code(
        """
%%if_installed torch
import torch

tb = torch.from_dlpack(w)
print(tb, tb.dtype)
print(mx.array(torch.tensor([0.5, 2.0], dtype=torch.bfloat16)).dtype)
"""
    ),
    md(
        """
## Recap

* `np.array(a, copy=False)` / `np.asarray(a)` / `memoryview(a)`: zero-copy views
  (after evaluating `a`); `np.array(a)` copies; `mx.array(...)` always copies.
* Writing through a view is invisible to the graph: values change, gradients
  do not (`x²` gives gradient 1). Use lumex operations inside differentiated code.
* PyTorch converts through DLPack (`torch.from_dlpack(a)`, `mx.array(tensor)`),
  JAX and TensorFlow through NumPy. Gradients do not cross libraries.
* bfloat16 round-trips through NumPy with `ml_dtypes`.

## Exercises

1. Rewrite `f` so that it still uses NumPy for the squaring but returns the
   correct gradient. (Hint: it cannot; what would `mx.custom_function` let you
   do?)
2. Check with `%%evaltrace` which of `np.asarray(a)`, `memoryview(a)` and
   `bytes(a)` evaluate a pending array, and how each appears in the ledger.
3. Convert a `float16` lumex array to PyTorch and back. Is the dtype kept?
"""
    ),
]
