"""Max and average pooling over 1, 2 or 3 spatial axes of channels-last
inputs ``(N, *spatial, C)``.

Windows are a view of the (padded) input: a reshape when they tile it exactly,
``mx.as_strided`` otherwise; the reduction then runs over the window axes.
"""

import math
from typing import Optional, Tuple, Union

import lumex.core as mx
from .base import Module


def _value_or_list(x, n, msg):
    if isinstance(x, (list, tuple)):
        if len(x) != n:
            raise ValueError(msg)
        return list(x)
    if not isinstance(x, int):
        raise ValueError(msg)
    return [x] * n


def _tiled_windows(x, window):
    # each spatial axis s splits into (s // w, w); the window axes move last
    shape = [x.shape[0]]
    for size, w in zip(x.shape[1:-1], window):
        shape += [size // w, w]
    shape.append(x.shape[-1])
    last = len(shape) - 1
    order = [0, *range(1, last, 2), *range(2, last, 2), last]
    return x.reshape(shape).transpose(order)


def _sliding_windows(x, window, strides):
    if x.ndim < 3:
        raise ValueError("To extract sliding windows at least 1 spatial dimension (3 total) "
                         f"is needed but the input only has {x.ndim} dimensions.")
    spatial = x.shape[1:-1]
    if not (len(spatial) == len(window) == len(strides)):
        raise ValueError(
            "To extract sliding windows the window shapes and strides must have the same "
            "number of spatial dimensions as the signal but the signal has "
            f"{len(spatial)} dims and the window shape has {len(window)} and strides have "
            f"{len(strides)}.")
    if all(w == s and size % w == 0 for size, w, s in zip(spatial, window, strides)):
        return _tiled_windows(x, window)
    for size, w in zip(spatial, window):
        if w > size:
            raise ValueError(f"[pooling] The window ({w}) is larger than the padded input "
                             f"({size}).")
    # row-major element strides of x
    elem = [math.prod(x.shape[i + 1:]) for i in range(x.ndim)]
    out_shape = [x.shape[0]]
    out_shape += [(size - w) // s + 1 for size, w, s in zip(spatial, window, strides)]
    out_shape += list(window) + [x.shape[-1]]
    out_strides = [elem[0]]
    out_strides += [e * s for e, s in zip(elem[1:-1], strides)]
    out_strides += elem[1:-1] + [elem[-1]]
    return mx.as_strided(x, out_shape, out_strides)


class _Pool(Module):
    def __init__(self, pooling_function, kernel_size, stride, padding, padding_value):
        super().__init__()
        name = type(self).__name__
        for what, values in (("kernel_size", kernel_size), ("stride", stride)):
            if any(v <= 0 for v in values):
                raise ValueError(f"[{name}] '{what}' must be positive but got {tuple(values)}.")
        if any(p[0] < 0 for p in padding):
            raise ValueError(f"[{name}] 'padding' must be non-negative but got "
                             f"{tuple(p[0] for p in padding)}.")
        self._pooling_function = pooling_function
        self._kernel_size = kernel_size
        self._stride = stride
        self._padding = padding
        self._padding_value = padding_value
        self._axes = tuple(range(-len(kernel_size) - 1, -1, 1))

    def _extra_repr(self):
        return (f"kernel_size={tuple(self._kernel_size)}, stride={tuple(self._stride)}, "
                f"padding={tuple(p[0] for p in self._padding)}")

    def __call__(self, x):
        if any(p[0] > 0 for p in self._padding):
            value = self._padding_value
            if value == -float("inf") and not mx.issubdtype(x.dtype, mx.inexact):
                # -inf converted to an integer type is 0, which would win the max
                # over negative values: pad with the type's lowest value instead.
                value = False if x.dtype == mx.bool_ else mx.iinfo(x.dtype).min
            x = mx.pad(x, [(0, 0)] + self._padding + [(0, 0)], constant_values=value)
        x = _sliding_windows(x, self._kernel_size, self._stride)
        return self._pooling_function(x, self._axes)


def _pool_class(n, reduce_name, padding_value, doc):
    reduce = getattr(mx, reduce_name)
    plural = "" if n == 1 else "s"

    class Pool(_Pool):
        def __init__(self, kernel_size, stride=None, padding=0):
            name = type(self).__name__
            msg = (f"[{name}] '{{}}' must be an integer or a tuple containing {n} "
                   f"integer{plural}")
            kernel_size = _value_or_list(kernel_size, n, msg.format("kernel_size"))
            stride = (kernel_size if stride is None
                      else _value_or_list(stride, n, msg.format("stride")))
            padding = [(p, p) for p in _value_or_list(padding, n, msg.format("padding"))]
            super().__init__(reduce, kernel_size, stride, padding, padding_value)

    Pool.__doc__ = doc
    Pool.__init__.__doc__ = (f"kernel_size, stride (default: kernel_size) and padding: "
                             f"an int or a tuple of {n}.")
    return Pool


def _doc(kind, n, layout):
    what = "maximum" if kind == "Max" else "mean"
    pad = "-inf" if kind == "Max" else "0"
    return (f"Applies {n}-D {kind.lower()} pooling: the {what} over each window of an "
            f"input ``{layout}``.\n\n"
            f"    Args:\n"
            f"        kernel_size (int or tuple of {n}): the window size.\n"
            f"        stride (int or tuple of {n}, optional): the step; default "
            f"``kernel_size``.\n"
            f"        padding (int or tuple of {n}): padding with {pad} on both sides of "
            f"each spatial axis. Default: ``0``.\n")


MaxPool1d = _pool_class(1, "max", -float("inf"), _doc("Max", 1, "(N, L, C)"))
AvgPool1d = _pool_class(1, "mean", 0, _doc("Avg", 1, "(N, L, C)"))
MaxPool2d = _pool_class(2, "max", -float("inf"), _doc("Max", 2, "(N, H, W, C)"))
AvgPool2d = _pool_class(2, "mean", 0, _doc("Avg", 2, "(N, H, W, C)"))
MaxPool3d = _pool_class(3, "max", -float("inf"), _doc("Max", 3, "(N, D, H, W, C)"))
AvgPool3d = _pool_class(3, "mean", 0, _doc("Avg", 3, "(N, D, H, W, C)"))
for _name in ("MaxPool1d", "AvgPool1d", "MaxPool2d", "AvgPool2d", "MaxPool3d", "AvgPool3d"):
    globals()[_name].__name__ = globals()[_name].__qualname__ = _name
