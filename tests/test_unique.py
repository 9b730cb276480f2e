"""unique in MLX's static-size form, against numpy.unique (padded or cut to
the size) and MLX's documented examples."""

import numpy as np
import pytest

import lumex.core as mx

RNG = np.random.default_rng(3)


def reference(x, size, fill=None):
    """numpy.unique of the flattened x, padded/truncated as MLX does."""
    flat = x.ravel()
    vals, idx, inv, cnt = np.unique(flat, return_index=True, return_inverse=True,
                                    return_counts=True, equal_nan=False)
    k = len(vals)
    pad = max(size - k, 0)
    fill_v = vals[0] if fill is None else fill
    vals = np.concatenate([vals[:size], np.full(pad, fill_v, dtype=x.dtype)])
    idx = np.concatenate([idx[:size], np.full(pad, idx[0])]).astype(np.uint32)
    cnt = np.concatenate([cnt[:size], np.zeros(pad, np.int64)]).astype(np.int32)
    inv = np.minimum(inv.reshape(x.shape), max(size - 1, 0)).astype(np.uint32)
    return vals, idx, inv, cnt


def check(x, size, fill=None):
    got = mx.unique(mx.array(x), size, True, True, True,
                    fill_value=None if fill is None else fill)
    want = reference(x, size, fill)
    for g, w, name in zip(got, want, ["values", "index", "inverse", "counts"]):
        assert g.shape == w.shape, name
        np.testing.assert_array_equal(np.array(g), w, err_msg=name)
    assert [g.dtype for g in got[1:]] == [mx.uint32, mx.uint32, mx.int32]


@pytest.mark.parametrize("size", [0, 1, 3, 5, 8, 20])
def test_ints_against_numpy(size):
    x = RNG.integers(0, 6, size=(3, 4)).astype(np.int32)
    check(x, size)
    check(x, size, fill=-1)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.uint8, np.int16, np.float16])
def test_dtypes_against_numpy(dtype):
    x = RNG.integers(0, 10, size=50).astype(dtype)
    n = len(np.unique(x))
    for size in (n - 2, n, n + 3):
        check(x, size)


def test_floats_with_nans_and_signed_zeros():
    x = np.array([np.nan, 1.0, np.nan, -0.0, 0.0, 2.5, 1.0], np.float32)
    check(x, 7)
    out = mx.unique(mx.array([0.0, -0.0, 1.0]), 3, True, True, True)
    # -0.0 equals 0.0, so the first occurrence (0.0) is kept.
    assert np.signbit(np.array(out[0])[0]) == False  # noqa: E712
    assert out[1].tolist() == [0, 2, 0]
    assert out[3].tolist() == [2, 1, 0]


def test_documented_examples():
    a = mx.array([2, 1, 2, 3, 1])
    assert mx.unique(a, 3).tolist() == [1, 2, 3]
    assert mx.unique(a, 5).tolist() == [1, 2, 3, 1, 1]
    values, index, inverse, counts = mx.unique(a, 4, True, True, True, fill_value=0)
    assert values.tolist() == [1, 2, 3, 0]
    assert index.tolist() == [1, 0, 3, 1]
    assert inverse.tolist() == [1, 0, 1, 2, 0]
    assert counts.tolist() == [2, 2, 1, 0]
    assert values.dtype == mx.int32 and index.dtype == mx.uint32


def test_return_selection_and_shapes():
    a = mx.array([[3, 1], [3, 5]])
    v, inv = mx.unique(a, 4, return_inverse=True)
    assert v.tolist() == [1, 3, 5, 1]
    assert inv.tolist() == [[1, 0], [1, 2]]
    v, c = mx.unique(mx.array([3, 1, 3]), 2, return_counts=True)
    assert c.tolist() == [1, 2]
    v, i, inv, c = mx.unique(mx.array(5), 2, True, True, True)
    assert v.tolist() == [5, 5] and inv.shape == () and c.tolist() == [1, 0]


def test_truncated():
    v, i, inv, c = mx.unique(mx.array([2, 1, 2, 3, 1]), 2, True, True, True)
    assert v.tolist() == [1, 2]
    assert inv.tolist() == [1, 0, 1, 1, 0]
    assert c.tolist() == [2, 2]
    v, i, inv, c = mx.unique(mx.array([2, 1]), 0, True, True, True)
    assert v.shape == (0,) and inv.tolist() == [0, 0]


def test_bool_and_complex():
    v, i, inv, c = mx.unique(mx.array([True, False, True]), 3, True, True, True)
    assert v.tolist() == [False, True, False]
    assert c.tolist() == [1, 2, 0]
    v = mx.unique(mx.array([1 + 2j, 1 - 1j, 1 + 2j]), 2)
    np.testing.assert_array_equal(np.array(v), [1 - 1j, 1 + 2j])


def test_fill_value_forms():
    x = mx.array([5, 5, 5])
    assert mx.unique(x, 3, fill_value=2.5).tolist() == [5, 2, 2]
    assert mx.unique(x, 3, fill_value=mx.array([[2.5]])).dtype == mx.int32
    u8 = mx.array([1, 2], dtype=mx.uint8)
    assert mx.unique(u8, 3, fill_value=7).tolist() == [1, 2, 7]
    f = mx.unique(mx.array([5.0, 6.0]), 3, fill_value=float("nan"))
    assert np.isnan(np.array(f)[2])


def test_empty_input():
    v, i, inv, c = mx.unique(mx.array([]), 3, True, True, True, fill_value=9)
    assert v.tolist() == [9, 9, 9] and i.tolist() == [0, 0, 0]
    assert inv.shape == (0,) and c.tolist() == [0, 0, 0]
    v, i, inv, c = mx.unique(mx.array([]), 0, True, True, True)
    assert v.shape == (0,)


def test_errors():
    with pytest.raises(ValueError, match=r"\[unique\] Received negative size -1"):
        mx.unique(mx.array([1, 2]), -1)
    with pytest.raises(ValueError, match=r"\[unique\] Fill value must have one element"):
        mx.unique(mx.array([1, 2]), 3, fill_value=mx.array([7, 8]))
    with pytest.raises(ValueError, match=r"\[unique\] A fill value is required"):
        mx.unique(mx.array([]), 3)
    with pytest.raises(TypeError):
        mx.unique(mx.array([1, 2]))
    with pytest.raises(TypeError):
        mx.unique(mx.array([1, 2]), 3.0)


def test_is_lazy():
    a = mx.array([3.0, 1.0, 3.0]) * 2
    v = mx.unique(a, 2)
    assert v.shape == (2,)
    assert v.tolist() == [2.0, 6.0]


def test_grad_goes_to_first_occurrences():
    g = mx.grad(lambda x: mx.unique(x, 4).sum())(mx.array([1.0, 2.0, 1.0]))
    assert g.tolist() == [3.0, 1.0, 0.0]  # padding repeats the first unique element
    g = mx.grad(lambda x: mx.unique(x, 4, fill_value=mx.array(0.0)).sum())(
        mx.array([1.0, 2.0, 1.0]))
    assert g.tolist() == [1.0, 1.0, 0.0]
    gf = mx.grad(lambda x, f: mx.unique(x, 4, fill_value=f).sum(), argnums=1)(
        mx.array([1.0, 2.0, 1.0]), mx.array(0.0))
    assert gf.item() == 2.0
    # Distinct values: the gradient is the weights permuted back to the input.
    x = RNG.permutation(6).astype(np.float32)
    w = RNG.standard_normal(6).astype(np.float32)
    g = mx.grad(lambda t: (mx.unique(t, 6) * mx.array(w)).sum())(mx.array(x))
    np.testing.assert_allclose(np.array(g), w[np.argsort(np.argsort(x))])


def test_vmap():
    out = mx.vmap(lambda x: mx.unique(x, 3, True, True, True))(
        mx.array([[1.0, 2.0, 1.0], [3, 3, 3]]))
    assert out[0].tolist() == [[1, 2, 1], [3, 3, 3]]
    assert out[1].tolist() == [[0, 1, 0], [0, 0, 0]]
    assert out[2].tolist() == [[0, 1, 0], [0, 0, 0]]
    assert out[3].tolist() == [[2, 1, 0], [3, 0, 0]]
