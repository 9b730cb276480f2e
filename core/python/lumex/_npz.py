"""The ``.npz`` container: a zip archive of ``.npy`` members.

The zip layer uses Python's :mod:`zipfile`; each member is written and read by the
C++ ``.npy`` code (``lumex.core.save`` and ``lumex.core._load_npy_stream``), which
streams data straight between the archive and the array buffer. A broken archive
raises :class:`ValueError` naming the file, like the other loaders.
"""

from __future__ import annotations

import os
import zipfile

# Deflate cannot expand data more than about 1032:1; a member claiming more is lying.
_MAX_DEFLATE_RATIO = 1032


def _name(file) -> str:
    if isinstance(file, (str, os.PathLike)):
        return os.fspath(file)
    return str(getattr(file, "name", "<file object>"))


def savez(file, args, kwargs, compressed: bool) -> None:
    from . import core

    arrays = {}
    for i, a in enumerate(args):
        arrays[f"arr_{i}"] = a
    for k, a in kwargs.items():
        if k in arrays:
            raise ValueError(f"[savez] Cannot use un-named variables and keyword {k}.")
        arrays[k] = a
    if isinstance(file, (str, os.PathLike)):
        file = os.fspath(file)
        if not file.endswith(".npz"):
            file += ".npz"
    compression = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    # One "save" evaluation event for the archive, not one per member.
    with core._SaveScope(), zipfile.ZipFile(
        file, mode="w", compression=compression, allowZip64=True
    ) as zf:
        for k, a in arrays.items():
            with zf.open(k + ".npy", mode="w", force_zip64=True) as f:
                core.save(f, a)


def load(file) -> dict:
    from . import core

    name = _name(file)
    try:
        zf = zipfile.ZipFile(file, mode="r")
    except OSError:
        raise
    except Exception as e:  # zipfile signals a broken archive in many ways
        raise ValueError(f"[load] {name}: not a valid .npz archive ({e!r})") from e
    out = {}
    with zf:
        infos = zf.infolist()
        seen = set()
        for info in infos:
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if key in seen:
                raise ValueError(f"[load] {name}: duplicate member '{info.filename}'")
            seen.add(key)
            limit = info.compress_size * (
                1 if info.compress_type == zipfile.ZIP_STORED else _MAX_DEFLATE_RATIO
            )
            if info.file_size > limit + 1024:
                raise ValueError(
                    f"[load] {name}: member '{info.filename}' claims {info.file_size} "
                    f"bytes from {info.compress_size} compressed bytes"
                )
            member = f"{name}[{info.filename}]"
            try:
                with zf.open(info) as f:
                    out[key] = core._load_npy_stream(f, info.file_size, member)
            except OSError:
                raise
            except Exception as e:  # bad CRC, zlib errors, unsupported compression, ...
                if isinstance(e, ValueError) and str(e).startswith("[load]"):
                    raise  # from the .npy reader: already names the member
                raise ValueError(f"[load] {member}: {e!r}") from e
    return out
