"""mx.random: keys, splitting and distributions, checked bit for bit against
values produced by the MLX 0.32 wheel for the same keys."""

import math

import numpy as np
import pytest

import lumex.core as mx
from helpers import vmap_loop

# Produced with mlx 0.32.4 (see the module docstring).
SPLIT3 = [[877192987, 1614509672], [1950127089, 3448417067], [2823528474, 3529024829]]
SPLIT_BIG = [[434922641, 1437116696], [161944492, 3893796638], [774262966, 2323868259],
             [2041609357, 3968618257], [953261777, 2418451123]]
UNIFORM7_BITS = [1065036376, 1052099276, 1059584767, 1054488841, 1053714492, 1057005731,
                 1048899631]
UNIFORM_F16_BITS = [[15792, 15870, 15910], [15956, 48819, 15216]]
NORMAL5_BITS = [3221346664, 3212422391, 1062349540, 1052589314, 3210863180]


def u32(a):
    return np.array(a).view(np.uint32).tolist()


def test_key():
    assert mx.random.key(0).tolist() == [0, 0]
    assert mx.random.key(0).dtype == mx.uint32
    assert mx.random.key(2**40 + 5).tolist() == [256, 5]


def test_split_matches_mlx():
    assert mx.random.split(mx.random.key(0)).tolist() == [
        [4146024105, 967050713], [2718843009, 1272950319]]
    assert mx.random.split(mx.random.key(3), 3).tolist() == SPLIT3
    assert mx.random.split(mx.random.key(2**40 + 5), 5).tolist() == SPLIT_BIG


def test_uniform_bits_match_mlx():
    assert u32(mx.random.uniform(shape=(7,), key=mx.random.key(11))) == UNIFORM7_BITS
    x = mx.random.uniform(-2, 3, shape=(2, 3), dtype=mx.float16, key=mx.random.key(5))
    assert x.dtype == mx.float16
    assert np.array(x).view(np.uint16).tolist() == UNIFORM_F16_BITS
    # Every length exercises a different block layout (odd/even word counts).
    for n, ref in [(2, [0.216295, 0.804124])]:
        np.testing.assert_allclose(np.array(mx.random.uniform(shape=(n,), key=mx.random.key(0))), ref, rtol=1e-5)


def test_normal_bits_match_mlx():
    # Same uniforms as MLX; erfinv may differ from MLX's by an ulp.
    got = np.array(u32(mx.random.normal((5,), key=mx.random.key(4))), dtype=np.int64)
    assert np.abs(got - np.array(NORMAL5_BITS, dtype=np.int64)).max() <= 2
    np.testing.assert_allclose(np.array(mx.random.normal((3,), key=mx.random.key(1))),
                               [0.17269, -0.647656, 1.22297], rtol=1e-5)


def test_distributions_match_mlx():
    k = mx.random.key
    assert mx.random.randint(-10, 10, (9,), key=k(8)).tolist() == [-4, 4, -3, -10, 9, -2, -2, 4, -4]
    assert mx.random.bernoulli(0.3, (8,), key=k(9)).tolist() == [
        False, True, True, False, False, False, False, False]
    np.testing.assert_allclose(np.array(mx.random.gumbel((4,), key=k(2))),
                               [0.8997458815574646, -0.5215513706207275, 0.5598543286323547,
                                -1.0731794834136963], rtol=1e-6)
    np.testing.assert_allclose(np.array(mx.random.laplace((4,), key=k(2))),
                               [-0.40305382013320923, 0.9914916753768921, -0.13879115879535675,
                                2.231515884399414], rtol=1e-6)
    np.testing.assert_allclose(np.array(mx.random.truncated_normal(-1, 1, (4,), key=k(2))),
                               [0.2877531945705414, -0.5671623945236206, 0.11110863834619522,
                                -0.8585155010223389], rtol=1e-5)
    logits = mx.array([[0.0, 1, 2], [3, 1, 0]])
    assert mx.random.categorical(logits, num_samples=4, key=k(1)).tolist() == [
        [2, 2, 1, 2], [0, 1, 0, 0]]
    assert mx.random.categorical(logits, shape=(5, 2), key=k(1)).tolist() == [
        [2, 0], [2, 0], [2, 0], [1, 0], [2, 0]]
    assert mx.random.categorical(logits, key=k(1)).dtype == mx.uint32


def test_seed_and_global_state():
    mx.random.seed(0)
    np.testing.assert_allclose(np.array(mx.random.uniform(shape=(3,))),
                               [0.8724143505096436, 0.11105155944824219, 0.2770805358886719],
                               rtol=1e-6)
    mx.random.seed(3)
    a = mx.random.uniform(shape=(4,))
    mx.random.seed(3)
    b = mx.random.uniform(shape=(4,))
    c = mx.random.uniform(shape=(4,))
    assert a.tolist() == b.tolist() != c.tolist()
    assert mx.random.state[0].shape == (2,)


def test_statistics():
    k = mx.random.key(42)
    u = np.array(mx.random.uniform(shape=(20000,), key=k))
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    n = np.array(mx.random.normal((20000,), key=k))
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03
    r = np.array(mx.random.randint(0, 5, (20000,), key=k))
    assert set(np.unique(r)) == set(range(5))
    t = np.array(mx.random.truncated_normal(-0.5, 0.5, (1000,), key=k))
    assert t.min() >= -0.5 and t.max() <= 0.5
    c = mx.random.normal((4,), dtype=mx.complex64, key=k)
    assert c.dtype == mx.complex64


def test_multivariate_normal():
    cov = mx.array([[2.0, 0.5], [0.5, 1.0]])
    x = np.array(mx.random.multivariate_normal(mx.array([1.0, -1.0]), cov, (20000,),
                                               key=mx.random.key(3)))
    assert x.shape == (20000, 2)
    np.testing.assert_allclose(x.mean(0), [1, -1], atol=0.05)
    np.testing.assert_allclose(np.cov(x.T), np.array(cov), atol=0.08)


def test_shapes_and_dtypes():
    k = mx.random.key(0)
    assert mx.random.uniform(shape=(2, 3), key=k).shape == (2, 3)
    assert mx.random.uniform(mx.zeros((3,)), 1, (2, 3), key=k).shape == (2, 3)
    assert mx.random.normal((2,), dtype=mx.float16, key=k).dtype == mx.float16
    assert mx.random.randint(0, 3, (4,), dtype=mx.uint8, key=k).dtype == mx.uint8
    assert mx.random.bernoulli(mx.array([0.1, 0.9]), key=k).shape == (2,)
    assert mx.random.truncated_normal(mx.array([-1.0, 0.0]), 1, key=k).shape == (2,)
    assert mx.random.uniform(shape=(0,), key=k).shape == (0,)


def test_errors():
    k = mx.random.key(0)
    with pytest.raises(ValueError, match="floating point"):
        mx.random.uniform(shape=(3,), dtype=mx.int32)
    with pytest.raises(ValueError, match="key shape"):
        mx.random.uniform(shape=(3,), key=mx.array([1, 2, 3], mx.uint32))
    with pytest.raises(ValueError, match="key type"):
        mx.random.uniform(shape=(3,), key=mx.array([1, 2]))
    with pytest.raises(ValueError, match="broadcasted shape"):
        mx.random.uniform(mx.zeros((2,)), shape=(), key=k)
    with pytest.raises(ValueError, match="integer dtypes"):
        mx.random.randint(0, 10, (5,), dtype=mx.float32, key=k)
    with pytest.raises(ValueError, match="float type"):
        mx.random.bernoulli(1, key=k)
    with pytest.raises(ValueError, match="At most one"):
        mx.random.categorical(mx.zeros((2, 3)), shape=(5, 2), num_samples=3, key=k)


def test_permutation_matches_mlx():
    k = mx.random.key(0)
    p = mx.random.permutation(10, key=k)
    assert p.dtype == mx.uint32
    assert p.tolist() == [3, 6, 7, 4, 0, 2, 5, 1, 9, 8]
    x = mx.arange(12).reshape(3, 4)
    got = mx.random.permutation(x, axis=1, key=mx.random.key(3))
    assert got.tolist() == [[1, 0, 3, 2], [5, 4, 7, 6], [9, 8, 11, 10]]
    assert sorted(mx.random.permutation(50).tolist()) == list(range(50))


def test_random_vmap_over_keys():
    keys = mx.random.split(mx.random.key(7), 4)
    f = lambda k: mx.random.uniform(shape=(3,), key=k)
    np.testing.assert_array_equal(np.array(mx.vmap(f)(keys)), vmap_loop(f, keys))
    g = lambda k: mx.random.normal((2, 2), key=k)
    np.testing.assert_array_equal(np.array(mx.vmap(g, in_axes=1)(keys.T)), vmap_loop(g, keys))


def test_random_zero_grad():
    def f(x):
        return x * mx.random.uniform(shape=(3,), key=mx.random.key(0))
    g = mx.grad(lambda x: mx.sum(f(x)))(mx.ones((3,)))
    np.testing.assert_allclose(np.array(g), np.array(mx.random.uniform(shape=(3,), key=mx.random.key(0))))
