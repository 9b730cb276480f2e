"""Quantized layers (``QuantizedLinear``, ``QuantizedEmbedding``, ``QQLinear``)
and :func:`quantize`, which swaps a model's quantizable layers in place.

They need ``mx.quantize``, ``mx.dequantize``, ``mx.quantized_matmul`` (and
``mx.qqmm`` for ``QQLinear``) from the engine."""

import math
from typing import Callable, Optional, Union

import lumex.core as mx
from lumex.utils import tree_map_with_path
from .base import Module
from ._ops import op

_MODE_DEFAULTS = {"affine": (64, 4), "mxfp4": (32, 4), "nvfp4": (16, 4), "mxfp8": (32, 8)}


def _defaults_for_mode(mode, group_size, bits):
    if mode not in _MODE_DEFAULTS:
        raise ValueError(f"Invalid quantization mode '{mode}'. Valid modes are: "
                         f"{', '.join(_MODE_DEFAULTS)}.")
    default_group, default_bits = _MODE_DEFAULTS[mode]
    return group_size or default_group, bits or default_bits


def _quantize_into(layer, weight, group_size, bits, mode):
    layer.weight, layer.scales, *biases = op("quantize")(weight, group_size, bits, mode=mode)
    layer.biases = biases[0] if biases else None


def quantize(model: Module, group_size: int = None, bits: int = None, *, mode: str = "affine",
             quantize_input: bool = False,
             class_predicate: Optional[Callable[[str, Module], Union[bool, dict]]] = None):
    """Replaces, in place, each leaf module that has ``to_quantized`` (Linear,
    Embedding) by its quantized version.

    Args:
        model: the model to quantize.
        group_size (int, optional): see ``mx.quantize`` (default per mode).
        bits (int, optional): see ``mx.quantize`` (default per mode).
        mode (str): ``"affine"``, ``"mxfp4"``, ``"nvfp4"`` or ``"mxfp8"``.
        quantize_input (bool): quantize activations too (:class:`QQLinear`).
        class_predicate (callable, optional): ``(path, module)`` returning
            whether to quantize it, or a dict of ``to_quantized`` arguments.
    """
    class_predicate = class_predicate or (lambda _, m: hasattr(m, "to_quantized"))

    def maybe_quantize(path, m):
        choice = class_predicate(path, m)
        if not choice:
            return m
        if not hasattr(m, "to_quantized"):
            raise ValueError(f"Unable to quantize model of type {type(m)}")
        if isinstance(choice, bool):
            kwargs = {"group_size": group_size, "bits": bits, "mode": mode}
            if quantize_input:
                kwargs["quantize_input"] = quantize_input
            return m.to_quantized(**kwargs)
        if isinstance(choice, dict):
            if "quantize_input" in choice and not choice["quantize_input"]:
                choice.pop("quantize_input")
            return m.to_quantized(**choice)
        raise ValueError("``class_predicate`` must return a bool or a dict of parameters to "
                         "pass to ``to_quantized``")

    leaves = tree_map_with_path(maybe_quantize, model.leaf_modules(), is_leaf=Module.is_module)
    model.update_modules(leaves)


class QuantizedEmbedding(Module):
    """An :class:`Embedding` whose table is quantized (frozen).

    Args:
        num_embeddings (int): the number of indices.
        dims (int): the size of each vector.
        group_size (int, optional), bits (int, optional), mode (str): see
            ``mx.quantize``.
    """

    def __init__(self, num_embeddings: int, dims: int, group_size: int = None,
                 bits: int = None, mode: str = "affine"):
        super().__init__()
        self.group_size, self.bits = _defaults_for_mode(mode, group_size, bits)
        self.mode = mode
        weight = mx.random.normal(shape=(num_embeddings, dims), scale=math.sqrt(1 / dims))
        _quantize_into(self, weight, group_size, bits, mode)
        self.num_embeddings = num_embeddings
        self.dims = dims
        self.freeze()

    def __call__(self, x):
        biases = self.get("biases")
        return op("dequantize")(self["weight"][x], scales=self["scales"][x],
                                biases=biases[x] if biases is not None else None,
                                group_size=self.group_size, bits=self.bits, mode=self.mode)

    def as_linear(self, x):
        """``x @ table.T`` with the quantized table (tied output embeddings)."""
        return op("quantized_matmul")(x, self["weight"], scales=self["scales"],
                                      biases=self.get("biases"), transpose=True,
                                      group_size=self.group_size, bits=self.bits,
                                      mode=self.mode)

    def _extra_repr(self):
        return (f"{self.num_embeddings}, {self.dims}, group_size={self.group_size}, "
                f"bits={self.bits}, mode={self.mode}")

    @classmethod
    def from_embedding(cls, embedding_layer: Module, group_size: int = None, bits: int = None,
                       mode: str = "affine"):
        """A :class:`QuantizedEmbedding` from an :class:`Embedding`."""
        num, dims = embedding_layer.weight.shape
        ql = cls(num, dims, group_size, bits, mode=mode)
        _quantize_into(ql, embedding_layer.weight, group_size, bits, mode)
        return ql


class QuantizedLinear(Module):
    """A :class:`Linear` with a quantized weight (parameters frozen).

    Args:
        input_dims (int), output_dims (int), bias (bool): as :class:`Linear`.
        group_size (int, optional), bits (int, optional), mode (str): see
            ``mx.quantize``.
    """

    def __init__(self, input_dims: int, output_dims: int, bias: bool = True,
                 group_size: int = None, bits: int = None, mode: str = "affine"):
        super().__init__()
        self.group_size, self.bits = _defaults_for_mode(mode, group_size, bits)
        self.mode = mode
        scale = math.sqrt(1 / input_dims)
        weight = mx.random.uniform(low=-scale, high=scale, shape=(output_dims, input_dims))
        _quantize_into(self, weight, group_size, bits, mode)
        if bias:
            self.bias = mx.zeros((output_dims,))
        self.freeze()

    def _extra_repr(self):
        out_dims, in_dims = self.weight.shape
        in_dims = (in_dims * 32) // self.bits
        return (f"input_dims={in_dims}, output_dims={out_dims}, bias={'bias' in self}, "
                f"group_size={self.group_size}, bits={self.bits}, mode={self.mode}")

    def __call__(self, x):
        x = op("quantized_matmul")(x, self["weight"], scales=self["scales"],
                                   biases=self.get("biases"), transpose=True,
                                   group_size=self.group_size, bits=self.bits, mode=self.mode)
        if "bias" in self:
            x = x + self["bias"]
        return x

    @classmethod
    def from_linear(cls, linear_layer: Module, group_size: int = None, bits: int = None,
                    mode: str = "affine"):
        """A :class:`QuantizedLinear` from a :class:`Linear`."""
        output_dims, input_dims = linear_layer.weight.shape
        ql = cls(input_dims, output_dims, False, group_size, bits, mode=mode)
        _quantize_into(ql, linear_layer.weight, group_size, bits, mode)
        if "bias" in linear_layer:
            ql.bias = linear_layer.bias
        return ql


class QQLinear(Module):
    """A linear layer that quantizes its input and its weight (modes
    ``"nvfp4"``, ``"mxfp8"``). In training mode the weight is kept in full
    precision (and trained); :meth:`eval` stores it quantized.

    Args:
        input_dims (int), output_dims (int): as :class:`Linear` (no bias).
        group_size (int, optional), bits (int, optional), mode (str): see
            ``mx.quantize``; default mode ``"nvfp4"``.
    """

    def __init__(self, input_dims: int, output_dims: int, group_size: int = None,
                 bits: int = None, mode: str = "nvfp4"):
        super().__init__()
        self.group_size, self.bits = _defaults_for_mode(mode, group_size, bits)
        self.mode = mode
        scale = math.sqrt(1 / input_dims)
        self.weight = mx.random.uniform(low=-scale, high=scale, shape=(output_dims, input_dims))
        self._quantized = False

    def _extra_repr(self):
        out_dims, in_dims = self.weight.shape
        if self.weight.dtype == mx.uint32:
            in_dims = (in_dims * 32) // self.bits
        return (f"input_dims={in_dims}, output_dims={out_dims}, group_size={self.group_size}, "
                f"bits={self.bits}, mode={self.mode}")

    def quantize(self):
        """Stores the weight quantized (as in evaluation mode)."""
        if not self._quantized:
            self.weight, self.scales = op("quantize")(self.weight, self.group_size, self.bits,
                                                      mode=self.mode)
            self._quantized = True

    def dequantize(self):
        """Stores the weight in full precision again (as in training mode)."""
        if self._quantized:
            self.weight = op("dequantize")(self.weight, scales=self.scales,
                                           group_size=self.group_size, bits=self.bits,
                                           mode=self.mode)
            self.__delattr__("scales")
            self._quantized = False

    def _set_training_mode(self, mode: bool):
        super()._set_training_mode(mode)
        if self._training:
            self.dequantize()
        else:
            self.quantize()

    def __call__(self, x):
        return op("qqmm")(x, self["weight"], scales=self.get("scales"),
                          group_size=self.group_size, bits=self.bits, mode=self.mode)

    @classmethod
    def from_linear(cls, linear_layer: Module, group_size: int = None, bits: int = None,
                    mode: str = "nvfp4"):
        """A :class:`QQLinear` from a :class:`Linear` without bias."""
        output_dims, input_dims = linear_layer.weight.shape
        if linear_layer.get("bias") is not None:
            raise NotImplementedError("QQLinear does not support bias yet.")
        ql = cls(input_dims, output_dims, group_size, bits, mode=mode)
        ql.weight = linear_layer.weight
        ql.train(linear_layer.training)
        return ql
