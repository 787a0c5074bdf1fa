"""Exercise checks for notebook 08_alternatives."""

from __future__ import annotations

from ._framework import Hint, as_array, exercise, matches
from ._nb05 import _number

NOTEBOOK = "08_alternatives"


@exercise("adaptive_avg_5_to_3", notebook=NOTEBOOK, solution=[1.5, 3.0, 4.5],
          prompt="Adaptive average pooling of [1, 2, 3, 4, 5] to 3 outputs "
                 "(bin i = [floor(i*n/out), ceil((i+1)*n/out)))?",
          wrong=[([1.5, 3.5], "three"), ([1.5, 2.5, 3.5], "last"), ([1, 2, 3], "window"),
                 ([2.0, 3.5, 5.0], "overlap")])
def check_adaptive_avg_5_to_3(answer):
    a = as_array(answer)
    if a.shape != (3,):
        raise Hint(f"adaptive pooling always gives the requested size: three outputs "
                   f"(yours has shape {a.shape}).")
    if matches(a, [1.5, 2.5, 3.5]):
        raise Hint("window ceil(5/3)=2 with stride floor(5/3)=1 (the SPP paper's formula) "
                   "never reaches the last value. Use the bins [0,2), [1,4), [3,5).")
    if matches(a, [1, 2, 3]):
        raise Hint("a fixed window of floor(5/3)=1 cell drops values; adaptive bins cover all.")
    if matches(a, [2.0, 3.5, 5.0]):
        raise Hint("bins may overlap, but they start at floor(i*n/out): 0, 1, 3.")
    if not matches(a, [1.5, 3.0, 4.5]):
        raise Hint("bins are [0,2), [1,4), [3,5): average [1,2], [2,3,4], [4,5].")
    return "bins [0,2), [1,4), [3,5) overlap by one cell and cover every value."


@exercise("strided_conv_params", notebook=NOTEBOOK, solution=3 * 3 * 32 * 32 + 32,
          prompt="You replace a 2x2 max pooling on a 32-channel map with a learnable 3x3 "
                 "convolution with stride 2 and 32 filters. How many parameters does that add?",
          wrong=[(0, "learn"), (3 * 3 * 32 * 32, "bias"), (2 * 2 * 32 * 32 + 32, "3x3")])
def check_strided_conv_params(answer):
    n = _number(answer)
    if n == 0:
        raise Hint("max pooling has none, but a strided convolution learns its kernel: "
                   "that is the point of it.")
    if n == 3 * 3 * 32 * 32:
        raise Hint("add one bias per filter (32).")
    if n in (2 * 2 * 32 * 32 + 32, 2 * 2 * 32 * 32):
        raise Hint("the convolution is 3x3, not the 2x2 of the pooling window.")
    if n != 9248:
        raise Hint("kh * kw * C_in * C_out + C_out.")
    return "9,248 parameters the network can now learn."
