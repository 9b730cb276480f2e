"""Training-step workloads: forward, backward, optimizer update and eval, lumex beside PyTorch.

Registered into ``workloads.WORKLOADS`` (imported at the end of workloads.py).
The ``"mx"`` builds use the ``nn`` and ``optimizers`` packages next to the core
module they are given (``lumex.nn`` for ``lumex.core``, ``mlx.nn`` for
``mlx.core``), and time one whole step; the runner's ``mx.eval`` of the result
(loss, parameters, optimizer state) is the step's eval. PyTorch runs eagerly:
``zero_grad``, forward, ``backward``, ``step``. There is no NumPy version, so the
check column shows ``-``; ``benchmarks/training_parity.py`` checks the numbers
against MLX instead.

* MLP: MNIST shapes, batch 256, 784 -> 512 -> 512 -> 10, ReLU, SGD (lr 0.1);
  both frameworks start from the same weights.
* Transformer LM: vocabulary 1024, 2 pre-norm blocks, dim 256, 4 heads, MLP 1024,
  context 128, batch 16, causal mask, AdamW (lr 1e-3, weight decay 0.01).
* ResNet-20: CIFAR shapes, batch 64 of 32x32x3, 3 stages of 3 basic blocks
  (16/32/64 channels, batch norm, 1x1 projection shortcuts), Adam (lr 1e-3).
  lumex and MLX are NHWC, PyTorch NCHW.

Each has a ``_compiled`` twin where the mx step is ``mx.compile``d with the model
and optimizer state as ``inputs=``/``outputs=``; PyTorch stays eager (the
baseline of the issue's "compiled <= 0.8x" target).
"""

from __future__ import annotations

import importlib
import math
from functools import partial

import numpy as np

from workloads import workload


def _nn_and_optim(mx):
    package = mx.__name__.rsplit(".", 1)[0]
    return importlib.import_module(f"{package}.nn"), importlib.import_module(f"{package}.optimizers")


def _mx_step(mx, model, optimizer, loss_fn, compiled, *batch):
    """The zero-argument timed function for an mx model: one full training step."""
    nn, _ = _nn_and_optim(mx)
    loss_and_grad = nn.value_and_grad(model, loss_fn)

    def step(*batch):
        loss, grads = loss_and_grad(model, *batch)
        optimizer.update(model, grads)
        return loss

    if compiled:
        state = [model.state, optimizer.state]
        step = mx.compile(step, inputs=state, outputs=state)
    return lambda: (step(*batch), model.parameters(), optimizer.state)


def _torch_step(torch, model, optimizer, loss_fn, *batch):
    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model, *batch)
        loss.backward()
        optimizer.step()
        return loss.detach()

    return step


# ---- MLP ----

MLP_SIZES = (784, 512, 512, 10)


def _mlp_inputs():
    rng = np.random.default_rng(0)
    x = rng.random((256, MLP_SIZES[0]), dtype=np.float32)
    y = rng.integers(0, MLP_SIZES[-1], 256).astype(np.int32)
    weights = []
    for d_in, d_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
        bound = 1 / math.sqrt(d_in)
        weights.append(rng.uniform(-bound, bound, (d_out, d_in)).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, (d_out,)).astype(np.float32))
    return (x, y, *weights)


def make_mlp_mx(mx, *weights):
    """(model, optimizer, loss_fn) of the MLP on an mx engine, with the given weights."""
    nn, optim = _nn_and_optim(mx)

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(i, o) for i, o in zip(MLP_SIZES[:-1], MLP_SIZES[1:])]

        def __call__(self, x):
            for layer in self.layers[:-1]:
                x = mx.maximum(layer(x), 0.0)
            return self.layers[-1](x)

    model = MLP()
    model.update({"layers": [{"weight": w, "bias": b} for w, b in zip(weights[::2], weights[1::2])]})

    def loss_fn(model, x, y):
        return mx.mean(nn.losses.cross_entropy(model(x), y))

    return model, optim.SGD(learning_rate=0.1), loss_fn


def _build_mlp_mx(compiled, mx, x, y, *weights):
    return _mx_step(mx, *make_mlp_mx(mx, *weights), compiled, x, y)


def make_mlp_torch(torch, *weights):
    """(model, optimizer, loss_fn) of the MLP in PyTorch, with the given weights."""
    layers = []
    for w, b in zip(weights[::2], weights[1::2]):
        linear = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(w)
            linear.bias.copy_(b)
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])

    def loss_fn(model, x, y):
        return torch.nn.functional.cross_entropy(model(x), y)

    return model, torch.optim.SGD(model.parameters(), lr=0.1), loss_fn


def _build_mlp_torch(torch, x, y, *weights):
    return _torch_step(torch, *make_mlp_torch(torch, *weights), x, y.long())


def _mlp(compiled):
    return _mlp_inputs(), {"mx": partial(_build_mlp_mx, compiled), "torch": _build_mlp_torch}


workload("train_mlp", "MLP 784-512-512-10 training step, batch 256, SGD", target=1.0, versus="torch")(
    lambda: _mlp(False)
)
workload("train_mlp_compiled", "the MLP step mx.compile'd with its state (torch eager)", target=0.8, versus="torch")(
    lambda: _mlp(True)
)


# ---- transformer language model ----

LM = {"vocab": 1024, "dims": 256, "heads": 4, "blocks": 2, "context": 128, "batch": 16}


def _lm_inputs():
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, LM["vocab"], (LM["batch"], LM["context"] + 1)).astype(np.int32)
    return tokens[:, :-1].copy(), tokens[:, 1:].copy()


def make_lm_mx(mx):
    """(model, optimizer, loss_fn) of the transformer LM on an mx engine."""
    nn, optim = _nn_and_optim(mx)

    class TransformerLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(LM["vocab"], LM["dims"])
            self.pe = nn.SinusoidalPositionalEncoding(LM["dims"])
            self.transformer = nn.TransformerEncoder(LM["blocks"], LM["dims"], LM["heads"], norm_first=True)
            self.out_proj = nn.Linear(LM["dims"], LM["vocab"])

        def __call__(self, x):
            length = x.shape[1]
            mask = nn.MultiHeadAttention.create_additive_causal_mask(length)
            h = self.embedding(x) + self.pe(mx.arange(length))
            return self.out_proj(self.transformer(h, mask))

    def loss_fn(model, x, y):
        return mx.mean(nn.losses.cross_entropy(model(x), y))

    return TransformerLM(), optim.AdamW(learning_rate=1e-3, weight_decay=0.01), loss_fn


def _build_lm_mx(compiled, mx, x, y):
    return _mx_step(mx, *make_lm_mx(mx), compiled, x, y)


def _sinusoids(length, dims):
    # MLX's SinusoidalPositionalEncoding layout: [sin | cos] halves, geometric frequencies.
    freqs = np.exp(-np.arange(dims // 2) / (dims // 2 - 1) * math.log(10000.0))
    angles = np.arange(length)[:, None] * freqs[None, :]
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1).astype(np.float32)


def make_lm_torch(torch):
    """(model, optimizer, loss_fn) of the transformer LM in PyTorch."""
    nn = torch.nn
    d = LM["dims"]

    class TransformerLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(LM["vocab"], d)
            layer = nn.TransformerEncoderLayer(d, LM["heads"], 4 * d, dropout=0.0, norm_first=True, batch_first=True)
            self.transformer = nn.TransformerEncoder(layer, LM["blocks"], norm=nn.LayerNorm(d), enable_nested_tensor=False)
            self.out_proj = nn.Linear(d, LM["vocab"])
            self.register_buffer("pe", torch.from_numpy(_sinusoids(LM["context"], d)))
            self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(LM["context"]))

        def forward(self, x):
            h = self.embedding(x) + self.pe[: x.shape[1]]
            return self.out_proj(self.transformer(h, mask=self.mask, is_causal=True))

    def loss_fn(model, x, y):
        logits = model(x)
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))

    model = TransformerLM()
    return model, torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01), loss_fn


def _build_lm_torch(torch, x, y):
    return _torch_step(torch, *make_lm_torch(torch), x.long(), y.long())


def _lm(compiled):
    return _lm_inputs(), {"mx": partial(_build_lm_mx, compiled), "torch": _build_lm_torch}


_LM_DESC = "transformer LM step: 2 pre-norm blocks, dim 256, 4 heads, ctx 128, batch 16, AdamW"
workload("train_transformer", _LM_DESC, target=1.0, versus="torch")(lambda: _lm(False))
workload("train_transformer_compiled", "the transformer step mx.compile'd with its state (torch eager)",
         target=0.8, versus="torch")(lambda: _lm(True))


# ---- ResNet-20 ----


def _resnet_inputs():
    rng = np.random.default_rng(0)
    images = rng.standard_normal((64, 32, 32, 3), dtype=np.float32)  # NHWC; torch permutes
    labels = rng.integers(0, 10, 64).astype(np.int32)
    return images, labels


def _build_resnet_mx(compiled, mx, images, labels):
    nn, optim = _nn_and_optim(mx)

    class Block(nn.Module):
        def __init__(self, c_in, c_out, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm(c_out)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, stride=1, padding=1, bias=False)
            self.bn2 = nn.BatchNorm(c_out)
            if stride != 1 or c_in != c_out:
                self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm(c_out))
            else:
                self.shortcut = None

        def __call__(self, x):
            out = nn.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return nn.relu(out + (x if self.shortcut is None else self.shortcut(x)))

    class ResNet20(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 16, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm(16)
            blocks, c_in = [], 16
            for c_out, stride in ((16, 1), (32, 2), (64, 2)):
                for i in range(3):
                    blocks.append(Block(c_in, c_out, stride if i == 0 else 1))
                    c_in = c_out
            self.blocks = blocks
            self.head = nn.Linear(64, 10)

        def __call__(self, x):
            x = nn.relu(self.bn(self.conv(x)))
            for block in self.blocks:
                x = block(x)
            return self.head(mx.mean(x, axis=(1, 2)))

    def loss_fn(model, x, y):
        return mx.mean(nn.losses.cross_entropy(model(x), y))

    model = ResNet20()
    return _mx_step(mx, model, optim.Adam(learning_rate=1e-3), loss_fn, compiled, images, labels)


def _build_resnet_torch(torch, images, labels):
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, c_in, c_out, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(c_out)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, stride=1, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)
            self.shortcut = (
                nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))
                if stride != 1 or c_in != c_out
                else nn.Identity()
            )

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))

    blocks, c_in = [], 16
    for c_out, stride in ((16, 1), (32, 2), (64, 2)):
        for i in range(3):
            blocks.append(Block(c_in, c_out, stride if i == 0 else 1))
            c_in = c_out
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), *blocks,
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10),
    )  # fmt: skip

    def loss_fn(model, x, y):
        return nn.functional.cross_entropy(model(x), y)

    nchw = images.permute(0, 3, 1, 2).contiguous()
    return _torch_step(torch, model, torch.optim.Adam(model.parameters(), lr=1e-3), loss_fn, nchw, labels.long())


def _resnet(compiled):
    return _resnet_inputs(), {"mx": partial(_build_resnet_mx, compiled), "torch": _build_resnet_torch}


workload("train_resnet20", "ResNet-20 training step, batch 64 of 32x32x3, Adam", target=1.0, versus="torch")(
    lambda: _resnet(False)
)
workload("train_resnet20_compiled", "the ResNet-20 step mx.compile'd with its state (torch eager)",
         target=0.8, versus="torch")(lambda: _resnet(True))
