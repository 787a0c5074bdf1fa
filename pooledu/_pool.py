"""NumPy reference pooling: one N-d engine (:func:`pool_nd`) and thin 1-D/2-D/3-D wrappers.

How it works - notebook 01's sliding window (01 section 1, "A window slides, a
function summarises"; section 2, "Stride"), without a loop over pixels. Along
one axis, a window of ``k`` taps with stride ``s`` (and dilation ``d``) reads at
its tap ``j`` the input cells ``j*d, j*d + s, j*d + 2s, ...`` - one strided
slice for all windows at once. So a pooling is a handful of whole-array
operations, one per tap (window offset):

* **max / min** are separable (notebook 02 sections 1 and 5): the max over a
  ``k_h x k_w`` window is the max over ``k_w`` of the maxes over ``k_h``. So H is
  reduced with ``k_h`` strided slices, then W with ``k_w``: ``k_h + k_w`` slices
  instead of ``k_h * k_w``.
* **sum / avg / lp** add the ``k_h * k_w`` taps in row-major window order (h,
  then w) in the input dtype - exactly the order TensorFlow's CPU kernel uses,
  so averages match TF bit for bit, float16 included (notebook 02 section 2,
  "Average pooling"); avg then divides by the number of cells that count.

Padding is never materialised: a tap that would read a padded cell just skips
that output, so padded cells never win and never count (notebook 01 section 3,
"Padding"). With PyTorch's ``count_include_pad=True`` they count in the divisor
only (01 section 5, "The same window in PyTorch"). The geometry (how many
windows, how much padding) comes from ``pooledu._geometry``, the only copy of
the formulas.

Behaviour decisions (shared with ``pooledu.tf`` unless stated):

* **dtypes** - integer and floating-point inputs are accepted (bool, complex and
  object are refused). max / min keep the dtype; avg and lp return the input's
  float dtype, float64 for integer inputs; sum keeps float dtypes and sums
  integers as int64 (uint64 for unsigned).
* **float16** - windows are summed in float16 in row-major order, as TensorFlow
  does: ``avg([2048, 1, 1, 1]) == 512`` but ``avg([1, 1, 1, 2048]) == 513``.
* **NaN** - the NumPy reference *propagates* NaN: a window holding a NaN gives
  NaN under max, min, avg, sum and lp (and argmax points at the first NaN).
  TensorFlow's CPU max pool ignores NaN instead; ``pooledu.tf`` keeps TF's
  behaviour, so the two backends differ there on purpose (the course shows it).
* **signed zero** - sums start from +0.0 as TensorFlow's do, so a window of
  ``-0.0`` cells sums and averages to ``+0.0`` (max and min keep ``-0.0``).
* **inf** - a window of only ``-inf`` gives ``-inf`` under max (TF gives the
  lowest finite float); ``+inf`` and ``-inf`` in one average give NaN.
* **PyTorch's conventions** (int / tuple ``padding``, ``ceil_mode``,
  ``dilation``, ``count_include_pad``, ``divisor_override``) follow
  PyTorch's documented rules for ``nn.MaxPool2d`` / ``nn.AvgPool2d``.
  ``count_include_pad`` defaults to False (TensorFlow's rule): pass True to
  get PyTorch's default.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from ._geometry import adaptive_bins
from ._validation import (
    check_average_args,
    check_bool,
    check_floating,
    check_input,
    check_mode,
    check_output_size,
    check_p,
    check_pool_args,
    check_same_shape,
    check_window,
)

__all__ = [
    "ADAPTIVE_MODES",
    "GLOBAL_MODES",
    "GRAD_MODES",
    "POOL_MODES",
    "adaptive_pool2d",
    "adaptive_pool_nd",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "global_avg_pool2d",
    "global_max_pool2d",
    "global_pool1d",
    "global_pool2d",
    "global_pool3d",
    "max_pool1d",
    "max_pool2d",
    "max_pool2d_with_argmax",
    "max_pool3d",
    "min_pool1d",
    "min_pool2d",
    "min_pool3d",
    "pool1d",
    "pool2d",
    "pool2d_grad",
    "pool3d",
    "pool_nd",
]

POOL_MODES = ("max", "avg", "min", "sum", "lp")
GLOBAL_MODES = ("max", "avg", "min", "sum")
GRAD_MODES = ("max", "avg", "min", "sum")
ADAPTIVE_MODES = ("max", "avg")


def result_dtype(dtype, mode: str) -> np.dtype:
    """Output dtype of pooling an array of ``dtype`` with ``mode`` (see module docstring)."""
    dtype = np.dtype(dtype)
    if mode in ("max", "min"):
        return dtype
    if mode == "sum":
        if dtype.kind == "i":
            return np.dtype(np.int64)
        if dtype.kind == "u":
            return np.dtype(np.uint64)
        return dtype
    floating = dtype.kind == "f" or dtype.name == "bfloat16"   # (ml_dtypes' bfloat16)
    return dtype if floating else np.dtype(np.float64)           # avg, lp


# ------------------------------------------------------------------ the core (begin)
@dataclass(frozen=True)
class _Axis:
    """One spatial axis of a pooling: ``n`` input cells, windows of ``k`` taps
    ``d`` apart, stride ``s``, ``before`` / ``after`` padded cells, ``out`` windows.
    Window ``i`` reads the input cells ``i*s - before + j*d`` for ``j = 0..k-1``
    (the picture of notebook 01 section 5, ``pooledu.viz_windows.plot_window_axis``)."""

    n: int
    k: int
    s: int
    d: int
    before: int
    after: int
    out: int

    def taps(self):
        """One ``(out_slice, in_slice)`` per tap ``j``: the windows whose tap ``j`` is a
        real cell, and those cells (one strided slice). Padded taps are left out."""
        result = []
        for j in range(self.k):
            first = j * self.d - self.before                     # tap j of window 0
            lo = max(0, -(first // self.s))                      # first window inside
            hi = min(self.out, (self.n - 1 - first) // self.s + 1)  # last window + 1
            if hi > lo:
                start = lo * self.s + first
                result.append((slice(lo, hi), slice(start, start + (hi - lo - 1) * self.s + 1,
                                                    self.s)))
        return result

    def part(self, lo, hi):
        """The same axis, windows ``lo .. hi-1`` only (window ``i`` becomes ``i - lo``)."""
        return replace(self, before=self.before - lo * self.s, out=hi - lo)

    def counts(self, include_pad=False):
        """Cells per window that count for an average: real cells, or also padded
        ones (PyTorch's ``count_include_pad``; never the ceil-mode overhang)."""
        lo, hi = (-self.before, self.n + self.after) if include_pad else (0, self.n)
        cells = (np.arange(self.out)[:, None] * self.s - self.before
                 + np.arange(self.k)[None, :] * self.d)
        return ((cells >= lo) & (cells < hi)).sum(axis=1)


def _geometry(spatial, window):
    """The :class:`_Axis` of every spatial axis of ``spatial`` sizes (``window``: the
    checked sizes, strides, dilations, padding and output sizes)."""
    return [_Axis(n, k, s, d, before, after, out) for n, k, s, d, (before, after), out in
            zip(spatial, window.ks, window.ss, window.ds, window.pads, window.outs)]


def _along(axis, index):
    """An index tuple taking ``index`` along ``axis`` and everything elsewhere."""
    return (slice(None),) * axis + (index,)


def _extreme_along(a, axis, g, ufunc, out=None):
    """Max (``ufunc=np.maximum``) or min of every window of ``a`` along one ``axis``
    (into ``out`` if given): one strided slice per tap, combined in place. Doing this
    along H, then along W, gives the max of every 2-D window (notebook 02 section 1)."""
    taps = g.taps()
    full = [t for t in taps if t[0] == slice(0, g.out)]  # taps real in every window
    if len(full) >= 2:      # the first two taps combine straight into the result
        out = ufunc(a[_along(axis, full[0][1])], a[_along(axis, full[1][1])], out=out)
        taps = [t for t in taps if t is not full[0] and t is not full[1]]
    else:                   # start from the identity: -inf for max, +inf for min
        shape = list(a.shape)
        shape[axis] = g.out
        info = np.finfo(a.dtype) if a.dtype.kind == "f" else np.iinfo(a.dtype)
        low, high = (-np.inf, np.inf) if a.dtype.kind == "f" else (info.min, info.max)
        out = np.empty(shape, a.dtype) if out is None else out
        out[...] = low if ufunc is np.maximum else high
    for out_index, in_index in taps:
        view = out[_along(axis, out_index)]
        ufunc(view, a[_along(axis, in_index)], out=view)
    return out


def _window_sums(a, axes, dtype, out=None):
    """Sum of every window (into ``out`` if given), its taps added in row-major
    window order in ``dtype``.

    Not separable: float addition is not associative, and TensorFlow adds a window's
    cells row by row, so the same order gives the same bits (notebook 02 section 2).
    Windows that reach into the padding along the last axis have fewer taps; they
    are summed apart from the others (:func:`_split_border`, for speed only).
    """
    if _split_border(a, axes, dtype, out) is not None:
        return out
    shape, full = list(a.shape), [slice(None)] * a.ndim
    for ax, g in axes:
        shape[ax], full[ax] = g.out, slice(0, g.out)
    taps = []                                   # (out_index, cells), row-major order
    for tap in itertools.product(*(g.taps() for _, g in axes)):
        out_index, in_index = list(full), [slice(None)] * a.ndim
        for (ax, _), (o, i) in zip(axes, tap):
            out_index[ax], in_index[ax] = o, i
        taps.append((out_index, a[tuple(in_index)]))
    # TF sums 0 + x0 + x1 + ...; when taps 0 and 1 are real in every window, x0 + x1
    # starts the sum in one step, and a last + 0 turns the one value that differs, the
    # -0.0 of a window of -0.0 cells, into TF's +0.0
    total = np.empty(shape, dtype) if out is None else out
    shortcut = len(taps) >= 2 and taps[0][0] == full and taps[1][0] == full
    if shortcut:
        np.add(taps[0][1], taps[1][1], out=total, dtype=dtype, casting="unsafe")
        taps = taps[2:]
    else:
        total[...] = 0
    for out_index, cells in taps:
        view = total[tuple(out_index)]
        np.add(view, cells, out=view, casting="unsafe")
    if shortcut and total.dtype.kind == "f":
        np.add(total, 0, out=total)
    return total


def _split_border(a, axes, dtype, out):
    """Sum the windows of the last axis in up to three runs - those that reach into
    the padding before, those whose taps are all real, those that reach into the
    padding after - each into a block of its own, then copy them into ``out``.

    Same taps, same order, so the same bits as one run; but when the stride is above
    1, NumPy adds at half speed into a view with gaps (the taps the border windows
    lack), and at full speed into a whole block. ``None``: nothing to split.
    """
    ax, g = axes[-1]
    taps = g.taps()
    first = max((o.start for o, _ in taps), default=0)     # first all-real window
    last = min((o.stop for o, _ in taps), default=g.out)   # last all-real window + 1
    if out is None or g.s == 1 or (first, last) == (0, g.out) or first >= last:
        return None
    for lo, hi in ((0, first), (first, last), (last, g.out)):
        if hi > lo:
            out[_along(ax, slice(lo, hi))] = _window_sums(
                a, axes[:-1] + [(ax, g.part(lo, hi))], dtype)
    return out


def _divisor(geoms, include_pad, dtype, channels=1):
    """The count each window sum is divided by, broadcastable to ``(N, *out, C)``:
    a scalar when every window counts the same number of cells, else an array of
    shape ``(1, *out, channels)`` (written out along the channels: NumPy divides by
    an array that repeats along the innermost axis several times slower)."""
    counts = [g.counts(include_pad) for g in geoms]
    if all(c.min() == c.max() for c in counts):
        return dtype.type(np.prod([int(c[0]) for c in counts]))
    total = np.ones([1] * (len(geoms) + 2), np.int64)
    for axis, c in enumerate(counts, start=1):
        shape = [1] * total.ndim
        shape[axis] = -1
        total = total * c.reshape(shape)
    return np.repeat(total, channels, axis=-1).astype(dtype)


def _pool_images(a, mode, geoms, p, divisor, out):
    """Pool a canonical ``(N, *spatial, C)`` array into ``out``: separable max / min,
    or window sums in row-major order (then ``divisor`` for avg, the root for lp)."""
    axes = list(zip(range(1, a.ndim - 1), geoms))
    if mode in ("max", "min"):
        for number, (ax, g) in enumerate(axes, start=1):
            a = _extreme_along(a, ax, g, np.maximum if mode == "max" else np.minimum,
                               out=out if number == len(axes) else None)
    elif mode == "lp":
        _window_sums(np.abs(a.astype(out.dtype)) ** out.dtype.type(p), axes, out.dtype, out)
        np.power(out, out.dtype.type(1.0 / p), out=out)
    else:
        _window_sums(a, axes, out.dtype, out)
        if mode == "avg":
            np.divide(out, divisor, out=out)


_FEW_CHANNELS = 8      # fewer channels: each channel is pooled as an image of its own
_CACHE_BYTES = 1 << 20  # output bytes pooled at once: a batch goes a few images at a time


def _pool_canonical(a, mode, window, p=2.0, count_include_pad=False, divisor_override=None):
    """Pool a canonical ``(N, *spatial, C)`` array; arguments already checked.

    Two things here make it fast (and :func:`_split_border` and :func:`_divisor`
    have their own), and change no bit of the result: with few
    channels (an RGB image) every channel becomes an image of its own, so that
    NumPy's loops run along a long row instead of 3 channels; and a batch is
    pooled a few images at a time, so that the window sums stay in the CPU cache
    while the ``k_h * k_w`` taps are added to them.
    """
    geoms = _geometry(a.shape[1:-1], window)
    n, channels = a.shape[0], a.shape[-1]
    few = channels < _FEW_CHANNELS
    if few:   # (N, *spatial, C) -> (N*C, *spatial, 1)
        a = np.moveaxis(a, -1, 1).reshape(n * channels, *a.shape[1:-1], 1)
    out = np.empty((a.shape[0], *window.outs, a.shape[-1]), result_dtype(a.dtype, mode))
    divisor = None
    if mode == "avg":
        divisor = (out.dtype.type(divisor_override) if divisor_override else
                   _divisor(geoms, count_include_pad, out.dtype, out.shape[-1]))
    step = max(1, _CACHE_BYTES // max(out[0].nbytes, 1))
    for b in range(0, a.shape[0], step):
        _pool_images(a[b:b + step], mode, geoms, p, divisor, out[b:b + step])
    if few:   # back to (N, *out, C)
        out = np.ascontiguousarray(np.moveaxis(out.reshape(n, channels, *window.outs), 1, -1))
    return out
# ------------------------------------------------------------------ the core (end)


def _window_counts(spatial, ks, ss, padding):
    """Real (non-padded) cells per window: an int, or an int64 array of shape
    ``(1, *out_spatial, 1)`` (TF's string paddings; used by ``pooledu.tf``)."""
    from ._validation import describe_input
    info = describe_input((1, *spatial, 1), "f", "float64", len(spatial))
    geoms = _geometry(spatial, check_window(info, ks, ss, padding))
    count = _divisor(geoms, False, np.dtype(np.int64))
    return int(count) if np.ndim(count) == 0 else count


# --------------------------------------------------------------------------- public API
def pool_nd(x, spatial_dims, mode="max", pool_size=2, strides=None, padding="valid", p=2, *,
            dilation=1, ceil_mode=False, count_include_pad=False, divisor_override=None):
    """Pool ``x`` over its ``spatial_dims`` spatial axes (the engine behind pool1d/2d/3d).

    Parameters
    ----------
    x : array_like
        Channels last: ``(*spatial)``, ``(*spatial, C)`` or ``(N, *spatial, C)``.
    spatial_dims : int
        1, 2 or 3.
    mode : {"max", "avg", "min", "sum", "lp"}, default "max"
        ``"lp"`` is ``(sum over the window's real cells of |x|**p) ** (1/p)``:
        PyTorch's LPPool, with no averaging (p=1 sums |x|; large p approaches max |x|).
    pool_size : int or tuple of int, default 2
        Window size ``k`` per spatial axis.
    strides : int, tuple of int or None, default None
        Step ``s`` between windows; ``None`` means ``pool_size``.
    padding : {"valid", "same"}, int or tuple of int, default "valid"
        TensorFlow's strings (any case): ``"valid"``: ``out = floor((n - k) / s) + 1``
        (a window larger than the input is an error); ``"same"``: ``out =
        ceil(n / s)``, padding split as TensorFlow does. Or PyTorch's explicit
        ``p`` cells on each side (``p <= k // 2``): ``out = floor((n + 2p -
        d(k-1) - 1) / s) + 1``. Padded cells never win and never count (except
        with ``count_include_pad``).
    p : float, default 2
        Exponent for ``mode="lp"`` (must be > 0); ignored otherwise.
    dilation : int or tuple of int, default 1
        Gap ``d`` between a window's taps (PyTorch's ``dilation``, TF's
        ``dilations``); not with ``"same"``.
    ceil_mode : bool, default False
        PyTorch's ceil mode (int padding only): round the output size up, but
        every window starts inside the input or the left padding.
    count_include_pad : bool, default False
        ``mode="avg"`` with an int padding: divide by the window's cells
        including padding (PyTorch's default is True; TF's rule is False).
    divisor_override : int or None, default None
        ``mode="avg"``: divide every window sum by this number instead.

    Returns
    -------
    numpy.ndarray
        Same rank as ``x``, spatial sizes replaced by the output sizes. max / min
        keep the dtype; avg / lp give float64 for integer inputs; sum gives int64
        (uint64) for integers.

    Notes
    -----
    NaN propagates (a window holding NaN gives NaN), unlike TensorFlow's CPU max
    pool, which ignores it. Sums run in row-major window order in the input
    dtype, as TensorFlow does, so averages match ``tf.nn.avg_pool`` bit for bit
    (float16 included).
    """
    mode = check_mode(mode, POOL_MODES)
    a, info = check_input(x, spatial_dims)
    window = check_window(info, pool_size, strides, padding, dilation, ceil_mode)
    count_include_pad, divisor_override = check_average_args(
        mode, window, count_include_pad, divisor_override)
    if mode == "lp":
        p = check_p(p)
    result = _pool_canonical(a, mode, window, p, count_include_pad, divisor_override)
    return result.reshape(info.restore(result.shape))


def pool2d(x, mode="max", pool_size=2, strides=None, padding="valid", p=2, *,
           dilation=1, ceil_mode=False, count_include_pad=False, divisor_override=None):
    """2-D pooling of ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)`` (channels last).

    ``H_out = floor((H - k) / s) + 1`` under ``"valid"``, ``ceil(H / s)`` under
    ``"same"`` (likewise W). See :func:`pool_nd` for every parameter, including
    the keyword-only PyTorch options (``dilation``, ``ceil_mode``,
    ``count_include_pad``, ``divisor_override``).

    Examples
    --------
    >>> x = np.array([[1, 3, 2, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]])
    >>> pool2d(x, "max")
    array([[ 6,  8],
           [14, 16]])
    >>> pool2d(x, "avg")
    array([[ 3.75,  5.25],
           [11.5 , 13.5 ]])
    >>> pool2d(x, "avg", padding=1, count_include_pad=True)   # PyTorch's default
    array([[0.25, 1.25, 1.  ],
           [3.5 , 8.5 , 5.  ],
           [3.25, 7.25, 4.  ]])
    """
    return pool_nd(x, 2, mode, pool_size, strides, padding, p, dilation=dilation,
                   ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                   divisor_override=divisor_override)


def pool1d(x, mode="max", pool_size=2, strides=None, padding="valid", p=2, *,
           dilation=1, ceil_mode=False, count_include_pad=False, divisor_override=None):
    """1-D pooling of ``(W,)``, ``(W, C)`` or ``(N, W, C)``. See :func:`pool_nd`.

    >>> pool1d([1, 9, 2, 3], "max", pool_size=2, strides=1)
    array([9, 9, 3])
    >>> pool1d([1, 9, 2, 3, 5], "max", pool_size=2, strides=1, dilation=2)
    array([2, 9, 5])
    """
    return pool_nd(x, 1, mode, pool_size, strides, padding, p, dilation=dilation,
                   ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                   divisor_override=divisor_override)


def pool3d(x, mode="max", pool_size=2, strides=None, padding="valid", p=2, *,
           dilation=1, ceil_mode=False, count_include_pad=False, divisor_override=None):
    """3-D pooling of ``(D, H, W)``, ``(D, H, W, C)`` or ``(N, D, H, W, C)``. See :func:`pool_nd`.

    >>> pool3d(np.arange(8).reshape(2, 2, 2), "avg")
    array([[[3.5]]])
    """
    return pool_nd(x, 3, mode, pool_size, strides, padding, p, dilation=dilation,
                   ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                   divisor_override=divisor_override)


def _shortcut(pool_fn, mode, dims):
    if mode == "avg":
        def fn(x, pool_size=2, strides=None, padding="valid", *, dilation=1, ceil_mode=False,
               count_include_pad=False, divisor_override=None):
            return pool_fn(x, mode, pool_size, strides, padding, dilation=dilation,
                           ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                           divisor_override=divisor_override)
    else:
        def fn(x, pool_size=2, strides=None, padding="valid", *, dilation=1, ceil_mode=False):
            return pool_fn(x, mode, pool_size, strides, padding, dilation=dilation,
                           ceil_mode=ceil_mode)
    name = f"{mode}_pool{dims}d"
    fn.__name__ = fn.__qualname__ = name
    title = {'max': 'Max', 'avg': 'Average', 'min': 'Min'}[mode]
    fn.__doc__ = (f"{title} pooling in {dims}-D: "
                  f"``{pool_fn.__name__}(x, {mode!r}, pool_size, strides, padding)``.\n\n"
                  f"See :func:`{pool_fn.__name__}` and :func:`pool_nd` for shapes and "
                  f"parameters (keyword-only: dilation, ceil_mode"
                  f"{', count_include_pad, divisor_override' if mode == 'avg' else ''}).")
    return fn


max_pool1d = _shortcut(pool1d, "max", 1)
avg_pool1d = _shortcut(pool1d, "avg", 1)
min_pool1d = _shortcut(pool1d, "min", 1)
max_pool2d = _shortcut(pool2d, "max", 2)
avg_pool2d = _shortcut(pool2d, "avg", 2)
min_pool2d = _shortcut(pool2d, "min", 2)
max_pool3d = _shortcut(pool3d, "max", 3)
avg_pool3d = _shortcut(pool3d, "avg", 3)
min_pool3d = _shortcut(pool3d, "min", 3)


# --------------------------------------------------------------------------- global pooling
def _global(x, spatial_dims, mode, keepdims):
    mode = check_mode(mode, GLOBAL_MODES)
    keepdims = check_bool(keepdims, "keepdims")
    a, info = check_input(x, spatial_dims)
    axes = tuple(range(1, spatial_dims + 1))
    if mode == "max":
        r = a.max(axis=axes, keepdims=True)
    elif mode == "min":
        r = a.min(axis=axes, keepdims=True)
    elif mode == "sum":
        r = a.sum(axis=axes, keepdims=True, dtype=result_dtype(a.dtype, "sum"))
    else:  # np.mean accumulates float16 in float32, ints in float64
        r = a.mean(axis=axes, keepdims=True).astype(result_dtype(a.dtype, "avg"), copy=False)
    if keepdims:
        return r.reshape(info.restore(r.shape))
    shape = ((a.shape[0],) if info.batched else ()) + ((a.shape[-1],) if info.has_channels else ())
    return r.reshape(shape)


def global_pool2d(x, mode="avg", keepdims=False):
    """Pool each channel over the whole image: one number per (sample, channel).

    Parameters
    ----------
    x : array_like
        ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``.
    mode : {"max", "avg", "min", "sum"}, default "avg"
    keepdims : bool, default False
        Keep the spatial axes with size 1.

    Returns
    -------
    numpy.ndarray
        Without keepdims: ``(H, W) -> ()``, ``(H, W, C) -> (C,)``,
        ``(N, H, W, C) -> (N, C)``. With keepdims: ``(1, 1)``, ``(1, 1, C)``,
        ``(N, 1, 1, C)``. avg of integers is float64; sum of integers is int64.

    Examples
    --------
    >>> x = np.array([[1, 3, 2, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]])
    >>> float(global_pool2d(x)), int(global_pool2d(x, "max"))
    (8.5, 16)
    """
    return _global(x, 2, mode, keepdims)


def global_pool1d(x, mode="avg", keepdims=False):
    """Global pooling over W of ``(W,)``, ``(W, C)`` or ``(N, W, C)``. See :func:`global_pool2d`."""
    return _global(x, 1, mode, keepdims)


def global_pool3d(x, mode="avg", keepdims=False):
    """Global pooling over (D, H, W) of ``(D,H,W)``, ``(D,H,W,C)`` or ``(N,D,H,W,C)``.

    See :func:`global_pool2d`.
    """
    return _global(x, 3, mode, keepdims)


def global_max_pool2d(x, keepdims=False):
    """``global_pool2d(x, "max", keepdims)``: the largest value of each channel."""
    return _global(x, 2, "max", keepdims)


def global_avg_pool2d(x, keepdims=False):
    """``global_pool2d(x, "avg", keepdims)``: the mean of each channel."""
    return _global(x, 2, "avg", keepdims)


# --------------------------------------------------------------------------- argmax, gradients
def _string_window(a, ks, ss, padding):
    """The checked window of a canonical array for TF's "valid" / "same"."""
    from ._validation import describe_input
    info = describe_input(a.shape, "f", "float64", a.ndim - 2)
    return check_window(info, ks, ss, padding)


def _tap_combos(a, geoms):
    """(out_index, in_index) of every window offset of a ``(N, *spatial, C)`` array,
    in row-major window order."""
    for combo in itertools.product(*(g.taps() for g in geoms)):
        yield (slice(None), *(o for o, _ in combo)), (slice(None), *(i for _, i in combo))


def _arg_extreme(a, ks, ss, padding, mode):
    """Value and flat input index (batch included) of the first max/min of each window.

    Offsets are visited in row-major window order and only a strictly better
    value replaces the current one, so ties go to the first cell in row-major
    order. A NaN beats any number (NaN propagates) and the first NaN stays.
    """
    flat = np.arange(a.size, dtype=np.int64).reshape(a.shape)
    better = np.greater if mode == "max" else np.less
    geoms = _geometry(a.shape[1:-1], _string_window(a, ks, ss, padding))
    shape = (a.shape[0], *(g.out for g in geoms), a.shape[-1])
    best = np.zeros(shape, dtype=a.dtype)
    index = np.full(shape, -1, dtype=np.int64)
    is_float = a.dtype.kind == "f"
    for out_idx, in_idx in _tap_combos(a, geoms):
        cand, cur, idx = a[in_idx], best[out_idx], index[out_idx]
        take = better(cand, cur) | (idx < 0)
        if is_float:
            take |= np.isnan(cand) & ~np.isnan(cur)
        cur[take] = cand[take]
        idx[take] = flat[in_idx][take]
    return best, index


def max_pool2d_with_argmax(x, pool_size=2, strides=None, padding="valid",
                           include_batch_in_index=False):
    """Max pooling that also returns where each maximum came from (TF's convention).

    Parameters
    ----------
    x : array_like
        ``(H, W, C)`` or ``(N, H, W, C)``; ``(H, W)`` is treated as one channel
        (``C = 1``), and the outputs are then ``(H_out, W_out)``.
    pool_size, strides, padding
        As in :func:`pool2d`.
    include_batch_in_index : bool, default False
        Index ``((b*H + y)*W + x)*C + c`` if True, else ``(y*W + x)*C + c``.

    Returns
    -------
    out : numpy.ndarray
        The max pooling, same rank as ``x``.
    argmax : numpy.ndarray of int64
        Same shape as ``out``: flat index of the winning input cell. Ties go to
        the first maximum in row-major order; a NaN wins (the first NaN).

    Examples
    --------
    >>> out, idx = max_pool2d_with_argmax([[1, 3, 2, 4], [5, 6, 7, 8]])
    >>> out.tolist(), idx.tolist()
    ([[6, 8]], [[5, 7]])
    """
    a, info = check_input(x, 2)
    include_batch_in_index = check_bool(include_batch_in_index, "include_batch_in_index")
    ks, ss, padding, _ = check_pool_args(info, pool_size, strides, padding)
    out, index = _arg_extreme(a, ks, ss, padding, "max")
    if not include_batch_in_index:
        index %= int(np.prod(a.shape[1:]))
    shape = info.restore(out.shape)
    return out.reshape(shape), index.reshape(shape)


def pool2d_grad(x, dy, mode="max", pool_size=2, strides=None, padding="valid"):
    """Gradient of ``sum(pool2d(x, mode, ...) * dy)`` with respect to ``x``.

    Exactly what ``tf.GradientTape`` gives through ``tf.nn.max_pool2d`` /
    ``tf.nn.avg_pool2d`` (with ``output_gradients=dy``):

    * max / min: each window sends its ``dy`` to its first max (min) in row-major
      order - the gradient is sparse, one cell per window;
    * avg: each window spreads ``dy / count`` over its real cells;
    * sum: each window adds ``dy`` to each of its real cells.

    Overlapping windows accumulate: ``[1, 9, 2, 3]``, k=2, s=1, dy=1 gives
    ``[0, 2, 0, 1]``.

    Parameters
    ----------
    x : array_like, floating point
        ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``.
    dy : array_like
        Upstream gradient, the shape of ``pool2d(x, ...)``.
    mode : {"max", "avg", "min", "sum"}, default "max"
    pool_size, strides, padding
        As in :func:`pool2d`.

    Returns
    -------
    numpy.ndarray
        Shape and dtype of ``x``.

    Examples
    --------
    >>> pool2d_grad(np.array([[1., 9., 2., 3.]]), np.ones((1, 3)), pool_size=(1, 2), strides=1)
    array([[0., 2., 0., 1.]])
    """
    mode = check_mode(mode, GRAD_MODES)
    a, info = check_input(x, 2)
    check_floating(info, "x", " to take a gradient")
    ks, ss, padding, out_spatial = check_pool_args(info, pool_size, strides, padding)
    out_shape = (a.shape[0], *out_spatial, a.shape[-1])
    g, ginfo = check_input(dy, 2, name="dy")
    check_same_shape(ginfo.shape, info.restore(out_shape), "dy",
                     f"pool2d(x) for x of shape {info.shape}")
    g = g.reshape(out_shape).astype(a.dtype, copy=False)
    if mode in ("max", "min"):
        _, index = _arg_extreme(a, ks, ss, padding, mode)
        grad = np.bincount(index.ravel(), weights=g.ravel(), minlength=a.size)
        grad = grad.astype(a.dtype).reshape(a.shape)
    else:
        if mode == "avg":
            count = _window_counts(a.shape[1:-1], ks, ss, padding)
            g = g / np.asarray(count).astype(a.dtype)
        geoms = _geometry(a.shape[1:-1], _string_window(a, ks, ss, padding))
        grad = np.zeros(a.shape, dtype=a.dtype)
        for out_idx, in_idx in _tap_combos(a, geoms):
            view = grad[in_idx]
            np.add(view, g[out_idx], out=view)
    return grad.reshape(info.shape)


# --------------------------------------------------------------------------- adaptive pooling
def _adaptive_along_axis(a, axis, out, mode):
    starts, stops = adaptive_bins(a.shape[axis], out)
    reduce = np.max if mode == "max" else np.mean
    parts = [reduce(a[_along(axis, slice(lo, hi))], axis=axis, keepdims=True)
             for lo, hi in zip(starts, stops)]
    return np.concatenate(parts, axis=axis)


def adaptive_pool_nd(x, output_size, spatial_dims, mode="avg"):
    """Adaptive pooling over ``spatial_dims`` axes: see :func:`adaptive_pool2d`."""
    mode = check_mode(mode, ADAPTIVE_MODES)
    a, info = check_input(x, spatial_dims)
    outs = check_output_size(output_size, spatial_dims)
    if mode == "avg":
        a = a.astype(result_dtype(a.dtype, "avg"), copy=False)
    # separable, one axis after the other (as Keras computes it); exact for max
    for axis, out in enumerate(outs, start=1):
        a = _adaptive_along_axis(a, axis, out, mode)
    return a.reshape(info.restore(a.shape))


def adaptive_pool2d(x, output_size, mode="avg"):
    """Pool to a fixed output size, whatever the input size (PyTorch / Keras 3 bins).

    Output cell ``i`` along an axis of ``n`` cells covers
    ``[floor(i*n/out), ceil((i+1)*n/out))`` (``_geometry.adaptive_bins``):
    bins may overlap by one cell and differ in size by one.

    Parameters
    ----------
    x : array_like
        ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``.
    output_size : int or (int, int)
        ``(H_out, W_out)``; may exceed the input size (cells are then repeated).
    mode : {"avg", "max"}, default "avg"

    Returns
    -------
    numpy.ndarray
        Same rank as ``x`` with spatial sizes ``output_size``; avg of integers is float64.

    Examples
    --------
    >>> adaptive_pool2d(np.arange(7.0).reshape(1, 7), (1, 4))
    array([[0.5, 2. , 4. , 5.5]])
    """
    return adaptive_pool_nd(x, output_size, 2, mode)
