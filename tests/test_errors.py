"""Bad input raises the same exception classes as MLX, with messages naming
the op in brackets. One entry per class of mistake; `match=` uses the stable
parts of MLX 0.32's messages.

Note MLX prints shapes without spaces and 1-element shapes without a comma:
"[reshape] Cannot reshape array of size 6 into shape (4)."
"""

import re

import numpy as np
import pytest

import lumex.core as mx
from helpers import need

AXIS_ERR = (ValueError, IndexError)  # MLX 0.32.4 raises IndexError; HEAD ValueError


def Z(*shape, dtype=None):
    return mx.zeros(shape, dtype=dtype) if dtype is not None else mx.zeros(shape)


# (id, needed names, callable, exception class(es), regex)
ERRORS = [
    # shapes
    ("reshape-size", ["reshape", "arange"], lambda: mx.reshape(mx.arange(6), (4,)), ValueError,
     r"^\[reshape\] Cannot reshape array of size 6 into shape \(4\)\.$"),
    ("reshape-size-2d", ["reshape", "arange"], lambda: mx.arange(6).reshape(2, 4), ValueError,
     r"\[reshape\] Cannot reshape array of size 6 into shape \(2,4\)"),
    ("reshape-two-infer", ["reshape"], lambda: mx.reshape(Z(2, 3), (-1, -1)), ValueError,
     r"\[reshape\] Reshape can only infer one dimension"),
    ("reshape-infer-empty", ["reshape"], lambda: mx.reshape(Z(0, 3), (0, -1)), ValueError,
     r"\[reshape\] Cannot infer the shape of an empty array"),
    ("broadcast-binary", ["add"], lambda: Z(2, 3) + Z(4), ValueError,
     r"^\[broadcast_shapes\] Shapes \(2,3\) and \(4\) cannot be broadcast\.$"),
    ("broadcast-where", ["where"], lambda: mx.where(mx.array([True]), Z(2), Z(3)), ValueError,
     r"\[broadcast_shapes\] Shapes \(2\) and \(3\) cannot be broadcast"),
    ("broadcast_to", ["broadcast_to"], lambda: mx.broadcast_to(mx.array([1, 2, 3]), (3, 2)), ValueError,
     r"\[broadcast_shapes\] Shapes \(3\) and \(3,2\) cannot be broadcast"),
    ("broadcast_to-fewer-dims", ["broadcast_to"], lambda: mx.broadcast_to(Z(2, 3), (3,)), ValueError,
     r"Cannot broadcast array of shape \(2,3\) into shape \(3\)"),
    ("matmul-inner", ["matmul"], lambda: mx.matmul(Z(2, 3), Z(4, 5)), ValueError,
     r"\[matmul\] Last dimension of first input with shape \(2,3\) must match second to last dimension of "
     r"second input with shape \(4,5\)"),
    ("matmul-0d", ["matmul"], lambda: mx.matmul(Z(), Z(3, 5)), ValueError,
     r"\[matmul\] Got 0 dimension input\. Inputs must have at least one dimension"),
    ("concatenate-shapes", ["concatenate"], lambda: mx.concatenate([Z(2, 3), Z(2, 4)]), ValueError,
     r"\[concatenate\] All the input array dimensions must match exactly except for the concatenation axis"),
    ("concatenate-ndim", ["concatenate"], lambda: mx.concatenate([Z(2, 3), Z(2)]), ValueError,
     r"\[concatenate\] All the input arrays must have the same number of dimensions"),
    ("concatenate-empty", ["concatenate"], lambda: mx.concatenate([]), ValueError,
     r"\[concatenate\] No arrays provided for concatenation"),
    ("stack-shapes", ["stack"], lambda: mx.stack([Z(2, 3), Z(2, 4)]), ValueError,
     r"\[stack\] All arrays must have the same shape"),
    ("stack-empty", ["stack"], lambda: mx.stack([]), ValueError, r"\[stack\] No arrays provided for stacking"),
    ("split-unequal", ["split"], lambda: mx.split(Z(5), 2), ValueError,
     r"Array split does not result in sub arrays with equal size: attempting 2 splits along axis 0 for shape \(5\)"),
    ("split-zero", ["split"], lambda: mx.split(Z(6), 0), ValueError,
     r"\[split\] num_splits must be positive and non-zero but got 0"),
    ("squeeze-non-1", ["squeeze"], lambda: mx.squeeze(Z(2, 3), 0), ValueError,
     r"\[squeeze\] Cannot squeeze axis 0 with size 2 which is not equal to 1"),
    ("squeeze-duplicate", ["squeeze"], lambda: mx.squeeze(Z(1, 2, 1), (0, 0)), ValueError,
     r"\[squeeze\] Received duplicate axes"),
    ("expand_dims-duplicate", ["expand_dims"], lambda: mx.expand_dims(Z(2, 3), (0, 0)), ValueError,
     r"\[expand_dims\] Received duplicate axes"),
    ("transpose-count", ["transpose"], lambda: mx.transpose(Z(2, 3), (0,)), ValueError,
     r"\[transpose\] Received 1 axes for array with 2 dimensions"),
    ("transpose-repeat", ["transpose"], lambda: mx.transpose(Z(2, 3), (0, 0)), ValueError,
     r"\[transpose\] Repeat axes not allowed"),
    ("flatten-order", ["flatten"], lambda: mx.flatten(Z(2, 3, 4), 2, 1), ValueError,
     r"\[flatten\] start_axis must be less than or equal to end_axis"),
    ("unflatten-size", ["unflatten"], lambda: mx.unflatten(Z(2, 3, 4), 1, (2, 2)), ValueError,
     r"(?i)\[unflatten\] Cannot unflatten axis 1 with size 3 into shape \(2,2\)"),
    ("unflatten-empty", ["unflatten"], lambda: mx.unflatten(Z(2, 3), 1, ()), ValueError,
     r"\[unflatten\] Shape to unflatten to cannot be empty"),
    ("pad-negative", ["pad"], lambda: mx.pad(Z(2, 2), -1), ValueError,
     r"Invalid low padding size \(-1\) passed to pad for axis 0\. Padding sizes must be non-negative"),
    ("pad-count", ["pad"], lambda: mx.pad(Z(2, 2), [(1, 1)] * 3), ValueError,
     r"Invalid number of padding sizes passed to pad with axes of size 2"),
    ("pad-mode", ["pad"], lambda: mx.pad(Z(2, 2), 1, mode="wrap"), ValueError,
     r"Invalid padding mode \(wrap\) passed to pad"),
    ("tile-negative", ["tile"], lambda: mx.tile(Z(2), -1), ValueError, r"Negative dimensions not allowed"),
    ("repeat-negative", ["repeat"], lambda: mx.repeat(Z(2), -1), ValueError,
     r"\[repeat\] Number of repeats cannot be negative"),
    ("diag-ndim", ["diag"], lambda: mx.diag(Z(2, 3, 4)), ValueError,
     r"\[diag\] array must be 1-D or 2-D, got array with 3 dimensions"),
    ("diagonal-same-axis", ["diagonal"], lambda: mx.diagonal(Z(2, 3, 4), 0, 0, 0), ValueError,
     r"\[diagonal\] axis1 and axis2 cannot be the same axis"),
    ("diagonal-1d", ["diagonal"], lambda: mx.diagonal(Z(3)), ValueError,
     r"\[diagonal\] Array must have at least two dimensions, but got 1 dimensions"),
    ("trace-1d", ["trace"], lambda: mx.trace(Z(3)), ValueError,
     r"\[trace\] Array must have at least two dimensions, but got 1 dimensions"),
    ("tril-1d", ["tril"], lambda: mx.tril(Z(3)), ValueError, r"\[tril\] array must be at least 2-D"),
    ("view-size", ["view"], lambda: mx.view(Z(3, dtype=mx.int8), mx.int32), ValueError,
     r"\[view\] When viewing as a larger dtype, the size in bytes of the last axis must be a multiple"),
    ("view-scalar", ["view"], lambda: mx.view(mx.array(1.0), mx.uint8), ValueError,
     r"\[view\] Changing the type of a scalar is only allowed for types with the same size"),
    ("tensordot-shapes", ["tensordot"], lambda: mx.tensordot(Z(2, 3), Z(4, 5), axes=1), ValueError,
     r"\[tensordot\] a and b must have the same shape on the contracted axes"),
    ("tensordot-axes", ["tensordot"], lambda: mx.tensordot(Z(2, 3), Z(3), axes=2), ValueError,
     r"\[tensordot\] axis must be less than the number of dimensions of a and b"),
    ("inner-shapes", ["inner"], lambda: mx.inner(Z(2, 3), Z(2)), ValueError,
     r"\[inner\] a and b must have the same last dimension"),
    ("addmm-c-shape", ["addmm"], lambda: mx.addmm(Z(2, 2), Z(3), Z(3, 2)), ValueError,
     r"\[addmm\] input c must broadcast to the output shape"),
    ("negative-dims", ["zeros"], lambda: mx.zeros((-1,)), ValueError, r"\[full\] Negative dimensions not allowed"),
    ("broadcast_to-negative", ["broadcast_to"], lambda: mx.broadcast_to(Z(2), (-1,)), ValueError,
     r"\[broadcast_to\] Negative dimensions not allowed"),
    ("eye-negative", ["eye"], lambda: mx.eye(-1), ValueError, r"\[eye\] N and M must be positive integers"),
    ("linspace-negative", ["linspace"], lambda: mx.linspace(0, 1, -1), ValueError,
     r"\[linspace\] number of samples, -1, must be non-negative"),
    ("arange-step", ["arange"], lambda: mx.arange(0, 10, 0), ValueError, r"\[arange\] step must be nonzero"),
    ("arange-bool", ["arange"], lambda: mx.arange(3, dtype=mx.bool_), ValueError, r"bool not supported for arange"),
    ("meshgrid-indexing", ["meshgrid"], lambda: mx.meshgrid(mx.array([1]), indexing="bogus"), ValueError,
     r"\[meshgrid\] Invalid indexing value\. Valid values are 'xy' and 'ij'"),
    # reductions
    ("reduce-duplicate-axes", ["sum"], lambda: mx.sum(Z(2, 3), (0, 0)), ValueError,
     r"Duplicate axes detected in reduction"),
    ("max-empty", ["max"], lambda: mx.max(Z(0, 3), axis=0), ValueError,
     r"\[max\] Cannot max reduce over axis 0 with size 0"),
    ("argmax-empty", ["argmax"], lambda: mx.argmax(Z(0, 3), axis=0), ValueError,
     r"\[argmax\] Cannot argmax reduce zero size array"),
    ("logsumexp-empty", ["logsumexp"], lambda: mx.logsumexp(Z(0)), ValueError, r"\[logsumexp\] Received empty array"),
    ("median-empty", ["median"], lambda: mx.median(Z(0)), ValueError,
     r"\[median\] Cannot take median along empty axis"),
    # dtypes
    ("negative-bool", ["negative"], lambda: mx.negative(mx.array([True])), ValueError,
     r"\[negative\] Not supported for bool, use logical_not instead"),
    ("bitwise-float-operator", ["array"], lambda: mx.array([1.0]) & 1, ValueError,
     r"Floating point types not allowed with bitwise and"),
    ("shift-float-operator", ["array"], lambda: mx.array([1]) << 1.0, ValueError,
     r"Floating point types not allowed with left shift"),
    ("bitwise-float-function", ["bitwise_or"], lambda: mx.eval(mx.bitwise_or(Z(2), Z(2))), (ValueError, RuntimeError),
     r"\[bitwise_or\] Only allowed on integer or boolean types but got types float32 and float32"),
    ("bitwise_invert-float", ["bitwise_invert"], lambda: mx.bitwise_invert(Z(2)), ValueError,
     r"\[bitwise_invert\] Bitwise inverse only allowed on integer types"),
    ("matmul-int", ["matmul"], lambda: mx.matmul(Z(2, 3, dtype=mx.int32), Z(3, 2, dtype=mx.int32)), ValueError,
     r"\[matmul\] Only inexact types are supported but int32 and int32 were provided which results in int32, "
     r"which is not a floating point type"),
    ("addmm-int", ["addmm"], lambda: mx.addmm(Z(2, 2, dtype=mx.int32), Z(2, 3, dtype=mx.int32), Z(3, 2, dtype=mx.int32)),
     ValueError, r"\[addmm\] Only real floating point types are supported"),
    ("complex-floor", ["floor"], lambda: mx.floor(mx.array([1j])), ValueError, r"\[floor\] Not supported for complex64"),
    ("complex-remainder", ["remainder"], lambda: mx.remainder(mx.array([1j]), mx.array([1j])), ValueError,
     r"\[remainder\] Complex type not supported"),
    ("finfo-int", ["finfo"], lambda: mx.finfo(mx.int32), ValueError, r"\[finfo\] dtype int32 is not inexact"),
    ("iinfo-float", ["iinfo"], lambda: mx.iinfo(mx.float32), ValueError,
     r"\[iinfo\] Only integer types supported but float32 was provided"),
    ("dtype-string", ["zeros"], lambda: mx.zeros((2,), dtype="float32"), TypeError, r"zeros\(\)"),
    ("dtype-numpy", ["zeros"], lambda: mx.zeros((2,), dtype=np.float32), TypeError, r"zeros\(\)"),
    ("astype-string", ["array"], lambda: mx.array([1.0]).astype("float32"), TypeError, r"astype\(\)"),
    # scalars
    ("scalar-overflow-int8", ["zeros"], lambda: Z(2, dtype=mx.int8) + 300, ValueError,
     r"^Converting 300 to int8 would result in overflow\.$"),
    ("scalar-overflow-int32", ["zeros"], lambda: Z(2, dtype=mx.int32) + 2**40, ValueError,
     r"Converting 1099511627776 to int32 would result in overflow"),
    ("scalar-overflow-uint8", ["zeros"], lambda: Z(2, dtype=mx.uint8) - (-1), ValueError,
     r"Converting -1 to uint8 would result in overflow"),
    ("scalar-overflow-full", ["full"], lambda: mx.full((2,), 300, mx.int8), ValueError,
     r"Converting 300 to int8 would result in overflow"),
    # construction
    ("ragged", ["array"], lambda: mx.array([[1, 2], [3]]), ValueError,
     r"Initialization encountered non-uniform length"),
    ("ragged-deep", ["array"], lambda: mx.array([[[1], [2]], [[3]]]), ValueError,
     r"Initialization encountered non-uniform length"),
    ("ragged-extra-dim", ["array"], lambda: mx.array([1, [2]]), ValueError,
     r"Initialization encountered extra dimension"),
    ("bad-element", ["array"], lambda: mx.array([1, None]), ValueError,
     r"Invalid type NoneType received in array initialization"),
    ("bad-string", ["array"], lambda: mx.array("abc"), ValueError, r"Invalid type str received in array initialization"),
    ("none", ["array"], lambda: mx.array(None), TypeError, r"__init__\(\)"),
    ("op-on-string", ["exp"], lambda: mx.exp("a"), ValueError, r"Invalid type str received in array initialization"),
    ("op-on-list", ["exp"], lambda: mx.exp([1, 2]), ValueError, r"Invalid type list received in array initialization"),
    ("op-on-none", ["exp"], lambda: mx.exp(None), TypeError, r"exp\(\)"),
    ("add-list", ["array"], lambda: mx.array([1, 2]) + [1, 2], ValueError,
     r"Cannot perform addition on an mlx.core.array and list"),
    ("add-none", ["array"], lambda: mx.array([1, 2]) + None, TypeError, r"__add__\(\)"),
    ("big-int", ["array"], lambda: mx.array(2**64), (RuntimeError, TypeError, ValueError, OverflowError), r""),
    # conversions
    ("item-size", ["zeros"], lambda: Z(2, 3).item(), ValueError,
     r"^\[convert\] Only length-1 arrays can be converted to Python scalars\.$"),
    ("len-0d", ["array"], lambda: len(mx.array(1)), TypeError, r"len\(\) 0-dimensional array"),
    ("iter-0d", ["array"], lambda: iter(mx.array(1)), TypeError, r"iter\(\) 0-dimensional array"),
    ("index-float", ["array"], lambda: [1, 2][mx.array(1.0)], TypeError,
     r"Only 0-dimensional integer arrays can be converted to an index"),
    ("mT-1d", ["zeros"], lambda: Z(3).mT, ValueError,
     r"\[matrix_transpose\] Input array must have at least 2 dimensions"),
    ("format-non-scalar", ["zeros"], lambda: f"{Z(3):.2f}", TypeError,
     r"unsupported format string passed to mx.array.__format__"),
    ("result_type-empty", ["result_type"], lambda: mx.result_type(), ValueError,
     r"\[result_type\] At least one array or dtype is required"),
    ("isdtype-kind", ["isdtype"], lambda: mx.isdtype(mx.float32, "bogus"), ValueError,
     r"\[isdtype\] Unknown data type kind: 'bogus'"),
    ("clip-both-none", ["clip"], lambda: mx.clip(Z(2), None, None), ValueError,
     r"At most one of a_min and a_max may be None"),
    ("get_array_buffer_size-lazy", ["get_array_buffer_size"], lambda: mx.get_array_buffer_size(Z(2) + 1), ValueError,
     r"\[get_array_buffer_size\] Arrays must be evaluated before querying buffer size"),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_error(case):
    _, names, fn, exc, pattern = case
    need("zeros", *names)
    with pytest.raises(exc) as info:
        fn()
    if pattern:
        assert re.search(pattern, str(info.value)), f"{str(info.value)!r} does not match {pattern!r}"


# Out-of-range axes. MLX 0.32.4 raises IndexError; MLX HEAD raises ValueError.
AXIS_ERRORS = [
    ("sum", lambda: mx.sum(Z(2, 3), axis=2), r"Invalid axis 2 for array with 2 dimensions"),
    ("sum-neg", lambda: mx.sum(Z(2, 3), axis=-3), r"Invalid axis -3 for array with 2 dimensions"),
    ("argmin", lambda: mx.argmin(Z(2, 3), axis=2), r"Invalid axis 2 for array with 2 dimensions"),
    ("all", lambda: mx.all(Z(2, 3), axis=2), r"Invalid axis 2 for array with 2 dimensions"),
    ("softmax", lambda: mx.softmax(Z(2, 3), axis=2), r"Invalid axis 2 for array with 2 dimensions"),
    ("count_nonzero", lambda: mx.count_nonzero(Z(2, 3), axis=2), r"Invalid axis 2 for array with 2 dimensions"),
    ("var", lambda: mx.var(Z(2, 3), axis=2), r"axis 2 is out of bounds for array with 2 dimensions"),
    ("median", lambda: mx.median(Z(2, 3), axis=2), r"\[median\] axis 2 is out of bounds for array with 2 dimensions"),
    ("cumsum", lambda: mx.cumsum(Z(2, 3), 2), r"\[cumsum\] Axis 2 is out of bounds for array with 2 dimensions"),
    ("transpose", lambda: mx.transpose(Z(2, 3), (0, 2)), r"\[transpose\] Invalid axis \(2\) for array with 2 dimensions"),
    ("swapaxes", lambda: mx.swapaxes(Z(2, 3), 2, 0), r"\[swapaxes\] Invalid axis 2 for array with 2 dimensions"),
    ("moveaxis", lambda: mx.moveaxis(Z(2, 3), 0, 2), r"\[moveaxis\] Invalid axis 2 for array with 2 dimensions"),
    ("expand_dims", lambda: mx.expand_dims(Z(2, 3), 3), r"\[expand_dims\] Axis 3 is out of bounds for array with 3 dimensions"),
    ("squeeze", lambda: mx.squeeze(Z(2, 3), 2), r"\[squeeze\] Axis 2 is out of bounds for array with 2 dimensions"),
    ("flip", lambda: mx.flip(Z(2, 3), 2), r"\[flip\] Axis 2 is out of bounds for array with 2 dimensions"),
    ("stack", lambda: mx.stack([Z(2, 3)], 3), r"\[stack\] Axis 3 is out of bounds for array with 3 dimensions"),
    ("concatenate", lambda: mx.concatenate([Z(2, 3), Z(2, 3)], axis=2), r"\[concatenate\] Axis 2 is out of bounds"),
    ("split", lambda: mx.split(Z(2, 3), 2, 2), r"\[split\] Axis 2 is out of bounds for array with 2 dimensions"),
    ("unstack", lambda: mx.unstack(Z(2, 3), axis=2), r"\[unstack\] Axis 2 is out of bounds for array with 2 dimensions"),
    ("roll", lambda: mx.roll(Z(2, 3), 1, 2), r"\[roll\] Invalid axis 2 for array with 2 dimensions"),
    ("repeat", lambda: mx.repeat(Z(2, 3), 2, 2), r"\[repeat\] Axis 2 is out of bounds for array with 2 dimensions"),
    ("diagonal", lambda: mx.diagonal(Z(2, 3), 0, 0, 2), r"\[diagonal\] Invalid axis2 2 for array with 2 dimensions"),
    ("trace", lambda: mx.trace(Z(2, 3), 0, 0, 2), r"\[trace\] Invalid axis2 2 for array with 2 dimensions"),
    ("unflatten", lambda: mx.unflatten(Z(2, 3), 2, (1, 3)), r"\[unflatten\] Invalid axes 2 for array with 2 dimensions"),
]


@pytest.mark.parametrize("case", AXIS_ERRORS, ids=[c[0] for c in AXIS_ERRORS])
def test_axis_error(case):
    name, fn, pattern = case
    need("zeros", name.split("-")[0])
    with pytest.raises(AXIS_ERR) as info:
        fn()
    assert re.search(pattern, str(info.value)), f"{str(info.value)!r} does not match {pattern!r}"


@pytest.mark.lumex_only
@pytest.mark.parametrize("case", AXIS_ERRORS, ids=[c[0] for c in AXIS_ERRORS])
def test_axis_error_is_value_and_index_error(case):
    name, fn, _ = case
    need("zeros", name.split("-")[0])
    with pytest.raises(ValueError) as info:
        fn()
    assert isinstance(info.value, IndexError)


# ---------------------------------------------------------------------------
# indexing: MLX does no bounds checking (wrong values, even a segfault for
# negative indices); lumex raises IndexError.


@pytest.mark.lumex_only
@pytest.mark.parametrize("index", [3, 5, -4, -100])
def test_out_of_range_integer_index(index):
    need("arange", "array.__getitem__")
    a = mx.arange(3)
    with pytest.raises(IndexError):
        a[index]
    with pytest.raises(IndexError):
        mx.zeros((2, 3))[0, index]


@pytest.mark.lumex_only
def test_out_of_range_array_index():
    need("arange", "array", "array.__getitem__")
    a = mx.arange(3)
    with pytest.raises(IndexError):
        mx.eval(a[mx.array([0, 5])])
    with pytest.raises(IndexError):
        mx.eval(a[[1, -7]])


def test_bad_index_types():
    need("arange", "array", "array.__getitem__")
    a = mx.arange(3)
    with pytest.raises(ValueError, match="Cannot index mlx array using the given type"):
        a[1.5]
    with pytest.raises(ValueError, match="Too many indices for array with 1 dimensions"):
        a[0, 0]
    with pytest.raises(ValueError, match=r"An index can only have a single ellipsis"):
        a[..., ...]


def test_norm_order_of_the_wrong_type():
    # Found by the fuzzer: these raised RuntimeError(std::bad_cast).
    for ord_ in [1j, (), [[1], [2]]]:
        with pytest.raises(TypeError, match="ord must be None, a number or a string"):
            mx.linalg.norm(mx.ones((3, 3)), ord_)
