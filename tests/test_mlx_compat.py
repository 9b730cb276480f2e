"""Behaviours where MLX's own tests and a differential run against the real wheel
(mlx 0.32.4) found lumex differing; each expected value here is what MLX returns."""
import numpy as np
import pytest

import lumex.core as mx

Z = mx.array([1 + 1j, 0.5 - 2j, -1.5 + 0.25j])
CT = mx.array([1 + 0j, 1j, 2 - 1j])


def close(a, b, tol=1e-5):
    return np.allclose(np.array(a), np.array(b), atol=tol, rtol=tol)


# ---- complex gradients: a vjp is cotangent * conj(f'(z)) ----

@pytest.mark.parametrize("fn, deriv", [
    (mx.exp, mx.exp),
    (mx.log, lambda z: 1 / z),
    (mx.sin, mx.cos),
    (mx.square, lambda z: 2 * z),
    (mx.sqrt, lambda z: 0.5 / mx.sqrt(z)),
    (mx.tanh, lambda z: 1 - mx.tanh(z) ** 2),
])
def test_complex_holomorphic_vjp_conjugates(fn, deriv):
    _, (g,) = mx.vjp(fn, [Z], [CT])
    assert close(g, CT * mx.conj(deriv(Z)))
    _, (t,) = mx.jvp(fn, [Z], [CT])
    assert close(t, CT * deriv(Z))


def test_complex_multiply_and_matmul_vjps():
    w = Z * 2 + 1j
    _, g = mx.vjp(mx.multiply, [Z, w], [CT])
    assert close(g[0], CT * mx.conj(w)) and close(g[1], CT * mx.conj(Z))
    a, b = mx.array([[1 + 1j, 2 - 1j]]), mx.array([[1j], [2 + 0j]])
    _, g = mx.vjp(mx.matmul, [a, b], [mx.array([[1 + 0j]])])
    assert g[0].tolist() == [[-1j, 2 + 0j]]
    assert g[1].tolist() == [[1 - 1j], [2 + 1j]]


def test_complex_prod_vjp_matches_multiply():
    p = mx.array([[1 + 2j, -1j, 3 + 0j], [0.5 - 1j, 2 + 2j, 1j]])
    ct = mx.array([1 + 1j, 2 + 0j, -1j])
    _, (g,) = mx.vjp(lambda x: x.prod(axis=0), [p], [ct])
    assert mx.array_equal(g, mx.stack([mx.conj(p[1]) * ct, mx.conj(p[0]) * ct])).item()


def test_complex_real_imag_abs_conj_rules():
    real_ct = mx.array([1.0, 2.0, 3.0])
    assert mx.vjp(mx.real, [Z], [real_ct])[1][0].tolist() == [1 + 0j, 2 + 0j, 3 + 0j]
    assert mx.vjp(mx.imag, [Z], [real_ct])[1][0].tolist() == [1j, 2j, 3j]
    assert close(mx.vjp(mx.abs, [Z], [real_ct])[1][0], real_ct * Z / mx.abs(Z))
    _, (t,) = mx.jvp(mx.abs, [Z], [CT])
    assert t.dtype == mx.float32
    assert close(t, mx.real(mx.conj(Z) * CT) / mx.abs(Z))
    assert mx.vjp(mx.conj, [Z], [CT])[1][0].tolist() == np.conj(np.array(CT)).tolist()
    assert mx.jvp(mx.conj, [Z], [CT])[1][0].tolist() == np.conj(np.array(CT)).tolist()


def test_complex_power_vjp_is_not_conjugated():
    # MLX leaves power's partial unconjugated (unlike multiply); we follow it.
    x, ct = mx.array([1 + 1j, 0.5 - 2j]), mx.array([1 + 1j, 1 + 0j])
    assert close(mx.vjp(lambda x: x ** 2, [x], [ct])[1][0], [4j, 1 - 4j])


# ---- other gradients ----

def test_cumprod_grad_with_zeros():
    f = lambda y: mx.cumprod(y).sum()
    for y, want in [([2.0, 1.0, 2.0, 2.0, 3.0], [20, 38, 18, 16, 8]),
                    ([2.0, 0.0, 2.0, 2.0, 3.0], [1, 38, 0, 0, 0]),
                    ([2.0, 0.0, 2.0, 0.0, 3.0], [1, 6, 0, 0, 0])]:
        assert close(mx.grad(f)(mx.array(y)), want)
    # reverse and exclusive scans against a numerical gradient
    y = mx.array([1.5, 0.0, -2.0, 0.5, 0.0, 3.0])
    for rev in (False, True):
        for inc in (False, True):
            g = mx.grad(lambda y: (mx.cumprod(y, reverse=rev, inclusive=inc) *
                                   mx.arange(6)).sum())(y)
            eps, num = 1e-3, []
            for i in range(6):
                e = np.zeros(6, np.float32)
                e[i] = eps
                hi = np.array(mx.cumprod(y + mx.array(e), reverse=rev, inclusive=inc))
                lo = np.array(mx.cumprod(y - mx.array(e), reverse=rev, inclusive=inc))
                num.append(((hi - lo) * np.arange(6)).sum() / (2 * eps))
            assert close(g, num, 1e-2)


@pytest.mark.parametrize("op, upd, src_g, upd_g", [
    ("maximum", [1.0, 2.0], [4, 5, 6, 7], [0, 0]),
    ("maximum", [5.0, 6.0], [4, 0, 6, 0], [5, 7]),
    ("minimum", [5.0, 6.0], [4, 5, 6, 7], [0, 0]),
    ("minimum", [1.0, 1.0], [4, 0, 6, 0], [5, 7]),
])
def test_scatter_max_min_vjp(op, upd, src_g, upd_g):
    fun = lambda src, u: getattr(src.at[mx.array([1, 3])], op)(u)
    _, g = mx.vjp(fun, [mx.array([1.0, 2.0, 3.0, 4.0]), mx.array(upd)],
                  [mx.array([4.0, 5.0, 6.0, 7.0])])
    assert g[0].tolist() == src_g and g[1].tolist() == upd_g


def test_jvp_tangents_keep_their_dtype():
    _, (t,) = mx.jvp(lambda x: x * 2, [mx.array([1, 2])], [mx.array([0.5, 0.5])])
    assert t.dtype == mx.float32 and t.tolist() == [1.0, 1.0]
    for op in (mx.greater, mx.equal, mx.less_equal):
        _, (t,) = mx.jvp(lambda x: op(x, 0.0), [mx.array([1.0, -2.0])], [mx.ones(2)])
        assert t.dtype == mx.float32 and t.tolist() == [0.0, 0.0]
    _, (t,) = mx.jvp(mx.exp, [mx.array([1.0], mx.float16)], [mx.array([1.0])])
    assert t.dtype == mx.float32


# ---- grad's argument handling ----

def test_grad_argnums_shapes_and_order():
    f = lambda x, y: mx.sum(2 * x + 3 * y)
    a, b = mx.array(1.0), mx.array(2.0)
    assert isinstance(mx.grad(f, argnums=[0])(a, b), mx.array)
    assert [g.item() for g in mx.grad(f, argnums=(1, 0))(a, b)] == [2.0, 3.0]
    assert mx.value_and_grad(f, argnums=(1, 0))(a, b)[1][0].item() == 2.0
    g = mx.grad(f, argnums=None, argnames=["y"])(a, y=b)
    assert g[0] is None and g[1]["y"].item() == 3.0
    with pytest.raises(ValueError, match="no argument"):
        mx.grad(f, argnums=[])(a, b)
    with pytest.raises(TypeError):
        mx.value_and_grad(f, (None, None))


def test_grad_sees_and_keeps_callers_containers():
    def fun(arrs):
        arrs[1] = sum(arrs)
        return arrs[1]

    arrs = [mx.array(1.0), mx.array(1.0), mx.array(1.0)]
    a0, a1, a2 = arrs
    assert [g.item() for g in mx.grad(fun)(arrs)] == [1.0, 1.0, 1.0]
    assert arrs[0] is a0 and arrs[2] is a2 and arrs[1] is not a1

    def loss(model):
        model["b"] = mx.array(2.0)
        return model["a"]

    model = {"a": mx.array(0.0), "b": mx.array(1.0)}
    mx.grad(loss)(model)
    assert model["b"].item() == 2.0


# ---- ops ----

def test_fftfreq_rejects_zero_spacing():
    for f in (mx.fft.fftfreq, mx.fft.rfftfreq):
        with pytest.raises(ValueError, match="non-zero"):
            f(4, d=0)
        with pytest.raises(ValueError, match="greater than 0"):
            f(0)


def test_list_results_and_synchronize():
    assert isinstance(mx.broadcast_arrays(mx.array(1), mx.array([1, 2])), list)
    assert isinstance(mx.divmod(mx.array(7), mx.array(2)), list)
    assert mx.synchronize(mx.cpu) is None
    assert mx.synchronize(mx.default_stream(mx.cpu)) is None


def test_random_normal_float64_and_empty_randint():
    k = mx.random.key(0)
    x = mx.random.normal(shape=[2], dtype=mx.float64, key=k)
    assert x.dtype == mx.float64
    assert close(x, mx.random.normal(shape=[2], key=k))
    assert mx.random.randint(0, -1, shape=[3], key=k).tolist() == [0, 0, 0]
    assert mx.random.randint(3, 1, shape=[3], key=k).tolist() == [3, 3, 3]


def test_setitem_ellipsis_takes_update_dtype():
    a = mx.array([0.5, 1.5])
    a[...] = mx.array([1, 2])
    assert a.dtype == mx.int32 and a.tolist() == [1, 2]
    a = mx.array([0.5, 1.5])
    a[...] = 3
    assert a.dtype == mx.float32
    a = mx.array([0.5, 1.5])
    a[:] = mx.array([1, 2])
    assert a.dtype == mx.float32


def test_slice_argument_checks():
    x = mx.arange(8).reshape(2, 4)
    assert mx.slice(x, mx.array([1]), (0,), (1, 3)).tolist() == [[4, 5, 6]]
    with pytest.raises(ValueError, match="Invalid slice size"):
        mx.slice(x, mx.array([1]), [1], [2])
    with pytest.raises(ValueError, match="Number of starting indices 2"):
        mx.slice(x, mx.array([1, 0]), (0,), (1,))
    with pytest.raises(ValueError, match="must be integers"):
        mx.slice(x, mx.array([1.0]), (0,), (1, 4))
    with pytest.raises(ValueError, match="zero or one dimensional"):
        mx.slice(x, mx.array([[1]]), (0,), (1, 4))
