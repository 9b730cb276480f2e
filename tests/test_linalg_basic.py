"""matmul (batched, broadcast, vectors), addmm, inner, outer, tensordot, kron."""

import numpy as np
import pytest

import lumex.core as mx
from helpers import PROMOTION, assert_array, assert_equal, dt, need, random_mx

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
def test_matmul_shapes(sa, sb, rng):
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
def test_matmul_dtypes(da, db, out, rng):
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


def test_matmul_errors():
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
    out = mx.matmul(mx.full((1, 4), 2.0), mx.full((4, 1), 3.0)) if hasattr(mx, "full") else None
    if out is not None:
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
def test_addmm(sc, sa, sb, alpha, beta, rng):
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


@pytest.mark.parametrize("sa,sb,da,db", OUTER, ids=[str(i) for i in range(len(OUTER))])
def test_outer(sa, sb, da, db, rng):
    need("outer")
    a, an = random_mx(sa, da, rng, -3, 3)
    b, bn = random_mx(sb, db, rng, -3, 3)
    out = mx.outer(a, b)
    assert out.dtype == dt(PROMOTION[(da, db)])
    assert_array(out, np.outer(an.astype(np.float64), bn.astype(np.float64)))


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
def test_tensordot(sa, sb, axes, rng):
    need("tensordot")
    a, an = random_mx(sa, "float32", rng, -1, 1)
    b, bn = random_mx(sb, "float32", rng, -1, 1)
    expected = np.tensordot(an.astype(np.float64), bn.astype(np.float64), axes=axes)
    out = mx.tensordot(a, b, axes=axes)
    assert_array(out, expected, dtype="float32", rtol=1e-5, atol=1e-5)
    if axes == 2:
        assert_array(mx.tensordot(a, b), expected, dtype="float32", rtol=1e-5, atol=1e-5)


def test_tensordot_errors():
    need("tensordot", "ones")
    with pytest.raises(ValueError, match=r"\[tensordot\] a and b must have the same shape on the contracted axes"):
        mx.tensordot(mx.ones((2, 3)), mx.ones((4, 5)), axes=1)


KRON = [((2,), (2,), "int32", "int32"), ((2, 2), (3, 1), "float32", "float32"), ((2,), (3, 1), "float32", "float32"),
        ((), (2,), "int32", "int32"), ((2,), (1,), "int8", "float32"), ((2, 3, 1), (2, 2), "float32", "int32")]


@pytest.mark.parametrize("sa,sb,da,db", KRON, ids=[str(i) for i in range(len(KRON))])
def test_kron(sa, sb, da, db, rng):
    need("kron")
    a, an = random_mx(sa, da, rng, -3, 3)
    b, bn = random_mx(sb, db, rng, -3, 3)
    out = mx.kron(a, b)
    assert out.dtype == dt(PROMOTION[(da, db)])
    assert_array(out, np.kron(an.astype(np.float64), bn.astype(np.float64)))
