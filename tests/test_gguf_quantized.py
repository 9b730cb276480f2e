"""Block-quantized GGUF tensors (Q4_0, Q4_1, Q8_0) load as MLX's affine triplets
(packed uint32 weight, float16 scales and biases, group size 32; bit-identical to
the MLX 0.32.4 wheel's loader when this was written). Files are written here from
ggml's block layout, and dequantized values are checked against that layout."""

import struct

import numpy as np
import pytest

import lumex.core as mx

RNG = np.random.default_rng(4)
TYPES = {"f32": 0, "q4_0": 2, "q4_1": 3, "q8_0": 8}


def gstr(x):
    b = x.encode()
    return struct.pack("<Q", len(b)) + b


def encode(kind, vals):
    """ggml blocks of 32 for vals (n,), and the values they decode to."""
    out, dec = b"", []
    for blk in vals.reshape(-1, 32):
        if kind == "q4_0":
            d = np.float16(np.abs(blk).max() / 8 or 1)
            q = np.clip(np.round(blk / np.float32(d)) + 8, 0, 15).astype(np.uint8)
            out += d.tobytes() + (q[:16] | (q[16:] << 4)).astype(np.uint8).tobytes()
            dec.append(np.float32(d) * (q.astype(np.float32) - 8))
        elif kind == "q4_1":
            m = np.float16(blk.min())
            d = np.float16((blk.max() - blk.min()) / 15 or 1)
            q = np.clip(np.round((blk - np.float32(m)) / np.float32(d)), 0, 15).astype(np.uint8)
            out += d.tobytes() + m.tobytes() + (q[:16] | (q[16:] << 4)).astype(np.uint8).tobytes()
            dec.append(np.float32(d) * q + np.float32(m))
        else:
            d = np.float16(np.abs(blk).max() / 127 or 1)
            q = np.clip(np.round(blk / np.float32(d)), -127, 127).astype(np.int8)
            out += d.tobytes() + q.tobytes()
            dec.append(np.float32(d) * q.astype(np.float32))
    return out, np.concatenate(dec)


def write(path, tensors, align=32):
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), 0)
    infos, data, decoded = b"", b"", {}
    for name, kind, arr in tensors:
        if kind == "f32":
            raw, dec = arr.astype(np.float32).tobytes(), arr
        else:
            raw, dec = encode(kind, arr.reshape(-1).astype(np.float32))
        data += b"\0" * ((-len(data)) % align)
        infos += gstr(name) + struct.pack("<I", arr.ndim)
        infos += b"".join(struct.pack("<Q", d) for d in arr.shape[::-1])
        infos += struct.pack("<IQ", TYPES[kind], len(data))
        data += raw
        decoded[name] = dec.reshape(arr.shape)
    body = head + infos
    open(path, "wb").write(body + b"\0" * ((-len(body)) % align) + data)
    return decoded


@pytest.mark.parametrize("kind,bits", [("q4_0", 4), ("q4_1", 4), ("q8_0", 8)])
def test_quantized_tensors_load_as_affine_triplets(tmp_path, kind, bits):
    w = RNG.normal(size=(3, 5, 64)).astype(np.float32)
    path = str(tmp_path / "q.gguf")
    dec = write(path, [("blk.weight", kind, w), ("plain", kind, w[0, 0]), ("f", "f32", w[0])])
    d = mx.load(path)
    assert sorted(d) == ["blk.biases", "blk.scales", "blk.weight", "f", "plain",
                         "plain.biases", "plain.scales"]
    assert d["blk.weight"].dtype == mx.uint32 and d["blk.weight"].shape == (3, 5, 64 * bits // 32)
    assert d["blk.scales"].dtype == mx.float16 and d["blk.scales"].shape == (3, 5, 2)
    got = mx.dequantize(d["blk.weight"], d["blk.scales"], d["blk.biases"], group_size=32,
                        bits=bits, dtype=mx.float32)
    np.testing.assert_allclose(np.array(got), dec["blk.weight"], rtol=1e-3, atol=1e-3)
    got = mx.dequantize(d["plain"][None], d["plain.scales"][None], d["plain.biases"][None],
                        group_size=32, bits=bits, dtype=mx.float32)[0]
    np.testing.assert_allclose(np.array(got), dec["plain"], rtol=1e-3, atol=1e-3)
    np.testing.assert_array_equal(np.array(d["f"]), w[0])
    # The weights quantize well enough to use: a matrix product stays close.
    y = mx.quantized_matmul(mx.ones((1, 64)), d["blk.weight"][0], d["blk.scales"][0],
                            d["blk.biases"][0], group_size=32, bits=bits)
    np.testing.assert_allclose(np.array(y)[0], dec["blk.weight"][0].sum(-1), rtol=1e-2, atol=2e-2)


def test_bad_quantized_tensors_raise(tmp_path):
    path = str(tmp_path / "bad.gguf")
    write(path, [("x", "q8_0", RNG.normal(size=(64,)).astype(np.float32))])
    raw = open(path, "rb").read()
    open(path, "wb").write(raw[:-10])  # truncated data
    with pytest.raises(ValueError, match="runs past the end"):
        mx.load(path)
    # A first dimension that is not a multiple of the block size.
    blob = bytearray(open(str(tmp_path / "bad.gguf"), "rb").read())
    write(path, [("x", "q8_0", RNG.normal(size=(64,)).astype(np.float32))])
    blob = bytearray(open(path, "rb").read())
    at = blob.index(struct.pack("<Q", 64))
    blob[at:at + 8] = struct.pack("<Q", 48)
    open(path, "wb").write(bytes(blob))
    with pytest.raises(ValueError, match="multiple of 32"):
        mx.load(path)
    write(path, [("x", "q8_0", RNG.normal(size=(64,)).astype(np.float32))])
    blob = bytearray(open(path, "rb").read())
    at = blob.index(struct.pack("<IQ", 8, 0))
    blob[at:at + 4] = struct.pack("<I", 12)  # Q4_K: not supported
    open(path, "wb").write(bytes(blob))
    with pytest.raises(ValueError, match="ggml type 12"):
        mx.load(path)
