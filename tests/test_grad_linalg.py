"""Gradients (finite differences) and vmap (against a loop) for the LAPACK
linalg ops, the FFT primitive and random bits."""

import numpy as np
import pytest

import lumex.core as mx
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


def fd_check_linear(f, x, tol=2e-3):
    """For a linear real map f (float32): <w, f(v)> == <f^T w, v>, and jvp == f."""
    out = f(x)
    w = mx.array(RNG.standard_normal(out.shape).astype(np.float32))
    v = mx.array(RNG.standard_normal(x.shape).astype(np.float32))
    _, (g,) = mx.vjp(f, [x], [w])
    lhs = float(np.sum(np.array(w) * np.array(f(v))))
    rhs = float(np.sum(np.array(g) * np.array(v)))
    assert np.isclose(lhs, rhs, rtol=tol, atol=tol), (lhs, rhs)
    _, (t,) = mx.jvp(f, [x], [v])
    np.testing.assert_allclose(np.array(t), np.array(f(v)), rtol=tol, atol=tol)


FFTS = [
    ("fft_real", lambda x: mx.real(mx.fft.fft(x)), (8,)),
    ("fft_imag", lambda x: mx.imag(mx.fft.fft(x, n=7)), (5,)),
    ("ifft", lambda x: mx.real(mx.fft.ifft(x)) + mx.imag(mx.fft.ifft(x)), (6,)),
    ("fft2", lambda x: mx.imag(mx.fft.fft2(x)), (3, 4)),
    ("rfft_real", lambda x: mx.real(mx.fft.rfft(x)), (8,)),
    ("rfft_imag", lambda x: mx.imag(mx.fft.rfft(x)), (7,)),
    ("rfftn", lambda x: mx.real(mx.fft.rfftn(x)) - mx.imag(mx.fft.rfftn(x)), (3, 6)),
    ("irfft", lambda x: mx.fft.irfft(x.astype(mx.complex64)), (5,)),
    # MLX's jvp of an odd-length irfft has the wrong shape.
    pytest.param("irfft_odd", lambda x: mx.fft.irfft(x.astype(mx.complex64), n=9), (5,),
                 marks=pytest.mark.lumex_only),
    ("irfft_imag", lambda x: mx.fft.irfft(x.astype(mx.complex64) * 1j), (5,)),
]


@pytest.mark.parametrize("name,f,shape", FFTS, ids=[t.values[0] if hasattr(t, "marks") else t[0] for t in FFTS])
def test_fft_grad(name, f, shape):
    fd_check_linear(f, mx.array(RNG.standard_normal(shape).astype(np.float32)))


def loop(f, x):
    xs = np.array(x)
    return np.stack([np.array(f(mx.array(xs[i]))) for i in range(xs.shape[0])])


@pytest.mark.parametrize("name,f", [
    ("inv", lambda x: mx.linalg.inv(x)),
    ("eigvalsh", lambda x: mx.linalg.eigvalsh(x + x.T)),
    ("svd", lambda x: mx.linalg.svd(x, compute_uv=False)),
    pytest.param("qr_r", lambda x: mx.abs(mx.linalg.qr(x)[1]), marks=pytest.mark.lumex_only),
    ("cholesky", lambda x: mx.linalg.cholesky(x @ x.T + 3 * mx.eye(3))),
    pytest.param("solve", lambda x: mx.linalg.solve(x + 3 * mx.eye(3), mx.ones((3,))),
                 marks=pytest.mark.lumex_only),
    ("fft", lambda x: mx.fft.fft(x)),
    ("rfft2", lambda x: mx.fft.rfft2(x)),
    ("irfft", lambda x: mx.fft.irfft(x.astype(mx.complex64), n=5)),
])
def test_vmap_matches_loop(name, f):
    x = mx.array(RNG.standard_normal((4, 3, 3)).astype(np.float32))
    np.testing.assert_allclose(np.array(mx.vmap(f)(x)), loop(f, x), rtol=1e-4, atol=1e-4)
    xt = mx.moveaxis(x, 0, 2)
    np.testing.assert_allclose(np.array(mx.vmap(f, in_axes=2)(xt)), loop(f, x), rtol=1e-4, atol=1e-4)


def test_random_vmap_over_keys():
    keys = mx.random.split(mx.random.key(7), 4)
    f = lambda k: mx.random.uniform(shape=(3,), key=k)
    np.testing.assert_array_equal(np.array(mx.vmap(f)(keys)), loop(f, keys))
    g = lambda k: mx.random.normal((2, 2), key=k)
    np.testing.assert_array_equal(np.array(mx.vmap(g, in_axes=1)(keys.T)), loop(g, keys))


def test_random_zero_grad():
    def f(x):
        return x * mx.random.uniform(shape=(3,), key=mx.random.key(0))
    g = mx.grad(lambda x: mx.sum(f(x)))(mx.ones((3,)))
    np.testing.assert_allclose(np.array(g), np.array(mx.random.uniform(shape=(3,), key=mx.random.key(0))))
