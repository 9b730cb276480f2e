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


def _install_python_functions():
    # Parts of lumex.core's namespace written in Python, as in mlx.core: the
    # tree-level transforms over the engine's flat ones, and the .npz half of I/O.
    from . import core, _export, _io, _transforms

    for module, names in (
        (_transforms, ("grad", "value_and_grad", "vjp", "jvp", "vmap", "custom_function",
                       "checkpoint", "compile")),
        (_io, ("load", "savez", "savez_compressed")),
        (_export, ("export_function", "import_function", "exporter", "FunctionExporter")),
    ):
        for name in names:
            fn = getattr(module, name)
            members = [fn] + [m for m in vars(fn).values() if callable(m)] if isinstance(fn, type) else [fn]
            for obj in members:  # a class's methods too, so tools see one module
                try:
                    obj.__module__ = "lumex.core"
                except (AttributeError, TypeError):
                    pass
            setattr(core, name, fn)
    core.__version__ = __version__


_install_python_functions()


def _install_notebook_displays():
    # Inside IPython/Jupyter, arrays display without being evaluated (lumex.notebook_ext).
    # Set LUMEX_NO_NOTEBOOK=1 to keep plain reprs.
    import sys

    if "IPython" not in sys.modules or _os.environ.get("LUMEX_NO_NOTEBOOK"):
        return
    if sys.modules["IPython"].get_ipython() is None:
        return
    try:
        from .notebook_ext import install
    except ImportError:  # installed without the notebook extra: plain reprs
        return
    try:
        install()
    except Exception as e:  # a display nicety must not break `import lumex`, but say so
        import warnings

        warnings.warn(f"lumex: notebook displays not installed ({type(e).__name__}: {e})",
                      RuntimeWarning, stacklevel=2)


_install_notebook_displays()
