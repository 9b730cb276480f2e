"""The vector scan kernels against NumPy: run lengths around the vector widths
(tails), every 4- and 8-byte dtype, reverse/exclusive, outer axes with odd row
widths, reversed and strided inputs, NaN and signed zeros as MLX, and inputs
large enough to run on several threads."""

import numpy as np
import pytest

import lumex.core as mx
from test_scan import reference

SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 100, 1001]
DTYPES = ["float32", "float64", "int32", "int64", "uint32", "uint64", "int16"]
OPS = ["cumsum", "cumprod", "cummax", "cummin"]
FLAGS = [(r, i) for r in (False, True) for i in (True, False)]
RNG = np.random.default_rng(11)


def _values(op, dtype, shape):
    if op == "cumprod":
        if dtype.startswith("float"):
            return (1.0 + 0.01 * RNG.standard_normal(shape)).astype(dtype)
        # +-1 with a few 2s: products stay far from overflow.
        x = np.where(RNG.random(shape) < 0.5, 1, -1 if dtype.startswith("int") else 1)
        x[RNG.random(shape) < 0.01] = 2
        return x.astype(dtype)
    if dtype.startswith("float"):
        return (3 * RNG.standard_normal(shape)).astype(dtype)
    lo = 0 if dtype.startswith("uint") else -50
    return RNG.integers(lo, 50, shape).astype(dtype)


def _mx(x):
    # mx.array would make float64 input float32.
    return mx.array(x, dtype=getattr(mx, str(x.dtype)))


def _check(out, x, op, axis, reverse, inclusive):
    ref64 = x.astype(np.float64) if x.dtype.kind == "f" else x
    with np.errstate(all="ignore"):
        ref = reference(op, ref64, axis, reverse, inclusive)
    got = np.array(out)
    assert got.dtype == x.dtype
    if x.dtype.kind == "f" and op in ("cumsum", "cumprod"):
        scale = np.sqrt(x.shape[axis if axis is not None else 0])
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5 * scale)
    else:
        np.testing.assert_array_equal(got, ref.astype(x.dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS)
def test_last_axis_run_lengths(op, dtype):
    for n in SIZES:
        x = _values(op, dtype, (3, n))
        for reverse, inclusive in FLAGS:
            out = getattr(mx, op)(_mx(x), axis=1, reverse=reverse, inclusive=inclusive)
            _check(out, x, op, 1, reverse, inclusive)


@pytest.mark.parametrize("dtype", ["float32", "int64", "uint32"])
@pytest.mark.parametrize("op", OPS)
def test_outer_axes_odd_widths(op, dtype):
    for shape in [(5, 1, 3), (4, 7, 9), (2, 33, 17)]:
        x = _values(op, dtype, shape)
        for axis in (0, 1):
            for reverse, inclusive in FLAGS:
                out = getattr(mx, op)(mx.array(x), axis=axis, reverse=reverse, inclusive=inclusive)
                _check(out, x, op, axis, reverse, inclusive)


@pytest.mark.parametrize("op", OPS)
def test_large_inputs_on_threads(op):
    # Above the parallel threshold: rows split across threads (last axis),
    # column blocks split across threads (outer axis).
    x = _values(op, "float32", (700, 600))
    for axis in (0, 1):
        for reverse, inclusive in FLAGS:
            out = getattr(mx, op)(mx.array(x), axis=axis, reverse=reverse, inclusive=inclusive)
            _check(out, x, op, axis, reverse, inclusive)
    x = _values(op, "int32", (300_000,))
    _check(getattr(mx, op)(mx.array(x)), x, op, 0, False, True)


@pytest.mark.parametrize("op", OPS)
def test_reversed_and_strided_inputs(op):
    base = _values(op, "float32", (37, 41))
    a = mx.array(base)
    for view, ref in [(a[::-1], base[::-1]), (a[:, ::-2], base[:, ::-2]), (a.T, base.T)]:
        for axis in (0, 1):
            for reverse, inclusive in FLAGS:
                out = getattr(mx, op)(view, axis=axis, reverse=reverse, inclusive=inclusive)
                _check(out, np.ascontiguousarray(ref), op, axis, reverse, inclusive)


@pytest.mark.parametrize("n", [3, 8, 9, 40])
def test_nan_sticks_from_its_position(n):
    # MLX: once a NaN is reached, cummax/cummin/cumsum stay NaN from there on.
    for pos in (0, n // 2, n - 1):
        x = np.arange(n, dtype=np.float32)
        x[pos] = np.nan
        for op in ("cummax", "cummin", "cumsum"):
            got = np.array(getattr(mx, op)(mx.array(x)))
            assert not np.isnan(got[:pos]).any(), (op, pos)
            assert np.isnan(got[pos:]).all(), (op, pos)
            back = np.array(getattr(mx, op)(mx.array(x), reverse=True))
            assert np.isnan(back[: pos + 1]).all() and not np.isnan(back[pos + 1 :]).any()


@pytest.mark.parametrize("n", [3, 17])
def test_signed_zeros_as_mlx(n):
    # An inclusive sum starts from x[0] itself (-0.0 stays -0.0); an exclusive
    # one starts from +0.0.
    z = np.full(n, -0.0, np.float32)
    for axis, arr in ((0, z), (0, z.reshape(n, 1)), (1, z.reshape(1, n))):
        for reverse in (False, True):
            inc = np.array(mx.cumsum(mx.array(arr), axis=axis, reverse=reverse))
            exc = np.array(mx.cumsum(mx.array(arr), axis=axis, reverse=reverse, inclusive=False))
            assert np.signbit(inc).all()
            assert not np.signbit(exc).any()


def test_infinities_and_integer_extremes():
    x = np.array([1, np.inf, -np.inf, 2, 3, 4, 5, 6, 7, 8], np.float32)
    _check(mx.cumsum(mx.array(x)), x, "cumsum", 0, False, True)
    _check(mx.cummax(mx.array(x)), x, "cummax", 0, False, True)
    _check(mx.cummin(mx.array(x), reverse=True), x, "cummin", 0, True, True)
    info = np.iinfo(np.int64)
    xi = np.array([info.max, 3, info.min, 5, 0, -7, 9, 1, 2], np.int64)
    for op in ("cummax", "cummin"):
        for reverse, inclusive in FLAGS:
            out = getattr(mx, op)(mx.array(xi), reverse=reverse, inclusive=inclusive)
            _check(out, xi, op, 0, reverse, inclusive)
