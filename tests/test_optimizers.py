"""lumex.optimizers against NumPy references of each update rule.

Every optimizer runs several steps on a small parameter tree (a matrix, a
vector, a 3-D array inside a list, to cover the factored and flattened paths)
and is compared with a float64 NumPy implementation of its published rule,
written from the formulas in its docstring. Also: schedules, state
save/restore, compiled steps with ``inputs=``/``outputs=`` state and bad input.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

import lumex.core as mx
import lumex.optimizers as optim
from lumex.utils import tree_flatten, tree_map, tree_unflatten

STEPS = 5


def _tree(rng):
    return {
        "w": rng.standard_normal((4, 3)).astype(np.float32),
        "b": rng.standard_normal((3,)).astype(np.float32),
        "blocks": [{"k": rng.standard_normal((2, 3, 2)).astype(np.float32)}],
    }


def _flat(tree):
    return [v for _, v in tree_flatten(tree)]


def _run_lumex(opt, params, grads):
    params = tree_map(mx.array, params)
    out = []
    for g in grads:
        params = opt.apply_gradients(tree_map(mx.array, g), params)
        mx.eval(params, opt.state)
        out.append([np.array(p) for p in _flat(params)])
    return out


def _run_numpy(rule, params, grads, **hyper):
    """``rule(g, p, state, t, **hyper) -> p`` per leaf, in float64; t counts from 1."""
    leaves = [p.astype(np.float64) for p in _flat(params)]
    states = [{} for _ in leaves]
    out = []
    for t, g in enumerate(grads, start=1):
        leaves = [rule(gi.astype(np.float64), p, s, t, **hyper) for gi, p, s in zip(_flat(g), leaves, states)]
        out.append(leaves)
    return out


# ---- NumPy references (from the formulas, not from any implementation) ----


def np_sgd(g, p, s, t, lr, momentum=0.0, weight_decay=0.0, dampening=0.0, nesterov=False):
    g = g + weight_decay * p
    if momentum <= 0:
        return p - lr * g
    v = momentum * s.get("v", np.zeros_like(p)) + (1 - dampening) * g
    s["v"] = v
    return p - lr * (g + momentum * v if nesterov else v)


def np_rmsprop(g, p, s, t, lr, alpha=0.99, eps=1e-8):
    s["v"] = alpha * s.get("v", 0.0) + (1 - alpha) * g * g
    return p - lr * g / (np.sqrt(s["v"]) + eps)


def np_adagrad(g, p, s, t, lr, eps=1e-8):
    s["v"] = s.get("v", 0.0) + g * g
    return p - lr * g / (np.sqrt(s["v"]) + eps)


def np_adadelta(g, p, s, t, lr, rho=0.9, eps=1e-6):
    s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g * g
    d = np.sqrt(s.get("u", 0.0) + eps) / np.sqrt(s["v"] + eps) * g
    s["u"] = rho * s.get("u", 0.0) + (1 - rho) * d * d
    return p - lr * d


def np_adam(g, p, s, t, lr, b1=0.9, b2=0.999, eps=1e-8, bias_correction=False, wd=0.0):
    p = p * (1 - lr * wd)
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    m, v = s["m"], s["v"]
    if bias_correction:
        m, v = m / (1 - b1**t), v / (1 - b2**t)
    return p - lr * m / (np.sqrt(v) + eps)


def np_adamax(g, p, s, t, lr, b1=0.9, b2=0.999, eps=1e-8):
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = np.maximum(b2 * s.get("v", 0.0), np.abs(g))
    return p - lr * s["m"] / (s["v"] + eps)


def np_lion(g, p, s, t, lr, b1=0.9, b2=0.99, wd=0.0):
    m = s.get("m", 0.0)
    c = b1 * m + (1 - b1) * g
    s["m"] = b2 * m + (1 - b2) * g
    return p * (1 - lr * wd) - lr * np.sign(c)


def _np_rms(x):
    return np.sqrt(np.mean(x * x))


def np_adafactor(g, p, s, t, lr=None, eps=(1e-30, 1e-3), clip=1.0, decay=-0.8, beta_1=None,
                 wd=0.0, scale_parameter=True, relative_step=True, warmup_init=False):
    size = min(1e-6 * t if warmup_init else 1e-2, 1 / math.sqrt(t)) if relative_step else lr
    if scale_parameter:
        size = max(eps[1], _np_rms(p)) * size
    beta_2 = 1 - t**decay
    sq = g * g + eps[0]
    if g.ndim >= 2:
        s["r"] = beta_2 * s.get("r", 0.0) + (1 - beta_2) * sq.mean(-1)
        s["c"] = beta_2 * s.get("c", 0.0) + (1 - beta_2) * sq.mean(-2)
        # The rank-1 estimate of the second moment: row * col / mean(row).
        second = s["r"][..., :, None] * s["c"][..., None, :] / s["r"].mean(-1)[..., None, None]
    else:
        second = s["v"] = beta_2 * s.get("v", 0.0) + (1 - beta_2) * sq
    u = g / np.sqrt(second)
    u = size * u / max(1.0, _np_rms(u) / clip)
    if beta_1 is not None:
        u = s["m"] = beta_1 * s.get("m", 0.0) + (1 - beta_1) * u
    return p - size * wd * p - u


def _np_newton_schulz(x, steps):
    a, b, c = 3.4445, -4.7750, 2.0315
    tall = x.shape[0] > x.shape[1]
    x = x.T if tall else x
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


def np_muon(g, p, s, t, lr, momentum=0.95, wd=0.01, nesterov=True, ns_steps=5):
    g = g + wd * p
    s["v"] = momentum * s.get("v", 0.0) + (1 - momentum) * g
    u = g * (1 - momentum) + s["v"] * momentum if nesterov else s["v"]
    if u.ndim >= 2:
        shape = u.shape
        u = _np_newton_schulz(u.reshape(shape[0], -1), ns_steps).reshape(shape)
        lr = lr * math.sqrt(max(1, shape[-2] / shape[-1]))
    return p - lr * u


CASES = {
    "sgd": (lambda: optim.SGD(0.1), partial(np_sgd, lr=0.1)),
    "sgd_momentum": (lambda: optim.SGD(0.1, momentum=0.9), partial(np_sgd, lr=0.1, momentum=0.9)),
    "sgd_all": (
        lambda: optim.SGD(0.05, momentum=0.8, weight_decay=0.01, dampening=0.3),
        partial(np_sgd, lr=0.05, momentum=0.8, weight_decay=0.01, dampening=0.3),
    ),
    "sgd_nesterov": (
        lambda: optim.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
        partial(np_sgd, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
    ),
    "rmsprop": (lambda: optim.RMSprop(0.01, alpha=0.9), partial(np_rmsprop, lr=0.01, alpha=0.9)),
    "adagrad": (lambda: optim.Adagrad(0.1), partial(np_adagrad, lr=0.1)),
    "adadelta": (lambda: optim.AdaDelta(1.0, rho=0.95), partial(np_adadelta, lr=1.0, rho=0.95)),
    "adam": (lambda: optim.Adam(0.01), partial(np_adam, lr=0.01)),
    "adam_bias": (
        lambda: optim.Adam(0.01, betas=[0.8, 0.95], bias_correction=True),
        partial(np_adam, lr=0.01, b1=0.8, b2=0.95, bias_correction=True),
    ),
    "adamw": (lambda: optim.AdamW(0.01, weight_decay=0.1), partial(np_adam, lr=0.01, wd=0.1)),
    "adamw_bias": (
        lambda: optim.AdamW(0.01, bias_correction=True),
        partial(np_adam, lr=0.01, wd=0.01, bias_correction=True),
    ),
    "adamax": (lambda: optim.Adamax(0.01), partial(np_adamax, lr=0.01)),
    "lion": (lambda: optim.Lion(0.01, weight_decay=0.1), partial(np_lion, lr=0.01, wd=0.1)),
    "adafactor": (lambda: optim.Adafactor(), np_adafactor),
    "adafactor_lr": (
        lambda: optim.Adafactor(0.05, relative_step=False, scale_parameter=False, beta_1=0.9, weight_decay=0.1),
        partial(np_adafactor, lr=0.05, relative_step=False, scale_parameter=False, beta_1=0.9, wd=0.1),
    ),
    "adafactor_warmup": (lambda: optim.Adafactor(warmup_init=True), partial(np_adafactor, warmup_init=True)),
    "muon": (lambda: optim.Muon(0.02), partial(np_muon, lr=0.02)),
    "muon_plain": (
        lambda: optim.Muon(0.02, nesterov=False, weight_decay=0.0, ns_steps=3),
        partial(np_muon, lr=0.02, nesterov=False, wd=0.0, ns_steps=3),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_optimizer_matches_numpy_reference(name):
    make, rule = CASES[name]
    rng = np.random.default_rng(7)
    params = _tree(rng)
    grads = [_tree(rng) for _ in range(STEPS)]
    got = _run_lumex(make(), params, grads)
    want = _run_numpy(rule, params, grads)
    # Muon's Newton-Schulz iteration amplifies float32 rounding a little.
    tol = 2e-4 if name.startswith("muon") else 2e-5
    for step, (g_step, w_step) in enumerate(zip(got, want), start=1):
        for g, w in zip(g_step, w_step):
            np.testing.assert_allclose(g, w, rtol=tol, atol=tol, err_msg=f"{name}, step {step}")


def test_state_tree_layout():
    opt = optim.Adam(1e-3)
    params = {"w": mx.zeros((2, 3)), "layers": [{"b": mx.zeros((3,))}]}
    opt.init(params)
    assert set(opt.state) == {"step", "learning_rate", "w", "layers"}
    assert opt.state["step"].dtype == mx.uint64 and opt.state["step"].item() == 0
    assert set(opt.state["w"]) == {"m", "v"} and opt.state["layers"][0]["b"]["m"].shape == (3,)
    opt.apply_gradients(params, params)
    assert opt.step.item() == 1
    # Adafactor factors the second moment of matrices.
    ada = optim.Adafactor()
    ada.init({"w": mx.zeros((2, 4, 3)), "b": mx.zeros((3,))})
    assert ada.state["w"]["exp_avg_sq_row"].shape == (2, 4)
    assert ada.state["w"]["exp_avg_sq_col"].shape == (2, 3)
    assert set(ada.state["b"]) == {"exp_avg_sq"}


def test_init_keeps_existing_state_and_grows_lists():
    opt = optim.SGD(0.1, momentum=0.9)
    opt.init({"a": [mx.zeros((2,))]})
    opt.state["a"][0]["v"] = mx.ones((2,))
    opt.init({"a": [mx.zeros((2,)), mx.zeros((3,))], "c": mx.zeros((1,))})
    assert opt.state["a"][0]["v"].tolist() == [1.0, 1.0]
    assert opt.state["a"][1]["v"].shape == (3,) and opt.state["c"]["v"].shape == (1,)


def test_gradients_may_be_a_subset_of_parameters():
    params = {"a": mx.ones((2,)), "b": mx.ones((2,))}
    new = optim.SGD(0.5).apply_gradients({"a": mx.ones((2,))}, params)
    assert set(new) == {"a"} and new["a"].tolist() == [0.5, 0.5]


def test_update_calls_model_update():
    class Holder(dict):
        def update(self, tree):
            super().update(tree)

    model = Holder(w=mx.array([1.0, 2.0]))
    optim.SGD(1.0).update(model, {"w": mx.array([1.0, 1.0])})
    assert model["w"].tolist() == [0.0, 1.0]


def test_learning_rate_setter_and_dtype():
    opt = optim.SGD(0.1)
    assert opt.learning_rate.item() == pytest.approx(0.1)
    opt.learning_rate = 0.5
    assert isinstance(opt.learning_rate, mx.array)
    # The rate is cast to the gradient's dtype: float16 stays float16.
    p = mx.ones((2,), dtype=mx.float16)
    assert opt.apply_gradients({"p": p}, {"p": p})["p"].dtype == mx.float16


# ---- schedules ----


def _values(schedule, n):
    return [schedule(mx.array(t, mx.uint64)).item() for t in range(n)]


def test_schedules_match_formulas():
    np.testing.assert_allclose(_values(optim.exponential_decay(0.1, 0.9), 6), [0.1 * 0.9**t for t in range(6)], rtol=1e-6)
    np.testing.assert_allclose(_values(optim.step_decay(0.1, 0.5, 3), 8), [0.1 * 0.5 ** (t // 3) for t in range(8)], rtol=1e-6)
    cos = [0.01 + 0.5 * (1 + math.cos(math.pi * min(t, 10) / 10)) * (0.1 - 0.01) for t in range(14)]
    np.testing.assert_allclose(_values(optim.cosine_decay(0.1, 10, end=0.01), 14), cos, rtol=1e-5, atol=1e-7)
    lin = [min(t, 4) * (1.0 - 0.2) / 4 + 0.2 for t in range(7)]
    np.testing.assert_allclose(_values(optim.linear_schedule(0.2, 1.0, 4), 7), lin, rtol=1e-6)


def test_join_schedules_restarts_each_piece_at_its_boundary():
    warm = optim.linear_schedule(0.0, 0.1, steps=4)
    decay = optim.exponential_decay(0.1, 0.5)
    joined = optim.join_schedules([warm, decay], [4])
    want = [0.0, 0.025, 0.05, 0.075, 0.1, 0.05, 0.025]
    np.testing.assert_allclose(_values(joined, 7), want, rtol=1e-6, atol=1e-9)
    three = optim.join_schedules([warm, decay, optim.exponential_decay(1.0, 1.0)], [4, 6])
    assert _values(three, 8)[6:] == [1.0, 1.0]


def test_schedule_drives_learning_rate_from_step():
    opt = optim.SGD(learning_rate=optim.exponential_decay(0.1, 0.9))
    assert opt.learning_rate.item() == pytest.approx(0.1)
    for _ in range(5):
        opt.update(_NoModel(), {})
    # The rate is computed from the step *before* it is incremented.
    assert opt.learning_rate.item() == pytest.approx(0.1 * 0.9**4, rel=1e-6)
    assert opt.step.item() == 5


class _NoModel:
    def update(self, tree):
        pass


# ---- clipping ----


def test_clip_grad_norm_matches_numpy():
    rng = np.random.default_rng(1)
    grads = {"a": rng.standard_normal((3, 4)).astype(np.float32), "b": [rng.standard_normal(5).astype(np.float32)]}
    norm = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in _flat(grads)))
    clipped, total = optim.clip_grad_norm(tree_map(mx.array, grads), max_norm=1.0)
    assert total.item() == pytest.approx(norm, rel=1e-6)
    for got, g in zip(_flat(clipped), _flat(grads)):
        np.testing.assert_allclose(np.array(got), g / (norm + 1e-6), rtol=1e-5)
    same, _ = optim.clip_grad_norm(tree_map(mx.array, grads), max_norm=100.0)
    for got, g in zip(_flat(same), _flat(grads)):
        np.testing.assert_array_equal(np.array(got), g)
    half, _ = optim.clip_grad_norm({"h": mx.full((4,), 1000.0, dtype=mx.float16)}, max_norm=1.0)
    assert half["h"].dtype == mx.float16 and np.isfinite(np.array(half["h"], dtype=np.float32)).all()


# ---- MultiOptimizer ----


def test_multi_optimizer_routes_by_path():
    params = {"w": mx.ones((2, 2)), "b": mx.ones((2,))}
    grads = {"w": mx.ones((2, 2)), "b": mx.ones((2,))}
    multi = optim.MultiOptimizer([optim.SGD(0.5), optim.Adam(0.1)], [lambda path, g: path == "b"])
    new = multi.apply_gradients(grads, params)
    assert new["b"].tolist() == [0.5, 0.5]  # SGD
    np.testing.assert_allclose(np.array(new["w"]), 1 - 0.1 * 0.1 / (math.sqrt(0.001) + 1e-8), rtol=1e-5)  # Adam
    assert set(multi.state["states"][1]) >= {"w"} and "w" not in multi.state["states"][0]
    multi.learning_rate = 0.2
    assert [o.learning_rate.item() for o in multi.optimizers] == pytest.approx([0.2, 0.2])
    with pytest.raises(ValueError, match="filters"):
        optim.MultiOptimizer([optim.SGD(0.1), optim.SGD(0.1)], [])
    with pytest.raises(ValueError, match="Invalid state"):
        multi.state = {"states": []}


# ---- saving and compiling the state ----


def _quadratic_grads(params, target):
    return {k: 2 * (params[k] - target[k]) for k in params}


def test_state_save_restore_round_trip(tmp_path):
    target = {"w": mx.array(np.arange(6, dtype=np.float32).reshape(2, 3)), "b": mx.array([1.0, -1.0])}

    def run(opt, params, n):
        for _ in range(n):
            params = opt.apply_gradients(_quadratic_grads(params, target), params)
            mx.eval(params, opt.state)
        return params

    start = {"w": mx.zeros((2, 3)), "b": mx.zeros((2,))}
    straight = run(optim.AdamW(0.1, bias_correction=True), start, 6)

    first = optim.AdamW(0.1, bias_correction=True)
    halfway = run(first, start, 3)
    path = str(tmp_path / "opt.safetensors")
    mx.save_safetensors(path, dict(tree_flatten(first.state)))
    second = optim.AdamW(0.1, bias_correction=True)
    second.state = tree_unflatten(list(mx.load(path).items()))
    assert second.step.dtype == mx.uint64 and second.step.item() == 3
    resumed = run(second, halfway, 3)
    for k in straight:
        np.testing.assert_array_equal(np.array(resumed[k]), np.array(straight[k]))


def _make_sgd():
    return optim.SGD(optim.cosine_decay(0.1, 20), momentum=0.9, nesterov=True)


def _trajectory(step_fn, params, n):
    out = []
    for _ in range(n):
        step_fn()
        mx.eval(params)
        out.append({k: np.array(v) for k, v in params.items()})
    return out


@pytest.mark.parametrize("make", [_make_sgd, lambda: optim.Adam(0.05, bias_correction=True), lambda: optim.Adafactor()])
def test_compiled_step_with_captured_state_matches_eager(make):
    target = {"w": mx.array(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)), "b": mx.array([0.5, 2.0, -3.0])}

    def loss(params):
        return sum(((params[k] - target[k]) ** 2).sum() for k in params)

    def run(compiled):
        params = {"w": mx.zeros((3, 4)), "b": mx.ones((3,))}
        opt = make()
        opt.init(params)
        state = [params, opt.state]

        def step():
            grads = mx.grad(loss)(params)
            params.update(opt.apply_gradients(grads, params))

        fn = mx.compile(step, inputs=state, outputs=state) if compiled else step
        return _trajectory(fn, params, 6), opt.step.item()

    (eager, n_eager), (comp, n_comp) = run(False), run(True)
    assert n_eager == n_comp == 6
    for e, c in zip(eager, comp):
        for k in e:
            np.testing.assert_allclose(c[k], e[k], rtol=1e-6, atol=1e-7)


def test_pure_compiled_step_takes_and_returns_state():
    params = {"w": mx.ones((2, 2))}
    grads = {"w": mx.full((2, 2), 0.5)}
    opt = optim.Adam(0.1)
    opt.init(params)

    @mx.compile
    def step(params, state, grads):
        opt.state = state
        return opt.apply_gradients(grads, params), opt.state

    eager_opt = optim.Adam(0.1)
    eager = eager_opt.apply_gradients(grads, params)
    new, state = step(params, opt.state, grads)
    np.testing.assert_allclose(np.array(new["w"]), np.array(eager["w"]), rtol=1e-6)
    assert state["step"].item() == 1


# ---- bad input ----


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: optim.SGD(0.1, nesterov=True), "Nesterov"),
        (lambda: optim.SGD(0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
        (lambda: optim.Adam(0.1, betas=[1.0, 0.9]), "beta1"),
        (lambda: optim.AdamW(0.1, betas=[0.9, -0.1]), "beta2"),
        (lambda: optim.Adam(0.1, eps=-1.0), "epsilon"),
        (lambda: optim.Lion(0.1, betas=[0.9, 1.5]), "beta2"),
        (lambda: optim.RMSprop(0.1, alpha=-0.5), "alpha"),
        (lambda: optim.RMSprop(0.1, eps=0.0), "epsilon"),
        (lambda: optim.Adagrad(0.1, eps=0.0), "epsilon"),
        (lambda: optim.AdaDelta(0.1, rho=-1.0), "rho"),
        (lambda: optim.AdaDelta(0.1, eps=0.0), "epsilon"),
        (lambda: optim.step_decay(0.1, 0.9, 0), "step_size"),
        (lambda: optim.cosine_decay(0.1, 0), "decay_steps"),
        (lambda: optim.linear_schedule(0.0, 0.1, 0), "steps"),
        (lambda: optim.join_schedules([], []), "at least 1"),
        (lambda: optim.join_schedules([optim.exponential_decay(1, 1)], [3]), "boundaries"),
        (lambda: optim.clip_grad_norm({}, -1.0), "max_norm"),
    ],
)
def test_bad_hyperparameters_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_base_class_rules_are_abstract():
    with pytest.raises(NotImplementedError):
        optim.Optimizer().apply_gradients({"w": mx.ones((1,))}, {"w": mx.ones((1,))})


def test_compiled_nn_training_step_matches_eager():
    # The pattern of MLX's examples: model and optimizer state captured by compile.
    import lumex.nn as nn

    def run(compiled):
        mx.random.seed(3)
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
        opt = optim.AdamW(learning_rate=optim.linear_schedule(0.0, 0.05, 4))
        loss_and_grad = nn.value_and_grad(model, lambda m, x, y: mx.mean(nn.losses.cross_entropy(m(x), y)))

        def step(x, y):
            loss, grads = loss_and_grad(model, x, y)
            opt.update(model, grads)
            return loss

        if compiled:
            state = [model.state, opt.state]
            step = mx.compile(step, inputs=state, outputs=state)
        x = mx.array(np.random.default_rng(0).standard_normal((8, 6)).astype(np.float32))
        y = mx.array([0, 1, 2, 0, 1, 2, 0, 1])
        return [step(x, y).item() for _ in range(6)]

    np.testing.assert_allclose(run(True), run(False), rtol=1e-6)


@pytest.mark.parametrize("shape", [(0, 4), (4, 0), (2, 0, 3)])
def test_muon_steps_an_empty_matrix(shape):
    # The fuzzer found reshape(-1) failing on empty matrices (and 4 / 0 waiting next).
    params = {"w": mx.zeros(shape), "b": mx.ones([3])}
    grads = {"w": mx.zeros(shape), "b": mx.ones([3])}
    out = optim.Muon(0.1).apply_gradients(grads, params)
    assert out["w"].shape == shape
    alone = optim.Muon(0.1).apply_gradients({"b": grads["b"]}, {"b": params["b"]})
    np.testing.assert_array_equal(np.array(out["b"]), np.array(alone["b"]))
