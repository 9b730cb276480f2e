"""Turns call specs (gen.py) into arguments, for NumPy or for an MLX-like module,
and results into plain data that can cross a pipe. Imported by the worker (in
either library's interpreter) and by the runner; needs only NumPy."""

import numpy as np

_NP = {"bool_": np.bool_, "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32,
       "uint64": np.uint64, "int8": np.int8, "int16": np.int16, "int32": np.int32,
       "int64": np.int64, "float16": np.float16, "bfloat16": np.float32,
       "float32": np.float32, "float64": np.float64, "complex64": np.complex64}


def base_values(spec):
    """The array's values as NumPy, before any view (bfloat16 as float32)."""
    rng = np.random.default_rng(spec["seed"])
    shape = spec["shape"]
    fill = spec["fill"]
    if fill == "ints":
        v = rng.integers(-5, 10, size=shape).astype(np.float64)
    elif fill == "small":
        v = rng.uniform(-1, 1, size=shape)
    elif fill == "zeros":
        v = np.zeros(shape)
    elif fill == "big":
        v = rng.standard_normal(shape) * 1e30
    else:
        v = rng.standard_normal(shape) * 3
        if fill in ("nan", "inf") and v.size:
            mask = rng.random(shape) < 0.3
            v = np.where(mask, np.nan if fill == "nan" else np.inf * np.sign(v), v)
    dt = spec["dtype"]
    if dt == "complex64":
        v = v + 1j * rng.standard_normal(shape)
    if dt == "bool_":
        return v > 0
    if dt.startswith("uint"):
        v = np.abs(np.nan_to_num(v, nan=0, posinf=7, neginf=7))
    if dt.startswith(("int", "uint")):
        v = np.clip(np.nan_to_num(v, nan=0, posinf=100, neginf=-100), -100, 100).round()
    with np.errstate(all="ignore"):
        return np.asarray(v).astype(_NP[dt])


def apply_view(spec, a, lib):
    """The spec's view of `a`; lib is numpy or the array module."""
    view = spec.get("view")
    nd = len(spec["shape"])
    if view == "transpose" and nd >= 2:
        return lib.transpose(a)
    if view == "slice" and nd >= 1:
        return a[..., ::2]
    if view == "reverse" and nd >= 1:
        return a[::-1]
    if view == "broadcast":
        return lib.broadcast_to(a, [2] + list(a.shape))
    return a


def to_numpy_arg(v):
    if isinstance(v, dict) and v.get("kind") == "array":
        if "huge" in v:
            return None
        return apply_view(v, base_values(v), np)
    if isinstance(v, list):
        return [to_numpy_arg(x) for x in v]
    if isinstance(v, tuple):
        return tuple(to_numpy_arg(x) for x in v)
    return v


def to_arg(v, mx):
    """The argument for the array module `mx`."""
    if isinstance(v, dict):
        kind = v.get("kind")
        if kind == "array":
            dt = getattr(mx, v["dtype"])
            if "huge" in v:
                return mx.broadcast_to(mx.array(1, dtype=dt), v["huge"])
            a = mx.array(base_values(v))
            if a.dtype != dt:
                a = a.astype(dt)
            return apply_view(v, a, mx)
        if kind == "key":
            return mx.random.key(v["seed"])
        if kind == "dtype":
            return getattr(mx, v["name"])
        if kind is None:  # a parameter tree (optimizer calls)
            return {k: to_arg(x, mx) for k, x in v.items()}
        return v
    if isinstance(v, list):
        return [to_arg(x, mx) for x in v]
    if isinstance(v, tuple):
        return tuple(to_arg(x, mx) for x in v)
    return v


def resolve(mx, dotted):
    obj = mx
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def dtype_name(d):
    return str(d).rsplit(".", 1)[-1]


def serialize(x, mx):
    """Plain data for a result; evaluates arrays."""
    if isinstance(x, mx.array):
        shape = tuple(x.shape)
        name = dtype_name(x.dtype)
        if x.size > 2**20:
            mx.eval(x)  # evaluated, not sent
            return ("bigarray", shape, name)
        y = x.astype(mx.float32) if name == "bfloat16" else x
        return ("array", shape, name, np.array(y))
    if isinstance(x, (list, tuple)):
        return ("seq", [serialize(e, mx) for e in x])
    if x is None or isinstance(x, (bool, int, float, complex, str)):
        return ("py", type(x).__name__, x)
    return ("other", type(x).__name__)


def render(call):
    """A readable Python form of a call, for reports."""
    def r(v):
        if isinstance(v, dict):
            k = v.get("kind")
            if k == "array":
                if "huge" in v:
                    return f"broadcast_to(array(1, {v['dtype']}), {v['huge']})"
                s = f"A({v['shape']}, {v['dtype']}, {v['fill']}, seed={v['seed']})"
                return s + (f".{v['view']}" if v.get("view") else "")
            if k == "key":
                return f"random.key({v['seed']})"
            if k == "dtype":
                return "mx." + v["name"]
            return "{" + ", ".join(f"{n!r}: {r(e)}" for n, e in v.items()) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(r(e) for e in v) + "]"
        if isinstance(v, tuple):
            return "(" + ", ".join(r(e) for e in v) + ("," if len(v) == 1 else "") + ")"
        return repr(v)
    parts = [r(a) for a in call["args"]] + [f"{k}={r(v)}" for k, v in call["kwargs"].items()]
    if "nn" in call:  # a layer applied to the args, or an optimizer's steps on them
        ctor = ", ".join(f"{k}={r(v)}" for k, v in call["ctor"].items())
        return f"{call['fn']}({ctor})({', '.join(parts)})"
    return f"mx.{call['fn']}({', '.join(parts)})"
