"""Exercise checks for notebook 05_why_pooling_helps."""

from __future__ import annotations

import numbers

import numpy as np

from ._framework import Hint, as_array, exercise

NOTEBOOK = "05_why_pooling_helps"


def _number(answer, what="your answer"):
    if isinstance(answer, bool) or not isinstance(answer, (numbers.Real, np.number)):
        arr = as_array(answer, what)
        if arr.size != 1:
            raise Hint(f"{what} should be one number; got {arr.size} values.")
        return float(arr.ravel()[0])
    return float(answer)


@exercise("dense_params_after_pooling", notebook=NOTEBOOK, solution=32 * 32 * 32 * 128 + 128,
          prompt="A 64x64x32 feature map goes through 2x2 max pooling, then Flatten and "
                 "Dense(128). How many parameters does the Dense layer have?",
          wrong=[(64 * 64 * 32 * 128 + 128, "without pooling"),
                 (0, "pooling layer itself"),
                 (32 * 32 * 32 * 128, "bias"),
                 (64 * 32 * 32 * 128 + 128, "both height and width")])
def check_dense_params_after_pooling(answer):
    n = _number(answer)
    if n == 64 * 64 * 32 * 128 + 128:
        raise Hint("that is the Dense layer without pooling (64*64*32 inputs). After 2x2 "
                   "pooling the map is 32x32x32.")
    if n == 0:
        raise Hint("the pooling layer itself has no parameters, right - but the question asks "
                   "about the Dense layer after it: inputs x units + biases.")
    if n == 32 * 32 * 32 * 128:
        raise Hint("close: you counted the weights; add one bias per unit (128).")
    if n in (64 * 32 * 32 * 128 + 128, 64 * 32 * 32 * 128):
        raise Hint("2x2 pooling halves both height and width: 64x64 -> 32x32, a quarter of the "
                   "values.")
    if n != 4_194_432:
        raise Hint("flatten the pooled map (height x width x channels) and multiply by the 128 "
                   "units, then add 128 biases.")
    return "4,194,432 parameters, a quarter of the 16,777,344 without pooling."


@exercise("conv_macs_after_pooling", notebook=NOTEBOOK, solution=32 * 32 * 3 * 3 * 32 * 64,
          prompt="How many multiply-adds does a 3x3 convolution (32 -> 64 channels, 'same' "
                 "padding) need on the pooled 32x32x32 map?",
          wrong=[(64 * 64 * 3 * 3 * 32 * 64, "before pooling"),
                 (32 * 64 * 3 * 3 * 32 * 64, "area"),
                 (3 * 3 * 32 * 64 + 64, "parameters")])
def check_conv_macs_after_pooling(answer):
    n = _number(answer)
    if n == 64 * 64 * 3 * 3 * 32 * 64:
        raise Hint("that is the cost before pooling, on the 64x64 map.")
    if n == 32 * 64 * 3 * 3 * 32 * 64:
        raise Hint("the area shrinks by 4 (both axes halve), not by 2.")
    if n in (3 * 3 * 32 * 64 + 64, 3 * 3 * 32 * 64):
        raise Hint("those are the convolution's parameters, which do not depend on the map "
                   "size. Multiply-adds = output positions x kernel size x C_in x C_out.")
    if n != 18_874_368:
        raise Hint("count output positions (32*32) x weights per position (3*3*32*64).")
    return "18,874,368 multiply-adds, 4x fewer than on the 64x64 map; same 18,496 parameters."


@exercise("avg_pool_noise_std", notebook=NOTEBOOK, solution=0.5,
          prompt="Pure Gaussian noise with standard deviation 1 goes through 2x2 average "
                 "pooling. What is the standard deviation of the output?",
          wrong=[(0.25, "variance"), (1.0, "averaging"), (0.7, "max pooling")])
def check_avg_pool_noise_std(answer):
    s = _number(answer)
    if abs(s - 0.25) < 0.02:
        raise Hint("0.25 is the variance (1/4). The standard deviation is its square root.")
    if abs(s - 1.0) < 0.02:
        raise Hint("averaging 4 independent values does shrink the noise: their mean has "
                   "variance 1/4.")
    if abs(s - 0.70) < 0.03:
        raise Hint("about 0.70 is what max pooling leaves; average pooling does better.")
    if abs(s - 0.5) > 0.02:
        raise Hint("the mean of n independent values has variance sigma^2 / n; here n = 4.")
    return "sigma / 2 = 0.5: averaging k*k values divides the noise by k."
