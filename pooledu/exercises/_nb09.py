"""Exercise checks for notebook 09_summary_and_quiz: the self-checking quiz."""

from __future__ import annotations

import numpy as np

from ._framework import Hint, agree, as_array, exercise, matches
from ._nb05 import _number

NOTEBOOK = "09_summary_and_quiz"


@exercise("quiz_pooling_layer_params", notebook=NOTEBOOK, solution=0,
          prompt="How many trainable parameters does a MaxPooling2D(pool_size=2) layer have?",
          wrong=[(4, "window"), (1, "no weights")])
def check_quiz_pooling_layer_params(answer):
    n = _number(answer)
    if n == 4:
        raise Hint("the 2x2 window holds no weights: it only takes a maximum.")
    if n != 0:
        raise Hint("a MaxPooling2D layer has no weights at all (0); it only shrinks the "
                   "input of the layers after it, which saves parameters in a following "
                   "Dense layer.")
    return "0: pooling layers have no parameters (notebook 05)."


@exercise("quiz_article_average", notebook=NOTEBOOK, solution=[[3.75, 5.25], [11.5, 13.5]],
          prompt="2x2 average pooling of the article's 4x4 matrix "
                 "[[1,3,2,4],[5,6,7,8],[9,10,11,12],[13,14,15,16]]?",
          wrong=[([[3.5, 5.5], [11.5, 13.5]], "article"), ([[6, 8], [14, 16]], "max"),
                 ([[1, 2], [9, 11]], "min")])
def check_quiz_article_average(answer):
    a = as_array(answer)
    if a.shape != (2, 2):
        raise Hint(f"the output is 2x2; yours has shape {a.shape}.")
    if matches(a, [[3.5, 5.5], [11.5, 13.5]]):
        raise Hint("that is the article's printed output, and it is wrong: "
                   "(1+3+5+6)/4 = 3.75.")
    if matches(a, [[6, 8], [14, 16]]):
        raise Hint("that is max pooling; average each window instead.")
    if matches(a, [[1, 2], [9, 11]]):
        raise Hint("that is min pooling; average each window instead.")
    if not matches(a, [[3.75, 5.25], [11.5, 13.5]]) and np.allclose(
            a, [[3.75, 5.25], [11.5, 13.5]], atol=0.05):
        raise Hint("nearly: 3.75 and 5.25 are exact quarter values; give them unrounded.")
    if not matches(a, [[3.75, 5.25], [11.5, 13.5]]):
        raise Hint("average the four values of each 2x2 window, e.g. (1+3+5+6)/4.")
    return "[[3.75, 5.25], [11.5, 13.5]]."


@exercise("quiz_global_average", notebook=NOTEBOOK, solution=8.5,
          prompt="Global average pooling of the article's 4x4 matrix?",
          wrong=[(7.5, "article"), (16, "global max"), (8.0, "128"), (136, "divides")])
def check_quiz_global_average(answer):
    v = _number(answer)
    if agree(v, 7.5):
        raise Hint("7.5 is the article's printed output; add the 16 values again.")
    if agree(v, 16):
        raise Hint("16 is the global max.")
    if agree(v, 8.0):
        raise Hint("close, but 8 * 16 = 128, not the sum. The matrix holds each of 1..16 "
                   "once (in another order), so the sum is 1 + 2 + ... + 16 = 136, and the "
                   "average is 136 / 16.")
    if agree(v, 136):
        raise Hint("136 is the sum of the 16 values; the average divides it by 16.")
    if not agree(v, 8.5):
        raise Hint("sum the 16 values and divide by 16.")
    return "136 / 16 = 8.5."


@exercise("quiz_max_pool_differentiable", notebook=NOTEBOOK, solution=False,
          prompt="True or False: max pooling is non-differentiable, so no gradient flows "
                 "through it.",
          wrong=[(True, "almost everywhere"), ("yes", "True or False")])
def check_quiz_max_pool_differentiable(answer):
    if not isinstance(answer, (bool, np.bool_)):
        raise Hint("answer True or False (without quotes).")
    if answer:
        raise Hint("max pooling is differentiable almost everywhere: the gradient flows to "
                   "the winning cell of each window (notebooks 04 and 06).")
    return "it is piecewise linear; the gradient is sparse, not absent."
