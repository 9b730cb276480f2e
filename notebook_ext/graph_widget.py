"""The interactive graph (an anywidget): pan/zoom, search, upstream/downstream
highlighting in the browser (``static/graph.js``); collapsing a group re-runs the
layout here in the kernel and sends the new positions."""

from __future__ import annotations

import pathlib

import anywidget
import traitlets


class GraphWidget(anywidget.AnyWidget):
    _esm = pathlib.Path(__file__).parent / "static" / "graph.js"

    graph = traitlets.Dict().tag(sync=True)  # GraphView.to_json()
    collapsed = traitlets.List(traitlets.Unicode()).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)  # node key clicked in the browser
    direction = traitlets.Unicode("both").tag(sync=True)  # 'up', 'down' or 'both'
    search = traitlets.Unicode("").tag(sync=True)

    def __init__(self, view, **kwargs):
        self.view = view
        super().__init__(graph=view.to_json(), collapsed=sorted(view.collapsed), **kwargs)

    @traitlets.observe("collapsed")
    def _relayout(self, change):
        self.view.collapsed = set(change["new"]) & set(self.view.graph.groups())
        self.graph = self.view.to_json()

    def highlighted(self) -> set:
        """Node keys the browser highlights for ``selected`` and ``direction``."""
        if not self.selected:
            return set()
        return self.view.visible().neighbours(self.selected, self.direction)

    def matches(self) -> list:
        return self.view.visible().search(self.search)
