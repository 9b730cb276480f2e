"""block_masked_mm and segmented_mm against NumPy (values) and finite differences
(gradients, which come from the ops they are composed of)."""

import numpy as np
import pytest

import lumex.core as mx
from test_grad_ops import check_grads

RNG = np.random.default_rng(3)


def expand(mask, bs, rows, cols):
    """A block mask (..., br, bc) as an element mask (..., rows, cols)."""
    m = np.repeat(np.repeat(mask, bs, axis=-2), bs, axis=-1)
    return m[..., :rows, :cols]


def np_block_masked_mm(a, b, bs, out=None, lhs=None, rhs=None):
    m, k = a.shape[-2:]
    n = b.shape[-1]
    if lhs is not None:
        a = np.where(expand(lhs, bs, m, k), a, 0) if lhs.dtype == bool else a * expand(lhs, bs, m, k)
    if rhs is not None:
        b = np.where(expand(rhs, bs, k, n), b, 0) if rhs.dtype == bool else b * expand(rhs, bs, k, n)
    c = a @ b
    if out is not None:
        c = np.where(expand(out, bs, m, n), c, 0) if out.dtype == bool else c * expand(out, bs, m, n)
    return c


def blocks(n, bs):
    return (n + bs - 1) // bs


@pytest.mark.parametrize("m,n,k,bs,ba,bb", [
    (16, 16, 16, 32, (), ()), (64, 40, 70, 32, (), ()), (33, 65, 64, 16, (), ()),
    (64, 64, 64, 32, (1, 2), (2, 2)), (1, 128, 96, 32, (3,), ())])
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_block_masked_mm_matches_numpy(m, n, k, bs, ba, bb, kind):
    a = RNG.standard_normal(ba + (m, k)).astype(np.float32)
    b = RNG.standard_normal(bb + (k, n)).astype(np.float32)
    bo = np.broadcast_shapes(ba, bb)

    def mask(batch, r, c):
        x = RNG.standard_normal(batch + (blocks(r, bs), blocks(c, bs))).astype(np.float32)
        return x > 0 if kind == "bool" else np.maximum(x, 0)

    lhs, rhs, out = mask(ba, m, k), mask(bb, k, n), mask(bo, m, n)
    for o, l, r in [(out, lhs, rhs), (None, lhs, rhs), (out, None, None), (None, None, rhs)]:
        want = np_block_masked_mm(a, b, bs, o, l, r)
        got = mx.block_masked_mm(mx.array(a), mx.array(b), bs,
                                 *(None if x is None else mx.array(x) for x in (o, l, r)))
        np.testing.assert_allclose(np.array(got), want, rtol=1e-4, atol=1e-4)


def test_block_masked_mm_false_block_is_skipped():
    # A masked-out block is never read: inf there does not become NaN.
    a = np.ones((64, 64), np.float32)
    a[:32, :32] = np.inf
    lhs = np.array([[False, True], [True, True]])
    got = mx.block_masked_mm(mx.array(a), mx.ones((64, 64)), 32, None, mx.array(lhs))
    assert np.isfinite(np.array(got)).all()


def test_block_masked_mm_grads():
    a = mx.array(RNG.standard_normal((40, 24)), dtype=mx.float64)
    b = mx.array(RNG.standard_normal((24, 36)), dtype=mx.float64)
    lhs = mx.array(RNG.uniform(size=(3, 2)), dtype=mx.float64)
    rhs = mx.array(RNG.uniform(size=(2, 3)), dtype=mx.float64)
    out = mx.array(RNG.uniform(size=(3, 3)) > 0.3)
    check_grads(lambda a, b, l, r: mx.block_masked_mm(a, b, 16, out, l, r), [a, b, lhs, rhs])


def test_block_masked_mm_errors():
    a = mx.ones((64, 64))
    with pytest.raises(ValueError, match="must end in"):
        mx.block_masked_mm(a, a, 32, mx.ones((3, 3)))
    with pytest.raises(ValueError):
        mx.block_masked_mm(mx.ones((4,)), a, 32)
    with pytest.raises(ValueError):
        mx.block_masked_mm(a, a, 0)


def np_segmented_mm(a, b, seg):
    flat = seg.reshape(-1, 2)
    out = np.stack([a[:, s:e] @ b[s:e, :] for s, e in flat])
    return out.reshape(seg.shape[:-1] + (a.shape[0], b.shape[1]))


@pytest.mark.parametrize("m,n,k", [(10, 10, 10), (3, 20, 50), (20, 3, 50)])
def test_segmented_mm_matches_numpy(m, n, k):
    a = RNG.standard_normal((m, k)).astype(np.float32)
    b = RNG.standard_normal((k, n)).astype(np.float32)
    seg = np.array([[0, 0], [0, k // 2], [k // 2, k], [3, 7], [7, 3]], np.uint32)
    got = mx.segmented_mm(mx.array(a), mx.array(b), mx.array(seg))
    np.testing.assert_allclose(np.array(got), np_segmented_mm(a, b, seg), rtol=1e-4, atol=1e-4)
    # Transposed operands and batched segments.
    seg2 = seg[:4].reshape(2, 2, 2).astype(np.int32)
    got = mx.segmented_mm(mx.array(a.T.copy()).T, mx.array(b), mx.array(seg2))
    assert got.shape == (2, 2, m, n)
    np.testing.assert_allclose(np.array(got), np_segmented_mm(a, b, seg2), rtol=1e-4, atol=1e-4)


def test_segmented_mm_grads():
    a = mx.array(RNG.standard_normal((4, 9)), dtype=mx.float64)
    b = mx.array(RNG.standard_normal((9, 5)), dtype=mx.float64)
    seg = mx.array([[0, 4], [2, 9]])
    check_grads(lambda a, b: mx.segmented_mm(a, b, seg), [a, b])


def test_segmented_mm_errors():
    a = mx.ones((2, 10, 10))
    with pytest.raises(ValueError, match="not supported"):
        mx.segmented_mm(a, a, mx.array([[0, 5], [5, 10]]))
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        mx.segmented_mm(mx.ones((2, 3)), mx.ones((3, 2)), mx.array([0, 1, 2]))
    with pytest.raises(ValueError, match="integers"):
        mx.segmented_mm(mx.ones((2, 3)), mx.ones((3, 2)), mx.array([[0.0, 1.0]]))
