"""Scans, allclose/array_equal, method forms, and reduction kernels on larger
and unusual layouts (the fast paths: contiguous inner axis, outer axis,
transposed and broadcast inputs, threaded splits)."""

import numpy as np
import pytest

import lumex.core as mx
from helpers import assert_array, assert_equal, need, random_mx

SCANS = {
    "cumsum": np.cumsum,
    "cumprod": np.cumprod,
    "cummax": np.maximum.accumulate,
    "cummin": np.minimum.accumulate,
    "logcumsumexp": np.logaddexp.accumulate,
}


def _np_scan(op, xn, axis, reverse, inclusive):
    if axis is None:
        xn = xn.reshape(-1)
        axis = 0
    f = SCANS[op]
    x = np.flip(xn, axis) if reverse else xn
    out = f(x, axis=axis)
    if not inclusive:
        init = {"cumsum": 0, "cumprod": 1, "cummax": -np.inf, "cummin": np.inf,
                "logcumsumexp": -np.inf}[op]
        pad = np.full_like(np.take(out, [0], axis=axis), init)
        out = np.concatenate([pad, np.take(out, range(out.shape[axis] - 1), axis=axis)], axis=axis)
    return np.flip(out, axis) if reverse else out


@pytest.mark.parametrize("op", sorted(SCANS))
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("inclusive", [True, False])
def test_scans(op, axis, reverse, inclusive, rng):
    need(op)
    lo, hi = (-1.3, 1.3) if op == "cumprod" else (-3, 3)
    x, xn = random_mx((3, 4, 5), "float32", rng, lo, hi)
    out = getattr(mx, op)(x, axis=axis, reverse=reverse, inclusive=inclusive)
    expected = _np_scan(op, xn.astype(np.float64), axis, reverse, inclusive)
    assert_array(out, expected, dtype="float32", rtol=1e-5, atol=1e-5)


def test_scan_dtypes():
    need("cumsum", "cumprod", "cummax", "logcumsumexp")
    b = mx.array([True, False, True])
    assert_equal(mx.cumsum(b), np.array([1, 1, 2]), "int32")
    assert_equal(mx.cumprod(b), np.array([True, False, False]), "bool_")
    assert_equal(mx.cumsum(mx.array([100, 100], dtype=mx.int8)), np.array([100, -56]), "int8")
    assert_equal(mx.cumsum(mx.array([1.5, 2.5]), dtype=mx.int32), np.array([1, 3]), "int32")
    assert mx.logcumsumexp(mx.array([1, 2])).dtype == mx.float32
    assert_equal(mx.cummax(mx.array([1, 2, 3]), inclusive=False),
                 np.array([-(2**31), 1, 2]), "int32")
    assert_equal(mx.cummin(mx.array([1, 2, 3], dtype=mx.uint8), inclusive=False),
                 np.array([255, 1, 1]), "uint8")


def test_scan_special_values():
    need("cummax", "logcumsumexp")
    nan, inf = float("nan"), float("inf")
    out = np.array(mx.cummax(mx.array([1.0, nan, 3.0])))
    assert out[0] == 1 and np.isnan(out[1:]).all()
    assert np.array(mx.logcumsumexp(mx.array([-inf, -inf]))).tolist() == [-inf, -inf]
    assert np.array(mx.logcumsumexp(mx.array([inf, 1.0]))).tolist() == [inf, inf]
    assert np.array(mx.logcumsumexp(mx.array([1.0, inf]))).tolist() == [1.0, inf]


def test_scan_errors_and_scalars():
    need("cumsum")
    x = mx.zeros((2, 3))
    with pytest.raises(IndexError, match=r"\[cumsum\] Axis 2 is out of bounds"):
        mx.cumsum(x, axis=2)
    with pytest.raises(TypeError):
        mx.cumsum(x, axis=(0,))
    assert mx.cumsum(mx.array(3.0)).shape == (1,)
    assert mx.cumsum(mx.zeros((0, 3)), axis=0).shape == (0, 3)


def test_scan_layouts(rng):
    need("cumsum", "transpose", "broadcast_to")
    x, xn = random_mx((5, 6), "float32", rng)
    assert_array(mx.cumsum(mx.transpose(x), axis=1), np.cumsum(xn.T, axis=1))
    b = mx.broadcast_to(x[0:1] if hasattr(x, "__getitem__") else x, (5, 6))
    assert_array(mx.cumsum(mx.broadcast_to(mx.sum(x, axis=0, keepdims=True), (4, 6)), axis=0),
                 np.cumsum(np.broadcast_to(xn.sum(0, keepdims=True), (4, 6)), axis=0))
    del b


def test_cumulative_aliases():
    need("cumulative_sum", "cumulative_prod")
    assert_equal(mx.cumulative_sum(mx.array([1, 2, 3])), np.array([1, 3, 6]), "int32")
    assert_equal(mx.cumulative_prod(mx.array([1, 2, 3])), np.array([1, 2, 6]), "int32")


def test_allclose_array_equal():
    need("allclose", "array_equal")
    nan = float("nan")
    a = mx.array([1.0, nan])
    assert mx.allclose(a, a, equal_nan=True).item() is True
    assert mx.allclose(a, a).item() is False
    assert mx.allclose(mx.array([1.0]), mx.array([1.0, 1.0])).item() is True
    assert mx.allclose(mx.array([1.0]), mx.array([1.1]), 0.2).item() is True
    assert mx.allclose(mx.array([1.0]), mx.array([1.1]), 0.0, 0.2).item() is True
    with pytest.raises(ValueError):
        mx.allclose(mx.array([1.0, 2.0]), mx.array([1.0, 2.0, 3.0]))
    assert mx.array_equal(mx.array([1.0, 2.0]), mx.array([1.0, 2.0, 3.0])).item() is False
    assert mx.array_equal(mx.array([1.0, 2.0]), mx.array([1, 2])).item() is True
    assert mx.array_equal(mx.array([1, 2]), mx.array([True, True])).item() is False
    assert mx.array_equal(a, a, equal_nan=True).item() is True
    assert mx.array_equal(a, a).item() is False
    assert mx.array_equal(1, 1).item() is True
    assert mx.array_equal(mx.array([1]), mx.array([[1]])).item() is False
    out = mx.array_equal(mx.zeros((0,)), mx.zeros((0,)))
    assert out.shape == () and out.dtype == mx.bool_ and out.item() is True
    with pytest.raises(TypeError):
        mx.array_equal(a, a, True)


def test_methods(rng):
    need("array.sum", "array.cumsum", "array.var", "array.argmax")
    x, xn = random_mx((2, 3, 4), "float32", rng)
    assert_array(x.sum(1, True), xn.sum(1, keepdims=True))
    assert_array(x.prod(axis=(0, 2)), xn.astype(np.float64).prod(axis=(0, 2)))
    assert_array(x.mean(), xn.mean())
    assert_array(x.var(1, True, 1), xn.astype(np.float64).var(1, keepdims=True, ddof=1))
    assert_array(x.std(correction=1), xn.astype(np.float64).std(ddof=1))
    assert_array(x.max(-1), xn.max(-1))
    assert_array(x.min(), xn.min())
    assert_equal(x.argmax(1), xn.argmax(1), "uint32")
    assert_equal(x.argmin(), np.array(xn.argmin()), "uint32")
    assert x.all().dtype == mx.bool_ and x.any(0).shape == (3, 4)
    assert_array(x.logsumexp(2), np.log(np.exp(xn.astype(np.float64)).sum(2)))
    assert_array(x.cumsum(1, reverse=True), np.flip(np.cumsum(np.flip(xn, 1), 1), 1))
    assert_array(x.cumprod(), np.cumprod(xn.astype(np.float64)), rtol=1e-4, atol=1e-5)
    assert_array(x.cummax(0), np.maximum.accumulate(xn, 0))
    assert_array(x.cummin(0, inclusive=True), np.minimum.accumulate(xn, 0))
    assert_array(x.logcumsumexp(2), np.logaddexp.accumulate(xn.astype(np.float64), 2))
    with pytest.raises(TypeError):
        x.cumsum(dtype=mx.float32)


@pytest.mark.parametrize("shape,axis", [
    ((300, 257), 0), ((300, 257), 1), ((300, 257), None), ((300, 257), (0, 1)),
    ((7, 50, 300), (0, 2)), ((7, 50, 300), 1), ((2, 70000), 1), ((70000, 3), 0),
    ((70000, 3), 1),
])
@pytest.mark.parametrize("op", ["sum", "max", "min", "prod", "all", "argmax", "mean"])
def test_reduce_big(op, shape, axis, rng):
    need(op)
    if op == "argmax" and isinstance(axis, tuple):
        return
    lo, hi = (0.99, 1.01) if op == "prod" else (-3, 3)
    x, xn = random_mx(shape, "float32", rng, lo, hi)
    out = getattr(mx, op)(x, axis=axis)
    ref = getattr(np, op)(xn.astype(np.float64), axis=axis)
    if op == "argmax":
        assert_equal(out, np.asarray(ref), "uint32")
    else:
        assert_array(out, np.asarray(ref), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("op", ["sum", "max", "argmin", "cumsum", "softmax", "median"])
def test_reduce_transposed_big(op, rng):
    need(op, "transpose")
    x, xn = random_mx((130, 600), "float32", rng)
    xt, xnt = mx.transpose(x), xn.T.astype(np.float64)
    for axis in [0, 1]:
        out = getattr(mx, op)(xt, axis=axis)
        if op == "softmax":
            e = np.exp(xnt - xnt.max(axis, keepdims=True))
            ref = e / e.sum(axis, keepdims=True)
        elif op == "argmin":
            assert_equal(out, xnt.argmin(axis), "uint32")
            continue
        else:
            ref = getattr(np, op)(xnt, axis=axis)
        assert_array(out, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.lumex_only  # MLX's CPU sum accumulates naively (13% off here)
def test_sum_float32_accuracy():
    need("sum", "ones")
    x = mx.ones((1 << 24,)) * 0.1
    assert abs(mx.sum(x).item() - 0.1 * (1 << 24)) / (0.1 * (1 << 24)) < 1e-6


def test_softmax_rows(rng):
    need("softmax")
    # float64 is left out: MLX's CPU softmax computes it in float32.
    for name in ["float32", "float16", "bfloat16"]:
        x, xn = random_mx((33, 1000), name, rng, -20, 20)
        out = mx.softmax(x, axis=-1)
        xf = xn.astype(np.float64)
        e = np.exp(xf - xf.max(-1, keepdims=True))
        assert_array(out, e / e.sum(-1, keepdims=True), dtype=name)
    nan, inf = float("nan"), float("inf")
    assert np.isnan(np.array(mx.softmax(mx.array([nan, 1.0])))).all()
    assert np.isnan(np.array(mx.softmax(mx.array([inf, 1.0])))).all()
    assert mx.softmax(mx.zeros((0, 3))).shape == (0, 3)
    assert mx.softmax(mx.zeros((3, 0)), axis=0).shape == (3, 0)
    with pytest.raises(ValueError, match="non-empty axes"):
        mx.softmax(mx.array(3.0), axis=0)


def test_median_more(rng):
    need("median")
    x, xn = random_mx((4, 5, 6), "float32", rng)
    for axis in [0, 1, 2, (0, 2), (1, 2), None]:
        assert_array(mx.median(x, axis=axis), np.median(xn.astype(np.float64), axis=axis))
    assert np.isnan(mx.median(mx.array([1.0, float("nan"), 3.0])).item())
    with pytest.raises(ValueError, match="duplicate axis"):
        mx.median(x, axis=(0, 0))
    with pytest.raises(IndexError, match=r"\[median\] axis 3 is out of bounds"):
        mx.median(x, axis=3)


def test_mean_var_messages_and_values():
    need("mean", "var", "zeros")
    x = mx.zeros((2, 3, 4))
    with pytest.raises(IndexError, match=r"\[mean\] axis 3 is out of bounds"):
        mx.mean(x, axis=3)
    with pytest.raises(IndexError, match=r"\[mean\] axis -4 is out of bounds"):
        mx.var(x, axis=-4)
    assert mx.var(mx.array([1.0, 2.0]), ddof=3).item() == float("inf")
    assert abs(mx.var(mx.array([1.0, 2.0]), ddof=-1).item() - 1 / 6) < 1e-6
    assert_equal(mx.var(mx.array([1, 2, 3]), axis=()), np.zeros(3), "float32")
    big = mx.array([1e4 + 1, 1e4 + 2, 1e4 + 3])
    assert abs(mx.var(big).item() - 2 / 3) < 1e-3


def test_reduce_empty_axes_keep_dtype():
    need("sum", "all", "mean", "count_nonzero")
    x = mx.array([1, 2], dtype=mx.int8)
    assert mx.sum(x, axis=()).dtype == mx.int8
    assert mx.prod(x, axis=()).dtype == mx.int8
    assert mx.all(x, axis=()).dtype == mx.bool_
    assert mx.mean(x, axis=()).dtype == mx.float32
    assert_equal(mx.count_nonzero(x, axis=()), np.array([1, 1]), "int32")
    assert mx.softmax(x, axis=()).dtype == mx.int8


def test_complex_ordering():
    need("max", "min", "argmax", "cummax")
    c = mx.array([1 + 5j, 2 + 0j, 2 - 1j])
    assert mx.max(c).item() == 2 + 0j
    assert mx.min(mx.array([1 + 5j, 2 + 0j, 1 - 1j])).item() == 1 - 1j
    assert mx.argmax(mx.array([1 + 5j, 2 + 0j, 2 + 1j])).item() == 2
    assert mx.median(mx.array([1 + 5j, 2 + 0j, 1 - 1j])).item() == 1 + 5j


def test_count_nonzero_signature():
    need("count_nonzero", "arange")
    x = mx.arange(24).reshape(2, 3, 4)
    assert mx.count_nonzero(x, 1).shape == (2, 4)
    with pytest.raises(TypeError):
        mx.count_nonzero(x, 1, True)
