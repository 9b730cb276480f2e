"""The vectorized reduction, softmax and logsumexp kernels against NumPy: sizes
around the vector widths (tails), NaN and infinities at every position,
reversed and strided inputs, and arrays large enough to run on several threads."""

import numpy as np
import pytest

import lumex.core as mx

SIZES = [1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 1000, 2049, 4099]
RNG = np.random.default_rng(7)


def _close(out, ref, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(np.array(out), ref, rtol=rtol, atol=atol, equal_nan=True)


def _data(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("op", ["sum", "prod", "max", "min", "argmax", "argmin"])
def test_contiguous_row_sizes(op, n):
    x = _data(3, n)
    if op == "prod":
        x = (1.0 + 0.01 * x).astype(np.float32)
    for axis in (1, 0):
        out = getattr(mx, op)(mx.array(x), axis=axis)
        ref = getattr(np, op)(x, axis=axis)
        if op.startswith("arg"):
            np.testing.assert_array_equal(np.array(out), ref)
        else:
            _close(out, ref, rtol=1e-4)


@pytest.mark.parametrize("n", [17, 64, 1000])
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_propagate_nan_anywhere(op, n):
    for pos in sorted({0, 1, n // 2, n - 2, n - 1}):
        x = _data(n)
        x[pos] = np.nan
        assert np.isnan(getattr(mx, op)(mx.array(x)).item())
        # Along an outer axis too: only the column holding the NaN is NaN.
        m = np.stack([_data(n), x, _data(n)])
        out = np.array(getattr(mx, op)(mx.array(m), axis=0))
        np.testing.assert_array_equal(np.isnan(out), np.isnan(x))
        np.testing.assert_allclose(out[~np.isnan(x)], getattr(np, op)(m, axis=0)[~np.isnan(x)])


@pytest.mark.parametrize("n", [5, 40, 1000])
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_arg_first_nan_and_first_tie(op, n):
    x = np.zeros(n, np.float32)
    x[n // 3] = x[n // 2] = (1.0 if op == "argmax" else -1.0)
    assert getattr(mx, op)(mx.array(x)).item() == n // 3
    x[n - 1] = np.nan
    x[n // 2 + 1 if n // 2 + 1 < n - 1 else n - 1] = np.nan
    first = int(np.flatnonzero(np.isnan(x))[0])
    assert getattr(mx, op)(mx.array(x)).item() == first
    # Along an outer axis: per column, the first NaN row wins, else the first extreme.
    m = np.zeros((n, 3), np.float32)
    m[:, 1] = x
    m[2 % n, 2] = m[(n - 1), 2] = 5.0 if op == "argmax" else -5.0
    got = np.array(getattr(mx, op)(mx.array(m), axis=0))
    assert got[0] == 0 and got[1] == first and got[2] == 2 % n


def test_arg_all_infinite():
    x = np.full(100, -np.inf, np.float32)
    assert mx.argmax(mx.array(x)).item() == 0
    assert mx.argmin(mx.array(-x)).item() == 0
    x[57] = np.inf
    assert mx.argmax(mx.array(x)).item() == 57


@pytest.mark.parametrize("op", ["sum", "prod", "max", "min", "argmax", "argmin"])
def test_reversed_and_strided_inputs(op):
    base = _data(70, 90)
    if op == "prod":
        base = (1.0 + 0.01 * base).astype(np.float32)
    a = mx.array(base)
    views = {
        "reversed": (a[::-1, ::-1], base[::-1, ::-1]),
        "step": (a[::3, 1::2], base[::3, 1::2]),
        "transposed": (a.T, base.T),
    }
    for name, (xv, xn) in views.items():
        for axis in (0, 1, None):
            if op.startswith("arg") and axis is None:
                continue
            out = getattr(mx, op)(xv, axis=axis)
            ref = getattr(np, op)(xn, axis=axis)
            if op.startswith("arg"):
                np.testing.assert_array_equal(np.array(out), ref, err_msg=name)
            else:
                _close(out, ref, rtol=1e-4)


@pytest.mark.parametrize("shape,axis", [((1024, 1031), 0), ((1031, 1024), 1),
                                        ((3, 700, 129), (0, 2)), ((600, 700), None)])
@pytest.mark.parametrize("op", ["sum", "max", "min", "argmax"])
def test_large_multithreaded(op, shape, axis):
    if op == "argmax" and not isinstance(axis, int):
        return
    x = _data(*shape)
    out = getattr(mx, op)(mx.array(x), axis=axis)
    ref = getattr(np, op)(x, axis=axis)
    if op == "argmax":
        np.testing.assert_array_equal(np.array(out), ref)
    else:
        _close(out, ref, rtol=1e-4, atol=1e-3)


def test_large_sum_is_accurate():
    # Pairwise blocks: a float32 sum of 4M ones is exact.
    assert mx.sum(mx.ones((4 * 1024 * 1024,))).item() == 4 * 1024 * 1024


@pytest.mark.parametrize("n", [1, 7, 16, 33, 4099, 16384, 16385, 50000])
def test_softmax_rows(n):
    x = 4 * _data(3, n)
    ref = np.exp(x - x.max(-1, keepdims=True))
    ref /= ref.sum(-1, keepdims=True)
    _close(mx.softmax(mx.array(x), axis=-1), ref, rtol=1e-4, atol=1e-7)


def test_softmax_accuracy_over_the_exp_range():
    # Terms from 1 down past float32 underflow: entries are within a few ulps
    # of the float64 result (the exp kernel is 1 ulp; the sum adds the rest).
    x = np.linspace(-120, 0, 4 * 4099, dtype=np.float32).reshape(4, 4099)
    x = RNG.permuted(x, axis=1)
    x64 = x.astype(np.float64)
    ref = np.exp(x64 - x64.max(-1, keepdims=True))
    ref /= ref.sum(-1, keepdims=True)
    out = np.array(mx.softmax(mx.array(x), axis=-1))
    big = ref > 1e-30
    np.testing.assert_allclose(out[big], ref[big], rtol=5e-6)
    assert np.all(np.abs(out[~big]) <= 1e-30)


@pytest.mark.parametrize("n", [3, 40, 5000, 20000])
def test_softmax_special_values(n):
    # As MLX: a NaN or +inf anywhere, or a row of only -inf, gives NaN; -inf
    # entries among finite ones give 0.
    inf, nan = np.inf, np.nan
    rows = np.zeros((5, n), np.float32)
    rows[0, :] = -inf
    rows[1, n // 2] = inf
    rows[2, n - 1] = nan
    rows[3, 0] = nan
    rows[4, : n // 2] = -inf
    out = np.array(mx.softmax(mx.array(rows), axis=-1))
    assert np.isnan(out[:4]).all()
    np.testing.assert_array_equal(out[4, : n // 2], 0)
    np.testing.assert_allclose(out[4, n // 2 :], 1 / (n - n // 2), rtol=1e-5)


@pytest.mark.parametrize("n", [1, 7, 33, 4099, 50000])
def test_logsumexp_rows(n):
    x = 4 * _data(5, n)
    ref = np.log(np.exp(x.astype(np.float64)).sum(-1))
    _close(mx.logsumexp(mx.array(x), axis=-1), ref, rtol=1e-5)
    _close(mx.logsumexp(mx.array(x), axis=1, keepdims=True), ref[:, None], rtol=1e-5)


def test_logsumexp_growing_max_rescales():
    # The running max grows block after block: the sum is rescaled each time.
    x = np.linspace(-50, 50, 20000, dtype=np.float32)
    ref = np.log(np.exp(x.astype(np.float64)).sum())
    assert abs(mx.logsumexp(mx.array(x)).item() - ref) < 1e-4


@pytest.mark.parametrize("n", [3, 40, 5000])
def test_logsumexp_special_values(n):
    inf, nan = np.inf, np.nan
    rows = np.zeros((5, n), np.float32)
    rows[0, :] = -inf              # all -inf: -inf
    rows[1, n // 2] = inf           # +inf: +inf
    rows[2, n - 1] = nan            # NaN: NaN
    rows[3, 0] = inf
    rows[3, n - 1] = nan            # +inf then NaN: NaN
    rows[4, : n // 2] = -inf        # some -inf: ignored
    out = np.array(mx.logsumexp(mx.array(rows), axis=1))
    assert out[0] == -inf and out[1] == inf
    assert np.isnan(out[2]) and np.isnan(out[3])
    np.testing.assert_allclose(out[4], np.log(n - n // 2), rtol=1e-5)


def test_logsumexp_trailing_axes_and_dtypes():
    x = _data(4, 5, 6)
    ref = np.log(np.exp(x.astype(np.float64)).sum((1, 2)))
    _close(mx.logsumexp(mx.array(x), axis=(1, 2)), ref, rtol=1e-5)
    _close(mx.logsumexp(mx.array(x), axis=(-2, -1), keepdims=True), ref[:, None, None], rtol=1e-5)
    for dt, tol in ((mx.float16, 2e-3), (mx.bfloat16, 2e-2), (mx.float64, 1e-6)):
        if dt == mx.float64:
            out = mx.logsumexp(mx.array(x).astype(dt), axis=-1, stream=mx.cpu)
        else:
            out = mx.logsumexp(mx.array(x).astype(dt), axis=-1)
        assert out.dtype == dt
        ref = np.log(np.exp(x.astype(np.float64)).sum(-1))
        got = out if dt == mx.float64 else out.astype(mx.float32)
        _close(got, ref, rtol=tol, atol=tol)
    # Integers compute in float32.
    xi = np.arange(12, dtype=np.int32).reshape(3, 4)
    out = mx.logsumexp(mx.array(xi), axis=1)
    assert out.dtype == mx.float32
    _close(out, np.log(np.exp(xi.astype(np.float64)).sum(1)), rtol=1e-5)


def test_logsumexp_grad_and_vmap():
    x = _data(6, 9)
    p = np.exp(x - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    g = mx.grad(lambda a: mx.sum(mx.logsumexp(a, axis=1) * mx.arange(6)))(mx.array(x))
    _close(g, p * np.arange(6)[:, None], rtol=1e-5, atol=1e-6)
    t = _data(6, 9)
    _, jv = mx.jvp(lambda a: mx.logsumexp(a, axis=1), [mx.array(x)], [mx.array(t)])
    _close(jv[0], (p * t).sum(1), rtol=1e-5, atol=1e-5)
    ref = np.log(np.exp(x.astype(np.float64)).sum(0))
    _close(mx.vmap(lambda a: mx.logsumexp(a, axis=0), in_axes=1)(mx.array(x)), ref, rtol=1e-5)
    _close(mx.vmap(lambda a: mx.logsumexp(a, axis=-1), in_axes=0)(mx.array(x)),
           np.log(np.exp(x.astype(np.float64)).sum(1)), rtol=1e-5)


def test_softmax_non_contiguous_and_donated():
    x = _data(64, 300)
    ref = np.exp(x.T - x.T.max(-1, keepdims=True))
    ref /= ref.sum(-1, keepdims=True)
    _close(mx.softmax(mx.array(x).T, axis=-1), ref, rtol=1e-5, atol=1e-7)
    # An intermediate nothing else holds may be overwritten in place.
    a = mx.array(x)
    _close(mx.softmax(a * 1.0, axis=-1), np.array(mx.softmax(a, axis=-1)))
    _close(a, x)


@pytest.mark.parametrize("rows", [1, 7, 8, 9, 19, 64])
@pytest.mark.parametrize("n", [1, 9, 33, 1000])
def test_sum_outer_axis_row_groups(rows, n):
    # Rows are summed in groups of eight, then one at a time.
    x = _data(rows, n)
    _close(mx.sum(mx.array(x), axis=0), x.sum(0), rtol=1e-5, atol=1e-5)
    v = mx.array(_data(rows, 2 * n))[:, ::2]
    _close(mx.sum(v, axis=0), np.array(v).sum(0), rtol=1e-5, atol=1e-5)
    _close(mx.sum(mx.array(x)[::-1], axis=0), x.sum(0), rtol=1e-5, atol=1e-5)
