"""Lazy evaluation: eval/async_eval on pytrees, implicit evaluation, long
graphs (no stack overflow on eval or destruction), flat memory in a loop."""

import gc

import numpy as np
import pytest

import lumex.core as mx
from helpers import assert_equal, need


def _is_evaluated(a):
    """Observable laziness: MLX's get_array_buffer_size raises on
    unevaluated arrays."""
    try:
        mx.get_array_buffer_size(a)
    except ValueError:
        return False
    return True


def test_eval_returns_none_and_computes():
    need("array", "eval")
    a = mx.array([1.0, 2.0]) + 1
    assert mx.eval(a) is None
    assert a.tolist() == [2.0, 3.0]
    # evaluating again is a no-op
    mx.eval(a)
    assert a.tolist() == [2.0, 3.0]


def test_eval_pytrees_and_non_array_leaves():
    need("array", "eval")
    a = mx.array(1.0) + 1
    b = mx.array([1, 2]) * 3
    c = mx.array([True]) & mx.array([False])
    mx.eval([a, {"x": b, "y": (c, 3, "str", None)}], a, None)
    assert a.item() == 2.0
    assert b.tolist() == [3, 6]
    assert c.tolist() == [False]
    mx.eval()
    mx.eval(1)
    mx.eval([1, 2])
    mx.eval("x")
    mx.eval({"nested": [{"deep": (b,)}]})


def test_eval_marks_arrays_evaluated():
    need("array", "eval", "get_array_buffer_size")
    x = mx.array([1.0, 2.0]) + 1
    assert not _is_evaluated(x)
    with pytest.raises(ValueError, match=r"\[get_array_buffer_size\] Arrays must be evaluated before querying buffer size"):
        mx.get_array_buffer_size(x)
    mx.eval(x)
    assert _is_evaluated(x)
    # the size of the underlying buffer, which can be larger than nbytes
    assert mx.get_array_buffer_size(x) >= 8


@pytest.mark.parametrize(
    "action",
    ["repr", "item", "tolist", "numpy", "bool", "int", "float", "memoryview", "eval", "format"],
)
def test_implicit_evaluation(action):
    need("array", "get_array_buffer_size")
    x = mx.array([2.0]) * 3
    assert not _is_evaluated(x)
    {
        "repr": repr,
        "item": lambda a: a.item(),
        "tolist": lambda a: a.tolist(),
        "numpy": np.array,
        "bool": bool,
        "int": int,
        "float": float,
        "memoryview": memoryview,
        "eval": mx.eval,
        "format": lambda a: f"{a.reshape(()):.2f}",
    }[action](x)
    if action != "format":
        assert _is_evaluated(x)
    assert x.item() == 6.0


@pytest.mark.parametrize("action", ["shape", "dtype", "len", "astype", "compare", "copy"])
def test_no_implicit_evaluation(action):
    need("array", "get_array_buffer_size")
    x = mx.array([2.0, 3.0]) * 3
    if action == "shape":
        assert x.shape == (2,) and x.ndim == 1 and x.size == 2 and x.nbytes == 8
    elif action == "dtype":
        assert x.dtype == mx.float32 and x.itemsize == 4
    elif action == "len":
        assert len(x) == 2
    elif action == "astype":
        y = x.astype(mx.int32)
        assert not _is_evaluated(y)
    elif action == "compare":
        y = x == 6.0
        assert not _is_evaluated(y)
    else:
        import copy

        copy.copy(x)
    assert not _is_evaluated(x)


def test_async_eval():
    need("array", "async_eval", "eval")
    a = mx.array([1.0, 2.0]) * 2
    b = {"k": [mx.array(3) + 1]}
    assert mx.async_eval(a, b) is None
    mx.eval(a, b)
    assert a.tolist() == [2.0, 4.0]
    assert b["k"][0].item() == 4
    c = mx.exp(mx.array(0.0))
    mx.async_eval(c)
    mx.async_eval(c)  # twice is fine
    assert c.item() == 1.0


@pytest.mark.parametrize("transform", [
    lambda f: mx.grad(f)(mx.array(1.0)),
    lambda f: mx.vmap(f)(mx.ones((2, 2))),
    lambda f: mx.compile(f)(mx.array(1.0)),
    lambda f: mx.jvp(f, [mx.array(1.0)], [mx.array(1.0)]),
])
def test_async_eval_inside_a_transform_raises(transform):
    # As MLX: "[async_eval] Not allowed inside a graph transformation." (eval is fine).
    def fun(x):
        y = x + 1.0
        mx.async_eval(y)
        return mx.exp(y)

    with pytest.raises(ValueError):
        transform(fun)


def test_eval_multi_output():
    need("array", "divmod", "split", "eval", "arange")
    q, r = mx.divmod(mx.array([7, -7]), mx.array([2, 2]))
    mx.eval(q)
    assert q.tolist() == [3, -4]
    assert r.tolist() == [1, 1]
    parts = mx.split(mx.arange(6) * 2, 3)
    mx.eval(parts)
    assert [p.tolist() for p in parts] == [[0, 2], [4, 6], [8, 10]]


def test_shared_subgraph_evaluated_once_and_reused():
    need("array", "eval")
    base = mx.array([1.0, 2.0]) * 2
    left = base + 1
    right = base - 1
    mx.eval(left)
    mx.eval(right)
    assert left.tolist() == [3.0, 5.0]
    assert right.tolist() == [1.0, 3.0]
    assert base.tolist() == [2.0, 4.0]


def test_graph_survives_dropping_intermediates():
    need("array", "eval")
    x = mx.array([1.0, 2.0])
    y = x * 2
    z = y + 1
    del x, y
    gc.collect()
    assert z.tolist() == [3.0, 5.0]


def test_errors_in_graph_construction_do_not_corrupt_state():
    need("array", "reshape", "eval")
    good = mx.array([1.0, 2.0]) + 1
    with pytest.raises(ValueError):
        mx.reshape(good, (3,))
    mx.eval(good)
    assert good.tolist() == [2.0, 3.0]


@pytest.mark.slow
def test_long_chain_evaluates_without_stack_overflow():
    need("array", "eval")
    y = mx.array(0.0)
    for _ in range(10**6):
        y = y + 1
    mx.eval(y)
    assert y.item() == 1_000_000.0
    del y
    gc.collect()


@pytest.mark.slow
def test_long_unevaluated_chain_can_be_deleted():
    need("array")
    y = mx.array(0.0)
    for _ in range(10**6):
        y = y + 1
    del y
    gc.collect()
    z = mx.array(1.0) + 1
    assert z.item() == 2.0


def test_memory_stays_flat_in_training_style_loop():
    need("ones", "eval", "get_active_memory")
    x = mx.ones((1000,))
    mx.eval(x)
    for _ in range(10):  # warm up
        x = x * 0.5 + 1
        mx.eval(x)
    start = mx.get_active_memory()
    high = start
    for i in range(10**4):
        x = x * 0.5 + 1
        mx.eval(x)
        if i % 1000 == 0:
            high = max(high, mx.get_active_memory())
    end = mx.get_active_memory()
    assert end <= start + 64 * 1024, (start, end)
    assert high <= start + 64 * 1024, (start, high)
    assert_equal(x, np.full((1000,), 2.0), "float32")
