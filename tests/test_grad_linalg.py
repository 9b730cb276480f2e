"""Gradients (finite differences) and vmap (against a loop) of the LAPACK
linalg ops."""

import numpy as np
import pytest

import lumex.core as mx
from helpers import assert_vmap_matches_loop
from test_grad_ops import check_grads

RNG = np.random.default_rng(5)


def f64(*shape):
    return mx.array(RNG.standard_normal(shape), dtype=mx.float64)


def spd(x):
    return x @ x.swapaxes(-1, -2) + 3 * mx.eye(x.shape[-1], dtype=mx.float64)


LINALG = [
    ("inv", lambda x: mx.linalg.inv(x + 3 * mx.eye(3, dtype=mx.float64)), [(2, 3, 3)]),
    ("tri_inv", lambda x: mx.linalg.tri_inv(mx.tril(x) + 3 * mx.eye(3, dtype=mx.float64)), [(3, 3)]),
    ("tri_inv_upper",
     lambda x: mx.linalg.tri_inv(mx.triu(x) + 3 * mx.eye(3, dtype=mx.float64), upper=True), [(3, 3)]),
    ("cholesky", lambda x: mx.linalg.cholesky(spd(x)), [(2, 3, 3)]),
    ("cholesky_upper", lambda x: mx.linalg.cholesky(spd(x), upper=True), [(3, 3)]),
    ("eigvalsh", lambda x: mx.linalg.eigvalsh(x + x.T), [(4, 4)]),
    ("eigh_values", lambda x: mx.linalg.eigh(x + x.T)[0], [(4, 4)]),
    ("eigh_vectors_sq", lambda x: mx.square(mx.linalg.eigh(x + x.T)[1]), [(3, 3)]),
    ("solve", lambda a, b: mx.linalg.solve(a + 3 * mx.eye(3, dtype=mx.float64), b), [(3, 3), (3, 2)]),
    ("solve_vec", lambda a, b: mx.linalg.solve(a + 3 * mx.eye(3, dtype=mx.float64), b), [(3, 3), (3,)]),
    ("cholesky_inv", lambda x: mx.linalg.cholesky_inv(mx.linalg.cholesky(spd(x))), [(3, 3)]),
]


# MLX 0.32 has no vjp for Inverse, Cholesky, Eigh or its solve (gather).
@pytest.mark.lumex_only
@pytest.mark.parametrize("name,f,shapes", LINALG, ids=[t[0] for t in LINALG])
def test_linalg_grad(name, f, shapes):
    check_grads(f, [f64(*s) for s in shapes], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,f", [
    ("inv", lambda x: mx.linalg.inv(x)),
    ("eigvalsh", lambda x: mx.linalg.eigvalsh(x + x.T)),
    ("svd", lambda x: mx.linalg.svd(x, compute_uv=False)),
    pytest.param("qr_r", lambda x: mx.abs(mx.linalg.qr(x)[1]), marks=pytest.mark.lumex_only),
    ("cholesky", lambda x: mx.linalg.cholesky(x @ x.T + 3 * mx.eye(3))),
    pytest.param("solve", lambda x: mx.linalg.solve(x + 3 * mx.eye(3), mx.ones((3,))),
                 marks=pytest.mark.lumex_only),
])
def test_vmap_matches_loop(name, f):
    x = mx.array(RNG.standard_normal((4, 3, 3)).astype(np.float32))
    assert_vmap_matches_loop(f, x)
