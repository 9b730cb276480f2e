"""Helpers shared by the lumex test modules.

``import lumex.core as mx`` resolves to ``mlx.core`` when the suite runs with
``LUMEX_TEST_BACKEND=mlx`` (see conftest.py), so everything here must work
against both engines.
"""

import os

import numpy as np
import pytest

import lumex.core as mx

try:  # optional: bfloat16 as a NumPy dtype
    import ml_dtypes
except ImportError:  # pragma: no cover
    ml_dtypes = None

BACKEND = os.environ.get("LUMEX_TEST_BACKEND", "lumex").strip().lower() or "lumex"
IS_MLX = BACKEND == "mlx"

# ---------------------------------------------------------------------------
# availability


def has(name, obj=None):
    """True if ``mx`` (or ``obj``) has the dotted attribute ``name``."""
    cur = mx if obj is None else obj
    for part in name.split("."):
        if not hasattr(cur, part):
            return False
        cur = getattr(cur, part)
    return True


def need(*names):
    """Fail the calling test unless every (dotted) name exists on ``mx``.

    ``need("sum", "linalg.norm", "array.mT")`` -- ``array.X`` checks the
    array class for a method or property. A missing name is a failure, so a
    removed binding cannot pass unnoticed; a test of something not built yet
    says so with ``@pytest.mark.not_built("name", ...)``. Against the reference
    (LUMEX_TEST_BACKEND=mlx) a name MLX lacks skips: it is a lumex extension.
    """
    missing = [n for n in names if not has(n)]
    if not missing:
        return
    if IS_MLX:
        pytest.skip("not in the reference: " + ", ".join(missing))
    pytest.fail("lumex.core lacks " + ", ".join(missing)
                + " (mark the test not_built(...) if it is not built yet)", pytrace=False)


def need_method(*names):
    """need() for methods/properties of the array class."""
    need(*("array." + n for n in names))


# ---------------------------------------------------------------------------
# dtypes

DTYPE_NAMES = [
    "bool_",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
]
SHORT = {
    "bool_": "b",
    "uint8": "u8",
    "uint16": "u16",
    "uint32": "u32",
    "uint64": "u64",
    "int8": "i8",
    "int16": "i16",
    "int32": "i32",
    "int64": "i64",
    "float16": "f16",
    "bfloat16": "bf16",
    "float32": "f32",
    "float64": "f64",
    "complex64": "c64",
}
LONG = {v: k for k, v in SHORT.items()}
UNSIGNED = ["uint8", "uint16", "uint32", "uint64"]
SIGNED = ["int8", "int16", "int32", "int64"]
INTS = UNSIGNED + SIGNED
FLOATS = ["float16", "bfloat16", "float32", "float64"]
REALS = ["bool_"] + INTS + FLOATS
NUMERIC = INTS + FLOATS + ["complex64"]

NP_DTYPE = {
    "bool_": np.bool_,
    "uint8": np.uint8,
    "uint16": np.uint16,
    "uint32": np.uint32,
    "uint64": np.uint64,
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "float16": np.float16,
    "bfloat16": None if ml_dtypes is None else ml_dtypes.bfloat16,
    "float32": np.float32,
    "float64": np.float64,
    "complex64": np.complex64,
}


def dt(name):
    """The mx Dtype for a long ("float32") or short ("f32") name."""
    name = LONG.get(name, name)
    return getattr(mx, name)


def dtype_name(d):
    """Long name ("bool_", "float32", ...) of an mx Dtype."""
    for n in DTYPE_NAMES:
        if getattr(mx, n) == d:
            return n
    raise KeyError(d)


def is_float(name):
    return name in FLOATS


def is_inexact(name):
    return name in FLOATS or name == "complex64"


# Promotion table (array + array), tabulated from MLX 0.32.4.
ORDER = ["b", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "f16", "bf16", "f32", "f64", "c64"]
PROMO_ROWS = """
b    b   u8  u16 u32 u64 i8  i16 i32 i64 f16 bf16 f32 f64 c64
u8   u8  u8  u16 u32 u64 i16 i16 i32 i64 f16 bf16 f32 f64 c64
u16  u16 u16 u16 u32 u64 i32 i32 i32 i64 f16 bf16 f32 f64 c64
u32  u32 u32 u32 u32 u64 i64 i64 i64 i64 f16 bf16 f32 f64 c64
u64  u64 u64 u64 u64 u64 f32 f32 f32 f32 f16 bf16 f32 f64 c64
i8   i8  i16 i32 i64 f32 i8  i16 i32 i64 f16 bf16 f32 f64 c64
i16  i16 i16 i32 i64 f32 i16 i16 i32 i64 f16 bf16 f32 f64 c64
i32  i32 i32 i32 i64 f32 i32 i32 i32 i64 f16 bf16 f32 f64 c64
i64  i64 i64 i64 i64 f32 i64 i64 i64 i64 f16 bf16 f32 f64 c64
f16  f16 f16 f16 f16 f16 f16 f16 f16 f16 f16 f32  f32 f64 c64
bf16 bf16 bf16 bf16 bf16 bf16 bf16 bf16 bf16 bf16 f32 bf16 f32 f64 c64
f32  f32 f32 f32 f32 f32 f32 f32 f32 f32 f32 f32  f32 f64 c64
f64  f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64  f64 f64 c64
c64  c64 c64 c64 c64 c64 c64 c64 c64 c64 c64 c64  c64 c64 c64
"""


def _parse_table(text):
    table = {}
    for line in text.strip().splitlines():
        row, *cells = line.split()
        assert len(cells) == len(ORDER)
        for col, cell in zip(ORDER, cells):
            table[(LONG[row], LONG[col])] = LONG[cell]
    return table


PROMOTION = _parse_table(PROMO_ROWS)

# Tolerances for comparing a result of a given dtype against a float64 NumPy
# reference.
TOL = {
    "float16": dict(rtol=2e-3, atol=2e-3),
    "bfloat16": dict(rtol=1.6e-2, atol=1.6e-2),
    "float32": dict(rtol=2e-5, atol=2e-6),
    "float64": dict(rtol=1e-12, atol=1e-13),
    "complex64": dict(rtol=2e-5, atol=2e-6),
}


def tol(name):
    return dict(TOL.get(name, dict(rtol=0, atol=0)))


# ---------------------------------------------------------------------------
# conversions


def to_np(a):
    """A NumPy copy of an mx array (bfloat16 goes through float32)."""
    assert isinstance(a, mx.array), type(a)
    if a.dtype == mx.bfloat16:
        a = a.astype(mx.float32)
    return np.array(a)


def from_np(x, dtype_name_):
    """An mx array of dtype ``dtype_name_`` holding the values of ``x``."""
    name = LONG.get(dtype_name_, dtype_name_)
    x = np.asarray(x)
    if x.size == 0:
        # MLX 0.32 mishandles some reductions of empty arrays imported from
        # NumPy (garbage or a hang), so build empty inputs natively.
        return mx.zeros(x.shape, dtype=dt(name))
    if name == "bfloat16":
        return mx.array(np.asarray(x, dtype=np.float32)).astype(mx.bfloat16)
    return mx.array(np.asarray(x).astype(NP_DTYPE[name]), dtype=dt(name))


def random_np(shape, name, rng, lo=-3.0, hi=3.0):
    """Random NumPy data suitable for dtype ``name`` within [lo, hi]."""
    name = LONG.get(name, name)
    shape = tuple(shape)
    if name == "bool_":
        return rng.random(shape) > 0.5
    if name in INTS:
        info = np.iinfo(NP_DTYPE[name])
        ilo = int(max(np.ceil(lo), info.min))
        ihi = int(min(np.floor(hi), info.max))
        return rng.integers(ilo, ihi + 1, size=shape).astype(NP_DTYPE[name])
    if name == "complex64":
        return (rng.uniform(lo, hi, shape) + 1j * rng.uniform(lo, hi, shape)).astype(
            np.complex64
        )
    return rng.uniform(lo, hi, shape).astype(np.float32 if name == "bfloat16" else NP_DTYPE[name])


def random_mx(shape, name, rng, lo=-3.0, hi=3.0):
    """(mx array, exact NumPy copy of its values) for dtype ``name``."""
    x = from_np(random_np(shape, name, rng, lo, hi), name)
    return x, to_np(x)


def np_cast(x_np, name):
    """Cast NumPy values to dtype ``name`` (bfloat16 rounds via ml_dtypes and
    is returned as float32)."""
    name = LONG.get(name, name)
    if name == "bfloat16":
        if ml_dtypes is None:
            pytest.skip("ml_dtypes is needed for bfloat16 references")
        return np.asarray(x_np).astype(ml_dtypes.bfloat16).astype(np.float32)
    return np.asarray(x_np).astype(NP_DTYPE[name])


def ref_input(x_np, out_name):
    """Upcast NumPy input values for computing a reference of dtype out_name."""
    if out_name == "complex64":
        return x_np.astype(np.complex128)
    if out_name in FLOATS:
        if np.iscomplexobj(x_np):
            return x_np.astype(np.complex128)
        return x_np.astype(np.float64)
    return x_np


# ---------------------------------------------------------------------------
# assertions


def assert_array(out, expected, dtype=None, rtol=None, atol=None, equal_nan=True):
    """Assert ``out`` is an mx array with ``expected``'s shape and values.

    ``dtype`` (an mx Dtype or a name) is checked exactly when given; the
    tolerance defaults to one for that dtype.
    """
    assert isinstance(out, mx.array), f"expected mx.array, got {type(out)}"
    expected = np.asarray(expected)
    if dtype is not None:
        if isinstance(dtype, str):
            dtype = dt(dtype)
        assert out.dtype == dtype, f"dtype {out.dtype} != expected {dtype}"
    assert out.shape == tuple(expected.shape), f"shape {out.shape} != {expected.shape}"
    assert isinstance(out.shape, tuple)
    got = to_np(out)
    name = dtype_name(out.dtype)
    t = tol(name)
    if rtol is not None:
        t["rtol"] = rtol
    if atol is not None:
        t["atol"] = atol
    if name == "bool_" or name in INTS:
        if t["rtol"] == 0 and t["atol"] == 0:
            np.testing.assert_array_equal(got, expected.astype(got.dtype))
            return
    if got.size == 0:
        return
    np.testing.assert_allclose(
        got.astype(np.complex128 if np.iscomplexobj(got) else np.float64),
        expected,
        equal_nan=equal_nan,
        **t,
    )


def assert_equal(out, expected, dtype=None):
    """Exact comparison (integers, bools, exactly representable floats)."""
    assert_array(out, expected, dtype=dtype, rtol=0, atol=0)


# ---------------------------------------------------------------------------
# layouts: the same logical values held contiguously or not


LAYOUTS = ["contiguous", "scalar", "empty", "transposed", "broadcast", "strided"]


def make_layout(layout, name, rng, lo=-3.0, hi=3.0):
    """(mx array, NumPy values) for a layout in LAYOUTS.

    transposed/broadcast/strided arrays are non-contiguous views built with
    mx.transpose / mx.broadcast_to / mx.as_strided (skipping if missing).
    """
    if layout == "contiguous":
        return random_mx((3, 4), name, rng, lo, hi)
    if layout == "scalar":
        return random_mx((), name, rng, lo, hi)
    if layout == "empty":
        return random_mx((0, 3), name, rng, lo, hi)
    if layout == "transposed":
        need("transpose")
        x, xn = random_mx((4, 3), name, rng, lo, hi)
        return mx.transpose(x), xn.T
    if layout == "broadcast":
        need("broadcast_to")
        x, xn = random_mx((1, 4), name, rng, lo, hi)
        return mx.broadcast_to(x, (3, 4)), np.broadcast_to(xn, (3, 4))
    if layout == "strided":
        need("as_strided")
        x, xn = random_mx((6, 8), name, rng, lo, hi)
        # every other row and every other column: shape (3, 4)
        return mx.as_strided(x, (3, 4), (16, 2)), xn[::2, ::2]
    raise ValueError(layout)


def vmap_loop(f, x):
    """The reference for mx.vmap(f)(x): f applied to each x[i], stacked (NumPy)."""
    xs = np.array(x)
    return np.stack([np.array(f(mx.array(xs[i]))) for i in range(xs.shape[0])])


def assert_vmap_matches_loop(f, x, tol=1e-4):
    """mx.vmap(f) over axis 0 of x (3-D), and over axis 2 of x moved there, matches the loop."""
    expected = vmap_loop(f, x)
    np.testing.assert_allclose(np.array(mx.vmap(f)(x)), expected, rtol=tol, atol=tol)
    xt = mx.moveaxis(x, 0, 2)
    np.testing.assert_allclose(np.array(mx.vmap(f, in_axes=2)(xt)), expected, rtol=tol, atol=tol)
