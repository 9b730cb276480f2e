"""Call generation for the differential fuzzer.

A call is plain data (picklable, no arrays): the function's dotted name and
argument specs. Workers build the same arguments from a spec in either library,
so lumex and MLX see identical inputs. The function list and parameter names
come from lumex's own signatures (they mirror MLX's), so a run with a given
seed is the same with or without MLX installed.
"""

import ast
import random
import re

# Names that change process-wide state, touch files or devices, or only
# transform Python callables: a fuzzed call to them says nothing about the ops.
SKIP_PREFIXES = ("set_", "get_", "save", "load", "export", "import_", "metal", "cuda",
                 "distributed", "reset_", "clear_", "enable_", "disable_", "default_",
                 "new_", "_")
SKIP = {
    "compile", "checkpoint", "custom_function", "grad", "value_and_grad", "vjp", "jvp",
    "vmap", "eval", "async_eval", "synchronize", "stream", "device_info", "seed",
    "graph", "array", "finfo", "iinfo", "issubdtype", "Dtype",
    "DtypeCategory", "Device", "Stream", "DeviceType", "StreamContext", "ArrayAt",
    "ArrayIterator", "AxisError", "is_available", "record_sites", "memory", "printoptions",
}
SUBMODULES = ("linalg", "fft", "random")

DTYPES = ["bool_", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32",
          "int64", "float16", "bfloat16", "float32", "float64", "complex64"]
COMMON_DTYPES = ["float32", "float32", "float32", "int32", "bool_", "float16", "int64",
                 "bfloat16", "complex64", "uint8"]
FILLS = ["normal", "normal", "normal", "ints", "small", "nan", "inf", "zeros", "big"]
VIEWS = [None, None, None, None, "transpose", "slice", "broadcast", "reverse"]
STRINGS = ["fro", "nuc", "constant", "edge", "left", "right", "ij", "xy", "same",
           "valid", "full", "reflect", "ortho", "backward", "forward", "", "nope", "L", "U"]
HOSTILE = [None, "x", 1.5, float("nan"), float("inf"), -1, 0, 2**31, 2**63, -(2**63) - 1,
           2**64, [], [[1], [2, 3]], (), True, {"a": 1}, b"\x00", 1j]


def signature_of(fn):
    """(params, names of positional-only/kw-only boundaries) from nanobind's signature;
    None when the function has no parseable signature."""
    sig = getattr(fn, "__nb_signature__", None)
    if not sig:
        return None
    text = sig[0][0]
    if not text.startswith("def "):
        return None
    head = re.sub(r"\\\d+", "None", text.rsplit("->", 1)[0].strip())
    try:
        tree = ast.parse(head + ": pass")
    except SyntaxError:
        return None
    f = tree.body[0]
    params = []
    a = f.args
    ndefaults = len(a.defaults)
    pos = a.posonlyargs + a.args
    for i, p in enumerate(pos):
        has_default = i >= len(pos) - ndefaults
        params.append((p.arg, ast.unparse(p.annotation) if p.annotation else "",
                       has_default, "pos"))
    if a.vararg:
        params.append((a.vararg.arg, ast.unparse(a.vararg.annotation)
                       if a.vararg.annotation else "", True, "var"))
    for p, d in zip(a.kwonlyargs, a.kw_defaults):
        params.append((p.arg, ast.unparse(p.annotation) if p.annotation else "",
                       d is not None, "kw"))
    return params


def public_functions(core):
    """Dotted names of the fuzzable functions of lumex.core and its submodules."""
    out = []
    for modname in ("",) + SUBMODULES:
        mod = getattr(core, modname) if modname else core
        for name in sorted(dir(mod)):
            if name in SKIP or name.startswith(SKIP_PREFIXES):
                continue
            fn = getattr(mod, name)
            if not callable(fn) or isinstance(fn, type):
                continue
            params = signature_of(fn)
            if params is None:
                continue
            if any("Callable" in ann for _, ann, _, _ in params):
                continue
            out.append(((modname + "." if modname else "") + name, params))
    return out


class Gen:
    """Random call specs. `hostile` is the chance that an argument is replaced by
    something of the wrong kind."""

    def __init__(self, seed, hostile=0.08):
        self.r = random.Random(seed)
        self.hostile = hostile
        self.seed = seed

    # -- arrays --------------------------------------------------------------
    def shape(self, ndim=None):
        r = self.r
        if ndim is None:
            ndim = r.choice([0, 1, 1, 2, 2, 2, 3, 3, 4])
        dims = []
        for _ in range(ndim):
            dims.append(r.choice([1, 2, 3, 4, 5, 0, 1, 2, 3, 7, 8, 16]))
        while _prod(dims) > 4096:
            dims[dims.index(max(dims))] //= 2
        return dims

    def array(self, shape=None, dtype=None):
        r = self.r
        spec = {
            "kind": "array",
            "shape": self.shape() if shape is None else shape,
            "dtype": dtype or r.choice(COMMON_DTYPES if r.random() < 0.85 else DTYPES),
            "fill": r.choice(FILLS),
            "view": r.choice(VIEWS),
            "seed": r.randrange(2**31),
        }
        if r.random() < 0.01:
            # Huge but lazy: a broadcast view of one element, past int32 indexing
            # yet small enough that a full pass over it ends in seconds.
            spec["huge"] = r.choice([[2**31 + 7], [2**16, 2**16 + 1], [2**20, 1, 2**12]])
        return spec

    # -- scalars and parameters ---------------------------------------------
    def int_for(self, name):
        r = self.r
        if r.random() < 0.1:
            return r.choice([-1, -2, 0, 2**31 - 1, 2**31, 2**62, -(2**31)])
        return r.choice([0, 1, 1, 2, 2, 3, 4, 5, 8])

    def axis(self, ndim):
        r = self.r
        if ndim == 0 or r.random() < 0.08:
            return r.choice([0, -1, 1, 5, -5, None])
        return r.randrange(-ndim, ndim)

    def axes(self, ndim):
        r = self.r
        if r.random() < 0.3:
            return self.axis(ndim)
        n = r.randrange(0, ndim + 2)
        ax = [self.axis(ndim) for _ in range(n)]
        if r.random() < 0.5:
            ax = sorted(set(a for a in ax if a is not None))
        return r.choice([ax, tuple(ax)])

    def value(self, name, ann, ndim):
        """An argument for parameter `name` annotated `ann`; ndim is that of the
        first array argument (for axes)."""
        r = self.r
        lname = name.lower()
        if r.random() < self.hostile:
            return r.choice(HOSTILE + [self.array()])
        if lname == "key":
            return {"kind": "key", "seed": r.randrange(1000)} if r.random() < 0.7 else None
        if "dtype" in lname or ann.strip() in ("Dtype", "None | Dtype", "Dtype | None"):
            return {"kind": "dtype", "name": r.choice(DTYPES)}
        if lname in ("axis", "axis1", "axis2", "source", "destination", "start_axis",
                     "end_axis", "dim"):
            return self.axis(ndim)
        if lname in ("axes",):
            return self.axes(ndim) if r.random() < 0.8 else self.axis(ndim)
        if "shape" in lname or lname in ("s",):
            if r.random() < 0.05:
                return [r.choice([2**32, 2**62, -1, 3]) for _ in range(r.randrange(1, 4))]
            return self.shape()
        if lname in ("ord",):
            return r.choice([None, 1, 2, -1, -2, 0, 3, float("inf"), float("-inf"), "fro",
                             "nuc"])
        if lname in ("stream",):
            return None
        if "array" in ann or lname in ("a", "b", "x", "y", "c", "condition", "indices",
                                       "values", "weights", "x1", "x2", "updates"):
            if lname == "indices" and r.random() < 0.6:
                return self.array(self.shape(r.choice([1, 2])), "int32")
            if r.random() < 0.1 and "int" in ann:
                return self.int_for(name)
            if r.random() < 0.1 and ("float" in ann or "scalar" in ann or "int" in ann):
                return r.choice([0.5, -1.0, 2, float("nan"), True, 3])
            return self.array()
        if "Sequence[array]" in ann or "list[array]" in ann or lname in ("arrays", "operands"):
            n = r.randrange(0, 4)
            shp = self.shape()
            return [self.array(list(shp) if r.random() < 0.8 else None) for _ in range(n)]
        if "bool" in ann:
            return r.random() < 0.5
        if "str" in ann:
            return r.choice(STRINGS)
        if "int" in ann and "float" not in ann:
            if "Sequence" in ann or "list" in ann or "tuple" in ann:
                if r.random() < 0.5:
                    return self.axes(ndim)
                return [self.int_for(name) for _ in range(r.randrange(0, 4))]
            return self.int_for(name)
        if "float" in ann or "complex" in ann:
            return r.choice([0.0, 0.5, 1.0, -1.5, 2.0, 1e-3, 1e30, float("nan"),
                             float("inf"), -float("inf"), 3])
        if "Sequence" in ann or "list" in ann:
            return [self.int_for(name) for _ in range(r.randrange(0, 4))]
        return self.array()

    def call(self, fname, params):
        r = self.r
        args, kwargs = [], {}
        ndim = None
        for name, ann, has_default, kind in params:
            if name == "stream":
                continue
            if kind == "var":
                if r.random() < 0.5:
                    continue
                for _ in range(r.randrange(0, 3)):
                    args.append(self.array())
                continue
            if has_default and r.random() < 0.5:
                continue
            v = self.value(name, ann, ndim if ndim is not None else 2)
            if isinstance(v, dict) and v.get("kind") == "array" and ndim is None:
                ndim = len(v["shape"])
            if kind == "kw" or (has_default and kwargs) or (has_default and r.random() < 0.3):
                kwargs[name] = v
            else:
                args.append(v)
        return {"fn": fname, "args": args, "kwargs": kwargs}


def _prod(v):
    n = 1
    for d in v:
        n *= d
    return n


def calls(core, seed, count, names=None):
    """`count` call specs from `seed`, cycling over the functions at random."""
    fns = public_functions(core)
    if names:
        fns = [f for f in fns if f[0] in names]
    g = Gen(seed)
    for i in range(count):
        fname, params = g.r.choice(fns)
        c = g.call(fname, params)
        c["id"] = i
        yield c
