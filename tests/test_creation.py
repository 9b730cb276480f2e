"""Array creation: mx.array dtype inference, asarray, zeros/ones/full(_like),
empty, arange, linspace, eye, identity, tri, tril, triu, meshgrid."""

import array as pyarray
import math

import numpy as np
import pytest

import lumex.core as mx
from helpers import (
    DTYPE_NAMES,
    INTS,
    NP_DTYPE,
    assert_array,
    assert_equal,
    dt,
    need,
    to_np,
)

# ---------------------------------------------------------------------------
# mx.array: dtype inference from Python values

INFERENCE = [
    (1, (), "int32"),
    (-5, (), "int32"),
    (1.0, (), "float32"),
    (True, (), "bool_"),
    (1j, (), "complex64"),
    ([1, 2], (2,), "int32"),
    ((1, 2), (2,), "int32"),
    ([1, 2.0], (2,), "float32"),
    ([True, 1], (2,), "int32"),
    ([True, 1.0], (2,), "float32"),
    ([True, False], (2,), "bool_"),
    ([1, 1j], (2,), "complex64"),
    ([], (0,), "float32"),
    ((), (0,), "float32"),
    ([[]], (1, 0), "float32"),
    ([[1, 2], [3, 4]], (2, 2), "int32"),
    ([(1, 2), [3, 4]], (2, 2), "int32"),
    ([[[1.5]]], (1, 1, 1), "float32"),
    (2**31, (), "int64"),
    (-(2**31), (), "int32"),
    (-(2**31) - 1, (), "int64"),
    ([2**31, 1], (2,), "int64"),
    (2**40, (), "int64"),
    (-(2**63), (), "int64"),
]


@pytest.mark.parametrize("value,shape,name", INFERENCE, ids=[repr(v[0])[:20] for v in INFERENCE])
def test_array_inference(value, shape, name):
    need("array")
    a = mx.array(value)
    assert isinstance(a, mx.array)
    assert a.shape == shape
    assert a.dtype == dt(name)
    expected = np.array(value, dtype=NP_DTYPE[name] if name != "bool_" else bool)
    assert_equal(a, expected.reshape(shape))


def test_array_special_float_values():
    need("array")
    assert mx.array(1e40).tolist() == float("inf")
    assert mx.array([1e40]).tolist() == [float("inf")]
    assert np.isnan(mx.array(float("nan")).item())


def test_array_from_mlx_arrays_in_lists():
    need("array")
    a = mx.array([mx.array(1), mx.array(2)])
    assert_equal(a, np.array([1, 2]), "int32")
    a = mx.array([mx.array([1, 2]), mx.array([3, 4])])
    assert_equal(a, np.array([[1, 2], [3, 4]]), "int32")
    a = mx.array([mx.array([1, 2]), [3, 4]])
    assert_equal(a, np.array([[1, 2], [3, 4]]), "int32")
    assert mx.array([mx.array(1.5), 2]).dtype == mx.float32
    # Arrays in lists take part in promotion like other elements.
    assert mx.array([mx.array(1, dtype=mx.int8), mx.array(1, dtype=mx.float16)]).dtype == mx.float16
    assert mx.array([mx.array(1, dtype=mx.int8), 2]).dtype == mx.int32


def test_array_from_array_copies():
    need("array")
    a = mx.array([1, 2])
    b = mx.array(a)
    assert b is not a
    assert_equal(b, np.array([1, 2]), "int32")
    c = mx.array(a, dtype=mx.float32)
    assert_equal(c, np.array([1.0, 2.0]), "float32")


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_array_explicit_dtype(name):
    need("array")
    a = mx.array([0, 1, 2], dtype=dt(name))
    assert a.dtype == dt(name)
    assert a.shape == (3,)
    if name == "bool_":
        assert a.tolist() == [False, True, True]
    elif name == "complex64":
        assert a.tolist() == [0j, 1 + 0j, 2 + 0j]
    else:
        assert a.tolist() == [0, 1, 2]


def test_array_explicit_dtype_conversions():
    need("array")
    assert mx.array([1.7, -1.7], dtype=mx.int32).tolist() == [1, -1]  # truncates
    assert mx.array(2.7, dtype=mx.int32).item() == 2
    assert mx.array([1, 0, 2], dtype=mx.bool_).tolist() == [True, False, True]
    assert mx.array([300], dtype=mx.uint8).tolist() == [44]  # wraps
    assert mx.array([-1], dtype=mx.uint8).tolist() == [255]
    assert mx.array([1, 2], dtype=mx.float16).dtype == mx.float16


# NumPy arrays keep their dtype, except float64 -> float32 and
# complex128 -> complex64 (unless the dtype is given).
NUMPY_INFERENCE = [
    (np.bool_, "bool_"),
    (np.uint8, "uint8"),
    (np.uint16, "uint16"),
    (np.uint32, "uint32"),
    (np.uint64, "uint64"),
    (np.int8, "int8"),
    (np.int16, "int16"),
    (np.int32, "int32"),
    (np.int64, "int64"),
    (np.float16, "float16"),
    (np.float32, "float32"),
    (np.float64, "float32"),
    (np.complex64, "complex64"),
    (np.complex128, "complex64"),
]


@pytest.mark.parametrize("np_dtype,name", NUMPY_INFERENCE, ids=[n.__name__ for n, _ in NUMPY_INFERENCE])
def test_array_from_numpy(np_dtype, name):
    need("array", "asarray")
    x = np.arange(6).reshape(2, 3).astype(np_dtype)
    for make in (mx.array, mx.asarray):
        a = make(x)
        assert a.dtype == dt(name)
        assert a.shape == (2, 3)
        np.testing.assert_array_equal(to_np(a), x)


def test_array_from_numpy_float64_explicit():
    need("array")
    x = np.array([0.1, 0.2])
    a = mx.array(x, dtype=mx.float64)
    assert a.dtype == mx.float64
    np.testing.assert_array_equal(np.array(a), x)


def test_array_from_numpy_scalars():
    need("array")
    assert mx.array(np.float32(1)).dtype == mx.float32
    assert mx.array(np.float64(1)).dtype == mx.float32
    assert mx.array(np.int64(1)).dtype == mx.int64
    assert mx.array(np.int8(1)).dtype == mx.int8
    assert mx.array(np.bool_(True)).dtype == mx.bool_
    assert mx.array(np.float32(1)).shape == ()


def test_array_from_numpy_non_contiguous_and_empty():
    need("array")
    x = np.arange(6).reshape(2, 3).T
    assert_equal(mx.array(x), x, "int64")
    y = np.arange(10)[::3]
    assert_equal(mx.array(y), y, "int64")
    z = np.zeros((2, 0))
    a = mx.array(z)
    assert a.shape == (2, 0) and a.dtype == mx.float32


def test_array_from_numpy_is_a_copy():
    need("array")
    x = np.arange(4, dtype=np.float32)
    a = mx.array(x)
    x[0] = 100
    assert a.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_array_from_buffers():
    need("array")
    a = mx.array(memoryview(b"abc"))
    assert_equal(a, np.array([97, 98, 99]), "uint8")
    assert_equal(mx.array(bytearray(b"ab")), np.array([97, 98]), "uint8")
    assert_equal(mx.array(b"ab"), np.array([97, 98]), "uint8")
    assert_equal(mx.array(pyarray.array("f", [1, 2])), np.array([1.0, 2.0]), "float32")
    # A double buffer becomes float32, like float64 NumPy arrays.
    assert_equal(mx.array(pyarray.array("d", [1, 2])), np.array([1.0, 2.0]), "float32")
    a = mx.array(memoryview(np.arange(4, dtype=np.int16)))
    assert_equal(a, np.arange(4), "int16")


@pytest.mark.parametrize(
    "value,message",
    [
        ([[1, 2], [3]], "non-uniform length"),
        ([[1], 2], "non-uniform length"),
        ([1, [2]], "extra dimension"),
        (range(3), "Invalid type range received in array initialization"),
        ([range(3)], "Invalid type range received in array initialization"),
        ("abc", "Invalid type str received in array initialization"),
        ([1, "a"], "Invalid type str received in array initialization"),
        ([np.float32(1)], "Invalid type float32 received in array initialization"),
        ({1: 2}, "Invalid type dict received in array initialization"),
        ({1, 2}, "Invalid type set received in array initialization"),
        ([None], "Invalid type NoneType received in array initialization"),
    ],
    ids=lambda v: repr(v)[:25],
)
def test_array_bad_values(value, message):
    need("array")
    with pytest.raises(ValueError, match=message):
        mx.array(value)


def test_array_ragged_arrays_in_list():
    need("array")
    with pytest.raises(ValueError, match="non-uniform length"):
        mx.array([mx.array([1, 2]), mx.array([3])])


def test_array_none_is_type_error():
    need("array")
    with pytest.raises(TypeError):
        mx.array(None)


# ---------------------------------------------------------------------------
# asarray


def test_asarray():
    need("asarray")
    assert_equal(mx.asarray([1, 2]), np.array([1, 2]), "int32")
    assert_equal(mx.asarray([1, 2], dtype=mx.float32), np.array([1, 2]), "float32")
    assert_equal(mx.asarray(np.arange(3.0)), np.arange(3.0), "float32")
    a = mx.array([1, 2])
    b = mx.asarray(a)
    assert_equal(b, np.array([1, 2]), "int32")
    c = mx.asarray(a, copy=True)
    assert_equal(c, np.array([1, 2]), "int32")
    assert_equal(mx.asarray(np.arange(3.0), copy=True), np.arange(3.0), "float32")


def test_asarray_copy_false_with_conversion_raises():
    need("asarray")
    with pytest.raises(ValueError):
        mx.asarray(mx.array([1.0]), dtype=mx.int32, copy=False)


# ---------------------------------------------------------------------------
# zeros / ones / full / *_like / empty


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (2, 0, 4)])
def test_zeros_ones(name, shape):
    need("zeros", "ones")
    z = mx.zeros(shape, dtype=dt(name))
    o = mx.ones(shape, dt(name))
    assert_equal(z, np.zeros(shape), name)
    assert_equal(o, np.ones(shape), name)


def test_zeros_ones_defaults_and_shape_forms():
    need("zeros", "ones")
    assert mx.zeros(3).shape == (3,)
    assert mx.zeros(3).dtype == mx.float32
    assert mx.zeros([2, 3]).shape == (2, 3)
    assert mx.zeros((2,), dtype=None).dtype == mx.float32
    assert mx.ones(2).dtype == mx.float32
    assert mx.ones(2, mx.bool_).tolist() == [True, True]
    assert mx.ones((2,), mx.complex64).tolist() == [1 + 0j, 1 + 0j]
    assert mx.zeros(()).shape == ()


def test_negative_dimension_raises():
    need("zeros", "ones", "full")
    for make in (lambda: mx.zeros((-1,)), lambda: mx.ones((2, -3)), lambda: mx.full((-2,), 1.0)):
        with pytest.raises(ValueError, match="Negative dimensions not allowed"):
            make()


FULL_CASES = [
    # (vals, dtype, expected dtype) -- scalars follow the weak-scalar rules
    (3, None, "int32"),
    (3.0, None, "float32"),
    (True, None, "bool_"),
    (1j, None, "complex64"),
    (2**40, None, "int64"),
    (np.float64(1.5), None, "float32"),
    (3, "int8", "int8"),
    (3, "float16", "float16"),
    (5, "float64", "float64"),
    (True, "int8", "int8"),
    (3.7, "float16", "float16"),
    # MLX converts the value with the dtype like a weakly typed scalar, so a
    # float value with an integer dtype gives float32 and an int with bool
    # gives int32.
    (3.7, "int8", "float32"),
    (1.5, "int32", "float32"),
    (3, "bool_", "int32"),
    (1j, "float32", "complex64"),
]


@pytest.mark.parametrize("vals,name,expected", FULL_CASES, ids=[f"{v!r}-{n}" for v, n, _ in FULL_CASES])
def test_full_scalar(vals, name, expected):
    need("full")
    out = mx.full((2, 3), vals, None if name is None else dt(name))
    assert out.shape == (2, 3)
    assert out.dtype == dt(expected)
    ref = np.full((2, 3), vals)
    assert_array(out, ref.astype(np.complex128 if expected == "complex64" else np.float64)
                 if expected not in ("bool_",) else ref)


def test_full_forms():
    need("full", "array")
    assert_equal(mx.full(2, 1.0), np.ones(2), "float32")
    assert_equal(mx.full([], 5), np.array(5), "int32")
    assert_equal(mx.full(shape=(2,), vals=3), np.array([3, 3]), "int32")
    # An array value broadcasts to the shape.
    out = mx.full((2, 3), mx.array([1, 2, 3]))
    assert_equal(out, np.array([[1, 2, 3], [1, 2, 3]]), "int32")
    with pytest.raises(ValueError, match=r"\[broadcast_shapes\]"):
        mx.full((2, 3), mx.array([1, 2]))
    with pytest.raises(ValueError, match="Converting 300 to int8 would result in overflow"):
        mx.full((2,), 300, mx.int8)


def test_full_array_value_keeps_its_dtype():
    # MLX ignores `dtype` when the value is already an array.
    need("full", "array")
    assert mx.full((2,), mx.array([1.5]), mx.int32).dtype == mx.float32
    assert mx.full((2,), mx.array([1], dtype=mx.int8), mx.uint8).dtype == mx.int8
    assert mx.full((2,), mx.array(5, dtype=mx.float64), mx.float32).dtype == mx.float64


@pytest.mark.parametrize("name", ["bool_", "int8", "uint32", "float16", "float32", "complex64"])
def test_like_functions(name):
    need("zeros_like", "ones_like", "full_like", "empty_like", "array")
    x = mx.array([[1, 2], [3, 4]], dtype=dt(name))
    assert_equal(mx.zeros_like(x), np.zeros((2, 2)), name)
    assert_equal(mx.ones_like(x), np.ones((2, 2)), name)
    assert_equal(mx.full_like(x, 1), np.ones((2, 2)), name)
    e = mx.empty_like(x)
    assert e.shape == (2, 2) and e.dtype == dt(name)


def test_like_functions_dtype_and_values():
    need("zeros_like", "ones_like", "full_like", "array")
    x = mx.array([[1, 2], [3, 4]], dtype=mx.int8)
    assert_equal(mx.zeros_like(x, dtype=mx.float32), np.zeros((2, 2)), "float32")
    assert_equal(mx.ones_like(x, mx.float32), np.ones((2, 2)), "float32")
    assert_equal(mx.full_like(x, 7), np.full((2, 2), 7), "int8")
    # The value is cast to the dtype of the input (truncating).
    assert_equal(mx.full_like(x, 7.9), np.full((2, 2), 7), "int8")
    assert_equal(mx.full_like(x, 7, dtype=mx.float32), np.full((2, 2), 7), "float32")
    with pytest.raises(ValueError, match="Converting 300 to int8 would result in overflow"):
        mx.full_like(x, 300)


def test_empty():
    need("empty")
    e = mx.empty((2,))
    assert e.shape == (2,) and e.dtype == mx.float32
    e = mx.empty(3, mx.int8)
    assert e.shape == (3,) and e.dtype == mx.int8


# ---------------------------------------------------------------------------
# arange

ARANGE = [
    ((5,), {}, "int32"),
    ((2, 5), {}, "int32"),
    ((0, 10, 3), {}, "int32"),
    ((10, 0, -3), {}, "int32"),
    ((5, 2), {}, "int32"),
    ((0,), {}, "int32"),
    ((-3,), {}, "int32"),
    ((0, 1, 0.25), {}, "float32"),
    ((5.0,), {}, "float32"),
    ((0, 5, 1.0), {}, "float32"),
    ((0.5, 3), {}, "float32"),
    ((0, 10, 2.5), {}, "float32"),
    ((1, 2, 0.1), {}, "float32"),
    ((0.0, 1.0, 0.1), {}, "float32"),
    ((-1.5, 1.5, 0.5), {}, "float32"),
    ((5,), {"dtype": "float16"}, "float16"),
    ((5,), {"dtype": "uint8"}, "uint8"),
    ((0, 5, 1), {"dtype": "float64"}, "float64"),
    ((2**40, 2**40 + 3), {}, "int64"),
]


@pytest.mark.parametrize("args,kwargs,name", ARANGE, ids=[f"{a}{k}" for a, k, _ in ARANGE])
def test_arange(args, kwargs, name):
    need("arange")
    kw = {k: dt(v) for k, v in kwargs.items()}
    out = mx.arange(*args, **kw)
    expected = np.arange(*args)
    assert out.dtype == dt(name)
    assert_array(out, expected, rtol=1e-6, atol=1e-6)


def test_arange_keywords():
    need("arange")
    assert mx.arange(start=1, stop=4).tolist() == [1, 2, 3]
    assert mx.arange(stop=4).tolist() == [0, 1, 2, 3]
    assert mx.arange(0, 10, step=5).tolist() == [0, 5]
    # An explicit stop=None makes the first argument the end, as MLX.
    assert mx.arange(-3, None, -1).tolist() == [0, -1, -2]
    assert mx.arange(5, None, 2).tolist() == [0, 2, 4]
    assert mx.arange(stop=2, step=0.5).tolist() == [0, 0.5, 1.0, 1.5]
    with pytest.raises(TypeError):
        mx.arange(start=1, step=2)


@pytest.mark.parametrize("start,stop,step,want", [
    (0, 10, math.inf, [0]), (0, -10, -math.inf, [0]), (10, 0, math.inf, []),
    (0, 10, -math.inf, []), (0, 0, math.inf, [])])
def test_arange_infinite_step(start, stop, step, want):
    # One element when stop lies in the step's direction (MLX 0.32.4 gives these).
    out = mx.arange(start, stop, step)
    assert out.dtype == mx.float32 and out.tolist() == want


INF = float("inf")


@pytest.mark.parametrize("start,stop,step", [(0.5, 3, INF), (1.0, 2.0, INF), (3, 0.5, -INF),
                                             (0.5, 3, -INF), (3, 0.5, INF), (1.0, 1.0, INF)])
@pytest.mark.parametrize("dtype", ["float32", "int32", "float16"])
def test_arange_infinite_step_as_numpy(start, stop, step, dtype):
    # One element when the step points from start towards stop, as NumPy; the
    # element is start itself, never start + 0 * inf.
    out = mx.arange(start, stop, step, dtype=dt(dtype))
    want = np.arange(start, stop, step).astype(dtype)
    assert out.tolist() == want.tolist()


def test_arange_errors():
    need("arange")
    with pytest.raises(ValueError, match=r"\[arange\] step must be nonzero"):
        mx.arange(0, 10, 0)
    with pytest.raises(ValueError, match="bool not supported for arange"):
        mx.arange(3, dtype=mx.bool_)
    for args in [(math.nan, 1, 5), (0, math.nan, 5), (0, 2, math.nan), (0, math.inf, math.inf),
                 (math.inf, 1, 5), (0, 2**31, 1)]:
        with pytest.raises(ValueError):
            mx.arange(*args)


# ---------------------------------------------------------------------------
# linspace

LINSPACE = [
    ((0, 1, 5), {}, "float32"),
    ((0, 1), {}, "float32"),
    ((0, 1, 5), {"endpoint": False}, "float32"),
    ((0, 1, 2), {"endpoint": False}, "float32"),
    ((0, 1, 1), {}, "float32"),
    ((0, 1, 0), {}, "float32"),
    ((1, 0, 3), {}, "float32"),
    ((-2.5, 7.5, 11), {}, "float32"),
    ((0, 1, 3), {"dtype": "float16"}, "float16"),
    ((0, 1, 3), {"dtype": "float64"}, "float64"),
    ((0, 10, 5), {"dtype": "int32"}, "int32"),
    ((0, 7, 8), {"dtype": "int32"}, "int32"),
    ((0, 1, 4), {"dtype": "int32"}, "int32"),
]


@pytest.mark.parametrize("args,kwargs,name", LINSPACE, ids=[f"{a}{k}" for a, k, _ in LINSPACE])
def test_linspace(args, kwargs, name):
    need("linspace")
    kw = {k: (dt(v) if k == "dtype" else v) for k, v in kwargs.items()}
    out = mx.linspace(*args, **kw)
    np_kw = {"endpoint": kwargs["endpoint"]} if "endpoint" in kwargs else {}
    expected = np.linspace(*args, **np_kw)
    if name in INTS:
        expected = expected.astype(np.int64)  # truncation, like NumPy's cast
    assert out.dtype == dt(name)
    assert_array(out, expected, rtol=1e-6, atol=1e-6)


def test_linspace_errors():
    need("linspace")
    with pytest.raises(ValueError, match=r"\[linspace\] number of samples, -1, must be non-negative"):
        mx.linspace(0, 1, -1)


# ---------------------------------------------------------------------------
# eye / identity / tri / tril / triu

EYE = [
    ((3,), {}),
    ((2, 3), {}),
    ((3, 2), {}),
    ((3,), {"k": 1}),
    ((3,), {"k": -1}),
    ((2, 3, 5), {}),
    ((4, 4, -3), {}),
    ((0,), {}),
]


@pytest.mark.parametrize("args,kwargs", EYE, ids=[f"{a}{k}" for a, k in EYE])
@pytest.mark.parametrize("name", ["float32", "int32", "bool_", "float16"])
def test_eye(args, kwargs, name):
    need("eye")
    out = mx.eye(*args, **kwargs, dtype=dt(name))
    assert_equal(out, np.eye(*args, **kwargs), name)


def test_eye_default_dtype_and_errors():
    need("eye", "identity")
    assert mx.eye(3).dtype == mx.float32
    with pytest.raises(ValueError, match=r"\[eye\] N and M must be positive integers"):
        mx.eye(-1)
    assert_equal(mx.identity(2), np.eye(2), "float32")
    assert_equal(mx.identity(3, mx.int8), np.eye(3), "int8")
    assert_equal(mx.identity(3, dtype=mx.bool_), np.eye(3), "bool_")


TRI = [((3,), {}), ((2, 3), {}), ((3, 2), {}), ((3,), {"k": 1}), ((3, 3, -1), {}), ((4, 5, 2), {})]


@pytest.mark.parametrize("args,kwargs", TRI, ids=[f"{a}{k}" for a, k in TRI])
def test_tri(args, kwargs):
    need("tri")
    assert_equal(mx.tri(*args, **kwargs), np.tri(*args, **kwargs), "float32")
    assert_equal(mx.tri(*args, **kwargs, dtype=mx.int32), np.tri(*args, **kwargs), "int32")
    assert_equal(mx.tri(*args, **kwargs, dtype=mx.bool_), np.tri(*args, **kwargs), "bool_")


@pytest.mark.parametrize("k", [0, 1, -1, 3, -5])
@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 4), (1, 1)])
@pytest.mark.parametrize("name", ["int32", "float32", "bool_"])
def test_tril_triu(k, shape, name):
    need("tril", "triu", "array")
    x = (np.arange(int(np.prod(shape))).reshape(shape) % 5).astype(NP_DTYPE[name])
    a = mx.array(x)
    assert_equal(mx.tril(a, k), np.tril(x, k), name)
    assert_equal(mx.triu(a, k), np.triu(x, k), name)


def test_tril_triu_defaults_and_errors():
    need("tril", "triu", "arange")
    y = mx.arange(12).reshape(3, 4)
    assert_equal(mx.tril(y), np.tril(np.arange(12).reshape(3, 4)), "int32")
    assert_equal(mx.triu(y), np.triu(np.arange(12).reshape(3, 4)), "int32")
    with pytest.raises(ValueError, match=r"\[tril\] array must be at least 2-D"):
        mx.tril(mx.arange(3))
    with pytest.raises(ValueError, match=r"\[triu\] array must be at least 2-D"):
        mx.triu(mx.arange(3))


# ---------------------------------------------------------------------------
# meshgrid


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_meshgrid(indexing, sparse, n):
    need("meshgrid", "array")
    inputs = [np.arange(1, 3 + i, dtype=np.int32) * (i + 1) for i in range(n)]
    out = mx.meshgrid(*[mx.array(x) for x in inputs], sparse=sparse, indexing=indexing)
    expected = np.meshgrid(*inputs, sparse=sparse, indexing=indexing)
    assert isinstance(out, tuple)
    assert len(out) == n
    for o, e in zip(out, expected):
        assert_equal(o, e, "int32")


def test_meshgrid_misc():
    need("meshgrid", "array")
    assert mx.meshgrid() == ()
    x, y = mx.meshgrid(mx.array([1, 2]), mx.array([3.0]))
    assert x.dtype == mx.int32 and y.dtype == mx.float32  # no promotion
    assert x.shape == (1, 2) and y.shape == (1, 2)
    # Multi-dimensional inputs are flattened.
    x, y = mx.meshgrid(mx.array([[1, 2]]), mx.array([3]))
    assert x.shape == (1, 2)
    with pytest.raises(ValueError, match=r"\[meshgrid\] Invalid indexing value"):
        mx.meshgrid(mx.array([1]), mx.array([2]), indexing="bogus")


def test_module_constants_are_python_floats():
    import math

    assert mx.newaxis is None
    for name, value in [("pi", math.pi), ("e", math.e), ("euler_gamma", 0.5772156649015329),
                        ("inf", math.inf)]:
        got = getattr(mx, name)
        assert type(got) is float and got == value, name
    assert type(mx.nan) is float and math.isnan(mx.nan)
    # Usable wherever a Python scalar is: weak-typed, so float32 stays float32.
    assert (mx.array([1.0]) * mx.pi).dtype == mx.float32
