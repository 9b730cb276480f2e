"""lumex.nn.init: shapes, dtypes, the distributions' parameters and bad input
(bit-identity with MLX is in test_nn_mlx_compare.py)."""

import math

import numpy as np
import pytest

import lumex.core as mx
import lumex.nn as nn

init = nn.init


def test_constant_identity_dtypes():
    np.testing.assert_array_equal(np.array(init.constant(0.5)(mx.zeros((2, 3)))),
                                  np.full((2, 3), 0.5, np.float32))
    assert init.constant(1, dtype=mx.float16)(mx.zeros((2,))).dtype == mx.float16
    np.testing.assert_array_equal(np.array(init.identity()(mx.zeros((3, 3)))), np.eye(3))
    with pytest.raises(ValueError, match="square matrix"):
        init.identity()(mx.zeros((2, 3)))


@pytest.mark.parametrize("make,expected_std,expected_mean", [
    (lambda a: init.normal(1.0, 2.0)(a), 2.0, 1.0),
    (lambda a: init.uniform(-1.0, 3.0)(a), 4 / math.sqrt(12), 1.0),
    (lambda a: init.glorot_normal()(a), math.sqrt(2 / (200 + 100)), 0.0),
    (lambda a: init.glorot_uniform()(a, gain=2.0),
     2 * math.sqrt(6 / 300) / math.sqrt(3), 0.0),
    (lambda a: init.he_normal()(a, mode="fan_out"), 1 / math.sqrt(100), 0.0),
    (lambda a: init.he_uniform()(a), math.sqrt(3 / 200) / math.sqrt(3), 0.0),
])
def test_distribution_moments(make, expected_std, expected_mean):
    mx.random.seed(0)
    x = np.array(make(mx.zeros((100, 200))), dtype=np.float64)
    assert x.shape == (100, 200)
    assert abs(x.std() / expected_std - 1) < 0.03
    assert abs(x.mean() - expected_mean) < 0.03 * max(expected_std, 1)


def test_fans_include_receptive_field():
    mx.random.seed(1)
    w = np.array(init.he_uniform()(mx.zeros((32, 3, 3, 16))))
    limit = math.sqrt(3 / (16 * 9))
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.9 * limit
    with pytest.raises(ValueError, match="at least 2 dimensional"):
        init.glorot_uniform()(mx.zeros((4,)))
    with pytest.raises(ValueError, match="Invalid mode"):
        init.he_normal()(mx.zeros((4, 4)), mode="fan_avg")


def test_sparse_and_orthogonal():
    mx.random.seed(2)
    s = np.array(init.sparse(0.5)(mx.zeros((4, 6))))
    assert ((s == 0).sum(axis=1) >= 3).all()
    with pytest.raises(ValueError):
        init.sparse(0.5)(mx.zeros((2, 2, 2)))
    q = np.array(init.orthogonal()(mx.zeros((3, 5))), dtype=np.float64)
    np.testing.assert_allclose(q @ q.T, np.eye(3), atol=1e-5)
    q = np.array(init.orthogonal(gain=2.0)(mx.zeros((5, 3))), dtype=np.float64)
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(3), atol=1e-4)
    with pytest.raises(ValueError, match="2D array"):
        init.orthogonal()(mx.zeros((2,)))
