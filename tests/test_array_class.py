"""The array class: properties, operators (forward, reflected, in-place keeping
identity), Python conversions, iteration, method forms, pickle and copy."""

import copy
import operator
import pickle

import numpy as np
import pytest

import lumex.core as mx
from helpers import DTYPE_NAMES, assert_array, assert_equal, dt, need, need_method, random_mx, to_np


# ---------------------------------------------------------------------------
# properties


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_properties(name):
    need("zeros")
    a = mx.zeros((2, 3, 4), dtype=dt(name))
    assert a.shape == (2, 3, 4) and isinstance(a.shape, tuple)
    assert a.ndim == 3
    assert a.size == 24
    assert a.dtype == dt(name)
    assert a.itemsize == dt(name).size
    assert a.nbytes == 24 * dt(name).size


def test_properties_scalar_and_empty():
    need("array", "zeros")
    s = mx.array(5)
    assert s.shape == () and s.ndim == 0 and s.size == 1 and s.nbytes == 4
    e = mx.zeros((0, 3))
    assert e.shape == (0, 3) and e.size == 0 and e.nbytes == 0


def test_T_and_mT():
    need("zeros")
    a = mx.zeros((2, 3, 4))
    assert a.T.shape == (4, 3, 2)
    assert a.mT.shape == (2, 4, 3)
    m = mx.array([[1, 2, 3], [4, 5, 6]])
    assert_equal(m.T, np.array([[1, 4], [2, 5], [3, 6]]), "int32")
    assert_equal(m.mT, np.array([[1, 4], [2, 5], [3, 6]]), "int32")
    assert mx.array(1).T.shape == ()
    with pytest.raises(ValueError, match=r"\[matrix_transpose\] Input array must have at least 2 dimensions"):
        mx.zeros((3,)).mT


def test_real_imag_properties():
    need("array")
    z = mx.array([1 + 2j, 3 - 4j])
    assert_equal(z.real, np.array([1.0, 3.0]), "float32")
    assert_equal(z.imag, np.array([2.0, -4.0]), "float32")
    a = mx.array([1, 2], dtype=mx.int16)
    assert a.real.dtype == mx.int16


# ---------------------------------------------------------------------------
# operators

FORWARD = [
    ("__add__", operator.add, np.add),
    ("__sub__", operator.sub, np.subtract),
    ("__mul__", operator.mul, np.multiply),
    ("__truediv__", operator.truediv, np.true_divide),
    ("__floordiv__", operator.floordiv, np.floor_divide),
    ("__mod__", operator.mod, np.mod),
    ("__pow__", operator.pow, np.power),
    ("__eq__", operator.eq, np.equal),
    ("__ne__", operator.ne, np.not_equal),
    ("__lt__", operator.lt, np.less),
    ("__le__", operator.le, np.less_equal),
    ("__gt__", operator.gt, np.greater),
    ("__ge__", operator.ge, np.greater_equal),
]
BITWISE = [
    ("__and__", operator.and_, np.bitwise_and),
    ("__or__", operator.or_, np.bitwise_or),
    ("__xor__", operator.xor, np.bitwise_xor),
    ("__lshift__", operator.lshift, np.left_shift),
    ("__rshift__", operator.rshift, np.right_shift),
]


@pytest.mark.parametrize("dunder,op,ref", FORWARD, ids=[f[0] for f in FORWARD])
def test_forward_operators(dunder, op, ref, rng):
    need("array")
    x, xn = random_mx((3, 4), "float32", rng, 0.5, 3)
    y, yn = random_mx((3, 4), "float32", rng, 0.5, 3)
    xw, yw = xn.astype(np.float64), yn.astype(np.float64)
    assert_array(op(x, y), ref(xw, yw))
    assert_array(op(x, 2.0), ref(xw, 2.0))
    assert_array(op(x, 2), ref(xw, 2.0))
    assert_array(getattr(x, dunder)(y), ref(xw, yw))
    # a NumPy operand
    assert_array(op(x, yn), ref(xw, yw))


@pytest.mark.parametrize("dunder,op,ref", BITWISE, ids=[f[0] for f in BITWISE])
def test_bitwise_operators(dunder, op, ref, rng):
    need("array")
    x, xn = random_mx((3, 4), "int32", rng, 0, 100)
    y, yn = random_mx((3, 4), "int32", rng, 0, 4)
    assert_equal(op(x, y), ref(xn, yn), "int32")
    assert_equal(op(x, 3), ref(xn, 3), "int32")
    assert_equal(getattr(x, dunder)(y), ref(xn, yn), "int32")
    t = mx.array([True, False, True])
    f = mx.array([True, True, False])
    if dunder in ("__and__", "__or__", "__xor__"):
        assert_equal(op(t, f), ref(np.array([True, False, True]), np.array([True, True, False])), "bool_")


REFLECTED = [
    ("__radd__", operator.add, np.add),
    ("__rsub__", operator.sub, np.subtract),
    ("__rmul__", operator.mul, np.multiply),
    ("__rtruediv__", operator.truediv, np.true_divide),
    ("__rfloordiv__", operator.floordiv, np.floor_divide),
    ("__rmod__", operator.mod, np.mod),
    ("__rpow__", operator.pow, np.power),
]


@pytest.mark.parametrize("dunder,op,ref", REFLECTED, ids=[f[0] for f in REFLECTED])
def test_reflected_operators(dunder, op, ref, rng):
    need("array")
    x, xn = random_mx((3, 4), "float32", rng, 0.5, 3)
    xw = xn.astype(np.float64)
    for scalar in (2, 2.5, True):
        out = op(scalar, x)
        assert out.dtype == mx.float32
        assert_array(out, ref(float(scalar), xw))
        assert_array(getattr(x, dunder)(scalar), ref(float(scalar), xw))
    i = mx.array([1, 2, 3])
    assert op(3, i).dtype == (mx.float32 if dunder == "__rtruediv__" else mx.int32)


def test_no_reflected_bitwise_or_matmul():
    need("array")
    a = mx.array([1, 2], dtype=mx.int32)
    with pytest.raises(TypeError):
        1 & a
    with pytest.raises(TypeError):
        1 | a
    with pytest.raises(TypeError):
        1 << a
    with pytest.raises(TypeError):
        1 @ mx.zeros((2, 3))


def test_unary_operators():
    need("array")
    a = mx.array([-1, 2, -3])
    assert_equal(-a, np.array([1, -2, 3]), "int32")
    assert_equal(+a, np.array([-1, 2, -3]), "int32")
    assert_equal(abs(a), np.array([1, 2, 3]), "int32")
    assert_equal(~a, np.array([0, -3, 2]), "int32")
    assert_equal(~mx.array([True, False]), np.array([False, True]), "bool_")


def test_matmul_operator():
    need("array", "matmul")
    a = mx.array([[1.0, 2.0], [3.0, 4.0]])
    assert_equal(a @ a, np.array([[7.0, 10.0], [15.0, 22.0]]), "float32")


INPLACE = [
    ("__iadd__", operator.iadd, np.add, 2),
    ("__isub__", operator.isub, np.subtract, 2),
    ("__imul__", operator.imul, np.multiply, 2),
    ("__ifloordiv__", operator.ifloordiv, np.floor_divide, 2),
    ("__imod__", operator.imod, np.mod, 2),
    ("__ipow__", operator.ipow, np.power, 2),
    ("__iand__", operator.iand, np.bitwise_and, 6),
    ("__ior__", operator.ior, np.bitwise_or, 4),
    ("__ixor__", operator.ixor, np.bitwise_xor, 2),
    ("__ilshift__", operator.ilshift, np.left_shift, 1),
    ("__irshift__", operator.irshift, np.right_shift, 1),
]


@pytest.mark.parametrize("dunder,op,ref,operand", INPLACE, ids=[f[0] for f in INPLACE])
def test_inplace_operators_keep_identity(dunder, op, ref, operand):
    need("array")
    a = mx.array([1, 2, 3, 12])
    alias = a
    ident = id(a)
    result = op(a, operand)
    assert result is alias
    assert id(result) == ident
    expected = ref(np.array([1, 2, 3, 12], dtype=np.int32), operand)
    assert_equal(alias, expected, "int32")


def test_inplace_truediv_and_matmul():
    need("array", "matmul")
    a = mx.array([1.0, 2.0, 3.0])
    alias = a
    a /= 2
    assert a is alias
    assert_equal(alias, np.array([0.5, 1.0, 1.5]), "float32")
    m = mx.array([[1.0, 2.0], [3.0, 4.0]])
    alias = m
    m @= m
    assert m is alias
    assert_equal(alias, np.array([[7.0, 10.0], [15.0, 22.0]]), "float32")
    with pytest.raises(ValueError, match="In place division cannot cast to non-floating point type"):
        i = mx.array([1, 2, 3])
        i /= 2


def test_inplace_follows_promotion_and_broadcasting():
    need("array")
    a = mx.array([1, 2, 3])
    alias = a
    a += 1.5  # becomes float32, same object
    assert alias.dtype == mx.float32
    assert_equal(alias, np.array([2.5, 3.5, 4.5]), "float32")
    b = mx.array([1, 2, 3], dtype=mx.int8)
    alias = b
    b += mx.array([[1], [2]], dtype=mx.int8)
    assert alias.shape == (2, 3)
    assert_equal(alias, np.array([[2, 3, 4], [3, 4, 5]]), "int8")
    c = mx.array([1, 2, 3], dtype=mx.int8)
    with pytest.raises(ValueError, match="Converting 300 to int8 would result in overflow"):
        c += 300


def test_rebinding_does_not_mutate_alias():
    need("array")
    a = mx.array([1, 2, 3])
    b = a
    a = a + 1
    assert_equal(b, np.array([1, 2, 3]), "int32")


def test_comparison_with_non_array_types():
    need("array")
    a = mx.array([1, 2, 3])
    assert (a == [1, 2, 3]) is False
    assert (a != [1, 2, 3]) is True
    assert (a == (1, 2, 3)) is False
    assert (a == "x") is False
    assert (a != "x") is True
    assert (a == object()) is False
    with pytest.raises(ValueError, match="Cannot perform less than on an mlx.core.array and str"):
        a < "x"
    with pytest.raises(TypeError):
        a == None  # noqa: E711
    with pytest.raises(TypeError):
        a + None
    with pytest.raises(ValueError, match="Cannot perform addition on an mlx.core.array and list"):
        a + [1, 2]


def test_no_round_divmod_support():
    need("array")
    a = mx.array([1.5])
    with pytest.raises(TypeError):
        round(a)
    with pytest.raises(TypeError):
        divmod(a, 2)


def test_hash_is_identity():
    need("array")
    a = mx.array([1])
    assert hash(a) == hash(a)
    assert (mx.array([1]) in {mx.array([1]): 1}) is False
    d = {a: "x"}
    assert d[a] == "x"


def test_array_namespace():
    need("array")
    assert mx.array([1]).__array_namespace__() is mx


# ---------------------------------------------------------------------------
# Python conversions


def test_item():
    need("array")
    cases = [
        (mx.array(5), 5, int),
        (mx.array(5.5), 5.5, float),
        (mx.array(True), True, bool),
        (mx.array(1 + 2j), 1 + 2j, complex),
        (mx.array([7]), 7, int),
        (mx.array([[7]]), 7, int),
        (mx.array(0.1, dtype=mx.float16), 0.0999755859375, float),
        (mx.array(0.1, dtype=mx.bfloat16), 0.10009765625, float),
        (mx.array(5, dtype=mx.uint64), 5, int),
        (mx.array(-3, dtype=mx.int8), -3, int),
        (mx.array(0.1, dtype=mx.float64), 0.1, float),
    ]
    for a, value, typ in cases:
        got = a.item()
        assert got == value and type(got) is typ, (a.dtype, got)


def test_item_errors():
    need("array", "zeros")
    with pytest.raises(ValueError, match=r"\[convert\] Only length-1 arrays can be converted to Python scalars"):
        mx.zeros((2, 3)).item()
    with pytest.raises(ValueError, match=r"\[convert\] Only length-1 arrays"):
        mx.zeros((0,)).item()


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_tolist(name, rng):
    need("array")
    x, xn = random_mx((2, 3), name, rng)
    out = x.tolist()
    assert isinstance(out, list) and len(out) == 2 and len(out[0]) == 3
    expected = xn.tolist()
    assert out == expected
    kind = {"bool_": bool, "complex64": complex}.get(name, float if name in ("float16", "bfloat16", "float32", "float64") else int)
    assert type(out[0][0]) is kind


def test_tolist_shapes():
    need("array", "zeros")
    assert mx.array(5).tolist() == 5
    assert mx.array([0.1], dtype=mx.float16).tolist() == [0.0999755859375]
    assert mx.zeros((2, 0)).tolist() == [[], []]
    assert mx.zeros((0,)).tolist() == []
    assert mx.array([[[1]], [[2]]]).tolist() == [[[1]], [[2]]]


def test_len_and_iter():
    need("array", "zeros")
    a = mx.array([[1, 2, 3], [4, 5, 6]], dtype=mx.int16)
    assert len(a) == 2
    assert len(mx.zeros((0, 3))) == 0
    rows = list(a)
    assert len(rows) == 2
    for row, expected in zip(rows, [[1, 2, 3], [4, 5, 6]]):
        assert_equal(row, np.array(expected), "int16")
    assert [r.shape for r in mx.zeros((3, 2))] == [(2,), (2,), (2,)]
    assert list(mx.zeros((0, 3))) == []
    with pytest.raises(TypeError, match="len\\(\\) 0-dimensional array"):
        len(mx.array(1))
    with pytest.raises(TypeError, match="iter\\(\\) 0-dimensional array"):
        iter(mx.array(1))


def test_contains_falls_back_to_iteration():
    need("array")
    assert (1 in mx.array([1, 2])) is True
    assert (5 in mx.array([1, 2])) is False


def test_bool_int_float_complex():
    need("array", "zeros")
    assert bool(mx.array(0)) is False
    assert bool(mx.array([1])) is True
    assert int(mx.array(-2.7)) == -2
    assert int(mx.array([3])) == 3
    assert float(mx.array(2)) == 2.0
    assert complex(mx.array(1 + 2j)) == 1 + 2j
    assert complex(mx.array(2)) == 2 + 0j
    for conv in (bool, int, float):
        with pytest.raises(ValueError, match=r"\[convert\] Only length-1 arrays can be converted to Python scalars"):
            conv(mx.zeros((2,)))
    with pytest.raises(TypeError):
        float(mx.array(1 + 2j))
    if_taken = "yes" if mx.array(3) > 2 else "no"
    assert if_taken == "yes"


def test_index():
    need("array")
    assert range(mx.array(3)) == range(3)
    assert [1, 2, 3, 4][mx.array(2)] == 3
    assert mx.array(2, dtype=mx.uint8).__index__() == 2
    assert operator.index(mx.array(-1, dtype=mx.int64)) == -1
    for bad in (mx.array(True), mx.array([1]), mx.array(1.5)):
        with pytest.raises(TypeError, match="Only 0-dimensional integer arrays can be converted to an index"):
            operator.index(bad)


def test_format():
    need("array")
    assert f"{mx.array(1.23456):.2f}" == "1.23"
    assert f"{mx.array(3):5d}" == "    3"
    assert f"{mx.array(1.5)}" == "1.5"
    assert format(mx.array([1, 2])) == repr(mx.array([1, 2]))
    with pytest.raises(TypeError, match="unsupported format string passed to mx.array.__format__"):
        f"{mx.zeros((3,)):.2f}"


def test_bytes():
    need("array")
    assert bytes(mx.array([1, 2], dtype=mx.uint8)) == b"\x01\x02"
    assert bytes(mx.array([1, 2], dtype=mx.int16)) == np.array([1, 2], np.int16).tobytes()
    assert bytes(mx.array([1.5], dtype=mx.float32)) == np.array([1.5], np.float32).tobytes()


# ---------------------------------------------------------------------------
# method forms (method == function)

METHODS = [
    ("abs", {}), ("all", {}), ("any", {}), ("argmax", {"axis": 1}), ("argmin", {}),
    ("conj", {}), ("cos", {}), ("cummax", {"axis": 0}), ("cummin", {}), ("cumprod", {"axis": 1}),
    ("cumsum", {"axis": 1, "reverse": True}), ("diag", {}), ("diagonal", {"offset": 1}), ("exp", {}),
    ("flatten", {}), ("log", {}), ("log10", {}), ("log1p", {}), ("log2", {}), ("logcumsumexp", {"axis": 1}),
    ("logsumexp", {"axis": 0}), ("max", {"axis": 1, "keepdims": True}), ("mean", {}), ("min", {"axis": 0}),
    ("prod", {}), ("reciprocal", {}), ("round", {"decimals": 1}), ("rsqrt", {}), ("sin", {}), ("sqrt", {}),
    ("square", {}), ("std", {"ddof": 1}), ("sum", {"axis": (0, 1)}), ("var", {"axis": 1}),
    ("swapaxes", {"axis1": 0, "axis2": 1}), ("moveaxis", {"source": 0, "destination": 1}),
]


@pytest.mark.parametrize("name,kwargs", METHODS, ids=[m[0] for m in METHODS])
def test_method_forms(name, kwargs, rng):
    need(name)
    need_method(name)
    x, _ = random_mx((3, 4), "float32", rng, 0.5, 3)
    via_method = getattr(x, name)(**kwargs)
    via_function = getattr(mx, name)(x, **kwargs)
    assert_array(via_method, to_np(via_function), dtype=via_function.dtype)


def test_method_varargs_forms():
    need("array")
    a = mx.array(np.arange(24).reshape(2, 3, 4))
    assert a.reshape(4, 6).shape == (4, 6)
    assert a.reshape((4, 6)).shape == (4, 6)
    assert a.reshape([-1]).shape == (24,)
    assert a.transpose(1, 0, 2).shape == (3, 2, 4)
    assert a.transpose((1, 0, 2)).shape == (3, 2, 4)
    assert a.transpose().shape == (4, 3, 2)
    assert a.squeeze().shape == (2, 3, 4)
    assert mx.zeros((1, 3, 1)).squeeze(0).shape == (3, 1)
    assert a.flatten(1).shape == (2, 12)
    parts = a.split(2, axis=2)
    assert len(parts) == 2 and parts[0].shape == (2, 3, 2)
    assert a.astype(mx.float16).dtype == mx.float16
    assert a.view(mx.uint32).dtype == mx.uint32
    assert_equal(a.sum(0), np.arange(24).reshape(2, 3, 4).sum(0), a.sum(0).dtype)


# ---------------------------------------------------------------------------
# pickle / copy


# MLX 0.32 unpickles float64 arrays as float32 (its __getstate__ stores the
# dtype but __setstate__ ignores it); lumex keeps the dtype.
@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.lumex_only) if n == "float64" else n for n in DTYPE_NAMES],
)
def test_pickle_roundtrip(name, rng):
    need("array")
    x, xn = random_mx((2, 3), name, rng)
    y = pickle.loads(pickle.dumps(x))
    assert isinstance(y, mx.array)
    assert_equal(y, xn, name)


def test_pickle_noncontiguous_and_scalar():
    need("array", "transpose")
    a = mx.array([[1, 2, 3], [4, 5, 6]], dtype=mx.int16)
    assert_equal(pickle.loads(pickle.dumps(mx.transpose(a))), np.array([[1, 4], [2, 5], [3, 6]]), "int16")
    assert_equal(pickle.loads(pickle.dumps(mx.array(3.5))), np.array(3.5), "float32")


def test_getstate():
    need("array")
    state = mx.array([[1, 2]], dtype=mx.int16).__getstate__()
    assert isinstance(state, tuple) and len(state) == 2
    np.testing.assert_array_equal(state[0], np.array([[1, 2]], np.int16))


def test_copy_and_deepcopy():
    need("array")
    a = mx.array([1, 2, 3])
    for c in (copy.copy(a), copy.deepcopy(a)):
        assert c is not a
        assert_equal(c, np.array([1, 2, 3]), "int32")
    b = copy.copy(a)
    a += 1  # mutating the original does not change the copy
    assert_equal(b, np.array([1, 2, 3]), "int32")
