"""Small HTML helpers shared by the notebook views: escaping, sizes, the stylesheet.

Colours come from JupyterLab's CSS variables (``--jp-...``) with light fallbacks, and a
``prefers-color-scheme: dark`` block for front ends without them (VS Code, nbconvert).
"""

from __future__ import annotations

import base64
import html

# Status of an array (mx.graph.status) -> (label, colour). Also used by the graph view.
STATUS_COLOURS = {
    "unscheduled": ("pending", "#e8a33d"),
    "scheduled": ("scheduled", "#4c8bf5"),
    "evaluated": ("evaluated", "#3fa34d"),
    "available": ("computed", "#3fa34d"),
}

# Lab right-aligns output tables with a (0,2,1) selector: the .jp-RenderedHTMLCommon rule
# ties it and comes later.
# The last three rules pair a view's static output with its widget output (_bundle.py).
# In JupyterLab a widget output is a Lumino panel with no data-mime-type: once the widget
# has drawn (a Lumino widget inside), the picture is hidden; while it cannot draw (no
# kernel, no saved widget state: it reads "Loading widget..."), the widget output is
# hidden and the picture stays. (:has() cannot nest, so "not drawn" is "hidden unless a
# more specific rule sees a drawn widget"; flex is JupyterLab's own display there.)
CSS = """
<style>
.lmx { font-family: var(--jp-code-font-family, monospace); font-size: 12px;
  color: var(--jp-content-font-color1, #222); --lmx-muted: var(--jp-content-font-color2, #666);
  --lmx-border: var(--jp-border-color2, #ddd); --lmx-bg: var(--jp-layout-color2, #f5f5f5); }
@media (prefers-color-scheme: dark) { body:not([data-jp-theme-light]) .lmx {
  color: var(--jp-content-font-color1, #ddd); --lmx-muted: var(--jp-content-font-color2, #aaa);
  --lmx-border: var(--jp-border-color2, #444); --lmx-bg: var(--jp-layout-color2, #2a2a2a); } }
.lmx .lmx-head { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.lmx .lmx-badge { border-radius: 3px; padding: 0 5px; color: #fff; font-weight: bold; }
.lmx .lmx-tag { border: 1px solid var(--lmx-border); border-radius: 3px; padding: 0 4px;
  background: var(--lmx-bg); }
.lmx .lmx-muted { color: var(--lmx-muted); }
.lmx table { border-collapse: collapse; margin: 4px 0; }
.lmx td, .lmx th { border: 1px solid var(--lmx-border); padding: 1px 6px; text-align: left;
  vertical-align: top; }
.jp-RenderedHTMLCommon .lmx td, .jp-RenderedHTMLCommon .lmx th { text-align: left; }
.lmx pre { margin: 4px 0; padding: 4px; background: var(--lmx-bg); overflow-x: auto; }
.lmx .lmx-warn { color: #d9480f; font-weight: bold; }
.lmx .lmx-hi { background: rgba(232, 163, 61, 0.45); }
.lmx svg text { fill: currentColor; }
.jp-OutputArea-child:has(.lmx-static):has(+ .jp-OutputArea-child
  > .jp-OutputArea-output.lm-Panel:not([data-mime-type]) > .lm-Widget) { display: none; }
.jp-OutputArea-child:has(.lmx-static) + .jp-OutputArea-child:has(
  > .jp-OutputArea-output.lm-Panel:not([data-mime-type])) { display: none; }
.jp-OutputArea-child:has(.lmx-static) + .jp-OutputArea-child:has(
  > .jp-OutputArea-output.lm-Panel:not([data-mime-type]) > .lm-Widget) { display: flex; }
</style>
"""


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def badge(status: str) -> str:
    label, colour = STATUS_COLOURS.get(status, (status, "#888"))
    return f'<span class="lmx-badge" style="background:{colour}">{esc(label)}</span>'


def tag(text, title: str = "") -> str:
    t = f' title="{esc(title)}"' if title else ""
    return f'<span class="lmx-tag"{t}>{esc(text)}</span>'


def wrap(body: str) -> str:
    """One output: stylesheet plus a themed container."""
    return CSS + f'<div class="lmx">{body}</div>'


def dtype_name(dtype) -> str:
    return str(dtype).rsplit(".", 1)[-1]


def shape_text(shape) -> str:
    shape = tuple(shape)
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def data_uri(svg: str) -> str:
    """An SVG document as a data URI: an <img> with it survives HTML sanitisers
    (untrusted notebooks), nbconvert and Sphinx, where inline <svg> may not."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
