"""Forward and backward graphs of a gradient computation, drawn together.

``show_grad_graph(f, x)`` traces ``mx.vjp(f, [x], [ones])`` without evaluating and
colours every array by its role: *forward* (the primal computation), *backward* (depends
on the cotangent, i.e. the chain rule at work), *backward-primal* (made by the backward
pass from primal values only, like ``cos(x)`` for ``sin``'s rule) and the *cotangent*
itself. Dashed edges are forward values the backward pass reads.
"""

from __future__ import annotations

import numpy as np

import lumex.core as mx

from .graph_model import Graph, array_id, from_snapshot
from .graph_view import GraphView


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def classify(graph: Graph, forward_keys: set, cotangent_keys: set) -> None:
    """Set each node's role in place (see the module docstring)."""
    depends = set(cotangent_keys)
    order = list(graph.nodes)
    preds: dict = {k: [] for k in order}
    for s, d in graph.edges:
        preds[d].append(s)
    for k in order:
        if any(p in depends for p in preds[k]):
            depends.add(k)
    for k, n in graph.nodes.items():
        if k in cotangent_keys:
            n.role, n.name = "cotangent", n.name or "cotangent"
        elif k in depends:
            n.role = "backward"
        elif k in forward_keys:
            n.role = "forward"
        else:
            n.role = "backward-primal"
        if n.kind in ("input", "constant") and n.role != "cotangent":
            n.role = "forward" if k in forward_keys else n.role


def saved_values(graph: Graph) -> dict:
    """forward node key -> backward node keys that read it (what backward keeps alive)."""
    out: dict = {}
    for s, d in graph.edges:
        if graph.nodes[s].role == "forward" and graph.nodes[d].role.startswith("backward"):
            if graph.nodes[s].kind not in ("input", "constant"):
                out.setdefault(s, []).append(d)
    return out


def show_grad_graph(fun, *primals, cotangents=None, internals: bool = False) -> GraphView:
    """The forward and backward graph of ``fun`` at ``primals`` (arrays), unevaluated:
    forward and backward are groups of their own, arguments in call order."""
    with mx.graph.record_sites():
        if cotangents is None:
            # Probe on copies: a function that updates its argument in place
            # (x[i] = v) must not change the caller's arrays before the trace.
            probe = _as_list(fun(*[mx.array(p) for p in primals]))
            # Built from NumPy so the seed is data, not a pending Full op.
            cotangents = [mx.array(np.ones(o.shape, np.float32)) for o in probe]
            cotangents = [c if o.dtype == mx.float32 else c.astype(o.dtype)
                          for c, o in zip(cotangents, probe)]
        cotangents = _as_list(cotangents)
        outs, grads = mx.vjp(fun, list(primals), cotangents)
    names = {array_id(c): f"cotangent{i if len(cotangents) > 1 else ''}" for i, c in enumerate(cotangents)}
    for i, p in enumerate(primals):
        names[array_id(p)] = f"primal{i}"
    for i, o in enumerate(outs):
        names.setdefault(array_id(o), f"output{i if len(outs) > 1 else ''}")
    for i, gr in enumerate(grads):
        names.setdefault(array_id(gr), f"grad{i if len(grads) > 1 else ''}")
    graph = from_snapshot(mx.graph.nodes(*outs, *grads), names)
    forward = {str(n.id) for n in mx.graph.nodes(*outs)}
    classify(graph, forward, {str(array_id(c)) for c in cotangents})
    saved = saved_values(graph)
    for k, readers in saved.items():
        ops = ", ".join(f"{graph.nodes[r].op}#{r}" for r in readers)
        graph.nodes[k].params = {**graph.nodes[k].params, "read by backward": ops}
    view = GraphView(graph, title=f"forward + backward of {getattr(fun, '__name__', 'fun')}",
                     internals=internals)
    view.saved = saved
    view.outputs, view.grads = outs, grads
    # The same function with every node's value and gradient, animated (evaluates).
    view.sweep = lambda: _sweep(fun, *primals)
    return view


def _sweep(fun, *primals):
    from .backward_sweep import BackwardSweep

    return BackwardSweep(fun, *primals)

