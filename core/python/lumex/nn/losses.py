"""Loss functions (MLX's ``mlx.nn.losses``).

Every loss takes ``reduction``: ``"none"`` (the per-element or per-sample
losses), ``"mean"`` or ``"sum"``; the defaults are MLX's. Formulas are MLX's,
so losses agree with it to float32 rounding.
"""

import math
from typing import Literal, Optional, get_args

import lumex.core as mx

__all__ = ["binary_cross_entropy", "cosine_similarity_loss", "cross_entropy",
           "gaussian_nll_loss", "hinge_loss", "huber_loss", "kl_div_loss", "l1_loss",
           "log_cosh_loss", "margin_ranking_loss", "mse_loss", "nll_loss",
           "smooth_l1_loss", "triplet_loss"]

Reduction = Literal["none", "mean", "sum"]


def _reduce(loss: mx.array, reduction: Reduction = "none"):
    if reduction not in get_args(Reduction):
        raise ValueError(f"Invalid reduction. Must be one of {get_args(Reduction)}.")
    if reduction == "mean":
        return mx.mean(loss)
    if reduction == "sum":
        return mx.sum(loss)
    return loss


def _same_shape(a, b, what_a, what_b):
    if a.shape != b.shape:
        raise ValueError(f"{what_a.capitalize()} shape {a.shape} does not match "
                         f"{what_b} shape {b.shape}.")


def _weighted(loss, weights):
    if weights is None:
        return loss
    if weights.shape != loss.shape:
        raise ValueError(f"Weights with shape {weights.shape} is not the same as output "
                         f"loss with shape {loss.shape}.")
    return loss * weights


def cross_entropy(logits: mx.array, targets: mx.array, weights: Optional[mx.array] = None,
                  axis: int = -1, label_smoothing: float = 0.0,
                  reduction: Reduction = "none") -> mx.array:
    """Cross entropy between ``logits`` (unnormalized) and ``targets``.

    Args:
        logits: the unnormalized predictions.
        targets: class indices (one axis fewer than ``logits``) or
            probabilities (the same shape as ``logits``).
        weights: optional per-sample weights, the shape of the loss.
        axis: the class axis. Default: ``-1``.
        label_smoothing: in ``[0, 1)``. Default: ``0``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'none'``.
    """
    if label_smoothing < 0 or label_smoothing >= 1:
        raise ValueError(f"Label smoothing must be in [0, 1), got {label_smoothing}.")
    as_probs = targets.ndim == logits.ndim
    reduced = list(logits.shape)
    if not as_probs and -len(reduced) <= axis < len(reduced):
        reduced.pop(axis)
    if (as_probs and targets.shape != logits.shape) or (
            not as_probs and targets.shape != tuple(reduced)):
        raise ValueError(f"Targets shape {targets.shape} does not match logits shape "
                         f"{logits.shape}.")
    logits = logits - mx.stop_gradient(mx.max(logits, axis=axis, keepdims=True))
    if as_probs:
        score = mx.sum(logits * targets, axis=axis)
    else:
        score = mx.take_along_axis(logits, mx.expand_dims(targets, axis), axis).squeeze(axis)
    lse = mx.logsumexp(logits, axis=axis)
    if label_smoothing > 0:
        loss = (lse - (1 - label_smoothing) * score
                + (-logits.mean(axis=axis) * label_smoothing))
    else:
        loss = lse - score
    return _reduce(_weighted(loss, weights), reduction)


def binary_cross_entropy(inputs: mx.array, targets: mx.array,
                         weights: Optional[mx.array] = None, with_logits: bool = True,
                         reduction: Reduction = "mean") -> mx.array:
    """Binary cross entropy.

    Args:
        inputs: logits (``with_logits=True``, the default) or probabilities.
        targets: the binary targets (0 or 1), same shape as ``inputs``.
        weights: optional weights, the shape of the loss.
        with_logits: whether ``inputs`` are logits. Logs of probabilities are
            clipped at -100 as in PyTorch.
        reduction: Default: ``'mean'``.
    """
    _same_shape(inputs, targets, "inputs", "targets")
    if with_logits:
        loss = mx.logaddexp(0.0, inputs) - inputs * targets
    else:
        log_p = mx.clip(mx.log(inputs), a_min=-100, a_max=None)
        log_q = mx.clip(mx.log(1 - inputs), a_min=-100, a_max=None)
        loss = -(targets * log_p + (1 - targets) * log_q)
    return _reduce(_weighted(loss, weights), reduction)


def l1_loss(predictions: mx.array, targets: mx.array,
            reduction: Reduction = "mean") -> mx.array:
    """Mean absolute error :math:`|p - t|`. Default reduction: ``'mean'``."""
    _same_shape(predictions, targets, "predictions", "targets")
    return _reduce(mx.abs(predictions - targets), reduction)


def mse_loss(predictions: mx.array, targets: mx.array,
             reduction: Reduction = "mean") -> mx.array:
    """Mean squared error :math:`(p - t)^2`. Default reduction: ``'mean'``."""
    _same_shape(predictions, targets, "predictions", "targets")
    return _reduce(mx.square(predictions - targets), reduction)


def nll_loss(inputs: mx.array, targets: mx.array, axis: int = -1,
             reduction: Reduction = "none") -> mx.array:
    """Negative log likelihood of the class ``targets`` under the
    log-probabilities ``inputs`` (class axis ``axis``)."""
    loss = -mx.take_along_axis(inputs, mx.expand_dims(targets, axis), axis).squeeze(axis)
    return _reduce(loss, reduction)


def gaussian_nll_loss(inputs: mx.array, targets: mx.array, vars: mx.array,
                      full: bool = False, eps: float = 1e-6,
                      reduction: Reduction = "mean") -> mx.array:
    r"""Negative log likelihood of ``targets`` under normal distributions of
    mean ``inputs`` and variance ``vars`` (clamped below at ``eps``):
    :math:`\frac12(\log v + (t - \mu)^2 / v)`, plus :math:`\frac12\log 2\pi`
    with ``full=True``. Default reduction: ``'mean'``."""
    _same_shape(inputs, targets, "inputs", "targets")
    _same_shape(inputs, vars, "inputs", "vars")
    vars = mx.maximum(vars, eps)
    loss = 0.5 * (mx.log(vars) + mx.square(targets - inputs) / vars)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def kl_div_loss(inputs: mx.array, targets: mx.array, axis: int = -1,
                reduction: Reduction = "none") -> mx.array:
    r"""Kullback-Leibler divergence :math:`\sum e^{t}(t - x)` along ``axis``,
    both given as log-probabilities."""
    return _reduce(mx.sum(mx.exp(targets) * (targets - inputs), axis), reduction)


def smooth_l1_loss(predictions: mx.array, targets: mx.array, beta: float = 1.0,
                   reduction: Reduction = "mean") -> mx.array:
    r"""Smooth L1: :math:`0.5 d^2 / \beta` where :math:`d = |p - t| < \beta`,
    else :math:`d - 0.5\beta`. Default reduction: ``'mean'``."""
    _same_shape(predictions, targets, "predictions", "targets")
    diff = mx.abs(predictions - targets)
    loss = mx.where(diff < beta, 0.5 * mx.square(diff) / beta, mx.abs(diff) - 0.5 * beta)
    return _reduce(loss, reduction)


def triplet_loss(anchors: mx.array, positives: mx.array, negatives: mx.array,
                 axis: int = -1, p: int = 2, margin: float = 1.0, eps: float = 1e-6,
                 reduction: Reduction = "none") -> mx.array:
    r"""Triplet margin loss :math:`\max(\|a - p\|_p - \|a - n\|_p + \text{margin}, 0)`
    (norms along ``axis``, ``eps`` added inside the root)."""

    def dist(b):
        return mx.power(mx.power(mx.abs(anchors - b), p).sum(axis) + eps, 1.0 / p)

    loss = mx.maximum(dist(positives) - dist(negatives) + margin, 0)
    return _reduce(loss, reduction)


def hinge_loss(inputs: mx.array, targets: mx.array,
               reduction: Reduction = "none") -> mx.array:
    r"""Hinge loss :math:`\max(1 - x t, 0)` for targets in {-1, 1}."""
    return _reduce(mx.maximum(1 - inputs * targets, 0), reduction)


def huber_loss(inputs: mx.array, targets: mx.array, delta: float = 1.0,
               reduction: Reduction = "none") -> mx.array:
    r"""Huber loss: quadratic :math:`\frac12 e^2` for :math:`|e| \le \delta`,
    linear :math:`\delta(|e| - \frac12\delta)` beyond."""
    abs_errors = mx.abs(inputs - targets)
    quadratic = mx.minimum(abs_errors, delta)
    linear = abs_errors - quadratic
    return _reduce(0.5 * quadratic**2 + delta * linear, reduction)


def log_cosh_loss(inputs: mx.array, targets: mx.array,
                  reduction: Reduction = "none") -> mx.array:
    r"""Log-cosh loss :math:`\log\cosh(x - t)`, computed stably."""
    errors = inputs - targets
    return _reduce(mx.logaddexp(errors, -errors) - math.log(2), reduction)


def cosine_similarity_loss(x1: mx.array, x2: mx.array, axis: int = 1, eps: float = 1e-8,
                           reduction: Reduction = "none") -> mx.array:
    r"""Cosine similarity :math:`x_1\cdot x_2 / \max(\|x_1\|\|x_2\|, \epsilon)`
    along ``axis`` (default 1)."""
    norms = mx.linalg.norm(x1, axis=axis) * mx.linalg.norm(x2, axis=axis)
    return _reduce(mx.sum(x1 * x2, axis=axis) / mx.maximum(norms, eps), reduction)


def margin_ranking_loss(inputs1: mx.array, inputs2: mx.array, targets: mx.array,
                        margin: float = 0.0, reduction: Reduction = "none") -> mx.array:
    r"""Margin ranking loss :math:`\max(0, -t(x_1 - x_2) + \text{margin})` for
    targets in {-1, 1}; the three arrays must have the same shape."""
    if not (inputs1.shape == inputs2.shape == targets.shape):
        raise ValueError(
            "The shapes of the arguments do not match. The provided shapes are "
            f"inputs1.shape={inputs1.shape}, inputs2.shape={inputs2.shape}, and "
            f"targets.shape={targets.shape}.")
    return _reduce(mx.maximum(0, -targets * (inputs1 - inputs2) + margin), reduction)
