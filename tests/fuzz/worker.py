"""Fuzz worker: runs call specs in one library and reports each outcome.

    python worker.py lumex.core|mlx.core

Reads length-prefixed pickles (one call spec each) from stdin and writes one
pickled outcome per call to stdout. It may crash or hang on a call: the runner
watches it with a time limit and starts a new one. Memory is capped so a hostile
shape cannot take the machine down.
"""

import importlib
import os
import pickle
import resource
import struct
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build  # noqa: E402
import nn_run  # noqa: E402


def read_msg(f):
    head = f.read(4)
    if len(head) < 4:
        return None
    (n,) = struct.unpack("<I", head)
    return pickle.loads(f.read(n))


def write_msg(f, obj):
    data = pickle.dumps(obj, protocol=4)
    f.write(struct.pack("<I", len(data)) + data)
    f.flush()


def run_one(mx, call):
    try:
        if "nn" in call:  # a layer or optimizer (nn_gen.py)
            fn, args, kwargs = nn_run.prepare(mx, call), [], {}
        else:
            fn = build.resolve(mx, call["fn"])
            args = [build.to_arg(a, mx) for a in call["args"]]
            kwargs = {k: build.to_arg(v, mx) for k, v in call["kwargs"].items()}
    except Exception as e:  # a spec this library cannot even express
        return ("setup", type(e).__name__, str(e)[:300])
    try:
        out = fn(*args, **kwargs)
        return ("ok", build.serialize(out, mx))
    except Exception as e:
        return ("error", [c.__name__ for c in type(e).__mro__], str(e)[:300])


def main():
    limit = int(os.environ.get("LUMEX_FUZZ_MEMORY", str(6 << 30)))
    # Under ASan (.ci/sanitize.sh) the runtime maps terabytes of shadow address space
    # and aborts at start-up under an address-space limit; set_memory_limit still caps
    # the library's own allocations there.
    if "libasan" not in os.environ.get("LD_PRELOAD", ""):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    mx = importlib.import_module(sys.argv[1])
    if hasattr(mx, "set_memory_limit"):
        mx.set_memory_limit(1 << 30)
    warnings.simplefilter("ignore")
    # The protocol gets its own descriptor; fd 1 becomes stderr, so prints from C
    # (LAPACK's xerbla, MLX) and a call that closes fd 1 cannot corrupt it.
    inp = sys.stdin.buffer
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    write_msg(out, "ready")
    while True:
        call = read_msg(inp)
        if call is None:
            return
        write_msg(out, run_one(mx, call))


if __name__ == "__main__":
    main()
