"""lumex.utils tree helpers, with mlx.utils' semantics."""

from collections import namedtuple

import pytest

import lumex.core as mx
from lumex.utils import (tree_flatten, tree_map, tree_map_with_path, tree_merge,
                         tree_reduce, tree_unflatten)


def test_flatten_and_unflatten_round_trip():
    tree = {"layers": [{"w": 1, "b": 2}, {"w": 3, "b": 4}], "scale": 5}
    flat = tree_flatten(tree)
    assert flat == [("layers.0.w", 1), ("layers.0.b", 2), ("layers.1.w", 3),
                    ("layers.1.b", 4), ("scale", 5)]
    assert tree_unflatten(flat) == tree
    assert tree_flatten([[[0]]]) == [("0.0.0", 0)]
    assert tree_flatten([[[0]]], prefix=".hello") == [("hello.0.0.0", 0)]
    assert tree_flatten({"a": {"b": 1}}, destination={}) == {"a.b": 1}
    assert tree_unflatten({"hello.world": 42}) == {"hello": {"world": 42}}
    assert tree_unflatten([("", 7)]) == 7
    with pytest.raises(ValueError):
        tree_flatten([1], destination=5)


def test_flatten_is_leaf_and_arrays():
    x = mx.ones((2,))
    flat = tree_flatten({"a": [x, x]}, is_leaf=lambda t: isinstance(t, list))
    assert len(flat) == 1 and flat[0][0] == "a"


def test_map_keeps_containers():
    Point = namedtuple("Point", "x y")
    tree = {"a": [1, (2, 3)], "p": Point(4, 5)}
    out = tree_map(lambda v: v * 10, tree)
    assert out == {"a": [10, (20, 30)], "p": Point(40, 50)}
    assert isinstance(out["a"][1], tuple) and isinstance(out["p"], Point)
    assert tree_map(lambda a, b: a + b, {"a": [1, 2]}, {"a": [10, 20]}) == {"a": [11, 22]}


def test_map_with_path():
    got = tree_map_with_path(lambda p, x: p, {"a": [1, (2, 3)], "b": 4})
    assert got == {"a": ["a.0", ("a.1.0", "a.1.1")], "b": "b"}
    assert tree_map_with_path(lambda p, x: p, 5) is None


def test_reduce():
    assert tree_reduce(lambda acc, x: acc + x, {"a": [1, 2, 3], "b": [4, 5]}, 0) == 15
    assert tree_reduce(lambda acc, x: acc + x, {"a": [1, 2, 3], "b": [4, 5]}) == 15
    assert tree_reduce(max, [3, [9, 2]], is_leaf=None) == 9


def test_merge():
    assert tree_merge({"a": [1, {}]}, {"a": [{}, 2], "b": 3}) == {"a": [1, 2], "b": 3}
    assert tree_merge({"a": 1}, {"a": 2}, lambda a, b: a + b) == {"a": 3}
    with pytest.raises(ValueError, match="no merge function"):
        tree_merge({"a": 1}, {"a": 2})
    with pytest.raises(ValueError, match="Cannot merge"):
        tree_merge([], {})
