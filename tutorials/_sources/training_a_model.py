"""09_training_a_model: an MLP trained with lumex.nn and lumex.optimizers, its parameter
tree, the graph of one training step, a compiled step, and saving a checkpoint."""

from . import code, md

CELLS = [
    md(
        """
# Training a model

After "what is a gradient", the next lesson trains a model. This notebook
trains a small multi-layer perceptron to classify points of a synthetic
dataset, with the same code you would write for MLX:

```python
import mlx.nn as nn            ->   import lumex.nn as nn
import mlx.optimizers as optim ->   import lumex.optimizers as optim
```

You will learn

1. to define a model as an `nn.Module` and look at its **parameter tree**,
2. to write the training step: loss, `nn.value_and_grad`, `optimizer.update`,
3. to see **the graph of one training step** (forward, backward and update) before it runs,
4. to compile the step with its state, and to save and restore a checkpoint.

Everything is seeded, so the numbers below are the same on every run (and,
with the same seed, the same as MLX's).
"""
    ),
    code(
        """
import tempfile
import time
from pathlib import Path

import numpy as np

import lumex.core as mx
import lumex.nn as nn
import lumex.optimizers as optim
from lumex.notebook_ext import show, show_graph
from lumex.utils import tree_flatten, tree_unflatten
"""
    ),
    md(
        """
## 1. The data: three interleaved spirals

600 points in the plane, 200 per class. No straight line separates them, so a
linear model cannot do well; a small MLP can.
"""
    ),
    code(
        """
def spirals(n_per_class, classes=3, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(classes):
        t = np.linspace(0.2, 1.0, n_per_class)
        angle = 3 * np.pi * t + 2 * np.pi * c / classes  # one and a half turns
        arm = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1)
        xs.append(arm + rng.normal(0, noise, (n_per_class, 2)))
        ys.append(np.full(n_per_class, c))
    order = rng.permutation(n_per_class * classes)
    return np.concatenate(xs)[order].astype(np.float32), np.concatenate(ys)[order].astype(np.uint32)


X_np, y_np = spirals(200)
X, y = mx.array(X_np), mx.array(y_np)
X_train, y_train, X_test, y_test = X[:480], y[:480], X[480:], y[480:]
print(X_train.shape, y_train.shape, X_test.shape)
"""
    ),
    md(
        """
## 2. The model and its parameter tree

A module is a dict of its parameters and sub-modules. `Linear(2, 32)` holds a
`weight` of shape `(32, 2)` and a `bias` of shape `(32,)`, initialized from
`mx.random` (seeded here). The list of layers becomes a list in the tree.
"""
    ),
    code(
        """
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = [nn.Linear(i, o) for i, o in zip(sizes[:-1], sizes[1:])]

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = nn.relu(layer(x))
        return self.layers[-1](x)


mx.random.seed(0)
model = MLP([2, 32, 32, 3])
model
"""
    ),
    md(
        """
`show` displays the parameter tree: every leaf with its path, shape, dtype and
status. The parameters are not computed yet (initialization is lazy too), and
displaying them does not compute them.
"""
    ),
    code(
        """
show(model.parameters())
"""
    ),
    code(
        """
n_params = sum(p.size for _, p in tree_flatten(model.parameters()))
print(f"{n_params} parameters")
"""
    ),
    md(
        """
## 3. One training step, and its graph

The loss is the mean cross-entropy of the logits. `nn.value_and_grad(model, fn)`
differentiates `fn` with respect to the model's trainable parameters and returns
the loss and a gradient tree shaped like the parameters. The optimizer turns
the gradients into new parameters and keeps its own state (here Adam's two
moment estimates per parameter).
"""
    ),
    code(
        """
def loss_fn(model, x, y):
    return mx.mean(nn.losses.cross_entropy(model(x), y))


loss_and_grad = nn.value_and_grad(model, loss_fn)
optimizer = optim.Adam(learning_rate=0.01)

loss, grads = loss_and_grad(model, X_train, y_train)
optimizer.update(model, grads)
"""
    ),
    md(
        """
Nothing has run yet: `loss` and the model's new parameters are a graph. Draw
it: the forward pass (matmuls, ReLUs, the cross-entropy), the backward pass
and Adam's update, all pending. Use the search box and click a node to
highlight what it depends on.
"""
    ),
    code(
        """
show_graph(loss=loss, w_out=model.layers[-1].weight, title="one training step")
"""
    ),
    md(
        """
The tree now shows the updated parameters as pending results. One `mx.eval` of
the parameters, the optimizer state and the loss computes the whole step in
one pass.
"""
    ),
    code(
        """
mx.eval(loss, model.parameters(), optimizer.state)
print(f"loss after the first step's forward pass: {loss.item():.4f}")
show(optimizer.state)
"""
    ),
    md(
        """
## 4. The training loop

Evaluate once per step: the parameters, the optimizer state and the loss.
Evaluating less often lets the graph grow from step to step (tutorial 08);
evaluating inside the step (an `.item()` in the loss) breaks batching.
"""
    ),
    code(
        """
def accuracy(model, x, y):
    return mx.mean(mx.argmax(model(x), axis=1) == y).item()


def train(step, steps):
    losses = []
    for _ in range(steps):
        loss = step(X_train, y_train)
        mx.eval(loss, model.parameters(), optimizer.state)
        losses.append(loss.item())
    return losses


def step(x, y):
    loss, grads = loss_and_grad(model, x, y)
    optimizer.update(model, grads)
    return loss


t0 = time.perf_counter()
losses = train(step, 150)
elapsed = time.perf_counter() - t0
for i in (0, 24, 49, 99, 149):
    print(f"step {i + 2:3d}: loss {losses[i]:.4f}")
print(f"test accuracy {accuracy(model, X_test, y_test):.3f}  ({1e3 * elapsed / 150:.2f} ms per step)")
"""
    ),
    md(
        """
## 5. A compiled step

`mx.compile` traces the step once and replays it. The step reads and writes
state that is not among its arguments (the model's parameters and the
optimizer's state), so declare it: `inputs=` and `outputs=` take the trees,
and the compiled step updates them in place, as the Python step does.
"""
    ),
    code(
        """
state = [model.state, optimizer.state]
compiled_step = mx.compile(step, inputs=state, outputs=state)

t0 = time.perf_counter()
more = train(compiled_step, 150)
elapsed = time.perf_counter() - t0
print(f"loss {more[0]:.4f} -> {more[-1]:.4f}, test accuracy {accuracy(model, X_test, y_test):.3f}")
print(f"{1e3 * elapsed / 150:.2f} ms per compiled step (the first one traces)")
"""
    ),
    md(
        """
## 6. Checkpoints

Parameters and optimizer state are trees of arrays: flatten them to
`name -> array` and save them as `.safetensors`. Restoring the optimizer state
as well as the weights lets training continue exactly where it stopped (Adam's
moments and the step count included).
"""
    ),
    code(
        """
folder = Path(tempfile.mkdtemp(prefix="lumex-tutorial-"))
model.save_weights(str(folder / "mlp.safetensors"))
mx.save_safetensors(str(folder / "adam.safetensors"), dict(tree_flatten(optimizer.state)))

restored = MLP([2, 32, 32, 3])
restored.load_weights(str(folder / "mlp.safetensors"))
restored_optimizer = optim.Adam(learning_rate=0.01)
restored_optimizer.state = tree_unflatten(list(mx.load(str(folder / "adam.safetensors")).items()))

print("step count restored:", restored_optimizer.step.item())
print("same predictions:", mx.array_equal(restored(X_test), model(X_test)).item())
"""
    ),
    md(
        """
## Summary

* A model is an `nn.Module`: a tree of parameters you can `show`, flatten,
  save and load.
* One training step is `nn.value_and_grad` + `optimizer.update` + one
  `mx.eval` of the loss, the parameters and the optimizer state.
* `show_graph` draws the whole step (forward, backward, update) before it runs.
* `mx.compile(step, inputs=state, outputs=state)` compiles a step that updates
  the model and the optimizer in place.
"""
    ),
]
