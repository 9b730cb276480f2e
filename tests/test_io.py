"""Saving and loading: .npy, .npz, .safetensors and .gguf.

Round trips through lumex, and interoperability in both directions with NumPy,
the ``safetensors`` package and the ``gguf`` package, for every dtype each
format can hold.
"""

import io
import os

import numpy as np
import pytest

import lumex.core as mx
from helpers import ml_dtypes

ALL = ["bool_", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32",
       "int64", "float16", "float32", "float64", "bfloat16", "complex64"]
NPY = ALL
SAFETENSORS = ALL
GGUF = ["float32", "float16", "bfloat16", "float64", "int8", "int16", "int32", "int64"]


def np_dtype(name):
    if name == "bfloat16":
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype("bool" if name == "bool_" else name)


def sample(name, shape=(2, 3)):
    """Distinct values of a dtype as a NumPy array."""
    n = int(np.prod(shape))
    if name == "bool_":
        v = np.arange(n) % 3 == 1
    elif name == "complex64":
        v = np.arange(n) - 1.5j * np.arange(n)
    else:
        v = (np.arange(n) * 7 % 11) - (0 if name.startswith("uint") or name == "uint8" else 3)
        v = v + (0.5 if "float" in name else 0)
    return np.asarray(v).astype(np_dtype(name)).reshape(shape)


def mx_dtype(x):
    return getattr(mx, {"bool": "bool_"}.get(x.dtype.name, x.dtype.name))


def mxa(x):
    """A lumex array with exactly x's dtype (mx.array narrows float64 by default)."""
    x = np.asarray(x)
    if x.dtype == np_dtype("bfloat16"):
        return mx.array(x.view(np.uint16)).view(mx.bfloat16)
    return mx.array(x, dtype=mx_dtype(x))


def to_np(a):
    if a.dtype == mx.bfloat16:
        return np.array(a.view(mx.uint16)).view(ml_dtypes.bfloat16)
    return np.array(a)


def check(a, expected):
    assert a.dtype == mx_dtype(expected)
    assert a.shape == expected.shape
    np.testing.assert_array_equal(to_np(a), expected)


def as_bf16(x):
    """NumPy's view of lumex-written bfloat16 (.npy '<V2')."""
    return x.view(ml_dtypes.bfloat16) if x.dtype.kind == "V" else x


# --- lumex round trips --------------------------------------------------------


@pytest.mark.parametrize("dt", NPY)
def test_npy_round_trip(tmp_path, dt):
    x = sample(dt)
    mx.save(tmp_path / "a.npy", mxa(x))
    check(mx.load(str(tmp_path / "a.npy")), x)


def test_npy_appends_extension_and_layouts(tmp_path):
    base = mx.arange(24, dtype=mx.float32).reshape(2, 3, 4)
    for i, a in enumerate([base.transpose(2, 0, 1), mx.swapaxes(base, 0, 1), mx.broadcast_to(mx.array(3.0), (2, 2)),
                           mx.array(5), mx.zeros((0, 3)), mx.zeros((2, 0, 1), dtype=mx.int8)]):
        mx.save(str(tmp_path / f"x{i}"), a)
        check(mx.load(str(tmp_path / f"x{i}.npy")), np.array(a))


@pytest.mark.parametrize("dt", SAFETENSORS)
def test_safetensors_round_trip(tmp_path, dt):
    arrays = {"a": sample(dt), "b": sample(dt, ()), "c": sample(dt, (0, 4)), "d": sample(dt, (3,))}
    mx.save_safetensors(str(tmp_path / "t"), {k: mxa(v) for k, v in arrays.items()},
                        {"k": "v", "ü": "ß"})
    out, meta = mx.load(str(tmp_path / "t.safetensors"), return_metadata=True)
    assert meta == {"k": "v", "ü": "ß"}
    assert set(out) == set(arrays)
    for k, v in arrays.items():
        check(out[k], v)


@pytest.mark.parametrize("dt", GGUF)
def test_gguf_round_trip(tmp_path, dt):
    arrays = {"a": sample(dt), "b": sample(dt, ()), "c": sample(dt, (5,)), "d": sample(dt, (2, 1, 3, 2))}
    mx.save_gguf(str(tmp_path / "g"), {k: mxa(v) for k, v in arrays.items()})
    out = mx.load(str(tmp_path / "g.gguf"))
    for k, v in arrays.items():
        check(out[k], v)


def test_gguf_metadata_kinds(tmp_path):
    meta = {
        "s": "héllo", "ls": ["a", "bc"], "u8": mx.array(7, dtype=mx.uint8),
        "f": mx.array(1.5), "b": mx.array(True), "i64": mx.array(-2**40, dtype=mx.int64),
        "arr": mx.array([1, 2, 3], dtype=mx.int32), "farr": mx.array([0.5, 2.0]),
    }
    path = str(tmp_path / "m.gguf")
    mx.save_gguf(path, {"x": mx.zeros((2,))}, meta)
    _, got = mx.load(path, return_metadata=True)
    assert got["s"] == "héllo" and got["ls"] == ["a", "bc"]
    for k in ["u8", "f", "b", "i64", "arr", "farr"]:
        assert got[k].dtype == meta[k].dtype and got[k].shape == meta[k].shape
        assert mx.array_equal(got[k], meta[k]).item()


def test_npz_round_trip(tmp_path):
    xs = {dt: sample(dt) for dt in NPY}
    for fn in (mx.savez, mx.savez_compressed):
        path = str(tmp_path / fn.__name__)
        fn(path, mxa(xs["int32"]), **{dt: mxa(v) for dt, v in xs.items()})
        out = mx.load(path + ".npz")
        check(out["arr_0"], xs["int32"])
        for dt, v in xs.items():
            check(out[dt], v)


def test_file_objects():
    x = sample("float32")
    for save, fmt in [(lambda f, a: mx.save(f, a), "npy"),
                      (lambda f, a: mx.savez(f, a=a), "npz"),
                      (lambda f, a: mx.save_safetensors(f, {"a": a}), "safetensors"),
                      (lambda f, a: mx.save_gguf(f, {"a": a}), "gguf")]:
        buf = io.BytesIO()
        save(buf, mxa(x))
        buf.seek(0)
        out = mx.load(buf, format=fmt)
        check(out if fmt == "npy" else out["a"], x)


def test_open_file_object_uses_name(tmp_path):
    path = tmp_path / "w.safetensors"
    with open(path, "wb") as f:
        mx.save_safetensors(f, {"w": mx.ones((3,))})
    with open(path, "rb") as f:
        check(mx.load(f)["w"], np.ones(3, np.float32))


def test_load_errors_match_mlx(tmp_path):
    with pytest.raises(ValueError):
        mx.load(str(tmp_path / "noext"))
    with pytest.raises(ValueError, match="Unknown file format"):
        mx.load(str(tmp_path / "x.py"))
    mx.save(str(tmp_path / "a.npy"), mx.zeros(2))
    with pytest.raises(ValueError, match="metadata not supported"):
        mx.load(str(tmp_path / "a.npy"), return_metadata=True)
    with pytest.raises(OSError):
        mx.load(str(tmp_path / "missing.npy"))


def test_save_evaluates_and_overwrites_loaded_file(tmp_path):
    path = str(tmp_path / "w.safetensors")
    mx.save_safetensors(path, {"w": mx.arange(1000, dtype=mx.float32)})
    w = mx.load(path)["w"]
    # The loaded array maps the old file; replacing it must not disturb the array.
    mx.save_safetensors(path, {"w": w * 2 + 1})
    check(w, np.arange(1000, dtype=np.float32))
    check(mx.load(path)["w"], np.arange(1000, dtype=np.float32) * 2 + 1)


def test_save_errors():
    with pytest.raises(ValueError):
        mx.save_gguf(io.BytesIO(), {"a": mx.zeros(2, dtype=mx.uint8)})
    with pytest.raises(TypeError):
        mx.save_safetensors(io.BytesIO(), {"a": mx.zeros(2)}, {"k": 1})


# --- interoperability ---------------------------------------------------------


@pytest.mark.parametrize("dt", NPY)
def test_npy_numpy_both_ways(tmp_path, dt):
    x = sample(dt)
    mx.save(str(tmp_path / "l.npy"), mxa(x))
    y = as_bf16(np.load(tmp_path / "l.npy"))
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(y, x)
    np.save(tmp_path / "n.npy", x)
    check(mx.load(str(tmp_path / "n.npy")), x)
    np.save(tmp_path / "f.npy", np.asfortranarray(sample(dt, (3, 4, 2))))
    check(mx.load(str(tmp_path / "f.npy")), sample(dt, (3, 4, 2)))


@pytest.mark.parametrize("dt", ["uint16", "int32", "int64", "float32", "float64", "complex64"])
def test_npy_big_endian(tmp_path, dt):
    x = sample(dt)
    np.save(tmp_path / "b.npy", x.astype(x.dtype.newbyteorder(">")))
    check(mx.load(str(tmp_path / "b.npy")), x)


def test_npz_numpy_both_ways(tmp_path):
    xs = {dt: sample(dt) for dt in NPY}
    mx.savez_compressed(str(tmp_path / "l.npz"), **{k: mxa(v) for k, v in xs.items()})
    with np.load(tmp_path / "l.npz") as z:
        for k, v in xs.items():
            np.testing.assert_array_equal(as_bf16(z[k]), v)
    for save in (np.savez, np.savez_compressed):
        save(tmp_path / "n.npz", *xs.values())
        out = mx.load(str(tmp_path / "n.npz"))
        for i, v in enumerate(xs.values()):
            check(out[f"arr_{i}"], v)


@pytest.mark.parametrize("dt", SAFETENSORS)
def test_safetensors_package_both_ways(tmp_path, dt):
    st = pytest.importorskip("safetensors.numpy")
    xs = {"a": sample(dt), "s": sample(dt, ()), "e": sample(dt, (0, 2))}
    mx.save_safetensors(str(tmp_path / "l.safetensors"), {k: mxa(v) for k, v in xs.items()},
                        {"who": "lumex"})
    got = st.load_file(tmp_path / "l.safetensors")
    for k, v in xs.items():
        assert got[k].dtype == v.dtype and got[k].shape == v.shape
        np.testing.assert_array_equal(got[k], v)
    from safetensors import safe_open
    with safe_open(tmp_path / "l.safetensors", "np") as f:
        assert f.metadata() == {"who": "lumex"}
    st.save_file(xs, tmp_path / "p.safetensors", metadata={"who": "pkg"})
    out, meta = mx.load(str(tmp_path / "p.safetensors"), return_metadata=True)
    assert meta == {"who": "pkg"}
    for k, v in xs.items():
        check(out[k], v)


def test_safetensors_torch_f8_loads_as_uint8(tmp_path):
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    st.save_file({"f8": torch.tensor([1.0, 2.0]).to(torch.float8_e4m3fn)}, tmp_path / "f8.safetensors")
    check(mx.load(str(tmp_path / "f8.safetensors"))["f8"], np.array([56, 64], np.uint8))


def _gguf_type(dt):
    import gguf
    return {"bfloat16": gguf.GGMLQuantizationType.BF16}.get(dt)


@pytest.mark.parametrize("dt", GGUF)
def test_gguf_package_both_ways(tmp_path, dt):
    gguf = pytest.importorskip("gguf")
    xs = {"a": sample(dt), "v": sample(dt, (4,)), "m": sample(dt, (2, 3, 4))}
    # lumex -> gguf package
    mx.save_gguf(str(tmp_path / "l.gguf"), {k: mxa(v) for k, v in xs.items()},
                 {"name": "lumex", "n": mx.array(3, dtype=mx.uint32)})
    r = gguf.GGUFReader(tmp_path / "l.gguf")
    tensors = {t.name: t for t in r.tensors}
    for k, v in xs.items():
        data = np.asarray(tensors[k].data)
        if dt == "bfloat16":
            data = data.view(ml_dtypes.bfloat16).reshape(v.shape)
        assert data.dtype == v.dtype
        np.testing.assert_array_equal(data.reshape(v.shape), v)
    field = r.fields["name"]
    assert bytes(field.parts[field.data[0]]).decode() == "lumex"
    assert int(r.fields["n"].parts[-1][0]) == 3
    # gguf package -> lumex
    w = gguf.GGUFWriter(tmp_path / "p.gguf", "llama")
    w.add_string("s", "héllo")
    w.add_array("ai", [1, 2, 3])
    w.add_float32("f", 1.5)
    for k, v in xs.items():
        if dt == "bfloat16":
            w.add_tensor(k, v.view(np.uint8), raw_dtype=_gguf_type(dt))
        else:
            w.add_tensor(k, v)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    out, meta = mx.load(str(tmp_path / "p.gguf"), return_metadata=True)
    for k, v in xs.items():
        check(out[k], v if dt != "bfloat16" else v)
    assert meta["s"] == "héllo" and meta["f"].item() == 1.5
    assert meta["ai"].tolist() == [1, 2, 3]


def test_gguf_package_metadata_scalar_kinds(tmp_path):
    gguf = pytest.importorskip("gguf")
    w = gguf.GGUFWriter(tmp_path / "k.gguf", "llama")
    kinds = {"uint8": (7, mx.uint8), "int8": (-7, mx.int8), "uint16": (700, mx.uint16),
             "int16": (-700, mx.int16), "uint32": (70000, mx.uint32), "int32": (-5, mx.int32),
             "float32": (1.5, mx.float32), "bool": (True, mx.bool_), "uint64": (2**40, mx.uint64),
             "int64": (-2**40, mx.int64), "float64": (2.25, mx.float64)}
    for k, (v, _) in kinds.items():
        getattr(w, "add_" + k)(k, v)
    w.add_array("as", ["x", "yz"])
    w.add_array("ab", [True, False])
    w.add_array("empty", [])
    w.add_tensor("x", np.zeros(2, np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    _, meta = mx.load(str(tmp_path / "k.gguf"), return_metadata=True)
    for k, (v, dt) in kinds.items():
        assert meta[k].dtype == dt and meta[k].shape == () and meta[k].item() == v
    assert meta["as"] == ["x", "yz"]
    assert meta["ab"].dtype == mx.bool_ and meta["ab"].tolist() == [True, False]
    assert "empty" not in meta  # as MLX: empty arrays are dropped


def test_loaded_array_is_donated_to_its_first_consumer(tmp_path):
    # A loaded .npy is a private (copy-on-write) mapping of the file: the first
    # elementwise op reuses it in place, as MLX reuses its loaded buffer, so
    # `load(f) * s` needs no second buffer. The file itself is never written.
    x = mx.random.normal((1 << 14,))
    f = str(tmp_path / "d.npy")
    mx.save(f, x)
    before = open(f, "rb").read()
    scale = mx.array(2.0)
    mx.eval(scale)
    mx.reset_peak_memory()
    y = mx.load(f)
    mx.eval(y)
    load_only = mx.get_peak_memory()
    del y
    mx.reset_peak_memory()
    y = mx.load(f) * scale
    mx.eval(y)
    assert mx.get_peak_memory() == load_only
    np.testing.assert_array_equal(np.array(y), np.array(x) * 2)
    assert open(f, "rb").read() == before
    # Two arrays over one mapping: neither may write into the other's bytes.
    mx.savez(str(tmp_path / "two.npz"), a=x, b=x)
    mx.save_safetensors(str(tmp_path / "two.safetensors"), {"a": x, "b": x})
    both = mx.load(str(tmp_path / "two.safetensors"))
    doubled = both["a"] * scale
    mx.eval(doubled)
    np.testing.assert_array_equal(np.array(both["b"]), np.array(x))
