"""lumex: an array framework with MLX's programming model, built to be seen into.

``import lumex.core as mx`` gives the array engine with the ``mlx.core`` API.
"""

import ctypes as _ctypes
import os as _os


def _preload_openblas():
    # The engine links libscipy_openblas by name; load it from the installed
    # scipy_openblas32 package so no rpath into a build environment is needed.
    import scipy_openblas32

    path = _os.path.join(scipy_openblas32.get_lib_dir(), "libscipy_openblas.so")
    if _os.path.exists(path):
        _ctypes.CDLL(path, mode=_ctypes.RTLD_GLOBAL)


_preload_openblas()

__version__ = "0.1.0"


def _install_transforms():
    # The tree-level transforms are Python over the engine's flat ones; they
    # belong to lumex.core's namespace, as in mlx.core.
    from . import core, _transforms

    for name in ("grad", "value_and_grad", "vjp", "jvp", "vmap", "custom_function",
                 "checkpoint", "compile"):
        fn = getattr(_transforms, name)
        members = [fn] + [m for m in vars(fn).values() if callable(m)] if isinstance(fn, type) else [fn]
        for obj in members:  # a class's methods too, so tools see one module
            try:
                obj.__module__ = "lumex.core"
            except (AttributeError, TypeError):
                pass
        setattr(core, name, fn)


_install_transforms()
core.__version__ = __version__  # noqa: F821 - `core` is bound by _install_transforms' import


def _install_notebook_displays():
    # Inside IPython/Jupyter, arrays display without being evaluated (lumex.notebook_ext).
    # Set LUMEX_NO_NOTEBOOK=1 to keep plain reprs.
    import sys

    if "IPython" not in sys.modules or _os.environ.get("LUMEX_NO_NOTEBOOK"):
        return
    try:
        if sys.modules["IPython"].get_ipython() is None:
            return
        from .notebook_ext import install

        install()
    except Exception:  # a display nicety must never break `import lumex`
        pass


_install_notebook_displays()
