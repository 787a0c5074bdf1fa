"""Shared by every explorer: the texts they show and the input checks."""

from __future__ import annotations

import numpy as np

from .._geometry import normalize_padding, output_size, padding_amounts, window_cells
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


def output_size_formula(n: int, pool_size: int, strides=None, padding="valid", *,
                        dilation: int = 1, ceil_mode: bool = False) -> str:
    """The output-size formula along one axis, with the numbers filled in.

    ``"valid"`` and ``"same"`` show TensorFlow's formulas; an int padding ``p``
    (PyTorch) shows the general one, ``floor((n + 2p - d(k-1) - 1) / s) + 1``
    (``ceil`` in ceil mode, minus the dropped window if the last one would start
    in the right padding).

    Examples
    --------
    >>> output_size_formula(4, 2, 2)
    'out = floor((4 - 2) / 2) + 1 = 2'
    >>> output_size_formula(5, 2, 2, "same")
    'out = ceil(5 / 2) = 3'
    >>> output_size_formula(5, 3, 2, 1, dilation=2)
    'out = floor((5 + 2*1 - 2*(3 - 1) - 1) / 2) + 1 = 2'
    >>> output_size_formula(5, 2, 2, 1, ceil_mode=True)
    'out = ceil((5 + 2*1 - 1*(2 - 1) - 1) / 2) + 1 = 4 - 1 = 3'
    """
    k, d = int(pool_size), int(dilation)
    s = k if strides is None else int(strides)
    out = output_size(n, k, s, padding, dilation=d, ceil_mode=ceil_mode)
    if isinstance(padding, str):
        if normalize_padding(padding) == "same":
            return f"out = ceil({n} / {s}) = {out}"
        if d == 1:
            return f"out = floor(({n} - {k}) / {s}) + 1 = {out}"
        return f"out = floor(({n} - {d}*({k} - 1) - 1) / {s}) + 1 = {out}"
    p = int(padding)
    inside = f"({n} + 2*{p} - {d}*({k} - 1) - 1) / {s}"
    if not ceil_mode:
        return f"out = floor({inside}) + 1 = {out}"
    rounded = -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1
    dropped = f" - 1 = {out}" if rounded != out else ""
    return f"out = ceil({inside}) + 1 = {rounded}{dropped}"


def _padding_text(n, k, s, padding, d=1, ceil_mode=False):
    if not isinstance(padding, str):
        text = f"padding {int(padding)} on each side"
        out = output_size(n, k, s, padding, dilation=d, ceil_mode=ceil_mode)
        if ceil_mode and -(-(n + 2 * padding - d * (k - 1) - 1) // s) + 1 != out:
            text += "; a last window starting in the right padding is dropped"
        return text
    before, after = padding_amounts(n, k, s, padding)
    if normalize_padding(padding) == "valid":
        return "no padding"
    out = output_size(n, k, s, padding)
    return (f"padding = max(({out} - 1) * {s} + {k} - {n}, 0) = {before + after}: "
            f"{before} before, {after} after")


def _axis_lines(shape, k, s, padding, dilation=1, ceil_mode=False):
    """Formula lines (plain text) for rows and columns; one line when both axes agree."""
    h, w = shape
    opts = {"dilation": dilation, "ceil_mode": ceil_mode}

    def line(n):
        return (f"{output_size_formula(n, k, s, padding, **opts)}  "
                f"({_padding_text(n, k, s, padding, dilation, ceil_mode)})")
    if h == w:
        return [line(h)]
    return [f"{axis}: {line(n)}" for axis, n in (("rows", h), ("columns", w))]


def window_problem(shape, pool_size: int, strides=None, padding="valid", *, dilation=1,
                   ceil_mode=False, mode="max", count_include_pad=False) -> str | None:
    """Plain-language reason why the window explorers cannot pool with these settings.

    ``None`` when :func:`pooledu.reference.pool2d` accepts them (the tests hold the
    two together); otherwise one sentence saying what is wrong and what to choose.
    ``count_include_pad`` only matters for ``mode="avg"`` (the explorers ignore it
    for the other modes). ``pool.js``'s ``windowProblem`` writes the same text.

    Examples
    --------
    >>> window_problem((4, 4), 2, 2, 1) is None
    True
    >>> print(window_problem((4, 4), 3, 1, 2))
    Padding 2 is more than half the 3x3 window: PyTorch allows at most pool_size // 2 = 1. \
Choose a smaller padding or a larger pool size.
    >>> print(window_problem((4, 4), 2, 2, "valid", ceil_mode=True))
    ceil_mode needs an explicit padding (PyTorch's convention), not 'valid'. Choose padding 0 \
for ceil mode without padding.
    """
    h, w = int(shape[0]), int(shape[1])
    k, d = int(pool_size), int(dilation)
    s = k if strides is None else int(strides)
    cip = bool(count_include_pad) and mode == "avg"
    if isinstance(padding, str):
        padding = normalize_padding(padding)
        if padding == "same" and d > 1:
            return (f"Dilation {d} is not defined with padding 'same' (TensorFlow dilates "
                    f"only 'valid' windows). Choose padding 'valid' or an explicit padding "
                    f"(0, 1, ...).")
        if ceil_mode:
            return (f"ceil_mode needs an explicit padding (PyTorch's convention), not "
                    f"'{padding}'. Choose padding 0 for ceil mode without padding.")
        if cip:
            return (f"count_include_pad needs an explicit padding (PyTorch's convention), "
                    f"not '{padding}': 'valid' has no padding and 'same' never counts it.")
    elif padding > k // 2:
        return (f"Padding {padding} is more than half the {k}x{k} window: PyTorch allows at "
                f"most pool_size // 2 = {k // 2}. Choose a smaller padding or a larger pool "
                f"size.")
    if padding == "valid" and d == 1:
        problem = fit_problem((h, w), k, s, padding)
        if problem:
            return problem
    try:
        windows = [window_cells(n, k, s, padding, dilation=d, ceil_mode=ceil_mode)
                   for n in (h, w)]
    except ValueError:
        span = d * (k - 1) + 1
        spans = f" with dilation {d} (it spans {span}x{span} cells)" if d > 1 else ""
        where = ("with padding 'valid'" if padding == "valid" else
                 f"with padding {padding} ({h + 2 * padding}x{w + 2 * padding} cells with "
                 f"the padding)")
        return (f"A {k}x{k} window{spans} does not fit in a {h}x{w} input {where}. Choose "
                f"a smaller pool size{' or dilation' if d > 1 else ''}.")
    empty = any(not any(0 <= t < n for t in taps)
                for n, axis in zip((h, w), windows) for taps in axis)
    if mode == "avg" and empty and not cip:
        return ("A window holds padding only, so its average has no cell to divide by. "
                "Choose less padding or dilation, or turn count_include_pad on.")
    return None


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


def window_arithmetic(cells, mode, result=None, count=None):
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
    count : int, optional
        ``mode="avg"``: the divisor to write; by default the number of real cells
        (PyTorch's ``count_include_pad=True`` counts the padded cells too).

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
    >>> window_arithmetic([None, None, None, 1], "avg", count=4)[0]
    '(1) / 4 = 0.25'
    """
    if mode not in _ARITHMETIC_MODES:
        raise ValueError(f"mode must be one of {_ARITHMETIC_MODES}; got {mode!r}")
    vals = np.array([float(v) for v in cells if v is not None])
    if vals.size == 0 and result is None:
        raise ValueError("cells must hold at least one real (non-padded) value, or pass "
                         "the result (a window of padding only: max gives -inf)")
    count = vals.size if count is None else int(count)
    if result is None:
        result = {"max": vals.max, "min": vals.min, "sum": vals.sum,
                  "avg": lambda: vals.sum() / count,
                  "lp": lambda: float(np.sqrt(np.sum(vals ** 2)))}[mode]()
    result = float(result)
    if mode in ("max", "min"):
        listed = ["pad" if v is None else format_number(v) for v in cells]
        return f"{mode}({_list_values(listed)}) = {format_number(result)}", result
    # padded cells are simply left out of a sum and of an average's count
    if mode == "lp":
        squares = _list_values([format_number(v) + "²" for v in vals]).split(", ") \
            if vals.size else ["0"]
        return f"sqrt({' + '.join(squares)}) = {format_number(result)}", result
    terms = " + ".join(_list_values([format_number(v) for v in vals]).split(", ")) or "0"
    if mode == "sum":
        return f"{terms} = {format_number(result)}", result
    return f"({terms}) / {count} = {format_number(result)}", result
