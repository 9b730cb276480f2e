"""Activation functions and their module forms (MLX's ``mlx.nn`` activations).

MLX compiles the elementwise ones; here they are plain lazy ops: a compiled
call in lumex replays its graph at once with a fixed cost (about 50 us) that
costs more than the fusion saves below a million elements, and it would hide
the activation from graph views. The ops and their order are MLX's, so the
values are the same.
"""

import math

import lumex.core as mx
from .base import Module


def _compiled(fn):
    return fn


@_compiled
def sigmoid(x):
    r"""The logistic sigmoid :math:`\sigma(x) = 1 / (1 + e^{-x})`, element-wise."""
    return mx.sigmoid(x)


@_compiled
def relu(x):
    r"""The rectified linear unit :math:`\max(x, 0)`, element-wise."""
    return mx.maximum(x, 0)


@_compiled
def relu2(x):
    r"""The squared ReLU :math:`\max(x, 0)^2`, element-wise."""
    return mx.square(mx.maximum(x, 0))


@_compiled
def relu6(x):
    r"""ReLU capped at 6: :math:`\min(\max(x, 0), 6)`, element-wise."""
    return mx.minimum(mx.maximum(x, 0), 6.0)


@_compiled
def leaky_relu(x, negative_slope=0.01):
    r"""Leaky ReLU :math:`\max(\text{negative\_slope} \cdot x, x)`, element-wise."""
    return mx.maximum(negative_slope * x, x)


@_compiled
def log_softmax(x, axis=-1):
    r"""Log of the softmax along ``axis``: :math:`x - \log\sum e^{x}`."""
    # shift by the max first: adding the normalizer to a huge max would round it away
    x = x - mx.stop_gradient(mx.max(x, axis=axis, keepdims=True))
    return x - mx.logsumexp(x, axis=axis, keepdims=True)


@_compiled
def elu(x, alpha=1.0):
    r"""Exponential linear unit: :math:`x` if :math:`x > 0`, else
    :math:`\alpha (e^x - 1)`."""
    return mx.where(x > 0, x, alpha * (mx.exp(x) - 1))


@_compiled
def softmax(x, axis=-1):
    r"""Softmax along ``axis``: :math:`e^{x_i} / \sum_j e^{x_j}`."""
    return mx.softmax(x, axis=axis)


@_compiled
def softplus(x):
    r"""Softplus :math:`\log(1 + e^x)`, element-wise."""
    return mx.logaddexp(x, 0)


@_compiled
def softsign(x):
    r"""Softsign :math:`x / (1 + |x|)`, element-wise."""
    return mx.divide(x, 1 + mx.abs(x))


@_compiled
def softshrink(x, lambd: float = 0.5):
    r"""Soft shrinkage: :math:`x - \lambda\,\mathrm{sign}(x)` where
    :math:`|x| > \lambda`, else 0."""
    return mx.where(mx.abs(x) > lambd, x - mx.sign(x) * lambd, 0)


@_compiled
def celu(x, alpha=1.0):
    r"""Continuously differentiable ELU:
    :math:`\max(0, x) + \alpha (e^{\min(0, x)/\alpha} - 1)`."""
    return mx.maximum(x, 0.0) + alpha * (mx.exp(mx.minimum(x, 0.0) / alpha) - 1)


@_compiled
def silu(x):
    r"""Sigmoid linear unit (swish): :math:`x\,\sigma(x)`, element-wise."""
    return x * mx.sigmoid(x)


@_compiled
def log_sigmoid(x):
    r"""Log of the sigmoid: :math:`-\log(1 + e^{-x})`, element-wise."""
    return -softplus(-x)


@_compiled
def gelu(x) -> mx.array:
    r"""Gaussian error linear unit :math:`x\,\Phi(x)` (exact, with ``erf``)."""
    return x * (1 + mx.erf(x / math.sqrt(2))) / 2


@_compiled
def gelu_approx(x):
    r"""GELU with the tanh approximation
    :math:`0.5x(1 + \tanh(\sqrt{2/\pi}(x + 0.044715x^3)))` (max error about
    0.0005 in [-6, 6])."""
    return 0.5 * x * (1 + mx.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


@_compiled
def gelu_fast_approx(x):
    r"""GELU with the sigmoid approximation :math:`x\,\sigma(1.702x)` (max
    error about 0.015 in [-6, 6])."""
    return x * mx.sigmoid(1.702 * x)


def glu(x: mx.array, axis: int = -1) -> mx.array:
    r"""Gated linear unit: splits ``axis`` into halves :math:`a, b` and returns
    :math:`a\,\sigma(b)`."""
    a, b = mx.split(x, indices_or_sections=2, axis=axis)
    return a * mx.sigmoid(b)


@_compiled
def step(x: mx.array, threshold: float = 0.0):
    r"""Binary step: 1 where :math:`x \ge` ``threshold``, else 0."""
    return mx.where(x >= threshold, 1, 0)


@_compiled
def selu(x):
    r"""Scaled ELU: :math:`1.0507\,\mathrm{elu}(x, 1.67326)`."""
    return elu(x, 1.67326) * 1.0507


@_compiled
def prelu(x: mx.array, alpha: mx.array) -> mx.array:
    r"""Parametric ReLU :math:`\max(0, x) + \alpha \min(0, x)`."""
    return mx.maximum(0, x) + alpha * mx.minimum(0, x)


@_compiled
def mish(x: mx.array) -> mx.array:
    r"""Mish :math:`x \tanh(\mathrm{softplus}(x))`, element-wise."""
    return x * mx.tanh(softplus(x))


@_compiled
def hardswish(x):
    r"""Hard swish :math:`x \min(\max(x + 3, 0), 6) / 6`, element-wise."""
    return x * mx.minimum(mx.maximum(x + 3, 0), 6) / 6


@_compiled
def hard_tanh(x, min_val=-1.0, max_val=1.0):
    r"""Hard tanh: ``x`` clipped to ``[min_val, max_val]``."""
    return mx.minimum(mx.maximum(x, min_val), max_val)


@_compiled
def hard_shrink(x, lambd=0.5):
    r"""Hard shrinkage: :math:`x` where :math:`|x| > \lambda`, else 0."""
    return mx.where(mx.abs(x) > lambd, x, 0)


@_compiled
def softmin(x, axis=-1):
    r"""Softmin along ``axis``: the softmax of :math:`-x`."""
    return mx.softmax(-x, axis=axis)


def tanh(x):
    r"""Hyperbolic tangent, element-wise."""
    return mx.tanh(x)


def _activation(fn, doc):
    """A parameterless module class applying ``fn``."""

    class Activation(Module):
        def __call__(self, x):
            return fn(x)

    Activation.__doc__ = doc
    return Activation


Sigmoid = _activation(sigmoid, "Applies the sigmoid element-wise (see :func:`sigmoid`).")
Mish = _activation(mish, "Applies Mish element-wise (see :func:`mish`).")
ReLU = _activation(relu, "Applies the ReLU :math:`\\max(x, 0)` (see :func:`relu`).")
ReLU2 = _activation(relu2, "Applies the squared ReLU (see :func:`relu2`).")
ReLU6 = _activation(relu6, "Applies ReLU capped at 6 (see :func:`relu6`).")
Softmax = _activation(softmax, "Applies the softmax over the last axis (see :func:`softmax`).")
Softplus = _activation(softplus, "Applies softplus element-wise (see :func:`softplus`).")
Softsign = _activation(softsign, "Applies softsign element-wise (see :func:`softsign`).")
SiLU = _activation(silu, "Applies the sigmoid linear unit (see :func:`silu`).")
LogSoftmax = _activation(log_softmax, "Applies the log softmax over the last axis "
                         "(see :func:`log_softmax`).")
LogSigmoid = _activation(log_sigmoid, "Applies the log sigmoid (see :func:`log_sigmoid`).")
Tanh = _activation(tanh, "Applies the hyperbolic tangent (see :func:`tanh`).")
Hardswish = _activation(hardswish, "Applies hard swish (see :func:`hardswish`).")
SELU = _activation(selu, "Applies the scaled ELU (see :func:`selu`).")
Softmin = _activation(softmin, "Applies the softmin over the last axis (see :func:`softmin`).")
for _name in ("Sigmoid", "Mish", "ReLU", "ReLU2", "ReLU6", "Softmax", "Softplus",
              "Softsign", "SiLU", "LogSoftmax", "LogSigmoid", "Tanh", "Hardswish",
              "SELU", "Softmin"):
    _cls = globals()[_name]
    _cls.__name__ = _cls.__qualname__ = _name


class GLU(Module):
    r"""Applies the gated linear unit along ``axis`` (see :func:`glu`).

    Args:
        axis (int): the axis split in two halves. Default: ``-1``.
    """

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def __call__(self, x) -> mx.array:
        return glu(x=x, axis=self.axis)


class LeakyReLU(Module):
    r"""Applies leaky ReLU (see :func:`leaky_relu`).

    Args:
        negative_slope: the slope for negative inputs. Default: ``1e-2``.
    """

    def __init__(self, negative_slope=1e-2):
        super().__init__()
        self._negative_slope = negative_slope

    def __call__(self, x):
        return leaky_relu(x, self._negative_slope)


class ELU(Module):
    r"""Applies the exponential linear unit (see :func:`elu`).

    Args:
        alpha: the :math:`\alpha` value. Default: ``1.0``.
    """

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return elu(x, self._alpha)


class Softshrink(Module):
    r"""Applies soft shrinkage (see :func:`softshrink`).

    Args:
        lambd: the :math:`\lambda` value. Default: ``0.5``.
    """

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def __call__(self, x):
        return softshrink(x, self.lambd)


class CELU(Module):
    r"""Applies the continuously differentiable ELU (see :func:`celu`).

    Args:
        alpha: the :math:`\alpha` value. Default: ``1.0``.
    """

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return celu(x, self._alpha)


class PReLU(Module):
    r"""Applies parametric ReLU with a learned slope ``weight`` (see :func:`prelu`).

    Args:
        num_parameters: number of learned slopes. Default: ``1``.
        init: their initial value. Default: ``0.25``.
    """

    def __init__(self, num_parameters=1, init=0.25):
        super().__init__()
        self.weight = mx.full([num_parameters], init)

    def __call__(self, x: mx.array):
        return prelu(x, self.weight)


class GELU(Module):
    r"""Applies the Gaussian error linear unit.

    Args:
        approx ('none' | 'precise' | 'tanh' | 'fast'): ``'none'`` is exact
            (:func:`gelu`), ``'precise'`` (alias ``'tanh'``) the tanh form
            (:func:`gelu_approx`), ``'fast'`` the sigmoid form
            (:func:`gelu_fast_approx`).
    """

    def __init__(self, approx="none"):
        super().__init__()
        self._approx = approx
        allowed = ["none", "precise", "tanh", "fast"]
        if approx not in allowed:
            raise ValueError(
                f"The approximation should be in {allowed} but '{approx}' was given")

    def __call__(self, x):
        if self._approx == "none":
            return gelu(x)
        if self._approx in ("precise", "tanh"):
            return gelu_approx(x)
        return gelu_fast_approx(x)


class Step(Module):
    r"""Applies the binary step function (see :func:`step`).

    Args:
        threshold: the threshold. Default: ``0.0``.
    """

    def __init__(self, threshold: float = 0.0):
        super().__init__()
        self.threshold = threshold

    def __call__(self, x: mx.array):
        return step(x, self.threshold)


class HardTanh(Module):
    r"""Applies hard tanh (see :func:`hard_tanh`)."""

    def __call__(self, x):
        return hard_tanh(x)


class HardShrink(Module):
    r"""Applies hard shrinkage (see :func:`hard_shrink`).

    Args:
        lambd: the :math:`\lambda` value. Default: ``0.5``.
    """

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def __call__(self, x):
        return hard_shrink(x, self.lambd)
