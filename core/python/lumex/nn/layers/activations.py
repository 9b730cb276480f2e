"""Activation functions and their module forms (MLX's ``mlx.nn`` activations).

MLX compiles the elementwise ones; here they are plain lazy ops: a compiled
call in lumex replays its graph at once with a fixed cost (about 50 us) that
costs more than the fusion saves below a million elements, and it would hide
the activation from graph views. The ops and their order are MLX's, so the
values are the same.
"""

import inspect
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


def _activation(name, fn, doc, param=None, default=None, attr=None):
    """A module class called ``name`` applying ``fn(x)``, or ``fn(x, <param>)`` with
    ``param`` (default ``default``) taken by its constructor and kept as ``attr``
    (MLX's attribute name, ``param`` unless given)."""
    if param is None:
        class Activation(Module):
            def __call__(self, x):
                return fn(x)
    else:
        attr = attr or param

        class Activation(Module):
            def __init__(self, *args, **kwargs):
                super().__init__()
                value = signature.bind(None, *args, **kwargs).arguments.get(param, default)
                setattr(self, attr, value)

            def __call__(self, x):
                return fn(x, getattr(self, attr))

        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        signature = inspect.Signature([inspect.Parameter("self", kind),
                                        inspect.Parameter(param, kind, default=default)])
        Activation.__init__.__signature__ = signature
    Activation.__name__ = Activation.__qualname__ = name
    Activation.__doc__ = doc
    return Activation


Sigmoid = _activation("Sigmoid", sigmoid, "Applies the sigmoid element-wise (see :func:`sigmoid`).")
Mish = _activation("Mish", mish, "Applies Mish element-wise (see :func:`mish`).")
ReLU = _activation("ReLU", relu, "Applies the ReLU :math:`\\max(x, 0)` (see :func:`relu`).")
ReLU2 = _activation("ReLU2", relu2, "Applies the squared ReLU (see :func:`relu2`).")
ReLU6 = _activation("ReLU6", relu6, "Applies ReLU capped at 6 (see :func:`relu6`).")
Softmax = _activation("Softmax", softmax,
                      "Applies the softmax over the last axis (see :func:`softmax`).")
Softplus = _activation("Softplus", softplus, "Applies softplus element-wise (see :func:`softplus`).")
Softsign = _activation("Softsign", softsign, "Applies softsign element-wise (see :func:`softsign`).")
SiLU = _activation("SiLU", silu, "Applies the sigmoid linear unit (see :func:`silu`).")
LogSoftmax = _activation("LogSoftmax", log_softmax,
                         "Applies the log softmax over the last axis (see :func:`log_softmax`).")
LogSigmoid = _activation("LogSigmoid", log_sigmoid,
                         "Applies the log sigmoid (see :func:`log_sigmoid`).")
Tanh = _activation("Tanh", tanh, "Applies the hyperbolic tangent (see :func:`tanh`).")
Hardswish = _activation("Hardswish", hardswish, "Applies hard swish (see :func:`hardswish`).")
SELU = _activation("SELU", selu, "Applies the scaled ELU (see :func:`selu`).")
Softmin = _activation("Softmin", softmin,
                      "Applies the softmin over the last axis (see :func:`softmin`).")
HardTanh = _activation("HardTanh", hard_tanh, "Applies hard tanh (see :func:`hard_tanh`).")

GLU = _activation("GLU", glu, r"""Applies the gated linear unit along ``axis`` (see :func:`glu`).

    Args:
        axis (int): the axis split in two halves. Default: ``-1``.
    """, param="axis", default=-1)
LeakyReLU = _activation("LeakyReLU", leaky_relu, r"""Applies leaky ReLU (see :func:`leaky_relu`).

    Args:
        negative_slope: the slope for negative inputs. Default: ``1e-2``.
    """, param="negative_slope", default=1e-2, attr="_negative_slope")
ELU = _activation("ELU", elu, r"""Applies the exponential linear unit (see :func:`elu`).

    Args:
        alpha: the :math:`\alpha` value. Default: ``1.0``.
    """, param="alpha", default=1.0, attr="_alpha")
Softshrink = _activation("Softshrink", softshrink, r"""Applies soft shrinkage (see :func:`softshrink`).

    Args:
        lambd: the :math:`\lambda` value. Default: ``0.5``.
    """, param="lambd", default=0.5)
CELU = _activation("CELU", celu, r"""Applies the continuously differentiable ELU (see :func:`celu`).

    Args:
        alpha: the :math:`\alpha` value. Default: ``1.0``.
    """, param="alpha", default=1.0, attr="_alpha")
Step = _activation("Step", step, r"""Applies the binary step function (see :func:`step`).

    Args:
        threshold: the threshold. Default: ``0.0``.
    """, param="threshold", default=0.0)
HardShrink = _activation("HardShrink", hard_shrink, r"""Applies hard shrinkage (see :func:`hard_shrink`).

    Args:
        lambd: the :math:`\lambda` value. Default: ``0.5``.
    """, param="lambd", default=0.5)


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
