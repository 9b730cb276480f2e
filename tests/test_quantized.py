"""quantize / dequantize / quantized_matmul: bit-exact against arrays the real MLX
wheel produced (tests/fixtures/quantized_mlx.npz, written by
make_quantized_fixtures.py), against NumPy products, gradients against finite
differences, vmap against a loop, and MLX's errors."""

from pathlib import Path

import numpy as np
import pytest

import lumex.core as mx

FIX = np.load(Path(__file__).parent / "fixtures" / "quantized_mlx.npz")
W, X, XT = FIX["w"], FIX["x"], FIX["xt"]
RNG = np.random.default_rng(3)

AFFINE = [(b, g) for b in (2, 3, 4, 5, 6, 8) for g in (32, 64, 128)]


@pytest.mark.parametrize("bits,gs", AFFINE)
def test_affine_matches_mlx_bit_for_bit(bits, gs):
    tag = f"affine/float32/{bits}/{gs}"
    wq, s, b = mx.quantize(mx.array(W), group_size=gs, bits=bits)
    assert wq.dtype == mx.uint32 and s.dtype == mx.float32
    np.testing.assert_array_equal(np.array(wq), FIX[f"{tag}/0"])
    np.testing.assert_allclose(np.array(s), FIX[f"{tag}/1"], rtol=1e-6)
    np.testing.assert_allclose(np.array(b), FIX[f"{tag}/2"], rtol=1e-6)
    # MLX's own packed arrays dequantize and multiply the same here.
    mw, ms, mb = (mx.array(FIX[f"{tag}/{i}"]) for i in range(3))
    np.testing.assert_allclose(np.array(mx.dequantize(mw, ms, mb, gs, bits)), FIX[f"{tag}/deq"],
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.array(mx.quantized_matmul(mx.array(X), mw, ms, mb, True, gs, bits)),
                               FIX[f"{tag}/qmm"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.array(mx.quantized_matmul(mx.array(XT), mw, ms, mb, False, gs, bits)),
                               FIX[f"{tag}/qmm_t"], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype,bits", [(d, b) for d in ("float16", "bfloat16") for b in (4, 8)])
def test_affine_half_types_match_mlx(dtype, bits):
    tag = f"affine/{dtype}/{bits}/64"
    wq, s, b = mx.quantize(mx.array(W).astype(getattr(mx, dtype)), 64, bits)
    assert s.dtype == getattr(mx, dtype)
    np.testing.assert_array_equal(np.array(wq), FIX[f"{tag}/0"])
    np.testing.assert_array_equal(np.array(s.astype(mx.float32)), FIX[f"{tag}/1"])
    np.testing.assert_array_equal(np.array(b.astype(mx.float32)), FIX[f"{tag}/2"])
    deq = mx.dequantize(wq, s, b, 64, bits)
    assert deq.dtype == getattr(mx, dtype)
    np.testing.assert_allclose(np.array(deq.astype(mx.float32)), FIX[f"{tag}/deq"], rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("mode", ["mxfp4", "mxfp8", "nvfp4"])
def test_fp_modes_match_mlx(mode):
    wq, s = mx.quantize(mx.array(W), mode=mode)
    assert s.dtype == mx.uint8
    np.testing.assert_array_equal(np.array(wq), FIX[f"{mode}/0"])
    np.testing.assert_array_equal(np.array(s), FIX[f"{mode}/1"])
    mw, ms = mx.array(FIX[f"{mode}/0"]), mx.array(FIX[f"{mode}/1"])
    d = mx.dequantize(mw, ms, mode=mode)
    assert d.dtype == mx.bfloat16
    np.testing.assert_array_equal(np.array(mx.dequantize(mw, ms, mode=mode, dtype=mx.float32)),
                                  FIX[f"{mode}/deq"])
    np.testing.assert_allclose(np.array(mx.quantized_matmul(mx.array(X), mw, ms, mode=mode)),
                               FIX[f"{mode}/qmm"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        np.array(mx.quantized_matmul(mx.array(XT), mw, ms, transpose=False, mode=mode)),
        FIX[f"{mode}/qmm_t"], rtol=1e-5, atol=1e-5)


def test_nvfp4_global_scale_matches_mlx():
    g = mx.array(FIX["nvfp4_global/g"])
    wq, s = mx.quantize(mx.array(W), mode="nvfp4", global_scale=g)
    np.testing.assert_array_equal(np.array(wq), FIX["nvfp4_global/0"])
    np.testing.assert_array_equal(np.array(s), FIX["nvfp4_global/1"])
    d = mx.dequantize(wq, s, mode="nvfp4", global_scale=g, dtype=mx.float32)
    np.testing.assert_allclose(np.array(d), FIX["nvfp4_global/deq"], rtol=1e-6)


def np_dequantize(wq, s, b, gs, bits):
    """The reference unpacking: a little-endian bit stream over uint32 words."""
    rows, words = wq.shape
    n = words * 32 // bits
    out = np.zeros((rows, n))
    for r in range(rows):
        stream = 0
        for i, wd in enumerate(wq[r]):
            stream |= int(wd) << (32 * i)
        q = np.array([(stream >> (bits * i)) & ((1 << bits) - 1) for i in range(n)])
        out[r] = q * np.repeat(s[r], gs) + np.repeat(b[r], gs)
    return out


@pytest.mark.parametrize("bits", [1, 3, 4, 6])
def test_round_trip_error_within_a_scale(bits):
    w = RNG.standard_normal((6, 256)).astype(np.float32)
    wq, s, b = mx.quantize(mx.array(w), 64, bits)
    ref = np_dequantize(np.array(wq), np.array(s), np.array(b), 64, bits)
    w_hat = np.array(mx.dequantize(wq, s, b, 64, bits))
    np.testing.assert_allclose(w_hat, ref, rtol=1e-6, atol=1e-6)
    err = np.abs(w - w_hat).reshape(6, 4, 64)
    assert (err <= np.abs(np.array(s))[..., None] + 1e-6).all()
    z = mx.zeros((4, 128))
    assert (np.array(mx.dequantize(*mx.quantize(z, 32, bits), 32, bits)) == 0).all()


@pytest.mark.parametrize("transpose", [True, False])
@pytest.mark.parametrize("M", [1, 3, 20])
def test_quantized_matmul_against_numpy(transpose, M):
    K, N = 256, 128
    w = RNG.standard_normal((N, K) if transpose else (K, N)).astype(np.float32)
    wq, s, b = mx.quantize(mx.array(w), 64, 4)
    wd = np.array(mx.dequantize(wq, s, b, 64, 4)).astype(np.float64)
    x = RNG.standard_normal((2, M, K)).astype(np.float32)
    y = mx.quantized_matmul(mx.array(x), wq, s, b, transpose, 64, 4)
    ref = x @ (wd.T if transpose else wd)
    np.testing.assert_allclose(np.array(y), ref, rtol=1e-4, atol=1e-3)
    # A vector input and a batched weight.
    v = mx.quantized_matmul(mx.array(x[0, 0]), wq, s, b, transpose, 64, 4)
    np.testing.assert_allclose(np.array(v), ref[0, 0], rtol=1e-4, atol=1e-3)
    yb = mx.quantized_matmul(mx.array(x), mx.stack([wq, wq]), mx.stack([s, s]),
                             mx.stack([b, b]), transpose, 64, 4)
    np.testing.assert_allclose(np.array(yb), ref, rtol=1e-4, atol=1e-3)


def test_quantized_matmul_dtypes():
    wq, s, b = mx.quantize(mx.array(W), 64, 4)
    x = mx.array(X)
    assert mx.quantized_matmul(x.astype(mx.float16), wq, s, b).dtype == mx.float32
    s16, b16 = s.astype(mx.float16), b.astype(mx.float16)
    assert mx.quantized_matmul(x.astype(mx.float16), wq, s16, b16).dtype == mx.float16
    assert mx.quantized_matmul(x.astype(mx.int32), wq, s, b).dtype == mx.float32


def test_quantized_matmul_vjp_jvp():
    K, N = 128, 64
    w = RNG.standard_normal((N, K)).astype(np.float32)
    x = RNG.standard_normal((2, 3, K)).astype(np.float32)
    c = RNG.standard_normal((2, 3, N)).astype(np.float32)
    for transpose in (True, False):
        wq, s, b = mx.quantize(mx.array(w if transpose else w.T.copy()), 64, 8)
        fn = lambda a: mx.quantized_matmul(a, wq, s, b, transpose, 64, 8)
        _, (gx,) = mx.vjp(fn, (mx.array(x),), (mx.array(c),))
        expect = mx.quantized_matmul(mx.array(c), wq, s, b, not transpose, 64, 8)
        np.testing.assert_allclose(np.array(gx), np.array(expect), rtol=1e-5, atol=1e-5)
        _, (jt,) = mx.jvp(fn, (mx.array(x),), (mx.array(x),))
        np.testing.assert_allclose(np.array(jt), np.array(fn(mx.array(x))), rtol=1e-5, atol=1e-5)


def test_gradients_of_scales_and_biases():
    x = RNG.standard_normal((2, 128)).astype(np.float32)
    w = RNG.standard_normal((16, 128)).astype(np.float32)
    wq, s, b = mx.quantize(mx.array(w), 64, 4)
    mm = lambda sb: mx.quantized_matmul(mx.array(x), wq, sb[0], sb[1], True, 64, 4).sum()
    ds, db = mx.grad(mm)((s, b))
    # dequantize is linear in scales and biases: the exact gradients are sums.
    q = np_dequantize(np.array(wq), np.ones_like(np.array(s)), np.zeros_like(np.array(b)), 64, 4)
    xs = x.sum(0)
    np.testing.assert_allclose(np.array(ds), (q * xs).reshape(16, 2, 64).sum(-1), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(np.array(db), np.broadcast_to(xs, (16, 128)).reshape(16, 2, 64).sum(-1),
                               rtol=1e-4, atol=1e-4)
    # The same through dequantize, and forward mode.
    g = mx.grad(lambda sc: (mx.dequantize(wq, sc, b, 64, 4) * 2).sum())(s)
    np.testing.assert_allclose(np.array(g), 2 * q.reshape(16, 2, 64).sum(-1), rtol=1e-5)
    _, (t,) = mx.jvp(lambda bb: mx.dequantize(wq, s, bb, 64, 4), (b,), (mx.ones_like(b),))
    np.testing.assert_allclose(np.array(t), np.ones((16, 128)))


def test_fp_scale_gradients_raise():
    w = mx.array(RNG.standard_normal((64, 64)).astype(np.float32))
    x = mx.array(RNG.standard_normal((2, 64)).astype(np.float32))
    for mode in ("mxfp4", "mxfp8", "nvfp4"):
        wq, s = mx.quantize(w, mode=mode)
        with pytest.raises(ValueError):
            mx.grad(lambda sc: mx.quantized_matmul(x, wq, sc, mode=mode).sum())(s)


def test_vmap_matches_loop():
    w = RNG.standard_normal((3, 32, 64)).astype(np.float32)
    x = RNG.standard_normal((5, 64)).astype(np.float32)
    out = mx.vmap(lambda a: mx.quantize(a, 32, 4)[0])(mx.array(w))
    loop = np.stack([np.array(mx.quantize(mx.array(v), 32, 4)[0]) for v in w])
    np.testing.assert_array_equal(np.array(out), loop)
    wq, s, b = mx.quantize(mx.array(w[0]), 32, 4)
    xs = mx.array(RNG.standard_normal((4, 5, 64)).astype(np.float32))
    f = lambda a: mx.quantized_matmul(a, wq, s, b, True, 32, 4)
    np.testing.assert_allclose(np.array(mx.vmap(f)(xs)), np.stack([np.array(f(v)) for v in xs]),
                               rtol=1e-5, atol=1e-5)
    # A batched weight.
    qs = [mx.quantize(mx.array(v), 32, 4) for v in w]
    stk = [mx.stack([q[i] for q in qs]) for i in range(3)]
    g = lambda wq_, s_, b_: mx.quantized_matmul(mx.array(x), wq_, s_, b_, True, 32, 4)
    out = mx.vmap(g)(*stk)
    np.testing.assert_allclose(np.array(out), np.stack([np.array(g(*q)) for q in qs]),
                               rtol=1e-5, atol=1e-5)
    d = mx.vmap(lambda a, sc, bb: mx.dequantize(a, sc, bb, 32, 4))(*stk)
    np.testing.assert_allclose(np.array(d), np.stack([np.array(mx.dequantize(*q, 32, 4)) for q in qs]))


def test_errors_name_the_op():
    w = mx.ones((4, 128))
    for kwargs in ({"group_size": 48}, {"group_size": 16}, {"bits": 7}, {"mode": "foo"},
                   {"mode": "mxfp4", "bits": 8}, {"mode": "mxfp4", "group_size": 64},
                   {"mode": "affine", "global_scale": mx.array(1.0)}):
        with pytest.raises(ValueError, match="quantize"):
            mx.quantize(w, **kwargs)
    with pytest.raises(ValueError, match="quantize"):
        mx.quantize(mx.ones((4, 96)), 64)
    with pytest.raises(ValueError, match="quantize"):
        mx.quantize(mx.ones(128))
    with pytest.raises(ValueError, match="quantize"):
        mx.quantize(mx.ones((4, 128), mx.int32))
    wq, s, b = mx.quantize(w)
    with pytest.raises(ValueError, match="dequantize"):
        mx.dequantize(wq, s)
    with pytest.raises(ValueError, match="dequantize"):
        mx.dequantize(wq, s, b, 32)
    with pytest.raises(ValueError, match="dequantize"):
        mx.dequantize(wq.astype(mx.int32), s, b)
    with pytest.raises(ValueError, match="dequantize"):
        mx.dequantize(wq, s, b, dtype=mx.int32)
    with pytest.raises(ValueError, match="dequantize"):
        mx.dequantize(wq, s, b, mode="mxfp4")
    x = mx.ones((3, 128))
    with pytest.raises(ValueError, match="quantized_matmul"):
        mx.quantized_matmul(x[:, :64], wq, s, b)
    with pytest.raises(ValueError, match="quantized_matmul"):
        mx.quantized_matmul(x, wq, s, None)
    with pytest.raises(ValueError, match="quantized_matmul"):
        mx.quantized_matmul(x, wq, s, b, group_size=32)
    with pytest.raises(ValueError, match="quantized_matmul"):
        mx.quantized_matmul(x, wq.astype(mx.int32), s, b)


def test_gather_mm_against_numpy():
    a = RNG.standard_normal((3, 4, 5)).astype(np.float32)
    b = RNG.standard_normal((2, 5, 6)).astype(np.float32)
    li, ri = np.array([0, 2, 1]), np.array([1, 1, 0])
    y = mx.gather_mm(mx.array(a), mx.array(b), mx.array(li), mx.array(ri))
    np.testing.assert_allclose(np.array(y), a[li] @ b[ri], rtol=1e-5, atol=1e-5)
    y = mx.gather_mm(mx.array(a[0]), mx.array(b), None, mx.array([[1], [0]]))
    assert y.shape == (2, 1, 4, 6)
    np.testing.assert_allclose(np.array(y)[:, 0], a[0] @ b[[1, 0]], rtol=1e-5, atol=1e-5)
    g = mx.grad(lambda t: mx.gather_mm(t, mx.array(b), mx.array(li), mx.array(ri)).sum())(mx.array(a))
    ref = np.zeros_like(a)
    for i, j in zip(li, ri):
        ref[i] += np.broadcast_to(b[j].sum(-1), (4, 5))
    np.testing.assert_allclose(np.array(g), ref, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="gather_mm"):
        mx.gather_mm(mx.array(a), mx.array(b), mx.array([0.5]))
    with pytest.raises(ValueError, match="gather_mm"):
        mx.gather_mm(mx.array(a), mx.array(b[:, :4]), mx.array([0]), mx.array([0]))
    with pytest.raises(ValueError, match="gather_mm"):
        mx.gather_mm(mx.array(a).astype(mx.int32), mx.array(b).astype(mx.int32))


def test_gather_qmm_matches_quantized_matmul_per_index():
    w = RNG.standard_normal((4, 32, 128)).astype(np.float32)
    x = RNG.standard_normal((3, 2, 128)).astype(np.float32)
    wq, s, b = mx.quantize(mx.array(w), 64, 4)
    ri = [2, 0, 3]
    y = mx.gather_qmm(mx.array(x), wq, s, b, rhs_indices=mx.array(ri), group_size=64, bits=4)
    for k, r in enumerate(ri):
        ref = mx.quantized_matmul(mx.array(x[k]), wq[r], s[r], b[r], True, 64, 4)
        np.testing.assert_allclose(np.array(y[k]), np.array(ref), rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="gather_qmm"):
        mx.gather_qmm(mx.array(x), wq, s, None, rhs_indices=mx.array(ri))
    for mode in ("mxfp4", "mxfp8"):
        wq4, s4 = mx.quantize(mx.array(w), mode=mode)
        with pytest.raises(ValueError):
            mx.grad(lambda sc: mx.gather_qmm(mx.array(x), wq4, sc, rhs_indices=mx.array(ri),
                                             mode=mode).sum())(s4)
