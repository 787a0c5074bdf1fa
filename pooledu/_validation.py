"""Argument checking shared by both backends (``pooledu.reference`` and ``pooledu.tf``).

Every public pooling function checks its arguments here, so a bad call raises the
same ``ValueError`` / ``TypeError`` with the same message whichever backend runs
it. Messages name the parameter, the value received and what is allowed.

Window geometry itself (output sizes, padding) comes from ``pooledu._geometry``.

Layout conventions (channels last). For ``d``-dimensional pooling an input may be

* spatial only, rank ``d``: ``(W,)``, ``(H, W)`` or ``(D, H, W)``;
* with channels, rank ``d + 1``: ``(H, W, C)`` for 2-D;
* with a batch, rank ``d + 2``: ``(N, H, W, C)`` for 2-D.

Internally every input is viewed as ``(N, *spatial, C)``; :class:`InputInfo`
remembers how to give the result the input's rank back.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ._geometry import (
    axis_padding,
    normalize_padding,
    normalize_padding_tuple,
    normalize_tuple,
    output_size,
    padding_amounts,
)

_AXIS_NAMES = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}
_DTYPE_KINDS = {"f": "floating point", "i": "signed integer", "u": "unsigned integer"}


@dataclass(frozen=True)
class InputInfo:
    """What :func:`check_input` learned about an input.

    Attributes
    ----------
    shape : tuple of int
        The input's shape as given.
    spatial_dims : int
        Number of spatial axes ``d`` (1, 2 or 3).
    batched, has_channels : bool
        Whether the input had a batch axis / a channels axis.
    dtype_kind : str
        NumPy dtype kind: ``"f"`` (float), ``"i"`` (signed int) or ``"u"`` (unsigned int).
    """

    shape: tuple
    spatial_dims: int
    batched: bool
    has_channels: bool
    dtype_kind: str

    @property
    def spatial(self) -> tuple:
        """The spatial sizes, e.g. ``(H, W)``."""
        first = 1 if self.batched else 0
        return self.shape[first:first + self.spatial_dims]

    @property
    def canonical_shape(self) -> tuple:
        """The shape as ``(N, *spatial, C)``."""
        n = self.shape[0] if self.batched else 1
        c = self.shape[-1] if self.has_channels else 1
        return (n, *self.spatial, c)

    @property
    def is_integer(self) -> bool:
        return self.dtype_kind in "iu"

    def restore(self, canonical_out_shape) -> tuple:
        """Shape with the input's rank for a canonical ``(N, *spatial, C)`` result shape."""
        shape = tuple(canonical_out_shape)
        if not self.batched:
            shape = shape[1:]
        if not self.has_channels:
            shape = shape[:-1]
        return shape


def _axes_text(spatial_dims: int) -> str:
    s = ", ".join(_AXIS_NAMES[spatial_dims])
    alone = f"({s},)" if spatial_dims == 1 else f"({s})"
    return f"{alone}, ({s}, C) or (N, {s}, C)"


def _sizes(value, ndim: int, name: str) -> tuple:
    """``normalize_tuple`` that also refuses strings (``"2"`` is not a size)."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a positive integer or a tuple of {ndim} positive "
                        f"integers; got {value!r} of type {type(value).__name__}")
    return normalize_tuple(value, ndim, name)


def describe_input(shape, dtype_kind: str, dtype_name: str, spatial_dims: int,
                   name: str = "x") -> InputInfo:
    """Check an input's shape and dtype without touching its data.

    Used directly by ``pooledu.tf`` for tensors, and by :func:`check_input`.

    Raises
    ------
    ValueError
        Wrong rank or an empty axis.
    TypeError
        A dtype that is not an integer or floating-point type (bool, complex,
        object, strings are refused).
    """
    shape = tuple(int(d) for d in shape)
    d = spatial_dims
    if not d <= len(shape) <= d + 2:
        raise ValueError(
            f"{name} must have {d} to {d + 2} dimensions for {d}-D pooling, laid out "
            f"{_axes_text(d)} (channels last); got shape {shape} ({len(shape)} dimensions)"
        )
    if any(n == 0 for n in shape):
        raise ValueError(
            f"{name} has an empty axis: shape {shape}. Every axis needs at least one cell."
        )
    if dtype_kind == "b":
        raise TypeError(
            f"{name} must hold numbers (integer or floating point); got dtype {dtype_name}. "
            f"Convert booleans first, e.g. {name}.astype(np.uint8)."
        )
    if dtype_kind not in _DTYPE_KINDS:
        raise TypeError(
            f"{name} must hold integer or floating-point numbers; got dtype {dtype_name} "
            f"(complex, object, string and date types are not supported)"
        )
    return InputInfo(shape=shape, spatial_dims=d, batched=len(shape) == d + 2,
                     has_channels=len(shape) >= d + 1, dtype_kind=dtype_kind)


def check_input(x, spatial_dims: int, name: str = "x"):
    """Turn ``x`` into a NumPy array viewed as ``(N, *spatial, C)``, and describe it.

    Parameters
    ----------
    x : array_like
        ``spatial_dims`` to ``spatial_dims + 2`` dimensions, channels last.
    spatial_dims : int
        1, 2 or 3.
    name : str
        Parameter name used in error messages.

    Returns
    -------
    array : numpy.ndarray
        A view (no copy when ``x`` is already an array) of shape ``(N, *spatial, C)``.
    info : InputInfo

    Examples
    --------
    >>> a, info = check_input(np.zeros((4, 5)), 2)
    >>> a.shape, info.restore((1, 2, 2, 1))
    ((1, 4, 5, 1), (2, 2))
    """
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{name} must be an array-like of numbers with a regular shape; "
                f"got {type(x).__name__} that NumPy cannot turn into an array ({exc})"
            ) from None
    info = describe_input(arr.shape, arr.dtype.kind, str(arr.dtype), spatial_dims, name)
    return arr.reshape(info.canonical_shape), info


def check_mode(mode, allowed, name: str = "mode") -> str:
    """Return ``mode`` lower-cased if it is one of ``allowed``.

    >>> check_mode("MAX", ("max", "avg"))
    'max'
    """
    if not isinstance(mode, str):
        raise TypeError(
            f"{name} must be a string, one of {tuple(allowed)}; got {mode!r} "
            f"of type {type(mode).__name__}"
        )
    value = mode.lower()
    if value not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}; got {mode!r}")
    return value


def check_pool_args(info: InputInfo, pool_size, strides, padding, name: str = "x"):
    """Check ``pool_size``, ``strides`` and ``padding`` against an input.

    Returns
    -------
    pool_size, strides : tuple of int
        One entry per spatial axis (``strides=None`` means ``pool_size``).
    padding : str
        ``"valid"`` or ``"same"``.
    out_spatial : tuple of int
        Number of windows along each spatial axis (from ``_geometry.output_size``).

    Raises
    ------
    ValueError
        Under ``"valid"``, a window larger than the input: TensorFlow silently
        returns an empty array there; pooledu refuses and says so.
    """
    d = info.spatial_dims
    ks = _sizes(pool_size, d, "pool_size")
    ss = ks if strides is None else _sizes(strides, d, "strides")
    padding = normalize_padding(padding)
    spatial = info.spatial
    if padding == "valid":
        too_big = [i for i, (n, k) in enumerate(zip(spatial, ks)) if k > n]
        if too_big:
            axes = ", ".join(_AXIS_NAMES[d][i] for i in too_big)
            raise ValueError(
                f"pool_size {ks} is larger than {name}'s spatial size {spatial} along {axes} "
                f"with padding='valid': no window fits. (TensorFlow would silently return "
                f"an empty array; pooledu refuses.) Use pool_size <= {spatial} "
                f"or padding='same'."
            )
    out_spatial = tuple(output_size(n, k, s, padding) for n, k, s in zip(spatial, ks, ss))
    return ks, ss, padding, out_spatial


@dataclass(frozen=True)
class Window:
    """The checked window of a pooling, one entry per spatial axis.

    ``ks`` sizes, ``ss`` strides, ``ds`` dilations, ``pads`` ``(before, after)``
    padded cells, ``outs`` output sizes; ``explicit`` is True for an int/tuple
    (PyTorch) padding; ``empty`` is True when some window holds padding only
    (possible with dilation and padding: max gives -inf there, as PyTorch does).
    """

    ks: tuple
    ss: tuple
    ds: tuple
    pads: tuple
    outs: tuple
    explicit: bool
    empty: bool = False


def check_window(info: InputInfo, pool_size, strides, padding, dilation=1, ceil_mode=False,
                 name: str = "x") -> Window:
    """Check a window (TensorFlow's or PyTorch's conventions) against an input.

    ``padding`` is ``"valid"``/``"same"`` or PyTorch's int / tuple of ints; see
    ``pooledu._geometry.output_size`` for the formulas and the errors.
    """
    d = info.spatial_dims
    ks = _sizes(pool_size, d, "pool_size")
    ss = ks if strides is None else _sizes(strides, d, "strides")
    ds = _sizes(dilation, d, "dilation")
    ceil_mode = check_bool(ceil_mode, "ceil_mode")
    pads = normalize_padding_tuple(padding, d)
    explicit = not isinstance(padding, str)
    if not explicit:
        check_pool_args(info, pool_size, strides, padding, name)  # the "valid" message
    pads = tuple(axis_padding(p, k, dd, ceil_mode) for p, k, dd in zip(pads, ks, ds))
    outs = tuple(output_size(n, k, s, p, dilation=dd, ceil_mode=ceil_mode)
                 for n, k, s, p, dd in zip(info.spatial, ks, ss, pads, ds))
    amounts = tuple(padding_amounts(n, k, s, p, dilation=dd, ceil_mode=ceil_mode)
                    for n, k, s, p, dd in zip(info.spatial, ks, ss, pads, ds))
    empty = any(not any(0 <= i * s - before + j * dd < n for j in range(k))
                for n, k, s, dd, (before, _), out in zip(info.spatial, ks, ss, ds, amounts, outs)
                for i in range(out))
    return Window(ks, ss, ds, amounts, outs, explicit, empty)


def check_average_args(mode: str, window: Window, count_include_pad, divisor_override):
    """Check PyTorch's average options: both only for ``mode="avg"``;
    ``count_include_pad=True`` only with an explicit padding."""
    count_include_pad = check_bool(count_include_pad, "count_include_pad")
    if count_include_pad and mode != "avg":
        raise ValueError(f"count_include_pad=True is for mode='avg' only; got mode={mode!r}")
    if count_include_pad and not window.explicit:
        raise ValueError("count_include_pad=True needs an explicit int padding (PyTorch's "
                         "convention): with 'valid' there is no padding and TensorFlow's "
                         "'same' never counts it")
    if mode == "avg" and window.empty and not count_include_pad and divisor_override is None:
        raise ValueError("some window holds padding only, so it has no cell to average; "
                         "use less padding or dilation, count_include_pad=True or "
                         "divisor_override")
    if divisor_override is not None:
        if mode != "avg":
            raise ValueError(f"divisor_override is for mode='avg' only; got mode={mode!r}")
        if isinstance(divisor_override, bool) or \
                not isinstance(divisor_override, numbers.Integral):
            raise TypeError(f"divisor_override must be None or a positive integer; got "
                            f"{divisor_override!r} of type {type(divisor_override).__name__}")
        if divisor_override < 1:
            raise ValueError(f"divisor_override must be None or a positive integer; "
                             f"got {divisor_override}")
        divisor_override = int(divisor_override)
    return count_include_pad, divisor_override


def check_p(p) -> float:
    """Check the exponent of Lp pooling: a finite real number > 0."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"p must be a positive real number; got {p!r} of type {type(p).__name__}")
    if not (math.isfinite(p) and p > 0):
        raise ValueError(f"p must be a finite number > 0 (p=1 sums |x|, p=2 is the L2 norm); "
                         f"got p={p!r}")
    return float(p)


def check_bool(value, name: str) -> bool:
    """Check a flag is a bool (or NumPy bool)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r} of type "
                        f"{type(value).__name__}")
    return bool(value)


def check_floating(info: InputInfo, name: str = "x", why: str = "") -> None:
    """Refuse integer inputs where only floats make sense (e.g. gradients)."""
    if info.is_integer:
        raise TypeError(f"{name} must be floating point{why}; got an integer dtype. "
                        f"Convert first, e.g. {name}.astype(np.float32).")


def check_same_shape(shape, expected, name: str = "dy", what: str = "the pooled output") -> None:
    """Check that an array has the expected shape (e.g. ``dy`` matches the output)."""
    shape = tuple(int(d) for d in shape)
    expected = tuple(int(d) for d in expected)
    if shape != expected:
        raise ValueError(f"{name} must have the shape of {what}, {expected}; got shape {shape}")


def check_output_size(output_size, spatial_dims: int, name: str = "output_size") -> tuple:
    """Check an adaptive pooling ``output_size``: positive int or tuple of ``d`` positive ints.

    >>> check_output_size(7, 2)
    (7, 7)
    """
    return _sizes(output_size, spatial_dims, name)


def check_pooling_ratio(pooling_ratio, spatial_dims: int = 2, name: str = "pooling_ratio"):
    """Check a fractional pooling ratio; return one float >= 1 per spatial axis.

    Accepts a number, a tuple of ``d`` numbers, or TensorFlow's full form
    ``[1.0, r_h, r_w, 1.0]`` (batch and channel ratios must be 1).

    >>> check_pooling_ratio(1.5)
    (1.5, 1.5)
    >>> check_pooling_ratio([1.0, 1.44, 1.73, 1.0])
    (1.44, 1.73)
    """
    d = spatial_dims

    def as_float(v):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise TypeError(f"{name} must be a number >= 1 or a sequence of numbers; got "
                            f"{pooling_ratio!r} (element {v!r} of type {type(v).__name__})")
        return float(v)

    if isinstance(pooling_ratio, numbers.Real) and not isinstance(pooling_ratio, bool):
        ratios = [as_float(pooling_ratio)] * d
    else:
        if isinstance(pooling_ratio, (str, bytes)):
            raise TypeError(f"{name} must be a number >= 1 or a sequence of numbers; "
                            f"got {pooling_ratio!r}")
        try:
            values = [as_float(v) for v in pooling_ratio]
        except TypeError:
            if not hasattr(pooling_ratio, "__iter__"):
                raise TypeError(f"{name} must be a number >= 1 or a sequence of numbers; got "
                                f"{pooling_ratio!r} of type {type(pooling_ratio).__name__}"
                                ) from None
            raise
        if len(values) == d + 2:
            if values[0] != 1.0 or values[-1] != 1.0:
                raise ValueError(
                    f"{name} {tuple(values)}: the batch and channel ratios (first and last) "
                    f"must be 1.0; only spatial axes can be pooled fractionally"
                )
            values = values[1:-1]
        elif len(values) != d:
            raise ValueError(f"{name} must have {d} values (one per spatial axis) or {d + 2} "
                             f"(TensorFlow's [1.0, ..., 1.0] form); got {tuple(values)}")
        ratios = values
    for r in ratios:
        if not (math.isfinite(r) and r >= 1.0):
            raise ValueError(f"{name} values must be finite and >= 1 (output = floor(n / ratio)); "
                             f"got {pooling_ratio!r}")
    return tuple(ratios)


def check_pooling_sequence(seq, n: int, out: int, name: str = "row_seq") -> np.ndarray:
    """Check a fractional pooling sequence for an axis of ``n`` cells and ``out`` windows.

    A valid sequence has ``out + 1`` integers, starts at 0, ends at ``n``, and every
    step is ``k`` or ``k + 1`` with ``k = n // out`` (TensorFlow's rule).

    >>> check_pooling_sequence([0, 2, 3, 5], 5, 3).tolist()
    [0, 2, 3, 5]
    """
    try:
        arr = np.asarray(seq)
    except (ValueError, TypeError):
        raise TypeError(f"{name} must be a sequence of integers; got {seq!r}") from None
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and arr.size and np.all(np.isfinite(arr)) \
                and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{name} must be a sequence of integers; got {seq!r} "
                            f"(dtype {arr.dtype})")
    arr = arr.astype(np.int64)
    if arr.ndim != 1 or arr.size != out + 1:
        raise ValueError(f"{name} must have output size + 1 = {out + 1} entries for an axis of "
                         f"{n} cells pooled to {out}; got {arr.tolist()!r} "
                         f"(shape {arr.shape})")
    if arr[0] != 0 or arr[-1] != n:
        raise ValueError(f"{name} must start at 0 and end at the axis length {n}; "
                         f"got {arr.tolist()!r}")
    k = n // out
    steps = np.diff(arr)
    if not np.all((steps == k) | (steps == k + 1)):
        raise ValueError(f"{name} steps must all be {k} or {k + 1} (k = {n} // {out}); "
                         f"got {arr.tolist()!r} with steps {steps.tolist()!r}")
    return arr


def check_seed(seed, name: str = "seed"):
    """Check a seed: None or a non-negative integer."""
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be None or a non-negative integer; got {seed!r} "
                        f"of type {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"{name} must be None or a non-negative integer; got {seed}")
    return int(seed)
