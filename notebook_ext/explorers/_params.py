"""Names of a function's positional parameters, for labelling its inputs."""

from __future__ import annotations

import inspect


def parameter_names(fun, n: int, fallback) -> list:
    """The first ``n`` positional parameter names of ``fun``; ``fallback(k)`` names the
    k-th input where the signature does not say (builtins, ``*args``)."""
    try:
        params = [p.name for p in inspect.signature(fun).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return [params[k] if k < len(params) else fallback(k) for k in range(n)]
