"""``Module``: the base class of every layer and model (MLX's ``mlx.nn.Module``).

A module is a ``dict`` whose items are its parameters (arrays) and its children
(modules, or lists and dicts of modules and arrays); any other attribute is a
plain Python attribute. Subclasses define ``__call__``; ``__init_subclass__``
wraps it so that, at no cost on the normal path,

* a ``ValueError`` raised inside names the module path and the layer
  (``[layers.1 (Linear)] input has 784 features, weight expects 512``), and
* while creation sites are recorded (``mx.graph.record_sites``), the nodes a
  module creates carry its path as their scope (``mx.graph.scope``).
"""

from __future__ import annotations

import functools
import textwrap
import threading
from typing import Any, Callable, List, Optional, Tuple, Union

import lumex.core as mx
from lumex.utils import tree_flatten, tree_unflatten

__all__ = ["Module"]

_record_sites_enabled = mx.graph.record_sites_enabled
_calls = threading.local()  # .stack: the modules whose __call__ runs with a scope


def _child_path(parent, child):
    """The dotted path of ``child`` inside ``parent`` (by identity), or None."""
    for name, module in parent.named_modules():
        if module is child and name:
            return name
    return None


def _call_with_scope(fn, self, args, kwargs):
    scope = getattr(mx.graph, "scope", None)
    stack = getattr(_calls, "stack", None)
    if stack is None:
        stack = _calls.stack = []
    parent = stack[-1] if stack else None
    if scope is None or parent is self:  # super().__call__ of the same module
        return fn(self, *args, **kwargs)
    segment = None
    if parent is not None:
        segment = _child_path(parent, self)
    if segment is None and parent is not None:
        segment = type(self).__name__  # called from a module that does not hold it
    stack.append(self)
    try:
        if segment is None:  # the outermost module: paths are relative to it
            return fn(self, *args, **kwargs)
        with scope(segment):
            return fn(self, *args, **kwargs)
    finally:
        stack.pop()


def _name_error(self, exc, args):
    """Adds ``[path (Layer)]`` to a ValueError travelling out of ``self``.

    The innermost module that sees the error records itself as the layer (and
    may replace the engine's message with a clearer one); each enclosing module
    prepends the path of the inner one inside itself."""
    info = getattr(exc, "_lumex_module", None)
    if info is None:
        better = self._explain_error(exc, args)
        message = better if better is not None else (str(exc.args[0]) if exc.args else "")
        info = {"module": self, "path": "", "layer": type(self).__name__, "message": message}
        exc._lumex_module = info
    elif info["module"] is not self:
        segment = _child_path(self, info["module"])
        if segment is None:
            return
        info["path"] = segment + ("." + info["path"] if info["path"] else "")
        info["module"] = self
    else:
        return
    where = f"{info['path']} ({info['layer']})" if info["path"] else info["layer"]
    exc.args = (f"[{where}] {info['message']}",) + tuple(exc.args[1:])


def _wrap_call(fn):
    @functools.wraps(fn)
    def __call__(self, *args, **kwargs):
        try:
            if _record_sites_enabled():
                return _call_with_scope(fn, self, args, kwargs)
            return fn(self, *args, **kwargs)
        except ValueError as exc:
            _name_error(self, exc, args)
            raise

    __call__._lumex_wrapped = True
    return __call__


class Module(dict):
    """Base class of neural network layers and models.

    A ``Module`` holds arrays (its parameters) and other modules, possibly in
    nested lists and dicts, as dictionary items; setting an attribute to an
    array, list, dict or tuple stores it as an item. :meth:`parameters`
    gathers every array recursively. Arrays are trainable unless frozen with
    :meth:`freeze`; :func:`lumex.nn.value_and_grad` differentiates only the
    trainable ones.

    Example::

        class MLP(nn.Module):
            def __init__(self, d_in, d_out, hidden=16):
                super().__init__()
                self.in_proj = nn.Linear(d_in, hidden)
                self.out_proj = nn.Linear(hidden, d_out)

            def __call__(self, x):
                return self.out_proj(mx.maximum(self.in_proj(x), 0))
    """

    __call__: Callable

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        call = cls.__dict__.get("__call__")
        if call is not None and not getattr(call, "_lumex_wrapped", False):
            cls.__call__ = _wrap_call(call)

    def __init__(self):
        """Initializes the frozen-parameter set and training mode; subclasses
        must call it."""
        self._no_grad = set()
        self._training = True

    @property
    def training(self):
        """Whether the module is in training mode (see :meth:`train`)."""
        return self._training

    @property
    def state(self):
        """The module's own dictionary of parameters and children (a live
        reference, unlike :meth:`parameters`)."""
        return self

    def _extra_repr(self) -> str:
        return ""

    def _explain_error(self, exc, args):
        """A clearer message for a ValueError raised by this layer's ops, or
        None to keep the engine's (only called on the error path)."""
        return None

    def __repr__(self):
        children = tree_flatten(self.children(), is_leaf=self.is_module)
        text = f"{type(self).__name__}({self._extra_repr()}"
        for key, child in children:
            text += "\n" + textwrap.indent(f"({key}): {child!r}", prefix="  ")
        if children:
            text += "\n"
        return text + ")"

    def __getattr__(self, key: str):
        value = self.get(key, None)
        if value is not None:
            return value
        return super().__getattribute__(key)

    def __setattr__(self, key: str, value: Any):
        if isinstance(value, (mx.array, dict, list, tuple)):
            if key not in self and key in self.__dict__:
                del self.__dict__[key]
            self[key] = value
        else:
            super().__setattr__(key, value)
            self.pop(key, None)

    def __delattr__(self, name):
        if self.get(name, None) is not None:
            del self[name]
        else:
            super().__delattr__(name)

    # -- saving and loading -------------------------------------------------

    def load_weights(self, file_or_weights: Union[str, List[Tuple[str, mx.array]]],
                     strict: bool = True) -> "Module":
        """Loads parameters from a ``.npz`` or ``.safetensors`` file, or from a
        list of ``(name, array)`` pairs.

        With ``strict=True`` (the default) the weights must match the model's
        parameters exactly: a ``ValueError`` names every extra, missing or
        wrongly shaped key and nothing is loaded. With ``strict=False`` only
        the given weights are set and shapes are not checked.

        Returns the module.
        """
        weights = file_or_weights
        if isinstance(weights, str) or hasattr(weights, "__fspath__"):
            weights = list(mx.load(str(weights)).items())
        elif isinstance(weights, dict):
            weights = list(weights.items())
        if strict:
            new = dict(weights)
            current = tree_flatten(self.parameters(), destination={})
            extras = sorted(new.keys() - current.keys())
            if extras:
                raise ValueError(f"Received {len(extras)} parameters not in model: \n"
                                 + ",\n".join(extras) + ".")
            missing = sorted(current.keys() - new.keys())
            if missing:
                raise ValueError(f"Missing {len(missing)} parameters: \n"
                                 + ",\n".join(missing) + ".")
            for key, value in current.items():
                incoming = new[key]
                if not isinstance(incoming, mx.array):
                    raise ValueError(f"Expected mx.array but received {type(incoming)} "
                                     f"for parameter {key}")
                if incoming.shape != value.shape:
                    raise ValueError(f"Expected shape {value.shape} but received shape "
                                     f"{incoming.shape} for parameter {key}")
        if len(weights) != 0:
            self.update(tree_unflatten(weights), strict=False)
        return self

    def save_weights(self, file: str):
        """Saves the parameters to ``file``: ``.npz`` (``mx.savez``) or
        ``.safetensors`` (``mx.save_safetensors``), chosen by the extension."""
        flat = tree_flatten(self.parameters(), destination={})
        file = str(file)
        if file.endswith(".npz"):
            mx.savez(file, **flat)
        elif file.endswith(".safetensors"):
            mx.save_safetensors(file, flat)
        else:
            raise ValueError(f"Unsupported file extension for {file}. "
                             "Use '.npz' or '.safetensors'.")

    # -- filters --------------------------------------------------------------

    @staticmethod
    def is_module(value):
        """True if ``value`` is a :class:`Module`."""
        return isinstance(value, Module)

    @staticmethod
    def valid_child_filter(module, key, value):
        """Filter for :meth:`children`: lists and dicts (modules included)."""
        return isinstance(value, (dict, list))

    @staticmethod
    def valid_parameter_filter(module, key, value):
        """Filter for :meth:`parameters`: arrays, lists and dicts whose key does
        not start with ``_``."""
        return isinstance(value, (dict, list, mx.array)) and not key.startswith("_")

    @staticmethod
    def trainable_parameter_filter(module, key, value):
        """Filter for :meth:`trainable_parameters`: valid parameters that are
        not frozen."""
        return (Module.valid_parameter_filter(module, key, value)
                and key not in module._no_grad)

    def filter_and_map(self, filter_fn: Callable[["Module", str, Any], bool],
                       map_fn: Optional[Callable] = None,
                       is_leaf_fn: Optional[Callable[["Module", str, Any], bool]] = None):
        """Recursively keeps the items for which ``filter_fn(module, key,
        value)`` is true, transformed by ``map_fn``, as a tree of dicts and lists.

        ``is_leaf_fn(module, key, value)`` decides where the recursion stops
        (by default at anything that is not a module, dict or list). This is
        how :meth:`parameters`, :meth:`trainable_parameters` and
        :meth:`children` are built."""
        map_fn = map_fn or (lambda x: x)
        is_leaf_fn = is_leaf_fn or (lambda m, k, v: not isinstance(v, (Module, dict, list)))
        return {k: _unwrap(self, k, v, filter_fn, map_fn, is_leaf_fn)
                for k, v in self.items() if filter_fn(self, k, v)}

    def parameters(self):
        """All the arrays of this module and its children, as a tree of dicts
        and lists."""
        return self.filter_and_map(self.valid_parameter_filter)

    def trainable_parameters(self):
        """The arrays that are not frozen, as a tree of dicts and lists."""
        return self.filter_and_map(self.trainable_parameter_filter)

    def children(self):
        """The direct submodules (inside lists and dicts too)."""
        return self.filter_and_map(self.valid_child_filter,
                                   is_leaf_fn=lambda m, k, v: isinstance(v, Module))

    def leaf_modules(self):
        """The submodules that contain no other module."""

        def is_leaf_module(m, k, v):
            return isinstance(v, Module) and len(tree_flatten(v.children())) == 0

        return self.filter_and_map(self.valid_child_filter, is_leaf_fn=is_leaf_module)

    # -- updating -------------------------------------------------------------

    def update(self, parameters: dict, strict: bool = True) -> "Module":
        """Replaces parameters with those of the (possibly partial) tree
        ``parameters``, as :meth:`parameters` returns it.

        With ``strict=True`` every key must name an existing parameter and
        every replacement of an array must be an array (``ValueError``
        otherwise). Returns the module."""
        _update_arrays(self, parameters, strict)
        return self

    def apply(self, map_fn: Callable[[mx.array], mx.array],
              filter_fn: Optional[Callable[["Module", str, Any], bool]] = None) -> "Module":
        """Replaces each parameter selected by ``filter_fn`` (default:
        :meth:`valid_parameter_filter`) by ``map_fn(parameter)``, e.g.
        ``model.apply(lambda p: p.astype(mx.float16))``. Returns the module."""
        filter_fn = filter_fn or Module.valid_parameter_filter
        self.update(self.filter_and_map(filter_fn, map_fn))
        return self

    def update_modules(self, modules: dict, strict: bool = True) -> "Module":
        """Replaces submodules with those of the (possibly partial) tree
        ``modules``, as :meth:`children` returns it. With ``strict=True``
        every key must name an existing submodule. Returns the module."""
        _update_modules(self, modules, strict)
        return self

    def apply_to_modules(self, apply_fn: Callable[[str, "Module"], Any]) -> "Module":
        """Calls ``apply_fn(path, module)`` on this module (path ``""``) and on
        every submodule (paths like ``"layers.0.linear"``). Returns the module."""
        stack = [("", self)]
        while stack:
            prefix, module = stack.pop()
            apply_fn(prefix, module)
            prefix = "." + prefix if prefix else ""
            stack.extend(tree_flatten(module.children(), prefix=prefix,
                                      is_leaf=self.is_module))
        return self

    def modules(self):
        """A list of this module and all its submodules."""
        found = []
        self.apply_to_modules(lambda k, m: found.append(m))
        return found

    def named_modules(self):
        """A list of ``(path, module)`` for this module (path ``""``) and all
        its submodules."""
        found = []
        self.apply_to_modules(lambda k, m: found.append((k, m)))
        return found

    # -- freezing -------------------------------------------------------------

    def _validate_keys(self, keys, strict):
        keys = keys if isinstance(keys, list) else [keys]
        if strict:
            for k in keys:
                if k not in self:
                    raise KeyError(f"Module doesn't contain member {k}.")
        return keys

    def _validate_keys_recursive(self, keys):
        keys = keys if isinstance(keys, list) else [keys]
        modules = self.modules()
        for k in keys:
            if not any(k in m for m in modules):
                raise KeyError(f"Module doesn't contain member {k}.")

    def freeze(self, *, recurse: bool = True, keys: Optional[Union[str, List[str]]] = None,
               strict: bool = False) -> "Module":
        """Freezes parameters: :meth:`trainable_parameters` and
        :func:`lumex.nn.value_and_grad` leave them out.

        Args:
            recurse: also freeze the submodules' parameters (default True).
            keys: only these parameter names (a string or a list), e.g.
                ``keys="bias"``; by default all of a module's arrays.
            strict: raise ``KeyError`` if a key exists in no module.

        Returns the module."""

        def freeze_one(_, module):
            local = keys
            if local is None:
                local = [k for k, _ in tree_flatten(module.filter_and_map(
                    lambda m, k, v: (not isinstance(v, Module))
                    and m.valid_parameter_filter(m, k, v)))]
            local = module._validate_keys(local, strict_local)
            module._no_grad.update(local)

        strict_local = strict
        if recurse:
            if strict and keys is not None:
                self._validate_keys_recursive(keys)
                strict_local = False
            self.apply_to_modules(freeze_one)
        else:
            freeze_one("", self)
        return self

    def unfreeze(self, *, recurse: bool = True,
                 keys: Optional[Union[str, List[str]]] = None,
                 strict: bool = False) -> "Module":
        """Unfreezes parameters (all, or the names in ``keys``), in this
        module and, with ``recurse`` (default), its submodules; ``strict``
        raises ``KeyError`` for a key that no module has. Returns the module."""

        def unfreeze_one(_, module):
            if keys is None:
                module._no_grad.clear()
            else:
                module._no_grad.difference_update(module._validate_keys(keys, strict_local))

        strict_local = strict
        if recurse:
            if strict and keys is not None:
                self._validate_keys_recursive(keys)
                strict_local = False
            self.apply_to_modules(unfreeze_one)
        else:
            unfreeze_one("", self)
        return self

    # -- modes and dtypes -----------------------------------------------------

    def _set_training_mode(self, mode: bool) -> None:
        self._training = mode

    def train(self, mode: bool = True) -> "Module":
        """Sets training mode (``mode=False`` is evaluation mode) on this
        module and its submodules; dropout and batch norm depend on it.
        Returns the module."""
        self.apply_to_modules(lambda _, m: m._set_training_mode(mode))
        return self

    def eval(self) -> "Module":
        """Sets evaluation mode (``train(False)``). Returns the module."""
        return self.train(False)

    def set_dtype(self, dtype: mx.Dtype,
                  predicate: Optional[Callable[[mx.Dtype], bool]] =
                  lambda x: mx.issubdtype(x, mx.floating)):
        """Casts the parameters whose dtype satisfies ``predicate`` (by default
        the floating point ones, so integer parameters stay as they are) to
        ``dtype``."""
        if predicate is None:
            def predicate(_):
                return True
        self.apply(lambda x: x.astype(dtype) if predicate(x.dtype) else x)


def _update_arrays(dst, parameters, strict):
    if isinstance(parameters, dict):
        for k in parameters:
            if k in dst:
                current, new = dst[k], parameters[k]
                if isinstance(current, mx.array):
                    if strict and not isinstance(new, mx.array):
                        raise ValueError(f"Received invalid type: {type(new).__name__}.")
                    dst[k] = new
                else:
                    _update_arrays(current, new, strict)
            elif strict:
                raise ValueError(f'Module does not have parameter named "{k}".')
    elif isinstance(parameters, list):
        for i, new in enumerate(parameters):
            if i >= len(dst):
                if strict:
                    raise ValueError(f"List index {i} is out of bounds for destination "
                                     f"of length {len(dst)}.")
                continue
            current = dst[i]
            if isinstance(current, mx.array):
                if strict and not isinstance(new, mx.array):
                    raise ValueError(f"Received invalid type: {type(new).__name__}.")
                dst[i] = new
            else:
                _update_arrays(current, new, strict)
    elif strict:
        raise ValueError(f"Received invalid type: {type(parameters).__name__}.")


def _update_modules(dst, modules, strict):
    if isinstance(modules, dict):
        pairs = []
        for k in modules:
            if k in dst:
                pairs.append((k, dst[k], modules[k]))
            elif strict:
                raise ValueError(f'Module does not have sub-module named "{k}".')
    elif isinstance(modules, list):
        pairs = []
        for i, new in enumerate(modules):
            if i >= len(dst):
                if strict:
                    raise ValueError(f"List index {i} is out of bounds for destination "
                                     f"of length {len(dst)}.")
                continue
            pairs.append((i, dst[i], new))
    else:
        if strict:
            raise ValueError(f"Received invalid type: {type(modules).__name__}.")
        return
    for k, current, new in pairs:
        if isinstance(current, Module) and isinstance(new, Module):
            dst[k] = new
        elif isinstance(current, (dict, list)):
            _update_modules(current, new, strict)
        elif strict and new != {}:
            raise ValueError(f"Received invalid type: {type(new).__name__}.")


def _unwrap(module, key, value, filter_fn, map_fn, is_leaf_fn):
    if is_leaf_fn(module, key, value):
        return map_fn(value)
    if isinstance(value, Module):
        return {k: _unwrap(value, k, v, filter_fn, map_fn, is_leaf_fn)
                for k, v in value.items() if filter_fn(value, k, v)}
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            sub = f"{key}.{k}"
            out[k] = (_unwrap(module, sub, v, filter_fn, map_fn, is_leaf_fn)
                      if filter_fn(module, sub, v) else {})
        return out
    if isinstance(value, list):
        out = []
        for i, v in enumerate(value):
            sub = f"{key}.{i}"
            out.append(_unwrap(module, sub, v, filter_fn, map_fn, is_leaf_fn)
                       if filter_fn(module, sub, v) else {})
        return out
    raise RuntimeError("Unexpected leaf found while traversing the module")
