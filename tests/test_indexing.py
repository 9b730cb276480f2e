"""Indexing: __getitem__/__setitem__ against NumPy (with hypothesis over random
index expressions), .at, take/put_along_axis, dynamic slices, bounds checks,
boolean masks, and the gradients and vmap of the gather/scatter primitives."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import lumex.core as mx

from test_grad_ops import check_grads, check_vmap, rand

A = np.arange(2 * 3 * 4).reshape(2, 3, 4).astype(np.int32)


def as_mx_index(idx):
    conv = lambda i: mx.array(i) if isinstance(i, np.ndarray) else i
    return tuple(conv(i) for i in idx) if isinstance(idx, tuple) else conv(idx)


GET_CASES = [
    1, -1, (0, 2), (1, -1, 3), slice(None), slice(1, None), slice(None, None, -1),
    (slice(None), 1), (Ellipsis, 2), (None, 1), (1, None, Ellipsis, None),
    (slice(None, None, 2), slice(None, None, -2), slice(3, 0, -2)),
    np.array([1, 0]), (slice(None), np.array([0, 2]), 1),
    (np.array([0, 1]), slice(None), np.array([1, 2])),
    (1, slice(None), np.array([0, 3])), (np.array([[0], [1]]), np.array([0, 2])),
    (slice(None, None, -1), np.array([2, 0]), None), (Ellipsis, np.array([-1, 0])),
    (np.array([1]), None, np.array([2])), np.array([], dtype=np.int32),
]


@pytest.mark.parametrize("idx", GET_CASES, ids=[repr(i) for i in range(len(GET_CASES))])
def test_getitem_matches_numpy(idx):
    np.testing.assert_array_equal(np.array(mx.array(A)[as_mx_index(idx)]), A[idx])


def test_list_and_numpy_indices():
    a = mx.array(A)
    np.testing.assert_array_equal(np.array(a[[1, 0]]), A[[1, 0]])
    np.testing.assert_array_equal(np.array(a[0, [2, 1, 2]]), A[0, [2, 1, 2]])
    np.testing.assert_array_equal(np.array(a[np.int64(1)]), A[1])


@pytest.mark.lumex_only
def test_numpy_array_index():
    np.testing.assert_array_equal(np.array(mx.array(A)[:, np.array([0, 2])]), A[:, [0, 2]])


def test_basic_slice_is_a_view():
    a = mx.arange(1_000_000)
    mx.eval(a)
    before = mx.get_active_memory()
    b = a[10:-10:3]
    mx.eval(b)
    assert mx.get_active_memory() - before < 1000
    assert b[0].item() == 10


@pytest.mark.lumex_only
def test_bool_mask_getitem():
    a = mx.array(A)
    np.testing.assert_array_equal(np.array(a[a > 10]), A[A > 10])
    m = np.array([True, False, True])
    np.testing.assert_array_equal(np.array(a[:, mx.array(m)]), A[:, m])
    np.testing.assert_array_equal(np.array(a[1][mx.array(A[0] > 4)]), A[1][A[0] > 4])
    # A shape error: ValueError, as MLX's __setitem__ raises for the same mask.
    with pytest.raises(ValueError, match="boolean index of shape"):
        a[mx.array([True, False, True])]


@pytest.mark.lumex_only
def test_bounds_checks():
    a = mx.arange(10)
    with pytest.raises(IndexError):
        a[10]
    with pytest.raises(IndexError):
        a[-11]
    with pytest.raises(IndexError):
        a[mx.array([1, 12])].tolist()
    with pytest.raises(IndexError):
        mx.take(a, mx.array([-11])).tolist()
    with pytest.raises(IndexError):
        mx.take_along_axis(a, mx.array([10]), axis=0).tolist()
    with pytest.raises(IndexError):
        a[mx.array([11])] = 3
    np.testing.assert_array_equal(np.array(a), np.arange(10))  # untouched
    idx = mx.array([3]) + 10  # not yet computed: checked by the kernel
    with pytest.raises(IndexError):
        mx.put_along_axis(a, idx, mx.array([1]), axis=0).tolist()
    with pytest.raises(IndexError):
        mx.slice(a, mx.array([8]), [0], [4]).tolist()


def test_bad_indices_raise():
    a = mx.arange(6).reshape(2, 3)
    for bad in [1.5, "x", True, {1: 2}]:
        with pytest.raises((ValueError, TypeError, IndexError)):
            a[bad]
    with pytest.raises((ValueError, IndexError)):
        a[0, 0, 0]
    with pytest.raises(ValueError):
        a[..., 0, ...]
    with pytest.raises((ValueError, TypeError, IndexError)):
        a[mx.array([0.5])]


def test_setitem_alias_and_forms():
    a = mx.zeros((3, 4), dtype=mx.int32)
    n = np.zeros((3, 4), dtype=np.int32)
    b = a
    for idx, v in [((1, 2), 5), (slice(None, None, 2), 7), ((Ellipsis, 1), [1, 2, 3]),
                   ((np.array([0, 2]), 3), 9), ((slice(None), np.array([1, 0])), 4),
                   ((2, slice(None, None, -1)), np.arange(4)), (-1, 2.7)]:
        a[as_mx_index(idx)] = mx.array(v) if isinstance(v, (list, np.ndarray)) else v
        n[idx] = v
        np.testing.assert_array_equal(np.array(b), n)


def test_setitem_repeated_index_applies_once():
    x = mx.array([1.0, 2.0, 3.0])
    x[mx.array([0, 0])] += 1
    np.testing.assert_array_equal(np.array(x), [2, 2, 3])
    y = mx.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.array(y.at[mx.array([0, 0])].add(1)), [3, 2, 3])
    np.testing.assert_array_equal(np.array(y), [1, 2, 3])


def test_at_methods():
    y = mx.array([1.0, 2.0, 3.0, 4.0])
    idx = mx.array([0, 2, 0])
    n = np.array([1.0, 2.0, 3.0, 4.0])
    for name, ufunc in [("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply),
                        ("divide", np.divide), ("maximum", np.maximum), ("minimum", np.minimum)]:
        want = n.copy()
        ufunc.at(want, [0, 2, 0], 2.0)
        np.testing.assert_allclose(np.array(getattr(y.at[idx], name)(2.0)), want, rtol=1e-6)


def test_setitem_bool_mask():
    a = mx.arange(6).reshape(2, 3)
    a[a > 2] = 0
    np.testing.assert_array_equal(np.array(a), [[0, 1, 2], [0, 0, 0]])
    b = mx.arange(6).reshape(2, 3)
    b[mx.array([True, False])] = 9
    np.testing.assert_array_equal(np.array(b), [[9, 9, 9], [3, 4, 5]])


@pytest.mark.parametrize("mask", [True, False, mx.array(True), mx.array(False)])
def test_setitem_bool_scalar(mask):
    # NumPy: a lone boolean scalar is a new axis of length 1 (True) or 0 (False).
    n = np.arange(6).reshape(2, 3)
    a = mx.array(n)
    a[mask] = mx.array([[7, 8, 9]])
    n[bool(mask)] = np.array([[7, 8, 9]])
    np.testing.assert_array_equal(np.array(a), n)
    got = mx.array(n).at[mask].add(1)
    want = n + 1 if bool(mask) else n
    np.testing.assert_array_equal(np.array(got), want)


def test_setitem_empty_target_empty_mask():
    e = mx.zeros((0,))
    e[mx.zeros((0,), dtype=mx.bool_)] = mx.zeros((0,))
    assert e.shape == (0,) and e.dtype == mx.float32
    f = mx.zeros((0, 3))
    f[mx.zeros((0,), dtype=mx.bool_)] = 1.0
    assert f.shape == (0, 3)


def test_setitem_shape_errors_before_index_values():
    # The update's shape is checked first (MLX: ValueError), then index values.
    a = mx.zeros((4, 3, 4))
    with pytest.raises(ValueError):
        a[mx.array([2, 3]), None, mx.array([2, 3])] = mx.arange(2)
    with pytest.raises(ValueError):
        mx.arange(1000).reshape(10, 10, 10)[np.zeros((1, 10, 10), bool)] = 0
    with pytest.raises(IndexError):
        a[mx.array([2, 3]), None, mx.array([2, 3])] = mx.arange(4)


@pytest.mark.lumex_only
def test_setitem_bool_mask_values():
    b = mx.arange(6)
    b[b % 2 == 0] = mx.array([10, 20, 30])
    np.testing.assert_array_equal(np.array(b), [10, 1, 20, 3, 30, 5])


# ---- hypothesis over random index expressions ----

def index_strategy(shape):
    def one(n):
        return st.one_of(
            st.integers(-n, n - 1),
            st.builds(slice, st.none() | st.integers(-n - 2, n + 2),
                      st.none() | st.integers(-n - 2, n + 2),
                      st.none() | st.sampled_from([-3, -2, -1, 1, 2, 3])),
            st.lists(st.integers(-n, n - 1), min_size=1, max_size=3).map(
                lambda l: np.array(l, dtype=np.int32)),
        )
    # Entries for the leading axes, each optionally preceded by a None.
    entries = st.integers(0, len(shape)).flatmap(
        lambda k: st.tuples(*[st.tuples(st.booleans(), one(n)) for n in shape[:k]]))
    return entries.map(lambda es: tuple(x for new, e in es for x in ((None, e) if new else (e,))))


SHAPE = (3, 4, 5)


def norm_arrays(idx):
    # NumPy broadcasting of the index arrays: use equal lengths.
    arrays = [i for i in idx if isinstance(i, np.ndarray)]
    if not arrays:
        return idx
    m = min(len(a) for a in arrays)
    return tuple(i[:m] if isinstance(i, np.ndarray) else i for i in idx)


@settings(max_examples=150, deadline=None)
@given(index_strategy(SHAPE))
def test_getitem_hypothesis(idx):
    idx = norm_arrays(idx)
    x = np.arange(np.prod(SHAPE)).reshape(SHAPE).astype(np.float32)
    np.testing.assert_array_equal(np.array(mx.array(x)[as_mx_index(idx)]), x[idx])


@pytest.mark.lumex_only  # MLX rejects some updates NumPy broadcasts (None beside arrays)
@settings(max_examples=150, deadline=None)
@given(index_strategy(SHAPE))
def test_setitem_hypothesis(idx):
    idx = norm_arrays(idx)
    x = np.arange(np.prod(SHAPE)).reshape(SHAPE).astype(np.float32)
    # Repeated indices keep an unspecified write in NumPy; make values per position equal.
    val = -np.ones(x[idx].shape, dtype=np.float32)
    a = mx.array(x)
    a[as_mx_index(idx)] = mx.array(val)
    x[idx] = val
    np.testing.assert_array_equal(np.array(a), x)


# ---- ops ----

def test_take_and_along_axis():
    a = mx.array(A)
    np.testing.assert_array_equal(np.array(mx.take(a, mx.array([[1, 2]]))), np.take(A, [[1, 2]]))
    np.testing.assert_array_equal(np.array(mx.take(a, mx.array([2, 0]), axis=1)),
                                  np.take(A, [2, 0], axis=1))
    np.testing.assert_array_equal(np.array(mx.take(a, 1, axis=2)), np.take(A, 1, axis=2))
    np.testing.assert_array_equal(np.array(mx.take(a, 5)), np.take(A, 5))
    np.testing.assert_array_equal(np.array(mx.take(a, -1)), np.take(A, -1))
    idx = np.argsort(A * -1, axis=1)
    np.testing.assert_array_equal(np.array(mx.take_along_axis(a, mx.array(idx), axis=1)),
                                  np.take_along_axis(A, idx, axis=1))
    idx2 = np.array([[[0]], [[2]]])
    np.testing.assert_array_equal(np.array(mx.take_along_axis(a, mx.array(idx2), axis=1)),
                                  np.take_along_axis(A, idx2, axis=1))
    want = A.copy()
    np.put_along_axis(want, idx2, 100, axis=1)
    got = mx.put_along_axis(a, mx.array(idx2), mx.array(100), axis=1)
    np.testing.assert_array_equal(np.array(got), want)


def test_empty_float_indices_select_nothing():
    # `[]` becomes an empty float32 array (NumPy accepts a[[]]); MLX's put_along_axis
    # also takes an empty float array: nothing is selected, whatever the dtype.
    e = mx.array([], mx.float32)
    assert mx.put_along_axis(e, e, e, axis=None).shape == (0,)
    a = mx.array(A)
    np.testing.assert_array_equal(np.array(mx.take(a, e, axis=1)),
                                  np.take(A, np.array([], np.int64), axis=1))
    np.testing.assert_array_equal(np.array(a.reshape(-1)[e]), A.reshape(-1)[[]])
    with pytest.raises(ValueError, match="Indices must be integers"):
        mx.take(a, mx.array([1.0]), axis=0)


def test_dynamic_slice_and_update():
    a = mx.arange(10)
    np.testing.assert_array_equal(np.array(mx.slice(a, mx.array([3]), [0], [4])), [3, 4, 5, 6])
    u = mx.slice_update(a, mx.array([100, 101]), mx.array([7]), [0])
    np.testing.assert_array_equal(np.array(u), [0, 1, 2, 3, 4, 5, 6, 100, 101, 9])
    b = mx.array(A)
    np.testing.assert_array_equal(np.array(mx.slice(b, mx.array([1, 2]), [1, 2], [2, 2, 2])),
                                  A[:, 1:3, 2:4])


# ---- transforms ----

def test_seed_example_grad():
    def fun(x, idx):
        x[idx] = 2.0
        return x.sum()
    g = mx.grad(fun)(mx.array([1.0, 2.0, 3.0]), mx.array([1]))
    np.testing.assert_array_equal(np.array(g), [1, 0, 1])


GRAD_CASES = [
    ("int_array", lambda x: x[mx.array([2, 0, 2])]),
    ("mixed", lambda x: x[1:, mx.array([0, 3])]),
    ("nonadjacent", lambda x: x[mx.array([0, 2]), :, ][:, mx.array([1, 1])]),
    ("take", lambda x: mx.take(x, mx.array([3, 1]), axis=1)),
    ("take_along", lambda x: mx.take_along_axis(x, mx.array([[0], [2], [1]]), axis=1)),
    ("put_along", lambda x: mx.put_along_axis(x, mx.array([[0], [2], [1]]), x[:, :1] * 3, axis=1)),
    ("slice_dyn", lambda x: mx.slice(x, mx.array([1]), [1], [3, 2])),
    ("slice_update", lambda x: mx.slice_update(x, x[:1, :2] ** 2, mx.array([1, 1]), [0, 1])),
    ("at_add", lambda x: x.at[mx.array([0, 0, 2])].add(x[:3] * 2)),
    ("cummax", lambda x: mx.cummax(x, axis=1)),
    ("cummin_rev_excl", lambda x: mx.cummin(x, axis=0, reverse=True, inclusive=False)[:-1]),
    ("cummax_excl", lambda x: mx.cummax(x, axis=1, inclusive=False)[:, 1:]),
    ("as_strided", lambda x: mx.as_strided(x, (3, 3), (1, 2), 1)),
]


def setitem_fn(x):
    y = x * 1.0
    y[1:, mx.array([0, 2])] = x[0, :2] * 5
    y[0] = 3.0
    return y


GRAD_CASES.append(("setitem", setitem_fn))


# MLX has no jvp for Scatter and cummax/cummin.
NO_MLX_JVP = {"at_add", "setitem", "cummax", "cummin_rev_excl", "cummax_excl"}


@pytest.mark.parametrize("name,f", [
    pytest.param(*c, marks=[pytest.mark.lumex_only] if c[0] in NO_MLX_JVP else [])
    for c in GRAD_CASES], ids=[c[0] for c in GRAD_CASES])
def test_indexing_grads(name, f):
    check_grads(f, [rand((3, 4))])


VMAP_CASES = [
    ("getitem", lambda x: x[mx.array([2, 0])], [0]),
    ("getitem_ax1", lambda x: x[1:][mx.array([1, 0])], [1]),
    ("take_along", lambda x, i: mx.take_along_axis(x, i, axis=0), [0, 0]),
    ("take_idx_batched", lambda x, i: mx.take(x, i, axis=0), [None, 0]),
    ("gather_both", lambda x, i: x[i], [0, 0]),
    ("scatter_src", lambda x: x.at[mx.array([0, 0])].add(1.0), [1]),
    ("scatter_upd", lambda x, u: x.at[mx.array([1, 2])].add(u), [None, 0]),
    ("scatter_both", lambda x, i: x.at[i].add(2.0), [0, 0]),
    ("slice_update", lambda x, u: mx.slice_update(x, u, mx.array([1]), [0]), [0, None]),
    ("setitem", lambda x: mx.put_along_axis(x, mx.array([1]), mx.array([5.0]), axis=0), [1]),
]


# MLX's vmap of slice_update with an unbatched update only writes batch entry 0.
@pytest.mark.parametrize("name,f,axes", [
    pytest.param(*c, marks=[pytest.mark.lumex_only] if c[0] == "slice_update" else [])
    for c in VMAP_CASES], ids=[c[0] for c in VMAP_CASES])
def test_indexing_vmap(name, f, axes):
    x = rand((4, 3))
    args = [x]
    if len(axes) == 2:
        if name in ("take_along",):
            args.append(mx.array(np.random.default_rng(1).integers(0, 3, (4, 3))))
        elif name in ("take_idx_batched", "gather_both", "scatter_both"):
            args.append(mx.array([[0, 1], [2, 2], [2, 0], [1, 2]]))
        elif name == "slice_update":
            args = [x, rand((2,))]
        else:
            args.append(rand((5, 3)))
    check_vmap(f, args, axes)


STREAM_CASES = [
    ("gather", lambda s: lambda x, i: mx.take(x, i, axis=0, stream=s), (0, 0)),
    ("gather_src", lambda s: lambda x, i: mx.take(x, i, axis=0, stream=s), (0, None)),
    ("gather_axis", lambda s: lambda x, i: mx.take_along_axis(x, i, axis=0, stream=s), (0, 0)),
    ("scatter_axis",
     lambda s: lambda x, i: mx.put_along_axis(x, i, mx.array(1.0), axis=0, stream=s), (0, 0)),
    ("slice_update",
     lambda s: lambda x, u: mx.slice_update(x, u, mx.array([1]), [0], stream=s), (None, 0)),
]


@pytest.mark.lumex_only
@pytest.mark.parametrize("name,make,in_axes", STREAM_CASES, ids=[c[0] for c in STREAM_CASES])
def test_indexing_vmap_keeps_the_stream(name, make, in_axes):
    # The vmap rules build their graph on the primitive's stream, not the default one.
    s = mx.new_stream(mx.cpu)
    assert s != mx.default_stream(mx.cpu)
    x = rand((4, 3))
    other = rand((4, 1, 3)) if name == "slice_update" else mx.array([[0, 1, 2], [2, 2, 0], [1, 0, 0], [0, 0, 1]])
    if name == "gather_src":
        other = mx.array([2, 0])
    out = mx.vmap(make(s), in_axes=in_axes)(x, other)
    ops = [n for n in mx.graph.nodes(out) if n.op]
    assert ops and all(n.stream == s for n in ops), [(n.op, n.stream) for n in ops]


def test_large_scatters_match_numpy():
    # Big enough for the threaded scatter (rows split by element) and the
    # prefetching serial one (flat updates); repeated indices apply in order.
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4096, 64)).astype(np.float32)
    i = rng.integers(0, 512, 8192).astype(np.int32)
    u = rng.standard_normal((8192, 64)).astype(np.float32)
    want = x.copy()
    np.add.at(want, i, u)
    got = mx.array(x).at[mx.array(i)].add(mx.array(u))
    np.testing.assert_allclose(np.array(got), want, rtol=1e-5, atol=1e-5)
    want = x.copy()
    np.maximum.at(want, i, u)
    got = mx.array(x).at[mx.array(i)].maximum(mx.array(u))
    np.testing.assert_array_equal(np.array(got), want)

    flat = rng.standard_normal(1 << 18).astype(np.float32)
    j = rng.integers(0, 1 << 16, 1 << 18).astype(np.int32)
    v = rng.standard_normal(1 << 18).astype(np.float32)
    want = flat.copy()
    np.add.at(want, j, v)
    got = mx.array(flat).at[mx.array(j)].add(mx.array(v))
    np.testing.assert_allclose(np.array(got), want, rtol=1e-4, atol=1e-4)
    # Plain assignment: the last write of a repeated index wins, as in NumPy.
    want = flat.copy()
    want[j] = v
    a = mx.array(flat)
    a[mx.array(j)] = mx.array(v)
    np.testing.assert_array_equal(np.array(a), want)


def test_bare_none_index_get_set_and_at():
    a = mx.arange(12).reshape(3, 4)
    assert a[None].shape == (1, 3, 4)
    np.testing.assert_array_equal(np.array(a[None]), np.arange(12).reshape(1, 3, 4))
    b = mx.zeros((3, 4), dtype=mx.int32)
    b[None] = a
    np.testing.assert_array_equal(np.array(b), np.arange(12).reshape(3, 4))
    c = mx.zeros((2,))
    np.testing.assert_array_equal(np.array(c.at[None].add(1.0)), [1.0, 1.0])


# ---- a[mask] = values: MLX's masked scatter (values read in order, lazy) ----
# Expected values below were produced by mlx 0.32.4 on the same calls.

def _masked(a, mask, values):
    out = mx.array(a)
    out[mask] = values
    return out


@pytest.mark.parametrize("mask, values, want", [
    ([True, True], [7., 8., 9.], [[7, 8, 9], [7, 8, 9]]),
    ([True, True], [[7., 8., 9.], [1, 2, 3]], [[7, 8, 9], [1, 2, 3]]),
    ([True, True], [[7., 8., 9.], [1, 2, 3], [4, 5, 6]], [[7, 8, 9], [1, 2, 3]]),
    ([True, True], [[7.], [1.]], [[7, 7, 7], [1, 1, 1]]),
    ([[True, False, True], [True, True, False]], [1, 2, 3, 4], [[1, 0, 2], [3, 4, 0]]),
    ([[True, False, True], [True, True, False]], [1, 2, 3, 4, 5, 6, 7], [[1, 0, 2], [3, 4, 0]]),
    ([False, True], [4., 5., 6.], [[0, 0, 0], [4, 5, 6]]),
])
def test_setitem_mask_reads_values_in_order(mask, values, want):
    got = _masked(mx.zeros((2, 3)), mx.array(mask), mx.array(values))
    np.testing.assert_array_equal(np.array(got), want)


def test_setitem_mask_rows_of_a_3d_array():
    a = mx.zeros((2, 3, 2))
    got = _masked(a, mx.array([True, False]), mx.array([1, 2]))
    np.testing.assert_array_equal(np.array(got)[0], [[1, 2]] * 3)
    got = _masked(a, mx.array([True, True]), mx.arange(12).reshape(2, 3, 2))
    np.testing.assert_array_equal(np.array(got), np.arange(12).reshape(2, 3, 2))
    with pytest.raises(ValueError):
        _masked(a, mx.array([True, True]), mx.arange(12).reshape(6, 2))


def test_setitem_mask_errors():
    b = mx.zeros((2, 3))
    with pytest.raises(ValueError, match="same shape as the beginning"):
        _masked(b, mx.array([True, False, True]), mx.array([1., 2.]))
    with pytest.raises(ValueError, match="last 0 dimensions"):
        _masked(b, mx.ones((2, 3), dtype=mx.bool_), mx.ones((1, 6)))
    # Too few values: known only from the mask's values, so it fails when evaluated.
    short = _masked(b, mx.array([True, True]), mx.array([[7.]]))
    with pytest.raises(RuntimeError, match="not have enough elements"):
        mx.eval(short)


def test_setitem_mask_is_lazy_and_casts():
    a = mx.zeros((2, 3), dtype=mx.int32)
    m = mx.arange(6).reshape(2, 3) % 2 == 0
    out = _masked(a, m, mx.array([1.5, 2.5, 3.5]))
    assert out.dtype == mx.int32
    assert mx.graph.nodes(out)  # nothing was evaluated to build it
    np.testing.assert_array_equal(np.array(out), [[1, 0, 2], [0, 3, 0]])


def _scatter_fn(x, m, src):
    x[m] = src
    return x


@pytest.mark.parametrize("in_axes", [(0, 0, 0), (0, 0, None), (None, 0, 0), (0, None, 0)])
def test_vmap_of_masked_setitem_matches_a_loop(in_axes):
    rng = np.random.default_rng(3)
    a = rng.integers(0, 9, (3, 5)).astype(np.float32)
    m = rng.random((3, 5)) < 0.5
    m[:, :2] = True  # every row has at least two entries...
    m[:, 4] = False  # ...and at most four
    src = rng.integers(10, 99, (3, 4)).astype(np.float32)
    args = [a, m, src]
    batched = [mx.array(x if ax is not None else x[0]) for x, ax in zip(args, in_axes)]
    got = mx.vmap(_scatter_fn, in_axes=in_axes)(*batched)
    for i in range(3):
        row = [x[i] if ax is not None else x[0] for x, ax in zip(args, in_axes)]
        want = row[0].copy()
        k = int(row[1].sum())
        want[row[1]] = row[2][:k]
        np.testing.assert_array_equal(np.array(got[i]), want)


def test_masked_setitem_gradients_match_finite_differences():
    m = mx.array([[True, False, True], [False, True, True]])
    a0 = mx.array(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3))
    v0 = mx.array(np.linspace(0.5, 2, 5, dtype=np.float32))
    w = mx.array(np.arange(1, 7, dtype=np.float32).reshape(2, 3))

    def f(a, v):
        return mx.sum(w * mx.sin(_masked(a, m, v)))

    ga, gv = mx.grad(f, argnums=(0, 1))(a0, v0)
    eps = 1e-3
    for x0, g, which in ((a0, ga, 0), (v0, gv, 1)):
        n = np.array(x0)
        num = np.zeros_like(n)
        for i in np.ndindex(n.shape):
            hi, lo = n.copy(), n.copy()
            hi[i] += eps
            lo[i] -= eps
            args_hi = [a0, v0]
            args_lo = [a0, v0]
            args_hi[which], args_lo[which] = mx.array(hi), mx.array(lo)
            num[i] = (f(*args_hi).item() - f(*args_lo).item()) / (2 * eps)
        np.testing.assert_allclose(np.array(g), num, rtol=1e-2, atol=1e-3)
    # The fifth value is never read: its gradient is zero.
    assert gv[4].item() == 0.0
    # jvp agrees with the vjp.
    ta, tv = mx.ones_like(a0), mx.ones_like(v0)
    _, (jv,) = mx.jvp(f, [a0, v0], [ta, tv])
    want = mx.sum(ga * ta) + mx.sum(gv * tv)
    np.testing.assert_allclose(jv.item(), want.item(), rtol=1e-5)
