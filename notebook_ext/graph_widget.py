"""The interactive graph (an anywidget). The browser draws the layout it is sent
(``static/graph.js``): pan and zoom, minimap, search, details, export. Opening or closing
a group, or showing internals, asks the kernel for the new view, which lays out only
the boxes now visible."""

from __future__ import annotations

import time

import anywidget
import traitlets

from ._esm import css, module


class GraphWidget(anywidget.AnyWidget):
    _esm = module("graph.js")
    _css = css("graph.css")

    graph = traitlets.Dict().tag(sync=True)  # GraphView.to_json()
    expanded = traitlets.List(traitlets.Unicode()).tag(sync=True)
    internals = traitlets.Bool(False).tag(sync=True)
    layout_ms = traitlets.Float(0.0).tag(sync=True)  # kernel time of the latest view

    def __init__(self, view, **kwargs):
        self.view = view
        t = time.perf_counter()
        data = view.to_json()
        super().__init__(graph=data, expanded=sorted(view.expanded), internals=view.internals,
                         layout_ms=max(view.layout_ms, (time.perf_counter() - t) * 1e3), **kwargs)
        self.on_msg(self._message)

    def _message(self, _widget, content, _buffers=None):
        if content.get("toggle"):
            self.toggle(content["toggle"])

    def toggle(self, group: str) -> None:
        """Open or close a group (what clicking it in the browser does)."""
        self.view.toggle(group)
        self._refresh()

    @traitlets.observe("internals")
    def _internals(self, change):
        if change["new"] != self.view.internals:
            from .graph_view import GraphView

            self.view = GraphView(self.view.full, title=self.view.title, internals=change["new"])
            self._refresh()

    def _refresh(self):
        t = time.perf_counter()
        data = self.view.to_json()
        self.layout_ms = (time.perf_counter() - t) * 1e3
        self.expanded = sorted(self.view.expanded)
        self.graph = data
