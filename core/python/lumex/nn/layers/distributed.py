"""Tensor- and fully-sharded layers over a process group.

With one process (the default group while lumex has no ``mx.distributed``)
every collective is the identity, so these layers behave like their
unsharded counterparts and programs written for several processes run
unchanged on one."""

import math
from functools import lru_cache, reduce
from typing import Callable, Optional, Union

import lumex.core as mx
from lumex.utils import tree_flatten, tree_map_with_path, tree_unflatten
from .base import Module
from .linear import Linear
from ._ops import op
from .._group import all_gather, all_sum, default_group, sum_scatter


@lru_cache
def sum_gradients(group):
    """The identity whose vjp sums the cotangent over ``group``."""
    if group.size() == 1:
        return lambda x: x

    @mx.custom_function
    def f(x):
        return x

    @f.vjp
    def f(x, dx, _):
        return all_sum(dx, group=group)

    return f


def _split(weight, segments, axis):
    if isinstance(segments, int) or isinstance(segments[0], int):
        return mx.split(weight, segments, axis=axis)
    n = weight.shape[axis]
    return mx.split(weight, [int(s * n) for s in segments], axis=axis)


def _shard(parameters: dict, sharding_predicate: Callable, group=None):
    """This process's shard of each parameter: the predicate gives the axis
    (and the segments of fused weights, each sharded separately)."""
    group = group or default_group()
    n, r = group.size(), group.rank()

    def shard_one(path, weight):
        if not isinstance(weight, mx.array):
            return weight
        choice = sharding_predicate(path, weight)
        if choice is None:
            return weight
        if isinstance(choice, int):
            axis, segments = choice, 1
        elif isinstance(choice, tuple):
            axis, segments = choice
        else:
            raise ValueError("The sharding function should return int or tuple[int, list]")
        parts = [_split(part, n, axis)[r] for part in _split(weight, segments, axis)]
        return mx.contiguous(mx.concatenate(parts, axis=axis))

    return tree_map_with_path(shard_one, parameters)


def _all_to_sharded(segments):
    def choose(path, weight):
        if path.endswith("bias"):
            return -1, segments
        return max(weight.ndim - 2, 0), segments

    return choose


def _sharded_to_all(segments):
    def choose(path, weight):
        return None if path.endswith("bias") else (-1, segments)

    return choose


def _check_sharding(sharding):
    if sharding not in ("all-to-sharded", "sharded-to-all"):
        raise ValueError(f"Sharding type {sharding=} not supported, choose one of "
                         "'all-to-sharded' or 'sharded-to-all'")


def shard_inplace(module: Module, sharding: Union[str, Callable], *,
                  segments: Union[int, list] = 1, group=None):
    """Replaces the module's parameters by this process's shards
    (``"all-to-sharded"``, ``"sharded-to-all"`` or a predicate ``(path,
    weight) -> axis or (axis, segments)``)."""
    if isinstance(sharding, str):
        _check_sharding(sharding)
        sharding = (_all_to_sharded(segments) if sharding == "all-to-sharded"
                    else _sharded_to_all(segments))
    module.update(_shard(module.parameters(), sharding, group))


def shard_linear(module: Module, sharding: str, *, segments: Union[int, list] = 1, group=None):
    """A sharded copy of a (quantized) linear layer."""
    _check_sharding(sharding)
    makers = {
        ("all-to-sharded", True): AllToShardedLinear.from_linear,
        ("all-to-sharded", False): QuantizedAllToShardedLinear.from_quantized_linear,
        ("sharded-to-all", True): ShardedToAllLinear.from_linear,
        ("sharded-to-all", False): QuantizedShardedToAllLinear.from_quantized_linear,
    }
    return makers[sharding, isinstance(module, Linear)](module, segments=segments, group=group)


def _uniform(scale, *shape):
    return mx.random.uniform(low=-scale, high=scale, shape=shape)


def _shard_shapes(input_dims, output_dims, group, outputs_sharded):
    """This process's weight shape and bias size; the sharded side must divide evenly."""
    n = group.size()
    if outputs_sharded:
        if output_dims % n != 0:
            raise ValueError(f"Cannot shard the output of size {output_dims} across {n} devices.")
        return (output_dims // n, input_dims), output_dims // n
    if input_dims % n != 0:
        raise ValueError(f"The input of size {input_dims} cannot be sharded across "
                         f"{n} devices.")
    return (output_dims, input_dims // n), output_dims


class _Sharded(Module):
    """What the sharded linear layers share: outputs split across ``group``
    (``_outputs_sharded``, all-to-sharded) or inputs (sharded-to-all)."""

    _outputs_sharded = True

    def _full_dims(self, input_dims):
        out_dims = self.weight.shape[0]
        n = self.group.size()
        if self._outputs_sharded:
            return input_dims, out_dims * n
        return input_dims * n, out_dims

    @classmethod
    def _sharding(cls, segments):
        return (_all_to_sharded if cls._outputs_sharded else _sharded_to_all)(segments)


class _ShardedLinear(_Sharded):
    def __init__(self, input_dims: int, output_dims: int, bias: bool = True, group=None):
        super().__init__()
        scale = math.sqrt(1.0 / input_dims)
        self.group = group or default_group()
        shape, bias_dims = _shard_shapes(input_dims, output_dims, self.group,
                                         self._outputs_sharded)
        self.weight = _uniform(scale, *shape)
        if bias:
            self.bias = _uniform(scale, bias_dims)

    def _extra_repr(self) -> str:
        in_dims, out_dims = self._full_dims(self.weight.shape[1])
        return f"input_dims={in_dims}, output_dims={out_dims}, bias={'bias' in self}"

    @classmethod
    def from_linear(cls, linear_layer: Module, *, segments: Union[int, list] = 1, group=None):
        """The shard of a :class:`Linear` for this process."""
        group = group or default_group()
        output_dims, input_dims = linear_layer.weight.shape
        sl = cls(input_dims, output_dims, hasattr(linear_layer, "bias"), group)
        sl.update(_shard(linear_layer.parameters(), cls._sharding(segments), group))
        return sl


class AllToShardedLinear(_ShardedLinear):
    """A linear layer whose outputs are split across ``group``: each process
    computes its slice from the full input; input gradients are summed over
    the group.

    Args:
        input_dims (int), output_dims (int), bias (bool): as :class:`Linear`.
        group (optional): the process group (default: the global one).
    """

    def __call__(self, x: mx.array) -> mx.array:
        x = sum_gradients(self.group)(x)
        if "bias" in self:
            return mx.addmm(self["bias"], x, self["weight"].T)
        return x @ self["weight"].T


class ShardedToAllLinear(_ShardedLinear):
    """A linear layer whose inputs are split across ``group``: each process
    multiplies its slice and the results are summed over the group.

    Args:
        input_dims (int), output_dims (int), bias (bool): as :class:`Linear`.
        group (optional): the process group (default: the global one).
    """

    _outputs_sharded = False

    def __call__(self, x: mx.array) -> mx.array:
        x = all_sum(x @ self["weight"].T, group=self.group)
        if "bias" in self:
            x = x + self["bias"]
        return x


class _QuantizedSharded(_Sharded):
    def __init__(self, input_dims: int, output_dims: int, bias: bool = True,
                 group_size: int = 64, bits: int = 4, mode: str = "affine", group=None):
        super().__init__()
        self.group_size = group_size
        self.bits = bits
        self.mode = mode
        scale = math.sqrt(1.0 / input_dims)
        self.group = group or default_group()
        shape, bias_dims = _shard_shapes(input_dims, output_dims, self.group,
                                         self._outputs_sharded)
        weight = _uniform(scale, *shape)
        self.weight, self.scales, *biases = op("quantize")(weight, group_size, bits, mode=mode)
        self.biases = biases[0] if biases else None
        if bias:
            self.bias = mx.zeros((bias_dims,))
        self.freeze()

    def unfreeze(self, *args, **kwargs):
        """Quantized weights stay frozen; only what :meth:`Module.unfreeze`
        would unfreeze in submodules changes."""
        super().unfreeze(*args, **kwargs)
        self.freeze(recurse=False)
        return self

    def _extra_repr(self) -> str:
        in_dims, out_dims = self._full_dims(self.weight.shape[1] * 32 // self.bits)
        return (f"input_dims={in_dims}, output_dims={out_dims}, bias={'bias' in self}, "
                f"group_size={self.group_size}, bits={self.bits}, mode={self.mode}")

    def _matmul(self, x):
        return op("quantized_matmul")(x, self["weight"], scales=self["scales"],
                                      biases=self.get("biases"), transpose=True,
                                      group_size=self.group_size, bits=self.bits,
                                      mode=self.mode)

    @classmethod
    def from_quantized_linear(cls, quantized_linear_layer: Module, *,
                              segments: Union[int, list] = 1, group=None):
        """The shard of a :class:`QuantizedLinear` for this process."""
        group = group or default_group()
        layer = quantized_linear_layer
        output_dims, input_dims = layer.weight.shape
        input_dims = input_dims * 32 // layer.bits
        sl = cls(input_dims, output_dims, hasattr(layer, "bias"), group_size=layer.group_size,
                 bits=layer.bits, mode=getattr(layer, "mode", "affine"), group=group)
        sl.update(_shard(layer.parameters(), cls._sharding(segments), group))
        return sl


class QuantizedAllToShardedLinear(_QuantizedSharded):
    """The quantized :class:`AllToShardedLinear` (parameters frozen).

    Args:
        input_dims (int), output_dims (int), bias (bool): as :class:`Linear`.
        group_size (int): Default: ``64``. bits (int): Default: ``4``.
        mode (str): Default: ``"affine"``. group (optional): the process group.
    """

    def __call__(self, x: mx.array) -> mx.array:
        x = self._matmul(sum_gradients(self.group)(x))
        if "bias" in self:
            x = x + self["bias"]
        return x


class QuantizedShardedToAllLinear(_QuantizedSharded):
    """The quantized :class:`ShardedToAllLinear` (parameters frozen).

    Args:
        input_dims (int), output_dims (int), bias (bool): as :class:`Linear`.
        group_size (int): Default: ``64``. bits (int): Default: ``4``.
        mode (str): Default: ``"affine"``. group (optional): the process group.
    """

    _outputs_sharded = False

    def __call__(self, x: mx.array) -> mx.array:
        x = all_sum(self._matmul(x), group=self.group)
        if "bias" in self:
            x = x + self["bias"]
        return x


def _make_gather_fn(group, full_shapes, shard_sizes, compute_dtype):
    n = group.size()
    offsets = reduce(lambda acc, w: acc + [acc[-1] + w], shard_sizes, [0])[1:-1]
    shard_shapes = [(shape[0] // n,) + tuple(shape[1:]) for shape in full_shapes]

    def cast(x, dtype):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)

    @mx.custom_function
    def gather(shards):
        row = mx.concatenate([cast(s.reshape(1, -1), compute_dtype) for s in shards], axis=1)
        full = all_gather(row, group=group)
        return [p.reshape(shape)
                for p, shape in zip(mx.split(full, offsets, axis=1), full_shapes)]

    @gather.vjp
    def gather_vjp(shards, cotangents, _):
        rows = mx.concatenate([c.reshape(n, -1) for c in cotangents], axis=1)
        local = sum_scatter(rows, group=group) / n
        return [cast(p.reshape(shape), s.dtype)
                for p, shape, s in zip(mx.split(local, offsets, axis=1), shard_shapes, shards)]

    return gather


def _maybe_shard(m, k, v):
    if isinstance(v, FullyShardedModule):
        return False
    return Module.valid_parameter_filter(m, k, v)


class FullyShardedModule(Module):
    """Wraps a module whose parameters are sharded along axis 0 across
    ``group`` (FSDP): the full parameters are gathered for each call and the
    gradients reduce-scattered. Use :func:`fully_shard` to create one.

    Args:
        module (Module): the module to shard.
        group (optional): the process group.
        compute_dtype (Dtype, optional): cast the gathered parameters to it.
    """

    def __init__(self, module: Module, group=None, compute_dtype: Optional[mx.Dtype] = None):
        super().__init__()
        group = group or default_group()
        n = group.size()
        shard_params = module.filter_and_map(_maybe_shard)
        flat = tree_flatten(shard_params)
        for path, a in flat:
            if a.ndim == 0:
                raise ValueError(f"Cannot shard parameter '{path}' because it is a scalar.")
            if a.shape[0] % n != 0:
                raise ValueError(f"Cannot shard parameter '{path}' with shape {a.shape} across "
                                 f"{n} devices: axis 0 must be divisible by {n}.")
        object.__setattr__(self, "_paths", [k for k, _ in flat])
        module.update(_shard(shard_params, lambda p, w: 0, group))
        self.module = module
        self._gather_fn = _make_gather_fn(group, [a.shape for _, a in flat],
                                          [a.size // n for _, a in flat], compute_dtype)

    def _extra_repr(self) -> str:
        return f"num_sharded_params={len(self._paths)}"

    def _gathered_call(self, fn, *args, **kwargs):
        shard_tree = self.module.filter_and_map(_maybe_shard)
        fulls = self._gather_fn([a for _, a in tree_flatten(shard_tree)])
        self.module.update(tree_unflatten(list(zip(self._paths, fulls))))
        try:
            return fn(*args, **kwargs)
        finally:
            self.module.update(shard_tree)

    def __call__(self, *args, **kwargs):
        return self._gathered_call(self.module, *args, **kwargs)

    def as_linear(self, *args, **kwargs):
        """``as_linear`` of the wrapped module with the gathered parameters."""
        return self._gathered_call(self.module.as_linear, *args, **kwargs)


def fully_shard(module: Module, *, group=None,
                compute_dtype: Optional[mx.Dtype] = None) -> Module:
    """Wraps ``module`` in a :class:`FullyShardedModule`; with a single
    process (or nothing to shard) returns ``module`` unchanged."""
    group = group or default_group()
    if group.size() == 1 or isinstance(module, FullyShardedModule):
        return module
    wrapped = FullyShardedModule(module, group=group, compute_dtype=compute_dtype)
    return wrapped if wrapped._paths else module
