"""Pooling beyond max and average, in TensorFlow (re-exported by ``pooledu.tf``).

The same functions, names and arguments as the NumPy reference in
:mod:`pooledu._functions` (read that module's docstrings for the maths), built
from TensorFlow ops so that they run inside models and are differentiable.
The tests prove that, for every deterministic mode, both give the same
numbers within float tolerance.

Differences from the reference:

* Results are ``tf.Tensor``.  Integer inputs are cast to float32 (TensorFlow's
  default float; the reference uses float64).
* ``seed`` (random modes) is ``None`` (TensorFlow's global random state), a
  non-negative int (a stateless draw: the same int gives the same sample) or
  a shape-``(2,)`` integer tensor, the stateless seed a Keras layer draws from
  its ``keras.random.SeedGenerator`` on every call.
* Spatial sizes may be unknown until run time (``None`` in a Keras input
  shape); they are checked with the reference's messages whenever they are known.

Windows are cut out by one helper, :func:`extract_windows` (TensorFlow's
``tf.image.extract_patches``, which uses the same "same" padding split as
``tf.nn.max_pool2d``), returning ``(N, OH, OW, C, kh*kw)`` windows and a mask
of the real cells, exactly like the reference's helper of the same name.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from . import _functions as _ref
from ._geometry import adaptive_bins, normalize_padding, normalize_tuple
from ._validation import (
    check_bool,
    check_mode,
    check_p,
    check_pool_args,
    check_seed,
    describe_input,
)

# The same names as the NumPy reference, by construction.
__all__ = list(_ref.__all__)


# ---------------------------------------------------------------------------
# inputs, shapes, seeds
# ---------------------------------------------------------------------------

class _Info:
    """Rank bookkeeping for a tensor viewed as ``(N, H, W, C)``."""

    def __init__(self, rank):
        self.batched = rank == 4
        self.has_channels = rank >= 3

    def restore(self, y4):
        if not self.has_channels:
            y4 = y4[..., 0]
        if not self.batched:
            y4 = y4[0]
        return y4


def _as_nhwc(x, name="x"):
    """``x`` as a float ``(N, H, W, C)`` tensor, checked like the reference does."""
    x = tf.convert_to_tensor(x)
    if x.shape.rank is None:
        raise ValueError(f"{name} must have a known rank (2, 3 or 4); got an unknown rank")
    # tf.bfloat16 is a float (NumPy sees ml_dtypes' bfloat16 as kind "V")
    kind = ("b" if x.dtype == tf.bool else "f" if x.dtype.is_floating
            else np.dtype(x.dtype.as_numpy_dtype).kind)
    # unknown sizes (None) are checked as 1 here, and again at run time by TF
    describe_input([d if d is not None else 1 for d in x.shape], kind, x.dtype.name, 2, name)
    if not x.dtype.is_floating:
        x = tf.cast(x, tf.float32)
    rank = x.shape.rank
    info = _Info(rank)
    if rank == 2:
        x = x[tf.newaxis, :, :, tf.newaxis]
    elif rank == 3:
        x = x[tf.newaxis]
    return x, info


def _static_info(x4):
    """A reference ``InputInfo`` for ``x4`` if its spatial sizes are known, else None."""
    h, w = x4.shape[1], x4.shape[2]
    if h is None or w is None:
        return None
    return describe_input((1, h, w, 1), "f", "float32", 2)


def _pool_args(x4, pool_size, strides, padding):
    info = _static_info(x4)
    if info is not None:
        ks, ss, padding, _ = check_pool_args(info, pool_size, strides, padding)
    else:
        ks = normalize_tuple(pool_size, 2, "pool_size")
        ss = ks if strides is None else normalize_tuple(strides, 2, "strides")
        padding = normalize_padding(padding)
    return ks, ss, padding


def _uniform(shape, seed, dtype):
    """Uniform [0, 1) samples; see the module docstring for ``seed``."""
    if isinstance(seed, (tf.Tensor, tf.Variable, np.ndarray)):
        return tf.random.stateless_uniform(shape, seed=tf.cast(seed, tf.int64), dtype=dtype)
    seed = check_seed(seed)
    if seed is None:
        return tf.random.uniform(shape, dtype=dtype)
    return tf.random.stateless_uniform(shape, seed=[seed, 0], dtype=dtype)


# ---------------------------------------------------------------------------
# the one window extractor
# ---------------------------------------------------------------------------

def extract_windows(x, pool_size=2, strides=None, padding="valid"):
    """Every pooling window of a ``(N, H, W, C)`` tensor, plus a mask of the real cells.

    TensorFlow twin of :func:`pooledu.reference.extract_windows`.

    Returns
    -------
    windows : tf.Tensor, shape (N, OH, OW, C, kh*kw)
        Row-major window cells (h, then w); padded cells hold 0.
    mask : tf.Tensor of bool, shape (1, OH, OW, 1, kh*kw)
        True for real cells.
    """
    x = tf.convert_to_tensor(x)
    if x.shape.rank != 4:
        raise ValueError(f"x must be 4-D (N, H, W, C); got shape {x.shape}")
    (kh, kw), (sh, sw), padding = _pool_args(x, pool_size, strides, padding)

    def patches(t):
        # (N, OH, OW, kh*kw*C), cell order (kh, kw, C)
        return tf.image.extract_patches(t, sizes=[1, kh, kw, 1], strides=[1, sh, sw, 1],
                                        rates=[1, 1, 1, 1], padding=padding.upper())

    p = patches(x)
    shape = tf.shape(p)
    windows = tf.reshape(p, [shape[0], shape[1], shape[2], kh * kw, tf.shape(x)[3]])
    windows = tf.transpose(windows, [0, 1, 2, 4, 3])
    ones = tf.ones_like(x[:1, :, :, :1])                   # padding shows up as 0
    mask = tf.reshape(patches(ones) > 0, [1, shape[1], shape[2], 1, kh * kw])
    return windows, mask


def _masked_max(windows, mask):
    lowest = tf.constant(-np.inf, windows.dtype)
    return tf.reduce_max(tf.where(mask, windows, lowest), axis=-1)


def _count(mask, dtype):
    return tf.reduce_sum(tf.cast(mask, dtype), axis=-1)


# ---------------------------------------------------------------------------
# stochastic and mixed
# ---------------------------------------------------------------------------

def stochastic_pool2d(x, pool_size=2, strides=None, padding="valid", *,
                      training=False, seed=None):
    """Stochastic pooling (Zeiler & Fergus 2013); see :func:`pooledu.reference.stochastic_pool2d`.

    The non-negativity check runs eagerly (``tf.debugging.assert_non_negative``),
    and inside a graph as an assertion op.

    >>> import numpy as np
    >>> stochastic_pool2d(np.array([[1.0, 3.0], [0.0, 0.0]])).numpy()
    array([[2.5]])
    """
    x4, info = _as_nhwc(x)
    training = check_bool(training, "training")
    if tf.executing_eagerly():
        ok = tf.reduce_all(tf.math.is_finite(x4) & (x4 >= 0))
        if not bool(ok):
            raise ValueError("stochastic pooling needs non-negative, finite input "
                             "(probabilities are a_i / sum(a)); apply a ReLU first.")
    else:
        tf.debugging.assert_non_negative(x4, message="stochastic pooling needs x >= 0")
    windows, _ = extract_windows(x4, pool_size, strides, padding)
    if training:
        cumulative = tf.cumsum(windows, axis=-1)
        total = cumulative[..., -1:]
        u = _uniform(tf.shape(total), seed, windows.dtype) * total
        picked = tf.argmax(tf.cast(cumulative > u, tf.int32), axis=-1)
        # one-hot selection keeps the gradient flowing to the sampled cell
        one_hot = tf.one_hot(picked, tf.shape(windows)[-1], dtype=windows.dtype)
        y = tf.reduce_sum(windows * one_hot, axis=-1)
    else:
        total = tf.reduce_sum(windows, axis=-1)
        positive = total > 0
        safe_total = tf.where(positive, total, tf.ones_like(total))
        y = tf.where(positive, tf.reduce_sum(windows * windows, axis=-1) / safe_total,
                     tf.zeros_like(total))
    return info.restore(y)


def mixed_pool2d(x, pool_size=2, strides=None, padding="valid", alpha=0.5, *,
                 training=False, seed=None):
    """Mixed pooling (Yu et al. 2014); see :func:`pooledu.reference.mixed_pool2d`.

    >>> import numpy as np
    >>> mixed_pool2d(np.array([[1.0, 3.0], [0.0, 0.0]])).numpy()
    array([[2.]])
    """
    x4, info = _as_nhwc(x)
    alpha = _ref._check_positive_real(alpha, "alpha", allow_zero=True)
    if alpha > 1:
        raise ValueError(f"alpha must be in [0, 1]; got {alpha!r}")
    training = check_bool(training, "training")
    ks, ss, padding = _pool_args(x4, pool_size, strides, padding)
    pad = padding.upper()
    largest = tf.nn.max_pool2d(x4, ks, ss, pad)
    average = tf.nn.avg_pool2d(x4, ks, ss, pad)          # TF divides by the real cells
    if training:
        pick = tf.cast(_uniform(tf.shape(largest), seed, x4.dtype) < alpha, x4.dtype)
    else:
        pick = tf.constant(alpha, x4.dtype)
    return info.restore(pick * largest + (1 - pick) * average)


# ---------------------------------------------------------------------------
# power means and smooth maxima
# ---------------------------------------------------------------------------

def _power_mean(windows, mask, p, normalize):
    """``m * (sum or mean of (|w|/m)^p)^(1/p)``, m = largest ``|w|``; 0 where m = 0.

    ``p`` may be a tensor (GeM's learnable exponent).  Every ``tf.where`` is
    given safe values in *both* branches so no NaN gradient leaks through.
    """
    a = tf.where(mask, tf.abs(windows), tf.zeros_like(windows))
    m = tf.reduce_max(a, axis=-1)
    positive = m > 0
    safe_m = tf.where(positive, m, tf.ones_like(m))
    p = tf.cast(p, windows.dtype)
    s = tf.reduce_sum((a / safe_m[..., tf.newaxis]) ** p, axis=-1)
    if normalize:
        s = s / _count(mask, windows.dtype)
    safe_s = tf.where(positive, s, tf.ones_like(s))
    return tf.where(positive, safe_m * safe_s ** (1 / p), tf.zeros_like(m))


def _check_p_value(p):
    """A Python number is checked; a tensor / variable (learnable p) is passed through."""
    if isinstance(p, (tf.Tensor, tf.Variable)) or hasattr(p, "value"):
        return p
    return check_p(p)


def lp_pool2d(x, p=2.0, pool_size=2, strides=None, padding="valid", *, normalize=False):
    """Lp pooling / power average; see :func:`pooledu.reference.lp_pool2d`.

    >>> import numpy as np
    >>> lp_pool2d(np.array([[3.0, 0.0], [4.0, 0.0]])).numpy()
    array([[5.]])
    """
    x4, info = _as_nhwc(x)
    p = _check_p_value(p)
    normalize = check_bool(normalize, "normalize")
    windows, mask = extract_windows(x4, pool_size, strides, padding)
    return info.restore(_power_mean(windows, mask, p, normalize))


def gem_pool2d(x, p=3.0, eps=1e-6, pool_size=None, strides=None, padding="valid", *,
               keepdims=False):
    """Generalized-mean pooling; see :func:`pooledu.reference.gem_pool2d`.

    ``p`` may be a tensor or variable (learned by :class:`pooledu.layers.GeMPooling2D`).

    >>> import numpy as np
    >>> float(gem_pool2d(np.array([[1.0, 2.0], [3.0, 4.0]]), p=1))
    2.5
    """
    x4, info = _as_nhwc(x)
    p = _check_p_value(p)
    eps = _ref._check_positive_real(eps, "eps")
    keepdims = check_bool(keepdims, "keepdims")
    x4 = tf.maximum(x4, tf.constant(eps, x4.dtype))
    if pool_size is None:
        if strides is not None:
            raise ValueError(f"strides must be None for global GeM pooling (pool_size=None); "
                             f"got strides={strides!r}")
        normalize_padding(padding)
        pc = tf.cast(p, x4.dtype)
        m = tf.reduce_max(x4, axis=[1, 2], keepdims=True)           # >= eps > 0
        y = m * tf.reduce_mean((x4 / m) ** pc, axis=[1, 2], keepdims=True) ** (1 / pc)
        if keepdims:
            return info.restore(y)
        y = y[:, 0, 0]                                                # (N, C)
        if not info.has_channels:
            y = y[..., 0]
        return y if info.batched else y[0]
    windows, mask = extract_windows(x4, pool_size, strides, padding)
    return info.restore(_power_mean(windows, mask, p, True))


def soft_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """SoftPool (Stergiou et al. 2021); see :func:`pooledu.reference.soft_pool2d`.

    >>> import numpy as np
    >>> soft_pool2d(np.full((2, 2), 1000.0, np.float32)).numpy()   # no overflow
    array([[1000.]], dtype=float32)
    """
    x4, info = _as_nhwc(x)
    windows, mask = extract_windows(x4, pool_size, strides, padding)
    m = _masked_max(windows, mask)[..., tf.newaxis]
    lowest = tf.constant(-np.inf, windows.dtype)
    weights = tf.exp(tf.where(mask, windows - m, lowest))       # padded cells: weight 0
    weighted = tf.where(weights > 0, weights * windows, tf.zeros_like(windows))
    y = tf.reduce_sum(weighted, axis=-1) / tf.reduce_sum(weights, axis=-1)
    return info.restore(y)


def lse_pool2d(x, r=1.0, pool_size=2, strides=None, padding="valid"):
    """Log-sum-exp pooling; see :func:`pooledu.reference.lse_pool2d`.

    >>> import numpy as np
    >>> lse_pool2d(np.zeros((2, 2))).numpy()
    array([[0.]])
    """
    x4, info = _as_nhwc(x)
    r = _ref._check_positive_real(r, "r")
    windows, mask = extract_windows(x4, pool_size, strides, padding)
    m = _masked_max(windows, mask)
    lowest = tf.constant(-np.inf, windows.dtype)
    scaled = tf.exp(tf.where(mask, r * (windows - m[..., tf.newaxis]), lowest))
    y = m + tf.math.log(tf.reduce_sum(scaled, axis=-1) / _count(mask, windows.dtype)) / r
    return info.restore(y)


# ---------------------------------------------------------------------------
# blur pooling
# ---------------------------------------------------------------------------

def binomial_filter(size=3, dtype=tf.float32):
    """The normalised ``size x size`` binomial filter as a tensor; see
    :func:`pooledu.reference.binomial_filter`.

    >>> float(tf.reduce_sum(binomial_filter(4)))
    1.0
    """
    return tf.constant(_ref.binomial_filter(size), dtype=dtype)


def blur_pool2d(x, filter_size=3, strides=2):
    """Blur pooling (Zhang 2019); see :func:`pooledu.reference.blur_pool2d`.

    Depthwise: the channels are folded into the batch and filtered with one
    ``(f, f, 1, 1)`` kernel, so the channel count may be unknown.

    >>> import numpy as np
    >>> blur_pool2d(np.ones((4, 4))).numpy()
    array([[1., 1.],
           [1., 1.]])
    """
    x4, info = _as_nhwc(x)
    kernel = binomial_filter(filter_size, x4.dtype)
    f = int(kernel.shape[0])
    sh, sw = normalize_tuple(strides, 2, "strides")
    before, after = (f - 1) // 2, f // 2
    for n, name in zip(x4.shape[1:3], ("height", "width")):
        if n is not None:
            _ref._blur_padding(n, f, name)
    xp = tf.pad(x4, [[0, 0], [before, after], [before, after], [0, 0]], mode="REFLECT")
    shape = tf.shape(xp)
    folded = tf.reshape(tf.transpose(xp, [0, 3, 1, 2]), [-1, shape[1], shape[2], 1])
    y = tf.nn.conv2d(folded, kernel[:, :, tf.newaxis, tf.newaxis], [1, sh, sw, 1], "VALID")
    ys = tf.shape(y)
    y = tf.transpose(tf.reshape(y, [shape[0], shape[3], ys[1], ys[2]]), [0, 2, 3, 1])
    return info.restore(y)


def max_blur_pool2d(x, pool_size=2, filter_size=3, strides=2, padding="valid"):
    """MaxBlurPool (Zhang 2019); see :func:`pooledu.reference.max_blur_pool2d`.

    >>> import numpy as np
    >>> max_blur_pool2d(np.ones((4, 4))).shape
    TensorShape([2, 2])
    """
    x4, info = _as_nhwc(x)
    ks, _, padding = _pool_args(x4, pool_size, 1, padding)
    dense_max = tf.nn.max_pool2d(x4, ks, 1, padding.upper())
    return info.restore(blur_pool2d(dense_max, filter_size, strides))


# ---------------------------------------------------------------------------
# spatial pyramid pooling
# ---------------------------------------------------------------------------

def _bins(n, out):
    """Adaptive bins: :func:`pooledu._geometry.adaptive_bins` when ``n`` is known,
    else the same formula on a scalar tensor (``[floor(i*n/out), ceil((i+1)*n/out))``)."""
    if isinstance(n, int):
        return adaptive_bins(n, out)
    starts = [(i * n) // out for i in range(out)]
    stops = [-((-(i + 1) * n) // out) for i in range(out)]
    return starts, stops


def spatial_pyramid_pool2d(x, levels=(1, 2, 4), mode="max"):
    """Spatial pyramid pooling (He et al. 2014); see
    :func:`pooledu.reference.spatial_pyramid_pool2d` (same bins, same output order).

    Works with spatial sizes unknown until run time (a Keras input of shape
    ``(None, None, C)``): the bins are then computed with tensor arithmetic.

    >>> import numpy as np
    >>> spatial_pyramid_pool2d(np.ones((2, 9, 7, 3))).shape
    TensorShape([2, 63])
    """
    x4, info = _as_nhwc(x)
    levels = _ref._check_levels(levels)
    mode = check_mode(mode, _ref.SPP_MODES)
    reduce = tf.reduce_max if mode == "max" else tf.reduce_mean
    dyn = tf.shape(x4)
    h = x4.shape[1] if x4.shape[1] is not None else dyn[1]
    w = x4.shape[2] if x4.shape[2] is not None else dyn[2]
    c = x4.shape[3] if x4.shape[3] is not None else dyn[3]
    parts = []
    for level in levels:
        (r0, r1), (c0, c1) = _bins(h, level), _bins(w, level)
        cells = [reduce(x4[:, a:b, d:e], axis=[1, 2])
                 for a, b in zip(r0, r1) for d, e in zip(c0, c1)]       # row-major bins
        parts.append(tf.reshape(tf.stack(cells, axis=1), [-1, level * level * c]))
    y = tf.concat(parts, axis=1)
    return y if info.batched else y[0]
