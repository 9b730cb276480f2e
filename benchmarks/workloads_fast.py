"""Workloads for mx.fast and quantized matmuls (registered into workloads.WORKLOADS).

Targets from issue 15: normalizations at most 1.0x PyTorch, attention at most
1.2x, and the 4-bit matrix-vector product faster than the float32 one (the
NumPy and PyTorch cells of the quantized rows are float32 products with the
same, exactly representable, weights).
"""

import numpy as np

from workloads import randn, workload

EPS = 1e-5


def _np_rms(np, x, w):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + EPS) * w


def _np_ln(np, x, w, b):
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(x.var(-1, keepdims=True) + EPS) * w + b


@workload("rms_norm", "fast.rms_norm over the last axis of (4096, 1024) f32", target=1.0,
          versus="torch")
def rms_norm():
    return (randn(4096, 1024), randn(1024)), {
        "numpy": lambda np, x, w: lambda: _np_rms(np, x, w),
        "torch": lambda torch, x, w: lambda: torch.nn.functional.rms_norm(x, (1024,), w, EPS),
        "mx": lambda mx, x, w: lambda: mx.fast.rms_norm(x, w, EPS),
    }


@workload("layer_norm", "fast.layer_norm over the last axis of (4096, 1024) f32", target=1.0,
          versus="torch")
def layer_norm():
    return (randn(4096, 1024), randn(1024), randn(1024)), {
        "numpy": lambda np, x, w, b: lambda: _np_ln(np, x, w, b),
        "torch": lambda torch, x, w, b: lambda: torch.nn.functional.layer_norm(x, (1024,), w, b, EPS),
        "mx": lambda mx, x, w, b: lambda: mx.fast.layer_norm(x, w, b, EPS),
    }


def _np_sdpa(np, q, k, v, causal):
    s = (q * 0.125) @ np.swapaxes(k, -1, -2)
    if causal:
        Lq, Lk = s.shape[-2:]
        s = np.where(np.tri(Lq, Lk, Lk - Lq, dtype=bool), s, -np.inf)
    s = np.exp(s - s.max(-1, keepdims=True))
    return (s / s.sum(-1, keepdims=True)) @ v


def _build_sdpa_grad_torch(causal):
    def build(torch, q, k, v):
        f = torch.nn.functional.scaled_dot_product_attention

        def run():
            a, b, c = (t.detach().requires_grad_() for t in (q, k, v))
            f(a, b, c, is_causal=causal, scale=0.125).sum().backward()
            return a.grad, b.grad, c.grad
        return run
    return build


def _build_sdpa_grad_mx(causal):
    def build(mx, q, k, v):
        loss = lambda a, b, c: mx.fast.scaled_dot_product_attention(
            a, b, c, scale=0.125, mask="causal" if causal else None).sum()
        g = mx.grad(loss, argnums=(0, 1, 2))
        return lambda: g(q, k, v)
    return build


def _sdpa_workloads(name, q_shape, kv_len, causal, grad=True):
    """A forward row and (with grad) a forward+backward row; PyTorch's causal
    mask is top-left aligned, so causal rows keep Lq == Lk."""
    B, H, L, D = q_shape
    what = (f"fast.scaled_dot_product_attention q ({B}, {H}, {L}, {D}), {kv_len} keys"
            + (", causal" if causal else ""))

    def setup():
        return (randn(*q_shape), randn(B, H, kv_len, D), randn(B, H, kv_len, D)), {
            "numpy": lambda np, q, k, v: lambda: _np_sdpa(np, q, k, v, causal),
            "torch": lambda torch, q, k, v: lambda: torch.nn.functional.scaled_dot_product_attention(
                q, k, v, is_causal=causal, scale=0.125),
            "mx": lambda mx, q, k, v: lambda: mx.fast.scaled_dot_product_attention(
                q, k, v, scale=0.125, mask="causal" if causal else None),
        }
    workload(name, what + ", forward", target=1.2, versus="torch")(setup)
    if not grad:
        return

    def setup_grad():
        qkv = (randn(*q_shape), randn(B, H, kv_len, D), randn(B, H, kv_len, D))
        return qkv, {"torch": _build_sdpa_grad_torch(causal), "mx": _build_sdpa_grad_mx(causal)}
    workload(name + "_grad", "gradients of sum(sdpa) w.r.t. q, k, v: " + what, target=1.2,
             versus="torch")(setup_grad)


_sdpa_workloads("sdpa_causal", (8, 8, 512, 64), 512, True)
_sdpa_workloads("sdpa_b2_causal", (2, 8, 512, 64), 512, True)
_sdpa_workloads("sdpa_b2", (2, 8, 512, 64), 512, False)
_sdpa_workloads("sdpa_decode", (2, 8, 1, 64), 1024, False, grad=False)


def _representable_4bit(n, k, gs=64):
    """Weights that 4-bit affine quantization stores exactly: levels 0..15 (both
    ends in every group) times 1/16, offset by -4/16."""
    rng = np.random.default_rng(5)
    q = rng.integers(0, 16, (n, k))
    q[:, ::gs] = 0
    q[:, 1::gs] = 15
    return ((q - 4) / 16.0).astype(np.float32)


def _qmm_workload(name, m):
    def setup():
        x, w = randn(m, 4096), _representable_4bit(4096, 4096)

        def build_mx(mx, x, w):
            wq, s, b = mx.quantize(w, group_size=64, bits=4)
            mx.eval(wq, s, b)
            return lambda: mx.quantized_matmul(x, wq, s, b, transpose=True, group_size=64, bits=4)

        return (x, w), {
            "numpy": lambda np, x, w: lambda: x @ w.T,
            "torch": lambda torch, x, w: lambda: x @ w.T,
            "mx": build_mx,
        }
    workload(name, f"quantized_matmul 4-bit ({m}, 4096) x (4096, 4096).T; NumPy/PyTorch: "
                   "the float32 product", target=1.0)(setup)


_qmm_workload("qmm_4bit_vec", 1)
_qmm_workload("qmm_4bit_256", 256)


def _sylvester(n):
    h = np.ones((1, 1), np.float32)
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h / np.float32(np.sqrt(n))


@workload("hadamard", "hadamard_transform of (1024, 4096) f32 (NumPy/PyTorch: x @ H.T, "
          "H precomputed)")
def hadamard():
    return (randn(1024, 4096), _sylvester(4096)), {
        "numpy": lambda np, x, h: lambda: x @ h.T,
        "torch": lambda torch, x, h: lambda: x @ h.T,
        "mx": lambda mx, x, h: lambda: mx.hadamard_transform(x),
    }


def _np_stft(np, x, w):
    xp = np.pad(x, [(0, 0), (256, 256)], mode="reflect")
    frames = 1 + (xp.shape[-1] - 512) // 128
    idx = np.arange(frames)[:, None] * 128 + np.arange(512)
    return np.swapaxes(np.fft.rfft(xp[:, idx] * w, axis=-1), -1, -2)


@workload("stft", "fft.stft of (8, 65536) f32, n_fft 512, hop 128, Hann window")
def stft():
    w = np.hanning(512).astype(np.float32)
    return (randn(8, 65536), w), {
        "numpy": lambda np, x, w: lambda: _np_stft(np, x, w),
        "torch": lambda torch, x, w: lambda: torch.stft(x, 512, 128, window=w, center=True,
                                                        pad_mode="reflect", return_complex=True),
        "mx": lambda mx, x, w: lambda: mx.fft.stft(x, 512, 128, window=w),
    }
