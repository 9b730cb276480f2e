"""mx.fft against numpy.fft: all lengths (powers of two, mixed radix, large
primes through Bluestein), n/s/axes/norm arguments, real variants, helpers."""

import numpy as np
import pytest

import lumex.core as mx

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
