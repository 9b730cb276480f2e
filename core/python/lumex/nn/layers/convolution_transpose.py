"""Transposed convolutions over channels-last inputs: ``ConvTranspose1d``,
``ConvTranspose2d``, ``ConvTranspose3d``. Weights ``(C_out, *kernel, C_in)``
start uniform in :math:`\\pm 1/\\sqrt{C_{in} \\prod \\text{kernel}}`, biases at zero."""

from typing import Union

import lumex.core as mx
from .base import Module
from ._ops import op
from .convolution import _init_weight_and_bias, _tuple


class _ConvTranspose(Module):
    _n = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, tuple],
                 stride: Union[int, tuple] = 1, padding: Union[int, tuple] = 0,
                 dilation: Union[int, tuple] = 1, output_padding: Union[int, tuple] = 0,
                 bias: bool = True):
        super().__init__()
        n = self._n
        if n > 1:
            kernel_size, stride, padding, output_padding = (
                _tuple(v, n) for v in (kernel_size, stride, padding, output_padding))
        _init_weight_and_bias(self, n, in_channels, out_channels, kernel_size, bias)
        self.padding = padding
        self.dilation = dilation
        self.stride = stride
        self.output_padding = output_padding

    def _extra_repr(self):
        kernel = self.weight.shape[1] if self._n == 1 else self.weight.shape[1:1 + self._n]
        return (f"{self.weight.shape[-1]}, {self.weight.shape[0]}, kernel_size={kernel}, "
                f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, "
                f"output_padding={self.output_padding}, bias={'bias' in self}")

    def __call__(self, x):
        conv = op(f"conv_transpose{self._n}d")
        y = conv(x, self.weight, self.stride, self.padding, self.dilation, self.output_padding)
        if "bias" in self:
            y = y + self.bias
        return y


_ARGS = """
    Args:
        in_channels (int): input channels.
        out_channels (int): output channels.
        kernel_size (int{t}): the kernel size.
        stride (int{t}): Default: ``1``.
        padding (int{t}): Default: ``0``.
        dilation (int{t}): Default: ``1``.
        output_padding (int{t}): extra size added to one side of the output. Default: ``0``.
        bias (bool): Default: ``True``.
"""


class ConvTranspose1d(_ConvTranspose):
    _n = 1


class ConvTranspose2d(_ConvTranspose):
    _n = 2


class ConvTranspose3d(_ConvTranspose):
    _n = 3


ConvTranspose1d.__doc__ = "1-D transposed convolution over ``(N, L, C_in)``.\n" + _ARGS.format(t="")
ConvTranspose2d.__doc__ = ("2-D transposed convolution over ``(N, H, W, C_in)``.\n"
                           + _ARGS.format(t=" or tuple"))
ConvTranspose3d.__doc__ = ("3-D transposed convolution over ``(N, D, H, W, C_in)``.\n"
                           + _ARGS.format(t=" or tuple"))
