"""Derivatives you can watch: every node of a function's graph with its value and its
gradient (the cotangent the backward pass computed for it), and an animated sweep that
fills the gradients in, in the order the engine's backward pass finished them (reverse
topological order): micrograd's lesson, done by the real autodiff.

``show_grad_graph(f, *x).sweep()`` or ``backward_sweep(f, *x)``. The gradients come
from ``_vjp_adjoints``, the engine's vjp reporting each traced array's cotangent, so the
numbers are the ones ``mx.grad`` uses, not a re-derivation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import lumex.core as mx

from ._bundle import with_widget
from ._html import esc, wrap
from .graph_model import Node, array_id, from_snapshot, location
from .graph_view import GraphView, render_svg

def short(value) -> str:
    """A value for a box: the number for one element, else shape and mean."""
    a = np.asarray(value)
    if a.size == 1:
        return f"{float(a.reshape(())):.4g}"
    return f"{a.shape} mean {float(a.mean()):.3g}"


@dataclass
class SweepNode(Node):
    value: str = ""
    grad: str = ""

    @property
    def detail(self) -> str:
        if not self.value:
            return super().detail
        return f"{self.value}  ∇ {self.grad}" if self.grad else self.value


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


class BackwardSweep:
    """Values and gradients of every node of ``fun``'s graph at ``primals``.

    ``order``: node keys in the order the backward pass gave them their gradient;
    ``values`` / ``grads``: key -> NumPy array; ``view``: the ``GraphView`` (boxes read
    "value ∇ gradient"); displays as the animated sweep."""

    def __init__(self, fun, *primals):
        from .explorers._params import parameter_names

        primals = [p if isinstance(p, mx.array) else mx.array(p) for p in primals]
        self.name = getattr(fun, "__name__", "fun")
        names_in = parameter_names(fun, len(primals), lambda k: f"x{k}")
        with mx.graph.record_sites():
            probe = _as_list(fun(*[mx.array(p) for p in primals]))
            seeds = [mx.ones(o.shape, o.dtype) for o in probe]
            mx.eval(*seeds)
            outs, grads, adjoints = mx._vjp_adjoints(lambda flat: _as_list(fun(*flat)),
                                                     primals, seeds)
        snapshot = mx.graph.nodes(*outs)
        by_id = {n.id: n for n in snapshot}
        # The function ran on traced copies of the primals: their gradients belong to
        # the primals themselves (the copies fold into their readers in the view).
        copy_of = {n.id: n.inputs[0] for n in snapshot if n.op == "Contiguous" and n.inputs}
        primal_ids = {array_id(p): i for i, p in enumerate(primals)}
        names = {pid: names_in[i] for pid, i in primal_ids.items()}
        for i, o in enumerate(outs):
            names.setdefault(array_id(o), f"output{i if len(outs) > 1 else ''}")
        graph = from_snapshot(snapshot, names)
        mx.eval(*outs, *grads, *[a for pair in adjoints for a in pair])
        self.order, self.values, self.grads = [], {}, {}
        for arr, cot in adjoints:
            key = array_id(arr)
            key = copy_of.get(key, key)
            if key not in by_id and key not in primal_ids:
                continue
            k = str(key)
            if k not in self.grads:
                self.order.append(k)
            self.values[k] = np.asarray(arr)
            self.grads[k] = np.asarray(cot)
        self.outputs = [np.asarray(o) for o in outs]
        self.gradients = [np.asarray(g) for g in grads]
        for k, n in list(graph.nodes.items()):
            fields = {f: getattr(n, f) for f in n.__dataclass_fields__}
            if k in self.values:
                fields["value"] = short(self.values[k])
                fields["grad"] = short(self.grads[k])
                fields["params"] = {**n.params, "value": fields["value"], "grad": fields["grad"]}
            graph.nodes[k] = SweepNode(**fields)
        self.graph = graph
        self.view = GraphView(graph, title=f"backward sweep of {self.name}")
        self.view.expanded = set(self.view.hierarchy.groups)  # every box visible

    def steps(self) -> list:
        """One line per step of the sweep: which node got which gradient."""
        out = []
        for i, k in enumerate(self.order):
            n = self.graph.nodes.get(k)
            if n is None:
                continue
            where = f" ({location(n.site)})" if n.site else ""
            out.append(f"{i + 1}. {n.title}{where}: value {short(self.values[k])}, "
                       f"gradient {short(self.grads[k])}")
        return out

    def data(self) -> dict:
        d = self.view.to_json()
        keys = [n["key"] for n in d["nodes"]]
        shown = set(keys)
        order = [k for k in self.order if k in shown]
        steps = {line_key: text for line_key, text in zip(self.order, self.steps())}
        return {"light": render_svg(d), "dark": render_svg(d, dark=True), "keys": keys,
                "order": order, "steps": [steps.get(k, "") for k in order],
                "before": {k: self.graph.nodes[k].value or self.graph.nodes[k].detail
                           for k in keys if k in self.graph.nodes},
                "after": {k: self.graph.nodes[k].detail for k in keys if k in self.graph.nodes},
                "title": self.view.title}

    def to_html(self) -> str:
        lines = "".join(f"<li>{esc(s.split('. ', 1)[1])}</li>" for s in self.steps())
        return wrap(self.view.to_html(wrapped=False)
                    + f"<details><summary>the backward pass, step by step</summary><ol>{lines}</ol>"
                    f"</details>")

    def widget(self):
        return SweepWidget(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return with_widget({"text/plain": f"BackwardSweep({self.name}: {len(self.order)} steps)",
                            "text/html": self.to_html()}, self.widget)


def _widget_class():
    import anywidget
    import traitlets

    from ._esm import css, module

    class _SweepWidget(anywidget.AnyWidget):
        _esm = module("sweep.js")
        _css = css("explorer.css")
        data = traitlets.Dict().tag(sync=True)
        step = traitlets.Int(0).tag(sync=True)  # gradients filled in so far

    return _SweepWidget


def SweepWidget(sweep: BackwardSweep):
    return _widget_class()(data=sweep.data())


def backward_sweep(fun, *primals) -> BackwardSweep:
    """The graph of ``fun`` at ``primals`` with every node's value and gradient, and an
    animated backward sweep (play / step) filling the gradients in reverse
    topological order."""
    return BackwardSweep(fun, *primals)
