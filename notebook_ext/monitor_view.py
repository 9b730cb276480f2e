"""How the training monitor looks: the data sent to the live widget (``static/monitor.js``
draws it), and the same charts as a static SVG for the saved notebook.

Four charts share the step axis: the logged scalars, step time (with evaluations per
step), the pending graph left after each step, and active and peak memory. Long runs
are thinned to ``points`` samples per series (every k-th step, the last one kept).
"""

from __future__ import annotations

import anywidget
import traitlets

from ._esm import css, module
from ._html import data_uri, esc, human_bytes, wrap

PANELS = (("scalars", "logged"), ("step_ms", "step time (ms)"),
          ("pending_nodes", "pending graph (nodes)"), ("memory", "memory (MB)"))
COLOURS = ("#1c7ed6", "#e8590c", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599")


class MonitorWidget(anywidget.AnyWidget):
    _esm = module("monitor.js")
    _css = css("monitor.css")

    data = traitlets.Dict().tag(sync=True)  # payload()


def payload(mon, points: int = 400) -> dict:
    """The monitor's state as JSON: thinned series, the latest step, the warnings."""
    steps = mon.steps
    stride = max(1, -(-len(steps) // points))
    picked = steps[::stride]
    if steps and picked[-1] is not steps[-1]:
        picked.append(steps[-1])
    names: list = []
    for s in steps:
        for k in s.scalars:
            if k not in names:
                names.append(k)
    series = {
        "step": [s.index for s in picked],
        "scalars": {k: [s.scalars.get(k) for s in picked] for k in names},
        "step_ms": [round(s.seconds * 1e3, 4) for s in picked],
        "evals": [len(s.evaluations) for s in picked],
        "implicit": [sum(e.implicit for e in s.evaluations) for s in picked],
        "pending_nodes": [s.pending_nodes for s in picked],
        "pending_bytes": [s.pending_bytes for s in picked],
        "active": [s.active for s in picked],
        "peak": [s.peak for s in picked],
    }
    last = steps[-1] if steps else None
    latest = {}
    if last is not None:
        latest = {"step": last.index, "scalars": last.scalars, "ms": last.seconds * 1e3,
                  "pending": last.pending_nodes, "pending_bytes": human_bytes(last.pending_bytes),
                  "active": human_bytes(last.active), "peak": human_bytes(last.peak),
                  "growing": last.growing,
                  "evaluations": [{"kind": e.kind, "where": e.where, "source": e.source,
                                   "nodes": e.nodes, "ms": round(e.seconds * 1e3, 3),
                                   "implicit": e.implicit} for e in last.evaluations]}
    return {"title": mon.title, "summary": mon.summary(), "series": series, "latest": latest,
            "warnings": [{"kind": w.kind, "step": w.step, "where": w.where, "message": w.message}
                         for w in mon.warnings],
            "steps": len(steps)}


def _panel_series(data: dict, panel: str) -> list:
    """(label, values, colour) lines of one chart."""
    s = data["series"]
    if panel == "scalars":
        return [(k, v, COLOURS[i % len(COLOURS)]) for i, (k, v) in enumerate(s["scalars"].items())]
    if panel == "step_ms":
        return [("step ms", s["step_ms"], COLOURS[0])]
    if panel == "pending_nodes":
        return [("pending nodes", s["pending_nodes"], COLOURS[2])]
    mb = 1 / (1 << 20)
    return [("active", [v * mb for v in s["active"]], COLOURS[0]),
            ("peak", [v * mb for v in s["peak"]], COLOURS[1])]


def render_svg(data: dict, dark: bool = False, width: int = 720) -> str:
    """The four charts as one SVG document, with its own background."""
    ink, muted, grid, bg = (("#e9ecef", "#adb5bd", "#495057", "#1e1e1e") if dark
                            else ("#212529", "#495057", "#dee2e6", "#ffffff"))
    pw, ph, pad = width // 2, 150, 46
    height = 2 * ph + 10
    xs = data["series"]["step"]
    parts = [f'<rect width="{width}" height="{height}" fill="{bg}"/>']
    for i, (panel, title) in enumerate(PANELS):
        x0, y0 = (i % 2) * pw, (i // 2) * ph
        lines = [(k, [v for v in vals], c) for k, vals, c in _panel_series(data, panel)]
        values = [v for _, vals, _ in lines for v in vals if v is not None]
        left, top, right, bottom = x0 + pad + 14, y0 + 20, x0 + pw - 10, y0 + ph - 22
        parts.append(f'<text x="{x0 + 10}" y="{y0 + 13}" font-size="12" font-weight="bold" '
                     f'fill="{ink}">{esc(title)}</text>')
        parts.append(f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
                     f'fill="none" stroke="{grid}"/>')
        if not values or not xs:
            hint = "nothing logged: m.log(loss=...)" if panel == "scalars" else "no steps yet"
            parts.append(f'<text x="{(left + right) / 2:.0f}" y="{(top + bottom) / 2:.0f}" '
                         f'font-size="11" text-anchor="middle" fill="{muted}">{hint}</text>')
            continue
        lo, hi = min(values), max(values)
        if panel != "scalars":
            lo = min(lo, 0)
        if hi - lo < 1e-12:
            hi = lo + (abs(lo) or 1.0)
        x_lo, x_hi = xs[0], max(xs[-1], xs[0] + 1)

        def px(step, v):
            return (left + (step - x_lo) / (x_hi - x_lo) * (right - left),
                    bottom - (v - lo) / (hi - lo) * (bottom - top))

        for frac in (0.0, 0.5, 1.0):
            v = lo + frac * (hi - lo)
            y = bottom - frac * (bottom - top)
            parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
                         f'fill="{muted}">{_num(v)}</text>')
        parts.append(f'<text x="{left}" y="{bottom + 14}" font-size="10" fill="{muted}">step {x_lo}</text>'
                     f'<text x="{right}" y="{bottom + 14}" font-size="10" text-anchor="end" '
                     f'fill="{muted}">{xs[-1]}</text>')
        for j, (label, vals, colour) in enumerate(lines):
            pts = [px(s, v) for s, v in zip(xs, vals) if v is not None]
            if not pts:
                continue
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
            if len(lines) > 1 or panel == "scalars":
                parts.append(f'<text x="{right - 4}" y="{top + 12 + 12 * j}" font-size="10" '
                             f'text-anchor="end" fill="{colour}">{esc(label)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans Mono, Menlo, Consolas, '
            f'monospace">{"".join(parts)}</svg>')


def _num(v: float) -> str:
    a = abs(v)
    if a >= 1e5 or 0 < a < 0.01:
        return f"{v:.2e}"
    if a >= 1000:
        return f"{v:.3g}"
    if a >= 10 or a == 0:
        return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"
    return f"{v:.3g}"


def static_html(mon) -> str:
    """Summary, warnings, charts (a data-URI picture) and the last step's evaluations:
    what stays in a saved notebook."""
    data = payload(mon)
    title = f"<b>{esc(mon.title)}</b> " if mon.title else "<b>training monitor</b> "
    # Inline styles too: an untrusted notebook's sanitiser drops the stylesheet, not them.
    warns = "".join(f'<div class="lmx-warn" style="color:#d9480f;font-weight:bold">step '
                    f'{w["step"]}: {esc(w["message"])}</div>' for w in data["warnings"])
    body = [f"<div>{title}{esc(data['summary'])}</div>", warns]
    if data["steps"]:
        body.append(f'<div><img class="lmx-monitor" alt="training monitor charts" '
                    f'src="{data_uri(render_svg(data))}"></div>')
        evs = data["latest"]["evaluations"]
        if evs:
            cell = '<td style="text-align:left">'
            rows = "".join(f"<tr>{cell}{esc(e['kind'])}{' (implicit)' if e['implicit'] else ''}"
                           f"</td>{cell}{esc(e['where'])}</td>{cell}<code>{esc(e['source'])}"
                           f"</code></td>{cell}{e['nodes']}</td></tr>" for e in evs)
            head = "".join(f'<th style="text-align:left">{h}</th>'
                           for h in ("trigger", "where", "source", "nodes"))
            body.append(f"<div>evaluations in the last step:</div><table><tr>{head}</tr>"
                        f"{rows}</table>")
    return wrap("".join(body))
