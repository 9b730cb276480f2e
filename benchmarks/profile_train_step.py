#!/usr/bin/env python3
"""Where a training step's time goes: forward, backward, update, and the biggest ops.

    python benchmarks/profile_train_step.py               # the transformer LM of training.py
    python benchmarks/profile_train_step.py --model mlp

Times (median of --reps, after warmup) of: the forward pass alone, forward +
backward (``nn.value_and_grad``), and the whole step with the optimizer update,
each ending in one ``mx.eval``; then the same model's ops one at a time at
their real shapes, so the totals can be read against matmul, attention,
softmax/cross-entropy and layer-norm costs. PyTorch's numbers for the same
phases are printed beside them when torch is importable.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import training  # noqa: E402


CLOCK = time.perf_counter  # --cpu: process CPU time, steadier on a machine shared with others


def median_time(fn, reps, sync=lambda out: None):
    sync(fn())
    times = []
    for _ in range(reps):
        t0 = CLOCK()
        sync(fn())
        times.append(CLOCK() - t0)
    return statistics.median(times)


def _phases(model, optimizer, loss_fn, batch, backward, update, reps, sync):
    return {
        "forward": median_time(lambda: loss_fn(model, *batch), reps, sync),
        "forward+backward": median_time(lambda: backward(*batch), reps, sync),
        "full step": median_time(lambda: update(*batch), reps, sync),
    }


def lumex_phases(model_name, reps):
    import lumex.core as mx
    import lumex.nn as nn

    if model_name == "mlp":
        x, y, *weights = training._mlp_inputs()
        model, optimizer, loss_fn = training.make_mlp_mx(mx, *map(mx.array, weights))
    else:
        x, y = training._lm_inputs()
        model, optimizer, loss_fn = training.make_lm_mx(mx)
    vg = nn.value_and_grad(model, loss_fn)

    def update(*batch):
        loss, grads = vg(model, *batch)
        optimizer.update(model, grads)
        return loss, model.parameters(), optimizer.state

    return _phases(model, optimizer, loss_fn, (mx.array(x), mx.array(y)), lambda *b: vg(model, *b), update, reps, mx.eval)


def torch_phases(model_name, reps):
    import torch

    if model_name == "mlp":
        x, y, *weights = training._mlp_inputs()
        model, optimizer, loss_fn = training.make_mlp_torch(torch, *map(torch.from_numpy, weights))
        x = torch.from_numpy(x)
    else:
        x, y = training._lm_inputs()
        model, optimizer, loss_fn = training.make_lm_torch(torch)
        x = torch.from_numpy(x).long()
    y = torch.from_numpy(y).long()

    def backward(*batch):
        model.zero_grad(set_to_none=True)
        loss = loss_fn(model, *batch)
        loss.backward()
        return loss

    def update(*batch):
        loss = backward(*batch)
        optimizer.step()
        return loss

    def forward_only(model, *batch):
        with torch.no_grad():
            return loss_fn(model, *batch)

    return _phases(model, optimizer, forward_only, (x, y), backward, update, reps, lambda out: None)


def lumex_ops(reps):
    """The transformer's main ops at their shapes (batch 16, context 128, dim 256, 4 heads)."""
    import lumex.core as mx

    b, t, d, h, v = 16, 128, 256, 4, training.LM["vocab"]
    rng = np.random.default_rng(0)
    arr = lambda *s: mx.array(rng.standard_normal(s).astype(np.float32))
    x, w, w_mlp, w_out = arr(b * t, d), arr(d, d), arr(d, 4 * d), arr(d, v)
    q, k, vv = arr(b, h, t, d // h), arr(b, h, t, d // h), arr(b, h, t, d // h)
    mask = mx.triu(mx.full((t, t), -1e9), k=1)
    logits, labels = arr(b * t, v), mx.array(rng.integers(0, v, b * t).astype(np.int32))
    ops = {
        "matmul (2048x256)@(256x256)": lambda: x @ w,
        "matmul (2048x256)@(256x1024)": lambda: x @ w_mlp,
        "matmul (2048x256)@(256x1024 vocab)": lambda: x @ w_out,
        "attention scores q@k^T + mask, softmax, @v": lambda: mx.softmax(q @ k.swapaxes(-1, -2) * (d // h) ** -0.5 + mask, axis=-1) @ vv,
        "layer_norm (2048x256)": lambda: mx.fast.layer_norm(x, None, None, 1e-5) if hasattr(mx, "fast") else (x - x.mean(-1, keepdims=True)) * mx.rsqrt(x.var(-1, keepdims=True) + 1e-5),
        "logsumexp (2048x1024)": lambda: mx.logsumexp(logits, axis=-1),
        "take_along_axis labels": lambda: mx.take_along_axis(logits, labels[:, None], axis=-1),
    }
    if hasattr(mx, "fast") and hasattr(mx.fast, "scaled_dot_product_attention"):
        ops["fast.scaled_dot_product_attention"] = lambda: mx.fast.scaled_dot_product_attention(q, k, vv, scale=(d // h) ** -0.5, mask=mask)
    return {name: median_time(fn, reps, mx.eval) for name, fn in ops.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("transformer", "mlp"), default="transformer")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--cpu", action="store_true", help="time process CPU time instead of wall time")
    args = parser.parse_args()
    if args.cpu:
        global CLOCK
        CLOCK = time.process_time
    phases = {"lumex": lumex_phases(args.model, args.reps)}
    try:
        phases["torch"] = torch_phases(args.model, args.reps)
    except ImportError:
        pass
    clock = "CPU time of the process" if args.cpu else "wall time"
    print(f"{args.model} training step, median of {args.reps}, {clock} (ms)")
    print(f"{'phase':<20}" + "".join(f"{name:>10}" for name in phases))
    for phase in phases["lumex"]:
        print(f"{phase:<20}" + "".join(f"{1e3 * p[phase]:>10.2f}" for p in phases.values()))
    if args.model == "transformer":
        print("\nlumex ops at the model's shapes (ms)")
        for name, t in lumex_ops(args.reps).items():
            print(f"  {name:<45}{1e3 * t:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
