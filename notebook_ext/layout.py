"""A layered (Sugiyama-style) layout for DAGs, in pure Python.

Fast enough for thousands of nodes (no Graphviz needed): ranks by longest path from the
sources, sources pulled down next to their first consumer, a few barycentre sweeps to
reduce crossings, then x positions nudged toward neighbours without overlapping.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Layout:
    pos: dict  # key -> (x centre, y centre)
    size: dict  # key -> (width, height)
    width: float
    height: float


def _ranks(keys, preds, succs, last=()) -> dict:
    rank = {}
    for k in keys:  # keys arrive in topological order (inputs first)
        rank[k] = max((rank[p] + 1 for p in preds[k] if p in rank), default=0)
    # Sources (inputs, constants) sit just above their first consumer.
    for k in keys:
        if not preds[k] and succs[k]:
            rank[k] = max(0, min(rank[s] for s in succs[k]) - 1)
    # Outputs without consumers share the bottom layer.
    bottom = max(rank.values(), default=0)
    for k in last:
        if not succs[k]:
            rank[k] = bottom
    return rank


def layered_layout(keys, edges, size, node_sep=14.0, rank_sep=46.0, sweeps=4, last=()) -> Layout:
    """Lay out nodes ``keys`` (topologically ordered) with ``size[key] = (w, h)``.

    ``last`` names nodes (outputs) to put on the bottom layer when nothing consumes them.
    """
    preds = {k: [] for k in keys}
    succs = {k: [] for k in keys}
    for s, d in edges:
        preds[d].append(s)
        succs[s].append(d)
    rank = _ranks(keys, preds, succs, last)
    layers: list = [[] for _ in range(max(rank.values(), default=0) + 1)]
    for k in keys:
        layers[rank[k]].append(k)

    order = {}
    for layer in layers:
        for i, k in enumerate(layer):
            order[k] = i

    def sweep(range_, adj):
        for r in range_:
            layer = layers[r]

            def bary(k):
                ns = [order[n] for n in adj[k]]
                return sum(ns) / len(ns) if ns else order[k]

            layer.sort(key=bary)
            for i, k in enumerate(layer):
                order[k] = i

    for _ in range(sweeps):
        sweep(range(1, len(layers)), preds)
        sweep(range(len(layers) - 2, -1, -1), succs)

    # x: pack each layer, then move nodes toward the mean of their neighbours.
    x = {}
    for layer in layers:
        cursor = 0.0
        for k in layer:
            w = size[k][0]
            x[k] = cursor + w / 2
            cursor += w + node_sep
        shift = cursor / 2
        for k in layer:
            x[k] -= shift

    def settle(adj):
        for layer in layers:
            want = {}
            for k in layer:
                ns = adj[k]
                want[k] = sum(x[n] for n in ns) / len(ns) if ns else x[k]
            prev = None
            for k in layer:  # left to right: keep order, no overlap
                lo = -1e18 if prev is None else x[prev] + (size[prev][0] + size[k][0]) / 2 + node_sep
                x[k] = max(want[k], lo)
                prev = k
            nxt = None
            for k in reversed(layer):  # right to left: pull back toward the target
                hi = 1e18 if nxt is None else x[nxt] - (size[nxt][0] + size[k][0]) / 2 - node_sep
                x[k] = min(x[k], hi)
                nxt = k

    for _ in range(2):
        settle(preds)
        settle(succs)

    left = min((x[k] - size[k][0] / 2 for k in keys), default=0.0)
    right = max((x[k] + size[k][0] / 2 for k in keys), default=0.0)
    pos = {}
    y = 0.0
    for layer in layers:
        h = max((size[k][1] for k in layer), default=0.0)
        for k in layer:
            pos[k] = (x[k] - left + 10, y + h / 2 + 10)
        y += h + rank_sep
    return Layout(pos, dict(size), right - left + 20, max(y - rank_sep, 0) + 20)
