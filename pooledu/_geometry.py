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


def output_size(n: int, pool_size, strides=None, padding: str = "valid") -> int:
    """Number of pooling windows along one axis of length ``n``.

    Parameters
    ----------
    n : int
        Length of the input along this axis (``n >= 1``).
    pool_size : int
        Window length ``k``.
    strides : int or None
        Step ``s`` between windows; ``None`` means ``pool_size``.
    padding : {"valid", "same"}
        ``"valid"``: ``floor((n - k) / s) + 1``, and ``k <= n`` is required.
        ``"same"``: ``ceil(n / s)``.

    Returns
    -------
    int

    Examples
    --------
    >>> output_size(4, 2)               # the article's 4x4 matrix, 2x2 windows
    2
    >>> output_size(5, 3, 2, "same")
    3
    """
    n = _check_positive_int(n, "n")
    k = _check_positive_int(pool_size, "pool_size")
    s = k if strides is None else _check_positive_int(strides, "strides")
    padding = normalize_padding(padding)
    if padding == "valid":
        if k > n:
            raise ValueError(
                f"pool_size {k} is larger than the input ({n}) with padding='valid': "
                f"no window fits. Use a pool_size of at most {n}, or padding='same'."
            )
        return (n - k) // s + 1
    return -(-n // s)


def padding_amounts(n: int, pool_size, strides=None, padding: str = "valid") -> tuple[int, int]:
    """Cells of padding ``(before, after)`` along one axis, TensorFlow's split.

    >>> padding_amounts(4, 3, 1, "same")   # total 2: one each side
    (1, 1)
    >>> padding_amounts(5, 2, 2, "same")   # total 1: the extra cell goes after
    (0, 1)
    """
    out = output_size(n, pool_size, strides, padding)
    if normalize_padding(padding) == "valid":
        return (0, 0)
    k = int(pool_size)
    s = k if strides is None else int(strides)
    total = max((out - 1) * s + k - n, 0)
    return (total // 2, total - total // 2)


def output_shape(shape, pool_size=2, strides=None, padding: str = "valid",
                 spatial_dims: int = 2) -> tuple[int, ...]:
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
    out_spatial = tuple(output_size(n, k, s, padding) for n, k, s in zip(spatial, ks, ss))
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
