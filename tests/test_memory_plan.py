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
