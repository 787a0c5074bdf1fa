"""Window geometry: the one place pooledu computes output sizes and padding.

Every pooling function, widget and exercise check asks this module how many
windows fit and where they sit, so the formulas below are the only copy.

TensorFlow / Keras conventions (``../shared/pooling-spec.md`` section 1):

* ``strides`` defaults to ``pool_size``.
* ``"valid"``: ``out = floor((n - k) / s) + 1``; windows never leave the input.
* ``"same"``: ``out = ceil(n / s)``; the total padding is
  ``max((out - 1) * s + k - n, 0)``, split ``before = total // 2`` and the
  extra cell (if any) *after* (right / bottom).
* Padded cells never win and never count (max treats them as -inf, average
  divides by the number of real cells).

PyTorch conventions (``../shared/pooling-spec.md`` section 2; notebook 01,
"the same window in PyTorch"):

* ``padding`` may be an int ``p`` (or one int per axis): ``p`` cells on *each*
  side, at most ``pool_size // 2``.
* ``dilation`` ``d`` spreads a window's ``k`` taps ``d`` cells apart: it spans
  ``d(k-1) + 1`` cells. ``out = floor((n + 2p - d(k-1) - 1) / s) + 1``.
* ``ceil_mode`` rounds that division up, but the last window must start inside
  the input or the left padding (``(out-1)*s < n + p``); its overhang past the
  right padding is neither input nor padding.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

PADDINGS = ("valid", "same")


def normalize_padding(padding) -> str:
    """Return ``padding`` as ``"valid"`` or ``"same"`` (any case accepted).

    >>> normalize_padding("SAME")
    'same'
    """
    if not isinstance(padding, str):
        raise TypeError(
            f"padding must be a string, 'valid' or 'same'; got {padding!r} "
            f"of type {type(padding).__name__}"
        )
    value = padding.lower()
    if value not in PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same' (any case); got {padding!r}")
    return value


def normalize_padding_tuple(padding, ndim: int) -> tuple:
    """One padding per spatial axis: a string or an int is repeated, a tuple checked.

    >>> normalize_padding_tuple("same", 2), normalize_padding_tuple((1, 0), 2)
    (('same', 'same'), (1, 0))
    """
    if isinstance(padding, (str, numbers.Integral)):
        return (padding,) * ndim
    if isinstance(padding, Sequence) and len(padding) == ndim and \
            not any(isinstance(p, str) for p in padding):
        return tuple(padding)
    raise (ValueError if isinstance(padding, Sequence) else TypeError)(
        f"padding must be 'valid', 'same', an int >= 0 or a tuple of {ndim} ints >= 0 "
        f"(one per spatial axis); got {padding!r}")


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be a positive integer; got {value!r} of type {type(value).__name__}"
        )
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1); got {value}")
    return int(value)


def normalize_tuple(value, ndim: int, name: str) -> tuple[int, ...]:
    """Turn an int or a sequence of ``ndim`` ints into a tuple of positive ints.

    >>> normalize_tuple(2, 2, "pool_size")
    (2, 2)
    >>> normalize_tuple((3, 1), 2, "strides")
    (3, 1)
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (_check_positive_int(value, name),) * ndim
    if isinstance(value, (str, bytes)):
        raise TypeError(
            f"{name} must be a positive integer or a tuple of {ndim} positive integers; "
            f"got the string {value!r}"
        )
    if not isinstance(value, Sequence):
        # numpy arrays of ints are accepted too
        try:
            seq = list(value)
        except TypeError:
            raise TypeError(
                f"{name} must be a positive integer or a tuple of {ndim} positive integers; "
                f"got {value!r} of type {type(value).__name__}"
            ) from None
    else:
        seq = list(value)
    if len(seq) != ndim:
        raise ValueError(
            f"{name} must be a positive integer or a tuple of {ndim} positive integers; "
            f"got {tuple(seq)!r} ({len(seq)} values)"
        )
    return tuple(_check_positive_int(v, name) for v in seq)


def _check_bool(value, name: str) -> bool:
    if not isinstance(value, bool) and type(value).__name__ != "bool_":
        raise TypeError(f"{name} must be True or False; got {value!r} of type "
                        f"{type(value).__name__}")
    return bool(value)


def axis_padding(padding, pool_size: int, dilation: int = 1, ceil_mode: bool = False):
    """Check one axis' ``padding`` against its window: ``"valid"``, ``"same"`` or an int.

    An int ``p`` is PyTorch's explicit symmetric padding (``p`` cells each side), at
    most ``pool_size // 2`` as PyTorch requires. ``dilation > 1`` needs ``"valid"``
    or an int (TensorFlow defines no dilated ``"same"``), and ``ceil_mode`` needs an
    int (``padding=0`` for PyTorch's ceil mode without padding).

    >>> axis_padding("SAME", 3), axis_padding(1, 3)
    ('same', 1)
    """
    if isinstance(padding, str):
        padding = normalize_padding(padding)
        if padding == "same" and dilation > 1:
            raise ValueError(f"dilation={dilation} is not defined with padding='same' "
                             f"(TensorFlow's tf.nn.pool allows dilation only with "
                             f"'valid'); use padding='valid' or an int padding")
        if ceil_mode:
            raise ValueError(f"ceil_mode=True needs an explicit int padding (PyTorch's "
                             f"convention); got padding={padding!r}. Use padding=0 for "
                             f"ceil mode without padding")
        return padding
    if isinstance(padding, bool) or not isinstance(padding, numbers.Integral):
        raise TypeError(f"padding must be 'valid', 'same', an int >= 0 or a tuple of "
                        f"ints; got {padding!r} of type {type(padding).__name__}")
    if padding < 0:
        raise ValueError(f"padding must be >= 0; got {padding}")
    if padding > pool_size // 2:
        raise ValueError(f"padding {int(padding)} is more than half the window: PyTorch "
                         f"allows padding <= pool_size // 2 = {pool_size // 2} "
                         f"(pool_size {pool_size})")
    return int(padding)


def output_size(n: int, pool_size, strides=None, padding="valid", *, dilation=1,
                ceil_mode=False) -> int:
    """Number of pooling windows along one axis of length ``n``.

    Parameters
    ----------
    n : int
        Length of the input along this axis (``n >= 1``).
    pool_size : int
        Window length ``k`` (taps).
    strides : int or None
        Step ``s`` between windows; ``None`` means ``pool_size``.
    padding : {"valid", "same"} or int
        ``"valid"``: ``floor((n - d(k-1) - 1) / s) + 1``; the window must fit.
        ``"same"``: ``ceil(n / s)`` (TensorFlow). An int ``p`` (PyTorch):
        ``floor((n + 2p - d(k-1) - 1) / s) + 1`` (notebook 01, "the same window
        in PyTorch").
    dilation : int, default 1
        Gap ``d`` between the taps of a window: a window spans ``d(k-1) + 1`` cells.
    ceil_mode : bool, default False
        With an int padding only: round the division up (``+ s - 1`` before the
        floor), but drop a last window that would start past ``n + p``.

    Returns
    -------
    int

    Examples
    --------
    >>> output_size(4, 2)               # the article's 4x4 matrix, 2x2 windows
    2
    >>> output_size(5, 3, 2, "same")
    3
    >>> output_size(5, 2, 2, 0), output_size(5, 2, 2, 0, ceil_mode=True)
    (2, 3)
    """
    n = _check_positive_int(n, "n")
    k = _check_positive_int(pool_size, "pool_size")
    s = k if strides is None else _check_positive_int(strides, "strides")
    d = _check_positive_int(dilation, "dilation")
    ceil_mode = _check_bool(ceil_mode, "ceil_mode")
    pad = axis_padding(padding, k, d, ceil_mode)
    span = d * (k - 1) + 1
    if pad == "same":
        return -(-n // s)
    if pad == "valid":
        if span > n:
            what = f"pool_size {k}" if d == 1 else f"the dilated window ({span} cells)"
            raise ValueError(
                f"{what} is larger than the input ({n}) with padding='valid': "
                f"no window fits. Use a pool_size of at most {n}, or padding='same'."
            )
        return (n - span) // s + 1
    out = (n + 2 * pad - span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + pad:
        out -= 1            # the last window must start inside the input or left padding
    if out < 1:
        raise ValueError(f"no window fits: the dilated window spans {span} cells but the "
                         f"padded input has {n + 2 * pad} (n={n}, padding={pad})")
    return out


def padding_amounts(n: int, pool_size, strides=None, padding="valid", *, dilation=1,
                    ceil_mode=False) -> tuple[int, int]:
    """Cells of padding ``(before, after)`` along one axis.

    ``"same"``: TensorFlow's split (the extra cell goes after); an int ``p``:
    ``(p, p)``. A ``ceil_mode`` window may reach past ``n + p``: those cells are
    neither input nor padding and never count (see :func:`window_cells`).

    >>> padding_amounts(4, 3, 1, "same")   # total 2: one each side
    (1, 1)
    >>> padding_amounts(5, 2, 2, "same")   # total 1: the extra cell goes after
    (0, 1)
    >>> padding_amounts(5, 3, 2, 1)
    (1, 1)
    """
    out = output_size(n, pool_size, strides, padding, dilation=dilation, ceil_mode=ceil_mode)
    pad = axis_padding(padding, int(pool_size), int(dilation), ceil_mode)
    if pad == "valid":
        return (0, 0)
    if pad != "same":
        return (pad, pad)
    k = int(pool_size)
    s = k if strides is None else int(strides)
    total = max((out - 1) * s + k - n, 0)
    return (total // 2, total - total // 2)


def window_cells(n: int, pool_size, strides=None, padding="valid", *, dilation=1,
                 ceil_mode=False) -> list[list[int]]:
    """Input position of every tap of every window along one axis, in order.

    Window ``i`` reads ``i*s - before + j*d`` for ``j = 0..k-1``. A position below 0
    or at ``n`` and beyond is padding (or, past ``n + after``, ceil-mode overhang).

    >>> window_cells(5, 2, 2, 0, ceil_mode=True)
    [[0, 1], [2, 3], [4, 5]]
    >>> window_cells(5, 2, 1, dilation=3)
    [[0, 3], [1, 4]]
    """
    out = output_size(n, pool_size, strides, padding, dilation=dilation, ceil_mode=ceil_mode)
    before, _ = padding_amounts(n, pool_size, strides, padding, dilation=dilation,
                                ceil_mode=ceil_mode)
    k = int(pool_size)
    s = k if strides is None else int(strides)
    return [[i * s - before + j * int(dilation) for j in range(k)] for i in range(out)]


def output_shape(shape, pool_size=2, strides=None, padding="valid",
                 spatial_dims: int = 2, *, dilation=1, ceil_mode=False) -> tuple[int, ...]:
    """Output shape of pooling an array of ``shape`` (channels last).

    ``shape`` may be spatial only (``(H, W)``), with channels (``(H, W, C)``)
    or with a batch (``(N, H, W, C)``); the rank is kept.

    >>> output_shape((4, 4))
    (2, 2)
    >>> output_shape((8, 224, 224, 3), pool_size=3, strides=2, padding="same")
    (8, 112, 112, 3)
    """
    shape = tuple(int(d) for d in shape)
    lo, hi = spatial_dims, spatial_dims + 2
    if not lo <= len(shape) <= hi:
        raise ValueError(
            f"shape must have {lo} to {hi} dimensions for {spatial_dims}-D pooling "
            f"(spatial, + channels, + batch); got {shape} ({len(shape)} dimensions)"
        )
    ks = normalize_tuple(pool_size, spatial_dims, "pool_size")
    ss = ks if strides is None else normalize_tuple(strides, spatial_dims, "strides")
    first = 1 if len(shape) == hi else 0
    spatial = shape[first:first + spatial_dims]
    ds = normalize_tuple(dilation, spatial_dims, "dilation")
    pads = normalize_padding_tuple(padding, spatial_dims)
    out_spatial = tuple(output_size(n, k, s, p, dilation=d, ceil_mode=ceil_mode)
                        for n, k, s, p, d in zip(spatial, ks, ss, pads, ds))
    return shape[:first] + out_spatial + shape[first + spatial_dims:]


def window_bounds(n: int, pool_size, strides=None, padding: str = "valid"):
    """Start and stop (exclusive) of every window along one axis, in input coordinates,
    clipped to the real cells ``[0, n)``.

    Returns two lists ``starts, stops``; window ``i`` covers ``x[starts[i]:stops[i]]``.

    >>> window_bounds(5, 2, 2, "same")
    ([0, 2, 4], [2, 4, 5])
    """
    out = output_size(n, pool_size, strides, padding)
    before, _ = padding_amounts(n, pool_size, strides, padding)
    k = int(pool_size)
    s = k if strides is None else int(strides)
    starts, stops = [], []
    for i in range(out):
        a = i * s - before
        starts.append(max(a, 0))
        stops.append(min(a + k, n))
    return starts, stops


def adaptive_bins(n: int, out: int) -> tuple[list[int], list[int]]:
    """Adaptive pooling bins (PyTorch / Keras 3): bin ``i`` is
    ``[floor(i*n/out), ceil((i+1)*n/out))``.

    >>> adaptive_bins(7, 4)
    ([0, 1, 3, 5], [2, 4, 6, 7])
    """
    n = _check_positive_int(n, "n")
    out = _check_positive_int(out, "output_size")
    starts = [(i * n) // out for i in range(out)]
    # integer ceil, exact for any size (no float rounding)
    stops = [-((-(i + 1) * n) // out) for i in range(out)]
    return starts, stops
