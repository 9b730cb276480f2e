"""Matplotlib figures rendered to PNG or SVG text (no pyplot, no GUI backend needed)."""

from __future__ import annotations

import io


def new_figure(width=7.0, height=3.2):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=90, layout="constrained")


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def svg(fig) -> str:
    """Vector output, crisp at any size; text stays text (smaller, selectable). The
    figure keeps its own white background so it reads on dark pages too."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", facecolor="white")
    return buf.getvalue()
