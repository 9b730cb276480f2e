"""A fixed-seed run of the differential fuzzer (tests/fuzz/): 3,000 generated
calls with valid and hostile arguments (a tenth of them lumex.nn layers and
optimizers), each in a crash-isolated worker. Any crash or hang fails; ops with
a NumPy twin must agree with NumPy. The long run with MLX side by side is a
command (tests/fuzz/run.py --help)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz"))
import run as fuzz  # noqa: E402

COUNT = int(os.environ.get("LUMEX_FUZZ_COUNT", "3000"))


@pytest.fixture(scope="module")
def report():
    return fuzz.run(seed=0, count=COUNT, timeout=60.0, nn=0.1)


def test_fuzz_no_crash_or_hang(report):
    bad = {c: report["examples"].get(c) for c in fuzz.BUGS if report["counts"].get(c)}
    assert not bad, bad


def test_fuzz_agrees_with_numpy(report):
    assert report["counts"].get("numpy_same", 0) > 0
    assert not report["counts"].get("numpy_differs"), report["examples"].get("numpy_differs")


def test_fuzz_mostly_runs(report):
    # A generator that only produced argument errors would test little.
    assert report["counts"].get("ok", 0) + report["counts"].get("numpy_same", 0) > COUNT // 4
