"""Memory accounting API: active/peak/cache memory, limits, clear_cache,
get_array_buffer_size."""

import gc

import pytest

import lumex.core as mx
from helpers import need


def test_memory_getters_are_ints():
    need("get_active_memory", "get_peak_memory", "get_cache_memory", "get_memory_limit")
    for fn in (mx.get_active_memory, mx.get_peak_memory, mx.get_cache_memory, mx.get_memory_limit):
        value = fn()
        assert isinstance(value, int) and value >= 0
    assert mx.get_memory_limit() > 0


def test_active_memory_tracks_allocations():
    need("get_active_memory", "zeros", "eval")
    gc.collect()
    before = mx.get_active_memory()
    a = mx.zeros((1024, 1024))  # 4 MiB
    mx.eval(a)
    during = mx.get_active_memory()
    assert during - before >= 4 * 1024 * 1024
    del a
    gc.collect()
    after = mx.get_active_memory()
    assert after <= before + 1024 * 1024


def test_peak_memory_and_reset():
    need("get_peak_memory", "reset_peak_memory", "zeros", "eval")
    mx.reset_peak_memory()
    base = mx.get_peak_memory()
    a = mx.zeros((512, 1024))  # 2 MiB
    mx.eval(a)
    assert mx.get_peak_memory() >= base + 2 * 1024 * 1024 - 1
    del a
    gc.collect()
    peak = mx.get_peak_memory()
    assert peak >= 2 * 1024 * 1024
    assert mx.reset_peak_memory() is None
    assert mx.get_peak_memory() < peak


def test_cache_memory_and_clear_cache():
    need("get_cache_memory", "clear_cache", "zeros", "eval")
    a = mx.zeros((256, 1024))
    mx.eval(a)
    del a
    gc.collect()
    assert mx.get_cache_memory() >= 0
    assert mx.clear_cache() is None
    assert mx.get_cache_memory() == 0


def test_set_limits_return_previous_value():
    need("set_memory_limit", "get_memory_limit", "set_cache_limit")
    original = mx.get_memory_limit()
    try:
        prev = mx.set_memory_limit(2**30)
        assert prev == original
        assert mx.get_memory_limit() == 2**30
        assert mx.set_memory_limit(original) == 2**30
    finally:
        mx.set_memory_limit(original)
    prev_cache = mx.set_cache_limit(0)
    assert isinstance(prev_cache, int)
    try:
        assert mx.set_cache_limit(2**20) == 0
    finally:
        mx.set_cache_limit(prev_cache)


def test_set_wired_limit():
    need("set_wired_limit")
    assert isinstance(mx.set_wired_limit(0), int)


def test_cache_limit_zero_keeps_cache_empty():
    need("set_cache_limit", "get_cache_memory", "zeros", "eval", "clear_cache")
    prev = mx.set_cache_limit(0)
    try:
        mx.clear_cache()
        for _ in range(5):
            a = mx.zeros((256, 256)) + 1
            mx.eval(a)
            del a
        gc.collect()
        assert mx.get_cache_memory() == 0
    finally:
        mx.set_cache_limit(prev)


def test_get_array_buffer_size():
    need("get_array_buffer_size", "zeros", "eval")
    a = mx.zeros((10,))
    b = mx.zeros((3, 4), dtype=mx.int8)
    mx.eval(a, b)
    # Sizes of the underlying buffers (a buffer may be larger than nbytes).
    size_a = mx.get_array_buffer_size(a)
    size_b = mx.get_array_buffer_size(b)
    assert isinstance(size_a, int)
    assert size_a >= 40 and size_b >= 12
    assert mx.get_array_buffer_size(a, b) == size_a + size_b
    lazy = a + 1
    with pytest.raises(ValueError, match=r"\[get_array_buffer_size\] Arrays must be evaluated before querying buffer size"):
        mx.get_array_buffer_size(lazy)


def test_nodes_released_on_other_threads():
    # Graph nodes come from per-thread pools: nodes built on one thread and
    # released on another (and threads that end holding released blocks) must
    # leave every value and the memory accounting intact.
    import threading

    need("add", "array")
    gc.collect()
    before = mx.get_active_memory()
    made, pending = [], []

    def build(start):
        y = mx.array([start], dtype=mx.float32)
        for _ in range(3000):
            y = y + 1.0
        pending.append(y + 1.0)  # released unevaluated, elsewhere
        mx.eval(y)
        made.append(y)

    def release():
        made.clear()
        pending.clear()

    for k in range(4):
        t = threading.Thread(target=build, args=(float(k),))
        t.start()
        t.join()
    assert sorted(v.item() for v in made) == [3000.0, 3001.0, 3002.0, 3003.0]
    t = threading.Thread(target=release)
    t.start()
    t.join()
    gc.collect()
    assert mx.get_active_memory() == before
