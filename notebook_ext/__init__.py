"""lumex.notebook_ext: notebook views of the lazy engine.

- Arrays, and tuples/lists/dicts holding them, display without being evaluated; ``repr``
  and ``print`` stay MLX's. The displays are registered with IPython's display formatters
  when lumex is imported under IPython, or with ``%load_ext lumex.notebook_ext``.
- ``show(value)``: an array or a parameter tree; ``show(a, button=True)`` adds an
  Evaluate button.
- ``show_graph(*arrays, **names)``, ``show_grad_graph(fun, *primals)``: the pending graph
  (forward and backward for the second).
- ``EvalLedger`` / ``%%evaltrace``: every evaluation of a block or cell.
- ``gradient_explorer``, ``vmap_explorer``, ``jacobian_explorer``: explorers of
  derivatives and vmap; ``show_grad_graph(f, x).sweep()`` animates the backward pass.
- ``show_compiled(fun, *args)``: what ``mx.compile`` fused, and why the rest was not.
- ``monitor(model, optimizer)``: ``with monitor(...) as m:`` around a training loop
  watches it (scalars, step time, evaluations, pending graph, memory) and warns about
  graphs that grow, state never evaluated and steps split by implicit evaluations.
- ``memory_plan(*arrays, first=None)``: the peak memory evaluating a pending graph
  needs, and with ``first`` the peak after evaluating ``first`` before the rest.
"""

from __future__ import annotations

from .autodiff_view import show_grad_graph
from .display import show
from .formatters import install, uninstall  # for lumex's import and %load_ext, not exported
from .graph_view import show_graph
from .ledger import EvalLedger
from .memory_plan import memory_plan
from .monitor import monitor

__all__ = [
    "show", "show_graph", "show_grad_graph", "show_compiled", "EvalLedger", "monitor",
    "memory_plan", "gradient_explorer", "vmap_explorer", "jacobian_explorer",
]


def gradient_explorer(fun, x0=0.5, **kwargs):
    """Sliders over ``fun``'s input showing f, f' and f'' (by ``mx.grad``) and the
    tangent line; for ``fun(x, y)`` (``x0`` a pair), contours and the gradient field.
    Everything is computed once on the slider grid (laid through ``x0``, so the
    explorer opens exactly there) and redrawn in the browser as a slider moves.

    Keyword arguments: ``lo``/``hi`` (slider range), ``h`` (finite-difference step
    for the check), ``points`` (slider steps per axis). Returns a
    ``GradientExplorer``; ``.values`` holds the numbers at the current point and
    ``.compute(x)`` moves it."""
    from .explorers.gradient import GradientExplorer

    return GradientExplorer(fun, x0, **kwargs)


def vmap_explorer(fun, in_axes, out_axes, *inputs, **kwargs):
    """Explain ``mx.vmap(fun, in_axes, out_axes)(*inputs)`` call by call: which slice of
    each input every call sees, the per-call results, how the output is assembled along
    ``out_axes``, and a naive Python loop timed against ``mx.vmap``. Returns a
    ``VmapExplorer``."""
    from .explorers.vmap import VmapExplorer

    return VmapExplorer(fun, in_axes, out_axes, *inputs, **kwargs)


def jacobian_explorer(fun, x, h=1e-3):
    """The Jacobian of ``fun`` at the vector ``x`` as a heatmap, by ``mx.vmap`` over
    ``mx.vjp``, beside a central finite-difference Jacobian (step ``h``) and their
    difference. Returns a ``JacobianView``."""
    from .jacobian_view import JacobianView

    return JacobianView(fun, x, h)


def show_compiled(fun, *args, **kwargs):
    """The compile X-ray of ``fun(*args, **kwargs)`` (``fun`` plain or from
    ``mx.compile``, state declared with ``inputs=``/``outputs=`` included): the traced
    graph before and after fusion, fused groups boxed, each op with its source line,
    and why each elementwise op left out of a fusion was. Evaluates nothing. Returns a
    ``CompiledView``."""
    from .compile_view import CompiledView

    return CompiledView(fun, *args, **kwargs)


def load_ipython_extension(ipython):
    """``%load_ext lumex.notebook_ext``: lazy displays plus the ``%%evaltrace`` magic."""
    from . import magics

    install(ipython)
    magics.register(ipython)


def unload_ipython_extension(ipython):
    uninstall(ipython)
