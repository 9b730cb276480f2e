"""The transform API: grad, value_and_grad, vjp, jvp, vmap, stop_gradient,
custom_function, checkpoint, compile, and the rule coverage of the registry."""

import math

import numpy as np
import pytest

import lumex.core as mx
from conftest import BACKEND


def close(a, b, **kw):
    np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-5, atol=1e-6, **kw)


# ---- the seed examples ----

def loss_fn(w, x, y):
    return mx.mean(mx.square(w * x - y))


W, X, Y = mx.array(1.0), mx.array([0.5, -0.5]), mx.array([1.5, -1.5])


def test_seed_grad_w_and_x():
    close(mx.grad(loss_fn)(W, X, Y), -1.0)
    close(mx.grad(loss_fn, argnums=1)(W, X, Y), [-1.0, 1.0])
    dw, dx = mx.grad(loss_fn, argnums=(0, 1))(W, X, Y)
    close(dw, -1.0)
    close(dx, [-1.0, 1.0])


def test_seed_value_and_grad():
    loss, dw = mx.value_and_grad(loss_fn)(W, X, Y)
    close(loss, 1.0)
    close(dw, -1.0)


def test_seed_params_dict():
    def loss(params, x, y):
        w, b = params["weight"], params["bias"]
        return mx.mean(mx.square(w * x + b - y))

    params = {"weight": mx.array(1.0), "bias": mx.array(0.0)}
    grads = mx.grad(loss)(params, X, Y)
    assert set(grads) == {"weight", "bias"}
    close(grads["weight"], -1.0)
    close(grads["bias"], 0.0)


def test_seed_stop_gradient():
    def f(x):
        return mx.sum(x * mx.stop_gradient(x))

    close(mx.grad(f)(mx.array([1.0, 2.0])), [1.0, 2.0])
    close(mx.grad(lambda x: mx.stop_gradient(x * x).sum())(mx.array([3.0])), [0.0])


def test_seed_vmap_add():
    xs = mx.array(np.random.default_rng(0).uniform(size=(4096, 100)).astype(np.float32))
    ys = mx.array(np.random.default_rng(1).uniform(size=(100, 4096)).astype(np.float32))

    def naive_add(xs, ys):
        return [xs[i] + ys[:, i] for i in range(xs.shape[0])]

    got = mx.vmap(lambda x, y: x + y, in_axes=(0, 1))(xs, ys)
    assert got.shape == (4096, 100)
    close(got, np.array(xs) + np.array(ys).T)


# ---- grad / value_and_grad API ----

def test_pytree_arguments_keep_structure():
    def f(tree):
        return tree["a"].sum() * 2 + (tree["b"][0] * tree["b"][1][0]).sum()

    tree = {"a": mx.ones((2,)), "b": [mx.array(3.0), (mx.array(4.0),)]}
    g = mx.grad(f)(tree)
    assert isinstance(g["b"], list) and isinstance(g["b"][1], tuple)
    close(g["a"], [2.0, 2.0])
    close(g["b"][0], 4.0)
    close(g["b"][1][0], 3.0)


def test_argnames_and_keyword_arguments():
    f = lambda x, y=None: (x * y).sum()
    x = mx.array([1.0, 2.0])
    pos, kw = mx.grad(f, argnames=["y"])(x, y=x * 3)
    assert pos is None
    close(kw["y"], [1.0, 2.0])
    pos, kw = mx.grad(f, argnums=0, argnames="y")(x, y=x * 3)
    close(pos, [3.0, 6.0])
    close(kw["y"], [1.0, 2.0])


def test_value_and_grad_with_aux():
    def f(x):
        return (x * x).sum(), {"aux": x + 1}

    (loss, aux), g = mx.value_and_grad(f)(mx.array([1.0, 2.0]))
    close(loss, 5.0)
    close(aux["aux"], [2.0, 3.0])
    close(g, [2.0, 4.0])


def test_grad_of_integer_input_keeps_dtype():
    g = mx.grad(lambda x: (x * x).sum())(mx.array([1, 2]))
    assert g.dtype == mx.int32
    close(g, [2, 4])


def test_grad_errors():
    x = mx.array([1.0, 2.0])
    with pytest.raises(ValueError, match="should be a scalar array; but float"):
        mx.grad(lambda x: 1.0)(x)
    with pytest.raises(ValueError, match="should be a scalar array; but tuple"):
        mx.grad(lambda x: (x.sum(), x))(x)
    with pytest.raises(ValueError, match=r"\[vjp\] Output shape \(2\) does not match"):
        mx.grad(lambda x: x)(x)
    with pytest.raises(ValueError, match="argument index 2 because the function is called with only 1"):
        mx.grad(lambda x: x.sum(), argnums=2)(x)
    with pytest.raises(ValueError, match="negative argument index -1"):
        mx.grad(lambda x: x.sum(), argnums=-1)(x)
    with pytest.raises(ValueError, match="should contain only arrays"):
        mx.grad(lambda x: x.sum())(1.0)
    with pytest.raises(ValueError, match="keyword argument 'z'"):
        mx.grad(lambda x, y=None: (x * y).sum(), argnames=["z"])(x, y=x)


def test_vjp_jvp_api_and_errors():
    x = mx.array([1.0, 2.0])
    outs, vjps = mx.vjp(lambda x: x * 2, [x], [mx.array([1.0, 1.0])])
    close(outs[0], [2.0, 4.0])
    close(vjps[0], [2.0, 2.0])
    outs, jvps = mx.jvp(lambda x, y: x * y, [x, x], [mx.ones((2,)), mx.zeros((2,))])
    close(jvps[0], [1.0, 2.0])
    with pytest.raises(ValueError, match="does not match cotangent shape"):
        mx.vjp(lambda x: x * 2, [x], [mx.ones(3)])
    with pytest.raises(ValueError, match="Number of outputs to compute gradients for"):
        mx.vjp(lambda x: [x * 2, x], [x], [mx.ones(2)])
    with pytest.raises(ValueError, match="Input shape does not match shape of tangent"):
        mx.jvp(lambda x: x * 2, [x], [mx.ones(3)])
    with pytest.raises(ValueError, match="Number of inputs does not match number of tangents"):
        mx.jvp(lambda x: x * 2, [x], [mx.ones(2), mx.ones(2)])


def test_eval_inside_grad_keeps_the_graph():
    def f(x):
        y = x * x
        mx.eval(y)
        if y.sum().item() > 0:  # data-dependent control flow
            return (y * x).sum()
        return y.sum()

    close(mx.grad(f)(mx.array([1.0, 2.0])), [3.0, 12.0])


def test_closure_arrays_are_constants():
    w = mx.array([2.0, 3.0])
    close(mx.grad(lambda x: (x * w).sum())(mx.array([1.0, 1.0])), [2.0, 3.0])


def test_long_chain_gradient_is_iterative():
    def f(x):
        for _ in range(20000):
            x = x * 1.0001
        return x.sum()

    g = mx.grad(f)(mx.array([1.0], dtype=mx.float64))
    close(g, [1.0001 ** 20000])


# ---- higher order ----

def test_grad_grad_sin_is_minus_sin():
    for v in [-1.0, 0.3, 2.0]:
        x = mx.array(v)
        close(mx.grad(mx.grad(mx.sin))(x), -math.sin(v))
        close(mx.grad(mx.grad(mx.grad(mx.sin)))(x), -math.cos(v))
        close(mx.grad(mx.grad(mx.grad(mx.grad(mx.sin))))(x), math.sin(v))


def test_third_derivative_of_polynomial():
    f = lambda x: x ** 4 + 2 * x ** 3
    close(mx.grad(mx.grad(mx.grad(f)))(mx.array(2.0)), 24 * 2.0 + 12)


def test_grad_of_vmap_of_grad():
    f = lambda x: mx.sin(x) * x
    df = mx.grad(f)
    g = mx.grad(lambda xs: mx.vmap(df)(xs).sum())
    xs = mx.array([0.1, 0.5, 1.0])
    # d/dx (cos x * x + sin x) = 2 cos x - x sin x
    want = 2 * np.cos(np.array(xs)) - np.array(xs) * np.sin(np.array(xs))
    close(g(xs), want)


def test_jvp_of_vjp():
    f = lambda x: mx.sin(x) * x
    x = mx.array([0.3, 0.7])
    vjp_fn = lambda x: mx.vjp(f, [x], [mx.ones((2,))])[1][0]
    _, t = mx.jvp(vjp_fn, [x], [mx.ones((2,))])
    want = 2 * np.cos(np.array(x)) - np.array(x) * np.sin(np.array(x))
    close(t[0], want)


def test_vmap_of_grad_per_example():
    w = mx.array([1.0, -2.0])
    per_example = mx.vmap(mx.grad(lambda w, x: (w * x).sum() ** 2), in_axes=(None, 0))
    xs = mx.array([[1.0, 2.0], [3.0, 1.0]])
    got = per_example(w, xs)
    want = [2 * float(np.dot([1, -2], x)) * np.array(x) for x in np.array(xs)]
    close(got, want)


# ---- vmap API ----

def test_vmap_trees_and_none_axes():
    def f(d, s):
        return {"out": d["a"] * s + d["b"]}

    d = {"a": mx.array([[1.0, 2.0], [3.0, 4.0]]), "b": mx.array([10.0, 20.0])}
    out = mx.vmap(f, in_axes=({"a": 0, "b": None}, None))(d, mx.array(2.0))
    close(out["out"], [[12.0, 24.0], [16.0, 28.0]])


def test_vmap_errors():
    x = mx.ones((2, 3))
    with pytest.raises(ValueError, match=r"Inconsistent axis sizes: 2 and 3"):
        mx.vmap(lambda x, y: x + y)(x, mx.ones((3, 3)))
    with pytest.raises(IndexError, match="Invalid vectorization axis 3"):
        mx.vmap(lambda x: x, in_axes=3)(x)
    with pytest.raises(IndexError, match="Invalid output vectorization axis 3"):
        mx.vmap(lambda x: x, out_axes=3)(x)
    with pytest.raises(ValueError, match="not a valid prefix"):
        mx.vmap(lambda x, y: x + y, in_axes=(0,))(x, x)
    with pytest.raises(ValueError, match="should contain only arrays"):
        mx.vmap(lambda x: 2)(x)
    with pytest.raises(ValueError, match="not allowed"):
        mx.vmap(lambda x: (mx.eval(x), x)[1])(x)


def test_vmap_negative_in_axis():
    x = mx.array(np.arange(6.0).reshape(2, 3))
    close(mx.vmap(lambda v: v * 2, in_axes=-1)(x), (np.arange(6.0).reshape(2, 3) * 2).T)


# ---- custom functions and checkpoint ----

def test_custom_function_vjp_jvp_vmap():
    calls = []

    @mx.custom_function
    def f(x, y):
        return mx.sin(x) * y

    @f.vjp
    def f_vjp(primals, cotangent, output):
        calls.append("vjp")
        x, y = primals
        return cotangent * 100, cotangent * 0

    @f.jvp
    def f_jvp(primals, tangents):
        calls.append("jvp")
        return tangents[0] * 7

    @f.vmap
    def f_vmap(inputs, axes):
        calls.append("vmap")
        x, y = inputs
        return mx.sin(x) * y, 0

    x, y = mx.array([1.0, 2.0]), mx.array([3.0, 4.0])
    close(f(x, y), np.sin([1.0, 2.0]) * [3.0, 4.0])
    gx, gy = mx.grad(lambda x, y: f(x, y).sum(), argnums=(0, 1))(x, y)
    close(gx, [100.0, 100.0])
    close(gy, [0.0, 0.0])
    _, t = mx.jvp(lambda x, y: f(x, y), [x, y], [mx.ones((2,)), mx.zeros((2,))])
    close(t[0], [7.0, 7.0])
    out = mx.vmap(f)(mx.ones((3, 2)), mx.ones((3, 2)))
    assert out.shape == (3, 2)
    assert calls == ["vjp", "jvp", "vmap"]


def test_custom_function_defaults_to_the_function_rules():
    @mx.custom_function
    def f(x):
        return x * x

    close(mx.grad(lambda x: f(x).sum())(mx.array([3.0])), [6.0])


def test_checkpoint_same_gradient():
    def block(x):
        for _ in range(3):
            x = mx.tanh(x) * 1.5
        return x

    x = mx.array([0.2, -0.4])
    g1 = mx.grad(lambda x: block(x).sum())(x)
    g2 = mx.grad(lambda x: mx.checkpoint(block)(x).sum())(x)
    close(g1, g2)


# ---- compile ----

def test_compile_matches_and_traces_once_per_signature():
    traces = []

    def f(x, y):
        traces.append(1)
        return mx.exp(x) * y + 1

    cf = mx.compile(f)
    for _ in range(3):
        x, y = mx.array([1.0, 2.0]), mx.array([3.0, 4.0])
        close(cf(x, y), f(x, y))
    n = len(traces)
    cf(mx.array([5.0, 6.0]), mx.array([1.0, 1.0]))
    assert len(traces) == n  # same shapes: replayed, not traced
    cf(mx.ones((3,)), mx.ones((3,)))
    assert len(traces) == n + 1  # new shape: traced again
    cf(mx.ones((3,), dtype=mx.float16), mx.ones((3,)))
    assert len(traces) == n + 2  # new dtype too


def test_compile_closure_and_constants():
    w = mx.array([2.0])
    cf = mx.compile(lambda x, k: x * w * k)
    close(cf(mx.array([1.0]), 3), [6.0])
    close(cf(mx.array([1.0]), 4), [8.0])  # a new Python constant retraces


def test_compile_captured_state():
    state = [mx.array(1.0)]

    def step(x):
        state[0] = state[0] * 2
        return x + state[0]

    cf = mx.compile(step, inputs=state, outputs=state)
    close(cf(mx.array(0.0)), 2.0)
    close(cf(mx.array(0.0)), 4.0)
    close(cf(mx.array(0.0)), 8.0)
    close(state[0], 8.0)


def test_compile_composes_with_grad_and_vmap():
    f = lambda x: mx.sin(x) * x
    cf = mx.compile(f)
    x = mx.array([0.5, 1.0])
    close(mx.grad(lambda x: cf(x).sum())(x), mx.grad(lambda x: f(x).sum())(x))
    close(mx.compile(mx.grad(lambda x: f(x).sum()))(x), mx.grad(lambda x: f(x).sum())(x))
    close(mx.vmap(cf)(mx.ones((3, 2))), f(mx.ones((3, 2))))


def test_compile_and_vmap_replay_stop_gradient():
    # stop_gradient blocks derivatives only: compile and vmap must replay it
    # like any op, not capture its traced value (which would read the tracers).
    x = mx.array([1.0, 2.0, 4.0])
    centred = lambda x: x - mx.stop_gradient(mx.max(x))
    assert mx.compile(centred)(x).tolist() == [-3.0, -2.0, 0.0]
    assert mx.compile(centred)(x * 2).tolist() == [-6.0, -4.0, 0.0]
    rows = mx.arange(6.0).reshape(3, 2)
    assert mx.vmap(lambda r: mx.stop_gradient(r) * 2 + r)(rows).tolist() == (rows * 3).tolist()
    # ... and differentiation still sees it as a constant, transformed or not.
    g = mx.grad(lambda x: (x * mx.stop_gradient(x)).sum())
    assert mx.compile(g)(rows).tolist() == rows.tolist()
    assert mx.vmap(g)(rows).tolist() == rows.tolist()
    loss = lambda w, x: mx.mean(w * x - mx.stop_gradient(mx.max(w * x)))
    value, grad = mx.compile(mx.value_and_grad(loss))(mx.ones((3,)), x)
    assert value.item() == pytest.approx(7 / 3 - 4) and grad.tolist() == pytest.approx((x / 3).tolist())


class _NotAnArray:
    value = 1


@pytest.mark.parametrize("bad", [_NotAnArray(), 1j, b"x", object()])
def test_compile_rejects_arguments_that_are_not_arrays_or_constants(bad):
    # As MLX 0.32.4: only arrays, numbers, strings and None (in trees) are arguments.
    cf = mx.compile(lambda x, y: x)
    with pytest.raises(ValueError, match="trees of arrays or constants"):
        cf(mx.array(0.0), bad)
    with pytest.raises(ValueError, match="trees of arrays or constants"):
        cf(mx.array(0.0), y=[1, bad])
    for ok in [None, 1, 1.5, True, "s", (1, 2), {"a": [1, "b"]}]:
        assert cf(mx.array(2.0), ok).item() == 2.0


def test_compile_rejects_an_argument_also_reached_by_closure():
    # The trace would bake the argument in as a constant; MLX raises, and so do we.
    x = mx.array([1, 2, 3]) + 2
    with pytest.raises(ValueError, match="uncaptured inputs"):
        mx.compile(lambda a: a + (x + 1))(x)
    mx.eval(x)
    with pytest.raises(ValueError, match="uncaptured inputs"):
        mx.compile(lambda a: a + x)(x)
    # A closure over another array is a constant, evaluated or not.
    z = mx.array([1, 2, 3]) + 2
    assert mx.compile(lambda a: a + (x + 1))(z).tolist() == [7, 9, 11]

    # Inside another transform MLX does not check (MLX's test_vmap_compiled).
    def outer(v):
        v = mx.abs(v)
        return mx.compile(lambda _: -mx.exp(v))(v)

    m = mx.array([[1.0, -2.0], [2.0, 3.0]])
    close(mx.vmap(outer)(m), -mx.exp(mx.abs(m)))
    close(mx.grad(lambda v: outer(v).sum())(m), -mx.exp(mx.abs(m)) * mx.sign(m))


def test_compile_rejects_eval_while_tracing():
    with pytest.raises(ValueError, match="not allowed"):
        mx.compile(lambda x: x * x.sum().item())(mx.ones((2,)))


def test_disable_compile():
    traces = []

    def f(x):
        traces.append(1)
        return x + 1

    cf = mx.compile(f)
    mx.disable_compile()
    try:
        cf(mx.ones(2))
        cf(mx.ones(2))
        assert len(traces) == 2
    finally:
        mx.enable_compile()


# ---- rule coverage ----

@pytest.mark.lumex_only
def test_every_primitive_has_rules_or_a_documented_reason():
    rules = mx._primitive_rules()
    exempt = {(p, r): why for p, r, why in mx._rule_exemptions()}
    assert len(rules) > 80
    missing = []
    for name, has_jvp, has_vjp, has_vmap in rules:
        for rule, has in (("jvp", has_jvp), ("vjp", has_vjp), ("vmap", has_vmap)):
            if not has and (name, rule) not in exempt:
                missing.append(f"{name}.{rule}")
    assert not missing, f"primitives without rules: {missing}"
    for why in exempt.values():
        assert len(why) > 10


@pytest.mark.lumex_only
def test_rule_exemptions_raise_clear_errors():
    # AsStrided was the exempt example until indexing gave it a vjp (now tested
    # in test_indexing.py); any remaining exemption must still be documented.
    for prim, rule, why in mx._rule_exemptions():
        assert prim and rule in ("jvp", "vjp", "vmap") and len(why) > 10


def test_compile_fuses_elementwise_chains_exactly():
    f = lambda x, y: mx.sin(x) * 2 + mx.exp(-x * y) - mx.maximum(x, 0.5) / (y + 3)
    cf = mx.compile(f)
    rng = np.random.default_rng(3)
    for shape in [(7,), (1000, 33), (5000,)]:
        x = mx.array(rng.standard_normal(shape).astype(np.float32))
        y = mx.array(rng.standard_normal(shape).astype(np.float32))
        np.testing.assert_allclose(np.array(cf(x, y)), np.array(f(x, y)), rtol=1e-6, atol=1e-6)
    # Transposed (strided) inputs and a broadcast scalar.
    x = mx.array(rng.standard_normal((40, 30)).astype(np.float32))
    np.testing.assert_allclose(np.array(cf(x.T, mx.ones((30, 40)))),
                               np.array(f(x.T, mx.ones((30, 40)))), rtol=1e-6, atol=1e-6)
    # Gradients and vmap see through the fused node.
    xs = mx.array([0.1, 0.7])
    close(mx.grad(lambda x: cf(x, x).sum())(xs), mx.grad(lambda x: f(x, x).sum())(xs))
    close(mx.vmap(cf)(mx.ones((3, 4)), mx.ones((3, 4))), f(mx.ones((3, 4)), mx.ones((3, 4))))


@pytest.mark.lumex_only
def test_compile_records_one_fused_node():
    cf = mx.compile(lambda x: mx.sin(x) * 2 + mx.exp(-x * x))
    x = mx.ones((8,))
    mx.eval(x)
    nodes = [n for n in mx.graph.nodes(cf(x)) if n.op]
    assert [n.op for n in nodes] == ["Fused"]
    assert nodes[0].params["ops"] == "sin,multiply,negative,multiply,exp,add"


@pytest.mark.lumex_only
def test_custom_function_vjp_with_wrong_count_raises():
    @mx.custom_function
    def f(x, y):
        return x * y

    @f.vjp
    def f_vjp(primals, cotangent, output):
        return (cotangent, [cotangent, cotangent])

    with pytest.raises(ValueError, match="one cotangent per"):
        mx.grad(lambda x: f(x, x).sum())(mx.ones((2,)))


def test_compile_with_random_state_matches_uncompiled_sequence():
    from functools import partial

    def draw(x):
        return x + mx.random.uniform(shape=(3,))

    mx.random.seed(7)
    want = [np.array(draw(mx.zeros(3))) for _ in range(3)]
    mx.random.seed(7)
    cf = partial(mx.compile, inputs=mx.random.state, outputs=mx.random.state)(draw)
    got = [np.array(cf(mx.zeros(3))) for _ in range(3)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w)
    assert not np.allclose(got[0], got[1])


def test_stop_gradient_inside_compile_and_vmap():
    # stop_gradient blocks derivatives only: compile and vmap trace through it
    def f(x):
        return x - mx.stop_gradient(mx.max(x, axis=-1, keepdims=True))

    x = mx.array([[1.0, 3.0], [2.0, -1.0]])
    expected = np.array([[-2.0, 0.0], [0.0, -3.0]], dtype=np.float32)
    np.testing.assert_array_equal(np.array(mx.compile(f)(x)), expected)
    np.testing.assert_array_equal(np.array(mx.vmap(f)(x)), expected)
    g = mx.grad(lambda x: mx.compile(f)(x).sum())(x)
    np.testing.assert_array_equal(np.array(g), np.ones((2, 2), np.float32))


def test_grad_fills_dict_arguments_in_place_and_restores_them():
    # as MLX: the function sees the dict (or dict subclass) it was given
    class Tree(dict):
        pass

    w = mx.array(2.0)
    tree = Tree(w=w)
    seen = []

    def f(t):
        seen.append(t)
        return t["w"] * 3

    g = mx.grad(f)(tree)
    assert seen[0] is tree and tree["w"] is w
    assert g["w"].item() == 3.0
