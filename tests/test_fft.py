"""mx.fft against numpy.fft: all lengths (powers of two, mixed radix, large
primes through Bluestein), n/s/axes/norm arguments, real variants, helpers."""

import numpy as np
import pytest

import lumex.core as mx
from helpers import assert_vmap_matches_loop

RNG = np.random.default_rng(0)


def cplx(*shape):
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(np.complex64)


def close(a, b, tol=2e-4):
    b = np.asarray(b)
    scale = max(1.0, float(np.abs(b).max())) if b.size else 1.0
    np.testing.assert_allclose(np.array(a), b, atol=tol * scale, rtol=tol)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 12, 15, 16, 30, 49, 64, 97, 100, 127,
                               210, 256, 509, 1000, 1024, 2003, 4096])
def test_fft_lengths(n):
    x = cplx(n)
    close(mx.fft.fft(mx.array(x)), np.fft.fft(x))
    close(mx.fft.ifft(mx.array(x)), np.fft.ifft(x))
    r = x.real.copy()
    close(mx.fft.rfft(mx.array(r)), np.fft.rfft(r))
    close(mx.fft.irfft(mx.array(x[: n // 2 + 1]), n), np.fft.irfft(x[: n // 2 + 1], n))


def test_n_axis_norm():
    x = cplx(4, 6)
    for norm in ["backward", "ortho", "forward"]:
        close(mx.fft.fft(mx.array(x), n=9, axis=0, norm=norm), np.fft.fft(x, n=9, axis=0, norm=norm))
        close(mx.fft.ifft(mx.array(x), n=3, norm=norm), np.fft.ifft(x, n=3, norm=norm))
        close(mx.fft.rfft(mx.array(x.real), n=7, norm=norm), np.fft.rfft(x.real, n=7, norm=norm))
        close(mx.fft.irfft(mx.array(x), n=7, norm=norm), np.fft.irfft(x, n=7, norm=norm))
    assert mx.fft.fft(mx.arange(4)).dtype == mx.complex64
    assert mx.fft.irfft(mx.array(x)).dtype == mx.float32


def test_nd():
    x = cplx(3, 5, 8)
    close(mx.fft.fft2(mx.array(x)), np.fft.fft2(x))
    close(mx.fft.ifft2(mx.array(x), s=(4, 6)), np.fft.ifft2(x, s=(4, 6)))
    close(mx.fft.fftn(mx.array(x)), np.fft.fftn(x))
    close(mx.fft.ifftn(mx.array(x), axes=[0, 2]), np.fft.ifftn(x, axes=[0, 2]))
    close(mx.fft.fftn(mx.array(x), s=[4, 9], axes=[1, 2]), np.fft.fftn(x, s=[4, 9], axes=[1, 2]))
    with pytest.raises(ValueError, match="axes"):
        mx.fft.fftn(mx.array(x), s=[4, 9])
    r = x.real.copy()
    close(mx.fft.rfft2(mx.array(r)), np.fft.rfft2(r))
    close(mx.fft.rfftn(mx.array(r)), np.fft.rfftn(r))
    close(mx.fft.rfftn(mx.array(r), axes=[0, 1]), np.fft.rfftn(r, axes=[0, 1]))
    y = np.fft.rfftn(r)
    close(mx.fft.irfftn(mx.array(y.astype(np.complex64))), np.fft.irfftn(y))
    close(mx.fft.irfft2(mx.array(y.astype(np.complex64)), s=(5, 9)), np.fft.irfft2(y, s=(5, 9)))


def test_helpers():
    close(mx.fft.fftfreq(5, 0.5), np.fft.fftfreq(5, 0.5))
    close(mx.fft.fftfreq(8), np.fft.fftfreq(8))
    close(mx.fft.rfftfreq(5), np.fft.rfftfreq(5))
    x = np.arange(12).reshape(3, 4)
    assert mx.fft.fftshift(mx.array(x)).tolist() == np.fft.fftshift(x).tolist()
    assert mx.fft.ifftshift(mx.array(x)).tolist() == np.fft.ifftshift(x).tolist()
    assert mx.fft.fftshift(mx.array(x), axes=1).tolist() == np.fft.fftshift(x, axes=1).tolist()


def test_errors():
    with pytest.raises(ValueError, match="Invalid FFT output size"):
        mx.fft.fft(mx.arange(4.0), n=0)
    with pytest.raises(ValueError, match="Duplicated axis"):
        mx.fft.fftn(mx.ones((2, 2)), axes=[0, 0])
    with pytest.raises(ValueError, match="different sizes"):
        mx.fft.fftn(mx.ones((2, 2)), s=[3], axes=[0, 1])
    with pytest.raises(ValueError, match="Invalid norm"):
        mx.fft.fft(mx.arange(4), norm="bad")


# Derivatives and vmap; their own generator keeps the cases above on their data.
GRAD_RNG = np.random.default_rng(5)


def fd_check_linear(f, x, tol=2e-3):
    """For a linear real map f (float32): <w, f(v)> == <f^T w, v>, and jvp == f."""
    out = f(x)
    w = mx.array(GRAD_RNG.standard_normal(out.shape).astype(np.float32))
    v = mx.array(GRAD_RNG.standard_normal(x.shape).astype(np.float32))
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
    fd_check_linear(f, mx.array(GRAD_RNG.standard_normal(shape).astype(np.float32)))


@pytest.mark.parametrize("name,f", [
    ("fft", lambda x: mx.fft.fft(x)),
    ("rfft2", lambda x: mx.fft.rfft2(x)),
    ("irfft", lambda x: mx.fft.irfft(x.astype(mx.complex64), n=5)),
])
def test_fft_vmap_matches_loop(name, f):
    x = mx.array(GRAD_RNG.standard_normal((4, 3, 3)).astype(np.float32))
    assert_vmap_matches_loop(f, x)
