"""Dropout layers: elementwise, and whole channels of 2-D and 3-D feature maps."""

import lumex.core as mx
from .base import Module


class _DropoutBase(Module):

    def __init__(self, p: float = 0.5):
        super().__init__()
        if p < 0 or p >= 1:
            raise ValueError(f"The dropout probability {p} is not in [0, 1)")
        self._p_1 = 1 - p

    def _extra_repr(self) -> str:
        return f"p={1 - self._p_1}"

    def _drop(self, x, mask_shape):
        if self._p_1 == 1 or not self.training:
            return x
        mask = mx.random.bernoulli(p=self._p_1, shape=mask_shape)
        return (mask * x) * (1 / self._p_1)


class Dropout(_DropoutBase):
    r"""Zeroes each element with probability ``p`` during training and scales
    the rest by :math:`1/(1-p)`; the identity in evaluation mode.

    Args:
        p (float): the probability of zeroing an element, in ``[0, 1)``.
    """

    def __call__(self, x: mx.array) -> mx.array:
        if self._p_1 == 1 or not self.training:
            return x
        mask = mx.random.bernoulli(self._p_1, x.shape)
        return (mask * x) * (1 / self._p_1)


class _ChannelDropout(_DropoutBase):
    _spatial = 2  # spatial axes sharing one mask value per channel

    def __call__(self, x: mx.array) -> mx.array:
        lo = self._spatial + 1
        if x.ndim not in (lo, lo + 1):
            raise ValueError(f"Received input with {x.ndim} dimensions. Expected {lo} or "
                             f"{lo + 1} dimensions.")
        shape = list(x.shape)
        for axis in range(2, self._spatial + 2):
            shape[-axis] = 1
        return self._drop(x, shape)


class Dropout2d(_ChannelDropout):
    r"""Zeroes whole channels of ``(N, H, W, C)`` or ``(H, W, C)`` inputs with
    probability ``p`` during training (the spatial axes share the mask) and
    scales the rest by :math:`1/(1-p)`.

    Args:
        p (float): the probability of zeroing a channel, in ``[0, 1)``.
    """

    _spatial = 2


class Dropout3d(_ChannelDropout):
    r"""Zeroes whole channels of ``(N, D, H, W, C)`` or ``(D, H, W, C)`` inputs
    with probability ``p`` during training and scales the rest by
    :math:`1/(1-p)`.

    Args:
        p (float): the probability of zeroing a channel, in ``[0, 1)``.
    """

    _spatial = 3
