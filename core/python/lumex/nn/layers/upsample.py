"""``Upsample``: nearest, (multi)linear and cubic resizing of channels-last
inputs ``(N, *spatial, C)`` by a scale factor per spatial axis, with optional
``align_corners`` and antialiasing (as PyTorch's ``interpolate``)."""

import operator
from functools import reduce
from itertools import product
from math import ceil
from typing import Callable, Literal, Tuple, Union

import lumex.core as mx
from .base import Module


def _along(indices, dim, ndims):
    shape = [1] * ndims
    shape[dim] = -1
    return indices.reshape(shape)


def _source_positions(n, scale, align_corners, dim, ndims):
    """The (fractional) input coordinate of each output sample on one axis."""
    m = int(scale * n)
    if align_corners:
        pos = mx.arange(m, dtype=mx.float32) * ((n - 1) / max(m - 1, 1))
    else:
        step = 1 / scale
        start = ((m - 1) * step - n + 1) / 2
        pos = mx.arange(m, dtype=mx.float32) * step - start
    return _along(pos, dim, ndims)


def _nearest_indices(n, scale, dim, ndims):
    m = int(scale * n)
    pos = mx.arange(m, dtype=mx.float32)
    if m > n:
        pos = ((pos + 0.5) * (n / m) - 0.5).round()
    else:
        pos = pos * (n / m)
    return _along(pos.astype(mx.uint32), dim, ndims)


def _linear_taps(n, scale, align_corners, dim, ndims):
    pos = mx.clip(_source_positions(n, scale, align_corners, dim, ndims), a_min=0, a_max=n - 1)
    left, right = mx.floor(pos), mx.ceil(pos)
    w = mx.expand_dims(pos - left, -1)
    return ((left.astype(mx.uint32), 1 - w), (right.astype(mx.uint32), w))


def _cubic_weight(x, a, near):
    # Keys' cubic convolution kernel at distance x (near: |x| <= 1, else 1 < |x| <= 2)
    if near:
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1
    return (((x - 5) * x + 8) * x - 4) * a


def _cubic_taps(n, scale, align_corners, dim, ndims):
    pos = _source_positions(n, scale, align_corners, dim, ndims)
    l1 = mx.floor(pos)
    r1 = mx.floor(pos + 1)
    taps = []
    for idx, near in ((l1, True), (r1, True), (l1 - 1, False), (r1 + 1, False)):
        w = _cubic_weight(mx.abs(pos - idx), -0.75, near)[..., None]
        taps.append((mx.clip(idx, a_min=0, a_max=n - 1).astype(mx.uint32), w))
    return tuple(taps)


def _triangle_kernel(x):
    return mx.maximum(1.0 - x, 0.0)


def _keys_kernel(x):
    # a = -0.5 (Pillow's, and PyTorch's with antialias=True)
    return mx.where(x <= 1.0, _cubic_weight(x, -0.5, True),
                    mx.where(x <= 2.0, _cubic_weight(x, -0.5, False), 0.0))


def _antialiased_taps(kernel, radius):
    def taps(n, scale, align_corners, dim, ndims):
        pos = _source_positions(n, scale, align_corners, dim, ndims)
        stretch = 1.0 / scale if scale < 1 else 1.0  # widen the filter when shrinking
        count = ceil(radius * stretch) + 1
        idxs, ws = [], []
        for k in range(-count + 1, count):
            idx = mx.floor(pos) + k
            w = kernel(mx.abs(pos - idx) / stretch)
            ws.append(mx.where((idx >= 0) & (idx < n), w, 0.0))
            idxs.append(idx)
        total = sum(ws)
        total = mx.where(total > 0, total, 1.0)
        return tuple((mx.clip(i, a_min=0, a_max=n - 1).astype(mx.uint32),
                      mx.expand_dims(w / total, -1)) for i, w in zip(idxs, ws))

    return taps


def _check_scales(x, scale_factor):
    if x.ndim - 2 != len(scale_factor):
        raise ValueError("A scale needs to be provided for each spatial dimension")


def _check_antialias(align_corners, antialias):
    if antialias and align_corners:
        raise ValueError("[Upsample] antialias=True with align_corners=True is not supported. "
                         "Use align_corners=False for antialiased interpolation.")


def upsample_nearest(x: mx.array, scale_factor: Tuple):
    """Nearest-neighbour upsampling of ``x`` ``(N, *spatial, C)``; integer
    scales repeat each sample (a broadcast), others index."""
    _check_scales(x, scale_factor)
    dims = x.ndim - 2
    if tuple(map(int, scale_factor)) == tuple(scale_factor):
        shape = list(x.shape)
        for d in range(dims):
            shape.insert(2 + 2 * d, 1)
        x = x.reshape(shape)
        for d in range(dims):
            shape[2 + 2 * d] = int(scale_factor[d])
        x = mx.broadcast_to(x, shape)
        for d in range(dims):
            shape[d + 1] *= shape[d + 2]
            shape.pop(d + 2)
        return x.reshape(shape)
    index = [slice(None)]
    for i, (n, s) in enumerate(zip(x.shape[1:-1], scale_factor)):
        index.append(_nearest_indices(n, s, i, dims))
    return x[tuple(index)]


def _interpolate(x, scale_factor, taps_fn, align_corners=False):
    """All axes at once: a weighted sum over every combination of taps."""
    _check_scales(x, scale_factor)
    dims = x.ndim - 2
    per_axis = [taps_fn(n, s, align_corners, i, dims)
                for i, (n, s) in enumerate(zip(x.shape[1:-1], scale_factor))]
    out = None
    for combo in product(*per_axis):
        idx, weights = zip(*combo)
        term = reduce(operator.mul, weights) * x[(slice(None),) + idx]
        out = term if out is None else out + term
    return out


def _interpolate_separable(x, scale_factor, taps_fn, align_corners=False):
    """One axis after the other (fewer gathers than :func:`_interpolate`)."""
    _check_scales(x, scale_factor)
    dims = x.ndim - 2
    out = x
    for i, (n, s) in enumerate(zip(x.shape[1:-1], scale_factor)):
        acc = None
        for idx, w in taps_fn(n, s, align_corners, i, dims):
            term = mx.take(out, idx.reshape(-1), axis=i + 1) * w
            acc = term if acc is None else acc + term
        out = acc
    return out


def upsample_linear(x: mx.array, scale_factor: Tuple, align_corners: bool = False,
                    antialias: bool = False):
    """(Multi)linear upsampling of ``x`` ``(N, *spatial, C)``."""
    _check_antialias(align_corners, antialias)
    if antialias:
        return _interpolate_separable(x, scale_factor, _antialiased_taps(_triangle_kernel, 1.0),
                                      align_corners)
    if not align_corners:
        return _interpolate_separable(x, scale_factor, _linear_taps, align_corners)
    return _interpolate(x, scale_factor, _linear_taps, align_corners)


def upsample_cubic(x: mx.array, scale_factor: Tuple, align_corners: bool = False,
                   antialias: bool = False):
    """Cubic upsampling of ``x`` ``(N, *spatial, C)`` (Keys' kernel, a = -0.75;
    a = -0.5 with ``antialias``)."""
    _check_antialias(align_corners, antialias)
    if antialias:
        return _interpolate_separable(x, scale_factor, _antialiased_taps(_keys_kernel, 2.0),
                                      align_corners)
    return _interpolate(x, scale_factor, _cubic_taps, align_corners)


class Upsample(Module):
    r"""Resizes the spatial axes of ``(N, *spatial, C)`` inputs by
    ``scale_factor`` (a number, or one per spatial axis); the output size is
    ``int(scale * size)``.

    Args:
        scale_factor (float or tuple): the scale(s).
        mode (``"nearest"`` | ``"linear"`` | ``"cubic"``): Default: ``"nearest"``.
        align_corners (bool): map the corner samples of input and output onto
            each other (linear and cubic). Default: ``False``.
        antialias (bool): low-pass filter when shrinking (linear and cubic).
            Default: ``False``.
    """

    def __init__(self, scale_factor: Union[float, Tuple],
                 mode: Literal["nearest", "linear", "cubic"] = "nearest",
                 align_corners: bool = False, antialias: bool = False):
        super().__init__()
        if mode not in ("nearest", "linear", "cubic"):
            raise ValueError(f"[Upsample] Got unsupported upsampling algorithm: {mode}")
        if antialias and mode == "nearest":
            raise ValueError("[Upsample] Antialiasing is not supported for nearest neighbor "
                             "upsampling")
        if isinstance(scale_factor, (list, tuple)):
            scale_factor = tuple(map(float, scale_factor))
        else:
            scale_factor = float(scale_factor)
        _check_antialias(align_corners, antialias)
        self.scale_factor = scale_factor
        self.mode = mode
        self.align_corners = align_corners
        self.antialias = antialias

    def _extra_repr(self) -> str:
        text = (f"scale_factor={self.scale_factor}, mode={self.mode!r}, "
                f"align_corners={self.align_corners}")
        return text + (", antialias=True" if self.antialias else "")

    def __call__(self, x: mx.array) -> mx.array:
        dims = x.ndim - 2
        if dims <= 0:
            raise ValueError("[Upsample] The input should have at least 1 spatial dimension "
                             f"which means it should be at least 3D but {x.ndim}D was provided")
        scale = self.scale_factor
        if isinstance(scale, tuple):
            if len(scale) != dims:
                raise ValueError(
                    f"[Upsample] One scale per spatial dimension is required but "
                    f"scale_factor={scale} and the number of spatial dimensions were {dims}")
        else:
            scale = (scale,) * dims
        if self.mode == "nearest":
            return upsample_nearest(x, scale)
        if self.mode == "linear":
            return upsample_linear(x, scale, self.align_corners, self.antialias)
        return upsample_cubic(x, scale, self.align_corners, self.antialias)
