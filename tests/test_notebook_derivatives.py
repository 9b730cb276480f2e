"""The compile X-ray, the backward sweep and the Jacobian view (headless)."""

import math

import pytest

pytestmark = pytest.mark.lumex_only

from helpers import IS_MLX  # noqa: E402

if IS_MLX:  # lumex.notebook_ext does not exist beside mlx.core
    pytest.skip("the notebook layer is lumex's own", allow_module_level=True)

import anywidget  # noqa: E402,F401
import lumex.core as mx  # noqa: E402
import lumex.nn as nn  # noqa: E402
import lumex.optimizers as optim  # noqa: E402
import numpy as np  # noqa: E402
from lumex.notebook_ext import jacobian_explorer, show_compiled, show_grad_graph  # noqa: E402


# ---- compile X-ray -------------------------------------------------------------------
def test_xray_boxes_a_fused_chain_and_says_why_the_rest_was_left_out():
    def f(x, y):
        a = mx.exp(x) * 2.0 + y  # a chain: fused
        b = mx.sin(a)
        return mx.sum(b * b) + mx.sum((b > 0).astype(mx.float32)), a

    xr = show_compiled(f, mx.ones((4,)), mx.ones((4,)))
    assert [g["ops"] for g in xr.groups] == [["exp", "multiply", "add"]]
    assert all("test_notebook_derivatives.py" in line for line in xr.groups[0]["lines"])
    why = {i["op"]: i["reason"] for i in xr.left_out}
    assert "read 3 times" in why["sin"]  # b feeds b * b (twice) and the comparison
    assert why["greater"].startswith("no fused kernel for greater")
    # Before: the fused ops sit in one container; after: one fused node replaces them.
    before = xr.before.to_json()
    assert [c["label"] for c in before["clusters"] if c["label"].startswith("fused")] == ["fused #1"]
    after = xr.after.to_json()
    fused = [n for n in after["nodes"] if "fused #1" in n["title"]]
    assert len(fused) == 1 and fused[0]["info"]["params"].startswith("ops=exp → multiply → add")
    assert "traced 12 ops" in xr.summary()
    assert "0 repeated ops computed once" in xr.summary()
    html = xr._repr_mimebundle_()["text/html"]
    assert "data:image/svg+xml;base64," in html and "elementwise ops not fused, and why" in html


def test_xray_marks_what_simplification_merged_and_the_replay_leaves_it_out():
    def f(x):
        return mx.sin(x) * 3.0 + mx.sin(x) * 3.0

    xr = show_compiled(f, mx.ones((4,)))
    assert "2 repeated ops computed once, 1 equal scalar constants merged" in xr.summary()
    before = xr.before.to_json()
    marked = [n for n in before["nodes"] if "simplified away" in n["info"].get("params", "")]
    assert len(marked) == 2
    after = xr.after.to_json()
    assert len(after["nodes"]) < len(before["nodes"])
    assert not any("simplified away" in n["info"].get("params", "") for n in after["nodes"])


def test_xray_of_a_compiled_training_step_leaves_the_state_alone():
    mx.random.seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = optim.SGD(learning_rate=0.1, momentum=0.9)
    X, Y = mx.random.normal((32, 8)), mx.random.randint(0, 2, (32,))

    def loss_fn(m, x, y):
        return nn.losses.cross_entropy(m(x), y, reduction="mean")

    def step(x, y):
        loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
        opt.update(model, grads)
        return loss

    state = [model.state, opt.state]
    cstep = mx.compile(step, inputs=state, outputs=state)
    first = cstep(X, Y).item()
    weights = np.asarray(model.layers[0].weight).copy()
    xr = show_compiled(cstep, X, Y)
    # Nothing ran and nothing changed: the next real step is the same as without the X-ray.
    np.testing.assert_array_equal(np.asarray(model.layers[0].weight), weights)
    second = cstep(X, Y).item()
    assert second < first
    assert len(xr.groups) >= 2 and xr.num_replayed < len(xr.steps)
    names = {n.name for n in xr.graph.nodes.values() if n.kind == "input"}
    assert {"x", "y"} <= names and any("layers.0.weight" in n for n in names)
    assert any(i["op"] == "maximum" for i in xr.left_out)  # ReLU: its result is read twice


def _adam_loss(m, x, y):
    return mx.mean((m(x) - y) ** 2)


def test_xray_before_the_first_step_leaves_the_optimizer_uninitialized():
    X, Y = mx.random.normal((16, 4)), mx.random.normal((16, 1))
    opt = optim.Adam(learning_rate=0.01)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))

    def step(x, y):  # reads opt and model from its closure
        loss, grads = nn.value_and_grad(model, _adam_loss)(model, x, y)
        opt.update(model, grads)
        return loss

    state = [model.state, opt.state]
    cstep = mx.compile(step, inputs=state, outputs=state)
    xr = show_compiled(cstep, X, Y)  # the trace creates Adam's buffers...
    assert xr.groups
    assert set(opt.state) <= {"step", "learning_rate"} and not opt._initialized  # ...and are gone
    losses = [cstep(X, Y).item() for _ in range(3)]  # and training starts normally
    assert losses[2] < losses[0]


def test_xray_boxes_the_ops_that_read_no_input_as_trace_constants():
    def f(x):
        w = mx.ones((4,)) * 2.0  # reads no input: a constant of the trace
        return mx.exp(x * w) + 1.0

    xr = show_compiled(f, mx.ones((4,)))
    assert "multiply" in [xr.graph.nodes[k].label for k in xr.once]
    assert "trace constants" in [c["label"] for c in xr.before.to_json()["clusters"]]
    assert "constants of the trace" in xr.summary()
    assert xr.num_replayed == 1  # exp, multiply, add: one fused step


# ---- backward sweep ------------------------------------------------------------------
def test_backward_sweep_gives_every_node_its_gradient_in_reverse_order():
    def neuron(w1, w2, b):
        return mx.tanh(w1 * 2.0 + w2 * -1.0 + b)

    args = [mx.array(0.5), mx.array(-1.5), mx.array(0.3)]
    sweep = show_grad_graph(neuron, *args).sweep()
    n = 0.5 * 2.0 + 1.5 + 0.3
    dn = 1 - math.tanh(n) ** 2
    nodes = sweep.graph.nodes
    first = nodes[sweep.order[0]]
    assert first.label == "tanh" and float(sweep.grads[sweep.order[0]]) == 1.0
    by_name = {nodes[k].name: k for k in sweep.order if nodes[k].name}
    assert float(sweep.grads[by_name["w1"]]) == pytest.approx(2.0 * dn, rel=1e-5)
    assert float(sweep.grads[by_name["w2"]]) == pytest.approx(-1.0 * dn, rel=1e-5)
    assert float(sweep.grads[by_name["b"]]) == pytest.approx(dn, rel=1e-5)
    grads = mx.grad(neuron, argnums=(0, 1, 2))(*args)
    assert [float(sweep.grads[by_name[k]]) for k in ("w1", "w2", "b")] == pytest.approx(
        [float(g) for g in grads])
    # Reverse topological: every node gets its gradient after all the nodes it feeds.
    pos = {k: i for i, k in enumerate(sweep.order)}
    for s, d in sweep.graph.edges:
        if s in pos and d in pos:
            assert pos[s] > pos[d], (nodes[s].title, nodes[d].title)
    assert "∇" in nodes[by_name["w1"]].detail
    data = sweep.data()
    assert data["order"][0] == sweep.order[0] and len(data["steps"]) == len(data["order"])
    w = sweep.widget()
    w.step = 3
    assert w.step == 3


def test_backward_sweep_of_a_vector_function_sums_the_paths():
    def f(x):
        return mx.sum(mx.exp(x) * x)

    x = mx.array([0.0, 1.0])
    sweep = show_grad_graph(f, x).sweep()
    key = next(k for k in sweep.order if sweep.graph.nodes[k].name == "x")
    np.testing.assert_allclose(sweep.grads[key], np.exp([0.0, 1.0]) * (1 + np.array([0.0, 1.0])),
                               rtol=1e-6)


# ---- Jacobian view -------------------------------------------------------------------
def test_jacobian_explorer_matches_the_analytic_jacobian_and_finite_differences():
    x = mx.array([0.5, 1.0, 2.0])
    j = jacobian_explorer(lambda v: mx.sin(v) * v[::-1], x)
    xs = np.array([0.5, 1.0, 2.0])
    expected = np.diag(np.cos(xs) * xs[::-1])
    for i in range(3):
        expected[i, 2 - i] += np.sin(xs[i])
    np.testing.assert_allclose(j.jacobian, expected, rtol=1e-5, atol=1e-6)
    assert j.agrees and j.max_error < 1e-3
    html = j._repr_mimebundle_()["text/html"]
    assert "J by vmap(vjp)" in html and "central finite difference" in html and "agree" in html


def test_jacobian_explorer_flags_a_wrong_gradient_and_rejects_bad_input():
    @mx.custom_function
    def f(v):
        return v * v

    @f.vjp
    def f_vjp(primals, cotangent, output):
        return [cotangent * 3.0]  # wrong on purpose: d(v*v)/dv is 2v

    j = jacobian_explorer(f, mx.array([1.0, 2.0]))
    assert not j.agrees and "DISAGREE" in j.to_html()
    with pytest.raises(ValueError, match="vector"):
        jacobian_explorer(lambda v: v, mx.ones((2, 2)))
    with pytest.raises(ValueError, match="scalar or a vector"):
        jacobian_explorer(lambda v: mx.outer(v, v), mx.ones((2,)))
