"""Recurrent layers: RNN, GRU and LSTM over inputs ``(..., L, D)``, returning
every step's hidden state ``(..., L, H)``."""

import math
from typing import Callable, Optional

import lumex.core as mx
from .activations import tanh
from .base import Module


def _uniform(scale, *shape):
    return mx.random.uniform(low=-scale, high=scale, shape=shape)


def _project(x, weight, bias):
    return x @ weight.T if bias is None else mx.addmm(bias, x, weight.T)


class RNN(Module):
    r"""Elman recurrent layer: :math:`h_t = \sigma(W_{xh} x_t + b + W_{hh} h_{t-1})`.

    ``Wxh`` ``(hidden_size, input_size)``, ``Whh`` ``(hidden_size, hidden_size)``
    and ``bias`` start uniform in :math:`\pm 1/\sqrt{\text{hidden\_size}}`.

    Args:
        input_size (int): input features.
        hidden_size (int): hidden state size.
        bias (bool): whether to use a bias. Default: ``True``.
        nonlinearity (callable, optional): :math:`\sigma`, default ``tanh``.

    Call with ``(x, hidden=None)``.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: Optional[Callable] = None):
        super().__init__()
        self.nonlinearity = nonlinearity or tanh
        if not callable(self.nonlinearity):
            raise ValueError(f"Nonlinearity must be callable. Current value: {nonlinearity}.")
        scale = 1.0 / math.sqrt(hidden_size)
        self.hidden_size = hidden_size
        self.Wxh = _uniform(scale, hidden_size, input_size)
        self.Whh = _uniform(scale, hidden_size, hidden_size)
        self.bias = _uniform(scale, hidden_size) if bias else None

    def _extra_repr(self):
        return (f"input_dims={self.Wxh.shape[1]}, hidden_size={self.hidden_size}, "
                f"nonlinearity={self.nonlinearity}, bias={self.bias is not None}")

    def __call__(self, x, hidden=None):
        x = _project(x, self.Wxh, self.bias)
        states = []
        for t in range(x.shape[-2]):
            step = x[..., t, :]
            hidden = step if hidden is None else mx.addmm(step, hidden, self.Whh.T)
            hidden = self.nonlinearity(hidden)
            states.append(hidden)
        return mx.stack(states, axis=-2)


class GRU(Module):
    r"""Gated recurrent unit (PyTorch's formulation: the reset gate multiplies
    :math:`W_{hn} h + b_{hn}`).

    ``Wx`` ``(3H, input_size)``, ``Wh`` ``(3H, H)``, ``b`` ``(3H,)`` and
    ``bhn`` ``(H,)`` start uniform in :math:`\pm 1/\sqrt{H}`; gates are
    ordered r, z, n.

    Args:
        input_size (int): input features.
        hidden_size (int): hidden state size ``H``.
        bias (bool): whether to use biases. Default: ``True``.

    Call with ``(x, hidden=None)``.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        scale = 1.0 / math.sqrt(hidden_size)
        self.Wx = _uniform(scale, 3 * hidden_size, input_size)
        self.Wh = _uniform(scale, 3 * hidden_size, hidden_size)
        self.b = _uniform(scale, 3 * hidden_size) if bias else None
        self.bhn = _uniform(scale, hidden_size) if bias else None

    def _extra_repr(self):
        return (f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, "
                f"bias={self.b is not None}")

    def __call__(self, x, hidden=None):
        H = self.hidden_size
        x = _project(x, self.Wx, self.b)
        x_rz, x_n = x[..., :-H], x[..., -H:]
        states = []
        for t in range(x.shape[-2]):
            rz = x_rz[..., t, :]
            if hidden is not None:
                h_proj = hidden @ self.Wh.T
                h_rz, h_n = h_proj[..., :-H], h_proj[..., -H:]
                if self.bhn is not None:
                    h_n = h_n + self.bhn
                rz = rz + h_rz
            r, z = mx.split(mx.sigmoid(rz), 2, axis=-1)
            n = x_n[..., t, :]
            if hidden is not None:
                n = n + r * h_n
            elif self.bhn is not None:
                n = n + r * self.bhn
            n = mx.tanh(n)
            hidden = (1 - z) * n if hidden is None else (1 - z) * n + z * hidden
            states.append(hidden)
        return mx.stack(states, axis=-2)


class LSTM(Module):
    r"""Long short-term memory layer; returns ``(hidden_states, cell_states)``,
    both ``(..., L, H)``.

    ``Wx`` ``(4H, input_size)``, ``Wh`` ``(4H, H)`` and ``bias`` ``(4H,)``
    start uniform in :math:`\pm 1/\sqrt{H}`; gates are ordered i, f, g, o.

    Args:
        input_size (int): input features.
        hidden_size (int): hidden state size ``H``.
        bias (bool): whether to use a bias. Default: ``True``.

    Call with ``(x, hidden=None, cell=None)``.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        scale = 1.0 / math.sqrt(hidden_size)
        self.Wx = _uniform(scale, 4 * hidden_size, input_size)
        self.Wh = _uniform(scale, 4 * hidden_size, hidden_size)
        self.bias = _uniform(scale, 4 * hidden_size) if bias else None

    def _extra_repr(self):
        return (f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, "
                f"bias={self.bias is not None}")

    def __call__(self, x, hidden=None, cell=None):
        x = _project(x, self.Wx, self.bias)
        hiddens, cells = [], []
        for t in range(x.shape[-2]):
            ifgo = x[..., t, :]
            if hidden is not None:
                ifgo = mx.addmm(ifgo, hidden, self.Wh.T)
            i, f, g, o = mx.split(ifgo, 4, axis=-1)
            i, f, g, o = mx.sigmoid(i), mx.sigmoid(f), mx.tanh(g), mx.sigmoid(o)
            cell = i * g if cell is None else f * cell + i * g
            hidden = o * mx.tanh(cell)
            cells.append(cell)
            hiddens.append(hidden)
        return mx.stack(hiddens, axis=-2), mx.stack(cells, axis=-2)
