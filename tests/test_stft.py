"""fft.stft / fft.istft against a NumPy reference written from the definition
(frames, window centred in n_fft, overlap-add divided by the squared-window
envelope), round trips, gradients and errors."""

import numpy as np
import pytest

import lumex.core as mx

RNG = np.random.default_rng(8)


def full_window(n_fft, win_length, window):
    w = np.ones(win_length) if window is None else np.asarray(window, np.float64)
    left = (n_fft - len(w)) // 2
    return np.concatenate([np.zeros(left), w, np.zeros(n_fft - len(w) - left)])


def np_stft(x, n_fft, hop=None, win_length=None, window=None, center=True, pad_mode="reflect",
            norm="backward", onesided=None):
    hop = hop or n_fft // 4
    w = full_window(n_fft, win_length or n_fft, window)
    onesided = (not np.iscomplexobj(x)) if onesided is None else onesided
    if center:
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(n_fft // 2, n_fft // 2)], mode=pad_mode)
    frames = 1 + (x.shape[-1] - n_fft) // hop
    idx = np.arange(frames)[:, None] * hop + np.arange(n_fft)
    f = np.fft.fft(x[..., idx] * w, axis=-1, norm=norm)
    if onesided:
        f = f[..., : n_fft // 2 + 1]
    return np.swapaxes(f, -1, -2)


def np_istft(S, n_fft, hop=None, window=None, center=True, norm="backward", onesided=True,
             length=None):
    hop = hop or n_fft // 4
    w = full_window(n_fft, n_fft, window)
    F = np.swapaxes(S, -1, -2)
    fr = (np.fft.irfft(F, n=n_fft, axis=-1, norm=norm) if onesided
          else np.fft.ifft(F, n=n_fft, axis=-1, norm=norm).real) * w
    frames = S.shape[-1]
    total = (frames - 1) * hop + n_fft
    y = np.zeros(S.shape[:-2] + (total,))
    env = np.zeros(total)
    for i in range(frames):
        y[..., i * hop:i * hop + n_fft] += fr[..., i, :]
        env[i * hop:i * hop + n_fft] += w**2
    y = np.where(env > 1e-11, y / np.where(env > 1e-11, env, 1), y)
    start = n_fft // 2 if center else 0
    stop = start + length if length is not None else (total - start if center else total)
    y = np.concatenate([y, np.zeros(y.shape[:-1] + (max(0, stop - total),))], -1)
    return y[..., start:stop]


def lumex_args(kw):
    """The reference's keywords as lumex's: hop -> hop_length, windows as arrays."""
    args = dict(kw)
    if "hop" in args:
        args["hop_length"] = args.pop("hop")
    if "window" in args:
        args["window"] = mx.array(args["window"])
    return args


X = RNG.normal(size=(2, 50)).astype(np.float32)
HANN = np.hanning(16).astype(np.float32)


@pytest.mark.parametrize("kw", [
    dict(n_fft=16), dict(n_fft=16, hop=5), dict(n_fft=16, win_length=10),
    dict(n_fft=16, window=HANN), dict(n_fft=16, window=np.hanning(10).astype(np.float32)),
    dict(n_fft=16, center=False), dict(n_fft=16, pad_mode="constant"),
    dict(n_fft=16, pad_mode="edge"), dict(n_fft=16, norm="ortho"), dict(n_fft=16, norm="forward"),
    dict(n_fft=16, onesided=False), dict(n_fft=15), dict(n_fft=7, hop=3)])
def test_stft_matches_reference(kw):
    args = lumex_args(kw)
    got = mx.fft.stft(mx.array(X), **args)
    want = np_stft(X.astype(np.float64), **kw)
    assert got.dtype == mx.complex64 and got.shape == want.shape
    np.testing.assert_allclose(np.array(got), want, atol=3e-5)


def test_stft_input_kinds():
    x = X.astype(np.float64)
    np.testing.assert_allclose(np.array(mx.fft.stft(mx.array(X[0]), n_fft=16)),
                               np_stft(x[0], 16), atol=3e-5)
    got = mx.fft.stft(mx.array(X).astype(mx.complex64), n_fft=16)  # two-sided by default
    np.testing.assert_allclose(np.array(got), np_stft(x.astype(complex), 16), atol=3e-5)
    got = mx.fft.stft(mx.array(X).astype(mx.complex64), n_fft=16, onesided=True)
    np.testing.assert_allclose(np.array(got), np_stft(x, 16), atol=3e-5)
    # One-sided frames of a complex signal are rfft's, of the real part (as MLX).
    z = X + 1j * X[::-1]
    got = mx.fft.stft(mx.array(z.astype(np.complex64)), n_fft=16, onesided=True)
    np.testing.assert_allclose(np.array(got), np_stft(z.real.astype(np.float64), 16), atol=3e-5)
    assert mx.fft.stft(mx.arange(50), n_fft=16).dtype == mx.complex64
    assert mx.fft.stft(mx.array(X, dtype=mx.float64), n_fft=16).dtype == mx.complex64
    # Shorter than the reflection: the mirror repeats, as numpy.pad does.
    np.testing.assert_allclose(np.array(mx.fft.stft(mx.array(X[:, :5]), n_fft=16)),
                               np_stft(x[:, :5], 16), atol=3e-5)
    assert mx.fft.stft(mx.ones(3000)).shape == (1025, 6)


@pytest.mark.parametrize("kw", [
    dict(n_fft=16, hop=4, window=HANN), dict(n_fft=16, hop=4, window=HANN, length=50),
    dict(n_fft=16, hop=4, window=HANN, length=60), dict(n_fft=16),
    dict(n_fft=16, hop=16, window=HANN), dict(n_fft=16, hop=4, window=HANN, norm="ortho"),
    dict(n_fft=16, hop=4, center=False), dict(n_fft=18)])
def test_istft_matches_reference(kw):
    S = np.array(mx.fft.stft(mx.array(X), n_fft=16, hop_length=4, window=mx.array(HANN)))
    args = lumex_args(kw)
    got = mx.fft.istft(mx.array(S), **args)
    want = np_istft(S.astype(np.complex128), **kw)
    assert got.dtype == mx.float32 and got.shape == want.shape
    np.testing.assert_allclose(np.array(got), want, atol=3e-5)


@pytest.mark.parametrize("window", [None, HANN])
@pytest.mark.parametrize("onesided", [True, False])
def test_round_trip(window, onesided):
    w = None if window is None else mx.array(window)
    S = mx.fft.stft(mx.array(X), n_fft=16, hop_length=4, window=w, onesided=onesided)
    y = mx.fft.istft(S, n_fft=16, hop_length=4, window=w, onesided=onesided, length=50)
    np.testing.assert_allclose(np.array(y), X, atol=1e-5)


def linear_vjp_check(f, x):
    """f is linear (and computes in float32): f(x + v) - f(x) is exactly J v, so
    <w, J v> from two evaluations checks the vjp <J^T w, v> and the jvp J v."""
    out = f(x)
    w = mx.array(RNG.normal(size=out.shape).astype(np.float32))
    v = mx.array(RNG.normal(size=x.shape).astype(np.float32))
    jv = np.array(f(x + v)) - np.array(out)
    _, (g,) = mx.vjp(f, [x], [w])
    np.testing.assert_allclose(float(np.sum(np.array(w) * jv)),
                               float(np.sum(np.array(g) * np.array(v))), rtol=1e-4)
    _, (t,) = mx.jvp(f, [x], [v])
    np.testing.assert_allclose(np.array(t), jv, atol=1e-4)


def test_grads():
    x = mx.array(RNG.normal(size=(40,)).astype(np.float32))
    w = mx.array(np.hanning(8).astype(np.float32))
    for part in (mx.real, mx.imag):
        linear_vjp_check(lambda v: part(mx.fft.stft(v, n_fft=8, hop_length=3, window=w)), x)
    S = mx.fft.stft(x, n_fft=8, hop_length=2, window=w)
    linear_vjp_check(lambda re: mx.fft.istft(re.astype(mx.complex64), n_fft=8, hop_length=2,
                                             window=w), mx.real(S))


def test_vmap():
    xs = mx.array(RNG.normal(size=(3, 40)).astype(np.float32))
    got = mx.vmap(lambda v: mx.fft.stft(v, n_fft=8))(xs)
    np.testing.assert_allclose(np.array(got), np.array(mx.fft.stft(xs, n_fft=8)), atol=1e-5)


def test_errors():
    x = mx.array(X)
    S = mx.fft.stft(x, n_fft=16)
    cases = [
        (lambda: mx.fft.stft(mx.array(1.0), n_fft=16), "at least one dimension"),
        (lambda: mx.fft.stft(x[:, :5], n_fft=16, center=False), "too short"),
        (lambda: mx.fft.stft(x, n_fft=0), "n_fft must be positive"),
        (lambda: mx.fft.stft(x, n_fft=16, hop_length=0), "hop_length must be positive"),
        (lambda: mx.fft.stft(x, n_fft=16, win_length=20), "must not exceed n_fft"),
        (lambda: mx.fft.stft(x, n_fft=8, window=mx.ones(9)), "must not exceed n_fft"),
        (lambda: mx.fft.stft(x, n_fft=8, window=mx.ones((2, 4))), "one-dimensional"),
        (lambda: mx.fft.stft(x, n_fft=16, norm="xx"), "Invalid norm"),
        (lambda: mx.fft.stft(x, n_fft=16, pad_mode="wrap"), "Invalid padding mode"),
        (lambda: mx.fft.istft(mx.zeros((5,), dtype=mx.complex64)), "at least two dimensions"),
        (lambda: mx.fft.istft(S, n_fft=0), "n_fft must be positive"),
        (lambda: mx.fft.istft(S, hop_length=0), "hop_length must be positive"),
        (lambda: mx.fft.istft(S, norm="x"), "Invalid norm"),
        (lambda: mx.fft.istft(S, length=-1), "non-negative"),
    ]
    for f, text in cases:
        with pytest.raises(ValueError, match=text):
            f()
