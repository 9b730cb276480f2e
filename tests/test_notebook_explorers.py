"""Gradient and vmap explorers: moving a widget recomputes the right numbers (headless)."""

import base64
import math

import pytest

pytestmark = pytest.mark.lumex_only

mx = pytest.importorskip("lumex.core")
np = pytest.importorskip("numpy")
pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")
from lumex.notebook_ext import gradient_explorer, vmap_explorer  # noqa: E402


def test_gradient_explorer_one_variable():
    e = gradient_explorer(lambda x: mx.sin(x) * x, 0.5)
    e.sliders[0].value = 1.0
    v = e.values
    assert v["x"] == 1.0
    assert math.isclose(v["f"], math.sin(1.0), rel_tol=1e-5)
    assert math.isclose(v["df"], math.sin(1.0) + math.cos(1.0), rel_tol=1e-5)
    assert math.isclose(v["d2f"], 2 * math.cos(1.0) - math.sin(1.0), rel_tol=1e-4)
    assert v["fd_error"] < 1e-3
    e.h_slider.value = 1e-2
    assert e.values["h"] == pytest.approx(1e-2)
    # Live: inline SVG whose ink is JupyterLab's theme colour; saved: a PNG.
    assert "<svg" in e.image.value and "var(--jp-content-font-color1" in e.image.value
    assert base64.b64decode(e._repr_mimebundle_()["image/png"])[:4] == b"\x89PNG"


def test_gradient_explorer_two_variables():
    e = gradient_explorer(lambda x, y: x**2 + 3 * y**2 + x * y, (1.0, -1.0))
    e.sliders[1].value = 0.5
    gx, gy = e.values["grad"]
    assert (gx, gy) == pytest.approx((2 * 1.0 + 0.5, 6 * 0.5 + 1.0))
    assert e.values["fd"] == pytest.approx((gx, gy), abs=1e-2)


def test_vmap_explorer_slices_and_assembly():
    xs = mx.arange(6.0).reshape(3, 2)
    b = mx.array([10.0, 20.0])
    e = vmap_explorer(lambda a, c: a * c + 1, (0, None), 1, xs, b)
    assert e.size == 3 and e.assembled.shape == (2, 3) and e.matches
    np.testing.assert_allclose(e.slices[2][0], [4.0, 5.0])
    np.testing.assert_allclose(e.results[2], [41.0, 101.0])
    e.slider.value = 2
    assert "call 2" in e.view.value and "x0[2, :]" in e.view.value
    assert set(e.timing) == {"loop", "vmap"}
    with pytest.raises(ValueError, match="batch size"):
        vmap_explorer(lambda a, c: a + c, 0, 0, mx.ones((3,)), mx.ones((4,)))
