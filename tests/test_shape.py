"""Shape and layout ops against NumPy: reshape, flatten, unflatten, squeeze,
expand_dims, transpose, swapaxes, moveaxis, broadcast_to, broadcast_arrays,
concatenate, stack, unstack, split, tile, repeat, pad, roll, flip, diag,
diagonal, trace, atleast_*d, as_strided, contiguous, view, astype."""

import numpy as np
import pytest

import lumex.core as mx
from helpers import (
    DTYPE_NAMES,
    NP_DTYPE,
    UNSIGNED,
    assert_array,
    assert_equal,
    dt,
    make_layout,
    need,
    np_cast,
    random_mx,
)

X = np.arange(24, dtype=np.int32).reshape(2, 3, 4)


def mxX():
    return mx.array(X)


# ---------------------------------------------------------------------------
# Table of (op name, mx call, numpy reference) on X = arange(24).reshape(2,3,4)

CASES = [
    ("reshape", lambda m, a: m.reshape(a, (4, -1)), lambda a: a.reshape(4, -1)),
    ("reshape", lambda m, a: m.reshape(a, [-1]), lambda a: a.reshape(-1)),
    ("reshape", lambda m, a: m.reshape(a, (6, 2, 2)), lambda a: a.reshape(6, 2, 2)),
    ("reshape", lambda m, a: m.reshape(a, (1, 24, 1)), lambda a: a.reshape(1, 24, 1)),
    ("flatten", lambda m, a: m.flatten(a), lambda a: a.reshape(-1)),
    ("flatten", lambda m, a: m.flatten(a, 1), lambda a: a.reshape(2, 12)),
    ("flatten", lambda m, a: m.flatten(a, 0, 1), lambda a: a.reshape(6, 4)),
    ("flatten", lambda m, a: m.flatten(a, start_axis=-2), lambda a: a.reshape(2, 12)),
    ("flatten", lambda m, a: m.flatten(a, 0, 5), lambda a: a.reshape(-1)),
    ("unflatten", lambda m, a: m.unflatten(a, 2, (2, 2)), lambda a: a.reshape(2, 3, 2, 2)),
    ("unflatten", lambda m, a: m.unflatten(a, -1, (2, -1)), lambda a: a.reshape(2, 3, 2, 2)),
    ("unflatten", lambda m, a: m.unflatten(a, 0, (1, 2)), lambda a: a.reshape(1, 2, 3, 4)),
    ("expand_dims", lambda m, a: m.expand_dims(a, 0), lambda a: np.expand_dims(a, 0)),
    ("expand_dims", lambda m, a: m.expand_dims(a, -1), lambda a: np.expand_dims(a, -1)),
    ("expand_dims", lambda m, a: m.expand_dims(a, 3), lambda a: np.expand_dims(a, 3)),
    ("expand_dims", lambda m, a: m.expand_dims(a, (0, 2)), lambda a: np.expand_dims(a, (0, 2))),
    ("expand_dims", lambda m, a: m.expand_dims(a, [-1, 1]), lambda a: np.expand_dims(a, (-1, 1))),
    ("transpose", lambda m, a: m.transpose(a), lambda a: a.transpose()),
    ("transpose", lambda m, a: m.transpose(a, (1, 0, 2)), lambda a: a.transpose(1, 0, 2)),
    ("transpose", lambda m, a: m.transpose(a, [2, 0, 1]), lambda a: a.transpose(2, 0, 1)),
    ("transpose", lambda m, a: m.transpose(a, (-1, 0, 1)), lambda a: a.transpose(2, 0, 1)),
    ("transpose", lambda m, a: m.transpose(a, axes=(1, 0, 2)), lambda a: a.transpose(1, 0, 2)),
    ("permute_dims", lambda m, a: m.permute_dims(a, (1, 2, 0)), lambda a: a.transpose(1, 2, 0)),
    ("swapaxes", lambda m, a: m.swapaxes(a, 0, 2), lambda a: np.swapaxes(a, 0, 2)),
    ("swapaxes", lambda m, a: m.swapaxes(a, -1, 0), lambda a: np.swapaxes(a, -1, 0)),
    ("moveaxis", lambda m, a: m.moveaxis(a, 0, -1), lambda a: np.moveaxis(a, 0, -1)),
    ("moveaxis", lambda m, a: m.moveaxis(a, 2, 0), lambda a: np.moveaxis(a, 2, 0)),
    ("moveaxis", lambda m, a: m.moveaxis(a, source=1, destination=2), lambda a: np.moveaxis(a, 1, 2)),
    ("matrix_transpose", lambda m, a: m.matrix_transpose(a), lambda a: np.swapaxes(a, -1, -2)),
    ("broadcast_to", lambda m, a: m.broadcast_to(a, (3, 2, 3, 4)), lambda a: np.broadcast_to(a, (3, 2, 3, 4))),
    ("broadcast_to", lambda m, a: m.broadcast_to(m.reshape(a, (2, 3, 4, 1)), (2, 3, 4, 5)),
     lambda a: np.broadcast_to(a.reshape(2, 3, 4, 1), (2, 3, 4, 5))),
    ("concatenate", lambda m, a: m.concatenate([a, a]), lambda a: np.concatenate([a, a])),
    ("concatenate", lambda m, a: m.concatenate([a, a], axis=1), lambda a: np.concatenate([a, a], 1)),
    ("concatenate", lambda m, a: m.concatenate([a, a, a], -1), lambda a: np.concatenate([a, a, a], -1)),
    ("concatenate", lambda m, a: m.concatenate((a,)), lambda a: a),
    ("concatenate", lambda m, a: m.concatenate([a, a], axis=None), lambda a: np.concatenate([a, a], axis=None)),
    ("concat", lambda m, a: m.concat([a, a], axis=2), lambda a: np.concatenate([a, a], 2)),
    ("stack", lambda m, a: m.stack([a, a]), lambda a: np.stack([a, a])),
    ("stack", lambda m, a: m.stack([a, a], axis=-1), lambda a: np.stack([a, a], -1)),
    ("stack", lambda m, a: m.stack([a, a, a], axis=3), lambda a: np.stack([a, a, a], 3)),
    ("stack", lambda m, a: m.stack((a,), axis=1), lambda a: np.stack((a,), 1)),
    ("tile", lambda m, a: m.tile(a, 2), lambda a: np.tile(a, 2)),
    ("tile", lambda m, a: m.tile(a, (2, 1, 2)), lambda a: np.tile(a, (2, 1, 2))),
    ("tile", lambda m, a: m.tile(a, [1, 1, 2, 1]), lambda a: np.tile(a, (1, 1, 2, 1))),
    ("tile", lambda m, a: m.tile(a, (2,)), lambda a: np.tile(a, (2,))),
    ("tile", lambda m, a: m.tile(a, 0), lambda a: np.tile(a, 0)),
    ("repeat", lambda m, a: m.repeat(a, 2), lambda a: np.repeat(a, 2)),
    ("repeat", lambda m, a: m.repeat(a, 2, axis=1), lambda a: np.repeat(a, 2, axis=1)),
    ("repeat", lambda m, a: m.repeat(a, 3, -1), lambda a: np.repeat(a, 3, axis=-1)),
    ("repeat", lambda m, a: m.repeat(a, 0, axis=0), lambda a: np.repeat(a, 0, axis=0)),
    ("pad", lambda m, a: m.pad(a, 1), lambda a: np.pad(a, 1)),
    ("pad", lambda m, a: m.pad(a, (1, 2)), lambda a: np.pad(a, (1, 2))),
    ("pad", lambda m, a: m.pad(a, [(1, 0), (0, 2), (2, 1)]), lambda a: np.pad(a, [(1, 0), (0, 2), (2, 1)])),
    ("pad", lambda m, a: m.pad(a, 1, constant_values=9), lambda a: np.pad(a, 1, constant_values=9)),
    ("pad", lambda m, a: m.pad(a, 2, mode="edge"), lambda a: np.pad(a, 2, mode="edge")),
    ("pad", lambda m, a: m.pad(a, 1, mode="reflect"), lambda a: np.pad(a, 1, mode="reflect")),
    ("pad", lambda m, a: m.pad(a, [(0, 1), (2, 2), (1, 3)], mode="reflect"),
     lambda a: np.pad(a, [(0, 1), (2, 2), (1, 3)], mode="reflect")),
    ("pad", lambda m, a: m.pad(a, 1, mode="symmetric"), lambda a: np.pad(a, 1, mode="symmetric")),
    ("pad", lambda m, a: m.pad(a, [(1, 2), (0, 3), (2, 0)], "symmetric"),
     lambda a: np.pad(a, [(1, 2), (0, 3), (2, 0)], mode="symmetric")),
    ("pad", lambda m, a: m.pad(a, 0), lambda a: a),
    ("roll", lambda m, a: m.roll(a, 2), lambda a: np.roll(a, 2)),
    ("roll", lambda m, a: m.roll(a, -1), lambda a: np.roll(a, -1)),
    ("roll", lambda m, a: m.roll(a, 1, axis=1), lambda a: np.roll(a, 1, axis=1)),
    ("roll", lambda m, a: m.roll(a, 7, axis=0), lambda a: np.roll(a, 7, axis=0)),
    ("roll", lambda m, a: m.roll(a, (1, -2), axis=(0, 2)), lambda a: np.roll(a, (1, -2), axis=(0, 2))),
    ("roll", lambda m, a: m.roll(a, 30), lambda a: np.roll(a, 30)),
    ("flip", lambda m, a: m.flip(a), lambda a: np.flip(a)),
    ("flip", lambda m, a: m.flip(a, 0), lambda a: np.flip(a, 0)),
    ("flip", lambda m, a: m.flip(a, -1), lambda a: np.flip(a, -1)),
    ("flip", lambda m, a: m.flip(a, axis=(0, 2)), lambda a: np.flip(a, (0, 2))),
    ("diagonal", lambda m, a: m.diagonal(a), lambda a: np.diagonal(a)),
    ("diagonal", lambda m, a: m.diagonal(a, 1, 1, 2), lambda a: np.diagonal(a, 1, 1, 2)),
    ("diagonal", lambda m, a: m.diagonal(a, offset=-1, axis1=0, axis2=2), lambda a: np.diagonal(a, -1, 0, 2)),
    ("diagonal", lambda m, a: m.diagonal(a, 0, -1, 0), lambda a: np.diagonal(a, 0, -1, 0)),
    ("diagonal", lambda m, a: m.diagonal(a, 5, 1, 2), lambda a: np.diagonal(a, 5, 1, 2)),
    ("trace", lambda m, a: m.trace(a), lambda a: np.trace(a)),
    ("trace", lambda m, a: m.trace(a, 1, 1, 2), lambda a: np.trace(a, 1, 1, 2)),
    ("trace", lambda m, a: m.trace(a, offset=-1, axis1=2, axis2=0), lambda a: np.trace(a, -1, 2, 0)),
    ("atleast_3d", lambda m, a: m.atleast_3d(a), lambda a: a),
    ("atleast_1d", lambda m, a: m.atleast_1d(a), lambda a: a),
    ("as_strided", lambda m, a: m.as_strided(a, (3, 3), (2, 1)), lambda a: a.reshape(-1)[[[0, 1, 2], [2, 3, 4], [4, 5, 6]]]),
    ("as_strided", lambda m, a: m.as_strided(a, (3,), (1,), 2), lambda a: a.reshape(-1)[2:5]),
    ("as_strided", lambda m, a: m.as_strided(a, (2, 2), (0, 1)), lambda a: a.reshape(-1)[[[0, 1], [0, 1]]]),
    ("as_strided", lambda m, a: m.as_strided(a, (4, 6), (6, 1)), lambda a: a.reshape(4, 6)),
    ("as_strided", lambda m, a: m.as_strided(a), lambda a: a),
    ("contiguous", lambda m, a: m.contiguous(m.transpose(a)), lambda a: a.transpose()),
    ("contiguous", lambda m, a: m.contiguous(m.transpose(a), allow_col_major=True), lambda a: a.transpose()),
]


_ids = []
_counts = {}
for _c in CASES:
    _counts[_c[0]] = _counts.get(_c[0], 0) + 1
    _ids.append(f"{_c[0]}{_counts[_c[0]]}")


def _needed(name):
    deps = {"contiguous": ("contiguous", "transpose"), "broadcast_to": ("broadcast_to", "reshape")}
    return deps.get(name, (name,))


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_shape_op(case):
    name, fn, ref = case
    need("array", *_needed(name))
    out = fn(mx, mxX())
    assert_equal(out, ref(X), "int32")


@pytest.mark.parametrize("case", CASES, ids=_ids)
@pytest.mark.parametrize("layout", ["transposed", "broadcast", "strided"])
def test_shape_op_noncontiguous(case, layout, rng):
    """The same ops on a non-contiguous (2, 3, 4) input."""
    name, fn, ref = case
    need("array", *_needed(name))
    if layout == "transposed":
        need("transpose")
        src = rng.standard_normal((4, 3, 2)).astype(np.float32)
        x, xn = mx.transpose(mx.array(src)), src.transpose()
    elif layout == "broadcast":
        need("broadcast_to")
        src = rng.standard_normal((1, 3, 4)).astype(np.float32)
        x, xn = mx.broadcast_to(mx.array(src), (2, 3, 4)), np.broadcast_to(src, (2, 3, 4))
    else:
        need("as_strided")
        src = rng.standard_normal((4, 3, 8)).astype(np.float32)
        x, xn = mx.as_strided(mx.array(src), (2, 3, 4), (48, 8, 2)), src[::2, :, ::2]
    if name == "as_strided":
        pytest.skip("as_strided addresses the underlying buffer")
    out = fn(mx, x)
    assert_array(out, ref(np.ascontiguousarray(xn)), dtype="float32", rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_shape_ops_keep_dtype(name, rng):
    need("reshape", "transpose", "concatenate", "stack", "pad", "flip", "roll", "tile", "repeat")
    x, xn = random_mx((2, 3), name, rng)
    assert_equal(mx.reshape(x, (3, 2)), xn.reshape(3, 2), name)
    assert_equal(mx.transpose(x), xn.T, name)
    assert_equal(mx.concatenate([x, x], 1), np.concatenate([xn, xn], 1), name)
    assert_equal(mx.stack([x, x]), np.stack([xn, xn]), name)
    assert_equal(mx.pad(x, 1), np.pad(xn, 1), name)
    assert_equal(mx.flip(x, 0), np.flip(xn, 0), name)
    assert_equal(mx.roll(x, 1, 1), np.roll(xn, 1, 1), name)
    assert_equal(mx.tile(x, (2, 1)), np.tile(xn, (2, 1)), name)
    assert_equal(mx.repeat(x, 2, 0), np.repeat(xn, 2, 0), name)


# ---------------------------------------------------------------------------
# op-specific behaviour


def test_reshape_forms():
    need("reshape", "arange")
    x = mx.arange(24).reshape(2, 3, 4)
    assert x.reshape(4, 6).shape == (4, 6)
    assert x.reshape((4, 6)).shape == (4, 6)
    assert mx.reshape(mx.zeros((0, 3)), (-1, 3)).shape == (0, 3)
    assert mx.reshape(mx.array(5), (1, 1)).shape == (1, 1)
    assert mx.reshape(mx.array([5]), ()).shape == ()


def test_squeeze():
    need("squeeze", "zeros")
    x = mx.zeros((1, 2, 1, 3))
    assert mx.squeeze(x).shape == (2, 3)
    assert mx.squeeze(x, 0).shape == (2, 1, 3)
    assert mx.squeeze(x, (0, 2)).shape == (2, 3)
    assert mx.squeeze(x, axis=-2).shape == (1, 2, 3)
    assert mx.squeeze(mx.zeros((1, 1))).shape == ()
    assert mx.squeeze(mx.zeros((2, 3))).shape == (2, 3)


def test_expand_dims_scalar():
    need("expand_dims", "array")
    assert mx.expand_dims(mx.array(1), 0).shape == (1,)
    assert mx.expand_dims(mx.array(1), (0, 1)).shape == (1, 1)


def test_broadcast_to_is_a_view_with_values(rng):
    need("broadcast_to", "array")
    assert_equal(mx.broadcast_to(mx.array([1, 2, 3]), (2, 3)), np.array([[1, 2, 3]] * 2), "int32")
    assert_equal(mx.broadcast_to(mx.array(1), (2, 3)), np.ones((2, 3)), "int32")
    assert mx.broadcast_to(1.5, (2,)).dtype == mx.float32
    assert mx.broadcast_to(mx.zeros((0, 1)), (0, 4)).shape == (0, 4)


def test_broadcast_arrays():
    need("broadcast_arrays", "array")
    out = mx.broadcast_arrays(mx.array([[1], [2]]), mx.array([1.0, 2.0, 3.0]), mx.array(7))
    assert len(out) == 3
    assert_equal(out[0], np.array([[1, 1, 1], [2, 2, 2]]), "int32")
    assert_equal(out[1], np.array([[1.0, 2.0, 3.0]] * 2), "float32")
    assert_equal(out[2], np.full((2, 3), 7), "int32")
    assert len(mx.broadcast_arrays()) == 0
    assert len(mx.broadcast_arrays(mx.zeros((2, 1)))) == 1
    with pytest.raises(ValueError, match=r"\[broadcast_shapes\] Shapes \(2,1\) and \(3,2\) cannot be broadcast"):
        mx.broadcast_arrays(mx.zeros((2, 1)), mx.zeros((3, 2)))


def test_concatenate_and_stack_promote():
    need("concatenate", "stack", "array")
    out = mx.concatenate([mx.array([1]), mx.array([1.5])])
    assert_equal(out, np.array([1.0, 1.5]), "float32")
    out = mx.concatenate([mx.array([1], dtype=mx.int8), mx.array([1], dtype=mx.uint8)])
    assert out.dtype == mx.int16
    out = mx.stack([mx.array(1), mx.array(2.5)])
    assert_equal(out, np.array([1.0, 2.5]), "float32")
    out = mx.concatenate([mx.zeros((0, 3)), mx.ones((2, 3))])
    assert_equal(out, np.ones((2, 3)), "float32")


def test_unstack():
    need("unstack", "array")
    out = mx.unstack(mx.array(X))
    assert isinstance(out, (list, tuple)) and len(out) == 2
    for o, e in zip(out, X):
        assert_equal(o, e, "int32")
    out = mx.unstack(mx.array(X), axis=2)
    assert len(out) == 4
    for i, o in enumerate(out):
        assert_equal(o, X[:, :, i], "int32")
    out = mx.unstack(mx.array(X), axis=-2)
    assert len(out) == 3


SPLITS = [
    (3, 0),
    ([1, 4], 0),
    ((2,), 0),
    ([], 0),
    ([10], 0),
    ([4, 1], 0),
    (2, 2),
    ([1, 3], -1),
    (1, 1),
]


@pytest.mark.parametrize("arg,axis", SPLITS, ids=[f"{a}-{b}" for a, b in SPLITS])
def test_split(arg, axis):
    need("split", "array")
    src = np.arange(6 * 4 * 4, dtype=np.int32).reshape(6, 4, 4)
    out = mx.split(mx.array(src), arg, axis=axis)
    expected = np.split(src, arg, axis=axis)
    assert isinstance(out, (list, tuple))
    assert len(out) == len(expected)
    for o, e in zip(out, expected):
        assert_equal(o, e, "int32")


def test_tile_repeat_edge_cases():
    need("tile", "repeat", "array")
    assert_equal(mx.tile(mx.array(3), (2,)), np.array([3, 3]), "int32")
    assert_equal(mx.repeat(mx.array(5), 3), np.array([5, 5, 5]), "int32")
    assert_equal(mx.repeat(mx.array([[1, 2], [3, 4]]), 2), np.repeat([[1, 2], [3, 4]], 2), "int32")
    assert mx.repeat(mx.array([1, 2]), 0).shape == (0,)


def test_pad_values_and_dtypes():
    need("pad", "array")
    a = mx.array([[1, 2], [3, 4]])
    # The constant is cast to the array dtype.
    assert_equal(mx.pad(a, 1, constant_values=1.5), np.pad([[1, 2], [3, 4]], 1, constant_values=1), "int32")
    out = mx.pad(mx.array([1.0, 2.0]), 1, constant_values=mx.array(3))
    assert_equal(out, np.array([3.0, 1.0, 2.0, 3.0]), "float32")
    out = mx.pad(mx.array([1.0, 2.0], dtype=mx.float16), (0, 2), constant_values=-1)
    assert_equal(out, np.array([1.0, 2.0, -1.0, -1.0]), "float16")


def test_diag():
    need("diag", "array")
    v = np.array([1, 2, 3], dtype=np.int32)
    for k in [0, 1, -2]:
        assert_equal(mx.diag(mx.array(v), k), np.diag(v, k), "int32")
    m = np.arange(12, dtype=np.int32).reshape(3, 4)
    for k in [0, 1, -1, 3, 5, -5]:
        assert_equal(mx.diag(mx.array(m), k), np.diag(m, k), "int32")
    assert_equal(mx.diag(mx.array(m), k=2), np.diag(m, 2), "int32")


def test_trace_dtypes():
    need("trace", "array")
    a = [[1, 2], [3, 4]]
    assert_equal(mx.trace(mx.array(a)), np.array(5), "int32")
    assert_equal(mx.trace(mx.array(a), dtype=mx.float32), np.array(5.0), "float32")
    assert_equal(mx.trace(mx.array(a, dtype=mx.int8)), np.array(5), "int32")
    assert_equal(mx.trace(mx.array([[True, True], [True, True]])), np.array(2), "int32")
    assert_array(mx.trace(mx.array([[1.5, 2.0], [3.0, 4.0]])), np.array(5.5), dtype="float32")


def test_atleast():
    need("atleast_1d", "atleast_2d", "atleast_3d", "array")
    s = mx.array(1)
    assert mx.atleast_1d(s).shape == (1,)
    assert mx.atleast_2d(s).shape == (1, 1)
    assert mx.atleast_3d(s).shape == (1, 1, 1)
    v = mx.array([1, 2])
    assert mx.atleast_1d(v).shape == (2,)
    assert mx.atleast_2d(v).shape == (1, 2)
    assert mx.atleast_3d(v).shape == (1, 2, 1)
    m = mx.array([[1, 2], [3, 4]])
    assert mx.atleast_2d(m).shape == (2, 2)
    assert mx.atleast_3d(m).shape == (2, 2, 1)
    assert_equal(mx.atleast_3d(m), np.atleast_3d(np.array([[1, 2], [3, 4]])), "int32")
    out = mx.atleast_1d(s, v)
    assert isinstance(out, (list, tuple)) and len(out) == 2
    assert out[0].shape == (1,) and out[1].shape == (2,)
    out = mx.atleast_2d(s, v, m)
    assert [o.shape for o in out] == [(1, 1), (1, 2), (2, 2)]


def test_as_strided_offset_and_default():
    need("as_strided", "arange")
    x = mx.arange(10)
    assert_equal(mx.as_strided(x, (3, 3), (2, 1)), np.array([[0, 1, 2], [2, 3, 4], [4, 5, 6]]), "int32")
    assert_equal(mx.as_strided(x, (3,), (1,), 2), np.array([2, 3, 4]), "int32")
    assert_equal(mx.as_strided(x, shape=(2,), strides=(3,), offset=1), np.array([1, 4]), "int32")
    assert_equal(mx.as_strided(x), np.arange(10), "int32")


def test_contiguous(rng):
    need("contiguous", "transpose", "array")
    src = rng.standard_normal((3, 4)).astype(np.float32)
    x = mx.transpose(mx.array(src))
    out = mx.contiguous(x)
    assert_equal(out, src.T, "float32")
    # After contiguous, the NumPy view is C-contiguous.
    assert np.asarray(out).flags["C_CONTIGUOUS"]


VIEWS = [
    ("float32", [1.0, 2.0], "int32"),
    ("float32", [1.0, 2.0], "uint32"),
    ("float32", [1.0, 2.0], "int16"),
    ("float32", [1.0, -2.0], "uint8"),
    ("int16", [1, 2], "int32"),
    ("int16", [1, 2, 3, 4], "float32"),
    ("uint8", [0, 60, 0, 63], "float16"),
    ("bool_", [True, False], "uint8"),
    ("float32", [1.0], "bool_"),
    ("int32", [-1, 5], "uint32"),
    ("float64", [1.5, -2.0], "int64"),
    ("complex64", [1 + 2j], "float32"),
]


@pytest.mark.parametrize("src,values,dst", VIEWS, ids=[f"{s}-{d}" for s, _, d in VIEWS])
def test_view(src, values, dst):
    need("view", "array")
    xn = np.array(values, dtype=NP_DTYPE[src])
    x = mx.array(xn, dtype=dt(src))
    out = mx.view(x, dt(dst))
    expected = xn.view(NP_DTYPE[dst])
    assert_equal(out, expected, dst)
    assert_equal(x.view(dt(dst)), expected, dst)


def test_view_2d_and_noncontiguous():
    need("view", "array", "transpose")
    a = np.array([[1, 2], [3, 4]], dtype=np.int16)
    assert_equal(mx.view(mx.array(a), mx.int32), a.view(np.int32), "int32")
    t = np.ascontiguousarray(a.T)
    assert_equal(mx.view(mx.transpose(mx.array(a)), mx.int32), t.view(np.int32), "int32")


def test_view_bfloat16_roundtrip():
    need("view", "array")
    x = mx.array([1.0, -2.5, 0.15625], dtype=mx.bfloat16)
    bits = mx.view(x, mx.uint16)
    assert bits.dtype == mx.uint16
    expected = (np.array([1.0, -2.5, 0.15625], dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16)
    assert_equal(bits, expected, "uint16")
    back = mx.view(bits, mx.bfloat16)
    assert back.dtype == mx.bfloat16
    assert back.tolist() == [1.0, -2.5, 0.15625]


# ---------------------------------------------------------------------------
# astype


def _astype_values(src, dst):
    if src == "bool_":
        return [True, False, True]
    if src in UNSIGNED:
        return [0, 1, 2, 100, 200, 255]
    if src.startswith("int"):
        vals = [0, 1, 2, -1, -2, 100, -100, 127, -128]
    elif src == "complex64":
        vals = [1 + 2j, -2.5 + 0j, 0j, 3.75 - 1j]
    else:
        vals = [0.0, 1.0, 2.75, -2.75, -0.5, 0.5, 100.25, -100.75]
    if dst in UNSIGNED:
        # negative -> unsigned is only checked for integers (wraps)
        vals = [v for v in vals if (v.real if isinstance(v, complex) else v) >= 0 or src.startswith("int")]
    return vals


@pytest.mark.parametrize("src", DTYPE_NAMES)
def test_astype_matrix(src):
    need("array")
    for dst in DTYPE_NAMES:
        vals = _astype_values(src, dst)
        xn = np_cast(np.array(vals), src)
        x = mx.array(np.array(vals)).astype(dt(src)) if src == "bfloat16" else mx.array(xn, dtype=dt(src))
        out = x.astype(dt(dst))
        assert out.dtype == dt(dst)
        if src == "complex64" and dst != "complex64":
            xn = xn.real
        expected = np_cast(xn, dst)
        assert_equal(out, expected, dst)


def test_astype_semantics():
    need("array", "astype")
    assert_equal(mx.array([2.7, -2.7, 0.5]).astype(mx.int32), np.array([2, -2, 0]), "int32")
    assert_equal(mx.array([-1.0, 300.0]).astype(mx.uint8), np.array([255, 44]), "uint8")
    assert_equal(mx.array([0.0, -0.0, 0.1, float("nan")]).astype(mx.bool_), np.array([False, False, True, True]), "bool_")
    assert_equal(mx.array([1 + 2j, 0j]).astype(mx.bool_), np.array([True, False]), "bool_")
    assert_equal(mx.array([300]).astype(mx.int8), np.array([44]), "int8")
    assert_equal(mx.astype(mx.array([1, 2]), mx.float16), np.array([1.0, 2.0]), "float16")
    f16 = mx.array([65504.0]).astype(mx.float16)
    assert f16.tolist() == [65504.0]
    assert mx.array([1e6]).astype(mx.float16).tolist() == [float("inf")]


@pytest.mark.parametrize("layout", ["scalar", "empty", "transposed", "broadcast", "strided"])
def test_astype_layouts(layout, rng):
    need("array", "abs")
    x, xn = make_layout(layout, "float32", rng, -100, 100)
    for dst in ["int32", "float16", "bfloat16", "float64", "bool_", "uint8", "complex64"]:
        vals = np.abs(xn) if dst == "uint8" else xn
        src = mx.abs(x) if dst == "uint8" else x
        out = src.astype(dt(dst))
        assert_equal(out, np_cast(np.array(vals), dst), dst)


def test_astype_requires_a_dtype():
    need("array")
    with pytest.raises(TypeError):
        mx.array([1.0]).astype("float32")
    with pytest.raises(TypeError):
        mx.array([1.0]).astype(np.float32)
