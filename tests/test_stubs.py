"""Type stubs for lumex.core, written at build time by nanobind's stubgen.

They live in ``lumex/core/__init__.pyi`` (plus ``lumex/core/<submodule>.pyi``)
next to the compiled ``lumex/core.*.so``, with a ``py.typed`` marker, so IDEs
and type checkers complete names and signatures. Developer builds
(``.ci/dev_build.sh``) and wheels both carry them.
"""

from __future__ import annotations

import ast
import types
from pathlib import Path

import pytest

pytestmark = pytest.mark.lumex_only


@pytest.fixture(scope="module")
def package() -> Path:
    import lumex
    import lumex.core  # noqa: F401  (fails, never skips, when lumex is not built)

    return Path(lumex.__file__).parent


def _stub(package: Path, module: str = "__init__") -> Path:
    path = package / "core" / f"{module}.pyi"
    assert path.is_file(), f"{path} is missing: the build should write it (core/CMakeLists.txt)"
    return path


def test_py_typed_marker(package):
    assert (package / "py.typed").is_file()


def test_core_stub_has_functions_and_classes(package):
    text = _stub(package).read_text(encoding="utf-8")
    assert "def add(" in text
    assert "class array" in text
    ast.parse(text)  # a valid Python file


def test_core_stub_lists_every_public_function(package):
    import lumex.core as mx

    tree = ast.parse(_stub(package).read_text(encoding="utf-8"))
    defined = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            defined.update(a.asname or a.name for a in node.names)
    public = [n for n in dir(mx) if not n.startswith("_") and callable(getattr(mx, n))]
    missing = sorted(n for n in public if n not in defined)
    assert not missing, f"not in lumex/core/__init__.pyi: {missing}"


def test_submodule_stubs(package):
    import lumex.core as mx

    subs = [n for n in dir(mx) if isinstance(getattr(mx, n), types.ModuleType)]
    assert subs, "lumex.core has no submodules?"
    for name in subs:
        text = _stub(package, name).read_text(encoding="utf-8")
        ast.parse(text)
        assert "def " in text, name
