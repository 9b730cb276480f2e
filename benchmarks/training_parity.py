#!/usr/bin/env python3
"""Seeded training runs that must give MLX's numbers on lumex.

Two programs written the way MLX's examples are (``mnist/main.py`` and
``transformer_lm/main.py`` of ml-explore/mlx-examples), with the data download
replaced by seeded synthetic arrays:

* ``mlp``: an MNIST-style MLP, 784 -> 512 -> 512 -> 10, SGD, batch 256;
* ``transformer``: a small decoder-only language model (embedding, sinusoidal
  positions, a pre-norm ``nn.TransformerEncoder`` with a causal mask, output
  projection), SGD with momentum on a warm-up + cosine schedule.

The same source runs on either engine: ``--backend lumex`` imports
``lumex.core``/``lumex.nn``/``lumex.optimizers``, ``--backend mlx`` the real
``mlx`` packages. With the same ``mx.random.seed`` the initial parameters are
the same bits, so the per-step losses agree to float32 rounding. Rounding
differences (other BLAS kernels sum in another order) grow as training goes on,
so "float32 rounding" is measured, not assumed: MLX is also run with every
initial parameter nudged by one ulp, and lumex must stay about as close to MLX
as that run does. (Adam is a poor subject for this: it divides near-zero
gradients by their own size, so last-bit differences become full-size steps.)

    python benchmarks/training_parity.py --backend lumex          # JSON of losses
    python benchmarks/training_parity.py --mlx-python /work/mlxvenv/bin/python
        # runs both (mlx in that interpreter) and prints the side-by-side table

``tests/test_training_parity.py`` runs the comparison when ``LUMEX_MLX_PYTHON``
names an interpreter that has ``mlx``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import time

import numpy as np

STEPS = 30
SEED = 0


def nudge(mx, model):
    """Moves every parameter by about one float32 ulp: the reference perturbation.

    Training amplifies a difference in the last bit; how far the nudged run
    drifts from the plain one on the same engine is the scale that "equal to
    float32 rounding" is measured against.
    """
    from importlib import import_module

    tree_map = import_module(mx.__name__.rsplit(".", 1)[0] + ".utils").tree_map
    model.update(tree_map(lambda p: p * (1 + 2.0**-23), model.parameters()))
    mx.eval(model.parameters())


def load_backend(name):
    """(core, nn, optimizers) of ``lumex`` or ``mlx``."""
    return tuple(importlib.import_module(f"{name}.{sub}") for sub in ("core", "nn", "optimizers"))


# ---- the MNIST-style MLP ----


def mnist_like(seed, n_train=2048, n_test=512, dim=784, classes=10):
    """Noisy copies of one random "digit" per class, pixels in [0, 1): learnable in a few steps."""
    rng = np.random.default_rng(seed)
    prototypes = rng.random((classes, dim), dtype=np.float32)
    labels = rng.integers(0, classes, size=n_train + n_test).astype(np.uint32)
    noise = rng.random((n_train + n_test, dim), dtype=np.float32)
    images = 0.3 * prototypes[labels] + 0.7 * noise
    return images[:n_train], labels[:n_train], images[n_train:], labels[n_train:]


def run_mlp(backend, steps=STEPS, seed=SEED, perturb=False):
    mx, nn, optim = load_backend(backend)

    class MLP(nn.Module):
        def __init__(self, sizes):
            super().__init__()
            self.layers = [nn.Linear(i, o) for i, o in zip(sizes[:-1], sizes[1:])]

        def __call__(self, x):
            for layer in self.layers[:-1]:
                x = mx.maximum(layer(x), 0.0)
            return self.layers[-1](x)

    def loss_fn(model, x, y):
        return mx.mean(nn.losses.cross_entropy(model(x), y))

    def accuracy(model, x, y):
        return mx.mean(mx.argmax(model(x), axis=1) == y).item()

    np.random.seed(seed)
    mx.random.seed(seed)
    train_x, train_y, test_x, test_y = map(mx.array, mnist_like(seed))
    model = MLP([784, 512, 512, 10])
    mx.eval(model.parameters())
    if perturb:
        nudge(mx, model)
    optimizer = optim.SGD(learning_rate=0.1)
    loss_and_grad = nn.value_and_grad(model, loss_fn)

    losses, accuracies, batch = [], [], 256
    while len(losses) < steps:
        perm = mx.array(np.random.permutation(train_y.size))
        for s in range(0, train_y.size, batch):
            ids = perm[s : s + batch]
            loss, grads = loss_and_grad(model, train_x[ids], train_y[ids])
            optimizer.update(model, grads)
            mx.eval(model.parameters(), optimizer.state)
            losses.append(loss.item())
            if len(losses) % 10 == 0:
                accuracies.append(accuracy(model, test_x, test_y))
            if len(losses) == steps:
                break
    return {"loss": losses, "test_accuracy": accuracies}


# ---- the transformer language model ----


def markov_text(seed, vocab=96, length=40000):
    """A token stream from a seeded sparse Markov chain: predictable enough to learn quickly."""
    rng = np.random.default_rng(seed)
    successors = rng.integers(0, vocab, size=(vocab, 4))
    tokens = np.empty(length, dtype=np.uint32)
    tokens[0] = 0
    choice = rng.integers(0, 4, size=length)
    for i in range(1, length):
        tokens[i] = successors[tokens[i - 1], choice[i]]
    return tokens


def windows(tokens, context):
    """All (input, target) windows of ``context`` tokens, the target shifted by one."""
    view = np.lib.stride_tricks.sliding_window_view(tokens, context + 1)
    return view[:, :-1], view[:, 1:]


def run_transformer(backend, steps=STEPS, seed=SEED, perturb=False, vocab=96, dims=64, heads=4, blocks=2, context=32,
                    batch=16):
    mx, nn, optim = load_backend(backend)

    class TransformerLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, dims)
            self.pe = nn.SinusoidalPositionalEncoding(dims)
            self.transformer = nn.TransformerEncoder(blocks, dims, heads, norm_first=True)
            self.out_proj = nn.Linear(dims, vocab)

        def __call__(self, x):
            length = x.shape[1]
            mask = nn.MultiHeadAttention.create_additive_causal_mask(length)
            x = self.embedding(x) + self.pe(mx.arange(length))
            return self.out_proj(self.transformer(x, mask))

        def loss(self, x, y):
            return mx.mean(nn.losses.cross_entropy(self(x), y))

    np.random.seed(seed)
    mx.random.seed(seed)
    inputs, targets = windows(markov_text(seed, vocab), context)
    model = TransformerLM()
    mx.eval(model.parameters())
    if perturb:
        nudge(mx, model)
    warmup = optim.linear_schedule(0.0, 0.1, steps=10)
    schedule = optim.join_schedules([warmup, optim.cosine_decay(0.1, 100, end=0.01)], [10])
    optimizer = optim.SGD(learning_rate=schedule, momentum=0.9, weight_decay=1e-4)
    loss_and_grad = nn.value_and_grad(model, model.loss)

    losses = []
    for _ in range(steps):
        ids = np.random.randint(0, inputs.shape[0], size=batch)
        x, y = mx.array(inputs[ids]), mx.array(targets[ids])
        loss, grads = loss_and_grad(x, y)
        optimizer.update(model, grads)
        mx.eval(loss, model.parameters(), optimizer.state)
        losses.append(loss.item())
    return {"loss": losses}


PROGRAMS = {"mlp": run_mlp, "transformer": run_transformer}


def run_all(backend, steps=STEPS, only=tuple(PROGRAMS), perturb=False):
    out = {}
    for name in only:
        start = time.perf_counter()
        out[name] = PROGRAMS[name](backend, steps, perturb=perturb)
        out[name]["seconds"] = time.perf_counter() - start
    return out


# ---- comparison ----


def run_in(python, backend, steps=STEPS, only=tuple(PROGRAMS), perturb=False, timeout=900):
    """Runs this script under ``python`` with ``--backend`` and returns its results."""
    cmd = [python, __file__, "--backend", backend, "--steps", str(steps), "--only", ",".join(only)]
    cmd += ["--perturb"] if perturb else []
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)


def max_relative_difference(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-30)))


def compare(lumex, mlx, nudged=None):
    """Per program: the largest relative loss difference lumex/MLX (and nudged MLX/MLX), and a table."""
    lines, worst, drift = [], {}, {}
    for name in lumex:
        a, b = lumex[name]["loss"], mlx[name]["loss"]
        c = nudged[name]["loss"] if nudged else None
        worst[name] = max_relative_difference(a, b)
        lines.append(f"{name}: {len(a)} steps, lumex {lumex[name]['seconds']:.2f} s, mlx {mlx[name]['seconds']:.2f} s")
        head = f"  {'step':>4} {'lumex loss':>14} {'mlx loss':>14} {'rel diff':>9}"
        lines.append(head + (f" {'mlx nudged 1ulp':>16}" if c else ""))
        for i, (x, y) in enumerate(zip(a, b)):
            row = f"  {i + 1:>4} {x:>14.8f} {y:>14.8f} {abs(x - y) / abs(y):>9.1e}"
            lines.append(row + (f" {abs(c[i] - y) / abs(y):>16.1e}" if c else ""))
        if "test_accuracy" in lumex[name]:
            lines.append(f"  test accuracy: lumex {lumex[name]['test_accuracy']}  mlx {mlx[name]['test_accuracy']}")
        lines.append(f"  max relative difference lumex/mlx: {worst[name]:.2e}")
        if c:
            drift[name] = max_relative_difference(c, b)
            lines.append(f"  max relative difference of MLX with itself, parameters nudged by 1 ulp: {drift[name]:.2e}")
    return worst, drift, "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("lumex", "mlx"), help="run the programs on this engine, print JSON")
    parser.add_argument("--mlx-python", help="an interpreter with mlx: run both engines and compare")
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--only", default=",".join(PROGRAMS), help="comma-separated programs (mlp, transformer)")
    parser.add_argument("--perturb", action="store_true", help="nudge the initial parameters by one ulp")
    args = parser.parse_args()
    only = tuple(args.only.split(","))
    if args.backend:
        print(json.dumps(run_all(args.backend, args.steps, only, args.perturb)))
        return 0
    if not args.mlx_python:
        parser.error("give --backend, or --mlx-python to compare with MLX")
    lumex = run_in(sys.executable, "lumex", args.steps, only)
    mlx = run_in(args.mlx_python, "mlx", args.steps, only)
    nudged = run_in(args.mlx_python, "mlx", args.steps, only, perturb=True)
    worst, drift, table = compare(lumex, mlx, nudged)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
