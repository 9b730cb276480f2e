"""Elementwise binary ops (arithmetic, comparison, logical, bitwise), where,
clip, isclose/allclose/array_equal and broadcasting, against NumPy."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import lumex.core as mx
from helpers import (
    DTYPE_NAMES,
    FLOATS,
    INTS,
    PROMOTION,
    assert_array,
    assert_equal,
    dt,
    from_np,
    make_layout,
    need,
    np_cast,
    random_mx,
    to_np,
)

ALL = set(DTYPE_NAMES)
NOCOMPLEX = ALL - {"complex64"}
INTEGRAL = set(INTS) | {"bool_"}
INEXACT_BAD = set(FLOATS) | {"complex64"}
BITWISE_ERR = (ValueError, RuntimeError)  # mx.bitwise_and(f, f) raises RuntimeError in MLX


def _bool_or_int(bool_fn, int_fn):
    def f(x, y):
        if x.dtype == np.bool_:
            return bool_fn(x, y)
        return int_fn(x, y)

    return f


def _shift(fn):
    def f(x, y):
        if x.dtype == np.bool_:
            x, y = x.astype(np.uint8), y.astype(np.uint8)
        return fn(x, y)

    return f


def _int_power(x, y):
    if x.dtype == np.bool_:
        return np.logical_or(x, ~y)
    return np.power(x, y)


def _floor_divide(x, y):
    if x.dtype == np.bool_:
        return x.copy()  # rhs is always True
    return np.floor_divide(x, y)


def _remainder(x, y):
    if x.dtype == np.bool_:
        return np.zeros_like(x)
    return np.remainder(x, y)


def _logaddexp(x, y):
    if np.iscomplexobj(x):
        return np.log(np.exp(x) + np.exp(y))
    return np.logaddexp(x, y)


# result rules
PROMOTE = "promote"
TRUEDIV = "truediv"  # promoted integer/bool -> float32
BOOL = "bool"
SHIFT = "shift"  # promoted bool -> uint8

# rhs kinds: "any", "nonzero" (division family), "shift" (0..3), "pow" (0..3
# for ints; lhs kept positive for floats)
# name: (numpy reference, rule, rhs kind, supported dtypes, {dtype: errors})
BINARY = {
    "add": (_bool_or_int(np.logical_or, np.add), PROMOTE, "any", ALL, {}),
    "subtract": (_bool_or_int(np.logical_xor, np.subtract), PROMOTE, "any", ALL, {}),
    "multiply": (_bool_or_int(np.logical_and, np.multiply), PROMOTE, "any", ALL, {}),
    "divide": (np.true_divide, TRUEDIV, "nonzero", ALL, {}),
    "floor_divide": (_floor_divide, PROMOTE, "nonzero", NOCOMPLEX, {}),
    "remainder": (_remainder, PROMOTE, "nonzero", NOCOMPLEX, {"complex64": ValueError}),
    "power": (_int_power, PROMOTE, "pow", ALL, {}),
    "maximum": (np.maximum, PROMOTE, "any", ALL, {}),
    "minimum": (np.minimum, PROMOTE, "any", ALL, {}),
    "arctan2": (np.arctan2, TRUEDIV, "any", NOCOMPLEX, {"complex64": ValueError}),
    "logaddexp": (_logaddexp, TRUEDIV, "any", ALL, {}),
    "equal": (np.equal, BOOL, "any", ALL, {}),
    "not_equal": (np.not_equal, BOOL, "any", ALL, {}),
    "greater": (np.greater, BOOL, "any", ALL, {}),
    "greater_equal": (np.greater_equal, BOOL, "any", ALL, {}),
    "less": (np.less, BOOL, "any", ALL, {}),
    "less_equal": (np.less_equal, BOOL, "any", ALL, {}),
    "logical_and": (np.logical_and, BOOL, "any", ALL, {}),
    "logical_or": (np.logical_or, BOOL, "any", ALL, {}),
    "logical_xor": (np.logical_xor, BOOL, "any", ALL, {}),
    "bitwise_and": (np.bitwise_and, PROMOTE, "any", INTEGRAL, {d: BITWISE_ERR for d in INEXACT_BAD}),
    "bitwise_or": (np.bitwise_or, PROMOTE, "any", INTEGRAL, {d: BITWISE_ERR for d in INEXACT_BAD}),
    "bitwise_xor": (np.bitwise_xor, PROMOTE, "any", INTEGRAL, {d: BITWISE_ERR for d in INEXACT_BAD}),
    "left_shift": (_shift(np.left_shift), SHIFT, "shift", INTEGRAL, {d: BITWISE_ERR for d in INEXACT_BAD}),
    "right_shift": (_shift(np.right_shift), SHIFT, "shift", INTEGRAL, {d: BITWISE_ERR for d in INEXACT_BAD}),
}

ALIASES = {
    "pow": "power",
    "atan2": "arctan2",
    "bitwise_left_shift": "left_shift",
    "bitwise_right_shift": "right_shift",
}

# MLX evaluates these in float32-level precision even for float64 input.
APPROX_F64 = {"power", "arctan2", "logaddexp"}


def result_name(rule, promoted):
    if rule == PROMOTE:
        return promoted
    if rule == BOOL:
        return "bool_"
    if rule == TRUEDIV:
        return promoted if promoted in FLOATS or promoted == "complex64" else "float32"
    if rule == SHIFT:
        return "uint8" if promoted == "bool_" else promoted
    raise ValueError(rule)


def operands(op, name, shape, rng):
    """Random (lhs, rhs) mx arrays of dtype ``name`` suited to ``op``."""
    kind = BINARY[op][2]
    if kind == "nonzero":
        x, _ = random_mx(shape, name, rng, -3, 3)
        if name == "bool_":
            y = from_np(np.ones(shape, bool), name)
        elif name in INTS:
            y, _ = random_mx(shape, name, rng, 1, 3)
        else:
            # powers of two keep float division exact (floor is well defined)
            vals = rng.choice([-4.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 4.0], size=shape)
            if name == "complex64":
                vals = vals + 1j * rng.choice([-1.0, 0.5, 2.0], size=shape)
            y = from_np(vals, name)
        return x, y
    if kind == "shift":
        x, _ = random_mx(shape, name, rng, -8, 8)
        y, _ = random_mx(shape, name, rng, 0, 3)
        return x, y
    if kind == "pow":
        if name in INTS or name == "bool_":
            return random_mx(shape, name, rng, 0, 3)[0], random_mx(shape, name, rng, 0, 3)[0]
        return random_mx(shape, name, rng, 0.5, 2.5)[0], random_mx(shape, name, rng, -2, 2)[0]
    return random_mx(shape, name, rng, -3, 3)[0], random_mx(shape, name, rng, -3, 3)[0]


def reference(op, x, y):
    """NumPy reference for mx operands x, y (any dtypes), and its dtype name."""
    ref, rule = BINARY[op][0], BINARY[op][1]
    a = x if isinstance(x, mx.array) else None
    b = y if isinstance(y, mx.array) else None
    promoted = PROMOTION[(_name(a.dtype), _name(b.dtype))]
    out = result_name(rule, promoted)
    xn = np_cast(to_np(a), promoted)
    yn = np_cast(to_np(b), promoted)
    if out in FLOATS or out == "complex64" or (rule == BOOL and promoted in FLOATS):
        wide = np.complex128 if promoted == "complex64" else np.float64
        if promoted in FLOATS or promoted == "complex64":
            xn, yn = xn.astype(wide), yn.astype(wide)
        elif out in FLOATS:
            xn, yn = xn.astype(np.float64), yn.astype(np.float64)
    with np.errstate(all="ignore"):
        return ref(xn, yn), out


def _name(d):
    for n in DTYPE_NAMES:
        if getattr(mx, n) == d:
            return n
    raise KeyError(d)


def check(op, out, x, y):
    expected, out_name = reference(op, x, y)
    assert out.dtype == dt(out_name), (op, out.dtype, out_name)
    loose = dict(rtol=1e-6, atol=1e-7) if (out_name == "float64" and op in APPROX_F64) else {}
    assert_array(out, expected, **loose)


def _same_dtype_cases():
    for op, (_, _, _, ok, bad) in BINARY.items():
        for name in DTYPE_NAMES:
            if name in ok or name in bad:
                yield op, name


@pytest.mark.parametrize("op,name", list(_same_dtype_cases()))
def test_binary_same_dtype(op, name, rng):
    need(op)
    bad = BINARY[op][4]
    x, y = operands(op, name, (2, 3, 4), rng)
    if name in bad:
        with pytest.raises(bad[name]):
            mx.eval(getattr(mx, op)(x, y))
        return
    check(op, getattr(mx, op)(x, y), x, y)


@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_mixed_dtypes(op):
    """Every supported dtype pair: result dtype from the promotion table and
    values from NumPy computed in the promoted dtype."""
    need(op)
    ok, bad = BINARY[op][3], BINARY[op][4]
    kind = BINARY[op][2]
    lhs_vals = np.array([0, 1, 2, 3, 1, 2], dtype=np.int64)
    rhs_vals = {"nonzero": [1, 2, 3, 1, 2, 3], "shift": [0, 1, 2, 3, 0, 1]}.get(kind, [3, 1, 0, 2, 2, 1])
    for a in DTYPE_NAMES:
        for b in DTYPE_NAMES:
            promoted = PROMOTION[(a, b)]
            if promoted not in ok or a not in ok and a not in bad or b not in ok and b not in bad:
                continue
            if promoted in bad or a in bad or b in bad:
                continue
            x = from_np(lhs_vals if a != "bool_" else lhs_vals > 0, a)
            rv = np.array(rhs_vals)
            y = from_np(rv if b != "bool_" else (rv > 0 if kind != "shift" else rv > 5), b)
            if b == "bool_" and kind == "nonzero":
                y = from_np(np.ones(6, bool), b)
            out = getattr(mx, op)(x, y)
            check(op, out, x, y)


def test_binary_mixed_dtype_errors():
    need("remainder", "bitwise_and", "arctan2")
    i = mx.array([1, 2])
    with pytest.raises(ValueError, match=r"\[remainder\] Complex type not supported"):
        mx.remainder(mx.array([1j]), mx.array([1j]))
    with pytest.raises(ValueError, match=r"\[arctan2\] Not supported for complex64"):
        mx.arctan2(mx.array([1j]), mx.array([1j]))
    with pytest.raises(BITWISE_ERR, match=r"\[bitwise_and\] Only allowed on integer or boolean types"):
        mx.eval(mx.bitwise_and(mx.array([1.0, 2.0]), i))


# Layout pairs: non-contiguous, broadcast, 0-d, empty and Python scalars.
LAYOUT_PAIRS = [
    ("contiguous", "contiguous"),
    ("transposed", "contiguous"),
    ("contiguous", "transposed"),
    ("broadcast", "transposed"),
    ("strided", "broadcast"),
    ("strided", "strided"),
    ("scalar", "contiguous"),
    ("contiguous", "scalar"),
    ("empty", "empty"),
    ("row", "column"),
    ("contiguous", "python"),
    ("python", "contiguous"),
]


def _layout(layout, name, rng, op, side):
    if layout == "row":
        x, xn = random_mx((1, 4), name, rng, 0.5, 2.5)
        return x, xn
    if layout == "column":
        return random_mx((3, 1), name, rng, 0.5, 2.5)
    lo, hi = (0.5, 2.5) if (side == "rhs" and BINARY[op][2] in ("nonzero",)) else (-2.5, 2.5)
    if BINARY[op][2] == "pow" and side == "lhs":
        lo, hi = 0.5, 2.5
    if BINARY[op][2] == "shift":
        lo, hi = (0, 3) if side == "rhs" else (-8, 8)
    return make_layout(layout, name, rng, lo, hi)


@pytest.mark.parametrize("layouts", LAYOUT_PAIRS, ids=["-".join(p) for p in LAYOUT_PAIRS])
@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_layouts(op, layouts, rng):
    need(op)
    ok = BINARY[op][3]
    name = "float32" if "float32" in ok else "int32"
    lhs, rhs = layouts
    ref, rule = BINARY[op][0], BINARY[op][1]
    if "python" in layouts:
        other, on = _layout("contiguous", name, rng, op, "lhs" if rhs == "python" else "rhs")
        scalar = 2 if name == "int32" else 1.5
        if BINARY[op][2] == "shift":
            scalar = 1
        if lhs == "python":
            out = getattr(mx, op)(scalar, other)
            xn, yn = np.full(on.shape, scalar, on.dtype), on
        else:
            out = getattr(mx, op)(other, scalar)
            xn, yn = on, np.full(on.shape, scalar, on.dtype)
        out_name = result_name(rule, name)
    else:
        x, xn = _layout(lhs, name, rng, op, "lhs")
        y, yn = _layout(rhs, name, rng, op, "rhs")
        out = getattr(mx, op)(x, y)
        out_name = result_name(rule, name)
    wide = np.float64 if out_name in FLOATS else None
    a, b = np.array(xn), np.array(yn)
    if wide is not None:
        a, b = a.astype(wide), b.astype(wide)
    with np.errstate(all="ignore"):
        expected = ref(a, b)
    assert_array(out, expected, dtype=out_name)


@pytest.mark.parametrize("alias,op", sorted(ALIASES.items()))
def test_binary_aliases(alias, op, rng):
    need(alias, op)
    name = "float32" if "float32" in BINARY[op][3] else "int32"
    x, y = operands(op, name, (5,), rng)
    assert_array(getattr(mx, alias)(x, y), to_np(getattr(mx, op)(x, y)), dtype=getattr(mx, op)(x, y).dtype)


# ---------------------------------------------------------------------------
# integer and float semantics


def test_floor_semantics():
    need("array", "floor_divide", "remainder")
    a = mx.array([-7, 7, -7, 7])
    b = mx.array([2, -2, -2, 2])
    assert_equal(a // b, np.array([-4, -4, 3, 3]), "int32")
    assert_equal(mx.array([-7, 7, -7, 7]) % mx.array([3, -3, -3, 3]), np.array([2, -2, -1, 1]), "int32")
    assert_equal(mx.array([-7.5, 7.5]) % mx.array([2.0, -2.0]), np.array([0.5, -0.5]), "float32")
    assert_equal(mx.array([-7.5, 7.5]) // mx.array([2.0, -2.0]), np.array([-4.0, -4.0]), "float32")
    out = mx.remainder(mx.array([5.5], dtype=mx.float16), mx.array([-2.0], dtype=mx.float16))
    assert_equal(out, np.array([-0.5]), "float16")


def test_integer_division_by_zero_gives_zero():
    need("array", "floor_divide")
    assert_equal(mx.array([5, -5]) // mx.array([0, 0]), np.array([0, 0]), "int32")
    assert_equal(mx.floor_divide(mx.array([5], dtype=mx.uint8), mx.array([0], dtype=mx.uint8)), np.array([0]), "uint8")
    assert_equal(mx.array([5, -5]) % mx.array([0, 0]), np.array([5, -5]), "int32")


def test_float_division_by_zero():
    need("array", "divide", "floor_divide", "remainder")
    out = mx.array([1.0, -1.0, 0.0]) / mx.array([0.0, 0.0, 0.0])
    assert out.tolist()[:2] == [float("inf"), float("-inf")]
    assert np.isnan(out.tolist()[2])
    assert mx.floor_divide(mx.array([5.0]), mx.array([0.0])).tolist() == [float("inf")]
    assert np.isnan(mx.remainder(mx.array([5.0]), mx.array([0.0])).item())


def test_integer_true_divide_is_float32():
    need("array", "divide")
    for name in INTS + ["bool_"]:
        x = mx.array([1, 1], dtype=dt(name))
        assert (x / x).dtype == mx.float32
    out = mx.array([7, -7], dtype=mx.int64) / mx.array([2, 2], dtype=mx.int64)
    assert_equal(out, np.array([3.5, -3.5]), "float32")
    assert (mx.array([1.0], dtype=mx.float16) / mx.array([2])).dtype == mx.float16


def test_integer_power():
    need("array", "power")
    # int ** negative int is 0, even 1 ** -1
    assert_equal(mx.array([2, 1, 3]) ** mx.array([-1, -1, 2]), np.array([0, 0, 9]), "int32")
    assert_equal(mx.power(mx.array([0, 2]), mx.array([0, 31])), np.array([1, -(2**31)]), "int32")
    assert_equal(mx.power(mx.array([2], dtype=mx.uint8), mx.array([9], dtype=mx.uint8)), np.array([0]), "uint8")
    assert_equal(mx.power(mx.array([-2.0]), mx.array([3.0])), np.array([-8.0]), "float32")
    assert np.isnan(mx.power(mx.array([-8.0]), mx.array([1 / 3])).item())


def test_integer_overflow_wraps():
    need("array")
    assert_equal(mx.array([200], dtype=mx.uint8) + mx.array([100], dtype=mx.uint8), np.array([44]), "uint8")
    assert_equal(mx.array([2**31 - 1]) + 1, np.array([-(2**31)]), "int32")
    assert_equal(mx.array([255], dtype=mx.uint8) + 1, np.array([0]), "uint8")


def test_bool_arithmetic():
    need("array")
    t = mx.array([True, False, True, False])
    f = mx.array([True, True, False, False])
    assert_equal(t + f, np.array([True, True, True, False]), "bool_")
    assert_equal(t * f, np.array([True, False, False, False]), "bool_")
    assert_equal(t - f, np.array([False, True, True, False]), "bool_")
    assert_equal(t / mx.array([True] * 4), np.array([1.0, 0.0, 1.0, 0.0]), "float32")
    assert_equal(t // mx.array([True] * 4), np.array([True, False, True, False]), "bool_")
    assert_equal(t**f, np.array([True, False, True, True]), "bool_")
    assert_equal(mx.array([True]) << mx.array([True]), np.array([2]), "uint8")


def test_shifts():
    need("array", "left_shift", "right_shift")
    assert_equal(mx.array([-8]) >> mx.array([1]), np.array([-4]), "int32")
    assert_equal(mx.array([255], dtype=mx.uint8) << mx.array([1], dtype=mx.uint8), np.array([254]), "uint8")
    assert_equal(mx.array([1], dtype=mx.int8) << mx.array([6], dtype=mx.int8), np.array([64]), "int8")
    assert_equal(mx.left_shift(mx.array([1, 2, 3]), 2), np.array([4, 8, 12]), "int32")
    assert_equal(mx.right_shift(mx.array([16], dtype=mx.uint16), 3), np.array([2]), "uint16")


def test_nan_propagation_in_maximum_minimum():
    need("array", "maximum", "minimum")
    nan = float("nan")
    a = mx.array([1.0, nan, nan])
    b = mx.array([nan, 1.0, nan])
    assert np.isnan(to_np(mx.maximum(a, b))).all()
    assert np.isnan(to_np(mx.minimum(a, b))).all()


def test_complex_comparisons_are_lexicographic():
    need("array", "less", "maximum")
    a = mx.array([1 + 2j, 1 + 1j, 2 + 0j])
    b = mx.array([1 + 1j, 1 + 2j, 1 + 5j])
    assert_equal(mx.less(a, b), np.array([False, True, False]), "bool_")
    assert_equal(mx.maximum(a, b), np.array([1 + 2j, 1 + 2j, 2 + 0j]), "complex64")


def test_divmod():
    need("array", "divmod")
    out = mx.divmod(mx.array([-7, 7, 9]), mx.array([2, 2, -4]))
    assert len(out) == 2
    q, r = out
    assert_equal(q, np.array([-4, 3, -3]), "int32")
    assert_equal(r, np.array([1, 1, -3]), "int32")
    q, r = mx.divmod(mx.array([7.5]), 2)
    assert_equal(q, np.array([3.0]), "float32")
    assert_equal(r, np.array([1.5]), "float32")
    with pytest.raises(ValueError, match=r"\[divmod\] Complex type not supported"):
        mx.divmod(mx.array([1j]), mx.array([1j]))


def test_logaddexp_special():
    need("array", "logaddexp")
    inf = float("inf")
    assert mx.logaddexp(mx.array([-inf]), mx.array([-inf])).tolist() == [-inf]
    assert mx.logaddexp(mx.array([inf]), mx.array([1.0])).tolist() == [inf]
    out = mx.logaddexp(mx.array([1000.0]), mx.array([1000.0]))
    assert_array(out, np.array([1000 + np.log(2)]), dtype="float32")


# ---------------------------------------------------------------------------
# where / clip


WHERE_CASES = [
    # (x, y, expected dtype)
    (1, 2.0, "float32"),
    (1, 2, "int32"),
    (True, False, "bool_"),
    (("int8", [1, 2]), ("uint8", [3, 4]), "int16"),
    (("float16", [1, 2]), 3.0, "float16"),
    (1.5, ("int32", [1, 2]), "float32"),
    (("int8", [1, 2]), 5, "int8"),
    (("bfloat16", [1, 2]), ("float16", [3, 4]), "float32"),
]


def _val(v):
    if isinstance(v, tuple):
        return from_np(np.array(v[1]), v[0]), np.array(v[1])
    return v, np.array(v)


@pytest.mark.parametrize("xv,yv,expected", WHERE_CASES, ids=[str(i) for i in range(len(WHERE_CASES))])
def test_where_promotion(xv, yv, expected):
    need("where", "array")
    cond = mx.array([True, False])
    x, xn = _val(xv)
    y, yn = _val(yv)
    out = mx.where(cond, x, y)
    assert out.dtype == dt(expected)
    assert_array(out, np.where(np.array([True, False]), xn, yn))


def test_where_broadcast_and_condition_dtypes(rng):
    need("where", "array", "broadcast_to", "transpose")
    c = rng.random((3, 1, 4)) > 0.5
    x, xn = random_mx((2, 1), "float32", rng)
    y, yn = random_mx((4,), "float32", rng)
    out = mx.where(mx.array(c), x, y)
    assert_array(out, np.where(c, xn, yn), dtype="float32")
    # A non-bool condition counts nonzero as true.
    out = mx.where(mx.array([1, 0, 2]), mx.array([1, 2, 3]), mx.array([4, 5, 6]))
    assert_equal(out, np.array([1, 5, 3]), "int32")
    out = mx.where(mx.array([0.5, 0.0]), 1, 0)
    assert_equal(out, np.array([1, 0]), "int32")
    # Non-contiguous inputs.
    m, mn = random_mx((4, 3), "float32", rng)
    out = mx.where(mx.transpose(m) > 0, mx.transpose(m), 0.0)
    assert_array(out, np.where(mn.T > 0, mn.T, 0.0), dtype="float32")


def test_where_errors():
    need("where", "array")
    with pytest.raises(ValueError, match=r"\[broadcast_shapes\]"):
        mx.where(mx.array([True, False, True]), 1.5, mx.array([1, 2]))


CLIP_CASES = [
    # (x dtype, a_min, a_max, expected dtype)
    ("int32", 2, 8, "int32"),
    ("int32", 2.5, 8, "float32"),
    ("int32", None, 8, "int32"),
    ("int32", 2, None, "int32"),
    ("float16", 2, 8, "float16"),
    ("uint8", ("int32", [2, 3, 4]), 8, "int32"),
    ("uint8", ("int8", [2, 3, 4]), 8, "int16"),
    ("float32", ("float32", [[2], [3]]), 8, "float32"),
]


@pytest.mark.parametrize("name,lo,hi,expected", CLIP_CASES, ids=[str(i) for i in range(len(CLIP_CASES))])
def test_clip(name, lo, hi, expected):
    need("clip")
    xn = np.array([1, 5, 10])
    x = from_np(xn, name)
    lo_mx, lo_np = _val(lo) if lo is not None else (None, None)
    hi_mx, hi_np = _val(hi) if hi is not None else (None, None)
    out = mx.clip(x, lo_mx, hi_mx)
    assert out.dtype == dt(expected)
    assert_array(out, np.clip(xn, lo_np, hi_np))


def test_clip_both_none_and_noncontiguous(rng):
    need("clip", "array", "transpose")
    with pytest.raises(ValueError, match="At most one of a_min and a_max may be None"):
        mx.clip(mx.array([1, 2]), None, None)
    x, xn = random_mx((4, 3), "float32", rng)
    assert_array(mx.clip(mx.transpose(x), -0.5, 0.5), np.clip(xn.T, -0.5, 0.5), dtype="float32")


# ---------------------------------------------------------------------------
# isclose / allclose / array_equal


def test_isclose():
    need("isclose", "array")
    nan, inf = float("nan"), float("inf")
    a = mx.array([1.0, nan, inf, -inf, 1.0, 0.0])
    b = mx.array([1.0 + 1e-6, nan, inf, inf, 1.1, 1e-9])
    out = mx.isclose(a, b)
    assert_equal(out, np.array([True, False, True, False, False, True]), "bool_")
    out = mx.isclose(a, b, equal_nan=True)
    assert_equal(out, np.array([True, True, True, False, False, True]), "bool_")
    out = mx.isclose(mx.array([1.0, 2.0]), mx.array([1.05, 2.5]), rtol=0.1)
    assert_equal(out, np.array([True, False]), "bool_")
    out = mx.isclose(mx.array([1.0, 2.0]), mx.array([1.05, 2.5]), rtol=0, atol=0.06)
    assert_equal(out, np.array([True, False]), "bool_")
    assert_equal(mx.isclose(mx.array([1, 2]), mx.array([1, 3])), np.array([True, False]), "bool_")
    out = mx.isclose(mx.array([[1.0], [2.0]]), mx.array([1.0, 2.0]))
    assert_equal(out, np.isclose(np.array([[1.0], [2.0]]), np.array([1.0, 2.0])), "bool_")


def test_allclose():
    need("allclose", "array")
    out = mx.allclose(mx.array([1.0, 2.0]), mx.array([1.0, 2.1]))
    assert isinstance(out, mx.array) and out.shape == () and out.dtype == mx.bool_
    assert out.item() is False
    assert mx.allclose(mx.array([1.0, 2.0]), mx.array([1.0, 2.1]), atol=0.2).item() is True
    assert mx.allclose(mx.array([1.0, 2.0]), mx.array([1.0, 2.1]), rtol=0.1).item() is True
    nan = float("nan")
    assert mx.allclose(mx.array([nan]), mx.array([nan])).item() is False
    assert mx.allclose(mx.array([nan]), mx.array([nan]), equal_nan=True).item() is True
    with pytest.raises(ValueError, match=r"\[broadcast_shapes\]"):
        mx.allclose(mx.array([1, 2]), mx.array([1, 2, 3]))


def test_array_equal():
    need("array_equal", "array")
    out = mx.array_equal(mx.array([1, 2]), mx.array([1.0, 2.0]))
    assert isinstance(out, mx.array) and out.shape == () and out.dtype == mx.bool_
    assert out.item() is True  # dtypes may differ
    assert mx.array_equal(mx.array([1, 2]), mx.array([1, 2, 3])).item() is False  # shapes differ
    assert mx.array_equal(mx.array([[1, 2]]), mx.array([1, 2])).item() is False
    nan = float("nan")
    assert mx.array_equal(mx.array([nan]), mx.array([nan])).item() is False
    assert mx.array_equal(mx.array([nan]), mx.array([nan]), equal_nan=True).item() is True
    assert mx.array_equal(mx.array([1, 2]), mx.array([1, 3])).item() is False


# ---------------------------------------------------------------------------
# broadcasting

BROADCAST_OK = [
    ((), (3,)),
    ((3,), ()),
    ((1,), (4,)),
    ((2, 3), (3,)),
    ((2, 1), (1, 4)),
    ((3, 1, 5), (4, 1)),
    ((0,), (1,)),
    ((0, 3), (1, 3)),
    ((2, 0), (2, 1)),
    ((1, 1, 1), (2, 3)),
]
BROADCAST_BAD = [
    ((2, 3), (4,), "Shapes (2,3) and (4) cannot be broadcast"),
    ((2, 3), (3, 3), "Shapes (2,3) and (3,3) cannot be broadcast"),
    ((2, 3, 1), (4, 5), "Shapes (2,3,1) and (4,5) cannot be broadcast"),
    ((0,), (2,), "Shapes (0) and (2) cannot be broadcast"),
]


@pytest.mark.parametrize("s1,s2", BROADCAST_OK, ids=[f"{a}{b}" for a, b in BROADCAST_OK])
def test_broadcasting_shapes(s1, s2, rng):
    need("add", "multiply", "zeros")
    x, xn = random_mx(s1, "float32", rng)
    y, yn = random_mx(s2, "float32", rng)
    assert_array(x + y, xn + yn, dtype="float32")
    assert_array(mx.multiply(x, y), xn * yn, dtype="float32")
    assert (x < y).shape == np.broadcast_shapes(s1, s2)


@pytest.mark.parametrize("s1,s2,message", BROADCAST_BAD, ids=[f"{a}{b}" for a, b, _ in BROADCAST_BAD])
def test_broadcasting_errors(s1, s2, message):
    need("add", "zeros")
    x, y = mx.zeros(s1), mx.zeros(s2)
    with pytest.raises(ValueError, match=r"\[broadcast_shapes\] " + message.replace("(", r"\(").replace(")", r"\)")):
        x + y


def test_broadcast_shapes_function():
    need("broadcast_shapes")
    assert mx.broadcast_shapes((2, 1), (1, 4), (3, 1, 1)) == (3, 2, 4)
    assert mx.broadcast_shapes((2, 3)) == (2, 3)
    assert mx.broadcast_shapes([2, 3], [3]) == (2, 3)
    assert mx.broadcast_shapes((0, 1), (1, 5)) == (0, 5)
    assert isinstance(mx.broadcast_shapes((2, 3), (3,)), tuple)
    with pytest.raises(ValueError, match=r"\[broadcast_shapes\] Must provide at least one shape"):
        mx.broadcast_shapes()
    with pytest.raises(ValueError, match=r"\[broadcast_shapes\] Shapes \(2,3\) and \(4\) cannot be broadcast"):
        mx.broadcast_shapes((2, 3), (4,))


_dims = st.lists(st.integers(0, 4), min_size=0, max_size=4)


@st.composite
def _compatible_shapes(draw):
    base = draw(_dims)
    shapes = []
    for _ in range(draw(st.integers(2, 3))):
        k = draw(st.integers(0, len(base)))
        suffix = base[len(base) - k:]
        shapes.append(tuple(d if draw(st.booleans()) else 1 for d in suffix))
    return shapes


@settings(max_examples=80, deadline=None)
@given(shapes=_compatible_shapes())
def test_broadcast_property_compatible(shapes):
    need("zeros", "ones", "add")
    expected = np.broadcast_shapes(*shapes)
    out = mx.zeros(shapes[0])
    for s in shapes[1:]:
        out = out + mx.ones(s)
    assert out.shape == expected
    assert mx.broadcast_shapes(*shapes) == expected
    np.testing.assert_array_equal(np.array(out), np.full(expected, len(shapes) - 1, np.float32))


@settings(max_examples=80, deadline=None)
@given(s1=_dims, s2=_dims)
def test_broadcast_property_random(s1, s2):
    need("zeros", "ones", "add", "maximum")
    s1, s2 = tuple(s1), tuple(s2)
    try:
        expected = np.broadcast_shapes(s1, s2)
    except ValueError:
        expected = None
    x, y = mx.zeros(s1), mx.ones(s2)
    if expected is None:
        with pytest.raises(ValueError, match=r"\[broadcast_shapes\]"):
            x + y
        with pytest.raises(ValueError, match=r"cannot be broadcast"):
            mx.broadcast_shapes(s1, s2)
    else:
        assert (x + y).shape == expected
        assert mx.maximum(y, x).shape == expected

