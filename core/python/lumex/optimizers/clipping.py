"""Gradient clipping by the global norm of a gradient tree."""

from __future__ import annotations

from .. import core as mx
from ..utils import tree_map, tree_reduce


def clip_grad_norm(grads, max_norm):
    """Scales a gradient tree down so that its global L2 norm is at most ``max_norm``.

    The global norm is that of all leaves concatenated. Gradients whose norm is
    already within ``max_norm`` are returned unchanged (scaled by 1).

    Args:
        grads (dict): A tree of gradient arrays.
        max_norm (float): The largest allowed global norm (``>= 0``).

    Returns:
        (dict, array): The clipped gradients and the global norm before clipping.

    Example:
        >>> grads = {"w1": mx.array([2.0, 3.0]), "w2": mx.array([1.0])}
        >>> clipped, norm = optim.clip_grad_norm(grads, max_norm=2.0)
    """
    if max_norm < 0:
        raise ValueError(f"max_norm should be >=0, {max_norm} was provided instead")

    def squared_norm(g):
        if g.dtype == mx.float16:  # float16 squares would overflow long before the norm does
            g = g.astype(mx.float32)
        return g.square().sum()

    total_norm = mx.sqrt(tree_reduce(lambda acc, g: acc + squared_norm(g), grads, 0.0))
    factor = mx.minimum(max_norm / (total_norm + 1e-6), 1.0)

    def scale(g):
        # Scale in float32 and cast after, so a tiny factor does not underflow in float16.
        if mx.issubdtype(g.dtype, mx.floating):
            return (g * factor).astype(g.dtype)
        return g * factor

    return tree_map(scale, grads), total_norm
