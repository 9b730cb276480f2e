"""Helpers for Python trees (nested lists, tuples and dicts) of arrays.

Same names and behaviour as ``mlx.utils``: flat keys use dot notation
(``"layers.0.weight"``), lists and tuples are indexed by position, and a tree's
containers are rebuilt with their own types.
"""

from itertools import zip_longest

__all__ = [
    "tree_flatten",
    "tree_unflatten",
    "tree_map",
    "tree_map_with_path",
    "tree_reduce",
    "tree_merge",
]


def _is_node(tree, is_leaf):
    if is_leaf is not None and is_leaf(tree):
        return False
    return isinstance(tree, (list, tuple, dict))


def _rebuild(like, children):
    # Named tuples take their fields positionally.
    if isinstance(like, tuple) and hasattr(like, "_fields"):
        return type(like)(*children)
    return type(like)(children)


def tree_map(fn, tree, *rest, is_leaf=None):
    """Applies ``fn`` to the leaves of ``tree`` (and the matching leaves of each
    tree in ``rest``) and returns a tree of the same structure with the results."""
    if not _is_node(tree, is_leaf):
        return fn(tree, *rest)
    if isinstance(tree, dict):
        return {k: tree_map(fn, v, *(r[k] for r in rest), is_leaf=is_leaf)
                for k, v in tree.items()}
    return _rebuild(tree, [tree_map(fn, v, *(r[i] for r in rest), is_leaf=is_leaf)
                           for i, v in enumerate(tree)])


def tree_map_with_path(fn, tree, *rest, is_leaf=None, path=None):
    """Like :func:`tree_map`, but ``fn`` gets each leaf's dotted path first."""

    def child(key):
        return str(key) if path is None else f"{path}.{key}"

    if not _is_node(tree, is_leaf):
        return fn(path, tree, *rest)
    if isinstance(tree, dict):
        return {k: tree_map_with_path(fn, v, *(r[k] for r in rest), is_leaf=is_leaf,
                                      path=child(k))
                for k, v in tree.items()}
    return _rebuild(tree, [tree_map_with_path(fn, v, *(r[i] for r in rest),
                                              is_leaf=is_leaf, path=child(i))
                           for i, v in enumerate(tree)])


def tree_flatten(tree, prefix="", is_leaf=None, destination=None):
    """Flattens ``tree`` to ``(dotted_key, leaf)`` pairs, in a list or, if
    ``destination`` is a dict, into that dict. The first character of ``prefix``
    is dropped (so ``prefix=".model"`` gives keys ``model.…``)."""
    if destination is None:
        destination = []
    if isinstance(destination, list):
        add = destination.append
    elif isinstance(destination, dict):
        def add(item):
            destination[item[0]] = item[1]
    else:
        raise ValueError("Destination should be either a list or a dictionary or None")
    stack = [(prefix, tree)]
    while stack:
        key, node = stack.pop()
        if not _is_node(node, is_leaf):
            add((key[1:], node))
            continue
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend(reversed([(f"{key}.{k}", v) for k, v in items]))
    return destination


def tree_unflatten(tree):
    """Rebuilds a tree from the flat form :func:`tree_flatten` returns (a list of
    pairs or a dict). Levels whose keys are all integers become lists."""
    items = list(tree.items() if isinstance(tree, dict) else tree)
    if len(items) == 1 and items[0][0] == "":
        return items[0][1]
    groups = {}
    for key, value in items:
        head, _, tail = key.partition(".")
        groups.setdefault(head, []).append((tail, value))
    try:
        indices = {int(k): k for k in groups}
        as_list = len(indices) == len(groups)
    except ValueError:
        as_list = False
    if not as_list:
        return {k: tree_unflatten(v) for k, v in groups.items()}
    out = []
    for i in sorted(indices):
        while len(out) < i:  # gaps in the indices are filled with empty dicts
            out.append({})
        out.append(tree_unflatten(groups[indices[i]]))
    return out


def tree_reduce(fn, tree, initializer=None, is_leaf=None):
    """Folds ``fn(accumulator, leaf)`` over the leaves of ``tree``; without an
    ``initializer`` the first leaf starts the accumulation."""
    acc = initializer
    for _, leaf in tree_flatten(tree, is_leaf=is_leaf):
        acc = leaf if acc is None else fn(acc, leaf)
    return acc


def tree_merge(tree_a, tree_b, merge_fn=None):
    """Deep-merges two trees (empty containers count as absent). Leaves present in
    both are combined with ``merge_fn``, or raise ``ValueError`` without one."""

    def empty(t):
        return isinstance(t, (dict, list, tuple)) and len(t) == 0

    if empty(tree_a) and empty(tree_b):
        if type(tree_a) is not type(tree_b):
            raise ValueError(
                f"Cannot merge {type(tree_a).__name__} with {type(tree_b).__name__}")
        return type(tree_a)()
    a = None if empty(tree_a) else tree_a
    b = None if empty(tree_b) else tree_b
    if a is None or b is None:
        return b if a is None else a
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return _rebuild(a, [tree_merge(x, y, merge_fn) for x, y in zip_longest(a, b)])
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: tree_merge(a.get(k), b.get(k), merge_fn) for k in {**a, **b}}
    if merge_fn is None:
        raise ValueError(
            "Trees contain elements at the same locations but no merge function "
            "was provided")
    return merge_fn(a, b)
