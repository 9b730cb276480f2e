"""The Python half of lumex.core's file I/O: ``load`` hands ``.npz`` archives to
:mod:`lumex._npz` and every other format to the engine; ``savez`` and
``savez_compressed`` write archives through it. Installed on ``lumex.core``.
"""

from __future__ import annotations

import os

from . import _npz


def _format(file, format):
    """The format load() reads: the given one, else the extension (None if none)."""
    if format is not None:
        return format
    if isinstance(file, (str, os.PathLike)):
        name = os.fspath(file)
    else:
        name = str(getattr(file, "name", "<file object>"))
    dot = name.rfind(".")
    if dot == -1 or dot < name.rfind("/"):
        return None  # the engine raises its error
    return name[dot + 1:]


def load(file, /, format=None, return_metadata=False, *, stream=None):
    """Load array(s) from a binary file.

    The supported formats are ``.npy``, ``.npz``, ``.safetensors`` and ``.gguf``.
    Files given by path are memory-mapped: arrays whose data is aligned are views
    of the file, so loading does not read (or copy) data that is never used.

    Args:
        file (file, str, pathlib.Path): File (or file object) to load from.
        format (str, optional): Format of the file. If ``None``, it is inferred
          from the file extension. Required for file objects without a name.
        return_metadata (bool, optional): Also return the metadata of
          ``.safetensors`` and ``.gguf`` files. Default: ``False``.
        stream (Stream | Device | None): Accepted as in MLX; files are read on
          the CPU, and the arrays are used on any stream.

    Returns:
        array or dict: A single array for ``.npy``, otherwise a dict mapping names
        to arrays; with ``return_metadata=True``, a ``(arrays, metadata)`` tuple.

    Raises:
        ValueError: The file is not a valid file of the format (the message names
          the file and the problem).
        OSError: The file cannot be opened or read.
    """
    from . import core

    if _format(file, format) == "npz":
        if return_metadata:
            raise ValueError("[load] metadata not supported for format npz")
        return _npz.load(file)
    return core._load(file, format, return_metadata)


def savez(file, *args, **kwargs):
    """Save several arrays to a binary file in uncompressed ``.npz`` format.

    Positional arrays are named ``arr_0``, ``arr_1``, ...; keyword arrays keep their
    keyword. ``.npz`` is appended to a path without it.

    Args:
        file (file, str, pathlib.Path): Path to file to write, or a file object.
        args (array): Arrays to save.
        kwargs (array): Arrays to save, under the keyword's name.
    """
    _npz.savez(file, args, kwargs, compressed=False)


def savez_compressed(file, *args, **kwargs):
    """Save several arrays to a binary file in compressed ``.npz`` format.

    Like :func:`savez`, with each member deflate-compressed.

    Args:
        file (file, str, pathlib.Path): Path to file to write, or a file object.
        args (array): Arrays to save.
        kwargs (array): Arrays to save, under the keyword's name.
    """
    _npz.savez(file, args, kwargs, compressed=True)
