"""Build the Sphinx docs with warnings as errors and spot-check the output.

The build runs on a copy of ``docs/`` (and ``tutorials/``, which the docs link
to) in a temporary folder, so the working tree is left untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

BUILD_TIMEOUT = 300  # seconds; the build normally takes well under a minute

BACKEND = os.environ.get("LUMEX_TEST_BACKEND", "lumex").strip().lower() or "lumex"

# With LUMEX_TEST_BACKEND=mlx, conftest.py aliases lumex.core to mlx.core inside
# the pytest process only. Subprocesses (the notebook kernel, sphinx-build) get
# the same alias from this tiny package, put first on their PYTHONPATH.
_MLX_SHIM = """\
import sys
import mlx.core as core
sys.modules[__name__ + ".core"] = core
"""


def _require_lumex():
    """Skip when lumex is not built or installed; fail if it is but is broken."""
    try:
        import lumex.core  # noqa: F401
    except ModuleNotFoundError as err:
        if err.name in ("lumex", "lumex.core"):
            pytest.skip(f"lumex is not built/installed ({err})")
        raise


def _subprocess_env(monkeypatch, tmp_dir: Path) -> None:
    """Let subprocesses import lumex.core the way this process does."""
    if BACKEND != "mlx":
        return  # they inherit the environment, and with it the installed lumex
    shim = tmp_dir / "lumex_mlx_shim"
    (shim / "lumex").mkdir(parents=True, exist_ok=True)
    (shim / "lumex" / "__init__.py").write_text(_MLX_SHIM, encoding="utf-8")
    path = [str(shim)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path))


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    # conf.py imports lumex.core to document it.
    _require_lumex()

    root = tmp_path_factory.mktemp("docs")
    with pytest.MonkeyPatch.context() as monkeypatch:
        _subprocess_env(monkeypatch, root)
        return _build(root)


def _build(root: Path) -> Path:
    shutil.copytree(
        REPO / "docs",
        root / "docs",
        ignore=shutil.ignore_patterns("_build", "generated", "__pycache__"),
    )
    shutil.copytree(
        REPO / "tutorials",
        root / "tutorials",
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    out = root / "html"
    cmd = [
        sys.executable, "-m", "sphinx",
        "-W", "--keep-going",
        "-b", "html",
        str(root / "docs"), str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert proc.returncode == 0, f"sphinx-build failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-10000:]}"
    return out


def _page(html: Path, name: str) -> Path:
    matches = sorted(html.rglob(name))
    assert matches, f"{name} not found in the built docs"
    return matches[0]


@pytest.mark.parametrize("page", ["index.html", "install.html", "quickstart.html", "differences.html"])
def test_top_level_pages(html, page):
    assert (html / page).is_file()


@pytest.mark.parametrize("name", ["array", "add"])
def test_api_page_exists(html, name):
    page = _page(html, f"lumex.core.{name}.html")
    # autodoc emitted the object's anchor, i.e. it really documented it.
    assert f'id="lumex.core.{name}"' in page.read_text(encoding="utf-8")


def test_api_group_pages(html):
    for slug in ["array", "data_types", "devices_and_streams", "ops", "memory_management"]:
        assert (html / "api" / "generated" / f"{slug}.html").is_file(), slug


def test_quickstart_notebook_is_downloadable(html):
    _page(html / "_downloads", "01_quickstart.ipynb")
