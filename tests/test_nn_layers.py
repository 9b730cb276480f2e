"""lumex.nn layers: values against NumPy references (and PyTorch where
importable), float64 gradient checks of every layer, modes, reprs and bad
input. Layers whose engine op is not in this build yet are strict xfails."""

import math

import numpy as np
import pytest

import lumex.core as mx
import lumex.nn as nn
import helpers
from nn_helpers import check_module_grad

try:
    import torch
except ImportError:  # CI has no torch; the NumPy references still run
    torch = None

rng = np.random.default_rng(42)


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def close(out, ref, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(np.array(out), ref, rtol=rtol, atol=atol)


def needs(name):
    """A strict xfail while ``mx.<name>`` is missing from the engine."""
    return pytest.mark.xfail(not helpers.has(name), strict=True,
                             reason=f"mx.{name} is not in this lumex build yet")


def npa(p):
    return np.array(p, dtype=np.float64)


def sig(x):
    return 1 / (1 + np.exp(-x))


# ---- linear ----------------------------------------------------------------

def test_linear_bilinear_identity():
    lin = nn.Linear(4, 3)
    x = randn(2, 5, 4)
    close(lin(mx.array(x)), x @ npa(lin.weight).T + npa(lin.bias))
    assert nn.Linear(4, 3, bias=False).parameters().keys() == {"weight"}
    bil = nn.Bilinear(3, 2, 4)
    a, b = randn(5, 3), randn(5, 2)
    ref = np.einsum("ni,oji,nj->no", a, npa(bil.weight), b) + npa(bil.bias)
    close(bil(mx.array(a), mx.array(b)), ref)
    assert repr(bil) == "Bilinear(input1_dims=3, input2_dims=2, output_dims=4, bias=True)"
    assert nn.Identity(1, foo=2)(mx.array(a)) is not None
    check_module_grad(nn.Linear(3, 2), mx.array(randn(2, 3)))
    check_module_grad(nn.Bilinear(2, 3, 2), mx.array(randn(2, 2)), mx.array(randn(2, 3)))


# ---- normalization ---------------------------------------------------------

def np_layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdims=True)
    return (x - m) / np.sqrt(x.var(-1, keepdims=True) + eps)


def test_layer_rms_norm():
    x = randn(2, 3, 6)
    ln = nn.LayerNorm(6)
    ln.weight = mx.array(randn(6))
    ln.bias = mx.array(randn(6))
    close(ln(mx.array(x)), np_layer_norm(x) * npa(ln.weight) + npa(ln.bias))
    close(nn.LayerNorm(6, affine=False)(mx.array(x)), np_layer_norm(x))
    assert "bias" not in nn.LayerNorm(6, bias=False)
    rms = nn.RMSNorm(6, eps=1e-6)
    close(rms(mx.array(x)), x / np.sqrt((x**2).mean(-1, keepdims=True) + 1e-6))
    assert repr(rms) == "RMSNorm(6, eps=1e-06)"
    assert repr(ln) == "LayerNorm(6, eps=1e-05, affine=True)"
    for layer in (nn.LayerNorm(4), nn.RMSNorm(4)):
        layer.update({"weight": mx.array(randn(4))})
        check_module_grad(layer, mx.array(randn(2, 4)))
    for cls in (nn.LayerNorm, nn.RMSNorm, nn.InstanceNorm, nn.BatchNorm):
        with pytest.raises(ValueError, match="'eps' must be positive"):
            cls(4, eps=0.0)


def test_group_and_instance_norm():
    x = randn(2, 3, 4, 6)
    gn = nn.GroupNorm(2, 6)
    # MLX groups channel c into group c % num_groups
    ref = np.empty_like(x)
    for g in range(2):
        part = x[..., g::2]
        m = part.mean(axis=(1, 2, 3), keepdims=True)
        v = part.var(axis=(1, 2, 3), keepdims=True)
        ref[..., g::2] = (part - m) / np.sqrt(v + 1e-5)
    close(gn(mx.array(x)), ref)
    pt = nn.GroupNorm(2, 6, pytorch_compatible=True)
    ref = np.empty_like(x)
    for g in range(2):
        part = x[..., 3 * g:3 * g + 3]
        m = part.mean(axis=(1, 2, 3), keepdims=True)
        v = part.var(axis=(1, 2, 3), keepdims=True)
        ref[..., 3 * g:3 * g + 3] = (part - m) / np.sqrt(v + 1e-5)
    close(pt(mx.array(x)), ref)
    inorm = nn.InstanceNorm(6, affine=True)
    m, v = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    close(inorm(mx.array(x)), (x - m) / np.sqrt(v + 1e-5))
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        inorm(mx.zeros((2, 6)))
    with pytest.raises(ValueError, match="evenly divisible"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match="positive integer"):
        nn.GroupNorm(0, 6)
    assert repr(gn) == "GroupNorm(2, 6, eps=1e-05, affine=True, pytorch_compatible=False)"
    check_module_grad(nn.GroupNorm(2, 4), mx.array(randn(2, 3, 4)))
    check_module_grad(nn.GroupNorm(2, 4, pytorch_compatible=True), mx.array(randn(2, 3, 4)))
    check_module_grad(nn.InstanceNorm(3, affine=True), mx.array(randn(2, 4, 3)))
    if torch is not None:
        t = torch.nn.GroupNorm(2, 6, affine=False)
        out = t(torch.tensor(x).permute(0, 3, 1, 2)).permute(0, 2, 3, 1).detach().numpy()
        close(pt(mx.array(x)), out, atol=1e-4)


def test_batch_norm_modes_and_running_stats():
    x = randn(8, 3)
    bn = nn.BatchNorm(3, momentum=0.2)
    assert "running_mean" not in nn.utils.tree_flatten(bn.trainable_parameters(), destination={})
    y = bn(mx.array(x))
    close(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), atol=1e-4)
    close(bn.running_mean, 0.2 * x.mean(0))
    close(bn.running_var, 0.8 + 0.2 * x.var(0, ddof=1))
    bn.eval()
    z = bn(mx.array(x))
    close(z, (x - npa(bn.running_mean)) / np.sqrt(npa(bn.running_var) + 1e-5), atol=1e-5)
    bn.unfreeze()
    assert set(bn.trainable_parameters()) == {"weight", "bias"}
    assert repr(bn) == ("BatchNorm(3, eps=1e-05, momentum=0.2, affine=True, "
                        "track_running_stats=True)")
    with pytest.raises(ValueError, match="2, 3 or 4 dimensions"):
        bn(mx.zeros((2, 2, 2, 2, 3)))
    with pytest.raises(ValueError, match="more than one value per channel"):
        nn.BatchNorm(3)(mx.zeros((1, 3)))
    check_module_grad(nn.BatchNorm(3, track_running_stats=False), mx.array(randn(5, 2, 3)))


# ---- dropout and embedding -------------------------------------------------

def test_dropout():
    mx.random.seed(0)
    x = mx.ones((100, 50))
    y = np.array(nn.Dropout(0.3)(x))
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.03
    d = nn.Dropout(0.3)
    d.eval()
    assert np.array_equal(np.array(d(x)), np.ones((100, 50)))
    y2 = np.array(nn.Dropout2d(0.5)(mx.ones((4, 5, 6, 8))))
    assert (y2 == y2[:, :1, :1, :]).all()  # whole channels
    y3 = np.array(nn.Dropout3d(0.5)(mx.ones((2, 3, 4, 5, 6))))
    assert (y3 == y3[:, :1, :1, :1, :]).all()
    with pytest.raises(ValueError, match=r"not in \[0, 1\)"):
        nn.Dropout(1.0)
    with pytest.raises(ValueError, match="Expected 3 or 4 dimensions"):
        nn.Dropout2d()(mx.ones((2, 3)))
    with pytest.raises(ValueError, match="Expected 4 or 5 dimensions"):
        nn.Dropout3d()(mx.ones((2, 3, 4)))
    assert repr(nn.Dropout(0.5)) == "Dropout(p=0.5)"
    assert nn.Dropout(0.0)(x) is x


def test_embedding():
    emb = nn.Embedding(10, 4)
    idx = np.array([[1, 3], [9, 0]])
    close(emb(mx.array(idx)), npa(emb.weight)[idx])
    h = randn(2, 4)
    close(emb.as_linear(mx.array(h)), h @ npa(emb.weight).T)
    assert repr(emb) == "Embedding(10, 4)"
    check_module_grad(emb, mx.array(idx))
    with pytest.raises((ValueError, IndexError)):
        mx.eval(emb(mx.array([10])))


# ---- recurrent ---------------------------------------------------------------

def np_rnn(m, x):
    h = np.zeros((x.shape[0], m.hidden_size))
    out = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ npa(m.Wxh).T + npa(m.bias) + h @ npa(m.Whh).T)
        out.append(h)
    return np.stack(out, 1)


def np_gru(m, x):
    H = m.hidden_size
    Wx, Wh, b, bhn = npa(m.Wx), npa(m.Wh), npa(m.b), npa(m.bhn)
    h = np.zeros((x.shape[0], H))
    out = []
    for t in range(x.shape[1]):
        gx = x[:, t] @ Wx.T + b
        gh = h @ Wh.T
        r = sig(gx[:, :H] + gh[:, :H])
        z = sig(gx[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gx[:, 2 * H:] + r * (gh[:, 2 * H:] + bhn))
        h = (1 - z) * n + z * h
        out.append(h)
    return np.stack(out, 1)


def np_lstm(m, x):
    H = m.hidden_size
    h = np.zeros((x.shape[0], H))
    c = np.zeros((x.shape[0], H))
    hs, cs = [], []
    for t in range(x.shape[1]):
        g = x[:, t] @ npa(m.Wx).T + npa(m.bias) + h @ npa(m.Wh).T
        i, f, gg, o = sig(g[:, :H]), sig(g[:, H:2 * H]), np.tanh(g[:, 2 * H:3 * H]), sig(g[:, 3 * H:])
        c = f * c + i * gg
        h = o * np.tanh(c)
        hs.append(h)
        cs.append(c)
    return np.stack(hs, 1), np.stack(cs, 1)


def test_recurrent_layers():
    x = randn(2, 4, 3)
    rnn, gru, lstm = nn.RNN(3, 5), nn.GRU(3, 5), nn.LSTM(3, 5)
    close(rnn(mx.array(x)), np_rnn(rnn, x))
    close(gru(mx.array(x)), np_gru(gru, x))
    h, c = lstm(mx.array(x))
    hr, cr = np_lstm(lstm, x)
    close(h, hr)
    close(c, cr)
    # an explicit initial state continues the sequence
    close(rnn(mx.array(x[:, 2:]), hidden=rnn(mx.array(x[:, :2]))[:, -1]), np_rnn(rnn, x)[:, 2:])
    assert rnn(mx.array(x[0])).shape == (4, 5)  # unbatched
    assert "bias" not in nn.RNN(3, 5, bias=False)
    assert nn.GRU(3, 5, bias=False).parameters().keys() == {"Wx", "Wh"}
    with pytest.raises(ValueError, match="Nonlinearity must be callable"):
        nn.RNN(3, 5, nonlinearity=3)
    assert repr(gru) == "GRU(input_dims=3, hidden_size=5, bias=True)"
    if torch is not None:
        t = torch.nn.LSTM(3, 5, batch_first=True)
        with torch.no_grad():
            t.weight_ih_l0.copy_(torch.tensor(np.array(lstm.Wx)))
            t.weight_hh_l0.copy_(torch.tensor(np.array(lstm.Wh)))
            t.bias_ih_l0.copy_(torch.tensor(np.array(lstm.bias)))
            t.bias_hh_l0.zero_()
        close(h, t(torch.tensor(x))[0].detach().numpy())
    xs = mx.array(randn(2, 3, 2))
    check_module_grad(nn.RNN(2, 3), xs)
    check_module_grad(nn.GRU(2, 3), xs)
    check_module_grad(nn.LSTM(2, 3), xs)


# ---- attention and transformers ----------------------------------------------

def np_softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def np_mha(m, q, k, v, mask=None):
    H = m.num_heads
    def proj(x, lin):
        return x @ npa(lin.weight).T
    Q, K, V = proj(q, m.query_proj), proj(k, m.key_proj), proj(v, m.value_proj)
    B, L, D = Q.shape
    S = K.shape[1]
    Q = Q.reshape(B, L, H, -1).transpose(0, 2, 1, 3)
    K = K.reshape(B, S, H, -1).transpose(0, 2, 1, 3)
    V = V.reshape(B, S, H, -1).transpose(0, 2, 1, 3)
    s = Q @ K.transpose(0, 1, 3, 2) / math.sqrt(Q.shape[-1])
    if mask is not None:
        s = s + mask
    o = (np_softmax(s) @ V).transpose(0, 2, 1, 3).reshape(B, L, -1)
    return o @ npa(m.out_proj.weight).T


def test_multi_head_attention():
    m = nn.MultiHeadAttention(8, 2)
    q, k = randn(2, 3, 8), randn(2, 4, 8)
    close(m(mx.array(q), mx.array(k), mx.array(k)), np_mha(m, q, k, k), atol=1e-4)
    mask = nn.MultiHeadAttention.create_additive_causal_mask(3)
    assert mask.shape == (3, 3) and float(mask[0, 1]) == float(np.finfo(np.float32).min)
    close(m(mx.array(q), mx.array(q), mx.array(q), mask),
          np_mha(m, q, q, q, np.array(mask)), atol=1e-4)
    with pytest.raises(ValueError, match="divisible by the number of heads"):
        nn.MultiHeadAttention(7, 2)
    check_module_grad(nn.MultiHeadAttention(4, 2, bias=True), mx.array(randn(1, 3, 4)),
                      mx.array(randn(1, 2, 4)), mx.array(randn(1, 2, 4)), rtol=1e-4)


@pytest.mark.parametrize("norm_first", [True, False])
def test_transformer_layers(norm_first):
    mx.random.seed(3)
    enc = nn.TransformerEncoder(2, 8, 2, mlp_dims=16, norm_first=norm_first)
    x = mx.array(randn(2, 3, 8))
    mask = nn.MultiHeadAttention.create_additive_causal_mask(3)
    y = enc(x, mask)
    assert y.shape == (2, 3, 8)
    # causal: the first position does not see the later ones
    x2 = mx.concatenate([x[:, :1], x[:, 1:] * 3], axis=1)
    close(enc(x2, mask)[:, 0], np.array(y[:, 0]), atol=1e-5)
    # checkpointed layers give the same values and gradients
    ck = nn.TransformerEncoder(2, 8, 2, mlp_dims=16, norm_first=norm_first, checkpoint=True)
    ck.update(enc.parameters())
    close(ck(x, mask), np.array(y), atol=1e-6)
    g1 = nn.value_and_grad(enc, lambda x: enc(x, mask).sum())(x)[1]
    g2 = nn.value_and_grad(ck, lambda x: ck(x, mask).sum())(x)[1]
    for (k, a), (_, b) in zip(nn.utils.tree_flatten(g1), nn.utils.tree_flatten(g2)):
        close(b, np.array(a), atol=1e-5)
    tr = nn.Transformer(8, 2, 1, 1, 16, norm_first=norm_first)
    out = tr(x, mx.array(randn(2, 4, 8)), None, nn.MultiHeadAttention.create_additive_causal_mask(4),
             None)
    assert out.shape == (2, 4, 8)
    layer = nn.TransformerDecoderLayer(4, 2, 8, norm_first=norm_first)
    check_module_grad(layer, mx.array(randn(1, 2, 4)), mx.array(randn(1, 3, 4)), None, None,
                      rtol=1e-4)


# ---- positional encodings ------------------------------------------------------

def np_rope(x, dims, traditional, base=10000, scale=1.0, offset=0):
    L = x.shape[-2]
    half = dims // 2
    inv = base ** (-np.arange(half) / half)
    th = ((np.arange(L) + offset) * scale)[:, None] * inv[None]
    c, s = np.cos(th), np.sin(th)
    out = x.astype(np.float64).copy()
    if traditional:
        a, b = x[..., 0:dims:2], x[..., 1:dims:2]
        out[..., 0:dims:2] = a * c - b * s
        out[..., 1:dims:2] = a * s + b * c
    else:
        a, b = x[..., :half], x[..., half:dims]
        out[..., :half] = a * c - b * s
        out[..., half:dims] = a * s + b * c
    return out


@pytest.mark.parametrize("traditional", [False, True])
def test_rope(traditional):
    x = randn(2, 5, 8)
    close(nn.RoPE(8, traditional=traditional)(mx.array(x)), np_rope(x, 8, traditional),
          atol=1e-5)
    close(nn.RoPE(6, traditional=traditional, base=100, scale=0.5)(mx.array(x), offset=3),
          np_rope(x, 6, traditional, 100, 0.5, 3), atol=1e-5)
    assert repr(nn.RoPE(8)) == "RoPE(8, traditional=False)"
    check_module_grad(nn.RoPE(4, traditional=traditional), mx.array(randn(1, 3, 4)))


def test_sinusoidal_and_alibi():
    pe = nn.SinusoidalPositionalEncoding(6)
    pos = np.array([0.0, 1.0, 2.5], np.float32)
    sig_ = np.exp(np.linspace(0, 1, 3)[::-1] * (0 - math.log(1e-4)) + math.log(1e-4))
    y = pos[:, None] * sig_
    close(pe(mx.array(pos)), np.concatenate([np.sin(y), np.cos(y)], -1) * math.sqrt(2 / 6))
    with pytest.raises(ValueError, match="positive and even"):
        nn.SinusoidalPositionalEncoding(5)
    scores = randn(1, 4, 3, 3)
    out = nn.ALiBi()(mx.array(scores))
    slopes = np.array([2 ** (-2 * (h + 1)) for h in range(4)])  # 4 heads: 2^-8/4*(h+1)
    dist = -np.abs(np.arange(3)[:, None] - np.arange(3)[None])
    close(out, scores + slopes[None, :, None, None] * dist)
    check_module_grad(nn.ALiBi(), mx.array(randn(1, 2, 2, 3)))


# ---- pooling -------------------------------------------------------------------

def np_pool(x, k, s, p, fn, pad_value):
    n = len(k)
    x = np.pad(x, [(0, 0)] + [(q, q) for q in p] + [(0, 0)], constant_values=pad_value)
    out_shape = [(x.shape[1 + i] - k[i]) // s[i] + 1 for i in range(n)]
    out = np.empty([x.shape[0], *out_shape, x.shape[-1]], np.float64)
    for idx in np.ndindex(*out_shape):
        sl = tuple(slice(idx[i] * s[i], idx[i] * s[i] + k[i]) for i in range(n))
        window = x[(slice(None),) + sl + (slice(None),)]
        out[(slice(None),) + idx + (slice(None),)] = fn(window, axis=tuple(range(1, n + 1)))
    return out


@pytest.mark.parametrize("cls,n,fn,pad", [
    (nn.MaxPool1d, 1, np.max, -np.inf), (nn.AvgPool1d, 1, np.mean, 0),
    (nn.MaxPool2d, 2, np.max, -np.inf), (nn.AvgPool2d, 2, np.mean, 0),
    (nn.MaxPool3d, 3, np.max, -np.inf), (nn.AvgPool3d, 3, np.mean, 0),
])
def test_pooling(cls, n, fn, pad):
    x = randn(2, *([6] * n), 3)
    for k, s, p in ((2, None, 0), (3, 2, 1), (2, 1, 0)):
        pool = cls(k, stride=s, padding=p)
        kk, ss, pp = [k] * n, [s or k] * n, [p] * n
        close(pool(mx.array(x)), np_pool(x, kk, ss, pp, fn, pad))
    assert repr(cls(2)) == (f"{cls.__name__}(kernel_size={(2,) * n}, stride={(2,) * n}, "
                            f"padding={(0,) * n})")
    check_module_grad(cls(2, stride=1), mx.array(randn(1, *([3] * n), 2)))
    with pytest.raises(ValueError, match="must be positive"):
        cls(0)
    with pytest.raises(ValueError, match="must be an integer or a tuple"):
        cls((2,) * (n + 1))
    with pytest.raises(ValueError, match="non-negative"):
        cls(2, padding=-1)


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint8", "bool_"])
def test_max_pooling_pads_integers_with_their_lowest_value(dtype):
    # -inf as an integer is 0, which would beat negative inputs at the borders.
    x = np.array([[-5, -3, -7]] if dtype[0] == "i" else [[5, 0, 7]]).astype(dtype)[..., None]
    out = nn.MaxPool1d(kernel_size=2, stride=1, padding=1)(mx.array(x))
    want = np.maximum(x[:, :-1], x[:, 1:])
    want = np.concatenate([x[:, :1], want, x[:, -1:]], axis=1)
    np.testing.assert_array_equal(np.array(out), want)


def test_pooling_bad_input():
    with pytest.raises(ValueError, match="at least 1 spatial dimension"):
        nn.MaxPool1d(2)(mx.zeros((4, 3)))
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        nn.MaxPool2d(2, stride=1)(mx.zeros((1, 4, 3)))


# ---- upsample ----------------------------------------------------------------

def np_linear_1d(x, axis, scale, align_corners):
    n = x.shape[axis]
    m = int(scale * n)
    if align_corners:
        pos = np.arange(m) * ((n - 1) / max(m - 1, 1))
    else:
        pos = np.clip((np.arange(m) + 0.5) / scale - 0.5, 0, n - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = pos - lo
    shape = [1] * x.ndim
    shape[axis] = m
    w = w.reshape(shape)
    return np.take(x, lo, axis) * (1 - w) + np.take(x, hi, axis) * w


def np_cubic_1d(x, axis, scale, align_corners, a=-0.75):
    n = x.shape[axis]
    m = int(scale * n)
    if align_corners:
        pos = np.arange(m) * ((n - 1) / max(m - 1, 1))
    else:
        pos = (np.arange(m) + 0.5) / scale - 0.5
    base = np.floor(pos)
    out = 0
    for off in (-1, 0, 1, 2):
        t = base + off
        d = np.abs(pos - t)
        w = np.where(d <= 1, ((a + 2) * d - (a + 3)) * d * d + 1,
                     np.where(d < 2, a * (((d - 5) * d + 8) * d - 4), 0))
        shape = [1] * x.ndim
        shape[axis] = m
        out = out + np.take(x, np.clip(t, 0, n - 1).astype(int), axis) * w.reshape(shape)
    return out


def test_upsample_nearest_linear_cubic():
    x = randn(2, 3, 4, 2)
    close(nn.Upsample(2)(mx.array(x)), x.repeat(2, 1).repeat(2, 2))
    out = nn.Upsample((1.5, 2.0))(mx.array(x))
    assert out.shape == (2, 4, 8, 2)
    for ac in (False, True):
        ref = np_linear_1d(np_linear_1d(x, 1, 2.0, ac), 2, 1.5, ac)
        close(nn.Upsample((2.0, 1.5), mode="linear", align_corners=ac)(mx.array(x)), ref)
        ref = np_cubic_1d(np_cubic_1d(x, 1, 2.0, ac), 2, 1.5, ac)
        close(nn.Upsample((2.0, 1.5), mode="cubic", align_corners=ac)(mx.array(x)), ref,
              atol=1e-4)
    assert repr(nn.Upsample(2.0, mode="linear")) == (
        "Upsample(scale_factor=2.0, mode='linear', align_corners=False)")
    with pytest.raises(ValueError, match="unsupported upsampling algorithm"):
        nn.Upsample(2, mode="area")
    with pytest.raises(ValueError, match="Antialiasing is not supported"):
        nn.Upsample(2, antialias=True)
    with pytest.raises(ValueError, match="antialias=True with align_corners=True"):
        nn.Upsample(2, mode="linear", antialias=True, align_corners=True)
    with pytest.raises(ValueError, match="at least 1 spatial"):
        nn.Upsample(2)(mx.zeros((2, 3)))
    with pytest.raises(ValueError, match="One scale per spatial dimension"):
        nn.Upsample((2, 2, 2))(mx.zeros((1, 2, 2, 1)))
    for mode in ("nearest", "linear", "cubic"):
        check_module_grad(nn.Upsample(2, mode=mode), mx.array(randn(1, 2, 3, 1)))
    if torch is not None:
        F = torch.nn.functional
        t = torch.tensor(x).permute(0, 3, 1, 2)
        for mode, tm in (("linear", "bilinear"), ("cubic", "bicubic")):
            for ac in (False, True):
                ref = F.interpolate(t, scale_factor=2, mode=tm, align_corners=ac)
                close(nn.Upsample(2.0, mode=mode, align_corners=ac)(mx.array(x)),
                      ref.permute(0, 2, 3, 1).numpy(), atol=1e-4)
        x2 = randn(2, 6, 8, 2)
        ref = F.interpolate(torch.tensor(x2).permute(0, 3, 1, 2), scale_factor=0.5,
                            mode="bilinear", antialias=True)
        close(nn.Upsample(0.5, mode="linear", antialias=True)(mx.array(x2)),
              ref.permute(0, 2, 3, 1).numpy(), atol=1e-4)


# ---- convolutions (wait for the engine's conv ops) ---------------------------

def np_conv(x, w, stride, padding, dilation=1, groups=1):
    n = x.ndim - 2
    x = np.pad(x, [(0, 0)] + [(padding, padding)] * n + [(0, 0)])
    k = w.shape[1:-1]
    span = [(kk - 1) * dilation + 1 for kk in k]
    out_sp = [(x.shape[1 + i] - span[i]) // stride + 1 for i in range(n)]
    cin_g = w.shape[-1]
    cout_g = w.shape[0] // groups
    out = np.zeros([x.shape[0], *out_sp, w.shape[0]])
    for idx in np.ndindex(*out_sp):
        sl = tuple(slice(idx[i] * stride, idx[i] * stride + span[i], dilation) for i in range(n))
        patch = x[(slice(None),) + sl + (slice(None),)]
        for g in range(groups):
            p = patch[..., g * cin_g:(g + 1) * cin_g].reshape(x.shape[0], -1)
            wg = w[g * cout_g:(g + 1) * cout_g].reshape(cout_g, -1)
            out[(slice(None),) + idx + (slice(g * cout_g, (g + 1) * cout_g),)] = p @ wg.T
    return out


@needs("conv1d")
def test_conv1d():
    conv = nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2)
    x = randn(2, 9, 4)
    close(conv(mx.array(x)), np_conv(x, npa(conv.weight), 2, 1, groups=2), atol=1e-4)
    check_module_grad(nn.Conv1d(2, 3, 2), mx.array(randn(1, 5, 2)))


@needs("conv2d")
def test_conv2d():
    conv = nn.Conv2d(3, 4, 3, padding=1, dilation=1)
    x = randn(2, 5, 5, 3)
    close(conv(mx.array(x)), np_conv(x, npa(conv.weight), 1, 1), atol=1e-4)
    check_module_grad(nn.Conv2d(2, 2, 2), mx.array(randn(1, 3, 3, 2)))


@needs("conv3d")
def test_conv3d():
    conv = nn.Conv3d(2, 3, 2, bias=False)
    x = randn(1, 3, 3, 3, 2)
    close(conv(mx.array(x)), np_conv(x, npa(conv.weight), 1, 0), atol=1e-4)


@needs("conv_transpose2d")
def test_conv_transpose():
    for cls, n in ((nn.ConvTranspose1d, 1), (nn.ConvTranspose2d, 2), (nn.ConvTranspose3d, 3)):
        layer = cls(2, 3, 2, stride=2)
        y = layer(mx.array(randn(1, *([3] * n), 2)))
        assert y.shape == (1, *([6] * n), 3)
    check_module_grad(nn.ConvTranspose1d(2, 2, 2, stride=2), mx.array(randn(1, 3, 2)))


def test_conv_construction_and_repr():
    c = nn.Conv2d(4, 6, 3, groups=2)
    assert c.weight.shape == (6, 3, 3, 2) and c.bias.shape == (6,)
    assert repr(c) == ("Conv2d(4, 6, kernel_size=(3, 3), stride=(1, 1), padding=(0, 0), "
                       "dilation=1, groups=2, bias=True)")
    assert repr(nn.Conv3d(2, 3, 2)) == ("Conv3d(2, 3, kernel_size=(2, 2, 2), stride=(1, 1, 1), "
                                        "padding=(0, 0, 0), dilation=1, bias=True)")
    assert repr(nn.ConvTranspose2d(3, 2, 3)) == (
        "ConvTranspose2d(3, 2, kernel_size=(3, 3), stride=(1, 1), padding=(0, 0), dilation=1, "
        "output_padding=(0, 0), bias=True)")
    assert nn.ConvTranspose1d(3, 2, 4).weight.shape == (2, 4, 3)
    with pytest.raises(ValueError, match="divisible by the number of groups"):
        nn.Conv1d(3, 4, 2, groups=2)


# ---- quantized and distributed -------------------------------------------------

@needs("quantize")
def test_quantized_layers():
    lin = nn.Linear(64, 8)
    q = lin.to_quantized()
    x = randn(2, 64)
    close(q(mx.array(x)), np.array(lin(mx.array(x))), atol=0.2)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Embedding(10, 64))
    nn.quantize(model)
    assert isinstance(model.layers[0], nn.QuantizedLinear)
    assert isinstance(model.layers[2], nn.QuantizedEmbedding)
    # As MLX: the quantized weights are frozen, the Linear's float bias stays trainable.
    trainable = model.trainable_parameters()
    assert list(trainable["layers"][0]) == ["bias"] and trainable["layers"][1:] == [{}, {}]


def test_quantize_mode_errors():
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        nn.QuantizedLinear(64, 8, mode="int3")
    with pytest.raises(ValueError, match="Quantized activations are only supported"):
        nn.Linear(64, 8).to_quantized(quantize_input=True)


def test_single_process_sharded_layers():
    mx.random.seed(0)
    lin = nn.Linear(6, 4)
    x = mx.array(randn(3, 6))
    for cls in (nn.AllToShardedLinear, nn.ShardedToAllLinear):
        sharded = cls.from_linear(lin)
        close(sharded(x), np.array(lin(x)), atol=1e-6)
        assert repr(sharded) == f"{cls.__name__}(input_dims=6, output_dims=4, bias=True)"
    assert nn.fully_shard(lin) is lin
    from lumex.nn.layers.distributed import shard_linear
    close(shard_linear(lin, "all-to-sharded")(x), np.array(lin(x)), atol=1e-6)
    with pytest.raises(ValueError, match="not supported"):
        shard_linear(lin, "diagonal")
    check_module_grad(nn.AllToShardedLinear(3, 2), mx.array(randn(2, 3)))
    g = {"w": mx.ones((2,))}
    clipped, norm = nn.utils.clip_grad_norm_sharded(g, 1.0)
    close(norm, math.sqrt(2))
    close(clipped["w"], np.ones(2) / math.sqrt(2), atol=1e-5)


def test_gradients_of_the_remaining_layers():
    check_module_grad(nn.SinusoidalPositionalEncoding(4, cos_first=True, full_turns=True),
                      mx.array(randn(3)))
    check_module_grad(nn.ShardedToAllLinear(3, 2), mx.array(randn(2, 3)))
    check_module_grad(nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Identity()),
                      mx.array(randn(2, 3)))
    drop = nn.Dropout(0.5)
    drop.eval()
    check_module_grad(drop, mx.array(randn(2, 3)))
    # in training mode the gradient is the mask scaled by 1 / (1 - p)
    mx.random.seed(5)
    x = mx.array(randn(50))
    train = nn.Dropout(0.25)
    key_state = mx.random.state[0]
    y = train(x)
    mx.random.state[0] = key_state
    g = mx.grad(lambda x: train(x).sum())(x)
    np.testing.assert_allclose(np.array(g), (np.array(y) != 0) / 0.75, rtol=1e-6)


@pytest.mark.skipif(helpers.IS_MLX, reason="lumex names the module in errors")
def test_other_exceptions_pass_through_unchanged():
    class Boom(nn.Module):
        def __call__(self, x):
            raise KeyError("inner")

    with pytest.raises(KeyError, match="inner"):
        nn.Sequential(Boom())(mx.zeros(1))
    err = None
    try:
        nn.Sequential(nn.Linear(2, 2))(mx.zeros((1, 3)))
    except ValueError as exc:
        err = exc
    assert str(err).startswith("[layers.0 (Linear)]") and err.__traceback__ is not None
