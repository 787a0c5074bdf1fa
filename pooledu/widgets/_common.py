"""Shared by every explorer: the texts they show and the input checks."""

from __future__ import annotations

import numpy as np

from .._geometry import normalize_padding, output_size, padding_amounts
from ..viz import format_number


# --------------------------------------------------------------------------- shared text
def fit_problem(shape, pool_size: int, strides=None, padding: str = "valid") -> str | None:
    """Plain-language reason why a window cannot slide over ``shape``, or ``None`` if it can.

    Parameters
    ----------
    shape : (int, int)
        ``(H, W)`` of the input.
    pool_size, strides, padding
        As for pooling (square windows).

    Examples
    --------
    >>> print(fit_problem((4, 4), 5)[:62])
    A 5x5 window does not fit in a 4x4 input with padding 'valid'.
    >>> fit_problem((4, 4), 2) is None
    True
    """
    h, w = int(shape[0]), int(shape[1])
    try:
        for n in (h, w):
            output_size(n, pool_size, strides, padding)
    except ValueError:
        k = int(pool_size)
        return (f"A {k}x{k} window does not fit in a {h}x{w} input with padding "
                f"'{normalize_padding(padding)}'. Choose a pool size of at most {min(h, w)}, "
                f"or padding 'same'.")
    return None


def output_size_formula(n: int, pool_size: int, strides=None, padding: str = "valid") -> str:
    """The output-size formula along one axis, with the numbers filled in.

    Examples
    --------
    >>> output_size_formula(4, 2, 2)
    'out = floor((4 - 2) / 2) + 1 = 2'
    >>> output_size_formula(5, 2, 2, "same")
    'out = ceil(5 / 2) = 3'
    """
    k = int(pool_size)
    s = k if strides is None else int(strides)
    out = output_size(n, k, s, padding)
    if normalize_padding(padding) == "valid":
        return f"out = floor(({n} - {k}) / {s}) + 1 = {out}"
    return f"out = ceil({n} / {s}) = {out}"


def _padding_text(n, k, s, padding):
    before, after = padding_amounts(n, k, s, padding)
    if normalize_padding(padding) == "valid":
        return "no padding"
    out = output_size(n, k, s, padding)
    return (f"padding = max(({out} - 1) * {s} + {k} - {n}, 0) = {before + after}: "
            f"{before} before, {after} after")


def _axis_lines(shape, k, s, padding):
    """Formula lines (plain text) for rows and columns; one line when both axes agree."""
    h, w = shape
    if h == w:
        return [f"{output_size_formula(h, k, s, padding)}  ({_padding_text(h, k, s, padding)})"]
    return [f"{axis}: {output_size_formula(n, k, s, padding)}  ({_padding_text(n, k, s, padding)})"
            for axis, n in (("rows", h), ("columns", w))]


def _shape_text(shape):
    return " x ".join(str(d) for d in shape)


def _list_values(values, limit=16):
    if len(values) <= limit:
        return ", ".join(values)
    return ", ".join(values[:limit // 2]) + ", ..., " + ", ".join(values[-3:])


def _check_image2d(x, name="x", allow_rgb=False):
    x = np.asarray(x)
    if x.ndim == 3 and x.shape[-1] == 1:
        x = x[..., 0]
    ok = x.ndim == 2 or (allow_rgb and x.ndim == 3 and x.shape[-1] == 3)
    if not ok:
        allowed = "(H, W) or (H, W, 3)" if allow_rgb else "(H, W)"
        raise ValueError(f"{name} must have shape {allowed}; got shape {x.shape}")
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array; got dtype {x.dtype}")
    return x


_ARITHMETIC_MODES = ("max", "avg", "min", "sum", "lp")


def window_arithmetic(cells, mode, result=None):
    """What one window computes, written out: ``"max(1, 3, 5, 6) = 6"``.

    The page-side explorers write the same text (``windowArithmetic`` in
    ``pool.js``); a test holds the two equal.

    Parameters
    ----------
    cells : sequence of float or None
        The cells under the window in row-major order; ``None`` marks a padded
        cell (it never wins and never counts).
    mode : {"max", "avg", "min", "sum", "lp"}
        ``"lp"`` is written for p = 2: ``sqrt(a² + b² + ...)``.
    result : float, optional
        The pooled value to print after ``=`` (the explorers pass pooledu's
        number); by default it is computed here in float64.

    Returns
    -------
    (str, float)
        The text and the result.

    Examples
    --------
    >>> window_arithmetic([1, 3, 5, 6], "avg")
    ('(1 + 3 + 5 + 6) / 4 = 3.75', 3.75)
    >>> window_arithmetic([11, 12, None, 15, 16, None], "max")[0]
    'max(11, 12, pad, 15, 16, pad) = 16'
    >>> window_arithmetic([11, 12, None, 15, 16, None], "avg")[0]
    '(11 + 12 + 15 + 16) / 4 = 13.5'
    >>> window_arithmetic([3, 4], "lp")[0]
    'sqrt(3² + 4²) = 5'
    """
    if mode not in _ARITHMETIC_MODES:
        raise ValueError(f"mode must be one of {_ARITHMETIC_MODES}; got {mode!r}")
    vals = np.array([float(v) for v in cells if v is not None])
    if vals.size == 0:
        raise ValueError("cells must hold at least one real (non-padded) value")
    computed = {"max": vals.max, "min": vals.min, "sum": vals.sum, "avg": vals.mean,
                "lp": lambda: float(np.sqrt(np.sum(vals ** 2)))}[mode]()
    result = float(computed if result is None else result)
    if mode in ("max", "min"):
        listed = ["pad" if v is None else format_number(v) for v in cells]
        return f"{mode}({_list_values(listed)}) = {format_number(result)}", result
    # padded cells are simply left out of a sum and of an average's count
    if mode == "lp":
        squares = _list_values([format_number(v) + "²" for v in vals]).split(", ")
        return f"sqrt({' + '.join(squares)}) = {format_number(result)}", result
    terms = " + ".join(_list_values([format_number(v) for v in vals]).split(", "))
    if mode == "sum":
        return f"{terms} = {format_number(result)}", result
    return f"({terms}) / {vals.size} = {format_number(result)}", result
