"""Scans: cumsum, cumprod, cummax, cummin, logcumsumexp with axis,
reverse and inclusive."""

import numpy as np
import pytest

import lumex.core as mx
from helpers import (
    DTYPE_NAMES,
    FLOATS,
    LAYOUTS,
    UNSIGNED,
    assert_array,
    assert_equal,
    dt,
    make_layout,
    need,
    random_mx,
)


def _np_scan(op, x, axis):
    if op == "cumsum":
        return np.cumsum(x, axis=axis)
    if op == "cumprod":
        return np.cumprod(x, axis=axis)
    if op == "cummax":
        return np.maximum.accumulate(x, axis=axis)
    if op == "cummin":
        return np.minimum.accumulate(x, axis=axis)
    if op == "logcumsumexp":
        return np.logaddexp.accumulate(x, axis=axis)
    raise ValueError(op)


def _identity(op, x):
    if op == "cumsum":
        return 0
    if op == "cumprod":
        return 1
    if op == "logcumsumexp":
        return -np.inf
    if x.dtype == np.bool_:
        return op == "cummin"
    if x.dtype.kind in "iu":
        info = np.iinfo(x.dtype)
        return info.min if op == "cummax" else info.max
    return -np.inf if op == "cummax" else np.inf


def reference(op, x, axis=None, reverse=False, inclusive=True):
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    if reverse:
        x = np.flip(x, axis)
    out = _np_scan(op, x, axis)
    if not inclusive:
        out = np.moveaxis(out, axis, 0)
        first = np.full_like(out[:1], _identity(op, x))
        out = np.moveaxis(np.concatenate([first, out[:-1]], axis=0), 0, axis)
    if reverse:
        out = np.flip(out, axis)
    return out


def _cumsum_dtype(name):
    return "int32" if name == "bool_" else name


def _float_dtype(name):
    return name if name in FLOATS or name == "complex64" else "float32"


NOCOMPLEX = set(DTYPE_NAMES) - {"complex64"}

# Scans accumulate in the output dtype, so rounding errors add up along the
# axis; MLX's float64 exp/log are float32-accurate.
SCAN_TOL = {
    "float16": dict(rtol=1e-2, atol=5e-2),
    "bfloat16": dict(rtol=5e-2, atol=0.25),
    "float64": dict(rtol=1e-6, atol=1e-7),
}

# name: (result dtype rule, (lo, hi), dtypes)
SCANS = {
    "cumsum": (_cumsum_dtype, (-3, 3), set(DTYPE_NAMES)),
    "cumprod": (lambda n: n, (-1.5, 1.5), set(DTYPE_NAMES)),
    "cummax": (lambda n: n, (-3, 3), NOCOMPLEX),
    "cummin": (lambda n: n, (-3, 3), NOCOMPLEX),
    # unsigned/bool input is not covered (MLX computes it in the input dtype)
    "logcumsumexp": (_float_dtype, (-3, 3), NOCOMPLEX - set(UNSIGNED) - {"bool_"}),
}


def _cases():
    for op, (_, _, ok) in SCANS.items():
        for name in DTYPE_NAMES:
            if name in ok:
                yield op, name


@pytest.mark.parametrize("op,name", list(_cases()))
def test_scan_dtypes(op, name, rng):
    need(op)
    rule, (lo, hi), _ = SCANS[op]
    x, xn = random_mx((3, 4, 5), name, rng, lo, hi)
    out_name = rule(name)
    if out_name in FLOATS or out_name == "complex64":
        xr = xn.astype(np.complex128 if name == "complex64" else np.float64)
    elif name == "bool_" and op == "cumsum":
        xr = xn.astype(np.int32)
    else:
        xr = xn
    for axis in [None, 0, 1, 2, -1]:
        for reverse in (False, True):
            for inclusive in (True, False):
                out = getattr(mx, op)(x, axis=axis, reverse=reverse, inclusive=inclusive)
                assert out.dtype == dt(out_name), (op, name, out.dtype)
                with np.errstate(all="ignore"):
                    expected = reference(op, xr, axis, reverse, inclusive)
                assert_array(out, expected, **SCAN_TOL.get(out_name, {}))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", sorted(SCANS))
def test_scan_layouts(op, layout, rng):
    need(op)
    x, xn = make_layout(layout, "float32", rng, *SCANS[op][1])
    xn = np.array(xn, dtype=np.float64)
    axes = [None] if layout == "scalar" else [None, 0, 1]
    for axis in axes:
        for reverse in (False, True):
            out = getattr(mx, op)(x, axis=axis, reverse=reverse)
            assert_array(out, reference(op, xn, axis, reverse), dtype="float32")


def test_scan_examples():
    need("cumsum", "cumprod", "cummax", "cummin", "array")
    x = mx.array([[1, 2, 3], [4, 5, 6]])
    assert_equal(mx.cumsum(x), np.array([1, 3, 6, 10, 15, 21]), "int32")
    assert_equal(mx.cumsum(x, axis=1), np.array([[1, 3, 6], [4, 9, 15]]), "int32")
    assert_equal(mx.cumsum(x, axis=0, reverse=True), np.array([[5, 7, 9], [4, 5, 6]]), "int32")
    assert_equal(mx.cumsum(x, axis=1, inclusive=False), np.array([[0, 1, 3], [0, 4, 9]]), "int32")
    assert_equal(mx.cumsum(x, axis=1, reverse=True, inclusive=False), np.array([[5, 3, 0], [11, 6, 0]]), "int32")
    assert_equal(mx.cumprod(x, axis=1, inclusive=False), np.array([[1, 1, 2], [1, 4, 20]]), "int32")
    assert_equal(mx.cummax(mx.array([1, 3, 2, 5, 4])), np.array([1, 3, 3, 5, 5]), "int32")
    assert_equal(mx.cummin(mx.array([5, 3, 4, 1, 2]), reverse=True), np.array([1, 1, 1, 1, 2]), "int32")


def test_exclusive_scan_identities():
    need("cummax", "cummin", "logcumsumexp", "array")
    assert_equal(mx.cummax(mx.array([1, 3, 2]), inclusive=False), np.array([-(2**31), 1, 3]), "int32")
    assert_equal(mx.cummax(mx.array([1, 3, 2], dtype=mx.uint8), inclusive=False), np.array([0, 1, 3]), "uint8")
    assert_equal(mx.cummin(mx.array([1.0, 3, 2]), inclusive=False), np.array([np.inf, 1, 1]), "float32")
    out = mx.logcumsumexp(mx.array([0.0, 0.0, 0.0]), inclusive=False)
    assert_array(out, np.array([-np.inf, 0.0, np.log(2)]), dtype="float32")


def test_scan_integer_dtypes():
    need("cumsum", "cumprod", "array")
    # No widening for scans (unlike sum): int8 stays int8 and wraps.
    assert_equal(mx.cumsum(mx.array([100, 100], dtype=mx.int8)), np.array([100, -56]), "int8")
    assert_equal(mx.cumsum(mx.array([True, True])), np.array([1, 2]), "int32")
    assert_equal(mx.cumprod(mx.array([True, False])), np.array([True, False]), "bool_")


def test_scan_dtype_keyword():
    need("cumsum", "cumprod", "array")
    assert_equal(mx.cumsum(mx.array([1, 2]), dtype=mx.float32), np.array([1.0, 3.0]), "float32")
    assert_equal(mx.cumsum(mx.array([1.5, 2.5]), dtype=mx.int32), np.array([1, 3]), "int32")
    assert_equal(mx.cumprod(mx.array([1, 2]), dtype=mx.float16), np.array([1.0, 2.0]), "float16")


def test_scan_nan_propagates():
    need("cummax", "array")
    out = mx.cummax(mx.array([1.0, float("nan"), 2.0]))
    got = out.tolist()
    assert got[0] == 1.0 and np.isnan(got[1]) and np.isnan(got[2])


def test_scan_shapes():
    need("cumsum", "array", "zeros")
    assert_equal(mx.cumsum(mx.array(5)), np.array([5]), "int32")  # 0-d flattens to (1,)
    assert mx.cumsum(mx.zeros((0, 3)), axis=0).shape == (0, 3)
    assert mx.cumsum(mx.zeros((2, 0)), axis=1).shape == (2, 0)


@pytest.mark.parametrize("op", sorted(SCANS))
def test_scan_bad_axis(op):
    need(op, "zeros")
    x = mx.zeros((2, 3))
    with pytest.raises((ValueError, IndexError), match=rf"\[{op}\] Axis 2 is out of bounds for array with 2 dimensions"):
        getattr(mx, op)(x, axis=2)
    with pytest.raises((ValueError, IndexError), match=rf"\[{op}\] Axis -3 is out of bounds"):
        getattr(mx, op)(x, axis=-3)
    with pytest.raises((ValueError, IndexError)):
        getattr(mx, op)(mx.array(1.0), axis=0)
    with pytest.raises(TypeError):
        getattr(mx, op)(x, axis=(0, 1))


SCAN_UFUNCS = {
    "cumsum": np.cumsum,
    "cumprod": np.cumprod,
    "cummax": np.maximum.accumulate,
    "cummin": np.minimum.accumulate,
    "logcumsumexp": np.logaddexp.accumulate,
}


def _np_scan_ufunc(op, xn, axis, reverse, inclusive):
    if axis is None:
        xn = xn.reshape(-1)
        axis = 0
    f = SCAN_UFUNCS[op]
    x = np.flip(xn, axis) if reverse else xn
    out = f(x, axis=axis)
    if not inclusive:
        init = {"cumsum": 0, "cumprod": 1, "cummax": -np.inf, "cummin": np.inf,
                "logcumsumexp": -np.inf}[op]
        pad = np.full_like(np.take(out, [0], axis=axis), init)
        out = np.concatenate([pad, np.take(out, range(out.shape[axis] - 1), axis=axis)], axis=axis)
    return np.flip(out, axis) if reverse else out


@pytest.mark.parametrize("op", sorted(SCAN_UFUNCS))
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("inclusive", [True, False])
def test_scans(op, axis, reverse, inclusive, rng):
    need(op)
    lo, hi = (-1.3, 1.3) if op == "cumprod" else (-3, 3)
    x, xn = random_mx((3, 4, 5), "float32", rng, lo, hi)
    out = getattr(mx, op)(x, axis=axis, reverse=reverse, inclusive=inclusive)
    expected = _np_scan_ufunc(op, xn.astype(np.float64), axis, reverse, inclusive)
    assert_array(out, expected, dtype="float32", rtol=1e-5, atol=1e-5)


def test_scan_result_dtypes():
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


def test_scan_transposed_and_broadcast(rng):
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
