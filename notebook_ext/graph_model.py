"""The graph the views draw: built from ``mx.graph`` snapshots, one node per array.

A node is an array (its primitive is the label), edges go from inputs to consumers.
Nodes carry a *group* (the function that created them, when sites were recorded) so a
large graph can be collapsed group by group, and an optional *role* (forward, backward,
cotangent) used by the autodiff view.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import lumex.core as mx

from ._html import dtype_name, shape_text


@dataclass
class Node:
    key: str
    op: str | None
    shape: tuple
    dtype: str
    status: str
    nbytes: int
    kind: str  # 'input', 'constant', 'op', 'output' or 'group'
    name: str = ""
    site: tuple | None = None
    group: str = ""
    role: str = ""
    params: dict = field(default_factory=dict)
    count: int = 1  # arrays a collapsed group stands for

    @property
    def title(self) -> str:
        if self.kind == "group":
            return f"{self.group} ({self.count} ops)"
        head = self.name or (self.op if self.op else ("constant" if self.kind == "constant" else "input"))
        if self.name and self.op:
            head = f"{self.name} = {self.op}"
        return head

    @property
    def detail(self) -> str:
        if self.kind == "group":
            return "collapsed: click to expand"
        return f"{shape_text(self.shape)} {self.dtype}"

    @property
    def tooltip(self) -> str:
        lines = [self.title, self.detail, f"status: {self.status}", f"bytes: {self.nbytes}"]
        if self.params:
            lines.append(", ".join(f"{k}={v}" for k, v in self.params.items()))
        if self.site:
            lines.append(f"created at {self.site[0]}:{self.site[1]} in {self.site[2]}")
        if self.role:
            lines.append(f"role: {self.role}")
        return "\n".join(lines)


@dataclass
class Graph:
    nodes: dict  # key -> Node, in topological order (inputs first)
    edges: list  # (src key, dst key)

    def __len__(self):
        return len(self.nodes)

    def groups(self) -> dict:
        """group name -> node keys (only groups of more than one node)."""
        out: dict = {}
        for n in self.nodes.values():
            if n.group:
                out.setdefault(n.group, []).append(n.key)
        return {g: ks for g, ks in out.items() if len(ks) > 1}

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

    def search(self, text: str) -> list:
        text = text.lower()
        return [k for k, n in self.nodes.items()
                if text and (text in n.title.lower() or text in n.detail.lower()
                             or text in n.group.lower())]

    def collapse(self, groups) -> "Graph":
        """A copy with each named group replaced by one node."""
        groups = set(groups)
        if not groups:
            return self
        rep = {}
        nodes: dict = {}
        for k, n in self.nodes.items():
            if n.group in groups and n.kind in ("op",):
                gk = f"group:{n.group}"
                if gk not in nodes:
                    nodes[gk] = Node(gk, None, (), "", n.status, 0, "group", group=n.group,
                                     role=n.role, count=0)
                g = nodes[gk]
                g.count += 1
                g.nbytes += n.nbytes
                if n.status == "unscheduled":
                    g.status = "unscheduled"
                rep[k] = gk
            else:
                nodes[k] = n
                rep[k] = k
        # Constants read only by one collapsed group fold into it.
        readers: dict = {}
        for s, d in self.edges:
            readers.setdefault(s, set()).add(rep[d])
        for k, n in self.nodes.items():
            r = readers.get(k, set())
            if n.kind == "constant" and len(r) == 1 and next(iter(r)).startswith("group:"):
                rep[k] = next(iter(r))
                del nodes[k]
        edges = []
        seen = set()
        for s, d in self.edges:
            e = (rep[s], rep[d])
            if e[0] != e[1] and e not in seen:
                seen.add(e)
                edges.append(e)
        return Graph(nodes, edges)


def _group_of(site) -> str:
    if not site:
        return ""
    fn = site[2] or "<module>"
    return fn if fn not in ("<module>",) else f"{site[0].rsplit('/', 1)[-1]}:<module>"


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
                          kind, name=names.get(g.id, ""), site=g.site, group=_group_of(g.site),
                          params=dict(g.params))
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
