"""The process group of distributed layers: ``mx.distributed``'s when the
engine has it, otherwise a single process (rank 0 of 1), which makes every
collective the identity."""

import lumex.core as mx


class SingleProcessGroup:
    """A group of one process, standing in while the engine has no
    ``mx.distributed``."""

    def rank(self):
        return 0

    def size(self):
        return 1

    def split(self, color, key=-1):
        return self


def default_group():
    dist = getattr(mx, "distributed", None)
    if dist is not None and hasattr(dist, "init"):
        return dist.init()
    return SingleProcessGroup()
