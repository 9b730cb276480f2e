"""show_graph / show_grad_graph: graph contents, hierarchy, honest names, the Graphviz
layout, the saved-output picture and the widget's kernel side."""

import base64
import re
import time

import pytest

pytestmark = pytest.mark.lumex_only

from helpers import IS_MLX  # noqa: E402

if IS_MLX:  # lumex.notebook_ext does not exist beside mlx.core
    pytest.skip("the notebook layer is lumex's own", allow_module_level=True)

import lumex.core as mx  # noqa: E402
from lumex.notebook_ext import show_grad_graph, show_graph  # noqa: E402
from lumex.notebook_ext.graph_view import GraphView  # noqa: E402


def small():
    with mx.graph.record_sites():
        x = mx.array([1.0, 2.0, 3.0])
        y = mx.exp(x * 2) + 1
    return x, y


def svg_of(html: str) -> str:
    src = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    return base64.b64decode(src).decode()


def test_graph_nodes_names_and_status():
    x, y = small()
    v = show_graph(y, x=x, out=y)
    nodes = v.graph.nodes
    assert [n.label for n in nodes.values() if n.op] == ["multiply", "exp", "add"]
    titles = {n.title for n in nodes.values()}
    assert "x" in titles and "out = add" in titles
    assert all(n.status == "unscheduled" for n in nodes.values() if n.op)
    assert mx.graph.status(y) == "unscheduled"
    assert all(n.site and n.site[1] > 0 for n in nodes.values() if n.op)
    # The scalar constants 2 and 1 are folded into the ops that read them.
    assert not any(n.kind == "constant" for n in nodes.values())
    assert "scalar constant" in nodes[next(k for k, n in nodes.items() if n.op == "Add")].folded
    assert len(v.internals_view().graph.nodes) == 6


def test_layout_is_graphviz_and_static_picture_matches_widget():
    x, y = small()
    v = show_graph(y, x=x)
    data = v.to_json()
    assert len(data["nodes"]) == 4 and len(data["edges"]) == 3
    assert all(e["path"].startswith("M") and " C" in e["path"] for e in data["edges"])
    svg = v.to_svg()
    for n in data["nodes"]:
        assert f'x="{n["x"] - n["w"] / 2:.1f}"' in svg
    assert "digraph" in data["dot"] and 'label="exp\\n(3,) float32"' in data["dot"]


def test_bundle_stores_the_picture_once_in_sanitiser_safe_html():
    _, y = small()
    bundle = show_graph(y, title="t")._repr_mimebundle_()
    assert "image/svg+xml" not in bundle  # once, inside the HTML
    html = bundle["text/html"]
    assert "<svg" not in html and html.count("data:image/svg+xml;base64,") == 1
    assert svg_of(html).startswith("<svg") and "exp" in svg_of(html)
    assert mx.graph.status(y) == "unscheduled"


def test_display_is_the_picture_then_the_widget():
    """Two outputs, so a notebook reopened without a kernel (or widget state) still
    shows the picture; the page's stylesheet pairs them by the lmx-static marker."""
    from lumex.notebook_ext._bundle import WIDGET_VIEW, display_bundles

    _, y = small()
    view = show_graph(y, title="t")
    static, live = display_bundles(view._static_bundle(), view._live_widget)
    assert static["text/html"].startswith('<div class="lmx-static">')
    assert "data:image/svg+xml;base64," in static["text/html"] and "text/plain" in static
    assert live["text/plain"] == "" and live[WIDGET_VIEW]["model_id"]
    assert ".jp-OutputArea-child:has(.lmx-static)" in static["text/html"]  # the pairing rules
    shown = []
    import IPython.display

    real = IPython.display.display
    IPython.display.display = lambda obj, raw=False: shown.append(obj)
    try:
        view._ipython_display_()
    finally:
        IPython.display.display = real
    assert [list(b) for b in shown] == [list(static), list(live)]
    assert mx.graph.status(y) == "unscheduled"


def test_arguments_keep_call_order():
    a, b, c = mx.array(1.0), mx.array(2.0), mx.array(3.0)
    out = mx.where(a > 0, c, b)
    v = show_graph(out, a=a, b=b, c=c)
    where = next(k for k, n in v.graph.nodes.items() if n.op == "Select")
    ins = [v.graph.nodes[s].title for s, d in v.graph.edges if d == where]
    assert ins[1:] == ["c", "b"]
    data = v.to_json()
    xs = {n["title"]: n["x"] for n in data["nodes"]}
    assert xs["c"] < xs["b"]


def rnn(steps=50):
    w = mx.random.normal((16, 16))
    xs = [mx.random.normal((16,)) for _ in range(steps)]
    h = mx.zeros((16,))
    mx.eval(w, h, *xs)
    with mx.graph.record_sites():
        for t in range(steps):
            h = mx.tanh(w @ h + xs[t])
    return h


def test_repeated_steps_fold_and_expand_one_level_at_a_time():
    h = rnn()
    t = time.perf_counter()
    v = show_graph(h, title="rnn")
    data = v.to_json()
    first = time.perf_counter() - t
    groups = [n for n in data["nodes"] if n["kind"] == "group"]
    assert [g["title"] for g in groups] == ["step ×49"]
    assert len(data["nodes"]) < 20
    assert any(n["kind"] == "output" for n in data["nodes"])
    w = v.widget()
    t = time.perf_counter()
    w.toggle(groups[0]["group"])
    expand = time.perf_counter() - t
    titles = [n["title"] for n in w.graph["nodes"] if n["kind"] == "group"]
    assert titles[:2] == ["steps 0–9", "steps 10–19"]
    assert first < 5 and expand < 5, (first, expand)


def test_long_chain_lays_out_few_boxes():
    x = mx.array([1.0])
    y = x
    for i in range(2000):
        y = y * 1.5 if i % 2 else y + 1
    t = time.perf_counter()
    v = show_graph(y)
    data = v.to_json()
    assert time.perf_counter() - t < 10
    assert len(v.full) >= 2001 and len(data["nodes"]) < 10


def test_module_scopes_group_and_collapse():
    x = mx.array([1.0, 2.0])
    with mx.graph.record_sites():
        h = x
        for i in range(3):
            with mx.graph.scope("net"), mx.graph.scope(f"layer{i}"):
                h = mx.tanh(h * 2.0 + 1.0) * mx.sin(h) - mx.cos(h) / 3.0
    v = show_graph(h, expanded=set())
    data = v.to_json()
    assert [n["title"] for n in data["nodes"] if n["kind"] == "group"] == ["net"]
    net = next(n["group"] for n in data["nodes"] if n["kind"] == "group")
    v.toggle(net)
    data = v.to_json()
    assert [c["label"] for c in data["clusters"]] == ["net"]
    assert sorted(n["title"] for n in data["nodes"] if n["kind"] == "group") == [
        "layer0", "layer1", "layer2"]
    node = next(n for n in v.graph.nodes.values() if n.op == "Tanh")
    assert node.info()["module"].startswith("net.layer")


def test_public_op_names_and_internals():
    with mx.graph.record_sites():
        a = mx.ones((2, 3))
        b = mx.squeeze(mx.expand_dims(a, 0), 0)
        c = (a * b).sum(axis=-1)
    v = show_graph(c)
    labels = [n.label for n in v.graph.nodes.values() if n.op]
    assert labels == ["ones", "expand_dims", "squeeze", "multiply", "sum"]
    inner = v.internals_view()
    assert "broadcast_to" in [n.label for n in inner.graph.nodes.values() if n.op] or \
        len(inner.graph.nodes) > len(v.graph.nodes)


def test_high_degree_sources_become_stubs():
    w, x = mx.array([1.0, 2.0]), mx.array([3.0, 4.0])
    total = mx.stack([w * x, w + x, w - x, mx.maximum(w, x), w / x, mx.minimum(w, x)])
    v = show_graph(total, w=w)
    data = v.to_json()
    stubs = [n for n in data["nodes"] if n["kind"] == "stub"]
    assert len([n for n in stubs if n["title"].startswith("w (2,)")]) == 6
    assert not any(n["title"] == "w" and n["kind"] != "stub" for n in data["nodes"])


def test_grad_graph_roles_and_groups():
    x = mx.array([1.0, 2.0, 3.0])

    def f(x):
        return mx.sum(mx.sin(x) * x)

    v = show_grad_graph(f, x)
    roles = {n.op: n.role for n in v.graph.nodes.values() if n.op and n.role != "cotangent"}
    assert roles["Sin"] == "forward" and roles["Cos"] == "backward-primal"
    assert any(n.role == "cotangent" for n in v.graph.nodes.values())
    top = {v.hierarchy.groups[k].label for k in v.hierarchy.top if k in v.hierarchy.groups}
    assert top == {"forward", "backward"}
    assert mx.graph.status(v.grads[0]) == "unscheduled"
    (g,) = v.grads
    assert mx.allclose(g, mx.sin(x) + x * mx.cos(x)).item()


def test_grad_graph_of_an_in_place_update_leaves_the_caller_alone():
    x = mx.array([1.0, 2.0, 3.0])

    def fun(x):
        x[mx.array([0])] = 5.0
        return x.sum()

    v = show_grad_graph(fun, x)
    assert x.tolist() == [1.0, 2.0, 3.0] and mx.graph.status(x) == "available"
    primal = next(n for n in v.graph.nodes.values() if n.name == "primal0")
    assert primal.op is None  # the caller's array, not a Scatter made by a probe call
    assert [n.op for n in v.full.nodes.values()].count("Scatter") == 2  # forward and backward
    assert v.grads[0].tolist() == [0.0, 1.0, 1.0]


def test_widget_kernel_side():
    x, y = small()
    w = show_graph(y, x=x).widget()
    assert w.graph["nodes"] and w.layout_ms > 0
    w.internals = True
    assert len(w.graph["nodes"]) > 4
    assert isinstance(w.view, GraphView) and w.view.internals
