"""lumex.nn activation functions and classes: values against NumPy (and
PyTorch where importable), gradients against central differences."""

import math

import numpy as np
import pytest

import lumex.core as mx
import lumex.nn as nn
from nn_helpers import check_grad

try:
    import torch
except ImportError:  # CI has no torch; the NumPy references still run
    torch = None

X = np.array([-4.0, -1.5, -0.7, -0.2, 0.3, 0.9, 1.6, 3.5, 7.0], dtype=np.float32)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _erf(x):
    return np.vectorize(math.erf)(x)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


NUMPY_REFS = {
    "sigmoid": _sig,
    "relu": lambda x: np.maximum(x, 0),
    "relu2": lambda x: np.maximum(x, 0) ** 2,
    "relu6": lambda x: np.clip(x, 0, 6),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "log_softmax": lambda x: np.log(_softmax(x)),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "softmax": _softmax,
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "softshrink": lambda x: np.where(np.abs(x) > 0.5, x - np.sign(x) * 0.5, 0),
    "celu": lambda x: np.maximum(x, 0) + np.minimum(np.expm1(x), 0),
    "silu": lambda x: x * _sig(x),
    "log_sigmoid": lambda x: np.log(_sig(x)),
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "gelu_approx": lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    "gelu_fast_approx": lambda x: x * _sig(1.702 * x),
    "step": lambda x: (x >= 0).astype(np.float32),
    "selu": lambda x: 1.0507 * np.where(x > 0, x, 1.67326 * np.expm1(x)),
    "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
    "hardswish": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "softmin": lambda x: _softmax(-x),
    "tanh": np.tanh,
}

CLASSES = {
    "Sigmoid": "sigmoid", "ReLU": "relu", "ReLU2": "relu2", "ReLU6": "relu6",
    "LeakyReLU": "leaky_relu", "LogSoftmax": "log_softmax", "ELU": "elu",
    "Softmax": "softmax", "Softplus": "softplus", "Softsign": "softsign",
    "Softshrink": "softshrink", "CELU": "celu", "SiLU": "silu", "LogSigmoid": "log_sigmoid",
    "GELU": "gelu", "Step": "step", "SELU": "selu", "Mish": "mish", "Hardswish": "hardswish",
    "HardTanh": "hard_tanh", "HardShrink": "hard_shrink", "Softmin": "softmin", "Tanh": "tanh",
}


@pytest.mark.parametrize("name", sorted(NUMPY_REFS))
def test_function_matches_numpy(name):
    out = getattr(nn, name)(mx.array(X))
    np.testing.assert_allclose(np.array(out), NUMPY_REFS[name](X.astype(np.float64)),
                               rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("cls", sorted(CLASSES))
def test_class_matches_function(cls):
    m = getattr(nn, cls)()
    np.testing.assert_array_equal(np.array(m(mx.array(X))),
                                  np.array(getattr(nn, CLASSES[cls])(mx.array(X))))
    assert repr(m) == f"{cls}()"


@pytest.mark.parametrize("name", sorted(set(NUMPY_REFS) - {"step"}))
def test_function_gradient(name):
    fn = getattr(nn, name)
    # away from kinks (0, +-0.5, +-1, 6, -3, 3) so differences are exact
    x = mx.array([-2.3, -0.8, -0.3, 0.2, 0.7, 1.3, 2.6], dtype=mx.float64)
    check_grad(lambda x: (fn(x) * mx.arange(1, 8)).sum(), x)


def test_parameterized_functions_and_classes():
    x = mx.array(X)
    np.testing.assert_allclose(np.array(nn.leaky_relu(x, 0.2)), np.where(X > 0, X, 0.2 * X),
                               rtol=1e-6)
    np.testing.assert_allclose(np.array(nn.LeakyReLU(0.2)(x)), np.where(X > 0, X, 0.2 * X),
                               rtol=1e-6)
    np.testing.assert_allclose(np.array(nn.ELU(2.0)(x)), np.where(X > 0, X, 2 * np.expm1(X)),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.array(nn.CELU(2.0)(x)),
                               np.maximum(X, 0) + 2 * np.minimum(np.expm1(X / 2), 0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.array(nn.Step(1.0)(x)), (X >= 1).astype(np.float32))
    np.testing.assert_array_equal(np.array(nn.HardShrink(1.0)(x)),
                                  np.where(np.abs(X) > 1, X, 0))
    np.testing.assert_allclose(np.array(nn.Softshrink(1.0)(x)),
                               np.where(np.abs(X) > 1, X - np.sign(X), 0), rtol=1e-6)
    np.testing.assert_allclose(np.array(nn.GELU("tanh")(x)),
                               NUMPY_REFS["gelu_approx"](X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.array(nn.GELU("fast")(x)),
                               NUMPY_REFS["gelu_fast_approx"](X), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="approximation"):
        nn.GELU("bogus")


def test_glu_and_prelu():
    a = np.arange(12, dtype=np.float32).reshape(3, 4) / 5 - 1
    np.testing.assert_allclose(np.array(nn.glu(mx.array(a))), a[:, :2] * _sig(a[:, 2:]),
                               rtol=1e-6)
    np.testing.assert_allclose(np.array(nn.GLU(axis=0)(mx.array(a[:2]))),
                               a[:1] * _sig(a[1:2]), rtol=1e-6)
    p = nn.PReLU(num_parameters=4, init=0.1)
    assert p.weight.shape == (4,)
    np.testing.assert_allclose(np.array(p(mx.array(a))), np.where(a > 0, a, 0.1 * a),
                               rtol=1e-6)
    check_grad(lambda x, w: (nn.prelu(x, w) * mx.arange(4)).sum(),
               mx.array(a + 0.05, dtype=mx.float64), mx.full((4,), 0.3, dtype=mx.float64))
    check_grad(lambda x: (nn.glu(x) * mx.arange(6).reshape(3, 2)).sum(),
               mx.array(a, dtype=mx.float64))


def test_bad_input():
    with pytest.raises(ValueError):
        nn.glu(mx.zeros((2, 3)))  # odd axis cannot be split in halves
    with pytest.raises((ValueError, IndexError)):  # MLX: IndexError
        nn.softmax(mx.zeros((2, 3)), axis=2)


@pytest.mark.skipif(torch is None, reason="PyTorch not installed (NumPy references ran)")
def test_against_torch():
    F = torch.nn.functional
    t = torch.tensor(X)
    pairs = {
        "gelu": F.gelu(t), "silu": F.silu(t), "mish": F.mish(t), "selu": F.selu(t),
        "celu": F.celu(t), "elu": F.elu(t), "softplus": F.softplus(t),
        "log_sigmoid": F.logsigmoid(t), "hardswish": F.hardswish(t),
        "relu6": F.relu6(t), "softsign": F.softsign(t), "hard_tanh": F.hardtanh(t),
        "log_softmax": F.log_softmax(t, -1), "softmin": F.softmin(t, -1),
        "gelu_approx": F.gelu(t, approximate="tanh"),
    }
    for name, ref in pairs.items():
        np.testing.assert_allclose(np.array(getattr(nn, name)(mx.array(X))), ref.numpy(),
                                   rtol=2e-4, atol=2e-5, err_msg=name)
