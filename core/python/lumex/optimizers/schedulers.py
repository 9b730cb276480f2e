"""Learning-rate schedules: functions of the step (an array) that return an array.

Pass one as ``learning_rate`` to any optimizer. The value is recomputed from
``optimizer.step`` before every update and stored in the optimizer state, so a
compiled training step sees the new value without tracing again.
"""

from __future__ import annotations

import math
from typing import Callable, List

from .. import core as mx


def exponential_decay(init: float, decay_rate: float) -> Callable:
    r"""Returns the schedule :math:`\text{init} \cdot \text{decay\_rate}^{t}`.

    Args:
        init (float): The value at step 0.
        decay_rate (float): The factor applied at every step.

    Example:
        >>> lr = optim.exponential_decay(1e-1, 0.9)
        >>> optimizer = optim.SGD(learning_rate=lr)   # 0.1, 0.09, 0.081, ...
    """

    def schedule(step):
        return init * decay_rate**step

    return schedule


def step_decay(init: float, decay_rate: float, step_size: int) -> Callable:
    r"""Returns the schedule :math:`\text{init} \cdot \text{decay\_rate}^{\lfloor t / \text{step\_size} \rfloor}`.

    Args:
        init (float): The value at step 0.
        decay_rate (float): The factor applied every ``step_size`` steps.
        step_size (int): Steps between two decays (at least 1).
    """
    if step_size < 1:
        raise ValueError(f"step_size must be greater than 0, but got {step_size}.")

    def schedule(step):
        return init * (decay_rate ** (step // step_size))

    return schedule


def cosine_decay(init: float, decay_steps: int, end: float = 0.0) -> Callable:
    r"""Returns a half-cosine from ``init`` down to ``end`` over ``decay_steps`` steps.

    The value is :math:`\text{end} + \tfrac12 (1 + \cos(\pi \min(t, T) / T))(\text{init} - \text{end})`
    with :math:`T` = ``decay_steps``, constant at ``end`` after step :math:`T`.

    Args:
        init (float): The value at step 0.
        decay_steps (int): The length of the decay (at least 1).
        end (float, optional): The final value. Default: ``0``.
    """
    if decay_steps < 1:
        raise ValueError(f"decay_steps must be greater than 0, but got {decay_steps}.")

    def schedule(step):
        s = mx.minimum(step, decay_steps)
        decay = 0.5 * (1.0 + mx.cos((math.pi / decay_steps) * s))
        return end + decay * (init - end)

    return schedule


def join_schedules(schedules: List[Callable], boundaries: List[int]) -> Callable:
    r"""Returns a schedule that switches from one schedule to the next at each boundary.

    Schedule :math:`i + 1` is called with the number of steps since boundary
    :math:`i`, so each one starts from its own step 0 (a linear warm-up joined
    to a cosine decay, for example).

    Args:
        schedules (list(Callable)): The schedules, in order.
        boundaries (list(int)): The steps where the next schedule takes over;
            one fewer than ``schedules``.
    """
    if len(schedules) == 0:
        raise ValueError("Must provide at least 1 schedule to join.")
    if len(schedules) != len(boundaries) + 1:
        raise ValueError(f"Received {len(boundaries)} boundaries but expected {len(schedules) - 1}.")

    def schedule(step):
        value = schedules[0](step)
        for boundary, later in zip(boundaries, schedules[1:]):
            value = mx.where(step < boundary, value, later(step - boundary))
        return value

    return schedule


def linear_schedule(init: float, end: float, steps: int) -> Callable:
    r"""Returns a straight line from ``init`` to ``end`` over ``steps`` steps, then ``end``.

    Args:
        init (float): The value at step 0.
        end (float): The value from step ``steps`` on.
        steps (int): The length of the ramp (at least 1).
    """
    if steps < 1:
        raise ValueError(f"steps must be greater than 0, but got {steps}.")

    def schedule(step):
        step = mx.minimum(step, steps)
        return step * ((end - init) / steps) + init

    return schedule
