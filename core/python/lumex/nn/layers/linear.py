"""Affine layers: ``Identity``, ``Linear`` and ``Bilinear``."""

import math
from typing import Any, Optional

import lumex.core as mx
from .base import Module


class Identity(Module):
    """Returns its input unchanged; accepts (and ignores) any constructor
    arguments, so it can stand in for another layer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def __call__(self, x: mx.array) -> mx.array:
        return x


class Linear(Module):
    r"""Applies :math:`y = x W^\top + b`.

    ``weight`` has shape ``(output_dims, input_dims)`` and ``bias`` shape
    ``(output_dims,)``; both start uniform in :math:`[-k, k]` with
    :math:`k = 1/\sqrt{\text{input\_dims}}` (weight drawn first).

    Args:
        input_dims (int): number of input features.
        output_dims (int): number of output features.
        bias (bool): whether to add a bias. Default: ``True``.
    """

    def __init__(self, input_dims: int, output_dims: int, bias: bool = True) -> None:
        super().__init__()
        scale = math.sqrt(1.0 / input_dims)
        self.weight = mx.random.uniform(low=-scale, high=scale, shape=(output_dims, input_dims))
        if bias:
            self.bias = mx.random.uniform(low=-scale, high=scale, shape=(output_dims,))

    def _extra_repr(self) -> str:
        return (f"input_dims={self.weight.shape[1]}, "
                f"output_dims={self.weight.shape[0]}, bias={'bias' in self}")

    def _explain_error(self, exc, args):
        x = args[0] if args else None
        expected = self["weight"].shape[-1]
        if isinstance(x, mx.array) and (x.ndim == 0 or x.shape[-1] != expected):
            got = x.shape[-1] if x.ndim else "no"
            return f"input has {got} features, weight expects {expected}"
        return None

    def __call__(self, x: mx.array) -> mx.array:
        if "bias" in self:
            return mx.addmm(self["bias"], x, self["weight"].T)
        return x @ self["weight"].T

    def to_quantized(self, group_size: Optional[int] = None, bits: Optional[int] = None,
                     mode: str = "affine", quantize_input: bool = False):
        """A :class:`QuantizedLinear` approximation of this layer (weights
        quantized with ``mx.quantize``); ``quantize_input=True`` (a
        :class:`QQLinear`, activations quantized too) needs mode ``"nvfp4"``
        or ``"mxfp8"``."""
        from .quantized import QQLinear, QuantizedLinear

        if quantize_input:
            if mode not in ("nvfp4", "mxfp8"):
                raise ValueError("Quantized activations are only supported for 'nvfp4' "
                                 f"and 'mxfp8' modes, got {mode}.")
            return QQLinear.from_linear(self, group_size, bits, mode)
        return QuantizedLinear.from_linear(self, group_size, bits, mode)


class Bilinear(Module):
    r"""Applies :math:`y_i = x_2^\top W_i x_1 + b_i`.

    ``weight`` has shape ``(output_dims, input2_dims, input1_dims)``; weight
    and bias start uniform in :math:`[-k, k]`, :math:`k = 1/\sqrt{\text{input1\_dims}}`.

    Args:
        input1_dims (int): features of the first input.
        input2_dims (int): features of the second input.
        output_dims (int): number of output features.
        bias (bool): whether to add a bias. Default: ``True``.
    """

    def __init__(self, input1_dims: int, input2_dims: int, output_dims: int,
                 bias: bool = True) -> None:
        super().__init__()
        scale = math.sqrt(1.0 / input1_dims)
        self.weight = mx.random.uniform(low=-scale, high=scale,
                                        shape=(output_dims, input2_dims, input1_dims))
        if bias:
            self.bias = mx.random.uniform(low=-scale, high=scale, shape=(output_dims,))

    def _extra_repr(self) -> str:
        out, in2, in1 = self.weight.shape
        return (f"input1_dims={in1}, input2_dims={in2}, output_dims={out}, "
                f"bias={'bias' in self}")

    def __call__(self, x1: mx.array, x2: mx.array) -> mx.array:
        out, in2, in1 = self.weight.shape
        lead = x1.shape[:-1]
        x1 = x1.reshape(-1, in1)
        x2 = x2.reshape(-1, 1, in2)
        # x1 against every (output, input2) row at once, then contract input2.
        y = x1 @ self.weight.reshape(out * in2, in1).T
        y = (x2 @ y.reshape(-1, out, in2).swapaxes(-2, -1)).squeeze(1)
        y = y.reshape(*lead, out)
        if "bias" in self:
            y = y + self.bias
        return y
