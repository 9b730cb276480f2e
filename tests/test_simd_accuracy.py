"""Accuracy of the vectorized float32 math kernels, in ulps against float64 NumPy.

The bounds asserted here are the ones documented in docs/differences.md
("Accuracy of float32 math"). Inputs sweep every binade of the domain with random
bit patterns, plus hand-picked special values (signed zeros, infinities, NaN,
subnormals, huge arguments for sin/cos), and go through the contiguous, strided and
compiled (fused) paths, which must agree bit for bit.
"""

import math

import numpy as np
import pytest

import lumex.core as mx

pytestmark = pytest.mark.lumex_only  # MLX documents no bounds

F32_MIN_NORMAL = np.float64(2.0**-126)
_erf = np.frompyfunc(math.erf, 1, 1)


def _sigmoid64(x):
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
        return np.where(x < 0, e, 1.0) / (1.0 + e)


# name -> (lumex op, float64 reference, max ulps, input range)
CASES = {
    "exp": (mx.exp, np.exp, 1.0, (-104.0, 89.0)),
    "expm1": (mx.expm1, np.expm1, 1.5, (-30.0, 89.0)),
    "log": (mx.log, np.log, 1.0, (0.0, np.inf)),
    "log1p": (mx.log1p, np.log1p, 1.5, (-1.0, np.inf)),
    "sin": (mx.sin, np.sin, 1.0, (-1e6, 1e6)),
    "cos": (mx.cos, np.cos, 1.0, (-1e6, 1e6)),
    "tanh": (mx.tanh, np.tanh, 1.5, (-20.0, 20.0)),
    "erf": (mx.erf, lambda x: _erf(x).astype(np.float64), 1.5, (-6.0, 6.0)),
    "sigmoid": (mx.sigmoid, _sigmoid64, 2.5, (-90.0, 90.0)),
}

SPECIAL = np.array(
    [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e-40, -3e-39, 1.1754944e-38,
     1e-30, -1e-20, 1e-8, 0.5, 1.0, -1.0, 2.0, 3.0, 10.0, -10.0, 88.0, 88.72, 88.73,
     -87.3, -87.9, -103.0, -150.0, 1e4, 65535.0, 65537.0, 1e5, 1e10, -1e20, 3.4e38,
     -3.4e38],
    dtype=np.float32,
)


def _inputs(lo, hi, n=1 << 17, seed=0):
    """Random float32 bit patterns (every binade equally likely) within [lo, hi],
    a uniform sweep of the range clipped to +-100, and the special values."""
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2**32, size=4 * n, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    x = x[np.isfinite(x) & (x >= lo) & (x <= hi)][:n]
    sweep = np.linspace(max(lo, -100.0), min(hi, 100.0), n, dtype=np.float32)
    return np.concatenate([x, sweep, SPECIAL])


def _ulp_errors(got, ref):
    """|got - ref| in units of the float32 spacing at ref (subnormal spacing below
    the normal range). Non-finite references must match exactly (NaN for NaN)."""
    got = got.astype(np.float64)
    err = np.zeros_like(ref)
    finite = np.isfinite(ref) & (np.abs(ref) <= np.finfo(np.float32).max)
    _, e = np.frexp(np.abs(ref[finite]))
    spacing = np.ldexp(1.0, np.maximum(e - 24, -149))
    err[finite] = np.abs(got[finite] - ref[finite]) / spacing
    err[finite & ~np.isfinite(got)] = np.inf
    # The reference overflows float32: the kernel must give the same infinity.
    over = ~finite & ~np.isnan(ref)
    err[over] = np.where(got[over] == np.sign(ref[over]) * np.inf, 0.0, np.inf)
    nan = np.isnan(ref)
    err[nan] = np.where(np.isnan(got[nan]), 0.0, np.inf)
    return err


def _eval(op, x):
    return np.array(op(mx.array(x)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_max_ulp_error(name):
    op, ref_fn, bound, (lo, hi) = CASES[name]
    x = _inputs(lo, hi)
    got = _eval(op, x)
    with np.errstate(all="ignore"):
        ref = ref_fn(x.astype(np.float64))
    err = _ulp_errors(got, ref)
    # Results below the normal range may be flushed to zero (MLX flushes exp there).
    tiny = np.abs(ref) < F32_MIN_NORMAL
    err[tiny] = np.where(np.abs(got[tiny] - ref[tiny]) <= F32_MIN_NORMAL, 0.0, np.inf)
    worst = int(np.argmax(err))
    assert err[worst] <= bound, (
        f"{name}: {err[worst]:.3f} ulp at x={x[worst]!r} "
        f"(got {got[worst]!r}, want {ref[worst]!r})"
    )


@pytest.mark.parametrize("name", ["exp", "log", "sin", "cos", "tanh", "erf", "sigmoid"])
def test_outside_the_sweep_range(name):
    """Every special value gives NumPy's non-finite/sign behaviour."""
    op = CASES[name][0]
    x = SPECIAL
    got = _eval(op, x)
    with np.errstate(all="ignore"):
        ref = CASES[name][1](x.astype(np.float64)).astype(np.float32)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    fin = ~np.isnan(ref) & np.isinf(ref)
    np.testing.assert_array_equal(got[fin], ref[fin])
    # Odd functions keep the sign of zero.
    if name in ("sin", "tanh", "erf"):
        assert np.signbit(_eval(op, np.array([-0.0], np.float32))[0])


@pytest.mark.parametrize("name", sorted(CASES))
def test_layouts_and_fusion_agree(name):
    """Strided, negative-stride, unaligned and compiled inputs use the same kernel
    as the contiguous path, so results are identical."""
    op, _, _, (lo, hi) = CASES[name]
    x = _inputs(lo, hi, n=3001, seed=1)[:6003]
    base = _eval(op, x)
    a = mx.array(x)
    np.testing.assert_array_equal(np.array(op(a[::-1]))[::-1], base)
    np.testing.assert_array_equal(np.array(op(a[1:]))[:], base[1:])
    np.testing.assert_array_equal(np.array(op(a[::3])), base[::3])
    m = x[: 51 * 117].reshape(51, 117)
    np.testing.assert_array_equal(
        np.array(op(mx.array(m).T)), _eval(op, m).T
    )
    fused = mx.compile(lambda v: op(v * 1.0) + 0.0)
    np.testing.assert_array_equal(np.array(fused(a)), base + np.float32(0.0))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", ["exp", "log", "sin", "tanh", "erf", "sigmoid"])
def test_half_precision_rounds_the_float32_result(name, dtype):
    op, _, _, (lo, hi) = CASES[name]
    x = np.linspace(max(lo, -8.0), min(hi, 8.0), 4099, dtype=np.float32)
    a = mx.array(x).astype(getattr(mx, dtype))
    x_half = np.array(a.astype(mx.float32))
    want = mx.array(_eval(op, x_half)).astype(getattr(mx, dtype))
    got = op(a)
    assert got.dtype == getattr(mx, dtype)
    np.testing.assert_array_equal(
        np.array(got.astype(mx.float32)), np.array(want.astype(mx.float32))
    )
    # Same through a strided view.
    np.testing.assert_array_equal(
        np.array(op(a[::-2]).astype(mx.float32)),
        np.array(want.astype(mx.float32))[::-2],
    )
