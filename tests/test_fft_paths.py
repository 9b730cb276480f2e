"""mx.fft code paths against numpy.fft: every radix and Bluestein, packed and
unpacked real lengths, lane groups of 1 to many lines, strided, transposed and
reversed inputs, inner axes, cropping and padding with every norm, and float32
accuracy."""

import numpy as np
import pytest

import lumex.core as mx

RNG = np.random.default_rng(1)
NORMS = ["backward", "ortho", "forward"]


def cplx(*shape):
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(np.complex64)


def real(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def close(a, b, tol=2e-5):
    """Error relative to the largest reference magnitude: what float32 FFTs guarantee."""
    a, b = np.array(a), np.asarray(b)
    assert a.shape == b.shape
    scale = max(1e-30, float(np.abs(b).max())) if b.size else 1.0
    err = float(np.abs(a - b).max()) / scale if b.size else 0.0
    assert err < tol, f"relative error {err:.2e}"


# Radices 2, 3, 4, 5, the direct odd primes (7 .. 31) and Bluestein (37 and up),
# as whole lengths and as factors of composite ones.
LENGTHS = [1, 2, 3, 5, 7, 8, 9, 11, 13, 18, 25, 31, 32, 37, 45, 60, 62, 74, 77, 128, 243,
           343, 500, 625, 1000, 1009, 1536, 2048, 2310, 4099, 8192]


@pytest.mark.parametrize("n", LENGTHS)
def test_lengths_batched(n):
    # 11 lines: one full group of eight and a partial one.
    x = cplx(11, n)
    close(mx.fft.fft(mx.array(x)), np.fft.fft(x))
    close(mx.fft.ifft(mx.array(x)), np.fft.ifft(x))
    r = x.real.copy()
    close(mx.fft.rfft(mx.array(r)), np.fft.rfft(r))
    h = x[:, : n // 2 + 1].copy()
    close(mx.fft.irfft(mx.array(h), n), np.fft.irfft(h, n))


@pytest.mark.parametrize("batch", [1, 2, 7, 8, 9, 64, 300])
def test_batch_sizes(batch):
    for n in [16, 30, 97]:
        x = cplx(batch, n)
        close(mx.fft.fft(mx.array(x)), np.fft.fft(x))
        r = x.real.copy()
        close(mx.fft.rfft(mx.array(r)), np.fft.rfft(r))
        close(mx.fft.irfft(mx.array(x)), np.fft.irfft(x))


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [5, 8, 12, 16, 17, 40, 64])
def test_crop_pad_norm(n, norm):
    x = cplx(3, 16)
    close(mx.fft.fft(mx.array(x), n=n, norm=norm), np.fft.fft(x, n=n, norm=norm))
    close(mx.fft.ifft(mx.array(x), n=n, norm=norm), np.fft.ifft(x, n=n, norm=norm))
    r = x.real.copy()
    close(mx.fft.rfft(mx.array(r), n=n, norm=norm), np.fft.rfft(r, n=n, norm=norm))
    close(mx.fft.irfft(mx.array(x), n=n, norm=norm), np.fft.irfft(x, n=n, norm=norm))
    close(mx.fft.fft2(mx.array(x), s=(n, 9), norm=norm), np.fft.fft2(x, s=(n, 9), norm=norm))
    close(mx.fft.irfft2(mx.array(x), s=(4, n), norm=norm),
          np.fft.irfft2(x, s=(4, n), norm=norm))


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_inner_axes(axis):
    x = cplx(6, 10, 12)
    r = x.real.copy()
    close(mx.fft.fft(mx.array(x), axis=axis), np.fft.fft(x, axis=axis))
    close(mx.fft.ifft(mx.array(x), axis=axis), np.fft.ifft(x, axis=axis))
    close(mx.fft.rfft(mx.array(r), axis=axis), np.fft.rfft(r, axis=axis))
    close(mx.fft.irfft(mx.array(x), axis=axis), np.fft.irfft(x, axis=axis))
    axes = [axis, (axis + 1) % 3]
    close(mx.fft.rfftn(mx.array(r), axes=axes), np.fft.rfftn(r, axes=axes))
    close(mx.fft.irfftn(mx.array(x), axes=axes), np.fft.irfftn(x, axes=axes))


def layouts(a):
    """(description, lumex array, numpy array) views that are not row-contiguous."""
    m = mx.array(a)
    yield "transposed", mx.swapaxes(m, 0, 1), np.swapaxes(a, 0, 1)
    yield "step 2", m[:, ::2], a[:, ::2]
    yield "reversed", m[:, ::-1], a[:, ::-1]
    yield "reversed rows", m[::-1, 1:], a[::-1, 1:]
    yield "broadcast", mx.broadcast_to(m[:1], a.shape), np.broadcast_to(a[:1], a.shape)


def test_strided_inputs():
    x = cplx(12, 24)
    for _, m, a in layouts(x):
        close(mx.fft.fft(m), np.fft.fft(a))
        close(mx.fft.ifft(m, axis=0), np.fft.ifft(a, axis=0))
        close(mx.fft.fft2(m), np.fft.fft2(a))
        close(mx.fft.irfft(m), np.fft.irfft(a))
        close(mx.fft.irfft2(m), np.fft.irfft2(a))
    r = x.real.copy()
    for _, m, a in layouts(r):
        close(mx.fft.rfft(m), np.fft.rfft(a))
        close(mx.fft.rfft(m, axis=0), np.fft.rfft(a, axis=0))
        close(mx.fft.rfft2(m), np.fft.rfft2(a))


def test_real_input_to_complex_fft():
    r = real(9, 20)
    close(mx.fft.fft(mx.array(r)), np.fft.fft(r))
    close(mx.fft.fftn(mx.array(r)), np.fft.fftn(r))


def test_irfft_ignores_imaginary_dc_and_nyquist():
    x = cplx(4, 9)
    for n in [16, 17]:
        close(mx.fft.irfft(mx.array(x), n=n), np.fft.irfft(x, n=n))


def test_round_trip_long():
    # One long line (a single lane) and a long Bluestein length.
    for n in [1 << 16, 65537]:
        r = real(n)
        y = mx.fft.rfft(mx.array(r))
        close(y, np.fft.rfft(r.astype(np.float64)), tol=5e-5)
        close(mx.fft.irfft(y, n), r, tol=5e-5)


@pytest.mark.parametrize("n", [1024, 1000, 4099])
def test_float32_accuracy(n):
    # Compared with a float64 reference: errors stay at a few float32 ulps.
    x = cplx(16, n)
    ref = np.fft.fft(x.astype(np.complex128))
    close(mx.fft.fft(mx.array(x)), ref, tol=5e-6)
    r = x.real.copy()
    close(mx.fft.rfft(mx.array(r)), np.fft.rfft(r.astype(np.float64)), tol=5e-6)


@pytest.mark.parametrize("n", [4096, 6000, 8191, 2 * 4099, 3 ** 8, 1 << 15])
def test_long_lines(n):
    # Fewer than eight long lines take the four-step path (Bluestein for the
    # prime and twice-prime lengths), strided and reversed ones included.
    x = cplx(3, n)
    close(mx.fft.fft(mx.array(x)), np.fft.fft(x))
    close(mx.fft.ifft(mx.array(x), norm="ortho"), np.fft.ifft(x, norm="ortho"))
    m, a = mx.array(x)[:, ::-1], x[:, ::-1]
    close(mx.fft.fft(m), np.fft.fft(a))
    t = np.ascontiguousarray(x.T)
    close(mx.fft.fft(mx.array(t), axis=0), np.fft.fft(t, axis=0))
    r = x.real.copy()
    close(mx.fft.rfft(mx.array(r)), np.fft.rfft(r))
    close(mx.fft.rfft(mx.array(r)[:, ::-1]), np.fft.rfft(r[:, ::-1]))
    for norm in NORMS:
        close(mx.fft.rfft(mx.array(r), norm=norm), np.fft.rfft(r, norm=norm))
        close(mx.fft.fft(mx.array(x), norm=norm), np.fft.fft(x, norm=norm))
    close(mx.fft.rfft(mx.array(np.ascontiguousarray(r.T)), axis=0), np.fft.rfft(r.T, axis=0))
    h = x[:, : n // 2 + 1].copy()
    close(mx.fft.irfft(mx.array(h), n), np.fft.irfft(h, n))
    close(mx.fft.irfft(mx.array(h)[::-1], n, norm="forward"),
          np.fft.irfft(h[::-1], n, norm="forward"))
    close(mx.fft.irfft(mx.array(np.ascontiguousarray(h.T)), n, axis=0),
          np.fft.irfft(h.T, n, axis=0))


@pytest.mark.parametrize("n", [7, 8, 9, 16])
def test_columns(n):
    # Lines along axis 0 of wide arrays: whole lane groups adjacent in memory.
    x = cplx(n, 40)
    r = x.real.copy()
    close(mx.fft.fft(mx.array(x), axis=0), np.fft.fft(x, axis=0))
    close(mx.fft.rfft(mx.array(r), axis=0), np.fft.rfft(r, axis=0))
    for m in [n, n + 1]:
        close(mx.fft.irfft(mx.array(x), n=m, axis=0), np.fft.irfft(x, n=m, axis=0))
        close(mx.fft.irfft(mx.array(x)[::-1], n=m, axis=0), np.fft.irfft(x[::-1], n=m, axis=0))


NORMED = [
    ("fft", lambda x, norm: mx.imag(mx.fft.fft(x, norm=norm)), (6,)),
    ("ifft", lambda x, norm: mx.real(mx.fft.ifft(x, n=8, norm=norm)), (6,)),
    ("rfft", lambda x, norm: mx.real(mx.fft.rfft(x, norm=norm)), (8,)),
    ("irfft", lambda x, norm: mx.fft.irfft(x.astype(mx.complex64), norm=norm), (5,)),
    ("rfft2", lambda x, norm: mx.imag(mx.fft.rfft2(x, norm=norm)), (3, 4)),
]


@pytest.mark.parametrize("norm", ["ortho", "forward"])
@pytest.mark.parametrize("name,f,shape", NORMED, ids=[t[0] for t in NORMED])
def test_norm_grad_and_vmap(name, f, shape, norm):
    # The norm is a scale: vjp and jvp carry it, and so does vmap.
    fn = lambda x: f(x, norm)
    x = mx.array(real(*shape))
    w = mx.array(real(*fn(x).shape))
    v = mx.array(real(*shape))
    _, (g,) = mx.vjp(fn, [x], [w])
    lhs = float(np.sum(np.array(w) * np.array(fn(v))))
    assert np.isclose(lhs, float(np.sum(np.array(g) * np.array(v))), rtol=2e-3, atol=2e-3)
    _, (t,) = mx.jvp(fn, [x], [v])
    close(t, np.array(fn(v)), tol=1e-5)
    xs = real(3, *shape)
    close(mx.vmap(fn)(mx.array(xs)), np.stack([np.array(fn(mx.array(r))) for r in xs]), tol=1e-5)


def test_many_huge_lines():
    # Lines past 65536 elements run four-step even when there are many.
    x = cplx(9, 65538)
    close(mx.fft.fft(mx.array(x)), np.fft.fft(x))
    r = real(8, 1 << 17)
    y = np.fft.rfft(r)
    close(mx.fft.rfft(mx.array(r)), y)
    close(mx.fft.irfft(mx.array(y.astype(np.complex64))), r)


@pytest.mark.parametrize("shape", [(8,), (10,), (5, 64), (3, 4096), (1, 1 << 17)])
def test_real_dc_and_nyquist_bins_are_real(shape):
    # A real signal's DC and (even n) Nyquist bins are real numbers: their
    # imaginary parts are exactly 0, as in NumPy and MLX, not rounding residue.
    x = real(*shape)
    y = np.array(mx.fft.rfft(mx.array(x)))
    assert np.all(y[..., 0].imag == 0)
    assert np.all(y[..., -1].imag == 0)
    close(y, np.fft.rfft(x))
