"""``show_graph``: the pending graph as a static SVG plus an interactive widget.

The layout runs in the kernel (``layout.py``), so the same picture goes into the output
as ``image/svg+xml`` and ``text/html`` (nbconvert, GitHub, Sphinx show it) and, when
anywidget is installed, as a widget with pan/zoom, search, upstream/downstream
highlighting and group collapsing (``static/graph.js``). No Graphviz binary is involved;
``GraphView.to_dot()`` gives DOT for those who want it.
"""

from __future__ import annotations

from ._html import STATUS_COLOURS, esc, human_bytes, wrap
from .graph_model import Graph, from_arrays
from .layout import layered_layout

# Graphs larger than this start with every creation-site group collapsed.
AUTO_COLLAPSE = 300

FILL = {
    "input": "#e9ecef",
    "constant": "#f1f3f5",
    "group": "#d0bfff",
    "unscheduled": "#ffe8cc",
    "scheduled": "#d0ebff",
    "evaluated": "#d3f9d8",
    "available": "#d3f9d8",
}
ROLE_FILL = {"forward": "#d0ebff", "backward": "#fcc2d7", "cotangent": "#ffd43b"}
ROLE_NOTE = {
    "forward": "forward (depends only on the primals)",
    "backward": "backward (depends on the cotangent)",
    "cotangent": "the cotangent (seed of the backward pass)",
}


def node_size(n) -> tuple[float, float]:
    chars = max(len(n.title), len(n.detail))
    return (min(max(chars * 6.6 + 16, 48), 260), 34.0)


def node_style(n) -> tuple[str, str, float]:
    """(fill, stroke, stroke width) of a node."""
    if n.role in ROLE_FILL and n.kind != "input":
        fill = ROLE_FILL[n.role]
    elif n.kind in ("input", "constant", "group"):
        fill = FILL[n.kind]
    else:
        fill = FILL.get(n.status, "#fff")
    stroke = STATUS_COLOURS.get(n.status, ("", "#555"))[1] if n.kind not in ("input", "constant") else "#868e96"
    return fill, stroke, 2.5 if n.kind == "output" or n.name else 1.0


def _clip(text: str, width: float) -> str:
    room = int((width - 10) / 6.6)
    return text if len(text) <= room else text[: max(room - 1, 1)] + "…"


class GraphView:
    """A drawable graph: ``show_graph`` returns one; it displays itself.

    ``collapsed`` is the set of group names drawn as single nodes.
    """

    def __init__(self, graph: Graph, title: str = "", collapsed=None):
        self.graph = graph
        self.title = title
        groups = graph.groups()
        if collapsed is None:
            collapsed = set(groups) if len(graph) > AUTO_COLLAPSE else set()
        self.collapsed = set(collapsed) & set(groups)
        self._cache = None

    # ---- model -------------------------------------------------------------
    def visible(self) -> Graph:
        return self.graph.collapse(self.collapsed)

    def layout(self):
        key = frozenset(self.collapsed)
        if self._cache is None or self._cache[0] != key:
            g = self.visible()
            sizes = {k: node_size(n) for k, n in g.nodes.items()}
            outs = [k for k, n in g.nodes.items() if n.kind == "output"]
            self._cache = (key, g, layered_layout(list(g.nodes), g.edges, sizes, last=outs))
        return self._cache[1], self._cache[2]

    def to_json(self) -> dict:
        g, lay = self.layout()
        nodes = []
        for k, n in g.nodes.items():
            (x, y), (w, h) = lay.pos[k], lay.size[k]
            fill, stroke, sw = node_style(n)
            nodes.append({"key": k, "x": round(x, 1), "y": round(y, 1), "w": w, "h": h,
                          "title": n.title, "detail": n.detail, "fill": fill, "stroke": stroke,
                          "sw": sw, "tip": n.tooltip, "kind": n.kind, "group": n.group,
                          "role": n.role})
        return {"width": lay.width, "height": lay.height, "nodes": nodes,
                "edges": [list(e) for e in g.edges], "groups": sorted(self.graph.groups()),
                "collapsed": sorted(self.collapsed), "title": self.title}

    # ---- static output ----------------------------------------------------
    def to_svg(self, max_width: float | None = None) -> str:
        g, lay = self.layout()
        parts = []
        for s, d in g.edges:
            (x1, y1), (x2, y2) = lay.pos[s], lay.pos[d]
            y1 += lay.size[s][1] / 2
            y2 -= lay.size[d][1] / 2
            my = (y1 + y2) / 2
            dashed = ' stroke-dasharray="4 3"' if g.nodes[s].role == "forward" and g.nodes[d].role == "backward" else ""
            parts.append(f'<path d="M{x1:.1f},{y1:.1f} C{x1:.1f},{my:.1f} {x2:.1f},{my:.1f} {x2:.1f},{y2:.1f}" '
                         f'fill="none" stroke="#868e96" stroke-width="1" marker-end="url(#lmx-arrow)"{dashed}/>')
        for k, n in g.nodes.items():
            (x, y), (w, h) = lay.pos[k], lay.size[k]
            fill, stroke, sw = node_style(n)
            rx = 12 if n.kind in ("input", "constant") else 3
            parts.append(
                f'<g class="lmx-node" data-key="{esc(k)}"><title>{esc(n.tooltip)}</title>'
                f'<rect x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx}" '
                f'fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>'
                f'<text x="{x:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="11" font-weight="bold" '
                f'fill="#212529">{esc(_clip(n.title, w))}</text>'
                f'<text x="{x:.1f}" y="{y + 11:.1f}" text-anchor="middle" font-size="10" '
                f'fill="#495057">{esc(_clip(n.detail, w))}</text></g>')
        scale = ""
        if max_width and lay.width > max_width:
            scale = f' style="max-width:{max_width}px;height:auto"'
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.width:.0f}" height="{lay.height:.0f}" '
                f'viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" font-family="monospace"{scale}>'
                '<defs><marker id="lmx-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
                'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#868e96"/></marker></defs>'
                + "".join(parts) + "</svg>")

    def summary(self) -> str:
        g = self.graph
        ops = sum(1 for n in g.nodes.values() if n.kind in ("op", "output"))
        pending = sum(1 for n in g.nodes.values() if n.status == "unscheduled" and n.op)
        nbytes = sum(n.nbytes for n in g.nodes.values() if n.op)
        ins, outs = g.ranked()
        text = (f"{len(g)} arrays, {ops} ops ({pending} pending), {human_bytes(nbytes)} of results; "
                f"{len(ins)} inputs, {len(outs)} outputs")
        if self.collapsed:
            text += f"; collapsed: {', '.join(sorted(self.collapsed))}"
        return text

    def legend(self) -> str:
        roles = {n.role for n in self.graph.nodes.values() if n.role}
        items = [(FILL["input"], "input / constant"), (FILL["unscheduled"], "pending"),
                 (FILL["available"], "computed")]
        if self.collapsed:
            items.append((FILL["group"], "collapsed group"))
        items += [(ROLE_FILL[r], ROLE_NOTE[r]) for r in ("forward", "backward", "cotangent") if r in roles]
        return " ".join(f'<span class="lmx-tag" style="background:{c};color:#212529">{esc(t)}</span>'
                        for c, t in items)

    def to_html(self) -> str:
        head = f"<b>{esc(self.title)}</b> " if self.title else ""
        return wrap(f"<div>{head}{esc(self.summary())}</div><div>{self.legend()}</div>"
                    f'<div style="max-height:640px;overflow:auto">{self.to_svg()}</div>')

    def to_dot(self) -> str:
        """DOT text of the visible graph (groups as clusters), for Graphviz users."""
        g, _ = self.layout()
        lines = ["digraph lumex {", "  node [shape=box, style=filled, fontname=monospace];"]
        clusters: dict = {}
        for k, n in g.nodes.items():
            fill, stroke, sw = node_style(n)
            label = f"{n.title}\\n{n.detail}".replace('"', "'")
            stmt = f'"{k}" [label="{label}", fillcolor="{fill}", color="{stroke}", penwidth={sw}];'
            if n.group and n.kind != "group":
                clusters.setdefault(n.group, []).append(stmt)
            else:
                lines.append("  " + stmt)
        for i, (name, stmts) in enumerate(clusters.items()):
            lines.append(f'  subgraph cluster_{i} {{ label="{name}";')
            lines += ["    " + s for s in stmts]
            lines.append("  }")
        lines += [f'  "{s}" -> "{d}";' for s, d in g.edges]
        lines.append("}")
        return "\n".join(lines)

    # ---- interactive ------------------------------------------------------
    def widget(self):
        """The interactive view (an anywidget); needs ``anywidget`` installed."""
        from .graph_widget import GraphWidget

        return GraphWidget(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": f"GraphView({self.summary()})", "text/html": self.to_html(),
                  "image/svg+xml": self.to_svg()}
        try:
            w = self.widget()
        except ImportError:
            return bundle
        wb = w._repr_mimebundle_()
        if isinstance(wb, tuple):
            wb = wb[0]
        bundle.update(wb or {})
        bundle["text/plain"] = f"GraphView({self.summary()})"
        return bundle

    def __repr__(self):
        return f"GraphView({self.summary()})"


def show_graph(*arrays, title: str = "", collapsed=None, **names) -> GraphView:
    """Draw the pending graph of ``arrays`` (and of ``names``, labelled by keyword).

    Evaluates nothing. Nodes show op, shape, dtype and status colour; creation lines when
    recorded (``with mx.graph.record_sites():``), grouped by function. Returns a
    ``GraphView`` that displays as an interactive widget plus a static SVG fallback.
    """
    return GraphView(from_arrays(*arrays, **names), title=title, collapsed=collapsed)
