"""mx.linalg factorizations, inverses, solvers and norms against numpy.linalg,
batched, plus bad input."""

import numpy as np
import pytest

import lumex.core as mx

RNG = np.random.default_rng(1)


def rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def spd(n, batch=()):
    a = rand(*batch, n, n, dtype=np.float64)
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(np.float32)


def close(a, b, tol=1e-4):
    np.testing.assert_allclose(np.array(a), np.asarray(b), rtol=tol, atol=tol)


def test_inv_batched_and_float64():
    a = rand(3, 5, 5) + 5 * np.eye(5, dtype=np.float32)
    close(mx.linalg.inv(mx.array(a)), np.linalg.inv(a))
    d = a.astype(np.float64)
    r = mx.linalg.inv(mx.array(a).astype(mx.float64))
    assert r.dtype == mx.float64
    close(r, np.linalg.inv(d), 1e-10)
    # Non-contiguous input (a transpose view).
    close(mx.linalg.inv(mx.array(a).swapaxes(-1, -2)), np.linalg.inv(np.swapaxes(a, -1, -2)))


def test_tri_inv_cholesky():
    a = spd(4, (2,))
    l = mx.linalg.cholesky(mx.array(a))
    close(l, np.linalg.cholesky(a))
    u = mx.linalg.cholesky(mx.array(a), upper=True)
    close(u, np.swapaxes(np.linalg.cholesky(a), -1, -2))
    close(mx.linalg.tri_inv(l), np.linalg.inv(np.array(l)))
    close(mx.linalg.tri_inv(u, upper=True), np.linalg.inv(np.array(u)))
    close(mx.linalg.cholesky_inv(l), np.linalg.inv(a))
    close(mx.linalg.cholesky_inv(u, upper=True), np.linalg.inv(a))


def test_qr_svd():
    for shape in [(5, 3), (3, 5), (4, 4), (2, 6, 4)]:
        a = rand(*shape)
        q, r = mx.linalg.qr(mx.array(a))
        close(q @ r, a)
        k = min(shape[-2:])
        assert q.shape == shape[:-1] + (k,) and r.shape == shape[:-2] + (k, shape[-1])
        close(np.triu(np.array(r)), np.array(r))
        u, s, vt = mx.linalg.svd(mx.array(a))
        close(s, np.linalg.svd(a, compute_uv=False))
        m, n = shape[-2:]
        sm = np.zeros(shape[:-2] + (m, n), np.float32)
        idx = np.arange(k)
        sm[..., idx, idx] = np.array(s)
        close(np.array(u) @ sm @ np.array(vt), a)
        close(mx.linalg.svd(mx.array(a), compute_uv=False), np.linalg.svd(a, compute_uv=False))


def test_eigh_eig():
    a = spd(5, (3,))
    w, v = mx.linalg.eigh(mx.array(a))
    close(w, np.linalg.eigvalsh(a), 1e-3)
    close(np.array(v) @ (np.array(w)[..., None] * np.swapaxes(np.array(v), -1, -2)), a, 1e-3)
    close(mx.linalg.eigvalsh(mx.array(a), UPLO="U"), np.linalg.eigvalsh(a, UPLO="U"), 1e-3)
    b = rand(4, 4)
    w, v = mx.linalg.eig(mx.array(b))
    assert w.dtype == mx.complex64
    np.testing.assert_allclose(np.sort_complex(np.array(w)), np.sort_complex(np.linalg.eigvals(b)),
                               atol=1e-4)
    close(b @ np.array(v), np.array(v) * np.array(w)[None, :], 1e-4)
    np.testing.assert_allclose(np.sort_complex(np.array(mx.linalg.eigvals(mx.array(b)))),
                               np.sort_complex(np.linalg.eigvals(b)), atol=1e-4)


def test_lu_solve_det():
    a = rand(2, 4, 4)
    p, l, u = mx.linalg.lu(mx.array(a))
    p, l, u = np.array(p), np.array(l), np.array(u)
    for i in range(2):
        close((l[i] @ u[i])[p[i]], a[i])
    lu, piv = mx.linalg.lu_factor(mx.array(a[0]))
    assert piv.dtype == mx.uint32
    b = rand(2, 4, 3)
    close(mx.linalg.solve(mx.array(a), mx.array(b)), np.linalg.solve(a, b), 1e-3)
    v = rand(4)
    close(mx.linalg.solve(mx.array(a[0]), mx.array(v)), np.linalg.solve(a[0], v), 1e-3)
    t = np.tril(a[0]) + 4 * np.eye(4, dtype=np.float32)
    close(mx.linalg.solve_triangular(mx.array(t), mx.array(b[0])), np.linalg.solve(t, b[0]))
    close(mx.linalg.det(mx.array(a)), np.linalg.det(a), 1e-3)
    sg, la = mx.linalg.slogdet(mx.array(a))
    nsg, nla = np.linalg.slogdet(a)
    close(sg, nsg)
    close(la, nla, 1e-3)


@pytest.mark.parametrize("shape", [(2, 3), (3, 2), (2, 5, 3), (4, 1), (1, 4)])
def test_lu_non_square(shape):
    # L is (M, K) unit lower, U is (K, N) upper, K = min(M, N), and (L @ U)[p] = a.
    a = rand(*shape)
    p, l, u = (np.array(x) for x in mx.linalg.lu(mx.array(a)))
    m, n = shape[-2:]
    k = min(m, n)
    assert l.shape == shape[:-2] + (m, k) and u.shape == shape[:-2] + (k, n)
    assert p.shape == shape[:-2] + (m,)
    np.testing.assert_array_equal(np.triu(l, 1), 0)
    np.testing.assert_array_equal(np.diagonal(l, axis1=-2, axis2=-1), 1)
    np.testing.assert_array_equal(np.tril(u, -1), 0)
    lu_ = l @ u
    close(np.take_along_axis(lu_, p[..., None].astype(np.int64), axis=-2), a, 1e-5)


def test_lu_non_square_matches_mlx():
    # Values printed by mlx 0.32.4 for this matrix (partial pivoting is deterministic).
    p, l, u = mx.linalg.lu(mx.array([[3.0, 1.0], [1.0, 8.0], [9.0, 2.0]]))
    assert p.tolist() == [2, 1, 0]
    close(l, np.array([[1, 0], [1 / 9, 1], [1 / 3, 0.0428571]], np.float32), 1e-5)
    close(u, np.array([[9, 2], [0, 7.77778]], np.float32), 1e-5)


def test_pinv_cross():
    a = rand(5, 3)
    close(mx.linalg.pinv(mx.array(a)), np.linalg.pinv(a), 1e-3)
    x, y = rand(4, 3), rand(4, 3)
    close(mx.linalg.cross(mx.array(x), mx.array(y)), np.cross(x, y))
    close(mx.linalg.cross(mx.array(x.T), mx.array(y.T), axis=0), np.cross(x.T, y.T, axis=0))


@pytest.mark.parametrize("ord", [None, 1, 2, -1, -2, np.inf, -np.inf, "fro", "nuc"])
def test_matrix_norm(ord):
    a = rand(3, 4, 5)
    close(mx.linalg.norm(mx.array(a), ord=ord, axis=(1, 2)), np.linalg.norm(a, ord=ord, axis=(1, 2)), 1e-3)
    close(mx.linalg.norm(mx.array(a[0]), ord=ord, keepdims=True),
          np.linalg.norm(a[0], ord=ord, keepdims=True), 1e-3)


@pytest.mark.parametrize("ord", [None, 0, 1, 2, 3, 0.5, np.inf, -np.inf])
def test_vector_norm(ord):
    a = rand(3, 4)
    close(mx.linalg.norm(mx.array(a), ord=ord, axis=1), np.linalg.norm(a, ord=ord, axis=1), 1e-4)
    close(mx.linalg.norm(mx.array(a[0]), ord=ord), np.linalg.norm(a[0], ord=ord), 1e-4)
    if ord is None:
        close(mx.linalg.norm(mx.array(a)), np.linalg.norm(a))


def test_errors():
    with pytest.raises(RuntimeError):
        mx.eval(mx.linalg.inv(mx.zeros((2, 2))))
    with pytest.raises(ValueError, match="square"):
        mx.linalg.inv(mx.zeros((2, 3)))
    with pytest.raises(ValueError, match=">= 2 dimensions"):
        mx.linalg.inv(mx.zeros((3,)))
    with pytest.raises(ValueError, match="float32 or float64"):
        mx.linalg.inv(mx.eye(2, dtype=mx.int32))
    with pytest.raises(RuntimeError):
        mx.eval(mx.linalg.solve(mx.zeros((2, 2)), mx.ones(2)))
    with pytest.raises(ValueError):
        mx.linalg.cross(mx.ones((4,)), mx.ones((4,)))


@pytest.mark.lumex_only
def test_cholesky_not_positive_definite_raises():
    # MLX returns garbage here; lumex reports the failure.
    with pytest.raises(RuntimeError, match="positive definite"):
        mx.eval(mx.linalg.cholesky(-mx.eye(2)))


def crand(*shape):
    return (rand(*shape) + 1j * rand(*shape)).astype(np.complex64)


def test_complex_eigh():
    # Hermitian complex64 input (MLX accepts it): real eigenvalues, complex vectors.
    a = crand(3, 5, 5)
    a = a + np.conj(np.swapaxes(a, -1, -2))
    for uplo in ("L", "U"):
        w, v = mx.linalg.eigh(mx.array(a), UPLO=uplo)
        assert w.dtype == mx.float32 and v.dtype == mx.complex64
        close(w, np.linalg.eigvalsh(a, UPLO=uplo), 1e-3)
        w, v = np.array(w), np.array(v)
        close(a @ v, v * w[..., None, :], 1e-3)
        wo = mx.linalg.eigvalsh(mx.array(a), UPLO=uplo)
        assert wo.dtype == mx.float32
        close(wo, w, 1e-4)


def test_complex_eig():
    a = crand(2, 4, 4)
    w, v = mx.linalg.eig(mx.array(a))
    assert w.dtype == mx.complex64 and v.dtype == mx.complex64
    w, v = np.array(w), np.array(v)
    close(a @ v, v * w[..., None, :], 1e-3)
    np.testing.assert_allclose(np.sort_complex(w), np.sort_complex(np.linalg.eigvals(a)),
                               atol=1e-3)
    np.testing.assert_allclose(np.sort_complex(np.array(mx.linalg.eigvals(mx.array(a)))),
                               np.sort_complex(np.linalg.eigvals(a)), atol=1e-3)


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (2, 5, 3)])
def test_complex_svd(shape):
    a = crand(*shape)
    u, s, vt = mx.linalg.svd(mx.array(a))
    assert (u.dtype, s.dtype, vt.dtype) == (mx.complex64, mx.float32, mx.complex64)
    close(s, np.linalg.svd(a, compute_uv=False), 1e-3)
    u, s, vt = np.array(u), np.array(s), np.array(vt)
    k = s.shape[-1]
    close((u[..., :, :k] * s[..., None, :]) @ vt[..., :k, :], a, 1e-3)
    so = mx.linalg.svd(mx.array(a), compute_uv=False)
    assert so.dtype == mx.float32
    close(so, s, 1e-4)


def test_complex_linalg_errors():
    c = mx.array(crand(3, 3))
    with pytest.raises(ValueError, match="complex inputs are not supported"):
        mx.grad(lambda x: mx.linalg.eigvalsh(x).sum())(c)
    with pytest.raises(ValueError, match="float32 or float64"):
        mx.linalg.inv(c)
    with pytest.raises(ValueError, match="float32, float64 or complex64"):
        mx.linalg.eigh(mx.eye(3, dtype=mx.int32))
