"""Exercises of notebook 02_types_of_pooling: the article's numbers recomputed,
a min pooling that survives integer overflow and padding, and a fractional
pooling sequence.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import textwrap

import numpy as np

from .. import reference as ref
from .._geometry import padding_amounts
from ..data import article_matrix
from ._framework import (
    Hint,
    agree,
    as_array,
    called_names,
    close,
    exercise,
    expect_shape,
    matches,
    require_callable,
    returned_array,
    wrong_cells,
)

NOTEBOOK = "02_types_of_pooling"

_X = article_matrix(np.float64)
_AVG = ref.avg_pool2d(_X)                                   # [[3.75, 5.25], [11.5, 13.5]]
_ARTICLE_AVG = np.array([[3.5, 5.5], [11.5, 13.5]])         # what the article prints
_AVG_STRIDE_1 = ref.avg_pool2d(_X, 2, 1)


# ------------------------------------------------------------------ average pooling
@exercise(
    "article_average",
    notebook=NOTEBOOK,
    prompt="Average-pool the running example with 2x2 windows (stride 2): a 2x2 list.",
    solution=[[3.75, 5.25], [11.5, 13.5]],
    wrong=[
        (_ARTICLE_AVG.tolist(), "article"),
        (ref.max_pool2d(_X).tolist(), "largest"),
        (_AVG_STRIDE_1.tolist(), "stride"),
        ([[3, 5], [11, 13]], "fraction"),
    ],
)
def check_article_average(answer):
    arr = as_array(answer)
    if arr.shape == (3, 3) and matches(arr, _AVG_STRIDE_1):
        raise Hint("you moved the window one cell at a time (stride 1); AveragePooling2D's "
                   "strides default to the pool size, so there are four windows.")
    expect_shape(arr, (2, 2), "the pooled matrix")
    if matches(arr, _ARTICLE_AVG):
        raise Hint("those are the article's numbers, and two of them are wrong: the top-left "
                   "window holds 1, 3, 5, 6, whose mean is 15 / 4.")
    if matches(arr, ref.max_pool2d(_X)):
        raise Hint("those are the largest values of the windows; average pooling takes "
                   "their mean.")
    if matches(arr, np.floor(_AVG)):
        raise Hint("you rounded down (integer division?): the mean of 1, 3, 5, 6 is a "
                   "fraction, 3.75.")
    if not matches(arr, _AVG) and np.allclose(arr, _AVG, atol=0.05):
        raise Hint("nearly: 3.75 and 5.25 are exact quarter values; give them unrounded.")
    if not matches(arr, _AVG):
        raise Hint(f"look again at output cell(s) {wrong_cells(arr, _AVG)}: each is the "
                   f"sum of its 2x2 block divided by 4.")
    return "[[3.75, 5.25], [11.5, 13.5]]; the article's 3.5 and 5.5 are wrong."


# ------------------------------------------------------------------ global average, Keras' shape
@exercise(
    "global_average_keras",
    notebook=NOTEBOOK,
    prompt="What does keras.layers.GlobalAveragePooling2D() return for the running example "
           "of shape (1, 4, 4, 1)? Give a NumPy array with the right value AND shape.",
    solution=[[8.5]],
    wrong=[
        (np.array([7.5]), "article"),
        (8.5, "shape (1, 1)"),
        (np.array([8.5]), "shape (1, 1)"),
        (np.full((1, 1, 1, 1), 8.5), "keepdims"),
        (np.array([[16.0]]), "largest"),
    ],
)
def check_global_average_keras(answer):
    arr = as_array(answer)
    if arr.size != 1:
        raise Hint(f"there is one sample with one channel, so the layer returns one number; "
                   f"your array holds {arr.size}.")
    value = float(arr.ravel()[0])
    if agree(value, 7.5):
        raise Hint("7.5 is the article's number, and it is wrong: the 16 values sum to 136, "
                   "and 136 / 16 = 8.5.")
    if agree(value, 16):
        raise Hint("16 is the largest value (GlobalMaxPooling2D); the average is the sum "
                   "divided by 16.")
    if not agree(value, 8.5):
        raise Hint("the value is the mean of all 16 cells of the map.")
    if arr.shape == (1, 1, 1, 1):
        raise Hint("shape (1, 1, 1, 1) is what keepdims=True gives; by default Keras drops "
                   "the two spatial axes and returns (batch, channels).")
    if arr.shape != (1, 1):
        raise Hint(f"the value is right, but Keras returns shape (1, 1) - (batch, channels) "
                   f"- so it prints [[8.5]]; yours has shape {arr.shape}.")
    return "[[8.5]], shape (batch, channels) = (1, 1) - not the article's [ 7.5]."


# ------------------------------------------------------------------ min pooling done right
def min_pool(x, pool_size=2, strides=None, padding="valid"):
    """min(x) = -max(-x), computed where -x cannot overflow."""
    x = np.asarray(x)
    if np.issubdtype(x.dtype, np.integer):
        # -(-128) does not fit in int8 (nor -x in any unsigned type): negate in int64
        wide = x.astype(np.int64)
        return (-ref.max_pool2d(-wide, pool_size, strides, padding)).astype(x.dtype)
    return -ref.max_pool2d(-x, pool_size, strides, padding)


def _wrong_min_naive_negation(x, pool_size=2, strides=None, padding="valid"):
    x = np.asarray(x)
    return -ref.max_pool2d(-x, pool_size, strides, padding)


def _wrong_min_zero_padding(x, pool_size=2, strides=None, padding="valid"):
    x = np.asarray(x, dtype=float)
    if padding.lower() == "same":
        s = pool_size if strides is None else strides
        pads = [padding_amounts(n, pool_size, s, "same") for n in x.shape]
        x = np.pad(x, pads)            # zeros: they win the min for positive inputs
    return -ref.max_pool2d(-x, pool_size, strides, "valid")


def _wrong_min_stride_1(x, pool_size=2, strides=None, padding="valid"):
    x = np.asarray(x, dtype=float)
    return -ref.max_pool2d(-x, pool_size, 1 if strides is None else strides, padding)


def _min_cases():
    rng = np.random.default_rng(0)
    int8 = rng.integers(-100, 100, size=(4, 4)).astype(np.int8)
    int8[1, 0] = -128
    return [
        ("the running example", _X.copy(), {}),
        ("a positive 5x5 input with padding='same'",
         rng.integers(1, 10, size=(5, 5)).astype(float), {"padding": "same"}),
        ("a 5x6 input, pool_size=3, strides=1",
         rng.normal(size=(5, 6)).round(2), {"pool_size": 3, "strides": 1}),
        ("an int8 input holding -128", int8, {}),
    ]


@contextlib.contextmanager
def _watch_min_pooling(calls):
    """Record calls to pooledu.reference's min pooling made inside the block."""
    saved_min, saved_pool = ref.min_pool2d, ref.pool2d

    def min_spy(*args, **kwargs):
        calls.append("min_pool2d")
        return saved_min(*args, **kwargs)

    def pool_spy(*args, **kwargs):
        mode = kwargs.get("mode", args[1] if len(args) > 1 else "max")
        if str(mode).lower() == "min":
            calls.append("pool2d(x, 'min')")
        return saved_pool(*args, **kwargs)

    try:
        ref.min_pool2d, ref.pool2d = min_spy, pool_spy
        yield
    finally:
        ref.min_pool2d, ref.pool2d = saved_min, saved_pool


def _require_max_pooling(f, calls):
    """A Hint if f computed the minimum with pooledu's own min pooling."""
    if not calls:
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(f)))
        except (OSError, TypeError, SyntaxError, IndentationError):
            return
        calls = sorted(called_names(tree) & {"min_pool2d"})
    if calls:
        raise Hint(f"the values are right, but your function calls pooledu's {calls[0]} - "
                   f"the very function the check compares with. Build min pooling from "
                   f"ref.max_pool2d instead (min(x) = -max(-x)): that is where the two "
                   f"traps, int8 overflow and padding, are.")


@exercise(
    "min_pool",
    notebook=NOTEBOOK,
    prompt="Write min_pool(x, pool_size=2, strides=None, padding='valid') for 2-D arrays "
           "using max pooling (pooledu's ref.max_pool2d) - it must also work for int8 input "
           "and padding='same'.",
    solution=min_pool,
    wrong=[
        (_wrong_min_naive_negation, "overflow"),
        (_wrong_min_zero_padding, "padded cells"),
        (_wrong_min_stride_1, "strides=None means the pool size"),
    ],
)
def check_min_pool(answer):
    f = require_callable(answer, "your min_pool function")
    calls = []
    for what, x, kwargs in _min_cases():
        want = ref.min_pool2d(x, **kwargs)
        with _watch_min_pooling(calls):
            result = f(x.copy(), **kwargs)
        got = returned_array(result, want.shape, what)
        if got.shape != want.shape:
            if not kwargs.get("strides") and got.shape == ref.min_pool2d(x, 2, 1).shape:
                raise Hint(f"for {what} your output has shape {got.shape}, as if the stride "
                           f"were 1; strides=None means the pool size (expected {want.shape}).")
            raise Hint(f"for {what} the output should have shape {want.shape}; yours has "
                       f"{got.shape}.")
        if close(got, want):
            continue
        if x.dtype == np.int8 and close(got, _wrong_min_naive_negation(x, **kwargs)):
            r, c = np.argwhere(want == -128)[0]
            raise Hint(f"for an int8 input holding -128, the window that holds -128 gives "
                       f"{got[r, c]:g} instead of -128: -x overflows, because -(-128) = 128 "
                       f"does not fit in int8 and wraps round to -128, so that cell loses "
                       f"the max of -x. Negate in a wider type (int64) and convert back.")
        if kwargs.get("padding") == "same" and close(
                got, _wrong_min_zero_padding(x, **kwargs)):
            raise Hint(f"for {what} your border outputs are 0, but the input has no zeros: "
                       f"padded cells with value 0 won the minimum. Padded cells must never "
                       f"win (treat them as +inf for a min; -max(-x) with ref.max_pool2d's "
                       f"own padding does that).")
        raise Hint(f"for {what} your output differs from the true min pooling at "
                   f"{int((~np.isclose(got, want)).sum())} of {want.size} cells.")
    _require_max_pooling(f, calls)
    return ("right on floats, on padding='same' and on int8 with -128 (where the naive "
            "-max(-x) overflows).")


# ------------------------------------------------------------------ fractional pooling sequence
_N, _OUT = 10, 4


@exercise(
    "fractional_sequence",
    notebook=NOTEBOOK,
    prompt="Fractional max pooling shrinks 10 rows to 4 (ratio 2.5). Write down one valid "
           "row pooling sequence (the window boundaries, as TF returns them).",
    solution=[0, 2, 5, 7, 10],
    wrong=[
        ([0, 2.5, 5, 7.5, 10], "whole"),
        ([1, 3, 5, 8, 10], "start at 0"),
        ([0, 2, 4, 6, 8], "end at 10"),
        ([0, 2, 4, 6, 8, 10], "5 numbers"),
        ([0, 4, 6, 8, 10], "steps"),
    ],
)
def check_fractional_sequence(answer):
    arr = as_array(answer, "your sequence")
    if arr.ndim != 1:
        raise Hint("give a flat list of boundaries, like [0, a, b, c, 10].")
    if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
        raise Hint("boundaries must be whole numbers of cells: every window covers whole "
                   "rows. Here 4 windows share 10 rows, 10 / 4 = 2.5 rows each ON AVERAGE "
                   "(windows of 2 and 3 rows, mixed) - no window covers 2.5 cells.")
    seq = arr.astype(int)
    if seq.size != _OUT + 1:
        raise Hint(f"4 windows need 5 numbers (boundaries: the start of each window, then "
                   f"the end); you gave {seq.size}.")
    if seq[0] != 0:
        raise Hint("a pooling sequence must start at 0 (the first window starts at row 0).")
    if seq[-1] != _N:
        raise Hint(f"a pooling sequence must end at 10 (the number of rows), so that "
                   f"every row is pooled; yours ends at {seq[-1]}.")
    steps = np.diff(seq)
    k = _N // _OUT
    if not np.all((steps == k) | (steps == k + 1)):
        raise Hint(f"the steps between boundaries (your window sizes: {steps.tolist()}) "
                   f"must all be {k} or {k + 1} (k = floor(10 / 4) = {k}).")
    return (f"windows of {steps.tolist()} rows: sizes {k} and {k + 1}, averaging 2.5. "
            f"tf.nn.fractional_max_pool picks such a sequence at random.")
