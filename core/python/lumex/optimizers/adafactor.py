"""Adafactor: second moments kept as row and column averages (sublinear memory)."""

from __future__ import annotations

from typing import Optional, Tuple, Union

from .. import core as mx
from .base import Optimizer, Schedule


class Adafactor(Optimizer):
    r"""Adafactor (Shazeer and Stern, 2018).

    For parameters with two or more dimensions the running average of squared
    gradients is stored factored, as its means over the last and second-to-last
    axes, and rebuilt as their (normalized) outer product. The unscaled step is
    clipped to an RMS of ``clip_threshold``. By default the step size is
    relative, :math:`\min(10^{-2}, 1/\sqrt{t})`, and scaled by the parameter's
    RMS, so no learning rate is needed.

    Args:
        learning_rate (float or callable, optional): The learning rate, used only
            when ``relative_step`` is ``False``. Default: ``None``.
        eps (tuple(float, float), optional): :math:`\epsilon_1`, added to the
            squared gradients, and :math:`\epsilon_2`, the smallest parameter
            scale. Default: ``(1e-30, 1e-3)``.
        clip_threshold (float, optional): The largest RMS of the unscaled step. Default: ``1.0``.
        decay_rate (float, optional): The second-moment decay is :math:`1 - t^{\text{decay\_rate}}`.
            Default: ``-0.8``.
        beta_1 (float, optional): If given, the steps are averaged with this
            coefficient (a first moment). Default: ``None``.
        weight_decay (float, optional): Weight decay, scaled by the step size. Default: ``0``.
        scale_parameter (bool, optional): Scale the step by :math:`\max(\epsilon_2, \text{RMS}(w))`.
            Default: ``True``.
        relative_step (bool, optional): Compute the step size from the step count
            instead of ``learning_rate``. Default: ``True``.
        warmup_init (bool, optional): With ``relative_step``, grow the step size
            as :math:`10^{-6} t` at first. Default: ``False``.
    """

    def __init__(
        self,
        learning_rate: Union[float, Schedule, None] = None,
        eps: Tuple[float, float] = (1e-30, 1e-3),
        clip_threshold: float = 1.0,
        decay_rate: float = -0.8,
        beta_1: Optional[float] = None,
        weight_decay: float = 0.0,
        scale_parameter: bool = True,
        relative_step: bool = True,
        warmup_init: bool = False,
    ):
        super().__init__()
        if learning_rate is not None:
            self._maybe_schedule("learning_rate", learning_rate)
        self.eps = eps
        self.clip_threshold = clip_threshold
        self.decay_rate = decay_rate
        self.beta_1 = beta_1
        self.weight_decay = weight_decay
        self.scale_parameter = scale_parameter
        self.relative_step = relative_step
        self.warmup_init = warmup_init

    def init_single(self, parameter: mx.array, state: dict):
        """Creates the (factored, for matrices) second-moment buffers and the optional first moment."""
        if parameter.ndim >= 2:
            shape, dtype = parameter.shape, parameter.dtype
            state["exp_avg_sq_row"] = mx.zeros(shape[:-1], dtype=dtype)
            state["exp_avg_sq_col"] = mx.zeros(shape[:-2] + shape[-1:], dtype=dtype)
        else:
            state["exp_avg_sq"] = mx.zeros_like(parameter)
        if self.beta_1 is not None:
            state["exp_avg"] = mx.zeros_like(parameter)

    # The private helpers keep MLX's names: MLX's tests and subclasses call them.
    @staticmethod
    def _compute_rms(x: mx.array) -> mx.array:
        return mx.sqrt(mx.mean(mx.square(x)))

    def _compute_learning_rate(self, step, parameter_rms):
        if self.relative_step:
            ceiling = 1e-6 * step if self.warmup_init else 1e-2
            size = mx.minimum(ceiling, mx.rsqrt(step))
        else:
            size = self.learning_rate
        size = size.astype(parameter_rms.dtype)
        scale = mx.maximum(self.eps[1], parameter_rms) if self.scale_parameter else 1.0
        return scale * size

    @staticmethod
    def _approximate_exp_moving_avg(row, col):
        # rsqrt of the rank-1 estimate row * col / mean(row), as two factors.
        r = mx.rsqrt(row / mx.mean(row, axis=-1, keepdims=True))
        c = mx.rsqrt(col)
        return mx.expand_dims(r, axis=-1) * mx.expand_dims(c, axis=-2)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One Adafactor step for one parameter; keeps its moment estimates in ``state``."""
        step = self.step
        parameter_rms = self._compute_rms(parameter)
        size = self._compute_learning_rate(step, parameter_rms)
        beta_2 = 1.0 - (step**self.decay_rate).astype(parameter_rms.dtype)
        sq = mx.square(gradient) + self.eps[0]
        if gradient.ndim >= 2:
            row = (beta_2 * state["exp_avg_sq_row"]) + ((1 - beta_2) * mx.mean(sq, axis=-1))
            col = (beta_2 * state["exp_avg_sq_col"]) + ((1 - beta_2) * mx.mean(sq, axis=-2))
            state["exp_avg_sq_row"] = row
            state["exp_avg_sq_col"] = col
            update = self._approximate_exp_moving_avg(row, col) * gradient
        else:
            avg = (beta_2 * state["exp_avg_sq"]) + ((1 - beta_2) * sq)
            state["exp_avg_sq"] = avg
            update = mx.rsqrt(avg) * gradient
        update = update / mx.maximum(1.0, self._compute_rms(update) / self.clip_threshold)
        update = size * update
        if self.beta_1 is not None:
            update = (self.beta_1 * state["exp_avg"]) + ((1 - self.beta_1) * update)
            state["exp_avg"] = update
        if self.weight_decay != 0:
            parameter = parameter + parameter * (-self.weight_decay * size)
        return parameter - update
