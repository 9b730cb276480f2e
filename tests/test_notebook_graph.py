"""show_graph / show_grad_graph: graph contents, DOT, SVG, widget state, large graphs."""

import time

import pytest

pytestmark = pytest.mark.lumex_only

mx = pytest.importorskip("lumex.core")
from lumex.notebook_ext import GraphView, show_grad_graph, show_graph  # noqa: E402


def small():
    with mx.graph.record_sites():
        x = mx.array([1.0, 2.0, 3.0])
        y = mx.exp(x * 2) + 1
    return x, y


def test_graph_nodes_names_and_status():
    x, y = small()
    v = show_graph(y, x=x, out=y)
    nodes = v.graph.nodes
    ops = [n.op for n in nodes.values() if n.op]
    assert ops == ["Multiply", "Exp", "Add"]
    titles = {n.title for n in nodes.values()}
    assert "x" in titles and "out = Add" in titles
    assert all(n.status == "unscheduled" for n in nodes.values() if n.op)
    assert mx.graph.status(y) == "unscheduled"
    ins, outs = v.graph.ranked()
    assert len(ins) == 3 and len(outs) == 1
    assert all(n.site and n.site[1] > 0 for n in nodes.values() if n.op)


def test_dot_for_known_graph():
    x, y = small()
    dot = show_graph(y, x=x).to_dot()
    assert dot.startswith("digraph lumex {")
    for text in ('label="Multiply\\n(3,) float32"', 'label="Exp\\n(3,) float32"', "subgraph cluster_0"):
        assert text in dot
    assert dot.count("->") == 5


def test_bundle_has_svg_html_and_widget():
    _, y = small()
    bundle = show_graph(y)._repr_mimebundle_()
    assert bundle["image/svg+xml"].startswith("<svg")
    assert "<svg" in bundle["text/html"] and "pending" in bundle["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert mx.graph.status(y) == "unscheduled"


def test_widget_collapse_search_and_highlight():
    pytest.importorskip("anywidget")
    x, y = small()
    w = show_graph(y, x=x).widget()
    group = w.graph["groups"][0]
    n_before = len(w.graph["nodes"])
    w.collapsed = [group]
    # Multiply, Exp and the constant 2 become one node; the output stays visible.
    assert len(w.graph["nodes"]) == n_before - 2
    assert any(n["kind"] == "group" for n in w.graph["nodes"])
    w.collapsed = []
    exp_key = next(n["key"] for n in w.graph["nodes"] if n["title"] == "Exp")
    w.selected, w.direction = exp_key, "up"
    ups = {w.view.graph.nodes[k].title for k in w.highlighted()}
    assert ups == {"Exp", "Multiply", "x", "constant"}
    w.direction = "down"
    assert {w.view.graph.nodes[k].op for k in w.highlighted()} == {"Exp", "Add"}
    w.search = "exp"
    assert w.matches() == [exp_key]


def chain(n):
    xs = [mx.ones((4, 4))]
    for i in range(n):
        xs.append(mx.sin(xs[-1]) + xs[max(0, len(xs) - 3)] * 0.5)
    return xs[-1]


def test_2000_node_graph_renders_quickly():
    z = chain(500)
    t = time.perf_counter()
    v = show_graph(z)
    svg = v.to_svg()
    data = v.to_json()
    elapsed = time.perf_counter() - t
    assert len(v.graph) >= 2000 and svg.count("<rect") == len(v.graph) == len(data["nodes"])
    assert elapsed < 10, elapsed


def test_large_graph_collapses_by_function():
    def block(h):
        for _ in range(40):
            h = mx.tanh(h) * 1.01
        return h

    with mx.graph.record_sites():
        h = mx.ones((2,))
        for _ in range(5):
            h = block(h)
    v = show_graph(h)
    assert "block" in v.collapsed
    assert len(v.visible()) < len(v.graph) // 10
    assert isinstance(v, GraphView)


def test_grad_graph_roles():
    x = mx.array([1.0, 2.0, 3.0])

    def f(x):
        return mx.sum(mx.sin(x) * x)

    v = show_grad_graph(f, x)
    roles = {n.op: n.role for n in v.graph.nodes.values() if n.op and n.role != "cotangent"}
    assert roles["Sin"] == "forward" and roles["Cos"] == "backward-primal"
    assert roles["Add"] == "backward"
    assert any(n.role == "cotangent" for n in v.graph.nodes.values())
    sin_key = next(k for k, n in v.graph.nodes.items() if n.op == "Sin")
    assert sin_key in v.saved  # sin(x) is read by the backward multiply
    assert mx.graph.status(v.grads[0]) == "unscheduled"
    (g,) = v.grads
    assert mx.allclose(g, mx.sin(x) + x * mx.cos(x)).item()
    assert "stroke-dasharray" in v.to_svg()


def test_grad_graph_of_an_in_place_update_leaves_the_caller_alone():
    x = mx.array([1.0, 2.0, 3.0])

    def fun(x):
        x[mx.array([0])] = 5.0
        return x.sum()

    v = show_grad_graph(fun, x)
    assert x.tolist() == [1.0, 2.0, 3.0] and mx.graph.status(x) == "available"
    primal = next(n for n in v.graph.nodes.values() if n.name == "primal0")
    assert primal.op is None  # the caller's array, not a Scatter made by a probe call
    assert [n.op for n in v.graph.nodes.values()].count("Scatter") == 2  # forward and backward
    assert v.grads[0].tolist() == [0.0, 1.0, 1.0]
