"""Calls to lumex.nn layers and lumex.optimizers for the differential fuzzer.

A layer call constructs the layer from generated arguments, gives every
parameter the same seeded values in either library (so outputs are comparable),
and applies it to generated inputs. An optimizer call runs three
`apply_gradients` steps on a small parameter dict. Like gen.py, specs are plain
data; layer and optimizer names and parameter names come from lumex's own
signatures, so a seed gives the same calls with or without MLX.
"""

import inspect
import random

import gen

# Not layers one can build from numbers alone (containers, distributed, abstract).
SKIP = {"Module", "Sequential", "FullyShardedModule", "Identity", "MultiOptimizer",
        "Optimizer"}
SIZES = [1, 2, 3, 4, 8]
# Convolutions and pools take channels-last inputs with this many spatial dims.
SPATIAL = {"1d": 1, "2d": 2, "3d": 3}


def layer_names(nn):
    out = []
    for name in sorted(dir(nn)):
        cls = getattr(nn, name)
        if (isinstance(cls, type) and issubclass(cls, nn.Module) and name not in SKIP
                and "Shard" not in name):
            out.append(name)
    return out


def optimizer_names(optim):
    return [n for n in sorted(dir(optim)) if isinstance(getattr(optim, n), type)
            and n not in SKIP and hasattr(getattr(optim, n), "apply_gradients")]


def init_params(cls):
    try:
        sig = inspect.signature(cls.__init__)
    except (TypeError, ValueError):
        return []
    return [p for p in list(sig.parameters.values())[1:]
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


class NNGen:
    def __init__(self, seed, hostile=0.05):
        self.r = random.Random(seed * 7919 + 17)
        self.g = gen.Gen(seed * 7919 + 18, hostile=0.0)
        self.hostile = hostile

    def ctor_value(self, name, default):
        r = self.r
        if r.random() < self.hostile:
            return r.choice(gen.HOSTILE)
        n = name.lower()
        if n in ("num_heads",):
            return r.choice([1, 2, 4])
        if n in ("kernel_size",):
            return r.choice([1, 2, 3])
        if n in ("stride",):
            return r.choice([1, 2])
        if n in ("padding", "output_padding"):
            return r.choice([0, 1])
        if n in ("dilation",):
            return r.choice([1, 1, 2])
        if n in ("groups", "num_layers", "num_encoder_layers", "num_decoder_layers"):
            return 1
        if n == "num_groups":
            return r.choice([1, 2])
        if n == "group_size":
            return r.choice([32, 64])
        if n == "bits":
            return r.choice([4, 8])
        if n == "mode":
            return r.choice(["affine", "nearest", "linear"])
        if n == "approx":
            return r.choice(["none", "precise", "fast", "tanh"])
        if n == "scale_factor":
            return r.choice([1, 2, 1.5, (2, 1)])
        if n in ("p",):
            return r.choice([0.0, 0.5, 1.0])
        if n in ("eps",):
            return r.choice([1e-5, 1e-3])
        if isinstance(default, bool):
            return r.random() < 0.5
        if isinstance(default, float) or n in ("alpha", "lambd", "init", "threshold", "base",
                                               "scale", "negative_slope", "momentum"):
            return r.choice([0.5, 1.0, 0.1, 2.0])
        if "dims" in n or "size" in n or "features" in n or "channels" in n or \
                n in ("num_embeddings", "num_parameters"):
            return r.choice(SIZES + [64])
        return default if default is not inspect.Parameter.empty else r.choice(SIZES)

    def input_for(self, name, ctor):
        """An input spec shaped to fit the layer most of the time."""
        r = self.r
        dims = [v for k, v in ctor.items()
                if isinstance(v, int) and not isinstance(v, bool)
                and any(w in k for w in ("dims", "size", "features", "channels"))]
        last = dims[0] if dims and r.random() < 0.8 else r.choice(SIZES)
        spatial = next((n for s, n in SPATIAL.items() if name.endswith(s)), None)
        if spatial is not None:
            shape = [r.choice([1, 2])] + [r.choice([3, 4, 5, 8])] * spatial + [last]
        elif name in ("RNN", "GRU", "LSTM"):
            shape = [r.choice([1, 2]), r.choice([1, 3, 4]), last]
        elif name in ("Embedding", "QuantizedEmbedding"):
            return self.g.array([r.choice([1, 2]), 3], "int32") | {"fill": "ints"}
        else:
            shape = [r.choice([1, 2, 3]) for _ in range(r.choice([0, 1, 2]))] + [last]
        if r.random() < 0.05:
            shape = self.g.shape()
        dtype = r.choice(["float32"] * 6 + ["float16", "bfloat16", "float64", "int32"])
        return self.g.array(shape, dtype)

    def layer_call(self, name, cls):
        ctor = {}
        for p in init_params(cls):
            if p.default is not inspect.Parameter.empty and self.r.random() < 0.4:
                continue
            if "Callable" in str(p.annotation) or p.name in ("activation", "nonlinearity",
                                                               "custom_encoder",
                                                               "custom_decoder", "group"):
                continue
            ctor[p.name] = self.ctor_value(p.name, p.default)
        x = self.input_for(name, ctor)
        args = [x]
        if name == "Bilinear":
            args.append(self.input_for("Linear", {"d": ctor.get("input2_dims", 2)}))
        elif name == "MultiHeadAttention":
            args += [x, x, None]
        elif name.startswith("TransformerEncoder"):
            args += [None]
        elif name.startswith("TransformerDecoder"):
            args += [x, None, None]
        elif name == "Transformer":
            args += [x, None, None, None]
        return {"fn": "nn." + name, "nn": "layer", "ctor": ctor, "args": args, "kwargs": {},
                "param_seed": self.r.randrange(2**31)}

    def optimizer_call(self, name, cls):
        r = self.r
        ctor = {}
        for p in init_params(cls):
            if p.default is not inspect.Parameter.empty and r.random() < 0.5:
                continue
            n = p.name
            if r.random() < self.hostile:
                ctor[n] = r.choice(gen.HOSTILE)
            elif n == "learning_rate":
                ctor[n] = r.choice([0.1, 0.01, 1e-3, 0.0, -0.1])
            elif n == "betas":
                ctor[n] = r.choice([[0.9, 0.999], [0.5, 0.9], [0.0, 0.0]])
            elif isinstance(p.default, bool):
                ctor[n] = r.random() < 0.5
            elif isinstance(p.default, (int, float)) or p.default is None:
                ctor[n] = r.choice([0.0, 0.01, 0.1, 0.9, 1e-8])
        shape = self.g.shape(r.choice([1, 2, 2]))
        params = {k: self.g.array(s, "float32") | {"fill": "normal", "view": None}
                  for k, s in (("w", shape), ("b", shape[-1:] or [1]))}
        grads = {k: v | {"seed": r.randrange(2**31),
                         "fill": r.choice(["normal", "normal", "small", "zeros", "nan", "inf"])}
                 for k, v in params.items()}
        return {"fn": "optimizers." + name, "nn": "optimizer", "ctor": ctor,
                "args": [params, grads], "kwargs": {}, "steps": 3}


def calls(lumex_pkg, seed, count):
    """`count` layer and optimizer call specs from `seed`."""
    import importlib
    nn = importlib.import_module(lumex_pkg + ".nn")
    optim = importlib.import_module(lumex_pkg + ".optimizers")
    layers = [(n, getattr(nn, n)) for n in layer_names(nn)]
    opts = [(n, getattr(optim, n)) for n in optimizer_names(optim)]
    g = NNGen(seed)
    for _ in range(count):
        if g.r.random() < 0.75:
            yield g.layer_call(*g.r.choice(layers))
        else:
            yield g.optimizer_call(*g.r.choice(opts))
