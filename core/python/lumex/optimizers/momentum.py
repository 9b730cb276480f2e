"""Optimizers built on a momentum buffer: SGD, Lion and Muon."""

from __future__ import annotations

from typing import List, Union

from .. import core as mx
from .base import Optimizer, Schedule


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum, dampening, Nesterov and weight decay.

    .. math::

        v_{t+1} &= \mu v_t + (1 - \tau) g_t \\
        w_{t+1} &= w_t - \lambda v_{t+1}

    With Nesterov momentum the step is :math:`g_t + \mu v_{t+1}` instead of
    :math:`v_{t+1}`; weight decay adds :math:`\text{wd}\, w_t` to the gradient first.

    Args:
        learning_rate (float or callable): The learning rate :math:`\lambda`, or a schedule.
        momentum (float, optional): The momentum :math:`\mu`. Default: ``0``.
        weight_decay (float, optional): L2 penalty added to the gradient. Default: ``0``.
        dampening (float, optional): The dampening :math:`\tau`. Default: ``0``.
        nesterov (bool, optional): Use Nesterov momentum (needs ``momentum > 0`` and
            no dampening). Default: ``False``.
    """

    def __init__(
        self,
        learning_rate: Union[float, Schedule],
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
    ):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening.")
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.dampening = dampening
        self.nesterov = nesterov

    def init_single(self, parameter: mx.array, state: dict):
        """Creates the velocity buffer ``v``."""
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One SGD step for one parameter; keeps the velocity in ``state["v"]``."""
        if self.weight_decay != 0:
            gradient = gradient + self.weight_decay * parameter
        lr = self.learning_rate.astype(gradient.dtype)
        if self.momentum <= 0:
            return parameter - lr * gradient
        v = self.momentum * state.get("v")
        v = v + ((1 - self.dampening) * gradient if self.dampening > 0 else gradient)
        state["v"] = v
        step = gradient + self.momentum * v if self.nesterov else v
        return parameter - lr * step


class Lion(Optimizer):
    r"""The Lion optimizer (Chen et al., 2023): steps by the sign of an interpolated momentum.

    .. math::

        c_{t+1} &= \beta_1 m_t + (1 - \beta_1) g_t \\
        m_{t+1} &= \beta_2 m_t + (1 - \beta_2) g_t \\
        w_{t+1} &= w_t - \eta (\operatorname{sign}(c_{t+1}) + \lambda w_t)

    Sign steps are large; use a learning rate 3-10x smaller than for AdamW.

    Args:
        learning_rate (float or callable): The learning rate :math:`\eta`, or a schedule.
        betas (Tuple[float, float], optional): :math:`(\beta_1, \beta_2)`. Default: ``(0.9, 0.99)``.
        weight_decay (float, optional): The decoupled weight decay :math:`\lambda`. Default: ``0``.
    """

    def __init__(
        self,
        learning_rate: Union[float, Schedule],
        betas: List[float] = [0.9, 0.99],
        weight_decay: float = 0.0,
    ):
        super().__init__()
        _check_betas("Lion", betas)
        self._maybe_schedule("learning_rate", learning_rate)
        self.betas = betas
        self.weight_decay = weight_decay

    def init_single(self, parameter: mx.array, state: dict):
        """Creates the momentum buffer ``m``."""
        state["m"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One Lion step for one parameter; keeps the momentum in ``state["m"]``."""
        lr = self.learning_rate.astype(gradient.dtype)
        b1, b2 = self.betas
        m = state["m"]
        direction = b1 * m + (1 - b1) * gradient
        state["m"] = b2 * m + (1 - b2) * gradient
        if self.weight_decay > 0:
            parameter = (1 - lr * self.weight_decay) * parameter
        return parameter - lr * mx.sign(direction)


def _check_betas(name, betas):
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"{name} beta{i + 1} should be in [0, 1), {beta} was provided instead")


# Coefficients of the quintic Newton-Schulz iteration (Keller Jordan's Muon).
_NS_COEFFS = (3.4445, -4.7750, 2.0315)


def _orthogonalize(x: mx.array, steps: int) -> mx.array:
    """Approximates the orthogonal factor of a matrix by quintic Newton-Schulz iterations."""
    if x.ndim != 2:
        raise ValueError(f"Expected a 2D array for Newton-Schulz iteration, got shape {x.shape} instead.")
    a, b, c = _NS_COEFFS
    tall = x.shape[-2] > x.shape[-1]
    if tall:  # iterate on the smaller Gram matrix
        x = x.T
    x = x / (mx.linalg.norm(x, keepdims=True) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        poly = mx.addmm(b * gram, gram, gram, beta=1.0, alpha=c)
        x = mx.addmm(a * x, poly, x, beta=1.0, alpha=1.0)
    return x.T if tall else x


class Muon(Optimizer):
    r"""Muon: momentum whose step is orthogonalized by Newton-Schulz iterations.

    For a matrix parameter the (Nesterov) momentum step is replaced by an
    approximation of its nearest semi-orthogonal matrix, scaled by
    :math:`\sqrt{\max(1, \text{rows}/\text{cols})}`; arrays with more than two
    dimensions are flattened to ``(shape[0], -1)`` for it, and scalars and
    vectors take a plain momentum step. Embeddings, output layers and 1-D
    parameters are usually better served by another optimizer (see
    :class:`MultiOptimizer`).

    Args:
        learning_rate (float or callable): The learning rate, or a schedule.
        momentum (float, optional): The momentum. Default: ``0.95``.
        weight_decay (float, optional): L2 penalty added to the gradient. Default: ``0.01``.
        nesterov (bool, optional): Use Nesterov momentum. Default: ``True``.
        ns_steps (int, optional): Newton-Schulz iterations. Default: ``5``.
    """

    def __init__(
        self,
        learning_rate: Union[float, Schedule],
        momentum: float = 0.95,
        weight_decay: float = 0.01,
        nesterov: bool = True,
        ns_steps: int = 5,
    ):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        self.ns_steps = ns_steps

    def init_single(self, parameter: mx.array, state: dict):
        """Creates the momentum buffer ``v``."""
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One Muon step for one parameter; keeps the momentum in ``state["v"]``."""
        if self.weight_decay != 0:
            gradient = gradient + self.weight_decay * parameter
        mu = self.momentum
        v = mu * state["v"]
        v = v + (1 - mu) * gradient
        state["v"] = v
        step = gradient * (1 - mu) + v * mu if self.nesterov else v
        lr = self.learning_rate.astype(gradient.dtype)
        if step.ndim >= 2 and step.size > 0:  # an empty matrix has nothing to orthogonalize
            shape = step.shape
            step = _orthogonalize(mx.reshape(step, (shape[0], -1)), self.ns_steps).reshape(shape)
            lr = lr * max(1, shape[-2] / shape[-1]) ** 0.5
        return parameter - lr * step
