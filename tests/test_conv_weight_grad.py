"""The convolution's weight gradient (the ConvWeightGrad node its vjp builds): values
against the NumPy reference of test_conv (the transpose of a linear map, built column
by column) and against PyTorch, on the kernel's paths (im2col blocks split over
threads, 1x1, depthwise, half types), and its own vjp, jvp and vmap rules."""

import itertools

import numpy as np
import pytest

import lumex.core as mx
from test_conv import F, close, needs_torch, np_conv, rand, to_torch, from_torch, torch


def weight_grad(x, w, g, **kw):
    _, (dw,) = mx.vjp(lambda w: mx.conv_general(x, w, **kw), [w], [g])
    return dw


def np_weight_grad(x, w, g, **kw):
    """d<g, conv(x, w)>/dw: the conv is linear in w, so each weight element's
    gradient is <g, conv(x, e_i)>."""
    g = np.asarray(g, np.float64)
    out = np.zeros(w.shape)
    for idx in itertools.product(*[range(n) for n in w.shape]):
        e = np.zeros(w.shape)
        e[idx] = 1.0
        out[idx] = np.sum(g * np_conv(x, e, **kw))
    return out


CASES = [
    # x shape, w shape, conv_general keywords
    ((2, 9, 4), (6, 3, 4), dict(stride=1, padding=1)),
    ((2, 10, 4), (6, 3, 2), dict(stride=3, padding=([2], [0]), kernel_dilation=2, groups=2)),
    ((3, 7, 5), (5, 2, 1), dict(padding=1, groups=5, flip=True)),  # depthwise
    ((2, 7, 6, 3), (4, 3, 2, 3), dict(stride=(1, 2), padding=(1, 0), kernel_dilation=(1, 2))),
    ((2, 8, 8, 4), (6, 3, 3, 2), dict(stride=2, padding=([1, 0], [0, 2]), groups=2, flip=True)),
    ((1, 6, 5, 8), (16, 3, 3, 1), dict(stride=(2, 1), padding=2, kernel_dilation=(2, 1), groups=8)),
    ((2, 5, 5, 3), (4, 1, 1, 3), {}),  # 1x1: the input is its own im2col
    ((2, 5, 5, 4), (4, 1, 1, 2), dict(groups=2)),
    ((2, 5, 5, 3), (4, 1, 1, 3), dict(stride=2, padding=1)),
    ((2, 6, 5, 4), (4, 3, 3, 4), dict(padding=([-1, 2], [1, -1]))),  # crops and pads
    ((1, 4, 3, 3, 2), (2, 2, 2, 2, 2), dict(stride=(1, 2, 1), padding=1, flip=True)),
    ((2, 7, 4), (3, 3, 4), dict(stride=2, input_dilation=2)),  # the Convolution route
]


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_weight_grad_matches_numpy(case):
    xs, ws, kw = case
    x, w = rand(*xs), rand(*ws)
    y = mx.conv_general(mx.array(x), mx.array(w), **kw)
    g = rand(*y.shape)
    dw = weight_grad(mx.array(x), mx.array(w), mx.array(g), **kw)
    close(dw, np_weight_grad(x, w, g, **kw))


@needs_torch
@pytest.mark.parametrize("shape,O,k,stride,padding,dilation,groups", [
    ((8, 20, 20, 16), 32, 3, 1, 1, 1, 1),    # rows split over threads (slabs)
    ((8, 19, 21, 12), 12, 3, 2, 1, 1, 3),    # odd sizes, strided, grouped
    ((8, 32, 32, 32), 32, 3, 1, 2, 2, 32),   # depthwise, dilated
    ((16, 16, 16, 24), 48, 1, 1, 0, 1, 1),   # 1x1: one gemm over all rows
    ((16, 16, 16, 24), 48, 1, 2, 0, 1, 2),   # 1x1 strided: im2col
    ((4, 12, 12, 600), 8, 3, 1, 1, 1, 1),    # im2col wider than one column block
])
def test_weight_grad_large_against_torch(shape, O, k, stride, padding, dilation, groups):
    x = rand(*shape)
    w = rand(O, k, k, shape[-1] // groups)
    conv = lambda x, w: mx.conv2d(x, w, stride, padding, dilation, groups)
    g = rand(*conv(mx.array(x), mx.array(w)).shape)
    _, (dw,) = mx.vjp(lambda w: conv(mx.array(x), w), [mx.array(w)], [mx.array(g)])
    xt, wt = to_torch(x), to_torch(w).requires_grad_()
    F.conv2d(xt, wt, None, stride, padding, dilation, groups).backward(to_torch(g))
    close(dw, from_torch(wt.grad), 2e-4)
    # the same bits on every run: partial sums are added in a fixed order
    _, (again,) = mx.vjp(lambda w: conv(mx.array(x), w), [mx.array(w)], [mx.array(g)])
    assert np.array_equal(np.array(dw), np.array(again))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
@pytest.mark.parametrize("groups", [1, 4])
def test_weight_grad_dtypes(dtype, groups):
    x, w = rand(2, 9, 8, 4), rand(4, 3, 3, 4 // groups)
    g = rand(2, 9, 8, 4)
    dt = getattr(mx, dtype)
    dw = weight_grad(mx.array(x, dtype=dt), mx.array(w, dtype=dt), mx.array(g, dtype=dt),
                     padding=1, groups=groups)
    assert dw.dtype == dt
    # the reference from the rounded inputs; half types accumulate in float32
    xr, gr = (np.array(mx.array(a, dtype=dt).astype(mx.float64)) for a in (x, g))
    close(dw, np_weight_grad(xr, w, gr, padding=1, groups=groups), 1e-2 if dtype != "float64" else 1e-9)


def test_weight_grad_empty_and_zero_rows():
    x, w = mx.zeros((0, 5, 5, 3)), mx.ones((4, 3, 3, 3))
    dw = weight_grad(x, w, mx.zeros((0, 3, 3, 4)))
    assert dw.shape == w.shape and not np.any(np.array(dw))


def _wg_fn(kw, wshape):
    """(x, g) -> the weight gradient: bilinear, so its own rules can be checked."""
    return lambda x, g: weight_grad(x, mx.zeros(wshape, dtype=x.dtype), g, **kw)


@pytest.mark.parametrize("case", CASES[:-1], ids=[str(i) for i in range(len(CASES) - 1)])
def test_rules_of_the_weight_grad_node(case):
    """vjp and jvp of ConvWeightGrad by finite differences (float64)."""
    xs, ws, kw = case
    f64 = lambda *shape: mx.array(rand(*shape), dtype=mx.float64)
    x = f64(*xs)
    ys = mx.conv_general(x, mx.zeros(ws, dtype=mx.float64), **kw).shape
    g = f64(*ys)
    f = _wg_fn(kw, ws)
    assert any(n.op == "ConvWeightGrad" for n in mx.graph.nodes(f(x, g)))
    c = f64(*ws)
    _, (dx, dg) = mx.vjp(f, [x, g], [c])
    tx, tg = f64(*xs), f64(*ys)
    eps = 1e-6
    fd = (f(x + eps * tx, g + eps * tg) - f(x - eps * tx, g - eps * tg)) / (2 * eps)
    _, (jv,) = mx.jvp(f, [x, g], [tx, tg])
    close(jv, np.array(fd), 1e-6)
    lhs = float(mx.sum(c * fd))
    rhs = float(mx.sum(dx * tx) + mx.sum(dg * tg))
    assert abs(lhs - rhs) <= 1e-6 * max(1.0, abs(lhs))


@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0), (2, 1)])
@pytest.mark.parametrize("groups", [1, 2])
def test_vmap_of_the_weight_grad_node(in_axes, groups):
    B = 3
    xs, ws, ys = [2, 6, 5, 4], (4, 3, 2, 4 // groups), [2, 3, 6, 4]
    kw = dict(stride=(2, 1), padding=1, groups=groups)
    batched = lambda s, ax: rand(*(s[:ax] + [B] + s[ax:])) if ax is not None else rand(*s)
    xb, gb = batched(xs, in_axes[0]), batched(ys, in_axes[1])
    f = _wg_fn(kw, ws)
    out = mx.vmap(f, in_axes=in_axes)(mx.array(xb), mx.array(gb))
    for b in range(B):
        xi = np.take(xb, b, axis=in_axes[0]) if in_axes[0] is not None else xb
        gi = np.take(gb, b, axis=in_axes[1]) if in_axes[1] is not None else gb
        close(out[b], np_weight_grad(xi, np.zeros(ws), gi, **kw))


def test_second_order_through_a_conv_layer():
    """grad of a loss of the weight gradient (what a gradient penalty does)."""
    x, w = mx.array(rand(2, 6, 6, 3), dtype=mx.float64), mx.array(rand(4, 3, 3, 3), dtype=mx.float64)

    def penalty(x, w):
        return mx.sum(mx.grad(lambda w: mx.sum(mx.conv2d(x, w, 1, 1) ** 2))(w) ** 2)

    gx, gw = mx.grad(penalty, argnums=(0, 1))(x, w)
    tx, tw = mx.array(rand(*x.shape), dtype=mx.float64), mx.array(rand(*w.shape), dtype=mx.float64)
    eps = 1e-6
    fd = (penalty(x + eps * tx, w + eps * tw) - penalty(x - eps * tx, w - eps * tw)) / (2 * eps)
    an = float(mx.sum(gx * tx) + mx.sum(gw * tw))
    assert abs(float(fd) - an) <= 1e-5 * max(1.0, abs(an))
