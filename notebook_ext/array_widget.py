"""``show(a, button=True)``: an array with an *Evaluate* button (ipywidgets), for evaluating on demand."""

from __future__ import annotations

import lumex.core as mx

from ._bundle import display_bundles
from .display import array_html, array_mimebundle, has_data


def view(a):
    """A widget showing ``a`` without evaluating it, with a button that evaluates it.

    Returns an ``ipywidgets.VBox``; ``.children[1]`` is the button and ``.children[0]``
    the HTML view, refreshed after the click. Displayed, it is the array's static view
    (what a saved notebook shows) then the widget, as every view (``_bundle.py``).
    """
    import ipywidgets as W

    class ArrayView(W.VBox):
        def _ipython_display_(self):
            from IPython.display import display

            for bundle in display_bundles(array_mimebundle(a), lambda: self):
                display(bundle, raw=True)

    out = W.HTML(array_html(a))
    button = W.Button(description="Evaluate", icon="play", disabled=has_data(a),
                      tooltip="mx.eval(a), then show values and statistics")

    def evaluate(_=None):
        mx.eval(a)
        out.value = array_html(a)
        button.disabled = True

    button.on_click(evaluate)
    box = ArrayView([out, button])
    box.evaluate = evaluate  # for scripts and tests: the same as clicking
    return box
