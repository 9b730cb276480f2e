"""hadamard_transform against Sylvester's matrix in NumPy (powers of two), against
values from MLX 0.32.4 (the m = 12, 20, 28 factors), and its rules against finite
differences and explicit matrices."""

import numpy as np
import pytest

import lumex.core as mx
from test_grad_ops import check_grads

RNG = np.random.default_rng(11)


def sylvester(n):
    h = np.ones((1, 1))
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


def matrix_of(n):
    """The matrix the transform applies, read off the identity (row i = H e_i)."""
    return np.array(mx.hadamard_transform(mx.eye(n, dtype=mx.float64), scale=1.0)).T


@pytest.mark.parametrize("k", [0, 1, 3, 6, 10])
@pytest.mark.parametrize("dtype,tol", [(mx.float32, 1e-4), (mx.float64, 1e-10),
                                       (mx.float16, 5e-2), (mx.bfloat16, 2e-1)])
def test_powers_of_two_match_sylvester(k, dtype, tol):
    n = 2**k
    x = RNG.normal(size=(3, n))
    y = mx.hadamard_transform(mx.array(x).astype(dtype), scale=0.34)
    assert y.dtype == dtype and y.shape == (3, n)
    want = np.einsum("ij,bj->bi", sylvester(n), np.array(mx.array(x).astype(dtype), np.float64))
    # The scale is a float32 parameter, as in MLX.
    np.testing.assert_allclose(np.array(y.astype(mx.float64)), want * float(np.float32(0.34)),
                               atol=tol * max(1, np.sqrt(n)), rtol=tol)


def test_default_scale_is_orthonormal():
    x = RNG.normal(size=(5, 256)).astype(np.float32)
    y = np.array(mx.hadamard_transform(mx.array(x)))
    np.testing.assert_allclose(y, x @ sylvester(256).T / 16, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(y, axis=1), np.linalg.norm(x, axis=1), rtol=1e-5)


@pytest.mark.parametrize("m", [12, 20, 28])
@pytest.mark.parametrize("k", [0, 2])
def test_m_factors_are_hadamard_kronecker_products(m, k):
    n = m * 2**k
    h = matrix_of(n)
    assert set(np.unique(h)) == {-1.0, 1.0}
    np.testing.assert_array_equal(h @ h.T, n * np.eye(n))
    np.testing.assert_array_equal(h, np.kron(matrix_of(m), sylvester(2**k)))


def test_m_factors_match_mlx():
    # mx.hadamard_transform(x, scale=1.0) printed by MLX 0.32.4.
    got = np.array(mx.hadamard_transform(mx.arange(40.0).reshape(2, 20), scale=1.0))
    want = [[-10, -4, 2, 8, 14, -10, -20, -10, 0, -10, 20, 30, 20, 10, 20, -100, -98, -96, -94, -92],
            [-90, -84, -78, -72, -66, -10, -20, -10, 0, -10, 20, 30, 20, 10, 20, -260, -258, -256,
             -254, -252]]
    np.testing.assert_array_equal(got, want)
    got = np.array(mx.hadamard_transform(mx.arange(28.0), scale=1.0))
    want = [-84, -78, -72, -66, -60, -54, -48, -56, -46, -64, -54, -44, -62, -52, -70, -60, -50,
            -68, -86, -76, -66, -126, -144, -134, -124, -114, -104, -122]
    np.testing.assert_array_equal(got, want)
    got = np.array(mx.hadamard_transform(mx.arange(24.0), scale=1.0))
    want = [266, -10, -26, 2, 2, -2, -26, 2, -78, -2, -42, 2, 2, -2, -58, 2, 82, -2, -74, 2, 2,
            -2, -90, 2]
    np.testing.assert_array_equal(got, want)


def test_dtypes_and_scalars():
    for dt in [mx.int32, mx.uint8, mx.bool_, mx.int64]:
        assert mx.hadamard_transform(mx.ones((2, 4), dtype=dt)).dtype == mx.float32
    for dt in [mx.float16, mx.bfloat16, mx.float32, mx.float64]:
        assert mx.hadamard_transform(mx.ones((2, 4), dtype=dt)).dtype == dt
    assert mx.hadamard_transform(mx.array(5)).item() == 5
    assert mx.hadamard_transform(mx.array(5), scale=0.2).item() == pytest.approx(1)
    x = mx.random.normal((8, 8, 1))
    assert mx.array_equal(mx.hadamard_transform(x), x).item()


def test_size_one_is_the_scale_alone():
    # As MLX: no scale gives the input back (any dtype); a scale multiplies like a float.
    for a in [mx.array([[3], [4]], dtype=mx.int64), mx.array(5, dtype=mx.uint8),
              mx.array([2 + 1j])]:
        assert mx.hadamard_transform(a).dtype == a.dtype
        assert mx.array_equal(mx.hadamard_transform(a), a).item()
    y = mx.hadamard_transform(mx.array([[3], [4]], dtype=mx.int64), scale=0.5)
    assert y.dtype == mx.float32 and np.array(y).ravel().tolist() == [1.5, 2.0]
    y = mx.hadamard_transform(mx.array([2 + 1j]), scale=2.0)
    assert y.dtype == mx.complex64 and np.array(y).tolist() == [4 + 2j]


def test_non_contiguous_input():
    x = RNG.normal(size=(6, 32)).astype(np.float32)
    got = mx.hadamard_transform(mx.array(x)[::2], scale=0.5)
    np.testing.assert_allclose(np.array(got), x[::2] @ sylvester(32).T * 0.5, atol=1e-5)
    got = mx.hadamard_transform(mx.array(x).T[:, :4].T, scale=1.0)  # a transposed view
    np.testing.assert_allclose(np.array(got), x[:4] @ sylvester(32).T, atol=1e-4)


@pytest.mark.parametrize("n", [8, 20, 56])
def test_grads(n):
    x = mx.array(RNG.normal(size=(2, n)))
    check_grads(lambda v: mx.hadamard_transform(v, scale=0.3), [x])


def test_vjp_is_the_transpose():
    # H_20 is not symmetric: the cotangent goes through H^T.
    n = 20
    c = RNG.normal(size=n)
    _, (g,) = mx.vjp(lambda v: mx.hadamard_transform(v, scale=1.0), [mx.ones(n)], [mx.array(c)])
    np.testing.assert_allclose(np.array(g), matrix_of(n).T @ c, atol=1e-4)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_vmap_matches_loop(axis):
    x = mx.array(RNG.normal(size=(4, 4, 12)).astype(np.float32))
    f = mx.vmap(mx.vmap(mx.hadamard_transform, 0, 0), axis, axis)
    got = np.array(f(mx.moveaxis(x, 2, axis) if axis != 2 else x))
    # The vmapped axes are batch axes; the transform runs over the one left over.
    xs = np.array(mx.moveaxis(x, 2, axis) if axis != 2 else x)
    rest = [a for a in range(3) if a != axis][1]
    want = np.moveaxis(np.moveaxis(xs, rest, -1) @ matrix_of(xs.shape[rest]).T
                       / np.sqrt(xs.shape[rest]), -1, rest)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_vmap_of_scalars():
    x = mx.array([2.0, 3.0])
    np.testing.assert_allclose(np.array(mx.vmap(lambda v: mx.hadamard_transform(v, scale=2.0))(x)),
                               [4.0, 6.0])


def test_errors():
    with pytest.raises(ValueError, match="empty"):
        mx.hadamard_transform(mx.array([]))
    with pytest.raises(ValueError, match="empty"):
        mx.hadamard_transform(mx.ones((2, 0, 4)))
    for n in [3, 6, 24 * 3, 44]:
        with pytest.raises(ValueError, match="m\\*2\\^k"):
            mx.hadamard_transform(mx.ones((n,)))
