"""Function transforms over Python trees: grad, value_and_grad, vjp, jvp, vmap,
custom_function, checkpoint and compile.

The engine works on flat lists of arrays (``core._vjp`` etc.); this module
flattens the user's arguments and results, checks them with MLX's messages,
and rebuilds the trees. Installed into ``lumex.core`` by ``lumex/__init__.py``.
"""

import collections
import functools

from . import core as _core
from .utils import tree_flatten, tree_map

_array = _core.array


# ---- flat <-> tree ----

def _leaves(tree):
    return [leaf for _, leaf in tree_flatten(tree)]


def _array_leaves(tree):
    """Leaves of `tree`, which must all be arrays."""
    leaves = _leaves(tree)
    for leaf in leaves:
        if not isinstance(leaf, _array):
            raise ValueError("[tree_flatten] The argument should contain only arrays")
    return leaves


def _fill(tree, leaves):
    """`tree` with its leaves replaced, in order, by `leaves`."""
    it = iter(leaves)
    return tree_map(lambda _: next(it), tree)


def _type_name(x):
    return type(x).__name__


# ---- reverse and forward mode ----

def _normalize_argnums(argnums, argnames, name):
    if isinstance(argnames, str):
        argnames = [argnames]
    argnames = list(argnames)
    if argnums is None:
        positions, single = ((0,) if not argnames else ()), True
    elif isinstance(argnums, int):
        positions, single = (argnums,), True
    else:
        positions = tuple(argnums)
        for i in positions:
            if not isinstance(i, int):
                # MLX's binding rejects the argument type itself.
                raise TypeError(
                    f"{name}(): incompatible function arguments: argnums must be an "
                    f"int, a sequence of ints or None, got {_type_name(i)}.")
        # MLX unwraps a one-element sequence and orders the gradients by position.
        positions, single = tuple(sorted(positions)), len(positions) == 1
    for i in positions:
        if i < 0:
            raise ValueError(
                f"[{name}] Can't compute the gradient of negative argument index {i}")
    if len(set(positions)) != len(positions):
        raise ValueError(f"[{name}] Duplicate argument index in argnums.")
    if not positions and not argnames:
        raise ValueError(f"[{name}] Gradient wrt no argument requested")
    return positions, single, argnames


def _fill_in_place(tree, it):
    """Replaces the array leaves of `tree` by the next items of `it`, mutating its
    lists and dicts (as MLX does, so the function sees the caller's containers)."""
    if isinstance(tree, _array):
        return next(it)
    if isinstance(tree, list):
        for i, v in enumerate(tree):
            tree[i] = _fill_in_place(v, it)
        return tree
    if isinstance(tree, dict):
        for k, v in tree.items():
            tree[k] = _fill_in_place(v, it)
        return tree
    if isinstance(tree, tuple):
        children = [_fill_in_place(v, it) for v in tree]
        return type(tree)(*children) if hasattr(tree, "_fields") else type(tree)(children)
    return tree


def _restore(tree, originals):
    """Puts back the caller's arrays where a tracer (an id in `originals`) is still
    in place; whatever the function stored in the containers stays."""
    if isinstance(tree, list):
        for i, v in enumerate(tree):
            tree[i] = _restore(v, originals)
    elif isinstance(tree, dict):
        for k, v in tree.items():
            tree[k] = _restore(v, originals)
    elif isinstance(tree, tuple):
        for v in tree:
            _restore(v, originals)
    elif isinstance(tree, _array):
        return originals.get(id(tree), tree)
    return tree


def _differentiate(fun, argnums, argnames, name, with_value):
    positions, single, argnames = _normalize_argnums(argnums, argnames, name)

    def wrapper(*args, **kwargs):
        for i in positions:
            if i >= len(args):
                raise ValueError(
                    f"[{name}] Can't compute the gradient of argument index {i} because "
                    f"the function is called with only {len(args)} positional "
                    "arguments.")
        for n in argnames:
            if n not in kwargs:
                keys = "".join(f"{k}," for k in kwargs)
                raise ValueError(
                    f"[{name}] Can't compute the gradient of keyword argument '{n}' "
                    "because the function is called with the following keyword "
                    f"arguments {{{keys}}}")
        trees = [args[i] for i in positions] + [kwargs[n] for n in argnames]
        flat_trees = [_array_leaves(t) for t in trees]
        primals = [x for leaves in flat_trees for x in leaves]
        # The function may change the caller's containers: keep their shapes now.
        skeletons = [tree_map(lambda _: None, t) for t in trees]
        result = {}
        originals = {}

        def flat_fun(flat):
            new_args, new_kwargs = list(args), dict(kwargs)
            for x, p in zip(flat, primals):
                originals[id(x)] = p
            start = 0
            for k, tree in enumerate(trees):
                n = len(flat_trees[k])
                filled = _fill_in_place(tree, iter(flat[start:start + n]))
                start += n
                if k < len(positions):
                    new_args[positions[k]] = filled
                else:
                    new_kwargs[argnames[k - len(positions)]] = filled
            out = fun(*new_args, **new_kwargs)
            result["out"] = out
            if isinstance(out, _array):
                return [out]
            if (with_value and isinstance(out, (list, tuple)) and len(out) > 0
                    and isinstance(out[0], _array)):
                aux = [x for x in _leaves(out[1:]) if isinstance(x, _array)]
                return [out[0]] + aux
            raise ValueError(
                f"[{name}] The return value of the function whose gradient we want "
                "to compute should be a scalar array; but "
                f"{_type_name(out)} was returned.")

        try:
            _, grads = _core._vjp(flat_fun, primals, [_array(1.0)])
        finally:
            for t in trees:
                _restore(t, originals)
        out_trees, start = [], 0
        for k, tree in enumerate(skeletons):
            n = len(flat_trees[k])
            out_trees.append(_fill(tree, grads[start:start + n]))
            start += n
        positional = out_trees[:len(positions)]
        if not positional:
            positional = None
        elif single:
            positional = positional[0]
        else:
            positional = tuple(positional)
        if argnames:
            g = (positional, dict(zip(argnames, out_trees[len(positions):])))
        else:
            g = positional
        return (result["out"], g) if with_value else g

    return functools.wraps(fun)(wrapper) if callable(fun) else wrapper


def value_and_grad(fun, argnums=None, argnames=[]):
    """Returns a function computing ``fun``'s value and its gradient.

    Args:
        fun (Callable): A function of arrays (or trees of arrays) returning a
            scalar array, or a tuple whose first item is the scalar loss (the
            rest is passed through as auxiliary output).
        argnums (int | Sequence[int] | None): The positional arguments to
            differentiate with respect to; the first one when None (and no
            ``argnames`` are given).
        argnames (str | Sequence[str]): Keyword arguments to differentiate
            with respect to.

    Returns:
        Callable: A function with ``fun``'s arguments returning
        ``(value, grads)``. ``grads`` has the structure of the selected
        argument (a tuple of them for several ``argnums``; a
        ``(positional, keyword_dict)`` pair when ``argnames`` are given).
    """
    return _differentiate(fun, argnums, argnames, "value_and_grad", True)


def grad(fun, argnums=None, argnames=[]):
    """Returns a function computing the gradient of the scalar-valued ``fun``.

    Arguments may be arrays or nested lists, tuples and dicts of arrays; each
    gradient has its argument's structure.

    Args:
        fun (Callable): A function returning a scalar array.
        argnums (int | Sequence[int] | None): The positional arguments to
            differentiate with respect to; the first one when None.
        argnames (str | Sequence[str]): Keyword arguments to differentiate
            with respect to.

    Returns:
        Callable: A function with ``fun``'s arguments returning the gradient
        (a tuple of gradients for several ``argnums``).
    """
    return _differentiate(fun, argnums, argnames, "grad", False)


def _as_list(outs):
    if isinstance(outs, _array):
        return [outs]
    if isinstance(outs, (list, tuple)) and all(isinstance(o, _array) for o in outs):
        return list(outs)
    raise ValueError(
        "[vjp] The function must return an array or a list of arrays, got "
        f"{_type_name(outs)}.")


def vjp(fun, primals, cotangents):
    """Vector-Jacobian product: pull cotangents back through ``fun``.

    Args:
        fun (Callable): A function of arrays returning an array or a list of
            arrays.
        primals (list[array]): The arguments to evaluate ``fun`` at.
        cotangents (list[array]): One cotangent per output of ``fun``.

    Returns:
        tuple[list[array], list[array]]: ``fun``'s outputs and one
        vector-Jacobian product per primal.
    """
    primals, cotangents = list(primals), list(cotangents)

    def flat_fun(flat):
        outs = _as_list(fun(*flat))
        if len(outs) != len(cotangents):
            raise ValueError(
                f"[vjp] Number of outputs to compute gradients for ({len(outs)}) does "
                f"not match number of cotangents ({len(cotangents)}).")
        return outs

    outs, vjps = _core._vjp(flat_fun, primals, cotangents)
    return list(outs), list(vjps)


def jvp(fun, primals, tangents):
    """Jacobian-vector product: push tangents forward through ``fun``.

    Args:
        fun (Callable): A function of arrays returning an array or a list of
            arrays.
        primals (list[array]): The arguments to evaluate ``fun`` at.
        tangents (list[array]): One tangent per primal.

    Returns:
        tuple[list[array], list[array]]: ``fun``'s outputs and one
        Jacobian-vector product per output.
    """
    outs, jvps = _core._jvp(lambda flat: _as_list(fun(*flat)), list(primals),
                            list(tangents))
    return list(outs), list(jvps)


# ---- vectorizing map ----

def _axes_for(axes, tree, kind):
    """One axis (or None) per array leaf of `tree`; `axes` is a prefix of it."""
    if axes is None or isinstance(axes, int):
        return [axes] * len(_array_leaves(tree))
    if isinstance(axes, (list, tuple)) and isinstance(tree, (list, tuple)):
        if len(axes) != len(tree):
            raise ValueError(
                "[tree_map] Additional input tree is not a valid prefix of the first "
                "tree.")
        return [a for sub_axes, sub in zip(axes, tree)
                for a in _axes_for(sub_axes, sub, kind)]
    if isinstance(axes, dict) and isinstance(tree, dict):
        if set(axes) != set(tree):
            raise ValueError(
                "[tree_map] Additional input tree is not a valid prefix of the first "
                "tree.")
        return [a for k in tree for a in _axes_for(axes[k], tree[k], kind)]
    if isinstance(axes, (list, tuple, dict)):
        raise ValueError(
            "[tree_map] Additional input tree is not a valid prefix of the first tree.")
    raise ValueError(f"[vmap] {kind} must be int or None.")


def vmap(fun, in_axes=0, out_axes=0):
    """Returns ``fun`` vectorized over a batch axis of its arguments.

    Args:
        fun (Callable): A function of arrays (or trees of arrays).
        in_axes (int | None | tree): The batch axis of each argument: an int
            for all of them, None for an argument that is not batched, or a
            tree matching (a prefix of) the arguments.
        out_axes (int | None | tree): Where the batch axis goes in each output.

    Returns:
        Callable: The vectorized function.
    """

    def wrapper(*args):
        if isinstance(in_axes, (list, tuple)):
            flat_in = _axes_for(tuple(in_axes), args, "axis")
        else:
            # An int, None or a dict applies to every argument, as MLX.
            flat_in = [a for arg in args for a in _axes_for(in_axes, arg, "axis")]
        inputs = _array_leaves(args)
        result = {}

        def flat_fun(flat):
            out = fun(*_fill(args, flat))
            result["tree"] = out
            return _array_leaves(out)

        def flat_out_axes():
            tree, axes = result["tree"], out_axes
            # MLX accepts a one-element sequence for a single output.
            if (isinstance(tree, _array) and isinstance(axes, (list, tuple))
                    and len(axes) == 1):
                axes = axes[0]
            return _axes_for(axes, tree, "axis")

        outs = _core._vmap(flat_fun, inputs, flat_in, flat_out_axes)
        return _fill(result["tree"], outs)

    return functools.wraps(fun)(wrapper) if callable(fun) else wrapper


# ---- custom rules ----

class custom_function:
    """Wraps a function so its vjp, jvp and vmap can be overridden::

        @custom_function
        def f(x, y): ...

        @f.vjp
        def f_vjp(primals, cotangent, output): ...   # one cotangent per primal

        @f.jvp
        def f_jvp(primals, tangents): ...            # tangent(s) of the output

        @f.vmap
        def f_vmap(inputs, axes): ...                # (outputs, out_axes)

    A rule that is not given is derived by transforming the function itself.
    """

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self._fun = fun
        self._vjp = self._jvp = self._vmap = None
        self._flat_vjp = None  # used by checkpoint

    def vjp(self, f):
        self._vjp = f
        return self

    def jvp(self, f):
        self._jvp = f
        return self

    def vmap(self, f):
        self._vmap = f
        return self

    def __call__(self, *args, **kwargs):
        inputs = [x for x in _leaves(args) if isinstance(x, _array)]
        structure = {}

        def rebuild(flat):
            it = iter(flat)
            return tree_map(lambda x: next(it) if isinstance(x, _array) else x, args)

        def one(t):
            # As MLX, the rules get a lone positional argument by itself, not in a tuple.
            return t[0] if len(args) == 1 else t

        def flat_fun(flat):
            out = self._fun(*rebuild(flat), **kwargs)
            structure["out"] = out
            return _array_leaves(out)

        outputs = flat_fun(inputs)
        out_tree = structure["out"]

        def per_input(result):
            # The user's rule returns one item per positional argument (or a
            # single item for one argument), each shaped like that argument.
            result = (result,) if len(args) == 1 and not (
                isinstance(result, (list, tuple)) and len(result) == 1) else result
            flat = []
            for arg, r in zip(args, result):
                arg_arrays = [x for x in _leaves(arg) if isinstance(x, _array)]
                got = [x for x in _leaves(r) if isinstance(x, _array)]
                if r is None:
                    got = [_core.zeros_like(x) for x in arg_arrays]
                elif len(got) != len(arg_arrays):
                    raise ValueError(
                        "[custom_function] The vjp must return one cotangent per "
                        f"array input: got {len(got)} for an argument holding "
                        f"{len(arg_arrays)}.")
                flat.extend(got)
            return flat

        vjp_rule = jvp_rule = vmap_rule = None
        if self._flat_vjp is not None:
            vjp_rule = functools.partial(self._flat_vjp, flat_fun)
        elif self._vjp is not None:
            def vjp_rule(primals, cotangents, outs):
                res = self._vjp(one(rebuild(primals)), _fill(out_tree, cotangents),
                                _fill(out_tree, outs))
                return per_input(res)
        if self._jvp is not None:
            def jvp_rule(primals, tangents):
                res = self._jvp(one(rebuild(primals)), one(rebuild(tangents)))
                return _array_leaves(res)
        if self._vmap is not None:
            def vmap_rule(ins, axes):
                it = iter(axes)
                ax_tree = tree_map(lambda x: next(it) if isinstance(x, _array) else None,
                                   args)
                outs, oaxes = self._vmap(one(rebuild(ins)), one(ax_tree))
                flat_outs = _array_leaves(outs)
                if oaxes is None or isinstance(oaxes, int):
                    flat_axes = [oaxes] * len(flat_outs)
                else:
                    flat_axes = _leaves(oaxes)
                return flat_outs, flat_axes

        wrapped = _core._custom_transforms(flat_fun, outputs, inputs, vjp_rule,
                                           jvp_rule, vmap_rule)
        return _fill(out_tree, wrapped)


def checkpoint(fun):
    """Returns ``fun`` with gradient checkpointing: its intermediate values are
    not kept for the backward pass but recomputed from the inputs when the
    gradient is taken (less memory, more compute)."""
    wrapped = custom_function(fun)

    def recompute(flat_fun, primals, cotangents, outputs):
        return _core._vjp(flat_fun, primals, cotangents)[1]

    wrapped._flat_vjp = recompute
    return wrapped


# ---- compile: trace once, replay ----

class _Slot:
    """A place holding an array that a compiled function reads or updates
    implicitly: an array object (updated in place) or an indexable holder such
    as ``random.state`` (whose item 0 is replaced)."""

    def __init__(self, holder):
        self._holder = holder

    def get(self):
        h = self._holder
        return h if isinstance(h, _array) else h[0]

    def put(self, value):
        h = self._holder
        if isinstance(h, _array):
            _core._overwrite(h, value)
        else:
            h[0] = value


def _slots(tree):
    if tree is None:
        return []
    holder = lambda x: isinstance(x, _array) or _is_state_holder(x)
    return [_Slot(x) for x in _leaves_with(tree, holder) if holder(x)]


def _is_state_holder(x):
    random = getattr(_core, "random", None)
    state_type = type(getattr(random, "state", None)) if random is not None else None
    return state_type is not None and state_type is not type(None) and isinstance(x, state_type)


def _container_items(tree):
    """(container, shallow copy of its items) for every dict and list in ``tree``."""
    out, stack, seen = [], [tree], set()
    while stack:
        box = stack.pop()
        if id(box) in seen:
            continue
        seen.add(id(box))
        if isinstance(box, dict):
            out.append((box, dict(box)))
            stack.extend(box.values())
        elif isinstance(box, list):
            out.append((box, list(box)))
            stack.extend(box)
        elif isinstance(box, tuple):
            stack.extend(box)
    return out


def _leaves_with(tree, is_leaf):
    return [leaf for _, leaf in tree_flatten(tree, is_leaf=is_leaf)]

_COMPILE_CACHE_SIZE = 256


class _Compiled:
    def __init__(self, fun, inputs, outputs, shapeless):
        functools.update_wrapper(self, fun)
        self._fun = fun
        self._state_in = inputs
        self._state_out = outputs
        self._shapeless = shapeless
        # Traces by input signature, least recently used first; bounded so a
        # function called with ever-changing shapes keeps flat memory.
        self._cache = collections.OrderedDict()

    @staticmethod
    def _signature(tree, shapeless=False):
        # Arrays count by shape (by rank when shapeless) and dtype; constants (as MLX:
        # numbers, strings and None, which the trace bakes in) by value.
        def sig(x):
            if isinstance(x, _array):
                return ("array", x.ndim if shapeless else tuple(x.shape), x.dtype)
            if x is not None and not isinstance(x, (int, float, str)):
                raise ValueError(
                    "[compile] Function arguments must be trees of arrays or constants "
                    "(floats, ints, strings, or None), but received type "
                    f"{type(x).__name__}.")
            return ("const", type(x), x)
        flat = tree_flatten(tree)
        return tuple((k, sig(v)) for k, v in flat)

    def __call__(self, *args, **kwargs):
        if not _core._compile_enabled():
            return self._fun(*args, **kwargs)
        call_tree = (args, kwargs)
        slots_in = _slots(self._state_in)
        state_in = [slot.get() for slot in slots_in]
        state_key = tuple((tuple(x.shape), x.dtype) for x in state_in)
        inputs = [x for x in _leaves(call_tree) if isinstance(x, _array)] + state_in
        results = None
        if self._shapeless:
            # One trace per rank and dtype, resized on replay; a trace with a step
            # that cannot be resized is traced again for these exact shapes.
            key = (self._signature(call_tree, True), state_key)
            entry = self._entry(key, call_tree, slots_in, state_in)
            results = entry[0].replay_shapeless(inputs)
        if results is None:
            key = (self._signature(call_tree), state_key)
            entry = self._entry(key, call_tree, slots_in, state_in)
            results = entry[0].replay(inputs)
        _, n_out, out_tree, n_state_out = entry
        slots_out = _slots(self._state_out)
        if len(slots_out) != n_state_out:
            # The declared output state changed shape: trace again.
            self._cache.pop(key, None)
            return self(*args, **kwargs)
        for slot, value in zip(slots_out, results[n_out:]):
            slot.put(value)
        return _fill(out_tree, results[:n_out]) if out_tree is not None else None

    def _entry(self, key, call_tree, slots_in, state_in):
        entry = self._cache.get(key)
        if entry is None:
            entry = self._trace(call_tree, slots_in, state_in)
            self._cache[key] = entry
            while len(self._cache) > _COMPILE_CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return entry

    def _traced(self, *args, **kwargs):
        """A fresh trace of this call, not cached, that leaves the state as it was (the
        notebook's compile X-ray): (graph, number of outputs, number of state outputs).
        A real call replays the trace and fills the traced state; here the containers
        of the state trees get their own items back instead."""
        saved = _container_items([self._state_in, self._state_out])
        slots_in = _slots(self._state_in)
        try:
            graph, n_out, _, n_state = self._trace((args, kwargs), slots_in,
                                                   [slot.get() for slot in slots_in])
        finally:
            for box, items in saved:
                if isinstance(box, dict):
                    dict.clear(box)  # dict's own methods: a Module overrides update
                    dict.update(box, items)
                else:
                    list.__setitem__(box, slice(None), items)
        return graph, n_out, n_state

    def _trace(self, call_tree, slots_in, state_in):
        saved = [_core._handle(x) for x in state_in]
        n_args = len([x for x in _leaves(call_tree) if isinstance(x, _array)])
        info = {}

        def flat_fun(flat):
            it = iter(flat[:n_args])
            args, kwargs = tree_map(lambda x: next(it) if isinstance(x, _array) else x,
                                    call_tree)
            for slot, traced in zip(slots_in, flat[n_args:]):
                slot.put(traced)
            out = self._fun(*args, **kwargs)
            info["tree"] = out
            outs = _array_leaves(out) if out is not None else []
            state_out = [slot.get() for slot in _slots(self._state_out)]
            info["n_out"], info["n_state"] = len(outs), len(state_out)
            return outs + state_out

        examples = [x for x in _leaves(call_tree) if isinstance(x, _array)] + state_in
        try:
            graph = _core._CompiledGraph(flat_fun, examples)
        finally:
            for slot, orig in zip(slots_in, saved):
                slot.put(orig)
        return graph, info["n_out"], info["tree"], info["n_state"]


def compile(fun, inputs=None, outputs=None, shapeless=False):
    """Returns a compiled ``fun``.

    The compiled function is traced once per distinct input signature (shapes,
    dtypes and non-array arguments); later calls replay the captured graph
    without running Python, with chains of elementwise operations fused.

    Args:
        fun (Callable): A function of arrays (or trees of arrays).
        inputs (tree | None): Arrays the function reads implicitly, for
            example ``mx.random.state`` or a model's parameters.
        outputs (tree | None): Arrays the function updates implicitly.
        shapeless (bool): Trace once per rank and dtype of the inputs and
            resize that trace for other sizes (MLX's shapeless compile). Shapes
            the function read while tracing stay as traced, as in MLX; a trace
            holding an op lumex cannot resize is traced again for the new shapes.

    Returns:
        Callable: The compiled function.
    """
    if not callable(fun):
        raise TypeError("[compile] Expected a callable.")
    return _Compiled(fun, inputs, outputs, shapeless)
