"""The optimizer protocol: a state tree that mirrors the parameters, one update per leaf.

An optimizer keeps everything it needs between steps in ``state``, a plain tree
of dicts, lists and arrays: the step counter, the learning rate (an array, so a
schedule changes it without retracing a compiled step) and, per parameter, the
optimizer's buffers. Because the state is an ordinary tree, ``mx.compile`` can
capture it with ``inputs=``/``outputs=`` and ``tree_flatten`` +
``mx.save_safetensors`` can save it.
"""

from __future__ import annotations

from typing import Callable, Union

from .. import core as mx
from ..utils import tree_flatten, tree_map, tree_merge, tree_unflatten

Schedule = Callable[[mx.array], mx.array]


def _empty_slots(tree):
    """A tree shaped like ``tree`` with an empty dict where each leaf is."""
    return tree_map(lambda _: {}, tree)


def _match_structure(params, state):
    """Grows ``state`` so that every leaf of ``params`` has a dict in it.

    Existing entries are kept (a restored state survives ``init``); dicts are
    extended in place, sequences are rebuilt with their original type.
    """
    if isinstance(params, (list, tuple)):
        grown = list(state)
        for i in range(len(grown)):
            grown[i] = _match_structure(params[i], grown[i])
        grown.extend(_empty_slots(list(params[len(grown):])))
        return type(params)(grown)
    if isinstance(params, dict):
        for key, value in params.items():
            state[key] = _match_structure(value, state[key]) if key in state else _empty_slots(value)
        return state
    return state


class Optimizer:
    """Base class of the optimizers: applies a per-parameter rule over a tree.

    Subclasses implement :meth:`init_single` (create the buffers of one
    parameter in its state dict) and :meth:`apply_single` (return the updated
    parameter, writing the new buffers into its state dict). The base class
    walks the trees, counts steps and evaluates schedules.

    Args:
        schedulers (dict, optional): Maps a state key (such as
            ``"learning_rate"``) to a function of the step that gives its value.
    """

    def __init__(self, schedulers=None):
        self._initialized = False
        self._state = {"step": mx.array(0, mx.uint64)}
        self._schedulers = dict(schedulers or {})

    def update(self, model, gradients: dict):
        """Applies ``gradients`` to the parameters of ``model`` and updates it.

        Args:
            model (lumex.nn.Module): The model whose parameters are updated.
            gradients (dict): A tree of gradients shaped like (a subset of) the
                model's parameters, for example from ``nn.value_and_grad``.
        """
        model.update(self.apply_gradients(gradients, model))

    def init(self, parameters: dict):
        """Creates the optimizer state for ``parameters`` without updating anything.

        Optional: the first :meth:`apply_gradients` initializes the state
        itself. Calling it early makes :attr:`state` complete (for example to
        compile a step that captures it, or to restore saved buffers into it).
        Buffers already present in the state are kept.

        Args:
            parameters (dict): A tree of parameters (arrays).
        """
        _match_structure(parameters, self._state)

        def init_leaf(parameter, slot):
            if not slot:
                self.init_single(parameter, slot)

        tree_map(init_leaf, parameters, self._state)
        self._initialized = True

    def init_single(self, parameter: mx.array, state: dict):
        """Fills ``state`` (an empty dict) with the buffers ``parameter`` needs.

        Args:
            parameter (array): One parameter.
            state (dict): Its (empty) state dict, filled in place.
        """
        raise NotImplementedError()

    def apply_gradients(self, gradients: dict, parameters: dict):
        """Returns the parameters after one step with ``gradients``.

        ``model.update(opt.apply_gradients(grads, model))`` is what
        :meth:`update` does. Scheduled values are computed from the current
        step, then the step counter is incremented, then every parameter is
        updated.

        Args:
            gradients (dict): A tree of gradients.
            parameters (dict): A tree of parameters with at least the structure
                of ``gradients``; the result has the structure of ``gradients``.

        Returns:
            dict: The updated parameters.
        """
        if not self._initialized:
            self.init(gradients)
        for name, schedule in self._schedulers.items():
            self.state[name] = schedule(self.step)
        self.state["step"] = self.step + 1
        return tree_map(self.apply_single, gradients, parameters, self.state)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """Returns one parameter after one step; writes its new buffers to ``state``.

        Args:
            gradient (array): The gradient of ``parameter``.
            parameter (array): The parameter to update.
            state (dict): The parameter's state dict.
        """
        raise NotImplementedError()

    @property
    def state(self):
        """The optimizer state: a tree with ``step``, hyperparameters and per-parameter buffers.

        Assigning a state (for example one restored with ``tree_unflatten``)
        replaces it; the next step fills in whatever buffers it lacks.
        """
        return self._state

    @state.setter
    def state(self, state: dict):
        self._initialized = False
        self._state = state

    @property
    def step(self):
        """The number of steps taken so far (a ``uint64`` array)."""
        return self.state["step"]

    @property
    def learning_rate(self):
        """The current learning rate (an array); assign a float to change it."""
        return self.state["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, learning_rate: Union[float, mx.array]):
        self.state["learning_rate"] = mx.array(learning_rate)

    def _maybe_schedule(self, name: str, value: Union[float, Schedule]):
        """Stores hyperparameter ``name`` in the state, as a constant or a schedule of the step."""
        if callable(value):
            self._schedulers[name] = value
            value = value(self.step)
        else:
            value = mx.array(value)
        self.state[name] = value


class MultiOptimizer(Optimizer):
    """Updates different parameters with different optimizers.

    Each parameter goes to the first optimizer whose filter accepts it; the
    last optimizer takes everything that no filter accepted, so there is one
    filter fewer than optimizers.

    Args:
        optimizers (list[Optimizer]): The optimizers.
        filters (list[Callable[[str, array], bool]]): Predicates of a
            parameter's dotted path (``"layers.0.weight"``) and value, one per
            optimizer except the last.
    """

    def __init__(self, optimizers, filters: list = []):
        super().__init__()
        self._state = {}
        if len(filters) != len(optimizers) - 1:
            raise ValueError(f"Given {len(filters)} filters but {len(optimizers) - 1} needed.")
        self.optimizers = optimizers
        self.filters = list(filters) + [lambda *args, **kwargs: True]

    def _split_dictionary(self, gradients: dict):
        if len(self.optimizers) == 1:
            return [gradients]
        parts = [[] for _ in self.optimizers]
        for path, value in tree_flatten(gradients):
            owner = next(i for i, accepts in enumerate(self.filters) if accepts(path, value))
            parts[owner].append((path, value))
        # tree_unflatten of nothing is a list; an optimizer with no parameters gets {}.
        return [tree_unflatten(part) if part else {} for part in parts]

    def init(self, parameters: dict):
        """Initializes each optimizer's state for the parameters it owns.

        Args:
            parameters (dict): A tree of parameters.
        """
        for optimizer, part in zip(self.optimizers, self._split_dictionary(parameters)):
            optimizer.init(part)

    def apply_gradients(self, gradients: dict, parameters: dict):
        """Returns the parameters after one step of every optimizer on its part.

        Args:
            gradients (dict): A tree of gradients.
            parameters (dict): A tree of parameters.

        Returns:
            dict: The updated parameters, merged from every optimizer.
        """
        updated = {}
        for optimizer, part in zip(self.optimizers, self._split_dictionary(gradients)):
            updated = tree_merge(updated, optimizer.apply_gradients(part, parameters))
        return updated

    @property
    def state(self):
        """``{"states": [state of each optimizer]}``."""
        return {"states": [o.state for o in self.optimizers]}

    @state.setter
    def state(self, state: dict):
        if "states" not in state or len(state["states"]) != len(self.optimizers):
            raise ValueError("Invalid state provided")
        for optimizer, part in zip(self.optimizers, state["states"]):
            optimizer.state = part

    @property
    def learning_rate(self):
        """The first optimizer's learning rate; assigning sets every optimizer's."""
        return self.optimizers[0].learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate: Union[float, mx.array]):
        for optimizer in self.optimizers:
            optimizer.learning_rate = learning_rate
