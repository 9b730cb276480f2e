"""The training monitor: ``with monitor(model, optimizer) as m:`` around an ordinary loop.

Per step it records the logged scalars (``m.log(loss=...)``; until the loop calls
``m.log``, the one-element float arrays it evaluates, named by their variable), the
step time, every evaluation with its trigger and line (an ``mx.graph`` observer that
skips the graph copy, so it costs microseconds), the pending graph left behind (nodes and bytes of the
arrays the loop's variables, the model and the optimizer hold) and active and peak
memory. The variables looked at are those of the block that opened the monitor; events
of other threads are left out. Three checks turn that into warnings that name the line:

- a variable whose pending graph grows at every step (``total += loss``: the graph, and
  the buffers it keeps alive, grow until memory runs out);
- parameters or optimizer state that are never evaluated (the same growth, hidden
  inside the model);
- a step split by an implicit evaluation (``loss.item()``, ``print``, ``if loss > 1``)
  besides its other evaluation, step after step.

A step ends at ``m.step()`` if the loop calls it, else at each ``optimizer.update`` (when
an optimizer is given), and when ``m.log`` gets a name already logged in the step (or
the same scalar is evaluated again: a compiled step's update is not seen). Updates to the widget are throttled
(``interval`` seconds apart); the final state stays in the notebook as a picture.
"""

from __future__ import annotations

import linecache
import numbers
import sys
import threading
import time
from dataclasses import dataclass, field

import lumex.core as mx

from ._bundle import LiveView
from .graph_model import array_id, location

# A variable is leaking when its pending graph grew at each of this many boundaries.
GROWTH_STEPS = 4
# Parameters (or optimizer state) still pending at this many boundaries in a row.
PENDING_STEPS = 3
# A step split by an implicit evaluation this many times before it is reported.
SPLIT_STEPS = 3
EXPLICIT = ("eval", "async_eval")
_FLOATS = (mx.float32, mx.float16, mx.bfloat16, mx.float64)


@dataclass
class Evaluation:
    kind: str  # 'eval', 'item', 'repr', ... (mx.graph.TRIGGER_KINDS)
    where: str  # "cell [4], line 7" or "train.py:31"
    source: str  # the trigger's line of code
    nodes: int
    nbytes: int
    seconds: float

    @property
    def implicit(self) -> bool:
        return self.kind not in EXPLICIT


@dataclass
class Step:
    index: int
    seconds: float
    scalars: dict
    evaluations: list
    pending_nodes: int
    pending_bytes: int
    active: int
    peak: int
    growing: dict = field(default_factory=dict)  # variable -> pending nodes


@dataclass
class Warning_:
    kind: str  # 'growth', 'unevaluated', 'split'
    step: int
    where: str
    message: str


class Monitor(LiveView):
    """Context manager watching a training loop; see the module docstring.

    ``m.log(**scalars)`` records numbers (arrays are read once evaluated; a pending one
    is evaluated by the monitor, outside the counts). Until the loop calls ``m.log``,
    a one-element float array it evaluates (``loss.item()``, ``print(loss)``,
    ``mx.eval(..., loss)``) is recorded under its variable's name. ``m.step()`` ends a step;
    ``m.steps`` and ``m.warnings`` hold what was seen. Displays itself: a live widget
    in Jupyter, a static picture in saved notebooks."""

    def __init__(self, model=None, optimizer=None, *, display: bool = True,
                 interval: float = 0.1, title: str = ""):
        self.model = model
        self.optimizer = optimizer
        self.title = title
        self.steps: list[Step] = []
        self.warnings: list[Warning_] = []
        self.interval = interval
        self._display = display
        self._explicit_steps = False
        self._events: list[Evaluation] = []
        self._scalars: dict = {}
        self._history: dict = {}  # variable -> pending nodes at each boundary
        self._special = ("model.parameters()", "optimizer.state")
        self._opened = False  # a step is in progress
        self._measured = None  # (nodes, bytes, active, peak, growing) of the step in progress
        self._measure_next = False  # measure after the next evaluation
        self._splits: dict = {}  # trigger place -> steps it split
        self._reported: set = set()
        self._internal = False
        self._sources: dict = {}
        self._trees: dict = {}  # name -> ((id, len), holds only arrays) of the loop's containers
        self._update_where = ""
        self._probe = 0  # steps left with creation sites recorded
        self._logged = False  # m.log was called: no scalars are picked up by themselves
        self._auto: set = set()  # names of the scalars picked up from evaluations
        self._widget = None
        self._handle = None
        self._last_push = 0.0
        self.overhead = 0.0  # CPU seconds of the monitor's own bookkeeping

    # ---- the loop's interface ------------------------------------------------
    def log(self, **scalars) -> None:
        """Record numbers for this step: Python numbers or one-element arrays."""
        if not self._logged:  # the loop names its scalars: drop those picked up
            self._logged = True
            for s in self.steps:
                for k in self._auto:
                    s.scalars.pop(k, None)
            for k in self._auto:
                self._scalars.pop(k, None)
        # A name logged again: a new step began (without an optimizer, or with one whose
        # update runs inside a compiled step, where the monitor cannot see it).
        if not self._explicit_steps and any(k in self._scalars for k in scalars):
            self._end_step()
        t = time.thread_time()
        for name, value in scalars.items():
            if isinstance(value, mx.array):
                if value.size != 1:
                    raise ValueError(f"[monitor.log] {name} must be a number or an array of one "
                                     f"element, not an array of shape {tuple(value.shape)}.")
                if mx.graph.status(value) == "unscheduled":
                    self._internal = True
                    try:
                        mx.eval(value)
                    finally:
                        self._internal = False
                value = value.item()
            elif not isinstance(value, numbers.Real) or isinstance(value, bool):
                raise TypeError(f"[monitor.log] {name} must be a number or an array of one "
                                f"element, not {type(value).__name__}.")
            self._scalars[name] = float(value)
        self.overhead += time.thread_time() - t

    def step(self) -> None:
        """End the current step (optional: see the module docstring)."""
        self._explicit_steps = True
        self._measure_next = False
        self._end_step()

    # ---- context manager -------------------------------------------------------
    def __enter__(self):
        self._frame = sys._getframe(1)  # the loop's variables live here
        self._thread = threading.get_ident()
        mx.reset_peak_memory()
        self._t0 = self._t_step = time.perf_counter()
        self._observer = mx.graph.add_observer(self._observe, nodes=False)
        if self.optimizer is not None:
            self._wrap_update()
        if self._display and _in_kernel():
            self._handle = self._show()
        return self

    def __exit__(self, *exc):
        mx.graph.remove_observer(self._observer)
        if self.optimizer is not None:
            self.optimizer.__dict__.pop("update", None)
        if self._events or self._scalars:
            self._end_step(final=True)
        if self._probe:
            mx.graph.set_record_sites(self._sites_before)
            self._probe = 0
        self.duration = time.perf_counter() - self._t0
        self._frame = None
        self._push(force=True)
        if self._handle is not None:  # the saved notebook keeps the final state
            self._update_static(self._handle)
        return False

    # ---- observation -------------------------------------------------------------
    def _observe(self, ev) -> None:
        if self._internal or threading.get_ident() != self._thread:
            return  # the monitor's own reads, or another thread's work
        t = time.thread_time()
        key = (ev.file, ev.line)
        src = self._sources.get(key)
        if src is None:
            src = linecache.getline(ev.file, ev.line).strip() if ev.line else ""
            self._sources[key] = src
        where = location((ev.file, ev.line, ev.function)) if ev.line else "?"
        if not self._logged and ev.line:
            found = self._evaluated_scalars(ev, sys._getframe(1))
            if (found and not self._explicit_steps
                    and any(k in self._scalars for k in found)):
                self._end_step()  # the same scalar read again: a new step began
            self._scalars.update(found)
        self._events.append(Evaluation(ev.kind, where, src, ev.num_nodes, ev.nbytes,
                                       ev.wall_time))
        if self._measure_next:
            self._measure_next = False
            self._measure()
        self.overhead += time.thread_time() - t

    def _evaluated_scalars(self, ev, frame) -> dict:
        """Without ``m.log``: the one-element float arrays this evaluation computed that
        a variable of the evaluating line holds (``loss`` of ``loss.item()``,
        ``print(loss)`` or ``mx.eval(..., loss)``), by variable name."""
        while frame is not None and (frame.f_lineno != ev.line
                                     or frame.f_code.co_filename != ev.file):
            frame = frame.f_back
        if frame is None:
            return {}
        found, outputs = {}, None
        for name, value in frame.f_locals.items():
            if (isinstance(value, mx.array) and value.size == 1 and value.dtype in _FLOATS
                    and name[0] != "_"):
                if outputs is None:
                    outputs = set(ev.outputs)
                if array_id(value) in outputs:
                    self._internal = True
                    try:
                        found[name] = value.item()
                    finally:
                        self._internal = False
        self._auto.update(found)
        return found

    def _wrap_update(self):
        opt, original = self.optimizer, type(self.optimizer).update

        def update(model, gradients):
            if not self._explicit_steps:
                self._update_where = self._caller()
                self._end_step()
                self._measure_next = True
            return original(opt, model, gradients)

        opt.__dict__["update"] = update

    def _caller(self) -> str:
        f = sys._getframe(2)
        return location((f.f_code.co_filename, f.f_lineno, f.f_code.co_name))

    # ---- a step ends ---------------------------------------------------------------
    def _end_step(self, final: bool = False) -> None:
        t, cpu = time.perf_counter(), time.thread_time()
        seconds = t - self._t_step
        if (not self._opened and self.optimizer is not None and not self._explicit_steps
                and not self._events and not self._scalars):
            # The first update call opens the first step rather than closing an empty one.
            self._opened = True
            self._t_step = t
            return
        if self._measured is None:
            self._measure()
        nodes, nbytes, active, peak, growing = self._measured
        self._measured = None
        step = Step(len(self.steps), seconds, self._scalars, self._events, nodes, nbytes,
                    active, peak, growing)
        self.steps.append(step)
        self._scalars, self._events = {}, []
        if self._probe:  # the step just ended ran with creation sites recorded
            self._probe -= 1
            if not self._probe:
                mx.graph.set_record_sites(self._sites_before)
        self._check(step)
        self.overhead += time.thread_time() - cpu
        if not final:
            self._push()
        self._t_step = time.perf_counter()

    def _measure(self) -> None:
        """What the loop leaves pending, and memory, now. With an optimizer this runs
        right after the first evaluation that follows ``update`` (the step's own
        ``mx.eval``), so it sees the state the step leaves, not the next step's graph."""
        tracked = self._tracked()
        nodes, nbytes = mx.graph.pending_size(*tracked.values()) if tracked else (0, 0)
        growing = {}
        for name, value in tracked.items():
            n = mx.graph.pending_count(value)
            hist = self._history.setdefault(name, [])
            hist.append(n)
            if len(hist) > GROWTH_STEPS + 1:
                del hist[0]
            if n:
                growing[name] = n
        for name in set(self._history) - set(tracked):
            del self._history[name]  # gone, or evaluated: its series starts again
        self._measured = (nodes, nbytes, mx.get_active_memory(), mx.get_peak_memory(), growing)

    def _value_of(self, name):
        if name == "model.parameters()":
            return self.model.parameters()
        if name == "optimizer.state":
            return self.optimizer.state
        return self._frame.f_locals.get(name) if self._frame is not None else None

    def _tracked(self) -> dict:
        """Name -> array (or tree of arrays) for everything the loop holds."""
        out = {}
        frame = self._frame
        if frame is not None:
            trees = self._trees
            for name, value in frame.f_locals.items():
                if isinstance(value, mx.array):
                    if mx.graph.status(value) == "unscheduled":
                        out[name] = value
                elif isinstance(value, (list, tuple, dict)) and value and name[0] != "_":
                    key = (id(value), len(value))  # a list that grows is checked again
                    if trees.get(name, (None,))[0] != key:
                        trees[name] = (key, _array_tree(value))
                    if trees[name][1]:
                        out[name] = value
        if self.model is not None:
            for name, value in list(out.items()):
                if value is self.model:
                    del out[name]
            out["model.parameters()"] = self.model.parameters()
        if self.optimizer is not None:
            out["optimizer.state"] = self.optimizer.state
        return out

    # ---- the checks ------------------------------------------------------------------
    def _check(self, step: Step) -> None:
        stuck = []  # model parameters / optimizer state that every update extends
        for name in self._special:
            hist = self._history.get(name, [])
            # Pending alone is no proof (nn.value_and_grad leaves a copy per parameter);
            # never evaluated means every update adds to the graph.
            if len(hist) > PENDING_STEPS and _increasing(hist[-PENDING_STEPS - 1:]):
                stuck.append(name)
        if stuck:
            self._warn_unevaluated(stuck, step)
        for name, hist in list(self._history.items()):
            if name in self._special:
                continue
            if (len(hist) >= 3 and _increasing(hist[-3:]) and not self._probe
                    and ("growth", name) not in self._reported):
                self._probe_sites()  # find the line that extends it, before reporting
            # While the state is never evaluated everything computed from it grows too.
            if not stuck and len(hist) > GROWTH_STEPS and _increasing(hist):
                self._warn_growth(name, step, hist, self._value_of(name))
        implicit = [e for e in step.evaluations if e.implicit]
        if implicit and len(step.evaluations) >= 2:
            for e in implicit:
                key = (e.where, e.kind)
                self._splits[key] = self._splits.get(key, 0) + 1
                if self._splits[key] >= SPLIT_STEPS:
                    self._warn_split(e, step)

    def _probe_sites(self):
        self._sites_before = mx.graph.set_record_sites(True)
        self._probe = 2

    def _warn(self, key, kind, step, where, message):
        if key in self._reported:
            return
        self._reported.add(key)
        self.warnings.append(Warning_(kind, step.index, where, message))

    def _warn_growth(self, name, step, hist, value):
        if value is None or ("growth", name) in self._reported:
            return
        per_step = (hist[-1] - hist[0]) / (len(hist) - 1)
        where, src = _made_at(value)
        plan = _plan_text(value)
        line = f" It is extended at {where}: `{src}`." if where else ""
        self._warn(("growth", name), "growth", step, where,
                   f"`{name}` keeps a pending graph that grows every step ({hist[0]} → "
                   f"{hist[-1]} nodes over {len(hist) - 1} steps, +{per_step:g}/step): the "
                   f"graph and the buffers it holds grow until memory runs out.{line}{plan} "
                   f"Evaluate it each step (add it to the step's mx.eval), or accumulate a "
                   f"Python number (`.item()` after the step's mx.eval).")

    def _warn_unevaluated(self, names, step):
        if ("unevaluated",) in self._reported:
            return
        what = " and ".join("the model's parameters" if n.startswith("model") else
                            "the optimizer state" for n in names)
        nodes = sum(self._history[n][-1] for n in names)
        values = [self._value_of(n) for n in names]
        where = self._update_where or _made_at(self.model.parameters() if self.model is not None
                                               else self.optimizer.state)[0]
        at = f" after optimizer.update at {where}" if where else ""
        self._warn(("unevaluated",), "unevaluated", step, where,
                   f"{what} are never evaluated: their pending graph is {nodes} nodes after "
                   f"{step.index + 1} steps and every update adds to it (and to everything "
                   f"computed from them).{_plan_text(values)} Add mx.eval(model.parameters(), "
                   f"optimizer.state){at}.")

    def _warn_split(self, e: Evaluation, step: Step):
        if ("split", e.where, e.kind) in self._reported:
            return
        self._warn(("split", e.where, e.kind), "split", step, e.where,
                   f"every step evaluates {len(step.evaluations)} times: `{e.source}` at "
                   f"{e.where} ({e.kind}) forces an implicit evaluation in the middle of the "
                   f"step. Evaluate once per step: read the value after the step's mx.eval "
                   f"(or pass it to m.log), or add it to that mx.eval.")

    # ---- display -------------------------------------------------------------------
    def _push(self, force: bool = False) -> None:
        if self._widget is None:
            return
        now = time.perf_counter()
        if force or now - self._last_push >= self.interval:
            self._last_push = now
            cpu = time.thread_time()
            self._widget.data = self.to_json()
            self.overhead += time.thread_time() - cpu

    def to_json(self, points: int = 400) -> dict:
        from .monitor_view import payload

        return payload(self, points)

    def to_svg(self, dark: bool = False) -> str:
        from .monitor_view import render_svg

        return render_svg(self.to_json(), dark=dark)

    def to_html(self) -> str:
        from .monitor_view import static_html

        return static_html(self)

    def widget(self):
        """The live view (an anywidget), updated as steps end."""
        if self._widget is None:
            from .monitor_view import MonitorWidget

            self._widget = MonitorWidget(data=self.to_json())
        return self._widget

    def _static_bundle(self) -> dict:
        return {"text/plain": repr(self), "text/html": self.to_html()}

    def _live_widget(self):
        return self.widget()

    def summary(self) -> str:
        if not self.steps:
            return "no steps yet"
        last = self.steps[-1]
        times = sorted(s.seconds for s in self.steps)
        evals = sum(len(s.evaluations) for s in self.steps) / len(self.steps)
        scalars = ", ".join(f"{k} {v:.4g}" for k, v in last.scalars.items())
        return (f"{len(self.steps)} steps, {times[len(times) // 2] * 1e3:.2f} ms/step (median), "
                f"{evals:.2g} evaluations/step, pending {last.pending_nodes} nodes"
                + (f"; {scalars}" if scalars else "")
                + (f"; {len(self.warnings)} warning(s)" if self.warnings else ""))

    def __repr__(self):
        return f"Monitor({self.summary()})"


def monitor(model=None, optimizer=None, **kwargs) -> Monitor:
    """Watch a training loop: ``with monitor(model, optimizer) as m: ...``.

    Shows loss and logged scalars (``m.log(loss=loss, acc=acc)``; without ``m.log``, the
    one-element float arrays the loop evaluates, by variable name), step time,
    evaluations per step with their trigger lines, the pending graph left after each
    step (nodes, bytes), active and peak memory (peak counted from the start of the
    block: the monitor calls ``mx.reset_peak_memory()``). Warns, naming the line, when a
    variable's pending graph grows across steps (``total += loss``), when parameters or
    optimizer state are never evaluated, and when implicit evaluations split steps.

    Steps end at ``m.step()`` if called, else at each ``optimizer.update`` and when
    ``m.log`` is given (or the loop evaluates) a scalar it already has for the step.
    Keywords: ``display`` (show the widget in Jupyter, default True), ``interval``
    (seconds between widget updates, default 0.1), ``title``."""
    return Monitor(model, optimizer, **kwargs)


# ---- helpers -----------------------------------------------------------------------
def _in_kernel() -> bool:
    if "IPython" not in sys.modules:  # not under IPython (and importing it is slow)
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _increasing(values) -> bool:
    return all(b > a for a, b in zip(values, values[1:]))


def _array_tree(value, depth: int = 0) -> bool:
    """A list/tuple/dict whose leaves are all arrays (what mx.graph functions accept)."""
    if isinstance(value, mx.array):
        return True
    if depth > 8 or not isinstance(value, (list, tuple, dict)):
        return False
    items = value.values() if isinstance(value, dict) else value
    return all(_array_tree(v, depth + 1) for v in items)


def _made_at(value) -> tuple[str, str]:
    """(place, source line) where the newest node of ``value`` was created, if recorded."""
    arrays = [value] if isinstance(value, mx.array) else _leaves(value)
    for a in arrays:
        site = mx.graph.site(a)
        if site:
            return location(site), linecache.getline(site[0], site[1]).strip()
    return "", ""


def _leaves(tree) -> list:
    if isinstance(tree, mx.array):
        return [tree]
    items = tree.values() if isinstance(tree, dict) else tree
    return [a for v in items for a in _leaves(v)]


def _plan_text(value) -> str:
    """The memory plan of evaluating ``value`` now, and the cut that lowers its peak
    the most (graphs of up to 200 pending nodes)."""
    from ._html import human_bytes
    from .graph_model import from_arrays
    from .memory_plan import best_cut, cut_peaks, simulate

    try:
        graph = from_arrays(*_leaves(value))
        plan = simulate(graph)
        cut = best_cut(graph, plan, cut_peaks(graph))
    except Exception:  # noqa: BLE001 - a warning must not break the loop
        return ""
    return (f" Evaluating it now needs {human_bytes(plan.peak)} at its peak and frees "
            f"{human_bytes(plan.released)} it keeps alive" + (f"; {cut}." if cut else "."))
