"""07_autodiff_from_scratch: a scalar reverse-mode engine built in the notebook, then the
same computation in lumex with its forward and backward graph."""

from . import code, md

CELLS = [
    md(
        """
# Automatic differentiation from scratch

`mx.grad` can look like magic. It is not: reverse-mode automatic
differentiation is the chain rule applied to a recorded graph, and a working
version fits in one notebook cell. We build one for single numbers, use it on
a small neuron, then run the same computation in lumex and look at the graph
lumex records, forward and backward.

You will learn

1. how a value can remember how it was computed (a graph of **local derivatives**),
2. how one backward sweep in **topological order** gives every gradient,
3. why gradients must be **accumulated** when a value is used twice,
4. how the same ideas look in lumex's graph (`show_graph`, `show_grad_graph`, its backward
   sweep) and in a Jacobian,
5. why real libraries work on arrays, not single numbers.
"""
    ),
    code(
        """
import math
import time

import lumex.core as mx
from lumex.notebook_ext import jacobian_explorer, show_grad_graph, show_graph
"""
    ),
    md(
        """
## 1. A number that remembers where it came from

Every `Scalar` stores its value, the scalars it was computed from (its
`parents`) and, for each parent, the **local derivative** `∂ self / ∂ parent`,
worked out at the moment the operation runs. For `c = a * b` these are `b` and
`a`; for `c = tanh(a)` it is `1 - c²`.

`grad` starts at 0 and is filled in by the backward pass.
"""
    ),
    code(
        """
class Scalar:
    def __init__(self, value, parents=(), local_grads=(), op="", name=""):
        self.value = float(value)
        self.parents = parents
        self.local_grads = local_grads
        self.op = op
        self.name = name
        self.grad = 0.0

    @staticmethod
    def lift(other):
        return other if isinstance(other, Scalar) else Scalar(other, name=repr(other))

    def __add__(self, other):
        other = Scalar.lift(other)
        return Scalar(self.value + other.value, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = Scalar.lift(other)
        return Scalar(self.value * other.value, (self, other), (other.value, self.value), "*")

    def __pow__(self, k):  # k is a plain number
        return Scalar(self.value**k, (self,), (k * self.value ** (k - 1),), f"**{k}")

    def tanh(self):
        t = math.tanh(self.value)
        return Scalar(t, (self,), (1 - t * t,), "tanh")

    def exp(self):
        e = math.exp(self.value)
        return Scalar(e, (self,), (e,), "exp")

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-Scalar.lift(other))

    def __truediv__(self, other):
        return self * Scalar.lift(other) ** -1

    def __repr__(self):
        return f"Scalar({self.value:.4f}, grad={self.grad:.4f})"
"""
    ),
    md(
        """
## 2. The backward pass

To get `∂ out / ∂ v` for every `v` in the graph:

1. list the nodes in **topological order** (every node after its parents),
2. set `out.grad = 1`,
3. walk the list **backwards**; each node passes `local_grad * node.grad` to
   each parent, **adding** to what the parent already has.

Step 3 is the chain rule: a parent's gradient is the sum, over every path
to the output, of the product of local derivatives along the path. Walking
backwards guarantees that a node's gradient is complete before it is passed
on. The sort below uses an explicit stack instead of recursion, so deep graphs
do not hit Python's recursion limit.
"""
    ),
    code(
        """
def topological_order(out):
    order, done = [], set()
    stack = [(out, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in done:
            done.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if id(p) not in done)
    return order


def backward(out):
    order = topological_order(out)
    for node in order:
        node.grad = 0.0
    out.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
    return order
"""
    ),
    md(
        """
## 3. A neuron

One neuron with two inputs: `out = tanh(w1·x1 + w2·x2 + b)`.
"""
    ),
    code(
        """
x1, x2 = Scalar(2.0, name="x1"), Scalar(-1.0, name="x2")
w1, w2 = Scalar(0.5, name="w1"), Scalar(-1.5, name="w2")
b = Scalar(0.3, name="b")

out = (w1 * x1 + w2 * x2 + b).tanh()
order = backward(out)

def describe(order):
    ids = {id(n): i for i, n in enumerate(order)}
    for i, n in enumerate(order):
        made = n.op + "(" + ", ".join(f"n{ids[id(p)]}" for p in n.parents) + ")" if n.op else "input"
        print(f"n{i:<2} {n.name or '':>3} {made:<14} value {n.value:+.4f}   grad {n.grad:+.4f}")

describe(order)
"""
    ),
    md(
        """
Read it bottom up, as the backward pass did: `out.grad = 1`; `tanh` passes
`1 - out²` to the sum; `+` passes its gradient unchanged to both sides; `*`
passes the *other* factor. So `∂ out / ∂ w1 = (1 - out²) · x1`. Check one
gradient with a central difference:
"""
    ),
    code(
        """
def neuron_value(w1_value):
    return math.tanh(w1_value * 2.0 + -1.5 * -1.0 + 0.3)

h = 1e-6
print("backward pass:    ", w1.grad)
print("central difference:", (neuron_value(0.5 + h) - neuron_value(0.5 - h)) / (2 * h))
"""
    ),
    md(
        """
### Why `+=`: values used twice

If a value feeds two operations, gradient arrives along both paths and must be
**summed**. `y = x * x` uses `x` twice; its derivative is `2x`. With `=`
instead of `+=` in `backward`, the second path would overwrite the first and
the answer would be `x`:
"""
    ),
    code(
        """
x = Scalar(3.0, name="x")
y = x * x
backward(y)
print("d(x*x)/dx at 3:", x.grad)
"""
    ),
    md(
        """
## 4. The same neuron in lumex

In lumex the inputs are arrays, and the function is an ordinary Python
function. Building the output records the same kind of graph; `show_graph`
draws it before anything is computed (the output is still pending):
"""
    ),
    code(
        """
def neuron(w1, w2, b, x1, x2):
    return mx.tanh(w1 * x1 + w2 * x2 + b)

args = [mx.array(v) for v in (0.5, -1.5, 0.3, 2.0, -1.0)]
with mx.graph.record_sites():
    y = neuron(*args)
show_graph(y, w1=args[0], w2=args[1], b=args[2], x1=args[3], x2=args[4], out=y)
"""
    ),
    md(
        """
`mx.grad` with `argnums=(0, 1, 2)` gives the gradients with respect to the
weights and the bias. They match the scalar engine:
"""
    ),
    code(
        """
grads = mx.grad(neuron, argnums=(0, 1, 2))(*args)
for name, ours, theirs in zip(("w1", "w2", "b"), (w1, w2, b), grads):
    print(f"{name}: scratch {ours.grad:+.6f}   lumex {theirs.item():+.6f}")
"""
    ),
    md(
        """
`show_grad_graph` draws what `grad` builds: the forward pass (blue), then the
backward pass. The input labelled `cotangent` plays the role of
`out.grad = 1`. Pink
nodes depend on it: they are the `local_grad * node.grad` products and the
sums of step 3. Violet nodes are local derivatives computed from forward
values only, like `1 - out²` for `tanh` (the `Square` and `Subtract`). Dashed edges mark forward values the
backward pass reads, which is why a framework must keep them in memory
until the backward pass is done.
"""
    ),
    code(
        """
def neuron_w(w1, w2, b):
    return neuron(w1, w2, b, args[3], args[4])

show_grad_graph(neuron_w, *args[:3])
"""
    ),
    md(
        """
Our `backward` sorted the nodes topologically and walked them in reverse,
giving each its `.grad`. lumex's backward pass does the same walk over its
graph. `.sweep()` on the graph view shows every forward node with its value and
the gradient the engine computed for it (`∇`), and animates the order the
engine filled them in: press *play* (in a live notebook; a saved one keeps the
finished picture). Compare the numbers with the `Scalar` engine's `.grad`s above:
"""
    ),
    code(
        """
sweep = show_grad_graph(neuron_w, *args[:3]).sweep()
for line in sweep.steps():
    print(line)
sweep
"""
    ),
    md(
        """
One backward pass gives the gradient of **one** output. A function with
several outputs has a Jacobian, one row per output, so reverse mode needs one
pass per row; `vmap` runs them together. Here is a layer of three of our
neurons sharing the inputs `x1, x2`: the Jacobian of its three outputs with
respect to the two inputs, beside a finite-difference check:
"""
    ),
    code(
        """
W = mx.array([[0.5, -1.5], [1.0, 0.2], [-0.3, 0.8]])
bias = mx.array([0.3, -0.1, 0.0])

def layer(x):
    return mx.tanh(W @ x + bias)

jacobian_explorer(layer, mx.array([2.0, -1.0]))
"""
    ),
    md(
        """
Two differences from our scratch engine are worth naming:

* Our `Scalar` computes local derivatives as plain numbers. lumex writes each
  derivative rule with lumex operations, so the backward pass is itself a
  graph, which can be differentiated again: `mx.grad(mx.grad(f))` works, while
  `Scalar` cannot give second derivatives.
* Our graph is built as a side effect of arithmetic on special numbers, like
  PyTorch's. lumex traces a **function** and returns gradients, so there is no
  `.grad` state to reset between steps.

## 5. Why arrays

A scalar engine makes one Python object per number. Here is a small
two-layer network (2 inputs, 16 hidden units, 1 output) on 32 examples, its
mean squared error and gradient computed both ways:
"""
    ),
    code(
        """
key = mx.random.key(0)
kx, kw1, kw2 = mx.random.split(key, 3)
X = mx.random.uniform(-1, 1, (32, 2), key=kx)
Y = mx.sin(3 * X[:, 0:1]) * X[:, 1:2]
W1 = mx.random.normal((2, 16), key=kw1) * 0.5
W2 = mx.random.normal((16, 1), key=kw2) * 0.5
mx.eval(X, Y, W1, W2)


def mse_lumex(W1, W2):
    return mx.mean((mx.tanh(X @ W1) @ W2 - Y) ** 2)


def mse_scratch(W1s, W2s):
    total = Scalar(0.0)
    for x_row, y_row in zip(X.tolist(), Y.tolist()):
        hidden = [sum((W1s[i][j] * x_row[i] for i in range(2)), Scalar(0.0)).tanh() for j in range(16)]
        pred = sum((hidden[j] * W2s[j][0] for j in range(16)), Scalar(0.0))
        total = total + (pred - y_row[0]) ** 2
    return total / len(X.tolist())


W1s = [[Scalar(v) for v in row] for row in W1.tolist()]
W2s = [[Scalar(v) for v in row] for row in W2.tolist()]
t0 = time.perf_counter()
loss_s = mse_scratch(W1s, W2s)
nodes = len(backward(loss_s))
t1 = time.perf_counter()
loss_l, (g1, g2) = mx.value_and_grad(mse_lumex, argnums=(0, 1))(W1, W2)
mx.eval(loss_l, g1, g2)
t2 = time.perf_counter()

print(f"scratch: loss {loss_s.value:.6f}, {nodes} Scalar nodes, {1e3 * (t1 - t0):7.2f} ms")
print(f"lumex:   loss {loss_l.item():.6f}, {mx.graph.pending_count(mse_lumex(W1, W2))} array nodes, {1e3 * (t2 - t1):7.2f} ms")
max_diff = max(abs(W1s[i][j].grad - g1[i, j].item()) for i in range(2) for j in range(16))
print("largest difference between the W1 gradients:", max_diff)
"""
    ),
    md(
        """
Thousands of scalar nodes against about ten array nodes: the array graph
describes the same computation, with the loops moved into compiled kernels.
The mathematics is identical, which is why the gradients agree to `float32`
precision.

## Recap

* Reverse mode records each operation with its local derivatives, sorts the
  graph topologically and sweeps it backwards, multiplying and **summing**.
* lumex's graph has the same structure over arrays; `show_grad_graph` shows
  the backward pass it builds, `.sweep()` replays it node by node with values
  and gradients, and because its rules are lumex operations, gradients can be
  differentiated again.
* One reverse pass per output: the rows of the Jacobian (`jacobian_explorer`).

## Exercises

1. Add `relu` (`max(0, x)`, local derivative 0 or 1) and `log` to `Scalar`, and
   check them against `mx.grad`.
2. Break `backward` on purpose by replacing `+=` with `=`. Which gradients of
   the neuron change, and why do some stay right?
3. Use `show_grad_graph(lambda t: t * t, mx.array(3.0))` and find the two
   products that are summed into the gradient.
4. Compute the second derivative of `tanh` at 0.5 with `mx.grad(mx.grad(mx.tanh))`
   and compare it with `-2 tanh(x) (1 - tanh(x)²)`.
"""
    ),
]
