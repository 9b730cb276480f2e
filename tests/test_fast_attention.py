"""The fused scaled_dot_product_attention kernel and its backward: values
against a float64 NumPy reference and PyTorch over masks, grouped-query heads,
sinks, dtypes and odd sizes; gradients and forward-mode derivatives against
finite differences; vmap against a loop; the fused path against the composed
one (float64 inputs take the composed path)."""

import numpy as np
import pytest

import lumex.core as mx
from test_fast import np_sdpa, num_grad

RNG = np.random.default_rng(7)
sdpa = mx.fast.scaled_dot_product_attention


def randn(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def make_mask(kind, B, Lq, Lk):
    if kind == "bool":
        m = RNG.random((B, 1, Lq, Lk)) > 0.4
        m[:, :, 0] = False  # one fully masked row per batch
        return m
    if kind == "additive":
        return randn(Lq, Lk)
    return kind


def as_mx(m):
    return mx.array(m) if isinstance(m, np.ndarray) else m


def op_names(x):
    return {n.op for n in mx.graph.nodes(x) if n.op}


SHAPES = [  # B, Hq, Hkv, Lq, Lk, D
    (2, 4, 4, 5, 7, 8),
    (1, 8, 2, 1, 1024, 64),    # decode
    (2, 2, 1, 130, 300, 80),   # several key tiles, Lq != Lk
    (1, 2, 2, 300, 130, 128),  # Lq > Lk: causal rows with no key
    (1, 3, 1, 65, 65, 64),
]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("mask", [None, "causal", "bool", "additive"])
@pytest.mark.parametrize("with_sinks", [False, True])
def test_values(shape, mask, with_sinks):
    B, Hq, Hkv, Lq, Lk, D = shape
    q, k, v = randn(B, Hq, Lq, D), randn(B, Hkv, Lk, D), randn(B, Hkv, Lk, D)
    m = make_mask(mask, B, Lq, Lk)
    sinks = randn(Hq) if with_sinks else None
    out = sdpa(mx.array(q), mx.array(k), mx.array(v), scale=D ** -0.5, mask=as_mx(m),
               sinks=None if sinks is None else mx.array(sinks))
    assert "ScaledDotProductAttention" in op_names(out)
    np.testing.assert_allclose(np.array(out), np_sdpa(q, k, v, D ** -0.5, m, sinks),
                               rtol=1e-4, atol=1e-5)


def test_value_dim_differs_and_broadcast_masks():
    q, k, v = randn(2, 4, 9, 16), randn(2, 2, 11, 16), randn(2, 2, 11, 24)
    for m in [RNG.random((11,)) > 0.3, RNG.random((4, 1, 11)) > 0.3, randn(2, 1, 1, 11),
              np.swapaxes(randn(11, 9), 0, 1)]:
        out = sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.2, mask=mx.array(m))
        np.testing.assert_allclose(np.array(out), np_sdpa(q, k, v, 0.2, m), rtol=1e-4, atol=1e-5)


def test_strided_inputs():
    q, k, v = randn(2, 6, 3, 8), randn(2, 9, 3, 8), randn(2, 9, 3, 8)
    tq = lambda a: mx.swapaxes(mx.array(a), 1, 2)
    out = sdpa(tq(q), tq(k), tq(v), scale=0.5, mask="causal")
    sw = lambda a: np.swapaxes(a, 1, 2)
    np.testing.assert_allclose(np.array(out), np_sdpa(sw(q), sw(k), sw(v), 0.5, "causal"),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_half_types_accumulate_in_float32(dt):
    q, k, v = randn(1, 4, 70, 64), randn(1, 2, 300, 64), randn(1, 2, 300, 64)
    h = getattr(mx, dt)
    out = sdpa(mx.array(q).astype(h), mx.array(k).astype(h), mx.array(v).astype(h), scale=0.125,
               mask="causal")
    assert out.dtype == h
    # Reference from the rounded inputs: only the output rounding remains.
    r = lambda a: np.array(mx.array(a).astype(h).astype(mx.float32))
    ref = np_sdpa(r(q), r(k), r(v), 0.125, "causal")
    tol = 2e-3 if dt == "float16" else 1.6e-2
    np.testing.assert_allclose(np.array(out.astype(mx.float32)), ref, rtol=tol, atol=tol)


def test_fully_masked_rows_additive_infinity_is_nan():
    q, k, v = randn(1, 1, 3, 4), randn(1, 1, 5, 4), randn(1, 1, 5, 4)
    m = np.zeros((3, 5), np.float32)
    m[1] = -np.inf
    out = np.array(sdpa(mx.array(q), mx.array(k), mx.array(v), scale=1.0, mask=mx.array(m)))
    assert np.isnan(out[0, 0, 1]).all() and np.isfinite(out[0, 0, [0, 2]]).all()


def test_against_torch():
    torch = pytest.importorskip("torch", reason="torch is not installed")
    F = torch.nn.functional
    q, k, v = randn(2, 8, 100, 64), randn(2, 8, 100, 64), randn(2, 8, 100, 64)
    tq, tk, tv = map(torch.tensor, (q, k, v))
    out = sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.125, mask="causal")
    ref = F.scaled_dot_product_attention(tq, tk, tv, is_causal=True, scale=0.125)
    np.testing.assert_allclose(np.array(out), ref.numpy(), rtol=1e-4, atol=1e-5)
    m = RNG.random((2, 1, 100, 100)) > 0.2
    out = sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.125, mask=mx.array(m))
    ref = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.tensor(m), scale=0.125)
    np.testing.assert_allclose(np.array(out), ref.numpy(), rtol=1e-4, atol=1e-5)
    # Gradients of a weighted sum, against torch's autograd.
    c = randn(2, 8, 100, 64)
    f = lambda a, b, d: (sdpa(a, b, d, scale=0.125, mask="causal") * mx.array(c)).sum()
    g = mx.grad(f, argnums=(0, 1, 2))(mx.array(q), mx.array(k), mx.array(v))
    ts = [t.clone().requires_grad_() for t in (tq, tk, tv)]
    (F.scaled_dot_product_attention(*ts, is_causal=True, scale=0.125) * torch.tensor(c)).sum().backward()
    for a, t in zip(g, ts):
        np.testing.assert_allclose(np.array(a), t.grad.numpy(), rtol=1e-3, atol=1e-4)


def _fd_case(mask, with_sinks):
    q, k, v = (randn(1, 4, 3, 4).astype(np.float64), randn(1, 2, 5, 4).astype(np.float64),
               randn(1, 2, 5, 4).astype(np.float64))
    m = make_mask(mask, 1, 3, 5)
    if mask == "additive":
        m = m.astype(np.float64)
    sinks = randn(4).astype(np.float64) if with_sinks else None
    c = randn(1, 4, 3, 4)
    return q, k, v, m, sinks, c


@pytest.mark.parametrize("mask", [None, "causal", "bool", "additive"])
@pytest.mark.parametrize("with_sinks", [False, True])
def test_grads_match_finite_differences(mask, with_sinks):
    q, k, v, m, sinks, c = _fd_case(mask, with_sinks)
    prims = [q, k, v] + ([sinks] if with_sinks else [])
    add_mask = mask == "additive"
    if add_mask:
        prims.append(m)

    def lum(*a):
        mm = a[-1] if add_mask else as_mx(m)
        s = a[3] if with_sinks else None
        return (sdpa(a[0], a[1], a[2], scale=0.7, mask=mm, sinks=s) * mx.array(c)).sum()

    def ref(*a):
        mm = a[-1] if add_mask else m
        s = a[3] if with_sinks else None
        return float((np_sdpa(a[0], a[1], a[2], 0.7, mm, s) * c).sum())

    args = [mx.array(p, mx.float32) for p in prims]
    for i, g in enumerate(mx.grad(lum, argnums=tuple(range(len(args))))(*args)):
        def fi(t, i=i):
            a = list(prims)
            a[i] = t
            return ref(*a)
        np.testing.assert_allclose(np.array(g), num_grad(fi, prims[i]), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("mask", [None, "causal", "additive"])
def test_jvp_matches_finite_differences(mask):
    q, k, v, m, sinks, _ = _fd_case(mask, True)
    t = [randn(*a.shape).astype(np.float64) for a in (q, k, v, sinks)]
    mm = as_mx(m.astype(np.float32) if mask == "additive" else m)
    f = lambda a, b, d, s: sdpa(a, b, d, scale=0.7, mask=mm, sinks=s)
    f32 = lambda xs: [mx.array(x, mx.float32) for x in xs]
    _, (tan,) = mx.jvp(f, f32([q, k, v, sinks]), f32(t))
    eps = 1e-4
    ref = lambda a: np_sdpa(a[0], a[1], a[2], 0.7, m, a[3])
    fd = (ref([x + eps * d for x, d in zip((q, k, v, sinks), t)])
          - ref([x - eps * d for x, d in zip((q, k, v, sinks), t)])) / (2 * eps)
    np.testing.assert_allclose(np.array(tan), fd, rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("mask", [None, "causal", "bool", "additive"])
def test_fused_matches_composed_including_second_order(mask):
    q, k, v, m, sinks, c = _fd_case(mask, True)
    mm = as_mx(m.astype(np.float32) if mask == "additive" else m)

    def loss(a, b, d, s):
        return (sdpa(a, b, d, scale=0.7, mask=mm if mask != "additive" else mm.astype(a.dtype),
                     sinks=s) * mx.array(c, a.dtype)).sum()

    # The gradient's own gradient runs the transforms of the fused backward.
    gg = lambda a, b, d, s: (mx.grad(loss, argnums=(0, 1, 2, 3))(a, b, d, s)[0] ** 2).sum()
    outs = {}
    for dt in (mx.float32, mx.float64):  # float64 is the composed path
        args = [mx.array(x, dt) for x in (q, k, v, sinks)]
        outs[dt] = ([np.array(g) for g in mx.grad(loss, argnums=(0, 1, 2, 3))(*args)]
                    + [np.array(g) for g in mx.grad(gg, argnums=(0, 1, 2, 3))(*args)])
    for a, b in zip(outs[mx.float32], outs[mx.float64]):
        np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-4)


@pytest.mark.parametrize("batched", ["q", "kv", "mask", "sinks", "all"])
def test_vmap_matches_loop(batched):
    n, B, Hq, Hkv, Lq, Lk, D = 3, 2, 4, 2, 5, 6, 8
    bq = batched in ("q", "all")
    bkv = batched in ("kv", "all")
    bm = batched in ("mask", "all")
    bs = batched in ("sinks", "all")
    q = randn(n, B, Hq, Lq, D) if bq else randn(B, Hq, Lq, D)
    k = randn(n, B, Hkv, Lk, D) if bkv else randn(B, Hkv, Lk, D)
    v = randn(n, B, Hkv, Lk, D) if bkv else randn(B, Hkv, Lk, D)
    m = randn(n, 1, Lq, Lk) if bm else randn(B, 1, Lq, Lk)
    s = randn(n, Hq) if bs else randn(Hq)
    f = lambda a, b, d, mm, ss: sdpa(a, b, d, scale=0.3, mask=mm, sinks=ss)
    axes = tuple(0 if x else None for x in (bq, bkv, bkv, bm, bs))
    args = [mx.array(x) for x in (q, k, v, m, s)]
    out = mx.vmap(f, in_axes=axes)(*args)
    pick = lambda x, b, i: x[i] if b else x
    loop = np.stack([np_sdpa(pick(q, bq, i), pick(k, bkv, i), pick(v, bkv, i), 0.3,
                             pick(m, bm, i), pick(s, bs, i)) for i in range(n)])
    np.testing.assert_allclose(np.array(out), loop, rtol=1e-4, atol=1e-5)
    # vmap of the gradient runs the backward's batching rule.
    g = lambda a, b, d, mm, ss: mx.grad(lambda a, b, d: f(a, b, d, mm, ss).sum(),
                                        argnums=(0, 1, 2))(a, b, d)
    vg = mx.vmap(g, in_axes=axes)(*args)
    for i in range(n):
        gi = g(*[x[i] if ax == 0 else x for x, ax in zip(args, axes)])
        for a, b in zip(vg, gi):
            np.testing.assert_allclose(np.array(a)[i] if a.ndim == 5 else np.array(a),
                                       np.array(b), rtol=1e-4, atol=1e-5)


def test_errors_are_value_errors():
    q, k, v = mx.ones((1, 2, 3, 4)), mx.ones((1, 2, 5, 4)), mx.ones((1, 2, 5, 4))
    with pytest.raises(ValueError, match="broadcast"):
        sdpa(q, k, v, scale=1.0, mask=mx.ones((2, 3, 3, 5), mx.bool_))
    with pytest.raises(ValueError, match="mismatching batch dimension"):
        sdpa(mx.ones((2, 2, 3, 4)), k, v, scale=1.0)
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        sdpa(q, k, v, scale=1.0, sinks=mx.ones((2, 2)))
