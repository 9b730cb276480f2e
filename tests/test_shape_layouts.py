"""Randomized layout checks for the shape family against NumPy: concatenate,
pad (all modes, widths beyond the axis length), roll, diagonal, iteration,
repeat, tile and split on transposed and flipped (negative-stride) inputs."""

import numpy as np
import pytest

import lumex.core as mx
from helpers import need


@pytest.mark.parametrize("seed", range(40))
def test_random_layouts(seed):
    need("concatenate", "pad", "roll", "flip", "diagonal", "repeat", "tile", "split")
    rng = np.random.default_rng(seed)
    nd = int(rng.integers(1, 4))
    shape = tuple(int(d) for d in rng.integers(0, 5, nd))
    x = rng.standard_normal(shape).astype(np.float32)
    a = mx.array(x)
    if nd > 1:
        perm = [int(p) for p in rng.permutation(nd)]
        a, x = mx.transpose(a, perm), x.transpose(perm)
    ax = int(rng.integers(0, nd))
    a, x = mx.flip(a, ax), np.flip(x, ax)

    got = mx.concatenate([a, mx.flip(a, ax), a.astype(mx.float16)], axis=ax)
    exp = np.concatenate([x, np.flip(x, ax), x.astype(np.float16).astype(np.float32)], axis=ax)
    np.testing.assert_allclose(np.array(got), exp, atol=1e-2)
    for mode in ["constant", "edge", "reflect", "symmetric"]:
        if mode != "constant" and 0 in x.shape:
            continue
        pw = [(int(rng.integers(0, 6)), int(rng.integers(0, 6))) for _ in range(nd)]
        np.testing.assert_array_equal(np.array(mx.pad(a, pw, mode)), np.pad(x, pw, mode))
    sh = int(rng.integers(-7, 7))
    np.testing.assert_array_equal(np.array(mx.roll(a, sh, ax)), np.roll(x, sh, ax))
    np.testing.assert_array_equal(np.array(mx.roll(a, sh)), np.roll(x, sh))
    if nd >= 2:
        off = int(rng.integers(-3, 4))
        np.testing.assert_array_equal(np.array(mx.diagonal(a, off, -1, 0)), np.diagonal(x, off, -1, 0))
    if shape[0] > 0:
        for r, xr in zip(a, x):
            np.testing.assert_array_equal(np.array(r), xr)
    np.testing.assert_array_equal(np.array(mx.repeat(a, 2, ax)), np.repeat(x, 2, ax))
    np.testing.assert_array_equal(np.array(mx.tile(a, (2, 1))), np.tile(x, (2, 1)))
    for p, q in zip(mx.split(a, [1, 3], ax), np.split(x, [1, 3], ax)):
        np.testing.assert_array_equal(np.array(p), q)
    np.testing.assert_allclose(np.array(mx.flip(a) * 2 + 1), np.flip(x) * 2 + 1)
    np.testing.assert_array_equal(np.array(mx.flip(a).reshape(-1)), np.flip(x).reshape(-1))
