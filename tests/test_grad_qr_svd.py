"""vjp and jvp of linalg.qr and linalg.svd against finite differences (float64,
well-conditioned inputs with distinct singular values). MLX 0.32 has no
derivatives for QR, SVD, LU or Eig, so these are lumex-only."""

import numpy as np
import pytest

import lumex.core as mx
from test_grad_ops import check_grads

pytestmark = pytest.mark.lumex_only

RNG = np.random.default_rng(21)


def f64(*shape):
    return mx.array(RNG.standard_normal(shape), dtype=mx.float64)


def k_of(x):
    return min(x.shape[-2], x.shape[-1])


def svd_product(x):
    # U_k diag(w) Vt_k does not depend on the signs LAPACK picks for each pair.
    u, s, vt = mx.linalg.svd(x)
    k = k_of(x)
    w = mx.arange(1, k + 1, dtype=mx.float64)
    return (u[..., :, :k] * w) @ vt[..., :k, :]


def svd_squares(x):
    u, s, vt = mx.linalg.svd(x)
    k = k_of(x)
    return mx.concatenate([mx.square(u[..., :, :k]).flatten(),
                           mx.square(vt[..., :k, :]).flatten(), s.flatten()])


SHAPES = [(3, 3), (5, 3), (3, 5), (2, 4, 4)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_singular_values(shape):
    check_grads(lambda x: mx.linalg.svd(x, compute_uv=False), [f64(*shape)],
                rtol=1e-5, atol=1e-6)
    check_grads(lambda x: mx.linalg.svd(x)[1], [f64(*shape)], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_singular_vectors(shape):
    check_grads(svd_product, [f64(*shape)], rtol=1e-5, atol=1e-6)
    check_grads(svd_squares, [f64(*shape)], rtol=1e-5, atol=1e-6)


def test_nuclear_norm_gradient_is_u_vt():
    x = f64(4, 4)
    g = mx.grad(lambda a: mx.sum(mx.linalg.svd(a, compute_uv=False)))(x)
    u, _, vt = np.linalg.svd(np.array(x))
    np.testing.assert_allclose(np.array(g), u @ vt, rtol=1e-10, atol=1e-10)


def test_full_u_tangent_stays_orthogonal():
    # The trailing columns of U are not determined by A; their tangent keeps
    # U orthogonal (U^T dU antisymmetric).
    x, dx = f64(5, 3), f64(5, 3)
    (u, s, vt), (du, ds, dvt) = mx.jvp(lambda a: mx.linalg.svd(a), [x], [dx])
    m = np.array(u).T @ np.array(du)
    np.testing.assert_allclose(m, -m.T, atol=1e-10)


QR_SHAPES = [(3, 3), (5, 3), (2, 4, 3)]


@pytest.mark.parametrize("shape", QR_SHAPES, ids=str)
def test_qr(shape):
    check_grads(lambda x: mx.linalg.qr(x)[0], [f64(*shape)], rtol=1e-5, atol=1e-6)
    check_grads(lambda x: mx.linalg.qr(x)[1], [f64(*shape)], rtol=1e-5, atol=1e-6)
    check_grads(lambda x: mx.linalg.qr(x)[0] @ mx.linalg.qr(x)[1], [f64(*shape)],
                rtol=1e-5, atol=1e-6)


def test_qr_wide_has_no_derivative():
    with pytest.raises(ValueError, match=r"\[linalg::qr\] Derivatives"):
        mx.grad(lambda x: mx.sum(mx.linalg.qr(x)[0]))(f64(3, 5))


def test_vmap_of_grad():
    xs = f64(3, 4, 4)
    g = mx.vmap(mx.grad(lambda a: mx.sum(mx.linalg.svd(a, compute_uv=False))))(xs)
    for i in range(3):
        u, _, vt = np.linalg.svd(np.array(xs[i]))
        np.testing.assert_allclose(np.array(g[i]), u @ vt, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("op", ["lu", "eig"])
def test_lu_and_eig_have_no_derivative(op):
    f = {"lu": lambda x: mx.linalg.lu(x)[1],
         "eig": lambda x: mx.real(mx.linalg.eigvals(x))}[op]
    with pytest.raises(Exception, match="vjp|derivative|[Nn]ot"):
        mx.grad(lambda x: mx.sum(f(x)))(f64(3, 3))
