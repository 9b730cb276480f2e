"""The training monitor (headless): the leak detectors on the loops that leak and on a
clean loop, step delimiting, logged scalars, the widget's data and throttling, and the
static picture a saved notebook keeps."""

import base64
import re

import pytest

pytestmark = pytest.mark.lumex_only

import anywidget  # noqa: F401,E402  (a test dependency: missing, the tests fail)
import lumex.core as mx  # noqa: E402
import lumex.nn as nn  # noqa: E402
import lumex.optimizers as optim  # noqa: E402
from lumex.notebook_ext import monitor  # noqa: E402

STEPS = 12
TRAIN_EVAL_LINE = 48  # the mx.eval line of train_clean


@pytest.fixture
def setup():
    mx.random.seed(0)
    X = mx.random.normal((64, 8))
    Y = mx.random.randint(0, 3, (64,))
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))
    mx.eval(model.parameters(), X, Y)
    opt = optim.Adam(1e-2)

    def loss_fn(m, x, y):
        return nn.losses.cross_entropy(m(x), y, reduction="mean")

    return model, opt, nn.value_and_grad(model, loss_fn), X, Y


def kinds(m):
    return sorted({w.kind for w in m.warnings})


def train_clean(m, setup, steps):
    """The clean loop: one evaluation per step, the loss logged."""
    model, opt, step, X, Y = setup
    with m:
        for _ in range(steps):
            loss, grads = step(model, X, Y)
            opt.update(model, grads)
            mx.eval(model.parameters(), opt.state, loss)
            m.log(loss=loss)
    return m


def test_clean_loop_gives_no_warning(setup):
    model, opt, step, X, Y = setup
    m = train_clean(monitor(model, opt, display=False), setup, STEPS)
    assert m.warnings == []
    # The first update opens step 0; the rest of the loop closes the last one.
    assert len(m.steps) == STEPS
    assert all(len(s.evaluations) == 1 for s in m.steps[:-1])
    ev = m.steps[1].evaluations[0]
    assert ev.kind == "eval" and not ev.implicit
    assert ev.source == "mx.eval(model.parameters(), opt.state, loss)"
    assert ev.where == f"test_notebook_monitor.py:{TRAIN_EVAL_LINE}"
    assert re.fullmatch(r"test_notebook_monitor\.py:\d+", ev.where)
    losses = [s.scalars["loss"] for s in m.steps[:-1]]
    assert losses[-1] < losses[0]
    assert all(s.active > 0 and s.peak >= s.active for s in m.steps)
    # Nothing of the model or the optimizer is left pending between steps.
    assert all("total" not in s.growing for s in m.steps)
    # Restored on exit: no observer, the class's update.
    assert "update" not in vars(opt)


def test_total_plus_loss_leak_is_named_with_its_line(setup):
    model, opt, step, X, Y = setup
    total = mx.array(0.0)
    with monitor(model, opt, display=False) as m:
        for _ in range(STEPS):
            loss, grads = step(model, X, Y)
            opt.update(model, grads)
            mx.eval(model.parameters(), opt.state)
            total += loss
    assert kinds(m) == ["growth"]
    w = m.warnings[0]
    assert "`total`" in w.message and "`total += loss`" in w.message
    assert re.fullmatch(r"test_notebook_monitor\.py:\d+", w.where)
    # The pending graph the loop leaves grows step after step.
    pend = [s.pending_nodes for s in m.steps]
    assert pend[-1] > pend[2] > 0
    assert "needs" in w.message  # the memory plan of evaluating it


def test_implicit_evaluation_splitting_each_step(setup):
    model, opt, step, X, Y = setup
    with monitor(model, opt, display=False) as m:
        for _ in range(STEPS):
            loss, grads = step(model, X, Y)
            if loss.item() > 100:  # an implicit evaluation before the update
                break
            opt.update(model, grads)
            mx.eval(model.parameters(), opt.state)
    assert kinds(m) == ["split"]
    assert "`if loss.item() > 100:" in m.warnings[0].message
    assert "(item)" in m.warnings[0].message
    mid = m.steps[3]
    assert [e.kind for e in mid.evaluations] == ["eval", "item"]


def test_one_implicit_read_after_the_step_is_fine(setup):
    model, opt, step, X, Y = setup
    with monitor(model, opt, display=False) as m:
        for _ in range(STEPS):
            loss, grads = step(model, X, Y)
            opt.update(model, grads)
            mx.eval(model.parameters(), opt.state, loss)
            print_me = loss.item()  # already computed: no evaluation at all
    assert print_me > 0 and m.warnings == []


def test_parameters_never_evaluated(setup):
    model, opt, step, X, Y = setup
    with monitor(model, opt, display=False) as m:
        for _ in range(8):
            loss, grads = step(model, X, Y)
            opt.update(model, grads)
    assert kinds(m) == ["unevaluated"]  # the growth of loss and grads follows from it
    msg = m.warnings[0].message
    assert "parameters and the optimizer state are never evaluated" in msg
    assert "after optimizer.update at test_notebook_monitor.py:" in msg


def test_steps_by_log_or_step_without_optimizer():
    x = mx.array([1.0, 2.0])
    with monitor(display=False) as m:
        for i in range(5):
            y = mx.sum(x * i)
            mx.eval(y)
            m.log(y=y, i=i)
    assert [s.scalars["y"] for s in m.steps] == [0.0, 3.0, 6.0, 9.0, 12.0]
    assert len(m.steps) == 5
    with monitor(display=False) as m:
        for i in range(4):
            m.log(y=mx.sum(x * i))  # pending: the monitor evaluates it, outside the counts
            m.log(i=i)
            m.step()
    assert len(m.steps) == 4 and all(s.evaluations == [] for s in m.steps)
    assert m.steps[2].scalars == {"y": 6.0, "i": 2.0}


def test_exception_inside_restores_everything(setup):
    model, opt, step, X, Y = setup
    with pytest.raises(RuntimeError):
        with monitor(model, opt, display=False):
            raise RuntimeError("boom")
    assert "update" not in vars(opt)
    events = []
    h = mx.graph.add_observer(events.append, nodes=False)
    mx.eval(mx.exp(mx.array([1.0])))
    mx.graph.remove_observer(h)
    assert len(events) == 1  # only ours: the monitor's observer is gone


def test_widget_data_throttled_and_static_picture(setup):
    model, opt, step, X, Y = setup
    m = monitor(model, opt, display=False, interval=3600)
    w = m.widget()
    pushes = []
    w.observe(lambda change: pushes.append(change), names="data")
    train_clean(m, setup, 30)
    # One push as the first step ends, one at exit: nothing in between with a long interval.
    assert len(pushes) <= 2
    data = w.data
    assert data["steps"] == 30 and len(data["series"]["step"]) == 30
    assert data["series"]["scalars"]["loss"][-1] is not None
    assert data["latest"]["evaluations"][0]["source"].startswith("mx.eval(")
    # Long runs are thinned for the front end, the last step kept.
    big = m.to_json(points=7)
    assert len(big["series"]["step"]) <= 8 and big["series"]["step"][-1] == 29

    m2 = monitor(model, opt, display=False, interval=0.0)
    n = []
    m2.widget().observe(lambda c: n.append(c), names="data")
    train_clean(m2, setup, 5)
    assert len(n) >= 4  # with no throttle every step is sent

    # Two outputs, as every view: the picture (kept by a saved notebook, hidden under a
    # drawn widget) and then the widget.
    from lumex.notebook_ext._bundle import WIDGET_VIEW, display_bundles

    static, live = display_bundles(m._static_bundle(), m._live_widget)
    assert WIDGET_VIEW in live and WIDGET_VIEW not in static
    html = static["text/html"]
    assert '<div class="lmx-static">' in html
    src = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    svg = base64.b64decode(src).decode()
    assert svg.startswith("<svg") and svg.count("<polyline") >= 4
    assert "step time (ms)" in svg and "pending graph (nodes)" in svg
    assert "evaluations in the last step" in html
    dark = m.to_svg(dark=True)
    assert "#1e1e1e" in dark


def test_static_html_carries_the_warnings(setup):
    model, opt, step, X, Y = setup
    total = mx.array(0.0)
    with monitor(model, opt, display=False, title="leaky") as m:
        for _ in range(STEPS):
            loss, grads = step(model, X, Y)
            opt.update(model, grads)
            mx.eval(model.parameters(), opt.state)
            total = total + loss
    html = m.to_html()
    assert "leaky" in html and "lmx-warn" in html and "`total`" in html
    assert "Monitor(" in repr(m) and "warning" in repr(m)


def test_log_rejects_what_is_not_one_number():
    with monitor(display=False) as m:
        with pytest.raises(ValueError, match=r"acc must be a number .* shape \(3,\)"):
            m.log(acc=mx.array([1.0, 2.0, 3.0]))
        with pytest.raises(TypeError, match="acc must be a number"):
            m.log(acc="high")
        m.log(acc=mx.array([0.5]), n=3)
    assert m.steps[0].scalars == {"acc": 0.5, "n": 3.0}


def test_other_threads_evaluations_are_not_the_loops():
    import threading

    x = mx.array([1.0, 2.0])
    with monitor(display=False) as m:
        for i in range(3):
            worker = threading.Thread(target=lambda: mx.eval(mx.exp(x) + i))
            worker.start()
            worker.join()
            mx.eval(x * i)
            m.step()
    assert [len(s.evaluations) for s in m.steps] == [1, 1, 1]


def test_loss_read_by_item_is_plotted_without_log(setup):
    model, opt, step, X, Y = setup
    seen = []
    with monitor(model, opt, display=False) as m:
        for _ in range(STEPS):
            loss, grads = step(model, X, Y)
            opt.update(model, grads)
            mx.eval(model.parameters(), opt.state)
            seen.append(loss.item())  # the loop's only read of its loss
    got = [s.scalars.get("loss") for s in m.steps]
    assert got == pytest.approx(seen)
    assert m.to_json()["series"]["scalars"]["loss"][-1] == pytest.approx(seen[-1])


def test_loss_evaluated_with_the_step_is_plotted_without_log(setup):
    model, opt, step, X, Y = setup
    with monitor(model, opt, display=False) as m:
        for _ in range(STEPS):
            loss, grads = step(model, X, Y)
            opt.update(model, grads)
            mx.eval(model.parameters(), opt.state, loss)
    assert m.warnings == []
    assert set(m.steps[-1].scalars) == {"loss"}
    assert m.steps[-1].scalars["loss"] < m.steps[0].scalars["loss"]


def test_no_picked_up_scalars_beside_explicit_log(setup):
    model, opt, step, X, Y = setup
    with monitor(model, opt, display=False) as m:
        for _ in range(STEPS):
            loss, grads = step(model, X, Y)
            opt.update(model, grads)
            mx.eval(model.parameters(), opt.state, loss)
            m.log(train=loss)  # the loop names it: no second "loss" line
    assert all(set(s.scalars) == {"train"} for s in m.steps[:-1])
    assert list(m.to_json()["series"]["scalars"]) == ["train"]


def test_picked_up_scalar_delimits_steps_without_optimizer():
    x = mx.array([3.0])
    with monitor(display=False) as m:
        for _ in range(6):
            x = x * 0.5
            err = mx.sum(x * x)
            float(err)  # read once per step; nothing else marks the steps
    assert len(m.steps) == 6
    assert [s.scalars["err"] for s in m.steps] == pytest.approx(
        [9 * 0.25 ** (i + 1) for i in range(6)])
    assert m.warnings == []


def test_saved_notebook_keeps_the_final_state(setup, monkeypatch):
    """In a kernel the monitor shows a picture then its widget, and rewrites the
    picture with the final state at exit (what a notebook saved afterwards keeps)."""
    from IPython.core.interactiveshell import InteractiveShell

    import sys

    monitor_module = sys.modules["lumex.notebook_ext.monitor"]
    shown, updates = [], []

    class Handle:
        def update(self, obj, raw=False):
            updates.append(obj)

    def display(obj, raw=False, display_id=None):
        shown.append(obj)
        return Handle() if display_id else None

    monkeypatch.setattr("IPython.display.display", display)
    monkeypatch.setattr(monitor_module, "_in_kernel", lambda: True)
    InteractiveShell.instance()
    m = train_clean(monitor(setup[0], setup[1]), setup, 6)
    assert len(shown) == 2 and "lmx-static" in shown[0]["text/html"]
    assert "no steps yet" in shown[0]["text/html"]
    assert len(updates) == 1
    final = updates[0]["text/html"]
    assert "lmx-static" in final and "6 steps" in final and "data:image/svg+xml" in final
    assert m.widget().data["steps"] == 6
