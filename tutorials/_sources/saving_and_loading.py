"""06_saving_and_loading: .npy, .npz, .safetensors and .gguf, metadata, file objects,
memory mapping, and interchange with NumPy, safetensors and gguf."""

from . import code, md

CELLS = [
    md(
        """
# Saving and loading arrays

lumex reads and writes four formats, the same files NumPy, Hugging Face's
`safetensors` and llama.cpp's `gguf` use:

| format | function | holds | metadata |
|---|---|---|---|
| `.npy` | `mx.save` | one array | no |
| `.npz` | `mx.savez`, `mx.savez_compressed` | several named arrays (a zip) | no |
| `.safetensors` | `mx.save_safetensors` | named arrays | `dict[str, str]` |
| `.gguf` | `mx.save_gguf` | named arrays | strings, lists of strings, arrays |

`mx.load` reads all of them, choosing the format from the file extension.

You will learn

1. to save and load each format, from paths and from file objects,
2. to store and read **metadata**,
3. that files are exchanged with NumPy, `safetensors` and `gguf` unchanged,
4. that loading **memory-maps** the file instead of reading it, and what that means,
5. that saving is an evaluation point, and what happens with a damaged file.
"""
    ),
    code(
        """
import io
import tempfile
import time
from pathlib import Path

import numpy as np

import lumex.core as mx

%load_ext lumex.notebook_ext

folder = Path(tempfile.mkdtemp(prefix="lumex-tutorial-"))
print("files go to", folder)
"""
    ),
    md(
        """
## 1. One array: `.npy`

`mx.save(path, a)` writes one array (adding `.npy` if the name has no
extension); `mx.load` returns it.
"""
    ),
    code(
        """
a = mx.arange(12, dtype=mx.float32).reshape(3, 4) / 4
mx.save(folder / "a.npy", a)
b = mx.load(folder / "a.npy")
print(b.dtype, b.shape, mx.array_equal(a, b).item())
"""
    ),
    md(
        """
## 2. Several arrays: `.npz`

`mx.savez` stores positional arrays as `arr_0`, `arr_1`, ... and keyword arrays
under their keyword; `mx.savez_compressed` deflates each one. Loading gives a
dict.
"""
    ),
    code(
        """
weights = {"w": mx.ones((256, 256)), "b": mx.zeros((256,))}
mx.savez(folder / "model.npz", **weights)
mx.savez_compressed(folder / "model_small.npz", **weights)
loaded = mx.load(folder / "model.npz")
print(sorted(loaded), loaded["w"].shape)
for name in ("model.npz", "model_small.npz"):
    print(f"{name:16} {(folder / name).stat().st_size:8d} bytes")
"""
    ),
    md(
        """
## 3. Named arrays with metadata: `.safetensors`

`.safetensors` is the common format for model weights: a JSON header (names,
dtypes, shapes, offsets, and a string-to-string metadata dict) followed by the
raw data. Pass `return_metadata=True` to get the metadata back.
"""
    ),
    code(
        """
params = {
    "embed.weight": mx.random.normal((100, 16), key=mx.random.key(0)).astype(mx.float16),
    "head.bias": mx.zeros((10,)),
}
mx.save_safetensors(folder / "model.safetensors", params,
                    metadata={"format": "lumex-tutorial", "step": "1200"})

arrays, meta = mx.load(folder / "model.safetensors", return_metadata=True)
print({k: (v.shape, v.dtype) for k, v in arrays.items()})
print(meta)
"""
    ),
    md(
        """
Metadata values must be strings, so store numbers as text and convert back
yourself (`int(meta["step"])`).

## 4. `.gguf`

GGUF is llama.cpp's format. Its metadata is typed: strings, lists of strings
and arrays are supported.
"""
    ),
    code(
        """
mx.save_gguf(folder / "model.gguf", {"tok_embeddings.weight": mx.ones((8, 4), dtype=mx.float16)},
             metadata={"general.name": "tiny", "tokenizer.tokens": ["<s>", "hi", "there"],
                       "tiny.context_length": mx.array(128, dtype=mx.uint32)})
arrays, meta = mx.load(folder / "model.gguf", return_metadata=True)
print({k: (v.shape, v.dtype) for k, v in arrays.items()})
for key, value in meta.items():
    print(f"{key:22} {value}")
"""
    ),
    md(
        """
## 5. File objects

Every function also takes an open binary file or an in-memory buffer. For
`mx.load` the format cannot be guessed from a name then, so pass `format=`:
"""
    ),
    code(
        """
buffer = io.BytesIO()
mx.save_safetensors(buffer, {"x": mx.arange(3)})
buffer.seek(0)
print(mx.load(buffer, format="safetensors"))
"""
    ),
    md(
        """
## 6. The same files as everyone else

Nothing here is specific to lumex. NumPy reads lumex's `.npy` and `.npz`; the
`safetensors` and `gguf` packages read the others, and lumex reads what they
write:
"""
    ),
    code(
        """
from safetensors.numpy import load_file, save_file
import gguf

print("numpy:", np.load(folder / "a.npy")[0], sorted(np.load(folder / "model.npz").files))
print("safetensors:", {k: v.dtype for k, v in load_file(folder / "model.safetensors").items()})
reader = gguf.GGUFReader(folder / "model.gguf")
print("gguf:", [(t.name, t.tensor_type.name) for t in reader.tensors])

np.save(folder / "from_numpy.npy", np.eye(2))
save_file({"t": np.arange(4, dtype=np.int64)}, folder / "from_safetensors.safetensors")
print(mx.load(folder / "from_numpy.npy").dtype, mx.load(folder / "from_safetensors.safetensors")["t"])
"""
    ),
    md(
        """
Note the first dtype: NumPy saved `float64`, and lumex keeps it as `float64`
rather than converting to its default `float32`.

## 7. Loading maps the file

Loading from a path **memory-maps** the file: the arrays are views of the
file's pages, which the operating system reads when (and if) they are touched.
Loading a 64 MB file therefore takes about as long as loading a tiny one:
"""
    ),
    code(
        """
mx.save(folder / "big.npy", mx.zeros((4096, 4096)))
print((folder / "big.npy").stat().st_size / 1e6, "MB on disk")

t0 = time.perf_counter()
big = mx.load(folder / "big.npy")
t1 = time.perf_counter()
corner = big[:2, :2].sum().item()        # touches one page
t2 = time.perf_counter()
total = big.sum().item()                 # touches every page
t3 = time.perf_counter()
print(f"load:             {1e3 * (t1 - t0):7.3f} ms")
print(f"read one corner:  {1e3 * (t2 - t1):7.3f} ms")
print(f"read everything:  {1e3 * (t3 - t2):7.3f} ms")
"""
    ),
    md(
        """
Saving over a file that is mapped is safe: lumex writes a new file and
renames it into place, so arrays mapped from the old file keep their data.
"""
    ),
    code(
        """
old = mx.load(folder / "a.npy")
mx.save(folder / "a.npy", mx.full((3, 4), 7.0))
print("old array:", old[0].tolist(), "| file now:", mx.load(folder / "a.npy")[0].tolist())
"""
    ),
    md(
        """
## 8. Saving is an evaluation point; damaged files raise

Saving needs the values, so every `mx.save*` evaluates what it writes
(`save` in the ledger):
"""
    ),
    code(
        """
%%evaltrace
pending = mx.exp(mx.linspace(0, 1, 5))
mx.save(folder / "pending.npy", pending)
"""
    ),
    md(
        """
Every header field is checked against the bytes actually present before it is
used, so a truncated or hostile file gives a `ValueError` naming the file and
the problem, never garbage or a crash:
"""
    ),
    code(
        """
data = (folder / "model.safetensors").read_bytes()
(folder / "broken.safetensors").write_bytes(data[: len(data) // 2])
try:
    mx.load(folder / "broken.safetensors")
except ValueError as err:
    print("ValueError:", err)
"""
    ),
    code(
        """
import shutil

del big, old                     # unmap the files before removing them
shutil.rmtree(folder)
"""
    ),
    md(
        """
## Recap

* `.npy`: `mx.save`; `.npz`: `mx.savez` / `mx.savez_compressed`; `.safetensors`:
  `mx.save_safetensors(path, dict, metadata=...)`; `.gguf`: `mx.save_gguf`.
  `mx.load(path, return_metadata=True)` reads them back.
* Paths or file objects (then `format=`).
* Loading memory-maps: cost is paid when data is touched. Overwriting a mapped
  file is safe.
* Saving evaluates; damaged files raise `ValueError`.

## Exercises

1. Save a dict of parameters with nested names (`"layers.0.w"`, ...) as
   safetensors, then rebuild a nested dict from the flat names with
   `lumex.utils.tree_unflatten(list(arrays.items()))`.
2. Compare the size of `savez` and `savez_compressed` for random data
   (`mx.random.normal`). Why is the difference so much smaller than for `ones`?
3. Write a `.npy` with `np.save` in big-endian order (`dtype=">f4"`) and load it
   with lumex. Is the result a view of the file or a copy?
"""
    ),
]
