#!/usr/bin/env python3
"""What the training monitor costs a training step.

An MLP step (Adam, ``nn.value_and_grad``, one ``mx.eval`` per step) sized to take about
5 ms, run in alternating blocks with and without ``with monitor(model, optimizer)``
(its widget created, so the throttled state pushes are serialised as in a notebook;
with no front end they go nowhere). Each round gives the median step of either
kind, in wall time and in process CPU time; the overhead is the median over rounds
of their ratio, which a busy machine disturbs less than a single pair. The monitor's
own bookkeeping (``m.overhead``: CPU time of the observer, the end of each step, the
checks and the pushes) is reported beside it: on a shared, loaded machine that is
the steadiest figure.

    python benchmarks/monitor_overhead.py              # JSON on stdout
    python benchmarks/monitor_overhead.py --rounds 12 --steps 60 --hidden 384
    python benchmarks/monitor_overhead.py --hidden 64 --batch 64 --steps 100
        # a sub-millisecond step that stays on one thread: the steadiest figure on a
        # shared machine; the cost per step is then set against a 5 ms step
    python benchmarks/monitor_overhead.py --no-log ...
        # the loop never calls m.log: the monitor picks the loss up from the step's
        # mx.eval (a look at the evaluating frame's variables per evaluation)
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import lumex.core as mx
import lumex.nn as nn
import lumex.optimizers as optim
from lumex.notebook_ext import monitor


def build(hidden: int, batch: int):
    mx.random.seed(0)
    model = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                          nn.Linear(hidden, 10))
    x = mx.random.normal((batch, 64))
    y = mx.random.randint(0, 10, (batch,))
    mx.eval(model.parameters(), x, y)
    opt = optim.Adam(1e-3)

    def loss_fn(m, a, b):
        return nn.losses.cross_entropy(m(a), b, reduction="mean")

    return model, opt, nn.value_and_grad(model, loss_fn), x, y


def run(steps: int, model, opt, vg, x, y, m=None, log=True) -> tuple[list, list]:
    """Wall and CPU (all threads of the process) seconds of each step."""
    wall, cpu = [], []
    for _ in range(steps):
        t, c = time.perf_counter(), time.process_time()
        loss, grads = vg(model, x, y)
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state, loss)
        if m is not None and log:
            m.log(loss=loss)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--hidden", type=int, default=384)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--no-log", action="store_true", help="no m.log: scalars picked up")
    args = ap.parse_args()
    model, opt, vg, x, y = build(args.hidden, args.batch)
    run(20, model, opt, vg, x, y)  # warm-up: first-call costs, allocator cache
    ratios, cpu_ratios, base_med, mon_med, base_cpu, own, extra = [], [], [], [], [], [], []
    for r in range(args.rounds):
        order = (False, True) if r % 2 == 0 else (True, False)
        result = {}
        for watched in order:
            if watched:
                m = monitor(model, opt, display=False)
                m.widget()
                with m:
                    t, c = run(args.steps, model, opt, vg, x, y, m, log=not args.no_log)
                own.append(m.overhead / max(len(m.steps), 1))
                assert not m.warnings, m.warnings
                assert "loss" in m.steps[-2].scalars
            else:
                t, c = run(args.steps, model, opt, vg, x, y)
            result[watched] = (statistics.median(t), statistics.median(c))
        base_med.append(result[False][0])
        mon_med.append(result[True][0])
        base_cpu.append(result[False][1])
        ratios.append(result[True][0] / result[False][0] - 1)
        extra.append(result[True][0] - result[False][0])
        cpu_ratios.append(result[True][1] / result[False][1] - 1)
    base = statistics.median(base_med)
    cpu = statistics.median(base_cpu)
    print(json.dumps({
        "step_ms": round(base * 1e3, 3),
        "monitored_step_ms": round(statistics.median(mon_med) * 1e3, 3),
        "overhead_pct_median_of_rounds": round(statistics.median(ratios) * 100, 2),
        "overhead_pct_each_round": [round(v * 100, 1) for v in ratios],
        # The cost is per step, not per flop: what it is against the 5 ms step.
        "overhead_us_per_step": round(statistics.median(extra) * 1e6, 1),
        "overhead_pct_of_a_5ms_step": round(statistics.median(extra) / 5e-3 * 100, 2),
        "step_cpu_ms": round(cpu * 1e3, 3),
        "cpu_overhead_pct_median_of_rounds": round(statistics.median(cpu_ratios) * 100, 2),
        "monitor_own_cpu_us_per_step": round(statistics.median(own) * 1e6, 1),
        "monitor_own_pct_of_step_cpu": round(statistics.median(own) / cpu * 100, 2),
        "rounds": args.rounds, "steps_per_block": args.steps,
        "hidden": args.hidden, "batch": args.batch, "m.log": not args.no_log,
    }, indent=1))


if __name__ == "__main__":
    main()
