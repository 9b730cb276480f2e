"""Matplotlib figures that follow JupyterLab's light or dark theme.

A PNG cannot change colour with the page, so live views show figures as inline SVG
whose ink (text, ticks, spines, legend) and backgrounds are JupyterLab's CSS variables:
the picture follows the theme as it changes, with no kernel round trip, and stays crisp
at any size. Saved outputs keep a PNG (``figure_png``) on a white background, which
reads on any page.

    fig = new_figure()            # any matplotlib Figure
    ...plot...
    html = figure_svg(fig)        # for an ipywidgets.HTML or a text/html output

Data colours (lines, colour maps) are left alone: they are chosen to read on both.
"""

from __future__ import annotations

import io
import re

# Sentinel colours set on the theme-dependent artists, then swapped for CSS variables in
# the SVG text. Near the light theme's own colours, so the PNG of the same figure reads.
INK = "#212528"
MUTED = "#6c757c"
CSS_VARS = {
    INK: "var(--jp-content-font-color1, #212529)",
    MUTED: "var(--jp-content-font-color2, #6c757d)",
}


def new_figure(width=7.0, height=3.2):
    """A matplotlib Figure without pyplot (no GUI backend needed)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=90, layout="constrained")


def apply_ink(fig) -> None:
    """Give the figure's text, ticks, spines and legends the sentinel colours, and make
    its backgrounds transparent (the page's own colour shows through)."""
    fig.patch.set_alpha(0.0)
    for text in fig.texts:
        text.set_color(INK)
    for ax in fig.axes:
        ax.patch.set_alpha(0.0)
        ax.tick_params(which="both", colors=INK)
        for spine in ax.spines.values():
            spine.set_edgecolor(MUTED)
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label, ax._left_title, ax._right_title):
            text.set_color(INK)
        legend = ax.get_legend()
        if legend is not None:
            legend.get_frame().set_alpha(0.0)
            legend.get_frame().set_edgecolor(MUTED)
            for text in legend.get_texts():
                text.set_color(INK)


def figure_svg(fig) -> str:
    """Inline SVG of ``fig`` whose ink and background follow the page's theme."""
    apply_ink(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", transparent=True)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: it goes inline
    for colour, var in CSS_VARS.items():
        svg = re.sub(re.escape(colour), var, svg, flags=re.IGNORECASE)
    return f'<div class="lmx-figure" style="max-width:100%;overflow-x:auto">{svg}</div>'


def figure_png(fig) -> bytes:
    """PNG of ``fig`` on white, for saved outputs (which cannot follow the theme)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white")
    return buf.getvalue()
