"""MLX's own test suite never regresses on lumex.

Runs the conformance runner (``../shared/tools/mlx_conformance.py``, next to the repository
as in CI) on each file of the committed floor, ``tests/mlx_conformance_floor.json``: the
reference tests (those the real MLX wheel passes) that lumex passes today. A test in the
floor that stops passing fails here. Raise the floor as tests start passing:

    python tests/test_mlx_conformance.py --update      # rewrites the floor from a full run

MLX's tests compare with PyTorch (they skip without it), so this needs torch.
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# CI clones the repository next to `shared/`; a git worktree may sit one level deeper.
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "mlx-tests").is_dir()),
              ROOT.parent / "shared")
RUNNER = SHARED / "tools" / "mlx_conformance.py"
MLX_TESTS = SHARED / "mlx-tests"
FLOOR = Path(__file__).resolve().parent / "mlx_conformance_floor.json"


def _floor():
    return json.loads(FLOOR.read_text()) if FLOOR.is_file() else {}


def _skip_reason():
    if not (RUNNER.is_file() and MLX_TESTS.is_dir()):
        return f"MLX's tests are not next to the repository ({MLX_TESTS} missing)"
    if importlib.util.find_spec("torch") is None:
        return "torch is not installed: MLX's tests need it to compare results"
    return None


def _env():
    env = dict(os.environ)
    # The runner runs pytest from MLX's test folder: relative entries would break.
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in paths)
    return env


def _run(files, timeout=900, notes=None):
    """{file: set of passing reference tests} from one runner invocation."""
    env = _env()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        subprocess.run([sys.executable, str(RUNNER), "--files", ",".join(files),
                        "--json", str(out), "--timeout", str(timeout)],
                       env=env, check=False, capture_output=True, text=True)
        report = json.loads(out.read_text())
    if notes is not None:
        notes.update({name: r.get("note", "") for name, r in report.items()})
    reference = json.loads((MLX_TESTS / "reference_pass.json").read_text())
    return {name: set(reference[name]) - set(r["failing"]) for name, r in report.items()}


@pytest.mark.parametrize("name", sorted(k for k, v in _floor().items() if v))
def test_mlx_tests_still_pass(name):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    notes = {}
    passing = _run([name], notes=notes)[name]
    lost = sorted(set(_floor()[name]) - passing)
    assert not lost, (f"{name}: {len(lost)} MLX tests stopped passing: {lost}\n"
                      f"runner note: {notes.get(name) or 'none'}\n" + _rerun_alone(name, lost))


def _rerun_alone(name, tests):
    """What each lost test prints when run alone: the failure itself, for CI's log."""
    spec = importlib.util.spec_from_file_location("mlx_conformance", RUNNER)
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    env = _env()
    report = []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "mlx").mkdir()
        (Path(tmp) / "mlx" / "__init__.py").write_text(runner.SHIM)
        env["PYTHONPATH"] = os.pathsep.join([tmp, str(MLX_TESTS), env.get("PYTHONPATH", "")])
        for test in tests[:3]:
            try:
                p = subprocess.run([sys.executable, "-X", "faulthandler", "-m", "pytest", "-q",
                                    "-p", "no:cacheprovider", f"{name}.py::{test}"],
                                   cwd=MLX_TESTS, env=env, capture_output=True, text=True,
                                   timeout=600)
                tail = (p.stdout + p.stderr)[-2500:]
                report.append(f"--- {test} alone: exit {p.returncode}\n{tail}")
            except subprocess.TimeoutExpired:
                report.append(f"--- {test} alone: no result in 600 s")
    return "\n".join(report)


def test_floor_lists_only_reference_tests():
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    reference = json.loads((MLX_TESTS / "reference_pass.json").read_text())
    for name, tests in _floor().items():
        assert set(tests) <= set(reference.get(name, [])), name


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    reference = json.loads((MLX_TESTS / "reference_pass.json").read_text())
    result = _run(sorted(reference))
    FLOOR.write_text(json.dumps({k: sorted(v) for k, v in sorted(result.items())},
                                indent=1) + "\n")
    print(f"{sum(map(len, result.values()))} tests in the floor")
