"""memory_plan: the peak memory an evaluation needs, replayed over the pending graph,
against the allocator's measured peak (mx.reset_peak_memory / mx.get_peak_memory)."""

import pytest

pytestmark = pytest.mark.lumex_only

import lumex.core as mx  # noqa: E402
from lumex.notebook_ext import memory_plan  # noqa: E402


@pytest.fixture(scope="module")
def xw():
    mx.random.seed(1)
    x = mx.random.normal((256, 256))
    w = mx.random.normal((256, 256))
    mx.eval(x, w)
    return x, w


def measured(*arrays) -> int:
    """Bytes above today's that evaluating ``arrays`` really allocated at its peak."""
    mx.reset_peak_memory()
    base = mx.get_active_memory()
    mx.eval(*arrays)
    return max(mx.get_peak_memory() - base, 0)


GRAPHS = {
    # donation: each elementwise op writes over its input
    "elementwise chain": lambda x, w: mx.exp(mx.sin(x) * 2 + 1) - x,
    # three branches alive at once
    "wide sum": lambda x, w: mx.sin(x) + mx.cos(x) + mx.tanh(x) * mx.exp(x),
    "mlp": lambda x, w: mx.sum(mx.maximum(x @ w, 0.0) @ w, axis=1),
    # a gradient graph: forward values kept for the backward pass
    "gradient": lambda x, w: mx.grad(lambda a: mx.sum(mx.tanh(a @ w) ** 2))(x),
    # a transpose is a view; the reshape after it must copy
    "transpose then reshape": lambda x, w: (mx.exp(x).T.reshape(-1) * 2).sum(),
    "broadcast": lambda x, w: mx.softmax(x[:, :1] + w, axis=-1),
}


@pytest.mark.parametrize("name", list(GRAPHS))
def test_peak_matches_the_allocator(xw, name):
    x, w = xw
    y = GRAPHS[name](x, w)  # intermediates are held only by the graph
    plan = memory_plan(y)
    got = measured(y)
    assert plan.peak == pytest.approx(got, rel=0.02, abs=256), (name, plan, got)
    assert plan.nodes == 0 or plan.kept <= plan.peak


def test_a_variable_keeps_its_buffer(xw):
    x, _ = xw
    h = mx.exp(x)  # held by this variable: evaluation cannot free or donate it
    y = mx.sin(h) * 3
    plan = memory_plan(y)
    assert plan.peak == pytest.approx(measured(y), abs=256)
    assert plan.kept >= 2 * x.nbytes  # h and y both stay
    assert plan.peak >= 2 * x.nbytes


def test_cut_evaluate_h_first(xw):
    x, w = xw
    h = mx.maximum(x @ w, 0.0)
    y = mx.sum(mx.exp(h) * mx.cos(x @ w) + h, axis=0)
    whole = memory_plan(y)
    cut = memory_plan(y, first=h)
    assert cut.first and "maximum" in cut.describe() or cut.first
    # Replaying "mx.eval(h); mx.eval(y)" against the allocator.
    mx.reset_peak_memory()
    base = mx.get_active_memory()
    mx.eval(h)
    mx.eval(y)
    got = mx.get_peak_memory() - base
    assert cut.peak == pytest.approx(got, rel=0.02, abs=256)
    assert whole.peak > 0


def test_cut_lowers_the_peak_of_an_accumulated_sum(xw):
    x, _ = xw
    # Ten large terms kept by a sum that nothing evaluates until the end.
    parts = [mx.exp(x * (i / 10)) for i in range(10)]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    del parts, p
    late = memory_plan(total)
    assert late.peak == pytest.approx(measured(total), abs=256)


def test_describe_and_nothing_pending(xw):
    x, _ = xw
    plan = memory_plan(x)  # already computed: nothing to run
    assert plan.peak == 0 and plan.nodes == 0
    text = memory_plan(mx.exp(x) + 1).describe()
    assert "at its peak" in text and "KB" in text


def test_graph_view_details_show_the_peaks(xw):
    from lumex.notebook_ext import show_graph

    x, _ = xw
    h = mx.exp(x) * 2
    y = mx.sum(mx.sin(h) + h)
    gv = show_graph(y, h=h)
    assert "at its peak" in gv.summary()
    infos = {n["title"]: n["info"] for n in gv.to_json()["nodes"]}
    first = infos["h = multiply"]["peak if evaluated first"]
    whole = memory_plan(y)
    assert first.endswith(f"(whole graph at once: {_kb(whole.peak)})")
    assert "peak if evaluated first" not in infos["input"]  # computed already


def _kb(n):
    from lumex.notebook_ext._html import human_bytes

    return human_bytes(n)


SMALL = {
    # ones/full: Full materialises the broadcast scalar, so the result owns its bytes
    "ones": lambda: [mx.ones((123,))],
    "ones, scaled": lambda: [mx.ones((3, 41)) * 2],
    "full, transposed": lambda: [mx.full((3, 41), 2.0).T],
    # a broadcast of a computed scalar is a view: only the scalar is allocated
    "broadcast view": lambda: [mx.broadcast_to(mx.array(1.0) + 0, (123,))],
    "zeros + ones": lambda: [mx.zeros((123,)) + mx.ones((123,))],
}


@pytest.mark.parametrize("name", list(SMALL))
def test_ones_and_broadcasts_match_the_allocator(name):
    outs = SMALL[name]()
    plan = memory_plan(*outs)
    got = measured(*outs)
    assert plan.peak == got, (name, plan, got)
    # What must be materialised (every result but a view) is within the peak.
    owned = sum(o.nbytes for o in outs) if name != "broadcast view" else 4
    assert plan.peak >= owned


def test_tutorial_graph_peak_is_the_measured_one():
    """02_lazy_evaluation's graph: the summary once read "396 B of results" (every op's
    result added up, views and freed intermediates included) beside "needs 80 B at its
    peak"; the peak is what the allocator measures, and the summary now says what stays."""
    from lumex.notebook_ext import show_graph

    def layer(h, w):
        return mx.tanh(h @ w + 0.1)

    w = mx.ones((4, 4)) * 0.5
    h = layer(layer(mx.ones((2, 4)), w), w)
    loss = mx.mean(h * h)
    text = show_graph(loss, w=w, loss=loss).summary()
    plan = memory_plan(loss, w)
    assert "of results)" not in text and f"needs {_kb(plan.peak)} at its peak" in text
    assert "of results stay" in text
    got = measured(loss, w, h)
    assert plan.peak == got
    assert plan.kept >= w.nbytes + h.nbytes + loss.nbytes


def test_summary_and_monitor_propose_a_cut(xw):
    from lumex.notebook_ext import show_graph
    from lumex.notebook_ext.monitor import _plan_text

    x, _ = xw
    with mx.graph.record_sites():
        big = mx.exp(x)[:, :, None] * mx.sin(x)[:, None, :1]
        y = mx.sum(big) + mx.sum(mx.tanh(x))
    del big
    text = show_graph(y).summary()
    assert "first lowers the peak to" in text and "test_memory_plan.py:" in text
    assert "first lowers the peak to" in _plan_text(y)
    # Nothing proposed when no cut saves memory worth an evaluation.
    plain = mx.exp(x) + 1
    assert "lowers" not in show_graph(plain).summary() and "lowers" not in _plan_text(plain)
