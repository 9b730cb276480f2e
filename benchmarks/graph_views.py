"""Kernel-side cost and layout quality of the notebook's graph views on the reference
graphs of the graph-view issue (tutorial 07's forward+backward, an MLP gradient graph,
a 50-step RNN, a 2-block transformer forward, a 2,000-node chain).

    python benchmarks/graph_views.py

For each graph: arrays in the graph, boxes in the first view, edge crossings, edges
through boxes, seconds to build the first view (hierarchy + Graphviz layout + JSON) and
to open one group. The browser side (drawing, text size, Shift+Enter to drawn) is
measured by tests/test_browser.py::test_reference_graphs.
"""

from __future__ import annotations

import time

import lumex.core as mx
from lumex.notebook_ext import show_grad_graph, show_graph


def autodiff07():
    def neuron(w1, w2, b, x1, x2):
        return mx.tanh(w1 * x1 + w2 * x2 + b)

    args = [mx.array(v) for v in (0.5, -1.5, 0.3, 2.0, -1.0)]
    return lambda: show_grad_graph(lambda w1, w2, b: neuron(w1, w2, b, args[3], args[4]),
                                   *args[:3])


def mlp_grad():
    mx.random.seed(0)
    x, y = mx.random.normal((32, 784)), mx.random.randint(0, 10, (32,))
    params = [mx.random.normal((784, 128)) * 0.05, mx.zeros((128,)),
              mx.random.normal((128, 10)) * 0.05, mx.zeros((10,))]
    mx.eval(x, y, *params)

    def loss(w1, b1, w2, b2):
        hidden = mx.maximum(x @ w1 + b1, 0.0)
        logits = hidden @ w2 + b2
        picked = mx.take_along_axis(logits, y[:, None], axis=-1).squeeze(-1)
        return mx.mean(mx.logsumexp(logits, axis=-1) - picked)

    def make():
        with mx.graph.record_sites():
            return show_grad_graph(loss, *params)

    return make


def rnn50():
    w = mx.random.normal((16, 16)) * 0.3
    xs = [mx.random.normal((16,)) for _ in range(50)]
    h = mx.zeros((16,))
    mx.eval(w, h, *xs)
    with mx.graph.record_sites():
        for t in range(50):
            h = mx.tanh(w @ h + xs[t])
    return lambda: show_graph(h, title="rnn")


def transformer2():
    import lumex.nn as nn

    mx.random.seed(0)
    model = nn.TransformerEncoder(num_layers=2, dims=64, num_heads=4, mlp_dims=128)
    x = mx.random.normal((2, 16, 64))
    mx.eval(model.parameters(), x)
    with mx.graph.record_sites():
        y = model(x, None)
    return lambda: show_graph(y, title="2-block transformer")


def chain2000():
    c = mx.array([1.0])
    with mx.graph.record_sites():
        for _ in range(1000):
            c = mx.sin(c) * 1.01
    return lambda: show_graph(c, title="chain")


def main():
    print(f"{'graph':<13} {'arrays':>6} {'boxes':>5} {'cross':>5} {'through':>7} "
          f"{'first view s':>12} {'open group s':>12}")
    for name, setup in (("autodiff07", autodiff07), ("mlp_grad", mlp_grad), ("rnn50", rnn50),
                        ("transformer2", transformer2), ("chain2000", chain2000)):
        make = setup()
        t = time.perf_counter()
        view = make()
        data = view.to_json()
        first = time.perf_counter() - t
        m = view.layout_metrics()
        groups = [n["group"] for n in data["nodes"] if n["kind"] == "group"]
        opened = float("nan")
        if groups:
            t = time.perf_counter()
            view.toggle(groups[0])
            view.to_json()
            opened = time.perf_counter() - t
        print(f"{name:<13} {len(view.full):>6} {m['boxes']:>5} {m['crossings']:>5} "
              f"{m['edges_through_nodes']:>7} {first:>12.3f} {opened:>12.3f}")


if __name__ == "__main__":
    main()
