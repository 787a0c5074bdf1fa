"""Exercises of notebook 04_pooling_inside_a_cnn: where max pooling sends the
gradient (sparse, accumulating over overlapping windows, first maximum on ties)
and how large a conv + pool stack's receptive field is.
"""

from __future__ import annotations

import numpy as np

from .. import reference as ref
from ..data import article_matrix
from ..receptive_field import receptive_field
from ._framework import Hint, as_array, exercise, expect_shape, matches

NOTEBOOK = "04_pooling_inside_a_cnn"

_X = article_matrix(np.float64)
_DY = np.array([[1.0, 2.0], [3.0, 4.0]])
_GRAD = ref.pool2d_grad(_X, _DY, "max")
_GRAD_AVG = ref.pool2d_grad(_X, _DY, "avg")
_GRAD_ONES = ref.pool2d_grad(_X, np.ones((2, 2)), "max")
_GRAD_TOP_LEFT = np.kron(_DY, np.array([[1.0, 0.0], [0.0, 0.0]]))


@exercise(
    "max_pool_gradient",
    notebook=NOTEBOOK,
    prompt="y = MaxPooling2D(2)(X) on the running example X, and the upstream gradient "
           "dL/dy = [[1, 2], [3, 4]]. What is dL/dX? (a 4x4 list)",
    solution=_GRAD.tolist(),
    wrong=[
        (_GRAD_AVG.tolist(), "average"),
        (_GRAD_ONES.tolist(), "upstream"),
        (_GRAD_TOP_LEFT.tolist(), "largest"),
        (np.zeros((4, 4)).tolist(), "non-differentiable"),
    ],
)
def check_max_pool_gradient(answer):
    arr = as_array(answer)
    expect_shape(arr, (4, 4), "dL/dX (the shape of X)")
    if matches(arr, np.zeros((4, 4))):
        raise Hint("all zeros would mean pooling blocks the gradient - the article's "
                   "'non-differentiable' claim. It does not: max pooling is piecewise "
                   "linear, and each window passes its gradient to its maximum.")
    if matches(arr, _GRAD_AVG):
        raise Hint("that spreads dy/4 over every cell of each window: that is AVERAGE "
                   "pooling's gradient. Max pooling sends all of a window's dy to the one "
                   "cell that won.")
    if matches(arr, _GRAD_ONES):
        raise Hint("the right cells, but each receives the upstream gradient of its window "
                   "(1, 2, 3 or 4), not 1: dL/dx = dL/dy * dy/dx, and dy/dx = 1 at the winner.")
    if matches(arr, _GRAD_TOP_LEFT):
        raise Hint("the gradient goes to the cell that held the window's largest value "
                   "(6, 8, 14, 16), not to the top-left cell of each window.")
    if not matches(arr, _GRAD):
        raise Hint("each window sends its dy to the position of its maximum and 0 to the "
                   "other three cells.")
    return "one non-zero per window, at 6, 8, 14 and 16: sparse, but far from zero."


_ROW = np.array([[1.0, 9.0, 2.0, 3.0]])
_OVERLAP = ref.pool2d_grad(_ROW, np.ones((1, 3)), "max", pool_size=(1, 2), strides=1)[0]


@exercise(
    "overlapping_gradient",
    notebook=NOTEBOOK,
    prompt="1-D max pooling with pool_size=2, strides=1 of x = [1, 9, 2, 3] gives "
           "y = [9, 9, 3]. With dL/dy = [1, 1, 1], what is dL/dx? (4 numbers)",
    solution=_OVERLAP.tolist(),
    wrong=[
        ([0, 1, 0, 1], "accumulate"),
        ([0.5, 1, 1, 0.5], "average"),
        ([0, 0, 0, 0], "non-differentiable"),
        ([0, 2, 0, 0], "third window"),
    ],
)
def check_overlapping_gradient(answer):
    arr = as_array(answer).ravel()
    if arr.size != 4:
        raise Hint("dL/dx has one number per input cell: 4 numbers.")
    if matches(arr, np.zeros(4)):
        raise Hint("all zeros would mean no gradient - the article's 'non-differentiable' "
                   "claim. Each window sends its dy to its maximum.")
    if matches(arr, [0, 1, 0, 1]):
        raise Hint("the 9 is the maximum of TWO windows ([1, 9] and [9, 2]), and each sends "
                   "it a gradient of 1: overlapping windows accumulate (add up).")
    if matches(arr, [0.5, 1, 1, 0.5]):
        raise Hint("that is average pooling's gradient (each window spreads 1/2 over its two "
                   "cells); max pooling sends all of it to the winner.")
    if matches(arr, [0, 2, 0, 0]):
        raise Hint("the third window [2, 3] has its own maximum, 3, which receives that "
                   "window's gradient.")
    if not matches(arr, _OVERLAP):
        raise Hint("windows: [1, 9] -> 9, [9, 2] -> 9, [2, 3] -> 3; each adds its dy = 1 to "
                   "its winner.")
    return "[0, 2, 0, 1]: the 9 wins two windows and collects both gradients."


_STACK = [(3, 1, "conv3"), (2, 2, "pool2"), (3, 1, "conv3"), (3, 1, "conv3"),
          (2, 2, "pool2"), (3, 1, "conv3")]
_RF = receptive_field(_STACK)                                       # 22
_NAIVE = 1 + sum(k - 1 for k, _, _ in _STACK)                       # 11: strides ignored
_SUM_K = sum(k for k, _, _ in _STACK)                               # 16
_CONV_ONLY = receptive_field([layer for layer in _STACK if layer[2] == "conv3"])  # 9


@exercise(
    "stack_receptive_field",
    notebook=NOTEBOOK,
    prompt="Receptive field (pixels per side) of one output cell of conv3 -> pool2 -> conv3 "
           "-> conv3 -> pool2 -> conv3 (convs stride 1, pools 2x2 stride 2, no dilation).",
    solution=_RF,
    wrong=[
        (_NAIVE, "stride"),
        (_SUM_K, "add up the kernel sizes"),
        (_CONV_ONLY, "pooling windows"),
    ],
)
def check_stack_receptive_field(answer):
    arr = as_array(answer)
    if arr.size != 1:
        raise Hint("give one number: the receptive field's side in input pixels.")
    value = float(arr.ravel()[0])
    if value == _CONV_ONLY:
        raise Hint("you counted the convolutions only; pooling windows widen the field too, "
                   "and their strides make later kernels reach further.")
    if value == _NAIVE:
        raise Hint("you added (k - 1) per layer as if every layer saw input pixels; after a "
                   "stride-2 pool, each step of a later kernel spans 2 input pixels (4 after "
                   "two pools): r += (k - 1) * jump, jump *= stride.")
    if value == _SUM_K:
        raise Hint("you seem to add up the kernel sizes; use r = 1, jump = 1, then for each "
                   "layer r += (k - 1) * jump and jump *= stride.")
    if value != _RF:
        raise Hint("walk the stack from the input: r = 1, jump = 1; each layer does "
                   "r += (k - 1) * jump, then jump *= stride.")
    return (f"{_RF} pixels: the last conv3 alone adds 2 * 4 = 8, because after two pools "
            f"one step of its kernel spans 4 input pixels.")
