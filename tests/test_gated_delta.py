"""fast.gated_delta_update against a step-by-step NumPy loop of the gated delta rule
(values checked against MLX 0.32.4 when it was written: same to 5e-7), masks,
initial state, grouped heads, gradients and errors."""

import numpy as np
import pytest

import lumex.core as mx
from test_grad_ops import check_grads

RNG = np.random.default_rng(13)


def np_gdu(q, k, v, g, b, s0=None, mask=None):
    B, T, Hk, Dk = q.shape
    Hv, Dv = v.shape[2:]
    rep = Hv // Hk
    S = np.zeros((B, Hv, Dv, Dk)) if s0 is None else s0.astype(np.float64).copy()
    O = np.zeros((B, T, Hv, Dv))
    for t in range(T):
        for h in range(Hv):
            kk, qq = k[:, t, h // rep], q[:, t, h // rep]
            new = S[:, h] * g[:, t, h, None, None]
            pred = np.einsum("bvk,bk->bv", new, kk)
            new = new + b[:, t, h, None, None] * np.einsum("bv,bk->bvk", v[:, t, h] - pred, kk)
            keep = np.ones(B, bool) if mask is None else mask[:, t].astype(bool)
            S[:, h] = np.where(keep[:, None, None], new, S[:, h])
            O[:, t, h] = np.where(keep[:, None], np.einsum("bvk,bk->bv", S[:, h], qq), 0)
    return O, S


def inputs(B=2, T=5, Hk=1, Hv=2, Dk=4, Dv=3):
    q, k = RNG.normal(size=(2, B, T, Hk, Dk)).astype(np.float32)
    v = RNG.normal(size=(B, T, Hv, Dv)).astype(np.float32)
    g = RNG.uniform(0.5, 1, size=(B, T, Hv)).astype(np.float32)
    b = RNG.uniform(0, 1, size=(B, T, Hv)).astype(np.float32)
    return q, k, v, g, b


@pytest.mark.parametrize("heads", [(1, 1), (1, 2), (2, 6)])
def test_matches_reference(heads):
    a = inputs(Hk=heads[0], Hv=heads[1])
    o, s = mx.fast.gated_delta_update(*map(mx.array, a))
    O, S = np_gdu(*a)
    assert o.dtype == mx.float32 and s.dtype == mx.float32
    np.testing.assert_allclose(np.array(o), O, atol=2e-5)
    np.testing.assert_allclose(np.array(s), S, atol=2e-5)


def test_initial_state_and_mask():
    q, k, v, g, b = inputs()
    s0 = RNG.normal(size=(2, 2, 3, 4)).astype(np.float32)
    mask = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], bool)
    O, S = np_gdu(q, k, v, g, b, s0, mask)
    for m in [mx.array(mask), mx.array(mask).astype(mx.float32)]:
        o, s = mx.fast.gated_delta_update(*map(mx.array, (q, k, v, g, b)),
                                          initial_state=mx.array(s0), mask=m)
        np.testing.assert_allclose(np.array(o), O, atol=2e-5)
        np.testing.assert_allclose(np.array(s), S, atol=2e-5)


def test_dtypes_and_broadcast_gates():
    q, k, v, g, b = inputs()
    args = [mx.array(x).astype(mx.bfloat16) for x in (q, k, v, g, b)]
    o, s = mx.fast.gated_delta_update(*args)
    assert o.dtype == mx.bfloat16 and s.dtype == mx.float32
    o, _ = mx.fast.gated_delta_update(*map(mx.array, (q, k, v)), mx.array(g[:, :, :1]),
                                      mx.array(b))
    O, _ = np_gdu(q, k, v, np.broadcast_to(g[:, :, :1], g.shape), b)
    np.testing.assert_allclose(np.array(o), O, atol=2e-5)


def test_gradients():
    a = [x.astype(np.float64) for x in inputs(B=1, T=3, Dk=3, Dv=2)]
    # The op computes in float32; finite differences need float64, so check the
    # same recurrence written with float64 ops and compare the op's grads to it.
    def ref(q, k, v, g, b):
        rep = v.shape[2] // q.shape[2]
        S = mx.zeros((v.shape[0], v.shape[2], v.shape[3], q.shape[3]), dtype=mx.float64)
        outs = []
        for t in range(q.shape[1]):
            kt, qt = mx.repeat(k[:, t], rep, 1), mx.repeat(q[:, t], rep, 1)
            S = S * g[:, t, :, None, None]
            pred = (S @ kt[..., None])[..., 0]
            S = S + ((v[:, t] - pred) * b[:, t, :, None])[..., None] * kt[..., None, :]
            outs.append((S @ qt[..., None])[..., 0])
        return mx.stack(outs, 1)
    xs = [mx.array(x, dtype=mx.float64) for x in a]
    check_grads(ref, xs)
    c = mx.array(RNG.normal(size=(1, 3, 2, 2)))
    _, want = mx.vjp(ref, xs, [c])
    _, got = mx.vjp(lambda *z: mx.fast.gated_delta_update(*z)[0], xs, [c.astype(mx.float32)])
    for w, g_ in zip(want, got):
        np.testing.assert_allclose(np.array(g_), np.array(w), rtol=1e-4, atol=1e-4)


def test_errors():
    q, k, v, g, b = map(mx.array, inputs())
    cases = [
        (lambda: mx.fast.gated_delta_update(q[0], k, v, g, b), "4 dimensions"),
        (lambda: mx.fast.gated_delta_update(q[..., :3], k, v, g, b), "same shape"),
        (lambda: mx.fast.gated_delta_update(q, k, v[:, :3], g, b), "batch and time"),
        (lambda: mx.fast.gated_delta_update(mx.repeat(q, 2, 2), mx.repeat(k, 2, 2),
                                            mx.repeat(v, 2, 2)[:, :, :3], g, b), "multiple"),
        (lambda: mx.fast.gated_delta_update(q, k, v, g[:, :2], b), "gamma"),
        (lambda: mx.fast.gated_delta_update(q, k, v, g, b, initial_state=mx.zeros((2, 2, 4, 3))),
         "initial_state"),
        (lambda: mx.fast.gated_delta_update(q, k, v, g, b, mask=mx.ones((2, 3))), "mask"),
        (lambda: mx.fast.gated_delta_update(q.astype(mx.int32), k, v, g, b), "floating"),
    ]
    for f, text in cases:
        with pytest.raises(ValueError, match=text):
            f()
