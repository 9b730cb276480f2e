"""Notebook displays of arrays, dtypes and pytrees: right parts, and never evaluating."""

import pytest

pytestmark = pytest.mark.lumex_only

mx = pytest.importorskip("lumex.core")
np = pytest.importorskip("numpy")
from lumex.notebook_ext import display, install, show, uninstall, view  # noqa: E402


def pending():
    x = mx.arange(12.0).reshape(3, 4)
    return mx.exp(x * 0.5) + 1


def test_pending_bundle_does_not_evaluate():
    y = pending()
    assert mx.graph.status(y) == "unscheduled"
    with mx.graph.collect_events() as log:
        bundle = display.array_mimebundle(y)
    assert mx.graph.status(y) == "unscheduled"
    assert not log.events
    html = bundle["text/html"]
    for part in ("pending", "shape (3, 4)", "float32", "op Add", "primitive(s)", "mx.eval"):
        assert part in html
    assert bundle["text/plain"].startswith("array(shape=(3, 4), dtype=float32, unscheduled, op=Add")


def test_evaluated_bundle_has_values_stats_and_heatmap():
    y = pending()
    mx.eval(y)
    with mx.graph.collect_events() as log:
        bundle = display.array_mimebundle(y)
    assert not log.events
    assert bundle["text/plain"] == repr(y)
    html = bundle["text/html"]
    assert "computed" in html and "min 2" in html and "lmx-heatmap" in html
    r = mx.arange(16.0)
    mx.eval(r)
    assert "lmx-hist" in display.array_html(r)


def test_nan_inf_counts():
    s = display.stats(np.array([1.0, np.nan, np.inf, -np.inf, 3.0]))
    assert (s["nan"], s["inf"], s["min"], s["max"], s["mean"]) == (1, 2, 1.0, 3.0, 2.0)
    a = mx.array([1.0, float("nan")])
    assert "NaN × 1" in display.array_html(a)


def test_install_on_array_class_keeps_repr():
    install()
    try:
        y = pending()
        assert "text/html" in y._repr_mimebundle_()
        assert mx.graph.status(y) == "unscheduled"
        assert "float32" in mx.float32._repr_html_()
        assert "stream" in mx.default_stream(mx.default_device())._repr_html_()
        mx.eval(y)
        assert repr(y).startswith("array(")
    finally:
        uninstall()
    assert not hasattr(mx.array, "_repr_mimebundle_")


def test_pytree_table_does_not_evaluate():
    w = pending()
    params = {"layer": {"w": w, "b": mx.zeros((4,))}, "scale": 2.0}
    html = show(params)._repr_html_()
    assert mx.graph.status(w) == "unscheduled"
    assert "layer.w" in html and "layer.b" in html and "2 pending" in html and "3 arrays" not in html


def test_view_button_evaluates_on_demand():
    pytest.importorskip("ipywidgets")
    y = pending()
    box = view(y)
    assert mx.graph.status(y) == "unscheduled"
    box.evaluate()
    assert mx.graph.status(y) != "unscheduled"
    assert "min" in box.children[0].value and box.children[1].disabled


def test_display_overhead_is_small():
    import time

    y = pending()
    t = time.perf_counter()
    for _ in range(20):
        display.array_mimebundle(y)
    assert (time.perf_counter() - t) / 20 < 0.05
