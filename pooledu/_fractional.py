"""Fractional max / average pooling (Graham 2014), NumPy reference.

Fractional pooling shrinks an axis of ``n`` cells to ``out = floor(n / ratio)``
windows for a non-integer ``ratio`` such as 1.5. The windows are described by a
*pooling sequence* ``a_0 = 0 < a_1 < ... < a_out = n`` whose steps are all
``k`` or ``k + 1`` (``k = n // out``): window ``i`` covers cells
``[a_i, a_{i+1} - 1]``, or ``[a_i, a_{i+1}]`` (clipped to ``n - 1``) with
``overlapping=True``. One row sequence and one column sequence serve the whole
batch and every channel.

Two ways to draw a sequence (TensorFlow's ``fractional_pool_common.cc``):

* random: ``n % out`` steps of ``k + 1`` and the rest ``k``, shuffled;
* pseudo-random: ``a_i = ceil(alpha * (i + u)) - 1`` with ``alpha = n / out`` and
  one uniform ``u`` in ``[0, u_max)`` (``u_max`` keeps every step in {k, k+1}).

TensorFlow draws with Philox, which NumPy cannot reproduce, so this module draws
its own sequences with ``np.random.default_rng(seed)``; handed TensorFlow's
sequences (``row_seq``, ``col_seq``), it reproduces TensorFlow's output bit for
bit, for max and for average.
"""

from __future__ import annotations

import math

import numpy as np

from ._pool import result_dtype
from ._validation import (
    check_bool,
    check_input,
    check_mode,
    check_pooling_ratio,
    check_pooling_sequence,
    check_seed,
)

__all__ = [
    "FRACTIONAL_MODES",
    "fractional_output_size",
    "fractional_pool2d",
    "fractional_sequence",
]

FRACTIONAL_MODES = ("max", "avg")


def fractional_output_size(n: int, ratio: float) -> int:
    """Windows along an axis of ``n`` cells: ``floor(n / ratio)``.

    Computed in float32 like TensorFlow (its ratio attribute is a float32), so
    both agree even where float64 would round the other way.

    >>> fractional_output_size(10, 1.5), fractional_output_size(5, 1.44)
    (6, 3)
    """
    return int(np.floor(np.float32(n) / np.float32(ratio)))


def check_fractional_sizes(spatial, ratios) -> tuple:
    """Output size per axis; refuse a ratio that leaves no window."""
    outs = []
    for axis, (n, r) in zip("HW", zip(spatial, ratios)):
        out = fractional_output_size(n, r)
        if out < 1 or n < r:
            raise ValueError(f"pooling_ratio {r} is larger than the input's {axis} size ({n}): "
                             f"floor({n} / {r}) = {out} windows. Use a ratio of at most {n}.")
        outs.append(out)
    return tuple(outs)


def fractional_sequence(n: int, out: int, pseudo_random: bool = False, seed=None):
    """Draw a pooling sequence for ``n`` cells and ``out`` windows.

    Parameters
    ----------
    n, out : int
        Axis length and number of windows (``1 <= out <= n``).
    pseudo_random : bool, default False
        False: shuffled steps; True: ``ceil(alpha * (i + u))`` (see module docstring).
    seed : None, int or numpy.random.Generator
        ``np.random.default_rng(seed)`` is used; None gives fresh randomness.

    Returns
    -------
    numpy.ndarray of int64, shape ``(out + 1,)``
        Starts at 0, ends at ``n``, every step ``k`` or ``k + 1``.

    Examples
    --------
    >>> seq = fractional_sequence(10, 6, seed=0)
    >>> int(seq[0]), int(seq[-1]), sorted(set(np.diff(seq).tolist()))
    (0, 10, [1, 2])
    """
    n, out = int(n), int(out)
    if not 1 <= out <= n:
        raise ValueError(f"out must be between 1 and n={n}; got {out}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(check_seed(seed))
    k = n // out
    if pseudo_random:
        alpha = n / out
        u_max = min((k + 2) / alpha - 1, (n + 1 - k) / alpha - (out - 1))
        u = rng.random() * u_max
        # TF's 1-based a_i = ceil(alpha * (i + u)), a_0 = 1, a_out = n + 1; shift to 0-based
        inner = [math.ceil(alpha * (i + u)) - 1 for i in range(1, out)]
        seq = np.array([0, *inner, n], dtype=np.int64)
    else:
        steps = np.full(out, k, dtype=np.int64)
        steps[: n % out] += 1
        rng.shuffle(steps)
        seq = np.concatenate([[0], np.cumsum(steps)]).astype(np.int64)
    return check_pooling_sequence(seq, n, out, "sequence")


def _windows(seq, n, overlapping):
    starts = seq[:-1]
    stops = seq[1:] + 1 if overlapping else seq[1:]
    return starts, np.minimum(stops, n)


def _fractional_canonical(a, mode, row_seq, col_seq, overlapping):
    """Pool ``(N, H, W, C)`` with the given sequences, visiting each window's cells in
    row-major order (TensorFlow's order, so averages match it bit for bit)."""
    n_h, n_w = a.shape[1], a.shape[2]
    rs, re = _windows(row_seq, n_h, overlapping)
    cs, ce = _windows(col_seq, n_w, overlapping)
    out_dtype = result_dtype(a.dtype, mode)
    acc = None
    for jh in range(int((re - rs).max())):
        rows = rs + jh
        row_ok = rows < re
        picked_rows = a[:, np.minimum(rows, re - 1)]          # (N, H_out, W, C)
        for jw in range(int((ce - cs).max())):
            cols = cs + jw
            col_ok = cols < ce
            cells = picked_rows[:, :, np.minimum(cols, ce - 1)]  # (N, H_out, W_out, C)
            if acc is None:             # offset (0, 0) is in every window
                acc = cells.astype(out_dtype, copy=True)
            elif mode == "max":         # a clipped index repeats a cell: harmless for max
                np.maximum(acc, cells, out=acc)
            else:
                inside = (row_ok[:, None] & col_ok[None, :])[None, :, :, None]
                np.add(acc, cells, out=acc, where=inside, casting="unsafe")
    if mode == "avg":
        count = np.multiply.outer(re - rs, ce - cs)[None, :, :, None]
        np.divide(acc, count.astype(out_dtype), out=acc)
    return acc


def fractional_pool2d(x, pooling_ratio, mode="max", pseudo_random=False, overlapping=False,
                      seed=None, row_seq=None, col_seq=None):
    """Fractional max or average pooling (TensorFlow's ``fractional_max_pool`` /
    ``fractional_avg_pool``), in NumPy.

    Parameters
    ----------
    x : array_like
        ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``.
    pooling_ratio : float, (float, float) or [1.0, r_h, r_w, 1.0]
        Each ratio >= 1; output ``floor(H / r_h) x floor(W / r_w)``.
    mode : {"max", "avg"}, default "max"
    pseudo_random : bool, default False
        How missing sequences are drawn (see :func:`fractional_sequence`).
    overlapping : bool, default False
        If True, neighbouring windows share their boundary cell.
    seed : None or int, default None
        Seed for ``np.random.default_rng`` when a sequence has to be drawn.
    row_seq, col_seq : array_like of int, optional
        Sequences to use (e.g. the ones TensorFlow returned): ``out + 1``
        integers from 0 to the axis length, steps ``k`` or ``k + 1``.

    Returns
    -------
    out : numpy.ndarray
        Same rank as ``x``; avg of integers is float64.
    row_seq, col_seq : numpy.ndarray of int64
        The sequences used.

    Examples
    --------
    >>> x = np.arange(25.0).reshape(5, 5)
    >>> out, rows, cols = fractional_pool2d(x, 1.5, row_seq=[0, 2, 3, 5], col_seq=[0, 1, 3, 5])
    >>> out
    array([[ 5.,  7.,  9.],
           [10., 12., 14.],
           [20., 22., 24.]])
    """
    mode = check_mode(mode, FRACTIONAL_MODES)
    a, info = check_input(x, 2)
    ratios = check_pooling_ratio(pooling_ratio, 2)
    pseudo_random = check_bool(pseudo_random, "pseudo_random")
    overlapping = check_bool(overlapping, "overlapping")
    seed = check_seed(seed)
    (n_h, n_w), (out_h, out_w) = info.spatial, check_fractional_sizes(info.spatial, ratios)
    rng = None
    seqs = []
    for seq, n, out, name in ((row_seq, n_h, out_h, "row_seq"), (col_seq, n_w, out_w, "col_seq")):
        if seq is None:
            rng = rng if rng is not None else np.random.default_rng(seed)
            seqs.append(fractional_sequence(n, out, pseudo_random, rng))
        else:
            seqs.append(check_pooling_sequence(seq, n, out, name))
    result = _fractional_canonical(a, mode, seqs[0], seqs[1], overlapping)
    return result.reshape(info.restore(result.shape)), seqs[0], seqs[1]
