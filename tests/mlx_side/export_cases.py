"""Functions exported by tests/test_export.py on both sides: under the real MLX
(``python export_cases.py DIR``, with ``mlx`` installed) and under lumex. The same
definitions run with either module as ``mx``.

``python export_cases.py DIR`` writes, for every case, ``mlx_<case>.mlxfn`` and
``mlx_<case>.npz`` (inputs and MLX's outputs), then imports every ``lumex_<case>.mlxfn``
already in DIR and writes ``lumex_<case>.mlx_out.npz`` (MLX's outputs of lumex's
file) or ``lumex_<case>.mlx_err.txt`` (the error MLX raised)."""

import glob
import importlib
import os
import sys

import numpy as np


def inputs(mx):
    rng = np.random.default_rng(0)

    def f(*shape):
        return mx.array(rng.standard_normal(shape).astype(np.float32))

    return f, rng


def cases(mx):
    """name -> (fun, positional example arrays, keyword example arrays)."""
    f, rng = inputs(mx)
    ints = mx.array(rng.integers(0, 7, (3, 4)).astype(np.int32))
    w = f(4, 5)  # a captured constant
    c = {}
    c["elementwise"] = (lambda x, y: [mx.exp(x) * mx.sin(y) + mx.tanh(x) - mx.abs(y) / 3,
                                      mx.sigmoid(x), mx.sqrt(mx.abs(x)), mx.rsqrt(mx.abs(y) + 1),
                                      mx.square(x), mx.maximum(x, y), mx.minimum(x, y),
                                      mx.power(mx.abs(x), y), mx.erf(x), mx.log1p(mx.abs(y)),
                                      mx.arctan2(x, y), mx.logaddexp(x, y), mx.negative(x),
                                      mx.floor(x), mx.ceil(y), mx.sign(x), mx.cosh(x),
                                      mx.expm1(x), mx.arcsinh(y), mx.erfinv(mx.tanh(x) * 0.9),
                                      x % 0.7],
                          [f(3, 4), f(3, 4)], {})
    c["logs"] = (lambda x: [mx.log(mx.abs(x) + 1), mx.log2(mx.abs(x) + 1),
                            mx.log10(mx.abs(x) + 1)], [f(5)], {})
    c["compare"] = (lambda x, y: [x > y, x >= y, x < y, x <= y, x == y, x != y,
                                  mx.logical_and(x > 0, y > 0), mx.logical_or(x > 0, y > 0),
                                  mx.logical_not(x > 0), mx.where(x > y, x, y)],
                    [f(3, 4), f(3, 4)], {})
    c["reductions"] = (lambda x: [mx.sum(x, axis=1), mx.sum(x, axis=(0, 2), keepdims=True),
                                  mx.max(x, axis=0), mx.min(x), mx.prod(x, axis=2),
                                  mx.mean(x, axis=-1), mx.var(x, axis=1),
                                  mx.argmax(x, axis=1), mx.argmin(x, axis=2),
                                  mx.all(x > -1, axis=0), mx.any(x > 1, axis=2)],
                       [f(2, 3, 4)], {})
    c["softmax"] = (lambda x: [mx.softmax(x, axis=-1), mx.softmax(x, axis=-1, precise=True),
                               mx.logsumexp(x, axis=-1, keepdims=True)], [f(3, 5)], {})
    c["scans"] = (lambda x: [mx.cumsum(x, axis=1), mx.cumsum(x, axis=0, reverse=True),
                             mx.cumprod(x, axis=1, inclusive=False), mx.cummax(x, axis=1),
                             mx.cummin(x, axis=0)], [f(3, 4)], {})
    c["matmul"] = (lambda a, b: [a @ b, mx.addmm(a @ b, a, b, alpha=0.5, beta=2.0)],
                   [f(3, 4), f(4, 3)], {})
    c["mlp"] = (lambda x: mx.softmax(mx.maximum(x @ w, 0.0) * 2.0 + 1.0, axis=-1), [f(2, 4)], {})
    c["shapes"] = (lambda x: [mx.reshape(x, (4, 6)), mx.transpose(x, (2, 0, 1)),
                              mx.broadcast_to(x[:, :1], (5, 2, 3, 4)), mx.expand_dims(x, 1),
                              mx.squeeze(x[:, :1], 1), mx.flatten(x, 1, 2),
                              mx.unflatten(x, 2, (2, 2)), x.T, mx.swapaxes(x, 0, 2)],
                   [f(2, 3, 4)], {})
    c["slicing"] = (lambda x: [x[1:, ::2], x[::-1], x[:, ::-2], x[-2:, 1:3], x[1], x[..., 2]],
                    [f(4, 5)], {})
    c["concat_split"] = (lambda x, y: [mx.concatenate([x, y], axis=1), *mx.split(x, 3, axis=0),
                                       *mx.split(y, [1, 3], axis=1)], [f(3, 4), f(3, 4)], {})
    c["pad"] = (lambda x: [mx.pad(x, [(1, 2), (0, 1)]), mx.pad(x, 1, constant_values=3.0)],
                [f(2, 3)], {})
    v = f(3, 1)
    c["indexing"] = (lambda x, i: [x[i], mx.take(x, i, axis=1),
                                   mx.take_along_axis(x, mx.zeros((3, 1), mx.int32) + 1, axis=1),
                                   mx.put_along_axis(x, mx.zeros((3, 1), mx.int32), v, axis=1),
                                   x.at[i].add(1.0), x.at[i].maximum(0.5)],
                     [f(3, 4), mx.array([2, 0])], {})
    def assign(x, v):
        x = x + 0
        x[1:3, ::2] = v
        x[0] = 7.0
        return x

    c["slice_update"] = (assign, [f(4, 5), f(2, 3)], {})
    c["sort"] = (lambda x: [mx.sort(x, axis=1), mx.argsort(x, axis=0),
                            mx.partition(x, 1, axis=1), mx.argpartition(x, 2, axis=1)],
                 [f(3, 5)], {})
    c["types"] = (lambda x, i: [x.astype(mx.int32), x.astype(mx.float16), x.astype(mx.bfloat16),
                                i.astype(mx.float32) + x, x.view(mx.int32), i.astype(mx.uint8),
                                x.astype(mx.bool_)],
                  [f(3, 4), ints], {})
    c["bitwise"] = (lambda i, j: [i & j, i | j, i ^ j, i << 2, j >> 1], [ints, ints + 1], {})
    c["constants"] = (lambda x: [x + mx.arange(4), x * mx.array([1.0, 2.0, 3.0, 4.0]) + w[0, 0],
                                 mx.ones((2, 3)), mx.zeros_like(x) + 5],
                      [f(3, 4)], {})
    c["kwargs"] = (lambda x, *, bias, scale: [x * scale + bias], [f(3)],
                   {"bias": f(3), "scale": f(1)})
    c["conv"] = (lambda x, k, k2: [mx.conv1d(x, k, stride=2, padding=1),
                                   mx.conv2d(mx.reshape(x, (1, 4, 4, 3)), k2, padding=1)],
                 [f(1, 16, 3), f(4, 3, 3), f(2, 3, 3, 3)], {})
    c["divmod"] = (lambda x, y: list(mx.divmod(x, y)), [f(5) + 3, f(5) * 0.5 + 2], {})
    nn = importlib.import_module(mx.__name__.rsplit(".", 1)[0] + ".nn")
    model = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 8, bias=False), nn.ReLU(),
                          nn.Linear(8, 3))
    for layer in model.layers[::2]:  # the same weights on both sides
        layer.weight = f(*layer.weight.shape)
        if "bias" in layer:
            layer.bias = f(*layer.bias.shape)
    c["nn_mlp"] = (lambda x: mx.softmax(model(x), axis=-1), [f(5, 4)], {})
    c["identity_and_constant"] = (lambda x: [x, w], [f(2)], {})
    return c


def _outputs(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def to_numpy(a):
    import mlx.core as mxc  # noqa: F401  (only called on the MLX side)
    if a.dtype.__repr__().endswith("bfloat16"):
        a = a.astype(mxc.float32)
    return np.array(a)


def main(out_dir):
    import mlx.core as mx

    for name, (fun, args, kwargs) in cases(mx).items():
        mx.export_function(os.path.join(out_dir, f"mlx_{name}.mlxfn"), fun, *args, **kwargs)
        outs = _outputs(fun(*args, **kwargs))
        np.savez(os.path.join(out_dir, f"mlx_{name}.npz"),
                 **{f"in{i}": to_numpy(a) for i, a in enumerate(args)},
                 **{f"kw_{k}": to_numpy(v) for k, v in kwargs.items()},
                 **{f"out{i}": to_numpy(o) for i, o in enumerate(outs)})
    for path in sorted(glob.glob(os.path.join(out_dir, "lumex_*.mlxfn"))):
        stem = path[:-len(".mlxfn")]
        data = np.load(stem + ".npz")
        args = [mx.array(data[k]) for k in sorted(k for k in data if k.startswith("in"))]
        kwargs = {k[3:]: mx.array(data[k]) for k in data if k.startswith("kw_")}
        try:
            outs = mx.import_function(path)(*args, **kwargs)
            np.savez(stem + ".mlx_out.npz", **{f"out{i}": to_numpy(o) for i, o in enumerate(outs)})
        except Exception as e:  # recorded for the test to check
            with open(stem + ".mlx_err.txt", "w") as fh:
                fh.write(f"{type(e).__name__}: {e}")


if __name__ == "__main__":
    main(sys.argv[1])
