"""The primitive registry: every registered primitive is rebuilt, equivalent, from the
name and parameters it reports (what importing a saved graph needs), and the text of
those parameters reads back exactly."""

import pytest

import lumex.core as mx

pytestmark = pytest.mark.lumex_only

# Registered classes that cannot be rebuilt from text, and why.
NOT_FROM_PARAMS = {"CustomTransforms": "it holds the user's Python functions"}


def _graphs():
    """Pending outputs whose graphs hold every registered class and every variant name."""
    x = mx.array([[0.5, -0.25, 0.75], [0.125, 0.3, -0.6]])
    pos = mx.abs(x) + 1.5
    ints = mx.array([[3, 1, 2], [0, 5, 4]])
    idx = mx.array([1, 0])
    sq = mx.array([[4.0, 1.0], [1.0, 3.0]])
    c = x.astype(mx.complex64)
    nan = mx.array([1.0, float("nan")])
    out = []
    unary = [mx.abs, mx.negative, mx.sign, mx.square, mx.sqrt, mx.rsqrt, mx.exp, mx.expm1,
             mx.log1p, mx.sin, mx.cos, mx.tan, mx.arcsin, mx.arccos, mx.arctan, mx.sinh,
             mx.cosh, mx.tanh, mx.arcsinh, mx.arctanh, mx.sigmoid, mx.erf, mx.erfinv,
             mx.floor, mx.ceil, mx.trunc, mx.round, mx.log, mx.log2, mx.log10, mx.isnan,
             mx.isinf, mx.isposinf, mx.isneginf, mx.stop_gradient, mx.logical_not]
    out += [f(x) for f in unary]
    out += [mx.arccosh(pos), mx.real(c), mx.imag(c), mx.conjugate(c), mx.bitwise_invert(ints)]
    binary = [mx.add, mx.subtract, mx.multiply, mx.divide, mx.floor_divide, mx.remainder,
              mx.power, mx.maximum, mx.minimum, mx.arctan2, mx.logaddexp, mx.equal,
              mx.not_equal, mx.greater, mx.greater_equal, mx.less, mx.less_equal,
              mx.logical_and, mx.logical_or]
    out += [f(x, pos) for f in binary]
    out += [f(ints, idx[:, None]) for f in (mx.bitwise_and, mx.bitwise_or, mx.bitwise_xor,
                                            mx.left_shift, mx.right_shift)]
    out.append(mx.floor_divide(ints, idx[:, None] + 1))  # floats divide, then floor
    out += [*mx.divmod(x, pos), mx.where(x > 0, x, pos), mx.array_equal(nan, nan, equal_nan=True),
            x.astype(mx.float16)]
    out += [mx.sum(x, axis=0), mx.prod(x), mx.max(x, axis=1), mx.min(x), mx.all(x > 0),
            mx.any(x > 0), mx.argmax(x, axis=1), mx.argmin(x, axis=0),
            mx.cumsum(x, axis=1, reverse=True), mx.cumprod(x, axis=0, inclusive=False),
            mx.cummax(x), mx.cummin(x), mx.logcumsumexp(x, axis=1), mx.softmax(x, axis=-1),
            mx.softmax(x, axis=-1, precise=True), mx.logsumexp(x, axis=-1), mx.median(x, axis=-1)]
    out += [mx.broadcast_to(x[:1], (4, 2, 3)), mx.reshape(x, (3, 2)), mx.transpose(x),
            mx.contiguous(x.T), mx.contiguous(x.T, allow_col_major=True), mx.full((2, 2), 7.0),
            mx.arange(0.5, 3.25, 0.75), x[:, ::-2], mx.concatenate([x, x], axis=1),
            mx.pad(x, [(1, 0), (0, 2)]), mx.as_strided(x, (2, 2), (1, 2), 1), x.view(mx.int32)]
    out += [mx.sort(x, axis=0), mx.argsort(x), mx.partition(x, 1), mx.argpartition(x, 2, axis=1),
            mx.searchsorted(mx.array([1.0, 2.0, 3.0]), x, side="right")]
    out += [x[idx], mx.take_along_axis(x, ints[:, :1] % 3, axis=1),
            mx.put_along_axis(x, ints[:, :1] % 3, pos[:, :1], axis=1),
            x.at[idx].add(1.0), x.at[idx].maximum(0.0),
            mx.slice_update(x, mx.ones((1, 3)), mx.array([1]), axes=[0])]
    assigned = x + 0
    assigned[:, 1::2] = 5.0  # a static slice: SliceUpdate
    out.append(assigned)
    masked = x + 0
    masked[x > 0] = mx.array([9.0, 8.0, 7.0, 6.0])  # values in order: MaskedScatter
    out += [masked, mx.vmap(lambda r: r.at[0].add(0.0))(masked)]
    out += [mx.linalg.inv(sq), mx.linalg.tri_inv(sq, upper=True), mx.linalg.cholesky(sq),
            *mx.linalg.qr(sq), *mx.linalg.svd(sq), mx.linalg.svd(sq, compute_uv=False),
            *mx.linalg.eigh(sq, UPLO="U"), mx.linalg.eigvals(sq), *mx.linalg.lu(sq),
            mx.linalg.solve(sq, sq[0])]
    out += [x @ x.T, mx.addmm(sq, sq, sq, alpha=0.1, beta=2.5)]
    out += [mx.fft.irfft(mx.fft.rfft(x, axis=-1), n=3, axis=-1), mx.fft.fft(c, norm="ortho")]
    out += [mx.random.uniform(shape=(2, 3), key=mx.random.key(1)), mx.random.randint(0, 9, (3,), key=mx.random.key(2), dtype=mx.uint8)]
    out += [mx.conv1d(x[None], mx.ones((4, 2, 3)), stride=1, padding=1),
            mx.conv_transpose2d(mx.ones((1, 3, 3, 2)), mx.ones((2, 2, 2, 2)), stride=2)]
    out += mx.vjp(lambda w: mx.conv2d(mx.ones((1, 4, 4, 2)), w, stride=2), [mx.ones((3, 2, 2, 2))],
                  [mx.ones((1, 2, 2, 3))])[1]  # ConvWeightGrad
    out += [mx.fast.rms_norm(x, None, 1e-5), mx.fast.layer_norm(x, mx.ones((3,)), mx.zeros((3,)), 1e-6)]
    q = mx.reshape(mx.arange(24, dtype=mx.float32) / 24, (1, 2, 3, 4))
    sdpa = mx.fast.scaled_dot_product_attention
    out += [sdpa(q, q, q, scale=0.3), sdpa(q, q, q, scale=0.5, mask="causal"),
            sdpa(q, q, q, scale=0.5, mask=mx.ones((3, 3), dtype=mx.bool_)),
            sdpa(q, q, q, scale=1 / 3, mask=mx.zeros((3, 3)), sinks=mx.zeros((2,)))]
    out += mx.vjp(lambda a: sdpa(a, q, q, scale=0.25, mask="causal"), [q], [q])[1]
    w = mx.random.normal((8, 64), key=mx.random.key(3))
    q, scales, biases = mx.quantize(w, 64, 4)
    out += [q, mx.dequantize(q, scales, biases, 64, 4),
            mx.quantized_matmul(mx.ones((2, 64)), q, scales, biases, True, 64, 4)]
    out += mx.depends([x], [pos])
    out += [mx.hadamard_transform(x[:, :2], scale=0.3),
            *mx.vjp(lambda v: mx.hadamard_transform(v), [mx.ones((12,))], [mx.ones((12,))])[1],
            mx.from_fp8(mx.to_fp8(x), dtype=mx.float16)]
    cf = mx.compile(lambda v: mx.sin(v) * 2 + mx.exp(-v * mx.log(v + 3)))
    out.append(cf(x))
    return out


def _placeholder_graph():
    seen = []

    def f(v):
        y = v * 2
        seen.extend(mx._remake_primitives([y]))
        return y

    mx.vmap(f)(mx.ones((2, 3)))
    return seen


def test_every_registered_primitive_is_rebuilt_from_its_parameters():
    met = {}
    for cls, name, params, same in mx._remake_primitives(_graphs()) + _placeholder_graph():
        assert same, f"{name}{params} came back different"
        assert mx._make_primitive(name, dict(params)) == (name, params)
        met.setdefault(cls, set()).add(name)
    for cls, names in mx._primitive_names():
        if cls in NOT_FROM_PARAMS:
            continue
        assert set(names) == met.get(cls, set()), f"{cls}: met {met.get(cls)} of {names}"
    assert set(NOT_FROM_PARAMS) <= {cls for cls, _ in mx._primitive_names()}


def test_parameters_are_written_exactly():
    a = mx.ones((2, 2))
    node = [n for n in mx.graph.nodes(mx.addmm(a, a, a, alpha=0.1, beta=1e-7)) if n.op == "AddMM"]
    assert node[0].params == {"alpha": "0.1", "beta": "1e-07"}
    arange = [n for n in mx.graph.nodes(mx.arange(0.1, 1.0, 0.3)) if n.op == "Arange"]
    assert arange[0].params == {"start": "0.1", "stop": "1", "step": "0.3"}
    norm = [n for n in mx.graph.nodes(mx.fast.rms_norm(a, None, 1e-5)) if n.op == "RMSNorm"]
    assert norm[0].params == {"eps": "1e-05", "weight": "False"}
    assert mx._make_primitive("AddMM", {"alpha": "0.1", "beta": "3"}) == (
        "AddMM", [("alpha", "0.1"), ("beta", "3")])
    assert mx._make_primitive("Log2", {}) == ("Log2", [])
    assert mx._make_primitive("CumMax", {"axis": "-1", "reverse": "True", "inclusive": "False"})[0] == "CumMax"
    assert mx._make_primitive("AsType", {"dtype": "int8"}) == ("AsType", [("dtype", "int8")])


@pytest.mark.parametrize("name, params, message", [
    ("Nope", {}, r"\[make_primitive\] Unknown primitive Nope"),
    ("Reduce", {"axes": "(0,)"}, "Unknown primitive Reduce"),  # instances say Sum, Max, ...
    ("Exp", {"base": "2"}, "cannot be made with parameters"),
    ("AsType", {"dtype": "float8"}, "cannot be made with parameters"),
    ("AsType", {}, "cannot be made with parameters"),
    ("Sum", {"axes": "(0,)", "keepdims": "True"}, "cannot be made with parameters"),
    ("Sort", {"axis": "x"}, "cannot be made with parameters"),
    ("Cholesky", {"upper": "true"}, "cannot be made with parameters"),  # bools are True/False
    ("AddMM", {"alpha": "0.10", "beta": "1"}, "cannot be made with parameters"),  # not as written
    ("Equal", {"equal_nan": "True"}, "cannot be made with parameters"),  # that one is NaNEqual
    ("Fused", {"ops": "sin", "inputs": "1", "args": "(1, -1)"}, "cannot be made with parameters"),
    ("CustomTransforms", {}, "cannot be made from its parameters"),
])
def test_parameters_it_cannot_take_are_an_error(name, params, message):
    with pytest.raises(ValueError, match=message):
        mx._make_primitive(name, params)
