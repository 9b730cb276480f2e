"""Neural network layers, losses and initializers with MLX's ``mlx.nn`` API.

``import lumex.nn as nn`` gives :class:`Module`, the layers, activation
functions, :mod:`~lumex.nn.losses`, :mod:`~lumex.nn.init` and
:func:`value_and_grad`. Initial parameters are drawn like MLX's, so with the
same ``mx.random.seed`` a model starts from the same bits.
"""

import types as _types

from . import init, losses
from . import layers as _layers_pkg
from .layers import *  # noqa: F401,F403
from .utils import average_gradients, value_and_grad

__all__ = sorted(
    [k for k, v in vars(_layers_pkg).items()
     if not k.startswith("_") and not isinstance(v, _types.ModuleType)]
    + ["init", "losses", "average_gradients", "value_and_grad"])
