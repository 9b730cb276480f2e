"""export_function / import_function / exporter: round trips against direct
evaluation, every error path, corrupt files, and MLX's own `.mlxfn` files both ways
(written by the real wheel in a subprocess: ``LUMEX_MLX_PYTHON``, else
``/work/mlxvenv/bin/python``; those tests skip without it)."""

import os
import random
import subprocess
import sys

import numpy as np
import pytest

import lumex.core as mx
from helpers import IS_MLX

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "mlx_side"))
import export_cases  # noqa: E402

MLX_PYTHON = os.environ.get("LUMEX_MLX_PYTHON", "/work/mlxvenv/bin/python")
needs_mlx = pytest.mark.skipif(
    IS_MLX or not os.path.exists(MLX_PYTHON),
    reason="compares lumex with MLX" if IS_MLX else
    f"no interpreter with the mlx wheel at {MLX_PYTHON} (set LUMEX_MLX_PYTHON)")
CASES = export_cases.cases(mx)


def npy(a):
    if a.dtype == mx.bfloat16:
        a = a.astype(mx.float32)
    return np.array(a)


def outputs(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def assert_same(got, expected, rtol=1e-5, atol=1e-6):
    assert isinstance(got, tuple)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        g = npy(g) if isinstance(g, mx.array) else g
        e = npy(e) if isinstance(e, mx.array) else e
        assert g.shape == e.shape and g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, equal_nan=True)


# ---- round trips in this process ---------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_round_trip_matches_direct_evaluation(tmp_path, name):
    fun, args, kwargs = CASES[name]
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, fun, *args, **kwargs)
    imported = mx.import_function(path)
    assert_same(imported(*args, **kwargs), outputs(fun(*args, **kwargs)))
    # The tuple/dict calling form.
    assert_same(imported(tuple(args), kwargs) if kwargs else imported(tuple(args)),
                outputs(fun(*args, **kwargs)))


def _lumex_encoded_cases():
    rng = np.random.default_rng(1)
    x = mx.array(rng.standard_normal((2, 3, 8)).astype(np.float32))
    sq = mx.array(rng.standard_normal((3, 3)).astype(np.float32)) + 3 * mx.eye(3)
    w = mx.array(rng.standard_normal((16, 64)).astype(np.float32))
    qw, scales, biases = mx.quantize(w, 64, 4)
    sdpa = mx.fast.scaled_dot_product_attention
    return {
        "fast_norms": (lambda a: [mx.fast.rms_norm(a, mx.ones((8,)), 1e-5),
                                  mx.fast.layer_norm(a, mx.ones((8,)), mx.zeros((8,)), 1e-5)], [x]),
        "attention": (lambda q: sdpa(q, q, q, scale=0.5, mask="causal"), [x.reshape(1, 2, 3, 8)]),
        "fft": (lambda a: [mx.fft.rfft(a, axis=-1), mx.fft.ifft(a.astype(mx.complex64), norm="ortho")], [x]),
        "linalg": (lambda a: [mx.linalg.inv(a), mx.linalg.cholesky(a @ a.T)], [sq]),
        "quantized": (lambda a: mx.quantized_matmul(a, qw, scales, biases, True, 64, 4), [mx.ones((2, 64))]),
        "nan_ops": (lambda a: [mx.isnan(a), mx.isinf(a), mx.trunc(a), mx.median(a, axis=-1),
                               mx.round(a, 1), a // 0.3, mx.logcumsumexp(a, axis=1)], [x]),
    }


@pytest.mark.lumex_only
@pytest.mark.parametrize("name", sorted(_lumex_encoded_cases()))
def test_primitives_mlx_cannot_encode_round_trip_here(tmp_path, name):
    fun, args = _lumex_encoded_cases()[name]
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, fun, *args)
    assert_same(mx.import_function(path)(*args), outputs(fun(*args)), rtol=1e-5, atol=1e-5)


def test_new_inputs_and_lazy_results(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x, y: mx.exp(x) @ y, mx.zeros((2, 3)), mx.zeros((3, 2)))
    f = mx.import_function(path)
    a, b = mx.random.normal((2, 3)), mx.random.normal((3, 2))
    (out,) = f(a, b)
    np.testing.assert_allclose(npy(out), np.exp(npy(a)) @ npy(b), rtol=1e-5)


def test_several_traces_pick_the_matching_one(tmp_path):
    path = str(tmp_path / "f.mlxfn")

    def fun(*args, scale=None):
        out = sum(args)
        return out if scale is None else out * scale

    with mx.exporter(path, fun) as ex:
        ex(mx.array(1.0))
        ex(mx.array(1.0), mx.array(2.0))
        ex(mx.ones((3,)), mx.ones((3,)), mx.ones((3,)))
        ex(mx.ones((2,), dtype=mx.int32))
        ex(mx.ones((2,)), scale=mx.array(3.0))
    f = mx.import_function(path)
    assert_same(f(mx.array(5.0)), [np.float32(5.0)])
    assert_same(f(mx.array(5.0), mx.array(2.0)), [np.float32(7.0)])
    assert_same(f(mx.ones((3,)), mx.ones((3,)), 2 * mx.ones((3,))), [np.full(3, 4, np.float32)])
    assert_same(f(mx.array([4, 5])), [np.array([4, 5], np.int32)])
    assert_same(f(mx.array([1.0, 2.0]), scale=mx.array(3.0)), [np.array([3, 6], np.float32)])


def test_exporter_close_and_duplicate_signature(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    ex = mx.exporter(path, lambda x: x * 2)
    assert type(ex).__name__ == "FunctionExporter" and isinstance(ex, mx.FunctionExporter)
    ex(mx.ones(2))
    with pytest.raises(RuntimeError, match="twice with the same signature"):
        ex(mx.zeros(2))
    ex.close()
    with pytest.raises(RuntimeError, match="after exporting is closed"):
        ex(mx.ones(3))
    # What was written before closing stays importable.
    assert_same(mx.import_function(path)(mx.ones(2)), [np.full(2, 2, np.float32)])


def test_constants_are_written_once_per_file(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    constant = mx.zeros((16, 2048))
    mx.eval(constant)

    def fun(*args):
        return constant + sum(args)

    with mx.exporter(path, fun) as ex:
        for i in range(5):
            ex(*[mx.array(1)] * i)
    assert os.path.getsize(path) < constant.nbytes + 8192
    f = mx.import_function(path)
    for i in range(5):
        assert_same(f(*[mx.array(2)] * i), [np.full((16, 2048), 2 * i, np.float32)])


def test_random_sample_matches_the_seeded_call(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.random.seed(5)
    mx.export_function(path, lambda: mx.random.uniform(shape=(3,)))
    (out,) = mx.import_function(path)()
    mx.random.seed(5)
    np.testing.assert_array_equal(npy(out), npy(mx.random.uniform(shape=(3,))))


def test_keyword_only_exports(tmp_path):
    path = str(tmp_path / "f.mlxfn")

    def fun(x, z=None):
        return x if z is None else x + z

    x, z = mx.array([1, 2, 3]), mx.array([2, 2, 2])
    mx.export_function(path, fun, (x,), {"z": z})
    f = mx.import_function(path)
    for bad in [lambda: f(x, z), lambda: f(x, y=z), lambda: f((x,), {"y": z})]:
        with pytest.raises(ValueError):
            bad()
    assert_same(f(x, z=z), [np.array([3, 4, 5], np.int32)])
    assert_same(f((x,), {"z": z}), [np.array([3, 4, 5], np.int32)])
    mx.export_function(path, fun, x=x, z=z)
    f = mx.import_function(path)
    with pytest.raises(ValueError):
        f(x, z=z)
    assert_same(f(x=x, z=z), [np.array([3, 4, 5], np.int32)])
    assert_same(f({"x": x, "z": z}), [np.array([3, 4, 5], np.int32)])


def test_metadata(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x: x + 1, mx.ones(2), metadata='{"layers": 2}')
    f, meta = mx.import_function(path, return_metadata=True)
    assert meta == '{"layers": 2}'
    assert_same(f(mx.ones(2)), [np.full(2, 2, np.float32)])
    mx.export_function(path, lambda x: x + 1, mx.ones(2))
    assert mx.import_function(path, return_metadata=True)[1] == ""
    with pytest.raises(ValueError, match="metadata argument is only supported"):
        mx.export_function(lambda *a: None, lambda x: x, mx.ones(2), metadata="m")


def test_shapeless(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x, y: mx.exp(x) * 2 + y, mx.ones((2, 3)), mx.ones((3,)),
                       shapeless=True)
    f = mx.import_function(path)
    x, y = mx.random.normal((4, 5)), mx.random.normal((5,))
    assert_same(f(x, y), [np.exp(npy(x)) * 2 + npy(y)], rtol=1e-5)
    # Ranks and dtypes still select the trace.
    with pytest.raises(ValueError, match="No imported function found"):
        f(mx.ones((3,)), y)
    with pytest.raises(ValueError, match="No imported function found"):
        f(mx.ones((4, 5), dtype=mx.int32), y)
    # Reductions resize too.
    mx.export_function(path, lambda x: mx.sum(x, axis=1, keepdims=True), mx.ones((2, 3)),
                       shapeless=True)
    assert_same(mx.import_function(path)(mx.ones((4, 7))), [np.full((4, 1), 7, np.float32)])


@pytest.mark.lumex_only
def test_shapeless_trace_with_a_fixed_reshape_raises(tmp_path):
    # sum without keepdims ends in a Reshape to the traced shape, which lumex cannot
    # resize (MLX's Squeeze can): the call says so instead of computing garbage.
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x: mx.sum(x, axis=1), mx.ones((2, 3)), shapeless=True)
    f = mx.import_function(path)
    assert_same(f(mx.ones((2, 3))), [np.full(2, 3, np.float32)])
    with pytest.raises(ValueError, match="cannot be replayed for inputs of shapes"):
        f(mx.ones((4, 7)))


def test_not_shapeless_needs_the_traced_shapes(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x: x + 1, mx.ones((2,)))
    with pytest.raises(ValueError, match=r"Called with 1 positional inputs.*\n  1: \(3\) float32"):
        mx.import_function(path)(mx.ones((3,)))


def test_transforms_of_an_imported_function(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x, y: mx.sin(x) * y, mx.ones((3,)), mx.ones((3,)))
    f = mx.import_function(path)
    x, y = mx.array([0.1, 0.5, 2.0]), mx.array([1.0, -2.0, 3.0])
    g = mx.grad(lambda a: f(a, y)[0].sum())(x)
    np.testing.assert_allclose(npy(g), np.cos(npy(x)) * npy(y), rtol=1e-6)
    # A finite-difference check of the same gradient.
    eps = 1e-3
    fd = [(f(x + eps * e, y)[0].sum().item() - f(x - eps * e, y)[0].sum().item()) / (2 * eps)
          for e in np.eye(3, dtype=np.float32)]
    np.testing.assert_allclose(npy(g), fd, rtol=1e-2)
    v = mx.vmap(lambda a: f(a, y)[0])(mx.ones((4, 3)))
    np.testing.assert_allclose(npy(v), np.tile(np.sin(1.0) * npy(y), (4, 1)), rtol=1e-6)
    c = mx.compile(lambda a: f(a, y)[0])(x)
    np.testing.assert_allclose(npy(c), np.sin(npy(x)) * npy(y), rtol=1e-6)


def test_no_inputs_and_identity(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda: mx.arange(3))
    assert_same(mx.import_function(path)(), [np.arange(3, dtype=np.int32)])
    mx.export_function(path, lambda x: x, mx.ones(2))
    assert_same(mx.import_function(path)(mx.zeros(2)), [np.zeros(2, np.float32)])


def test_captured_lazy_graph_is_exported(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    w = mx.ones((3, 3)) * 2  # not evaluated: its graph goes into the file
    mx.export_function(path, lambda x: x @ w, mx.ones((2, 3)))
    assert_same(mx.import_function(path)(mx.ones((2, 3))), [np.full((2, 3), 6, np.float32)])


# ---- errors ------------------------------------------------------------------------------

INPUTS_ERROR = "Inputs can either be a variable number of positional and keyword arrays"


def test_call_errors(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x, y: x + y, mx.ones((2,)), mx.ones((2,)))
    f = mx.import_function(path)
    no_match = r"\[import_function::call\] No imported function found which matches"
    expected = (" 1. Function with 2 positional inputs and 0 keyword inputs:\n"
                "   1: (2) float32\n   2: (2) float32\n\n"
                "Called with 1 positional inputs and 0 keyword inputs:\n  1: (2) float32\n")
    with pytest.raises(ValueError, match=no_match) as e:
        f(mx.ones((2,)))
    assert str(e.value).endswith(expected)
    with pytest.raises(ValueError, match=no_match):
        f(mx.ones((2,), dtype=mx.int32), mx.ones((2,)))
    with pytest.raises(ValueError, match=no_match):
        f(mx.ones((2,)), mx.ones((2,)), z=mx.ones((2,)))
    with pytest.raises(ValueError, match=no_match):
        f()
    for bad in [lambda: f(1.0, mx.ones((2,))), lambda: f([1.0], mx.ones((2,))),
                lambda: f(mx.ones((2,)), mx.ones((2,)), z=1), lambda: f(1, 2, 3),
                lambda: f((mx.ones(2),), {"a": 1})]:
        with pytest.raises(ValueError, match=r"\[import_function::call\] " + INPUTS_ERROR):
            bad()
    # As in MLX, keyword inputs fill a trace's inputs in key order.
    assert_same(f(x=mx.ones(2), y=mx.ones(2)), [np.full(2, 2, np.float32)])


def test_export_errors(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    outputs_error = "Outputs can be either a single array, a tuple, or a list of arrays."
    for fun in [lambda x: 1.0, lambda x: (x, 1.0), lambda x: {"a": x}, lambda x: None]:
        with pytest.raises(ValueError, match=outputs_error):
            mx.export_function(path, fun, mx.ones(2))
    for args, kwargs in [((1.0,), {}), ((mx.ones(2), 1.0), {}), ((mx.ones(2),), {"y": 1.0})]:
        with pytest.raises(ValueError, match=r"\[export_function\] " + INPUTS_ERROR):
            mx.export_function(path, lambda *a, **k: a[0], *args, **kwargs)
    with pytest.raises(RuntimeError, match=r"\[export_function\] Failed to open"):
        mx.export_function(str(tmp_path / "no" / "dir.mlxfn"), lambda x: x, mx.ones(2))
    with pytest.raises(TypeError):
        mx.export_function(path, 3, mx.ones(2))
    with pytest.raises(TypeError):
        mx.import_function(3)
    with pytest.raises(ValueError, match="Cannot index"):
        mx.export_function(path, lambda x: x[5.5], mx.ones(2))


@pytest.mark.lumex_only
def test_unserializable_primitive_is_named(tmp_path):
    path = str(tmp_path / "f.mlxfn")

    @mx.custom_function
    def f(x):
        return x * 2

    with pytest.raises(ValueError, match="Unable to serialize primitive CustomTransforms"):
        mx.export_function(path, f, mx.ones(2))


@pytest.mark.lumex_only
def test_callback_export_is_not_supported(tmp_path):
    with pytest.raises(NotImplementedError, match="callback"):
        mx.export_function(lambda *a: None, lambda x: x + 1, mx.ones(2))


def test_missing_and_foreign_files(tmp_path):
    with pytest.raises(RuntimeError, match=r"\[import_function\] Failed to open"):
        mx.import_function(str(tmp_path / "missing.mlxfn"))
    junk = tmp_path / "junk.mlxfn"
    junk.write_bytes(b"hello world this is not an export" * 3)
    with pytest.raises(RuntimeError, match="Invalid string size"):
        mx.import_function(str(junk))
    empty = tmp_path / "empty.mlxfn"
    empty.write_bytes(b"")
    with pytest.raises(RuntimeError, match="Unable to read 8 bytes"):
        mx.import_function(str(empty))
    npy_file = tmp_path / "a.npy"
    np.save(npy_file, np.ones(3))
    with pytest.raises(RuntimeError, match=r"\[import_function\]"):
        mx.import_function(str(npy_file))


@pytest.mark.lumex_only
def test_truncated_and_corrupted_files_raise(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    fun, args, kwargs = CASES["mlp"]
    mx.export_function(path, fun, *args, **kwargs)
    data = open(path, "rb").read()
    rng = random.Random(0)
    bad = str(tmp_path / "bad.mlxfn")
    cuts = sorted({rng.randrange(len(data)) for _ in range(40)} | {0, 1, 8, 20, len(data) - 1})
    for cut in cuts:
        open(bad, "wb").write(data[:cut])
        with pytest.raises(RuntimeError, match=r"\[import_function\]"):
            mx.import_function(bad)


FLIP_SCRIPT = """
import random, sys
sys.path.insert(0, {side!r})
import lumex.core as mx, export_cases
cases = export_cases.cases(mx)
rng = random.Random(0)
for name in {names!r}:
    fun, args, kwargs = cases[name]
    mx.export_function({src!r}, fun, *args, **kwargs)
    data = open({src!r}, "rb").read()
    for _ in range({n}):
        b = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        open({bad!r}, "wb").write(bytes(b))
        try:
            mx.eval(mx.import_function({bad!r})(*args, **kwargs))
        except (RuntimeError, ValueError, IndexError, TypeError):
            pass
print("done")
"""


@pytest.mark.lumex_only
def test_altered_bytes_raise_or_run_never_crash(tmp_path):
    # Every node of an imported trace is checked before it can reach a kernel (input
    # counts, axes, shapes, dtypes), so a file with altered bytes raises or computes.
    # A child process, so that a crash fails this test instead of the run.
    script = FLIP_SCRIPT.format(
        side=os.path.join(HERE, "mlx_side"), src=str(tmp_path / "src.mlxfn"),
        bad=str(tmp_path / "bad.mlxfn"), n=40,
        names=["mlp", "reductions", "shapes", "slicing", "indexing", "concat_split",
               "conv", "scans", "pad", "slice_update", "matmul", "types"])
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0 and r.stdout.strip() == "done", r.stderr[-2000:]


# ---- the real MLX ------------------------------------------------------------------------

LUMEX_ONLY_CASES = {
    # lumex primitives MLX has no encoding for (written as "lumex.<Name>").
    "isnan_round": (lambda x: [mx.isnan(x), mx.round(x, 1), mx.isinf(x)], [mx.array([1.26, np.nan, np.inf])], {}),
}


@pytest.fixture(scope="module")
def mlx_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("mlxfn")
    for name, (fun, args, kwargs) in {**CASES, **LUMEX_ONLY_CASES}.items():
        mx.export_function(str(d / f"lumex_{name}.mlxfn"), fun, *args, **kwargs)
        np.savez(d / f"lumex_{name}.npz", **{f"in{i}": npy(a) for i, a in enumerate(args)},
                 **{f"kw_{k}": npy(v) for k, v in kwargs.items()},
                 **{f"out{i}": npy(o) for i, o in enumerate(outputs(fun(*args, **kwargs)))})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([MLX_PYTHON, os.path.join(HERE, "mlx_side", "export_cases.py"), str(d)],
                   check=True, env=env, timeout=600)
    return d


def _load(path):
    data = np.load(path)
    args = [mx.array(data[k]) for k in sorted(k for k in data if k.startswith("in"))]
    kwargs = {k[3:]: mx.array(data[k]) for k in data if k.startswith("kw_")}
    outs = [data[k] for k in sorted((k for k in data if k.startswith("out")), key=lambda s: int(s[3:]))]
    return args, kwargs, outs


@needs_mlx
@pytest.mark.parametrize("name", sorted(CASES))
def test_mlx_export_runs_on_lumex(mlx_dir, name):
    args, kwargs, expected = _load(mlx_dir / f"mlx_{name}.npz")
    got = mx.import_function(str(mlx_dir / f"mlx_{name}.mlxfn"))(*args, **kwargs)
    assert_same(got, expected, rtol=1e-4, atol=1e-5)


@needs_mlx
@pytest.mark.parametrize("name", sorted(CASES))
def test_lumex_export_runs_on_mlx(mlx_dir, name):
    stem = mlx_dir / f"lumex_{name}"
    err = stem.with_suffix(".mlx_err.txt")
    assert not err.exists(), err.read_text()
    _, _, expected = _load(stem.with_suffix(".npz"))
    out = np.load(stem.with_suffix(".mlx_out.npz"))
    got = tuple(out[f"out{i}"] for i in range(len(out.files)))
    assert_same(got, [e.astype(np.float32) if e.dtype.name == "bfloat16" else e for e in expected],
                rtol=1e-4, atol=1e-5)


MULTI_TRACE_MLX = """
import mlx.core as mx, numpy as np, sys
d = sys.argv[1]
c = mx.arange(6, dtype=mx.float32)
def fun(*args, scale=None):
    out = c[: args[0].shape[0]] + sum(args)
    return out if scale is None else (out * scale, out)
with mx.exporter(d + "/mlx_multi.mlxfn", fun, metadata="from mlx") as ex:
    ex(mx.ones(3))
    ex(mx.ones(4), mx.ones(4))
    ex(mx.ones(2), scale=mx.array(2.0))
f = mx.import_function(d + "/lumex_multi.mlxfn")
outs = [*f(mx.ones(3)), *f(mx.ones(4), mx.ones(4)), *f(mx.ones(2), scale=mx.array(2.0))]
np.savez(d + "/lumex_multi_out.npz", *[np.array(o) for o in outs])
"""


@needs_mlx
def test_multi_trace_files_both_ways(tmp_path):
    c = mx.arange(6, dtype=mx.float32)

    def fun(*args, scale=None):
        out = c[: args[0].shape[0]] + sum(args)
        return out if scale is None else (out * scale, out)

    with mx.exporter(str(tmp_path / "lumex_multi.mlxfn"), fun, metadata="from lumex") as ex:
        ex(mx.ones(3))
        ex(mx.ones(4), mx.ones(4))
        ex(mx.ones(2), scale=mx.array(2.0))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([MLX_PYTHON, "-c", MULTI_TRACE_MLX, str(tmp_path)], check=True, env=env,
                   timeout=300)
    expected = [np.arange(3) + 1.0, np.arange(4) + 2.0, (np.arange(2) + 1.0) * 2,
                np.arange(2) + 1.0]
    got = np.load(tmp_path / "lumex_multi_out.npz")
    for i, e in enumerate(expected):
        np.testing.assert_allclose(got[f"arr_{i}"], e)
    f, meta = mx.import_function(str(tmp_path / "mlx_multi.mlxfn"), return_metadata=True)
    assert meta == "from mlx"
    outs = [*f(mx.ones(3)), *f(mx.ones(4), mx.ones(4)), *f(mx.ones(2), scale=mx.array(2.0))]
    for o, e in zip(outs, expected):
        np.testing.assert_allclose(npy(o), e)


SHAPELESS_MLX = """
import mlx.core as mx, sys
mx.export_function(sys.argv[1], lambda x, y: mx.exp(x) * 2 + y, mx.ones((2, 3)), mx.ones((3,)),
                   shapeless=True)
"""


@needs_mlx
def test_mlx_shapeless_export_resizes_here(tmp_path):
    # MLX's shapeless graph broadcasts the scalar 2 and every operand to the traced
    # shape (a second input names the shape to follow); lumex replays it at new sizes.
    path = str(tmp_path / "f.mlxfn")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([MLX_PYTHON, "-c", SHAPELESS_MLX, path], check=True, env=env, timeout=300)
    f = mx.import_function(path)
    for shape in [(2, 3), (4, 5), (1, 7)]:
        x, y = mx.random.normal(shape), mx.random.normal(shape[1:])
        assert_same(f(x, y), [np.exp(npy(x)) * 2 + npy(y)], rtol=1e-5)


@needs_mlx
@pytest.mark.lumex_only
def test_lumex_only_primitive_is_named_by_mlx(mlx_dir):
    err = (mlx_dir / "lumex_isnan_round.mlx_err.txt").read_text()
    assert "Unable to deserialize primitive lumex." in err
    # and lumex reads its own encoding back
    args, kwargs, expected = _load(mlx_dir / "lumex_isnan_round.npz")
    got = mx.import_function(str(mlx_dir / "lumex_isnan_round.mlxfn"))(*args, **kwargs)
    assert_same(got, expected)

