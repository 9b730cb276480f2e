"""Helpers for the lumex.nn tests: central-difference gradient checks in
float64, of functions of arrays and of a module's parameters."""

import numpy as np

import lumex.core as mx
import lumex.nn as nn
from lumex.utils import tree_flatten, tree_unflatten


def numeric_grad(f, x_np, eps=1e-6):
    """d f / d x by central differences; ``f`` maps a NumPy array to a float."""
    g = np.zeros_like(x_np, dtype=np.float64)
    for idx in np.ndindex(x_np.shape):
        plus, minus = x_np.copy(), x_np.copy()
        plus[idx] += eps
        minus[idx] -= eps
        g[idx] = (f(plus) - f(minus)) / (2 * eps)
    return g


def check_grad(fn, *args, eps=1e-6, rtol=1e-5, atol=1e-7, argnums=None):
    """Compares ``mx.grad(fn)`` with central differences for each of ``args``
    (float64 arrays; ``fn`` returns a scalar)."""
    argnums = tuple(range(len(args))) if argnums is None else argnums
    grads = mx.grad(fn, argnums=argnums)(*args)
    if len(argnums) == 1:  # MLX returns the array itself for a one-element argnums
        grads = (grads,)
    for i, g in zip(argnums, grads):
        base = np.array(args[i])

        def at(v, i=i):
            new = list(args)
            new[i] = mx.array(v, dtype=args[i].dtype)
            return fn(*new).item()

        np.testing.assert_allclose(np.array(g), numeric_grad(at, base, eps), rtol=rtol,
                                   atol=atol, err_msg=f"gradient of argument {i}")


def check_module_grad(model, *inputs, eps=1e-6, rtol=1e-5, atol=1e-7, wrt_inputs=True,
                      seed=7):
    """Checks the gradients of a random projection of ``model(*inputs)`` with
    respect to every trainable parameter (and the float inputs), in float64."""
    model.set_dtype(mx.float64)
    def is_float(x):
        return x is not None and mx.issubdtype(x.dtype, mx.floating)

    inputs = [x.astype(mx.float64) if is_float(x) else x for x in inputs]
    probe = {}

    def loss(*xs):
        out = model(*xs)
        outs = out if isinstance(out, (tuple, list)) else [out]
        total = mx.array(0.0, dtype=mx.float64)
        for j, o in enumerate(outs):
            if j not in probe:
                rng = np.random.default_rng(seed + j)
                probe[j] = mx.array(rng.standard_normal(o.shape))
            total = total + (o * probe[j]).sum()
        return total

    _, grads = nn.value_and_grad(model, loss)(*inputs)
    params = tree_flatten(model.trainable_parameters())
    flat_grads = dict(tree_flatten(grads))
    for key, value in params:
        base = np.array(value)

        def at(v, key=key):
            saved = dict(tree_flatten(model.parameters()))[key]
            model.update(tree_unflatten([(key, mx.array(v, dtype=saved.dtype))]))
            try:
                return loss(*inputs).item()
            finally:
                model.update(tree_unflatten([(key, saved)]))

        np.testing.assert_allclose(np.array(flat_grads[key]), numeric_grad(at, base, eps),
                                   rtol=rtol, atol=atol, err_msg=f"gradient of {key}")
    if wrt_inputs:
        float_args = tuple(i for i, x in enumerate(inputs) if is_float(x))
        if float_args:
            check_grad(loss, *inputs, eps=eps, rtol=rtol, atol=atol, argnums=float_args)
