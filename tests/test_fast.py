"""mx.fast: rms_norm, layer_norm, rope, scaled_dot_product_attention and
cross_entropy against NumPy references, their gradients against finite
differences, vmap against a loop, and MLX's errors."""

import math

import numpy as np
import pytest

import lumex.core as mx

RNG = np.random.default_rng(0)


def randn(*shape, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def np_rms_norm(x, w, eps):
    y = x / np.sqrt(np.mean(x.astype(np.float64) ** 2, -1, keepdims=True) + eps)
    return y * (1.0 if w is None else w)


def np_layer_norm(x, w, b, eps):
    x = x.astype(np.float64)
    y = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


def np_rope(x, dims, traditional, base, scale, offset, freqs=None):
    x = x.astype(np.float64)
    T = x.shape[-2]
    half = dims // 2
    off = np.asarray(offset, np.float64)
    pos = np.arange(T, dtype=np.float64)
    if off.ndim == 1 and off.size > 1:
        pos = off.reshape((-1,) + (1,) * (x.ndim - 2)) + pos
    else:
        pos = pos + off.reshape(())
    pos = pos * scale
    inv = 1.0 / freqs if freqs is not None else base ** (-np.arange(half) / half)
    th = pos[..., None] * inv
    c, s = np.cos(th), np.sin(th)
    out = x.copy()
    if traditional:
        x1, x2 = x[..., 0:dims:2], x[..., 1:dims:2]
        out[..., 0:dims:2] = x1 * c - x2 * s
        out[..., 1:dims:2] = x1 * s + x2 * c
    else:
        x1, x2 = x[..., :half], x[..., half:dims]
        out[..., :half] = x1 * c - x2 * s
        out[..., half:dims] = x1 * s + x2 * c
    return out


def np_sdpa(q, k, v, scale, mask=None, sinks=None):
    B, Nq, Tq, D = q.shape
    Nkv, Tkv = k.shape[1], k.shape[2]
    rep = Nq // Nkv
    k = np.repeat(k, rep, axis=1).astype(np.float64)
    v = np.repeat(v, rep, axis=1).astype(np.float64)
    s = scale * q.astype(np.float64) @ np.swapaxes(k, -1, -2)
    lowest = np.finfo(np.float32).min
    if isinstance(mask, str):
        keep = (np.arange(Tq)[:, None] + Tkv - Tq) >= np.arange(Tkv)[None]
        s = np.where(keep, s, lowest)
    elif mask is not None and mask.dtype == bool:
        s = np.where(mask, s, lowest)
    elif mask is not None:
        s = s + mask
    if sinks is not None:
        s = np.concatenate([np.broadcast_to(sinks.reshape(1, -1, 1, 1), (B, Nq, Tq, 1)), s], -1)
    s = s - s.max(-1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(-1, keepdims=True)
    if sinks is not None:
        p = p[..., 1:]
    return p @ v


def num_grad(f, x, eps=1e-3):
    """Central differences of the scalar f at x (float64 NumPy)."""
    g = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


# ---------------------------------------------------------------- rms_norm


@pytest.mark.parametrize("shape", [(2, 31), (3, 4, 32), (4099,), (5, 1)])
@pytest.mark.parametrize("weighted", [True, False])
def test_rms_norm_values(shape, weighted):
    x = randn(*shape)
    w = randn(shape[-1]) if weighted else None
    y = mx.fast.rms_norm(mx.array(x), None if w is None else mx.array(w), 1e-5)
    np.testing.assert_allclose(np.array(y), np_rms_norm(x, w, 1e-5), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_rms_norm_half_types(dt):
    x, w = randn(4, 64), randn(64)
    y = mx.fast.rms_norm(mx.array(x).astype(getattr(mx, dt)), mx.array(w).astype(getattr(mx, dt)), 1e-5)
    assert y.dtype == getattr(mx, dt)
    tol = 1e-2 if dt == "float16" else 5e-2
    np.testing.assert_allclose(np.array(y.astype(mx.float32)), np_rms_norm(x, w, 1e-5), rtol=tol, atol=tol)
    # A float32 weight promotes.
    assert mx.fast.rms_norm(mx.array(x).astype(mx.float16), mx.array(w), 1e-5).dtype == mx.float32


def test_rms_norm_grads_match_finite_differences():
    x, w, c = randn(3, 8).astype(np.float64), randn(8).astype(np.float64), randn(3, 8)
    f = lambda a, b: (mx.fast.rms_norm(a, b, 1e-5) * mx.array(c)).sum()
    gx, gw = mx.grad(f, argnums=(0, 1))(mx.array(x, mx.float32), mx.array(w, mx.float32))
    ref = lambda xx, ww: float((np_rms_norm(xx, ww, 1e-5) * c).sum())
    np.testing.assert_allclose(np.array(gx), num_grad(lambda xx: ref(xx, w), x), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(np.array(gw), num_grad(lambda ww: ref(x, ww), w), rtol=1e-3, atol=1e-3)
    # jvp agrees with the vjp (directional derivative).
    t = randn(3, 8)
    _, (jt,) = mx.jvp(lambda a: mx.fast.rms_norm(a, mx.array(w, mx.float32), 1e-5),
                      (mx.array(x, mx.float32),), (mx.array(t),))
    _, (vt,) = mx.vjp(lambda a: mx.fast.rms_norm(a, mx.array(w, mx.float32), 1e-5),
                      (mx.array(x, mx.float32),), (mx.array(c),))
    np.testing.assert_allclose(float((np.array(jt) * c).sum()), float((np.array(vt) * t).sum()),
                               rtol=1e-4, atol=1e-4)


def test_rms_norm_vmap_matches_loop():
    x, w = randn(3, 4, 16), randn(16)
    f = lambda a: mx.fast.rms_norm(a, mx.array(w), 1e-5)
    out = mx.vmap(f, in_axes=1)(mx.array(x))
    loop = np.stack([np.array(f(mx.array(x[:, i]))) for i in range(4)])
    np.testing.assert_allclose(np.array(out), loop, rtol=1e-6, atol=1e-6)


def test_rms_norm_errors():
    x = mx.ones((2, 5))
    with pytest.raises(ValueError, match="rms_norm"):
        mx.fast.rms_norm(x, mx.ones((4,)), 1e-5)
    with pytest.raises(ValueError, match="rms_norm"):
        mx.fast.rms_norm(x, mx.ones((1, 5)), 1e-5)
    with pytest.raises(ValueError, match="rms_norm"):
        mx.fast.rms_norm(mx.array(1.0), None, 1e-5)
    with pytest.raises(ValueError, match="rms_norm"):
        mx.fast.rms_norm(mx.ones((2, 5), mx.int32), None, 1e-5)


# -------------------------------------------------------------- layer_norm


@pytest.mark.parametrize("shape", [(2, 33), (2, 3, 128), (4099,)])
@pytest.mark.parametrize("wb", [(True, True), (True, False), (False, True), (False, False)])
def test_layer_norm_values(shape, wb):
    x = randn(*shape) + 3.0
    w = randn(shape[-1]) if wb[0] else None
    b = randn(shape[-1]) if wb[1] else None
    y = mx.fast.layer_norm(mx.array(x), None if w is None else mx.array(w),
                           None if b is None else mx.array(b), 1e-5)
    np.testing.assert_allclose(np.array(y), np_layer_norm(x, w, b, 1e-5), rtol=1e-4, atol=1e-5)


def test_layer_norm_strided_input():
    x = randn(8, 100, 128)
    y = mx.fast.layer_norm(mx.array(x)[:, 99:], None, None, 1e-5)
    np.testing.assert_allclose(np.array(y), np_layer_norm(x[:, 99:], None, None, 1e-5), rtol=1e-4, atol=1e-5)


def test_layer_norm_grads_match_finite_differences():
    x, w, b, c = (randn(2, 6).astype(np.float64), randn(6).astype(np.float64),
                  randn(6).astype(np.float64), randn(2, 6))
    f = lambda a, ww, bb: (mx.fast.layer_norm(a, ww, bb, 1e-5) * mx.array(c)).sum()
    g = mx.grad(f, argnums=(0, 1, 2))(*(mx.array(v, mx.float32) for v in (x, w, b)))
    ref = lambda xx, ww, bb: float((np_layer_norm(xx, ww, bb, 1e-5) * c).sum())
    np.testing.assert_allclose(np.array(g[0]), num_grad(lambda v: ref(v, w, b), x), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(np.array(g[1]), num_grad(lambda v: ref(x, v, b), w), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(np.array(g[2]), num_grad(lambda v: ref(x, w, v), b), rtol=1e-3, atol=1e-3)


def test_layer_norm_second_order_grad_without_bias():
    x, w, y = randn(2, 4, 8), randn(8), randn(2, 4, 8)

    def inner(a, ww):
        gx, gw = mx.grad(lambda p, q: (mx.fast.layer_norm(p, q, None, 1e-5) * mx.array(y)).sum(),
                         argnums=(0, 1))(a, ww)
        return ((gx + gw) * mx.array(y)).sum()

    gx, gw = mx.grad(inner, argnums=(0, 1))(mx.array(x), mx.array(w))
    assert gx.shape == x.shape and gw.shape == w.shape
    assert np.isfinite(np.array(gx)).all()


def test_layer_norm_errors():
    with pytest.raises(ValueError, match="layer_norm"):
        mx.fast.layer_norm(mx.ones((4, 128)), mx.ones((129,)), None, 1e-3)
    with pytest.raises(ValueError, match="layer_norm"):
        mx.fast.layer_norm(mx.ones((4, 128)), None, mx.ones((129,)), 1e-3)
    with pytest.raises(ValueError, match="layer_norm"):
        mx.fast.layer_norm(mx.ones((4, 8), mx.int32), None, None, 1e-3)


# -------------------------------------------------------------------- rope


@pytest.mark.parametrize("traditional", [False, True])
@pytest.mark.parametrize("dims", [8, 4])
@pytest.mark.parametrize("offset", [0, 3])
def test_rope_values(traditional, dims, offset):
    x = randn(2, 3, 5, 8)
    y = mx.fast.rope(mx.array(x), dims, traditional=traditional, base=10000.0, scale=0.5,
                     offset=offset)
    np.testing.assert_allclose(np.array(y), np_rope(x, dims, traditional, 10000.0, 0.5, offset),
                               rtol=1e-5, atol=1e-5)


def test_rope_array_offsets_and_freqs():
    x = randn(3, 2, 4, 16)
    off = np.array([0, 5, 9], np.int32)
    y = mx.fast.rope(mx.array(x), 16, traditional=True, base=500.0, scale=1.0, offset=mx.array(off))
    np.testing.assert_allclose(np.array(y), np_rope(x, 16, True, 500.0, 1.0, off), rtol=1e-5, atol=1e-5)
    y = mx.fast.rope(mx.array(x), 16, traditional=False, base=500.0, scale=1.0, offset=mx.array(4))
    np.testing.assert_allclose(np.array(y), np_rope(x, 16, False, 500.0, 1.0, 4), rtol=1e-5, atol=1e-5)
    f = np.abs(randn(8)) + 0.5
    y = mx.fast.rope(mx.array(x), 16, traditional=False, base=None, scale=1.0, offset=2,
                     freqs=mx.array(f))
    np.testing.assert_allclose(np.array(y), np_rope(x, 16, False, None, 1.0, 2, f), rtol=1e-5, atol=1e-5)


def test_rope_half_precision_keeps_dtype():
    x = randn(1, 4, 8)
    y = mx.fast.rope(mx.array(x).astype(mx.float16), 8, traditional=False, base=10000.0, scale=1.0, offset=0)
    assert y.dtype == mx.float16
    np.testing.assert_allclose(np.array(y.astype(mx.float32)), np_rope(x, 8, False, 1e4, 1.0, 0), atol=3e-3)


def test_rope_grad_and_vmap():
    x, c = randn(1, 3, 8).astype(np.float64), randn(1, 3, 8)
    f = lambda a: (mx.fast.rope(a, 8, traditional=False, base=100.0, scale=1.0, offset=1)
                   * mx.array(c)).sum()
    g = mx.grad(f)(mx.array(x, mx.float32))
    ref = num_grad(lambda v: float((np_rope(v, 8, False, 100.0, 1.0, 1) * c).sum()), x)
    np.testing.assert_allclose(np.array(g), ref, rtol=1e-3, atol=1e-3)
    xs = randn(2, 2, 2, 8)
    r = lambda a: mx.fast.rope(a, 8, traditional=True, base=1e4, scale=1.0, offset=0)
    out = mx.vmap(r)(mx.array(xs))
    np.testing.assert_allclose(np.array(out), np.stack([np.array(r(mx.array(v))) for v in xs]), atol=1e-6)


def test_rope_errors():
    x = mx.ones((1, 4, 64))
    kw = dict(traditional=False, base=10000.0, scale=1.0, offset=0)
    for dims in (0, -2, 7, 128):
        with pytest.raises(ValueError, match="rope"):
            mx.fast.rope(x, dims, **kw)
    with pytest.raises(ValueError, match="rope"):
        mx.fast.rope(mx.ones((4, 8)), 8, **kw)
    with pytest.raises(ValueError, match="rope"):
        mx.fast.rope(mx.ones((2, 4, 8), mx.int32), 8, **kw)
    with pytest.raises(ValueError, match="rope"):
        mx.fast.rope(mx.ones((8, 4, 4, 8)), 8, traditional=True, base=1e4, scale=1.0,
                     offset=mx.array([1, 2, 3]))
    with pytest.raises(ValueError, match="rope"):
        mx.fast.rope(mx.ones((2, 4, 8)), 8, traditional=False, base=None, scale=1.0, offset=0)
    with pytest.raises(ValueError, match="rope"):
        mx.fast.rope(mx.ones((2, 4, 8)), 8, traditional=False, base=1.0, scale=1.0, offset=0,
                     freqs=mx.ones(4))
    with pytest.raises(ValueError, match="rope"):
        mx.fast.rope(mx.ones((2, 4, 8)), 8, traditional=False, base=None, scale=1.0, offset=0,
                     freqs=mx.ones(3))


# ---------------------------------------------------------------- attention


@pytest.mark.parametrize("heads", [(4, 4), (4, 2), (4, 1)])
@pytest.mark.parametrize("mask", [None, "causal", "bool", "additive"])
def test_sdpa_values(heads, mask):
    Nq, Nkv = heads
    q, k, v = randn(2, Nq, 5, 8), randn(2, Nkv, 7, 8), randn(2, Nkv, 7, 6)
    m = mask
    if mask == "bool":
        m = RNG.random((2, 1, 5, 7)) > 0.3
    elif mask == "additive":
        m = randn(5, 7)
    out = mx.fast.scaled_dot_product_attention(
        mx.array(q), mx.array(k), mx.array(v), scale=0.3,
        mask=mx.array(m) if isinstance(m, np.ndarray) else m)
    np.testing.assert_allclose(np.array(out), np_sdpa(q, k, v, 0.3, m), rtol=2e-5, atol=2e-5)


def test_sdpa_fully_masked_rows_and_sinks():
    q, k, v = randn(1, 2, 3, 4), randn(1, 2, 5, 4), randn(1, 2, 5, 4)
    m = np.ones((3, 5), bool)
    m[1] = False
    out = np.array(mx.fast.scaled_dot_product_attention(
        mx.array(q), mx.array(k), mx.array(v), scale=0.5, mask=mx.array(m)))
    # MLX: a fully masked row is the mean of the values.
    np.testing.assert_allclose(out[0, :, 1], v[0].mean(1), rtol=1e-5, atol=1e-6)
    sinks = randn(2)
    out = mx.fast.scaled_dot_product_attention(
        mx.array(q), mx.array(k), mx.array(v), scale=0.5, mask=mx.array(m), sinks=mx.array(sinks))
    np.testing.assert_allclose(np.array(out), np_sdpa(q, k, v, 0.5, m, sinks), rtol=2e-5, atol=2e-5)
    # Tq > Tkv with a causal mask: the first rows see no key.
    q2 = randn(1, 2, 6, 4)
    out = mx.fast.scaled_dot_product_attention(mx.array(q2), mx.array(k), mx.array(v), scale=0.5,
                                               mask="causal")
    np.testing.assert_allclose(np.array(out), np_sdpa(q2, k, v, 0.5, "causal"), rtol=2e-5, atol=2e-5)


def test_sdpa_grads_match_finite_differences():
    q, k, v = (randn(1, 2, 3, 4).astype(np.float64), randn(1, 1, 4, 4).astype(np.float64),
               randn(1, 1, 4, 4).astype(np.float64))
    c = randn(1, 2, 3, 4)
    f = lambda a, b, d: (mx.fast.scaled_dot_product_attention(a, b, d, scale=0.5, mask="causal")
                         * mx.array(c)).sum()
    g = mx.grad(f, argnums=(0, 1, 2))(*(mx.array(t, mx.float32) for t in (q, k, v)))
    ref = lambda a, b, d: float((np_sdpa(a, b, d, 0.5, "causal") * c).sum())
    np.testing.assert_allclose(np.array(g[0]), num_grad(lambda t: ref(t, k, v), q), rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(np.array(g[1]), num_grad(lambda t: ref(q, t, v), k), rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(np.array(g[2]), num_grad(lambda t: ref(q, k, t), v), rtol=2e-3, atol=2e-3)


def test_sdpa_vmap_matches_loop():
    q, k, v = randn(3, 1, 2, 4, 8), randn(3, 1, 2, 4, 8), randn(3, 1, 2, 4, 8)
    f = lambda a, b, d: mx.fast.scaled_dot_product_attention(a, b, d, scale=0.25, mask="causal")
    out = mx.vmap(f)(mx.array(q), mx.array(k), mx.array(v))
    loop = np.stack([np.array(f(mx.array(q[i]), mx.array(k[i]), mx.array(v[i]))) for i in range(3)])
    np.testing.assert_allclose(np.array(out), loop, rtol=1e-5, atol=1e-6)


def test_sdpa_dtypes_and_errors():
    q, k, v = mx.ones((1, 2, 3, 4)), mx.ones((1, 2, 5, 4)), mx.ones((1, 2, 5, 4))
    assert mx.fast.scaled_dot_product_attention(q.astype(mx.float16), k.astype(mx.float16),
                                                v.astype(mx.float16), scale=1.0).dtype == mx.float16
    sdpa = mx.fast.scaled_dot_product_attention
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        sdpa(q, k, v, scale=1.0, mask="foo")
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        sdpa(q, k[:, :1], v, scale=1.0)
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        sdpa(mx.ones((1, 3, 3, 4)), k, v, scale=1.0)
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        sdpa(q, k[..., :3], v, scale=1.0)
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        sdpa(q[0], k[0], v[0], scale=1.0)
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        sdpa(q, k, v, scale=1.0, mask=mx.ones((1, 1, 1, 3, 5)))
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        sdpa(q, k, v, scale=1.0, sinks=mx.ones((3,)))
    with pytest.raises(ValueError):
        sdpa(q.astype(mx.float16), k.astype(mx.float16), v.astype(mx.float16), scale=1.0,
             mask=mx.ones((3, 5)))


# ------------------------------------------------------------ cross_entropy


def test_cross_entropy():
    logits, t = randn(4, 7), np.array([0, 6, 3, 2])
    ref = np.log(np.exp(logits.astype(np.float64)).sum(-1)) - logits[np.arange(4), t]
    y = mx.fast.cross_entropy(mx.array(logits), mx.array(t))
    assert y.dtype == mx.float32
    np.testing.assert_allclose(np.array(y), ref, rtol=1e-5, atol=1e-6)
    g = mx.grad(lambda a: mx.fast.cross_entropy(a, mx.array(t)).sum())(mx.array(logits))
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    p[np.arange(4), t] -= 1
    np.testing.assert_allclose(np.array(g), p, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="cross_entropy"):
        mx.fast.cross_entropy(mx.array(logits), mx.array(t.astype(np.float32)))
    with pytest.raises(ValueError, match="cross_entropy"):
        mx.fast.cross_entropy(mx.array(logits), mx.array(t[:2]))
    with pytest.raises(ValueError, match="cross_entropy"):
        mx.fast.cross_entropy(mx.array(logits).astype(mx.int32), mx.array(t))


def test_custom_kernels_name_the_missing_backend():
    k = mx.fast.metal_kernel(name="k", input_names=["x"], output_names=["o"], source="")
    with pytest.raises(RuntimeError, match="Metal"):
        k(inputs=[mx.ones(2)], grid=(1, 1, 1), threadgroup=(1, 1, 1), output_shapes=[(2,)],
          output_dtypes=[mx.float32])
    with pytest.raises(ValueError):
        mx.fast.metal_kernel(name="k", input_names=["x"], output_names=["o"], source="",
                             compile_options={"math_mode": "precise"})
    k = mx.fast.cuda_kernel(name="k", input_names=["x"], output_names=["o"], source="")
    with pytest.raises(RuntimeError, match="CUDA"):
        k(inputs=[mx.ones(2)])
    with pytest.raises(RuntimeError, match="CUDA"):
        mx.fast.precompiled_cuda_kernel(name="k", compiled_source=b"", inputs=[],
                                        output_shapes=[(2,)], output_dtypes=[mx.float32],
                                        scalars=[], grid=(1, 1, 1), threadgroup=(1, 1, 1))
