"""qqmm / gather_qqmm: the product of the fake-quantized operands (checked against
quantize -> dequantize -> matmul), straight-through gradients, gather semantics and
MLX's errors."""

import numpy as np
import pytest

import lumex.core as mx

RNG = np.random.default_rng(21)


def fq(a, mode, g=None):
    return mx.dequantize(*mx.quantize(a, mode=mode, global_scale=g), mode=mode,
                         global_scale=g, dtype=mx.float32)


def rnd(*shape):
    return mx.array(RNG.normal(size=shape).astype(np.float32))


@pytest.mark.parametrize("mode", ["nvfp4", "mxfp8"])
@pytest.mark.parametrize("m,n,k", [(1, 16, 64), (5, 32, 128), (33, 8, 256)])
def test_matches_fake_quantized_product(mode, m, n, k):
    x, w = rnd(m, k), rnd(n, k)
    want = np.array(fq(x, mode)) @ np.array(fq(w, mode)).T
    np.testing.assert_allclose(np.array(mx.qqmm(x, w, mode=mode)), want, rtol=1e-5, atol=1e-4)
    wq, sc = mx.quantize(w, mode=mode)
    np.testing.assert_allclose(np.array(mx.qqmm(x, wq, sc, mode=mode)), want, rtol=1e-5,
                               atol=1e-4)


def test_global_scales_and_dtypes():
    x, w = rnd(3, 64), rnd(8, 64)
    gx, gw = mx.max(mx.abs(x)), mx.max(mx.abs(w))
    want = np.array(fq(x, "nvfp4", gx)) @ np.array(fq(w, "nvfp4", gw)).T
    got = mx.qqmm(x, w, global_scale_x=gx, global_scale_w=gw)
    np.testing.assert_allclose(np.array(got), want, rtol=1e-5, atol=1e-4)
    for dt in [mx.float16, mx.bfloat16]:
        assert mx.qqmm(x.astype(dt), w.astype(dt)).dtype == dt
    assert mx.qqmm(rnd(2, 1, 64), w).shape == (2, 1, 8)


@pytest.mark.parametrize("mode", ["nvfp4", "mxfp8"])
def test_straight_through_gradients(mode):
    x, w = rnd(4, 64), rnd(8, 64)
    c = rnd(4, 8)
    _, (gx, gw) = mx.vjp(lambda a, b: mx.qqmm(a, b, mode=mode), [x, w], [c])
    np.testing.assert_allclose(np.array(gx), np.array(c) @ np.array(fq(w, mode)), atol=1e-4)
    np.testing.assert_allclose(np.array(gw), np.array(c).T @ np.array(fq(x, mode)), atol=1e-4)


def test_gather_qqmm_matches_per_matrix_products():
    xs, ws = rnd(3, 2, 64), rnd(4, 16, 64)
    lhs, rhs = mx.array([0, 2, 1, 1]), mx.array([3, 0, 2, 2])
    got = mx.gather_qqmm(xs, ws, lhs_indices=lhs, rhs_indices=rhs, mode="mxfp8")
    for i, (a, b) in enumerate(zip(np.array(lhs), np.array(rhs))):
        np.testing.assert_allclose(np.array(got[i]), np.array(mx.qqmm(xs[a], ws[b], mode="mxfp8")),
                                   atol=1e-5)
    wq, sc = mx.quantize(ws, mode="mxfp8")
    got_q = mx.gather_qqmm(xs, wq, sc, lhs_indices=lhs, rhs_indices=rhs, mode="mxfp8")
    np.testing.assert_allclose(np.array(got_q), np.array(got), atol=1e-5)


def test_errors():
    x, w = rnd(1, 64), rnd(16, 64)
    wq, sc = mx.quantize(w, mode="nvfp4")
    cases = [
        (lambda: mx.qqmm(x, wq, sc, mode="affine"), "nvfp4' and 'mxfp8"),
        (lambda: mx.qqmm(x, wq, sc, mode="mxfp4"), "nvfp4' and 'mxfp8"),
        (lambda: mx.qqmm(x, wq, sc, group_size=32), "group size 16"),
        (lambda: mx.qqmm(x, wq), "Scales must be provided"),
        (lambda: mx.qqmm(x, w, sc), "Scales must not be provided"),
        (lambda: mx.qqmm(rnd(1, 32), wq, sc), "does not match"),
        (lambda: mx.qqmm(x.astype(mx.int32), wq, sc), "first argument dtype == int32"),
        (lambda: mx.qqmm(x, w.astype(mx.float64)), "second argument dtype == float64"),
        (lambda: mx.qqmm(x, wq, mx.ones((16, 3), dtype=mx.uint8)), "incompatible"),
        (lambda: mx.qqmm(x, w, mode="mxfp8", global_scale_x=mx.array(1.0)), "Global scale"),
        (lambda: mx.gather_qqmm(x, rnd(2, 16, 64), rhs_indices=mx.array([0.5])), "gather_qqmm"),
    ]
    for f, text in cases:
        with pytest.raises(ValueError, match=text):
            f()
