"""``Embedding``: a lookup table of vectors."""

import math
from typing import Optional

import lumex.core as mx
from .base import Module


class Embedding(Module):
    r"""Maps integer indices to vectors: ``weight[x]``.

    ``weight`` has shape ``(num_embeddings, dims)``, drawn from
    :math:`\mathcal{N}(0, 1/\text{dims})`.

    Args:
        num_embeddings (int): the number of indices (the vocabulary size).
        dims (int): the size of each vector.
    """

    def __init__(self, num_embeddings: int, dims: int):
        super().__init__()
        scale = math.sqrt(1 / dims)
        self.weight = mx.random.normal(shape=(num_embeddings, dims), scale=scale)

    def _extra_repr(self):
        return f"{self.weight.shape[0]}, {self.weight.shape[1]}"

    def __call__(self, x):
        return self.weight[x]

    def as_linear(self, x):
        """Uses the table as a linear layer, ``x @ weight.T`` (tied input and
        output embeddings)."""
        return x @ self.weight.T

    def to_quantized(self, group_size: Optional[int] = None, bits: Optional[int] = None,
                     mode: str = "affine", quantize_input: bool = False):
        """A :class:`QuantizedEmbedding` approximation of this layer."""
        from .quantized import QuantizedEmbedding

        if quantize_input:
            raise ValueError("Quantized input is not supported.")
        return QuantizedEmbedding.from_embedding(self, group_size, bits, mode)
