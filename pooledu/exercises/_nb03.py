"""Exercises of notebook 03_more_pooling_functions: generalized-mean (GeM)
pooling, adaptive pooling bins, and stochastic pooling at test time.
"""

from __future__ import annotations

import numpy as np

from .._geometry import adaptive_bins
from ._framework import Hint, agree, as_array, exercise, require_callable, returned

NOTEBOOK = "03_more_pooling_functions"


# ------------------------------------------------------------------ GeM
def gem(x, p=3.0, eps=1e-6):
    """Generalized mean of all values of x (Radenovic et al. 2018)."""
    x = np.maximum(np.asarray(x, dtype=float), eps)   # clamp: x**p needs x > 0
    return np.mean(x ** p) ** (1.0 / p)


def _wrong_gem_no_root(x, p=3.0, eps=1e-6):
    return np.mean(np.maximum(np.asarray(x, dtype=float), eps) ** p)


def _wrong_gem_sum(x, p=3.0, eps=1e-6):
    return np.sum(np.maximum(np.asarray(x, dtype=float), eps) ** p) ** (1.0 / p)


def _wrong_gem_no_clamp(x, p=3.0, eps=1e-6):
    with np.errstate(invalid="ignore"):
        return np.mean(np.asarray(x, dtype=float) ** p) ** (1.0 / p)


def _wrong_gem_fixed_p(x, p=3.0, eps=1e-6):
    return np.mean(np.maximum(np.asarray(x, dtype=float), eps) ** 3) ** (1.0 / 3)


_GEM_CASES = [
    (np.array([[1.0, 2.0], [3.0, 4.0]]), {}),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), {"p": 1.0}),
    (np.array([[0.5, 2.0, 0.1], [1.5, 0.2, 3.0]]), {"p": 2.5}),
    (np.array([[-2.0, 1.0], [0.5, -0.5]]), {"p": 3.0}),
]


def _scalar(value, what):
    if isinstance(value, complex):
        raise Hint(f"for {what} your function returned a complex number, {value:.3g}: in "
                   f"plain Python a negative number to a fractional power is complex. Clamp "
                   f"x to at least eps first (np.maximum(x, eps)).")
    arr = as_array(returned(value, "your gem function"), "what your function returned")
    if arr.size != 1:
        raise Hint(f"for {what} your function should return one number (the GeM of all "
                   f"values); it returned an array of shape {arr.shape}.")
    return float(arr.ravel()[0])


@exercise(
    "gem",
    notebook=NOTEBOOK,
    prompt="Write gem(x, p=3.0, eps=1e-6): the generalized mean (GeM) of all values of x, "
           "(mean(max(x, eps) ** p)) ** (1 / p).",
    solution=gem,
    wrong=[
        (_wrong_gem_no_root, "root"),
        (_wrong_gem_sum, "mean"),
        (_wrong_gem_no_clamp, "clamp"),
        (_wrong_gem_fixed_p, "p argument"),
    ],
)
def check_gem(answer):
    f = require_callable(answer, "your gem function")
    for x, kwargs in _GEM_CASES:
        what = f"x={x.tolist()}" + (f", p={kwargs['p']}" if kwargs else "")
        with np.errstate(all="ignore"):
            got = _scalar(f(x.copy(), **kwargs), what)
        want = gem(x, **kwargs)
        if np.isclose(got, want):
            continue
        p = kwargs.get("p", 3.0)
        xc = np.maximum(x, 1e-6)
        if np.isclose(got, np.mean(xc ** p)):
            raise Hint(f"for {what} you returned mean(x ** p) = {got:.4g}: take the p-th "
                       f"root, ** (1 / p), so the result is back in x's units.")
        if np.isclose(got, np.sum(xc ** p) ** (1 / p)):
            raise Hint(f"for {what} you used the sum, not the mean: that is the Lp norm "
                       f"(PyTorch's LPPool), which grows with the window size. GeM uses the "
                       f"mean, so p=1 gives the average.")
        if np.isclose(got, gem(x, 3.0)):
            raise Hint(f"for {what} you returned the value for p=3: use the p argument.")
        if (x < 0).any():
            raise Hint(f"for {what}, which has negative values, you got {got:.4g}: clamp x "
                       f"to at least eps first (np.maximum(x, eps)); a negative number to a "
                       f"fractional power is NaN, and to an odd power it pulls the mean "
                       f"down.")
        raise Hint(f"for {what} the GeM is {want:.4g}; you returned {got:.4g}.")
    return "p=1 gives the average, and GeM approaches the max as p grows."


# ------------------------------------------------------------------ adaptive bins
_N, _OUT = 7, 4


def _bins(starts, stops):
    return [(int(a), int(b)) for a, b in zip(starts, stops)]


_ADAPTIVE = _bins(*adaptive_bins(_N, _OUT))                          # [(0,2),(1,4),(3,6),(5,7)]
_HE_WINDOW, _HE_STRIDE = -(-_N // _OUT), _N // _OUT                  # ceil 2, floor 1
_HE = [(i, i + _HE_WINDOW) for i in range(0, _N - _HE_WINDOW + 1, _HE_STRIDE)]  # 6 bins
_FLOOR_ONLY = [((i * _N) // _OUT, ((i + 1) * _N) // _OUT) for i in range(_OUT)]
_INCLUSIVE = [(a, b - 1) for a, b in _ADAPTIVE]


@exercise(
    "adaptive_bins",
    notebook=NOTEBOOK,
    prompt="Adaptive pooling of a row of 7 cells to 4 outputs: list the 4 bins as "
           "(start, stop) pairs, stop exclusive.",
    solution=_ADAPTIVE,
    wrong=[
        (_HE, "He et al."),
        (_FLOOR_ONLY, "ceil"),
        (_INCLUSIVE, "exclusive"),
    ],
)
def check_adaptive_bins(answer):
    arr = as_array(answer, "your bins")
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise Hint("give a list of (start, stop) pairs, e.g. [(0, 2), ...].")
    if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
        raise Hint("bins are made of whole cells, so starts and stops are whole numbers: "
                   "i * 7 / 4 is not, so round the start DOWN (floor) and the stop UP "
                   "(ceil) - a bin takes every cell it touches.")
    bins = [(int(a), int(b)) for a, b in arr]
    if bins == _HE:
        raise Hint(f"that is a fixed window of ceil(7/4) = {_HE_WINDOW} with stride "
                   f"floor(7/4) = {_HE_STRIDE}, the formula of He et al. (2014): it gives "
                   f"{len(_HE)} bins, not 4. Adaptive bins are computed per output cell.")
    if len(bins) != _OUT:
        raise Hint(f"4 outputs need 4 bins; you gave {len(bins)}.")
    if bins == _FLOOR_ONLY:
        raise Hint("you rounded both ends down: bin i is [floor(i*n/out), "
                   "ceil((i+1)*n/out)) - the stop rounds up, so bins can overlap by a cell.")
    if bins == _INCLUSIVE:
        raise Hint("your stops look inclusive; give them exclusive, as Python slices "
                   "x[start:stop] use them.")
    if bins != _ADAPTIVE:
        raise Hint("bin i is [floor(i * 7 / 4), ceil((i + 1) * 7 / 4)).")
    return "bins [floor(i*n/out), ceil((i+1)*n/out)): sizes 2 or 3, neighbours may overlap."


# ------------------------------------------------------------------ stochastic pooling at test time
_WINDOW = np.array([1.0, 2.0, 3.0, 4.0])


@exercise(
    "stochastic_test_output",
    notebook=NOTEBOOK,
    prompt="Stochastic pooling (Zeiler & Fergus 2013) at TEST time, on the window "
           "[1, 2, 3, 4]: what does it output? (one number)",
    solution=3.0,
    wrong=[
        (2.5, "plain average"),
        (4.0, "largest"),
        (10.0, "sum"),
        ([0.1, 0.2, 0.3, 0.4], "one number"),
    ],
)
def check_stochastic_test_output(answer):
    arr = as_array(answer)
    if arr.size != 1:
        raise Hint("give one number: the output for this window. (Those look like the "
                   "probabilities p_i = a_i / sum(a); now weight each value by its p_i.)")
    value = float(arr.ravel()[0])
    p = _WINDOW / _WINDOW.sum()
    if agree(value, _WINDOW.mean()):
        raise Hint("2.5 is the plain average; at test time stochastic pooling weights each "
                   "value by its probability p_i = a_i / sum(a): sum(p_i * a_i).")
    if agree(value, _WINDOW.max()):
        raise Hint("4 is the largest value: during training the sampled cell can be 4 (with "
                   "probability 0.4), but at test time the output is the expectation "
                   "sum(p_i * a_i).")
    if agree(value, _WINDOW.sum()):
        raise Hint("10 is the sum; the output is sum(p_i * a_i) with p_i = a_i / 10.")
    if not agree(value, float(p @ _WINDOW)):
        raise Hint("compute p_i = a_i / sum(a) for each value, then sum(p_i * a_i).")
    return "(1 + 4 + 9 + 16) / 10 = 3.0: between the average (2.5) and the max (4)."
