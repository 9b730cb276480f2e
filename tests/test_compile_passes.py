"""compile's simplification pass: equal scalar constants merged, common subexpressions
computed once. Results and gradients must not change; the replay must run fewer steps."""

import numpy as np
import pytest

import lumex.core as mx


def close(a, b):
    np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-6, atol=1e-6)


def twice(x, y):
    # exp(x) * 2 appears twice (with two distinct constants 2), sin(x) twice.
    a = mx.exp(x) * 2 + y
    b = mx.exp(x) * 2 - y
    return (a * b).sum(), mx.sin(x) + mx.sin(x)


def traced(fun, *args):
    compiled = mx.compile(fun)
    graph, _, _ = compiled._traced(*args)
    return graph


def inputs(dtype=mx.float32):
    rng = np.random.default_rng(0)
    return [mx.array(rng.standard_normal((5,)).astype(np.float32)).astype(dtype) for _ in range(2)]


def test_common_subexpressions_give_the_same_results_and_grads():
    x, y = inputs()
    cf = mx.compile(twice)
    for got, want in zip(cf(x, y), twice(x, y)):
        close(got, want)
    for argnums in (0, 1, (0, 1)):
        got = mx.grad(lambda x, y: cf(x, y)[0], argnums=argnums)(x, y)
        want = mx.grad(lambda x, y: twice(x, y)[0], argnums=argnums)(x, y)
        for g, w in zip(got if isinstance(got, tuple) else [got], want if isinstance(want, tuple) else [want]):
            close(g, w)
    # Through vmap too.
    xs, ys = mx.ones((3, 5)), mx.full((3, 5), 0.5)
    for got, want in zip(mx.vmap(cf)(xs, ys), mx.vmap(twice)(xs, ys)):
        close(got, want)


@pytest.mark.lumex_only
def test_common_subexpressions_are_merged_before_fusion():
    def ints(x, y):
        return (x * 2 + y) * (x * 2 - y), mx.abs(x) + mx.abs(x)

    # int32 keeps fusion out of the count: every step the pass keeps is replayed.
    x, y = (mx.array([3, -1, 4]), mx.array([1, 5, -9]))
    g = traced(ints, x, y)
    merged = g.merged()
    ops = {outs[0]: op for op, outs, *_ in g.traced_steps()}
    cse = sorted(ops[i] for i, _, why in merged if i in ops)
    assert cse == ["Abs", "Multiply"]
    assert any("scalar constant" in why for _, _, why in merged)
    assert g.num_nodes == len(g.traced_steps()) - 2
    for got, want in zip(mx.compile(ints)(x, y), ints(x, y)):
        close(got, want)
    # float32: the merged Exp, Multiply and Sin are gone before fusion.
    g = traced(twice, *inputs())
    ops = {outs[0]: op for op, outs, *_ in g.traced_steps()}
    assert sorted(ops[i] for i, _, _ in g.merged() if i in ops) == ["Exp", "Multiply", "Sin"]


@pytest.mark.lumex_only
def test_different_parameters_or_inputs_are_not_merged():
    def f(x, y):
        return (x.sum(0), x.sum(1), x + y, y + x, x * 2, x * 2.5, x.astype(mx.int32) * 2,
                mx.transpose(x, (1, 0)), x.reshape(9), x.reshape(1, 9))

    x, y = mx.ones((3, 3)), mx.full((3, 3), 2.0)
    g = traced(f, x, y)
    assert [why for _, _, why in g.merged() if "constant" not in why] == []
    for got, want in zip(mx.compile(f)(x, y), f(x, y)):
        close(got, want)


@pytest.mark.lumex_only
def test_custom_functions_and_random_keys_keep_their_identity():
    @mx.custom_function
    def c(x):
        return x * 3

    def f(x, k1, k2):
        return c(x) + c(x), mx.random.normal((4,), key=k1), mx.random.normal((4,), key=k2)

    x = mx.ones((4,))
    k1, k2 = mx.random.key(1), mx.random.key(2)
    g = traced(f, x, k1, k2)
    ops = {outs[0]: op for op, outs, *_ in g.traced_steps()}
    merged = [ops.get(i) for i, _, why in g.merged() if "constant" not in why]
    assert "CustomTransforms" not in merged and "RandomBits" not in merged
    got, want = mx.compile(f)(x, k1, k2), f(x, k1, k2)
    for a, b in zip(got, want):
        close(a, b)
    assert not np.allclose(np.array(got[1]), np.array(got[2]))
    # The same key twice is the same draw: merging it is exact.
    same = mx.compile(lambda k: mx.random.normal((4,), key=k) - mx.random.normal((4,), key=k))
    close(same(k1), mx.zeros((4,)))


@pytest.mark.lumex_only
def test_equal_scalar_constants_of_other_types_or_shapes_stay_apart():
    def f(x):
        return x + mx.array(1.0), x + mx.array([1.0]), x + mx.array(1.0, mx.float16), x + mx.array(1.0)

    x = mx.ones((2,))
    g = traced(f, x)
    assert sum("constant" in why for _, _, why in g.merged()) == 1
    for got, want in zip(mx.compile(f)(x), f(x)):
        assert got.shape == want.shape and got.dtype == want.dtype
        close(got, want)


def test_a_returned_value_merged_into_another_is_still_returned_twice():
    cf = mx.compile(lambda x: (mx.exp(x), mx.exp(x), x * 2, x * 2))
    x = mx.array([0.5, 1.0])
    out = cf(x)
    for got, want in zip(out, (mx.exp(x), mx.exp(x), x * 2, x * 2)):
        close(got, want)


def test_simplifying_a_long_chain_does_not_overflow():
    def f(x):
        for _ in range(20000):
            x = mx.abs(x) - mx.abs(x) + x
        return x

    x = mx.array([1.5, -2.0])
    close(mx.compile(f)(x), x)


def _shared_broadcast(x, y, z):
    yy = mx.broadcast_to(y, z.shape)
    return x + yy * z, yy.sum()


def test_a_shared_scalar_broadcast_is_fused_and_named_like_mlx():
    import io

    a, b, c = mx.ones((4, 5)), mx.array(0.5), mx.full((4, 5), 3.0)
    cf = mx.compile(_shared_broadcast)
    out = cf(a, b, c)
    s = io.StringIO()
    mx.export_to_dot(s, d1=out[0], d2=out[1])
    assert "CompiledBroadcastMultiplyAdd" in s.getvalue()
    for got, want in zip(out, _shared_broadcast(a, b, c)):
        close(got, want)
    # Gradients and vmap go through the fused broadcast.
    for argnums in (0, 1, 2):
        got = mx.grad(lambda *t: cf(*t)[0].sum() + cf(*t)[1], argnums=argnums)(a, b, c)
        want = mx.grad(lambda *t: _shared_broadcast(*t)[0].sum() + _shared_broadcast(*t)[1],
                       argnums=argnums)(a, b, c)
        close(got, want)
    xs = mx.stack([a, 2 * a])
    for got, want in zip(mx.vmap(cf, in_axes=(0, None, None))(xs, b, c),
                         mx.vmap(_shared_broadcast, in_axes=(0, None, None))(xs, b, c)):
        close(got, want)


def test_a_fused_kernel_reuses_an_input_nothing_else_holds():
    cf = mx.compile(lambda x: mx.sin(x) + 1)
    x = mx.arange(16, dtype=mx.float32)
    mx.eval(x)
    ptr = np.asarray(x, copy=False).__array_interface__["data"][0]
    want = np.sin(np.arange(16, dtype=np.float32)) + 1
    out = cf(x)
    del x
    mx.eval(out)
    assert np.asarray(out, copy=False).__array_interface__["data"][0] == ptr
    close(out, want)
    # An input the caller still holds keeps its values.
    x = mx.arange(16, dtype=mx.float32)
    mx.eval(x)
    close(cf(x), want)
    close(x, np.arange(16, dtype=np.float32))
