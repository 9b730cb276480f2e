"""Model-level transforms and distributed helpers (MLX's ``mlx.nn.utils``)."""

from functools import wraps
from typing import Any, Callable, Optional

import lumex.core as mx
from lumex.utils import tree_flatten, tree_map, tree_reduce, tree_unflatten
from .layers.base import Module
from ._group import all_sum, default_group

__all__ = ["value_and_grad", "checkpoint", "average_gradients", "clip_grad_norm_sharded"]


def _with_parameters(module, fn):
    """``fn`` as a function of the module's trainable parameters first."""

    def inner(params, *args, **kwargs):
        module.update(params)
        return fn(*args, **kwargs)

    return inner


def value_and_grad(model: Module, fn: Callable):
    """Returns a function computing ``fn(*args, **kwargs)`` and its gradient
    with respect to ``model.trainable_parameters()`` (a tree like the
    parameters).

    Args:
        model: the module whose trainable parameters are differentiated.
        fn: a scalar function (typically the loss), which calls ``model``.

    Returns:
        A function returning ``(value, gradients)``.
    """
    value_grad = mx.value_and_grad(_with_parameters(model, fn))

    @wraps(fn)
    def wrapped(*args, **kwargs):
        return value_grad(model.trainable_parameters(), *args, **kwargs)

    return wrapped


def checkpoint(module: Module, fn: Optional[Callable] = None):
    """Gradient checkpointing of ``fn`` (default: the module itself) with
    respect to the module's trainable parameters and the inputs: the forward
    keeps only inputs and outputs, and the backward pass recomputes the rest."""
    if fn is None:
        fn = module
    checkpointed = mx.checkpoint(_with_parameters(module, fn))

    @wraps(fn)
    def wrapped(*args, **kwargs):
        return checkpointed(module.trainable_parameters(), *args, **kwargs)

    return wrapped


def _group_by_size(sizes, itemsize, limit):
    groups, current, nbytes = [], [], 0
    for i, size in enumerate(sizes):
        current.append(i)
        nbytes += size * itemsize
        if nbytes >= limit:
            groups.append(current)
            current, nbytes = [], 0
    if current:
        groups.append(current)
    return groups


def average_gradients(gradients: Any, group=None, all_reduce_size: int = 32 * 1024**2,
                      communication_stream=None):
    """Averages a tree of gradients over the processes of ``group`` (default:
    the global group), concatenating small arrays into all-reduces of at
    least ``all_reduce_size`` bytes (``<= 0`` reduces each array alone). With
    a single process, the gradients are returned unchanged."""
    group = group or default_group()
    n = group.size()
    if n == 1:
        return gradients
    if all_reduce_size <= 0:
        return tree_map(lambda g: all_sum(g, group=group, stream=communication_stream) / n,
                        gradients)
    flat = tree_flatten(gradients)
    if not flat:
        return gradients
    dtypes = [g.dtype for _, g in flat]
    if any(dt != dtypes[0] for dt in dtypes):
        return average_gradients(gradients, group, 0)
    sizes = [g.size for _, g in flat]
    out = []
    for members in _group_by_size(sizes, dtypes[0].size, all_reduce_size):
        offsets, total = [], 0
        for i in members[:-1]:
            total += sizes[i]
            offsets.append(total)
        joined = mx.concatenate([flat[i][1].reshape(-1) for i in members])
        joined = all_sum(joined, stream=communication_stream, group=group) / n
        for part, i in zip(mx.split(joined, offsets), members):
            out.append((flat[i][0], part.reshape(flat[i][1].shape)))
    return tree_unflatten(out)


def clip_grad_norm_sharded(gradients: Any, max_norm: float, group=None):
    """Clips gradients sharded over ``group`` to a global norm of at most
    ``max_norm`` (the squared norms of every shard are summed across the
    group). Returns ``(clipped_gradients, global_norm)``."""
    squared = tree_reduce(lambda acc, g: acc + g.square().sum(), gradients, 0.0)
    group = group or default_group()
    squared = all_sum(squared, group=group)
    norm = mx.sqrt(squared)
    scale = mx.minimum(max_norm / (norm + 1e-6), 1.0)
    return tree_map(lambda g: g * scale, gradients), norm
