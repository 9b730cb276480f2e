"""mx.metal, mx.cuda, mx.distributed (the single-process group), the thread-aware
stream constructors, trunc, depends and __version__, against MLX's behaviour on a
machine without a GPU."""

import threading

import numpy as np
import pytest

import lumex.core as mx
from helpers import IS_MLX


def test_gpu_backends_report_unavailable():
    assert mx.metal.is_available() is False
    assert mx.cuda.is_available() is False
    assert mx.metal.device_info() == {}


def test_metal_memory_functions_are_the_cpu_allocator():
    a = mx.ones((1024, 256))
    mx.eval(a)
    assert mx.metal.get_active_memory() == mx.get_active_memory()
    assert mx.metal.get_peak_memory() == mx.get_peak_memory()
    assert mx.metal.get_cache_memory() == mx.get_cache_memory()
    old = mx.metal.set_cache_limit(1 << 20)
    assert mx.metal.set_cache_limit(old) == 1 << 20
    old = mx.metal.set_memory_limit(1 << 30)
    assert mx.set_memory_limit(old) == 1 << 30
    mx.metal.reset_peak_memory()
    mx.metal.clear_cache()
    assert mx.get_cache_memory() == 0


@pytest.mark.lumex_only  # MLX's CPU build ignores captures silently
def test_metal_capture_raises_clearly():
    with pytest.raises(RuntimeError, match="Metal"):
        mx.metal.start_capture("trace.gputrace")
    with pytest.raises(RuntimeError, match="Metal"):
        mx.metal.stop_capture()


def test_distributed_single_process_group():
    g = mx.distributed.init()
    assert (g.rank(), g.size()) == (0, 1)
    assert mx.distributed.is_available()
    x = mx.arange(6).reshape(2, 3)
    for op in (mx.distributed.all_sum, mx.distributed.all_gather, mx.distributed.all_max,
               mx.distributed.all_min, mx.distributed.sum_scatter):
        y = op(x, group=g)
        assert y.dtype == x.dtype
        np.testing.assert_array_equal(np.array(y), np.array(x))
    assert mx.distributed.all_sum(mx.array(3.0)).item() == 3.0
    # Gradients flow through the identity collectives.
    gr = mx.grad(lambda a: mx.distributed.all_sum(a * a).sum())(mx.array([1.0, 2.0]))
    np.testing.assert_allclose(np.array(gr), [2.0, 4.0])


def test_distributed_errors_match_mlx():
    g = mx.distributed.init()
    x = mx.ones((2,))
    with pytest.raises(ValueError, match="singleton"):
        mx.distributed.send(x, 0)
    with pytest.raises(ValueError, match="singleton"):
        mx.distributed.recv((2,), mx.float32, 0)
    with pytest.raises(ValueError, match="singleton"):
        mx.distributed.recv_like(x, 0)
    with pytest.raises(RuntimeError):
        g.split(0)
    with pytest.raises(RuntimeError):
        mx.distributed.init(strict=True)
    with pytest.raises(ValueError, match="backend"):
        mx.distributed.init(backend="carrier-pigeon")
    with pytest.raises(ValueError):
        mx.distributed.init(backend="ring", all_gather_factory=lambda r, s: None)
    with pytest.raises(TypeError):
        mx.distributed.init(backend="jaccl", all_gather_factory="not_callable")


def test_thread_local_and_unsafe_streams():
    s = mx.new_thread_local_stream(mx.cpu)
    assert isinstance(s, mx.ThreadLocalStream)
    assert repr(s).startswith("ThreadLocalStream(Device(cpu, 0), ")
    x = mx.ones(3)
    np.testing.assert_array_equal(np.array(mx.add(x, x, stream=s)), [2, 2, 2])
    with mx.stream(s):
        np.testing.assert_allclose(np.array(mx.exp(x)), np.exp(np.ones(3)), rtol=1e-6)
    out = []
    t = threading.Thread(target=lambda: out.append(np.array(mx.add(x, x, stream=s))))
    t.start()
    t.join()
    np.testing.assert_array_equal(out[0], [2, 2, 2])
    u = mx.new_thread_unsafe_stream(mx.cpu)
    assert isinstance(u, mx.Stream)
    np.testing.assert_array_equal(np.array(mx.multiply(x, 3, stream=u)), [3, 3, 3])
    assert mx.clear_streams() is None


def test_version():
    assert isinstance(mx.__version__, str) and mx.__version__.count(".") >= 1


def test_trunc():
    v = np.array([-2.7, -1.5, -0.5, -0.0, 0.0, 0.4, 1.5, 2.9, np.inf, -np.inf, np.nan],
                 np.float32)
    np.testing.assert_array_equal(np.array(mx.trunc(mx.array(v))), np.trunc(v))
    for dt in (mx.float16, mx.bfloat16):
        y = mx.trunc(mx.array(v[:8]).astype(dt))
        assert y.dtype == dt
        np.testing.assert_array_equal(np.array(y.astype(mx.float32)), np.trunc(v[:8]))
    i = mx.array([-3, 0, 7])
    assert mx.trunc(i).dtype == mx.int32
    np.testing.assert_array_equal(np.array(mx.trunc(i)), [-3, 0, 7])
    g = mx.grad(lambda a: mx.trunc(a).sum())(mx.array([1.5, -2.5]))
    np.testing.assert_array_equal(np.array(g), [0, 0])
    with pytest.raises(ValueError):
        mx.trunc(mx.array([1 + 2j]))


def test_depends_passes_values_and_orders():
    x, y = mx.array(1.0), mx.array(2.0)
    a = mx.depends(x, y)
    assert isinstance(a, mx.array) and a.item() == 1.0
    b = mx.depends([x, x * 3], [y])
    assert isinstance(b, list) and [v.item() for v in b] == [1.0, 3.0]
    assert [v.item() for v in mx.depends((x,), y)] == [1.0]
    # Gradients flow to the passed-through inputs only.
    gx, gy = mx.grad(lambda p, q: (mx.depends(p * p, q) * 1.0).sum(), argnums=(0, 1))(
        mx.array([3.0]), mx.array([5.0]))
    assert gx.item() == 6.0 and gy.item() == 0.0
    # jvp and vmap
    _, t = mx.jvp(lambda p: mx.depends(p * 2, y), (mx.array(1.0),), (mx.array(1.0),))
    assert t[0].item() == 2.0
    v = mx.vmap(lambda p: mx.depends(p + 1, y))(mx.arange(3.0))
    np.testing.assert_array_equal(np.array(v), [1, 2, 3])
