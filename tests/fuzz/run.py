"""Differential fuzzer for lumex.core: generated calls, hostile arguments,
crash-isolated workers.

    PYTHONPATH=build/dev-pkg python tests/fuzz/run.py --count 100000 \\
        --mlx-python /work/mlxvenv/bin/python --report fuzz.json

`--nn 0.1` makes a tenth of the calls lumex.nn layers (seeded, identical
parameters in both libraries) and optimizer steps (nn_gen.py).

Each call runs in a lumex worker and, with --mlx-python, in an MLX worker (a
separate interpreter that has the `mlx` wheel). Workers that crash or exceed the
time limit are restarted. Every call gets one class:

  lumex_slow_huge: over the time limit on a huge broadcast input (not a bug)
  lumex_memory_limit: MemoryError under the workers' 1 GiB limit where MLX returns
  with MLX:   same | same_error | value_differs | dtype_differs | shape_differs |
              type_differs | error_type_differs | lumex_raises | mlx_raises |
              mlx_crash (lumex clean) | mlx_hang (lumex clean) |
              lumex_crash | lumex_hang | setup
  without:    ok | error | numpy_same | numpy_differs | lumex_crash | lumex_hang | setup

(numpy_* for the ops with a NumPy twin in NUMPY_TWINS, checked on plain arrays.)
lumex_crash and lumex_hang are bugs; the rest of the differences are the
conformance work list, grouped in the report by function.
"""

import argparse
import collections
import json
import os
import pickle
import random
import select
import struct
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import build  # noqa: E402
import gen  # noqa: E402
import nn_gen  # noqa: E402

WORKER = os.path.join(HERE, "worker.py")
BUGS = ("lumex_crash", "lumex_hang")


class Worker:
    def __init__(self, python, module, env=None):
        self.cmd = [python, WORKER, module]
        self.env = env
        self.p = None
        self.restarts = -1
        self.start()

    def start(self):
        self.close()
        self.restarts += 1
        self.p = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=self.env)
        got = self.recv(120, restart=False)
        if got != "ready":
            raise RuntimeError(f"worker {self.cmd} did not start: {got!r}")

    def close(self):
        if self.p is not None:
            try:
                self.p.kill()
            except OSError:
                pass
            self.p.wait()
            for f in (self.p.stdin, self.p.stdout):
                try:
                    f.close()
                except OSError:
                    pass
            self.p = None

    def send(self, call):
        data = pickle.dumps(call, protocol=4)
        try:
            self.p.stdin.write(struct.pack("<I", len(data)) + data)
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # seen as a crash by recv

    def _read(self, n, deadline):
        fd = self.p.stdout.fileno()
        buf = b""
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                return None
            chunk = os.read(fd, n - len(buf))
            if not chunk:
                return b""
            buf += chunk
        return buf

    def recv(self, timeout, restart=True):
        """An outcome, ("crash", signal) or ("hang",). Restarts the worker after
        a crash or a hang."""
        deadline = time.monotonic() + timeout
        head = self._read(4, deadline)
        if head is not None and len(head) == 4:
            body = self._read(struct.unpack("<I", head)[0], deadline)
            if body:
                return pickle.loads(body)
        if head is None or (head and len(head) < 4):
            outcome = ("hang",)
        else:
            try:
                self.p.wait(timeout=5)
                outcome = ("crash", self.p.returncode)
            except subprocess.TimeoutExpired:  # closed its output but lives on
                outcome = ("crash", "output closed")
        if restart:
            self.start()
        return outcome


# ---- comparison -----------------------------------------------------------------

def _close(a, b, dtype):
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":
        return np.array_equal(a, b)
    a = a.astype(np.complex128) if a.dtype.kind == "c" else a.astype(np.float64)
    b = b.astype(np.complex128) if b.dtype.kind == "c" else b.astype(np.float64)
    tol = 2e-2 if dtype in ("float16", "bfloat16") else 1e-3
    with np.errstate(all="ignore"):
        scale = np.nanmax(np.abs(np.where(np.isfinite(b), b, 0)), initial=1.0)
        return bool(np.allclose(a, b, rtol=tol, atol=tol * 1e-2 * scale, equal_nan=True))


def compare(l, m):
    """Class of two ok results (serialized)."""
    if l[0] != m[0]:
        return "type_differs"
    kind = l[0]
    if kind == "seq":
        if len(l[1]) != len(m[1]):
            return "shape_differs"
        for a, b in zip(l[1], m[1]):
            c = compare(a, b)
            if c != "same":
                return c
        return "same"
    if kind in ("array", "bigarray"):
        if l[2] != m[2]:
            return "dtype_differs"
        if l[1] != m[1]:
            return "shape_differs"
        if kind == "bigarray":
            return "same"
        return "same" if _close(l[3], m[3], l[2]) else "value_differs"
    if kind == "py":
        if l[1] != m[1]:
            return "type_differs"
        a, b = l[2], m[2]
        if isinstance(a, (int, float, complex)) and not isinstance(a, bool):
            return "same" if _close(np.array(a), np.array(b), "float32") else "value_differs"
        return "same" if a == b else "value_differs"
    return "same"


def same_error(lmro, mmro):
    return mmro[0] in lmro


def has_huge(v):
    if isinstance(v, dict):
        return "huge" in v
    if isinstance(v, (list, tuple)):
        return any(has_huge(x) for x in v)
    return False


def hang_class(call):
    # A full pass over 2^32 broadcast elements (or 10^6 slices of them) may
    # outlast the limit on a busy machine: slow, which is not a hang.
    if any(has_huge(a) for a in list(call["args"]) + list(call["kwargs"].values())):
        return "lumex_slow_huge"
    return "lumex_hang"


def classify_pair(call, l, m):
    if l[0] == "crash":
        return "lumex_crash"
    if l[0] == "hang":
        return hang_class(call)
    if l[0] == "setup" or m[0] == "setup":
        return "setup"
    if m[0] in ("crash", "hang"):
        return "mlx_" + m[0]
    if l[0] == "error" and l[1][0] == "MemoryError" and m[0] == "ok":
        # Under the workers' 1 GiB cap: MLX keeps a broadcast input's layout in
        # an elementwise result (one element in memory), lumex materializes it.
        return "lumex_memory_limit"
    if l[0] == "error" and m[0] == "error":
        return "same_error" if same_error(l[1], m[1]) else "error_type_differs"
    if l[0] == "error":
        return "lumex_raises"
    if m[0] == "error":
        return "mlx_raises"
    c = compare(l[1], m[1])
    if c == "value_differs" and random_values(call):
        return "same"  # only shape and dtype are comparable
    return c


def random_values(call):
    """Whether the call's values are random draws (unkeyed, or dropout in a layer)."""
    if call["fn"].startswith("random."):
        return call["kwargs"].get("key") is None
    return "Dropout" in call["fn"] or bool(call.get("ctor", {}).get("dropout"))


# NumPy twins checked in the lumex-only mode: name -> function of the arguments.
NUMPY_TWINS = {
    "abs": np.abs, "negative": np.negative, "exp": np.exp, "log": np.log,
    "sin": np.sin, "cos": np.cos, "sqrt": np.sqrt, "square": np.square,
    # (not sign: MLX and lumex give 0 for NaN, NumPy NaN)
    "floor": np.floor, "ceil": np.ceil, "tanh": np.tanh,
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply,
    "maximum": np.maximum, "minimum": np.minimum, "equal": np.equal, "less": np.less,
    "transpose": np.transpose, "flatten": np.ravel, "logical_not": np.logical_not,
}


def numpy_check(call, l):
    twin = NUMPY_TWINS.get(call["fn"])
    args = call["args"]
    if twin is None or call["kwargs"] or not args or l[0] != "ok" or l[1][0] != "array":
        return None
    if not all(isinstance(a, dict) and a.get("kind") == "array" and "huge" not in a
               and a["dtype"] in ("float32", "int32") for a in args):
        return None
    if len({a["dtype"] for a in args}) != 1:
        return None
    with np.errstate(all="ignore"):
        try:
            ref = np.asarray(twin(*[build.to_numpy_arg(a) for a in args]))
        except Exception:
            return None
    if ref.dtype == np.float64:
        ref = ref.astype(np.float32)
    if ref.shape != l[1][1]:
        return "numpy_differs"
    return "numpy_same" if _close(l[1][3], ref, "float32") else "numpy_differs"


def classify_single(call, l):
    if l[0] == "crash":
        return "lumex_crash"
    if l[0] == "hang":
        return hang_class(call)
    if l[0] == "setup":
        return "setup"
    if l[0] == "error":
        return "error"
    return numpy_check(call, l) or "ok"


# ---- driver --------------------------------------------------------------------

def describe(o):
    if o[0] == "ok":
        r = o[1]
        if r[0] in ("array", "bigarray"):
            return f"ok {r[2]}{list(r[1])}"
        return f"ok {r[0]}"
    if o[0] == "error":
        return f"{o[1][0]}: {o[2][:160]}"
    return " ".join(str(x) for x in o)


def all_calls(seed, count, names=None, nn=0.0):
    """The run's calls: lumex.core calls (gen.py), and with nn > 0 that share of
    lumex.nn layer and optimizer calls (nn_gen.py) mixed in."""
    import lumex.core as core
    mix = random.Random(seed + 1)
    ops = gen.calls(core, seed, count, names)
    layers = nn_gen.calls("lumex", seed, count) if nn > 0 else None
    for i in range(count):
        c = next(layers) if nn > 0 and mix.random() < nn else next(ops)
        c["id"] = i
        yield c


def run(seed=0, count=1000, mlx_python=None, timeout=20.0, names=None, progress=0,
        examples=3, lumex_python=None, report=None, nn=0.0):

    lw = Worker(lumex_python or sys.executable, "lumex.core")
    mw = Worker(mlx_python, "mlx.core") if mlx_python else None
    counts = collections.Counter()
    by_fn = collections.defaultdict(collections.Counter)
    found = collections.defaultdict(list)
    t0 = time.monotonic()
    try:
        for i, call in enumerate(all_calls(seed, count, names, nn)):
            lw.send(call)
            if mw:
                mw.send(call)
            l = lw.recv(timeout)
            if mw:
                m = mw.recv(timeout)
                cls = classify_pair(call, l, m)
            else:
                m = None
                cls = classify_single(call, l)
            counts[cls] += 1
            by_fn[cls][call["fn"]] += 1
            if cls not in ("same", "same_error", "ok", "error", "numpy_same") and \
                    sum(1 for e in found[cls] if e["fn"] == call["fn"]) < examples:
                found[cls].append({"fn": call["fn"], "id": call["id"], "call": build.render(call),
                                   "lumex": describe(l), "mlx": describe(m) if m else None})
            if progress and (i + 1) % progress == 0:
                rate = (i + 1) / (time.monotonic() - t0)
                print(f"{i + 1} calls, {rate:.0f}/s: {dict(counts)}", file=sys.stderr,
                      flush=True)
                if report:  # a long run stopped early still leaves its findings
                    write_report(report, summary(seed, i + 1, mlx_python, t0, counts, by_fn,
                                                 found, nn))
    finally:
        lw.close()
        if mw:
            mw.close()
    return summary(seed, sum(counts.values()), mlx_python, t0, counts, by_fn, found, nn)


def summary(seed, count, mlx_python, t0, counts, by_fn, found, nn=0.0):
    return {
        "seed": seed, "count": count, "mlx": bool(mlx_python), "nn": nn,
        "seconds": round(time.monotonic() - t0, 1),
        "counts": dict(counts),
        "by_function": {c: dict(v.most_common()) for c, v in by_fn.items()
                        if c not in ("same", "same_error", "ok", "error", "numpy_same")},
        "examples": dict(found),
    }


def write_report(path, rep):
    with open(path + ".tmp", "w") as f:
        f.write(json.dumps(rep, indent=1, default=str))
    os.replace(path + ".tmp", path)


def replay(seed, call_id, names=None, nn=0.0):
    """Prints the call with this id (from a report) as it would run."""
    for call in all_calls(seed, call_id + 1, names, nn):
        if call["id"] == call_id:
            return call


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--mlx-python", default=None,
                    help="an interpreter with the mlx wheel, to compare against")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per call")
    ap.add_argument("--only", nargs="*", help="fuzz only these functions")
    ap.add_argument("--report", help="write the JSON report here")
    ap.add_argument("--progress", type=int, default=1000)
    ap.add_argument("--replay", type=int, help="print the spec of this call id and exit")
    ap.add_argument("--lumex-python", default=None,
                    help="the lumex workers' interpreter, e.g. a script running python "
                         "under valgrind")
    ap.add_argument("--nn", type=float, default=0.0,
                    help="share of calls to lumex.nn layers and optimizers (0 to 1)")
    a = ap.parse_args(argv)
    if a.replay is not None:
        call = replay(a.seed, a.replay, a.only, a.nn)
        print(build.render(call))
        print(call)
        return 0
    rep = run(a.seed, a.count, a.mlx_python, a.timeout, a.only, a.progress,
              lumex_python=a.lumex_python, report=a.report, nn=a.nn)
    if a.report:
        write_report(a.report, rep)
    print(json.dumps(rep["counts"], indent=1))
    return 1 if any(rep["counts"].get(b) for b in BUGS) else 0


if __name__ == "__main__":
    sys.exit(main())
