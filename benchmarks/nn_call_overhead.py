"""Cost of lumex.nn's Module.__call__ wrapper (error naming, module scopes)
with no observer and creation sites off: each workload runs through the
wrapped ``__call__`` and through the undecorated function it wraps,
interleaved round by round; medians and the difference are printed.

    python benchmarks/nn_call_overhead.py [--rounds 40]
"""

import argparse
import statistics
import time

import lumex.core as mx
import lumex.nn as nn


class AddChain(nn.Module):
    """The 1000-adds chain of observe_overhead.py, inside one module call."""

    def __call__(self, x):
        y = x
        for _ in range(1000):
            y = y + 1.0
        return y


def raw(module):
    """The module's own __call__, without the wrapper."""
    return type(module).__call__.__wrapped__


def raw_sequential(model, x):
    for layer in model.layers:
        x = raw(layer)(layer, x)
    return x


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    mx.random.seed(0)
    chain = AddChain()
    mlp = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                        nn.Linear(64, 10))
    x_chain = mx.zeros((4,))
    x_mlp = mx.random.normal((8, 64))
    mx.eval(mlp.parameters(), x_mlp)
    cases = {
        "1000-adds chain": (lambda: mx.eval(chain(x_chain)),
                            lambda: mx.eval(raw(chain)(chain, x_chain)), 1),
        "MLP forward (6 module calls)": (lambda: mx.eval(mlp(x_mlp)),
                                         lambda: mx.eval(raw_sequential(mlp, x_mlp)), 6),
    }
    assert not mx.graph.record_sites_enabled()
    for name, (wrapped, plain, calls) in cases.items():
        inner = 20 if calls > 1 else 2
        times = {"wrapped": [], "plain": []}
        for _ in range(3):
            wrapped(), plain()
        for _ in range(args.rounds):
            for label, fn in (("wrapped", wrapped), ("plain", plain)):
                t0 = time.perf_counter()
                for _ in range(inner):
                    fn()
                times[label].append((time.perf_counter() - t0) / inner)
        w, p = statistics.median(times["wrapped"]), statistics.median(times["plain"])
        print(f"{name:30s} wrapped {w * 1e6:9.1f} us   plain {p * 1e6:9.1f} us   "
              f"diff {(w - p) * 1e6:+7.2f} us ({(w - p) / calls * 1e9:+.0f} ns per module call, "
              f"{(w / p - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()
