"""Notebook displays of arrays, dtypes and pytrees: right parts, and never evaluating."""

import pytest

pytestmark = pytest.mark.lumex_only

from helpers import IS_MLX  # noqa: E402

if IS_MLX:  # lumex.notebook_ext does not exist beside mlx.core
    pytest.skip("the notebook layer is lumex's own", allow_module_level=True)

import lumex.core as mx  # noqa: E402
import numpy as np  # noqa: E402
from lumex.notebook_ext import display, install, show, uninstall  # noqa: E402
from lumex.notebook_ext import formatters  # noqa: E402


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
    # The memory evaluating it needs (memory_plan's peak), not every result added up.
    from lumex.notebook_ext import memory_plan
    from lumex.notebook_ext._html import human_bytes

    assert f"needs <b>{human_bytes(memory_plan(y).peak)}</b> at its peak" in html
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


@pytest.fixture
def shell():
    from IPython.testing.globalipapp import get_ipython

    ip = get_ipython()  # one shell per process, shared by the test modules
    html = ip.display_formatter.formatters["text/html"]
    enabled, html.enabled = html.enabled, True  # on in Jupyter, off in a terminal shell
    install(ip)
    yield ip
    uninstall(ip)
    html.enabled = enabled


def test_install_registers_formatters_and_keeps_repr(shell):
    y = pending()
    data, _ = shell.display_formatter.format(y)
    assert "pending" in data["text/html"] and "unscheduled" in data["text/plain"]
    assert mx.graph.status(y) == "unscheduled"
    assert "float32" in shell.display_formatter.format(mx.float32)[0]["text/html"]
    stream = mx.default_stream(mx.default_device())
    assert "stream" in shell.display_formatter.format(stream)[0]["text/html"]
    # Nothing is set on the nanobind classes: repr stays MLX's.
    assert not hasattr(mx.array, "_repr_mimebundle_") and not hasattr(mx.Dtype, "_repr_html_")
    mx.eval(y)
    assert shell.display_formatter.format(y)[0]["text/plain"] == repr(y)
    uninstall(shell)
    assert "text/html" not in shell.display_formatter.format(y)[0]


@pytest.mark.parametrize("make", [lambda z, y: (z, y * 3), lambda z, y: [z, {"w": y}],
                                  lambda z, y: {"w": z, "b": (y,)}])
def test_containers_of_pending_arrays_display_without_evaluating(shell, make):
    z, y = pending(), pending()
    value = make(z, y)
    with mx.graph.collect_events() as log:
        data, _ = shell.display_formatter.format(value)
    assert not [e for e in log.events if e.kind == "repr"]
    assert mx.graph.status(z) == "unscheduled"
    assert data["text/plain"].count("unscheduled") == 2
    assert "pending" in data["text/html"]


def test_containers_evaluated_at_the_end_of_a_cell_stay_lazy(shell):
    shell.run_cell("import lumex.core as mx\nz = mx.exp(mx.arange(3.0))\ny = z + 1")
    with mx.graph.collect_events() as log:
        shell.run_cell("z, y * 3")
        shell.run_cell("{'w': z}")
    assert not log.events
    assert mx.graph.status(shell.user_ns["z"]) == "unscheduled"


def test_ordinary_containers_keep_plain_displays(shell):
    data, _ = shell.display_formatter.format((1, [2, 3], {"a": 4}))
    assert set(data) == {"text/plain"}
    x = mx.array([1.0, 2.0])
    data, _ = shell.display_formatter.format((x, 2))
    assert set(data) == {"text/plain"} and data["text/plain"] == repr((x, 2))


def test_auto_install_reports_failures(monkeypatch, shell):
    import lumex

    def broken(*_):
        raise RuntimeError("boom")

    monkeypatch.setattr(formatters, "install", broken)
    import lumex.notebook_ext as nx

    monkeypatch.setattr(nx, "install", broken)
    with pytest.warns(RuntimeWarning, match="boom"):
        lumex._install_notebook_displays()


def test_public_api_is_small():
    import lumex.notebook_ext as nx

    # One name per tool: no aliases, no low-level helpers (install is lumex's import's
    # and %load_ext's business; an Evaluate button is show(a, button=True)).
    assert sorted(nx.__all__) == sorted(["show", "show_graph", "show_grad_graph",
                                         "show_compiled", "EvalLedger", "monitor",
                                         "memory_plan", "gradient_explorer", "vmap_explorer",
                                         "jacobian_explorer"])
    assert not hasattr(nx, "grad_graph") and not hasattr(nx, "evaltrace")
    assert not hasattr(nx, "view")


def test_pytree_table_does_not_evaluate():
    w = pending()
    params = {"layer": {"w": w, "b": mx.zeros((4,))}, "scale": 2.0}
    html = show(params)._repr_html_()
    assert mx.graph.status(w) == "unscheduled"
    assert "layer.w" in html and "layer.b" in html and "2 pending" in html and "3 arrays" not in html


def test_view_button_evaluates_on_demand():
    y = pending()
    box = show(y, button=True)
    assert mx.graph.status(y) == "unscheduled"
    # Displayed as the static view (kept by a saved notebook), then the widget.
    import IPython.display

    shown, real = [], IPython.display.display
    IPython.display.display = lambda obj, raw=False: shown.append(obj)
    try:
        box._ipython_display_()
    finally:
        IPython.display.display = real
    assert shown[0]["text/html"].startswith('<div class="lmx-static">')
    assert "application/vnd.jupyter.widget-view+json" in shown[1]
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
