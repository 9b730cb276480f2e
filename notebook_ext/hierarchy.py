"""Groups over a graph, so no view lays out more than a few dozen boxes at a time.

Nodes nest by transform (forward / backward of a gradient graph), then module scope
(``mx.graph.scope`` paths, one level per dotted segment), then the function that
created them. Inside each group, repeated structure is folded: the ops of a loop body
that repeat with the same lines, ops and shapes (50 RNN steps) become one "×50" group
whose steps expand one at a time (in blocks of ten when there are many). A view shows
every collapsed group as one box; expanding a group shows its members, with the inner
groups collapsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Few enough boxes to read at full size in a notebook cell.
OPEN_BUDGET = 40
# A repeat group shows at most this many children; more are split into blocks.
BLOCK = 10
# Periods tried when looking for repeated structure, and the fewest repetitions kept.
MAX_PERIOD = 48
MIN_REPEATS = 3
MIN_FOLDED = 12  # a fold must hide at least this many ops to be worth a click


@dataclass
class Group:
    key: str
    label: str
    kind: str  # 'transform', 'scope', 'function', 'repeat', 'block' or 'step'
    parent: str | None
    items: list = field(default_factory=list)  # node and group keys, in creation order
    size: int = 0  # ops inside, at any depth
    detail: str = ""  # second line of the box: what a step does, or how many ops


class Hierarchy:
    def __init__(self, graph):
        self.graph = graph
        self.groups: dict[str, Group] = {}
        self.parent: dict[str, str | None] = {}  # node or group key -> group key
        self.top: list = []  # items at the top level
        self._build()

    # ---- building ------------------------------------------------------------
    def _path(self, n) -> list:
        path = []
        if n.role:
            path.append(("transform", "forward" if n.role == "forward" else "backward"))
        if n.scope:
            parts = n.scope.split(".")
            for i in range(len(parts)):
                path.append(("scope", ".".join(parts[: i + 1])))
        fn = n.function
        if fn and not fn.startswith("<"):
            path.append(("function", fn))
        return path

    def _group(self, key, label, kind, parent) -> Group:
        g = self.groups.get(key)
        if g is None:
            g = self.groups[key] = Group(key, label, kind, parent)
            self.parent[key] = parent
            (self.groups[parent].items if parent else self.top).append(key)
        return g

    def _build(self):
        for k, n in self.graph.nodes.items():
            parent = None
            if n.op is not None:  # sources stay at the top, beside what reads them
                key = "g"
                for kind, name in self._path(n):
                    key = f"{key}/{kind}:{name}"
                    label = name.rsplit(".", 1)[-1] if kind == "scope" else (
                        f"{name}()" if kind == "function" else name)
                    parent = self._group(key, label, kind, parent).key
            self.parent[k] = parent
            (self.groups[parent].items if parent else self.top).append(k)
        for key in list(self.groups):
            self._fold_repeats(key)
        self._fold_repeats(None)
        for key in self._post_order():
            g = self.groups[key]
            g.size = sum(self.groups[i].size if i in self.groups else 1 for i in g.items)

    def _post_order(self) -> list:
        out, stack = [], [(k, False) for k in self.top if k in self.groups]
        while stack:
            key, done = stack.pop()
            if done:
                out.append(key)
                continue
            stack.append((key, True))
            stack.extend((i, False) for i in self.groups[key].items if i in self.groups)
        return out

    def _signature(self, item):
        if item in self.groups:
            return ("group", self.groups[item].label)
        n = self.graph.nodes[item]
        if n.kind == "output" or n.name:  # stays visible: never folded into a repeat
            return ("unique", item)
        return (n.op, n.public_op, n.site[1] if n.site else None, n.shape, n.dtype)

    def _fold_repeats(self, key):
        """Replace each run of >= MIN_REPEATS identical periods of items by a repeat group."""
        items = self.groups[key].items if key else self.top
        ops = [i for i in items if i in self.groups or self.graph.nodes[i].op is not None]
        if len(ops) < 2 * MIN_REPEATS:
            return
        sig = [self._signature(i) for i in ops]
        n = len(sig)
        runs = []  # (covered, -period, start, repeats)
        for p in range(1, min(MAX_PERIOD, n // MIN_REPEATS) + 1):
            i = 0
            while i + p < n:
                j = i
                while j + p < n and sig[j] == sig[j + p]:
                    j += 1
                reps = (j - i) // p + 1
                if reps >= MIN_REPEATS and reps * p >= MIN_FOLDED:
                    runs.append((reps * p, -p, i, reps))
                    i += reps * p
                else:
                    i = j + 1
        taken = [False] * n
        chosen = []
        for covered, neg_p, start, reps in sorted(runs, reverse=True):
            p = -neg_p
            if any(taken[start:start + reps * p]):
                continue
            for t in range(start, start + reps * p):
                taken[t] = True
            chosen.append((start, p, reps))
        if not chosen:
            return
        replace = {}
        for start, p, reps in chosen:
            rkey = f"{key or 'g'}/repeat:{ops[start]}"
            first = ops[start]
            name = (self.groups[first].label if first in self.groups
                    else self.graph.nodes[first].label)
            label = f"step ×{reps}" if p > 1 else f"{name} ×{reps}"
            steps = []
            for r in range(reps):
                chunk = ops[start + r * p: start + (r + 1) * p]
                if p == 1:
                    steps.append(chunk[0])
                    continue
                skey = f"{rkey}/step:{r}"
                self.groups[skey] = Group(skey, f"step {r}", "step", rkey, list(chunk))
                for c in chunk:
                    self.parent[c] = skey
                steps.append(skey)
            body = ops[start:start + p]
            names = [self.groups[b].label if b in self.groups else self.graph.nodes[b].label
                     for b in body]
            detail = " → ".join(names[:3]) + (" …" if len(names) > 3 else "")
            self.groups[rkey] = Group(rkey, label, "repeat", key, [], detail=detail)
            self.parent[rkey] = key
            self.groups[rkey].items = self._blocks(rkey, steps)
            replace[ops[start]] = rkey
            for c in ops[start + 1: start + reps * p]:
                replace[c] = None
        new_items = []
        for i in items:
            if i in replace:
                if replace[i] is not None:
                    new_items.append(replace[i])
            else:
                new_items.append(i)
        if key:
            self.groups[key].items = new_items
        else:
            self.top = new_items

    def _blocks(self, parent, steps) -> list:
        """Steps under ``parent``; more than BLOCK of them nest in blocks of BLOCK**k."""
        if len(steps) <= BLOCK:
            for s in steps:
                self.parent[s] = parent
            return steps
        width = BLOCK
        while len(steps) > width * BLOCK:
            width *= BLOCK
        blocks = []
        for b in range(0, len(steps), width):
            part = steps[b: b + width]
            bkey = f"{parent}/block:{b}"
            self.groups[bkey] = Group(bkey, f"steps {b}–{b + len(part) - 1}", "block", parent)
            self.parent[bkey] = parent
            self.groups[bkey].items = self._blocks(bkey, part)
            blocks.append(bkey)
        return blocks

    # ---- views ---------------------------------------------------------------
    def ancestors(self, key) -> list:
        out = []
        g = self.parent.get(key)
        while g:
            out.append(g)
            g = self.parent.get(g)
        return out

    def visible(self, expanded) -> tuple[list, dict]:
        """(visible item keys, item -> innermost expanded group holding it or None)."""
        items, where = [], {}
        stack = [(k, None) for k in reversed(self.top)]
        while stack:
            key, holder = stack.pop()
            if key in self.groups and key in expanded:
                stack.extend((i, key) for i in reversed(self.groups[key].items))
                continue
            items.append(key)
            where[key] = holder
        return items, where

    def representative(self, expanded) -> dict:
        """node key -> the visible item standing for it."""
        rep = {}
        for k in self.graph.nodes:
            shown = k
            for g in reversed(self.ancestors(k)):  # outermost first
                if g not in expanded:
                    shown = g
                    break
            rep[k] = shown
        return rep

    def default_expanded(self, budget: int = OPEN_BUDGET) -> set:
        """Open groups outermost first while the view stays within ``budget`` boxes;
        groups holding the outputs go first. Opening a group also shows the unnamed
        sources its ops read (a layer's weights), so they count too."""
        expanded: set = set()
        nodes = self.graph.nodes
        sources_of: dict = {}
        for s, d in self.graph.edges:
            if nodes[s].op is None and not nodes[s].name:
                sources_of.setdefault(d, set()).add(s)
        shown = {s for k in self.top if k in nodes for s in sources_of.get(k, ())}
        count = sum(1 for k in self.top
                    if k in self.groups or nodes[k].op is not None or nodes[k].name) + len(shown)
        outs = [k for k, n in nodes.items() if n.kind == "output"]
        near_out = {g for k in outs for g in self.ancestors(k)}
        queue = [k for k in self.top if k in self.groups]
        while queue:
            queue.sort(key=lambda g: g not in near_out)
            g = queue.pop(0)
            if self.groups[g].kind in ("repeat", "block", "step"):
                continue  # repeated structure stays folded until asked for
            items = self.groups[g].items
            new_sources = {s for k in items if k in nodes for s in sources_of.get(k, ())} - shown
            grow = len(items) - 1 + len(new_sources)
            if count + grow > budget:
                continue
            expanded.add(g)
            shown |= new_sources
            count += grow
            queue.extend(i for i in items if i in self.groups)
        return expanded
