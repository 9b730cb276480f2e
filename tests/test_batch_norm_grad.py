"""BatchNorm in training mode: its closed-form vjp (nn/layers/normalization.py) gives
the derived gradients (float64 finite differences, PyTorch), its forward and running
statistics are bit for bit those of the plain composition of ops, and it composes
with vmap, compile and second derivatives."""

import numpy as np
import pytest

import lumex.core as mx
import lumex.nn as nn
from lumex.nn.layers.normalization import _batch_norm
from nn_helpers import check_module_grad

try:
    import torch
except ImportError:  # CI has no torch; the other checks still run
    torch = None

rng = np.random.default_rng(5)


def randn(*shape, scale=1.0, shift=0.0):
    return (rng.standard_normal(shape) * scale + shift).astype(np.float32)


def plain_batch_norm(x, eps, weight=None, bias=None):
    """The composition the layer used before its vjp was written out."""
    axes = tuple(range(x.ndim - 1))
    mean, var = mx.mean(x, axis=axes), mx.var(x, axis=axes)
    y = (x - mean) * mx.rsqrt(var + eps)
    return (weight * y + bias if weight is not None else y), mean, var


@pytest.mark.parametrize("shape", [(6, 3), (4, 5, 3), (3, 4, 5, 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_same_values_and_derived_gradients(shape, affine):
    x = mx.array(randn(*shape, scale=2.0, shift=0.5), dtype=mx.float64)
    C = shape[-1]
    params = [mx.array(randn(C), dtype=mx.float64), mx.array(randn(C), dtype=mx.float64)] if affine else []
    cts = [mx.array(randn(*s), dtype=mx.float64) for s in (shape, (C,), (C,))]
    for ours, ref in zip(_batch_norm(x, 1e-5, *params), plain_batch_norm(x, 1e-5, *params)):
        assert np.array_equal(np.array(ours), np.array(ref))
    # all three outputs carry cotangents: the mean's and variance's terms are checked too
    _, got = mx.vjp(lambda *a: list(_batch_norm(a[0], 1e-5, *a[1:])), [x, *params], cts)
    _, want = mx.vjp(lambda *a: list(plain_batch_norm(a[0], 1e-5, *a[1:])), [x, *params], cts)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.array(g), np.array(w), rtol=1e-10, atol=1e-12)


def test_layer_gradients_by_finite_differences():
    for bn, x in [(nn.BatchNorm(3), randn(5, 4, 3)), (nn.BatchNorm(4, affine=False), randn(3, 2, 5, 4))]:
        check_module_grad(bn, mx.array(x))
        mx.eval(bn.state)  # running statistics traced by the checks


def test_forward_and_running_stats_are_unchanged_bits():
    x = mx.array(randn(16, 6, 6, 8, scale=3.0, shift=1.0))
    bn = nn.BatchNorm(8, momentum=0.3)
    bn.weight, bn.bias = mx.array(randn(8)), mx.array(randn(8))
    y = bn(x)
    ref, mean, var = plain_batch_norm(x, bn.eps, bn.weight, bn.bias)
    unbiased = mx.var(x, axis=(0, 1, 2), ddof=1)
    assert np.array_equal(np.array(y), np.array(ref))
    assert np.array_equal(np.array(bn.running_mean), np.array(0.3 * mean))
    assert np.array_equal(np.array(bn.running_var), np.array(0.7 * mx.ones(8) + 0.3 * unbiased))


@pytest.mark.skipif(torch is None, reason="torch is not installed")
def test_training_gradients_against_torch():
    x, g = randn(8, 5, 5, 6, scale=2.0), randn(8, 5, 5, 6)
    w, b = randn(6), randn(6)
    bn = nn.BatchNorm(6)
    bn.weight, bn.bias = mx.array(w), mx.array(b)

    def loss(model, x):
        return mx.sum(model(x) * mx.array(g))

    (_, grads), dx = nn.value_and_grad(bn, loss)(bn, mx.array(x)), mx.grad(
        lambda x: loss(bn, x))(mx.array(x))
    tb = torch.nn.BatchNorm2d(6)
    with torch.no_grad():
        tb.weight.copy_(torch.tensor(w))
        tb.bias.copy_(torch.tensor(b))
    tx = torch.tensor(np.moveaxis(x, -1, 1)).requires_grad_()
    tb(tx).backward(torch.tensor(np.moveaxis(g, -1, 1)))
    np.testing.assert_allclose(np.array(dx), np.moveaxis(tx.grad.numpy(), 1, -1), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.array(grads["weight"]), tb.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.array(grads["bias"]), tb.bias.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_second_order_vmap_and_compile():
    x = mx.array(randn(6, 4), dtype=mx.float64)
    w, b = mx.array(randn(4), dtype=mx.float64), mx.array(randn(4), dtype=mx.float64)
    probe = mx.array(randn(6, 4), dtype=mx.float64)

    def penalty(fn):
        inner = lambda x, w: mx.sum(fn(x, 1e-5, w, b)[0] ** 3 * probe)
        return lambda x, w: mx.sum(mx.grad(inner, argnums=(0, 1))(x, w)[0] ** 2)

    ours = mx.grad(penalty(_batch_norm), argnums=(0, 1))(x, w)
    ref = mx.grad(penalty(plain_batch_norm), argnums=(0, 1))(x, w)
    for a, r in zip(ours, ref):
        np.testing.assert_allclose(np.array(a), np.array(r), rtol=1e-8, atol=1e-10)

    xb = mx.array(randn(3, 6, 4), dtype=mx.float64)
    f = lambda x: mx.grad(lambda x: mx.sum(_batch_norm(x, 1e-5, w, b)[0] * probe))(x)
    got = mx.vmap(f)(xb)
    for i in range(3):
        np.testing.assert_allclose(np.array(got[i]), np.array(f(xb[i])), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.array(mx.compile(f)(x)), np.array(f(x)), rtol=1e-12, atol=1e-12)
