"""The evaluation ledger: every evaluation in a block or a cell, with the line that
caused it, as a table and a timeline; selecting an event draws the graph it computed.

    with EvalLedger() as ledger:      # or the cell magic %%evaltrace
        ...
    ledger                            # displays the ledger

Graph-growth warnings (``mx.graph.set_growth_warning``) raised inside are kept with the
line they name.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import lumex.core as mx

from ._bundle import LiveView
from ._html import data_uri, esc, human_bytes, wrap
from .graph_model import from_snapshot, location
from .graph_view import GraphView

# The saved output carries the graphs of this many events (the widget shows any).
STATIC_GRAPHS = 12


@dataclass
class Entry:
    index: int
    kind: str
    file: str | None
    line: int | None
    function: str | None
    source: str
    num_nodes: int
    nbytes: int
    wall_time: float
    start: float  # seconds since the ledger opened
    nodes: list  # GraphNode snapshot
    outputs: tuple

    @property
    def where(self) -> str:
        """``cell [12], line 3`` in a notebook, ``file.py:3`` for a real file."""
        return location((self.file, self.line, self.function)) if self.line else "?"

    def graph_view(self) -> GraphView:
        """The graph this evaluation computed: what was already computed, what the
        trigger forced, and the arrays it asked for."""
        graph = from_snapshot(self.nodes)
        outputs = {str(i) for i in self.outputs}
        for k, n in graph.nodes.items():
            if k in outputs:
                n.mark = "trigger"
            elif n.op is not None:
                n.mark = "forced"
            elif n.kind == "input":
                n.mark = "computed"
        return GraphView(graph, title=f"event {self.index}: {self.kind} at {self.where}")


@dataclass
class GrowthWarning:
    message: str
    file: str
    line: int


class EvalLedger(LiveView):
    """Context manager recording evaluations (with ``record_sites`` on, so nodes carry
    their creation lines). ``growth_warning=n`` turns on the growth warning inside."""

    def __init__(self, record_sites: bool = True, growth_warning: int | None = None):
        self.entries: list[Entry] = []
        self.warnings: list[GrowthWarning] = []
        self._record_sites = record_sites
        self._growth = growth_warning
        self._handle = None
        self.label = ""

    def _observe(self, ev):
        end = time.perf_counter() - self._t0
        self.entries.append(Entry(len(self.entries), ev.kind, ev.file, ev.line, ev.function,
                                  (ev.source or "").strip(), ev.num_nodes, ev.nbytes,
                                  ev.wall_time, max(end - ev.wall_time, 0.0), list(ev.nodes),
                                  tuple(ev.outputs)))

    def __enter__(self):
        self._t0 = time.perf_counter()
        self._sites = mx.graph.record_sites(self._record_sites)
        self._sites.__enter__()
        if self._growth is not None:
            mx.graph.set_growth_warning(self._growth)
        self._warn_ctx = warnings.catch_warnings(record=True)
        self._caught = self._warn_ctx.__enter__()
        warnings.simplefilter("always", mx.graph.GraphGrowthWarning)
        self._handle = mx.graph.add_observer(self._observe)
        return self

    def __exit__(self, *exc):
        mx.graph.remove_observer(self._handle)
        self.duration = time.perf_counter() - self._t0
        self._warn_ctx.__exit__(*exc)
        for w in self._caught:
            if issubclass(w.category, mx.graph.GraphGrowthWarning):
                self.warnings.append(GrowthWarning(str(w.message), w.filename, w.lineno))
            else:  # not ours: show it as Python would have
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if self._growth is not None:
            mx.graph.set_growth_warning(None)
        self._sites.__exit__(*exc)
        return False

    # ---- views ------------------------------------------------------------
    def table_html(self, selected: int | None = None) -> str:
        rows = []
        for e in self.entries:
            hi = ' class="lmx-hi"' if e.index == selected else ""
            rows.append(f"<tr{hi}><td>{e.index}</td><td><b>{esc(e.kind)}</b></td><td>{esc(e.where)}</td>"
                        f"<td><code>{esc(e.source)}</code></td><td>{e.num_nodes}</td>"
                        f"<td>{esc(human_bytes(e.nbytes))}</td><td>{e.wall_time * 1e3:.3f} ms</td></tr>")
        return ("<table><tr><th>#</th><th>trigger</th><th>where</th><th>source</th><th>nodes</th>"
                f"<th>bytes</th><th>time</th></tr>{''.join(rows)}</table>")

    def timeline_svg(self, width: int = 640) -> str:
        """One bar per evaluation on the ledger's clock (bar length = compute time),
        over a time axis; labels move to a lower row rather than overlap."""
        if not self.entries:
            return ""
        span = max(max(e.start + e.wall_time for e in self.entries), 1e-6)
        unit, factor = (("s", 1.0) if span >= 2 else ("ms", 1e3) if span >= 2e-3 else ("µs", 1e6))
        left, right = 10, width - 30
        px = (right - left) / span
        colours = {"eval": "#4c8bf5", "repr": "#e8a33d", "item": "#d6336c", "bool": "#ae3ec9"}
        bars, label_rows = [], []
        for e in self.entries:
            x = left + e.start * px
            w = max(e.wall_time * px, 3)
            c = colours.get(e.kind, "#3fa34d")
            text = f"#{e.index} {e.kind}"
            tw = len(text) * 6.2
            row = next((r for r, end in enumerate(label_rows) if end < x), len(label_rows))
            if row == len(label_rows):
                label_rows.append(0)
            label_rows[row] = x + tw + 4
            bars.append(f'<g><title>#{e.index} {esc(e.kind)} at {esc(e.where)}: {e.num_nodes} nodes, '
                        f'{e.wall_time * 1e3:.3f} ms</title><rect x="{x:.1f}" y="4" width="{w:.1f}" '
                        f'height="16" fill="{c}"/><text x="{x:.1f}" y="{34 + 12 * row}" font-size="10">'
                        f"{esc(text)}</text></g>")
        axis_y = 40 + 12 * len(label_rows)
        ticks = []
        step = _nice_step(span * factor / 6)
        t = 0.0
        while t <= span * factor + 1e-12:
            x = left + t / factor * px
            ticks.append(f'<line x1="{x:.1f}" y1="{axis_y - 3}" x2="{x:.1f}" y2="{axis_y + 3}" stroke="#868e96"/>'
                         f'<text x="{x:.1f}" y="{axis_y + 14}" font-size="10" text-anchor="middle">'
                         f"{t:g}</text>")
            t += step
        height = axis_y + 20
        return (f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
                'font-family="DejaVu Sans Mono, monospace">'
                f'<rect width="{width}" height="{height}" fill="#fff"/>'
                f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="#868e96"/>'
                f'{"".join(ticks)}<text x="{right + 4}" y="{axis_y + 4}" font-size="10">{unit}</text>'
                f'{"".join(bars)}</svg>')

    def summary(self) -> str:
        total = sum(e.wall_time for e in self.entries)
        kinds: dict = {}
        for e in self.entries:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
        by = ", ".join(f"{k} × {v}" for k, v in kinds.items())
        return (f"{len(self.entries)} evaluation(s) ({by or 'none'}), "
                f"{sum(e.num_nodes for e in self.entries)} nodes, {total * 1e3:.3f} ms computing")

    def warnings_html(self) -> str:
        return "".join(f'<div class="lmx-warn">graph growth at line {w.line}: {esc(w.message)}</div>'
                       for w in self.warnings)

    def to_html(self, selected: int | None = None, graphs: bool = True) -> str:
        """Summary, timeline and table; with ``graphs``, the graphs of the first events
        too, as pictures that stay in a saved notebook."""
        label = f"<b>{esc(self.label)}</b> " if self.label else ""
        timeline = self.timeline_svg()
        img = f'<div><img alt="timeline" src="{data_uri(timeline)}"></div>' if timeline else ""
        parts = [f"<div>{label}{esc(self.summary())}</div>{self.warnings_html()}{img}",
                 self.table_html(selected)]
        if graphs:
            for e in self.entries[:STATIC_GRAPHS]:
                if not e.nodes:
                    continue
                view = e.graph_view()
                parts.append(f"<details><summary>graph of event {e.index} ({esc(e.kind)} at "
                             f"{esc(e.where)})</summary>{view.to_html(wrapped=False)}</details>")
        return wrap("".join(parts))

    def widget(self):
        """Table and timeline plus an event picker that draws the chosen event's graph."""
        import ipywidgets as W

        pick = W.Dropdown(options=[(f"#{e.index} {e.kind} at {e.where}: {e.source[:40]}", e.index)
                                   for e in self.entries], description="event")
        table = W.HTML(self.to_html(selected=pick.value, graphs=False))
        graph = W.Output()

        def update(_=None):
            table.value = self.to_html(selected=pick.value, graphs=False)
            graph.clear_output()
            if pick.value is not None:
                with graph:
                    from IPython.display import display
                    display(self.entries[pick.value].graph_view())

        pick.observe(update, names="value")
        update()
        box = W.VBox([table, pick, graph])
        box.pick = pick
        return box

    def _static_bundle(self) -> dict:
        return {"text/plain": repr(self), "text/html": self.to_html()}

    def _live_widget(self):
        return self.widget() if self.entries else None

    def __repr__(self):
        return f"EvalLedger({self.summary()})"

    def __len__(self):
        return len(self.entries)

    def __getitem__(self, i):
        return self.entries[i]


def _nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at least ``raw``."""
    import math

    if raw <= 0:
        return 1.0
    base = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * base >= raw:
            return m * base
    return 10 * base
