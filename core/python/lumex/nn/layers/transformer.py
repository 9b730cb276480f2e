"""Attention and transformer layers (MLX's layouts and defaults: pre-norm,
ReLU, MLP of 4x the width, no attention biases)."""

import math
from typing import Any, Callable, Optional

import lumex.core as mx
from .activations import relu
from .base import Module
from .dropout import Dropout
from .linear import Linear
from .normalization import LayerNorm
from . import _fast


class MultiHeadAttention(Module):
    r"""Multi-head scaled dot-product attention with input and output
    projections (``query_proj``, ``key_proj``, ``value_proj``, ``out_proj``).

    Inputs are ``(B, L, D)``; ``mask`` is added to the scores (or, if
    boolean, selects the allowed positions), broadcast to ``(B, heads, L_q, L_k)``.

    Args:
        dims (int): the model width (divisible by ``num_heads``).
        num_heads (int): the number of heads.
        query_input_dims, key_input_dims, value_input_dims (int, optional):
            the input widths (default ``dims``; values default to the keys').
        value_dims (int, optional): the width of the projected values.
        value_output_dims (int, optional): the output width.
        bias (bool): biases in the projections. Default: ``False``.

    Call with ``(queries, keys, values, mask=None)``.
    """

    def __init__(self, dims: int, num_heads: int, query_input_dims: Optional[int] = None,
                 key_input_dims: Optional[int] = None, value_input_dims: Optional[int] = None,
                 value_dims: Optional[int] = None, value_output_dims: Optional[int] = None,
                 bias: bool = False):
        super().__init__()
        if dims % num_heads != 0:
            raise ValueError("The input feature dimensions should be divisible by the "
                             f"number of heads ({dims} % {num_heads}) != 0")
        query_input_dims = query_input_dims or dims
        key_input_dims = key_input_dims or dims
        value_input_dims = value_input_dims or key_input_dims
        value_dims = value_dims or dims
        value_output_dims = value_output_dims or dims
        self.num_heads = num_heads
        self.query_proj = Linear(query_input_dims, dims, bias=bias)
        self.key_proj = Linear(key_input_dims, dims, bias=bias)
        self.value_proj = Linear(value_input_dims, value_dims, bias=bias)
        self.out_proj = Linear(value_dims, value_output_dims, bias=bias)

    def __call__(self, queries, keys, values, mask=None):
        heads = self.num_heads

        def split_heads(x):
            return mx.unflatten(x, -1, (heads, -1)).transpose(0, 2, 1, 3)

        q = split_heads(self.query_proj(queries))
        k = split_heads(self.key_proj(keys))
        v = split_heads(self.value_proj(values))
        out = _fast.scaled_dot_product_attention(q, k, v, scale=math.sqrt(1 / q.shape[-1]),
                                                 mask=mask)
        return self.out_proj(out.transpose(0, 2, 1, 3).flatten(-2, -1))

    @staticmethod
    def create_additive_causal_mask(N: int, dtype: mx.Dtype = mx.float32):
        """An ``(N, N)`` mask adding the dtype's lowest value above the
        diagonal (each position attends to itself and earlier ones)."""
        indices = mx.arange(N)
        mask = indices[:, None] < indices[None]
        return mask.astype(dtype) * mx.finfo(dtype).min


class TransformerEncoderLayer(Module):
    """Self-attention then an MLP, each with a residual connection and a
    LayerNorm (before each block with ``norm_first``, after otherwise).

    Args:
        dims (int): the model width.
        num_heads (int): attention heads.
        mlp_dims (int, optional): MLP width. Default: ``4 * dims``.
        dropout (float): dropout after attention and in the MLP. Default: ``0``.
        activation (callable): the MLP activation. Default: :func:`relu`.
        norm_first (bool): pre-norm. Default: ``True``.

    Call with ``(x, mask)``.
    """

    def __init__(self, dims: int, num_heads: int, mlp_dims: Optional[int] = None,
                 dropout: float = 0.0, activation: Callable[[Any], Any] = relu,
                 norm_first: bool = True):
        super().__init__()
        mlp_dims = mlp_dims or dims * 4
        self.attention = MultiHeadAttention(dims, num_heads)
        self.ln1 = LayerNorm(dims)
        self.ln2 = LayerNorm(dims)
        self.linear1 = Linear(dims, mlp_dims)
        self.linear2 = Linear(mlp_dims, dims)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = activation
        self.norm_first = norm_first

    def _mlp(self, y):
        return self.linear2(self.dropout2(self.activation(self.linear1(y))))

    def __call__(self, x, mask):
        if self.norm_first:
            y = self.ln1(x)
            x = x + self.dropout1(self.attention(y, y, y, mask))
            return x + self._mlp(self.ln2(x))
        x = self.ln1(x + self.dropout1(self.attention(x, x, x, mask)))
        return self.ln2(x + self._mlp(x))


def _layer_call(owner, layer):
    if owner.checkpoint:
        from ..utils import checkpoint

        return checkpoint(layer)
    return layer


class TransformerEncoder(Module):
    """A stack of :class:`TransformerEncoderLayer` and a final LayerNorm
    (``ln``). With ``checkpoint``, each layer is gradient-checkpointed.

    Args: ``num_layers`` then those of :class:`TransformerEncoderLayer`, and
    ``checkpoint`` (bool, default ``False``). Call with ``(x, mask)``.
    """

    def __init__(self, num_layers: int, dims: int, num_heads: int,
                 mlp_dims: Optional[int] = None, dropout: float = 0.0, activation=relu,
                 norm_first: bool = True, checkpoint: bool = False):
        super().__init__()
        self.layers = [TransformerEncoderLayer(dims, num_heads, mlp_dims, dropout, activation,
                                               norm_first) for _ in range(num_layers)]
        self.ln = LayerNorm(dims)
        self.checkpoint = checkpoint

    def __call__(self, x, mask):
        for layer in self.layers:
            x = _layer_call(self, layer)(x, mask)
        return self.ln(x)


class TransformerDecoderLayer(Module):
    """Self-attention, cross-attention over ``memory``, then an MLP, each with
    a residual connection and a LayerNorm (pre-norm with ``norm_first``).

    Args: as :class:`TransformerEncoderLayer`. Call with
    ``(x, memory, x_mask, memory_mask)``.
    """

    def __init__(self, dims: int, num_heads: int, mlp_dims: Optional[int] = None,
                 dropout: float = 0.0, activation: Callable[[Any], Any] = relu,
                 norm_first: bool = True):
        super().__init__()
        mlp_dims = mlp_dims or dims * 4
        self.self_attention = MultiHeadAttention(dims, num_heads)
        self.cross_attention = MultiHeadAttention(dims, num_heads)
        self.ln1 = LayerNorm(dims)
        self.ln2 = LayerNorm(dims)
        self.ln3 = LayerNorm(dims)
        self.linear1 = Linear(dims, mlp_dims)
        self.linear2 = Linear(mlp_dims, dims)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = activation
        self.norm_first = norm_first

    def _mlp(self, y):
        return self.linear2(self.dropout3(self.activation(self.linear1(y))))

    def __call__(self, x, memory, x_mask, memory_mask):
        if self.norm_first:
            y = self.ln1(x)
            x = x + self.dropout1(self.self_attention(y, y, y, x_mask))
            y = self.ln2(x)
            x = x + self.dropout2(self.cross_attention(y, memory, memory, memory_mask))
            return x + self._mlp(self.ln3(x))
        x = self.ln1(x + self.dropout1(self.self_attention(x, x, x, x_mask)))
        x = self.ln2(x + self.dropout2(self.cross_attention(x, memory, memory, memory_mask)))
        return self.ln3(x + self._mlp(x))


class TransformerDecoder(Module):
    """A stack of :class:`TransformerDecoderLayer` and a final LayerNorm
    (``ln``); ``checkpoint`` checkpoints each layer.

    Call with ``(x, memory, x_mask, memory_mask)``.
    """

    def __init__(self, num_layers: int, dims: int, num_heads: int,
                 mlp_dims: Optional[int] = None, dropout: float = 0.0, activation=relu,
                 norm_first: bool = True, checkpoint: bool = False):
        super().__init__()
        self.layers = [TransformerDecoderLayer(dims, num_heads, mlp_dims, dropout, activation,
                                               norm_first) for _ in range(num_layers)]
        self.ln = LayerNorm(dims)
        self.checkpoint = checkpoint

    def __call__(self, x, memory, x_mask, memory_mask):
        for layer in self.layers:
            x = _layer_call(self, layer)(x, memory, x_mask, memory_mask)
        return self.ln(x)


class Transformer(Module):
    """An encoder-decoder transformer (Vaswani et al.): ``encoder`` then
    ``decoder``; either can be replaced by a custom module.

    Args:
        dims (int): model width. Default: ``512``.
        num_heads (int): attention heads. Default: ``8``.
        num_encoder_layers, num_decoder_layers (int): Default: ``6`` each.
        mlp_dims (int, optional): MLP width. Default: ``4 * dims``.
        dropout (float): Default: ``0.0``.
        activation (callable): Default: :func:`relu`.
        custom_encoder, custom_decoder (Module, optional): replacements.
        norm_first (bool): pre-norm layers. Default: ``True``.
        checkpoint (bool): gradient-checkpoint each layer. Default: ``False``.

    Call with ``(src, tgt, src_mask, tgt_mask, memory_mask)``.
    """

    def __init__(self, dims: int = 512, num_heads: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, mlp_dims: Optional[int] = None,
                 dropout: float = 0.0, activation: Callable[[Any], Any] = relu,
                 custom_encoder: Optional[Any] = None, custom_decoder: Optional[Any] = None,
                 norm_first: bool = True, checkpoint: bool = False):
        super().__init__()
        self.encoder = custom_encoder if custom_encoder is not None else TransformerEncoder(
            num_encoder_layers, dims, num_heads, mlp_dims, dropout, activation, norm_first,
            checkpoint)
        self.decoder = custom_decoder if custom_decoder is not None else TransformerDecoder(
            num_decoder_layers, dims, num_heads, mlp_dims, dropout, activation, norm_first,
            checkpoint)

    def __call__(self, src, tgt, src_mask, tgt_mask, memory_mask):
        memory = self.encoder(src, src_mask)
        return self.decoder(tgt, memory, tgt_mask, memory_mask)
