"""lumex.nn.losses: values against NumPy (and PyTorch where importable),
reductions, gradients against central differences, and bad input."""

import math

import numpy as np
import pytest

import lumex.core as mx
import lumex.nn as nn
from nn_helpers import check_grad

L = nn.losses
try:
    import torch
except ImportError:  # CI has no torch; the NumPy references still run
    torch = None

rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((4, 5)).astype(np.float32)
LABELS = np.array([0, 3, 4, 1], dtype=np.int32)
PRED = rng.standard_normal((4, 3)).astype(np.float32)
TARG = rng.standard_normal((4, 3)).astype(np.float32)
PROBS = (1 / (1 + np.exp(-PRED))).astype(np.float32)
BINARY = (rng.random((4, 3)) > 0.5).astype(np.float32)
SIGNS = np.where(rng.random((4, 3)) > 0.5, 1.0, -1.0).astype(np.float32)


def _lse(x, axis=-1):
    m = x.max(axis, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis, keepdims=True))).squeeze(axis)


def _logsm(x):
    return x - _lse(x)[..., None]


def a(x):
    return mx.array(x)


def close(out, ref, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.array(out), ref, rtol=rtol, atol=atol)


def test_cross_entropy():
    ref = _lse(LOGITS) - LOGITS[np.arange(4), LABELS]
    close(L.cross_entropy(a(LOGITS), a(LABELS)), ref)
    onehot = np.eye(5, dtype=np.float32)[LABELS]
    close(L.cross_entropy(a(LOGITS), a(onehot)), ref)
    w = np.array([1, 2, 0, 0.5], dtype=np.float32)
    close(L.cross_entropy(a(LOGITS), a(LABELS), weights=a(w), reduction="sum"), (ref * w).sum())
    ls = 0.1
    smooth = -((1 - ls) * _logsm(LOGITS)[np.arange(4), LABELS] + ls * _logsm(LOGITS).mean(-1))
    close(L.cross_entropy(a(LOGITS), a(LABELS), label_smoothing=ls, reduction="mean"),
          smooth.mean())
    close(L.cross_entropy(a(LOGITS.T), a(LABELS), axis=0), ref)
    with pytest.raises(ValueError, match="Label smoothing"):
        L.cross_entropy(a(LOGITS), a(LABELS), label_smoothing=1.0)
    with pytest.raises(ValueError, match="Targets shape"):
        L.cross_entropy(a(LOGITS), a(LABELS[:3]))
    with pytest.raises(ValueError, match="Weights with shape"):
        L.cross_entropy(a(LOGITS), a(LABELS), weights=a(w[:2]))


def test_binary_cross_entropy():
    ref = np.log1p(np.exp(PRED)) - PRED * BINARY
    close(L.binary_cross_entropy(a(PRED), a(BINARY)), ref.mean())
    close(L.binary_cross_entropy(a(PROBS), a(BINARY), with_logits=False, reduction="none"),
          -(BINARY * np.log(PROBS) + (1 - BINARY) * np.log(1 - PROBS)), rtol=1e-4)
    # log(0) is clipped at -100, as in PyTorch
    close(L.binary_cross_entropy(a(np.array([0.0, 1.0], np.float32)),
                                 a(np.array([1.0, 0.0], np.float32)), with_logits=False,
                                 reduction="none"), [100.0, 100.0])
    with pytest.raises(ValueError, match="Inputs shape"):
        L.binary_cross_entropy(a(PRED), a(BINARY[:2]))


def test_regression_losses():
    d = PRED - TARG
    close(L.l1_loss(a(PRED), a(TARG)), np.abs(d).mean())
    close(L.mse_loss(a(PRED), a(TARG), reduction="sum"), (d**2).sum(), rtol=1e-5)
    close(L.smooth_l1_loss(a(PRED), a(TARG), beta=0.5, reduction="none"),
          np.where(np.abs(d) < 0.5, 0.5 * d**2 / 0.5, np.abs(d) - 0.25))
    close(L.huber_loss(a(PRED), a(TARG), delta=0.7),
          np.where(np.abs(d) <= 0.7, 0.5 * d**2, 0.7 * (np.abs(d) - 0.35)))
    close(L.log_cosh_loss(a(PRED), a(TARG)), np.log(np.cosh(d)))
    var = np.abs(TARG) + 0.1
    close(L.gaussian_nll_loss(a(PRED), a(TARG), a(var), full=True),
          (0.5 * (np.log(var) + d**2 / var) + 0.5 * math.log(2 * math.pi)).mean())
    for fn in (L.l1_loss, L.mse_loss, L.smooth_l1_loss):
        with pytest.raises(ValueError, match="Predictions shape"):
            fn(a(PRED), a(TARG[:1]))
    with pytest.raises(ValueError, match="vars shape"):
        L.gaussian_nll_loss(a(PRED), a(TARG), a(var[:1]))


def test_classification_and_ranking_losses():
    logp = _logsm(LOGITS)
    close(L.nll_loss(a(logp), a(LABELS), reduction="mean"), -logp[np.arange(4), LABELS].mean())
    logq = _logsm(LOGITS[::-1].copy())
    close(L.kl_div_loss(a(logp), a(logq)), (np.exp(logq) * (logq - logp)).sum(-1))
    close(L.hinge_loss(a(PRED), a(SIGNS)), np.maximum(1 - PRED * SIGNS, 0))
    close(L.margin_ranking_loss(a(PRED), a(TARG), a(SIGNS), margin=0.1),
          np.maximum(0, -SIGNS * (PRED - TARG) + 0.1))
    with pytest.raises(ValueError, match="shapes of the arguments"):
        L.margin_ranking_loss(a(PRED), a(TARG[:1]), a(SIGNS))
    neg = rng.standard_normal((4, 3)).astype(np.float32)
    dist = lambda u, v: np.sqrt(((u - v) ** 2).sum(-1) + 1e-6)  # noqa: E731
    close(L.triplet_loss(a(PRED), a(TARG), a(neg)),
          np.maximum(dist(PRED, TARG) - dist(PRED, neg) + 1, 0))
    cos = (PRED * TARG).sum(1) / (np.linalg.norm(PRED, axis=1) * np.linalg.norm(TARG, axis=1))
    close(L.cosine_similarity_loss(a(PRED), a(TARG)), cos)


def test_reductions():
    d = np.abs(PRED - TARG)
    close(L.l1_loss(a(PRED), a(TARG), reduction="none"), d)
    close(L.l1_loss(a(PRED), a(TARG), reduction="sum"), d.sum(), rtol=1e-5)
    with pytest.raises(ValueError, match="Invalid reduction"):
        L.l1_loss(a(PRED), a(TARG), reduction="avg")


F64 = dict(dtype=mx.float64)


@pytest.mark.parametrize("name,fn,args", [
    ("cross_entropy", lambda x: L.cross_entropy(x, a(LABELS), label_smoothing=0.2), [LOGITS]),
    ("cross_entropy_probs", lambda x, t: L.cross_entropy(x, t), [LOGITS, np.exp(_logsm(LOGITS[::-1]))]),  # rows sum to 1
    ("bce_logits", lambda x: L.binary_cross_entropy(x, a(BINARY)), [PRED]),
    ("bce_probs", lambda x: L.binary_cross_entropy(x, a(BINARY), with_logits=False), [PROBS]),
    ("l1", L.l1_loss, [PRED, TARG]),
    ("mse", L.mse_loss, [PRED, TARG]),
    ("nll", lambda x: L.nll_loss(x, a(LABELS)), [LOGITS]),
    ("gaussian_nll", L.gaussian_nll_loss, [PRED, TARG, np.abs(TARG) + 0.1]),
    ("kl_div", L.kl_div_loss, [LOGITS, LOGITS[::-1].copy()]),
    ("smooth_l1", L.smooth_l1_loss, [PRED, TARG]),
    ("triplet", L.triplet_loss, [PRED, TARG, TARG[::-1].copy()]),
    ("hinge", lambda x: L.hinge_loss(x, a(SIGNS)), [PRED]),
    ("huber", L.huber_loss, [PRED, TARG]),
    ("log_cosh", L.log_cosh_loss, [PRED, TARG]),
    ("cosine_similarity", L.cosine_similarity_loss, [PRED, TARG]),
    ("margin_ranking", lambda x, y: L.margin_ranking_loss(x, y, a(SIGNS), margin=0.1),
     [PRED, TARG]),
])
def test_loss_gradient(name, fn, args):
    arrays = [mx.array(x, **F64) for x in args]
    check_grad(lambda *xs: fn(*xs).sum(), *arrays, rtol=1e-5, atol=1e-7)


@pytest.mark.skipif(torch is None, reason="PyTorch not installed (NumPy references ran)")
def test_against_torch():
    F = torch.nn.functional
    t = torch.tensor
    close(L.cross_entropy(a(LOGITS), a(LABELS), reduction="mean", label_smoothing=0.1),
          F.cross_entropy(t(LOGITS), t(LABELS).long(), label_smoothing=0.1).numpy())
    close(L.binary_cross_entropy(a(PRED), a(BINARY)),
          F.binary_cross_entropy_with_logits(t(PRED), t(BINARY)).numpy())
    close(L.smooth_l1_loss(a(PRED), a(TARG), beta=0.5),
          F.smooth_l1_loss(t(PRED), t(TARG), beta=0.5).numpy())
    close(L.huber_loss(a(PRED), a(TARG), reduction="mean"),
          F.huber_loss(t(PRED), t(TARG)).numpy())
    var = np.abs(TARG) + 0.1
    close(L.gaussian_nll_loss(a(PRED), a(TARG), a(var)),
          F.gaussian_nll_loss(t(PRED), t(TARG), t(var)).numpy())
    close(L.margin_ranking_loss(a(PRED), a(TARG), a(SIGNS), margin=0.1, reduction="mean"),
          F.margin_ranking_loss(t(PRED), t(TARG), t(SIGNS), margin=0.1).numpy())
