"""Cell sources of the tutorial notebooks, one module per notebook.

Each module defines ``CELLS``, a list of ``md(...)`` and ``code(...)`` cells.
``ORDER`` maps notebook file names to modules; ``_build_notebooks.py`` writes them.
"""

from __future__ import annotations


def md(text: str) -> tuple[str, str]:
    return ("markdown", text.strip("\n"))


def code(text: str) -> tuple[str, str]:
    return ("code", text.strip("\n"))


# `%%if_installed torch jax`: run the cell when those modules import, else print its code.
# Optional libraries (torch, JAX, TensorFlow) are not in the test extra, so the
# notebooks must run without them and still show what the code looks like.
IF_INSTALLED = code(
    """
import importlib
from IPython.core.magic import register_cell_magic


def _importable(name):
    try:
        importlib.import_module(name)
        return True
    except ImportError:
        return False


@register_cell_magic
def if_installed(line, cell):
    missing = [name for name in line.split() if not _importable(name)]
    if missing:
        print(f"({', '.join(missing)} not installed: showing the code instead of running it)\\n")
        print(cell)
    else:
        get_ipython().run_cell(cell).raise_error()
"""
)

ORDER = {
    "01_quickstart.ipynb": "quickstart",
    "02_lazy_evaluation.ipynb": "lazy_evaluation",
    "03_function_transforms.ipynb": "function_transforms",
    "04_indexing_and_updates.ipynb": "indexing_and_updates",
    "05_interop.ipynb": "interop",
    "06_saving_and_loading.ipynb": "saving_and_loading",
    "07_autodiff_from_scratch.ipynb": "autodiff_from_scratch",
    "08_debugging_a_graph.ipynb": "debugging_a_graph",
    "09_training_a_model.ipynb": "training_a_model",
    "10_watching_training.ipynb": "watching_training",
}
