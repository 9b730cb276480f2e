#!/usr/bin/env python3
"""Time lumex beside NumPy, PyTorch and (when importable) MLX in one run.

    python benchmarks/run.py                 # full run, ~1 s per row
    python benchmarks/run.py --quick         # smoke run
    python benchmarks/run.py --only matmul --json out.json

Workloads live in workloads.py. Each table cell is the median of N timed
calls after warmup; N adapts so that a row takes about --budget seconds.
"""

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

from workloads import WORKLOADS

FRAMEWORKS = ("lumex", "mlx", "numpy", "torch")
MODULES = {"lumex": "lumex.core", "mlx": "mlx.core", "numpy": "numpy", "torch": "torch"}
KIND = {"lumex": "mx", "mlx": "mx", "numpy": "numpy", "torch": "torch"}


# --- frameworks and environment ----------------------------------------------

def load_frameworks(names):
    """Import what we can; return ({name: module}, [notes about the rest])."""
    import importlib
    libs, notes = {}, []
    for name in names:
        try:
            libs[name] = importlib.import_module(MODULES[name])
        except Exception as e:  # a broken build can raise more than ImportError
            notes.append(f"{name}: skipped, import {MODULES[name]} failed ({short_error(e)})")
    # Under a test shim lumex.core *is* mlx.core; timing it twice only costs time.
    if "lumex" in libs and libs.get("mlx") is libs["lumex"]:
        del libs["mlx"]
        notes.append("mlx: same module object as lumex.core, timed once (as lumex)")
    return libs, notes


def version_of(name, lib):
    if name == "lumex":
        import lumex
        v = getattr(lib, "__version__", None) or getattr(lumex, "__version__", "unknown")
        return f"{v} ({getattr(lib, '__file__', '?')})"
    return getattr(lib, "__version__", "unknown")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def background_load(seconds=0.5):
    """Fraction of all CPUs busy while this process sleeps, from /proc/stat.

    The machine may be shared (other builds, other VMs); a busy machine makes
    every timing noisy, so the run reports this before and after.
    """
    def snapshot():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return sum(values), values[3] + values[4]  # total, idle + iowait
    try:
        total0, idle0 = snapshot()
        time.sleep(seconds)
        total1, idle1 = snapshot()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def fmt_load(load):
    if load is None:
        return "unknown"
    return f"{load:.0%}" + ("  (busy machine: timings will be noisy)" if load > 0.1 else "")


def numpy_threads():
    try:
        from threadpoolctl import threadpool_info
        return ", ".join(f"{p['internal_api']}={p['num_threads']}" for p in threadpool_info())
    except ImportError:
        pass
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{blas['name']} {blas.get('version', '')}".strip()
    except Exception:
        blas = "unknown BLAS"
    return f"{blas}, library default (threadpoolctl not installed to report it)"


def import_time(module, runs=3):
    """Median cold-process import time, so nothing already imported here counts."""
    code = f"import time; t=time.perf_counter(); import {module}; print(time.perf_counter()-t)"
    times = []
    for _ in range(runs):
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if p.returncode != 0:
            last = (p.stderr.strip().splitlines() or ["?"])[-1]
            return None, f"failed: {last}"
        times.append(float(p.stdout.strip().splitlines()[-1]))
    return statistics.median(times), None


def environment(libs, notes):
    env = {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {name: version_of(name, lib) for name, lib in libs.items()},
        "threads": {"numpy": numpy_threads()},
        "thread_env": {k: v for k, v in os.environ.items()
                       if k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
        "import_time_s": {},
        "notes": notes,
    }
    if "torch" in libs:
        t = libs["torch"]
        env["threads"]["torch"] = (f"{t.get_num_threads()} intra-op, "
                                   f"{t.get_num_interop_threads()} inter-op")
    for name in ("lumex", "mlx"):
        if name in libs:
            seconds, err = import_time(MODULES[name])
            env["import_time_s"][MODULES[name]] = seconds if err is None else err
    return env


def print_environment(env):
    print(f"CPU: {env['cpu']}  ({env['cpu_count']} cores, {env['cpus_usable']} usable)")
    print(f"Platform: {env['platform']}, Python {env['python']}")
    for name, v in env["versions"].items():
        print(f"  {name:6} {v}")
    for name, v in env["threads"].items():
        print(f"Threads {name}: {v}")
    if env["thread_env"]:
        print("Thread env:", " ".join(f"{k}={v}" for k, v in env["thread_env"].items()))
    for module, v in env["import_time_s"].items():
        shown = fmt_time(v) if isinstance(v, float) else v
        print(f"import {module}: {shown} (fresh subprocess, median of 3)")
    print(f"Background CPU load before run: {fmt_load(env['background_load_before'])}")
    for note in env["notes"]:
        print("Note:", note)
    print()


# --- timing ------------------------------------------------------------------

def short_error(e):
    return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:100]


def prepare(name, lib, build, inputs):
    """Convert inputs and build the timed function; mx results are forced."""
    kind = KIND[name]
    if kind == "torch":
        args = [lib.from_numpy(a) for a in inputs]
    elif kind == "mx":
        args = [lib.array(a) for a in inputs]
        lib.eval(*args)
    else:
        args = list(inputs)
    fn = build(lib, *args)
    if kind != "mx":
        return fn

    def forced():
        out = fn()
        lib.eval(out)  # lazy frameworks must finish the work inside the timed region
        return out
    return forced


SLOW_CALL_S = 0.5  # calls slower than this get one warmup (and in --quick, one sample)


def measure(fn, budget, min_reps, max_reps, quick):
    """Warm up, then time calls one by one; returns (first result, seconds list)."""
    t0 = time.perf_counter()
    out = fn()  # first call pays one-time costs: compilation, allocator growth, page faults
    estimate = time.perf_counter() - t0
    if estimate < SLOW_CALL_S:  # a second warmup gives a steadier estimate
        t0 = time.perf_counter()
        fn()
        estimate = time.perf_counter() - t0
    reps = max(min_reps, min(max_reps, int(budget / max(estimate, 1e-9))))
    if quick and estimate >= SLOW_CALL_S:
        reps = 1
    times = []
    gc.collect()
    gc.disable()  # keep collector pauses out of the samples, as timeit does
    try:
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return out, times


def to_numpy(out):
    if isinstance(out, (tuple, list)):
        out = out[0]
    if hasattr(out, "detach"):  # torch tensor
        out = out.detach().cpu()
    return np.asarray(out)


def as_float(a):
    """float64, or complex128 for complex results (keeping the imaginary part)."""
    return a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)


def check(outs):
    """Compare each framework's result with NumPy's; returns (cell text, notes)."""
    if "numpy" not in outs:
        return "-", []
    ref = as_float(to_numpy(outs["numpy"]))
    scale = max(float(np.abs(ref).max(initial=0.0)), 1e-30)
    bad, notes = [], []
    for name, out in outs.items():
        if name == "numpy":
            continue
        try:
            got = as_float(to_numpy(out))
        except Exception as e:
            bad.append(name)
            notes.append(f"{name}: result not convertible to NumPy ({short_error(e)})")
            continue
        if got.shape != ref.shape:
            bad.append(name)
            notes.append(f"{name}: shape {got.shape} != numpy {ref.shape}")
        elif not np.allclose(got, ref, rtol=1e-3, atol=1e-4 * scale):
            bad.append(name)
            notes.append(f"{name}: max abs diff {np.abs(got - ref).max():.3g} vs numpy")
    return ("DIFF " + ",".join(bad)) if bad else "ok", notes


def run_workload(w, libs, budget, quick, min_reps=3, max_reps=10000):
    inputs, impls = w.setup()
    cells, outs, notes = {}, {}, []
    per_framework = budget / len(libs)
    for name, lib in libs.items():
        build = impls.get(KIND[name])
        if build is None:
            cells[name] = {"error": "no implementation"}
            continue
        try:
            fn = prepare(name, lib, build, inputs)
            outs[name], times = measure(fn, per_framework, min_reps, max_reps, quick)
        except Exception as e:
            cells[name] = {"error": short_error(e)}
            notes.append(f"{name}: {short_error(e)}")
            continue
        finally:
            fn = None  # free this framework's copies of the inputs before the next one
        cells[name] = {"median_s": statistics.median(times), "min_s": min(times),
                       "repeats": len(times)}
    status, check_notes = check(outs)
    del outs, inputs
    gc.collect()

    def median(name):
        return cells.get(name, {}).get("median_s")

    lumex = median("lumex")
    baselines = [t for t in (median("numpy"), median("torch")) if t is not None]
    best = lumex / min(baselines) if lumex and baselines else None
    versus = {"best": best,
              "numpy": lumex / median("numpy") if lumex and median("numpy") else None,
              "torch": lumex / median("torch") if lumex and median("torch") else None}
    return {
        "name": w.name, "desc": w.desc, "cells": cells, "check": status,
        "lumex_over_best": best,
        "lumex_over_numpy": versus["numpy"],
        "target": w.target, "versus": w.versus,
        "target_ratio": versus[w.versus] if w.target is not None else None,
        "notes": notes + check_notes,
    }


# --- table -------------------------------------------------------------------

def fmt_time(t):
    if t is None:
        return "n/a"
    if t < 1e-3:
        return f"{t * 1e6:.1f} us"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


def fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}x"


class Table:
    def __init__(self, frameworks):
        self.frameworks = frameworks
        self.columns = ["workload", *frameworks, "lumex/best", "lumex/np", "target", "check"]
        self.widths = [22, *[10] * len(frameworks), 10, 9, 17, 10]

    def line(self, values):
        print("  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                        for i, (v, w) in enumerate(zip(values, self.widths))).rstrip(),
              flush=True)

    def header(self):
        self.line(self.columns)
        self.line(["-" * w for w in self.widths])

    def row(self, r):
        self.line([r["name"],
                   *[fmt_time(r["cells"][f].get("median_s")) for f in self.frameworks],
                   fmt_ratio(r["lumex_over_best"]), fmt_ratio(r["lumex_over_numpy"]),
                   fmt_target(r), r["check"]])


def fmt_target(r):
    """'<=1.0 vs best: met' style cell for workloads the speed issue sets a target for."""
    if r.get("target") is None:
        return ""
    ratio = r.get("target_ratio")
    if ratio is None:
        return f"<={r['target']:g} n/a"
    verdict = "met" if ratio <= r["target"] else "MISS"
    who = {"best": "", "numpy": " np", "torch": " torch"}[r["versus"]]
    return f"<={r['target']:g}{who} {verdict}"


def summarize_targets(results):
    """Targets met and the geometric mean of the targeted ratios (the issue asks <= 0.8)."""
    rated = [r for r in results if r.get("target") is not None and r.get("target_ratio")]
    if not rated:
        return
    met = sum(r["target_ratio"] <= r["target"] for r in rated)
    geo = math.exp(sum(math.log(r["target_ratio"]) for r in rated) / len(rated))
    print(f"Targets met: {met}/{len(rated)}; geometric mean of targeted ratios: {geo:.2f} "
          f"(target <= 0.8)")


# --- main --------------------------------------------------------------------

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="short budget, few repeats: smoke run")
    p.add_argument("--only", metavar="NAME",
                   help="comma-separated workload names or substrings (e.g. matmul,sum)")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS),
                   help=f"comma-separated subset of {','.join(FRAMEWORKS)}")
    p.add_argument("--budget", type=float, help="seconds per row (default 1.0, --quick 0.15)")
    p.add_argument("--json", metavar="PATH", help="also write results as JSON")
    p.add_argument("--list", action="store_true", help="list workloads and exit")
    return p.parse_args()


def main():
    args = parse_args()
    if args.list:
        for w in WORKLOADS:
            print(f"{w.name:22} {w.desc}")
        return
    selected = WORKLOADS
    if args.only:
        wanted = [s.strip() for s in args.only.split(",") if s.strip()]
        selected = [w for w in WORKLOADS if any(s in w.name for s in wanted)]
        if not selected:
            sys.exit(f"no workload matches --only {args.only!r}; see --list")
    names = [n.strip() for n in args.frameworks.split(",") if n.strip()]
    unknown = set(names) - set(FRAMEWORKS)
    if unknown:
        sys.exit(f"unknown framework(s): {', '.join(sorted(unknown))}")

    budget = args.budget or (0.15 if args.quick else 1.0)
    libs, notes = load_frameworks(names)
    if not libs:
        sys.exit("no framework importable")
    env = environment(libs, notes)
    env["background_load_before"] = background_load()
    print_environment(env)

    table = Table(list(libs))
    table.header()
    results = []
    start = time.perf_counter()
    for w in selected:
        r = run_workload(w, libs, budget, args.quick)
        table.row(r)
        results.append(r)
    env["background_load_after"] = background_load()
    print(f"\n{len(results)} workloads in {time.perf_counter() - start:.1f} s; "
          f"cells are medians; ratios < 1 mean lumex is faster; --list describes workloads.")
    summarize_targets(results)
    print(f"Background CPU load after run: {fmt_load(env['background_load_after'])}")
    for r in results:
        for note in r["notes"]:
            print(f"  {r['name']}: {note}")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": env, "budget_s_per_row": budget, "results": results},
                      f, indent=2)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
