"""MLX's function export API over the engine's exporter (engine/export.h): argument
forms and checks as MLX's Python layer has them; the file format is C++."""

import os

from . import core as _core

_INPUTS_ERROR = (" Inputs can either be a variable number of positional and keyword arrays "
                 "or a single tuple and/or dictionary of arrays.")


def _arrays(seq):
    seq = list(seq)
    return seq if all(isinstance(a, _core.array) for a in seq) else None


def _array_dict(d):
    if not isinstance(d, dict) or not all(isinstance(k, str) and isinstance(v, _core.array)
                                          for k, v in d.items()):
        return None
    return dict(d)


def _inputs(args, kwargs, prefix):
    """(positional arrays, keyword arrays) from the forms MLX accepts: arrays as
    ``*args``/``**kwargs``, or one tuple/list and/or one dict of arrays."""
    pos, kw = None, None
    if not args:
        pos, kw = [], _array_dict(kwargs)
    elif isinstance(args[0], _core.array):
        pos, kw = _arrays(args), _array_dict(kwargs)
    elif not kwargs and len(args) == 1:
        if isinstance(args[0], (tuple, list)):
            pos, kw = _arrays(args[0]), {}
        else:
            pos, kw = [], _array_dict(args[0])
    elif not kwargs and len(args) == 2 and isinstance(args[0], (tuple, list)):
        pos, kw = _arrays(args[0]), _array_dict(args[1])
    if pos is None or kw is None:
        raise ValueError(prefix + _INPUTS_ERROR)
    return pos, kw


def _path(file, name):
    if isinstance(file, os.PathLike):
        file = os.fspath(file)
    if not isinstance(file, str):
        raise TypeError(f"[{name}] Expected a file path (str), got {type(file).__name__}.")
    return file


def _flat(fun, n_args, keys):
    """fun over one flat list: the positional inputs, then the keyword ones in key order."""

    def flat(inputs):
        out = fun(*inputs[:n_args], **dict(zip(keys, inputs[n_args:])))
        if isinstance(out, _core.array):
            return [out]
        if isinstance(out, (tuple, list)) and all(isinstance(o, _core.array) for o in out):
            return list(out)
        raise ValueError("[export_function] Outputs can be either a single array, a tuple, "
                         "or a list of arrays.")

    return flat


class FunctionExporter:
    """A context managing class for exporting multiple traces of the same
    function to a file.

    Make an instance of this class by calling :func:`exporter`. Each call
    ``exporter(*args, **kwargs)`` traces the function on those example arrays
    and adds the trace to the file; :func:`import_function` picks the trace
    whose inputs match a call.
    """

    def __init__(self, file, fun, shapeless=False, metadata=None):
        if not callable(fun):
            raise TypeError("[exporter] Expected a callable function.")
        if metadata is not None and not isinstance(metadata, str):
            raise TypeError("[exporter] metadata must be a str or None.")
        self._fun = fun
        self._impl = _core._FunctionExporter(_path(file, "export_function"), bool(shapeless),
                                             metadata or "")

    def __call__(self, *args, **kwargs):
        pos, kw = _inputs(args, kwargs, "[export_function]")
        keys = sorted(kw)
        self._impl.add(_flat(self._fun, len(pos), keys), pos, kw)

    def close(self):
        """Ends the export: later calls raise."""
        self._impl.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type=None, exc_value=None, traceback=None):
        self.close()


def exporter(file, fun, *, shapeless=False, metadata=None):
    """Make a callable object to export multiple traces of a function to a file.

    Args:
        file (str): File path to export the function to.
        fun (Callable): The function to export.
        shapeless (bool, optional): Whether or not the function allows
          inputs with variable shapes. Default: ``False``.
        metadata (str, optional): A string to save alongside the function,
          read back with :func:`import_function`. Default: ``None``.

    Returns:
        FunctionExporter: Call it with example inputs to add a trace; use it as a
        context manager or call ``close()`` when done.

    Example:

      .. code-block:: python

        def fun(*args):
            return sum(args)

        with mx.exporter("fun.mlxfn", fun) as exporter:
            exporter(mx.array(1))
            exporter(mx.array(1), mx.array(2))
    """
    return FunctionExporter(file, fun, shapeless, metadata)


def export_function(file, fun, *args, shapeless=False, metadata=None, **kwargs):
    """Export a function to a file (MLX's ``.mlxfn`` format).

    The function is traced on the example inputs, given either as variable
    ``*args`` and ``**kwargs`` arrays or as a tuple of arrays and/or a
    dictionary of string keys with array values. The file holds the traced
    graph (primitives, constants with their data): :func:`import_function`
    replays it, here or in MLX, without the Python function.

    Args:
        file (str): Path to export the function to.
        fun (Callable): A function which takes as input zero or more
          :class:`array` and returns one or more :class:`array`.
        *args (array): Example array inputs to the function.
        shapeless (bool, optional): Whether or not the function allows
          inputs with variable shapes (of the traced ranks). Default: ``False``.
        metadata (str, optional): A string to save alongside the function, for
          example a JSON encoded model configuration. Default: ``None``.
        **kwargs (array): Additional example keyword array inputs to the function.

    Example:

      .. code-block:: python

        def fun(x, y):
            return x + y

        mx.export_function("fun.mlxfn", fun, mx.array(1), y=mx.array([1, 2, 3]))
    """
    if callable(file) and not isinstance(file, (str, os.PathLike)):
        if metadata is not None:
            raise ValueError("[export_function] The metadata argument is only supported when "
                             "exporting to a file, not when using a callback.")
        raise NotImplementedError(
            "[export_function] Exporting to a callback is not supported by lumex; "
            "export to a file.")
    pos, kw = _inputs(args, kwargs, "[export_function]")
    ex = FunctionExporter(file, fun, shapeless, metadata)
    ex._impl.add(_flat(fun, len(pos), sorted(kw)), pos, kw)
    ex.close()


def import_function(file, return_metadata=False):
    """Import a function from a file written by :func:`export_function` (lumex's or
    MLX's).

    The imported function can be called either with ``*args`` and ``**kwargs``
    arrays or with a tuple of arrays and/or a dictionary of string keys with
    array values, matching one of the exported traces. It always returns a
    tuple of arrays, and can be transformed (``grad``, ``vmap``, ``compile``).

    Args:
        file (str): The file path to import the function from.
        return_metadata (bool, optional): If ``True`` also return the metadata
          string saved with the function. Default: ``False``.

    Returns:
        Callable or tuple: The imported function, or ``(function, metadata)``.

    Example:
      >>> fn = mx.import_function("function.mlxfn")
      >>> out = fn(a, b, x=x, y=y)[0]
    """
    impl = _core._ImportedFunction(_path(file, "import_function"))

    def imported(*args, **kwargs):
        pos, kw = _inputs(args, kwargs, "[import_function::call]")
        return tuple(impl(pos, kw))

    imported.__name__ = imported.__qualname__ = "imported_function"
    imported.__doc__ = f"The function imported from {file!r}."
    return (imported, impl.metadata) if return_metadata else imported
