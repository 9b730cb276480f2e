"""Devices and streams: Device/DeviceType/Stream objects and reprs, default
device/stream, new_stream, `with mx.stream(...)`, and the stream= keyword."""

import re
import threading

import numpy as np
import pytest

import lumex.core as mx
from helpers import assert_equal, need


def test_device_type_enum():
    need("DeviceType", "cpu", "gpu")
    assert set(mx.DeviceType.__members__) == {"cpu", "gpu"}
    assert mx.cpu == mx.DeviceType.cpu
    assert mx.gpu == mx.DeviceType.gpu
    assert repr(mx.cpu) == "DeviceType.cpu"
    assert str(mx.cpu) == "DeviceType.cpu"
    assert repr(mx.gpu) == "DeviceType.gpu"


def test_device_objects():
    need("Device", "cpu", "gpu", "DeviceType")
    d = mx.Device(mx.cpu)
    assert repr(d) == "Device(cpu, 0)"
    assert str(d) == "Device(cpu, 0)"
    assert d.type == mx.cpu
    assert repr(mx.Device(mx.cpu, 1)) == "Device(cpu, 1)"
    assert repr(mx.Device(mx.gpu)) == "Device(gpu, 0)"
    assert repr(mx.Device(type=mx.cpu, index=0)) == "Device(cpu, 0)"
    assert mx.Device(mx.cpu) == mx.Device(mx.cpu)
    assert mx.Device(mx.cpu, 0) != mx.Device(mx.cpu, 1)
    assert mx.Device(mx.DeviceType.cpu) == mx.Device(mx.cpu, 0)
    with pytest.raises(TypeError):
        mx.Device("cpu")


def test_default_device():
    need("default_device", "set_default_device", "Device", "is_available", "cpu", "gpu")
    d = mx.default_device()
    assert isinstance(d, mx.Device)
    if not mx.is_available(mx.gpu):
        assert d == mx.Device(mx.cpu)
        assert repr(d) == "Device(cpu, 0)"
        assert d == mx.cpu  # a Device compares equal to its DeviceType
    prev = mx.default_device()
    try:
        mx.set_default_device(mx.cpu)
        assert mx.default_device() == mx.Device(mx.cpu)
        mx.set_default_device(mx.Device(mx.cpu))
        assert mx.default_device() == mx.Device(mx.cpu)
    finally:
        mx.set_default_device(prev)


def test_gpu_errors_without_gpu_backend():
    need("is_available", "set_default_device", "new_stream", "gpu", "add", "device_count")
    if mx.is_available(mx.gpu):
        pytest.skip("a GPU backend is available")
    with pytest.raises(ValueError, match=r"\[set_default_device\] Cannot set gpu device without gpu backend"):
        mx.set_default_device(mx.gpu)
    with pytest.raises(ValueError, match=r"\[new_stream\] Cannot make gpu stream without gpu backend"):
        mx.new_stream(mx.gpu)
    with pytest.raises(ValueError, match=r"Cannot get gpu stream without gpu backend"):
        mx.add(mx.array(1), mx.array(2), stream=mx.gpu)
    assert mx.device_count(mx.gpu) == 0


def test_availability_and_info():
    need("is_available", "device_count", "device_info", "Device", "cpu")
    assert mx.is_available(mx.cpu) is True
    assert mx.device_count(mx.cpu) == 1
    info = mx.device_info()
    assert isinstance(info, dict)
    assert {"architecture", "device_name"} <= set(info)
    assert mx.device_info(mx.Device(mx.cpu)) == info


def test_default_stream():
    need("default_stream", "Stream")
    s = mx.default_stream(mx.cpu)
    assert isinstance(s, mx.Stream)
    # Usually index 0; MLX creates the default stream lazily, so a stream
    # made earlier in the process can take index 0.
    assert re.fullmatch(r"Stream\(Device\(cpu, 0\), \d+\)", repr(s))
    assert str(s) == repr(s)
    assert s.device == mx.Device(mx.cpu)
    assert mx.default_stream(mx.cpu) == mx.default_stream(mx.Device(mx.cpu))
    assert mx.default_stream(mx.default_device()) == s or mx.is_available(mx.gpu)
    with pytest.raises(TypeError):
        mx.Stream()


def _index(stream):
    text = repr(stream)
    assert text.startswith("Stream(Device(cpu, 0), ") and text.endswith(")")
    return int(text[len("Stream(Device(cpu, 0), "):-1])


def test_new_stream_indices_increase():
    need("new_stream", "Stream", "Device", "default_stream")
    s1 = mx.new_stream(mx.cpu)
    s2 = mx.new_stream(mx.Device(mx.cpu))
    assert isinstance(s1, mx.Stream)
    assert _index(s1) >= 1
    assert _index(s2) > _index(s1)
    assert s1 == s1
    assert s1 != s2
    assert s1 != mx.default_stream(mx.cpu)
    assert s1.device == mx.Device(mx.cpu)


def test_stream_context_manager():
    need("stream", "new_stream", "default_stream")
    base = mx.default_stream(mx.cpu)
    s = mx.new_stream(mx.cpu)
    with mx.stream(s) as ctx:
        assert ctx is None
        assert mx.default_stream(mx.cpu) == s
        assert mx.default_device() == mx.Device(mx.cpu)
        y = mx.add(mx.array(1), 2)
        inner = mx.new_stream(mx.cpu)
        with mx.stream(inner):
            assert mx.default_stream(mx.cpu) == inner
        assert mx.default_stream(mx.cpu) == s
    assert mx.default_stream(mx.cpu) == base
    assert y.item() == 3
    with mx.stream(mx.cpu):
        assert mx.default_stream(mx.cpu) == base
    with mx.stream(mx.Device(mx.cpu)):
        z = mx.ones((2,)) * 2
    assert z.tolist() == [2.0, 2.0]


def test_stream_context_restores_after_exception():
    need("stream", "new_stream", "default_stream")
    base = mx.default_stream(mx.cpu)
    with pytest.raises(RuntimeError):
        with mx.stream(mx.new_stream(mx.cpu)):
            raise RuntimeError("boom")
    assert mx.default_stream(mx.cpu) == base


def test_set_default_stream():
    need("set_default_stream", "new_stream", "default_stream")
    base = mx.default_stream(mx.cpu)
    s = mx.new_stream(mx.cpu)
    try:
        mx.set_default_stream(s)
        assert mx.default_stream(mx.cpu) == s
        assert (mx.ones((2,)) + 1).tolist() == [2.0, 2.0]
    finally:
        mx.set_default_stream(base)
    assert mx.default_stream(mx.cpu) == base


STREAM_ARGS = ["device_type", "device", "stream", "default_stream", "none"]


def _stream_arg(kind):
    return {
        "device_type": lambda: mx.cpu,
        "device": lambda: mx.Device(mx.cpu),
        "stream": lambda: mx.new_stream(mx.cpu),
        "default_stream": lambda: mx.default_stream(mx.cpu),
        "none": lambda: None,
    }[kind]()


@pytest.mark.parametrize("kind", STREAM_ARGS)
def test_stream_keyword(kind):
    need("new_stream", "add", "sum", "zeros", "arange", "matmul", "reshape")
    s = _stream_arg(kind)
    assert mx.add(mx.array(1), mx.array(2), stream=s).item() == 3
    assert mx.sum(mx.ones((3,)), stream=s).item() == 3.0
    assert mx.zeros((2,), stream=s).tolist() == [0.0, 0.0]
    assert mx.arange(3, stream=s).tolist() == [0, 1, 2]
    assert mx.array([1]).astype(mx.float32, stream=s).dtype == mx.float32
    out = mx.matmul(mx.ones((2, 2)), mx.ones((2, 2)), stream=s)
    assert_equal(out, np.full((2, 2), 2.0), "float32")
    assert mx.reshape(mx.arange(6), (2, 3), stream=s).shape == (2, 3)
    assert mx.exp(mx.array(0.0), stream=s).item() == 1.0


def test_stream_keyword_rejects_other_types():
    need("add")
    with pytest.raises(TypeError):
        mx.add(mx.array(1), mx.array(2), stream="cpu")


def test_cross_stream_dependencies():
    need("new_stream", "eval", "ones", "add", "multiply", "subtract")
    s1 = mx.new_stream(mx.cpu)
    s2 = mx.new_stream(mx.cpu)
    a = mx.add(mx.ones((100,)), 1, stream=s1)
    b = mx.multiply(a, 3, stream=s2)
    c = mx.subtract(b, a, stream=s1)
    mx.eval(c)
    assert_equal(c, np.full((100,), 4.0), "float32")


def test_synchronize():
    need("synchronize", "new_stream", "async_eval", "cpu", "ones", "add", "default_stream")
    s = mx.new_stream(mx.cpu)
    x = mx.add(mx.ones((10,)), 1, stream=s)
    mx.async_eval(x)
    assert mx.synchronize() is None
    assert mx.synchronize(s) is None
    assert mx.synchronize(mx.default_stream(mx.cpu)) is None
    assert x.tolist() == [2.0] * 10


def test_threads_compute_independently():
    need("ones")
    results = []

    def worker(k):
        results.append((k, (mx.ones((4,)) * k).tolist()))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [(k, [float(k)] * 4) for k in range(4)]
