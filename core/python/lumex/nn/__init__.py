"""Neural network layers, losses and initializers with MLX's ``mlx.nn`` API.

``import lumex.nn as nn`` gives :class:`Module`, the layers, activation
functions, :mod:`~lumex.nn.losses`, :mod:`~lumex.nn.init` and
:func:`value_and_grad`. Initial parameters are drawn like MLX's, so with the
same ``mx.random.seed`` a model starts from the same bits.
"""

from . import init, losses
from .layers import *  # noqa: F401,F403
from .layers import __dict__ as _layers
from .utils import average_gradients, value_and_grad

__all__ = sorted(k for k in _layers if not k.startswith("_") and k not in ("layers",)) + [
    "init", "losses", "average_gradients", "value_and_grad"]
