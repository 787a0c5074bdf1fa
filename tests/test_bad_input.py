"""Bad arguments raise ValueError / TypeError naming the parameter, the value and
what is allowed - the same error from both backends (they share pooledu._validation)."""

from __future__ import annotations

import numpy as np
import pytest

import pooledu.reference as R

X = np.arange(16.0).reshape(4, 4)
X4 = np.zeros((2, 6, 6, 3))

# (id, call(backend), exception type, text the message must contain)
CASES = [
    ("rank too low", lambda B: B.pool2d(np.zeros(4)), ValueError, "x must have 2 to 4 dimensions"),
    ("rank too high", lambda B: B.pool2d(np.zeros((1, 2, 2, 2, 1))), ValueError, "(1, 2, 2, 2, 1)"),
    ("scalar", lambda B: B.max_pool2d(3.0), ValueError, "got shape ()"),
    ("1d rank", lambda B: B.pool1d(np.zeros((1, 2, 3, 4))), ValueError, "(W,), (W, C) or (N, W, C)"),
    ("3d rank", lambda B: B.pool3d(np.zeros((4, 4))), ValueError, "3 to 5 dimensions"),
    ("empty axis", lambda B: B.pool2d(np.zeros((0, 4))), ValueError, "empty axis: shape (0, 4)"),
    ("bool dtype", lambda B: B.pool2d(np.ones((2, 2), bool)), TypeError, "got dtype bool"),
    ("complex dtype", lambda B: B.pool2d(np.ones((2, 2), complex)), TypeError, "complex128"),
    ("string dtype", lambda B: B.pool2d([["a", "b"], ["c", "d"]]), TypeError, "<U1"),
    ("ragged list", lambda B: B.pool2d([[1, 2], [3]]), ValueError, "regular shape"),
    ("pool_size zero", lambda B: B.pool2d(X, pool_size=0), ValueError, "pool_size must be a positive integer (>= 1); got 0"),
    ("pool_size negative", lambda B: B.max_pool2d(X, (2, -1)), ValueError, "got -1"),
    ("pool_size float", lambda B: B.pool2d(X, pool_size=2.5), TypeError, "pool_size must be a positive integer"),
    ("pool_size bool", lambda B: B.pool2d(X, pool_size=True), TypeError, "True of type bool"),
    ("pool_size wrong length", lambda B: B.pool2d(X, pool_size=(2, 2, 2)), ValueError, "tuple of 2 positive integers; got (2, 2, 2)"),
    ("pool_size string", lambda B: B.pool2d(X, pool_size="2"), TypeError, "pool_size"),
    ("strides zero", lambda B: B.pool2d(X, strides=0), ValueError, "strides must be a positive integer (>= 1); got 0"),
    ("strides wrong length", lambda B: B.pool1d(np.zeros(5), strides=(1, 1)), ValueError, "strides must be a positive integer or a tuple of 1"),
    ("strides float", lambda B: B.pool2d(X, strides=(1, 1.5)), TypeError, "strides must be a positive integer; got 1.5"),
    ("window larger than input", lambda B: B.max_pool2d(X, 5), ValueError, "pool_size (5, 5) is larger than x's spatial size (4, 4)"),
    ("window larger on one axis", lambda B: B.pool2d(X4, "avg", (2, 7)), ValueError, "along W"),
    ("unknown padding", lambda B: B.pool2d(X, padding="full"), ValueError, "padding must be 'valid' or 'same' (any case); got 'full'"),
    ("padding float", lambda B: B.pool2d(X, padding=1.5), TypeError, "padding must be 'valid', 'same', an int >= 0 or a tuple of 2 ints >= 0 (one per spatial axis); got 1.5"),
    ("padding bool", lambda B: B.pool2d(X, padding=True), TypeError, "got True of type bool"),
    ("padding negative", lambda B: B.pool2d(X, padding=-1), ValueError, "padding must be >= 0; got -1"),
    ("padding over half the window", lambda B: B.pool2d(X, padding=2), ValueError, "PyTorch allows padding <= pool_size // 2 = 1 (pool_size 2)"),
    ("padding tuple length", lambda B: B.pool2d(X, padding=(1, 1, 1)), ValueError, "a tuple of 2 ints >= 0 (one per spatial axis); got (1, 1, 1)"),
    ("padding window too big", lambda B: B.pool2d(X, pool_size=5, padding=0), ValueError, "no window fits"),
    ("dilation zero", lambda B: B.pool2d(X, dilation=0), ValueError, "dilation must be a positive integer (>= 1); got 0"),
    ("dilation float", lambda B: B.pool2d(X, dilation=1.5), TypeError, "dilation must be a positive integer"),
    ("dilation with same", lambda B: B.pool2d(X, padding="same", dilation=2), ValueError, "dilation=2 is not defined with padding='same'"),
    ("dilated window too big", lambda B: B.pool1d(np.zeros(5), pool_size=3, dilation=3), ValueError, "the dilated window (7 cells) is larger than the input (5)"),
    ("average of padding only", lambda B: B.pool1d(np.zeros(2), "avg", pool_size=2, strides=1, padding=1, dilation=3), ValueError, "some window holds padding only, so it has no cell to average"),
    ("ceil_mode with a string", lambda B: B.pool2d(X, ceil_mode=True), ValueError, "ceil_mode=True needs an explicit int padding (PyTorch's convention); got padding='valid'"),
    ("ceil_mode not a bool", lambda B: B.pool2d(X, padding=0, ceil_mode=1), TypeError, "ceil_mode must be True or False"),
    ("count_include_pad with max", lambda B: B.pool2d(X, padding=1, count_include_pad=True), ValueError, "count_include_pad=True is for mode='avg' only; got mode='max'"),
    ("count_include_pad with same", lambda B: B.pool2d(X, "avg", padding="same", count_include_pad=True), ValueError, "count_include_pad=True needs an explicit int padding"),
    ("count_include_pad not a bool", lambda B: B.avg_pool2d(X, padding=1, count_include_pad=None), TypeError, "count_include_pad must be True or False"),
    ("divisor_override zero", lambda B: B.avg_pool2d(X, divisor_override=0), ValueError, "divisor_override must be None or a positive integer; got 0"),
    ("divisor_override float", lambda B: B.avg_pool2d(X, divisor_override=2.5), TypeError, "divisor_override must be None or a positive integer"),
    ("divisor_override with max", lambda B: B.pool2d(X, divisor_override=3), ValueError, "divisor_override is for mode='avg' only"),
    ("unknown mode", lambda B: B.pool2d(X, "median"), ValueError, "mode must be one of ('max', 'avg', 'min', 'sum', 'lp'); got 'median'"),
    ("mode not a string", lambda B: B.pool2d(X, None), TypeError, "mode must be a string"),
    ("lp p zero", lambda B: B.pool2d(X, "lp", p=0), ValueError, "p must be a finite number > 0"),
    ("lp p negative", lambda B: B.pool2d(X, "lp", p=-2), ValueError, "got p=-2"),
    ("lp p inf", lambda B: B.pool2d(X, "lp", p=float("inf")), ValueError, "p=inf"),
    ("lp p string", lambda B: B.pool2d(X, "lp", p="2"), TypeError, "p must be a positive real number"),
    ("global unknown mode", lambda B: B.global_pool2d(X, "lp"), ValueError, "mode must be one of ('max', 'avg', 'min', 'sum'); got 'lp'"),
    ("global keepdims", lambda B: B.global_pool2d(X, keepdims="yes"), TypeError, "keepdims must be True or False"),
    ("argmax flag", lambda B: B.max_pool2d_with_argmax(X4, include_batch_in_index=1), TypeError, "include_batch_in_index must be True or False"),
    ("argmax window too big", lambda B: B.max_pool2d_with_argmax(X4, 7), ValueError, "larger than x's spatial size (6, 6)"),
    ("grad dy shape", lambda B: B.pool2d_grad(X, np.ones((3, 3))), ValueError, "dy must have the shape of pool2d(x) for x of shape (4, 4), (2, 2); got shape (3, 3)"),
    ("grad dy rank", lambda B: B.pool2d_grad(X4, np.ones((3, 3, 3))), ValueError, "dy must have the shape"),
    ("grad integer x", lambda B: B.pool2d_grad(X.astype(int), np.ones((2, 2))), TypeError, "x must be floating point to take a gradient"),
    ("grad lp mode", lambda B: B.pool2d_grad(X, np.ones((2, 2)), "lp"), ValueError, "got 'lp'"),
    ("adaptive size zero", lambda B: B.adaptive_pool2d(X, 0), ValueError, "output_size must be a positive integer (>= 1); got 0"),
    ("adaptive size length", lambda B: B.adaptive_pool2d(X, (2, 2, 2)), ValueError, "output_size must be a positive integer or a tuple of 2"),
    ("adaptive mode", lambda B: B.adaptive_pool2d(X, 2, "min"), ValueError, "mode must be one of ('max', 'avg'); got 'min'"),
    ("fractional ratio below 1", lambda B: B.fractional_pool2d(X4, 0.5), ValueError, "pooling_ratio values must be finite and >= 1"),
    ("fractional ratio length", lambda B: B.fractional_pool2d(X4, (1.5, 1.5, 1.5)), ValueError, "pooling_ratio must have 2 values"),
    ("fractional batch ratio", lambda B: B.fractional_pool2d(X4, [2.0, 1.5, 1.5, 1.0]), ValueError, "batch and channel ratios (first and last) must be 1.0"),
    ("fractional ratio type", lambda B: B.fractional_pool2d(X4, "1.5"), TypeError, "pooling_ratio must be a number >= 1"),
    ("fractional ratio too big", lambda B: B.fractional_pool2d(X, (5.0, 1.5)), ValueError, "pooling_ratio 5.0 is larger than the input's H size (4)"),
    ("fractional mode", lambda B: B.fractional_pool2d(X4, 1.5, "min"), ValueError, "mode must be one of ('max', 'avg')"),
    ("fractional seed", lambda B: B.fractional_pool2d(X4, 1.5, seed=-1), ValueError, "seed must be None or a non-negative integer; got -1"),
    ("fractional flag", lambda B: B.fractional_pool2d(X4, 1.5, overlapping="no"), TypeError, "overlapping must be True or False"),
]

# sequences only the reference accepts (pooledu.tf refuses them outright)
REFERENCE_ONLY = [
    ("seq wrong start", lambda B: B.fractional_pool2d(X4, 1.5, row_seq=[1, 2, 3, 5, 6], col_seq=[0, 2, 3, 5, 6]), ValueError, "row_seq must start at 0 and end at the axis length 6"),
    ("seq wrong end", lambda B: B.fractional_pool2d(X4, 1.5, row_seq=[0, 2, 3, 5, 6], col_seq=[0, 1, 3, 4, 5]), ValueError, "col_seq must start at 0 and end at the axis length 6; got [0, 1, 3, 4, 5]"),
    ("seq wrong length", lambda B: B.fractional_pool2d(X4, 1.5, row_seq=[0, 3, 6]), ValueError, "row_seq must have output size + 1 = 5 entries"),
    ("seq bad step", lambda B: B.fractional_pool2d(X4, 1.5, row_seq=[0, 1, 1, 3, 6]), ValueError, "row_seq steps must all be 1 or 2"),
    ("seq not integers", lambda B: B.fractional_pool2d(X4, 1.5, row_seq=[0, 1.5, 3, 4.5, 6]), TypeError, "row_seq must be a sequence of integers"),
]


def _backend(name):
    if name == "reference":
        return R
    pytest.importorskip("tensorflow")
    import pooledu.tf

    return pooledu.tf


BACKENDS = ["reference", pytest.param("tf", marks=pytest.mark.tf)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_a_clear_message(backend, case):
    _, call, exc, text = case
    with pytest.raises(exc) as info:
        call(_backend(backend))
    assert text in str(info.value), f"message {str(info.value)!r} lacks {text!r}"


@pytest.mark.parametrize("case", REFERENCE_ONLY, ids=[c[0] for c in REFERENCE_ONLY])
def test_bad_pooling_sequences(case):
    _, call, exc, text = case
    with pytest.raises(exc) as info:
        call(R)
    assert text in str(info.value), f"message {str(info.value)!r} lacks {text!r}"


@pytest.mark.tf
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_both_backends_raise_the_same_error(case):
    ptf = _backend("tf")
    _, call, exc, _ = case
    messages = []
    for backend in (R, ptf):
        with pytest.raises(exc) as info:
            call(backend)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.tf
def test_tf_tensors_are_checked_like_arrays(tf):
    import pooledu.tf as ptf

    with pytest.raises(TypeError, match="got dtype bool"):
        ptf.pool2d(tf.ones((2, 2), tf.bool))
    with pytest.raises(ValueError, match="empty axis"):
        ptf.pool2d(tf.zeros((0, 3)))
    with pytest.raises(ValueError, match="larger than x's spatial size"):
        ptf.max_pool2d(tf.zeros((1, 3, 3, 1)), 4)


@pytest.mark.tf
def test_tf_fractional_refuses_sequences_and_seed_zero():
    ptf = _backend("tf")
    with pytest.raises(ValueError, match="row_seq/col_seq are not supported by pooledu.tf"):
        ptf.fractional_pool2d(X4, 1.5, row_seq=[0, 2, 3, 5, 6])
    with pytest.raises(ValueError, match="seed=0 means 'non-deterministic' to TensorFlow"):
        ptf.fractional_pool2d(X4, 1.5, seed=0)
