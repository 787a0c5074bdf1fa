"""NumPy reference pooling: one N-d engine (:func:`pool_nd`) and thin 1-D/2-D/3-D wrappers.

How it works (the lesson's "sliding window" without a loop over pixels): a window
of ``k`` cells with stride ``s`` reads, at its ``j``-th position, the input cells
``j, j + s, j + 2s, ...`` - one strided slice. So a pooling is a handful of
whole-array operations, one per offset inside the window:

* **max / min** are separable: reduce along H with ``k_h`` strided slices
  combined by ``np.maximum(..., out=)`` in place, then along W, and so on.
* **sum / avg / lp** add the ``k_h * k_w`` offsets in row-major window order
  (h, then w) in the input dtype, exactly the order TensorFlow's CPU kernel uses
  (so averages match TF bit for bit), then avg divides by the number of *real*
  cells in each window.

Under ``padding="same"`` nothing is padded in memory: an offset that would read a
padded cell simply skips that output (padded cells never win and never count).
The geometry (how many windows, how much padding) comes from ``pooledu._geometry``.

A few tricks only make it fast and change no bit of the result: the output is
done in cache-sized blocks of rows; along the last axis the input is first split
into its ``s`` "phases" (cells ``r, r+s, r+2s, ...``) so every offset reads a
contiguous run; with few channels (RGB) the work goes channel by channel; each
thread reuses one scratch buffer for its temporaries (fresh memory costs a page
fault per 4 KB); avg divides the interior by the scalar ``k_h * k_w`` and only
the border strips by their own counts.

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
* **inf** - a window of only ``-inf`` gives ``-inf`` under max (TF gives the
  lowest finite float); ``+inf`` and ``-inf`` in one average give NaN.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ._geometry import adaptive_bins, output_size, padding_amounts, window_bounds
from ._validation import (
    check_bool,
    check_floating,
    check_input,
    check_mode,
    check_output_size,
    check_p,
    check_pool_args,
    check_same_shape,
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


# --------------------------------------------------------------------------- helpers
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
    # avg, lp
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


@dataclass(frozen=True)
class _Axis:
    """Pooling geometry along one axis: window ``k``, stride ``s``, ``before`` padded
    cells and ``out`` windows. Output ``i`` covers inputs ``i*s - before + (0..k-1)``."""

    k: int
    s: int
    before: int
    out: int

    @classmethod
    def of(cls, n, k, s, padding):
        """Geometry of an axis of ``n`` cells, from ``pooledu._geometry``."""
        return cls(k, s, padding_amounts(n, k, s, padding)[0], output_size(n, k, s, padding))

    def taps(self, n):
        """One ``(out_slice, in_slice)`` per window offset ``j`` (0..k-1), for an axis
        holding ``n`` real cells: output ``i`` reads input ``i*s + j - before``.
        Outputs whose cell at offset ``j`` would be padding are left out."""
        k, s, before, out = self.k, self.s, self.before, self.out
        result = []
        for j in range(k):
            lo = max(0, -((j - before) // s))             # first i reading a cell >= 0
            hi = min(out, (n - 1 + before - j) // s + 1)  # last i reading a cell <= n-1
            if hi > lo:
                first = lo * s + j - before
                result.append((slice(lo, hi), slice(first, first + (hi - lo - 1) * s + 1, s)))
        return result

    def phase_taps(self, n):
        """Like :meth:`taps`, for an axis split into ``s`` phases (cells ``r, r+s, ...``):
        one ``(out_slice, phase r, in_slice)`` per offset, ``in_slice`` contiguous."""
        k, s, before, out = self.k, self.s, self.before, self.out
        result = []
        for j in range(k):
            r, m = (j - before) % s, (j - before) // s  # input (i + m)*s + r
            n_r = len(range(r, n, s))
            lo, hi = max(0, -m), min(out, n_r - m)
            if hi > lo:
                result.append((slice(lo, hi), r, slice(lo + m, hi + m)))
        return result

    def block(self, r0, r1, n):
        """Input rows ``[lo, hi)`` that outputs ``[r0, r1)`` read, and their local geometry."""
        lo = max(0, r0 * self.s - self.before)
        hi = min(n, (r1 - 1) * self.s - self.before + self.k)
        return lo, hi, _Axis(self.k, self.s, self.before + lo - r0 * self.s, r1 - r0)


def _at(axis: int, sl, ndim: int) -> tuple:
    index = [slice(None)] * ndim
    index[axis] = sl
    return tuple(index)


def _extreme_along(src, ax, g, ufunc, dest):
    """Max (``np.maximum``) or min of every window of ``src`` along axis ``ax``, into ``dest``."""
    taps = g.taps(src.shape[ax])
    full = [t for t in taps if t[0] == slice(0, g.out)]
    if len(full) >= 2:  # every window has these two cells: combine them straight into dest
        ufunc(src[_at(ax, full[0][1], src.ndim)], src[_at(ax, full[1][1], src.ndim)], out=dest)
        rest = [t for t in taps if t is not full[0] and t is not full[1]]
    elif full:
        np.copyto(dest, src[_at(ax, full[0][1], src.ndim)])
        rest = [t for t in taps if t is not full[0]]
    else:     # cannot happen with TF's padding split; kept for safety
        if src.dtype.kind == "f":
            dest[...] = -np.inf if ufunc is np.maximum else np.inf
        else:
            limits = np.iinfo(src.dtype)
            dest[...] = limits.min if ufunc is np.maximum else limits.max
        rest = taps
    for out_sl, in_sl in rest:
        view = dest[_at(ax, out_sl, src.ndim)]
        ufunc(view, src[_at(ax, in_sl, src.ndim)], out=view)


class _Scratch:
    """Memory a thread reuses for its temporaries (phase copies, partial results).

    Fresh memory costs a page fault per 4 KB on first touch, which here costs as
    much as the pooling itself; so each thread carves its temporaries out of one
    buffer that it keeps (up to ``_SCRATCH_KEEP`` bytes) from block to block and
    from call to call. Only speed depends on it, never a result.
    """

    def __init__(self):
        self.buf = np.empty(0, np.uint8)
        self.used = 0

    def take(self, shape, dtype):
        """An uninitialized array of ``shape`` and ``dtype``, 64-byte aligned."""
        dtype = np.dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        start = -(-self.used // 64) * 64
        if start + nbytes > self.buf.size:
            if nbytes + 64 > _SCRATCH_KEEP:  # too big to keep: a one-off array
                return np.empty(shape, dtype)
            # views taken before keep the old buffer alive
            self.buf = np.empty(max(nbytes + 64, min(2 * self.buf.size, _SCRATCH_KEEP)),
                                np.uint8)
            start = 0
        base = (-self.buf.ctypes.data) % 64
        if base + start + nbytes > self.buf.size:
            return np.empty(shape, dtype)
        self.used = start + nbytes
        return self.buf[base + start:base + start + nbytes].view(dtype).reshape(shape)


_local = threading.local()


def _scratch() -> _Scratch:
    """This thread's :class:`_Scratch`, emptied (created on first use, never at import)."""
    scratch = getattr(_local, "scratch", None)
    if scratch is None:
        scratch = _local.scratch = _Scratch()
    scratch.used = 0
    return scratch


def _phases(arr, ax, s, scratch=None):
    """Contiguous copies of ``arr[..., r::s, ...]`` (along axis ``ax``) for r in 0..s-1.

    A window offset along the last spatial axis then reads one contiguous run of
    a phase instead of every s-th cell: NumPy's fast (SIMD) loops instead of
    strided ones. One pass over ``arr``; no copy at all when ``s == 1`` and ``arr``
    is already contiguous. Copies go to ``scratch`` memory when given.
    """
    result = []
    for r in range(min(s, arr.shape[ax])):
        part = arr[_at(ax, slice(r, None, s), arr.ndim)]
        if scratch is None or part.flags.c_contiguous:
            result.append(np.ascontiguousarray(part))
        else:
            copy = scratch.take(part.shape, part.dtype)
            np.copyto(copy, part)
            result.append(copy)
    return result


def _planes(src):
    """``src`` as (channel index, array) pieces: one plane per channel when there are
    few channels (long runs along W instead of C-long pieces), else the whole block."""
    if 1 < src.shape[-1] <= _FEW_CHANNELS:
        return [(c, src[..., c]) for c in range(src.shape[-1])]
    return [(None, src)]


def _reduce_taps(planes_by_phase, combos, ufunc, acc):
    """Combine window offsets into ``acc`` in the order given (row-major for sums).

    ``combos`` holds ``(out_index, phase, in_index, covers_all)`` per offset.
    """
    if ufunc is not np.add:  # order is free for max / min: start from covering offsets
        combos = sorted(combos, key=lambda c: not c[3])
    first = combos[0]
    if len(combos) >= 2 and first[3] and combos[1][3]:
        # 0 + x0 + x1 == x0 + x1: the first two offsets go straight into acc
        second = combos[1]
        ufunc(planes_by_phase[first[1]][first[2]], planes_by_phase[second[1]][second[2]],
              out=acc, dtype=acc.dtype, casting="unsafe")
        rest = combos[2:]
    elif first[3]:
        np.copyto(acc, planes_by_phase[first[1]][first[2]], casting="unsafe")
        rest = combos[1:]
    else:  # sums only: with TF's padding split max / min always have a covering offset
        acc[...] = 0
        rest = combos
    for out_idx, phase, in_idx, _ in rest:
        view = acc[out_idx]
        ufunc(view, planes_by_phase[phase][in_idx], out=view, dtype=acc.dtype, casting="unsafe")


@functools.lru_cache(maxsize=64)
def _offset_combos(shape, geoms, last_only=False):
    """``(out_index, phase, in_index, covers_all)`` of every window offset of a block
    of ``shape`` (spatial axes 1..d), in row-major window order. The last spatial axis
    reads phase planes (see :func:`_phases`); ``last_only`` pools that axis alone."""
    d = len(geoms)
    per_axis = [] if last_only else [g.taps(shape[ax]) for ax, g in enumerate(geoms[:-1], 1)]
    per_axis.append(geoms[-1].phase_taps(shape[d]))
    fixed = (slice(None),) * (d if last_only else 1)
    result = []
    for combo in itertools.product(*per_axis):
        *others, (o_w, phase, i_w) = combo
        out_idx = (*fixed, *(o for o, _ in others), o_w)
        in_idx = (*fixed, *(i for _, i in others), i_w)
        covers = all(o == slice(0, g.out) for (o, _), g in zip(others, geoms)) and \
            o_w == slice(0, geoms[-1].out)
        result.append((out_idx, phase, in_idx, covers))
    return tuple(result)


def _extreme_block(src, geoms, ufunc, dest, scratch=None):
    """Max or min pooling of a ``(n, *spatial, C)`` block, one axis after the other."""
    d = len(geoms)
    for ax, g in enumerate(geoms[:-1], start=1):   # rows: contiguous runs already
        shape = list(src.shape)
        shape[ax] = g.out
        result = np.empty(shape, src.dtype) if scratch is None else scratch.take(shape, src.dtype)
        _extreme_along(src, ax, g, ufunc, result)
        src = result
    for c, plane in _planes(src):                  # the last axis, through phase planes
        mark = None if scratch is None else scratch.used
        phases = _phases(plane, d, geoms[-1].s, scratch)
        combos = _offset_combos(plane.shape, tuple(geoms), last_only=True)
        if c is None:
            _reduce_taps(phases, combos, ufunc, dest)
        else:
            acc = np.empty(dest.shape[:-1], dest.dtype) if scratch is None else \
                scratch.take(dest.shape[:-1], dest.dtype)
            _reduce_taps(phases, combos, ufunc, acc)
            dest[..., c] = acc
        if scratch is not None:
            scratch.used = mark                    # the next plane reuses this memory


def _sum_block(src, geoms, dest, scratch=None):
    """Sum of every window of a ``(n, *spatial, C)`` block, adding the offsets in
    row-major window order (h, then w) in ``dest``'s dtype, as TensorFlow's CPU
    kernel does (so averages match it bit for bit)."""
    d = len(geoms)
    for c, plane in _planes(src):
        mark = None if scratch is None else scratch.used
        phases = _phases(plane, d, geoms[-1].s, scratch)
        combos = _offset_combos(plane.shape, tuple(geoms))
        if c is None:
            _reduce_taps(phases, combos, np.add, dest)
        else:
            acc = np.empty(dest.shape[:-1], dest.dtype) if scratch is None else \
                scratch.take(dest.shape[:-1], dest.dtype)
            _reduce_taps(phases, combos, np.add, acc)
            dest[..., c] = acc
        if scratch is not None:
            scratch.used = mark


def _tap_combos(a, geoms):
    """(out_index, in_index) of every window offset of a ``(N, *spatial, C)`` array,
    in row-major window order."""
    per_axis = [g.taps(n) for n, g in zip(a.shape[1:-1], geoms)]
    for combo in itertools.product(*per_axis):
        yield (slice(None), *(o for o, _ in combo)), (slice(None), *(i for _, i in combo))


@functools.lru_cache(maxsize=256)
def _counts_1d(n, k, s, padding):
    starts, stops = window_bounds(n, k, s, padding)
    return np.subtract(stops, starts)


def _window_counts(spatial, ks, ss, padding):
    """Real (non-padded) cells per window: an int, or an int64 array of shape
    ``(1, *out_spatial, 1)``."""
    if padding == "valid":
        return int(np.prod(ks))
    per_axis = [_counts_1d(n, k, s, padding) for n, k, s in zip(spatial, ks, ss)]
    if all(c.min() == c.max() for c in per_axis):
        return int(np.prod([c[0] for c in per_axis]))
    d = len(spatial)
    count = np.ones((1,) * (d + 2), dtype=np.int64)
    for ax, c in enumerate(per_axis, start=1):
        shape = [1] * (d + 2)
        shape[ax] = c.size
        count = count * c.reshape(shape)
    return count


_FEW_CHANNELS = 8            # at most this many channels: work channel by channel
_BLOCK_BYTES = 1 << 20       # output bytes per block: the block stays in cache (best here)
_PARALLEL_BYTES = 1 << 24    # below this much input, threads cost more than they save
_SCRATCH_KEEP = 1 << 23      # a thread keeps at most this much scratch memory between calls
_executor = None


def _threads() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(4, n))


def _run_chunk(fn, blocks):
    """Run ``fn(*block, scratch)`` for consecutive blocks, with this thread's scratch."""
    scratch = _scratch()
    for b in blocks:
        scratch.used = 0
        fn(*b, scratch)


def _run_blocks(fn, blocks, parallel):
    """Run ``fn(*block, scratch)`` for every block, split into one run of consecutive
    blocks per thread (the calling thread does the first) if worthwhile."""
    global _executor
    n = _threads()
    if not parallel or len(blocks) < 2 or n < 2:
        _run_chunk(fn, blocks)
        return
    n = min(n, len(blocks))
    if _executor is None:  # created on first use, never at import
        _executor = ThreadPoolExecutor(_threads(), thread_name_prefix="pooledu")
    bounds = [len(blocks) * i // n for i in range(n + 1)]
    chunks = [blocks[bounds[i]:bounds[i + 1]] for i in range(n)]
    # other threads run in a copy of the caller's context, so np.errstate carries over
    futures = [_executor.submit(contextvars.copy_context().run, _run_chunk, fn, chunk)
               for chunk in chunks[1:]]
    try:
        _run_chunk(fn, chunks[0])
    finally:
        for future in futures:
            future.result()


def _blocks(out_shape, itemsize):
    """Split a ``(N, rows, ...)`` output into ``(b0, b1, r0, r1)`` blocks of ~``_BLOCK_BYTES``."""
    n, rows = out_shape[0], out_shape[1]
    sample_bytes = int(np.prod(out_shape[1:])) * itemsize
    if sample_bytes <= _BLOCK_BYTES:
        per = max(1, _BLOCK_BYTES // max(sample_bytes, 1))
        return [(b, min(b + per, n), 0, rows) for b in range(0, n, per)]
    per = max(1, _BLOCK_BYTES // max(sample_bytes // rows, 1))
    return [(b, b + 1, r, min(r + per, rows)) for b in range(n) for r in range(0, rows, per)]


def _full_windows(counts, k):
    """``(lo, hi)``: the windows ``lo..hi-1`` along an axis hold all ``k`` cells
    (a contiguous run: the others are cut by padding at either end)."""
    full = np.flatnonzero(counts == k)
    return (int(full[0]), int(full[-1]) + 1) if full.size else (0, 0)


def _divide_by_counts(acc, dest, r0, count, full, cells, dtype):
    """``dest = acc / count`` for a block (output rows ``r0...``) of window sums
    ``acc``, in ``dtype``: the interior (``full`` windows per axis) by the scalar
    ``cells`` (``k_1 * ... * k_d``), then each border strip by its own counts
    (``count``: ``(1, *out_spatial, 1)``). Same quotients as one broadcast
    division, less work."""
    rows = dest.shape[1]
    lo, hi = full[0][0], full[0][1]
    lo = min(max(lo, r0), r0 + rows) - r0
    bounds = [(lo, max(min(hi, r0 + rows) - r0, lo)), *full[1:]]
    inner = (slice(None), *(slice(lo, hi) for lo, hi in bounds))
    if dest[inner].size:
        np.divide(acc[inner], cells, out=dest[inner], dtype=dtype, casting="unsafe")
    count = count[:, r0:r0 + rows]
    d = len(bounds)
    for ax, (lo, hi) in enumerate(bounds):  # strips: axes before ax inner, ax outside
        for piece in (slice(0, lo), slice(hi, dest.shape[ax + 1])):
            if piece.stop > piece.start:
                index = (*inner[:ax + 1], piece, *(slice(None),) * (d - ax - 1))
                np.divide(acc[index], count[index], out=dest[index], dtype=dtype,
                          casting="unsafe")


def _pool_canonical(a, mode, ks, ss, padding, p=2.0):
    """Pool a canonical ``(N, *spatial, C)`` array (arguments already checked).

    The output is cut into blocks of (samples, output rows) of ~1 MB, so the
    accumulator stays in cache across the window offsets; blocks are independent
    and run, in one run of consecutive blocks per thread, on a few threads (NumPy
    releases the GIL). Neither changes any bit of the result.
    """
    spatial = a.shape[1:-1]
    out_dtype = result_dtype(a.dtype, mode)
    geoms = [_Axis.of(n, k, s, padding) for n, k, s in zip(spatial, ks, ss)]
    out = np.empty((a.shape[0], *(g.out for g in geoms), a.shape[-1]), dtype=out_dtype)
    count = _window_counts(spatial, ks, ss, padding) if mode == "avg" else 1
    if not isinstance(count, int):
        count = count.astype(out_dtype)
        full = [_full_windows(_counts_1d(n, k, s, padding), k)
                for n, k, s in zip(spatial, ks, ss)]

    def run(b0, b1, r0, r1, scratch):
        lo, hi, first = geoms[0].block(r0, r1, a.shape[1])
        slab, dest = a[b0:b1, lo:hi], out[b0:b1, r0:r1]
        block_geoms = [first, *geoms[1:]]
        if mode in ("max", "min"):
            _extreme_block(slab, block_geoms, np.maximum if mode == "max" else np.minimum, dest,
                           scratch)
            return
        if mode == "lp":
            slab = np.power(np.abs(slab.astype(out_dtype)), out_dtype.type(p))
        if mode == "avg":  # sum in scratch memory (stays in cache), divide into dest
            acc = scratch.take(dest.shape, out_dtype)
            _sum_block(slab, block_geoms, acc, scratch)
            if isinstance(count, int):
                np.divide(acc, count, out=dest, dtype=out_dtype, casting="unsafe")
            else:
                _divide_by_counts(acc, dest, r0, count, full, int(np.prod(ks)), out_dtype)
            return
        _sum_block(slab, block_geoms, dest, scratch)
        if mode == "lp":
            np.power(dest, out_dtype.type(1.0 / p), out=dest)

    _run_blocks(run, _blocks(out.shape, out.itemsize), parallel=a.nbytes >= _PARALLEL_BYTES)
    return out


# --------------------------------------------------------------------------- public API
def pool_nd(x, spatial_dims, mode="max", pool_size=2, strides=None, padding="valid", p=2):
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
    padding : {"valid", "same"}, default "valid"
        Any case. ``"valid"``: ``out = floor((n - k) / s) + 1`` (a window larger
        than the input is an error); ``"same"``: ``out = ceil(n / s)``, padding
        split as TensorFlow does, padded cells never win and never count.
    p : float, default 2
        Exponent for ``mode="lp"`` (must be > 0); ignored otherwise.

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
    ks, ss, padding, _ = check_pool_args(info, pool_size, strides, padding)
    if mode == "lp":
        p = check_p(p)
    result = _pool_canonical(a, mode, ks, ss, padding, p)
    return result.reshape(info.restore(result.shape))


def pool2d(x, mode="max", pool_size=2, strides=None, padding="valid", p=2):
    """2-D pooling of ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)`` (channels last).

    ``H_out = floor((H - k) / s) + 1`` under ``"valid"``, ``ceil(H / s)`` under
    ``"same"`` (likewise W). See :func:`pool_nd` for every parameter.

    Examples
    --------
    >>> x = np.array([[1, 3, 2, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]])
    >>> pool2d(x, "max")
    array([[ 6,  8],
           [14, 16]])
    >>> pool2d(x, "avg")
    array([[ 3.75,  5.25],
           [11.5 , 13.5 ]])
    """
    return pool_nd(x, 2, mode, pool_size, strides, padding, p)


def pool1d(x, mode="max", pool_size=2, strides=None, padding="valid", p=2):
    """1-D pooling of ``(W,)``, ``(W, C)`` or ``(N, W, C)``. See :func:`pool_nd`.

    >>> pool1d([1, 9, 2, 3], "max", pool_size=2, strides=1)
    array([9, 9, 3])
    """
    return pool_nd(x, 1, mode, pool_size, strides, padding, p)


def pool3d(x, mode="max", pool_size=2, strides=None, padding="valid", p=2):
    """3-D pooling of ``(D, H, W)``, ``(D, H, W, C)`` or ``(N, D, H, W, C)``. See :func:`pool_nd`.

    >>> pool3d(np.arange(8).reshape(2, 2, 2), "avg")
    array([[[3.5]]])
    """
    return pool_nd(x, 3, mode, pool_size, strides, padding, p)


def _shortcut(pool_fn, mode, dims):
    def fn(x, pool_size=2, strides=None, padding="valid"):
        return pool_fn(x, mode, pool_size, strides, padding)
    name = f"{mode}_pool{dims}d"
    fn.__name__ = fn.__qualname__ = name
    title = {'max': 'Max', 'avg': 'Average', 'min': 'Min'}[mode]
    fn.__doc__ = (f"{title} pooling in {dims}-D: "
                  f"``{pool_fn.__name__}(x, {mode!r}, pool_size, strides, padding)``.\n\n"
                  f"See :func:`{pool_fn.__name__}` and :func:`pool_nd` for shapes and "
                  f"parameters.")
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
def _arg_extreme(a, ks, ss, padding, mode):
    """Value and flat input index (batch included) of the first max/min of each window.

    Offsets are visited in row-major window order and only a strictly better
    value replaces the current one, so ties go to the first cell in row-major
    order. A NaN beats any number (NaN propagates) and the first NaN stays.
    """
    flat = np.arange(a.size, dtype=np.int64).reshape(a.shape)
    better = np.greater if mode == "max" else np.less
    geoms = [_Axis.of(n, k, s, padding) for n, k, s in zip(a.shape[1:-1], ks, ss)]
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
        geoms = [_Axis.of(n, k, s, padding) for n, k, s in zip(a.shape[1:-1], ks, ss)]
        grad = np.zeros(a.shape, dtype=a.dtype)
        for out_idx, in_idx in _tap_combos(a, geoms):
            view = grad[in_idx]
            np.add(view, g[out_idx], out=view)
    return grad.reshape(info.shape)


# --------------------------------------------------------------------------- adaptive pooling
def _adaptive_along_axis(a, axis, out, mode):
    starts, stops = adaptive_bins(a.shape[axis], out)
    reduce = np.max if mode == "max" else np.mean
    parts = [reduce(a[_at(axis, slice(lo, hi), a.ndim)], axis=axis, keepdims=True)
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
