"""Exact MLX repr/str strings: layout, truncation, float formatting, specials
(-nan), complex, low-precision floats, printoptions."""

import pytest

import lumex.core as mx
from helpers import need

INF = float("inf")
NAN = float("nan")


def _cases():
    a = mx.array
    return [
        # scalars and basic vectors
        (lambda: a(3), "array(3, dtype=int32)"),
        (lambda: a([1, 2, 3]), "array([1, 2, 3], dtype=int32)"),
        (lambda: a(1.0), "array(1, dtype=float32)"),
        (lambda: a([True, False]), "array([True, False], dtype=bool)"),
        (lambda: a([[True, False]]), "array([[True, False]], dtype=bool)"),
        (lambda: a(2**31 - 1), "array(2147483647, dtype=int32)"),
        (lambda: a([2**40]), "array([1099511627776], dtype=int64)"),
        (lambda: a([-(2**63)], dtype=mx.int64), "array([-9223372036854775808], dtype=int64)"),
        (lambda: a([1, 2], dtype=mx.int8), "array([1, 2], dtype=int8)"),
        (lambda: a([-128], dtype=mx.int8), "array([-128], dtype=int8)"),
        (lambda: a([255], dtype=mx.uint8), "array([255], dtype=uint8)"),
        (lambda: a([1, 2], dtype=mx.int16), "array([1, 2], dtype=int16)"),
        (lambda: a([1, 2], dtype=mx.uint32), "array([1, 2], dtype=uint32)"),
        (lambda: a([1, 2], dtype=mx.uint64), "array([1, 2], dtype=uint64)"),
        # empty arrays
        (lambda: a([]), "array([], dtype=float32)"),
        (lambda: mx.zeros((0,)), "array([], dtype=float32)"),
        (lambda: mx.zeros((2, 0)), "array([[],\n       []], dtype=float32)"),
        (lambda: mx.zeros((2, 0, 3)), "array([[],\n       []], dtype=float32)"),
        (lambda: mx.zeros((0, 2)), "array([], dtype=float32)"),
        # nesting and indentation
        (lambda: a([[1.5, 2.0], [3.0, 4.0]]), "array([[1.5, 2],\n       [3, 4]], dtype=float32)"),
        (lambda: mx.ones((1, 1, 1)), "array([[[1]]], dtype=float32)"),
        (
            lambda: mx.arange(24).reshape(2, 3, 4),
            "array([[[0, 1, 2, 3],\n        [4, 5, 6, 7],\n        [8, 9, 10, 11]],\n"
            "       [[12, 13, 14, 15],\n        [16, 17, 18, 19],\n        [20, 21, 22, 23]]], dtype=int32)",
        ),
        (
            lambda: mx.ones((2, 2, 2, 2)),
            "array([[[[1, 1],\n         [1, 1]],\n        [[1, 1],\n         [1, 1]]],\n"
            "       [[[1, 1],\n         [1, 1]],\n        [[1, 1],\n         [1, 1]]]], dtype=float32)",
        ),
        # truncation: per axis, n > 6 shows 3 ... 3
        (lambda: mx.arange(6), "array([0, 1, 2, 3, 4, 5], dtype=int32)"),
        (lambda: mx.arange(7), "array([0, 1, 2, ..., 4, 5, 6], dtype=int32)"),
        (
            lambda: mx.arange(100).reshape(10, 10),
            "array([[0, 1, 2, ..., 7, 8, 9],\n       [10, 11, 12, ..., 17, 18, 19],\n"
            "       [20, 21, 22, ..., 27, 28, 29],\n       ...,\n       [70, 71, 72, ..., 77, 78, 79],\n"
            "       [80, 81, 82, ..., 87, 88, 89],\n       [90, 91, 92, ..., 97, 98, 99]], dtype=int32)",
        ),
        (
            lambda: mx.arange(9700, 9800),
            "array([9700, 9701, 9702, ..., 9797, 9798, 9799], dtype=int32)",
        ),
        (
            lambda: mx.ones((7, 2)),
            "array([[1, 1],\n       [1, 1],\n       [1, 1],\n       ...,\n       [1, 1],\n       [1, 1],\n"
            "       [1, 1]], dtype=float32)",
        ),
        (lambda: mx.ones((2, 7)), "array([[1, 1, 1, ..., 1, 1, 1],\n       [1, 1, 1, ..., 1, 1, 1]], dtype=float32)"),
        # floats: %g with 6 significant digits
        (
            lambda: a([1.0, 2.5, -3.25, 1e-5, 1e10, 123456789.0, 1 / 3]),
            "array([1, 2.5, -3.25, ..., 1e+10, 1.23457e+08, 0.333333], dtype=float32)",
        ),
        (lambda: a([1e-7, 1.0]), "array([1e-07, 1], dtype=float32)"),
        (lambda: a([1e-5, 1.0]), "array([1e-05, 1], dtype=float32)"),
        (lambda: a([0.0001]), "array([0.0001], dtype=float32)"),
        (lambda: a([100000.0, 1000000.0]), "array([100000, 1e+06], dtype=float32)"),
        (lambda: a([123456.0]), "array([123456], dtype=float32)"),
        (lambda: a([1234567.0]), "array([1.23457e+06], dtype=float32)"),
        (lambda: a([0.5, 0.25]), "array([0.5, 0.25], dtype=float32)"),
        (lambda: a([1e-8], dtype=mx.float32), "array([1e-08], dtype=float32)"),
        (lambda: a([1 / 3], dtype=mx.float64), "array([0.333333], dtype=float64)"),
        (lambda: a(0.1, dtype=mx.float64), "array(0.1, dtype=float64)"),
        (lambda: a([3.14159265358979], dtype=mx.float64), "array([3.14159], dtype=float64)"),
        # low precision floats
        (lambda: a([0.1], dtype=mx.bfloat16), "array([0.100098], dtype=bfloat16)"),
        (lambda: a([0.1], dtype=mx.float16), "array([0.0999756], dtype=float16)"),
        (lambda: a([1.0], dtype=mx.bfloat16), "array([1], dtype=bfloat16)"),
        (lambda: a([1.5], dtype=mx.bfloat16), "array([1.5], dtype=bfloat16)"),
        (lambda: a([65504.0], dtype=mx.float16), "array([65504], dtype=float16)"),
        (lambda: a([-0.0], dtype=mx.float16), "array([-0], dtype=float16)"),
        (lambda: a([1.0, 2.0]).astype(mx.float16), "array([1, 2], dtype=float16)"),
        # specials
        (lambda: a([NAN, INF, -INF, -0.0]), "array([nan, inf, -inf, -0], dtype=float32)"),
        # complex
        (lambda: a([1 + 2j, 3 - 1j]), "array([1+2j, 3-1j], dtype=complex64)"),
        (lambda: a(1 + 0j), "array(1+0j, dtype=complex64)"),
        (lambda: a([-1j]), "array([-0-1j], dtype=complex64)"),
        (lambda: a([complex(-0.0, -1.0)]), "array([-0-1j], dtype=complex64)"),
        (lambda: a([complex(NAN, NAN)]), "array([nan+nanj], dtype=complex64)"),
        (lambda: a([1.5 + 0.25j]), "array([1.5+0.25j], dtype=complex64)"),
        (lambda: a([0.1 + 0.2j]), "array([0.1+0.2j], dtype=complex64)"),
        (lambda: a([1e10 + 1e-5j]), "array([1e+10+1e-05j], dtype=complex64)"),
    ]


CASES = _cases()


@pytest.mark.parametrize("index", range(len(CASES)))
def test_repr(index):
    need("array", "zeros", "ones", "arange", "reshape")
    make, expected = CASES[index]
    a = make()
    assert repr(a) == expected
    assert str(a) == expected


def test_repr_of_nan_from_invalid_ops_is_minus_nan():
    # x86 produces the "default NaN" with the sign bit set: printed -nan.
    need("array", "sqrt", "mean", "zeros")
    assert repr(mx.sqrt(mx.array([-1.0]))) == "array([-nan], dtype=float32)"
    assert repr(mx.sqrt(mx.array(-1.0))) == "array(-nan, dtype=float32)"
    assert repr(mx.mean(mx.zeros((0,)))) == "array(-nan, dtype=float32)"
    assert repr(mx.array([1.0, 0.0]) / mx.array([0.0, 0.0])) == "array([inf, -nan], dtype=float32)"


def test_repr_noncontiguous():
    need("array", "transpose", "broadcast_to")
    assert repr(mx.array([[1, 2], [3, 4]]).T) == "array([[1, 3],\n       [2, 4]], dtype=int32)"
    assert repr(mx.broadcast_to(mx.array([1, 2]), (2, 2))) == "array([[1, 2],\n       [1, 2]], dtype=int32)"


def test_repr_evaluates_lazily_built_arrays():
    need("array", "exp")
    x = mx.exp(mx.array([0.0, 1.0])) + 1
    assert repr(x) == "array([2, 3.71828], dtype=float32)"


PRECISION_CASES = [
    (3, lambda: mx.array([1 / 3, 2.0]), "array([0.333, 2.000], dtype=float32)"),
    (3, lambda: mx.array([1 - 1j / 3]), "array([1.000-0.333j], dtype=complex64)"),
    (3, lambda: mx.array([1, 2]), "array([1, 2], dtype=int32)"),
    (3, lambda: mx.array([True]), "array([True], dtype=bool)"),
    (3, lambda: mx.array(1 / 3), "array(0.333, dtype=float32)"),
    (3, lambda: mx.array([1e10]), "array([10000000000.000], dtype=float32)"),
    (3, lambda: mx.array([NAN, INF]), "array([nan, inf], dtype=float32)"),
    (1, lambda: mx.array([1 / 3, 2.0]), "array([0.3, 2.0], dtype=float32)"),
    (0, lambda: mx.array([1.6, 2.0]), "array([2, 2], dtype=float32)"),
    (5, lambda: mx.array([0.1], dtype=mx.float16), "array([0.09998], dtype=float16)"),
]


@pytest.mark.parametrize("index", range(len(PRECISION_CASES)))
def test_printoptions_context(index):
    need("array", "printoptions")
    precision, make, expected = PRECISION_CASES[index]
    a = make()
    default = repr(a)
    with mx.printoptions(precision=precision):
        assert repr(a) == expected
        assert str(a) == expected
    assert repr(a) == default


def test_set_and_get_printoptions():
    need("array", "set_printoptions", "get_printoptions")
    assert mx.get_printoptions().precision == -1
    a = mx.array([1 / 3, 2.0])
    try:
        mx.set_printoptions(precision=1)
        assert mx.get_printoptions().precision == 1
        assert repr(a) == "array([0.3, 2.0], dtype=float32)"
    finally:
        mx.set_printoptions(precision=-1)
    assert mx.get_printoptions().precision == -1
    assert repr(a) == "array([0.333333, 2], dtype=float32)"


def test_printoptions_restores_after_exception():
    need("array", "printoptions", "get_printoptions")
    with pytest.raises(RuntimeError):
        with mx.printoptions(precision=2):
            raise RuntimeError("boom")
    assert mx.get_printoptions().precision == -1
