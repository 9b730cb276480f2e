"""Elementwise unary ops against NumPy, over every dtype and over contiguous,
0-d, empty and non-contiguous (transposed, broadcast, strided) inputs."""

import math

import numpy as np
import pytest

import lumex.core as mx
from helpers import (
    DTYPE_NAMES,
    FLOATS,
    INTS,
    LAYOUTS,
    assert_array,
    assert_equal,
    dt,
    make_layout,
    need,
    random_mx,
    ref_input,
    to_np,
)

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _erfinv(x):
    """float64 erfinv by Newton's method (+-inf at +-1)."""
    x = np.asarray(x, dtype=np.float64)
    inner = np.abs(x) < 1
    xi = np.where(inner, x, 0.0)
    y = np.zeros_like(xi)
    for _ in range(60):
        y = y - (_erf(y) - xi) / (2 / np.sqrt(np.pi) * np.exp(-(y**2)))
    with np.errstate(all="ignore"):
        edge = np.where(np.abs(x) == 1, np.sign(x) * np.inf, np.nan)
    return np.where(inner, y, edge)


def _sign(x):
    if x.dtype == np.bool_:
        return x.copy()
    if np.iscomplexobj(x):
        mag = np.abs(x)
        return np.where(mag == 0, 0, x / np.where(mag == 0, 1, mag))
    return np.sign(x)


def _neg(x):
    return np.negative(x)


def _invert(x):
    return np.logical_not(x) if x.dtype == np.bool_ else np.invert(x)


def _isposinf(x):
    # MLX: a complex value is +inf when it equals the real +inf (imaginary part 0).
    return (x == np.inf) if np.iscomplexobj(x) else np.isposinf(x)


def _isneginf(x):
    return (x == -np.inf) if np.iscomplexobj(x) else np.isneginf(x)


def _intfn(f):
    """Rounding functions are the identity on integer/bool input."""

    def g(x):
        if x.dtype.kind in "biu":
            return x.copy()
        return f(x)

    return g


# result-dtype rules
SAME = "same"  # same dtype as the input
FLOAT = "float"  # ints/bool -> float32, inexact kept
BOOL = "bool"  # always bool
REAL = "real"  # same, but complex64 -> float32

ALL = set(DTYPE_NAMES)
NOBOOL = ALL - {"bool_"}
NOCOMPLEX = ALL - {"complex64"}
INTEGRAL = set(INTS) | {"bool_"}

# name: (numpy reference, (lo, hi) input range, result rule, supported dtypes,
#        dtypes where MLX raises ValueError)
UNARY = {
    "abs": (np.abs, (-3, 3), REAL, ALL, set()),
    "negative": (_neg, (-3, 3), SAME, NOBOOL, {"bool_"}),
    "positive": (np.positive, (-3, 3), SAME, NOBOOL, set()),
    "sign": (_sign, (-3, 3), SAME, ALL, set()),
    "square": (np.square, (-3, 3), SAME, ALL, set()),
    "sqrt": (np.sqrt, (0, 4), FLOAT, ALL, set()),
    "rsqrt": (lambda x: 1 / np.sqrt(x), (0.2, 4), FLOAT, ALL - {"bool_"}, set()),
    "reciprocal": (lambda x: 1 / x, (0.3, 4), FLOAT, ALL - {"bool_"}, set()),
    "exp": (np.exp, (-3, 3), FLOAT, ALL, set()),
    "expm1": (np.expm1, (-3, 3), FLOAT, NOCOMPLEX, {"complex64"}),
    "log": (np.log, (0.2, 5), FLOAT, ALL - {"bool_"}, set()),
    "log2": (np.log2, (0.2, 5), FLOAT, ALL - {"bool_"}, set()),
    "log10": (np.log10, (0.2, 5), FLOAT, ALL - {"bool_"}, set()),
    "log1p": (np.log1p, (-0.5, 3), FLOAT, ALL, set()),
    "sin": (np.sin, (-3, 3), FLOAT, ALL, set()),
    "cos": (np.cos, (-3, 3), FLOAT, ALL, set()),
    "tan": (np.tan, (-1.2, 1.2), FLOAT, ALL, set()),
    "arcsin": (np.arcsin, (-0.9, 0.9), FLOAT, ALL, set()),
    "arccos": (np.arccos, (-0.9, 0.9), FLOAT, ALL, set()),
    "arctan": (np.arctan, (-3, 3), FLOAT, ALL, set()),
    "sinh": (np.sinh, (-3, 3), FLOAT, ALL, set()),
    "cosh": (np.cosh, (-3, 3), FLOAT, ALL, set()),
    "tanh": (np.tanh, (-3, 3), FLOAT, ALL, set()),
    "arcsinh": (np.arcsinh, (-3, 3), FLOAT, ALL, set()),
    "arccosh": (np.arccosh, (1.1, 4), FLOAT, ALL - {"bool_"}, set()),
    "arctanh": (np.arctanh, (-0.9, 0.9), FLOAT, ALL, set()),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), (-4, 4), FLOAT, NOCOMPLEX, {"complex64"}),
    "erf": (_erf, (-2, 2), FLOAT, NOCOMPLEX, {"complex64"}),
    "erfinv": (_erfinv, (-0.9, 0.9), FLOAT, NOCOMPLEX, {"complex64"}),
    "floor": (_intfn(np.floor), (-3, 3), SAME, NOCOMPLEX, {"complex64"}),
    "ceil": (_intfn(np.ceil), (-3, 3), SAME, NOCOMPLEX, {"complex64"}),
    "trunc": (_intfn(np.trunc), (-3, 3), SAME, NOCOMPLEX, {"complex64"}),
    "round": (_intfn(np.round), (-3, 3), SAME, ALL, set()),
    "degrees": (lambda x: x * (180 / np.pi), (-3, 3), FLOAT, ALL, set()),
    "radians": (lambda x: x * (np.pi / 180), (-3, 3), FLOAT, ALL, set()),
    "isnan": (np.isnan, (-3, 3), BOOL, ALL, set()),
    "isinf": (np.isinf, (-3, 3), BOOL, ALL, set()),
    "isfinite": (np.isfinite, (-3, 3), BOOL, ALL, set()),
    "isposinf": (_isposinf, (-3, 3), BOOL, ALL, set()),
    "isneginf": (_isneginf, (-3, 3), BOOL, ALL, set()),
    # nan_to_num does not support float64/complex64 in MLX 0.32 (not asserted)
    "nan_to_num": (np.nan_to_num, (-3, 3), SAME, ALL - {"float64", "complex64"}, set()),
    "real": (np.real, (-3, 3), REAL, ALL, set()),
    "imag": (np.imag, (-3, 3), REAL, ALL, set()),
    "conj": (np.conj, (-3, 3), SAME, ALL, set()),
    "conjugate": (np.conjugate, (-3, 3), SAME, ALL, set()),
    "logical_not": (np.logical_not, (-3, 3), BOOL, ALL, set()),
    "bitwise_invert": (_invert, (-3, 3), SAME, INTEGRAL, set(FLOATS) | {"complex64"}),
    "stop_gradient": (lambda x: x.copy(), (-3, 3), SAME, ALL, set()),
}

# MLX evaluates these in float32-level precision even for float64 input.
APPROX_F64 = {"exp", "sin", "cos", "sigmoid", "erf", "erfinv"}
F64_LOOSE = dict(rtol=1e-6, atol=1e-7)

ALIASES = {
    "asin": "arcsin",
    "acos": "arccos",
    "atan": "arctan",
    "asinh": "arcsinh",
    "acosh": "arccosh",
    "atanh": "arctanh",
}


def result_dtype(rule, name):
    if rule == SAME:
        return name
    if rule == BOOL:
        return "bool_"
    if rule == REAL:
        return "float32" if name == "complex64" else name
    if rule == FLOAT:
        return name if name in FLOATS or name == "complex64" else "float32"
    raise ValueError(rule)


def reference(op, x_np, out_name):
    ref, *_ = UNARY[op]
    rule = UNARY[op][2]
    if rule in (SAME, REAL) and out_name not in FLOATS + ["complex64"]:
        return ref(x_np)  # integer math in the input dtype (wrapping)
    with np.errstate(all="ignore"):
        return ref(ref_input(x_np, "complex64" if np.iscomplexobj(x_np) else out_name))


# MLX ops in the table that lumex has not built yet: their rows fail (strictly) until
# they exist, then the entry here must go.
NOT_BUILT: set = set()


def _row(op, *rest):
    return pytest.param(op, *rest, marks=[pytest.mark.not_built(op)] if op in NOT_BUILT else [])


def _cases():
    for op, (_, _, _, ok, bad) in UNARY.items():
        for name in DTYPE_NAMES:
            if name in ok or name in bad:
                yield _row(op, name)


@pytest.mark.parametrize("op,name", list(_cases()))
def test_unary_dtypes(op, name, rng):
    need(op)
    _, (lo, hi), rule, ok, bad = UNARY[op]
    x, xn = random_mx((2, 3, 4), name, rng, lo, hi)
    if name in bad:
        with pytest.raises(ValueError):
            mx.eval(getattr(mx, op)(x))
        return
    out = getattr(mx, op)(x)
    out_name = result_dtype(rule, name)
    assert out.dtype == dt(out_name), (op, name, out.dtype)
    expected = reference(op, xn, out_name)
    loose = F64_LOOSE if (out_name == "float64" and op in APPROX_F64) else {}
    assert_array(out, expected, **loose)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", [_row(op) for op in sorted(UNARY)])
def test_unary_layouts(op, layout, rng):
    need(op)
    _, (lo, hi), rule, ok, bad = UNARY[op]
    name = "float32" if "float32" in ok else "int32"
    x, xn = make_layout(layout, name, rng, lo, hi)
    out = getattr(mx, op)(x)
    out_name = result_dtype(rule, name)
    expected = reference(op, np.array(xn), out_name)
    assert_array(out, expected, dtype=out_name)


@pytest.mark.parametrize("alias,op", sorted(ALIASES.items()))
def test_unary_aliases(alias, op, rng):
    need(alias, op)
    lo, hi = UNARY[op][1]
    x, _ = random_mx((5,), "float32", rng, lo, hi)
    assert_array(getattr(mx, alias)(x), to_np(getattr(mx, op)(x)), dtype="float32")


def test_unary_python_scalar_input():
    need("exp", "abs", "sqrt")
    assert_array(mx.exp(1), np.array(np.e), dtype="float32")
    assert_array(mx.exp(1.0), np.array(np.e), dtype="float32")
    assert_equal(mx.abs(-3), np.array(3), dtype="int32")
    assert_array(mx.sqrt(np.array([4.0])), np.array([2.0]), dtype="float32")


# ---------------------------------------------------------------------------
# special values and edge semantics

INF = float("inf")
NAN = float("nan")


def test_special_values_float():
    need("array", "sqrt", "log", "reciprocal", "isnan", "isinf", "isfinite", "isposinf", "isneginf")
    x = mx.array([0.0, -0.0, 1.0, -1.0, INF, -INF, NAN])
    xn = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan], dtype=np.float32)
    with np.errstate(all="ignore"):
        assert_array(mx.sqrt(x), np.sqrt(xn), dtype="float32")
        assert_array(mx.log(x), np.log(xn), dtype="float32")
        assert_array(mx.reciprocal(x), 1 / xn, dtype="float32")
    assert_equal(mx.isnan(x), np.isnan(xn), "bool_")
    assert_equal(mx.isinf(x), np.isinf(xn), "bool_")
    assert_equal(mx.isfinite(x), np.isfinite(xn), "bool_")
    assert_equal(mx.isposinf(x), np.isposinf(xn), "bool_")
    assert_equal(mx.isneginf(x), np.isneginf(xn), "bool_")


def test_special_values_complex_inf():
    # Checked against mlx 0.32.4: only (+-inf, 0) counts as an infinity of one sign.
    vals = [0, complex(-INF, 0), complex(-INF, 1), complex(1, -INF), complex(INF, 0),
            complex(INF, -0.0), complex(-INF, NAN), complex(INF, INF)]
    x = mx.array(vals)
    assert mx.isneginf(x).tolist() == [False, True, False, False, False, False, False, False]
    assert mx.isposinf(x).tolist() == [False, False, False, False, True, True, False, False]


def test_special_values_exp_tanh_sigmoid():
    need("array", "exp", "tanh", "sigmoid", "erf", "erfinv")
    x = mx.array([-INF, -100.0, 0.0, 100.0, INF])
    # exp(-100) is a float32 denormal: MLX flushes it to 0, either is fine.
    assert mx.exp(x).tolist() == pytest.approx([0.0, 0.0, 1.0, INF, INF], abs=1e-30)
    assert mx.tanh(x).tolist() == [-1.0, -1.0, 0.0, 1.0, 1.0]
    assert mx.sigmoid(x).tolist() == pytest.approx([0.0, 0.0, 0.5, 1.0, 1.0], abs=1e-30)
    assert mx.erf(x).tolist() == [-1.0, -1.0, 0.0, 1.0, 1.0]
    assert mx.erfinv(mx.array([-1.0, 1.0, 0.0])).tolist() == [-INF, INF, 0.0]
    assert math.isnan(mx.erfinv(mx.array(2.0)).item())


def test_sign_edge_cases():
    need("array", "sign")
    assert_equal(mx.sign(mx.array([-2.5, -0.0, 0.0, 3.0])), np.array([-1.0, 0.0, 0.0, 1.0]), "float32")
    # MLX gives 0 for sign(nan) (NumPy gives nan).
    assert mx.sign(mx.array([NAN])).tolist() == [0.0]
    assert_equal(mx.sign(mx.array([True, False])), np.array([True, False]), "bool_")
    assert_equal(mx.sign(mx.array([-3, 0, 7])), np.array([-1, 0, 1]), "int32")
    out = mx.sign(mx.array([3 + 4j, 0j]))
    assert out.dtype == mx.complex64
    assert out.tolist() == [pytest.approx(0.6 + 0.8j), 0j]


def test_integer_wrapping():
    need("array", "abs", "negative", "square")
    assert_equal(mx.abs(mx.array([-128], dtype=mx.int8)), np.array([-128]), "int8")
    assert_equal(mx.negative(mx.array([1, 2], dtype=mx.uint8)), np.array([255, 254]), "uint8")
    assert_equal(mx.square(mx.array([200], dtype=mx.uint8)), np.array([64]), "uint8")
    assert_equal(mx.negative(mx.array([-(2**31)])), np.array([-(2**31)]), "int32")


def test_negative_bool_message():
    need("array", "negative")
    with pytest.raises(ValueError, match=r"\[negative\] Not supported for bool, use logical_not instead"):
        mx.negative(mx.array([True]))
    with pytest.raises(ValueError, match="logical_not"):
        -mx.array([True, False])


def test_complex_only_errors_name_the_op():
    need("array", "expm1", "floor")
    z = mx.array([1j])
    with pytest.raises(ValueError, match=r"\[expm1\] Not supported for complex64"):
        mx.expm1(z)
    with pytest.raises(ValueError, match=r"\[floor\] Not supported for complex64"):
        mx.floor(z)


def test_abs_complex_is_float32():
    need("array", "abs")
    out = mx.abs(mx.array([3 + 4j, -1 + 1j]))
    assert_array(out, np.array([5.0, np.sqrt(2)]), dtype="float32")


def test_complex_log_and_sqrt_of_negative():
    need("array", "log", "sqrt")
    out = mx.log(mx.array([-1.0 + 0j]))
    assert_array(out, np.array([np.pi * 1j]), dtype="complex64")
    out = mx.sqrt(mx.array([-4.0 + 0j]))
    assert_array(out, np.array([2j]), dtype="complex64")


@pytest.mark.parametrize("name", FLOATS)
def test_round_half_to_even(name):
    need("array", "round")
    x = mx.array([0.5, 1.5, 2.5, -0.5, -1.5, 3.2, -3.7], dtype=dt(name))
    assert_equal(mx.round(x), np.array([0.0, 2.0, 2.0, -0.0, -2.0, 3.0, -4.0]), name)


def test_round_decimals():
    need("array", "round")
    out = mx.round(mx.array([1.234, 5.678, -2.347]), 2)
    assert_array(out, np.array([1.23, 5.68, -2.35]), dtype="float32", rtol=1e-6)
    out = mx.round(mx.array([1.234, 5.678]), decimals=1)
    assert_array(out, np.array([1.2, 5.7]), dtype="float32", rtol=1e-6)
    out = mx.round(mx.array([15, 25, 31], dtype=mx.int32), -1)
    assert_equal(out, np.array([20, 20, 30]), "int32")
    out = mx.round(mx.array([1.5 + 2.5j]))
    assert out.dtype == mx.complex64 and out.tolist() == [2 + 2j]


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32"])
def test_nan_to_num(name):
    need("array", "nan_to_num", "finfo")
    x = mx.array([1.0, NAN, INF, -INF], dtype=dt(name))
    big = mx.finfo(dt(name)).max
    out = mx.nan_to_num(x)
    assert out.dtype == dt(name)
    assert out.tolist() == [1.0, 0.0, big, -big]
    out = mx.nan_to_num(x, nan=5, posinf=7, neginf=-7)
    assert out.tolist() == [1.0, 5.0, 7.0, -7.0]
    out = mx.nan_to_num(x, 2.0)
    assert out.tolist()[1] == 2.0


def test_nan_to_num_integers_unchanged():
    need("array", "nan_to_num")
    assert_equal(mx.nan_to_num(mx.array([1, 2, 3])), np.array([1, 2, 3]), "int32")


def test_real_imag_conj_complex():
    need("array", "real", "imag", "conj")
    z = mx.array([1 + 2j, -3 - 4j])
    assert_equal(mx.real(z), np.array([1.0, -3.0]), "float32")
    assert_equal(mx.imag(z), np.array([2.0, -4.0]), "float32")
    assert_equal(mx.conj(z), np.array([1 - 2j, -3 + 4j]), "complex64")
    assert_equal(mx.imag(mx.array([1, 2])), np.array([0, 0]), "int32")


def test_bitwise_invert_values():
    need("array", "bitwise_invert")
    assert_equal(mx.bitwise_invert(mx.array([0, 1, -1])), np.array([-1, -2, 0]), "int32")
    assert_equal(mx.bitwise_invert(mx.array([0, 255], dtype=mx.uint8)), np.array([255, 0]), "uint8")
    assert_equal(mx.bitwise_invert(mx.array([True, False])), np.array([False, True]), "bool_")
    assert_equal(~mx.array([5], dtype=mx.int16), np.array([-6]), "int16")
    assert_equal(~mx.array([True, False]), np.array([False, True]), "bool_")
    with pytest.raises(ValueError):
        ~mx.array([1.0])


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_float_precision_is_kept(name):
    # Unary math on a low-precision float stays in that dtype.
    need("array", "exp", "sin")
    x = mx.array([0.5, 1.0], dtype=dt(name))
    assert mx.exp(x).dtype == dt(name)
    assert mx.sin(x).dtype == dt(name)
    expected = np.exp(to_np(x).astype(np.float64))
    assert_array(mx.exp(x), expected, **(F64_LOOSE if name == "float64" else {}))
