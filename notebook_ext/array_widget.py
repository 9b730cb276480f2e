"""``view(a)``: an array with an *Evaluate* button (ipywidgets), for evaluating on demand."""

from __future__ import annotations

import lumex.core as mx

from .display import array_html, has_data


def view(a):
    """A widget showing ``a`` without evaluating it, with a button that evaluates it.

    Returns an ``ipywidgets.VBox``; ``.children[1]`` is the button and ``.children[0]``
    the HTML view, refreshed after the click.
    """
    import ipywidgets as W

    out = W.HTML(array_html(a))
    button = W.Button(description="Evaluate", icon="play", disabled=has_data(a),
                      tooltip="mx.eval(a), then show values and statistics")

    def evaluate(_=None):
        mx.eval(a)
        out.value = array_html(a)
        button.disabled = True

    button.on_click(evaluate)
    box = W.VBox([out, button])
    box.evaluate = evaluate  # for scripts and tests: the same as clicking
    return box
