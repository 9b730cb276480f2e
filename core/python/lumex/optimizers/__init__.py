"""Optimizers and learning-rate schedules with the ``mlx.optimizers`` API.

``import lumex.optimizers as optim`` (as ``import mlx.optimizers as optim``)::

    optimizer = optim.AdamW(learning_rate=optim.cosine_decay(1e-3, 1000))
    loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
    optimizer.update(model, grads)
    mx.eval(model.parameters(), optimizer.state)

Pure Python over ``lumex.core``: an optimizer's ``state`` is a tree of arrays
that ``mx.compile(inputs=..., outputs=...)`` can capture and
``tree_flatten`` + ``mx.save_safetensors`` can save.
"""

from . import schedulers
from .adafactor import Adafactor
from .adaptive import AdaDelta, Adagrad, Adam, Adamax, AdamW, RMSprop
from .base import MultiOptimizer, Optimizer
from .clipping import clip_grad_norm
from .momentum import SGD, Lion, Muon
from .schedulers import cosine_decay, exponential_decay, join_schedules, linear_schedule, step_decay

__all__ = [
    "Optimizer", "MultiOptimizer",
    "SGD", "RMSprop", "Adagrad", "AdaDelta", "Adam", "AdamW", "Adamax", "Lion", "Adafactor", "Muon",
    "cosine_decay", "exponential_decay", "step_decay", "linear_schedule", "join_schedules",
    "clip_grad_norm",
]  # fmt: skip
