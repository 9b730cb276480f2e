"""Where do two threads start to win? Times a cheap op (add), a moderate one
(sum over the last axis) and a heavy one (exp) at growing sizes with
LUMEX_NUM_THREADS=1 and =2 (each in its own process, thresholds forced to 0 so
every size runs threaded) and prints the ratio. The thresholds in
core/engine/backend/cpu/parallel.cpp come from this; the machine is shared, so
run it a few times and read the medians.

    python benchmarks/parallel_threshold.py
"""

import json
import os
import subprocess
import sys

SIZES = [1 << k for k in range(10, 21)]

CHILD = r"""
import json, sys, time
import numpy as np
import lumex.core as mx
out = {}
for n in %(sizes)s:
    a = mx.array(np.random.default_rng(0).standard_normal(n, dtype=np.float32))
    b = mx.array(np.random.default_rng(1).standard_normal(n, dtype=np.float32))
    mx.eval(a, b)
    ops = {"add": lambda: a + b, "sum": lambda: mx.sum(a.reshape(-1, 64), axis=1),
           "exp": lambda: mx.exp(a)}
    for name, f in ops.items():
        reps = max(20, int(2e6 // n))
        ts = []
        for _ in range(5):
            t = time.perf_counter()
            for _ in range(reps):
                mx.eval(f())
            ts.append((time.perf_counter() - t) / reps)
        out[f"{name}:{n}"] = sorted(ts)[2]
print(json.dumps(out))
"""


def run(threads):
    env = dict(os.environ, LUMEX_NUM_THREADS=str(threads), LUMEX_PARALLEL_THRESHOLD="0")
    res = subprocess.run([sys.executable, "-c", CHILD % {"sizes": SIZES}], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def main():
    one, two = run(1), run(2)
    print(f"{'n':>9} " + " ".join(f"{op + ' 1T/2T':>22}" for op in ("add", "sum", "exp")))
    for n in SIZES:
        cells = []
        for op in ("add", "sum", "exp"):
            t1, t2 = one[f"{op}:{n}"], two[f"{op}:{n}"]
            cells.append(f"{t1 * 1e6:8.1f}/{t2 * 1e6:8.1f} {t1 / t2:4.2f}")
        print(f"{n:>9} " + " ".join(f"{c:>22}" for c in cells))


if __name__ == "__main__":
    main()
