"""Dtype objects, categories, finfo/iinfo, issubdtype, isdtype, can_cast,
result_type and the full type-promotion tables (array+array, array+scalar)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import lumex.core as mx
from helpers import DTYPE_NAMES, FLOATS, INTS, LONG, PROMOTION, SIGNED, UNSIGNED, dt, need
from helpers import ORDER as _ORDER

SIZES = {
    "bool_": 1,
    "uint8": 1,
    "uint16": 2,
    "uint32": 4,
    "uint64": 8,
    "int8": 1,
    "int16": 2,
    "int32": 4,
    "int64": 8,
    "float16": 2,
    "bfloat16": 2,
    "float32": 4,
    "float64": 8,
    "complex64": 8,
}

# ---------------------------------------------------------------------------
# Dtype objects


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_object(name):
    need(name, "Dtype")
    d = getattr(mx, name)
    assert isinstance(d, mx.Dtype)
    assert d.size == SIZES[name]
    assert isinstance(d.size, int)
    shown = "bool" if name == "bool_" else name
    assert repr(d) == f"{mx.__name__}.{shown}"
    assert str(d) == repr(d)
    assert d == getattr(mx, name)
    assert hash(d) == hash(getattr(mx, name))


def test_dtype_equality_and_hash():
    need("Dtype")
    assert mx.float32 == mx.float32
    assert mx.float32 != mx.float16
    assert not (mx.int32 == mx.uint32)
    # Not equal to NumPy dtypes or strings.
    assert (mx.float32 == np.float32) is False
    assert mx.float32 != "float32"
    table = {getattr(mx, n): n for n in DTYPE_NAMES}
    assert len(table) == len(DTYPE_NAMES)
    for n in DTYPE_NAMES:
        assert table[getattr(mx, n)] == n


def test_dtype_not_ordered_and_not_constructible():
    need("Dtype")
    with pytest.raises(TypeError):
        mx.float32 < mx.float64
    with pytest.raises(TypeError):
        mx.Dtype()


# ---------------------------------------------------------------------------
# Categories and issubdtype

CATEGORIES = [
    "complexfloating",
    "floating",
    "inexact",
    "signedinteger",
    "unsignedinteger",
    "integer",
    "number",
    "generic",
]

# category -> its parent category
PARENT = {
    "complexfloating": "inexact",
    "floating": "inexact",
    "inexact": "number",
    "signedinteger": "integer",
    "unsignedinteger": "integer",
    "integer": "number",
    "number": "generic",
    "generic": None,
}


def leaf_category(name):
    if name == "bool_":
        return "generic"
    if name in UNSIGNED:
        return "unsignedinteger"
    if name in SIGNED:
        return "signedinteger"
    if name in FLOATS:
        return "floating"
    return "complexfloating"


def ancestors(cat):
    out = []
    while cat is not None:
        out.append(cat)
        cat = PARENT[cat]
    return out


def test_dtype_category_enum():
    need("DtypeCategory", *CATEGORIES)
    assert set(mx.DtypeCategory.__members__) == set(CATEGORIES)
    for c in CATEGORIES:
        cat = getattr(mx, c)
        assert isinstance(cat, mx.DtypeCategory)
        assert cat == getattr(mx.DtypeCategory, c)
        assert repr(cat) == f"DtypeCategory.{c}"
        assert str(cat) == f"DtypeCategory.{c}"
    assert mx.float32 != mx.floating


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_issubdtype_dtype_vs_category(name):
    need("issubdtype", *CATEGORIES)
    d = getattr(mx, name)
    expected = set(ancestors(leaf_category(name)))
    for c in CATEGORIES:
        assert mx.issubdtype(d, getattr(mx, c)) == (c in expected), (name, c)


@pytest.mark.parametrize("a", CATEGORIES)
def test_issubdtype_category_vs_category(a):
    need("issubdtype", *CATEGORIES)
    for b in CATEGORIES:
        expected = b in ancestors(a)
        assert mx.issubdtype(getattr(mx, a), getattr(mx, b)) == expected, (a, b)


def test_issubdtype_dtype_vs_dtype():
    need("issubdtype", "floating")
    for a in DTYPE_NAMES:
        for b in DTYPE_NAMES:
            assert mx.issubdtype(getattr(mx, a), getattr(mx, b)) == (a == b)
    # A category is never a sub-dtype of a concrete dtype.
    assert mx.issubdtype(mx.floating, mx.float32) is False


def test_issubdtype_bad_input():
    need("issubdtype")
    with pytest.raises(ValueError, match=r"\[issubdtype\]"):
        mx.issubdtype(mx.float32, np.floating)
    with pytest.raises(ValueError, match=r"\[issubdtype\]"):
        mx.issubdtype(mx.float32, "float")


# ---------------------------------------------------------------------------
# finfo / iinfo


FINFO = {
    # name: (min, max, eps, smallest_normal, bits, repr)
    "float16": (-65504.0, 65504.0, 0.0009765625, 6.103515625e-05, 16,
                "finfo(min=-65504, max=65504, dtype=float16)"),
    "bfloat16": (-3.3895313892515355e38, 3.3895313892515355e38, 0.0078125,
                 1.1754943508222875e-38, 16,
                 "finfo(min=-3.38953e+38, max=3.38953e+38, dtype=bfloat16)"),
    "float32": (-3.4028234663852886e38, 3.4028234663852886e38, 1.1920928955078125e-07,
                1.1754943508222875e-38, 32,
                "finfo(min=-3.40282e+38, max=3.40282e+38, dtype=float32)"),
    "float64": (-1.7976931348623157e308, 1.7976931348623157e308, 2.220446049250313e-16,
                2.2250738585072014e-308, 64,
                "finfo(min=-1.79769e+308, max=1.79769e+308, dtype=float64)"),
}


@pytest.mark.parametrize("name", sorted(FINFO))
def test_finfo(name):
    need("finfo")
    lo, hi, eps, tiny, bits, text = FINFO[name]
    fi = mx.finfo(getattr(mx, name))
    assert fi.min == lo and isinstance(fi.min, float)
    assert fi.max == hi and isinstance(fi.max, float)
    assert fi.eps == eps
    assert fi.smallest_normal == tiny
    assert fi.bits == bits
    assert fi.dtype == getattr(mx, name)
    assert repr(fi) == text


def test_finfo_complex_and_errors():
    need("finfo")
    fi = mx.finfo(mx.complex64)
    assert fi.dtype == mx.float32
    assert repr(fi) == "finfo(min=-3.40282e+38, max=3.40282e+38, dtype=float32)"
    for name in ["int32", "uint8", "bool_"]:
        with pytest.raises(ValueError, match=r"\[finfo\]"):
            mx.finfo(getattr(mx, name))
    with pytest.raises(ValueError, match=r"dtype int32 is not inexact"):
        mx.finfo(mx.int32)


@pytest.mark.parametrize("name", INTS)
def test_iinfo(name):
    need("iinfo")
    info = np.iinfo(getattr(np, name))
    ii = mx.iinfo(getattr(mx, name))
    assert ii.min == int(info.min) and isinstance(ii.min, int)
    assert ii.max == int(info.max) and isinstance(ii.max, int)
    assert ii.dtype == getattr(mx, name)
    assert repr(ii) == f"iinfo(min={info.min}, max={info.max}, dtype={name})"


def test_iinfo_errors():
    need("iinfo")
    with pytest.raises(ValueError, match=r"\[iinfo\] Only integer types supported but float32 was provided"):
        mx.iinfo(mx.float32)
    with pytest.raises(ValueError, match=r"\[iinfo\]"):
        mx.iinfo(mx.bool_)


# ---------------------------------------------------------------------------
# Promotion table (array + array): see helpers.PROMOTION.

PAIRS = [(a, b) for a in DTYPE_NAMES for b in DTYPE_NAMES]


def test_promotion_table_is_symmetric():
    for a, b in PAIRS:
        assert PROMOTION[(a, b)] == PROMOTION[(b, a)]


@pytest.mark.parametrize("a", DTYPE_NAMES)
def test_promotion_array_array(a):
    need("zeros", "add")
    x = mx.zeros((1,), dtype=dt(a))
    for b in DTYPE_NAMES:
        y = mx.zeros((1,), dtype=dt(b))
        assert (x + y).dtype == dt(PROMOTION[(a, b)]), (a, b)
        assert mx.add(x, y).dtype == dt(PROMOTION[(a, b)]), (a, b)


@pytest.mark.parametrize("a", DTYPE_NAMES)
def test_result_type_table(a):
    need("result_type")
    for b in DTYPE_NAMES:
        assert mx.result_type(dt(a), dt(b)) == dt(PROMOTION[(a, b)]), (a, b)


def test_result_type_forms():
    need("result_type", "array")
    assert mx.result_type(mx.int8) == mx.int8
    assert mx.result_type(mx.array([1], dtype=mx.int8), mx.array([1], dtype=mx.uint8)) == mx.int16
    assert mx.result_type(mx.array([1]), mx.float16) == mx.float16
    assert mx.result_type(mx.int8, mx.uint8, mx.float16) == mx.float16
    # Many arguments fold left to right (so the order can matter).
    assert mx.result_type(mx.uint64, mx.int8, mx.float16) == mx.float32
    assert mx.result_type(mx.float16, mx.uint64, mx.int8) == mx.float16
    assert mx.result_type(mx.bool_, mx.bool_) == mx.bool_


def test_result_type_errors():
    need("result_type", "array")
    with pytest.raises(ValueError, match=r"\[result_type\] At least one array or dtype is required"):
        mx.result_type()
    for bad in [1, 1.0, None, np.float64]:
        with pytest.raises(ValueError, match=r"\[result_type\] Inputs must be arrays or dtypes"):
            mx.result_type(mx.float32, bad)


# ---------------------------------------------------------------------------
# Python scalars are weakly typed

# array dtype -> dtype after adding (int, float, bool, complex)
SCALAR_PROMOTION = {
    "bool_": ("int32", "float32", "bool_", "complex64"),
    **{n: (n, "float32", n, "complex64") for n in INTS},
    **{n: (n, n, n, "complex64") for n in FLOATS},
    "complex64": ("complex64",) * 4,
}
SCALARS = [1, 1.5, True, 1j]


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_promotion_array_scalar(name):
    need("zeros")
    x = mx.zeros((2,), dtype=dt(name))
    for scalar, expected in zip(SCALARS, SCALAR_PROMOTION[name]):
        assert (x + scalar).dtype == dt(expected), (name, scalar)
        assert (scalar + x).dtype == dt(expected), (name, scalar)
        assert (x * scalar).dtype == dt(expected), (name, scalar)
        assert (scalar * x).dtype == dt(expected), (name, scalar)


def test_scalar_scalar_ops():
    need("add", "exp")
    assert mx.add(1, 2).dtype == mx.int32
    assert mx.add(1, 2).item() == 3
    assert mx.add(1, 2.0).dtype == mx.float32
    assert mx.add(True, 2).dtype == mx.int32
    assert mx.add(1, mx.array([2], dtype=mx.int8)).dtype == mx.int8
    assert mx.exp(1).dtype == mx.float32


def test_float64_array_keeps_double_precision_of_python_float():
    need("array")
    x = mx.array([1.0], dtype=mx.float64)
    assert (x + 0.1).item() == 1.1
    y = mx.array([1.0], dtype=mx.float32)
    assert (y + 0.1).item() == float(np.float32(1.1))


def test_numpy_operands_adopt_the_array_dtype():
    # MLX converts a NumPy operand to the dtype of the mx operand.
    need("array", "add")
    i8 = mx.array([1], dtype=mx.int8)
    assert (i8 + np.array([1], dtype=np.int64)).dtype == mx.int8
    assert (i8 + np.int64(1)).dtype == mx.int8
    assert (mx.array([1.0], dtype=mx.float16) + np.array([1.0])).dtype == mx.float16
    assert (mx.array([1.0], dtype=mx.float32) + np.float64(1.0)).dtype == mx.float32
    assert (mx.array([True]) + np.array([1], dtype=np.int64)).dtype == mx.bool_
    # Two NumPy operands promote normally (float64 becomes float32).
    assert mx.add(np.array([1], np.int64), np.array([1], np.int8)).dtype == mx.int64
    assert mx.add(np.array([1.0]), 1).dtype == mx.float32


# Scalars that do not fit the (integer) array dtype raise.
OVERFLOW_CASES = [
    ("int8", 300),
    ("int8", 128),
    ("int8", -129),
    ("uint8", 256),
    ("uint8", -1),
    ("int16", 40000),
    ("uint16", 65536),
    ("int32", 2**40),
    ("uint32", 2**32),
    ("uint32", -1),
]


@pytest.mark.parametrize("name,value", OVERFLOW_CASES)
def test_scalar_overflow_raises(name, value):
    need("zeros")
    x = mx.zeros((2,), dtype=dt(name))
    msg = rf"Converting {value} to {name} would result in overflow"
    with pytest.raises(ValueError, match=msg):
        x + value
    with pytest.raises(ValueError, match=msg):
        value + x
    with pytest.raises(ValueError, match=msg):
        x == value
    if value >= 0:
        with pytest.raises(ValueError, match=msg):
            x - value


@pytest.mark.parametrize(
    "name,value",
    [("uint8", 255), ("int8", 127), ("int8", -128), ("uint32", 2**32 - 1),
     ("int64", 2**63 - 1), ("uint64", 2**63 - 1), ("int32", -(2**31))],
)
def test_scalar_at_dtype_limit_is_accepted(name, value):
    need("zeros")
    x = mx.zeros((1,), dtype=dt(name))
    out = x + value
    assert out.dtype == dt(name)
    assert out.tolist() == [value]


def test_float_scalar_overflow_becomes_inf():
    need("array")
    out = mx.array([1.0], dtype=mx.float16) * 2.0**40
    assert out.dtype == mx.float16 and out.tolist() == [float("inf")]
    out = mx.array([1], dtype=mx.int32) * 1e40
    assert out.dtype == mx.float32 and out.tolist() == [float("inf")]


# ---------------------------------------------------------------------------
# can_cast

_CAN_CAST_ROWS = """
b    11111111111111
u8   01111011111111
u16  00111001111111
u32  00011000111111
u64  00001000011111
i8   00000111111111
i16  00000011111111
i32  00000001111111
i64  00000000111111
f16  00000000010111
bf16 00000000001111
f32  00000000000111
f64  00000000000011
c64  00000000000001
"""
CAN_CAST = {}
for _line in _CAN_CAST_ROWS.strip().splitlines():
    _row, _bits = _line.split()
    for _col, _bit in zip(_ORDER, _bits):
        CAN_CAST[(LONG[_row], LONG[_col])] = _bit == "1"


@pytest.mark.parametrize("a", DTYPE_NAMES)
def test_can_cast_table(a):
    need("can_cast")
    for b in DTYPE_NAMES:
        assert mx.can_cast(dt(a), dt(b)) is CAN_CAST[(a, b)], (a, b)


def test_can_cast_forms():
    need("can_cast", "array")
    assert mx.can_cast(mx.int32, mx.float32) is True
    assert mx.can_cast(mx.float32, mx.int32) is False
    assert mx.can_cast(mx.array([1]), mx.float32) is True
    with pytest.raises(TypeError):
        mx.can_cast(mx.float32, "float32")


# ---------------------------------------------------------------------------
# isdtype

KINDS = {
    "bool": {"bool_"},
    "signed integer": set(SIGNED),
    "unsigned integer": set(UNSIGNED),
    "integral": set(INTS),
    "real floating": set(FLOATS),
    "complex floating": {"complex64"},
    "numeric": set(INTS) | set(FLOATS) | {"complex64"},
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_isdtype_kinds(kind):
    need("isdtype")
    for name in DTYPE_NAMES:
        assert mx.isdtype(dt(name), kind) is (name in KINDS[kind]), (name, kind)


def test_isdtype_dtype_and_tuple_kinds():
    need("isdtype")
    assert mx.isdtype(mx.float32, mx.float32) is True
    assert mx.isdtype(mx.float32, mx.float16) is False
    assert mx.isdtype(mx.float32, ("integral", mx.float32)) is True
    assert mx.isdtype(mx.int8, ("bool", "complex floating")) is False
    assert mx.isdtype(mx.int8, ("bool", "integral")) is True


def test_isdtype_errors():
    need("isdtype", "floating")
    with pytest.raises(ValueError, match=r"\[isdtype\] Unknown data type kind: 'bogus'"):
        mx.isdtype(mx.float32, "bogus")
    with pytest.raises(ValueError, match=r"\[isdtype\] `kind` must be a dtype, a string, or a tuple"):
        mx.isdtype(mx.float32, 5)
    with pytest.raises(ValueError, match=r"\[isdtype\]"):
        mx.isdtype(mx.float32, mx.floating)
    with pytest.raises(TypeError):
        mx.isdtype("float32", "numeric")


# ---------------------------------------------------------------------------
# Property-based: random dtype pairs and ops against the table

_dtype_st = st.sampled_from(DTYPE_NAMES)


@settings(max_examples=80, deadline=None)
@given(a=_dtype_st, b=_dtype_st, op=st.sampled_from(["add", "multiply", "maximum", "minimum", "subtract"]))
def test_promotion_property(a, b, op):
    need(op, "ones", "result_type")
    x = mx.ones((2, 1), dtype=dt(a))
    y = mx.ones((3,), dtype=dt(b))
    out = getattr(mx, op)(x, y)
    assert out.shape == (2, 3)
    assert out.dtype == dt(PROMOTION[(a, b)])
    assert mx.result_type(dt(a), dt(b)) == out.dtype


@settings(max_examples=60, deadline=None)
@given(a=_dtype_st, b=_dtype_st)
def test_promotion_property_comparison_and_divide(a, b):
    need("ones", "equal", "divide")
    x = mx.ones((2,), dtype=dt(a))
    y = mx.ones((2,), dtype=dt(b))
    assert mx.equal(x, y).dtype == mx.bool_
    assert (x < y).dtype == mx.bool_
    promoted = PROMOTION[(a, b)]
    div = "float32" if promoted in INTS or promoted == "bool_" else promoted
    assert (x / y).dtype == dt(div)
