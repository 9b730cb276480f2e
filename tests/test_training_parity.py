"""Seeded training on lumex gives the real MLX wheel's losses (benchmarks/training_parity.py).

Runs only when ``LUMEX_MLX_PYTHON`` names a Python interpreter with ``mlx``
installed (for example a side venv: ``pip install "mlx[cpu]==0.32.4"``); the
programs then run once in that interpreter on MLX and once here on lumex.

Same seed, same initial bits, same data: the first step's loss must agree to a
few float32 ulps. After that, summation order inside matmuls and reductions
(different BLAS kernels) makes tiny differences that training amplifies. The
yardstick for "float32 rounding" over 30 steps is MLX itself: a second MLX run
whose initial parameters are nudged by one ulp drifts from the first by some
amount, and lumex must stay within a small multiple of that drift.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.lumex_only, pytest.mark.slow]

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import training_parity  # noqa: E402

MLX_PYTHON = os.environ.get("LUMEX_MLX_PYTHON")

FIRST_STEP_RTOL = 2e-6  # a few ulps of a loss around 2-5
DRIFT_FACTOR = 10  # lumex vs MLX may differ up to this many times MLX vs nudged MLX
DRIFT_FLOOR = 2e-6  # ... or a few ulps, when the nudge happens not to show

# Layers each program needs from lumex.nn; a missing one is an expected failure, not a skip.
NEEDS = {
    "mlp": ("Linear",),
    "transformer": ("Embedding", "SinusoidalPositionalEncoding", "TransformerEncoder", "MultiHeadAttention"),
}


@pytest.fixture(scope="module")
def mlx_python():
    if not MLX_PYTHON:
        pytest.skip("set LUMEX_MLX_PYTHON to an interpreter with mlx installed to compare with MLX")
    probe = subprocess.run([MLX_PYTHON, "-c", "import mlx.core, mlx.nn, mlx.optimizers"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"LUMEX_MLX_PYTHON={MLX_PYTHON} cannot import mlx: {probe.stderr.strip()[-200:]}")
    return MLX_PYTHON


@pytest.mark.parametrize("program", sorted(training_parity.PROGRAMS))
def test_losses_match_mlx(mlx_python, program):
    import lumex.nn as nn

    missing = [name for name in NEEDS[program] if not hasattr(nn, name)]
    if missing:
        pytest.xfail(f"lumex.nn lacks {missing}")
    lumex = training_parity.run_in(sys.executable, "lumex", only=(program,))
    mlx = training_parity.run_in(mlx_python, "mlx", only=(program,))
    nudged = training_parity.run_in(mlx_python, "mlx", only=(program,), perturb=True)
    worst, drift, table = training_parity.compare(lumex, mlx, nudged)
    print(table)
    got, want = lumex[program]["loss"], mlx[program]["loss"]
    assert len(got) == len(want) == training_parity.STEPS
    assert got[0] == pytest.approx(want[0], rel=FIRST_STEP_RTOL), table
    assert worst[program] <= max(DRIFT_FACTOR * drift[program], DRIFT_FLOOR), table
    accuracies = zip(*(run[program].get("test_accuracy", []) for run in (lumex, mlx, nudged)))
    for a, b, c in accuracies:  # a few of 512 test images may flip near the boundary
        assert abs(a - b) <= max(4 / 512, 2 * abs(c - b)), table
