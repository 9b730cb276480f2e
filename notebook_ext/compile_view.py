"""The compile X-ray: what ``mx.compile`` made of a function.

``show_compiled(fun, *args)`` traces ``fun`` as ``mx.compile`` does (state declared with
``inputs=``/``outputs=`` included) and draws two graphs: the trace as recorded, with each
fused group drawn as a container, and the steps a replay runs, where each group is one
``fused`` node. Every node keeps the line that created it. Elementwise ops that fusion
left on their own are listed with the engine's reason (``_CompiledGraph.traced_steps``).
compile's passes run in order: simplification (equal scalar constants merged, common
subexpressions computed once; ``_CompiledGraph.merged``), then fusion. The trace view marks
the values simplification merged away; the replay view leaves them out.
"""

from __future__ import annotations

from dataclasses import replace

import lumex.core as mx

from ._bundle import LiveView
from ._html import esc, wrap
from .graph_model import Graph, from_snapshot, location, op_label
from .graph_view import GraphView

# Primitives that compute each element from the same element of their inputs: the ops a
# fusion pass could take. Those it leaves out get a reason in the view.
ELEMENTWISE = {
    "Abs", "Add", "ArcCos", "ArcCosh", "ArcSin", "ArcSinh", "ArcTan", "ArcTan2", "ArcTanh",
    "AsType", "BitwiseAnd", "BitwiseInvert", "BitwiseOr", "BitwiseXor", "Ceil", "Conjugate",
    "Cos", "Cosh", "Divide", "Equal", "Erf", "ErfInv", "Exp", "Expm1", "Floor", "FloorDivide",
    "Greater", "GreaterEqual", "Imag", "IsInf", "IsNaN", "IsNegInf", "IsPosInf", "LeftShift",
    "Less", "LessEqual", "Log", "Log1p", "LogAddExp", "LogicalAnd", "LogicalNot", "LogicalOr",
    "Maximum", "Minimum", "Multiply", "Negative", "NotEqual", "Power", "Real", "Remainder",
    "RightShift", "Round", "Rsqrt", "Select", "Sigmoid", "Sign", "Sin", "Sinh", "Sqrt",
    "Square", "Subtract", "Tan", "Tanh",
}
# Variant names the graph snapshot gives (Log2 is Log with base 2).
VARIANTS = {"Log2": "Log", "Log10": "Log"}


def _compiled(fun):
    from lumex._transforms import _Compiled

    return fun if isinstance(fun, _Compiled) else mx.compile(fun)


def _state_names(compiled, count: int) -> list:
    from lumex.utils import tree_flatten

    tree = compiled._state_in
    try:
        keys = [k for k, _ in tree_flatten(tree, is_leaf=lambda x: isinstance(x, mx.array))]
    except Exception:  # a state holder tree_flatten does not know (random.state)
        keys = []
    return [keys[i] if i < len(keys) and keys[i] else f"state{i}" for i in range(count)]


def _optimizers(fun) -> list:
    """The optimizers ``fun`` reads through its globals or closure."""
    import inspect

    try:
        from lumex.optimizers import Optimizer

        found = inspect.getclosurevars(fun)
    except (ImportError, TypeError, ValueError):
        return []
    values = list(found.globals.values()) + list(found.nonlocals.values())
    return [v for v in values if isinstance(v, Optimizer)]


class CompiledView(LiveView):
    """What ``show_compiled`` returns: ``before`` and ``after`` (``GraphView``s),
    ``groups`` (one dict per fused group) and ``left_out`` (elementwise ops fusion did
    not take, each with its reason and line). Displays itself."""

    def __init__(self, fun, *args, **kwargs):
        compiled = _compiled(fun)
        self.name = getattr(compiled, "__name__", None) or getattr(fun, "__name__", "fun")
        # A first step creates optimizer state while it is traced; _traced puts the state
        # containers back, and the optimizers must forget they were initialized with it.
        flags = [(o, o._initialized) for o in _optimizers(getattr(compiled, "_fun", fun))]
        try:
            with mx.graph.record_sites():
                graph, n_out, n_state = compiled._traced(*args, **kwargs)
        finally:
            for o, was in flags:
                o._initialized = was
        self.steps = graph.traced_steps()
        # (dropped value id, id of the value used instead, why): simplification's account.
        self.merged = graph.merged()
        self.num_replayed = graph.num_nodes
        outputs = graph.traced_outputs
        snapshot = mx.graph.nodes(*outputs)
        from lumex.utils import tree_flatten

        n_args = len([v for _, v in tree_flatten((args, kwargs)) if isinstance(v, mx.array)])
        self.graph = self._named(from_snapshot(snapshot), snapshot, outputs, n_out, n_state,
                                 compiled, n_args)
        self.groups, self.left_out = self._account()
        # Ops that read no input or state are not replay steps: every replay reads the
        # arrays the trace made for them, as constants.
        traced = {str(i) for _, outs, _, _, _ in self.steps for i in outs}
        self.once = [k for k, n in self.graph.nodes.items()
                     if n.op and n.kind != "input" and k not in traced]
        for k in self.once:
            n = self.graph.nodes[k]
            self.graph.nodes[k] = replace(n, scope="trace constants", params={
                **n.params, "compiled": "reads no input or state: a constant of the trace, not a replay step"})
        self.before = GraphView(self._before_graph(), title=f"{self.name}: traced")
        self.before.expanded = (self.before.expanded | self._group_keys(self.before))
        self.after = GraphView(self._after_graph(), title=f"{self.name}: replayed after fusion")

    # ---- the graph, named ------------------------------------------------------
    def _named(self, g: Graph, snapshot, outputs, n_out, n_state, compiled, n_args) -> Graph:
        from .explorers._params import parameter_names
        from .graph_model import array_id

        holders = [n.id for n in snapshot if n.op == "Placeholder"]
        holders.sort()  # created in call order: the arguments, then the state
        arg_names = parameter_names(getattr(compiled, "_fun", compiled), n_args, lambda k: f"arg{k}")
        state = _state_names(compiled, len(holders) - n_args)
        names = {}
        for i, key in enumerate(holders):
            names[str(key)] = arg_names[i] if i < n_args else state[i - n_args]
        for i, o in enumerate(outputs):
            key = str(array_id(o))
            if key not in names:
                names[key] = (f"output{i if n_out > 1 else ''}" if i < n_out
                              else f"new {state[i - n_out] if i - n_out < len(state) else 'state'}")
        for key, n in g.nodes.items():
            if n.op == "Placeholder":
                g.nodes[key] = replace(n, op=None, kind="input", name=names.get(key, ""))
            elif key in names:
                g.nodes[key] = replace(n, name=names[key], kind="output")
        return g

    def _account(self):
        """Fused groups and the elementwise ops left alone, from the engine's report."""
        groups: dict = {}
        left = []
        for op, outs, ins, group, reason in self.steps:
            key = str(outs[0])
            node = self.graph.nodes.get(key)
            where = location(node.site) if node is not None and node.site else ""
            label = node.label if node is not None else op_label(op)
            if group >= 0:
                g = groups.setdefault(group, {"index": group, "keys": [], "ops": [], "lines": []})
                g["keys"].append(key)
                g["ops"].append(label)
                if where and where not in g["lines"]:
                    g["lines"].append(where)
            elif VARIANTS.get(op, op) in ELEMENTWISE and reason:
                if reason == "no fused kernel for this op":
                    reason = f"no fused kernel for {label} (fusion covers float32 arithmetic and common unary maths)"
                left.append({"key": key, "op": label, "reason": reason, "source": where})
        return [groups[k] for k in sorted(groups)], left

    # ---- before: the trace, fused groups as containers ------------------------------
    def _before_graph(self) -> Graph:
        nodes = dict(self.graph.nodes)
        for g in self.groups:
            for key in g["keys"]:
                n = nodes[key]
                site = (n.site[0], n.site[1], "<fused>") if n.site else None
                nodes[key] = replace(n, scope=f"fused #{g['index'] + 1}", site=site,
                                     params={**n.params, "fused": f"group #{g['index'] + 1}"})
        for item in self.left_out:
            n = nodes.get(item["key"])
            if n is not None:
                nodes[item["key"]] = replace(n, params={**n.params, "not fused": item["reason"]})
        for dropped, _, why in self.merged:
            n = nodes.get(str(dropped))
            if n is not None:
                nodes[str(dropped)] = replace(n, params={**n.params, "simplified away": why})
        return Graph(nodes, list(self.graph.edges))

    @staticmethod
    def _group_keys(view: GraphView) -> set:
        return {k for k, grp in view.hierarchy.groups.items()
                if grp.label.startswith("fused #") or grp.label == "trace constants"}

    # ---- after: one node per replayed step -----------------------------------------
    def _after_graph(self) -> Graph:
        into = {}
        nodes = {}
        for g in self.groups:
            last = g["keys"][-1]
            for key in g["keys"]:
                into[key] = last
        for dropped, kept, _ in self.merged:  # drawn as the value computed instead
            into[str(dropped)] = into.get(str(kept), str(kept))
        for key, n in self.graph.nodes.items():
            if key in into and into[key] != key:
                continue
            if key in into:
                g = next(g for g in self.groups if g["keys"][-1] == key)
                n = replace(n, op="Fused", public_op=f"fused #{g['index'] + 1} ×{len(g['ops'])}",
                            scope="", site=None, folded=[],
                            params={"ops": " → ".join(g["ops"]), "source": "; ".join(g["lines"])})
            nodes[key] = n
        edges, seen = [], set()
        for s, d in self.graph.edges:
            s2, d2 = into.get(s, s), into.get(d, d)
            if s2 != d2 and (s2, d2) not in seen:
                seen.add((s2, d2))
                edges.append((s2, d2))
        return Graph(nodes, edges)

    # ---- outputs ---------------------------------------------------------------------
    def summary(self) -> str:
        traced = len(self.steps)
        fused_ops = sum(len(g["ops"]) for g in self.groups)
        once = (f" {len(self.once)} more ops read no input or state: they are not replay steps "
                f"but constants of the trace that every replay reads (boxed 'trace constants')."
                if self.once else "")
        dropped = {i for i, _, _ in self.merged}
        cse = sum(1 for _, outs, *_ in self.steps if outs[0] in dropped)
        consts = len(dropped - {o for _, outs, *_ in self.steps for o in outs})
        return (f"{self.name}: traced {traced} ops; a replay runs {self.num_replayed} steps: "
                f"{len(self.groups)} fused kernels doing {fused_ops} ops, "
                f"{traced - fused_ops - cse} ops on their own.{once} Passes: simplification "
                f"({cse} repeated ops computed once, {consts} equal scalar constants merged; "
                f"marked 'simplified away'), then fusion (chains of float32 elementwise ops, "
                f"one pass over memory).")

    def tables_html(self) -> str:
        rows = "".join(f"<tr><td>#{g['index'] + 1}</td><td>{esc(' → '.join(g['ops']))}</td>"
                       f"<td style='white-space:nowrap'>{esc('; '.join(g['lines']) or '?')}</td></tr>"
                       for g in self.groups)
        fused = (f"<div style='max-height:200px;overflow:auto'><table><tr><th>fused</th><th>ops, in order</th>"
                 f"<th>source</th></tr>{rows}</table></div>"
                 if self.groups else "<div>nothing was fused</div>")
        rows = "".join(f"<tr><td>{esc(i['op'])}</td>"
                       f"<td style='white-space:nowrap'>{esc(i['source'] or '?')}</td>"
                       f"<td>{esc(i['reason'])}</td></tr>" for i in self.left_out)
        left = (f"<details open><summary>{len(self.left_out)} elementwise ops not fused, and why"
                f"</summary><div style='max-height:240px;overflow:auto'><table><tr><th>op</th>"
                f"<th>source</th><th>why not fused</th></tr>{rows}</table></div></details>"
                if self.left_out else "<div>every elementwise op was fused</div>")
        return f"<div>{esc(self.summary())}</div>{fused}{left}"

    def to_html(self) -> str:
        return wrap(self.tables_html() + "<h4>before: the trace, fused groups boxed</h4>"
                    + self.before.to_html(wrapped=False)
                    + "<h4>after: what a replay runs</h4>" + self.after.to_html(wrapped=False))

    def widget(self):
        import ipywidgets as W

        return W.VBox([W.HTML(wrap(self.tables_html())),
                       W.HTML("<b>before</b>: the trace, fused groups boxed (click a box for its line)"),
                       self.before.widget(),
                       W.HTML("<b>after</b>: what a replay runs"), self.after.widget()])

    def _static_bundle(self) -> dict:
        return {"text/plain": f"CompiledView({self.summary()})", "text/html": self.to_html()}

    def _live_widget(self):
        return self.widget()

    def __repr__(self):
        return f"CompiledView({self.summary()})"


def show_compiled(fun, *args, **kwargs) -> CompiledView:
    """The compile X-ray of ``fun(*args, **kwargs)``: the traced graph before and after
    fusion, fused groups as containers, each op with its source line, and for every
    elementwise op fusion left alone, why. ``fun`` may be ``mx.compile(step,
    inputs=state, outputs=state)``: the declared state is traced as compile traces it.
    Nothing is evaluated and the compile cache is not touched."""
    return CompiledView(fun, *args, **kwargs)
