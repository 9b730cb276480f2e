"""Parameter initializers (MLX's ``mlx.nn.init``).

Each function returns an *initializer*: a function of an array that returns a
new array of the same shape (its values are ignored), e.g.
``nn.init.he_uniform()(layer.weight)``. Distributions and draw order match
MLX, so with the same ``mx.random.seed`` the results are the same bits.
"""

import math
from typing import Callable, Literal

import lumex.core as mx

__all__ = ["constant", "normal", "uniform", "identity", "glorot_normal",
           "glorot_uniform", "he_normal", "he_uniform", "sparse", "orthogonal"]


def constant(value: float, dtype: mx.Dtype = mx.float32) -> Callable[[mx.array], mx.array]:
    """An initializer filling the array's shape with ``value`` (as ``dtype``)."""

    def initializer(a: mx.array) -> mx.array:
        return mx.full(a.shape, value, dtype=dtype)

    return initializer


def normal(mean: float = 0.0, std: float = 1.0,
           dtype: mx.Dtype = mx.float32) -> Callable[[mx.array], mx.array]:
    """An initializer drawing from a normal distribution with ``mean`` and
    standard deviation ``std``."""

    def initializer(a: mx.array) -> mx.array:
        return mx.random.normal(shape=a.shape, scale=std, loc=mean, dtype=dtype)

    return initializer


def uniform(low: float = 0.0, high: float = 1.0,
            dtype: mx.Dtype = mx.float32) -> Callable[[mx.array], mx.array]:
    """An initializer drawing uniformly from ``[low, high)``."""

    def initializer(a: mx.array) -> mx.array:
        return mx.random.uniform(low, high, a.shape, dtype=dtype)

    return initializer


def identity(dtype: mx.Dtype = mx.float32) -> Callable[[mx.array], mx.array]:
    """An initializer returning the identity matrix; the array must be a
    square matrix (``ValueError`` otherwise)."""

    def initializer(arr: mx.array) -> mx.array:
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
            raise ValueError(
                f"The input array must be a square matrix but got shape {arr.shape}.")
        return mx.eye(n=arr.shape[0], dtype=dtype)

    return initializer


def _fans(x):
    # fan_in is the last axis, fan_out the first; axes between are a receptive
    # field that multiplies both (convolution weights are (out, *kernel, in)).
    if x.ndim < 2:
        raise ValueError("Glorot / He initialization requires at least 2 dimensional "
                         f"input but input with {x.ndim} dimensions.")
    receptive = math.prod(x.shape[1:-1])
    return x.shape[-1] * receptive, x.shape[0] * receptive


def _fan(a, mode):
    fan_in, fan_out = _fans(a)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"Invalid mode: {mode}. Valid modes are: fan_in, fan_out")


def glorot_normal(dtype: mx.Dtype = mx.float32) -> Callable[[mx.array, float], mx.array]:
    r"""Glorot (Xavier) normal: :math:`\sigma = \gamma\sqrt{2/(\text{fan\_in} +
    \text{fan\_out})}`; the initializer takes the array and ``gain`` :math:`\gamma`
    (default 1)."""

    def initializer(a: mx.array, gain: float = 1.0) -> mx.array:
        fan_in, fan_out = _fans(a)
        std = gain * math.sqrt(2.0 / (fan_in + fan_out))
        return mx.random.normal(shape=a.shape, scale=std, dtype=dtype)

    return initializer


def glorot_uniform(dtype: mx.Dtype = mx.float32) -> Callable[[mx.array, float], mx.array]:
    r"""Glorot (Xavier) uniform in :math:`[-l, l]`, :math:`l = \gamma\sqrt{6/(\text{fan\_in}
    + \text{fan\_out})}`; the initializer takes the array and ``gain``."""

    def initializer(a: mx.array, gain: float = 1.0) -> mx.array:
        fan_in, fan_out = _fans(a)
        limit = gain * math.sqrt(6.0 / (fan_in + fan_out))
        return mx.random.uniform(-limit, limit, a.shape, dtype=dtype)

    return initializer


def he_normal(dtype: mx.Dtype = mx.float32
              ) -> Callable[[mx.array, Literal["fan_in", "fan_out"], float], mx.array]:
    r"""He (Kaiming) normal: :math:`\sigma = \gamma/\sqrt{\text{fan}}`; the
    initializer takes the array, ``mode`` (``"fan_in"`` or ``"fan_out"``) and ``gain``."""

    def initializer(a: mx.array, mode: Literal["fan_in", "fan_out"] = "fan_in",
                    gain: float = 1.0) -> mx.array:
        std = gain / math.sqrt(_fan(a, mode))
        return mx.random.normal(shape=a.shape, scale=std, dtype=dtype)

    return initializer


def he_uniform(dtype: mx.Dtype = mx.float32
               ) -> Callable[[mx.array, Literal["fan_in", "fan_out"], float], mx.array]:
    r"""He (Kaiming) uniform in :math:`[-l, l]`, :math:`l = \gamma\sqrt{3/\text{fan}}`;
    the initializer takes the array, ``mode`` and ``gain``."""

    def initializer(a: mx.array, mode: Literal["fan_in", "fan_out"] = "fan_in",
                    gain: float = 1.0) -> mx.array:
        limit = gain * math.sqrt(3.0 / _fan(a, mode))
        return mx.random.uniform(-limit, limit, a.shape, dtype=dtype)

    return initializer


def sparse(sparsity: float, mean: float = 0.0, std: float = 1.0,
           dtype: mx.Dtype = mx.float32) -> Callable[[mx.array], mx.array]:
    """An initializer for 2-D arrays: normal values (``mean``, ``std``) with a
    ``sparsity`` fraction of each row set to zero at random positions."""

    def initializer(a: mx.array) -> mx.array:
        if a.ndim != 2:
            raise ValueError("Only tensors with 2 dimensions are supported")
        rows, cols = a.shape
        num_zeros = int(math.ceil(sparsity * cols))
        order = mx.argsort(mx.random.uniform(shape=a.shape), axis=1)
        out = mx.random.normal(shape=a.shape, scale=std, loc=mean, dtype=dtype)
        out[mx.arange(rows).reshape(rows, 1), order[:, :num_zeros]] = 0
        return out

    return initializer


def orthogonal(gain: float = 1.0, dtype: mx.Dtype = mx.float32
               ) -> Callable[[mx.array], mx.array]:
    """An initializer for 2-D arrays returning ``gain`` times a matrix with
    orthonormal rows or columns (from the QR decomposition of a normal matrix,
    signs fixed by R's diagonal)."""

    def initializer(a: mx.array) -> mx.array:
        if a.ndim != 2:
            raise ValueError("Orthogonal initialization requires a 2D array but got "
                             f"a {a.ndim}D array.")
        rows, cols = a.shape
        n = max(rows, cols)
        q, r = mx.linalg.qr(mx.random.normal(shape=(n, n)), stream=mx.cpu)
        q = q * mx.sign(mx.diag(r))
        return (q[:rows, :cols] * gain).astype(dtype)

    return initializer
