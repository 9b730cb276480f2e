"""lumex.notebook_ext: notebook views of the lazy engine (reprs, graph, evaluation ledger).

Load it in a notebook with ``%load_ext lumex.notebook_ext``. The views arrive with the
notebook-layer issue; today loading the extension only registers nothing and says so.
"""


def load_ipython_extension(ipython):  # pragma: no cover - exercised in notebooks
    print("lumex.notebook_ext: no notebook views yet (planned: lazy-safe reprs, graph view).")
