"""The display bundle every view uses: a static part that survives saving (HTML whose
pictures are data-URI images, so sanitisers, nbconvert and Sphinx keep them) plus the
live widget when ipywidgets/anywidget can make one."""

from __future__ import annotations


def with_widget(static: dict, make_widget=None) -> dict:
    """``static`` (mime type -> data, ``text/plain`` included) plus the widget view that
    ``make_widget()`` returns; without the widget packages, ``static`` alone."""
    bundle = dict(static)
    if make_widget is None:
        return bundle
    try:
        widget = make_widget()
    except ImportError:
        return bundle
    live = widget._repr_mimebundle_()
    if isinstance(live, tuple):  # (data, metadata) from some ipywidgets versions
        live = live[0]
    for mime, data in (live or {}).items():
        if mime != "text/plain":
            bundle[mime] = data
    return bundle
