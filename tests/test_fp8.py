"""to_fp8 / from_fp8 against ml_dtypes' float8_e4m3fn (an independent E4M3 codec),
MLX's saturation, and the errors MLX raises."""

import ml_dtypes
import numpy as np
import pytest

import lumex.core as mx

E4M3 = ml_dtypes.float8_e4m3fn
RNG = np.random.default_rng(5)


def test_every_code_decodes_like_ml_dtypes():
    codes = np.arange(256, dtype=np.uint8)
    want = codes.view(E4M3).astype(np.float64)
    for dt in [mx.float32, mx.float64, mx.float16, mx.bfloat16]:
        got = mx.from_fp8(mx.array(codes), dtype=dt)
        assert got.dtype == dt
        np.testing.assert_array_equal(np.array(got.astype(mx.float64)),
                                      want.astype(np.float32) if dt != mx.bfloat16
                                      else np.array(mx.array(want).astype(mx.bfloat16)
                                                    .astype(mx.float64)))
    assert mx.from_fp8(mx.array(codes)).dtype == mx.bfloat16


@pytest.mark.parametrize("dt", [mx.float32, mx.float64, mx.float16, mx.bfloat16])
def test_encoding_rounds_to_nearest_even_like_ml_dtypes(dt):
    x = RNG.normal(size=4000) * np.exp(RNG.uniform(-12, 6, size=4000))
    x = x[np.abs(x) < 460]  # ml_dtypes overflows to NaN where E4M3 casts saturate
    x = np.concatenate([x, [0.0, -0.0, 0.0009765625, 0.0029296875, 17.0, 19.0, 440.0]])
    xa = mx.array(x).astype(dt)
    exact = np.array(xa.astype(mx.float64))  # the value the cast sees
    got = np.array(mx.to_fp8(xa))
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, exact.astype(E4M3).view(np.uint8))


def test_saturation_and_specials():
    x = mx.array([448.0, 460.0, 1000.0, float("inf"), -1000.0, -float("inf"), float("nan")])
    got = np.array(mx.to_fp8(x)).tolist()
    assert got[:6] == [126, 126, 126, 126, 254, 254]
    assert got[6] & 0x7F == 0x7F  # NaN stays NaN (MLX gives 448, docs/differences.md)
    vals = mx.array([448, 256, 192, 128, 96, 64, 48, 32, 24, 16, 12, 8, 6, 4, 3, 2, 0.015625])
    assert mx.array_equal(mx.from_fp8(mx.to_fp8(vals)), vals).item()
    assert mx.array_equal(mx.from_fp8(mx.to_fp8(-vals)), -vals).item()


def test_float64_is_exact():
    # MLX 0.32.4 reads float64 as float32 here; lumex converts the value.
    x = mx.array([1.0, -4.0, 0.5], dtype=mx.float64)
    assert np.array(mx.to_fp8(x)).tolist() == [56, 200, 48]
    assert np.array(mx.from_fp8(mx.to_fp8(x), dtype=mx.float64)).tolist() == [1.0, -4.0, 0.5]


def test_transforms():
    x = mx.array(RNG.normal(size=(3, 5)).astype(np.float32))
    f = lambda v: mx.from_fp8(mx.to_fp8(v), dtype=mx.float32).sum()
    assert np.array(mx.grad(f)(x)).tolist() == np.zeros((3, 5)).tolist()
    _, t = mx.jvp(lambda v: mx.from_fp8(mx.to_fp8(v), dtype=mx.float32), [x], [mx.ones((3, 5))])
    assert not np.any(np.array(t[0]))
    got = mx.vmap(mx.to_fp8, in_axes=1)(x)
    np.testing.assert_array_equal(np.array(got), np.array(mx.to_fp8(x)).T)
    codes = mx.to_fp8(x)
    got = mx.vmap(lambda c: mx.from_fp8(c, mx.float32), in_axes=1)(codes)
    np.testing.assert_array_equal(np.array(got), np.array(mx.from_fp8(codes, mx.float32)).T)


def test_errors():
    for dt in [mx.int32, mx.uint8, mx.bool_, mx.complex64]:
        with pytest.raises(ValueError, match="Only real floating types"):
            mx.to_fp8(mx.ones(2, dtype=dt))
    for dt in [mx.int32, mx.float16, mx.float32]:
        with pytest.raises(ValueError, match="must have type uint8"):
            mx.from_fp8(mx.ones(2, dtype=dt))
    with pytest.raises(ValueError, match="Only real floating types"):
        mx.from_fp8(mx.ones(2, dtype=mx.uint8), dtype=mx.int32)
    assert mx.to_fp8(mx.zeros((0, 3))).shape == (0, 3)
