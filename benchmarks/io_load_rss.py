"""Peak memory (RSS) of loading a large .safetensors file with lumex.

    python benchmarks/io_load_rss.py [--gib 1] [--dir /tmp]

Writes a file of the given size (one float32 tensor plus a small one), then, each
in a fresh process, measures the peak RSS of: importing lumex; ``mx.load``; and
``mx.load`` followed by reading every element (``mx.sum``). Loading maps the file,
so the load itself should stay near the import baseline, and reading all data
should cost about the file size once (file-backed pages), never twice. The file
is deleted afterwards.
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

CHILD = r"""
import resource, sys, time
import lumex.core as mx
mode, path = sys.argv[1], sys.argv[2]
t = time.perf_counter()
if mode != "import":
    d = mx.load(path)
    if mode == "read":
        mx.eval(*[mx.sum(a) for a in d.values()])
dt = time.perf_counter() - t
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, dt)
"""


def write_file(path, nbytes):
    n = nbytes // 4
    header = {"w": {"dtype": "F32", "shape": [n], "data_offsets": [0, n * 4]},
              "b": {"dtype": "F32", "shape": [4], "data_offsets": [n * 4, n * 4 + 16]}}
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    chunk = bytes(range(256)) * (1 << 14)  # 4 MiB, finite float32 values
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        left = n * 4
        while left:
            k = min(left, len(chunk))
            f.write(chunk[:k])
            left -= k
        f.write(b"\0" * 16)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gib", type=float, default=1.0)
    p.add_argument("--dir", default=tempfile.gettempdir())
    args = p.parse_args()
    path = os.path.join(args.dir, "lumex_rss_bench.safetensors")
    size = int(args.gib * (1 << 30))
    write_file(path, size)
    try:
        print(f"file: {path} ({os.path.getsize(path) / 2**30:.3f} GiB)")
        for mode in ["import", "load", "read"]:
            out = subprocess.run([sys.executable, "-c", CHILD, mode, path], check=True,
                                 capture_output=True, text=True).stdout.split()
            rss, secs = int(out[0]), float(out[1])
            print(f"{mode:7s} peak RSS {rss / 2**20:8.1f} MiB   ({secs:.3f} s)")
    finally:
        os.remove(path)


if __name__ == "__main__":
    main()
