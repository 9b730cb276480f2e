"""Runs the layer and optimizer calls of nn_gen.py in a worker, for lumex or MLX
(`core` is lumex.core or mlx.core; its package has nn, optimizers and utils)."""

import importlib
import zlib

import numpy as np

import build


def _seeded(name, p, seed, mx):
    """The same values for parameter `name` in either library."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    shape = tuple(p.shape)
    if "int" in str(p.dtype):  # packed quantized weights
        return mx.array(rng.integers(0, 2**32, size=shape, dtype=np.uint64)
                        .astype(np.uint32)).astype(p.dtype)
    return mx.array((rng.standard_normal(shape) * 0.5).astype(np.float32)).astype(p.dtype)


def prepare(core, call):
    """A function running the call (setup errors, such as a class this library
    lacks, raise here)."""
    pkg = core.__name__.rsplit(".", 1)[0]
    utils = importlib.import_module(pkg + ".utils")
    kind, name = call["fn"].split(".", 1)
    cls = getattr(importlib.import_module(f"{pkg}.{kind}"), name)
    args = [build.to_arg(a, core) for a in call["args"]]

    def layer():
        m = cls(**call["ctor"])
        flat = utils.tree_flatten(m.parameters())
        m.update(utils.tree_unflatten(
            [(k, _seeded(k, v, call["param_seed"], core)) for k, v in flat]))
        return m(*args)

    def optimizer():
        opt = cls(**call["ctor"])
        params, grads = args
        for _ in range(call["steps"]):
            params = opt.apply_gradients(grads, params)
        return [params[k] for k in sorted(params)]

    return layer if call["nn"] == "layer" else optimizer
