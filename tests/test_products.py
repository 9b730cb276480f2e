"""Matrix and tensor products: matmul, addmm, inner, outer, tensordot, kron, vecdot.

Values are checked against NumPy (random inputs, and tables of shapes, dtypes
and promotions); shapes, dtypes and error types/messages against MLX 0.32
(run with LUMEX_TEST_BACKEND=mlx to check the expectations).
"""

import numpy as np
import pytest

import lumex.core as mx
from helpers import PROMOTION, assert_array, assert_equal, dt, need, random_mx


def rand(rng, shape, dtype=np.float32):
    x = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def check(out, expected, rtol=1e-5, atol=1e-5):
    out = np.array(out)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=atol)


SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((2, 1, 4, 3), (5, 3, 6)),
    ((1, 4, 3), (7, 3, 2)),
    ((64, 17, 33), (33, 9)),
]


@pytest.mark.parametrize("sa,sb", SHAPES)
def test_matmul_shapes(rng, sa, sb):
    a, b = rand(rng, sa), rand(rng, sb)
    out = mx.matmul(mx.array(a), mx.array(b))
    assert out.dtype == mx.float32
    check(out, a @ b, rtol=1e-4, atol=1e-4)
    check(mx.array(a) @ mx.array(b), a @ b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "np_dtype,mx_dtype,tol",
    [
        (np.float32, "float32", 1e-4),
        (np.float64, "float64", 1e-12),
        (np.complex64, "complex64", 1e-4),
    ],
)
def test_matmul_dtypes(rng, np_dtype, mx_dtype, tol):
    a, b = rand(rng, (4, 7, 5), np_dtype), rand(rng, (4, 5, 6), np_dtype)
    if mx_dtype == "float64":
        xa, xb = mx.array(a, dtype=mx.float64), mx.array(b, dtype=mx.float64)
    else:
        xa, xb = mx.array(a), mx.array(b)
    out = mx.matmul(xa, xb, stream=mx.cpu)
    assert out.dtype == getattr(mx, mx_dtype)
    check(out, a @ b, rtol=tol, atol=tol)


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_matmul_half(rng, dt):
    a, b = rand(rng, (3, 8, 16)), rand(rng, (16, 5))
    xa = mx.array(a).astype(getattr(mx, dt))
    xb = mx.array(b).astype(getattr(mx, dt))
    out = xa @ xb
    assert out.dtype == getattr(mx, dt)
    ref = np.array(xa.astype(mx.float32)) @ np.array(xb.astype(mx.float32))
    tol = 1e-2 if dt == "float16" else 5e-2
    check(out.astype(mx.float32), ref, rtol=tol, atol=tol)
    # Accumulation in float32, overflow only on the final rounding.
    big = mx.ones((1, 300), dtype=mx.float16) * 300
    assert np.isinf(np.array(mx.matmul(big, mx.ones((300, 1), dtype=mx.float16)).astype(mx.float32))).all()


def test_matmul_promotion():
    f16 = mx.ones((2, 3), dtype=mx.float16)
    f32 = mx.ones((3, 4))
    assert mx.matmul(f16, f32).dtype == mx.float32
    assert mx.matmul(mx.ones((2, 3), dtype=mx.int8), mx.ones((3, 4), dtype=mx.float16)).dtype == mx.float16
    assert mx.matmul(mx.ones((2, 3), dtype=mx.int64), f32).dtype == mx.float32
    assert mx.matmul(mx.ones((2, 3), dtype=mx.float16), mx.ones((3, 4), dtype=mx.bfloat16)).dtype == mx.float32
    assert mx.matmul(mx.ones((2, 3), dtype=mx.complex64), f32).dtype == mx.complex64
    assert mx.matmul(mx.ones((2, 3), dtype=mx.float64), f32).dtype == mx.float64


def test_matmul_transposed_and_broadcast_inputs(rng):
    a, b = rand(rng, (6, 5)), rand(rng, (4, 6))
    xa, xb = mx.array(a), mx.array(b)
    check(mx.transpose(xa) @ mx.transpose(xb), a.T @ b.T)
    check(xb @ xa, b @ a)
    c = rand(rng, (3, 4, 5))
    xc = mx.array(c)
    check(mx.transpose(xc, (0, 2, 1)) @ mx.transpose(xc, (0, 1, 2)),
          np.transpose(c, (0, 2, 1)) @ c)
    check(mx.transpose(xc, (1, 0, 2)) @ mx.transpose(xa), np.transpose(c, (1, 0, 2)) @ a.T)
    # Batch-axis transposes (non-uniform batch strides).
    check(mx.transpose(xc, (2, 0, 1)) @ mx.ones((4, 2)), np.transpose(c, (2, 0, 1)) @ np.ones((4, 2), np.float32))
    # A broadcast (stride 0) operand inside the matrix dims.
    col = rand(rng, (5, 1))
    bb = mx.broadcast_to(mx.array(col), (5, 3))
    check(xa @ bb, a @ np.broadcast_to(col, (5, 3)))
    bbatch = mx.broadcast_to(mx.array(a), (7, 6, 5))
    check(bbatch @ mx.transpose(xa), np.broadcast_to(a, (7, 6, 5)) @ a.T)


def test_matmul_empty():
    out = mx.matmul(mx.ones((2, 0)), mx.ones((0, 4)))
    assert out.shape == (2, 4)
    assert np.array(out).tolist() == [[0.0] * 4] * 2
    assert mx.matmul(mx.ones((0, 3)), mx.ones((3, 4))).shape == (0, 4)
    assert mx.matmul(mx.ones((2, 0, 3)), mx.ones((7, 1, 3, 4))).shape == (7, 2, 0, 4)
    assert mx.matmul(mx.ones((0,)), mx.ones((0,))).item() == 0.0


def test_matmul_errors():
    with pytest.raises(ValueError) as e:
        mx.ones((2, 3)) @ mx.ones((4, 5))
    assert str(e.value) == (
        "[matmul] Last dimension of first input with shape (2,3) must match "
        "second to last dimension of second input with shape (4,5)."
    )
    with pytest.raises(ValueError) as e:
        mx.matmul(mx.ones((3,)), mx.ones((4,)))
    assert "(1,3)" in str(e.value) and "(4,1)" in str(e.value)
    with pytest.raises(ValueError) as e:
        mx.matmul(mx.ones((2, 3), dtype=mx.int32), mx.ones((3, 4), dtype=mx.int32))
    assert str(e.value) == (
        "[matmul] Only inexact types are supported but int32 and int32 were "
        "provided which results in int32, which is not a floating point type."
    )
    with pytest.raises(ValueError):
        mx.matmul(mx.ones((2, 3), dtype=mx.bool_), mx.ones((3, 4), dtype=mx.bool_))
    with pytest.raises(ValueError) as e:
        mx.matmul(mx.ones(()), mx.ones((4,)))
    assert "Got 0 dimension input" in str(e.value)
    with pytest.raises(ValueError) as e:
        mx.matmul(mx.ones((2, 2, 3, 4)), mx.ones((5, 4, 6)))
    assert str(e.value) == "[broadcast_shapes] Shapes (2,2) and (5) cannot be broadcast."
    # Shape is checked before dtype.
    with pytest.raises(ValueError, match="Last dimension"):
        mx.matmul(mx.ones((2, 3), dtype=mx.int32), mx.ones((4, 5), dtype=mx.int32))
    # Arrays only.
    with pytest.raises(TypeError):
        mx.matmul(mx.ones((2, 3)), 2.0)
    with pytest.raises(TypeError):
        mx.ones((2, 3)) @ 2.0
    with pytest.raises(TypeError):
        mx.matmul(a=mx.ones((2, 3)), b=mx.ones((3, 2)))


def test_matmul_operators():
    assert not hasattr(mx.array, "__rmatmul__")
    x = mx.ones((3, 3))
    y = x
    x @= mx.ones((3, 3))
    assert x is y
    assert np.array(y).tolist() == [[3.0] * 3] * 3
    z = mx.ones((2, 3))
    z @= mx.ones((3, 4))
    assert z.shape == (2, 4)


def test_matmul_large_matches_numpy(rng):
    a, b = rand(rng, (257, 300)), rand(rng, (300, 129))
    check(mx.array(a) @ mx.array(b), a @ b, rtol=1e-4, atol=1e-3)


def test_addmm(rng):
    a, b, c = rand(rng, (2, 3)), rand(rng, (3, 4)), rand(rng, (2, 4))
    out = mx.addmm(mx.array(c), mx.array(a), mx.array(b))
    check(out, c + a @ b)
    out = mx.addmm(mx.array(c), mx.array(a), mx.array(b), alpha=2.0, beta=0.5)
    check(out, 0.5 * c + 2.0 * (a @ b))
    out = mx.addmm(mx.array(c), mx.array(a), mx.array(b), 2.0, 0.5)
    check(out, 0.5 * c + 2.0 * (a @ b))
    # c broadcasts; batched operands.
    c1 = rand(rng, (4,))
    a3 = rand(rng, (5, 2, 3))
    check(mx.addmm(mx.array(c1), mx.array(a3), mx.array(b)), c1 + a3 @ b, rtol=1e-4, atol=1e-4)
    # 1-D operands.
    v = rand(rng, (3,))
    check(mx.addmm(mx.array(c1), mx.array(v), mx.array(b)), c1 + v @ b)
    check(mx.addmm(mx.ones((2,)), mx.array(a), mx.array(v)), 1 + a @ v)
    check(mx.addmm(mx.ones((1,)), mx.array(a), mx.array(v)), 1 + a @ v)
    assert mx.addmm(mx.ones(()), mx.ones((3,)), mx.ones((3,))).shape == ()


def test_addmm_dtypes_and_special_values():
    assert mx.addmm(mx.ones((2, 4)), mx.ones((2, 3), dtype=mx.float16), mx.ones((3, 4), dtype=mx.float16)).dtype == mx.float32
    assert mx.addmm(mx.ones((2, 4), dtype=mx.int32), mx.ones((2, 3), dtype=mx.float16), mx.ones((3, 4), dtype=mx.float16)).dtype == mx.float16
    assert mx.addmm(mx.ones((2, 4), dtype=mx.float64), mx.ones((2, 3)), mx.ones((3, 4))).dtype == mx.float64
    out = mx.addmm(mx.array([[1 + 1j]]), mx.array([[1j]]), mx.array([[1j]]), 2.0, 3.0)
    assert out.dtype == mx.complex64
    assert np.array(out).tolist() == [[1 + 3j]]
    # float16 computes in float32 and rounds once.
    out = mx.addmm(mx.ones((2, 4), dtype=mx.float16) * 1000, mx.ones((2, 3), dtype=mx.float16) * 100,
                   mx.ones((3, 4), dtype=mx.float16) * 300, alpha=1.0, beta=-90.0)
    assert np.array(out.astype(mx.float32)).tolist() == [[0.0] * 4] * 2
    # beta = 0 ignores c (even NaN), K = 0 gives beta * c.
    nan = mx.full((2, 2), float("nan"))
    assert np.array(mx.addmm(nan, mx.ones((2, 3)), mx.ones((3, 2)), beta=0.0)).tolist() == [[3.0] * 2] * 2
    assert np.array(mx.addmm(mx.ones((2, 2)), mx.ones((2, 0)), mx.ones((0, 2)), alpha=2.0, beta=3.0)).tolist() == [[3.0] * 2] * 2


def test_addmm_errors():
    with pytest.raises(ValueError) as e:
        mx.addmm(mx.ones((2, 4), dtype=mx.int8), mx.ones((2, 3), dtype=mx.int16), mx.ones((3, 4), dtype=mx.uint8))
    assert str(e.value) == (
        "[addmm] Only real floating point types are supported but int8, int16 and uint8 "
        "were provided which results in int16, which is not a real floating point type."
    )
    with pytest.raises(ValueError) as e:
        mx.addmm(mx.ones((2, 4)), mx.ones((2, 3)), mx.ones((4, 4)))
    assert str(e.value).startswith("[addmm] Last dimension of first input with shape (2,3)")
    with pytest.raises(ValueError) as e:
        mx.addmm(mx.ones((3, 2, 4)), mx.ones((2, 3)), mx.ones((3, 4)))
    assert str(e.value) == "[addmm] input c must broadcast to the output shape"
    with pytest.raises(ValueError) as e:
        mx.addmm(mx.ones((3,)), mx.ones((2, 3)), mx.ones((3, 5)))
    assert str(e.value) == "[broadcast_shapes] Shapes (3) and (2,5) cannot be broadcast."
    with pytest.raises(ValueError, match="Got 0 dimension input"):
        mx.addmm(mx.ones((2, 4)), mx.ones(()), mx.ones((3, 4)))
    with pytest.raises(TypeError):
        mx.addmm(1.0, mx.ones((2, 3)), mx.ones((3, 4)))


def test_inner_outer(rng):
    a, b = rand(rng, (2, 3)), rand(rng, (4, 3))
    check(mx.inner(mx.array(a), mx.array(b)), np.inner(a, b))
    v = rand(rng, (3,))
    check(mx.inner(mx.array(v), mx.array(v)), np.inner(v, v))
    check(mx.inner(mx.array(np.float32(2.0)), mx.array(b)), 2.0 * b)
    with pytest.raises(ValueError) as e:
        mx.inner(mx.ones((2, 3)), mx.ones((4, 2)))
    assert str(e.value) == "[inner] a and b must have the same last dimension."
    with pytest.raises(ValueError, match="Only inexact types"):
        mx.inner(mx.ones((2, 3), dtype=mx.int32), mx.ones((4, 3), dtype=mx.int32))

    check(mx.outer(mx.array(a), mx.array(b)), np.outer(a, b))
    out = mx.outer(mx.ones((2, 3), dtype=mx.int32), mx.ones((4,), dtype=mx.int32))
    assert out.shape == (6, 4) and out.dtype == mx.int32
    assert mx.outer(mx.ones(()), mx.ones(())).shape == (1, 1)
    assert mx.outer(mx.ones((2,), dtype=mx.bool_), mx.ones((3,), dtype=mx.bool_)).dtype == mx.bool_


def test_tensordot(rng):
    a, b = rand(rng, (2, 3, 4)), rand(rng, (3, 4, 5))
    check(mx.tensordot(mx.array(a), mx.array(b)), np.tensordot(a, b), rtol=1e-4, atol=1e-4)
    c = rand(rng, (4, 5))
    check(mx.tensordot(mx.array(a), mx.array(c), 1), np.tensordot(a, c, 1), rtol=1e-4, atol=1e-4)
    d = rand(rng, (4, 3, 5))
    check(mx.tensordot(mx.array(a), mx.array(d), axes=[[1, 2], [1, 0]]),
          np.tensordot(a, d, axes=([1, 2], [1, 0])), rtol=1e-4, atol=1e-4)
    check(mx.tensordot(mx.array(a), mx.array(d), axes=([1, 2], [1, 0])),
          np.tensordot(a, d, axes=([1, 2], [1, 0])), rtol=1e-4, atol=1e-4)
    check(mx.tensordot(mx.array(a), mx.array(b), axes=[[-1], [1]]),
          np.tensordot(a, b, axes=([-1], [1])), rtol=1e-4, atol=1e-4)
    assert mx.tensordot(mx.ones((2, 3, 4)), mx.ones((3, 4, 5)), 0).shape == (2, 3, 4, 3, 4, 5)


def test_tensordot_errors():
    a, b = mx.ones((2, 3, 4)), mx.ones((3, 4, 5))
    with pytest.raises(ValueError, match=r"\[tensordot\] a and b must have the same shape on the contracted axes."):
        mx.tensordot(a, b, 1)
    with pytest.raises(ValueError, match=r"\[tensordot\] axis must be greater or equal to 0."):
        mx.tensordot(a, b, -1)
    with pytest.raises(ValueError, match=r"\[tensordot\] axis must be less than"):
        mx.tensordot(a, b, 4)
    with pytest.raises(ValueError, match=r"\[tensordot\] axes must have the same size."):
        mx.tensordot(a, b, axes=[[1], [1, 0]])
    with pytest.raises(ValueError, match=r"\[tensordot\] axes must be a list of two lists."):
        mx.tensordot(a, b, axes=[[1], [0], [0]])
    with pytest.raises(TypeError):
        mx.tensordot(a, b, axes=[1, 0])
    with pytest.raises(IndexError):
        mx.tensordot(mx.ones((2, 3)), mx.ones((3, 2)), axes=[[1], [2]])
    with pytest.raises(ValueError, match="Only inexact types"):
        mx.tensordot(mx.ones((2, 3, 4), dtype=mx.int32), mx.ones((3, 4, 5), dtype=mx.int32))


def test_kron(rng):
    a = mx.array([[1, 2], [3, 4]])
    b = mx.array([[0, 1], [1, 0]])
    out = mx.kron(a, b)
    assert out.dtype == mx.int32
    assert np.array(out).tolist() == np.kron([[1, 2], [3, 4]], [[0, 1], [1, 0]]).tolist()
    x, y = rand(rng, (2, 3, 1)), rand(rng, (3, 2))
    check(mx.kron(mx.array(x), mx.array(y)), np.kron(x, y))
    assert mx.kron(mx.ones(()), mx.ones((5,))).shape == (5,)
    assert mx.kron(a=mx.ones((2,)), b=mx.ones((3,))).shape == (6,)
    with pytest.raises(ValueError, match=r"\[kron\] Input arrays cannot be empty."):
        mx.kron(mx.ones((2, 0)), mx.ones((5,)))


def test_vecdot(rng):
    a, b = rand(rng, (4, 3)), rand(rng, (4, 3))
    check(mx.vecdot(mx.array(a), mx.array(b)), np.sum(a * b, -1))
    check(mx.vecdot(mx.array(a), mx.array(b), axis=0), np.sum(a * b, 0))
    check(mx.vecdot(mx.array(a), mx.array(b[:1])), np.sum(a * b[:1], -1))
    ca, cb = rand(rng, (2, 5), np.complex64), rand(rng, (2, 5), np.complex64)
    out = mx.vecdot(mx.array(ca), mx.array(cb))
    assert out.dtype == mx.complex64
    check(out, np.sum(np.conj(ca) * cb, -1))
    ia = mx.array([[1, 2, 3], [4, 5, 6]])
    out = mx.vecdot(ia, ia)
    assert out.dtype == mx.int32 and np.array(out).tolist() == [14, 77]
    assert mx.vecdot(mx.ones((2, 3), dtype=mx.bool_), mx.ones((2, 3), dtype=mx.bool_)).dtype == mx.int32
    assert mx.vecdot(mx.ones((2, 3), dtype=mx.uint16), mx.ones((2, 3), dtype=mx.uint16)).dtype == mx.uint32
    assert mx.vecdot(mx.ones((2, 3), dtype=mx.float16), mx.ones((2, 3), dtype=mx.int32)).dtype == mx.float16
    # Same-index positive axis with different ranks.
    m = rand(rng, (3, 3))
    v = rand(rng, (3,))
    check(mx.vecdot(mx.array(m), mx.array(v), axis=0), np.sum(m * v, 0))
    assert np.array(mx.vecdot(mx.ones((2, 0)), mx.ones((2, 0)))).tolist() == [0.0, 0.0]


def test_vecdot_errors():
    with pytest.raises(ValueError, match=r"\[vecdot\] inputs must be at least 1D."):
        mx.vecdot(mx.ones(()), mx.ones(()))
    with pytest.raises(ValueError, match=r"\[vecdot\] axis is out of bounds."):
        mx.vecdot(mx.ones((2, 3)), mx.ones((3,)))
    with pytest.raises(IndexError, match=r"\[vecdot\] axis is out of bounds."):
        mx.vecdot(mx.ones((2, 3)), mx.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match=r"\[vecdot\] a and b must have the same size along axis."):
        mx.vecdot(mx.ones((2, 3)), mx.ones((2, 1)))
    with pytest.raises(ValueError, match=r"\[broadcast_shapes\]"):
        mx.vecdot(mx.ones((2, 3)), mx.ones((2,)), axis=0)
    with pytest.raises(TypeError):
        mx.vecdot(2.0, mx.ones((3,)))


MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((1, 1), (1, 1)),
    ((5, 7), (7, 1)),
    ((4, 2, 3), (4, 3, 5)),
    ((4, 2, 3), (3, 5)),
    ((2, 3), (4, 3, 5)),
    ((5, 1, 2, 3), (4, 3, 2)),
    ((2, 1, 3, 4), (1, 6, 4, 2)),
    ((0, 3), (3, 2)),
    ((2, 0), (0, 2)),
    ((3, 0, 4), (4, 5)),
    ((33, 65), (65, 17)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul_shape_table(sa, sb, rng):
    need("matmul")
    a, an = random_mx(sa, "float32", rng, -1, 1)
    b, bn = random_mx(sb, "float32", rng, -1, 1)
    expected = np.matmul(an.astype(np.float64), bn.astype(np.float64))
    assert_array(mx.matmul(a, b), expected, dtype="float32", rtol=1e-5, atol=1e-5)
    assert_array(a @ b, expected, dtype="float32", rtol=1e-5, atol=1e-5)


MATMUL_DTYPES = [
    ("float32", "float32", "float32"),
    ("float16", "float16", "float16"),
    ("bfloat16", "bfloat16", "bfloat16"),
    ("float64", "float64", "float64"),
    ("complex64", "complex64", "complex64"),
    ("float16", "float32", "float32"),
    ("float16", "bfloat16", "float32"),
    ("int32", "float32", "float32"),
    ("int32", "float16", "float16"),
    ("complex64", "float32", "complex64"),
    ("float64", "float32", "float64"),
]


@pytest.mark.parametrize("da,db,out", MATMUL_DTYPES, ids=[f"{a}@{b}" for a, b, _ in MATMUL_DTYPES])
def test_matmul_dtype_table(da, db, out, rng):
    need("matmul")
    a, an = random_mx((3, 4), da, rng, -2, 2)
    b, bn = random_mx((4, 5), db, rng, -2, 2)
    result = mx.matmul(a, b)
    assert result.dtype == dt(out)
    wide = np.complex128 if "complex64" in (da, db) else np.float64
    expected = an.astype(wide) @ bn.astype(wide)
    tol = {"float16": 2e-2, "bfloat16": 0.1}.get(out, 1e-5)
    assert_array(result, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("layout", ["transposed_a", "transposed_b", "both", "broadcast_batch", "strided"])
def test_matmul_noncontiguous(layout, rng):
    need("matmul", "transpose", "broadcast_to", "as_strided")
    an = rng.standard_normal((4, 3)).astype(np.float32)
    bn = rng.standard_normal((5, 4)).astype(np.float32)
    a, b = mx.array(an), mx.array(bn)
    if layout == "transposed_a":
        out, exp = mx.matmul(mx.transpose(a), mx.array(bn.T.copy())), an.T @ bn.T
    elif layout == "transposed_b":
        out, exp = mx.matmul(mx.array(an.T.copy()), mx.transpose(b)), an.T @ bn.T
    elif layout == "both":
        out, exp = mx.transpose(a) @ mx.transpose(b), an.T @ bn.T
    elif layout == "broadcast_batch":
        a3 = mx.broadcast_to(mx.array(an.T.copy()), (2, 3, 4))
        out, exp = a3 @ mx.transpose(b), np.broadcast_to(an.T, (2, 3, 4)) @ bn.T
    else:
        big = rng.standard_normal((8, 6)).astype(np.float32)
        s = mx.as_strided(mx.array(big), (4, 3), (12, 2))
        out, exp = mx.transpose(s) @ mx.transpose(b), big[::2, ::2].T @ bn.T
    assert_array(out, exp.astype(np.float64), dtype="float32", rtol=1e-5, atol=1e-5)


def test_matmul_error_messages():
    need("matmul", "ones")
    with pytest.raises(ValueError, match=r"\[matmul\] Last dimension of first input with shape \(2,3\) must match second to last dimension of second input with shape \(4,5\)"):
        mx.matmul(mx.ones((2, 3)), mx.ones((4, 5)))
    with pytest.raises(ValueError, match=r"\[matmul\] Last dimension of first input"):
        mx.matmul(mx.ones((3,)), mx.ones((4,)))
    with pytest.raises(ValueError, match=r"\[matmul\] Only inexact types are supported"):
        mx.matmul(mx.ones((2, 3), dtype=mx.int32), mx.ones((3, 2), dtype=mx.int32))
    with pytest.raises(ValueError, match=r"\[matmul\] Only inexact types are supported"):
        mx.ones((2, 3), dtype=mx.bool_) @ mx.ones((3, 2), dtype=mx.bool_)
    with pytest.raises(ValueError, match=r"\[matmul\] Got 0 dimension input"):
        mx.matmul(mx.ones(()), mx.ones((3, 5)))
    with pytest.raises(ValueError, match=r"\[broadcast_shapes\]"):
        mx.matmul(mx.ones((2, 3, 4)), mx.ones((3, 4, 5)))


def test_matmul_large_values_and_empty_k():
    need("matmul", "ones", "zeros")
    out = mx.matmul(mx.ones((2, 0)), mx.ones((0, 2)))
    assert_equal(out, np.zeros((2, 2)), "float32")
    out = mx.matmul(mx.full((1, 4), 2.0), mx.full((4, 1), 3.0))
    assert_equal(out, np.array([[24.0]]), "float32")


ADDMM = [
    ((2, 2), (2, 3), (3, 2), 1.0, 1.0),
    ((2, 2), (2, 3), (3, 2), 2.0, 0.5),
    ((2,), (2, 3), (3, 2), 1.0, 1.0),
    ((1, 1), (4, 5), (5, 3), -1.0, 2.0),
    ((4, 2, 2), (4, 2, 3), (3, 2), 0.5, 1.5),
    ((3, 1), (3, 7), (7, 4), 1.0, 0.0),
]


@pytest.mark.parametrize("sc,sa,sb,alpha,beta", ADDMM, ids=[str(i) for i in range(len(ADDMM))])
def test_addmm_table(sc, sa, sb, alpha, beta, rng):
    need("addmm")
    c, cn = random_mx(sc, "float32", rng, -1, 1)
    a, an = random_mx(sa, "float32", rng, -1, 1)
    b, bn = random_mx(sb, "float32", rng, -1, 1)
    expected = alpha * (an.astype(np.float64) @ bn.astype(np.float64)) + beta * cn
    out = mx.addmm(c, a, b, alpha=alpha, beta=beta)
    assert_array(out, expected, dtype="float32", rtol=1e-5, atol=1e-5)
    out = mx.addmm(c, a, b, alpha, beta)
    assert_array(out, expected, dtype="float32", rtol=1e-5, atol=1e-5)


def test_addmm_defaults_dtypes_errors():
    need("addmm", "ones")
    out = mx.addmm(mx.ones((2, 2)), mx.ones((2, 3)), mx.ones((3, 2)))
    assert_equal(out, np.full((2, 2), 4.0), "float32")
    assert mx.addmm(mx.ones((2, 2), dtype=mx.float16), mx.ones((2, 3)), mx.ones((3, 2))).dtype == mx.float32
    f16 = mx.addmm(mx.ones((2, 2), dtype=mx.float16), mx.ones((2, 3), dtype=mx.float16), mx.ones((3, 2), dtype=mx.float16))
    assert f16.dtype == mx.float16
    with pytest.raises(ValueError, match=r"\[broadcast_shapes\]"):
        mx.addmm(mx.ones((3, 2)), mx.ones((2, 3)), mx.ones((3, 2)))
    with pytest.raises(ValueError, match=r"\[addmm\]"):
        mx.addmm(mx.ones((2, 2), dtype=mx.int32), mx.ones((2, 3), dtype=mx.int32), mx.ones((3, 2), dtype=mx.int32))


INNER = [((3,), (3,)), ((2, 3), (4, 3)), ((2, 3), (3,)), ((), (4,)), ((2, 1, 3), (5, 3))]


@pytest.mark.parametrize("sa,sb", INNER, ids=[f"{a}-{b}" for a, b in INNER])
def test_inner(sa, sb, rng):
    need("inner")
    a, an = random_mx(sa, "float32", rng, -1, 1)
    b, bn = random_mx(sb, "float32", rng, -1, 1)
    assert_array(mx.inner(a, b), np.inner(an.astype(np.float64), bn), dtype="float32", rtol=1e-5, atol=1e-6)


def test_inner_errors_and_dtypes():
    need("inner", "ones", "array")
    with pytest.raises(ValueError, match=r"\[inner\] a and b must have the same last dimension"):
        mx.inner(mx.ones((2, 3)), mx.ones((2,)))
    assert mx.inner(mx.ones((2, 3), dtype=mx.float16), mx.ones((3,))).dtype == mx.float32
    with pytest.raises(ValueError, match=r"Only inexact types are supported"):
        mx.inner(mx.array([1, 2]), mx.array([3, 4]))


OUTER = [((2,), (3,), "int32", "int32"), ((2, 2), (3,), "float32", "float32"), ((), (2,), "int32", "int32"),
         ((2,), (1,), "int8", "float32"), ((3,), (2,), "float16", "float16")]


TENSORDOT = [
    ((2, 3, 4), (3, 4, 5), 2),
    ((2, 3, 4), (4, 5), 1),
    ((2, 3), (4, 5), 0),
    ((2, 3, 4), (3, 2), ([0, 1], [1, 0])),
    ((2, 3, 4), (3, 4, 5), [[1, 2], [0, 1]]),
    ((2, 3), (3,), [[1], [0]]),
    ((4, 3, 2), (2, 3, 4), [[0, 2], [2, 0]]),
]


@pytest.mark.parametrize("sa,sb,axes", TENSORDOT, ids=[str(i) for i in range(len(TENSORDOT))])
def test_tensordot_table(sa, sb, axes, rng):
    need("tensordot")
    a, an = random_mx(sa, "float32", rng, -1, 1)
    b, bn = random_mx(sb, "float32", rng, -1, 1)
    expected = np.tensordot(an.astype(np.float64), bn.astype(np.float64), axes=axes)
    out = mx.tensordot(a, b, axes=axes)
    assert_array(out, expected, dtype="float32", rtol=1e-5, atol=1e-5)
    if axes == 2:
        assert_array(mx.tensordot(a, b), expected, dtype="float32", rtol=1e-5, atol=1e-5)


def test_tensordot_error_messages():
    need("tensordot", "ones")
    with pytest.raises(ValueError, match=r"\[tensordot\] a and b must have the same shape on the contracted axes"):
        mx.tensordot(mx.ones((2, 3)), mx.ones((4, 5)), axes=1)


KRON = [((2,), (2,), "int32", "int32"), ((2, 2), (3, 1), "float32", "float32"), ((2,), (3, 1), "float32", "float32"),
        ((), (2,), "int32", "int32"), ((2,), (1,), "int8", "float32"), ((2, 3, 1), (2, 2), "float32", "int32")]


OUTER_KRON = [("outer", *c) for c in OUTER] + [("kron", *c) for c in KRON]


@pytest.mark.parametrize("op,sa,sb,da,db", OUTER_KRON,
                         ids=[f"{c[0]}{i}" for i, c in enumerate(OUTER_KRON)])
def test_outer_kron_table(op, sa, sb, da, db, rng):
    need(op)
    a, an = random_mx(sa, da, rng, -3, 3)
    b, bn = random_mx(sb, db, rng, -3, 3)
    out = getattr(mx, op)(a, b)
    assert out.dtype == dt(PROMOTION[(da, db)])
    assert_array(out, getattr(np, op)(an.astype(np.float64), bn.astype(np.float64)))
