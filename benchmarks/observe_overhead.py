"""Cost of lumex.core.graph's observation on small, op-bound workloads.

Times each workload with: nothing enabled, a collecting observer, creation
sites on, and both. Modes are interleaved round by round, so background load
hits them alike; medians are printed with the ratio to "off".

    python benchmarks/observe_overhead.py [--rounds 30]

To compare two builds (e.g. the cost of the disabled hooks against a build
without them), run it under each build's PYTHONPATH and compare the "off" rows;
`--modes off` skips the others (and works on builds without lumex.core.graph).
"""

import argparse
import contextlib
import statistics
import time

import numpy as np

import lumex.core as mx


def scalar_add_chain(x):
    # benchmarks/workloads.py "scalar_add_chain": 1000 chained y = y + 1.0.
    y = x
    for _ in range(1000):
        y = y + 1.0
    mx.eval(y)


def small_mlp_step(x, w1, w2):
    # A dozen ops on small matrices, evaluated through .item() (an implicit trigger).
    h = mx.maximum(x @ w1, 0.0)
    return (mx.sum(h @ w2) * 0.5).item()


def implicit_scalars(x):
    # 200 pending scalars converted with float(): 200 evals, 200 trigger scopes.
    return sum(float(x * i + 1.0) for i in range(200))


@contextlib.contextmanager
def mode(name):
    g = getattr(mx, "graph", None)
    observe = name in ("observer", "both")
    sites = name in ("sites", "both")
    log = g.collect_events() if observe else contextlib.nullcontext()
    rec = g.record_sites() if sites else contextlib.nullcontext()
    with log, rec:
        yield


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--modes", default="off,observer,sites,both")
    args = p.parse_args()
    modes = args.modes.split(",")
    rng = np.random.default_rng(0)
    x1 = mx.array(np.zeros(1, np.float32))
    xm = mx.array(rng.standard_normal((32, 64), dtype=np.float32))
    w1 = mx.array(rng.standard_normal((64, 64), dtype=np.float32))
    w2 = mx.array(rng.standard_normal((64, 8), dtype=np.float32))
    xs = mx.array(2.0)
    mx.eval(x1, xm, w1, w2, xs)
    workloads = {
        "scalar_add_chain (1000 adds, 1 eval)": lambda: scalar_add_chain(x1),
        "small_mlp_step (.item())": lambda: small_mlp_step(xm, w1, w2),
        "implicit_scalars (200 float())": lambda: implicit_scalars(xs),
    }
    print(f"lumex.core from {mx.__file__}")
    for wname, fn in workloads.items():
        for _ in range(3):
            fn()  # warm up
        times = {m: [] for m in modes}
        for _ in range(args.rounds):
            for m in modes:
                with mode(m):
                    t0 = time.perf_counter()
                    fn()
                    times[m].append(time.perf_counter() - t0)
        base = statistics.median(times[modes[0]])
        print(wname)
        for m in modes:
            med = statistics.median(times[m])
            print(f"  {m:9s} {med * 1e6:10.1f} us  x{med / base:.3f}")


if __name__ == "__main__":
    main()
