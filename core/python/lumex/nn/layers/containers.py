"""``Sequential``: modules called one after the other."""

import lumex.core as mx
from .base import Module


class Sequential(Module):
    """Calls the given modules (or any callables) in order, each on the
    previous one's output. They are stored in ``layers``, so their parameters
    are under ``layers.0``, ``layers.1``, ...

    Args:
        modules: the modules (or functions) to call in order.
    """

    def __init__(self, *modules):
        super().__init__()
        self.layers = list(modules)

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
