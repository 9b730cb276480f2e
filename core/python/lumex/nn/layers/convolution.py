"""Convolutions over channels-last inputs ``(N, *spatial, C_in)`` with
weights ``(C_out, *kernel, C_in / groups)``: ``Conv1d``, ``Conv2d``, ``Conv3d``.

Weights start uniform in :math:`\\pm 1/\\sqrt{C_{in}/\\text{groups} \\cdot
\\prod \\text{kernel}}`, biases at zero (as MLX)."""

import math
from typing import Union

import lumex.core as mx
from .base import Module
from ._ops import op


def _tuple(value, n):
    return (value,) * n if isinstance(value, int) else value


def _init_weight_and_bias(module, n, in_channels, out_channels, kernel_size, bias):
    """Weights ``(C_out, *kernel, in_channels)`` uniform in ``±1/sqrt(fan in)``, bias
    zeros (MLX's initialization, drawn in MLX's order)."""
    kernel = (kernel_size,) if n == 1 else tuple(kernel_size)
    scale = math.sqrt(1 / (in_channels * math.prod(kernel)))
    module.weight = mx.random.uniform(low=-scale, high=scale,
                                      shape=(out_channels, *kernel, in_channels))
    if bias:
        module.bias = mx.zeros((out_channels,))


class _Conv(Module):
    _n = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, tuple],
                 stride: Union[int, tuple] = 1, padding: Union[int, tuple] = 0,
                 dilation: Union[int, tuple] = 1, groups: int = 1, bias: bool = True):
        super().__init__()
        if in_channels % groups != 0:
            raise ValueError(f"The number of input channels ({in_channels}) must be divisible "
                             f"by the number of groups ({groups})")
        n = self._n
        if n > 1:
            kernel_size, stride, padding = (_tuple(v, n) for v in (kernel_size, stride, padding))
        _init_weight_and_bias(self, n, in_channels // groups, out_channels, kernel_size, bias)
        self.padding = padding
        self.dilation = dilation
        self.stride = stride
        self.groups = groups

    def _extra_repr(self):
        kernel = self.weight.shape[1] if self._n == 1 else self.weight.shape[1:1 + self._n]
        groups = f"groups={self.groups}, " if self._has_groups else ""
        return (f"{self.weight.shape[-1] * self.groups}, {self.weight.shape[0]}, "
                f"kernel_size={kernel}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, {groups}bias={'bias' in self}")

    _has_groups = True

    def __call__(self, x):
        conv = op(f"conv{self._n}d")
        if self._has_groups:
            y = conv(x, self.weight, self.stride, self.padding, self.dilation, self.groups)
        else:
            y = conv(x, self.weight, self.stride, self.padding, self.dilation)
        if "bias" in self:
            y = y + self.bias
        return y


_ARGS = """
    Args:
        in_channels (int): input channels.
        out_channels (int): output channels.
        kernel_size (int{t}): the kernel size.
        stride (int{t}): Default: ``1``.
        padding (int{t}): zeros on both sides. Default: ``0``.
        dilation (int{t}): Default: ``1``.{groups}
        bias (bool): Default: ``True``.
"""
_GROUPS = "\n        groups (int): channel groups (dividing ``in_channels``). Default: ``1``."


class Conv1d(_Conv):
    _n = 1


class Conv2d(_Conv):
    _n = 2


class Conv3d(_Conv):
    _n = 3
    _has_groups = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, tuple],
                 stride: Union[int, tuple] = 1, padding: Union[int, tuple] = 0,
                 dilation: Union[int, tuple] = 1, bias: bool = True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 1,
                         bias)


Conv1d.__doc__ = "1-D convolution over ``(N, L, C_in)``.\n" + _ARGS.format(t="", groups=_GROUPS)
Conv2d.__doc__ = ("2-D convolution over ``(N, H, W, C_in)``.\n"
                  + _ARGS.format(t=" or tuple", groups=_GROUPS))
Conv3d.__doc__ = ("3-D convolution over ``(N, D, H, W, C_in)`` (no groups, as in MLX).\n"
                  + _ARGS.format(t=" or tuple", groups=""))
