"""How every view displays: a static part that survives saving (HTML whose pictures are
data-URI images, so sanitisers, nbconvert and Sphinx keep them), then the live widget
when ipywidgets/anywidget can make one.

The two go out as two outputs, not one bundle. A front end shows one type of a bundle,
and a trusted notebook prefers the widget: reopened without a kernel, and saved without
widget state (JupyterLab's default), that output reads "Loading widget..." and the
picture beside it in the same bundle is never shown. As separate outputs the picture is
always there; the stylesheet of the static output (``_html.CSS``) hides it once the
widget after it has drawn, and hides a widget output that cannot draw.
"""

from __future__ import annotations

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class LiveView:
    """Mixin: ``_static_bundle()`` (mime type -> data, ``text/plain`` included) and
    ``_live_widget()`` (an ipywidget, or None for the static part alone)."""

    def _static_bundle(self) -> dict:
        raise NotImplementedError

    def _live_widget(self):
        return None

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self._static_bundle()

    def _ipython_display_(self):
        from IPython.display import display

        for bundle in display_bundles(self._static_bundle(), self._live_widget):
            display(bundle, raw=True)

    def _show(self):
        """Display the outputs and return the static output's display handle, which
        ``_update_static`` rewrites: a view that changes after it is shown (the training
        monitor) leaves its final state as the saved picture."""
        from IPython.display import display

        static, *rest = display_bundles(self._static_bundle(), self._live_widget)
        handle = display(static, raw=True, display_id=True)
        for bundle in rest:
            display(bundle, raw=True)
        return handle

    def _update_static(self, handle) -> None:
        static = display_bundles(self._static_bundle(), self._live_widget)[0]
        handle.update(static, raw=True)


def display_bundles(static: dict, make_widget=None) -> list:
    """The outputs of one view: ``[static]``, or ``[static, widget view]`` when
    ``make_widget()`` gives a widget (the static HTML marked so the page's stylesheet can
    pair the two)."""
    widget = None
    if make_widget is not None:
        try:
            widget = make_widget()
        except ImportError:  # no ipywidgets/anywidget: the picture alone
            widget = None
    if widget is None:
        return [static]
    live = widget._repr_mimebundle_()
    if isinstance(live, tuple):  # (data, metadata) from some ipywidgets versions
        live = live[0]
    view = (live or {}).get(WIDGET_VIEW)
    if view is None:
        return [static]
    marked = dict(static)
    if "text/html" in marked:
        from ._html import CSS

        html = marked["text/html"]
        if ".lmx-static" not in html:  # the pairing rules travel with the output
            html = CSS + html
        marked["text/html"] = f'<div class="lmx-static">{html}</div>'
    # An empty text/plain: where widgets cannot show (untrusted, nbconvert without widget
    # state) nothing is printed under the picture, and nbconvert has a type it can render.
    return [marked, {WIDGET_VIEW: view, "text/plain": ""}]

