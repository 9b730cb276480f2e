"""NumPy / buffer protocol / DLPack interop, and bfloat16 <-> NumPy through
ml_dtypes (a lumex improvement: MLX raises)."""

import gc

import numpy as np
import pytest

import lumex.core as mx
from helpers import DTYPE_NAMES, NP_DTYPE, assert_equal, dt, need, random_mx, to_np

try:
    import ml_dtypes
except ImportError:  # pragma: no cover
    ml_dtypes = None

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
needs_ml_dtypes = pytest.mark.skipif(ml_dtypes is None, reason="ml_dtypes is not installed")

BUFFER_FORMATS = {
    "bool_": "?",
    "uint8": "B",
    "uint16": "H",
    "uint32": "I",
    "uint64": "Q",
    "int8": "b",
    "int16": "h",
    "int32": "i",
    "int64": "q",
    "float16": "e",
    "float32": "f",
    "float64": "d",
    "complex64": "Zf",
}
NON_BF16 = [n for n in DTYPE_NAMES if n != "bfloat16"]

# ---------------------------------------------------------------------------
# buffer protocol


@pytest.mark.parametrize("name", NON_BF16)
def test_buffer_format_and_shape(name):
    need("zeros")
    a = mx.zeros((2, 3), dtype=dt(name))
    m = memoryview(a)
    assert m.format == BUFFER_FORMATS[name]
    assert m.shape == (2, 3)
    assert m.itemsize == dt(name).size
    assert m.strides == (3 * dt(name).size, dt(name).size)
    assert m.nbytes == 6 * dt(name).size
    assert m.readonly is False


def test_buffer_strides_of_views():
    need("array", "transpose", "broadcast_to")
    a = mx.array([[1, 2, 3], [4, 5, 6]], dtype=mx.float32)
    assert memoryview(mx.transpose(a)).strides == (4, 12)
    assert memoryview(mx.broadcast_to(mx.array([1, 2, 3]), (2, 3))).strides == (0, 4)
    assert memoryview(mx.array(5)).shape == ()
    assert memoryview(mx.zeros((0, 3))).shape == (0, 3)


def test_buffer_is_writable_and_shares_memory():
    need("array")
    a = mx.array([1.0, 2.0, 3.0])
    m = memoryview(a)
    m[0] = 10.0
    assert a.tolist() == [10.0, 2.0, 3.0]


def test_buffer_evaluates_lazy_arrays():
    need("array", "exp")
    x = mx.exp(mx.array([0.0, 1.0]))
    assert memoryview(x).tolist() == pytest.approx([1.0, np.e])


def test_memoryview_outlives_array():
    need("array")
    b = mx.array([1.0, 2.0])
    mv = memoryview(b)
    del b
    gc.collect()
    assert mv.tolist() == [1.0, 2.0]


def test_array_from_memoryview_roundtrip():
    need("array")
    a = mx.array([[1, 2], [3, 4]], dtype=mx.int16)
    b = mx.array(memoryview(a))
    assert_equal(b, np.array([[1, 2], [3, 4]]), "int16")


# ---------------------------------------------------------------------------
# NumPy


@pytest.mark.parametrize("name", NON_BF16)
def test_numpy_roundtrip(name, rng):
    need("array")
    x, xn = random_mx((3, 4), name, rng)
    n = np.array(x)
    assert n.dtype == NP_DTYPE[name]
    np.testing.assert_array_equal(n, xn)
    back = mx.array(n, dtype=dt(name))
    assert_equal(back, xn, name)


def test_np_array_copies_by_default():
    need("array")
    a = mx.array([[1, 2, 3], [4, 5, 6]], dtype=mx.float32)
    n = np.array(a)
    n[0, 0] = 100
    assert a.tolist()[0][0] == 1.0


@pytest.mark.parametrize("convert", ["asarray", "array_copy_false", "from_dlpack"])
def test_numpy_views_are_writable(convert):
    need("array")
    a = mx.array([[1, 2, 3], [4, 5, 6]], dtype=mx.float32)
    alias = a
    if convert == "asarray":
        n = np.asarray(a)
    elif convert == "array_copy_false":
        n = np.array(a, copy=False)
    else:
        n = np.from_dlpack(a)
    if convert != "from_dlpack":
        assert n.flags.writeable
        assert not n.flags.owndata
    assert n.dtype == np.float32 and n.shape == (2, 3)
    if n.flags.writeable:
        n[0, 0] = 100
        assert alias.tolist()[0][0] == 100.0


def test_numpy_view_outlives_array():
    need("array")
    b = mx.array([1.0, 2.0])
    v = np.asarray(b)
    del b
    gc.collect()
    np.testing.assert_array_equal(v, np.array([1.0, 2.0], np.float32))


def test_numpy_conversion_of_views_and_specials():
    need("array", "transpose", "zeros")
    a = mx.array([[1, 2, 3], [4, 5, 6]], dtype=mx.float32)
    t = np.array(mx.transpose(a))
    np.testing.assert_array_equal(t, np.array([[1, 2, 3], [4, 5, 6]], np.float32).T)
    assert np.array(mx.array(5)).shape == ()
    assert np.array(mx.zeros((0, 3))).shape == (0, 3)
    assert np.array(mx.array([1, 2], dtype=mx.uint64)).dtype == np.uint64
    assert np.array(a, dtype=np.float64).dtype == np.float64


def test_numpy_ufunc_on_array():
    need("array")
    a = mx.array([0.0, 1.0])
    out = np.exp(a)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, [1.0, np.e], rtol=1e-6)


def test_numpy_evaluates_lazy_arrays():
    need("array", "exp")
    x = mx.exp(mx.array([0.0, 1.0])) * 2
    np.testing.assert_allclose(np.asarray(x), [2.0, 2 * np.e], rtol=1e-6)


def test_array_from_numpy_is_independent_copy():
    need("array", "asarray")
    n = np.array([1.0, 2.0], dtype=np.float32)
    a = mx.array(n)
    n[0] = 50
    assert a.tolist() == [1.0, 2.0]
    b = mx.asarray(n)
    n[1] = 60
    assert b.tolist() == [50.0, 2.0]


# ---------------------------------------------------------------------------
# DLPack


def test_dlpack_device_and_capsule():
    need("array")
    a = mx.array([1.0, 2.0])
    assert tuple(a.__dlpack_device__()) == (1, 0)
    capsule = a.__dlpack__()
    assert type(capsule).__name__ == "PyCapsule"


@pytest.mark.parametrize("name", NON_BF16)
def test_numpy_from_dlpack(name, rng):
    need("array")
    x, xn = random_mx((2, 3), name, rng)
    n = np.from_dlpack(x)
    assert n.dtype == NP_DTYPE[name]
    np.testing.assert_array_equal(n, xn)


def test_numpy_from_dlpack_noncontiguous():
    need("array", "transpose")
    a = mx.array([[1, 2, 3], [4, 5, 6]], dtype=mx.float32)
    n = np.from_dlpack(mx.transpose(a))
    np.testing.assert_array_equal(n, np.array([[1, 4], [2, 5], [3, 6]], np.float32))


@pytest.mark.parametrize("np_dtype,name", [(np.float32, "float32"), (np.float64, "float32"), (np.int64, "int64"),
                                           (np.int8, "int8"), (np.bool_, "bool_"), (np.complex64, "complex64")])
def test_mx_from_dlpack(np_dtype, name):
    need("from_dlpack")
    n = np.arange(6).reshape(2, 3).astype(np_dtype)
    a = mx.from_dlpack(n)
    assert a.dtype == dt(name)
    np.testing.assert_array_equal(to_np(a), n)
    t = mx.from_dlpack(n.T)
    np.testing.assert_array_equal(to_np(t), n.T)


def test_mx_from_dlpack_of_mx_array():
    need("from_dlpack", "array")
    a = mx.array([[1.0, 2.0]])
    assert_equal(mx.from_dlpack(a), np.array([[1.0, 2.0]]), "float32")


@needs_torch
@pytest.mark.parametrize("name", ["float32", "float16", "int64", "int32", "uint8", "bool_", "float64"])
def test_torch_from_dlpack(name, rng):
    need("array")
    x, xn = random_mx((2, 3), name, rng)
    t = torch.from_dlpack(x)
    np.testing.assert_array_equal(t.numpy(), xn)


@needs_torch
def test_torch_to_mx():
    need("array")
    t = torch.arange(6, dtype=torch.int64).reshape(2, 3)
    a = mx.array(t)
    assert a.dtype == mx.int64
    assert_equal(a, np.arange(6).reshape(2, 3), "int64")
    a = mx.array(torch.tensor([1.5, 2.5], dtype=torch.float32))
    assert_equal(a, np.array([1.5, 2.5]), "float32")
    t2 = torch.tensor([1.0, 2.0])
    a2 = mx.array(t2)
    t2[0] = 9.0
    assert a2.tolist() == [1.0, 2.0]  # a copy
    assert_equal(mx.from_dlpack(torch.tensor([[1, 2]], dtype=torch.int32)), np.array([[1, 2]]), "int32")


@needs_torch
def test_torch_bfloat16_to_mx():
    need("array")
    a = mx.array(torch.tensor([1.5, -2.0], dtype=torch.bfloat16))
    assert a.dtype == mx.bfloat16
    assert a.tolist() == [1.5, -2.0]


# ---------------------------------------------------------------------------
# bfloat16


@needs_ml_dtypes
def test_bfloat16_from_ml_dtypes_numpy():
    need("array")
    n = np.array([1.5, 2.0, -0.15625], dtype=ml_dtypes.bfloat16)
    a = mx.array(n)
    assert a.dtype == mx.bfloat16
    assert a.tolist() == [1.5, 2.0, -0.15625]


def test_bfloat16_to_numpy_via_astype():
    need("array")
    a = mx.array([0.1, 1.5], dtype=mx.bfloat16)
    n = np.array(a.astype(mx.float32))
    np.testing.assert_array_equal(n, np.array([0.10009765625, 1.5], np.float32))


@needs_ml_dtypes
@pytest.mark.lumex_only
@pytest.mark.parametrize("convert", [np.array, np.asarray])
def test_bfloat16_to_numpy_via_ml_dtypes(convert):
    # MLX raises "'bfloat16' is not a valid PEP 3118 buffer format string".
    need("array")
    a = mx.array([[0.1, 1.5], [-2.0, 3.0]], dtype=mx.bfloat16)
    n = convert(a)
    assert n.dtype == ml_dtypes.bfloat16
    assert n.shape == (2, 2)
    np.testing.assert_array_equal(n.astype(np.float32), np.array([[0.10009765625, 1.5], [-2.0, 3.0]], np.float32))


@needs_ml_dtypes
@pytest.mark.lumex_only
def test_bfloat16_numpy_roundtrip_and_noncontiguous():
    need("array", "transpose")
    a = mx.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=mx.bfloat16)
    n = np.array(mx.transpose(a))
    assert n.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(n.astype(np.float32), np.array([[1, 4], [2, 5], [3, 6]], np.float32))
    back = mx.array(n)
    assert back.dtype == mx.bfloat16
    assert back.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]


def test_bfloat16_numpy_conversion_does_not_crash():
    """MLX raises ValueError; lumex returns an ml_dtypes array. Either way the
    process survives and the error, if any, is a ValueError."""
    need("array")
    a = mx.array([1.0], dtype=mx.bfloat16)
    try:
        n = np.array(a)
    except ValueError as e:
        assert "bfloat16" in str(e)
    else:
        assert n.astype(np.float32).tolist() == [1.0]
