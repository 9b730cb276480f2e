"""Every public function of lumex.core and its submodules, called while sites are
recorded, draws in the graph view under the name it was called by (``take_along_axis``,
not the ``gather_axis`` primitive behind it; ``linalg.inv``, not ``inverse``).

The list of functions comes from the module itself, so a new function without a case
here fails ``test_every_public_function_has_a_case``."""

import inspect

import numpy as np
import pytest

pytestmark = pytest.mark.lumex_only

import lumex.core as mx  # noqa: E402
from lumex.notebook_ext.graph_model import from_arrays  # noqa: E402

SUBMODULES = ("linalg", "fft", "random", "fast")

# Not ops: they make no array, touch process state, files or devices, or transform
# Python functions.
NOT_OPS = {
    "abs_", "array", "async_eval", "broadcast_shapes", "can_cast", "checkpoint", "compile",
    "custom_function", "default_device", "default_stream", "depends", "device_count",
    "device_info", "disable_compile", "einsum_path", "enable_compile", "eval",
    "export_function", "export_to_dot", "finfo", "from_fp8", "get_active_memory",
    "get_cache_memory", "get_peak_memory", "grad", "iinfo", "import_function", "isdtype",
    "issubdtype", "jvp", "load", "new_stream", "reset_peak_memory", "result_type", "save",
    "save_gguf", "save_safetensors", "savez", "savez_compressed", "set_cache_memory_limit",
    "set_default_device", "set_default_stream", "set_memory_limit", "set_wired_limit",
    "stream", "synchronize", "to_fp8", "value_and_grad", "vjp", "vmap", "clear_cache",
    "get_memory_limit", "exporter", "random.seed", "random.key", "fast.metal_kernel",
    "fast.cuda_kernel", "fast.precompiled_cuda_kernel", "from_dlpack", "asarray",
    "thread_local_stream", "default_device_info", "clear_streams", "get_array_buffer_size",
    "get_printoptions", "set_printoptions", "printoptions", "is_available",
    "new_thread_local_stream", "new_thread_unsafe_stream", "set_cache_limit",
}
# Names bound to the very same function object: the graph cannot tell which was used,
# so the node carries the canonical name.
SAME_FUNCTION = {"acos": "arccos", "acosh": "arccosh", "asin": "arcsin", "asinh": "arcsinh",
                 "atan": "arctan", "atan2": "arctan2", "atanh": "arctanh", "pow": "power",
                 "cumulative_sum": "cumsum", "cumulative_prod": "cumprod",
                 "bitwise_left_shift": "left_shift", "bitwise_right_shift": "right_shift"}


def pending(values, dtype=mx.float32):
    """An array that is not computed yet (so views and copies become graph nodes)."""
    return mx.array(np.asarray(values)).astype(dtype) + 0


def inputs():
    rng = np.random.default_rng(0)
    spd = rng.random((4, 4)) + 4 * np.eye(4)
    A, B = pending(spd), pending(rng.random((4, 4)))
    V = pending(rng.random(4))
    Ii = pending(rng.integers(0, 8, (4, 4)), mx.int32)
    W64 = mx.array(rng.standard_normal((8, 64)).astype(np.float32))
    wq, sq, bq = mx.quantize(W64)
    mx.eval(wq, sq, bq)
    return dict(A=A, B=B, V=V, I=Ii, W64=W64, wq=wq, sq=sq, bq=bq,
                idx=pending([[0], [1], [2], [3]], mx.int32),
                col=pending(rng.random((4, 1))), v3=pending(rng.random(3)),
                srt=pending(np.sort(rng.random(8))), v16=pending(rng.random(16)),
                x1=pending(rng.random((1, 8, 2))), w1=pending(rng.random((3, 3, 2))),
                x2=pending(rng.random((1, 6, 6, 2))), w2=pending(rng.random((3, 3, 3, 2))),
                x3=pending(rng.random((1, 4, 4, 4, 2))), w3=pending(rng.random((3, 2, 2, 2, 2))),
                q=pending(rng.random((1, 2, 4, 8))), cplx=pending(rng.random(4), mx.complex64),
                key=mx.random.key(0), tgt=pending([1, 0, 3, 2], mx.int32))


# name -> the call, given the inputs above. One case per public op.
CASES = {
    "abs": lambda d: mx.abs(d["A"]),
    "add": lambda d: mx.add(d["A"], d["B"]),
    "addmm": lambda d: mx.addmm(d["A"], d["A"], d["B"]),
    "all": lambda d: mx.all(d["A"]),
    "allclose": lambda d: mx.allclose(d["A"], d["B"]),
    "any": lambda d: mx.any(d["A"]),
    "arange": lambda d: mx.arange(0, 4),
    "arccos": lambda d: mx.arccos(d["B"]),
    "arccosh": lambda d: mx.arccosh(d["A"]),
    "arcsin": lambda d: mx.arcsin(d["B"]),
    "arcsinh": lambda d: mx.arcsinh(d["A"]),
    "arctan": lambda d: mx.arctan(d["A"]),
    "arctan2": lambda d: mx.arctan2(d["A"], d["B"]),
    "arctanh": lambda d: mx.arctanh(d["B"]),
    "argmax": lambda d: mx.argmax(d["A"], axis=0),
    "argmin": lambda d: mx.argmin(d["A"], axis=0),
    "argpartition": lambda d: mx.argpartition(d["A"], 1),
    "argsort": lambda d: mx.argsort(d["A"]),
    "array_equal": lambda d: mx.array_equal(d["A"], d["B"]),
    "as_strided": lambda d: mx.as_strided(d["A"], (2, 2), (4, 1)),
    "astype": lambda d: mx.astype(d["A"], mx.float16),
    "atleast_1d": lambda d: mx.atleast_1d(mx.sum(d["A"])),
    "atleast_2d": lambda d: mx.atleast_2d(d["V"]),
    "atleast_3d": lambda d: mx.atleast_3d(d["A"]),
    "bartlett": lambda d: mx.bartlett(5),
    "bitwise_and": lambda d: mx.bitwise_and(d["I"], 3),
    "bitwise_invert": lambda d: mx.bitwise_invert(d["I"]),
    "bitwise_or": lambda d: mx.bitwise_or(d["I"], 3),
    "bitwise_xor": lambda d: mx.bitwise_xor(d["I"], 3),
    "blackman": lambda d: mx.blackman(5),
    "broadcast_arrays": lambda d: mx.broadcast_arrays(d["V"], d["col"]),
    "broadcast_to": lambda d: mx.broadcast_to(d["V"], (3, 4)),
    "ceil": lambda d: mx.ceil(d["A"]),
    "clip": lambda d: mx.clip(d["A"], 0.1, 0.5),
    "concat": lambda d: mx.concat([d["A"], d["B"]]),
    "concatenate": lambda d: mx.concatenate([d["A"], d["B"]]),
    "conj": lambda d: mx.conj(d["cplx"]),
    "conjugate": lambda d: mx.conjugate(d["cplx"]),
    "contiguous": lambda d: mx.contiguous(mx.transpose(d["A"])),
    "conv1d": lambda d: mx.conv1d(d["x1"], d["w1"]),
    "conv2d": lambda d: mx.conv2d(d["x2"], d["w2"]),
    "conv3d": lambda d: mx.conv3d(d["x3"], d["w3"]),
    "conv_general": lambda d: mx.conv_general(d["x2"], d["w2"]),
    "conv_transpose1d": lambda d: mx.conv_transpose1d(d["x1"], d["w1"]),
    "conv_transpose2d": lambda d: mx.conv_transpose2d(d["x2"], d["w2"]),
    "conv_transpose3d": lambda d: mx.conv_transpose3d(d["x3"], d["w3"]),
    "convolve": lambda d: mx.convolve(d["V"], d["v3"]),
    "cos": lambda d: mx.cos(d["A"]),
    "cosh": lambda d: mx.cosh(d["A"]),
    "count_nonzero": lambda d: mx.count_nonzero(d["A"]),
    "cummax": lambda d: mx.cummax(d["A"], axis=0),
    "cummin": lambda d: mx.cummin(d["A"], axis=0),
    "cumprod": lambda d: mx.cumprod(d["A"], axis=0),
    "cumsum": lambda d: mx.cumsum(d["A"], axis=0),
    "degrees": lambda d: mx.degrees(d["A"]),
    "dequantize": lambda d: mx.dequantize(d["wq"], d["sq"], d["bq"]),
    "diag": lambda d: mx.diag(d["A"]),
    "diagonal": lambda d: mx.diagonal(d["A"]),
    "diff": lambda d: mx.diff(d["V"]),
    "divide": lambda d: mx.divide(d["A"], d["B"]),
    "divmod": lambda d: mx.divmod(d["A"], d["B"]),
    "einsum": lambda d: mx.einsum("ij,jk->ik", d["A"], d["B"]),
    "empty": lambda d: mx.empty((2, 2)),
    "empty_like": lambda d: mx.empty_like(d["A"]),
    "equal": lambda d: mx.equal(d["A"], d["B"]),
    "erf": lambda d: mx.erf(d["A"]),
    "erfinv": lambda d: mx.erfinv(d["B"]),
    "exp": lambda d: mx.exp(d["A"]),
    "expand_dims": lambda d: mx.expand_dims(d["A"], 0),
    "expm1": lambda d: mx.expm1(d["A"]),
    "eye": lambda d: mx.eye(3),
    "flatten": lambda d: mx.flatten(d["A"]),
    "flip": lambda d: mx.flip(d["A"]),
    "floor": lambda d: mx.floor(d["A"]),
    "floor_divide": lambda d: mx.floor_divide(d["A"], d["B"]),
    "full": lambda d: mx.full((2, 2), 3.0),
    "full_like": lambda d: mx.full_like(d["A"], 3.0),
    "gather_mm": lambda d: mx.gather_mm(d["A"], d["B"]),
    "block_masked_mm": lambda d: mx.block_masked_mm(mx.ones((64, 64)), mx.ones((64, 64)), 32,
                                                    mask_lhs=mx.ones((2, 2), dtype=mx.bool_)),
    "segmented_mm": lambda d: mx.segmented_mm(mx.ones((4, 6)), mx.ones((6, 5)),
                                              mx.array([[0, 3], [3, 6]])),
    "fft.fftfreq": lambda d: mx.fft.fftfreq(8),
    "fft.rfftfreq": lambda d: mx.fft.rfftfreq(8),
    "gather_qmm": lambda d: mx.gather_qmm(pending(np.ones((2, 64))), d["wq"], d["sq"], d["bq"],
                                          transpose=True),
    "greater": lambda d: mx.greater(d["A"], d["B"]),
    "greater_equal": lambda d: mx.greater_equal(d["A"], d["B"]),
    "hadamard_transform": lambda d: mx.hadamard_transform(d["A"]),
    "hamming": lambda d: mx.hamming(5),
    "hanning": lambda d: mx.hanning(5),
    "identity": lambda d: mx.identity(3),
    "imag": lambda d: mx.imag(d["cplx"]),
    "inner": lambda d: mx.inner(d["V"], d["V"]),
    "isclose": lambda d: mx.isclose(d["A"], d["B"]),
    "isfinite": lambda d: mx.isfinite(d["A"]),
    "isinf": lambda d: mx.isinf(d["A"]),
    "isnan": lambda d: mx.isnan(d["A"]),
    "isneginf": lambda d: mx.isneginf(d["A"]),
    "isposinf": lambda d: mx.isposinf(d["A"]),
    "kron": lambda d: mx.kron(d["A"], d["B"]),
    "left_shift": lambda d: mx.left_shift(d["I"], 1),
    "less": lambda d: mx.less(d["A"], d["B"]),
    "less_equal": lambda d: mx.less_equal(d["A"], d["B"]),
    "linspace": lambda d: mx.linspace(0, 1, 5),
    "log": lambda d: mx.log(d["A"]),
    "log10": lambda d: mx.log10(d["A"]),
    "log1p": lambda d: mx.log1p(d["A"]),
    "log2": lambda d: mx.log2(d["A"]),
    "logaddexp": lambda d: mx.logaddexp(d["A"], d["B"]),
    "logcumsumexp": lambda d: mx.logcumsumexp(d["A"], axis=0),
    "logical_and": lambda d: mx.logical_and(d["A"], d["B"]),
    "logical_not": lambda d: mx.logical_not(d["A"]),
    "logical_or": lambda d: mx.logical_or(d["A"], d["B"]),
    "logical_xor": lambda d: mx.logical_xor(d["A"], d["B"]),
    "logsumexp": lambda d: mx.logsumexp(d["A"], axis=0),
    "matmul": lambda d: mx.matmul(d["A"], d["B"]),
    "matrix_transpose": lambda d: mx.matrix_transpose(d["A"]),
    "max": lambda d: mx.max(d["A"]),
    "maximum": lambda d: mx.maximum(d["A"], d["B"]),
    "mean": lambda d: mx.mean(d["A"]),
    "median": lambda d: mx.median(d["A"]),
    "meshgrid": lambda d: mx.meshgrid(d["V"], d["v3"]),
    "min": lambda d: mx.min(d["A"]),
    "minimum": lambda d: mx.minimum(d["A"], d["B"]),
    "minmax": lambda d: mx.minmax(d["A"]),
    "moveaxis": lambda d: mx.moveaxis(d["A"], 0, 1),
    "multiply": lambda d: mx.multiply(d["A"], d["B"]),
    "nan_to_num": lambda d: mx.nan_to_num(d["A"]),
    "negative": lambda d: mx.negative(d["A"]),
    "not_equal": lambda d: mx.not_equal(d["A"], d["B"]),
    "ones": lambda d: mx.ones((2, 2)),
    "ones_like": lambda d: mx.ones_like(d["A"]),
    "outer": lambda d: mx.outer(d["V"], d["V"]),
    "pad": lambda d: mx.pad(d["A"], 1),
    "partition": lambda d: mx.partition(d["A"], 1),
    "permute_dims": lambda d: mx.permute_dims(d["A"]),
    "positive": None,  # the identity: returns its input, no node
    "power": lambda d: mx.power(d["A"], d["B"]),
    "prod": lambda d: mx.prod(d["A"]),
    "put_along_axis": lambda d: mx.put_along_axis(d["A"], d["idx"], d["col"], axis=1),
    "quantize": lambda d: mx.quantize(pending(np.ones((8, 64)))),
    "quantized_matmul": lambda d: mx.quantized_matmul(pending(np.ones((2, 64))), d["wq"],
                                                      d["sq"], d["bq"]),
    "radians": lambda d: mx.radians(d["A"]),
    "real": lambda d: mx.real(d["cplx"]),
    "reciprocal": lambda d: mx.reciprocal(d["A"]),
    "remainder": lambda d: mx.remainder(d["A"], d["B"]),
    "repeat": lambda d: mx.repeat(d["A"], 2),
    "reshape": lambda d: mx.reshape(d["A"], (16,)),
    "right_shift": lambda d: mx.right_shift(d["I"], 1),
    "roll": lambda d: mx.roll(d["A"], 1),
    "round": lambda d: mx.round(d["A"]),
    "rsqrt": lambda d: mx.rsqrt(d["A"]),
    "searchsorted": lambda d: mx.searchsorted(d["srt"], d["V"]),
    "sigmoid": lambda d: mx.sigmoid(d["A"]),
    "sign": lambda d: mx.sign(d["A"]),
    "sin": lambda d: mx.sin(d["A"]),
    "sinh": lambda d: mx.sinh(d["A"]),
    "slice": lambda d: mx.slice(d["A"], mx.array([1, 1]), (0, 1), (2, 2)),
    "slice_update": lambda d: mx.slice_update(d["A"], pending(np.ones((2, 2))), mx.array([1, 1]),
                                              (0, 1)),
    "softmax": lambda d: mx.softmax(d["A"]),
    "sort": lambda d: mx.sort(d["A"]),
    "split": lambda d: mx.split(d["A"], 2),
    "sqrt": lambda d: mx.sqrt(d["A"]),
    "square": lambda d: mx.square(d["A"]),
    "squeeze": lambda d: mx.squeeze(d["col"]),
    "stack": lambda d: mx.stack([d["A"], d["B"]]),
    "std": lambda d: mx.std(d["A"]),
    "stop_gradient": lambda d: mx.stop_gradient(d["A"]),
    "subtract": lambda d: mx.subtract(d["A"], d["B"]),
    "sum": lambda d: mx.sum(d["A"]),
    "swapaxes": lambda d: mx.swapaxes(d["A"], 0, 1),
    "take": lambda d: mx.take(d["A"], d["tgt"], axis=0),
    "take_along_axis": lambda d: mx.take_along_axis(d["A"], d["idx"], axis=1),
    "tan": lambda d: mx.tan(d["A"]),
    "tanh": lambda d: mx.tanh(d["A"]),
    "tensordot": lambda d: mx.tensordot(d["A"], d["B"]),
    "tile": lambda d: mx.tile(d["A"], 2),
    "topk": lambda d: mx.topk(d["A"], 2),
    "trace": lambda d: mx.trace(d["A"]),
    "transpose": lambda d: mx.transpose(d["A"]),
    "tri": lambda d: mx.tri(3),
    "tril": lambda d: mx.tril(d["A"]),
    "triu": lambda d: mx.triu(d["A"]),
    "trunc": lambda d: mx.trunc(d["A"]),
    "unflatten": lambda d: mx.unflatten(d["v16"], 0, (4, 4)),
    "unique": lambda d: mx.unique(d["V"], 4),
    "unstack": lambda d: mx.unstack(d["A"]),
    "var": lambda d: mx.var(d["A"]),
    "vecdot": lambda d: mx.vecdot(d["A"], d["B"]),
    "view": lambda d: mx.view(d["A"], mx.int32),
    "where": lambda d: mx.where(d["A"] > 0.5, d["A"], d["B"]),
    "zeros": lambda d: mx.zeros((2, 2)),
    "zeros_like": lambda d: mx.zeros_like(d["A"]),
    "linalg.cholesky": lambda d: mx.linalg.cholesky(d["A"]),
    "linalg.cholesky_inv": lambda d: mx.linalg.cholesky_inv(d["A"]),
    "linalg.cross": lambda d: mx.linalg.cross(d["v3"], d["v3"]),
    "linalg.det": lambda d: mx.linalg.det(d["A"]),
    "linalg.eig": lambda d: mx.linalg.eig(d["A"]),
    "linalg.eigh": lambda d: mx.linalg.eigh(d["A"]),
    "linalg.eigvals": lambda d: mx.linalg.eigvals(d["A"]),
    "linalg.eigvalsh": lambda d: mx.linalg.eigvalsh(d["A"]),
    "linalg.inv": lambda d: mx.linalg.inv(d["A"]),
    "linalg.lu": lambda d: mx.linalg.lu(d["A"]),
    "linalg.lu_factor": lambda d: mx.linalg.lu_factor(d["A"]),
    "linalg.norm": lambda d: mx.linalg.norm(d["A"]),
    "linalg.pinv": lambda d: mx.linalg.pinv(d["A"]),
    "linalg.qr": lambda d: mx.linalg.qr(d["A"]),
    "linalg.slogdet": lambda d: mx.linalg.slogdet(d["A"]),
    "linalg.solve": lambda d: mx.linalg.solve(d["A"], d["V"]),
    "linalg.solve_triangular": lambda d: mx.linalg.solve_triangular(d["A"], d["V"]),
    "linalg.svd": lambda d: mx.linalg.svd(d["A"]),
    "linalg.tri_inv": lambda d: mx.linalg.tri_inv(d["A"]),
    "fft.fft": lambda d: mx.fft.fft(d["V"]),
    "fft.fft2": lambda d: mx.fft.fft2(d["A"]),
    "fft.fftn": lambda d: mx.fft.fftn(d["A"]),
    "fft.fftshift": lambda d: mx.fft.fftshift(d["V"]),
    "fft.ifft": lambda d: mx.fft.ifft(d["V"]),
    "fft.ifft2": lambda d: mx.fft.ifft2(d["A"]),
    "fft.ifftn": lambda d: mx.fft.ifftn(d["A"]),
    "fft.ifftshift": lambda d: mx.fft.ifftshift(d["V"]),
    "fft.irfft": lambda d: mx.fft.irfft(d["V"]),
    "fft.irfft2": lambda d: mx.fft.irfft2(d["A"]),
    "fft.irfftn": lambda d: mx.fft.irfftn(d["A"]),
    "fft.rfft": lambda d: mx.fft.rfft(d["V"]),
    "fft.rfft2": lambda d: mx.fft.rfft2(d["A"]),
    "fft.rfftn": lambda d: mx.fft.rfftn(d["A"]),
    "random.bernoulli": lambda d: mx.random.bernoulli(0.5, (4,)),
    "random.categorical": lambda d: mx.random.categorical(d["A"]),
    "random.gumbel": lambda d: mx.random.gumbel((4,)),
    "random.laplace": lambda d: mx.random.laplace((4,)),
    "random.multivariate_normal": lambda d: mx.random.multivariate_normal(
        pending(np.zeros(2)), pending(np.eye(2)), (3,)),
    "random.normal": lambda d: mx.random.normal((4,)),
    "random.permutation": lambda d: mx.random.permutation(4),
    "random.randint": lambda d: mx.random.randint(0, 10, (4,)),
    "random.split": lambda d: mx.random.split(d["key"]),
    "random.truncated_normal": lambda d: mx.random.truncated_normal(-1.0, 1.0, (4,)),
    "random.uniform": lambda d: mx.random.uniform(shape=(4,)),
    "fast.rms_norm": lambda d: mx.fast.rms_norm(d["A"], d["V"], 1e-5),
    "fast.layer_norm": lambda d: mx.fast.layer_norm(d["A"], d["V"], d["V"], 1e-5),
    "fast.rope": lambda d: mx.fast.rope(d["q"], 8, traditional=False, base=10000.0, scale=1.0,
                                        offset=0),
    "fast.scaled_dot_product_attention": lambda d: mx.fast.scaled_dot_product_attention(
        d["q"], d["q"], d["q"], scale=1.0),
    "fast.cross_entropy": lambda d: mx.fast.cross_entropy(d["A"], d["tgt"]),
}


CASES.update({
    "acos": lambda d: mx.acos(d["B"]), "acosh": lambda d: mx.acosh(d["A"]),
    "asin": lambda d: mx.asin(d["B"]), "asinh": lambda d: mx.asinh(d["A"]),
    "atan": lambda d: mx.atan(d["A"]), "atan2": lambda d: mx.atan2(d["A"], d["B"]),
    "atanh": lambda d: mx.atanh(d["B"]), "pow": lambda d: mx.pow(d["A"], d["B"]),
    "cumulative_sum": lambda d: mx.cumulative_sum(d["A"], axis=0),
    "cumulative_prod": lambda d: mx.cumulative_prod(d["A"], axis=0),
    "bitwise_left_shift": lambda d: mx.bitwise_left_shift(d["I"], 1),
    "bitwise_right_shift": lambda d: mx.bitwise_right_shift(d["I"], 1),
})


def public_functions():
    out = []
    for sub in ("",) + SUBMODULES:
        mod = getattr(mx, sub) if sub else mx
        for name in dir(mod):
            fn = getattr(mod, name)
            full = f"{sub}.{name}" if sub else name
            if name.startswith("_") or not callable(fn) or inspect.isclass(fn):
                continue
            if inspect.ismodule(fn) or full in NOT_OPS or name in NOT_OPS:
                continue
            out.append(full)
    return sorted(out)


def call(name, data):
    with mx.graph.record_sites():
        return CASES[name](data)


def test_every_public_function_has_a_case():
    missing = [n for n in public_functions() if n not in CASES]
    assert not missing, f"no op-name case for: {missing}"


@pytest.mark.parametrize("name", [n for n in public_functions() if CASES.get(n)])
def test_node_is_named_by_the_public_function(name):
    data = inputs()
    out = call(name, data)
    leaves = out if isinstance(out, (list, tuple)) else [out]
    leaves = [a for a in leaves if isinstance(a, mx.array)]
    assert leaves, f"{name} returned no array"
    want = {name, SAME_FUNCTION.get(name, name)}
    for leaf in leaves:
        assert mx.graph.status(leaf) == "unscheduled", f"{name}: the result was computed"
        graph = from_arrays(leaf).fold_internals()
        shown = [n.label for n in graph.nodes.values() if n.kind == "output"]
        assert shown and set(shown) <= want, f"{name} draws as {shown}"


AT_METHODS = ("add", "subtract", "multiply", "divide", "maximum", "minimum")
AT_INDICES = {"array": lambda: pending([0, 2], mx.int32), "slice": lambda: slice(1, 3),
              "int": lambda: 1}


@pytest.mark.parametrize("index", list(AT_INDICES))
@pytest.mark.parametrize("method", AT_METHODS)
def test_at_update_is_named_by_its_method(method, index):
    """``a.at[idx].add(v)`` draws as ``at[].add``, not the scatter or slice_update
    (and the negative/reciprocal/reshape) behind it."""
    a = pending(np.arange(6.0))
    with mx.graph.record_sites():
        out = getattr(a.at[AT_INDICES[index]()], method)(pending(2.0))
    graph = from_arrays(out).fold_internals()
    ops = [n.label for n in graph.nodes.values() if n.op and n.kind != "input"]
    assert f"at[].{method}" in ops
    assert not {"scatter", "scatter_add", "slice_update", "negative", "reshape"} & set(ops), ops
