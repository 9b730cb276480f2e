"""Seeded initial parameters and outputs of nn layers, written to an .npz.

Run with any interpreter: ``python nn_reference.py mlx out.npz`` uses
``mlx.nn``, ``python nn_reference.py lumex out.npz`` uses ``lumex.nn``. The
test ``tests/test_nn_mlx_compare.py`` runs it under the real MLX wheel and
compares with lumex: parameters bit for bit, outputs to float32 rounding.
Keys are ``<case>/<parameter>``, ``<case>/__out__`` and ``<case>/__error__``
(the exception text, as bytes, when a case cannot run).
"""

import sys

import numpy as np

# (name, constructor, input shapes or None, input dtype). Each case runs with
# mx.random.seed(index) before the constructor and seed(1000 + index) before
# the inputs are drawn.
CASES = [
    ("Linear", "nn.Linear(7, 5)", [(3, 7)], "float"),
    ("LinearNoBias", "nn.Linear(7, 5, bias=False)", [(2, 4, 7)], "float"),
    ("Bilinear", "nn.Bilinear(3, 4, 5)", [(2, 3), (2, 4)], "float"),
    ("MLP", "nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.GELU(),"
            " nn.Linear(16, 3))", [(4, 6)], "float"),
    ("PReLU", "nn.PReLU(3)", [(2, 3)], "float"),
    ("Embedding", "nn.Embedding(11, 6)", [(2, 5)], "int:11"),
    ("Conv1d", "nn.Conv1d(3, 4, 3, stride=2, padding=1)", [(2, 9, 3)], "float"),
    ("Conv2d", "nn.Conv2d(3, 4, (3, 2), padding=1, groups=1)", [(2, 6, 5, 3)], "float"),
    ("Conv2dGroups", "nn.Conv2d(4, 6, 3, groups=2, bias=False)", [(1, 5, 5, 4)], "float"),
    ("Conv3d", "nn.Conv3d(2, 3, 2)", [(1, 4, 4, 4, 2)], "float"),
    ("ConvTranspose1d", "nn.ConvTranspose1d(3, 2, 3, stride=2)", [(2, 5, 3)], "float"),
    ("ConvTranspose2d", "nn.ConvTranspose2d(3, 2, 3, padding=1)", [(1, 4, 4, 3)], "float"),
    ("ConvTranspose3d", "nn.ConvTranspose3d(2, 2, 2)", [(1, 3, 3, 3, 2)], "float"),
    ("LayerNorm", "nn.LayerNorm(6)", [(2, 3, 6)], "float"),
    ("RMSNorm", "nn.RMSNorm(6)", [(2, 3, 6)], "float"),
    ("GroupNorm", "nn.GroupNorm(2, 6)", [(2, 3, 6)], "float"),
    ("GroupNormPT", "nn.GroupNorm(3, 6, pytorch_compatible=True)", [(2, 3, 6)], "float"),
    ("InstanceNorm", "nn.InstanceNorm(6, affine=True)", [(2, 3, 6)], "float"),
    ("BatchNorm", "nn.BatchNorm(6)", [(4, 6)], "float"),
    ("RNN", "nn.RNN(4, 5)", [(2, 3, 4)], "float"),
    ("GRU", "nn.GRU(4, 5)", [(2, 3, 4)], "float"),
    ("LSTM", "nn.LSTM(4, 5)", [(2, 3, 4)], "float"),
    ("MultiHeadAttention", "nn.MultiHeadAttention(8, 2)", [(2, 3, 8), (2, 4, 8), (2, 4, 8)],
     "float"),
    ("TransformerEncoderLayer", "nn.TransformerEncoderLayer(8, 2, 16)", [(2, 3, 8), None],
     "float"),
    ("Transformer", "nn.Transformer(8, 2, 1, 1, 16)", [(2, 3, 8), (2, 4, 8), None, None, None],
     "float"),
    ("RoPE", "nn.RoPE(8)", [(2, 3, 8)], "float"),
    ("SinusoidalPositionalEncoding", "nn.SinusoidalPositionalEncoding(8)", [(2, 3)],
     "float"),
    ("ALiBi", "nn.ALiBi()", [(2, 4, 3, 5)], "float"),
    ("AvgPool2d", "nn.AvgPool2d(2, stride=1, padding=1)", [(1, 4, 5, 2)], "float"),
    ("MaxPool1d", "nn.MaxPool1d(3, stride=2)", [(2, 7, 3)], "float"),
    ("Upsample", "nn.Upsample(2.0, mode='linear', align_corners=True)", [(1, 3, 4, 2)],
     "float"),
    ("UpsampleCubic", "nn.Upsample((2, 1.5), mode='cubic')", [(1, 3, 4, 2)], "float"),
    ("QuantizedLinear", "nn.QuantizedLinear(64, 8)", [(2, 64)], "float"),
    ("QuantizedEmbedding", "nn.QuantizedEmbedding(10, 64)", [(2, 3)], "int:10"),
    ("Dropout", "nn.Dropout(0.5)", [(4, 6)], "float"),
    # initializers: the constructor gives an array, stored as "value"
    ("init.constant", "nn.init.constant(0.3)(mx.zeros((2, 3)))", None, ""),
    ("init.normal", "nn.init.normal(0.5, 2.0)(mx.zeros((3, 4)))", None, ""),
    ("init.uniform", "nn.init.uniform(-2.0, 1.0)(mx.zeros((3, 4)))", None, ""),
    ("init.identity", "nn.init.identity()(mx.zeros((3, 3)))", None, ""),
    ("init.glorot_normal", "nn.init.glorot_normal()(mx.zeros((5, 3, 4)), gain=2.0)", None, ""),
    ("init.glorot_uniform", "nn.init.glorot_uniform()(mx.zeros((5, 4)))", None, ""),
    ("init.he_normal", "nn.init.he_normal()(mx.zeros((5, 4)), mode='fan_out')", None, ""),
    ("init.he_uniform", "nn.init.he_uniform()(mx.zeros((6, 2, 4)), gain=0.5)", None, ""),
    ("init.sparse", "nn.init.sparse(0.5, std=0.1)(mx.zeros((4, 6)))", None, ""),
    ("init.orthogonal", "nn.init.orthogonal(gain=1.5)(mx.zeros((3, 5)))", None, ""),
]


def train_losses(mx, nn, tree_map, steps=30):
    """Losses of 30 seeded SGD steps of a small MLP classifier (the shape of
    MLX's mnist example, on synthetic data) and of a 1-block transformer LM."""
    mx.random.seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                          nn.Linear(32, 5))
    x = mx.random.normal((64, 20))
    y = mx.random.randint(0, 5, (64,))
    loss_and_grad = nn.value_and_grad(
        model, lambda x, y: nn.losses.cross_entropy(model(x), y, reduction="mean"))
    losses = []
    for _ in range(steps):
        loss, grads = loss_and_grad(x, y)
        model.update(tree_map(lambda p, g: p - 0.1 * g, model.parameters(), grads))
        mx.eval(model.parameters(), loss)
        losses.append(loss.item())

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(11, 16)
            self.transformer = nn.TransformerEncoder(1, 16, 2, norm_first=True)
            self.out_proj = nn.Linear(16, 11)

        def __call__(self, x):
            mask = nn.MultiHeadAttention.create_additive_causal_mask(x.shape[1])
            return self.out_proj(self.transformer(self.embedding(x), mask))

    mx.random.seed(1)
    lm = LM()
    tokens = mx.random.randint(0, 11, (4, 9))
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    lm_loss_and_grad = nn.value_and_grad(
        lm, lambda x, y: nn.losses.cross_entropy(lm(x), y, reduction="mean"))
    for _ in range(steps):
        loss, grads = lm_loss_and_grad(inputs, targets)
        lm.update(tree_map(lambda p, g: p - 0.05 * g, lm.parameters(), grads))
        mx.eval(lm.parameters(), loss)
        losses.append(loss.item())
    return np.array(losses, dtype=np.float64)


def main(backend, out):
    if backend == "mlx":
        import mlx.core as mx
        import mlx.nn as nn
        from mlx.utils import tree_flatten, tree_map
    else:
        import lumex.core as mx
        import lumex.nn as nn
        from lumex.utils import tree_flatten, tree_map
    result = {}
    try:
        result["training/losses"] = train_losses(mx, nn, tree_map)
    except Exception as exc:
        result["training/__error__"] = np.frombuffer(
            f"{type(exc).__name__}: {exc}".encode(), dtype=np.uint8)
    for index, (name, ctor, shapes, kind) in enumerate(CASES):
        try:
            mx.random.seed(index)
            model = eval(ctor, {"nn": nn, "mx": mx})
            if shapes is None:
                result[f"{name}/value"] = np.array(model)
                continue
            for key, value in tree_flatten(model.parameters()):
                result[f"{name}/{key}"] = np.array(value)
            mx.random.seed(1000 + index)
            inputs = []
            for shape in shapes:
                if shape is None:
                    inputs.append(None)
                elif kind.startswith("int:"):
                    inputs.append(mx.random.randint(0, int(kind[4:]), shape))
                else:
                    inputs.append(mx.random.normal(shape))
            output = model(*inputs)
            if isinstance(output, (tuple, list)):
                output = output[0]
            result[f"{name}/__out__"] = np.array(output.astype(mx.float32))
        except Exception as exc:  # recorded, so one missing op does not hide the rest
            result[f"{name}/__error__"] = np.frombuffer(
                f"{type(exc).__name__}: {exc}".encode(), dtype=np.uint8)
    np.savez(out, **result)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
