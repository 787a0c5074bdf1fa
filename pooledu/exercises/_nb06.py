"""Exercise checks for notebook 06_what_pooling_costs."""

from __future__ import annotations

import numpy as np

from ._framework import Hint, as_array, exercise
from ._nb05 import _number

NOTEBOOK = "06_what_pooling_costs"


def _not_a_percentage(f, fraction):
    if f > 1 and abs(f - 100 * fraction) < 1e-6:
        raise Hint(f"{f:g} looks like a percentage; give the fraction, a number between 0 and "
                   f"1 ({f:g}% = {f / 100:g}).")


@exercise("zero_gradient_fraction", notebook=NOTEBOOK, solution=0.75,
          prompt="An 8x8 map with all-different values goes through 2x2 max pooling (stride "
                 "2). What fraction of the input cells gets a zero gradient?",
          wrong=[(0.25, "non-zero"), (0.0, "average"), (1.0, "differentiable"),
                 (75, "percentage")])
def check_zero_gradient_fraction(answer):
    f = _number(answer)
    _not_a_percentage(f, 0.75)
    if f == 0.25:
        raise Hint("0.25 is the fraction that gets a non-zero gradient (one cell per window).")
    if f == 0.0:
        raise Hint("that would be average pooling, which spreads the gradient over every cell.")
    if f == 1.0:
        raise Hint("max pooling is differentiable almost everywhere: the winner of each window "
                   "gets the whole gradient.")
    if abs(f - 0.75) > 1e-9:
        raise Hint("each 2x2 window passes its gradient to exactly one of its 4 cells.")
    return "3 of every 4 cells get zero: the gradient is sparse, not absent."


@exercise("values_kept_twice", notebook=NOTEBOOK, solution=1 / 16,
          prompt="Two 2x2 poolings with stride 2 in a row: what fraction of the values of a "
                 "64x64 map is left?",
          wrong=[(0.25, "twice"), (0.5, "both axes"), (0.125, "multiply")])
def check_values_kept_twice(answer):
    f = _number(answer)
    _not_a_percentage(f, 1 / 16)
    if abs(f - 0.25) < 1e-9:
        raise Hint("0.25 is what one pooling keeps; the question applies it twice.")
    if abs(f - 0.5) < 1e-9:
        raise Hint("a 2x2 window halves both axes, so one pooling keeps 1/4, not 1/2.")
    if abs(f - 0.125) < 1e-9:
        raise Hint("multiply the fractions: 1/4 * 1/4.")
    if abs(f - 1 / 16) > 1e-9:
        raise Hint("64x64 -> 32x32 -> 16x16.")
    return "1/16 = 0.0625: 256 of 4,096 values per channel."


@exercise("shifted_max_pool", notebook=NOTEBOOK, solution=[1.0, 1.0, 1.0, 1.0],
          prompt="1-D max pooling (window 2, stride 2) of [0, 0, 1, 1, 0, 0, 1, 1] gives "
                 "[0, 1, 0, 1]. What does it give for the signal shifted right by one, "
                 "[1, 0, 0, 1, 1, 0, 0, 1]?",
          wrong=[([0, 1, 0, 1], "unshifted"), ([1, 0, 1, 0], "regroup"),
                 ([1, 0, 1, 0, 1], "four")])
def check_shifted_max_pool(answer):
    a = as_array(answer)
    if a.shape != (4,):
        raise Hint(f"8 values in windows of 2 give four outputs; yours has shape {a.shape}.")
    if np.array_equal(a, [0, 1, 0, 1]):
        raise Hint("that is the output for the unshifted signal. Pool the shifted one.")
    if np.array_equal(a, [1, 0, 1, 0]):
        raise Hint("the output is not simply the old output moved: after a 1-pixel shift the "
                   "windows regroup the values. Take the max of (1,0), (0,1), (1,0), (0,1).")
    if not np.array_equal(a, [1, 1, 1, 1]):
        raise Hint("windows are (1,0), (0,1), (1,0), (0,1): take the max of each.")
    return "[1, 1, 1, 1]: a one-pixel shift changed the output completely (Zhang 2019)."
