"""The vectorized and multi-threaded elementwise paths against NumPy: dtype
conversions bit for bit, binary ops and `where` over contiguous, scalar, row and
column broadcast, transposed, negative-stride and unaligned layouts, at sizes below
and above the threading threshold (and odd, so every vector loop has a tail)."""

import numpy as np
import pytest

import lumex.core as mx
from helpers import ml_dtypes

SIZES = [(7,), (33, 65), (257, 263), (1031, 517)]  # the last two run on the pool


def _random_f32_bits(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32).view(np.float32)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 65504.0, 65520.0, 65519.996,
                        -65536.0, 6e-8, 2.9e-8, 3e-8, -5.9604645e-08, 6.1035156e-05,
                        6.097555e-05, 1e-45, 3.4e38, 1.0009766, 1.0004883, 2.5, -3.5,
                        2147483520.0, 2147483648.0, -2147483648.0, 4e9, -1e19, 1e20],
                       dtype=np.float32)
    return np.concatenate([x, special])


def test_float32_to_float16_bitwise():
    x = _random_f32_bits(200_003)
    got = np.array(mx.array(x).astype(mx.float16))
    with np.errstate(all="ignore"):
        want = x.astype(np.float16)
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)
    np.testing.assert_array_equal(got[~nan].view(np.uint16), want[~nan].view(np.uint16))


def test_float16_to_float32_every_value():
    bits = np.arange(2**16, dtype=np.uint16)
    h = bits.view(np.float16)
    got = np.array(mx.array(h).astype(mx.float32))
    want = h.astype(np.float32)
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)
    np.testing.assert_array_equal(got[~nan].view(np.uint32), want[~nan].view(np.uint32))


@pytest.mark.skipif(ml_dtypes is None, reason="needs ml_dtypes")
def test_bfloat16_round_trip_bitwise():
    x = _random_f32_bits(200_003, seed=1)
    b = mx.array(x).astype(mx.bfloat16)
    with np.errstate(all="ignore"):
        want = x.astype(ml_dtypes.bfloat16)
    # bfloat16 -> float32 is exact, and MLX cannot hand bfloat16 to NumPy directly.
    got = np.array(b.astype(mx.float32)).astype(ml_dtypes.bfloat16)
    nan = np.isnan(want.astype(np.float32))
    np.testing.assert_array_equal(np.isnan(got.astype(np.float32)), nan)
    np.testing.assert_array_equal(got[~nan].view(np.uint16), want[~nan].view(np.uint16))
    back = np.array(b.astype(mx.float32))
    np.testing.assert_array_equal(back[~nan], want[~nan].astype(np.float32))


def _cast_int32(x):
    """MLX's float -> int32: truncate through int64 (saturating), then wrap."""
    out = []
    for v in x.tolist():
        if np.isnan(v):
            i = 0
        elif v >= 2.0**63:
            i = 2**63 - 1
        elif v <= -(2.0**63):
            i = -(2**63)
        else:
            i = int(v)
        out.append((i + 2**31) % 2**32 - 2**31)
    return np.array(out, dtype=np.int32)


def test_float32_to_int32_in_range_truncates():
    x = _random_f32_bits(200_003, seed=2)
    x = x[np.abs(x) < 2.0**31]
    got = np.array(mx.array(x).astype(mx.int32))
    np.testing.assert_array_equal(got, np.trunc(x).astype(np.int32))


@pytest.mark.lumex_only  # MLX leaves out-of-range conversions undefined (x86 gives INT_MIN)
def test_float32_to_int32_out_of_range_matches_the_scalar_rule():
    x = _random_f32_bits(20_011, seed=2)
    got = np.array(mx.array(x).astype(mx.int32))
    np.testing.assert_array_equal(got, _cast_int32(x))


@pytest.mark.parametrize("src,dst", [("float32", "float16"), ("float16", "float32"),
                                     ("float32", "int32"), ("float32", "bfloat16"),
                                     ("int32", "float32"), ("float32", "float64")])
def test_astype_strided_and_transposed(src, dst):
    x = np.random.default_rng(3).standard_normal((301, 203)).astype(np.float32) * 100
    a = mx.array(x).astype(getattr(mx, src))
    ref = np.array(a.astype(mx.float32))  # the source values exactly
    for view, npv in [(a.T, ref.T), (a[::-1, ::2], ref[::-1, ::2]), (a[1:, 1:], ref[1:, 1:])]:
        got = np.array(view.astype(getattr(mx, dst)).astype(mx.float32))
        want = np.array(mx.array(np.ascontiguousarray(npv)).astype(getattr(mx, src))
                        .astype(getattr(mx, dst)).astype(mx.float32))
        np.testing.assert_array_equal(got, want)


def _layouts(shape, rng):
    """(lumex array, numpy array) pairs with the given logical shape."""
    x = rng.standard_normal(shape).astype(np.float32)
    out = [(mx.array(x), x)]
    big = rng.standard_normal((shape[0] * 2 + 1,) + shape[1:]).astype(np.float32)
    out.append((mx.array(big)[::-2][: shape[0]], big[::-2][: shape[0]]))  # negative stride
    if len(shape) == 2:
        t = rng.standard_normal(shape[::-1]).astype(np.float32)
        out.append((mx.array(t).T, t.T))
        flat = rng.standard_normal(shape[0] * shape[1] + 1).astype(np.float32)
        out.append((mx.array(flat)[1:].reshape(shape), flat[1:].reshape(shape)))  # unaligned
    return out


@pytest.mark.parametrize("shape", SIZES)
@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "maximum"])
def test_binary_layouts(shape, op):
    rng = np.random.default_rng(4)
    f, g = getattr(mx, op), getattr(np, op)
    for a, na in _layouts(shape, rng):
        others = [(b, nb) for b, nb in _layouts(shape, rng)]
        others.append((mx.array(np.float32(1.5)), np.float32(1.5)))  # scalar
        if len(shape) == 2:
            row = rng.standard_normal(shape[1]).astype(np.float32)
            col = rng.standard_normal((shape[0], 1)).astype(np.float32)
            others += [(mx.array(row), row), (mx.array(col), col),
                       (mx.array(row)[::-1], row[::-1])]
        for b, nb in others:
            np.testing.assert_array_equal(np.array(f(a, b)), g(na, nb))
            np.testing.assert_array_equal(np.array(f(b, a)), g(nb, na))


@pytest.mark.parametrize("shape", SIZES)
def test_where_layouts(shape):
    rng = np.random.default_rng(5)
    for a, na in _layouts(shape, rng):
        cond_np = na > 0
        for b, nb in _layouts(shape, rng)[:2] + [(mx.array(np.float32(-7.0)), np.float32(-7.0))]:
            c = a > 0
            np.testing.assert_array_equal(np.array(mx.where(c, a, b)), np.where(cond_np, na, nb))
            np.testing.assert_array_equal(np.array(mx.where(c, b, a)), np.where(cond_np, nb, na))
        if len(shape) == 2:
            row = rng.standard_normal(shape[1]).astype(np.float32)
            np.testing.assert_array_equal(
                np.array(mx.where(a > 0, mx.array(row), 0.0)), np.where(cond_np, row, 0.0)
            )


@pytest.mark.parametrize("shape", SIZES)
@pytest.mark.parametrize("op", ["exp", "sin", "negative", "abs", "sqrt"])
def test_unary_layouts(shape, op):
    rng = np.random.default_rng(6)
    f = getattr(mx, op)
    for a, na in _layouts(shape, rng):
        base = np.array(f(mx.array(np.ascontiguousarray(na))))
        np.testing.assert_array_equal(np.array(f(a)), base)
