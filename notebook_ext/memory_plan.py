"""Where to evaluate: the memory an evaluation of a pending graph will need, found by
replaying it the way the engine runs it, without computing anything.

``memory_plan(y)`` walks the graph in the engine's evaluation order (its post-order
tape) and keeps a ledger of buffers: a primitive's result is allocated when it runs,
rounded as the allocator rounds; views (broadcast, transpose, slices, reshapes of dense
data) share their input's buffer; an elementwise op, a scan or a softmax reuses
(donates) an input buffer when it is the last reader of a dense input that nothing else
holds; a buffer is freed once no array that shares it is held by a variable or still
read by a pending node. The peak of that ledger, above what is allocated now, is what
evaluating needs. ``memory_plan(y, first=h)`` replays "``mx.eval(h)``, then
``mx.eval(y)``" and gives the new peak, which is how to judge where an ``mx.eval``
belongs. Kernel scratch space (a matmul's packed panels, say) is not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._html import human_bytes

# Results that share their input's buffer when the input is dense (row-contiguous).
VIEW_OPS = {"Broadcast", "Transpose", "Slice", "AsStrided", "StopGradient", "Depends",
            "CustomTransforms", "View"}
# Views only of dense data; otherwise they copy.
DENSE_VIEW_OPS = {"Reshape", "Contiguous"}
# Views whose result is no longer dense (so a later reshape copies, a donation skips it).
STRIDED_VIEW_OPS = {"Broadcast", "Transpose", "Slice", "AsStrided"}
# Kernels that write their result over an input they are the last reader of.
DONATING_OPS = {
    "Abs", "Negative", "Sign", "Square", "Sqrt", "Rsqrt", "Exp", "Expm1", "Log", "Log1p",
    "Log2", "Log10", "Sin", "Cos", "Tan", "ArcSin", "ArcCos", "ArcTan", "Sinh", "Cosh",
    "Tanh", "ArcSinh", "ArcCosh", "ArcTanh", "Sigmoid", "Erf", "ErfInv", "Floor", "Ceil",
    "Round", "Conjugate", "LogicalNot", "BitwiseInvert", "Add", "Subtract", "Multiply",
    "Divide", "FloorDivide", "Remainder", "Maximum", "Minimum", "ArcTan2", "LogAddExp",
    "Power", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "LeftShift", "RightShift",
    "CumSum", "CumProd", "CumMax", "CumMin", "CumLogSumExp", "Softmax",
}

# A cut is proposed when it lowers the peak by a tenth and at least this many bytes.
MIN_SAVING = 4096

# The CPU allocator's rounding (core/engine/allocator.cpp: rounded()).
_CACHE_MIN = 1 << 14
_HUGE_MIN = 4 << 20
_HUGE_PAGE = 2 << 20


def allocated(nbytes: int) -> int:
    """Bytes the allocator really takes (and counts as active) for ``nbytes``."""
    if nbytes < _CACHE_MIN:
        return 16 if nbytes < 16 else (nbytes + 15) // 16 * 16
    if nbytes >= _HUGE_MIN:
        return (nbytes + _HUGE_PAGE - 1) // _HUGE_PAGE * _HUGE_PAGE
    return (nbytes + 4095) // 4096 * 4096


@dataclass
class MemoryPlan:
    """What evaluating a pending graph will allocate, relative to memory in use now."""

    peak: int  # the most bytes in use above today's, at any moment of the evaluation
    peak_at: str  # the node running at that moment ('' if nothing allocates)
    kept: int  # bytes this evaluation allocates that stay allocated (held results)
    released: int  # bytes of already computed buffers the evaluation frees
    nodes: int  # primitives run
    first: tuple = ()  # keys evaluated first (the proposed cut)
    labels: dict = field(default_factory=dict, repr=False)  # key -> readable name

    def describe(self) -> str:
        where = self.labels.get(self.peak_at, self.peak_at)
        at = f" (while computing {where})" if where else ""
        return (f"evaluating needs {human_bytes(self.peak)} at its peak{at}; "
                f"{human_bytes(self.kept)} of results stay, {human_bytes(self.released)} "
                "computed earlier is freed")


def simulate(graph, first=()) -> MemoryPlan:
    """Replay the evaluation of ``graph`` (a ``graph_model.Graph``); ``first`` is a
    collection of node keys evaluated (and then held) before the rest."""
    nodes = graph.nodes
    inputs: dict = {}
    for s, d in graph.edges:
        inputs.setdefault(d, []).append(s)
    pending = [k for k, n in nodes.items() if n.op is not None and n.status == "unscheduled"]
    pending_set = set(pending)
    first = tuple(k for k in first if k in pending_set)
    if first:  # mx.eval(first) runs its pending ancestors, in the same tape order
        need, stack = set(first), list(first)
        while stack:
            for s in inputs.get(stack.pop(), ()):
                if s in pending_set and s not in need:
                    need.add(s)
                    stack.append(s)
        order = [k for k in pending if k in need] + [k for k in pending if k not in need]
    else:
        order = pending
    readers = {k: 0 for k in nodes}
    for k in pending:
        for s in inputs.get(k, ()):
            readers[s] += 1
    held = {k for k, n in nodes.items() if getattr(n, "held", False) or n.kind == "output"}
    held.update(first)

    buf_of: dict = {}  # key -> buffer id
    size: dict = {}  # buffer id -> bytes
    refs: dict = {}  # buffer id -> live arrays sharing it
    dense: dict = {}
    for k, n in nodes.items():
        if k not in pending_set and readers[k]:  # a source of the pending graph
            buf_of[k] = k
            size[k] = allocated(n.nbytes)
            refs[k] = 1
            dense[k] = True
    current = peak = released = 0
    peak_at = ""

    def kill(k):
        nonlocal current, released
        b = buf_of.pop(k, None)
        if b is None:
            return
        refs[b] -= 1
        if refs[b] == 0:
            current -= size[b]
            if b not in pending_set:
                released += size[b]

    def share(k, src, is_dense):
        b = buf_of[src]
        buf_of[k] = b
        refs[b] += 1
        dense[k] = is_dense

    for k in order:
        n = nodes[k]
        ins = inputs.get(k, [])
        in0 = ins[0] if ins else None
        if n.op in VIEW_OPS and in0 in buf_of:
            share(k, in0, dense.get(in0, False) and n.op not in STRIDED_VIEW_OPS)
        elif n.op in DENSE_VIEW_OPS and in0 in buf_of and dense.get(in0, False):
            share(k, in0, True)
        else:
            donor = None
            if n.op in DONATING_OPS:
                for s in ins:
                    ns = nodes[s]
                    if (s in buf_of and readers[s] == 1 and s not in held and dense.get(s)
                            and refs[buf_of[s]] == 1 and _size(ns) == _size(n) > 1
                            and ns.nbytes == n.nbytes):
                        donor = s
                        break
            if donor is not None:
                share(k, donor, True)
            else:
                buf_of[k] = k
                size[k] = allocated(n.nbytes)
                refs[k] = 1
                dense[k] = True
                current += size[k]
                if current > peak:
                    peak, peak_at = current, k
        for s in ins:
            readers[s] -= 1
        for s in set(ins):
            if readers[s] == 0 and s not in held:
                kill(s)
        if readers[k] == 0 and k not in held:
            kill(k)
    labels = {k: _label(nodes[k]) for k in ([peak_at] if peak_at else []) + list(first)}
    return MemoryPlan(peak, peak_at, max(current + released, 0), released, len(order), first, labels)


def cut_peaks(graph, limit: int = 200) -> dict:
    """For each pending node: the peak if it were evaluated first (graphs of at most
    ``limit`` pending nodes; the cost grows with the square of the size)."""
    pending = [k for k, n in graph.nodes.items() if n.op is not None and n.status == "unscheduled"]
    if len(pending) > limit:
        return {}
    return {k: simulate(graph, (k,)).peak for k in pending}


def best_cut(graph, whole: MemoryPlan, cuts: dict) -> str:
    """The proposed cut, in words: the pending node that, evaluated first, lowers the
    peak of ``whole`` the most (``cuts`` from ``cut_peaks``); '' when none lowers it."""
    if not cuts:
        return ""
    key = min(cuts, key=cuts.get)
    saved = whole.peak - cuts[key]
    if saved < max(MIN_SAVING, whole.peak // 10):  # not worth an extra evaluation
        return ""
    return (f"evaluating {_label(graph.nodes[key])} first lowers the peak to "
            f"{human_bytes(cuts[key])}")


def memory_plan(*arrays, first=None) -> MemoryPlan:
    """The memory that evaluating ``arrays`` will need, without evaluating anything.

    Replays the engine's evaluation order with its buffer sharing, donation and
    freeing over the pending graph (``mx.graph.nodes``) and returns a ``MemoryPlan``:
    ``peak`` is the most bytes in use above what is allocated now (compare with
    ``mx.get_peak_memory()`` after ``mx.reset_peak_memory()``), ``kept`` what stays
    allocated afterwards. ``first`` (an array or a list of them) proposes a cut:
    "``mx.eval(first)``, then the rest"; the plan's ``peak`` is then the new peak.
    Arrays held by a variable are never freed by the replay, as in the engine.
    """
    from .graph_model import array_id, from_arrays

    cut = [] if first is None else (list(first) if isinstance(first, (list, tuple)) else [first])
    graph = from_arrays(*arrays, *cut)
    keys = [str(array_id(a)) for a in cut]
    # The cut arrays were added as outputs to reach them; they are held by the caller anyway.
    return simulate(graph, keys)


def _size(n) -> int:
    out = 1
    for d in n.shape:
        out *= d
    return out


def _label(n) -> str:
    from .graph_model import location

    text = n.title if hasattr(n, "title") else str(n.op)
    where = location(n.site) if getattr(n, "site", None) else ""
    return f"{text} at {where}" if where else text
