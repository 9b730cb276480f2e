"""The Sphinx docs: the build (warnings are errors) and the API reference's coverage.

The build runs on a copy of ``docs/`` (and ``tutorials/``, which the docs
render and link to) in a temporary folder, so the working tree is left
untouched. myst-nb executes the tutorials and the guide pages during the
build, without a cache, so a notebook that fails fails the build.

The coverage tests need no build: every public name of ``lumex.core``, its
submodules, ``lumex.utils``, ``lumex.nn`` (with ``losses``, ``init``, ``utils``),
``lumex.optimizers`` and ``lumex.notebook_ext`` must be listed in
``docs/api/groups.py`` (or in its tables of dtypes and constants) and carry a
docstring whose first line is its signature.

The docs describe lumex itself (graph introspection, the notebook layer), so
none of this runs against MLX.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import runpy
import shutil
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

pytestmark = pytest.mark.lumex_only

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
TUTORIALS = sorted((REPO / "tutorials").glob("*.ipynb"))
GUIDE = sorted((DOCS / "guide").glob("*.md"))

# Seconds. The build executes every tutorial and guide page (about a minute in
# all on two idle cores); the margin is for loaded machines.
BUILD_TIMEOUT = 900


# -- The build -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    # Test dependencies (missing, the build fails); conf.py imports lumex.core to
    # document it.
    import myst_nb  # noqa: F401
    import sphinx  # noqa: F401

    import lumex.core  # noqa: F401
    return _build(tmp_path_factory.mktemp("docs"))


def _build(root: Path) -> Path:
    shutil.copytree(
        DOCS,
        root / "docs",
        ignore=shutil.ignore_patterns("_build", "generated", "tutorials", "__pycache__"),
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
    # "force": run every notebook; a cache could hide a change in lumex itself.
    env = dict(os.environ, LUMEX_DOCS_EXECUTE="force")
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT, env=env)
    took = time.monotonic() - start
    assert proc.returncode == 0, f"sphinx-build failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-10000:]}"
    executed = [line.split("/docs/", 1)[-1] for line in proc.stdout.splitlines() if "Executed notebook" in line]
    print(f"\ndocs build: {took:.1f} s", *executed, sep="\n  ")
    return out


def _page(html: Path, name: str) -> Path:
    matches = sorted(html.rglob(name))
    assert matches, f"{name} not found in the built docs"
    return matches[0]


@pytest.mark.parametrize("page", ["index.html", "install.html", "quickstart.html", "differences.html"])
def test_top_level_pages(html, page):
    assert (html / page).is_file()


@pytest.mark.parametrize("path", GUIDE, ids=[p.stem for p in GUIDE])
def test_guide_page_executed(html, path):
    text = (html / "guide" / f"{path.stem}.html").read_text(encoding="utf-8")
    # myst-nb wraps each code cell's output in a "cell_output" block.
    assert "cell_output" in text, f"{path.name}: no executed output in the page"


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.name for p in TUTORIALS])
def test_tutorial_rendered_with_outputs(html, path):
    text = (html / "tutorials" / f"{path.stem}.html").read_text(encoding="utf-8")
    assert "cell_output" in text, f"{path.name}: rendered without outputs"
    assert path.stem in (html / "tutorials" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("stem", ["02_lazy_evaluation", "07_autodiff_from_scratch"])
def test_tutorial_graphs_render_as_pictures(html, stem):
    """The graph views and ledgers of a rendered tutorial are their saved pictures (the
    static output of each view, a data-URI SVG), not a widget that needs a kernel."""
    text = (html / "tutorials" / f"{stem}.html").read_text(encoding="utf-8")
    assert text.count('class="lmx-static"') >= 2, f"{stem}: no saved graph pictures"
    assert text.count('src="data:image/svg+xml;base64,') >= 2
    page = re.sub(r"<style.*?</style>", "", text, flags=re.S)
    assert "jp-OutputArea-child" not in page  # so the pairing stylesheet cannot hide them


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.name for p in TUTORIALS])
def test_tutorial_is_downloadable(html, path):
    _page(html / "_downloads", path.name)


@pytest.mark.parametrize("name", ["array", "add"])
def test_api_page_exists(html, name):
    page = _page(html, f"lumex.core.{name}.html")
    # autodoc emitted the object's anchor, i.e. it really documented it.
    assert f'id="lumex.core.{name}"' in page.read_text(encoding="utf-8")


def test_api_group_pages(html):
    for slug in _groups()["GROUPS"]:
        assert (html / "api" / "generated" / f"{slug.slug}.html").is_file(), slug.slug


def test_every_documented_name_has_a_page(html):
    pages = {p.stem for p in (html / "api" / "generated" / "_autosummary").glob("*.html")}
    missing = sorted(
        full for full in _page_names()
        if _resolve(full) is not None and not _is_alias(full) and full not in pages
    )
    assert not missing, f"listed in docs/api/groups.py but no page was generated: {missing}"


# -- Coverage of the public API --------------------------------------------------------


def _groups() -> dict:
    return runpy.run_path(str(DOCS / "api" / "groups.py"))


def _page_names() -> set[str]:
    """Full names (``lumex.core.random.seed``) that get a page of their own."""
    return {f"{g.module}.{name}" for g in _groups()["GROUPS"] for name in g.names}


def _table_names() -> set[str]:
    """Full names shown in a table (dtypes, dtype categories, constants)."""
    g = _groups()
    names = [n for n, _ in g["DTYPES"]] + [n for n, _ in g["CATEGORIES"]] + [n for n, _ in g["CONSTANTS"]]
    return {f"lumex.core.{n}" for n in names}


def _resolve(full: str):
    parts = full.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj
    return None


def _public_modules() -> list[types.ModuleType]:
    import lumex.core as core

    modules = [core]
    for name in sorted(dir(core)):
        obj = getattr(core, name)
        if isinstance(obj, types.ModuleType) and obj.__name__.startswith("lumex.core."):
            modules.append(obj)
    modules.append(importlib.import_module("lumex.utils"))
    for name in ("lumex.nn", "lumex.nn.losses", "lumex.nn.init", "lumex.nn.utils"):
        modules.append(importlib.import_module(name))
    modules.append(importlib.import_module("lumex.optimizers"))
    modules.append(importlib.import_module("lumex.notebook_ext"))
    return modules


def _public_names() -> list[str]:
    names = []
    for module in _public_modules():
        if hasattr(module, "__all__"):
            own = list(module.__all__)
        else:
            own = [n for n in dir(module) if not n.startswith("_")]
        for name in own:
            if isinstance(getattr(module, name), types.ModuleType):
                continue  # a submodule: its names are checked on their own
            names.append(f"{module.__name__}.{name}")
    return names


def _public_callables() -> list[str]:
    tables = _table_names()
    return [n for n in _public_names() if n not in tables and callable(_resolve(n))]


def test_every_public_name_is_in_the_reference():
    listed = _page_names() | _table_names()
    missing = [n for n in _public_names() if n not in listed]
    assert not missing, (
        "public names missing from the API reference; add them to a group (or to the "
        f"DTYPES/CATEGORIES/CONSTANTS tables) in docs/api/groups.py: {missing}"
    )


def _is_nanobind(obj) -> bool:
    return type(obj).__module__ == "nanobind"


def _is_alias(full: str) -> bool:
    """``lumex.core.pow`` is ``power``: listed in an alias table, not a page."""
    obj = _resolve(full)
    return _is_nanobind(obj) and getattr(obj, "__name__", None) != full.rsplit(".", 1)[1]


def _summary(doc: str, skip: int) -> str:
    return " ".join(doc.splitlines()[skip:]).strip()


def _signature_problem(full: str) -> str | None:
    obj = _resolve(full)
    name = full.rsplit(".", 1)[1]
    if isinstance(obj, type):
        doc = inspect.getdoc(obj) or ""
        if len(doc.split()) < 3:
            return f"class docstring too short: {doc!r}"
        init = obj.__dict__.get("__init__")
        if init is not None and _is_nanobind(init):
            first = (init.__doc__ or "").splitlines()[:1]
            if not first or not first[0].startswith("__init__("):
                return "constructor docstring does not start with its signature"
        return None
    doc = obj.__doc__ or ""
    if _is_nanobind(obj):
        # nanobind puts one signature line per overload first, then the docstring.
        # An alias (mx.pow is mx.power) carries the signature of its target.
        starts = (f"{name}(", f"{getattr(obj, '__name__', name)}(")
        lines = doc.splitlines()
        sigs = 0
        while sigs < len(lines) and lines[sigs].startswith(starts):
            sigs += 1
        if sigs == 0:
            return f"docstring does not start with the signature {name}(...): {lines[:1]}"
        text = _summary(doc, sigs)
    else:
        # Python functions: autodoc reads the signature with inspect.
        try:
            inspect.signature(obj)
        except (TypeError, ValueError):
            return "no signature available"
        text = inspect.getdoc(obj) or ""
    if len(text.split()) < 3:
        return f"docstring too short: {text!r}"
    return None


def test_every_public_callable_has_a_signature_and_docstring():
    problems = {n: p for n in _public_callables() if (p := _signature_problem(n))}
    assert not problems, "\n".join(f"{n}: {p}" for n, p in sorted(problems.items()))
