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


class _Conv(Module):
    _n = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True):
        super().__init__()
        if in_channels % groups != 0:
            raise ValueError(f"The number of input channels ({in_channels}) must be divisible "
                             f"by the number of groups ({groups})")
        n = self._n
        if n > 1:
            kernel_size, stride, padding = (_tuple(v, n) for v in (kernel_size, stride, padding))
        kernel = (kernel_size,) if n == 1 else tuple(kernel_size)
        scale = math.sqrt(1 / (in_channels // groups * math.prod(kernel)))
        self.weight = mx.random.uniform(low=-scale, high=scale,
                                        shape=(out_channels, *kernel, in_channels // groups))
        if bias:
            self.bias = mx.zeros((out_channels,))
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


class Conv1d(_Conv):
    """1-D convolution over ``(N, L, C_in)``.

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels.
        kernel_size (int): the kernel width.
        stride (int): Default: ``1``.
        padding (int): zeros on both sides. Default: ``0``.
        dilation (int): Default: ``1``.
        groups (int): channel groups (dividing ``in_channels``). Default: ``1``.
        bias (bool): Default: ``True``.
    """

    _n = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, dilation: int = 1, groups: int = 1, bias: bool = True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias)


class Conv2d(_Conv):
    """2-D convolution over ``(N, H, W, C_in)``.

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels.
        kernel_size (int or tuple): the kernel size.
        stride (int or tuple): Default: ``1``.
        padding (int or tuple): zeros on both sides. Default: ``0``.
        dilation (int or tuple): Default: ``1``.
        groups (int): channel groups. Default: ``1``.
        bias (bool): Default: ``True``.
    """

    _n = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, tuple],
                 stride: Union[int, tuple] = 1, padding: Union[int, tuple] = 0,
                 dilation: Union[int, tuple] = 1, groups: int = 1, bias: bool = True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias)


class Conv3d(_Conv):
    """3-D convolution over ``(N, D, H, W, C_in)`` (no groups, as in MLX).

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels.
        kernel_size (int or tuple): the kernel size.
        stride (int or tuple): Default: ``1``.
        padding (int or tuple): zeros on both sides. Default: ``0``.
        dilation (int or tuple): Default: ``1``.
        bias (bool): Default: ``True``.
    """

    _n = 3
    _has_groups = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, tuple],
                 stride: Union[int, tuple] = 1, padding: Union[int, tuple] = 0,
                 dilation: Union[int, tuple] = 1, bias: bool = True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 1,
                         bias)
