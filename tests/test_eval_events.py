"""Evaluation events: one per trigger, with the user's line and a graph snapshot."""

import io
import pickle
import sys
import threading
import warnings

import numpy as np
import pytest

import lumex.core as mx

pytestmark = pytest.mark.lumex_only
G = mx.graph


def line():
    """The caller's line number."""
    return sys._getframe(1).f_lineno


def pending():
    """A pending scalar of two nodes: (x * 2) + 1, with x available."""
    x = mx.array(1.5)
    return x * 2 + 1


# (kind, trigger): each lambda sits on one line, which the event must name.
TRIGGERS = [
    ("eval", lambda y: mx.eval(y)),
    ("eval", lambda y: mx.eval({"a": [y]})),
    ("async_eval", lambda y: mx.async_eval(y)),
    ("repr", lambda y: repr(y)),
    ("repr", lambda y: str(y)),
    ("repr", lambda y: print(y, file=io.StringIO())),
    ("format", lambda y: f"{y:.2f}"),
    ("format", lambda y: format(y)),
    ("item", lambda y: y.item()),
    ("tolist", lambda y: y.tolist()),
    ("bool", lambda y: bool(y)),
    ("int", lambda y: int(y)),
    ("float", lambda y: float(y)),
    ("complex", lambda y: complex(y)),
    ("index", lambda y: range(y.astype(mx.int32))),
    ("buffer", lambda y: memoryview(y)),
    ("buffer", lambda y: np.array(y)),
    ("buffer", lambda y: np.asarray(y)),
    ("bytes", lambda y: bytes(y)),
    ("dlpack", lambda y: y.__dlpack__()),
    ("dlpack", lambda y: np.from_dlpack(y)),
    ("pickle", lambda y: pickle.dumps(y)),
    ("save", lambda y: mx.save(io.BytesIO(), y)),
    ("save", lambda y: mx.savez(io.BytesIO(), y=y)),
    ("save", lambda y: mx.savez_compressed(io.BytesIO(), y)),
    ("save", lambda y: mx.save_safetensors(io.BytesIO(), {"y": y})),
    ("save", lambda y: mx.save_gguf(io.BytesIO(), {"y": y})),
]


@pytest.mark.parametrize("kind,trigger", TRIGGERS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(TRIGGERS)])
def test_each_trigger_raises_one_event(kind, trigger):
    y = pending()
    expected = G.nodes(y)
    with G.collect_events() as log:
        trigger(y)
    assert len(log.events) == 1
    (ev,) = log.events
    assert ev.kind == kind
    assert ev.file == __file__
    assert ev.line == trigger.__code__.co_firstlineno
    assert ev.function == "<lambda>"
    assert ev.source.startswith(f'("{kind}", lambda y:')
    computed = [n for n in ev.nodes if n.op]
    got = [(n.id, n.op, n.inputs) for n in ev.nodes]
    if kind in ("index", "bytes"):
        # An extra astype / contiguous copy, computed in the same (single) event.
        assert ev.num_nodes == 3 and got[: len(expected)] == [
            (n.id, n.op, n.inputs) for n in expected
        ]
    else:
        assert ev.num_nodes == 2
        assert got == [(n.id, n.op, n.inputs) for n in expected]
        assert ev.nbytes == 2 * 4
    assert all(n.status == "unscheduled" for n in computed)
    assert ev.wall_time >= 0
    assert G.status(y) == "available"


def test_numpy_without_buffer_goes_through_array_protocol():
    # bfloat16 has no PEP 3118 format: NumPy falls back to __array__.
    pytest.importorskip("ml_dtypes")
    y = pending().astype(mx.bfloat16)
    with G.collect_events() as log:
        np.array(y); ln = line()  # noqa: E702
    assert [e.kind for e in log.events] == ["numpy"]
    assert log.events[0].line == ln


def test_control_flow_names_the_if_line():
    y = pending()
    with G.collect_events() as log:
        if y > 0:
            ln = line() - 1
    (ev,) = log.events
    assert (ev.kind, ev.line, ev.function) == ("bool", ln, "test_control_flow_names_the_if_line")
    assert ev.source == "if y > 0:"
    assert [n.op for n in ev.nodes if n.op] == ["Multiply", "Add", "Greater"]


def test_no_event_when_nothing_is_computed():
    y = pending()
    mx.eval(y)
    with G.collect_events() as log:
        repr(y)
        y.item()
        mx.eval(y)
        for _ in mx.array([1, 2]):  # iteration yields lazy slices, as in MLX
            pass
    assert log.events == []


def test_iteration_then_conversion():
    a = mx.array([1.0, 2.0]) * 3
    with G.collect_events() as log:
        rows = [float(r) for r in a]; ln = line()  # noqa: E702
    assert [e.kind for e in log.events] == ["float", "float"]
    assert {e.line for e in log.events} == {ln}
    assert rows == [3.0, 6.0]


def test_eval_of_several_arrays_is_one_event():
    x = mx.array([1.0, 2.0])
    a, b = mx.exp(x), mx.sin(x)
    with G.collect_events() as log:
        mx.eval(a, b)
    (ev,) = log.events
    assert ev.num_nodes == 2 and set(ev.outputs) == {n.id for n in ev.nodes if n.is_output}


def test_callback_observer_and_removal():
    seen = []
    h = G.add_observer(seen.append)
    try:
        pending().item()
    finally:
        assert G.remove_observer(h)
    pending().item()
    assert [e.kind for e in seen] == ["item"]
    assert not G.remove_observer(h)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_observer_errors_do_not_break_evaluation():
    def bad(ev):
        raise RuntimeError("observer failed")

    h = G.add_observer(bad)
    try:
        assert pending().item() == 4.0
    finally:
        G.remove_observer(h)


def test_events_are_ordered_and_sequenced():
    with G.collect_events() as log:
        pending().item()
        repr(pending())
    assert [e.kind for e in log.events] == ["item", "repr"]
    assert log.events[0].sequence < log.events[1].sequence


def test_threads():
    n = 100
    errors = []
    # Both threads alive at once, so their ids cannot be reused.
    barrier = threading.Barrier(2)

    def work():
        try:
            barrier.wait()
            for i in range(n):
                x = mx.array(float(i))
                mx.eval(mx.exp(x) + x)
        except Exception as e:  # pragma: no cover
            errors.append(e)
        barrier.wait()

    with G.collect_events() as log:
        ts = [threading.Thread(target=work) for _ in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    assert not errors
    assert len(log.events) == 2 * n
    assert all(e.kind == "eval" and e.num_nodes == 2 for e in log.events)
    assert len({e.thread_id for e in log.events}) == 2
    assert len({e.sequence for e in log.events}) == 2 * n


def test_growth_warning_names_the_line():
    G.set_growth_warning(100)
    try:
        x = mx.array(0.0)
        with G.record_sites():
            for _ in range(300):
                x = x + 1; ln = line()  # noqa: E702
        with pytest.warns(G.GraphGrowthWarning, match=rf"300 of them were created at .*test_eval_events.py:{ln}"):
            mx.eval(x)
        y = mx.array(0.0)
        for _ in range(300):
            y = y + 1
        with pytest.warns(G.GraphGrowthWarning, match="record_sites"):
            y.item()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            (mx.array(1.0) + 1).item()  # small graphs do not warn
    finally:
        G.set_growth_warning(None)


def test_save_and_mask_trigger_kinds_exist():
    # The C++ scope EvalTrigger(TriggerKind::save / bool_mask) is for the I/O and
    # indexing bindings; their names are part of the event vocabulary.
    assert {"save", "bool_mask"} <= set(G.TRIGGER_KINDS)


@pytest.mark.lumex_only
def test_boolean_mask_read_is_an_evaluation_point():
    a = mx.arange(6)
    with G.collect_events() as log:
        ln = line() + 1
        picked = a[a % 2 == 0]
    assert [(e.kind, e.line) for e in log.events] == [("bool_mask", ln)]
    np.testing.assert_array_equal(np.array(picked), [0, 2, 4])


# An observer, a ledger and a creation-site scope left open when the interpreter exits:
# the engine's observer registry outlives Python, so without the atexit release the
# callable and everything it reached (events, graph nodes, the ledger) were never freed
# and nanobind listed them as leaked instances at exit.
LEFT_OPEN_AT_EXIT = """
import lumex.core as mx
seen = []
mx.graph.add_observer(seen.append)
log = mx.graph.collect_events(); log.__enter__()
scope = mx.graph.record_sites(); scope.__enter__()
ledger = None
try:
    from lumex.notebook_ext import EvalLedger
    ledger = EvalLedger(); ledger.__enter__()
except ImportError:  # installed without the notebook extra
    pass
mx.eval(mx.exp(mx.ones(3)) + 1)
assert seen and len(log) == 1 and seen[0].nodes
print("ran")
"""


def test_observers_left_registered_are_released_at_exit():
    import os
    import subprocess

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, "-c", LEFT_OPEN_AT_EXIT], capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 0 and "ran" in proc.stdout, proc.stderr
    assert "leaked" not in proc.stderr, proc.stderr
