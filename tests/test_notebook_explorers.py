"""Gradient and vmap explorers: moving a widget recomputes the right numbers (headless)."""

import math

import pytest

pytestmark = pytest.mark.lumex_only

from helpers import IS_MLX  # noqa: E402

if IS_MLX:  # lumex.notebook_ext does not exist beside mlx.core
    pytest.skip("the notebook layer is lumex's own", allow_module_level=True)

import anywidget  # noqa: E402,F401
import ipywidgets  # noqa: E402,F401
import lumex.core as mx  # noqa: E402
import matplotlib  # noqa: E402,F401
import numpy as np  # noqa: E402
from lumex.notebook_ext import gradient_explorer, vmap_explorer  # noqa: E402
from lumex.notebook_ext.explorers.gradient import grid_through  # noqa: E402
from lumex.notebook_ext.explorers.vmap import speedup_text  # noqa: E402


def _curves(widget):
    return np.frombuffer(widget.curves, dtype=np.float32)


def test_gradient_explorer_one_variable():
    e = gradient_explorer(lambda x: mx.sin(x) * x, 0.5)
    w = e.widget
    i = e.nearest(1.0)[0]
    w.index = [i]  # what the browser sends when the slider stops
    v = e.values
    x = float(e.xs[i])
    assert v["x"] == x and abs(x - 1.0) < 0.02
    assert math.isclose(v["f"], math.sin(x) * x, rel_tol=1e-5)
    assert math.isclose(v["df"], math.sin(x) + x * math.cos(x), rel_tol=1e-5)
    assert math.isclose(v["d2f"], 2 * math.cos(x) - x * math.sin(x), rel_tol=1e-4)
    assert v["fd_error"] < 1e-3
    # The browser draws from these: f, f', f'' and the central difference at each point.
    f, df, d2f, fd = _curves(w).reshape(4, -1)
    np.testing.assert_allclose(f, np.sin(e.xs) * e.xs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(df, np.sin(e.xs) + e.xs * np.cos(e.xs), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(d2f, 2 * np.cos(e.xs) - e.xs * np.sin(e.xs), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(fd, df, atol=2e-3)
    w.h = 1e-2
    assert e.values["h"] == pytest.approx(1e-2)
    assert not np.array_equal(_curves(w).reshape(4, -1)[3], fd)  # new differences sent
    bundle = e._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "data:image/svg+xml;base64," in bundle["text/html"]  # the saved picture: vector


def test_gradient_explorer_starts_exactly_at_the_start_point():
    for x0 in (1.0, 0.37, -2.9, 3.0, 5.0):
        e = gradient_explorer(lambda t: t * t, x0)
        assert e.values["x"] == x0
        w = e.widget
        assert w.spec["xs"][w.index[0]] == x0  # the slider position is the point itself
        assert w.spec["names"] == ["t"]
    xs, i0 = grid_through(1.0, -3.0, 3.0, 200)
    assert xs[i0] == 1.0 and xs[0] >= -3.0 - 1e-9 and xs[-1] <= 3.0 + 1e-9
    assert np.allclose(np.diff(xs), 0.03)


def test_gradient_explorer_compute_moves_the_widget_and_keeps_exact_numbers():
    e = gradient_explorer(lambda t: mx.sin(t) * t, 1.0)
    w = e.widget
    v = e.compute(2.0, h=1e-1)
    assert v["x"] == 2.0 and v["h"] == 1e-1  # exact point, the given step
    assert abs(e.xs[w.index[0]] - 2.0) <= 0.015  # the slider went to the nearest point


def test_gradient_explorer_axes_are_fixed_by_the_whole_curves():
    e = gradient_explorer(lambda x: x ** 3, 0.0)
    lo, hi = e.widget.spec["y_range"]
    assert lo < -26 and hi > 26  # f' = 3x^2 reaches 27 at the ends; the range holds it


def test_gradient_explorer_two_variables():
    e = gradient_explorer(lambda u, v: u**2 + 3 * v**2 + u * v, (1.0, -1.0))
    w = e.widget
    assert w.spec["names"] == ["u", "v"]
    assert e.values["x"] == 1.0 and e.values["y"] == -1.0
    assert (w.spec["xs"][w.index[0]], w.spec["ys"][w.index[1]]) == (1.0, -1.0)
    j = e.nearest(1.0, 0.5)
    w.index = j
    x, y = e.point(j)
    gx, gy = e.values["grad"]
    assert (gx, gy) == pytest.approx((2 * x + y, 6 * y + x), rel=1e-5)
    assert e.values["fd"] == pytest.approx((gx, gy), abs=1e-2)
    n = len(e.xs) * len(e.ys)
    f, gxs, gys = _curves(w).reshape(5, n)[:3]
    k = j[0] * len(e.ys) + j[1]
    assert (gxs[k], gys[k]) == pytest.approx((gx, gy), rel=1e-5)
    assert f[k] == pytest.approx(x * x + 3 * y * y + x * y, rel=1e-5)


def test_vmap_explorer_slices_and_assembly():
    xs = mx.arange(6.0).reshape(3, 2)
    b = mx.array([10.0, 20.0])
    e = vmap_explorer(lambda a, c: a * c + 1, (0, None), 1, xs, b)
    assert e.size == 3 and e.assembled.shape == (2, 3) and e.matches
    np.testing.assert_allclose(e.slices[2][0], [4.0, 5.0])
    np.testing.assert_allclose(e.results[2], [41.0, 101.0])
    e.slider.value = 2
    assert "call 2" in e.view.value and "a[2, :], c)" in e.view.value  # parameter names
    assert set(e.timing) == {"loop", "vmap"}
    with pytest.raises(ValueError, match="batch size"):
        vmap_explorer(lambda a, c: a + c, 0, 0, mx.ones((3,)), mx.ones((4,)))


def test_vmap_explorer_states_the_speedup_the_right_way_round():
    assert speedup_text(loop=3.0, batched=1.0) == "3.0× faster batched"
    assert speedup_text(loop=1.0, batched=3.0) == "3.0× slower batched"
    e = vmap_explorer(lambda a: a * 2, 0, 0, mx.ones((4, 3)))
    e.timing = {"loop": 1e-3, "vmap": 3e-3}
    assert "3.0× slower batched" in e.call_html(0) and "faster" not in e.call_html(0)
