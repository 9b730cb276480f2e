"""einsum and einsum_path against NumPy, gradients against finite
differences, and MLX's paths and error messages."""

import numpy as np
import pytest

import lumex.core as mx
from test_grad_ops import check_grads

RNG = np.random.default_rng(11)


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


# (subscripts, operand shapes)
CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),  # matmul
    ("ij,jk", [(3, 4), (4, 5)]),  # implicit output
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),  # batch matmul
    ("bij,jk->bik", [(2, 3, 4), (4, 5)]),
    ("ii", [(4, 4)]),  # trace
    ("ii->i", [(4, 4)]),  # diagonal
    ("iij->j", [(3, 3, 2)]),
    ("iji->ij", [(3, 2, 3)]),
    ("iii->i", [(3, 3, 3)]),
    ("ijij->ij", [(2, 3, 2, 3)]),
    ("i,j->ij", [(3,), (4,)]),  # outer
    ("i,j,k->ijk", [(2,), (3,), (4,)]),
    ("ij->ji", [(3, 4)]),  # transposes
    ("ijk->kij", [(2, 3, 4)]),
    ("ijk", [(2, 3, 4)]),
    ("ba", [(2, 3)]),  # implicit output is alphabetical
    ("Ab,bC", [(2, 3), (3, 4)]),  # upper case sorts first
    ("ij->", [(3, 4)]),  # sums
    ("ij->j", [(3, 4)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),  # Hadamard
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("i,i->", [(5,), (5,)]),  # dot
    ("i,i", [(5,), (5,)]),
    ("ij,j->i", [(3, 4), (4,)]),  # matvec
    ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("ji,jk->ik", [(4, 3), (4, 5)]),
    ("ijk,jil->kl", [(3, 2, 4), (2, 3, 5)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),  # 3+ operands
    ("ij,jk,kl,lm->mi", [(2, 3), (3, 4), (4, 5), (5, 2)]),
    ("ea,fb,abcd,gc,hd->efgh", [(2, 3), (2, 2), (3, 2, 2, 3), (2, 2), (2, 3)]),
    ("ab,ab,ab->a", [(3, 4), (3, 4), (3, 4)]),
    ("ij,jk,ik->", [(3, 4), (4, 5), (3, 5)]),
    ("ii,ij->j", [(3, 3), (3, 4)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]),  # ellipsis
    ("...ij,...jk", [(2, 1, 2, 3), (6, 3, 4)]),
    ("i...->...", [(2, 3, 4)]),
    # MLX sums ellipsis axes the output leaves out (NumPy refuses to).
    ("...i->", [(2, 3, 4)], "abi->"),
    ("ij...->", [(2, 3, 4)], "ija->"),
    ("...,...->...", [(2,), (3, 1)]),
    ("a...b,b...->a...", [(2, 3, 4), (4, 3)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),  # broadcasting size-1 axes
    ("ij,jk->ik", [(2, 1), (3, 4)]),
    ("bij,bjk->bik", [(1, 2, 3), (4, 3, 5)]),
    ("i,->i", [(3,), ()]),  # scalar operands
    ("->", [()]),
    ("i j , j k -> i k", [(3, 4), (4, 5)]),  # spaces
    ("ij,jk->ik", [(0, 3), (3, 4)]),  # empty
    ("ij,jk->ik", [(2, 0), (0, 4)]),
]


@pytest.mark.parametrize("subs,shapes,np_subs", [c + (c[0],) * (len(c) == 2) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_matches_numpy(subs, shapes, np_subs):
    xs = [rand(*s) for s in shapes]
    expected = np.einsum(np_subs, *xs)
    out = mx.einsum(subs, *[mx.array(x) for x in xs])
    assert out.shape == expected.shape
    assert out.dtype == mx.float32
    np.testing.assert_allclose(np.array(out), expected, rtol=1e-4, atol=1e-4)


def test_dtypes():
    a = mx.array(np.arange(9).reshape(3, 3), dtype=mx.int32)
    # No summation, or a single operand: the input dtype is kept.
    assert mx.einsum("ij->ji", a).dtype == mx.int32
    assert mx.einsum("ii->i", a).tolist() == [0, 4, 8]
    assert mx.einsum("ij->j", a).tolist() == [9, 12, 15]
    assert mx.einsum("i,j->ij", a[0], a[1]).dtype == mx.int32
    assert mx.einsum("ij->", mx.ones((2, 3), dtype=mx.bool_)).item() == 6
    half = mx.ones((2, 3), dtype=mx.float16)
    assert mx.einsum("ij,jk->ik", half, mx.ones((3, 4))).dtype == mx.float32
    assert mx.einsum("ij->", half).dtype == mx.float16
    c = mx.einsum("ij,jk->ik", mx.ones((2, 3), dtype=mx.complex64), mx.ones((3, 4)))
    assert c.dtype == mx.complex64
    # Contractions are matmuls, which need floats.
    with pytest.raises(ValueError, match=r"\[matmul\]"):
        mx.einsum("ij,jk->ik", a, a)


def test_path_matches_mlx():
    O = lambda *s: mx.ones(s)
    path, info = mx.einsum_path("ij,jk,kl->il", O(2, 3), O(3, 4), O(4, 5))
    assert path == [(1, 2), (0, 1)]
    assert info == (
        "  Complete contraction:  ij,jk,kl->il\n"
        "         Naive scaling:  4\n"
        "     Optimized scaling:  3\n"
        "      Naive FLOP count:  360\n"
        "  Optimized FLOP count:  180\n"
    )
    cases = [
        (("ij,jk", O(2, 3), O(3, 4)), [(0, 1)], (3, 3, 48, 48)),
        (("ii", O(3, 3)), [(0,)], (1, 1, 6, 6)),
        (("ii->i", O(3, 3)), [(0,)], (1, 1, 3, 3)),
        (("ij,jk,kl,lm->im", O(2, 3), O(3, 4), O(4, 5), O(5, 6)),
         [(2, 3), (1, 2), (0, 1)], (5, 3, 2880, 456)),
        (("ij,kl,jk->il", O(2, 3), O(4, 5), O(3, 4)), [(1, 2), (0, 1)], (4, 3, 360, 180)),
        (("i,j,k->ijk", O(2), O(3), O(4)), [(0, 1), (0, 1)], (3, 3, 48, 30)),
        (("ea,fb,abcd,gc,hd->efgh", O(10, 10), O(10, 10), O(10, 10, 10, 10),
          O(10, 10), O(10, 10)),
         [(0, 2), (0, 3), (0, 2), (0, 1)], (8, 5, 500000000, 800000)),
        (("...ij,...jk->...ik", O(5, 2, 3), O(3, 4)), [(0, 1)], (4, 4, 240, 240)),
        (("ab,bc,cd,de->ae", O(3, 1), O(1, 5), O(5, 1), O(1, 3)),
         [(1, 2), (0, 2), (0, 1)], (5, 3, 180, 34)),
    ]
    for args, want_path, (ns, os_, nc, oc) in cases:
        path, info = mx.einsum_path(*args)
        assert path == want_path, args[0]
        assert info == (
            f"  Complete contraction:  {args[0]}\n"
            f"         Naive scaling:  {ns}\n"
            f"     Optimized scaling:  {os_}\n"
            f"      Naive FLOP count:  {nc}\n"
            f"  Optimized FLOP count:  {oc}\n"
        ), args[0]


def test_path_agrees_with_numpy_greedy():
    shapes = [(4, 5), (5, 6), (6, 7), (7, 3), (3, 4)]
    subs = "ab,bc,cd,de,ea->"
    xs = [np.ones(s, np.float32) for s in shapes]
    want = np.einsum_path(subs, *xs, optimize="greedy")[0][1:]
    assert mx.einsum_path(subs, *[mx.array(x) for x in xs])[0] == want


BAD = [
    (("ij,jk->ik", (2, 3)), "Number of operands, 1, does not match number of input subscripts, 2"),
    (("ij", (2, 3), (3, 4)), "Number of operands, 2, does not match"),
    (("ij,jk->ik", (2, 3), (2, 3)), r"Cannot broadcast dimension 0 of input 1 with shape \(2,3\) to size 3"),
    (("ijk->ij", (2, 3)), "Invalid number of subscripts 3 for input 0 with 2 dimensions"),
    (("i1->i", (2, 3)), "Subscripts must be letters, but got '1'"),
    (("ij-ji", (2, 3)), "Subscripts must be letters, but got '-'"),
    (("..i->", (2, 3)), "Subscripts must be letters, but got '.'"),
    (("ij->ii", (2, 3)), "Repeat indices not allowed in output"),
    (("ii", (2, 3)), r"Dimensions of repeated subscripts do not have the same size \(2 != 3\)"),
    (("i...j...", (2, 3, 4)), "Only one ellipsis per subscript is allowed"),
    (("ij...k", (2,)), r"Operand 0 with shape .* has insufficient dimensions for subscript 'ij\.\.\.k'"),
]


@pytest.mark.parametrize("args,match", BAD, ids=[b[0][0] for b in BAD])
def test_errors(args, match):
    subs, *shapes = args
    with pytest.raises(ValueError, match=r"\[einsum\] " + match):
        mx.einsum(subs, *[mx.ones(s) for s in shapes])


def test_error_messages_name_einsum_path():
    with pytest.raises(ValueError, match=r"\[einsum_path\] At least one operand is required"):
        mx.einsum_path("ij")
    with pytest.raises(ValueError, match=r"\[einsum\] At least one operand is required"):
        mx.einsum("ij")


@pytest.mark.lumex_only
def test_output_letter_missing_from_inputs():
    # MLX fails inside transpose here; lumex names the letter.
    with pytest.raises(ValueError, match=r"\[einsum\] Output subscript 'k' does not appear"):
        mx.einsum("ij->ik", mx.ones((3, 3)))


@pytest.mark.lumex_only
def test_accepts_numpy_operands():
    a, b = rand(2, 3), rand(3, 4)
    np.testing.assert_allclose(np.array(mx.einsum("ij,jk", a, mx.array(b))), a @ b, rtol=1e-5)


GRADS = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("ii,ij->j", [(3, 3), (3, 2)]),
]


@pytest.mark.parametrize("subs,shapes", GRADS, ids=[g[0] for g in GRADS])
def test_grad_matches_finite_differences(subs, shapes):
    xs = [mx.array(RNG.standard_normal(s), dtype=mx.float64) for s in shapes]
    check_grads(lambda *a: mx.einsum(subs, *a), xs, rtol=1e-5, atol=1e-6)


def test_grad_of_trace_is_identity():
    g = mx.grad(lambda x: mx.einsum("ii", x))(mx.ones((3, 3)))
    np.testing.assert_array_equal(np.array(g), np.eye(3, dtype=np.float32))


def test_vmap():
    a, b = rand(4, 2, 3), rand(4, 3, 5)
    out = mx.vmap(lambda x, y: mx.einsum("ij,jk->ik", x, y))(mx.array(a), mx.array(b))
    np.testing.assert_allclose(np.array(out), a @ b, rtol=1e-5, atol=1e-5)


def test_stream_argument():
    out = mx.einsum("ij->ji", mx.ones((2, 3)), stream=mx.cpu)
    assert out.shape == (3, 2)
