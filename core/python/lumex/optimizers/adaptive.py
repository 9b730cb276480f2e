"""Optimizers that scale each coordinate by running gradient statistics.

RMSprop, Adagrad, AdaDelta, Adam, AdamW and Adamax. The arithmetic follows
MLX's order of operations so that a seeded run gives MLX's numbers.
"""

from __future__ import annotations

from typing import List, Union

from .. import core as mx
from .base import Optimizer, Schedule
from .momentum import _check_betas


def _check_positive(name, what, value, strict=True):
    if value < 0.0 or (strict and value == 0.0):
        bound = ">0" if strict else ">=0"
        raise ValueError(f"{name} {what} should be {bound}, {value} was provided instead")


class RMSprop(Optimizer):
    r"""RMSprop (Tieleman and Hinton, 2012): divides by a running RMS of the gradient.

    .. math::

        v_{t+1} &= \alpha v_t + (1 - \alpha) g_t^2 \\
        w_{t+1} &= w_t - \lambda \frac{g_t}{\sqrt{v_{t+1}} + \epsilon}

    Args:
        learning_rate (float or callable): The learning rate :math:`\lambda`, or a schedule.
        alpha (float, optional): The smoothing constant :math:`\alpha`. Default: ``0.99``.
        eps (float, optional): :math:`\epsilon`, added to the denominator. Default: ``1e-8``.
    """

    def __init__(self, learning_rate: Union[float, Schedule], alpha: float = 0.99, eps: float = 1e-8):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.alpha = alpha
        self.eps = eps
        _check_positive("RMSprop", "alpha", alpha, strict=False)
        _check_positive("RMSprop", "epsilon", eps)

    def init_single(self, parameter: mx.array, state: dict):
        """Creates the mean-square buffer ``v``."""
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One RMSprop step for one parameter; keeps the mean square in ``state["v"]``."""
        lr = self.learning_rate.astype(gradient.dtype)
        v = self.alpha * state["v"] + (1 - self.alpha) * mx.square(gradient)
        state["v"] = v
        return parameter - lr * gradient / (mx.sqrt(v) + self.eps)


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011): divides by the root of the summed squared gradients.

    .. math::

        v_{t+1} &= v_t + g_t^2 \\
        w_{t+1} &= w_t - \lambda \frac{g_t}{\sqrt{v_{t+1}} + \epsilon}

    Args:
        learning_rate (float or callable): The learning rate :math:`\lambda`, or a schedule.
        eps (float, optional): :math:`\epsilon`, added to the denominator. Default: ``1e-8``.
    """

    def __init__(self, learning_rate: Union[float, Schedule], eps: float = 1e-8):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.eps = eps
        _check_positive("Adagrad", "epsilon", eps)

    def init_single(self, parameter: mx.array, state: dict):
        """Creates the sum-of-squares buffer ``v``."""
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One Adagrad step for one parameter; keeps the sum of squares in ``state["v"]``."""
        lr = self.learning_rate.astype(gradient.dtype)
        v = state["v"] + mx.square(gradient)
        state["v"] = v
        return parameter - lr * gradient / (mx.sqrt(v) + self.eps)


class AdaDelta(Optimizer):
    r"""AdaDelta (Zeiler, 2012), with a learning rate multiplying its step.

    .. math::

        v_{t+1} &= \rho v_t + (1 - \rho) g_t^2 \\
        \Delta w_{t+1} &= \frac{\sqrt{u_t + \epsilon}}{\sqrt{v_{t+1} + \epsilon}} g_t \\
        u_{t+1} &= \rho u_t + (1 - \rho) \Delta w_{t+1}^2 \\
        w_{t+1} &= w_t - \lambda \Delta w_{t+1}

    Args:
        learning_rate (float or callable): The learning rate :math:`\lambda`, or a schedule.
        rho (float, optional): The averaging coefficient :math:`\rho`. Default: ``0.9``.
        eps (float, optional): :math:`\epsilon`. Default: ``1e-6``.
    """

    def __init__(self, learning_rate: Union[float, Schedule], rho: float = 0.9, eps: float = 1e-6):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.rho = rho
        self.eps = eps
        _check_positive("AdaDelta", "rho", rho, strict=False)
        _check_positive("AdaDelta", "epsilon", eps)

    def init_single(self, parameter: mx.array, state: dict):
        """Creates the running averages ``v`` (squared gradients) and ``u`` (squared steps)."""
        state["v"] = mx.zeros_like(parameter)
        state["u"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One AdaDelta step for one parameter; keeps ``v`` and ``u`` in ``state``."""
        lr = self.learning_rate.astype(gradient.dtype)
        rho, eps = self.rho, self.eps
        v = rho * state["v"] + (1 - rho) * mx.square(gradient)
        delta = mx.sqrt(state["u"] + eps) / mx.sqrt(v + eps) * gradient
        u = rho * state["u"] + (1 - rho) * mx.square(delta)
        state["v"] = v
        state["u"] = u
        return parameter - lr * delta


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2015): momentum divided by a running RMS of the gradient.

    .. math::

        m_{t+1} &= \beta_1 m_t + (1 - \beta_1) g_t \\
        v_{t+1} &= \beta_2 v_t + (1 - \beta_2) g_t^2 \\
        w_{t+1} &= w_t - \lambda \frac{m_{t+1}}{\sqrt{v_{t+1}} + \epsilon}

    As in MLX, bias correction is off unless asked for; with it the step is
    :math:`\frac{\lambda}{1 - \beta_1^t} m_{t+1} / (\sqrt{v_{t+1}/(1 - \beta_2^t)} + \epsilon)`.

    Args:
        learning_rate (float or callable): The learning rate :math:`\lambda`, or a schedule.
        betas (Tuple[float, float], optional): :math:`(\beta_1, \beta_2)`. Default: ``(0.9, 0.999)``.
        eps (float, optional): :math:`\epsilon`, added to the denominator. Default: ``1e-8``.
        bias_correction (bool, optional): Correct the zero-initialized averages. Default: ``False``.
    """

    def __init__(
        self,
        learning_rate: Union[float, Schedule],
        betas: List[float] = [0.9, 0.999],
        eps: float = 1e-8,
        bias_correction: bool = False,
    ):
        super().__init__()
        _check_betas("Adam", betas)
        _check_positive("Adam", "epsilon", eps, strict=False)
        self._maybe_schedule("learning_rate", learning_rate)
        self.betas = betas
        self.eps = eps
        self.bias_correction = bias_correction

    def init_single(self, parameter: mx.array, state: dict):
        """Creates the first and second moment buffers ``m`` and ``v``."""
        state["m"] = mx.zeros_like(parameter)
        state["v"] = mx.zeros_like(parameter)

    def _second_moment(self, v, gradient):
        b2 = self.betas[1]
        return b2 * v + (1 - b2) * mx.square(gradient)

    def _moments(self, gradient, state):
        """The updated moments ``m`` and ``v``, also stored in ``state`` (Adamax
        changes only the second)."""
        b1 = self.betas[0]
        m = b1 * state["m"] + (1 - b1) * gradient
        v = self._second_moment(state["v"], gradient)
        state["m"] = m
        state["v"] = v
        return m, v

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One Adam step for one parameter; keeps the moments in ``state["m"]`` and ``state["v"]``."""
        lr = self.learning_rate.astype(gradient.dtype)
        m, v = self._moments(gradient, state)
        if not self.bias_correction:
            return parameter - lr * m / (mx.sqrt(v) + self.eps)
        b1, b2 = self.betas
        step = self.step
        c1 = (lr / (1 - b1**step)).astype(gradient.dtype)
        c2 = mx.rsqrt(1 - b2**step).astype(gradient.dtype)
        return parameter - (c1 * m) / (mx.sqrt(v) * c2 + self.eps)


class AdamW(Adam):
    r"""AdamW (Loshchilov and Hutter, 2019): Adam with decoupled weight decay.

    The parameter is first shrunk by :math:`(1 - \alpha\lambda)`, then takes
    Adam's step:

    .. math::

        w_{t+1} = w_t - \alpha \left(\frac{m_{t+1}}{\sqrt{v_{t+1}} + \epsilon} + \lambda w_t\right)

    Args:
        learning_rate (float or callable): The learning rate :math:`\alpha`, or a schedule.
        betas (Tuple[float, float], optional): :math:`(\beta_1, \beta_2)`. Default: ``(0.9, 0.999)``.
        eps (float, optional): :math:`\epsilon`, added to the denominator. Default: ``1e-8``.
        weight_decay (float, optional): The weight decay :math:`\lambda`. Default: ``0.01``.
        bias_correction (bool, optional): Correct the zero-initialized averages. Default: ``False``.
    """

    def __init__(
        self,
        learning_rate: Union[float, Schedule],
        betas: List[float] = [0.9, 0.999],
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        bias_correction: bool = False,
    ):
        super().__init__(learning_rate=learning_rate, betas=betas, eps=eps, bias_correction=bias_correction)
        self.weight_decay = weight_decay

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One AdamW step for one parameter: decay, then Adam's step."""
        lr = self.learning_rate.astype(gradient.dtype)
        return super().apply_single(gradient, parameter * (1 - lr * self.weight_decay), state)


class Adamax(Adam):
    r"""Adamax (Kingma and Ba, 2015): Adam with an infinity-norm second moment, no bias correction.

    .. math::

        m_{t+1} &= \beta_1 m_t + (1 - \beta_1) g_t \\
        v_{t+1} &= \max(\beta_2 v_t, |g_t|) \\
        w_{t+1} &= w_t - \lambda \frac{m_{t+1}}{v_{t+1} + \epsilon}

    Args:
        learning_rate (float or callable): The learning rate :math:`\lambda`, or a schedule.
        betas (Tuple[float, float], optional): :math:`(\beta_1, \beta_2)`. Default: ``(0.9, 0.999)``.
        eps (float, optional): :math:`\epsilon`, added to the denominator. Default: ``1e-8``.
    """

    def __init__(self, learning_rate: Union[float, Schedule], betas: List[float] = [0.9, 0.999], eps: float = 1e-8):
        super().__init__(learning_rate, betas, eps)

    def _second_moment(self, v, gradient):
        return mx.maximum(self.betas[1] * v, mx.abs(gradient))

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One Adamax step for one parameter; keeps ``m`` and the infinity norm ``v`` in ``state``."""
        lr = self.learning_rate.astype(gradient.dtype)
        m, v = self._moments(gradient, state)
        return parameter - lr * m / (v + self.eps)
