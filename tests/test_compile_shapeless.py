"""compile(shapeless=True): one trace per rank and dtype, resized on replay (MLX's
behaviour), results checked against the uncompiled function and NumPy."""

import numpy as np
import pytest

import lumex.core as mx


def close(a, b):
    np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-5, atol=1e-5)


def counted(fun):
    calls = [0]

    def wrapped(*args):
        calls[0] += 1
        return fun(*args)

    return wrapped, calls


def test_one_trace_serves_every_size_of_the_same_rank_and_dtype():
    def f(x, w):
        h = mx.tanh(x @ w) * 2 + 1
        return (h - h.max(-1, keepdims=True)).sum(0, keepdims=True), mx.transpose(h).reshape(-1)

    fun, calls = counted(f)
    cf = mx.compile(fun, shapeless=True)
    rng = np.random.default_rng(0)
    for n, k, m in [(3, 4, 5), (7, 2, 6), (1, 9, 1)]:
        x = mx.array(rng.standard_normal((n, k)).astype(np.float32))
        w = mx.array(rng.standard_normal((k, m)).astype(np.float32))
        got, want = cf(x, w), f(x, w)
        for g, e in zip(got, want):
            assert g.shape == e.shape
            close(g, e)
    assert calls[0] == 1
    # A new dtype or rank traces again.
    cf(mx.ones((2, 3), mx.float16), mx.ones((3, 2), mx.float16))
    assert calls[0] == 2
    cf(mx.ones((2, 2, 3)), mx.ones((3, 2)))
    assert calls[0] == 3


def test_ops_that_read_a_size_and_constants_of_the_trace_are_traced_again():
    # mean divides by the element count, zeros_like makes a constant of the traced
    # shape: resizing either trace would be wrong, so new sizes trace again.
    for fun, want in [(lambda x: mx.mean(x, keepdims=True), lambda n: np.ones((1,))),
                      (lambda x: mx.zeros_like(x), lambda n: np.zeros((n,))),
                      (lambda x: mx.ones_like(x) + x.var(), lambda n: np.ones((n,)))]:
        cf = mx.compile(fun, shapeless=True)
        for n in (2, 4, 7):
            got = cf(mx.ones((n,)))
            assert got.shape == want(n).shape
            close(got, want(n))


def test_values_read_while_tracing_stay_as_traced():
    y = 1
    cf = mx.compile(lambda x: x + y, shapeless=True)
    close(cf(mx.array([1, 2])), [2, 3])
    y = 2
    close(cf(mx.array([1, 2, 3])), [2, 3, 4])  # not traced again
    close(cf(mx.array([1.0, 2.0])), [3.0, 4.0])  # float32: traced again


def test_reshape_with_minus_one_follows_the_size_and_rejects_what_does_not_divide():
    cf = mx.compile(lambda x: x.reshape(x.shape[0] * x.shape[1], -1), shapeless=True)
    assert cf(mx.zeros((2, 3, 4))).shape == (6, 4)
    assert cf(mx.zeros((2, 3, 8))).shape == (6, 8)
    with pytest.raises(ValueError, match="reshape"):
        cf(mx.zeros((5, 5, 5)))


def test_inputs_that_no_longer_broadcast_raise_value_error():
    cf = mx.compile(lambda x, y: x * y, shapeless=True)
    close(cf(mx.ones((2, 3)), mx.ones((1, 3))), np.ones((2, 3)))
    with pytest.raises(ValueError):
        cf(mx.ones((2, 3)), mx.ones((4, 5)))


@pytest.mark.lumex_only
def test_a_trace_lumex_cannot_resize_is_traced_again_with_correct_results():
    # Slice has no output_shapes rule yet: the new sizes get their own trace.
    fun, calls = counted(lambda x: mx.exp(x[1:]) + x.sum())
    cf = mx.compile(fun, shapeless=True)
    for n in (4, 6, 6):
        x = mx.arange(n, dtype=mx.float32)
        close(cf(x), np.exp(np.arange(1, n)) + np.arange(n).sum())
    assert calls[0] == 2


def test_gradients_through_a_resized_trace():
    def loss(w, x):
        return mx.sum(mx.sigmoid(x @ w) ** 2)

    cl = mx.compile(loss, shapeless=True)
    rng = np.random.default_rng(1)
    for n in (3, 8):
        w = mx.array(rng.standard_normal((4, 2)).astype(np.float32))
        x = mx.array(rng.standard_normal((n, 4)).astype(np.float32))
        close(mx.grad(cl)(w, x), mx.grad(loss)(w, x))
        close(mx.grad(cl, argnums=1)(w, x), mx.grad(loss, argnums=1)(w, x))


def test_an_ops_implicit_broadcast_follows_the_new_sizes():
    fun, calls = counted(lambda x, y: x * x.sum(-1, keepdims=True) + y.sum(0, keepdims=True))
    cf = mx.compile(fun, shapeless=True)
    rng = np.random.default_rng(2)
    for n, m in [(3, 2), (1, 2), (4, 5)]:
        x = mx.array(rng.standard_normal((n, m)).astype(np.float32))
        y = mx.array(rng.standard_normal((6, m)).astype(np.float32))
        close(cf(x, y), fun(x, y))
    assert calls[0] == 1 + 3  # one trace; the other calls are the reference
