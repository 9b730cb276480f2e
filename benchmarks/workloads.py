"""Benchmark workloads: one registered function each.

A workload function does the framework-independent setup and returns
``(inputs, impls)``:

* ``inputs``: a tuple of NumPy arrays, made once and shared by every framework.
  The runner converts them (``torch.from_numpy``, ``mx.array`` + ``mx.eval``)
  outside the timed region.
* ``impls``: ``{kind: build}`` with kind ``"numpy"``, ``"torch"`` or ``"mx"``
  (the last serves both ``lumex.core`` and ``mlx.core``, which share an API).
  ``build(lib, *converted_inputs)`` does any untimed preparation (compiling,
  wrapping in value_and_grad, ...) and returns a zero-argument function that
  runs the workload once and returns its result. For ``"mx"`` the runner
  calls ``mx.eval`` on that result inside the timed region, so builds never
  need to.

The result doubles as a correctness check against NumPy's: it may be an array
or a tuple whose first element is compared. A build or run that raises turns
that cell into "n/a", which is how missing lumex APIs show up.
"""

import numpy as np

WORKLOADS = []


class Workload:
    def __init__(self, name, desc, setup, target=None, versus="best"):
        self.name, self.desc, self.setup = name, desc, setup
        # The speed issue's target: lumex time / baseline time must be <= target.
        # versus names the baseline: "best" (faster of NumPy and PyTorch),
        # "numpy" or "torch".
        self.target, self.versus = target, versus


def workload(name, desc, target=None, versus="best"):
    def register(setup):
        WORKLOADS.append(Workload(name, desc, setup, target, versus))
        return setup
    return register


def same_code(f):
    """impls for a body that reads the same in every framework: f(lib, *arrays)."""
    build = lambda lib, *args: lambda: f(lib, *args)
    return {"numpy": build, "torch": build, "mx": build}


def randn(*shape):
    # Fixed seed so every framework (and every run) sees the same data.
    return np.random.default_rng(0).standard_normal(shape, dtype=np.float32)


# --- elementwise -------------------------------------------------------------

N_ELEM = 4 * 1024 * 1024


def chain(lib, x):
    return lib.sin(x) * 2 + lib.exp(-x * x)


@workload("elementwise", "sin(x)*2 + exp(-x*x), 4M f32", target=1.0)
def elementwise():
    return (randn(N_ELEM),), same_code(chain)


@workload("elementwise_compiled", "same, mx.compile (numpy/torch eager)", target=0.4)
def elementwise_compiled():
    def build_mx(mx, x):
        f = mx.compile(lambda a: chain(mx, a))
        return lambda: f(x)
    impls = same_code(chain)
    impls["mx"] = build_mx
    return (randn(N_ELEM),), impls


@workload("broadcast_add", "(4096,4096) + (4096,)", target=1.0)
def broadcast_add():
    return (randn(4096, 4096), randn(4096)), same_code(lambda lib, a, b: a + b)


# --- reductions --------------------------------------------------------------

def _sum_over(axis):
    return {
        "numpy": lambda np, a: lambda: np.sum(a, axis=axis),
        "torch": lambda torch, a: lambda: torch.sum(a, dim=axis),
        "mx": lambda mx, a: lambda: mx.sum(a, axis=axis),
    }


@workload("sum_axis0", "sum over axis 0 of (4096,4096)", target=1.0)
def sum_axis0():
    return (randn(4096, 4096),), _sum_over(0)


@workload("sum_axis1", "sum over axis 1 of (4096,4096)", target=1.0)
def sum_axis1():
    return (randn(4096, 4096),), _sum_over(1)


def _softmax_np(np, x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


@workload("softmax", "softmax over last axis of (1024,4096)", target=1.0)
def softmax():
    return (randn(1024, 4096),), {
        "numpy": lambda np, x: lambda: _softmax_np(np, x),
        "torch": lambda torch, x: lambda: torch.softmax(x, dim=-1),
        "mx": lambda mx, x: lambda: mx.softmax(x, axis=-1),
    }


# --- scans -------------------------------------------------------------------

def _cumsum_over(axis):
    return {
        "numpy": lambda np, a: lambda: np.cumsum(a, axis=axis),
        "torch": lambda torch, a: lambda: torch.cumsum(a, dim=axis),
        "mx": lambda mx, a: lambda: mx.cumsum(a, axis=axis),
    }


@workload("cumsum_axis0", "cumsum over axis 0 of (4096,4096)")
def cumsum_axis0():
    return (randn(4096, 4096),), _cumsum_over(0)


@workload("cumsum_axis1", "cumsum over axis 1 of (4096,4096)")
def cumsum_axis1():
    return (randn(4096, 4096),), _cumsum_over(1)


# --- matmul ------------------------------------------------------------------

def _matmul(n):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    return (a, b), same_code(lambda lib, a, b: a @ b)


@workload("matmul_1024", "(1024,1024) @ (1024,1024)", target=1.05)
def matmul_1024():
    return _matmul(1024)


@workload("matmul_2048", "(2048,2048) @ (2048,2048)", target=1.05)
def matmul_2048():
    return _matmul(2048)


# --- linalg ------------------------------------------------------------------

def _well_conditioned(n):
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    return a + n * np.eye(n, dtype=np.float32)


@workload("inv_512", "linalg.inv of a (512,512) f32 matrix")
def inv_512():
    build_np = lambda np_, a: lambda: np_.linalg.inv(a)
    build_torch = lambda torch, a: lambda: torch.linalg.inv(a)
    build_mx = lambda mx, a: lambda: mx.linalg.inv(a, stream=mx.cpu)
    return (_well_conditioned(512),), {"numpy": build_np, "torch": build_torch, "mx": build_mx}


@workload("svd_512", "linalg.svd singular values of a (512,512) f32 matrix")
def svd_512():
    build_np = lambda np_, a: lambda: np_.linalg.svd(a, compute_uv=False)
    build_torch = lambda torch, a: lambda: torch.linalg.svdvals(a)
    build_mx = lambda mx, a: lambda: mx.linalg.svd(a, compute_uv=False, stream=mx.cpu)
    return (_well_conditioned(512),), {"numpy": build_np, "torch": build_torch, "mx": build_mx}


# --- per-op overhead ---------------------------------------------------------

def _add_chain(lib, x):
    # numpy/torch execute each add eagerly; mx builds a 1000-node graph that
    # the runner's mx.eval then executes, so this is per-op overhead either way.
    y = x
    for _ in range(1000):
        y = y + 1.0
    return y


@workload("scalar_add_chain", "1000 chained y = y + 1.0 on a 1-element array",
          target=1.5, versus="numpy")
def scalar_add_chain():
    return (np.zeros(1, dtype=np.float32),), same_code(_add_chain)


# --- later workloads: need value_and_grad / take / sort ----------------------

def _mlp_inputs():
    rng = np.random.default_rng(0)
    batch, d_in, d_hidden, d_out = 256, 784, 512, 10
    x = rng.standard_normal((batch, d_in), dtype=np.float32)
    onehot = np.eye(d_out, dtype=np.float32)[rng.integers(0, d_out, batch)]
    w1 = rng.standard_normal((d_in, d_hidden), dtype=np.float32) * np.float32(d_in ** -0.5)
    w2 = rng.standard_normal((d_hidden, d_out), dtype=np.float32) * np.float32(d_hidden ** -0.5)
    b1 = np.zeros(d_hidden, dtype=np.float32)
    b2 = np.zeros(d_out, dtype=np.float32)
    return x, onehot, w1, b1, w2, b2


def _mlp_numpy(np, x, onehot, w1, b1, w2, b2):
    # NumPy has no autodiff, so this is the hand-written backward pass.
    z1 = x @ w1 + b1
    h = np.maximum(z1, 0)
    logits = h @ w2 + b2
    m = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - m)
    s = e.sum(axis=1, keepdims=True)
    loss = np.mean(np.log(s[:, 0]) + m[:, 0] - (logits * onehot).sum(axis=1))
    dlogits = (e / s - onehot) / x.shape[0]
    dh = (dlogits @ w2.T) * (z1 > 0)
    grads = (x.T @ dh, dh.sum(axis=0), h.T @ dlogits, dlogits.sum(axis=0))
    return loss, grads


def _build_mlp_torch(torch, x, onehot, *params):
    params = [p.clone().requires_grad_() for p in params]

    def step():
        w1, b1, w2, b2 = params
        logits = torch.relu(x @ w1 + b1) @ w2 + b2
        loss = torch.mean(torch.logsumexp(logits, dim=1) - (logits * onehot).sum(dim=1))
        grads = torch.autograd.grad(loss, params)
        return loss.detach(), grads
    return step


def _build_mlp_mx(mx, x, onehot, *params):
    def loss_fn(params, x, onehot):
        w1, b1, w2, b2 = params
        logits = mx.maximum(x @ w1 + b1, 0) @ w2 + b2
        # logsumexp spelled out so the workload needs only core ops.
        m = mx.max(logits, axis=1, keepdims=True)
        lse = mx.log(mx.sum(mx.exp(logits - m), axis=1)) + mx.squeeze(m, 1)
        return mx.mean(lse - mx.sum(logits * onehot, axis=1))

    step = mx.value_and_grad(loss_fn)
    params = list(params)
    return lambda: step(params, x, onehot)


@workload("mlp_value_and_grad", "MLP 256x784->512->10 loss+grads", target=1.0, versus="torch")
def mlp_value_and_grad():
    return _mlp_inputs(), {
        "numpy": lambda np, *a: lambda: _mlp_numpy(np, *a),
        "torch": _build_mlp_torch,
        "mx": _build_mlp_mx,
    }


@workload("grad_grad_sin", "100 calls of grad(grad(sin)) at a scalar")
def grad_grad_sin():
    def build_torch(torch, x):
        def once(v):
            v = v.clone().requires_grad_()
            (d1,) = torch.autograd.grad(torch.sin(v), v, create_graph=True)
            (d2,) = torch.autograd.grad(d1, v)
            return d2
        return lambda: [once(x) for _ in range(100)][-1]

    def build_mx(mx, x):
        d2 = mx.grad(mx.grad(mx.sin))
        return lambda: [d2(x) for _ in range(100)][-1]

    return (np.array(0.5, dtype=np.float32),), {
        "numpy": lambda np, x: lambda: -np.sin(x),
        "torch": build_torch,
        "mx": build_mx,
    }


@workload("vmap_add", "seed: 4096 row adds, naive loop vs vmap (torch.vmap)")
def vmap_add():
    def build_mx(mx, xs, ys):
        f = mx.vmap(lambda x, y: x + y, in_axes=(0, 1))
        return lambda: f(xs, ys)

    def build_torch(torch, xs, ys):
        f = torch.vmap(lambda x, y: x + y, in_dims=(0, 1))
        return lambda: f(xs, ys)

    rng = np.random.default_rng(0)
    xs = rng.standard_normal((4096, 100), dtype=np.float32)
    ys = rng.standard_normal((100, 4096), dtype=np.float32)
    return (xs, ys), {"numpy": lambda np, xs, ys: lambda: xs + ys.T,
                      "torch": build_torch, "mx": build_mx}


@workload("vmap_add_naive", "seed: the same as a Python loop of 4096 adds")
def vmap_add_naive():
    def naive(lib, xs, ys):
        rows = [xs[i] + ys[:, i] for i in range(xs.shape[0])]
        return lib.stack(rows)

    rng = np.random.default_rng(0)
    xs = rng.standard_normal((4096, 100), dtype=np.float32)
    ys = rng.standard_normal((100, 4096), dtype=np.float32)
    return (xs, ys), same_code(naive)


@workload("gather", "take 4M random indices from 4M f32", target=1.0)
def gather():
    src = randn(N_ELEM)
    idx = np.random.default_rng(1).integers(0, N_ELEM, N_ELEM).astype(np.int32)

    def build_torch(torch, s, i):
        i = i.long()  # torch.take wants int64; convert outside the timed region
        return lambda: torch.take(s, i)

    return (src, idx), {
        "numpy": lambda np, s, i: lambda: np.take(s, i),
        "torch": build_torch,
        "mx": lambda mx, s, i: lambda: mx.take(s, i),
    }


@workload("sort", "sort 1M f32", target=1.0)
def sort():
    return (randn(1024 * 1024),), {
        "numpy": lambda np, x: lambda: np.sort(x),
        "torch": lambda torch, x: lambda: torch.sort(x).values,
        "mx": lambda mx, x: lambda: mx.sort(x),
    }


def _getitem_impls():
    """x[idx] in every framework (torch wants int64 indices: converted untimed)."""
    def build_torch(torch, s, i):
        i = i.long()
        return lambda: s[i]

    build = lambda lib, s, i: lambda: s[i]
    return {"numpy": build, "torch": build_torch, "mx": build}


@workload("getitem_gather", "x[idx] on 4M f32 with 4M int32 indices")
def getitem_gather():
    src = randn(N_ELEM)
    idx = np.random.default_rng(1).integers(0, N_ELEM, N_ELEM).astype(np.int32)
    return (src, idx), _getitem_impls()


@workload("gather_rows", "x[idx] picking 64K rows of 64 from a (64K, 64) f32")
def gather_rows():
    src = randn(65536, 64)
    idx = np.random.default_rng(2).integers(0, 65536, 65536).astype(np.int32)
    return (src, idx), _getitem_impls()


@workload("argsort", "argsort 1M f32")
def argsort():
    return (randn(1024 * 1024),), {
        "numpy": lambda np, x: lambda: np.argsort(x, kind="stable"),
        "torch": lambda torch, x: lambda: torch.sort(x, stable=True).indices,
        "mx": lambda mx, x: lambda: mx.argsort(x),
    }


@workload("sort_rows", "sort (1024, 1024) f32 along the last axis")
def sort_rows():
    return (randn(1024, 1024),), {
        "numpy": lambda np, x: lambda: np.sort(x, axis=-1),
        "torch": lambda torch, x: lambda: torch.sort(x, dim=-1).values,
        "mx": lambda mx, x: lambda: mx.sort(x, axis=-1),
    }


@workload("searchsorted", "searchsorted of 1M f32 queries in 1M sorted f32")
def searchsorted():
    rng = np.random.default_rng(3)
    values = np.sort(rng.standard_normal(1 << 20).astype(np.float32))
    queries = rng.standard_normal(1 << 20).astype(np.float32)
    return (values, queries), {
        "numpy": lambda np, s, q: lambda: np.searchsorted(s, q).astype(np.uint32),
        "torch": lambda torch, s, q: lambda: torch.searchsorted(s, q),
        "mx": lambda mx, s, q: lambda: mx.searchsorted(s, q),
    }


@workload("einsum_bmm", "einsum('bij,bjk->bik') on (64,128,128) f32 pairs")
def einsum_bmm():
    impl = lambda lib, a, b: lambda: lib.einsum("bij,bjk->bik", a, b)
    return (randn(64, 128, 128), randn(64, 128, 128)), {
        "numpy": lambda np, a, b: lambda: np.einsum("bij,bjk->bik", a, b, optimize=True),
        "torch": impl,
        "mx": impl,
    }


@workload("einsum_chain", "einsum('ij,jk,kl->il') on three (512,512) f32")
def einsum_chain():
    impl = lambda lib, a, b, c: lambda: lib.einsum("ij,jk,kl->il", a, b, c)
    return (randn(512, 512), randn(512, 512), randn(512, 512)), {
        "numpy": lambda np, a, b, c: lambda: np.einsum("ij,jk,kl->il", a, b, c, optimize=True),
        "torch": impl,
        "mx": impl,
    }


@workload("scatter_add_rows", "x.at[idx].add(u): 64K rows of 64 into a (64K, 64) f32")
def scatter_add_rows():
    rng = np.random.default_rng(4)
    idx = rng.integers(0, 65536, 65536).astype(np.int32)

    def build_numpy(np, x, i, u):
        def run():
            out = x.copy()
            np.add.at(out, i, u)
            return out
        return run

    def build_torch(torch, x, i, u):
        i = i.long()
        return lambda: x.index_add(0, i, u)

    return (randn(65536, 64), idx, randn(65536, 64)), {
        "numpy": build_numpy,
        "torch": build_torch,
        "mx": lambda mx, x, i, u: lambda: x.at[i].add(u),
    }


@workload("rfft_batch", "rfft over the last axis of (4096, 1024) f32")
def rfft_batch():
    return (randn(4096, 1024),), {
        "numpy": lambda np, x: lambda: np.fft.rfft(x, axis=-1),
        "torch": lambda torch, x: lambda: torch.fft.rfft(x, dim=-1),
        "mx": lambda mx, x: lambda: mx.fft.rfft(x, axis=-1),
    }


def crandn(*shape):
    rng = np.random.default_rng(1)
    return (rng.standard_normal(shape, dtype=np.float32)
            + 1j * rng.standard_normal(shape, dtype=np.float32)).astype(np.complex64)


def same_fft(f):
    """impls for f(fft_module, x): numpy.fft, torch.fft and mx.fft share these names."""
    build = lambda lib, x: lambda: f(lib.fft, x)
    return {"numpy": build, "torch": build, "mx": build}


def fft_workload(name, desc, shape, f):
    """A workload applying f to complex64 data of `shape` (made when it runs)."""
    workload(name, desc)(lambda: ((crandn(*shape),), same_fft(f)))


fft_workload("fft_batch", "complex fft over the last axis of (2048, 1024) c64",
             (2048, 1024), lambda f, x: f.fft(x))
fft_workload("fft_1000", "complex fft of length 1000 (mixed radix) over (2048, 1000) c64",
             (2048, 1000), lambda f, x: f.fft(x))
fft_workload("fft_prime", "complex fft of prime length 1009 (Bluestein) over (1024, 1009) c64",
             (1024, 1009), lambda f, x: f.fft(x))
fft_workload("fft2_1024", "fft2 of a (1024, 1024) c64 image",
             (1024, 1024), lambda f, x: f.fft2(x))
fft_workload("irfft_batch", "irfft over the last axis of (4096, 513) c64 -> (4096, 1024) f32",
             (4096, 513), lambda f, x: f.irfft(x))


# --- convolutions (channels-last as MLX; torch runs its native NCHW) ----------

def _np_conv2d(np, x, w, pad, stride=1):
    """NumPy's best plain spelling: sliding windows contracted by tensordot (BLAS)."""
    kh, kw = w.shape[1:3]
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))
    win = win[:, ::stride, ::stride]  # (N, H, W, C, kh, kw)
    return np.tensordot(win, w, axes=([3, 4, 5], [3, 1, 2]))


def _nchw(torch, *arrays):
    return [torch.movedim(a, -1, 1).contiguous() for a in arrays]


def _conv2d_impls(pad, groups=1):
    def build_torch(torch, x, w):
        xt, wt = _nchw(torch, x, w)
        # movedim back to channels-last is a view: the check compares layouts alike
        return lambda: torch.nn.functional.conv2d(xt, wt, padding=pad, groups=groups).movedim(1, -1)

    impls = {"mx": lambda mx, x, w: lambda: mx.conv2d(x, w, padding=pad, groups=groups),
             "torch": build_torch}
    if groups == 1:
        impls["numpy"] = lambda np, x, w: lambda: _np_conv2d(np, x, w, pad)
    else:  # depthwise: a sum of shifted, per-channel-scaled copies
        def build_numpy(np, x, w):
            def run():
                kh, kw = w.shape[1:3]
                xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
                H, W = x.shape[1], x.shape[2]
                out = np.zeros(x.shape[:3] + (w.shape[0],), np.float32)
                for i in range(kh):
                    for j in range(kw):
                        out += xp[:, i:i + H, j:j + W] * w[:, i, j, 0]
                return out
            return run
        impls["numpy"] = build_numpy
    return impls


@workload("conv2d_3x3", "conv2d 3x3 stride 1 pad 1, (64,32,32,64) -> 64 ch", target=1.2,
          versus="torch")
def conv2d_3x3():
    return (randn(64, 32, 32, 64), randn(64, 3, 3, 64) * 0.05), _conv2d_impls(1)


@workload("conv2d_3x3_grad", "same, forward + backward (grads of x and w)", target=1.2,
          versus="torch")
def conv2d_3x3_grad():
    def build_mx(mx, x, w):
        step = mx.value_and_grad(lambda x, w: mx.sum(mx.conv2d(x, w, padding=1)), argnums=(0, 1))
        return lambda: step(x, w)

    def build_torch(torch, x, w):
        xt, wt = _nchw(torch, x, w)
        xt.requires_grad_()
        wt.requires_grad_()

        def run():
            xt.grad = wt.grad = None
            loss = torch.nn.functional.conv2d(xt, wt, padding=1).sum()
            loss.backward()
            return loss, xt.grad, wt.grad
        return run

    return (randn(64, 32, 32, 64), randn(64, 3, 3, 64) * 0.05), {"mx": build_mx, "torch": build_torch}


@workload("conv2d_depthwise", "depthwise conv2d 3x3 pad 1 on (32,56,56,128)", target=1.2,
          versus="torch")
def conv2d_depthwise():
    return (randn(32, 56, 56, 128), randn(128, 3, 3, 1)), _conv2d_impls(1, groups=128)


@workload("conv1d_k5", "conv1d k=5 pad 2, (16,1024,256) -> 256 ch", target=1.2, versus="torch")
def conv1d_k5():
    def build_torch(torch, x, w):
        xt, wt = _nchw(torch, x, w)
        return lambda: torch.nn.functional.conv1d(xt, wt, padding=2).movedim(1, -1)

    def build_numpy(np, x, w):
        def run():
            xp = np.pad(x, ((0, 0), (2, 2), (0, 0)))
            win = np.lib.stride_tricks.sliding_window_view(xp, 5, axis=1)  # (N, L, C, 5)
            return np.tensordot(win, w, axes=([2, 3], [2, 1]))
        return run

    return (randn(16, 1024, 256), randn(256, 5, 256) * 0.03), {
        "mx": lambda mx, x, w: lambda: mx.conv1d(x, w, padding=2),
        "torch": build_torch, "numpy": build_numpy}


@workload("conv_transpose2d_up2", "conv_transpose2d k4 s2 p1 (x2 upsampling), (16,32,32,64) -> 64 ch",
          target=1.2, versus="torch")
def conv_transpose2d_up2():
    def build_torch(torch, x, w):
        xt, = _nchw(torch, x)
        # MLX weight (C_out, kh, kw, C_in) -> torch (C_in, C_out, kh, kw)
        wt = w.permute(3, 0, 1, 2).contiguous()
        return lambda: torch.nn.functional.conv_transpose2d(xt, wt, stride=2, padding=1).movedim(1, -1)

    return (randn(16, 32, 32, 64), randn(64, 4, 4, 64) * 0.05), {
        "mx": lambda mx, x, w: lambda: mx.conv_transpose2d(x, w, stride=2, padding=1),
        "torch": build_torch}


# --- training steps (forward, backward, optimizer update): training.py -------

import training  # noqa: E402,F401  (registers its workloads here)


import workloads_fast  # noqa: E402,F401  (registers the mx.fast and quantized rows)
