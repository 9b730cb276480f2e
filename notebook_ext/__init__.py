"""lumex.notebook_ext: notebook views of the lazy engine.

- Arrays display without being evaluated (``_repr_mimebundle_`` on ``lumex.core.array``;
  ``repr``/``print`` stay MLX's). Installed automatically when lumex is imported under
  IPython, or with ``%load_ext lumex.notebook_ext`` / ``install()``.
- ``show_graph(*arrays, **names)``, ``show_grad_graph(fun, *primals)``: the pending graph.
- ``EvalLedger`` / ``%%evaltrace``: every evaluation of a block or cell.
- ``gradient_explorer``, ``vmap_explorer``: ipywidgets explorers.
"""

from __future__ import annotations

import atexit

from .autodiff_view import grad_graph, show_grad_graph
from .display import array_html, array_mimebundle, show, tree_html
from .graph_view import GraphView, show_graph
from .ledger import EvalLedger, evaltrace

__all__ = [
    "install", "uninstall", "show", "view", "show_graph", "show_grad_graph", "grad_graph",
    "GraphView", "EvalLedger", "evaltrace", "gradient_explorer", "vmap_explorer",
    "array_html", "array_mimebundle", "tree_html",
]

_installed: list = []


def _array_bundle(self, include=None, exclude=None):
    return array_mimebundle(self, include, exclude)


def install() -> None:
    """Give lumex arrays, dtypes, devices and streams rich notebook displays."""
    import lumex.core as mx

    from . import display as d

    hooks = [(mx.array, "_repr_mimebundle_", _array_bundle),
             (mx.Dtype, "_repr_html_", d.dtype_html),
             (mx.Device, "_repr_html_", d.device_html),
             (mx.Stream, "_repr_html_", d.stream_html)]
    for cls, name, fn in hooks:
        if (cls, name) not in _installed:
            setattr(cls, name, fn)
            _installed.append((cls, name))


@atexit.register
def uninstall() -> None:
    """Remove the displays (also run at exit: functions set on nanobind classes would
    otherwise be reported as leaks at interpreter shutdown)."""
    while _installed:
        cls, name = _installed.pop()
        try:
            delattr(cls, name)
        except AttributeError:
            pass


def view(a):
    """An array widget with an Evaluate button (ipywidgets)."""
    from .array_widget import view as _view

    return _view(a)


def gradient_explorer(fun, x0=0.5, **kwargs):
    """Sliders over ``fun``'s input showing f, f' and f'' (by ``mx.grad``) and the
    tangent line; for ``fun(x, y)`` (``x0`` a pair), contours and the gradient field.

    Keyword arguments: ``lo``/``hi`` (slider range), ``h`` (finite-difference step
    for the check), ``points`` (samples per curve). Returns a ``GradientExplorer``
    whose ``.widget`` displays it."""
    from .explorers.gradient import GradientExplorer

    return GradientExplorer(fun, x0, **kwargs)


def vmap_explorer(fun, in_axes, out_axes, *inputs, **kwargs):
    """Explain ``mx.vmap(fun, in_axes, out_axes)(*inputs)`` call by call: which slice of
    each input every call sees, the per-call results, how the output is assembled along
    ``out_axes``, and a naive Python loop timed against ``mx.vmap``. Returns a
    ``VmapExplorer``."""
    from .explorers.vmap import VmapExplorer

    return VmapExplorer(fun, in_axes, out_axes, *inputs, **kwargs)


def load_ipython_extension(ipython):
    """``%load_ext lumex.notebook_ext``: rich displays plus the ``%%evaltrace`` magic."""
    from . import magics

    install()
    magics.register(ipython)


def unload_ipython_extension(ipython):
    uninstall()
