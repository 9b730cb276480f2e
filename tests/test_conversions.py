"""Extra interop, conversion and printing checks, compared against MLX 0.32.4.

Tests marked lumex-only cover documented lumex extensions (zero-copy
``from_dlpack``, versioned DLPack capsules, negative strides, float64 pickling).
"""

import copy
import gc
import math
import pickle

import numpy as np
import pytest

import lumex.core as mx
from helpers import IS_MLX

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

try:
    import ml_dtypes
except ImportError:  # pragma: no cover
    ml_dtypes = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
lumex_only = pytest.mark.skipif(IS_MLX, reason="lumex extension")


# ---------------------------------------------------------------------------
# repr


@pytest.mark.parametrize(
    "make, text",
    [
        (lambda: mx.array([1.0, 2.5, -3.25, 1e-5, 1e10, 123456789.0]),
         "array([1, 2.5, -3.25, 1e-05, 1e+10, 1.23457e+08], dtype=float32)"),
        (lambda: mx.array([1 / 3, -0.0, math.nan, math.inf, -math.inf]),
         "array([0.333333, -0, nan, inf, -inf], dtype=float32)"),
        (lambda: mx.array([complex(-0.0, -1), complex(math.nan, math.nan), complex(1, -0.0)]),
         "array([-0-1j, nan+nanj, 1+-0j], dtype=complex64)"),
        (lambda: mx.array([0.1], dtype=mx.bfloat16), "array([0.100098], dtype=bfloat16)"),
        (lambda: mx.array([0.1], dtype=mx.float16), "array([0.0999756], dtype=float16)"),
        (lambda: mx.array([1, -2], dtype=mx.int8), "array([1, -2], dtype=int8)"),
        (lambda: mx.array([-1]).astype(mx.uint64),
         "array([18446744073709551615], dtype=uint64)"),
        (lambda: mx.zeros((0, 3)), "array([], dtype=float32)"),
        (lambda: mx.zeros((2, 0)), "array([[],\n       []], dtype=float32)"),
        (lambda: mx.arange(14).reshape(7, 2),
         "array([[0, 1],\n       [2, 3],\n       [4, 5],\n       ...,\n"
         "       [8, 9],\n       [10, 11],\n       [12, 13]], dtype=int32)"),
        (lambda: mx.sqrt(mx.array(-1.0)), "array(-nan, dtype=float32)"),
        (lambda: mx.array(0.0) / 0.0, "array(-nan, dtype=float32)"),
        (lambda: mx.array([0.0], dtype=mx.bfloat16) / 0, "array([nan], dtype=bfloat16)"),
        (lambda: mx.array(-math.nan), "array(-nan, dtype=float32)"),
        (lambda: mx.array(math.nan), "array(nan, dtype=float32)"),
    ],
)
def test_repr_cases(make, text):
    assert repr(make()) == text
    assert str(make()) == text


def test_printoptions_nesting_and_precision_zero():
    x = mx.array(1 / 3)
    with mx.printoptions(precision=2):
        with mx.printoptions(precision=4):
            assert repr(x) == "array(0.3333, dtype=float32)"
        assert repr(x) == "array(0.33, dtype=float32)"
    assert repr(x) == "array(0.333333, dtype=float32)"
    mx.set_printoptions(precision=0)
    try:
        assert repr(mx.array([0.5, 1.5, 2.5])) == "array([0, 2, 2], dtype=float32)"
        assert repr(mx.array(1 + 2.5j)) == "array(1+2j, dtype=complex64)"
    finally:
        mx.set_printoptions()
    assert mx.get_printoptions().precision == -1
    assert mx.PrintOptions(precision=3).precision == 3
    with pytest.raises(TypeError):
        mx.set_printoptions(precision=None)


def test_format():
    assert f"{mx.array(1.5):.3f}" == "1.500"
    assert f"{mx.array(3)}" == "3"
    assert format(mx.array(1.5), "") == "1.5"
    assert f"{mx.array([1, 2])}" == repr(mx.array([1, 2]))
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{mx.array([1.5]):.3f}"


# ---------------------------------------------------------------------------
# construction


@pytest.mark.parametrize(
    "value, exc, text",
    [
        ([1, [2, 3]], ValueError, "Initialization encountered extra dimension."),
        ([[1, 2], [[3, 4], [5, 6]]], ValueError, "Initialization encountered extra dimension."),
        ([[1, 2], [3]], ValueError, "Initialization encountered non-uniform length."),
        ([[1, 2], 3], ValueError, "Initialization encountered non-uniform length."),
        ([[1, 2], (3, 4)], ValueError, "Invalid type tuple received in array initialization."),
        ([[1, 2], "ab"], ValueError, "Invalid type str received in array initialization."),
        ([[1, 2], None], ValueError, "Invalid type NoneType received in array initialization."),
        ([np.float32(1.5)], ValueError, "Invalid type float32 received in array initialization."),
        (range(3), ValueError, "Invalid type range received in array initialization."),
    ],
)
def test_construction_errors(value, exc, text):
    with pytest.raises(exc) as e:
        mx.array(value)
    assert str(e.value) == text


@pytest.mark.lumex_only  # MLX: RuntimeError "std::bad_cast"
@pytest.mark.parametrize("value", [[2**63], 2**63, -(2**63) - 1])
def test_construction_of_int_beyond_int64_is_type_error(value):
    with pytest.raises(TypeError, match="out of the int64 range"):
        mx.array(value)


@pytest.mark.lumex_only  # MLX: RuntimeError "std::bad_cast"
def test_construction_of_uint64_beyond_int64_raises():
    with pytest.raises(TypeError, match="out of the int64 range"):
        mx.array(2**63, dtype=mx.uint64)


def test_numpy_scalars_and_0d():
    assert mx.array(np.float32(1.5)).dtype == mx.float32
    assert mx.array(np.float64(1.5)).dtype == mx.float32
    assert mx.array(np.int64(3)).dtype == mx.int64
    assert mx.array(np.int8(3)).dtype == mx.int8
    assert mx.array(np.array(2.5)).shape == ()
    assert mx.array(np.array([1.5]), dtype=mx.float64).dtype == mx.float64


def test_array_like_protocol():
    class A:
        def __mlx_array__(self):
            return mx.array([1, 2], dtype=mx.int8)

    assert mx.array(A()).dtype == mx.int8
    assert (mx.array([1], dtype=mx.int32) + A()).dtype == mx.int32
    assert (A() + mx.array([1.5])).tolist() == [2.5, 3.5]
    assert (mx.array([1, 2]) == A()).tolist() == [True, True]


# ---------------------------------------------------------------------------
# operators with foreign operands


@pytest.mark.parametrize(
    "fn, name",
    [
        (lambda a, b: a + b, "addition"),
        (lambda a, b: b + a, "addition"),
        (lambda a, b: a - b, "subtraction"),
        (lambda a, b: a * b, "multiplication"),
        (lambda a, b: a / b, "division"),
        (lambda a, b: a // b, "floor division"),
        (lambda a, b: a % b, "modulus"),
        (lambda a, b: a**b, "power"),
        (lambda a, b: a & b, "bitwise and"),
        (lambda a, b: a | b, "bitwise or"),
        (lambda a, b: a ^ b, "bitwise xor"),
        (lambda a, b: a << b, "left shift"),
        (lambda a, b: a >> b, "right shift"),
        (lambda a, b: a < b, "less than"),
        (lambda a, b: a <= b, "less than or equal"),
        (lambda a, b: a > b, "greater than"),
        (lambda a, b: a >= b, "greater than or equal"),
        (lambda a, b: a.__iadd__(b), "inplace addition"),
        (lambda a, b: a.__irshift__(b), "inplace right shift"),
    ],
)
def test_operator_error_names_the_op(fn, name):
    a = mx.array([1, 2])
    with pytest.raises(ValueError) as e:
        fn(a, [1, 2])
    assert str(e.value) == f"Cannot perform {name} on an mlx.core.array and list"


def test_operator_other_operands():
    a = mx.array([1, 2])
    assert (a == [1, 2]) is False
    assert (a != (1, 2)) is True
    assert (a == "ab") is False
    with pytest.raises(TypeError):
        a + None
    with pytest.raises(TypeError):
        a == None  # noqa: E711
    # NumPy operands take the mlx array's dtype, as in MLX.
    assert (a + np.array([1.5, 2.5])).dtype == mx.int32
    assert (a + np.float32(2)).dtype == mx.int32
    assert (mx.array([1], dtype=mx.int8) + np.int64(2)).dtype == mx.int8
    assert (mx.array([1.5], dtype=mx.float16) + np.array([1.5])).dtype == mx.float16
    with pytest.raises(ValueError, match="Invalid type list received in array initialization."):
        mx.add(a, [1, 2])
    with pytest.raises(ValueError, match="Floating point types not allowed with left shift."):
        a << 1.5
    with pytest.raises(ValueError, match="In place division cannot cast to non-floating point type."):
        b = mx.array([1, 2])
        b /= 2


def test_scalar_conversions():
    assert int(mx.array(-2.7)) == -2
    assert int(mx.array([2.7])) == 2
    assert [10, 20, 30][mx.array(1)] == 20
    with pytest.raises(TypeError, match="Only 0-dimensional integer arrays can be converted to an index."):
        mx.array([3]).__index__()
    with pytest.raises(TypeError):
        mx.array(3.0).__index__()
    assert mx.array(0.1, dtype=mx.float16).tolist() == 0.0999755859375
    assert mx.array(0.1, dtype=mx.bfloat16).item() == 0.10009765625
    assert mx.array([1 + 2j]).tolist() == [1 + 2j]
    assert mx.zeros((2, 0)).tolist() == [[], []]


# ---------------------------------------------------------------------------
# dtype helpers


def test_can_cast_is_promotion():
    types = [mx.bool_, mx.uint8, mx.uint16, mx.uint32, mx.uint64, mx.int8, mx.int16,
             mx.int32, mx.int64, mx.float16, mx.bfloat16, mx.float32, mx.float64,
             mx.complex64]
    for a in types:
        for b in types:
            expect = mx.result_type(a, b) == b
            assert mx.can_cast(a, b) == expect, (a, b)
    assert mx.can_cast(mx.uint64, mx.float16)
    assert not mx.can_cast(mx.float16, mx.bfloat16)
    assert mx.can_cast(mx.array([1]), mx.float32)
    with pytest.raises(ValueError, match="must be an array or a dtype"):
        mx.can_cast(1, mx.float32)


def test_dtype_helper_errors():
    with pytest.raises(ValueError, match=r"\[result_type\] At least one array or dtype is required."):
        mx.result_type()
    with pytest.raises(ValueError, match=r"\[result_type\] Inputs must be arrays or dtypes."):
        mx.result_type(mx.array([1]), 1.5)
    with pytest.raises(ValueError, match=r"\[isdtype\] Unknown data type kind: 'foo'."):
        mx.isdtype(mx.float32, "foo")
    with pytest.raises(ValueError, match="`kind` must be a dtype, a string"):
        mx.isdtype(mx.float32, mx.floating)
    assert mx.isdtype(mx.float32, (mx.int32, "real floating"))
    assert not mx.isdtype(mx.float32, ())
    with pytest.raises(ValueError, match=r"\[issubdtype\] Received invalid type for second input."):
        mx.issubdtype(mx.float32, "float32")
    with pytest.raises(ValueError, match=r"\[iinfo\] Only integer types supported but float32 was provided"):
        mx.iinfo(mx.float32)
    assert repr(mx.iinfo(mx.uint64)) == "iinfo(min=0, max=18446744073709551615, dtype=uint64)"
    assert repr(mx.finfo(mx.float16)) == "finfo(min=-65504, max=65504, dtype=float16)"


# ---------------------------------------------------------------------------
# pickle / copy


def test_pickle_state_and_roundtrip():
    b = mx.array([1, 2], dtype=mx.bfloat16)
    state = b.__getstate__()
    assert state[0].dtype == np.uint16
    assert state[0].tolist() == [16256, 16384]
    r = pickle.loads(pickle.dumps(b))
    assert r.dtype == mx.bfloat16 and r.tolist() == [1.0, 2.0]
    t = pickle.loads(pickle.dumps(mx.arange(6).reshape(2, 3).T))
    assert t.tolist() == [[0, 3], [1, 4], [2, 5]]
    assert copy.deepcopy([mx.array([1, 2])])[0].tolist() == [1, 2]
    assert copy.copy(mx.array(2.5, dtype=mx.bfloat16)).dtype == mx.bfloat16


@lumex_only
def test_pickle_keeps_float64():
    r = pickle.loads(pickle.dumps(mx.array([1.5], dtype=mx.float64)))
    assert r.dtype == mx.float64  # MLX 0.32.4 comes back as float32


# ---------------------------------------------------------------------------
# DLPack


def test_dlpack_export_basics():
    a = mx.array([1.5, 2.0])
    assert a.__dlpack_device__() == (1, 0)
    assert type(a.__dlpack__()).__name__ == "PyCapsule"
    with pytest.raises(BufferError):
        a.__dlpack__(dl_device=(2, 0))
    assert np.from_dlpack(mx.arange(6).reshape(2, 3).T).strides == (4, 12)
    assert np.from_dlpack(mx.array([True, False])).dtype == np.bool_
    assert np.from_dlpack(mx.array(2.5)).shape == ()
    assert np.from_dlpack(mx.zeros((0, 3))).shape == (0, 3)
    # Lazy arrays are evaluated on export.
    assert np.from_dlpack(mx.array([1.5, 2]) + 1).tolist() == [2.5, 3.0]


@lumex_only
def test_dlpack_versioned_capsule():
    a = mx.array([1.5, 2.0])
    cap = a.__dlpack__(max_version=(1, 0))
    assert "dltensor_versioned" in repr(cap)
    assert "dltensor_versioned" not in repr(a.__dlpack__())
    assert mx.from_dlpack(cap).tolist() == [1.5, 2.0]
    copied = a.__dlpack__(copy=True)
    assert mx.from_dlpack(copied).tolist() == [1.5, 2.0]


def test_from_dlpack_dtypes():
    assert mx.from_dlpack(np.array([1.5, 2])).dtype == mx.float32
    assert mx.from_dlpack(np.array([1, 2])).dtype == mx.int64
    assert mx.from_dlpack(np.array([1 + 1j])).dtype == mx.complex64
    assert mx.from_dlpack(np.array([1 + 1j])).tolist() == [1 + 1j]
    assert mx.from_dlpack(np.arange(6).reshape(2, 3).T).tolist() == [[0, 3], [1, 4], [2, 5]]
    b = mx.from_dlpack(np.broadcast_to(np.array([1, 2], dtype=np.int32), (3, 2)))
    assert b.tolist() == [[1, 2]] * 3
    assert mx.from_dlpack(mx.array([1, 2], dtype=mx.bfloat16)).dtype == mx.bfloat16
    with pytest.raises(TypeError):
        mx.from_dlpack([1, 2])


@lumex_only
def test_from_dlpack_zero_copy_and_keepalive():
    src = np.array([1, 2], dtype=np.int32)
    m = mx.from_dlpack(src)
    src[0] = 9
    assert m.tolist() == [9, 2]
    c = mx.from_dlpack(src, copy=True)
    src[0] = 7
    assert c.tolist() == [9, 2]
    m = mx.from_dlpack(np.arange(4, dtype=np.int32) * 2)  # producer only referenced by m
    gc.collect()
    assert (m + 1).tolist() == [1, 3, 5, 7]
    with pytest.raises(ValueError):
        mx.from_dlpack(np.array([1.5]), copy=False)  # float64 -> float32 needs a copy
    assert mx.from_dlpack(np.arange(6, dtype=np.int32)[::-2]).tolist() == [5, 3, 1]


def test_views_keep_arrays_alive():
    a = mx.array([1.5, 2])
    n = np.asarray(a)
    del a
    gc.collect()
    assert n.tolist() == [1.5, 2.0]


@needs_torch
def test_torch_interop():
    t = torch.tensor([1, 2], dtype=torch.int32)
    m = mx.array(t)
    t[0] = 9
    assert m.tolist() == [1, 2]  # mx.array copies
    assert mx.array(torch.tensor([1.5, 2], dtype=torch.bfloat16)).dtype == mx.bfloat16
    assert mx.array(torch.tensor([1.5], dtype=torch.float64)).dtype == mx.float32
    assert mx.array(torch.tensor([1 + 2j], dtype=torch.complex128)).tolist() == [1 + 2j]
    assert mx.array(torch.arange(6).reshape(2, 3).T).tolist() == [[0, 3], [1, 4], [2, 5]]
    assert mx.array(torch.tensor([1.5]), dtype=mx.int32).tolist() == [1]
    x = mx.array([1.5, 2])
    tt = torch.from_dlpack(x)
    tt[0] = 7
    assert x.tolist() == [7.0, 2.0]
    assert torch.from_dlpack(mx.broadcast_to(mx.array([1, 2]), (3, 2))).stride() == (0, 1)
    assert torch.from_dlpack(mx.array([1, 2], dtype=mx.bfloat16)).dtype == torch.bfloat16
    x = mx.array([1.5, 2])
    tt = torch.from_dlpack(x)
    del x
    gc.collect()
    assert tt.tolist() == [1.5, 2.0]
