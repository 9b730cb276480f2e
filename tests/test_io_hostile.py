"""Hostile and broken files: every loader must raise ValueError (or OSError for
I/O) naming the file, never crash, over-allocate, or run code.

The fuzz tests mutate valid files with hypothesis. They run a small number of
examples by default; set LUMEX_FUZZ_EXAMPLES (e.g. 10000) for a long run.
"""

import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lumex.core as mx

pytestmark = pytest.mark.lumex_only  # MLX crashes or raises RuntimeError on several

FUZZ_EXAMPLES = int(os.environ.get("LUMEX_FUZZ_EXAMPLES", "150"))


def valid_files():
    """One small valid file per format, with several tensors and metadata."""
    out = {}
    arrays = {"a": mx.arange(6, dtype=mx.float32).reshape(2, 3), "b": mx.array([1, 2], dtype=mx.int16),
              "s": mx.array(2.5, dtype=mx.float16)}
    b = io.BytesIO()
    mx.save(b, arrays["a"])
    out["npy"] = b.getvalue()
    b = io.BytesIO()
    mx.savez(b, **arrays)
    out["npz"] = b.getvalue()
    b = io.BytesIO()
    mx.save_safetensors(b, arrays, {"k": "v"})
    out["safetensors"] = b.getvalue()
    b = io.BytesIO()
    mx.save_gguf(b, arrays, {"s": "x", "l": ["a", "b"], "n": mx.array([1, 2], dtype=mx.int32)})
    out["gguf"] = b.getvalue()
    return out


VALID = valid_files()


def touch(result):
    """Read every loaded element, so a bad view would fault here."""
    if isinstance(result, tuple):
        result = result[0]
    arrays = [result] if isinstance(result, mx.array) else list(result.values())
    for a in arrays:
        np.array(a.view(mx.uint16) if a.dtype == mx.bfloat16 else a).tobytes()


def load_bytes(data, fmt):
    """Loads from memory; returns None if the loader rejected the file cleanly."""
    try:
        touch(mx.load(io.BytesIO(data), format=fmt, return_metadata=fmt in ("safetensors", "gguf")))
    except ValueError as e:
        assert "[load]" in str(e), str(e)
        return None
    return True


def expect_error(tmp_path, data, fmt, match):
    path = tmp_path / f"bad.{fmt}"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=match) as info:
        touch(mx.load(str(path)))
    assert str(path) in str(info.value)


# --- every prefix of a valid file (truncation) ---------------------------------


@pytest.mark.parametrize("fmt", list(VALID))
def test_every_truncation_rejected(tmp_path, fmt):
    data = VALID[fmt]
    # GGUF pads after the last tensor; cutting only that padding leaves a valid file.
    end = len(data.rstrip(b"\0")) if fmt == "gguf" else len(data)
    for n in range(end):
        path = tmp_path / f"t.{fmt}"
        path.write_bytes(data[:n])
        with pytest.raises(ValueError):
            touch(mx.load(str(path)))
    touch(mx.load(io.BytesIO(data), format=fmt))


@pytest.mark.parametrize("fmt", list(VALID))
def test_wrong_magic(tmp_path, fmt):
    expect_error(tmp_path, b"XXXX" + VALID[fmt][4:], fmt, None)


# --- npy ---------------------------------------------------------------------------


def npy(header, data=b"", version=1):
    h = header.encode("latin1")
    h += b" " * ((64 - (10 + len(h) + 1) % 64) % 64) + b"\n"
    size = struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([version, 0]) + size + h + data


def test_npy_refuses_object_arrays_without_unpickling(tmp_path):
    import pickle

    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    payload = pickle.dumps(np.array([Boom()], dtype=object))
    data = npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", payload)
    expect_error(tmp_path, data, "npy", "object arrays")
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("header, match", [
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (1000,), }", "needs more bytes"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }", "needs more bytes"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }", "overflows"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", "malformed"),
    ("{'descr': '<q9', 'fortran_order': False, 'shape': (1,), }", "unsupported dtype"),
    ("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", "unsupported dtype"),
    ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "structured"),
    ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "duplicate"),
    ("{'descr': '<f4', 'shape': (1,), }", "missing"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", "unexpected key"),
    ("__import__('os').system('echo hi')", "malformed"),
])
def test_npy_lying_headers(tmp_path, header, match):
    expect_error(tmp_path, npy(header, b"\0" * 16), "npy", match)


def test_npy_header_length_past_end(tmp_path):
    expect_error(tmp_path, b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**31) + b"{}", "npy", "truncated")


# --- safetensors ------------------------------------------------------------------


def st_file(header, data=b"\0" * 16, hlen=None):
    h = json.dumps(header).encode() if isinstance(header, dict) else header
    return struct.pack("<Q", len(h) if hlen is None else hlen) + h + data


@pytest.mark.parametrize("header, data, match", [
    ({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
      "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}, b"\0" * 16, "overlaps"),
    ({"a": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]}}, b"\0" * 16, "outside"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [16, 8]}}, b"\0" * 16, "outside"),
    ({"a": {"dtype": "F32", "shape": [2**32, 2**32, 2**4], "data_offsets": [0, 16]}}, b"\0" * 16, "needs more"),
    ({"a": {"dtype": "F32", "shape": [2**62, 0], "data_offsets": [0, 0]}}, b"", None),
    ({"a": {"dtype": "Q4", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 16, "unknown dtype"),
    ({"a": {"dtype": "F32", "shape": [-4], "data_offsets": [0, 16]}}, b"\0" * 16, "invalid dimension"),
    ({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}, b"\0" * 16, "span"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 16, "data section"),
    ({"a": {"dtype": "F32", "shape": [2]}}, b"\0" * 8, "needs dtype"),
    ({"__metadata__": {"k": 1}}, b"", "not a string"),
])
def test_safetensors_lying_headers(tmp_path, header, data, match):
    if match is None:
        mx.load(io.BytesIO(st_file(header, data)), format="safetensors")
        return
    expect_error(tmp_path, st_file(header, data), "safetensors", match)


def test_safetensors_header_length_and_text(tmp_path):
    expect_error(tmp_path, st_file(b"{}", hlen=2**63), "safetensors", "larger than the file")
    expect_error(tmp_path, st_file(b'{"\xff\xfe":{}}', b""), "safetensors", "UTF-8")
    expect_error(tmp_path, st_file(b'{"a":1,"a":2}', b""), "safetensors", "duplicate")
    expect_error(tmp_path, st_file(b"[" * 100000, b""), "safetensors", "malformed")
    expect_error(tmp_path, st_file(b'{"a": {"dtype": "F32"', b""), "safetensors", "malformed")


# --- gguf ------------------------------------------------------------------------


def gstr(s):
    return struct.pack("<Q", len(s)) + s


def gguf_file(n_tensors, kvs=b"", n_kv=0, infos=b"", data=b"", pad=True):
    h = b"GGUF" + struct.pack("<IQQ", 3, n_tensors, n_kv) + kvs + infos
    if pad:
        h += b"\0" * ((32 - len(h) % 32) % 32)
    return h + data


def ginfo(name, dims, typ=0, off=0):
    return gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims) + \
        struct.pack("<IQ", typ, off)


@pytest.mark.parametrize("data, match", [
    (gguf_file(2**60), "tensor count"),
    (gguf_file(0, n_kv=2**60), "metadata count"),
    (gguf_file(0, gstr(b"k") + struct.pack("<I", 8) + struct.pack("<Q", 2**63), 1), "length"),
    (gguf_file(0, gstr(b"k") + struct.pack("<IIQ", 9, 5, 2**62), 1), "array length"),
    (gguf_file(0, gstr(b"k") + struct.pack("<I", 99) + b"\0" * 8, 1), "unknown type"),
    (gguf_file(0, (gstr(b"k") + struct.pack("<IB", 0, 1)) * 2, 2), "duplicate metadata"),
    (gguf_file(1, infos=ginfo(b"a", [4]), data=b"\0" * 8), "past the end"),
    (gguf_file(1, infos=ginfo(b"a", [2**32, 2**32, 16]), data=b"\0" * 64), "needs more"),
    (gguf_file(1, infos=ginfo(b"a", [4], typ=2), data=b"\0" * 64), "quantized"),
    (gguf_file(1, infos=ginfo(b"a", [4], off=7), data=b"\0" * 64), "aligned"),
    (gguf_file(1, infos=ginfo(b"a", [1] * 40), data=b"\0" * 64), "dimensions"),
    (gguf_file(2, infos=ginfo(b"a", [4]) + ginfo(b"a", [4], off=32), data=b"\0" * 64), "duplicate tensor"),
    (gguf_file(2, infos=ginfo(b"a", [16]) + ginfo(b"b", [4], off=32), data=b"\0" * 64), "overlaps"),
    (gguf_file(1, infos=ginfo(b"\xff\xfe", [4]), data=b"\0" * 64), "UTF-8"),
    (b"GGUF" + struct.pack("<IQQ", 1, 0, 0), "version"),
])
def test_gguf_lying_headers(tmp_path, data, match):
    expect_error(tmp_path, data, "gguf", match)


# --- npz ----------------------------------------------------------------------------


def test_npz_broken_archives(tmp_path):
    expect_error(tmp_path, b"PK\x03\x04garbage", "npz", "not a valid .npz")
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as zf:
        zf.writestr("a.npy", VALID["npy"])
        with pytest.warns(UserWarning):
            zf.writestr("a.npy", VALID["npy"])
    expect_error(tmp_path, b.getvalue(), "npz", "duplicate")
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as zf:
        zf.writestr("a.npy", b"not npy")
    expect_error(tmp_path, b.getvalue(), "npz", "bad magic")


def test_missing_file_is_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        mx.load(str(tmp_path / "nope.safetensors"))
    (tmp_path / "dir.npy").mkdir()
    with pytest.raises(OSError):
        mx.load(str(tmp_path / "dir.npy"))

# --- fuzzing ------------------------------------------------------------------------

INTERESTING = [0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 2**63 - 1, 2**64 - 1]


@st.composite
def mutated(draw, fmt):
    data = bytearray(VALID[fmt])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "int", "truncate", "insert", "delete", "splice"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "int":
            width = draw(st.sampled_from([1, 2, 4, 8]))
            v = draw(st.sampled_from(INTERESTING)) % (1 << (8 * width))
            data[pos:pos + width] = v.to_bytes(width, "little")
        elif kind == "truncate":
            del data[pos:]
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[pos:pos + draw(st.integers(1, 16))]
        else:
            data[pos:pos + 8] = draw(st.binary(min_size=8, max_size=8))
    return bytes(data)


def fuzz_settings():
    return settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("fmt", list(VALID))
def test_fuzz_mutated_files(fmt):
    @fuzz_settings()
    @given(mutated(fmt))
    def run(data):
        load_bytes(data, fmt)

    run()
