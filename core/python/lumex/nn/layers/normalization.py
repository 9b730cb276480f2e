"""Normalization layers: LayerNorm, RMSNorm, GroupNorm, InstanceNorm, BatchNorm.

Features are on the last axis (MLX's channels-last layout)."""

from typing import Tuple

import lumex.core as mx
from .base import Module
from . import _fast


def _check_eps(name, eps):
    if eps <= 0.0:
        raise ValueError(f"[{name}] 'eps' must be positive but got {eps}.")


class InstanceNorm(Module):
    r"""Normalizes each channel of each sample over its spatial axes.

    Input ``(N, ..., C)`` with at least 3 axes; with ``affine`` a learned
    per-channel ``weight`` (ones) and ``bias`` (zeros) are applied.

    Args:
        dims (int): the number of channels ``C``.
        eps (float): added to the variance. Default: ``1e-5``.
        affine (bool): learn ``weight`` and ``bias``. Default: ``False``.
    """

    def __init__(self, dims: int, eps: float = 1e-5, affine: bool = False):
        super().__init__()
        _check_eps("InstanceNorm", eps)
        if affine:
            self.weight = mx.ones((dims,))
            self.bias = mx.zeros((dims,))
        self.dims = dims
        self.eps = eps

    def _extra_repr(self):
        return f"{self.dims}, eps={self.eps}, affine={'weight' in self}"

    def __call__(self, x: mx.array) -> mx.array:
        if x.ndim < 3:
            raise ValueError("InstanceNorm expects inputs with at least 3 dimensions "
                             f"(N, ..., C) but the input has {x.ndim} dimensions.")
        batch, channels, spatial = x.shape[0], x.shape[-1], x.shape[1:-1]
        # channels first, so each (sample, channel) row is normalized by layer_norm
        rows = mx.transpose(x, (0, x.ndim - 1, *range(1, x.ndim - 1)))
        y = _fast.layer_norm(rows.reshape(batch, channels, -1), None, None, self.eps)
        y = mx.transpose(y.reshape(batch, channels, *spatial),
                         (0, *range(2, len(spatial) + 2), 1))
        return (self.weight * y + self.bias) if "weight" in self else y


class LayerNorm(Module):
    r"""Normalizes the last axis to zero mean and unit variance, then applies
    a learned ``weight`` (ones) and ``bias`` (zeros).

    Args:
        dims (int): the size of the last axis.
        eps (float): added to the variance. Default: ``1e-5``.
        affine (bool): learn ``weight`` (and ``bias``). Default: ``True``.
        bias (bool): with ``affine``, learn ``bias`` too. Default: ``True``.
    """

    def __init__(self, dims: int, eps: float = 1e-5, affine: bool = True, bias: bool = True):
        super().__init__()
        _check_eps("LayerNorm", eps)
        if affine:
            self.weight = mx.ones((dims,))
            if bias:
                self.bias = mx.zeros((dims,))
        self.eps = eps
        self.dims = dims

    def _extra_repr(self):
        return f"{self.dims}, eps={self.eps}, affine={'weight' in self}"

    def __call__(self, x):
        weight = self.weight if "weight" in self else None
        bias = self.bias if "bias" in self else None
        return _fast.layer_norm(x, weight, bias, self.eps)


class RMSNorm(Module):
    r"""Divides the last axis by its root mean square, then scales by a learned
    ``weight`` (ones).

    Args:
        dims (int): the size of the last axis.
        eps (float): added to the mean square. Default: ``1e-5``.
    """

    def __init__(self, dims: int, eps: float = 1e-5):
        super().__init__()
        _check_eps("RMSNorm", eps)
        self.weight = mx.ones((dims,))
        self.eps = eps

    def _extra_repr(self):
        return f"{self.weight.shape[0]}, eps={self.eps}"

    def __call__(self, x):
        return _fast.rms_norm(x, self["weight"], self.eps)


class GroupNorm(Module):
    r"""Normalizes groups of channels of each sample over the group's
    channels and all spatial positions.

    Args:
        num_groups (int): the number of groups; must divide ``dims``.
        dims (int): the number of channels (last axis).
        eps (float): added to the variance. Default: ``1e-5``.
        affine (bool): learn a per-channel ``weight`` and ``bias``. Default: ``True``.
        pytorch_compatible (bool): group consecutive channels as PyTorch does
            (by default channel ``c`` is in group ``c % num_groups``, as in
            MLX). Default: ``False``.
    """

    def __init__(self, num_groups: int, dims: int, eps: float = 1e-5, affine: bool = True,
                 pytorch_compatible: bool = False):
        super().__init__()
        _check_eps("GroupNorm", eps)
        if num_groups <= 0:
            raise ValueError(f"The number of groups ({num_groups}) must be a positive integer.")
        if dims <= 0:
            raise ValueError(f"The number of features ({dims}) must be a positive integer.")
        if dims % num_groups != 0:
            raise ValueError(f"The number of features ({dims}) must be evenly divisible by "
                             f"the number of groups ({num_groups}).")
        if affine:
            self.bias = mx.zeros((dims,))
            self.weight = mx.ones((dims,))
        self.num_groups = num_groups
        self.dims = dims
        self.eps = eps
        self.pytorch_compatible = pytorch_compatible

    def _extra_repr(self):
        return (f"{self.num_groups}, {self.dims}, eps={self.eps}, "
                f"affine={'weight' in self}, pytorch_compatible={self.pytorch_compatible}")

    def _pytorch_compatible_group_norm(self, x):
        groups = self.num_groups
        batch, *rest, dims = x.shape
        size = dims // groups
        x = x.reshape(batch, -1, groups, size).transpose(0, 2, 1, 3).reshape(batch, groups, -1)
        x = _fast.layer_norm(x, None, None, self.eps)
        x = x.reshape(batch, groups, -1, size).transpose(0, 2, 1, 3)
        return x.reshape(batch, *rest, dims)

    def _group_norm(self, x):
        batch, *rest, dims = x.shape
        x = x.reshape(batch, -1, self.num_groups)
        mean = mx.mean(x, axis=1, keepdims=True)
        var = mx.var(x, axis=1, keepdims=True)
        x = (x - mean) * mx.rsqrt(var + self.eps)
        return x.reshape(batch, *rest, dims)

    def __call__(self, x):
        if self.pytorch_compatible:
            x = self._pytorch_compatible_group_norm(x)
        else:
            x = self._group_norm(x)
        return (self.weight * x + self.bias) if "weight" in self else x


def _stats_axes(x):
    return tuple(range(x.ndim - 1))


@mx.custom_function
def _batch_norm(x, eps, weight=None, bias=None):
    """Training-mode batch norm: (normalized and scaled x, batch mean, batch variance).

    The same ops as the plain composition, so the same values; its own vjp
    because the derived one walks the graph of the statistics (about 25 passes
    over x for a 4-D input) where the closed form below needs about 7."""
    axes = _stats_axes(x)
    mean, var = mx.mean(x, axis=axes), mx.var(x, axis=axes)
    y = (x - mean) * mx.rsqrt(var + eps)
    if weight is not None:
        y = weight * y + bias
    return y, mean, var


@_batch_norm.vjp
def _batch_norm_vjp(primals, cotangents, outputs):
    # With xhat = (x - mean) * r, r = rsqrt(var + eps), w = weight (or 1) and n the
    # count per channel, the three cotangents (gy, gm, gv) give per channel
    #   d weight = sum(gy * xhat), d bias = sum(gy),
    #   dx = gy * (w r) + xhat * (2 gv / (n r) - w r d_weight / n) + (gm - w r d_bias) / n.
    x, eps, weight, bias = (list(primals) + [None, None])[:4]
    gy, gm, gv = cotangents
    _, mean, var = outputs
    gm = mx.zeros_like(mean) if gm is None else gm
    gv = mx.zeros_like(var) if gv is None else gv
    axes = _stats_axes(x)
    n = 1
    for size in x.shape[:-1]:
        n *= size
    r = mx.rsqrt(var + eps)
    xhat = (x - mean) * r
    d_bias = mx.sum(gy, axis=axes)
    d_weight = mx.sum(gy * xhat, axis=axes)
    wr = r if weight is None else weight * r
    dx = gy * wr + xhat * ((2 / n) * gv / r - wr * d_weight / n) + (gm - wr * d_bias) / n
    if weight is None:
        return dx, None
    return dx, None, d_weight, d_bias


class BatchNorm(Module):
    r"""Normalizes each feature (last axis) over the batch and spatial axes.

    In training mode the batch statistics are used and, with
    ``track_running_stats``, ``running_mean`` and ``running_var`` (unbiased)
    are updated with ``momentum``; in evaluation mode the running statistics
    are used. The running statistics are frozen: they are not trained.

    Args:
        num_features (int): the number of features (last axis).
        eps (float): added to the variance. Default: ``1e-5``.
        momentum (float): the weight of the new batch statistics. Default: ``0.1``.
        affine (bool): learn ``weight`` and ``bias``. Default: ``True``.
        track_running_stats (bool): keep running statistics. Default: ``True``.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = True, track_running_stats: bool = True):
        super().__init__()
        _check_eps("BatchNorm", eps)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = mx.ones((num_features,))
            self.bias = mx.zeros((num_features,))
        if self.track_running_stats:
            self.running_mean = mx.zeros((num_features,))
            self.running_var = mx.ones((num_features,))
            self.freeze(keys=["running_mean", "running_var"], recurse=False)

    def unfreeze(self, *args, **kwargs):
        """Unfreezes like :meth:`Module.unfreeze`, except the running
        statistics, which stay frozen."""
        super().unfreeze(*args, **kwargs)
        self.freeze(keys=["running_mean", "running_var"], recurse=False)
        return self

    def _extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={'weight' in self}, track_running_stats={self.track_running_stats}")

    def _calc_stats(self, x: mx.array, ddof: int = 0) -> Tuple[mx.array, mx.array]:
        axes = tuple(range(0, x.ndim - 1))
        return mx.mean(x, axis=axes), mx.var(x, axis=axes, ddof=ddof)

    def __call__(self, x: mx.array) -> mx.array:
        if x.ndim < 2 or x.ndim > 4:
            raise ValueError(
                f"Expected input tensor to have 2, 3 or 4 dimensions, but got {x.ndim}")
        if self.training:
            count = 1
            for size in x.shape[:-1]:
                count *= size
            if count == 1:
                raise ValueError("BatchNorm training requires more than one value per channel.")
        if self.track_running_stats and not self.training:
            x = (x - self.running_mean) * mx.rsqrt(self.running_var + self.eps)
            return (self.weight * x + self.bias) if "weight" in self else x
        affine = (self.weight, self.bias) if "weight" in self else ()
        y, mean, var = _batch_norm(x, self.eps, *affine)
        if self.training and self.track_running_stats:
            mu = self.momentum
            # mx.var with ddof=1 is the biased variance times n / (n - 1): the same
            # bits without a second pass over x.
            unbiased = var * (count / (count - 1))
            self.running_mean = (1 - mu) * self.running_mean + mu * mean
            self.running_var = (1 - mu) * self.running_var + mu * unbiased
        return y
