"""Pooling beyond max and average: the NumPy reference (notebook 03).

Every function here summarises each pooling window with a different rule:

* ``stochastic_pool2d`` (Zeiler & Fergus 2013): training samples a cell with
  probability ``p_i = a_i / sum(a)``; inference outputs ``sum(p_i * a_i)``.
* ``mixed_pool2d`` (Yu et al. 2014): max with probability ``alpha``, else average,
  in training; the fixed blend ``alpha * max + (1 - alpha) * avg`` at inference.
* ``lp_pool2d``: the p-norm ``sum(|x|^p)^(1/p)``, or the power
  average ``mean(|x|^p)^(1/p)`` with ``normalize=True``.
* ``gem_pool2d`` (Radenovic et al. 2018): ``mean(clamp(x, eps)^p)^(1/p)``,
  global by default.
* ``soft_pool2d`` (Stergiou et al. 2021): ``sum(e^x * x) / sum(e^x)``.
* ``lse_pool2d`` (log-sum-exp): ``m + log(mean(e^(r (x - m)))) / r``.
* ``blur_pool2d`` / ``max_blur_pool2d`` (Zhang 2019): binomial low-pass
  filter, then subsample (after a stride-1 max for MaxBlurPool).
* ``spatial_pyramid_pool2d`` (He et al. 2014): adaptive pooling at several
  grid sizes, flattened into one fixed-length vector.

Conventions (as in :mod:`pooledu.reference`): inputs are channels-last,
``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``; windowed functions keep the
rank; ``strides=None`` means ``pool_size``; ``padding`` is ``"valid"`` or
``"same"`` (TensorFlow's split, from :mod:`pooledu._geometry`).  Padded cells
never count: every mean below divides by the number of *real* cells in the
window, and padded cells get zero weight or probability.

Integer inputs are converted to float64 (these rules produce fractions);
floating inputs keep their dtype; booleans, complex numbers and objects are
refused (``pooledu._validation.check_input``).

All windows are cut out by one helper, :func:`extract_windows`, which returns
them as an array ``(N, OH, OW, C, kh*kw)`` plus a mask of the real cells:
each pooling rule is then a few lines of vectorised NumPy over the last axis.
The TensorFlow versions live in ``pooledu.tf`` (same names).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _geometry
from ._geometry import normalize_padding, normalize_tuple, padding_amounts
from ._pool import ADAPTIVE_MODES, adaptive_pool2d, avg_pool2d, max_pool2d
from ._validation import check_bool, check_input, check_mode, check_p, check_pool_args, check_seed

__all__ = [
    "binomial_filter",
    "blur_pool2d",
    "extract_windows",
    "gem_pool2d",
    "lp_pool2d",
    "lse_pool2d",
    "max_blur_pool2d",
    "mixed_pool2d",
    "soft_pool2d",
    "spatial_pyramid_pool2d",
    "stochastic_pool2d",
]

SPP_MODES = ADAPTIVE_MODES     # ("max", "avg")


# ---------------------------------------------------------------------------
# parameter checks (messages name the parameter, the value and what is allowed)
# ---------------------------------------------------------------------------

def _as_nhwc(x, name: str = "x"):
    """Return ``(x4, info)``: ``x`` as a float ``(N, H, W, C)`` array, and how to
    restore its rank."""
    arr, info = check_input(x, 2, name)
    if info.is_integer:
        arr = arr.astype(np.float64)
    return arr, info


def _restore_rank(y4, info):
    return y4.reshape(info.restore(y4.shape))


def _check_positive_real(value, name: str, *, allow_zero: bool = False) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} of type "
                        f"{type(value).__name__}")
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not (ok and math.isfinite(value)):
        what = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name} must be {what}; got {value!r}")
    return value


def _rng(seed):
    """``None``, a non-negative int or a ``np.random.Generator`` -> a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_seed(seed))


# ---------------------------------------------------------------------------
# the one window extractor
# ---------------------------------------------------------------------------

def extract_windows(x, pool_size=2, strides=None, padding="valid"):
    """Every pooling window of ``x`` as one array, plus a mask of the real cells.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
        Batch of channels-last feature maps (this helper takes 4-D input only).
    pool_size, strides, padding
        As in :func:`pooledu.reference.pool2d`; geometry from :mod:`pooledu._geometry`.

    Returns
    -------
    windows : ndarray, shape (N, OH, OW, C, kh*kw)
        ``windows[n, i, j, c]`` is window ``(i, j)`` of channel ``c``, flattened in
        row-major order (h, then w).  Padded cells hold 0.
    mask : ndarray of bool, shape (1, OH, OW, 1, kh*kw)
        True for real cells, False for padding; broadcasts against ``windows``.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> w, m = extract_windows(x, 2)
    >>> w.shape, w[0, 0, 0, 0].tolist()
    ((1, 2, 2, 1, 4), [0.0, 1.0, 4.0, 5.0])
    """
    x, info = check_input(x, 2)
    if not info.batched:
        raise ValueError(f"x must be 4-D (N, H, W, C); got shape {info.shape}")
    (kh, kw), (sh, sw), padding, (oh, ow) = check_pool_args(info, pool_size, strides, padding)
    _, h, w, _ = x.shape
    (ph0, ph1) = padding_amounts(h, kh, sh, padding)
    (pw0, pw1) = padding_amounts(w, kw, sw, padding)
    xp = np.pad(x, ((0, 0), (ph0, ph1), (pw0, pw1), (0, 0)))
    win = sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::sh, ::sw][:, :oh, :ow]
    windows = win.reshape(x.shape[0], oh, ow, x.shape[3], kh * kw)

    def real_cells(n, k, s, before, after, out):
        valid = np.zeros(n + before + after, dtype=bool)
        valid[before:before + n] = True
        return sliding_window_view(valid, k)[::s][:out]          # (out, k)

    vh = real_cells(h, kh, sh, ph0, ph1, oh)
    vw = real_cells(w, kw, sw, pw0, pw1, ow)
    mask = (vh[:, None, :, None] & vw[None, :, None, :]).reshape(1, oh, ow, 1, kh * kw)
    return windows, mask


def _masked_max(windows, mask):
    return np.where(mask, windows, -np.inf).max(axis=-1).astype(windows.dtype)


def _masked_mean(values, mask):
    """Mean over the real cells of each window (the divisor ignores padding)."""
    count = mask.sum(axis=-1)
    return np.where(mask, values, 0).sum(axis=-1) / count


# ---------------------------------------------------------------------------
# stochastic and mixed pooling: random in training, deterministic in inference
# ---------------------------------------------------------------------------

def stochastic_pool2d(x, pool_size=2, strides=None, padding="valid", *,
                      training=False, seed=None):
    """Stochastic pooling (Zeiler & Fergus 2013).

    In each window of non-negative activations ``a``, cell ``i`` gets the
    probability ``p_i = a_i / sum(a)``.

    * ``training=True``: output one cell per window, sampled with probabilities
      ``p`` (a larger activation is more likely to be picked, but a smaller one
      sometimes wins: a form of regularisation).
    * ``training=False`` (inference): output the expectation
      ``sum(p_i * a_i) = sum(a^2) / sum(a)``, a weighted average that lies
      between the window's average and its maximum.

    A window of zeros has no distribution: its output is 0.  Padded cells
    (``padding="same"``) have probability 0.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
        Non-negative, finite activations (e.g. after a ReLU).
    pool_size : int or (int, int), default 2
    strides : int or (int, int) or None, default None (= ``pool_size``)
    padding : {"valid", "same"}, default "valid"
    training : bool, default False (keyword only)
    seed : None, int or numpy.random.Generator, default None (keyword only)
        Passed to ``np.random.default_rng`` in training mode.

    Returns
    -------
    ndarray, same rank as ``x``, spatial size from :func:`pooledu.output_size`.

    Raises
    ------
    ValueError
        If ``x`` has a negative, NaN or infinite value.

    Examples
    --------
    >>> x = np.array([[1.0, 3.0], [0.0, 0.0]])
    >>> stochastic_pool2d(x)               # (1*1 + 3*3) / (1 + 3)
    array([[2.5]])
    >>> float(stochastic_pool2d(x, training=True, seed=0)[0, 0]) in (1.0, 3.0)
    True
    """
    x4, info = _as_nhwc(x)
    training = check_bool(training, "training")
    if not np.all(np.isfinite(x4) & (x4 >= 0)):
        bad = x4[~(np.isfinite(x4) & (x4 >= 0))].flat[0]
        raise ValueError(
            "stochastic pooling needs non-negative, finite input (probabilities are "
            f"a_i / sum(a)); x contains {bad!r}. Apply a ReLU first.")
    windows, _ = extract_windows(x4, pool_size, strides, padding)   # padding holds 0
    if training:
        rng = _rng(seed)
        cumulative = np.cumsum(windows, axis=-1)
        total = cumulative[..., -1:]
        # u in [0, total): the first cell whose running sum exceeds u is picked,
        # so cell i is picked with probability a_i / total; zero cells never are.
        u = rng.random(total.shape) * total
        picked = np.argmax(cumulative > u, axis=-1)[..., None]
        y = np.take_along_axis(windows, picked, axis=-1)[..., 0]   # all-zero window -> 0
    else:
        total = windows.sum(axis=-1)
        y = np.where(total > 0, (windows * windows).sum(axis=-1) / np.where(total > 0, total, 1),
                     0).astype(windows.dtype)
    return _restore_rank(y, info)


def mixed_pool2d(x, pool_size=2, strides=None, padding="valid", alpha=0.5, *,
                 training=False, seed=None):
    """Mixed pooling (Yu et al. 2014): each output is the window's max or its average.

    * ``training=True``: for every window of every feature map (every output
      value) the max is picked with probability ``alpha``, else the average.
    * ``training=False`` (inference): the fixed blend
      ``alpha * max + (1 - alpha) * avg``, the expectation of the training output.
      This blend is pooledu's choice: Yu et al. record how often each was picked
      in training and, as far as we could check, apply the more frequent one at
      test time (notebook 03).  Nothing here is learned; a learned, gated blend
      is Lee et al. 2016.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
    pool_size, strides, padding
        As in :func:`pooledu.reference.pool2d`.  Padded cells never win the
        max and never count in the average.
    alpha : float in [0, 1], default 0.5
        Weight of the max (inference) / probability of picking the max (training).
    training : bool, default False (keyword only)
    seed : None, int or numpy.random.Generator, default None (keyword only)

    Returns
    -------
    ndarray, same rank as ``x``.

    Examples
    --------
    >>> x = np.array([[1.0, 3.0], [0.0, 0.0]])
    >>> mixed_pool2d(x, alpha=0.5)         # 0.5 * 3 + 0.5 * 1
    array([[2.]])
    """
    x4, info = _as_nhwc(x)
    alpha = _check_positive_real(alpha, "alpha", allow_zero=True)
    if alpha > 1:
        raise ValueError(f"alpha must be in [0, 1]; got {alpha!r}")
    training = check_bool(training, "training")
    largest = max_pool2d(x4, pool_size, strides, padding)
    average = avg_pool2d(x4, pool_size, strides, padding)
    if training:
        pick = (_rng(seed).random(largest.shape) < alpha).astype(x4.dtype)
    else:
        pick = x4.dtype.type(alpha)
    y = pick * largest + (1 - pick) * average
    return _restore_rank(y.astype(x4.dtype), info)


# ---------------------------------------------------------------------------
# power means: Lp, GeM; smooth maxima: SoftPool, log-sum-exp
# ---------------------------------------------------------------------------

def _power_mean(windows, mask, p, normalize):
    """``(sum or mean of |w|^p)^(1/p)`` over real cells, computed as
    ``m * (sum (|w|/m)^p)^(1/p)`` with ``m`` the window's largest ``|w|``, so
    that large ``p`` neither overflows nor underflows (``m = 0`` gives 0)."""
    a = np.where(mask, np.abs(windows), 0)
    m = a.max(axis=-1)
    safe_m = np.where(m > 0, m, 1)
    ratio = (a / safe_m[..., None]) ** p
    s = ratio.sum(axis=-1)
    if normalize:
        s = s / mask.sum(axis=-1)
    return np.where(m > 0, m * s ** (1.0 / p), 0).astype(windows.dtype)


def lp_pool2d(x, p=2.0, pool_size=2, strides=None, padding="valid", *, normalize=False):
    """Lp pooling: the p-norm of each window, or with ``normalize=True`` its power average.

    * ``normalize=False`` (default, as ``pooledu.reference.pool2d(x, "lp", p=p)``):
      ``(sum |x|^p)^(1/p)``, the p-norm.
      ``p = 1`` is the window sum, ``p -> inf`` the max of ``|x|``.
    * ``normalize=True`` (the power average of the spec, ``mean(|x|^p)^(1/p)``):
      ``p = 1`` is the average of ``|x|``, ``p -> inf`` the max of ``|x|``.
      The two differ by the factor ``count^(1/p)`` (``count`` = real cells).

    pooledu takes ``|x|``. PyTorch's ``LPPool2d`` computes ``(sum x^p)^(1/p)``,
    raising ``x`` (not ``|x|``): the same for even ``p`` or non-negative input,
    NaN where the sum is negative (notebook 03).
    The result is computed as ``m * (sum (|x|/m)^p)^(1/p)`` with ``m`` the
    window's largest ``|x|``, so ``p = 100`` does not overflow.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
    p : float > 0, default 2.0
    pool_size, strides, padding
        As in :func:`pooledu.reference.pool2d` (padded cells count as 0 and are
        not in the mean's divisor).
    normalize : bool, default False (keyword only)

    Returns
    -------
    ndarray, same rank as ``x``.

    Examples
    --------
    >>> x = np.array([[3.0, 0.0], [4.0, 0.0]])
    >>> lp_pool2d(x, p=2)                  # sqrt(9 + 16)
    array([[5.]])
    >>> lp_pool2d(x, p=2, normalize=True)  # sqrt((9 + 16) / 4)
    array([[2.5]])
    """
    x4, info = _as_nhwc(x)
    p = check_p(p)
    normalize = check_bool(normalize, "normalize")
    windows, mask = extract_windows(x4, pool_size, strides, padding)
    return _restore_rank(_power_mean(windows, mask, p, normalize), info)


def gem_pool2d(x, p=3.0, eps=1e-6, pool_size=None, strides=None, padding="valid", *,
               keepdims=False):
    """Generalized-mean (GeM) pooling (Radenovic et al. 2018): ``mean(clamp(x, eps)^p)^(1/p)``.

    ``p = 1`` is average pooling, ``p -> inf`` approaches max pooling; ``p = 3``
    is the usual start, and in a network ``p`` is learned (see
    :class:`pooledu.layers.GeMPooling2D`).  Values below ``eps`` are raised to
    ``eps`` so that fractional powers of negative numbers never appear.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
    p : float > 0, default 3.0
    eps : float > 0, default 1e-6
    pool_size : None, int or (int, int), default None
        ``None``: *global* pooling over the whole map, like
        ``GlobalAveragePooling2D``: ``(N, H, W, C) -> (N, C)``,
        ``(H, W, C) -> (C,)``, ``(H, W) -> ()`` (with ``keepdims=True`` the
        spatial axes stay, with size 1).  An int or pair: windowed pooling,
        output as in :func:`pooledu.reference.pool2d` (rank kept).
    strides, padding
        Windowed pooling only (as in ``pool2d``).
    keepdims : bool, default False (keyword only)
        Global pooling only.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> gem_pool2d(x, p=1)                 # the average
    array(2.5)
    >>> round(float(gem_pool2d(x, p=200)), 2)   # close to the max
    3.97
    """
    x4, info = _as_nhwc(x)
    p = check_p(p)
    eps = _check_positive_real(eps, "eps")
    keepdims = check_bool(keepdims, "keepdims")
    x4 = np.maximum(x4, x4.dtype.type(eps))
    if pool_size is None:
        if strides is not None:
            raise ValueError(f"strides must be None for global GeM pooling (pool_size=None); "
                             f"got strides={strides!r}")
        normalize_padding(padding)
        n, h, w, c = x4.shape
        windows = x4.reshape(n, 1, 1, h * w, c).transpose(0, 1, 2, 4, 3)
        y = _power_mean(windows, np.ones((1, 1, 1, 1, h * w), bool), p, True)  # (N,1,1,C)
        if keepdims:
            return _restore_rank(y, info)
        return y.reshape(info.restore((n, c)))
    windows, mask = extract_windows(x4, pool_size, strides, padding)
    return _restore_rank(_power_mean(windows, mask, p, True), info)


def soft_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """SoftPool (Stergiou et al. 2021): each cell weighted by its softmax,
    ``sum(e^x x) / sum(e^x)``.

    The output lies between the window's min and max and is pulled towards the
    max.  ``e^x`` overflows float32 past ``x ~ 88``; the softmax does not
    change if every ``x`` in the window is shifted by the same amount, so the
    window's max ``m`` is subtracted first (``e^(x - m) <= 1``), and ``x = 1000``
    in float32 is fine.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
    pool_size, strides, padding
        As in :func:`pooledu.reference.pool2d` (padded cells get weight 0).

    Returns
    -------
    ndarray, same rank as ``x``.

    Examples
    --------
    >>> x = np.array([[0.0, 0.0], [0.0, np.log(3.0)]])
    >>> np.round(soft_pool2d(x), 4)        # weights 1, 1, 1, 3 -> 3 ln3 / 6
    array([[0.5493]])
    """
    x4, info = _as_nhwc(x)
    windows, mask = extract_windows(x4, pool_size, strides, padding)
    m = _masked_max(windows, mask)[..., None]
    with np.errstate(invalid="ignore"):
        # padded cells: exp(-inf) = 0, so they get weight 0
        weights = np.exp(np.where(mask, windows - m, -np.inf))
        # a cell at -inf has weight 0; keep 0 * -inf from turning into NaN
        weighted = np.where(weights > 0, weights * windows, 0)
    y = weighted.sum(axis=-1) / weights.sum(axis=-1)
    return _restore_rank(y.astype(windows.dtype), info)


def lse_pool2d(x, r=1.0, pool_size=2, strides=None, padding="valid"):
    """Log-sum-exp pooling: ``m + (1/r) * log(mean(exp(r * (x - m))))``, ``m`` the window max.

    A smooth maximum with a temperature: ``r -> 0`` gives the average,
    ``r -> inf`` the max, and for every ``r > 0`` the output lies between the
    window's average and its max.  Subtracting ``m`` keeps ``exp`` from
    overflowing (the formula is the same for any shift).

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
    r : float > 0, default 1.0
    pool_size, strides, padding
        As in :func:`pooledu.reference.pool2d` (the mean is over real cells).

    Returns
    -------
    ndarray, same rank as ``x``.

    Examples
    --------
    >>> x = np.array([[0.0, 0.0], [0.0, 0.0]])
    >>> lse_pool2d(x)
    array([[0.]])
    """
    x4, info = _as_nhwc(x)
    r = _check_positive_real(r, "r")
    windows, mask = extract_windows(x4, pool_size, strides, padding)
    m = _masked_max(windows, mask)
    with np.errstate(invalid="ignore"):
        scaled = np.exp(np.where(mask, r * (windows - m[..., None]), -np.inf))
    y = m + np.log(_masked_mean(scaled, mask)) / r
    return _restore_rank(y.astype(windows.dtype), info)


# ---------------------------------------------------------------------------
# anti-aliased pooling (Zhang 2019)
# ---------------------------------------------------------------------------

def binomial_filter(size=3, dtype=np.float64):
    """The ``size x size`` binomial low-pass filter of blur pooling, summing to 1.

    Row ``size`` of Pascal's triangle (``[1, 1]``, ``[1, 2, 1]``,
    ``[1, 3, 3, 1]``, ...), outer product with itself, divided by its sum.

    Parameters
    ----------
    size : int >= 1, default 3
    dtype : numpy dtype, default float64

    Returns
    -------
    ndarray, shape (size, size)

    Examples
    --------
    >>> binomial_filter(3) * 16
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    size = _geometry._check_positive_int(size, "filter_size")
    row = np.array([math.comb(size - 1, k) for k in range(size)], dtype=np.float64)
    kernel = np.outer(row, row)
    return (kernel / kernel.sum()).astype(dtype)


def _blur_padding(n: int, filter_size: int, axis_name: str):
    before, after = (filter_size - 1) // 2, filter_size // 2
    if max(before, after) > n - 1:
        raise ValueError(
            f"blur pooling pads by reflection ({before} before, {after} after for "
            f"filter_size={filter_size}), which needs at least {max(before, after) + 1} "
            f"cells; the input's {axis_name} is {n}. Use a smaller filter_size.")
    return before, after


def blur_pool2d(x, filter_size=3, strides=2):
    """Blur pooling (Zhang 2019, "Making CNNs shift-invariant again").

    Low-pass filter every channel with :func:`binomial_filter` (depthwise),
    then keep every ``strides``-th value.  Blurring before subsampling removes
    the high frequencies that would otherwise alias, so a one-pixel shift of
    the input changes the output much less.

    The input is padded by reflection, ``floor((f-1)/2)`` cells before and
    ``ceil((f-1)/2)`` after (Zhang's ``antialiased-cnns``; kornia pads with
    zeros instead, which differs at the borders), so the output has
    ``ceil(n / strides)`` cells along an axis of ``n``.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
    filter_size : int >= 1, default 3
        1 means no blur (plain subsampling).  Reflection needs
        ``H, W > ceil((f-1)/2)``.
    strides : int or (int, int), default 2

    Returns
    -------
    ndarray, same rank as ``x``, spatial size ``ceil(H / sh) x ceil(W / sw)``.

    Examples
    --------
    >>> blur_pool2d(np.ones((4, 4)))       # a constant stays constant
    array([[1., 1.],
           [1., 1.]])
    """
    x4, info = _as_nhwc(x)
    kernel = binomial_filter(filter_size, x4.dtype)
    f = kernel.shape[0]
    ss = normalize_tuple(strides, 2, "strides")
    pads = [_blur_padding(n, f, name) for n, name in zip(x4.shape[1:3], ("height", "width"))]
    xp = np.pad(x4, ((0, 0), pads[0], pads[1], (0, 0)), mode="reflect")
    windows, _ = extract_windows(xp, f, ss, "valid")
    y = windows @ kernel.ravel()
    return _restore_rank(y.astype(x4.dtype), info)


def max_blur_pool2d(x, pool_size=2, filter_size=3, strides=2, padding="valid"):
    """MaxBlurPool (Zhang 2019): dense max pooling (stride 1), then :func:`blur_pool2d`.

    Max pooling with stride ``s`` = "max with stride 1" followed by
    "subsample by s".  Zhang inserts the blur between the two, so the max is
    evaluated densely and the subsampling is anti-aliased.  The stride-1 max
    uses ``padding="valid"`` by default, as Zhang's ``antialiased-cnns``
    (PyTorch ``MaxPool2d(kernel_size=2, stride=1)``, no padding), so an axis of
    ``n`` gives ``ceil((n - pool_size + 1) / strides)`` outputs; with
    ``padding="same"`` it gives ``ceil(n / strides)``, like Keras' max pooling.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
    pool_size : int or (int, int), default 2
        Window of the stride-1 max.
    filter_size : int, default 3
    strides : int or (int, int), default 2
        Stride of the blur (the only subsampling).
    padding : {"valid", "same"}, default "valid"
        Padding of the stride-1 max.

    Returns
    -------
    ndarray, same rank as ``x``.

    Examples
    --------
    >>> x = np.array([[0.0, 0.0, 1.0, 1.0]] * 4)
    >>> max_blur_pool2d(x).shape
    (2, 2)
    """
    x4, info = _as_nhwc(x)
    dense_max = max_pool2d(x4, pool_size, 1, padding)
    return _restore_rank(blur_pool2d(dense_max, filter_size, strides), info)


# ---------------------------------------------------------------------------
# spatial pyramid pooling (He et al. 2014)
# ---------------------------------------------------------------------------

def _check_levels(levels):
    if isinstance(levels, numbers.Integral) and not isinstance(levels, bool):
        levels = (levels,)
    try:
        levels = tuple(levels)
    except TypeError:
        raise TypeError(f"levels must be a sequence of positive integers such as (1, 2, 4); "
                        f"got {levels!r}") from None
    if not levels:
        raise ValueError("levels must contain at least one level, e.g. (1, 2, 4); got ()")
    return tuple(_geometry._check_positive_int(v, "each level") for v in levels)


def spatial_pyramid_pool2d(x, levels=(1, 2, 4), mode="max"):
    """Spatial pyramid pooling (He et al. 2014): a fixed-length vector for any input size.

    For each level ``l``, the map is cut into an ``l x l`` grid of adaptive bins
    and each bin is max- (or average-) pooled; the results of all levels are
    flattened and concatenated.

    Each level is :func:`pooledu.reference.adaptive_pool2d`, whose bins come
    from :func:`pooledu._geometry.adaptive_bins` (PyTorch / Keras adaptive
    pooling: bin ``i`` spans ``[floor(i*n/l), ceil((i+1)*n/l))``),
    *not* from the paper's ``window = ceil(n/l)``, ``stride = floor(n/l)``,
    which can give the wrong number of bins (``n=7, l=4`` gives 6 windows) or
    miss the last pixels (``n=10, l=4``).  Adaptive bins always give exactly
    ``l`` bins that cover the whole axis, even when ``n < l`` (bins then repeat
    pixels).

    Order of the output (channels fastest): level by level in the order of
    ``levels``; inside a level, bins row-major ``(i, j)``; inside a bin, the
    ``C`` channels.  So index ``offset(l) + (i * l + j) * C + c``, with
    ``offset(l)`` the length of the levels before it - the same as
    flattening each ``(N, l, l, C)`` adaptive-pooled map and concatenating.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
    levels : sequence of positive ints, default (1, 2, 4)
    mode : {"max", "avg"}, default "max"

    Returns
    -------
    ndarray, shape (N, C * sum(l*l)) for 4-D input, (C * sum(l*l),) for 3-D,
    (sum(l*l),) for 2-D.

    Examples
    --------
    >>> spatial_pyramid_pool2d(np.ones((7, 5, 3))).shape    # 3 * (1 + 4 + 16)
    (63,)
    >>> spatial_pyramid_pool2d(np.ones((2, 30, 17, 3))).shape
    (2, 63)
    """
    x4, info = _as_nhwc(x)
    levels = _check_levels(levels)
    mode = check_mode(mode, SPP_MODES)
    n, _, _, c = x4.shape
    parts = [adaptive_pool2d(x4, level, mode).reshape(n, level * level * c)  # (N, l, l, C)
             for level in levels]
    y = np.concatenate(parts, axis=1).astype(x4.dtype)
    return y if info.batched else y[0]
