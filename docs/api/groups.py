"""Names shown in the API reference, grouped as in MLX's Python API docs.

``docs/conf.py`` turns each group into ``docs/api/generated/<slug>.rst`` with
an autosummary table. Names that the group's module does not provide (yet)
are left out of the table and listed at the bottom of the page instead, so
this file can list the whole MLX surface and the reference fills in as the
engine grows.

To document a new function: add its name to the right group, in the order it
should appear. Dotted names (``array.astype``) are looked up attribute by
attribute. To add a group, append a ``group(...)`` and a line in
``docs/api/index.md``. ``tests/test_docs.py`` fails when a public name of
``lumex.core``, one of its submodules, ``lumex.utils``, ``lumex.nn`` (and its
``losses``, ``init``, ``utils``), ``lumex.optimizers`` or ``lumex.notebook_ext`` is in
no group (or in ``UNDOCUMENTED`` below).
"""

from __future__ import annotations

from typing import NamedTuple


class Group(NamedTuple):
    slug: str  # page docs/api/generated/<slug>.rst, and its :ref: label
    title: str
    intro: str  # reStructuredText, may be empty
    names: tuple[str, ...]
    module: str = "lumex.core"  # names are looked up in (and documented as of) this module


def group(slug: str, title: str, intro: str, names: str, module: str = "lumex.core") -> Group:
    """A Group whose names are written as one whitespace-separated string."""
    return Group(slug, title, intro, tuple(names.split()), module)


# (name in lumex.core, description) for the table on the data types page.
DTYPES: tuple[tuple[str, str], ...] = (
    ("bool_", "Boolean (``True``, ``False``)"),
    ("uint8", "8-bit unsigned integer"),
    ("uint16", "16-bit unsigned integer"),
    ("uint32", "32-bit unsigned integer"),
    ("uint64", "64-bit unsigned integer"),
    ("int8", "8-bit signed integer"),
    ("int16", "16-bit signed integer"),
    ("int32", "32-bit signed integer (default integer type)"),
    ("int64", "64-bit signed integer"),
    ("bfloat16", "16-bit brain float (8 exponent bits, 7 mantissa bits)"),
    ("float16", "16-bit IEEE half precision float (5 exponent bits, 10 mantissa bits)"),
    ("float32", "32-bit float (default floating point type)"),
    ("float64", "64-bit double precision float"),
    ("complex64", "Complex number made of two 32-bit floats"),
)


# Dtype categories, for issubdtype (``mx.issubdtype(mx.float16, mx.floating)``).
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("generic", "Every dtype"),
    ("number", "Every numeric dtype"),
    ("integer", "Signed and unsigned integers"),
    ("signedinteger", "``int8`` ... ``int64``"),
    ("unsignedinteger", "``uint8`` ... ``uint64``"),
    ("inexact", "Floating point and complex"),
    ("floating", "``bfloat16``, ``float16``, ``float32``, ``float64``"),
    ("complexfloating", "``complex64``"),
)

# Module-level values of lumex.core, shown in a table on the constants page.
CONSTANTS: tuple[tuple[str, str], ...] = (
    ("pi", "π = 3.14159..."),
    ("e", "Euler's number e = 2.71828..."),
    ("euler_gamma", "The Euler–Mascheroni constant γ = 0.57721..."),
    ("inf", "Positive infinity (a Python float)"),
    ("nan", "Not a number (a Python float)"),
    ("newaxis", "``None``, for indexing: ``a[:, mx.newaxis]`` adds an axis"),
    ("cpu", "The CPU device type, :attr:`DeviceType.cpu`"),
    ("gpu", "The GPU device type, :attr:`DeviceType.gpu` (not available on Linux)"),
    ("random.state", "The global random state: a list holding the key that functions "
     "without ``key=`` split (set by :func:`random.seed`)"),
    ("graph.TRIGGER_KINDS", "The names an evaluation event's ``kind`` can take "
     "(``eval``, ``item``, ``repr``, ``bool``, ...)"),
)

GROUPS: tuple[Group, ...] = (
    group(
        "array",
        "Array",
        "The :class:`array` class: its attributes, conversions and the "
        "methods that mirror functions in :doc:`ops`.",
        """
        array ArrayAt ArrayIterator ArrayLike
        array.astype array.at array.item array.tolist
        array.dtype array.itemsize array.nbytes array.ndim array.shape array.size
        array.T
        array.abs array.all array.any array.argmax array.argmin
        array.conj array.cos array.cummax array.cummin array.cumprod array.cumsum
        array.diag array.diagonal array.exp array.flatten
        array.log array.log10 array.log1p array.log2 array.logcumsumexp array.logsumexp
        array.max array.mean array.min array.moveaxis array.prod
        array.reciprocal array.reshape array.round array.rsqrt
        array.sin array.split array.sqrt array.square array.squeeze
        array.std array.sum array.swapaxes array.transpose array.var array.view
        """,
    ),
    group(
        "data_types",
        "Data types",
        "The default floating point type is ``float32`` and the default integer "
        "type is ``int32``. Data types are arranged in a hierarchy of "
        ":class:`DtypeCategory` values; use :func:`issubdtype` to test whether a "
        "type belongs to a category.",
        """
        Dtype DtypeCategory issubdtype isdtype finfo iinfo
        """,
    ),
    group(
        "devices_and_streams",
        "Devices and streams",
        "Operations run on a :class:`Device` (CPU or GPU), in order, on a "
        ":class:`Stream`. On Linux only the CPU device is available; see "
        ":doc:`/differences`.",
        """
        Device DeviceType Stream StreamContext
        default_device set_default_device is_available device_count device_info
        default_stream set_default_stream new_stream stream synchronize
        ThreadLocalStream new_thread_local_stream new_thread_unsafe_stream clear_streams
        """,
    ),
    group(
        "ops",
        "Operations",
        "",
        """
        abs acos acosh add addmm all allclose any arange
        arccos arccosh arcsin arcsinh arctan arctan2 arctanh
        argmax argmin argpartition argsort array_equal asarray asin asinh as_strided astype
        atan atan2 atanh atleast_1d atleast_2d atleast_3d
        bartlett bitwise_and bitwise_invert bitwise_left_shift bitwise_or
        bitwise_right_shift bitwise_xor blackman
        block_masked_mm broadcast_arrays broadcast_shapes broadcast_to
        can_cast ceil clip concat concatenate contiguous conj conjugate convolve
        conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d conv_general
        cos cosh cummax cummin cumprod cumsum cumulative_prod cumulative_sum count_nonzero
        degrees depends dequantize diag diagonal diff divide divmod
        einsum einsum_path empty empty_like equal erf erfinv exp expm1 expand_dims eye
        flatten flip floor floor_divide full full_like from_dlpack from_fp8
        gather_mm gather_qmm gather_qqmm greater greater_equal
        hadamard_transform hamming hanning identity imag inner
        isclose isfinite isinf isnan isneginf isposinf kron
        left_shift less less_equal linspace load
        log log2 log10 log1p logaddexp logcumsumexp
        logical_not logical_and logical_or logical_xor logsumexp
        matmul matrix_transpose max maximum mean median meshgrid min minmax minimum
        moveaxis multiply
        nan_to_num negative not_equal ones ones_like outer
        partition pad permute_dims positive pow power prod put_along_axis
        quantize quantized_matmul qqmm
        radians real reciprocal remainder repeat reshape result_type right_shift roll round rsqrt
        save savez savez_compressed save_gguf save_safetensors searchsorted segmented_mm
        sigmoid sign sin sinh slice slice_update softmax sort split sqrt square squeeze
        stack std stop_gradient subtract sum swapaxes
        take take_along_axis tan tanh tensordot tile topk to_fp8 trace transpose
        tri tril triu trunc unflatten unique unstack
        var vecdot view where zeros zeros_like
        """,
    ),
    group(
        "transforms",
        "Transforms",
        "Operations are lazy: they build a graph, and :func:`eval` computes it. "
        "Function transformations return functions that can be transformed again, "
        "to any depth and in any order; trees of arrays (``lumex.utils``: "
        "``tree_flatten``, ``tree_unflatten``, ``tree_map``, ``tree_map_with_path``, "
        "``tree_reduce``, ``tree_merge``) are accepted wherever arrays are.",
        """
        eval async_eval compile custom_function disable_compile enable_compile
        grad value_and_grad jvp vjp vmap checkpoint
        """,
    ),
    group(
        "export",
        "Exporting functions",
        "A traced function saved to a file in MLX's ``.mlxfn`` format and replayed "
        "without its Python code; files written by MLX import here and, for the "
        "primitives MLX encodes, the other way round (docs/differences.md).",
        """
        export_function import_function exporter FunctionExporter
        """,
    ),
    group(
        "graph",
        "Graph introspection and evaluation events",
        "Look at the lazy engine without evaluating anything: the pending graph, "
        "where each node was created, and an event for every evaluation "
        "(``lumex.core.graph``; :func:`export_to_dot` is MLX's).",
        """
        export_to_dot graph.nodes graph.pending_count graph.pending_size graph.status graph.site
        graph.to_dot graph.export_to_dot graph.record_sites graph.set_record_sites
        graph.record_sites_enabled graph.scope graph.current_scope
        graph.collect_events graph.add_observer graph.remove_observer
        graph.set_growth_warning
        graph.GraphNode graph.EvalEvent graph.EventLog graph.GraphGrowthWarning
        """,
    ),
    group(
        "memory_management",
        "Memory management",
        "",
        """
        get_active_memory get_array_buffer_size get_peak_memory reset_peak_memory
        get_cache_memory get_memory_limit set_memory_limit set_cache_limit
        set_wired_limit clear_cache
        """,
    ),
    group(
        "random",
        "Random",
        "Random sampling uses splittable Threefry-2x32 keys (``uint32`` arrays "
        "of shape ``(2,)``), giving the same bits as MLX for the same key. Every "
        "function takes ``key=``; without one a key is split off the global "
        "state set by :func:`random.seed`.",
        """
        random.seed random.key random.split random.uniform random.normal
        random.randint random.bernoulli random.truncated_normal random.gumbel
        random.categorical random.laplace random.multivariate_normal
        random.permutation
        """,
    ),
    group(
        "linalg",
        "Linear algebra",
        "Factorizations run on LAPACK over the last two axes, batched over the "
        "leading ones, for ``float32`` and ``float64``.",
        """
        linalg.norm matrix_norm linalg.inv linalg.tri_inv linalg.pinv linalg.cholesky
        linalg.cholesky_inv linalg.qr linalg.svd linalg.eig linalg.eigvals
        linalg.eigh linalg.eigvalsh linalg.lu linalg.lu_factor linalg.solve
        linalg.solve_triangular linalg.det linalg.slogdet linalg.cross
        """,
    ),
    group(
        "fft",
        "FFT",
        "Discrete Fourier transforms of any length (mixed radix, Bluestein for "
        "large prime factors).",
        """
        fft.fft fft.ifft fft.fft2 fft.ifft2 fft.fftn fft.ifftn
        fft.rfft fft.irfft fft.rfft2 fft.irfft2 fft.rfftn fft.irfftn
        fft.fftfreq fft.rfftfreq fft.fftshift fft.ifftshift fft.stft fft.istft
        """,
    ),
    group(
        "fast",
        "Fast",
        "Fused operations, each one op with gradients and ``vmap``; statistics "
        "and softmax are taken in float32. The custom-kernel constructors exist "
        "for compatibility and raise, since this build has no GPU back-end.",
        """
        fast.rms_norm fast.layer_norm fast.rope fast.scaled_dot_product_attention
        fast.cross_entropy fast.gated_delta_update fast.metal_kernel fast.cuda_kernel
        fast.precompiled_cuda_kernel
        """,
    ),
    group(
        "metal",
        "Metal and CUDA",
        "MLX's GPU backend modules. This build runs on the CPU: "
        "``metal.is_available()`` and ``cuda.is_available()`` are False, and the "
        "``metal`` memory functions are aliases of :doc:`memory_management`'s.",
        """
        metal.is_available metal.device_info metal.start_capture metal.stop_capture
        metal.get_active_memory metal.get_peak_memory metal.reset_peak_memory
        metal.get_cache_memory metal.clear_cache metal.set_memory_limit
        metal.set_cache_limit metal.set_wired_limit
        cuda.is_available
        """,
    ),
    group(
        "distributed",
        "Distributed communication",
        "MLX's collectives over the single-process group: :func:`distributed.init` "
        "returns a group of size 1, reductions and gathers return their input, and "
        "``send``/``recv`` raise as MLX's singleton group does.",
        """
        distributed.init distributed.is_available distributed.Group
        distributed.Group.rank distributed.Group.size distributed.Group.split
        distributed.all_sum distributed.all_gather distributed.all_max
        distributed.all_min distributed.sum_scatter distributed.send
        distributed.recv distributed.recv_like
        """,
    ),
    group(
        "printing",
        "Printing",
        "How arrays print. Printing an array evaluates it.",
        "PrintOptions get_printoptions set_printoptions printoptions",
    ),
    group(
        "constants",
        "Constants",
        "Values defined in ``lumex.core`` and its submodules.",
        "",
    ),
    group(
        "utils",
        "Tree utilities",
        "``lumex.utils`` works on *trees*: nested lists, tuples and dicts whose "
        "leaves are arrays (or anything else), such as a model's parameters. "
        "Every transform accepts trees wherever it accepts arrays.",
        """
        tree_flatten tree_unflatten tree_map tree_map_with_path tree_reduce tree_merge
        """,
        module="lumex.utils",
    ),
    group(
        "nn_module",
        "Neural networks: modules",
        "``lumex.nn`` is MLX's ``mlx.nn``: ``import lumex.nn as nn``. A :class:`Module` "
        "is a dict of parameters (arrays) and children (modules, or lists and dicts of "
        "them); :func:`value_and_grad` differentiates a loss with respect to a model's "
        "trainable parameters. With the same ``mx.random.seed``, layers start from the "
        "same values as in MLX.",
        """
        Module Sequential value_and_grad quantize average_gradients fully_shard
        """,
        module="lumex.nn",
    ),
    group(
        "nn_layers",
        "Neural networks: layers",
        "Layer classes of ``lumex.nn``. Inputs are channels-last, as in MLX "
        "(``(N, L, C)``, ``(N, H, W, C)``, ``(N, D, H, W, C)``).",
        """
        Linear Bilinear Identity
        Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d
        AvgPool1d AvgPool2d AvgPool3d MaxPool1d MaxPool2d MaxPool3d
        BatchNorm GroupNorm InstanceNorm LayerNorm RMSNorm
        Dropout Dropout2d Dropout3d Embedding
        RNN GRU LSTM
        MultiHeadAttention Transformer TransformerEncoder TransformerEncoderLayer
        TransformerDecoder TransformerDecoderLayer
        RoPE ALiBi SinusoidalPositionalEncoding Upsample
        QuantizedLinear QuantizedEmbedding QQLinear
        AllToShardedLinear ShardedToAllLinear QuantizedAllToShardedLinear
        QuantizedShardedToAllLinear FullyShardedModule
        """,
        module="lumex.nn",
    ),
    group(
        "nn_activations",
        "Neural networks: activations",
        "Activation functions and their module forms.",
        """
        celu elu gelu gelu_approx gelu_fast_approx glu hard_shrink hard_tanh hardswish
        leaky_relu log_sigmoid log_softmax mish prelu relu relu2 relu6 selu sigmoid
        silu softmax softmin softplus softshrink softsign step tanh
        CELU ELU GELU GLU HardShrink HardTanh Hardswish LeakyReLU LogSigmoid LogSoftmax
        Mish PReLU ReLU ReLU2 ReLU6 SELU Sigmoid SiLU Softmax Softmin Softplus
        Softshrink Softsign Step Tanh
        """,
        module="lumex.nn",
    ),
    group(
        "nn_losses",
        "Neural networks: losses",
        "``lumex.nn.losses``: every loss takes ``reduction`` (``'none'``, ``'mean'`` or "
        "``'sum'``).",
        """
        binary_cross_entropy cosine_similarity_loss cross_entropy gaussian_nll_loss
        hinge_loss huber_loss kl_div_loss l1_loss log_cosh_loss margin_ranking_loss
        mse_loss nll_loss smooth_l1_loss triplet_loss
        """,
        module="lumex.nn.losses",
    ),
    group(
        "nn_init",
        "Neural networks: initializers",
        "``lumex.nn.init``: each function returns an initializer, a function from an "
        "array to a new array of its shape.",
        """
        constant normal uniform identity glorot_normal glorot_uniform he_normal
        he_uniform sparse orthogonal
        """,
        module="lumex.nn.init",
    ),
    group(
        "nn_utils",
        "Neural networks: utilities",
        "``lumex.nn.utils``: model-level transforms and distributed helpers.",
        "value_and_grad checkpoint average_gradients clip_grad_norm_sharded",
        module="lumex.nn.utils",
    ),
    group(
        "optimizers",
        "Optimizers",
        "``lumex.optimizers`` is ``mlx.optimizers``: ``import lumex.optimizers as optim``. "
        "An optimizer's ``state`` is a tree of arrays (step, learning rate, per-parameter "
        "buffers) that ``mx.compile(inputs=..., outputs=...)`` captures and "
        "``tree_flatten`` + ``save_safetensors`` saves. A schedule (a function of the "
        "step) can stand wherever a learning rate is expected.",
        """
        Optimizer SGD RMSprop Adagrad AdaDelta Adam AdamW Adamax Lion Adafactor Muon
        MultiOptimizer
        cosine_decay exponential_decay join_schedules linear_schedule step_decay
        clip_grad_norm
        """,
        module="lumex.optimizers",
    ),
    group(
        "notebook",
        "Notebook layer",
        "``lumex.notebook_ext`` shows the engine inside Jupyter: array displays that "
        "never evaluate, graph drawings, the evaluation ledger, the explorers, the "
        "Jacobian view and the compile X-ray. "
        "It is installed automatically when lumex is imported in IPython; "
        "``%load_ext lumex.notebook_ext`` also adds the ``%%evaltrace`` magic. "
        "See :doc:`/guide/seeing_the_engine`.",
        """
        show
        show_graph show_grad_graph
        EvalLedger
        gradient_explorer vmap_explorer jacobian_explorer
        show_compiled
        monitor memory_plan
        """,
        module="lumex.notebook_ext",
    ),
)
