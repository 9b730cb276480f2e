"""The graph the views draw: built from ``mx.graph`` snapshots, one node per array.

A node is an array; edges go from inputs to consumers, in argument order. Each node
carries what the hierarchy groups by: its module scope (``mx.graph.scope``), the function
and line that created it, its role in a gradient graph (forward, backward, cotangent)
and the public op call that made it (so the Full and Broadcast behind ``mx.ones`` fold
into one ``ones`` node unless internals are shown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import lumex.core as mx

from ._html import dtype_name, shape_text

# Primitives that are how an op is carried out rather than what the user asked for:
# folded into the node they feed unless internals are shown.
INTERNAL_OPS = {"Contiguous"}


def op_label(op: str | None) -> str:
    """The public name for a primitive: ``Multiply`` -> ``multiply``, ``AsType`` ->
    ``astype``, ``ArcTan2`` -> ``arctan2``."""
    if not op:
        return ""
    special = {"AsType": "astype", "Broadcast": "broadcast_to", "Matmul": "matmul",
               "AddMM": "addmm", "LogAddExp": "logaddexp", "BitwiseBinary": "bitwise"}
    if op in special:
        return special[op]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", op).lower().replace("arc_", "arc")


@dataclass
class Node:
    key: str
    op: str | None  # primitive name, None for sources
    shape: tuple
    dtype: str
    status: str
    nbytes: int
    kind: str  # 'input', 'constant', 'op' or 'output'
    name: str = ""  # the user's name for it (keyword of show_graph), if any
    site: tuple | None = None  # (file, line, function)
    scope: str = ""
    public_op: str | None = None
    call: int = 0
    role: str = ""  # forward / backward / backward-primal / cotangent
    mark: str = ""  # evaluation events: computed / forced / trigger
    params: dict = field(default_factory=dict)
    folded: list = field(default_factory=list)  # primitives folded into this node
    order: int = 0  # creation order (ids grow with creation)
    held: bool = False  # referenced from outside the graph (evaluation will not free it)

    @property
    def label(self) -> str:
        """The op as the user wrote it (``ones``, ``squeeze``, ``sum``)."""
        if self.op is None:
            return "constant" if self.kind == "constant" else "input"
        return self.public_op or op_label(self.op)

    @property
    def title(self) -> str:
        if self.name and self.op:
            return f"{self.name} = {self.label}"
        return self.name or self.label

    @property
    def detail(self) -> str:
        return f"{shape_text(self.shape)} {self.dtype}"

    @property
    def function(self) -> str:
        return (self.site[2] if self.site else "") or ""

    def info(self) -> dict:
        """The details panel: everything known about the array, as text."""
        out = {"op": self.label, "shape": shape_text(self.shape), "dtype": self.dtype,
               "bytes": self.nbytes, "status": self.status}
        if self.op and self.op != self.label:
            out["primitive"] = self.op
        if self.folded:
            out["internals"] = ", ".join(self.folded)
        if self.params:
            out["params"] = ", ".join(f"{k}={v}" for k, v in self.params.items())
        if self.site:
            out["source"] = location(self.site)
        if self.scope:
            out["module"] = self.scope
        if self.role:
            out["role"] = self.role
        if self.mark:
            out["evaluation"] = self.mark
        return out


def location(site) -> str:
    """``cell [12], line 3`` for notebook cells, ``file.py:3`` for real files."""
    if not site:
        return ""
    file, line = site[0], site[1]
    cell = cell_label(file)
    if cell:
        return f"{cell}, line {line}"
    return f"{file.rsplit('/', 1)[-1]}:{line}"


def cell_label(file: str) -> str:
    """``cell [12]`` when ``file`` is an IPython cell's temporary file, else ''."""
    if not file or not (file.startswith("<ipython-input-") or "/ipykernel_" in file
                        or "/ipython-input" in file):
        return ""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        compiler = getattr(shell, "compile", None) if shell else None
        count = getattr(compiler, "_filename_map", {}).get(file)
    except Exception:  # no IPython, or an IPython without the map: no cell number
        count = None
    return f"cell [{count}]" if count is not None else "cell"


@dataclass
class Graph:
    nodes: dict  # key -> Node, in topological order (inputs first)
    edges: list  # (src key, dst key), in each consumer's argument order

    def __len__(self):
        return len(self.nodes)

    def ranked(self) -> tuple[list, list]:
        """(graph inputs, graph outputs) keys."""
        has_in = {d for _, d in self.edges}
        has_out = {s for s, _ in self.edges}
        ins = [k for k in self.nodes if k not in has_in]
        outs = [k for k, n in self.nodes.items() if n.kind == "output" or k not in has_out]
        return ins, outs

    def neighbours(self, key: str, direction: str = "both") -> set:
        """Keys upstream ('up'), downstream ('down') or both of ``key``, itself included."""
        ups, downs = {}, {}
        for s, d in self.edges:
            ups.setdefault(d, []).append(s)
            downs.setdefault(s, []).append(d)
        seen = {key}
        for adj, want in ((ups, "up"), (downs, "down")):
            if direction not in (want, "both"):
                continue
            stack = [key]
            while stack:
                for nxt in adj.get(stack.pop(), ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
        return seen

    def fold_internals(self) -> "Graph":
        """A copy where each public op call is one node (named by the op), and
        implementation primitives (Contiguous, broadcasts of scalars) are folded into
        the node they feed."""
        consumers: dict = {}
        for s, d in self.edges:
            consumers.setdefault(s, []).append(d)
        into: dict = {}  # folded key -> key it folds into
        # One call, one node: every node of a call but its last output folds forward.
        by_call: dict = {}
        for k, n in self.nodes.items():
            if n.call and n.op:
                by_call.setdefault(n.call, []).append(k)
        for keys in by_call.values():
            members = set(keys)
            for k in keys:
                inside = [c for c in consumers.get(k, ()) if c in members]
                if inside and len(inside) == len(consumers.get(k, ())) and not self.nodes[k].name:
                    into[k] = inside[-1]
        # Implementation nodes: copies to a contiguous layout, and broadcasts nobody
        # asked for by name (binary ops broadcast their operands implicitly). One reader:
        # fold into it; several: each reader reads the node's input instead.
        bypass: dict = {}
        for k, n in self.nodes.items():
            cs = consumers.get(k, ())
            if k in into or n.name or not cs or n.kind == "output":
                continue
            implicit = n.op == "Broadcast" and n.public_op != "broadcast_to"
            if n.op in INTERNAL_OPS or implicit:
                if len(cs) == 1:
                    into[k] = cs[0]
                else:
                    first = self._first_input(k)
                    if first is not None:
                        bypass[k] = first.key

        def final(k):
            while k in into:
                k = into[k]
            return k

        def source(k):
            while k in bypass:
                k = bypass[k]
            return k

        # Scalar constants (the 2 in x * 2) become a note on the nodes that read them.
        scalars = {k for k, n in self.nodes.items()
                   if n.kind == "constant" and _size(n) == 1 and not n.name}
        nodes = {k: replace(n, folded=list(n.folded)) for k, n in self.nodes.items()
                 if k not in into and k not in scalars and k not in bypass}
        for k in into:
            nodes[final(k)].folded.append(self.nodes[k].op)
        edges, seen = [], set()
        for s, d in self.edges:
            if s in into or d in bypass:  # inputs already attached to the node it became
                continue
            s, fd = source(s), final(d)
            if s in scalars:
                nodes[fd].folded.append("scalar constant")
                continue
            if s != fd and (s, fd) not in seen:
                seen.add((s, fd))
                edges.append((s, fd))
        order = {k: i for i, k in enumerate(nodes)}
        edges.sort(key=lambda e: order[e[1]])  # stable: argument order kept per consumer
        return Graph(nodes, edges)

    def _first_input(self, key):
        for s, d in self.edges:
            if d == key:
                return self.nodes[s]
        return None


def _size(node) -> int:
    if node is None:
        return 0
    size = 1
    for d in node.shape:
        size *= d
    return size


def from_snapshot(snapshot, names: dict | None = None) -> Graph:
    """A Graph from a list of GraphNode (mx.graph.nodes or an EvalEvent's nodes).

    ``names`` maps node ids to display names.
    """
    names = names or {}
    nodes: dict = {}
    edges = []
    for g in snapshot:
        key = str(g.id)
        kind = ("constant" if g.is_constant else "input" if g.is_input
                else "output" if g.is_output else "op")
        nodes[key] = Node(key, g.op, tuple(g.shape), dtype_name(g.dtype), g.status, int(g.nbytes),
                          kind, name=names.get(g.id, ""), site=g.site, scope=g.scope,
                          public_op=g.public_op, call=g.call, params=dict(g.params), order=g.id,
                          held=g.is_held)
        for i in g.inputs:
            edges.append((str(i), key))
    edges = [(s, d) for s, d in edges if s in nodes]
    return Graph(nodes, edges)


def array_id(a) -> int:
    """The engine's id of an array (its node in mx.graph.nodes); evaluates nothing."""
    ns = mx.graph.nodes(a)
    for n in reversed(ns):
        if n.is_output:
            return n.id
    return ns[-1].id


def from_arrays(*arrays, **named) -> Graph:
    """The pending graph of the arrays; keyword arrays are labelled with their names."""
    all_arrays = list(arrays) + list(named.values())
    snapshot = mx.graph.nodes(*all_arrays)
    names = {array_id(a): k for k, a in named.items()}
    return from_snapshot(snapshot, names)
