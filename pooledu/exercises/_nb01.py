"""Exercises of notebook 01_what_is_pooling: the output-size formula, a loop
version of max pooling, and the shape of a pooled batch.

The checks compare a learner's code with :mod:`pooledu` (``output_size`` from
``pooledu._geometry``, ``max_pool2d`` from :mod:`pooledu.reference`) on inputs
chosen to expose the classic bugs: strides that default to 1 instead of the
pool size, a missing ``+ 1``, a dropped last window, a running maximum that
starts at 0 (wrong for negative inputs).
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import math
import textwrap

import numpy as np

from .._geometry import output_size
from ._framework import (
    Hint,
    agree,
    as_array,
    called_names,
    close,
    exercise,
    expect_shape,
    is_keras_shape,
    matches,
    require_callable,
    returned,
    returned_array,
    rounded_too_far,
)

NOTEBOOK = "01_what_is_pooling"


# ------------------------------------------------------------------ output size
def output_length(n, pool_size, strides=None, padding="valid"):
    """Number of windows along an axis of length n."""
    s = pool_size if strides is None else strides          # Keras' default stride
    if padding == "valid":
        return (n - pool_size) // s + 1                    # windows that fit inside
    return math.ceil(n / s)                                # 'same': one per stride step


def _wrong_stride_default_1(n, pool_size, strides=None, padding="valid"):
    s = 1 if strides is None else strides
    return (n - pool_size) // s + 1 if padding == "valid" else math.ceil(n / s)


def _wrong_no_plus_1(n, pool_size, strides=None, padding="valid"):
    s = pool_size if strides is None else strides
    return (n - pool_size) // s if padding == "valid" else math.ceil(n / s)


def _wrong_same_floor(n, pool_size, strides=None, padding="valid"):
    s = pool_size if strides is None else strides
    return (n - pool_size) // s + 1 if padding == "valid" else n // s


def _wrong_same_is_valid(n, pool_size, strides=None, padding="valid"):
    s = pool_size if strides is None else strides
    return (n - pool_size) // s + 1


def _wrong_valid_ceil(n, pool_size, strides=None, padding="valid"):
    s = pool_size if strides is None else strides
    return math.ceil((n - pool_size) / s) + 1 if padding == "valid" else math.ceil(n / s)


_SIZE_CASES = [(n, k, s, pad)
               for pad in ("valid", "same")
               for n in range(1, 13)
               for k in (1, 2, 3, 4)
               for s in (None, 1, 2, 3)
               if not (pad == "valid" and k > n)]


def _as_count(value, case):
    returned(value, "your output_length function")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                      np.floating)):
        raise Hint(f"your function should return a number of windows (an int); for "
                   f"{_call(case)} it returned {value!r} of type {type(value).__name__}.")
    return value


def _call(case):
    n, k, s, pad = case
    return f"output_length({n}, {k}, strides={s}, padding={pad!r})"


@exercise(
    "output_length",
    notebook=NOTEBOOK,
    prompt="Write output_length(n, pool_size, strides=None, padding='valid'): the number "
           "of windows along one axis of length n.",
    solution=output_length,
    wrong=[
        (_wrong_stride_default_1, "strides=None means the pool size"),
        (_wrong_no_plus_1, "+ 1"),
        (_wrong_same_floor, "round up"),
        (_wrong_same_is_valid, "'same'"),
        (_wrong_valid_ceil, "round down"),
    ],
)
def check_output_length(answer):
    f = require_callable(answer, "your output_length function")
    got = _as_count(f(4, 2), (4, 2, None, "valid"))
    if got == 3:
        raise Hint("output_length(4, 2) should be 2: strides=None means the pool size "
                   "(Keras' and PyTorch's default), not 1.")
    for case in _SIZE_CASES:
        n, k, s, pad = case
        got = _as_count(f(n, k, strides=s, padding=pad), case)
        want = output_size(n, k, s, pad)
        if got == want:
            continue
        step = k if s is None else s
        msg = f"{_call(case)} returned {got!r} but should be {want}. "
        if pad == "valid" and got == (n - k) // step:
            msg += "Count the first window too: floor((n - k) / s) + 1 (the + 1)."
        elif pad == "valid" and got == math.ceil((n - k) / step) + 1:
            msg += ("Under 'valid' a window must fit entirely inside the input, so round "
                    "down: floor((n - k) / s) + 1.")
        elif pad == "same" and got == n // step:
            msg += ("Under 'same' a partial last window is padded and kept, so round up: "
                    "ceil(n / s).")
        elif pad == "same" and got == (n - k) // step + 1:
            msg += ("You used the 'valid' formula for padding='same'. 'same' pads the "
                    "input so there is one window per stride step: ceil(n / s).")
        else:
            msg += "'valid': floor((n - k) / s) + 1; 'same': ceil(n / s)."
        raise Hint(msg)
    return ("it agrees with pooledu.output_size on "
            f"{len(_SIZE_CASES)} cases, both paddings, default and explicit strides.")


# ------------------------------------------------------------------ loop max pooling
def max_pool_loop(x, pool_size=2, strides=None):
    """Max pooling of a 2-D array with explicit loops ('valid' padding)."""
    x = np.asarray(x)
    k = pool_size
    s = pool_size if strides is None else strides
    h_out = (x.shape[0] - k) // s + 1
    w_out = (x.shape[1] - k) // s + 1
    out = np.empty((h_out, w_out), dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            window = x[i * s:i * s + k, j * s:j * s + k]
            out[i, j] = window.max()
    return out


def _loop(x, k, s, reduce, start_at_zero=False, drop_last=False):
    x = np.asarray(x, dtype=float)
    h_out = (x.shape[0] - k) // s + 1 - int(drop_last)
    w_out = (x.shape[1] - k) // s + 1 - int(drop_last)
    out = np.zeros((max(h_out, 0), max(w_out, 0)))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            value = reduce(x[i * s:i * s + k, j * s:j * s + k])
            out[i, j] = max(value, 0.0) if start_at_zero else value
    return out


def _wrong_loop_stride_1(x, pool_size=2, strides=None):
    return _loop(x, pool_size, 1 if strides is None else strides, np.max)


def _wrong_loop_average(x, pool_size=2, strides=None):
    return _loop(x, pool_size, pool_size if strides is None else strides, np.mean)


def _wrong_loop_starts_at_zero(x, pool_size=2, strides=None):
    # best = 0, then best = max(best, value): wrong when a whole window is negative
    return _loop(x, pool_size, pool_size if strides is None else strides, np.max,
                 start_at_zero=True)


def _wrong_loop_drops_last_window(x, pool_size=2, strides=None):
    # range(0, n - k, s) instead of range(0, n - k + 1, s)
    return _loop(x, pool_size, pool_size if strides is None else strides, np.max,
                 drop_last=True)


def _wrong_loop_ignores_strides(x, pool_size=2, strides=None):
    return _loop(x, pool_size, pool_size, np.max)


def _loop_cases():
    from ..data import article_matrix

    rng = np.random.default_rng(0)
    return [
        (article_matrix(np.float64), {}),
        (rng.integers(-9, 10, size=(5, 7)).astype(float), {}),
        (rng.integers(-9, 10, size=(6, 5)).astype(float), {"pool_size": 3, "strides": 1}),
        (rng.integers(-9, 10, size=(7, 7)).astype(float), {"pool_size": 3, "strides": 2}),
        (-rng.integers(1, 10, size=(4, 6)).astype(float), {"pool_size": 2}),
    ]


def _describe(x, kwargs):
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    return f"a {x.shape[0]}x{x.shape[1]} input" + (f" with {args}" if args else "")


_LIBRARY_POOLING = {"max_pool2d", "max_pool", "pool2d", "max_pool1d", "max_pool3d",
                    "MaxPooling2D", "MaxPool2D", "MaxPool2d", "max_pool_with_argmax",
                    "reduce_window", "block_reduce", "maximum_filter"}


def _source_facts(f):
    """(has a loop, library pooling names it uses) from f's source; None if unreadable."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(f)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    loops = (ast.For, ast.While, ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)
    has_loop = any(isinstance(node, loops) for node in ast.walk(tree))
    return has_loop, sorted(called_names(tree) & _LIBRARY_POOLING)


@contextlib.contextmanager
def _watch_reference(calls):
    """Record calls to pooledu.reference's pooling functions made inside the block."""
    from .. import reference as ref

    saved = {name: getattr(ref, name) for name in ("max_pool2d", "pool2d")}

    def spy(name):
        def wrapper(*args, **kwargs):
            calls.append(name)
            return saved[name](*args, **kwargs)
        return wrapper

    try:
        for name in saved:
            setattr(ref, name, spy(name))
        yield
    finally:
        for name, func in saved.items():
            setattr(ref, name, func)


def _require_own_loop(f, calls):
    if calls:
        raise Hint(f"your function calls pooledu's {calls[0]} - the very function the check "
                   f"compares with. Write the two for loops yourself (over output rows and "
                   f"columns, taking each window's max).")
    facts = _source_facts(f)
    if facts is None:
        return
    has_loop, used = facts
    if used:
        raise Hint(f"your function calls {used[0]}, a library pooling function. The exercise "
                   f"is to write the loops yourself: for each output cell (i, j), take the "
                   f"max of its window.")
    if not has_loop:
        raise Hint("the outputs are right, but your function has no for loop: this exercise "
                   "is about writing the sliding window out by hand (a loop over output rows "
                   "and one over output columns).")


@exercise(
    "max_pool_loop",
    notebook=NOTEBOOK,
    prompt="Write max_pool_loop(x, pool_size=2, strides=None): max pooling of a 2-D array "
           "with for loops, 'valid' padding.",
    solution=max_pool_loop,
    wrong=[
        (_wrong_loop_stride_1, "strides=None means the pool size"),
        (_wrong_loop_average, "average"),
        (_wrong_loop_starts_at_zero, "negative"),
        (_wrong_loop_drops_last_window, "last window"),
        (_wrong_loop_ignores_strides, "strides argument"),
    ],
)
def check_max_pool_loop(answer):
    from .. import reference as ref

    f = require_callable(answer, "your max_pool_loop function")
    calls = []
    for x, kwargs in _loop_cases():
        want = ref.max_pool2d(x, **kwargs)
        where = _describe(x, kwargs)
        with _watch_reference(calls):
            result = f(x.copy(), **kwargs)
        got = returned_array(result, want.shape, where)
        if got.shape != want.shape:
            k = kwargs.get("pool_size", 2)
            if not kwargs.get("strides") and got.shape == ref.max_pool2d(x, k, 1).shape:
                raise Hint(f"for {where} your output has shape {got.shape}, as if the stride "
                           f"were 1; strides=None means the pool size, so the windows do not "
                           f"overlap (expected shape {want.shape}).")
            if all(g == w - 1 for g, w in zip(got.shape, want.shape)):
                raise Hint(f"for {where} your output has shape {got.shape} instead of "
                           f"{want.shape}: the last window is missing. There are "
                           f"floor((n - k) / s) + 1 windows, so loop with "
                           f"range(0, n - k + 1, s) (or over the output size).")
            if "strides" in kwargs and got.shape == ref.max_pool2d(x, k).shape:
                raise Hint(f"for {where} your output has shape {got.shape}: your function "
                           f"ignores its strides argument and steps by pool_size.")
            raise Hint(f"for {where} the output should have shape {want.shape} "
                       f"(floor((n - k) / s) + 1 per axis); yours has {got.shape}.")
        if close(got, want):
            continue
        k, s = kwargs.get("pool_size", 2), kwargs.get("strides")
        if close(got, ref.avg_pool2d(x, k, s)):
            raise Hint(f"for {where} you returned the average of each window; max pooling "
                       f"keeps the largest value.")
        if close(got, np.maximum(want, 0)):
            raise Hint(f"for {where}, whose windows are all negative, you returned 0 where "
                       f"the maximum is negative: a running maximum must start from the "
                       f"first value of the window (or -inf), not from 0.")
        raise Hint(f"for {where} your output differs from pooledu's at "
                   f"{int((~np.isclose(got, want)).sum())} of {want.size} cells. "
                   f"Output cell (i, j) is x[i*s : i*s + k, j*s : j*s + k].max().")
    _require_own_loop(f, calls)
    return ("it matches pooledu.reference.max_pool2d on 5 inputs (non-square, negative, "
            "overlapping windows).")


# ------------------------------------------------------------------ batch shape
_BATCH = (8, 32, 32, 16)


@exercise(
    "pooled_batch_shape",
    notebook=NOTEBOOK,
    prompt="A batch of shape (8, 32, 32, 16) goes through MaxPooling2D(pool_size=3, "
           "strides=2, padding='valid'). What is the output shape? (a tuple of 4 ints)",
    solution=(8, 15, 15, 16),
    wrong=[
        ((8, 16, 16, 16), "'valid'"),
        ((8, 10, 10, 16), "strides=2"),
        ((8, 14, 14, 16), "+ 1"),
        ((4, 15, 15, 8), "batch"),
        ((8, 15, 15), "4 numbers"),
        ((None, 15, 15, 16), "batch is known"),
    ],
    shape_answer=True,
)
def check_pooled_batch_shape(answer):
    if is_keras_shape(answer):
        rest = ("the rest is right" if tuple(answer[1:]) == (15, 15, 16)
                else "then check the other sizes")
        raise Hint(f"Keras writes an unknown batch as None; here the batch is known: 8 "
                   f"({rest}).")
    arr = as_array(answer, "the shape")
    if arr.ndim != 1 or arr.size != 4:
        raise Hint("give the shape as 4 numbers: (batch, height, width, channels).")
    if not np.all(arr == np.round(arr)):
        raise Hint("a shape is made of whole numbers of cells.")
    shape = tuple(int(v) for v in arr)
    want = (8, output_size(32, 3, 2, "valid"), output_size(32, 3, 2, "valid"), 16)
    if shape[0] != 8 or shape[3] != 16:
        raise Hint("pooling works on each sample and each channel separately: the batch "
                   "(8) and channel (16) sizes do not change.")
    if shape == (8, 16, 16, 16):
        raise Hint("(8, 16, 16, 16) is what padding='same' gives (ceil(32 / 2)); with "
                   "padding='valid' only whole windows count: floor((32 - 3) / 2) + 1.")
    if shape == (8, 10, 10, 16):
        raise Hint("you used a stride of 3 (the pool size), but this layer sets strides=2.")
    if shape == (8, 14, 14, 16):
        raise Hint("count the first window too: floor((32 - 3) / 2) + 1 (the + 1).")
    if shape != want:
        raise Hint("height and width each follow floor((n - k) / s) + 1 with n=32, k=3, s=2.")
    return "(8, 15, 15, 16): floor((32 - 3) / 2) + 1 = 15; batch and channels are untouched."


# ------------------------------------------------------------------ "same" padding and the average
def _same_avg_cases():
    from .. import reference as ref
    from ..data import article_matrix

    x = article_matrix(np.float64)
    right = ref.avg_pool2d(x, 3, 2, "same")
    # the classic bug: pad with zeros and divide by the full window size, 9
    padded_sum = ref.pool2d(x, "sum", 3, 2, "same")
    return x, right, padded_sum / 9.0


_SAME_X, _SAME_AVG, _SAME_AVG_COUNTING_PADDING = _same_avg_cases()


@exercise(
    "avg_same_padding",
    notebook=NOTEBOOK,
    prompt="Average-pool the running example with pool_size=3, strides=2, padding='same': "
           "a 2x2 list.",
    solution=_SAME_AVG.tolist(),
    wrong=[
        (_SAME_AVG_COUNTING_PADDING.tolist(), "padded cells"),
        ([[6.0]], "'same'"),
        ([[11.0, 12.0], [15.0, 16.0]], "average"),
    ],
)
def check_avg_same_padding(answer):
    arr = as_array(answer)
    if arr.size == 1 and agree(float(arr.ravel()[0]), 6.0):
        raise Hint("that is the 'valid' result (one 3x3 window fits). With padding='same' "
                   "there are ceil(4 / 2) = 2 windows per axis; the second one reaches into "
                   "the padding.")
    expect_shape(arr, (2, 2), "the pooled matrix")
    if matches(arr, _SAME_AVG_COUNTING_PADDING):
        raise Hint("you divided every window by 9, counting the padded cells as zeros. Padded "
                   "cells never count: divide by the number of real cells in the window "
                   "(9, 6, 6 and 4 here).")
    if matches(arr, np.array([[11.0, 12.0], [15.0, 16.0]])):
        raise Hint("those are the maxima of the windows; this exercise asks for the average.")
    if rounded_too_far(arr, _SAME_AVG):
        raise Hint("nearly: some of your values are rounded too far. 44 / 6 = 7.333...: give "
                   "at least 2 decimals (7.33) or write the fraction, 44 / 6.")
    if not matches(arr, _SAME_AVG):
        raise Hint("padding total = max((2 - 1) * 2 + 3 - 4, 0) = 1, all of it after (bottom, "
                   "right): the windows cover rows 0-2 and 2-3, columns 0-2 and 2-3. Average "
                   "the real cells of each.")
    return "6, 44/6, 72/6 and 54/4: each window divides by its own count of real cells."
