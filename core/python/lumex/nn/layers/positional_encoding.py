"""Positional encodings: RoPE, sinusoidal encodings and ALiBi."""

import math
from typing import Optional

import lumex.core as mx
from .base import Module
from . import _fast


class RoPE(Module):
    r"""Rotary positional encoding: rotates pairs of the first ``dims``
    features of ``x`` (shape ``(..., L, D)``) by angles proportional to the
    position, ``(offset + l) * scale * base^{-2i/dims}``.

    Args:
        dims (int): the number of features rotated (the rest pass through).
        traditional (bool): rotate consecutive pairs ``(x[2i], x[2i+1])``
            instead of the halves ``(x[i], x[i + dims/2])``. Default: ``False``.
        base (float): the base of the frequencies. Default: ``10000``.
        scale (float): the scale of the positions. Default: ``1.0``.
    """

    def __init__(self, dims: int, traditional: bool = False, base: float = 10000,
                 scale: float = 1.0):
        super().__init__()
        self.dims = dims
        self.traditional = traditional
        self.base = base
        self.scale = scale

    def _extra_repr(self):
        return f"{self.dims}, traditional={self.traditional}"

    def __call__(self, x, offset: int = 0):
        return _fast.rope(x, self.dims, traditional=self.traditional, base=self.base,
                          scale=self.scale, offset=offset)


class SinusoidalPositionalEncoding(Module):
    r"""Sinusoidal encodings of (real-valued) positions: ``x`` of shape
    ``(...)`` becomes ``(..., dims)``, the sines and cosines of ``x`` times
    ``dims/2`` frequencies spaced geometrically from ``max_freq`` down to
    ``min_freq``.

    Args:
        dims (int): the size of the encoding (positive, even).
        min_freq (float): the smallest frequency. Default: ``0.0001``.
        max_freq (float): the largest frequency. Default: ``1``.
        scale (float, optional): multiplies the encoding; default
            :math:`\sqrt{2/\text{dims}}`.
        cos_first (bool): cosines before sines. Default: ``False``.
        full_turns (bool): multiply the frequencies by :math:`2\pi`. Default: ``False``.
    """

    def __init__(self, dims: int, min_freq: float = 0.0001, max_freq: float = 1,
                 scale: Optional[float] = None, cos_first: bool = False,
                 full_turns: bool = False):
        super().__init__()
        if dims <= 0 or dims % 2 != 0:
            raise ValueError("[SinusoidalPositionalEncoding] dims must be positive and even "
                             f"but got {dims}.")
        if dims == 2:
            one_zero = mx.array([1.0])
        else:
            one_zero = 1 - mx.arange(0, dims // 2) / (dims // 2 - 1)
        lo, hi = math.log(min_freq), math.log(max_freq)
        self._sigmas = mx.exp(one_zero * (hi - lo) + lo)
        if full_turns:
            self._sigmas = self._sigmas * (2 * math.pi)
        self.scale = scale if scale is not None else (2 / dims) ** 0.5
        self.cos_first = cos_first

    def __call__(self, x):
        y = x[..., None] * self._sigmas
        cosy, siny = mx.cos(y), mx.sin(y)
        y = mx.concatenate([cosy, siny] if self.cos_first else [siny, cosy], axis=-1)
        if self.scale != 1:
            y = y * self.scale
        return y


class ALiBi(Module):
    """Attention with linear biases: adds ``-slope_h * |i - j|`` to the
    attention scores ``(B, H, L_q, L_k)`` of head ``h``, with MLX's
    geometric slopes."""

    @staticmethod
    def create_alibi_matrix(q_sequence_length: int, k_sequence_length: int, num_heads: int,
                            offset: int = 0, dtype: mx.Dtype = mx.float32) -> mx.array:
        """The bias, shape ``(1, num_heads, q_len - offset, k_len)``, for the
        queries at positions ``offset`` to ``q_sequence_length - 1``."""
        q = mx.arange(offset, q_sequence_length)
        k = mx.arange(0, k_sequence_length)
        distance = -mx.abs(mx.expand_dims(q[:, None] - k[None, :], axis=(0, 1)))
        slopes = ALiBi.create_alibi_slope(num_heads=num_heads, dtype=dtype)
        return (distance * slopes).astype(dtype)

    @staticmethod
    def create_alibi_slope(num_heads: int, dtype: mx.Dtype = mx.float32) -> mx.array:
        """The per-head slopes, shape ``(num_heads, 1, 1)``."""

        def slopes(n):
            if math.log2(n).is_integer():
                start = 2 ** (-(2 ** -(math.log2(n) - 3)))
                return [start * start**i for i in range(n)]
            p = 2 ** math.floor(math.log2(n))
            return slopes(p) + slopes(2 * p)[0::2][: n - p]

        return mx.expand_dims(mx.array(slopes(num_heads), dtype=dtype), axis=(-1, -2))

    def __call__(self, attention_scores: mx.array, offset: int = 0,
                 mask: Optional[mx.array] = None) -> mx.array:
        bias = ALiBi.create_alibi_matrix(
            q_sequence_length=attention_scores.shape[-2] + offset,
            k_sequence_length=attention_scores.shape[-1],
            num_heads=attention_scores.shape[1], offset=offset,
            dtype=attention_scores.dtype)
        if mask is not None:
            bias = bias + mask
        return attention_scores + bias
