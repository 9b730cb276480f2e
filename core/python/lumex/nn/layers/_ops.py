"""Engine ops that some layers need and that may not be in every lumex build
yet (convolutions, quantization): looked up when called, with a clear error
if absent."""

import lumex.core as mx


def op(name):
    """``mx.<name>`` (dotted names allowed), or NotImplementedError."""
    obj = mx
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise NotImplementedError(f"mx.{name} is not available in this lumex build yet")
    return obj
