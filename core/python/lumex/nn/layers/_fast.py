"""The ``mx.fast`` kernels the layers call, with an equivalent composition of
ops for an engine that does not have them (yet): the layers work either way,
and use the fused kernel as soon as the engine provides it."""

import math

import lumex.core as mx

_fast = getattr(mx, "fast", None)


def _has(name):
    return _fast is not None and hasattr(_fast, name)


def _compute_dtype(x):
    return mx.float32 if x.dtype in (mx.float16, mx.bfloat16) else x.dtype


def _layer_norm(x, weight, bias, eps):
    dtype = x.dtype
    y = x.astype(_compute_dtype(x))
    mean = y.mean(axis=-1, keepdims=True)
    var = mx.square(y - mean).mean(axis=-1, keepdims=True)
    y = ((y - mean) * mx.rsqrt(var + eps)).astype(dtype)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def _rms_norm(x, weight, eps):
    dtype = x.dtype
    y = x.astype(_compute_dtype(x))
    y = (y * mx.rsqrt(mx.square(y).mean(axis=-1, keepdims=True) + eps)).astype(dtype)
    return y if weight is None else weight * y


def _rope(x, dims, *, traditional, base, scale, offset, freqs=None):
    shape = x.shape
    n = shape[-2]
    half = dims // 2
    if freqs is None:
        freqs = mx.exp(-mx.arange(half, dtype=mx.float32) * (math.log(base) / half))
        inv = freqs
    else:
        inv = 1.0 / freqs
    positions = (mx.arange(n, dtype=mx.float32) + offset) * scale
    theta = positions[:, None] * inv[None, :]
    cos, sin = mx.cos(theta).astype(x.dtype), mx.sin(theta).astype(x.dtype)
    rot, rest = x[..., :dims], x[..., dims:]
    if traditional:
        x1, x2 = rot[..., 0::2], rot[..., 1::2]
        r1, r2 = x1 * cos - x2 * sin, x1 * sin + x2 * cos
        rot = mx.stack([r1, r2], axis=-1).reshape(*shape[:-1], dims)
    else:
        x1, x2 = rot[..., :half], rot[..., half:]
        rot = mx.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)
    return rot if dims == shape[-1] else mx.concatenate([rot, rest], axis=-1)


def _sdpa(q, k, v, *, scale, mask=None, sinks=None):
    # grouped-query attention: repeat key/value heads to the query heads
    n_q, n_kv = q.shape[-3], k.shape[-3]
    if n_q != n_kv:
        k = mx.repeat(k, n_q // n_kv, axis=-3)
        v = mx.repeat(v, n_q // n_kv, axis=-3)
    scores = (q * scale) @ k.swapaxes(-1, -2)
    if isinstance(mask, str):
        if mask != "causal":
            raise ValueError(f"[scaled_dot_product_attention] invalid mask option '{mask}'.")
        ql, kl = scores.shape[-2], scores.shape[-1]
        mask = mx.arange(kl - ql, kl)[:, None] >= mx.arange(kl)[None]
    if mask is not None:
        if mask.dtype == mx.bool_:
            scores = mx.where(mask, scores, mx.array(-mx.inf, scores.dtype))
        else:
            scores = scores + mask
    return mx.softmax(scores, axis=-1, precise=True) @ v


def layer_norm(x, weight, bias, eps):
    """``mx.fast.layer_norm``."""
    if _has("layer_norm"):
        return _fast.layer_norm(x, weight, bias, eps)
    return _layer_norm(x, weight, bias, eps)


def rms_norm(x, weight, eps):
    """``mx.fast.rms_norm``."""
    if _has("rms_norm"):
        return _fast.rms_norm(x, weight, eps)
    return _rms_norm(x, weight, eps)


def rope(x, dims, *, traditional, base, scale, offset, freqs=None):
    """``mx.fast.rope``."""
    if _has("rope"):
        return _fast.rope(x, dims, traditional=traditional, base=base, scale=scale,
                          offset=offset, freqs=freqs)
    return _rope(x, dims, traditional=traditional, base=base, scale=scale, offset=offset,
                 freqs=freqs)


def scaled_dot_product_attention(q, k, v, *, scale, mask=None):
    """``mx.fast.scaled_dot_product_attention``."""
    if _has("scaled_dot_product_attention"):
        return _fast.scaled_dot_product_attention(q, k, v, scale=scale, mask=mask)
    return _sdpa(q, k, v, scale=scale, mask=mask)
