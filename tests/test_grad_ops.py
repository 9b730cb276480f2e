"""Finite-difference checks of every differentiable op's vjp and jvp (float64),
and vmap of every op against the stacked loop."""

import numpy as np
import pytest

import lumex.core as mx

RNG = np.random.default_rng(0)
EPS = 1e-6


def rand(shape, lo=-1.0, hi=1.0):
    return mx.array(RNG.uniform(lo, hi, size=shape), dtype=mx.float64)


def numeric_jacobian_dot(f, xs, i, v):
    """(f(x + eps v) - f(x - eps v)) / 2 eps, perturbing input i."""
    a = [np.array(x) for x in xs]
    as_mx = lambda y: mx.array(y, dtype=mx.float64) if y.dtype == np.float64 else mx.array(y)
    plus = [as_mx(y) for y in a]
    minus = [as_mx(y) for y in a]
    plus[i] = as_mx(a[i] + EPS * v)
    minus[i] = as_mx(a[i] - EPS * v)
    return (np.array(f(*plus)) - np.array(f(*minus))) / (2 * EPS)


def check_grads(f, xs, rtol=1e-5, atol=1e-6):
    """vjp against finite differences along random directions, jvp likewise."""
    out = f(*xs)
    w = mx.array(RNG.normal(size=out.shape), dtype=mx.float64)
    for i in range(len(xs)):
        # Reverse mode: <w, J v> == <J^T w, v>.
        _, vjps = mx.vjp(f, list(xs), [w])
        v = RNG.normal(size=xs[i].shape)
        fd = numeric_jacobian_dot(f, xs, i, v)
        lhs = float(np.sum(np.array(w) * fd))
        rhs = float(np.sum(np.array(vjps[i]) * v))
        assert np.isclose(lhs, rhs, rtol=rtol, atol=atol), (i, lhs, rhs)
        # Forward mode: J v.
        tangents = [mx.zeros_like(x) for x in xs]
        tangents[i] = mx.array(v, dtype=mx.float64)
        _, jvps = mx.jvp(f, list(xs), tangents)
        np.testing.assert_allclose(np.array(jvps[0]), fd, rtol=rtol * 10, atol=atol * 10)


UNARY = [
    ("abs", mx.abs, (-1, 1)),
    ("negative", mx.negative, (-1, 1)),
    ("square", mx.square, (-1, 1)),
    ("sqrt", mx.sqrt, (0.5, 2)),
    ("rsqrt", mx.rsqrt, (0.5, 2)),
    ("reciprocal", mx.reciprocal, (0.5, 2)),
    ("exp", mx.exp, (-1, 1)),
    ("expm1", mx.expm1, (-1, 1)),
    ("log", mx.log, (0.5, 2)),
    ("log2", mx.log2, (0.5, 2)),
    ("log10", mx.log10, (0.5, 2)),
    ("log1p", mx.log1p, (-0.5, 1)),
    ("sin", mx.sin, (-2, 2)),
    ("cos", mx.cos, (-2, 2)),
    ("tan", mx.tan, (-1, 1)),
    ("arcsin", mx.arcsin, (-0.9, 0.9)),
    ("arccos", mx.arccos, (-0.9, 0.9)),
    ("arctan", mx.arctan, (-2, 2)),
    ("sinh", mx.sinh, (-1, 1)),
    ("cosh", mx.cosh, (-1, 1)),
    ("tanh", mx.tanh, (-1, 1)),
    ("arcsinh", mx.arcsinh, (-2, 2)),
    ("arccosh", mx.arccosh, (1.5, 3)),
    ("arctanh", mx.arctanh, (-0.9, 0.9)),
    ("sigmoid", mx.sigmoid, (-3, 3)),
    ("erf", mx.erf, (-1, 1)),
    ("erfinv", mx.erfinv, (-0.9, 0.9)),
    ("degrees", mx.degrees, (-1, 1)),
    ("radians", mx.radians, (-1, 1)),
]


@pytest.mark.parametrize("name,op,dom", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)])
def test_unary_grad(name, op, dom, shape):
    check_grads(op, [rand(shape, *dom)])


BINARY = [
    ("add", mx.add, (-1, 1), (-1, 1)),
    ("subtract", mx.subtract, (-1, 1), (-1, 1)),
    ("multiply", mx.multiply, (-1, 1), (-1, 1)),
    ("divide", mx.divide, (-1, 1), (0.5, 2)),
    ("power", mx.power, (0.5, 2), (-1, 2)),
    ("maximum", mx.maximum, (-1, 1), (-1, 1)),
    ("minimum", mx.minimum, (-1, 1), (-1, 1)),
    ("arctan2", mx.arctan2, (-1, 1), (0.5, 2)),
    ("logaddexp", mx.logaddexp, (-2, 2), (-2, 2)),
    ("remainder", mx.remainder, (2.1, 2.9), (0.7, 0.9)),
]

BINARY_SHAPES = [((4,), (4,)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((2, 3), ())]


@pytest.mark.parametrize("name,op,da,db", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
def test_binary_grad(name, op, da, db, shapes):
    check_grads(op, [rand(shapes[0], *da), rand(shapes[1], *db)])


def test_where_grad():
    cond = mx.array(RNG.uniform(size=(3, 4)) > 0.5)
    check_grads(lambda x, y: mx.where(cond, x, y), [rand((3, 4)), rand((4,))])


def test_clip_grad():
    check_grads(lambda x: mx.clip(x, -0.5, 0.5), [rand((10,))])


AXES = [None, 0, 1, (0, 1), -1]
REDUCTIONS = [
    ("sum", mx.sum), ("mean", mx.mean), ("prod", mx.prod), ("max", mx.max),
    ("min", mx.min), ("logsumexp", mx.logsumexp), ("var", mx.var), ("std", mx.std),
]


@pytest.mark.parametrize("name,op", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_grad(name, op, axis, keepdims):
    check_grads(lambda x: op(x, axis=axis, keepdims=keepdims), [rand((3, 4), 0.5, 1.5)])


def test_prod_grad_with_zero():
    x = mx.array([[2.0, 0.0, 3.0], [1.0, 2.0, 3.0]], dtype=mx.float64)
    g = mx.grad(lambda x: mx.prod(x, axis=1).sum())(x)
    np.testing.assert_allclose(np.array(g), [[0, 6, 0], [6, 3, 2]])


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_median_grad(axis):
    check_grads(lambda x: mx.median(x, axis=axis), [rand((3, 4))])
    check_grads(lambda x: mx.median(x, axis=axis), [rand((5, 3))])


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_softmax_grad(axis):
    check_grads(lambda x: mx.softmax(x, axis=axis), [rand((3, 4))])


SCANS = [("cumsum", mx.cumsum, (-1, 1)), ("cumprod", mx.cumprod, (0.5, 1.5)),
         ("logcumsumexp", mx.logcumsumexp, (-2, 2))]


@pytest.mark.parametrize("name,op,dom", SCANS, ids=[s[0] for s in SCANS])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("inclusive", [False, True])
@pytest.mark.parametrize("axis", [0, 1])
def test_scan_grad(name, op, dom, reverse, inclusive, axis):
    if name == "logcumsumexp" and not inclusive:
        pytest.skip("the exclusive form starts at -inf, where differences are NaN")
    check_grads(lambda x: op(x, axis=axis, reverse=reverse, inclusive=inclusive),
                [rand((4, 5), *dom)])


SHAPE_OPS = [
    ("reshape", lambda x: mx.reshape(x, (4, 3))),
    ("transpose", lambda x: mx.transpose(x, (1, 0))),
    ("broadcast_to", lambda x: mx.broadcast_to(x, (2, 3, 4))),
    ("expand_dims", lambda x: mx.expand_dims(x, 1)),
    ("squeeze", lambda x: mx.squeeze(mx.expand_dims(x, 0))),
    ("flatten", lambda x: mx.flatten(x)),
    ("swapaxes", lambda x: mx.swapaxes(x, 0, 1)),
    ("moveaxis", lambda x: mx.moveaxis(x, 0, 1)),
    ("split", lambda x: mx.split(x, 2, axis=1)[1]),
    ("concatenate", lambda x: mx.concatenate([x, 2 * x], axis=0)),
    ("stack", lambda x: mx.stack([x, x * x], axis=1)),
    ("tile", lambda x: mx.tile(x, (2, 1))),
    ("repeat", lambda x: mx.repeat(x, 2, axis=1)),
    ("pad", lambda x: mx.pad(x, ((1, 2), (0, 1)))),
    ("pad_value", lambda x: mx.pad(x, 1, constant_values=mx.sum(x))),
    ("roll", lambda x: mx.roll(x, 1, axis=1)),
    ("diagonal", lambda x: mx.diagonal(x)),
    ("trace", lambda x: mx.trace(x)),
    ("tril", lambda x: mx.tril(x)),
    ("triu", lambda x: mx.triu(x, 1)),
    ("copy", lambda x: mx.array(x) * 1.0),
    ("atleast_3d", lambda x: mx.atleast_3d(x)),
    ("unflatten", lambda x: mx.unflatten(x, 1, (2, 2))),
]


@pytest.mark.parametrize("name,op", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_op_grad(name, op):
    rtol = 1e-3 if name == "astype" else 1e-5
    check_grads(op, [rand((3, 4))], rtol=rtol, atol=1e-4 if name == "astype" else 1e-6)


@pytest.mark.parametrize("start,stop,step", [(0, 3, 1), (1, 4, 2), (3, 0, -1), (None, None, -2)])
def test_strided_slice_grad(start, stop, step):
    x = rand((5, 3))
    sl = slice(start, stop, step)
    check_grads(lambda x: x[sl], [x])
    check_grads(lambda x: x[:, sl], [x])


def test_as_strided_jvp():
    x = rand((12,))
    f = lambda x: mx.as_strided(x, (3, 4), (4, 1), 0) * 2
    _, t = mx.jvp(f, [x], [mx.ones((12,), dtype=mx.float64)])
    np.testing.assert_allclose(np.array(t[0]), 2 * np.ones((3, 4)))


LINALG = [
    ("matmul", lambda a, b: a @ b, (3, 4), (4, 2)),
    ("matmul_batched", lambda a, b: a @ b, (2, 3, 4), (4, 5)),
    ("matmul_vec", lambda a, b: a @ b, (4,), (4, 3)),
    ("inner", mx.inner, (3, 4), (2, 4)),
    ("outer", mx.outer, (3,), (4,)),
    ("tensordot", lambda a, b: mx.tensordot(a, b, axes=1), (3, 4), (4, 2)),
    ("addmm", lambda a, b: mx.addmm(mx.ones((3, 2), dtype=mx.float64), a, b, alpha=0.5, beta=2.0), (3, 4), (4, 2)),
    ("kron", mx.kron, (2, 2), (2, 3)),
]


@pytest.mark.parametrize("name,op,sa,sb", LINALG, ids=[l[0] for l in LINALG])
def test_linalg_grad(name, op, sa, sb):
    check_grads(op, [rand(sa), rand(sb)])


def test_addmm_c_grad():
    a, b = rand((3, 4)), rand((4, 2))
    check_grads(lambda c: mx.addmm(c, a, b, alpha=0.5, beta=2.0), [rand((3, 2))])
    check_grads(lambda c: mx.addmm(c, a, b, alpha=0.5, beta=2.0), [rand((2,))])


def test_non_differentiable_ops_give_zero():
    x = rand((4,))
    for f in [mx.floor, mx.ceil, mx.trunc, mx.round, mx.sign, lambda x: (x > 0).astype(x.dtype),
              lambda x: mx.argmax(x).astype(x.dtype), lambda x: x // 0.3]:
        g = mx.grad(lambda x: mx.sum(f(x)))(x)
        np.testing.assert_array_equal(np.array(g), np.zeros(4))


def test_complex_parts_grad():
    z = mx.array([1 + 2j, 3 - 1j])
    g = mx.grad(lambda z: mx.sum(mx.real(z) + 2 * mx.imag(z)))(z)
    # MLX's convention (its test_complex_vjps): real -> 1, imag -> 1j per unit cotangent.
    np.testing.assert_allclose(np.array(g), [1 + 2j, 1 + 2j])


# ---- vmap against the loop ----

def loop(f, xs, in_axes, out_axis=0):
    n = next(x.shape[a] for x, a in zip(xs, in_axes) if a is not None)
    outs = []
    for i in range(n):
        args = [x if a is None else np.take(np.array(x), i, axis=a) for x, a in zip(xs, in_axes)]
        outs.append(np.array(f(*[mx.array(a, dtype=mx.array(x).dtype) for a, x in zip(args, xs)])))
    return np.stack(outs, axis=out_axis)


def check_vmap(f, xs, in_axes, out_axes=0, rtol=1e-6):
    got = mx.vmap(f, in_axes=tuple(in_axes), out_axes=out_axes)(*xs)
    want = loop(f, xs, in_axes, out_axes)
    np.testing.assert_allclose(np.array(got), want, rtol=rtol, atol=1e-9)


@pytest.mark.parametrize("name,op,dom", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("axis", [0, 1])
def test_unary_vmap(name, op, dom, axis):
    check_vmap(op, [rand((3, 4), *dom)], [axis])


@pytest.mark.parametrize("name,op,da,db", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("axes", [(0, 0), (1, 0), (0, None), (None, 1)], ids=str)
def test_binary_vmap(name, op, da, db, axes):
    a = rand((4, 3) if axes[0] == 1 or axes[1] == 1 else (3, 4), *da)
    b = rand((3, 4), *db)
    check_vmap(op, [a, b], list(axes))


def test_binary_vmap_scalar_operand():
    # A batched scalar meets an unbatched matrix.
    check_vmap(lambda s, m: s * m, [rand((5,)), rand((2, 3))], [0, None])
    check_vmap(lambda s, m: m - s, [rand((5,)), rand((2, 3))], [0, None])


@pytest.mark.parametrize("name,op", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("in_axis", [0, 1, 2])
def test_reduction_vmap(name, op, axis, in_axis):
    check_vmap(lambda x: op(x, axis=axis), [rand((3, 4, 5), 0.5, 1.5)], [in_axis])


@pytest.mark.parametrize("name,op", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
@pytest.mark.parametrize("in_axis", [0, 2])
def test_shape_op_vmap(name, op, in_axis):
    check_vmap(op, [rand((3, 4, 2) if in_axis == 2 else (2, 3, 4))], [in_axis], rtol=1e-5)


@pytest.mark.parametrize("name,op,dom", SCANS, ids=[s[0] for s in SCANS])
def test_scan_vmap(name, op, dom):
    check_vmap(lambda x: op(x, axis=1, reverse=True), [rand((3, 4, 5), *dom)], [1])
    check_vmap(lambda x: mx.cummax(x, axis=0), [rand((3, 4))], [1])


def test_softmax_median_argmax_vmap():
    x = rand((3, 4, 5))
    for f in [lambda x: mx.softmax(x, axis=-1), lambda x: mx.median(x, axis=0),
              lambda x: mx.argmax(x, axis=1), lambda x: mx.argmin(x),
              lambda x: mx.cumsum(x)]:
        for ax in (0, 1, 2):
            check_vmap(f, [x], [ax])


@pytest.mark.parametrize("name,op,sa,sb", LINALG, ids=[l[0] for l in LINALG])
@pytest.mark.parametrize("axes", [(0, 0), (0, None), (None, 0)], ids=str)
def test_linalg_vmap(name, op, sa, sb, axes):
    a = rand(((5,) + sa) if axes[0] == 0 else sa)
    b = rand(((5,) + sb) if axes[1] == 0 else sb)
    check_vmap(op, [a, b], list(axes))


def test_where_concat_pad_vmap():
    c = mx.array(RNG.uniform(size=(3, 4)) > 0.5)
    check_vmap(lambda c, x, y: mx.where(c, x, y), [c, rand((3, 4)), rand((4,))], [0, 0, None])
    check_vmap(lambda x, y: mx.concatenate([x, y], axis=0), [rand((3, 2)), rand((4,))], [0, None])
    check_vmap(lambda x, v: mx.pad(x, 1, constant_values=v), [rand((3, 2)), rand((3,))], [0, 0])


@pytest.mark.parametrize("out_axes", [0, 1, -1])
def test_vmap_out_axes(out_axes):
    check_vmap(lambda x: mx.sin(x) * 2, [rand((3, 4))], [0], out_axes)


def test_nested_vmap_equals_double_loop():
    x, y = rand((3, 4)), rand((4, 5))
    f = mx.vmap(mx.vmap(lambda a, b: a * b, in_axes=(None, 0)), in_axes=(0, None))
    got = np.array(f(x, y.T))
    want = np.einsum("ik,jk->ijk", np.array(x), np.array(y).T)
    np.testing.assert_allclose(got, want)


def test_astype_grad_passes_through():
    x = rand((3,))
    g = mx.grad(lambda x: mx.sum(x.astype(mx.float32) * 2))(x)
    assert g.dtype == mx.float64
    np.testing.assert_allclose(np.array(g), [2, 2, 2])
