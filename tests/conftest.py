"""Shared pytest configuration for the lumex test suite.

The suite encodes MLX's behaviour. Set ``LUMEX_TEST_BACKEND=mlx`` to run it
against the real ``mlx.core`` (the reference): ``import lumex.core`` then
resolves to ``mlx.core``. Tests of deliberate lumex improvements over MLX are
marked ``lumex_only`` and are skipped under that backend.
"""

import os
import sys

import pytest

BACKEND = os.environ.get("LUMEX_TEST_BACKEND", "lumex").strip().lower() or "lumex"

if BACKEND == "mlx":
    import mlx
    import mlx.core

    # Alias before any test module runs `import lumex.core as mx`.
    sys.modules["lumex"] = mlx
    sys.modules["lumex.core"] = mlx.core
    import mlx.nn
    import mlx.utils

    sys.modules["lumex.nn"] = mlx.nn
    sys.modules["lumex.utils"] = mlx.utils
elif BACKEND != "lumex":
    raise RuntimeError(
        f"LUMEX_TEST_BACKEND must be 'lumex' or 'mlx', got {BACKEND!r}"
    )

# Make `import helpers` work from every test module whatever the rootdir.
_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "lumex_only: behaviour where lumex deliberately differs from MLX "
        "(skipped when LUMEX_TEST_BACKEND=mlx)",
    )
    config.addinivalue_line(
        "markers", "slow: a test that takes more than about a second"
    )
    config.addinivalue_line(
        "markers",
        "not_built(*names): needs lumex.core names that are not built yet; the "
        "test must fail (strict xfail), so it turns red once they exist",
    )


def pytest_report_header(config):
    import lumex.core as mx

    version = getattr(mx, "__version__", "?")
    return f"lumex test backend: {BACKEND} ({mx.__name__} {version})"


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="lumex_only: lumex deliberately differs from MLX")
    for item in items:
        if BACKEND == "mlx" and "lumex_only" in item.keywords:
            item.add_marker(skip)
        marker = item.get_closest_marker("not_built")
        if marker is not None and BACKEND != "mlx":
            if not marker.args:
                raise pytest.UsageError(f"{item.nodeid}: not_built() must name what is missing")
            # Only a missing name counts as the expected failure: need() fails, or
            # the test trips over mx.<name> (AttributeError). Passing is an error.
            item.add_marker(pytest.mark.xfail(
                reason="not built yet: " + ", ".join(marker.args), strict=True,
                raises=(AttributeError, pytest.fail.Exception)))


@pytest.fixture
def rng():
    """A fresh, seeded NumPy generator for each test."""
    import numpy as np

    return np.random.default_rng(0)


def pytest_sessionfinish(session):
    # pytest keeps each test's parametrize values (arrays, dtypes) alive in its items
    # until the interpreter exits, after lumex's extension module is torn down, so
    # nanobind reported them as leaked. Dropping the items lets them go first; a real
    # leak (an object lumex itself keeps) is still reported, and
    # tests/test_eval_events.py checks a program's exit for one.
    session.items.clear()
