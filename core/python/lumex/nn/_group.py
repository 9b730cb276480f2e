"""Process groups and collectives for the distributed layers: those of
``mx.distributed`` when the engine has it, otherwise a single process (rank 0
of 1), where every collective is the identity."""

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


def _dist():
    dist = getattr(mx, "distributed", None)
    return dist if dist is not None and hasattr(dist, "init") else None


def default_group():
    """``mx.distributed.init()``, or a :class:`SingleProcessGroup`."""
    dist = _dist()
    return dist.init() if dist is not None else SingleProcessGroup()


def _collective(name):
    def run(x, group=None, stream=None):
        dist = _dist()
        if dist is None or (group is not None and group.size() == 1):
            return x
        return getattr(dist, name)(x, group=group, stream=stream)

    run.__name__ = name
    return run


all_sum = _collective("all_sum")
all_gather = _collective("all_gather")
sum_scatter = _collective("sum_scatter")
