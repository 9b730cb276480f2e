"""Rich displays of arrays, dtypes, devices, streams and pytrees that never evaluate.

A pending array shows what it *will* be (shape, dtype, status, producing op, how many
primitives evaluating it would run, their bytes); an array with data shows MLX's text,
statistics and a small heatmap or histogram. Reading the status or the pending graph goes
through ``mx.graph``, which changes nothing; values are read only once they exist.
"""

from __future__ import annotations

import math

import numpy as np

import lumex.core as mx

from ._html import badge, dtype_name, esc, human_bytes, shape_text, tag, wrap

# Graph walks for the display stop being worth it past this many pending primitives.
_WALK_LIMIT = 20_000
# Graphs up to this many pending primitives get their memory plan in the display (a few
# ms); bigger ones name memory_plan instead.
_PLAN_LIMIT = 200
# Statistics read at most this many elements (a strided sample beyond it).
_STATS_LIMIT = 250_000


def has_data(a) -> bool:
    return mx.graph.status(a) in ("evaluated", "available")


def summarize(a) -> dict:
    """What is known about ``a`` without computing it."""
    info = {
        "shape": tuple(a.shape),
        "dtype": dtype_name(a.dtype),
        "status": mx.graph.status(a),
        "nbytes": int(a.nbytes),
        "op": None,
        "pending": 0,
        "site": mx.graph.site(a),
    }
    if not has_data(a):
        info["pending"] = mx.graph.pending_count(a)
        if info["pending"] <= _WALK_LIMIT:
            nodes = mx.graph.nodes(a)
            info["op"] = nodes[-1].op if nodes else None
    return info


def stats(values: np.ndarray) -> dict:
    """min, max, mean, std and NaN/Inf counts of an array's data (complex: of |x|)."""
    flat = np.asarray(values).reshape(-1)
    if flat.size > _STATS_LIMIT:
        flat = flat[:: math.ceil(flat.size / _STATS_LIMIT)]
    if np.iscomplexobj(flat):
        flat = np.abs(flat)
    flat = flat.astype(np.float64, copy=False)
    finite = np.isfinite(flat)
    out = {"nan": int(np.isnan(flat).sum()), "inf": int(np.isinf(flat).sum()), "n": int(values.size),
           "sampled": flat.size < values.size}
    good = flat[finite]
    if good.size:
        out.update(min=float(good.min()), max=float(good.max()), mean=float(good.mean()),
                   std=float(good.std()))
    return out


def _colour(t: float) -> str:
    """A blue-to-yellow ramp (perceptually ordered, readable on light and dark)."""
    stops = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
    t = min(max(t, 0.0), 1.0) * (len(stops) - 1)
    i = min(int(t), len(stops) - 2)
    f = t - i
    r, g, b = (round(stops[i][k] + f * (stops[i + 1][k] - stops[i][k])) for k in range(3))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap_svg(values: np.ndarray, cells: int = 32, px: int = 160) -> str:
    """A 2-D array as an SVG heatmap, block-averaged down to at most cells x cells."""
    v = np.asarray(values)
    v = v[:: math.ceil(v.shape[0] / (8 * cells)), :: math.ceil(v.shape[1] / (8 * cells))]
    v = v.astype(np.float64)
    rows, cols = v.shape
    br, bc = math.ceil(rows / cells), math.ceil(cols / cells)
    pad = np.full((math.ceil(rows / br) * br, math.ceil(cols / bc) * bc), np.nan)
    pad[:rows, :cols] = np.where(np.isfinite(v), v, np.nan)
    with np.errstate(all="ignore"):
        grid = np.nanmean(pad.reshape(pad.shape[0] // br, br, pad.shape[1] // bc, bc), axis=(1, 3))
    lo, hi = np.nanmin(grid) if np.isfinite(grid).any() else 0, np.nanmax(grid) if np.isfinite(grid).any() else 1
    span = (hi - lo) or 1.0
    h, w = grid.shape
    cw, ch = px / max(w, h), px / max(w, h)
    rects = []
    for i in range(h):
        for j in range(w):
            val = grid[i, j]
            fill = "#888" if not np.isfinite(val) else _colour((val - lo) / span)
            rects.append(f'<rect x="{j * cw:.1f}" y="{i * ch:.1f}" width="{cw + 0.3:.1f}" '
                         f'height="{ch + 0.3:.1f}" fill="{fill}"/>')
    return (f'<svg class="lmx-heatmap" width="{w * cw:.0f}" height="{h * ch:.0f}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(rects)}</svg>')


def histogram_svg(values: np.ndarray, bins: int = 24, width: int = 160, height: int = 40) -> str:
    flat = np.asarray(values).reshape(-1)
    if flat.size > _STATS_LIMIT:
        flat = flat[:: math.ceil(flat.size / _STATS_LIMIT)]
    flat = flat.astype(np.float64)
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return ""
    if flat.size > _STATS_LIMIT:
        flat = flat[:: math.ceil(flat.size / _STATS_LIMIT)]
    counts, _ = np.histogram(flat, bins=bins)
    top = counts.max() or 1
    bw = width / bins
    bars = "".join(
        f'<rect x="{i * bw:.1f}" y="{height - c / top * height:.1f}" width="{bw - 1:.1f}" '
        f'height="{c / top * height:.1f}" fill="#4c8bf5"/>'
        for i, c in enumerate(counts) if c
    )
    return (f'<svg class="lmx-hist" width="{width}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">{bars}</svg>')


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def stats_line(s: dict) -> str:
    if "min" not in s:
        text = "no finite values"
    else:
        text = ("≈ " if s.get("sampled") else "") + (f"min {_fmt(s['min'])}  max {_fmt(s['max'])}  "
                f"mean {_fmt(s['mean'])}  std {_fmt(s['std'])}")
    flags = []
    if s["nan"]:
        flags.append(f"NaN × {s['nan']}")
    if s["inf"]:
        flags.append(f"Inf × {s['inf']}")
    warn = f' <span class="lmx-warn">{esc(", ".join(flags))}</span>' if flags else ""
    return f"<div>{esc(text)}{warn}</div>"


def _head(info: dict) -> str:
    parts = [badge(info["status"]), tag(f"shape {shape_text(info['shape'])}"),
             tag(info["dtype"]), tag(human_bytes(info["nbytes"]), "bytes of this array's data")]
    if info["op"]:
        parts.append(tag(f"op {info['op']}", "the primitive that will produce it"))
    site = info["site"]
    if site:
        parts.append(f'<span class="lmx-muted">{esc(f"{site[0]}:{site[1]}")}</span>')
    return '<div class="lmx-head"><b>array</b>' + "".join(parts) + "</div>"


def array_html(a) -> str:
    """HTML for one array; never evaluates it."""
    info = summarize(a)
    body = [_head(info)]
    if not has_data(a):
        # The peak of evaluating it, not the sum of every result: views own no buffer
        # and intermediates are freed or written over as the evaluation goes.
        plan = None
        if info["pending"] <= _PLAN_LIMIT:
            from .memory_plan import memory_plan

            plan = memory_plan(a)
        memory = (f"; evaluating it needs <b>{esc(human_bytes(plan.peak))}</b> at its peak"
                  if plan is not None else " (<code>memory_plan(a)</code> gives the memory "
                  "evaluating it needs)")
        body.append(
            f"<div>pending graph: <b>{info['pending']}</b> primitive(s){memory}. "
            '<span class="lmx-muted">Nothing has been computed. Evaluate with '
            "<code>mx.eval(a)</code>, or use <code>show(a, button=True)</code> "
            "for an evaluate button; <code>show_graph(a)</code> draws the graph.</span></div>")
        return wrap("".join(body))
    values = np.asarray(a)
    body.append(f"<pre>{esc(repr(a))}</pre>")
    if values.size and values.dtype != np.bool_:
        s = stats(values)
        body.append(stats_line(s))
        real = np.abs(values) if np.iscomplexobj(values) else values
        if values.ndim == 2 and min(values.shape) > 1:
            body.append(heatmap_svg(real))
        elif values.size >= 8:
            body.append(histogram_svg(real))
    elif values.size:
        body.append(f"<div>{int(values.sum())} of {values.size} true</div>")
    return wrap("".join(body))


def array_text(a) -> str:
    """Plain text for a display bundle: MLX's repr once computed, a summary before."""
    if has_data(a):
        return repr(a)
    info = summarize(a)
    op = f", op={info['op']}" if info["op"] else ""
    return (f"array(shape={shape_text(info['shape'])}, dtype={info['dtype']}, "
            f"{info['status']}{op}, {info['pending']} pending op(s))")


def array_mimebundle(a) -> dict:
    """The display bundle (``text/plain`` and ``text/html``) of an array; never evaluates it."""
    return {"text/plain": array_text(a), "text/html": array_html(a)}


# ---- dtypes, devices, streams -------------------------------------------------------

def dtype_html(dtype) -> str:
    name = dtype_name(dtype)
    kind = ("complex" if "complex" in name else "floating" if "float" in name
            else "bool" if "bool" in name else "unsigned integer" if name.startswith("uint")
            else "signed integer")
    return wrap(f'<div class="lmx-head"><b>dtype</b>{tag(name)}'
                f'<span class="lmx-muted">{esc(kind)}, {dtype.size * 8} bits</span></div>')


def device_html(device) -> str:
    return wrap(f'<div class="lmx-head"><b>device</b>{tag(device)}</div>')


def stream_html(stream) -> str:
    return wrap(f'<div class="lmx-head"><b>stream</b>{tag(stream)}</div>')


# ---- pytrees --------------------------------------------------------------------------

def _leaf_row(path: str, leaf) -> str:
    if isinstance(leaf, mx.array):
        info = summarize(leaf)
        extra = ""
        if has_data(leaf) and leaf.size and leaf.dtype != mx.bool_:
            s = stats(np.asarray(leaf))
            if "min" in s:
                extra = f"mean {_fmt(s['mean'])} std {_fmt(s['std'])}"
            if s["nan"] or s["inf"]:
                extra += f' <span class="lmx-warn">NaN {s["nan"]} Inf {s["inf"]}</span>'
        elif info["op"]:
            extra = f"{info['pending']} pending op(s), op {esc(info['op'])}"
        return (f"<tr><td>{esc(path)}</td><td>{esc(shape_text(info['shape']))}</td>"
                f"<td>{esc(info['dtype'])}</td><td>{badge(info['status'])}</td>"
                f"<td>{esc(human_bytes(info['nbytes']))}</td><td>{extra}</td></tr>")
    return f"<tr><td>{esc(path)}</td><td colspan=5>{esc(repr(leaf))}</td></tr>"


def _walk(tree, path=""):
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(tree, (list, tuple)):
        for i, v in enumerate(tree):
            yield from _walk(v, f"{path}[{i}]")
    else:
        yield path or "·", tree


def tree_html(tree) -> str:
    """A table of a pytree's leaves (dicts of parameters, lists, tuples); never evaluates."""
    leaves = list(_walk(tree))
    arrays = [x for _, x in leaves if isinstance(x, mx.array)]
    total = sum(x.size for x in arrays)
    nbytes = sum(x.nbytes for x in arrays)
    pending = sum(1 for x in arrays if not has_data(x))
    head = (f'<div class="lmx-head"><b>{esc(type(tree).__name__)}</b>'
            f"{tag(f'{len(arrays)} arrays')}{tag(f'{total:,} elements')}{tag(human_bytes(nbytes))}"
            + (tag(f"{pending} pending") if pending else "") + "</div>")
    rows = "".join(_leaf_row(p, x) for p, x in leaves)
    table = ("<table><tr><th>path</th><th>shape</th><th>dtype</th><th>status</th>"
             f"<th>bytes</th><th>summary</th></tr>{rows}</table>")
    return wrap(head + table)


class TreeView:
    """What ``show(tree)`` returns: displays a pytree as a table."""

    def __init__(self, tree):
        self.tree = tree

    def _repr_html_(self):
        return tree_html(self.tree)

    def __repr__(self):
        return f"TreeView({len(list(_walk(self.tree)))} leaves)"


class ArrayDisplay:
    """What ``show(a)`` returns for an array: the lazy-safe view."""

    def __init__(self, a):
        self.array = a

    def _repr_mimebundle_(self, include=None, exclude=None):
        return array_mimebundle(self.array)


def show(value, button: bool = False):
    """A displayable view of an array or a pytree of arrays (evaluates nothing).

    ``button=True`` (an array): a widget with an *Evaluate* button that evaluates it on
    demand (ipywidgets; ``.evaluate()`` does what a click does)."""
    if isinstance(value, mx.array):
        if button:
            from .array_widget import view

            return view(value)
        return ArrayDisplay(value)
    return TreeView(value)
