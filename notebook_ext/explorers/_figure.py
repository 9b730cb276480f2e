"""Matplotlib figures rendered to PNG bytes (no pyplot, no GUI backend needed)."""

from __future__ import annotations

import io


def new_figure(width=7.0, height=3.2):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=90, layout="constrained")


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
