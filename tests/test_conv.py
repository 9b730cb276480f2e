"""Convolutions (conv1d/2d/3d, conv_general, conv_transpose*, convolve) against a
NumPy reference written here (so CI, which has no torch, checks values) and against
PyTorch when it is installed; gradients by finite differences, vmap against a loop,
and MLX's errors for bad input."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import lumex.core as mx

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - CI has no torch
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

RNG = np.random.default_rng(0)


def rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def per_dim(v, sd):
    return [v] * sd if isinstance(v, int) else list(v)


# ---------------------------------------------------------------------------
# NumPy references (float64)


def np_conv(x, w, stride=1, padding=0, kernel_dilation=1, input_dilation=1, groups=1,
            flip=False):
    """MLX's conv_general: channels-last, padding int | list | (lo list, hi list)."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    sd = x.ndim - 2
    s, d, D = per_dim(stride, sd), per_dim(kernel_dilation, sd), per_dim(input_dilation, sd)
    if isinstance(padding, tuple) and len(padding) == 2 and isinstance(padding[0], list):
        lo, hi = padding
    else:
        lo = hi = per_dim(padding, sd)
    # as MLX: negative padding removes input elements, then dilation, then padding
    for i in range(sd):
        ax, n = i + 1, x.shape[i + 1]
        a = min(max(-lo[i], 0), n)
        b = max(a, n - max(-hi[i], 0))
        x = np.take(x, range(a, b), axis=ax)
    shape = [x.shape[0]] + [(n - 1) * D[i] + 1 if n else 0 for i, n in enumerate(x.shape[1:-1])] + [x.shape[-1]]
    xd = np.zeros(shape)
    xd[(slice(None),) + tuple(slice(None, None, Di) for Di in D)] = x
    pw = [(0, 0)] + [(max(lo[i], 0), max(hi[i], 0)) for i in range(sd)] + [(0, 0)]
    xd = np.pad(xd, pw)
    if flip:
        w = w[(slice(None),) + (slice(None, None, -1),) * sd]
    O, K, Cg = w.shape[0], w.shape[1:-1], w.shape[-1]
    G = groups
    T = [(xd.shape[i + 1] - (K[i] - 1) * d[i] - 1) // s[i] + 1 for i in range(sd)]
    out = np.zeros([x.shape[0]] + T + [O])
    wg = w.reshape((G, O // G) + tuple(K) + (Cg,))
    for k in itertools.product(*[range(n) for n in K]):
        sl = tuple(slice(k[i] * d[i], k[i] * d[i] + (T[i] - 1) * s[i] + 1, s[i]) for i in range(sd))
        xs = xd[(slice(None),) + sl]
        xs = xs.reshape(xs.shape[:-1] + (G, Cg))
        wk = wg[(slice(None), slice(None)) + k]  # (G, Og, Cg)
        out += np.einsum("...gc,goc->...go", xs, wk).reshape(out.shape)
    return out


def np_conv_transpose(x, w, stride=1, padding=0, dilation=1, output_padding=0, groups=1):
    """Scatter form: input position i and tap k write output position i*s + k*d - p."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    sd = x.ndim - 2
    s, p, d, op = (per_dim(v, sd) for v in (stride, padding, dilation, output_padding))
    O, K, Cg = w.shape[0], w.shape[1:-1], w.shape[-1]
    G = groups
    L = x.shape[1:-1]
    out_len = [(L[i] - 1) * s[i] - 2 * p[i] + d[i] * (K[i] - 1) + op[i] + 1 for i in range(sd)]
    full_len = [max((L[i] - 1) * s[i] + d[i] * (K[i] - 1) + 1, p[i] + out_len[i]) for i in range(sd)]
    full = np.zeros([x.shape[0]] + full_len + [O])
    xg = x.reshape(x.shape[:-1] + (G, Cg))
    wg = w.reshape((G, O // G) + tuple(K) + (Cg,))
    for k in itertools.product(*[range(n) for n in K]):
        sl = tuple(slice(k[i] * d[i], k[i] * d[i] + (L[i] - 1) * s[i] + 1, s[i]) for i in range(sd))
        contrib = np.einsum("...gc,goc->...go", xg, wg[(slice(None), slice(None)) + k])
        full[(slice(None),) + sl] += contrib.reshape(contrib.shape[:-2] + (O,))
    crop = tuple(slice(p[i], p[i] + out_len[i]) for i in range(sd))
    return full[(slice(None),) + crop]


def close(a, ref, tol=1e-4):
    ref = np.asarray(ref)
    a = np.array(a.astype(mx.float32) if a.dtype in (mx.float16, mx.bfloat16) else a)
    assert a.shape == ref.shape, (a.shape, ref.shape)
    scale = max(1.0, float(np.abs(ref).max())) if ref.size else 1.0
    np.testing.assert_allclose(a, ref, atol=tol * scale, rtol=tol)


# ---------------------------------------------------------------------------
# forward values

GENERAL_CASES = [
    # in_shape, w_shape, stride, padding, kernel_dilation, input_dilation, groups, flip
    ((2, 9, 4), (6, 3, 4), 1, 0, 1, 1, 1, False),
    ((2, 9, 4), (6, 3, 4), 2, 1, 1, 1, 1, False),
    ((1, 11, 6), (4, 4, 3), 3, ([2], [0]), 2, 1, 2, False),
    ((3, 7, 5), (5, 2, 1), 1, 1, 1, 1, 5, True),
    ((2, 8, 4), (6, 3, 4), 1, ([-1], [2]), 1, 2, 1, True),
    ((1, 5, 2), (3, 1, 2), 1, 0, 1, 3, 1, False),
    ((2, 7, 6, 3), (4, 3, 2, 3), (1, 2), (1, 0), (1, 2), 1, 1, False),
    ((2, 8, 8, 4), (6, 3, 3, 2), 2, ([1, 0], [0, 2]), 1, (2, 1), 2, True),
    ((1, 6, 5, 8), (8, 3, 3, 1), 1, 1, 1, 1, 8, False),
    ((1, 6, 5, 8), (16, 3, 3, 1), (2, 1), 2, (2, 1), 1, 8, True),
    ((2, 5, 5, 3), (4, 1, 1, 3), 1, 0, 1, 1, 1, False),
    ((2, 5, 5, 3), (4, 1, 1, 3), 2, 1, 1, 1, 1, False),
    ((2, 4, 5, 6, 2), (3, 2, 3, 2, 2), (1, 2, 1), 1, (2, 1, 1), 1, 1, False),
    ((1, 5, 4, 4, 4), (4, 3, 2, 2, 2), 1, ([0, 1, 0], [2, 0, 1]), 1, (1, 2, 1), 2, True),
    ((1, 181, 1), (1, 182, 1), 1, 1, 1, 1, 1, False),
]


@pytest.mark.parametrize("case", GENERAL_CASES, ids=[str(i) for i in range(len(GENERAL_CASES))])
def test_conv_general_matches_numpy(case):
    xs, ws, stride, padding, kd, idil, groups, flip = case
    x, w = rand(*xs), rand(*ws)
    out = mx.conv_general(mx.array(x), mx.array(w), stride=stride, padding=padding,
                          kernel_dilation=kd, input_dilation=idil, groups=groups, flip=flip)
    close(out, np_conv(x, w, stride, padding, kd, idil, groups, flip))


def test_conv_wrappers_match_numpy():
    x1, w1 = rand(2, 13, 6), rand(4, 3, 3)
    close(mx.conv1d(mx.array(x1), mx.array(w1), 2, 1, 2, 2), np_conv(x1, w1, 2, 1, 2, 1, 2))
    x2, w2 = rand(2, 9, 10, 4), rand(8, 3, 2, 4)
    close(mx.conv2d(mx.array(x2), mx.array(w2), (2, 1), (1, 0), (1, 2)),
          np_conv(x2, w2, [2, 1], [1, 0], [1, 2]))
    close(mx.conv2d(mx.array(x2), mx.array(w2), padding=[1, 2]), np_conv(x2, w2, 1, [1, 2]))
    x3, w3 = rand(1, 5, 6, 7, 4), rand(4, 2, 3, 3, 2)
    close(mx.conv3d(mx.array(x3), mx.array(w3), 1, (0, 1, 1), 1, 2),
          np_conv(x3, w3, 1, [0, 1, 1], 1, 1, 2))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_conv_dtypes(dtype):
    x, w = rand(2, 7, 6, 4), rand(6, 3, 3, 2)
    xm = mx.array(x).astype(getattr(mx, dtype))
    wm = mx.array(w).astype(getattr(mx, dtype))
    ref = np_conv(np.array(xm.astype(mx.float32)), np.array(wm.astype(mx.float32)),
                  1, 1, 1, 1, 2)
    out = mx.conv2d(xm, wm, padding=1, groups=2)
    assert out.dtype == getattr(mx, dtype)
    close(out, ref, {"float16": 3e-3, "bfloat16": 2e-2, "float64": 1e-12}[dtype])
    # depthwise goes through the direct kernel
    wd = mx.array(rand(4, 3, 3, 1)).astype(getattr(mx, dtype))
    ref = np_conv(np.array(xm.astype(mx.float32)), np.array(wd.astype(mx.float32)),
                  1, 1, 1, 1, 4)
    close(mx.conv2d(xm, wd, padding=1, groups=4), ref,
          {"float16": 3e-3, "bfloat16": 2e-2, "float64": 1e-12}[dtype])


def test_promotion_and_layouts():
    x, w = rand(2, 8, 5), rand(3, 3, 5)
    out = mx.conv1d(mx.array(x).astype(mx.float16), mx.array(w))
    assert out.dtype == mx.float32
    # strided / transposed inputs
    xt = mx.array(rand(2, 5, 8)).swapaxes(1, 2)
    wt = mx.array(rand(5, 3, 3)).swapaxes(0, 2)
    close(mx.conv1d(xt, wt), np_conv(np.array(xt), np.array(wt)))


def test_empty_shapes():
    assert mx.conv1d(mx.zeros((0, 8, 4)), mx.ones((6, 3, 4))).shape == (0, 6, 6)
    out = mx.conv1d(mx.ones((2, 8, 0)), mx.ones((6, 3, 0)))
    assert out.shape == (2, 6, 6) and float(mx.abs(out).max()) == 0
    assert mx.conv1d(mx.ones((2, 8, 4)), mx.ones((0, 3, 4))).shape == (2, 6, 0)


def test_large_batch_blocks():
    # More rows than one im2col block, and a kernel longer than one column block.
    x, w = rand(3, 700, 40), rand(8, 5, 40)
    close(mx.conv1d(mx.array(x), mx.array(w), padding=2), np_conv(x, w, 1, 2))
    x, w = rand(2, 300, 12), rand(3, 250, 12)
    close(mx.conv1d(mx.array(x), mx.array(w)), np_conv(x, w), 2e-4)


# ---------------------------------------------------------------------------
# transposed convolutions and convolve

TRANSPOSE_CASES = [
    # in_shape, w_shape, stride, padding, dilation, output_padding, groups
    ((2, 5, 4), (6, 3, 4), 1, 0, 1, 0, 1),
    ((2, 5, 4), (6, 3, 4), 2, 1, 1, 1, 1),
    ((1, 6, 4), (6, 4, 2), 3, 2, 2, 2, 2),
    ((2, 4, 5, 3), (2, 3, 3, 3), 2, 1, 1, (1, 0), 1),
    ((1, 4, 4, 4), (4, 2, 2, 2), (2, 1), (0, 1), (1, 2), 0, 2),
    ((1, 3, 4, 2, 2), (3, 2, 2, 3, 2), (2, 1, 2), 1, 1, (1, 0, 0), 1),
]


@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=[str(i) for i in range(len(TRANSPOSE_CASES))])
def test_conv_transpose_matches_numpy(case):
    xs, ws, stride, padding, dilation, op, groups = case
    x, w = rand(*xs), rand(*ws)
    fn = {3: mx.conv_transpose1d, 4: mx.conv_transpose2d, 5: mx.conv_transpose3d}[len(xs)]
    out = fn(mx.array(x), mx.array(w), stride, padding, dilation, op, groups)
    close(out, np_conv_transpose(x, w, stride, padding, dilation, op, groups))


@pytest.mark.parametrize("M,N", [(1, 1), (25, 5), (24, 4), (4, 24), (5, 25), (7, 7)])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolve_matches_numpy(M, N, mode):
    a, v = rand(M), rand(N)
    close(mx.convolve(mx.array(a), mx.array(v), mode), np.convolve(a, v, mode), 1e-5)
    close(mx.convolve(mx.array(a), mx.array(v), mode=mode), np.convolve(a, v, mode), 1e-5)


# ---------------------------------------------------------------------------
# PyTorch (channels-first there: permute)


def to_torch(x):
    return torch.tensor(np.moveaxis(np.asarray(x), -1, 1))


def from_torch(t):
    return np.moveaxis(t.detach().numpy(), 1, -1)


@needs_torch
@pytest.mark.parametrize("sd", [1, 2, 3])
@pytest.mark.parametrize("groups", [1, 2])
def test_conv_against_torch(sd, groups):
    x = rand(2, *([7, 6, 5][:sd]), 4)
    w = rand(6, *([3, 2, 3][:sd]), 4 // groups)
    stride, padding, dilation = [2, 1, 1][:sd], [1, 0, 2][:sd], [1, 2, 1][:sd]
    fn = {1: mx.conv1d, 2: mx.conv2d, 3: mx.conv3d}[sd]
    tf = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[sd]
    args = (stride, padding, dilation) if sd > 1 else (stride[0], padding[0], dilation[0])
    out = fn(mx.array(x), mx.array(w), *args, groups)
    ref = tf(to_torch(x), to_torch(w), None, stride, padding, dilation, groups)
    close(out, from_torch(ref))


@needs_torch
@pytest.mark.parametrize("sd", [1, 2, 3])
@pytest.mark.parametrize("groups", [1, 2])
def test_conv_transpose_against_torch(sd, groups):
    x = rand(2, *([5, 4, 3][:sd]), 4)
    w = rand(6, *([3, 2, 3][:sd]), 4 // groups)
    stride, padding, dilation, op = [2, 3, 2][:sd], [1, 0, 1][:sd], [1, 2, 1][:sd], [1, 2, 0][:sd]
    fn = {1: mx.conv_transpose1d, 2: mx.conv_transpose2d, 3: mx.conv_transpose3d}[sd]
    tf = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[sd]
    args = (stride, padding, dilation, op) if sd > 1 else (stride[0], padding[0], dilation[0], op[0])
    out = fn(mx.array(x), mx.array(w), *args, groups)
    # torch's weight is (C_in, C_out / groups, K...): per group, in and out swap.
    O, K, Cg = w.shape[0], w.shape[1:-1], w.shape[-1]
    wt = w.reshape((groups, O // groups) + K + (Cg,))
    wt = np.moveaxis(wt, -1, 1).reshape((groups * Cg, O // groups) + K)
    ref = tf(to_torch(x), torch.tensor(np.ascontiguousarray(np.moveaxis(wt, 1, 1))), None,
             stride, padding, op, groups, dilation)
    close(out, from_torch(ref))


@needs_torch
def test_grads_against_torch():
    x, w = rand(2, 9, 8, 6), rand(4, 3, 3, 3)
    g = rand(2, 5, 4, 4)

    def f(x, w):
        return mx.conv2d(x, w, 2, 1, 1, 2)

    _, (dx, dw) = mx.vjp(f, [mx.array(x), mx.array(w)], [mx.array(g)])
    xt = to_torch(x).requires_grad_()
    wt = to_torch(w).requires_grad_()
    F.conv2d(xt, wt, None, 2, 1, 1, 2).backward(to_torch(g))
    close(dx, from_torch(xt.grad))
    close(dw, from_torch(wt.grad))


# ---------------------------------------------------------------------------
# transforms (float64: finite differences to 1e-6)

GRAD_CASES = [
    dict(xs=(2, 7, 4), ws=(6, 3, 2), stride=2, padding=([1], [0]), kernel_dilation=1,
         input_dilation=1, groups=2, flip=False),
    dict(xs=(1, 6, 5, 3), ws=(2, 2, 3, 3), stride=(2, 1), padding=1, kernel_dilation=(1, 2),
         input_dilation=(2, 1), groups=1, flip=True),
    dict(xs=(2, 5, 5, 4), ws=(4, 3, 3, 1), stride=1, padding=([1, 0], [2, -1]),
         kernel_dilation=1, input_dilation=1, groups=4, flip=False),
    dict(xs=(1, 4, 3, 3, 2), ws=(2, 2, 2, 2, 2), stride=(1, 2, 1), padding=1,
         kernel_dilation=1, input_dilation=(1, 1, 2), groups=1, flip=True),
]


def conv_fn(case):
    kw = {k: v for k, v in case.items() if k not in ("xs", "ws")}
    return lambda x, w: mx.conv_general(x, w, **kw)


@pytest.mark.parametrize("case", GRAD_CASES, ids=[str(i) for i in range(len(GRAD_CASES))])
def test_vjp_jvp_finite_differences(case):
    f = conv_fn(case)
    f64 = lambda *shape: mx.array(rand(*shape), dtype=mx.float64)
    x, w = f64(*case["xs"]), f64(*case["ws"])
    y = f(x, w)
    g = f64(*y.shape)
    _, (dx, dw) = mx.vjp(f, [x, w], [g])
    tx, tw = f64(*case["xs"]), f64(*case["ws"])
    eps = 1e-6
    fd = (f(x + eps * tx, w + eps * tw) - f(x - eps * tx, w - eps * tw)) / (2 * eps)
    _, (jv,) = mx.jvp(f, [x, w], [tx, tw])
    close(jv, np.array(fd), 1e-6)
    # <g, J t> == <J^T g, t>
    lhs = float(mx.sum(g * fd))
    rhs = float(mx.sum(dx * tx) + mx.sum(dw * tw))
    assert abs(lhs - rhs) <= 1e-6 * max(1.0, abs(lhs))


def test_second_order_and_grad_shapes():
    x, w = mx.array(rand(2, 6, 4)), mx.array(rand(4, 3, 2))

    def loss(w):
        return mx.sum(mx.conv1d(x, w, groups=2) ** 2)

    h = mx.grad(lambda w: mx.sum(mx.grad(loss)(w) * w))(w)
    assert h.shape == w.shape
    # loss is quadratic in w, so grad(<grad(loss), w>) = 2 * grad(loss)
    np.testing.assert_allclose(np.array(h), 2 * np.array(mx.grad(loss)(w)), rtol=1e-4, atol=1e-4)
    for xs, ks, strides, groups in [((3, 5, 4), (6, 2, 2), (2,), 2),
                                    ((3, 5, 5, 4), (24, 2, 2, 1), (2, 2), 4)]:
        gr = mx.grad(lambda k, i: mx.sum(mx.conv_general(i, k, stride=strides, groups=groups)))(
            mx.zeros(ks), mx.zeros(xs))
        assert gr.shape == ks


@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0), (2, 1)])
@pytest.mark.parametrize("groups", [1, 2])
def test_vmap_matches_loop(in_axes, groups):
    B = 3
    xs, ws = [2, 6, 5, 4], [4, 3, 2, 4 // groups]
    xb = rand(*(xs[: in_axes[0]] + [B] + xs[in_axes[0]:])) if in_axes[0] is not None else rand(*xs)
    wb = rand(*(ws[: in_axes[1]] + [B] + ws[in_axes[1]:])) if in_axes[1] is not None else rand(*ws)

    def f(x, w):
        return mx.conv2d(x, w, (2, 1), 1, 1, groups)

    out = mx.vmap(f, in_axes=in_axes)(mx.array(xb), mx.array(wb))
    for b in range(B):
        xi = np.take(xb, b, axis=in_axes[0]) if in_axes[0] is not None else xb
        wi = np.take(wb, b, axis=in_axes[1]) if in_axes[1] is not None else wb
        close(out[b], np_conv(xi, wi, [2, 1], 1, 1, 1, groups))


def test_vmap_of_grad():
    x = mx.array(rand(3, 2, 6, 4))
    w = mx.array(rand(4, 3, 4))
    g = mx.vmap(mx.grad(lambda x, w: mx.sum(mx.conv1d(x, w) ** 2), argnums=1), in_axes=(0, None))(x, w)
    for b in range(3):
        ref = mx.grad(lambda w: mx.sum(mx.conv1d(x[b], w) ** 2))(w)
        close(g[b], np.array(ref))


def test_compile_and_graph_params():
    x, w = mx.array(rand(1, 6, 3)), mx.array(rand(2, 3, 3))
    f = mx.compile(lambda x, w: mx.conv1d(x, w, padding=1))
    close(f(x, w), np_conv(np.array(x), np.array(w), 1, 1))
    nodes = mx.graph.nodes(mx.conv1d(x, w, 2))
    conv = [n for n in nodes if n.op == "Convolution"]
    assert conv and "stride" in dict(conv[0].params)


# ---------------------------------------------------------------------------
# bad input: MLX's ValueErrors (and a few MLX crashes on) become clear errors

BAD = [
    (lambda: mx.conv1d(mx.ones((8, 4)), mx.ones((6, 3, 4))), "1-3 spatial dimensions"),
    (lambda: mx.conv1d(mx.ones((2, 8, 4)), mx.ones((6, 3))), "Invalid weight array with 2 dimensions"),
    (lambda: mx.conv1d(mx.ones((2, 8, 4)), mx.ones((6, 3, 3))), "input channels in the input and weight"),
    (lambda: mx.conv1d(mx.ones((2, 8, 4)), mx.ones((6, 3, 2)), groups=3), "divisible by the number of groups"),
    (lambda: mx.conv1d(mx.ones((2, 8, 4)), mx.ones((5, 3, 2)), groups=2), "output channels must be divisible"),
    (lambda: mx.conv1d(mx.ones((2, 8, 4)), mx.ones((6, 3, 4)), groups=0), "groups must be positive"),
    (lambda: mx.conv1d(mx.ones((2, 8, 4)), mx.ones((6, 3, 4)), groups=-2), "groups must be positive"),
    (lambda: mx.conv1d(mx.ones((2, 8, 4)), mx.ones((6, 3, 4)), stride=0), "Stride sizes must be positive"),
    (lambda: mx.conv1d(mx.ones((2, 8, 4)), mx.ones((6, 3, 4)), dilation=0), "Kernel dilation sizes must be positive"),
    (lambda: mx.conv1d(mx.ones((2, 8, 4)), mx.ones((6, 30, 4))), "cannot be smaller than weight"),
    (lambda: mx.conv1d(mx.ones((2, 8, 4)), mx.ones((6, 3, 4)), padding=-3), "cannot be smaller than weight"),
    (lambda: mx.conv1d(mx.ones((2, 8, 4), mx.int32), mx.ones((6, 3, 4), mx.int32)), "only supports floating point"),
    (lambda: mx.conv1d(mx.ones((2, 8, 4), mx.complex64), mx.ones((6, 3, 4))), "only supports floating point"),
    (lambda: mx.conv_general(mx.ones((2, 8, 4)), mx.ones((6, 3, 4)), stride=[1, 1]), r"Invalid strides \(1,1\)"),
    (lambda: mx.conv_general(mx.ones((2, 8, 4)), mx.ones((6, 3, 4)), padding=[1, 2]), "Invalid padding"),
    (lambda: mx.conv_general(mx.ones((2, 8, 4)), mx.ones((6, 3, 4)), input_dilation=0), "Input dilation sizes"),
    (lambda: mx.conv_general(mx.ones((1, 5, 5, 4)), mx.ones((2, 3, 3, 4)), kernel_dilation=(1, 2, 3)), "Invalid kernel dilation"),
    (lambda: mx.conv_general(mx.ones((1, 2, 2, 2, 2, 4)), mx.ones((2, 1, 1, 1, 1, 4))), "1-3 spatial dimensions"),
    (lambda: mx.conv_transpose1d(mx.ones((2, 8, 4)), mx.ones((6, 3, 4)), groups=2), "expected to have 8 input channels"),
    (lambda: mx.conv_transpose1d(mx.ones((2, 8, 4)), mx.ones((6, 3, 4)), stride=0), "Input dilation sizes"),
    (lambda: mx.conv_transpose1d(mx.ones((2, 2, 4)), mx.ones((6, 3, 4)), padding=5), "cannot be smaller than weight"),
    (lambda: mx.convolve(mx.ones(5), mx.ones(3), mode="bad"), r"\[convolve\] Invalid mode"),
    (lambda: mx.convolve(mx.ones((5, 2)), mx.ones(3)), r"\[convolve\] Inputs must be 1D"),
    (lambda: mx.convolve(mx.ones(0), mx.ones(3)), r"\[convolve\] Inputs cannot be empty"),
    (lambda: mx.convolve(mx.ones(5, mx.int32), mx.ones(3, mx.int32)), "only supports floating point"),
]


@pytest.mark.parametrize("fn,match", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_input_raises_value_error(fn, match):
    with pytest.raises(ValueError, match=match):
        fn()


def test_bad_argument_types():
    with pytest.raises(TypeError):
        mx.conv2d(mx.ones((1, 5, 5, 4)), mx.ones((2, 3, 3, 4)), stride=(1, 2, 3))
    with pytest.raises(TypeError):
        mx.conv1d(mx.ones((2, 8, 4)), mx.ones((6, 3, 4)), padding=(1, 2))
    with pytest.raises(TypeError):
        mx.conv_general(mx.ones((1, 5, 5, 4)), mx.ones((2, 3, 3, 4)), padding=([1, 2],))


def test_negative_padding_crops_like_mlx():
    # MLX accepts negative padding: it removes input elements before dilation.
    x, w = rand(2, 8, 4), rand(6, 3, 4)
    out = mx.conv1d(mx.array(x), mx.array(w), padding=-1)
    close(out, np_conv(x, w, 1, -1))
    x = mx.arange(1, 6, dtype=mx.float32).reshape(1, 5, 1)
    w = mx.ones((1, 1, 1))
    for pad, dil, expect in [(([-1], [0]), 2, [2, 0, 3, 0, 4, 0, 5]),
                             (([2], [-1]), 2, [0, 0, 1, 0, 2, 0, 3, 0, 4]),
                             (([-3], [0]), 2, [4, 0, 5])]:  # values from MLX 0.32
        y = mx.conv_general(x, w, padding=pad, input_dilation=dil)
        assert np.array(y).ravel().tolist() == expect
    assert mx.conv_general(mx.zeros((1, 0, 1)), w, padding=([2], [-1])).shape == (1, 2, 1)
    assert mx.conv_general(mx.zeros((1, 1, 1)), w, padding=([2], [-3])).shape == (1, 2, 1)
    assert mx.conv_transpose1d(mx.ones((2, 8, 4)), mx.ones((6, 3, 4)), output_padding=-1).shape == (2, 9, 6)


# ---------------------------------------------------------------------------
# property test: any geometry either matches NumPy or raises ValueError


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_random_geometry_matches_numpy_or_raises(data):
    sd = data.draw(st.integers(1, 3))
    groups = data.draw(st.integers(1, 3))
    cg, og = data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3))
    n = data.draw(st.integers(0, 2))
    L = [data.draw(st.integers(0, 7)) for _ in range(sd)]
    K = [data.draw(st.integers(1, 4)) for _ in range(sd)]
    small = st.integers(-2, 3)
    stride = [data.draw(st.integers(0, 3)) for _ in range(sd)]
    kd = [data.draw(st.integers(0, 3)) for _ in range(sd)]
    idil = [data.draw(st.integers(0, 3)) for _ in range(sd)]
    lo = [data.draw(small) for _ in range(sd)]
    hi = [data.draw(small) for _ in range(sd)]
    flip = data.draw(st.booleans())
    # channels sometimes deliberately mismatched
    c_in = groups * cg + data.draw(st.sampled_from([0, 0, 0, 1]))
    x = rand(n, *L, c_in)
    w = rand(groups * og, *K, cg)
    try:
        out = mx.conv_general(mx.array(x), mx.array(w), stride=stride, padding=(lo, hi),
                              kernel_dilation=kd, input_dilation=idil, groups=groups, flip=flip)
        mx.eval(out)
    except ValueError:
        kept = [max(0, L[i] - max(-lo[i], 0) - max(-hi[i], 0)) for i in range(sd)]
        valid = (c_in == groups * cg and min(stride + kd + idil) > 0 and all(
            ((kept[i] - 1) * idil[i] + 1 if kept[i] else 0) + max(lo[i], 0) + max(hi[i], 0)
            >= (K[i] - 1) * kd[i] + 1 for i in range(sd)))
        assert not valid, "a valid convolution raised"
        return
    close(out, np_conv(x, w, stride, (lo, hi), kd, idil, groups, flip))
    # The rules, for the same geometry: conv is bilinear, so the vjp is exact
    # adjoint of the forward map in each argument: <g, conv(tx, w)> = <dx, tx>.
    f = lambda a, b: mx.conv_general(a, b, stride=stride, padding=(lo, hi), kernel_dilation=kd,
                                     input_dilation=idil, groups=groups, flip=flip)
    f64 = lambda a: mx.array(a, dtype=mx.float64)
    xm, wm, g = f64(x), f64(w), f64(rand(*out.shape))
    tx, tw = f64(rand(*x.shape)), f64(rand(*w.shape))
    _, (dx, dw) = mx.vjp(f, [xm, wm], [g])
    assert dx.shape == x.shape and dw.shape == w.shape
    for lhs, rhs in [(mx.sum(g * f(tx, wm)), mx.sum(dx * tx)), (mx.sum(g * f(xm, tw)), mx.sum(dw * tw))]:
        assert abs(float(lhs) - float(rhs)) <= 1e-9 * max(1.0, abs(float(lhs)))
