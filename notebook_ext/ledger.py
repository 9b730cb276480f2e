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

from ._html import esc, human_bytes, wrap
from .graph_model import from_snapshot
from .graph_view import GraphView


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

    def graph_view(self) -> GraphView:
        return GraphView(from_snapshot(self.nodes),
                         title=f"event {self.index}: {self.kind} at line {self.line}")


@dataclass
class GrowthWarning:
    message: str
    file: str
    line: int


class EvalLedger:
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
            rows.append(f"<tr{hi}><td>{e.index}</td><td><b>{esc(e.kind)}</b></td><td>{esc(e.line)}</td>"
                        f"<td><code>{esc(e.source)}</code></td><td>{e.num_nodes}</td>"
                        f"<td>{esc(human_bytes(e.nbytes))}</td><td>{e.wall_time * 1e3:.3f} ms</td></tr>")
        return ("<table><tr><th>#</th><th>trigger</th><th>line</th><th>source</th><th>nodes</th>"
                f"<th>bytes</th><th>time</th></tr>{''.join(rows)}</table>")

    def timeline_svg(self, width: int = 640) -> str:
        """One bar per evaluation on the ledger's clock (bar length = compute time)."""
        if not self.entries:
            return ""
        span = max(max(e.start + e.wall_time for e in self.entries), 1e-6)
        colours = {"eval": "#4c8bf5", "repr": "#e8a33d", "item": "#d6336c", "bool": "#ae3ec9"}
        bars = []
        for e in self.entries:
            x = e.start / span * (width - 10)
            w = max(e.wall_time / span * (width - 10), 3)
            c = colours.get(e.kind, "#3fa34d")
            bars.append(f'<g><title>#{e.index} {esc(e.kind)} line {e.line}: {e.num_nodes} nodes, '
                        f'{e.wall_time * 1e3:.3f} ms</title><rect x="{x:.1f}" y="4" width="{w:.1f}" '
                        f'height="18" fill="{c}"/><text x="{x:.1f}" y="34" font-size="9">{e.index}</text></g>')
        return (f'<svg width="{width}" height="40" xmlns="http://www.w3.org/2000/svg">'
                f'<line x1="0" y1="22" x2="{width}" y2="22" stroke="#adb5bd"/>{"".join(bars)}</svg>')

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

    def to_html(self, selected: int | None = None) -> str:
        label = f"<b>{esc(self.label)}</b> " if self.label else ""
        return wrap(f"<div>{label}{esc(self.summary())}</div>{self.warnings_html()}"
                    f"{self.timeline_svg()}{self.table_html(selected)}")

    def widget(self):
        """Table and timeline plus an event picker that draws the chosen event's graph."""
        import ipywidgets as W

        pick = W.Dropdown(options=[(f"#{e.index} {e.kind} line {e.line}: {e.source[:40]}", e.index)
                                   for e in self.entries], description="event")
        table = W.HTML(self.to_html(selected=pick.value))
        graph = W.Output()

        def update(_=None):
            table.value = self.to_html(selected=pick.value)
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

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": f"EvalLedger({self.summary()})", "text/html": self.to_html()}
        if self.entries:
            try:
                bundle.update(self.widget()._repr_mimebundle_() or {})
            except ImportError:
                pass
            bundle["text/plain"] = f"EvalLedger({self.summary()})"
        return bundle

    def __repr__(self):
        return f"EvalLedger({self.summary()})"

    def __len__(self):
        return len(self.entries)

    def __getitem__(self, i):
        return self.entries[i]


def evaltrace(**kwargs) -> EvalLedger:
    """``with evaltrace() as ledger:``; the same as ``EvalLedger(...)``."""
    return EvalLedger(**kwargs)
