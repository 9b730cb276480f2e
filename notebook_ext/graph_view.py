"""``show_graph``: the pending graph, laid out by Graphviz, as a static picture that
survives saving plus an interactive widget.

A view shows a few dozen boxes at a time (``hierarchy.py``): groups (module scopes,
functions, forward/backward, repeated steps) start collapsed when the graph is large and
open on click. Nodes are named by the public op that made them; the primitives behind
it are folded in unless ``internals=True``. One Graphviz layout (``dot_layout.py``)
feeds the static SVG (a data-URI image inside the HTML output, stored once and kept by
sanitisers, nbconvert and Sphinx) and the widget (``static/graph.js``).
"""

from __future__ import annotations

import time

from ._bundle import LiveView
from ._html import data_uri, esc, human_bytes, wrap
from .dot_layout import layout as dot_layout
from .graph_model import Graph, from_arrays
from .hierarchy import Hierarchy

FONT = 12.0  # px, node titles; details one px smaller
CHAR = 7.3  # px per character of the monospace font at FONT
# High-degree sources (a weight read by 50 steps) become one small stub per reader.
STUB_READERS = 4

# Style classes -> (light fill, dark fill); the widget uses JupyterLab's variables.
PALETTE = {
    "input": ("#e9ecef", "#3a3f44"),
    "constant": ("#f1f3f5", "#33373b"),
    "pending": ("#ffe8cc", "#5c3d12"),
    "computed": ("#d3f9d8", "#1f4d2a"),
    "group": ("#e5dbff", "#3b2f66"),
    "forward": ("#d0ebff", "#173b5c"),
    "backward": ("#fcc2d7", "#5c1f36"),
    "backward-primal": ("#eebefa", "#4d2259"),
    "cotangent": ("#ffd43b", "#6b5410"),
    "forced": ("#ffc9c9", "#6b2222"),
    "trigger": ("#ff8787", "#8a2a2a"),
    "already": ("#d3f9d8", "#1f4d2a"),
}
LEGEND = {
    "input": "input", "constant": "constant", "pending": "pending", "computed": "computed",
    "group": "collapsed group (click to open)", "forward": "forward",
    "backward": "backward (depends on the cotangent)",
    "backward-primal": "backward, from primals only", "cotangent": "cotangent (seed)",
    "forced": "computed by this evaluation", "trigger": "asked for (the trigger)",
    "already": "already computed",
}
MARK_CLASS = {"forced": "forced", "trigger": "trigger", "computed": "already"}


def style_class(n) -> str:
    if n.mark:
        return MARK_CLASS.get(n.mark, "pending")
    if n.role and (n.kind not in ("input", "constant") or n.role == "cotangent"):
        return n.role
    if n.kind in ("input", "constant"):
        return n.kind
    return "computed" if n.status in ("evaluated", "available") else "pending"


def text_size(title: str, detail: str) -> tuple[float, float]:
    chars = max(len(title), len(detail))
    return (min(max(chars * CHAR + 18, 56), 300), 40.0)


def clip(text: str, width: float) -> str:
    room = int((width - 10) / CHAR)
    return text if len(text) <= room else text[: max(room - 1, 1)] + "…"


class GraphView(LiveView):
    """A drawable graph: ``show_graph`` returns one; it displays itself.

    ``expanded`` is the set of open group keys; ``internals`` shows every primitive.
    """

    def __init__(self, graph: Graph, title: str = "", expanded=None, internals: bool = False):
        self.full = graph
        self.title = title
        self.internals = internals
        self.graph = graph if internals else graph.fold_internals()
        self.hierarchy = Hierarchy(self.graph)
        self.expanded = (set(expanded) if expanded is not None
                         else self.hierarchy.default_expanded())
        self._cache: dict = {}
        self.layout_ms = 0.0  # time of the latest hierarchy + Graphviz layout

    # ---- what is visible -----------------------------------------------------
    def visible(self) -> dict:
        """Boxes, edges and clusters of the current view (before layout)."""
        h, g = self.hierarchy, self.graph
        items, where = h.visible(self.expanded)
        rep = h.representative(self.expanded)
        boxes = {}
        for k in items:
            if k in h.groups:
                grp = h.groups[k]
                boxes[k] = {"title": grp.label, "cls": "group",
                            "detail": grp.detail or f"{grp.size} ops",
                            "kind": "group", "group": k, "info": {"group": grp.label,
                            "kind": grp.kind, "ops": grp.size}}
            else:
                n = g.nodes[k]
                boxes[k] = {"title": n.title, "detail": n.detail, "cls": style_class(n),
                            "kind": n.kind, "info": {**n.info(), **self.memory_info(k)},
                            "node": k}
        # Unnamed sources read only from inside one collapsed group belong to it.
        readers_of: dict = {}
        for s, d in g.edges:
            readers_of.setdefault(s, set()).add(rep[d])
        for k, rs in readers_of.items():
            n = g.nodes[k]
            if (n.op is None and not n.name and len(rs) == 1 and next(iter(rs)) in h.groups
                    and k in boxes and n.kind != "output"):
                rep[k] = next(iter(rs))
                del boxes[k]
        edges, seen = [], set()
        for s, d in g.edges:
            e = (rep[s], rep[d])
            if e[0] != e[1] and e not in seen:
                seen.add(e)
                edges.append(e)
        # Sources read by many boxes: one stub per reader instead of a comb of edges.
        readers: dict = {}
        for s, d in edges:
            readers.setdefault(s, []).append(d)
        stubbed = {s for s, ds in readers.items()
                   if len(ds) >= STUB_READERS and s in g.nodes and g.nodes[s].op is None}
        if stubbed:
            out = []
            for s, d in edges:
                if s in stubbed:
                    stub = f"{s}@{d}"
                    boxes[stub] = dict(boxes[s], kind="stub",
                                       title=f"{boxes[s]['title']} {boxes[s]['detail']}")
                    where[stub] = where.get(d)
                    out.append((stub, d))
                else:
                    out.append((s, d))
            edges = out
            for s in stubbed:
                del boxes[s]
                where.pop(s, None)
        clusters = {k: (h.groups[k].label, h.parent.get(k)) for k in self.expanded
                    if k in h.groups and all(a in self.expanded for a in h.ancestors(k))}
        return {"boxes": boxes, "edges": edges, "clusters": clusters, "where": where}

    def layout(self):
        key = frozenset(self.expanded)
        if key not in self._cache:
            t = time.perf_counter()
            vis = self.visible()
            sizes = {}
            for k, b in vis["boxes"].items():
                w, h = text_size(b["title"], b["detail"] if b["kind"] != "stub" else "")
                sizes[k] = (w, 24.0 if b["kind"] == "stub" else h)
            lay = dot_layout(list(vis["boxes"]), sizes, vis["edges"], vis["clusters"],
                             vis["where"])
            self._cache = {key: (vis, lay)}
            self.layout_ms = (time.perf_counter() - t) * 1e3
        return self._cache[key]

    # ---- outputs ---------------------------------------------------------------
    def to_json(self) -> dict:
        vis, lay = self.layout()
        nodes = []
        for k, b in vis["boxes"].items():
            if k not in lay.pos:
                continue
            (x, y), (w, h) = lay.pos[k], lay.size[k]
            nodes.append({"key": k, "x": round(x, 1), "y": round(y, 1), "w": w, "h": h,
                          "title": b["title"], "detail": b["detail"] if b["kind"] != "stub" else "",
                          "cls": b["cls"], "kind": b["kind"], "group": b.get("group", ""),
                          "info": {k2: str(v) for k2, v in b["info"].items()}})
        clusters = []
        for k, (x, y, w, h) in lay.clusters.items():
            label = vis["clusters"].get(k, ("", None))[0]
            depth = len(self.hierarchy.ancestors(k))
            clusters.append({"key": k, "label": label, "x": round(x, 1), "y": round(y, 1),
                             "w": round(w, 1), "h": round(h, 1), "depth": depth})
        clusters.sort(key=lambda c: c["depth"])
        outputs = [n["key"] for n in nodes if n["kind"] == "output"]
        return {"width": round(lay.width, 1), "height": round(lay.height, 1), "nodes": nodes,
                "edges": [{"s": s, "d": d, "path": p, "saved": self._saved_edge(vis, s, d)}
                          for s, d, p in lay.edges],
                "clusters": clusters, "title": self.title, "summary": self.summary(),
                "legend": self.legend_items(), "outputs": outputs, "dot": self.to_dot(),
                "internals": self.internals, "palette": PALETTE}

    def _saved_edge(self, vis, s, d) -> bool:
        """A forward value the backward pass reads (drawn dashed)."""
        a, b = vis["boxes"].get(s, {}).get("node"), vis["boxes"].get(d, {}).get("node")
        if a is None or b is None:
            return False
        ra, rb = self.graph.nodes[a].role, self.graph.nodes[b].role
        return ra == "forward" and rb.startswith("backward") and self.graph.nodes[a].op is not None

    def summary(self) -> str:
        g = self.full
        ops = [n for n in g.nodes.values() if n.op]
        pending = sum(1 for n in ops if n.status == "unscheduled")
        ins, outs = g.ranked()
        vis, _ = self.layout()
        memory = ""
        if pending:
            # Not the sum of every op's result: views own no buffer and intermediates
            # are freed (or written over) as the evaluation goes.
            from .memory_plan import best_cut

            plan, cuts = self.memory()
            cut = best_cut(g, plan, cuts)
            memory = f"; {plan.describe()}" + (f"; {cut}" if cut else "")
        return (f"{len(g)} arrays: {len(ops)} ops ({pending} pending), {len(ins)} inputs, "
                f"{len(outs)} outputs; showing {len(vis['boxes'])} boxes{memory}")

    def memory(self):
        """(MemoryPlan of evaluating the graph, {pending key: peak if evaluated first}),
        replayed once (``memory_plan.py``)."""
        if not hasattr(self, "_memory"):
            from .memory_plan import cut_peaks, simulate

            self._memory = (simulate(self.full), cut_peaks(self.full, limit=120))
        return self._memory

    def memory_info(self, key) -> dict:
        """The details panel's memory lines for a pending node: the peak of evaluating
        the whole graph, and the peak if this node were evaluated first."""
        plan, cuts = self.memory()
        if key not in cuts:
            return {}
        return {"peak if evaluated first": f"{human_bytes(cuts[key])} (whole graph at once: "
                                           f"{human_bytes(plan.peak)})"}

    def legend_items(self) -> list:
        vis, _ = self.layout()
        present = {b["cls"] for b in vis["boxes"].values()}
        return [[c, LEGEND[c]] for c in PALETTE if c in present]

    def to_svg(self, dark: bool = False) -> str:
        """The static picture: the same layout the widget draws, with its own
        background so it reads on light and dark pages."""
        data = self.to_json()
        return render_svg(data, dark=dark)

    def to_html(self, wrapped: bool = True) -> str:
        """Title, summary and legend as HTML, and the picture as a data-URI SVG image."""
        data = self.to_json()
        src = data_uri(render_svg(data))
        head = f"<b>{esc(self.title)}</b> " if self.title else ""
        legend = " ".join(f'<span class="lmx-tag" style="background:{PALETTE[c][0]};color:#212529">'
                          f"{esc(t)}</span>" for c, t in data["legend"])
        width = min(data["width"] + 2, 1200)
        body = (f"<div>{head}{esc(data['summary'])}</div><div>{legend}</div>"
                f'<div style="max-height:720px;overflow:auto">'
                f'<img class="lmx-graph" alt="{esc(self.title or "graph")}" src="{src}" '
                f'style="max-width:none;width:{width:.0f}px"></div>')
        return wrap(body) if wrapped else body

    def to_dot(self) -> str:
        """DOT text of the current view, labelled, for Graphviz users."""
        vis, lay = self.layout()
        lines = lay.dot.splitlines()
        labels = {k: f"{b['title']}\\n{b['detail']}" for k, b in vis["boxes"].items()}
        out = []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith('"') and "[width=" in stripped and "->" not in stripped:
                key = stripped[1:stripped.index('"', 1)]
                fill = PALETTE.get(vis["boxes"][key]["cls"], ("#fff",))[0]
                line = line.replace("];", f', label="{labels[key]}", style=filled, '
                                    f'fillcolor="{fill}", fixedsize=false];')
            out.append(line)
        return "\n".join(out).replace('label=""', 'fontname="monospace"', 1)

    def layout_metrics(self) -> dict:
        """Edge crossings and edges through boxes of the current view."""
        return layout_metrics(self.to_json())

    def internals_view(self) -> "GraphView":
        """The same graph with every primitive shown."""
        return GraphView(self.full, title=self.title, internals=True)

    # ---- interactive -------------------------------------------------------------
    def widget(self):
        """The interactive view (an anywidget); needs ``anywidget`` installed."""
        from .graph_widget import GraphWidget

        return GraphWidget(self)

    def toggle(self, group: str) -> None:
        """Open a collapsed group, or close an open one (and everything inside it)."""
        if group in self.expanded:
            self.expanded = {g for g in self.expanded
                             if g != group and group not in self.hierarchy.ancestors(g)}
        elif group in self.hierarchy.groups:
            self.expanded = self.expanded | {group} | set(self.hierarchy.ancestors(group))

    def _static_bundle(self) -> dict:
        return {"text/plain": repr(self), "text/html": self.to_html()}

    def _live_widget(self):
        return self.widget()

    def __repr__(self):
        return f"GraphView({self.summary()})"


def render_svg(data: dict, dark: bool = False) -> str:
    """An SVG document from ``GraphView.to_json()`` data."""
    shade = 1 if dark else 0
    ink, muted, edge, frame = (("#e9ecef", "#adb5bd", "#909296", "#5c5f66") if dark
                               else ("#212529", "#495057", "#868e96", "#adb5bd"))
    bg = "#1e1e1e" if dark else "#ffffff"
    w, h = data["width"], data["height"]
    parts = [f'<rect x="0" y="0" width="{w:.0f}" height="{h:.0f}" fill="{bg}"/>']
    for c in data["clusters"]:
        parts.append(f'<rect x="{c["x"]:.1f}" y="{c["y"]:.1f}" width="{c["w"]:.1f}" '
                     f'height="{c["h"]:.1f}" rx="6" fill="none" stroke="{frame}" '
                     f'stroke-dasharray="5 3"/><text x="{c["x"] + 6:.1f}" y="{c["y"] + 14:.1f}" '
                     f'font-size="12" fill="{muted}">{esc(c["label"])}</text>')
    for e in data["edges"]:
        dash = ' stroke-dasharray="5 3"' if e.get("saved") else ""
        parts.append(f'<path d="{e["path"]}" fill="none" stroke="{edge}" stroke-width="1.2" '
                     f'marker-end="url(#lmx-arrow)"{dash}/>')
    for n in data["nodes"]:
        x, y, nw, nh = n["x"], n["y"], n["w"], n["h"]
        fill = PALETTE.get(n["cls"], ("#fff", "#333"))[shade]
        rx = nh / 2 if n["kind"] in ("input", "constant", "stub") else 4
        tip = "\n".join(f"{k}: {v}" for k, v in n["info"].items())
        dash = ' stroke-dasharray="4 2"' if n["kind"] == "group" else ""
        width = 2.2 if n["kind"] == "output" else 1.0
        parts.append(f'<g><title>{esc(tip)}</title><rect x="{x - nw / 2:.1f}" y="{y - nh / 2:.1f}" '
                     f'width="{nw:.1f}" height="{nh:.1f}" rx="{rx:.1f}" fill="{fill}" '
                     f'stroke="{muted}" stroke-width="{width}"{dash}/>')
        if n["detail"]:
            parts.append(f'<text x="{x:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="{FONT:.0f}" '
                         f'font-weight="bold" fill="{ink}">{esc(clip(n["title"], nw))}</text>'
                         f'<text x="{x:.1f}" y="{y + 12:.1f}" text-anchor="middle" '
                         f'font-size="{FONT - 1:.0f}" fill="{muted}">{esc(clip(n["detail"], nw))}</text></g>')
        else:
            parts.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="{FONT - 1:.0f}" '
                         f'fill="{ink}">{esc(clip(n["title"], nw))}</text></g>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
            f'viewBox="0 0 {w:.0f} {h:.0f}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace">'
            '<defs><marker id="lmx-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{edge}"/></marker></defs>'
            + "".join(parts) + "</svg>")


def show_graph(*arrays, title: str = "", internals: bool = False, expanded=None,
               **names) -> GraphView:
    """Draw the pending graph of ``arrays`` (and of ``names``, labelled by keyword).

    Evaluates nothing. Nodes show the op (as the user called it), shape, dtype and a
    status colour; with ``mx.graph.record_sites()`` on they also carry their line and
    module scope, and group by scope and function. ``internals=True`` shows every
    primitive. Returns a ``GraphView`` that displays as an interactive widget plus a
    static picture that stays in the saved notebook.
    """
    return GraphView(from_arrays(*arrays, **names), title=title, expanded=expanded,
                     internals=internals)


def _polyline(path: str, samples: int = 8) -> list:
    """Points along an SVG path of M/C/L commands (the edges dot routes)."""
    import re

    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path)]
    cmds = re.findall(r"[MCL]", path)
    pts, i, cur = [], 0, None
    for c in cmds:
        if c == "M" or c == "L":
            cur = (nums[i], nums[i + 1])
            i += 2
            pts.append(cur)
        else:
            p1, p2, p3 = (nums[i], nums[i + 1]), (nums[i + 2], nums[i + 3]), (nums[i + 4], nums[i + 5])
            i += 6
            for k in range(1, samples + 1):
                t = k / samples
                a, b, c2, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t ** 3
                pts.append((a * cur[0] + b * p1[0] + c2 * p2[0] + d * p3[0],
                            a * cur[1] + b * p1[1] + c2 * p2[1] + d * p3[1]))
            cur = p3
    return pts


def _cross(p, q, r, s) -> bool:
    def orient(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = orient(r, s, p), orient(r, s, q)
    d3, d4 = orient(p, q, r), orient(p, q, s)
    return d1 * d2 < 0 and d3 * d4 < 0


def layout_metrics(data: dict) -> dict:
    """Quality of a drawn view (``GraphView.to_json()``): pairs of edges that cross, and
    edges that pass through a box other than their own ends (which should be none)."""
    lines = [(e["s"], e["d"], _polyline(e["path"])) for e in data["edges"]]
    boxes = {n["key"]: n for n in data["nodes"]}
    crossings = 0
    for i in range(len(lines)):
        si, di, a = lines[i]
        for j in range(i + 1, len(lines)):
            sj, dj, b = lines[j]
            if {si, di} & {sj, dj}:
                continue
            if any(_cross(a[k], a[k + 1], b[m], b[m + 1])
                   for k in range(len(a) - 1) for m in range(len(b) - 1)):
                crossings += 1
    through = 0
    for s, d, pts in lines:
        for key, n in boxes.items():
            if key in (s, d):
                continue
            x0, x1 = n["x"] - n["w"] / 2 + 2, n["x"] + n["w"] / 2 - 2
            y0, y1 = n["y"] - n["h"] / 2 + 2, n["y"] + n["h"] / 2 - 2
            if any(x0 < x < x1 and y0 < y < y1 for x, y in pts):
                through += 1
                break
    return {"boxes": len(data["nodes"]), "edges": len(lines), "crossings": crossings,
            "edges_through_nodes": through}
