"""Measurements behind the course's claims about pooling (notebooks 05, 06, 08).

The article *claims* that pooling saves parameters and computation, makes a
network invariant to shifts, reduces noise, loses spatial information and
blocks gradients. This module *measures* each claim, with small NumPy
functions a learner can read:

* parameter and multiply-add arithmetic: :func:`conv2d_params`,
  :func:`conv2d_macs`, :func:`dense_params`, :func:`pooling_savings`;
* shifts (moved with :func:`pooledu.data.shift_image`): :func:`invariance_curve`,
  :func:`equivariance_curve`;
* noise: :func:`add_noise`, :func:`noise_after_pooling`, :func:`pooled_noise_stats`;
* information loss: :func:`upsample`, :func:`max_unpool`,
  :func:`reconstruction_error`, :func:`localization_error`;
* discrimination: :func:`indistinguishable_fraction`;
* gradients and depth: :func:`gradient_sparsity`, :func:`tied_window_fraction`,
  :func:`finite_difference_grad`, :func:`receptive_field`;
* presentation: :func:`format_table`.

Pooling functions are passed in as callables (``pool(x) -> y``) or named by
mode (``"max"``, ``"avg"``, ...), in which case :mod:`pooledu.reference` does the
pooling. NumPy only: importing this module never imports TensorFlow.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np

from ._geometry import normalize_tuple, output_size
from ._pool import global_pool2d, max_pool2d, pool2d, pool2d_grad
from .data import shift_image

__all__ = [
    "add_noise",
    "conv2d_macs",
    "conv2d_params",
    "dense_params",
    "equivariance_curve",
    "finite_difference_grad",
    "format_table",
    "gradient_sparsity",
    "indistinguishable_fraction",
    "invariance_curve",
    "localization_error",
    "max_unpool",
    "noise_after_pooling",
    "pooled_noise_stats",
    "pooling_savings",
    "receptive_field",
    "reconstruction_error",
    "relative_change",
    "tied_window_fraction",
    "upsample",
]


# ---- parameters and multiply-adds ------------------------------------------------------

def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def conv2d_params(kernel_size, in_channels: int, filters: int, use_bias: bool = True) -> int:
    """Trainable parameters of a 2-D convolution: ``kh * kw * C_in * C_out (+ C_out)``.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Kernel height and width.
    in_channels, filters : int
        Input channels ``C_in`` and output channels ``C_out``.
    use_bias : bool, default True
        Add one bias per output channel.

    Examples
    --------
    >>> conv2d_params(3, 32, 64)
    18496
    """
    kh, kw = normalize_tuple(kernel_size, 2, "kernel_size")
    cin = _positive_int(in_channels, "in_channels")
    cout = _positive_int(filters, "filters")
    return kh * kw * cin * cout + (cout if use_bias else 0)


def conv2d_macs(out_height: int, out_width: int, kernel_size, in_channels: int,
                filters: int) -> int:
    """Multiply-adds of a 2-D convolution: ``H_out * W_out * kh * kw * C_in * C_out``.

    One multiply-add (MAC) per kernel weight per output position; biases and
    activations are not counted. FLOPs are about twice the MACs.

    Examples
    --------
    >>> conv2d_macs(32, 32, 3, 32, 64)     # a 3x3 conv, 32 -> 64 channels, on 32x32
    18874368
    """
    kh, kw = normalize_tuple(kernel_size, 2, "kernel_size")
    h = _positive_int(out_height, "out_height")
    w = _positive_int(out_width, "out_width")
    return h * w * kh * kw * _positive_int(in_channels, "in_channels") * \
        _positive_int(filters, "filters")


def dense_params(in_features: int, units: int, use_bias: bool = True) -> int:
    """Trainable parameters of a dense layer: ``in_features * units (+ units)``.

    Examples
    --------
    >>> dense_params(32 * 32 * 32, 128)
    4194432
    """
    n = _positive_int(in_features, "in_features")
    u = _positive_int(units, "units")
    return n * u + (u if use_bias else 0)


def pooling_savings(height: int = 64, width: int = 64, channels: int = 32, pool_size: int = 2,
                    dense_units: int = 128, next_filters: int = 64,
                    kernel_size: int = 3) -> list[dict]:
    """What a pooling layer saves in the layers *after* it, with and without pooling.

    The feature map ``(height, width, channels)`` is followed either directly, or
    after ``pool_size`` x ``pool_size`` pooling (stride = pool size, "valid"), by

    * ``Flatten`` + ``Dense(dense_units)``, or
    * a ``kernel_size`` convolution with ``next_filters`` filters ("same" padding).

    Parameters
    ----------
    height, width, channels : int, default 64, 64, 32
        The feature map entering the pooling layer.
    pool_size : int, default 2
    dense_units : int, default 128
    next_filters : int, default 64
    kernel_size : int, default 3

    Returns
    -------
    list of dict
        Two rows, ``"without pooling"`` and ``"with pooling"``, with keys
        ``setting``, ``feature_map`` (shape tuple), ``values`` (numbers in the map),
        ``pooling_params`` (always 0: pooling learns nothing), ``dense_params``,
        ``conv_params`` (independent of the map size) and ``conv_macs``.

    Examples
    --------
    >>> rows = pooling_savings()
    >>> rows[0]["dense_params"], rows[1]["dense_params"]
    (16777344, 4194432)
    """
    h, w = _positive_int(height, "height"), _positive_int(width, "width")
    c = _positive_int(channels, "channels")
    k = _positive_int(pool_size, "pool_size")
    rows = []
    for setting, (hh, ww) in (("without pooling", (h, w)),
                              ("with pooling", (output_size(h, k), output_size(w, k)))):
        rows.append({
            "setting": setting,
            "feature_map": (hh, ww, c),
            "values": hh * ww * c,
            "pooling_params": 0,
            "dense_params": dense_params(hh * ww * c, dense_units),
            "conv_params": conv2d_params(kernel_size, c, next_filters),
            "conv_macs": conv2d_macs(hh, ww, kernel_size, c, next_filters),
        })
    return rows


# ---- shifts --------------------------------------------------------------------------

def relative_change(reference, other) -> float:
    """``||other - reference|| / ||reference||`` (Frobenius norms); 0 means identical.

    >>> relative_change(np.ones(4), np.array([1, 1, 1, 3.0]))
    1.0
    """
    a = np.asarray(reference, dtype=float)
    b = np.asarray(other, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: reference {a.shape}, other {b.shape}")
    norm = float(np.linalg.norm(a))
    if norm == 0.0:
        raise ValueError("reference is all zeros: relative change is undefined")
    return float(np.linalg.norm(b - a) / norm)


def _as_pool(pool, pool_size=2, strides=None) -> Callable:
    """A callable ``x -> pooled x`` from a callable, ``None`` (identity) or a mode name."""
    if pool is None or pool == "none":
        return lambda x: np.asarray(x, dtype=float)
    if callable(pool):
        return pool
    if isinstance(pool, str):
        if pool.startswith("global_"):
            return lambda x: global_pool2d(x, pool[len("global_"):])
        return lambda x: pool2d(x, pool, pool_size=pool_size, strides=strides)
    raise TypeError(f"pool must be a callable, a mode name such as 'max', or None; got {pool!r}")


def invariance_curve(image, pool=None, shifts: Sequence[int] = range(7), axis: int = 1,
                     mode: str = "wrap", pool_size: int = 2) -> np.ndarray:
    """How much a pooled output changes when the input moves: ``pool(x)`` vs ``pool(shift(x, s))``.

    Invariance means the output does not change at all when the input moves, so
    this compares the outputs *as they are* (no re-alignment): 0 = perfectly
    invariant, about 1.4 = as different as two unrelated images.

    Parameters
    ----------
    image : array, shape (H, W) or (H, W, C)
    pool : callable, str or None
        ``pool(x) -> y``; a mode (``"max"``, ``"avg"``, ``"global_max"``,
        ``"global_avg"``) pooled with :mod:`pooledu.reference`; ``None``: no pooling.
    shifts : sequence of int, default 0..6
    axis : {0, 1}
        Shift down (0) or right (1).
    mode : {"wrap", "constant"}
        How pixels enter at the border (see :func:`pooledu.data.shift_image`).
    pool_size : int, default 2
        Window (and stride) when ``pool`` is a mode name.

    Returns
    -------
    ndarray, shape (len(shifts),)
        :func:`relative_change` for each shift.

    Examples
    --------
    >>> x = np.zeros((8, 8)); x[2:4, 2:4] = 1
    >>> invariance_curve(x, "global_max", shifts=[0, 1, 3]).tolist()
    [0.0, 0.0, 0.0]
    """
    f = _as_pool(pool, pool_size)
    x = np.asarray(image, dtype=float)
    base = f(x)
    out = []
    for s in shifts:
        moved = shift_image(x, (s, 0) if axis == 0 else (0, s), mode=mode)
        out.append(relative_change(base, f(moved)))
    return np.array(out)


def upsample(y, factor: int, shape=None) -> np.ndarray:
    """Nearest-neighbour upsampling: repeat every cell ``factor`` times along H and W.

    Parameters
    ----------
    y : array, shape (h, w) or (h, w, C)
    factor : int
    shape : (H, W), optional
        Crop (or zero-pad at the bottom/right) the result to this size.

    Examples
    --------
    >>> upsample(np.array([[1, 2]]), 2)
    array([[1, 1, 2, 2],
           [1, 1, 2, 2]])
    """
    f = _positive_int(factor, "factor")
    out = np.repeat(np.repeat(np.asarray(y), f, axis=0), f, axis=1)
    if shape is not None:
        H, W = int(shape[0]), int(shape[1])
        padded = np.zeros((max(H, out.shape[0]), max(W, out.shape[1])) + out.shape[2:],
                          out.dtype)
        padded[:out.shape[0], :out.shape[1]] = out
        out = padded[:H, :W]
    return out


def equivariance_curve(image, pool=None, shifts: Sequence[int] = range(9), axis: int = 1,
                       stride: int = 2, pool_size: int = 2) -> np.ndarray:
    """Shift-*equivariance* error of a downsampling step, as in Zhang (2019).

    A downsampling step ``f`` with stride ``s`` is shift-equivariant when moving
    the input moves the output along. Outputs live on a coarser grid, so both are
    brought back to the input grid (nearest :func:`upsample` by ``stride``) and
    the shifted one is moved back::

        error(t) = relative_change(up(f(x)), shift_image(up(f(shift_image(x, t))), -t))

    Circular shifts are used, so borders play no part. Max pooling gives 0 for
    shifts that are multiples of the stride and a large error in between
    (aliasing); blurring before subsampling (Zhang 2019) keeps it small for all.

    Parameters
    ----------
    image : array, shape (H, W) or (H, W, C)
        H and W should be multiples of ``stride``.
    pool : callable, str or None
        As in :func:`invariance_curve`; ``None`` is the identity (error 0).
    shifts : sequence of int, default 0..8
    axis : {0, 1}
    stride : int, default 2
        Downsampling factor of ``pool`` (1 for ``None``).
    pool_size : int, default 2
        Window when ``pool`` is a mode name (stride = ``stride``).

    Returns
    -------
    ndarray, shape (len(shifts),)

    Examples
    --------
    >>> x = np.tile([0., 0, 1, 1], (4, 2))       # Zhang's 1-D example, as rows
    >>> np.round(equivariance_curve(x, "max", shifts=[0, 1, 2]), 3).tolist()
    [0.0, 1.0, 0.0]
    """
    x = np.asarray(image, dtype=float)
    if pool is None or pool == "none":
        f, stride = _as_pool(None), 1
    else:
        f = _as_pool(pool, pool_size, stride) if isinstance(pool, str) else _as_pool(pool)
    H, W = x.shape[:2]
    base = upsample(f(x), stride, (H, W))
    out = []
    for t in shifts:
        dy, dx = (t, 0) if axis == 0 else (0, t)
        moved = upsample(f(shift_image(x, (dy, dx))), stride, (H, W))
        out.append(relative_change(base, shift_image(moved, (-dy, -dx))))
    return np.array(out)


# ---- noise -----------------------------------------------------------------------------

def add_noise(image, kind: str = "gaussian", amount: float = 0.1, seed: int = 0) -> np.ndarray:
    """Return a noisy copy of ``image`` (deterministic for a given ``seed``).

    Parameters
    ----------
    image : array
    kind : {"gaussian", "salt", "pepper", "salt_pepper"}
        ``"gaussian"``: add N(0, amount^2) to every pixel. ``"salt"`` / ``"pepper"``:
        set a fraction ``amount`` of pixels to the image's max / min;
        ``"salt_pepper"``: half each.
    amount : float, default 0.1
        Standard deviation (gaussian) or fraction of pixels hit (0..1).
    seed : int, default 0

    Examples
    --------
    >>> add_noise(np.zeros((2, 2)), "gaussian", 0.0).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    x = np.asarray(image, dtype=float)
    rng = np.random.default_rng(seed)
    if amount < 0:
        raise ValueError(f"amount must be >= 0; got {amount}")
    if kind == "gaussian":
        return x + rng.normal(0.0, amount, size=x.shape)
    if kind not in ("salt", "pepper", "salt_pepper"):
        raise ValueError(f"kind must be 'gaussian', 'salt', 'pepper' or 'salt_pepper'; "
                         f"got {kind!r}")
    if amount > 1:
        raise ValueError(f"amount is a fraction of pixels for {kind!r} noise (0..1); got {amount}")
    out = x.copy()
    hit = rng.random(x.shape) < amount
    if kind == "salt":
        out[hit] = x.max()
    elif kind == "pepper":
        out[hit] = x.min()
    else:
        salt = rng.random(x.shape) < 0.5
        out[hit & salt] = x.max()
        out[hit & ~salt] = x.min()
    return out


def noise_after_pooling(clean, noisy, pool=None, pool_size: int = 2) -> dict:
    """How much of the noise survives pooling: compare ``pool(noisy)`` with ``pool(clean)``.

    Returns
    -------
    dict with ``rmse`` (root-mean-square difference), ``bias`` (mean difference:
    > 0 means pooling pushed values up) and ``std`` (spread of the difference).

    Examples
    --------
    >>> clean = np.zeros((4, 4)); noisy = clean.copy(); noisy[0, 0] = 4.0
    >>> noise_after_pooling(clean, noisy, "avg")["rmse"]
    0.5
    >>> noise_after_pooling(clean, noisy, "max")["rmse"]
    2.0
    """
    f = _as_pool(pool, pool_size)
    d = np.asarray(f(np.asarray(noisy, dtype=float)), dtype=float) - \
        np.asarray(f(np.asarray(clean, dtype=float)), dtype=float)
    return {"rmse": float(np.sqrt(np.mean(d ** 2))), "bias": float(np.mean(d)),
            "std": float(np.std(d))}


def pooled_noise_stats(pool="max", pool_size: int = 2, noise_std: float = 1.0,
                       size: int = 256, seed: int = 0) -> dict:
    """Mean and standard deviation of pure Gaussian noise after pooling.

    Pools a ``size`` x ``size`` image of N(0, noise_std^2) noise. Averaging ``k*k``
    values divides the standard deviation by ``k`` and keeps the mean at 0;
    the max of ``k*k`` values is biased upwards and shrinks the spread less
    (for 2x2 windows: mean about +1.03 sigma, std about 0.70 sigma).

    Returns
    -------
    dict with ``mean`` and ``std`` of the pooled values.

    Examples
    --------
    >>> s = pooled_noise_stats("avg", 2, size=512)
    >>> round(s["std"], 1)
    0.5
    """
    f = _as_pool(pool, pool_size)
    noise = np.random.default_rng(seed).normal(0.0, noise_std, size=(size, size))
    y = np.asarray(f(noise), dtype=float)
    return {"mean": float(y.mean()), "std": float(y.std())}


# ---- information loss ------------------------------------------------------------------

def max_unpool(x, pool_size: int = 2) -> np.ndarray:
    """Max-pool ``x`` and put each maximum back where it came from, zeros elsewhere.

    The "switches" of Zeiler & Fergus (2013): the best a decoder can do with a
    max-pooled map *plus* the positions of the maxima. Non-overlapping windows
    ("valid"); the first maximum in row-major order wins a tie (as in TF).
    Cells that no window covers stay 0.

    Parameters
    ----------
    x : array, shape (H, W) or (H, W, C)
    pool_size : int, default 2

    Examples
    --------
    >>> max_unpool(np.array([[1., 3.], [2., 0.]]))
    array([[0., 3.],
           [0., 0.]])
    """
    a = np.asarray(x, dtype=float)
    squeeze = a.ndim == 2
    if squeeze:
        a = a[..., None]
    if a.ndim != 3:
        raise ValueError(f"x must have shape (H, W) or (H, W, C); got shape {np.shape(x)}")
    k = _positive_int(pool_size, "pool_size")
    H, W, C = a.shape
    ho, wo = output_size(H, k), output_size(W, k)
    blocks = a[:ho * k, :wo * k].reshape(ho, k, wo, k, C).transpose(0, 2, 4, 1, 3)
    flat = blocks.reshape(ho, wo, C, k * k)
    win = flat.argmax(axis=-1)
    keep = np.zeros_like(flat)
    np.put_along_axis(keep, win[..., None], np.take_along_axis(flat, win[..., None], -1), -1)
    out = np.zeros_like(a)
    out[:ho * k, :wo * k] = keep.reshape(ho, wo, C, k, k).transpose(0, 3, 1, 4, 2).reshape(
        ho * k, wo * k, C)
    return out[..., 0] if squeeze else out


def reconstruction_error(image, pool: str = "avg", pool_size: int = 2,
                         method: str = "nearest") -> dict:
    """Pool an image, rebuild it at full size, and measure what was lost.

    Parameters
    ----------
    image : array, shape (H, W) or (H, W, C), values in [0, 1]
    pool : {"avg", "max", "min"}, default "avg"
    pool_size : int, default 2
        Window and stride.
    method : {"nearest", "unpool"}
        ``"nearest"``: repeat each pooled value over its window (:func:`upsample`);
        ``"unpool"`` (``pool="max"`` only): :func:`max_unpool`, maxima back in place.

    Returns
    -------
    dict with ``reconstruction`` (array, image shape), ``kept`` (fraction of
    values kept, ``1 / pool_size**2`` for a divisible image), ``rmse`` and
    ``psnr`` (dB, peak 1.0; higher is better).

    Examples
    --------
    >>> x = np.kron(np.eye(2), np.ones((2, 2)))   # constant on each 2x2 window
    >>> reconstruction_error(x, "avg", 2)["rmse"]
    0.0
    """
    x = np.asarray(image, dtype=float)
    k = _positive_int(pool_size, "pool_size")
    if method == "unpool":
        if pool != "max":
            raise ValueError(f"method='unpool' needs pool='max'; got pool={pool!r}")
        rec = max_unpool(x, k)
    elif method == "nearest":
        y = _as_pool(pool, k)(x)
        rec = upsample(y, k, x.shape[:2])
    else:
        raise ValueError(f"method must be 'nearest' or 'unpool'; got {method!r}")
    mse = float(np.mean((rec - x) ** 2))
    ho, wo = output_size(x.shape[0], k), output_size(x.shape[1], k)
    return {"reconstruction": rec, "kept": ho * wo / (x.shape[0] * x.shape[1]),
            "rmse": math.sqrt(mse), "psnr": math.inf if mse == 0 else -10 * math.log10(mse)}


def localization_error(size: int = 32, pool_size: int = 2, statistic: str = "mean") -> float:
    """Error (pixels) in locating one bright dot from its max-pooled map.

    A dot is placed at every position of a ``size`` x ``size`` image in turn;
    the location read off the pooled map is the centre of the winning window.
    Returns the Euclidean distance to the true position, averaged over all
    positions (``statistic="mean"``) or the worst case (``statistic="max"``).
    Without pooling (``pool_size=1``) it is 0.

    Examples
    --------
    >>> localization_error(8, 1)
    0.0
    >>> round(localization_error(8, 2), 4)     # always half a pixel off in x and y
    0.7071
    >>> round(localization_error(8, 4, "max"), 4)    # a corner dot: 1.5 px off in x and y
    2.1213
    """
    if statistic not in ("mean", "max"):
        raise ValueError(f"statistic must be 'mean' or 'max'; got {statistic!r}")
    n = _positive_int(size, "size")
    k = _positive_int(pool_size, "pool_size")
    errors = []
    for y in range(n - n % k):
        for x in range(n - n % k):
            img = np.zeros((n, n))
            img[y, x] = 1.0
            pooled = np.asarray(max_pool2d(img, k), dtype=float)
            iy, ix = np.unravel_index(int(np.argmax(pooled)), pooled.shape)
            cy, cx = iy * k + (k - 1) / 2, ix * k + (k - 1) / 2
            errors.append(math.hypot(cy - y, cx - x))
    return float(np.mean(errors) if statistic == "mean" else np.max(errors))


def indistinguishable_fraction(size: int = 16, pool=None, pool_size: int = 2) -> float:
    """Fraction of near-identical image pairs that pooling makes exactly equal.

    Each pair is one bright dot and the same dot moved by one pixel (right or
    down), for every position where the move stays inside a ``size`` x ``size``
    image. Before pooling the two images always differ; the result is the
    fraction of pairs whose pooled outputs are *identical* - pairs the layers
    after the pooling can no longer tell apart.

    Parameters
    ----------
    pool : None, str or callable
        ``None`` (no pooling), a mode of :func:`pooledu.reference.pool2d`
        (``"max"``, ``"avg"``, ...), ``"global_max"`` / ``"global_avg"``, or a
        callable ``pool(x) -> y``.

    Examples
    --------
    >>> indistinguishable_fraction(8, None), round(indistinguishable_fraction(8, "max"), 3)
    (0.0, 0.571)
    """
    n = _positive_int(size, "size")
    fn = _as_pool(pool, pool_size)
    same = total = 0
    for y in range(n):
        for x in range(n):
            for dy, dx in ((0, 1), (1, 0)):
                if y + dy >= n or x + dx >= n:
                    continue
                a, b = np.zeros((n, n)), np.zeros((n, n))
                a[y, x] = b[y + dy, x + dx] = 1.0
                same += bool(np.array_equal(fn(a), fn(b)))
                total += 1
    return same / total


def tied_window_fraction(x, pool_size: int = 2, strides=None) -> dict:
    """How many pooling windows of ``x`` have a tied maximum (valid windows).

    A tie is where max pooling has no single derivative (04). After a ReLU,
    every negative value is exactly 0, so an all-zero window is a tie.

    Parameters
    ----------
    x : array, shape (H, W), (H, W, C) or (N, H, W, C)
        Windows are taken over H and W, for every sample and channel.

    Returns
    -------
    dict
        ``windows`` (count), ``tied`` (fraction with a repeated maximum) and
        ``all_zero`` (fraction whose cells are all exactly 0).

    Examples
    --------
    >>> tied_window_fraction(np.array([[1., 1.], [0., 2.]]))["tied"]
    0.0
    >>> tied_window_fraction(np.zeros((4, 4)))
    {'windows': 4, 'tied': 1.0, 'all_zero': 1.0}
    """
    a = np.asarray(x, dtype=float)
    if a.ndim not in (2, 3, 4):
        raise ValueError(f"x must have 2, 3 or 4 dimensions; got shape {np.shape(x)}")
    if a.ndim == 2:
        a = a[None, :, :, None]
    elif a.ndim == 3:
        a = a[None]
    kh, kw = normalize_tuple(pool_size, 2, "pool_size")
    sh, sw = normalize_tuple(strides if strides is not None else (kh, kw), 2, "strides")
    n, h, w, c = a.shape
    tied = zero = count = 0
    for i in range(0, h - kh + 1, sh):
        for j in range(0, w - kw + 1, sw):
            win = a[:, i:i + kh, j:j + kw, :].reshape(n, kh * kw, c)
            top = win.max(axis=1, keepdims=True)
            tied += int(((win == top).sum(axis=1) > 1).sum())
            zero += int((win == 0).all(axis=1).sum())
            count += n * c
    if count == 0:
        raise ValueError(f"x of shape {np.shape(x)} has no full {kh}x{kw} window")
    return {"windows": count, "tied": tied / count, "all_zero": zero / count}


def finite_difference_grad(f: Callable, x, eps: float = 1e-6) -> np.ndarray:
    """Central finite differences: ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` per cell.

    ``f`` maps an array shaped like ``x`` to a number. Used in 04 to check that
    the gradient TensorFlow computes for max pooling is the true derivative.

    Examples
    --------
    >>> finite_difference_grad(lambda v: float((v ** 2).sum()), np.array([1., 2.])).round(6)
    array([2., 4.])
    """
    a = np.asarray(x, dtype=float)
    if not eps > 0:
        raise ValueError(f"eps must be positive; got {eps!r}")
    grad = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[idx] = eps
        grad[idx] = (f(a + step) - f(a - step)) / (2 * eps)
    return grad


# ---- gradients -------------------------------------------------------------------------

def gradient_sparsity(x, mode: str = "max", pool_size: int = 2, strides=None,
                      padding: str = "valid") -> float:
    """Fraction of input cells that receive *zero* gradient through one pooling layer.

    The upstream gradient is all ones (every output matters equally), and the
    input gradient comes from :func:`pooledu.reference.pool2d_grad`. Max pooling
    routes each window's gradient to one cell, so 2x2 windows leave 3/4 of the
    cells with zero gradient; average pooling reaches every covered cell.

    Examples
    --------
    >>> x = np.arange(16.).reshape(4, 4)
    >>> gradient_sparsity(x, "max"), gradient_sparsity(x, "avg")
    (0.75, 0.0)
    """
    a = np.asarray(x, dtype=float)
    y = pool2d(a, mode, pool_size=pool_size, strides=strides, padding=padding)
    g = pool2d_grad(a, np.ones_like(y), mode, pool_size=pool_size, strides=strides,
                              padding=padding)
    return float(np.mean(np.asarray(g) == 0))


def receptive_field(layers: Sequence[tuple[int, int]]) -> list[int]:
    """Receptive field (pixels per side) after each layer of a stack.

    Each layer is ``(kernel, stride)``: a 3x3 convolution is ``(3, 1)``, a 2x2
    pooling ``(2, 2)``. With ``r`` the field so far and ``j`` the distance (in
    input pixels) between neighbouring cells, a layer gives
    ``r += (kernel - 1) * j`` and ``j *= stride``: pooling makes every later
    kernel see a larger patch of the input.

    Examples
    --------
    >>> receptive_field([(3, 1), (2, 2), (3, 1), (2, 2), (3, 1)])
    [3, 4, 8, 10, 18]
    >>> receptive_field([(3, 1), (3, 1), (3, 1)])
    [3, 5, 7]
    """
    r, j, out = 1, 1, []
    for kernel, stride in layers:
        k = _positive_int(kernel, "kernel")
        s = _positive_int(stride, "stride")
        r += (k - 1) * j
        j *= s
        out.append(r)
    return out


# ---- presentation ----------------------------------------------------------------------

def format_table(rows: Sequence[dict], columns: Sequence[str] | None = None,
                 formats: dict | None = None, floatfmt: str = ".3f") -> str:
    """Format a list of dicts as a fixed-width text table (stable for nbval).

    Parameters
    ----------
    rows : sequence of dict
    columns : sequence of str, optional
        Which keys, in order (default: the first row's keys).
    formats : dict, optional
        Per-column format spec, e.g. ``{"params": ",d"}``.
    floatfmt : str, default ".3f"
        Format for other floats; ints get thousands separators.

    Examples
    --------
    >>> print(format_table([{"a": 1, "b": 0.5}]))
    a      b
    1  0.500
    """
    if not rows:
        return ""
    columns = list(columns or rows[0].keys())
    formats = formats or {}

    def fmt(col, v):
        if col in formats:
            return format(v, formats[col])
        if isinstance(v, bool) or v is None:
            return str(v)
        if isinstance(v, numbers.Integral):
            return f"{int(v):,d}"
        if isinstance(v, numbers.Real):
            return format(float(v), floatfmt)
        return str(v)

    cells = [[fmt(c, r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(columns, widths)))]
    for row in cells:
        lines.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                               for i, (v, w) in enumerate(zip(row, widths))))
    return "\n".join(line.rstrip() for line in lines)
