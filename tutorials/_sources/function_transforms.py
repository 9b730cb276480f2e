"""03_function_transforms: grad, value_and_grad, pytrees, stop_gradient, higher-order
derivatives with the gradient explorer, and vmap with the vmap explorer."""

from . import code, md

CELLS = [
    md(
        """
# Function transforms: `grad`, `value_and_grad` and `vmap`

In lumex (as in MLX and JAX) you do not ask an array for its gradient; you
**transform a function**. `mx.grad(f)` is a new function that returns the
gradient of `f`; `mx.vmap(f)` is a new function that runs `f` over a batch.
Transforms compose: `mx.grad(mx.grad(f))` is the second derivative and
`mx.vmap(mx.grad(f))` gives per-example gradients.

You will learn

1. `mx.grad` and `mx.value_and_grad`, with several arguments and auxiliary outputs,
2. gradients of **pytrees** (dicts and lists of parameters) and a training step,
3. `mx.stop_gradient`, and how a gradient is computed (forward and backward graph, and
   the **backward sweep** that fills each node's gradient in),
4. higher-order derivatives, explored with the **gradient explorer**,
5. `mx.vmap`, explained call by call by the **vmap explorer**, what it saves over a Python
   loop, and whole Jacobians (`vmap` over `vjp`) in the **Jacobian view**.
"""
    ),
    code(
        """
import time

import numpy as np

import lumex.core as mx
from lumex.notebook_ext import gradient_explorer, jacobian_explorer, show, show_grad_graph, vmap_explorer
from lumex.utils import tree_flatten, tree_map
"""
    ),
    md(
        """
## 1. `grad`

`mx.grad(f)` differentiates `f` with respect to its first argument. `f` must
return a scalar (a 0-d array).
"""
    ),
    code(
        """
def f(x):
    return mx.sum(mx.sin(x) * x)

df = mx.grad(f)
x = mx.array([0.5, 1.0, 2.0])
print("f(x)  =", f(x))
print("f'(x) =", df(x))
print("by hand, sin(x) + x cos(x) =", mx.sin(x) + x * mx.cos(x))
"""
    ),
    md(
        """
A gradient is easy to check numerically with a central difference,
`(f(x + h) - f(x - h)) / 2h`, one coordinate at a time:
"""
    ),
    code(
        """
h = 1e-3
eye = mx.eye(3)
numeric = mx.array([(f(x + h * eye[i]) - f(x - h * eye[i])).item() / (2 * h) for i in range(3)])
print(numeric, " max error:", mx.abs(numeric - df(x)).max().item())
"""
    ),
    md(
        """
`argnums` picks which arguments to differentiate; with a tuple you get a tuple
of gradients. `value_and_grad` returns the function's value as well, which is
what a training loop needs (the loss to report, the gradient to step with):
"""
    ),
    code(
        """
def loss(w, b, x, y):
    return mx.mean((w * x + b - y) ** 2)

xs = mx.array([1.0, 2.0, 3.0])
ys = mx.array([2.0, 4.0, 6.5])

dw, db = mx.grad(loss, argnums=(0, 1))(mx.array(1.0), mx.array(0.0), xs, ys)
print("dL/dw =", dw.item(), " dL/db =", db.item())

value, (dw, db) = mx.value_and_grad(loss, argnums=(0, 1))(mx.array(1.0), mx.array(0.0), xs, ys)
print("L =", value.item())
"""
    ),
    md(
        """
If the function returns a tuple, the first item is the value being
differentiated and the rest is passed through untouched (**auxiliary**
outputs, handy for metrics):
"""
    ),
    code(
        """
def loss_with_aux(w, x, y):
    pred = w * x
    return mx.mean((pred - y) ** 2), {"pred": pred, "max_error": mx.abs(pred - y).max()}

(value, aux), dw = mx.value_and_grad(loss_with_aux)(mx.array(1.5), xs, ys)
print(value.item(), dw.item(), aux["max_error"].item())
"""
    ),
    md(
        """
## 2. Pytrees: gradients of whole models

Parameters of a model usually live in nested dicts and lists, called
**pytrees**. `grad` accepts a pytree argument and returns a gradient with
**the same structure**, so you can update every parameter in one line with
`tree_map`. Here is a two-layer network on a toy problem:
"""
    ),
    code(
        """
key = mx.random.key(0)
k1, k2, k3 = mx.random.split(key, 3)
params = {
    "hidden": {"w": mx.random.normal((2, 16), key=k1) * 0.5, "b": mx.zeros((16,))},
    "out": {"w": mx.random.normal((16, 1), key=k2) * 0.5, "b": mx.zeros((1,))},
}

X = mx.random.uniform(-1, 1, (128, 2), key=k3)
Y = (X[:, :1] * X[:, 1:] > 0).astype(mx.float32)   # XOR-like quadrants


def model(p, x):
    h = mx.tanh(x @ p["hidden"]["w"] + p["hidden"]["b"])
    return h @ p["out"]["w"] + p["out"]["b"]


def mse(p, x, y):
    return mx.mean((model(p, x) - y) ** 2)


value, grads = mx.value_and_grad(mse)(params, X, Y)
print("loss:", value.item())
print([(name, g.shape) for name, g in tree_flatten(grads)])
"""
    ),
    md(
        """
`show` displays a tree of arrays; the gradients mirror the parameters:
"""
    ),
    code(
        """
mx.eval(grads)
show(grads)
"""
    ),
    md(
        """
A training step is then: gradient, update every leaf, evaluate the new state
(once per step, as notebook 2 recommends).
"""
    ),
    code(
        """
step = mx.value_and_grad(mse)
for i in range(300):
    value, grads = step(params, X, Y)
    params = tree_map(lambda p, g: p - 0.5 * g, params, grads)
    mx.eval(params, value)
    if i % 100 == 0 or i == 299:
        print(f"step {i:3d}: loss {value.item():.4f}")
"""
    ),
    md(
        """
## 3. `stop_gradient` and the graph of a gradient

`mx.stop_gradient(x)` is `x` in the forward pass but a constant for
differentiation. Compare `x * x` with `x * stop_gradient(x)`:
"""
    ),
    code(
        """
x0 = mx.array(3.0)
print(mx.grad(lambda x: x * x)(x0).item(), "= 2x")
print(mx.grad(lambda x: x * mx.stop_gradient(x))(x0).item(), "= x: the second factor is a constant")
"""
    ),
    md(
        """
Typical uses: a target that must not move (`stop_gradient(target_net(x))`),
or the *straight-through* trick that rounds in the forward pass but lets the
gradient through as if nothing happened:
"""
    ),
    code(
        """
def straight_through_round(x):
    return x + mx.stop_gradient(mx.round(x) - x)

v = mx.array([0.2, 1.7, 2.5])
print("forward:", straight_through_round(v))
print("plain round's gradient:   ", mx.grad(lambda t: mx.round(t).sum())(v))
print("straight-through gradient:", mx.grad(lambda t: straight_through_round(t).sum())(v))
"""
    ),
    md(
        """
How is a gradient computed? `grad` traces the function and walks the recorded
graph backwards, applying each operation's derivative rule (reverse mode).
`show_grad_graph` draws both passes: **blue** is the forward pass, **pink**
depends on the cotangent (the chain rule at work), **violet** is computed for
the backward pass from forward values only (such as `cos(x)` for `sin`), and
dashed edges are forward values the backward pass reads. Notebook 7 builds
this machinery from scratch.
"""
    ),
    code(
        """
show_grad_graph(f, mx.array([0.5, 1.0, 2.0]))
"""
    ),
    md(
        """
The backward pass visits the forward graph from the output back to the
inputs, in reverse topological order, and gives every node its gradient (the
cotangent: how much the output changes per unit change of that node). `.sweep()`
shows each node with its value and that gradient, and animates the order the
engine computed them in (press *play* in a live notebook; the saved notebook
keeps the finished picture). The numbers are the engine's own, not a re-derivation:
"""
    ),
    code(
        """
sweep = show_grad_graph(f, mx.array([0.5, 1.0, 2.0])).sweep()
for line in sweep.steps():
    print(line)
sweep
"""
    ),
    md(
        """
## 4. Higher-order derivatives

`mx.grad(f)` is an ordinary function, so it can be differentiated again. For
`g(t) = sin(t) · t`:
"""
    ),
    code(
        """
g = lambda t: mx.sin(t) * t
dg = mx.grad(g)
d2g = mx.grad(dg)
d3g = mx.grad(d2g)
t = mx.array(1.0)
print(f"g={g(t).item():.4f}  g'={dg(t).item():.4f}  g''={d2g(t).item():.4f}  g'''={d3g(t).item():.4f}")
print(f"by hand g'' = 2 cos t - t sin t = {(2 * mx.cos(t) - t * mx.sin(t)).item():.4f}")
"""
    ),
    md(
        """
The **gradient explorer** plots `f`, `f′ = grad(f)` and `f″ = grad(grad(f))`
with the tangent line at a point you move with the slider, and compares the
gradient with a central difference whose step `h` you can also move. (The
sliders need a live notebook; a saved notebook shows the picture for the
starting point.)
"""
    ),
    code(
        """
explorer = gradient_explorer(g, 1.0)
explorer
"""
    ),
    md(
        """
The numbers behind the picture are in `explorer.values`, and calling
`explorer.compute(x)` moves the point from code. Watch the finite-difference
error: too large an `h` and the difference is a poor approximation, too small
and `float32` rounding takes over.
"""
    ),
    code(
        """
for h in (1e-1, 1e-2, 1e-3, 1e-5):
    v = explorer.compute(2.0, h=h)
    print(f"h={h:.0e}: grad {v['df']:+.6f}, central difference {v['fd']:+.6f}, |error| {v['fd_error']:.1e}")
"""
    ),
    md(
        """
Give it a start point with two coordinates and it explores a function of two
variables: a contour plot, the gradient field (arrows) and the gradient at
the point. The arrows point uphill; gradient descent walks against them.
"""
    ),
    code(
        """
gradient_explorer(lambda u, v: u**2 + 3 * v**2 + u * v, (1.0, -1.0))
"""
    ),
    md(
        """
## 5. `vmap`: write it for one example, run it on a batch

`mx.vmap(f, in_axes, out_axes)` turns a function written for one example into
one that takes a batch. `in_axes` says which axis of each input is the batch
axis (`None`: the input is shared by every call); `out_axes` says where the
batch axis goes in the output.

The **vmap explorer** shows what that means call by call: which slice of each
input a call sees, what it returns, and where that lands in the output. It
also checks that `vmap` gives the same result as the loop, and times both.
Move the slider (in a live notebook) to step through the calls.
"""
    ),
    code(
        """
rows = mx.arange(6.0).reshape(3, 2)
bias = mx.array([10.0, 20.0])
vmap_explorer(lambda row, b: row * b + 1, (0, None), 1, rows, bias)
"""
    ),
    md(
        """
Here each call gets one row of `rows` (`in_axes=0`) and the whole `bias`
(`None`), and returns a vector of 2; with `out_axes=1` the three results
become the three **columns** of a `(2, 3)` output.

### Why not a Python loop?

A loop calls the function once per example and records a separate small graph
for each; `vmap` records **one** graph over the whole batch. A per-example
function that is not trivially batched, the distance from a point to its
nearest centre, shows the difference:
"""
    ),
    code(
        """
def nearest_distance(point, centres):
    return mx.sqrt(((centres - point) ** 2).sum(axis=-1)).min()

points = mx.random.normal((512, 8), key=mx.random.key(2))
centres = mx.random.normal((32, 8), key=mx.random.key(3))
mx.eval(points, centres)

def naive():
    return mx.stack([nearest_distance(p, centres) for p in points])

batched = mx.vmap(nearest_distance, in_axes=(0, None))

def timed(fn, repeats=5):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        mx.eval(out)
        best = min(best, time.perf_counter() - t0)
    return best, out

t_loop, a = timed(naive)
t_vmap, b = timed(lambda: batched(points, centres))
print(f"python loop: {1e3 * t_loop:7.2f} ms")
ratio = t_loop / t_vmap
speed = f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"
print(f"vmap:        {1e3 * t_vmap:7.2f} ms   ({speed})")
print("same result:", mx.allclose(a, b).item())
"""
    ),
    md(
        """
### Per-example gradients

Compose `vmap` with `grad` to get one gradient **per example**, something a
framework that stores gradients on tensors has no direct way to do. For the
linear model of section 1:
"""
    ),
    code(
        """
def example_loss(w, x, y):
    return (w * x - y) ** 2

per_example = mx.vmap(mx.grad(example_loss), in_axes=(None, 0, 0))(mx.array(1.5), xs, ys)
print("per-example gradients:", per_example)
print("their mean:", per_example.mean().item(),
      "= the batch gradient:", mx.grad(lambda w: mx.mean(example_loss(w, xs, ys)))(mx.array(1.5)).item())
"""
    ),
    md(
        """
### Whole Jacobians: `vmap` over `vjp`

One reverse pass (`mx.vjp` with cotangent `e_i`) gives one row of the Jacobian:
the gradient of output `i`. `vmap` runs all the rows at once, over the rows of
the identity. `jacobian_explorer` does exactly that and draws the matrix beside
a central finite-difference Jacobian (one column per nudged input), with their
difference: a gradient check you can see.
"""
    ),
    code(
        """
def pairwise(v):
    return mx.sin(v) * v[::-1]  # output i reads inputs i and n-1-i

v0 = mx.array([0.5, 1.0, 2.0, -1.0])
rows = mx.vmap(lambda ct: mx.vjp(pairwise, [v0], [ct])[1][0])(mx.eye(4))
print(rows)
jac = jacobian_explorer(pairwise, v0)
print("max |J - finite difference|:", f"{jac.max_error:.1e}")
jac
"""
    ),
    md(
        """
## Recap

* `mx.grad(f, argnums=...)` and `mx.value_and_grad` transform functions; a tuple
  result `(value, aux)` carries extra outputs through.
* Gradients of pytrees have the structure of the parameters; `tree_map`
  applies an update to every leaf.
* `mx.stop_gradient` makes a value constant for differentiation.
* Transforms compose: `grad(grad(f))`, `vmap(grad(f))`, `vmap(vjp)` for whole
  Jacobians. The gradient explorer, the backward sweep, the vmap explorer and
  the Jacobian view make them visible.
* `vmap` records one graph for the batch instead of one per example.

## Exercises

1. Use `mx.grad(..., argnums=(0, 1))` on `loss` and run 100 steps of gradient
   descent on `w` and `b` together. Which values do they reach?
2. Open `gradient_explorer(lambda t: mx.abs(t), 0.5)`. What does `grad` return
   at exactly 0, and what does the central difference say?
3. In the vmap explorer cell, change `out_axes` to `0`. What is the shape of the
   output now, and where does call 1 land?
4. Time `naive` and `batched` with 64 points instead of 512. When is the loop
   good enough?
"""
    ),
]
