"""Registering the displays with IPython's display formatters (as treescope does).

Nothing is set on the nanobind classes: the formatters hold the functions, so a display
never changes ``repr(a)`` (MLX's text) and nothing needs undoing at exit. Containers
matter as much as arrays: IPython pretty-prints a tuple, list or dict by asking for each
element's text, so the lazy text printer for arrays also keeps ``z, y * 3`` or
``{"w": w}`` at the end of a cell from evaluating anything; an HTML table is added for
containers that hold pending arrays.
"""

from __future__ import annotations

import lumex.core as mx

from . import display as d

# (formatter mime type, type) pairs registered by install(), for uninstall().
_registered: list = []
# Containers are walked this far looking for pending arrays before giving up.
_CONTAINER_SCAN = 2_000


def _array_text(a, p, cycle):
    p.text(d.array_text(a))


def _pending_arrays_in(value) -> bool:
    """True if a tuple/list/dict holds (at any depth) an array that is not computed."""
    stack, seen = [value], 0
    while stack and seen < _CONTAINER_SCAN:
        v = stack.pop()
        seen += 1
        if isinstance(v, mx.array):
            if not d.has_data(v):
                return True
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return False


def _container_html(value):
    # None tells IPython "no HTML for this one": ordinary containers keep their text.
    return d.tree_html(value) if _pending_arrays_in(value) else None


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def install(shell=None) -> bool:
    """Register the lazy displays with the running IPython (or ``shell``).

    Returns False when there is no IPython shell to register with."""
    shell = shell or _shell()
    if shell is None:
        return False
    formatters = shell.display_formatter.formatters
    table = [
        ("text/plain", mx.array, _array_text),
        ("text/html", mx.array, d.array_html),
        ("text/html", tuple, _container_html),
        ("text/html", list, _container_html),
        ("text/html", dict, _container_html),
        ("text/html", mx.Dtype, d.dtype_html),
        ("text/html", mx.Device, d.device_html),
        ("text/html", mx.Stream, d.stream_html),
    ]
    uninstall(shell)
    for mime, cls, fn in table:
        formatters[mime].for_type(cls, fn)
        _registered.append((mime, cls))
    return True


def uninstall(shell=None) -> None:
    """Remove what install() registered."""
    shell = shell or _shell()
    if shell is None:
        _registered.clear()
        return
    formatters = shell.display_formatter.formatters
    while _registered:
        mime, cls = _registered.pop()
        formatters[mime].pop(cls, None)
