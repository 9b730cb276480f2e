"""sort/argsort/partition/argpartition/topk/searchsorted/diff against NumPy,
NaN ordering, uint32 indices, gradients and vmap."""

import numpy as np
import pytest

import lumex.core as mx

from test_grad_ops import check_grads, check_vmap, rand

RNG = np.random.default_rng(3)
DTYPES = ["float32", "float64", "int32", "int8", "uint8", "int64", "uint32", "float16", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", [((1000,), -1), ((7, 300), 0), ((5, 6, 40), 1), ((3, 4), None)])
def test_sort_argsort_match_numpy(dtype, shape, axis):
    x = (RNG.normal(size=shape) * 50).astype(dtype)
    a = mx.array(x, dtype=getattr(mx, "bool_" if dtype == "bool" else dtype))
    np.testing.assert_array_equal(np.array(mx.sort(a, axis=axis)), np.sort(x, axis=axis))
    idx = mx.argsort(a, axis=axis)
    assert idx.dtype == mx.uint32
    np.testing.assert_array_equal(np.array(idx), np.argsort(x, axis=axis, kind="stable"))


def test_nan_ordering():
    x = np.array([3.0, np.nan, 1.0, -np.nan, 2.0, -np.inf, np.inf], dtype=np.float32)
    np.testing.assert_array_equal(np.array(mx.sort(mx.array(x))), np.sort(x))
    np.testing.assert_array_equal(np.array(mx.argsort(mx.array(x))), [5, 2, 4, 0, 6, 1, 3])
    big = RNG.normal(size=1000).astype(np.float32)
    big[::7] = np.nan
    np.testing.assert_array_equal(np.array(mx.sort(mx.array(big))), np.sort(big))
    np.testing.assert_array_equal(np.array(mx.argsort(mx.array(big))), np.argsort(big, kind="stable"))


@pytest.mark.parametrize("kth", [0, 3, -1])
@pytest.mark.parametrize("axis", [0, 1])
def test_partition(kth, axis):
    x = RNG.normal(size=(9, 12)).astype(np.float32)
    p = np.array(mx.partition(mx.array(x), kth, axis=axis))
    s = np.sort(x, axis=axis)
    k = kth % x.shape[axis]
    np.testing.assert_array_equal(np.take(p, k, axis=axis), np.take(s, k, axis=axis))
    assert np.all(np.take(p, range(k), axis=axis) <= np.take(p, [k], axis=axis))
    assert np.all(np.take(p, range(k + 1, x.shape[axis]), axis=axis) >= np.take(p, [k], axis=axis))
    ip = mx.argpartition(mx.array(x), kth, axis=axis)
    assert ip.dtype == mx.uint32
    np.testing.assert_array_equal(np.take_along_axis(x, np.array(ip).astype(np.int64), axis=axis), p)


def test_topk():
    x = RNG.normal(size=(4, 20)).astype(np.float32)
    t = np.array(mx.topk(mx.array(x), 5))
    np.testing.assert_array_equal(np.sort(t, axis=-1), np.sort(x, axis=-1)[:, -5:])
    t0 = np.array(mx.topk(mx.array(x), 2, axis=0))
    np.testing.assert_array_equal(np.sort(t0, axis=0), np.sort(x, axis=0)[-2:])


def test_searchsorted_and_diff():
    a = mx.array([1, 2, 2, 4])
    v = mx.array([0, 2, 3, 5])
    np.testing.assert_array_equal(np.array(mx.searchsorted(a, v)), [0, 1, 3, 4])
    np.testing.assert_array_equal(np.array(mx.searchsorted(a, v, side="right")), [0, 3, 3, 4])
    x = RNG.normal(size=(4, 6)).astype(np.float32)
    for n, axis in [(1, -1), (2, 0), (3, 1)]:
        np.testing.assert_allclose(np.array(mx.diff(mx.array(x), n=n, axis=axis)),
                                   np.diff(x, n=n, axis=axis), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "int32", "uint8", "float16", "int64"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_matches_numpy(dtype, side):
    seq = np.sort((RNG.normal(size=500) * 20).astype(dtype))
    vals = (RNG.normal(size=(7, 30)) * 25).astype(dtype)
    vals[0, :5] = seq[:5]  # exact hits, where the sides differ
    got = mx.searchsorted(mx.array(seq), mx.array(vals), side=side)
    assert got.dtype == mx.uint32 and got.shape == vals.shape
    np.testing.assert_array_equal(np.array(got), np.searchsorted(seq, vals, side=side))


def test_searchsorted_nan_and_promotion():
    # NaN sorts last, as in MLX's sort.
    seq = mx.array([1.0, 2.0, float("nan")])
    v = mx.array([float("nan"), 3.0, 1.0])
    assert mx.searchsorted(seq, v).tolist() == [2, 2, 0]
    assert mx.searchsorted(seq, v, side="right").tolist() == [3, 2, 1]
    u8 = mx.array([1, 2, 3], dtype=mx.uint8)
    assert mx.searchsorted(u8, mx.array([-1, 300])).tolist() == [0, 3]
    assert mx.searchsorted(mx.array([1.0, 2.0]), mx.array([[[1.5]]])).shape == (1, 1, 1)
    assert mx.searchsorted(mx.array([], dtype=mx.float32), mx.array([1.0])).tolist() == [0]
    with pytest.raises(ValueError, match=r"\[searchsorted\] The sorted sequence must be 1-D"):
        mx.searchsorted(mx.array(1.0), mx.array([1.0]))


def test_searchsorted_vmap_over_values():
    seq = mx.array([1, 2, 3])
    out = mx.vmap(mx.searchsorted, in_axes=(None, 1))(seq, mx.array([[2, 5], [0, 1]]))
    assert out.tolist() == [[1, 0], [3, 0]]


@pytest.mark.lumex_only
def test_searchsorted_vmap_over_sequences():
    # MLX refuses a batched sequence; lumex searches each row.
    seqs = np.sort(RNG.normal(size=(4, 50)).astype(np.float32), axis=1)
    vals = RNG.normal(size=(4, 9)).astype(np.float32)
    out = mx.vmap(mx.searchsorted)(mx.array(seqs), mx.array(vals))
    want = np.stack([np.searchsorted(s, v) for s, v in zip(seqs, vals)])
    np.testing.assert_array_equal(np.array(out), want)
    shared = mx.vmap(mx.searchsorted, in_axes=(0, None))(mx.array(seqs), mx.array(vals[0]))
    want = np.stack([np.searchsorted(s, vals[0]) for s in seqs])
    np.testing.assert_array_equal(np.array(shared), want)


def test_bad_arguments():
    a = mx.array([3, 1, 2])
    with pytest.raises((ValueError, IndexError)):
        mx.sort(a, axis=2)
    with pytest.raises(ValueError):
        mx.partition(a, 5)
    with pytest.raises(ValueError):
        mx.topk(a, 4)
    with pytest.raises(ValueError):
        mx.searchsorted(a, a, side="middle")


SORT_GRADS = [
    ("sort", lambda x: mx.sort(x, axis=1)),
    ("sort0", lambda x: mx.sort(x, axis=0)),
    ("partition", lambda x: mx.partition(x, 2, axis=1)),
    ("topk", lambda x: mx.topk(x, 2, axis=1)),
    ("argsort_zero", lambda x: x * mx.argsort(x, axis=1).astype(mx.float64)),
]


@pytest.mark.parametrize("name,f", SORT_GRADS, ids=[c[0] for c in SORT_GRADS])
def test_sort_grads(name, f):
    check_grads(f, [rand((3, 5))])


@pytest.mark.parametrize("f", [lambda x: mx.sort(x), lambda x: mx.argsort(x, axis=0),
                               lambda x: mx.partition(x, 1), lambda x: mx.argpartition(x, 2, axis=0)])
@pytest.mark.parametrize("axis", [0, 1])
def test_sort_vmap(f, axis):
    check_vmap(f, [rand((4, 5, 3))], [axis])
