"""TensorFlow versions of the pooling operations in :mod:`pooledu._pool` and
:mod:`pooledu._fractional` (re-exported by :mod:`pooledu.tf`).

Same names, arguments, defaults and argument checks (``pooledu._validation``) as
the NumPy reference; the results are ``tf.Tensor``. Inputs may be NumPy arrays,
lists or tensors (fully known shapes). The tests check every function against
the reference: bit for bit for max / min / argmax, within float tolerance for
averages.

How each mode maps to TensorFlow ops (there is no TF "min" or "sum" pooling):

* max: ``tf.nn.max_pool1d/2d/3d``. TF's CPU max pool *ignores NaN* (an all-NaN
  window gives the lowest float) - pooledu.tf keeps TF's behaviour, while the
  NumPy reference propagates NaN.
* min: ``-max_pool(-x)`` for floats. For integers ``-x`` overflows
  (``-(-128)`` is ``-128`` in int8), so ints use the bitwise complement
  instead: ``~x == -x - 1`` reverses the order without overflow, and
  ``min(x) == ~max(~x)``.
* avg: ``tf.nn.avg_pool*`` (integers are averaged in float64).
* sum: ``avg * count`` (count = real cells per window, from ``pooledu._geometry``);
  integers are summed in float64 and rounded back to int64 (exact below 2**53).
* lp: ``(avg(|x|**p) * count) ** (1/p)``.
* PyTorch's conventions (int / tuple ``padding``, ``dilation``, ``ceil_mode``,
  ``count_include_pad``, ``divisor_override``): the input is padded explicitly
  (with -inf for max, as PyTorch - the lowest integer for ints -, 0 for sums)
  and every tap of the window is
  one ``tf.strided_slice``, combined in row-major window order - the NumPy
  reference's algorithm written in TensorFlow ops.
* 3-D pooling of dtypes TF's 3-D kernels lack (float64, float16, ints) is done
  separably: 2-D pooling over (H, W), then over D - the same result.
* uint32 / uint64, which TF's max pool lacks, are mapped order-preservingly onto
  int64 and back.
"""

from __future__ import annotations

import itertools

import numpy as np
import tensorflow as tf

from ._fractional import FRACTIONAL_MODES, check_fractional_sizes
from ._geometry import adaptive_bins
from ._pool import (
    ADAPTIVE_MODES,
    GLOBAL_MODES,
    GRAD_MODES,
    POOL_MODES,
    _divisor,
    _geometry,
    _window_counts,
    result_dtype,
)
from ._validation import (
    check_average_args,
    check_bool,
    check_floating,
    check_input,
    check_mode,
    check_output_size,
    check_p,
    check_pool_args,
    check_pooling_ratio,
    check_same_shape,
    check_seed,
    check_window,
    describe_input,
)

__all__ = [
    "adaptive_pool2d",
    "adaptive_pool_nd",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "fractional_pool2d",
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


# --------------------------------------------------------------------------- inputs
def _dtype_kind(dtype: tf.DType) -> str:
    if dtype == tf.bool:
        return "b"
    if dtype.is_floating:
        return "f"
    if dtype.is_integer:
        return "u" if dtype.is_unsigned else "i"
    if dtype.is_complex:
        return "c"
    return "O"


def _as_tensor(x, spatial_dims, name="x"):
    """``x`` as a ``(N, *spatial, C)`` tensor, checked exactly like the reference."""
    if isinstance(x, (tf.Tensor, tf.Variable)):
        x = tf.convert_to_tensor(x)
        if not x.shape.is_fully_defined():
            raise ValueError(f"{name} must have a fully known shape; got {x.shape}")
        info = describe_input(x.shape.as_list(), _dtype_kind(x.dtype), x.dtype.name,
                              spatial_dims, name)
        return tf.reshape(x, info.canonical_shape), info
    arr, info = check_input(x, spatial_dims, name)
    return tf.constant(arr), info


def _restore(y, info):
    return tf.reshape(y, info.restore(y.shape))


def _np_dtype(dtype: tf.DType):
    return np.dtype(dtype.as_numpy_dtype)


# --------------------------------------------------------------------------- kernels
_MAX_POOL_INTS = (tf.int8, tf.uint8, tf.int16, tf.uint16, tf.int32, tf.int64)
_SIGN_BIT = -(2 ** 63)


def _max_pool(x, ks, ss, padding):
    """Max pooling of a canonical tensor of any int/float dtype."""
    if x.dtype == tf.uint32:
        return tf.cast(_max_pool(tf.cast(x, tf.int64), ks, ss, padding), tf.uint32)
    if x.dtype == tf.uint64:  # u -> u - 2**63 as int64: flips the top bit, keeps the order
        shifted = tf.bitwise.bitwise_xor(tf.bitcast(x, tf.int64), tf.constant(_SIGN_BIT, tf.int64))
        y = _max_pool(shifted, ks, ss, padding)
        return tf.bitcast(tf.bitwise.bitwise_xor(y, tf.constant(_SIGN_BIT, tf.int64)), tf.uint64)
    pad = padding.upper()
    d = len(ks)
    if d == 1:
        return tf.nn.max_pool1d(x, ks, ss, pad)
    if d == 2:
        return tf.nn.max_pool2d(x, ks, ss, pad)
    if x.dtype in (tf.float32, tf.bfloat16):
        return tf.nn.max_pool3d(x, ks, ss, pad)
    return _separable_3d(tf.nn.max_pool2d, x, ks, ss, pad)


def _avg_pool(x, ks, ss, padding):
    """Average pooling (padded cells excluded) of a canonical float tensor."""
    pad = padding.upper()
    d = len(ks)
    if d == 1:
        return tf.nn.avg_pool1d(x, ks, ss, pad)
    if d == 2:
        return tf.nn.avg_pool2d(x, ks, ss, pad)
    if x.dtype in (tf.float32, tf.bfloat16):
        return tf.nn.avg_pool3d(x, ks, ss, pad)
    # mean over D of the per-slice (H, W) means: every slice of a window has the
    # same number of real cells, so this is the mean of the whole window
    return _separable_3d(tf.nn.avg_pool2d, x, ks, ss, pad)


def _separable_3d(pool2d, x, ks, ss, pad):
    """3-D pooling as 2-D pooling over (H, W) of every depth slice, then over D."""
    n, depth, h, w, c = x.shape
    y = pool2d(tf.reshape(x, (n * depth, h, w, c)), ks[1:], ss[1:], pad)
    oh, ow = y.shape[1], y.shape[2]
    y = pool2d(tf.reshape(y, (n, depth, oh * ow, c)), (ks[0], 1), (ss[0], 1), pad)
    return tf.reshape(y, (n, y.shape[1], oh, ow, c))


def _window_sum(x, ks, ss, padding):
    """Sum of every window of a canonical float tensor: average times count."""
    count = _window_counts(x.shape[1:-1], ks, ss, padding)
    return _avg_pool(x, ks, ss, padding) * tf.constant(count, x.dtype)


def _pool(x, mode, ks, ss, padding, p=2.0):
    out_dtype = tf.as_dtype(result_dtype(_np_dtype(x.dtype), mode))
    if mode == "max":
        return _max_pool(x, ks, ss, padding)
    if mode == "min":
        if x.dtype.is_integer:
            return tf.bitwise.invert(_max_pool(tf.bitwise.invert(x), ks, ss, padding))
        return -_max_pool(-x, ks, ss, padding)
    if mode == "avg":
        return _avg_pool(tf.cast(x, out_dtype), ks, ss, padding)
    if mode == "sum":
        if x.dtype.is_integer:
            total = _window_sum(tf.cast(x, tf.float64), ks, ss, padding)
            return tf.cast(tf.round(total), out_dtype)
        return _window_sum(x, ks, ss, padding)
    # lp
    xp = tf.pow(tf.abs(tf.cast(x, out_dtype)), tf.constant(p, out_dtype))
    return tf.pow(_window_sum(xp, ks, ss, padding), tf.constant(1.0 / p, out_dtype))


def _pool_taps(x, mode, window, p=2.0, count_include_pad=False, divisor_override=None):
    """Pooling with PyTorch's conventions: pad explicitly, then one strided slice per
    tap of the window, combined in row-major window order."""
    out_dtype = tf.as_dtype(result_dtype(_np_dtype(x.dtype), mode))
    if mode in ("max", "min"):
        if x.dtype.is_floating:
            work, fill = x, (-np.inf if mode == "max" else np.inf)
        else:
            work, fill = x, (x.dtype.min if mode == "max" else x.dtype.max)
        combine = tf.maximum if mode == "max" else tf.minimum
    else:
        work, fill, combine = tf.cast(x, out_dtype), 0, tf.add
        if mode == "lp":
            work = tf.pow(tf.abs(work), tf.constant(p, out_dtype))
    geoms = _geometry(x.shape[1:-1], window)
    ends = [(g.out - 1) * g.s + g.d * (g.k - 1) + 1 - g.before for g in geoms]
    work = work[(slice(None), *(slice(0, e) for e in ends))]          # drop unread cells
    pads = [[0, 0], *([g.before, e - min(e, g.n)] for g, e in zip(geoms, ends)), [0, 0]]
    work = tf.pad(work, pads, constant_values=tf.cast(fill, work.dtype))
    out = None
    for taps in itertools.product(*(range(g.k) for g in geoms)):      # row-major order
        begin = [0, *(j * g.d for j, g in zip(taps, geoms)), 0]
        end = [work.shape[0], *(j * g.d + (g.out - 1) * g.s + 1 for j, g in zip(taps, geoms)),
               work.shape[-1]]
        tap = tf.strided_slice(work, begin, end, [1, *(g.s for g in geoms), 1])
        out = tap if out is None else combine(out, tap)
    if mode == "avg":
        divisor = (divisor_override if divisor_override else
                   _divisor(geoms, count_include_pad, np.dtype(np.float64)))
        out = out / tf.constant(divisor, out_dtype)
    if mode == "lp":
        out = tf.pow(out, tf.constant(1.0 / p, out_dtype))
    return out


# --------------------------------------------------------------------------- public API
def pool_nd(x, spatial_dims, mode="max", pool_size=2, strides=None, padding="valid", p=2, *,
            dilation=1, ceil_mode=False, count_include_pad=False, divisor_override=None):
    """TensorFlow :func:`pooledu.reference.pool_nd` (same arguments, returns a tf.Tensor).

    Differs from the reference only on NaN (TF's max / min pool ignore it).
    """
    mode = check_mode(mode, POOL_MODES)
    x, info = _as_tensor(x, spatial_dims)
    window = check_window(info, pool_size, strides, padding, dilation, ceil_mode)
    count_include_pad, divisor_override = check_average_args(
        mode, window, count_include_pad, divisor_override)
    if mode == "lp":
        p = check_p(p)
    if window.explicit or max(window.ds) > 1 or divisor_override is not None:
        y = _pool_taps(x, mode, window, p, count_include_pad, divisor_override)
    else:
        y = _pool(x, mode, window.ks, window.ss, padding.lower(), p)
    return _restore(y, info)


def pool2d(x, mode="max", pool_size=2, strides=None, padding="valid", p=2, *, dilation=1,
           ceil_mode=False, count_include_pad=False, divisor_override=None):
    """TensorFlow 2-D pooling of ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``.

    See :func:`pooledu.reference.pool2d`.

    >>> import numpy as np
    >>> pool2d(np.array([[1., 3.], [5., 6.]]), "min").numpy()
    array([[1.]])
    """
    return pool_nd(x, 2, mode, pool_size, strides, padding, p, dilation=dilation,
                   ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                   divisor_override=divisor_override)


def pool1d(x, mode="max", pool_size=2, strides=None, padding="valid", p=2, *, dilation=1,
           ceil_mode=False, count_include_pad=False, divisor_override=None):
    """TensorFlow 1-D pooling of ``(W,)``, ``(W, C)`` or ``(N, W, C)``."""
    return pool_nd(x, 1, mode, pool_size, strides, padding, p, dilation=dilation,
                   ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                   divisor_override=divisor_override)


def pool3d(x, mode="max", pool_size=2, strides=None, padding="valid", p=2, *, dilation=1,
           ceil_mode=False, count_include_pad=False, divisor_override=None):
    """TensorFlow 3-D pooling of ``(D, H, W)``, ``(D, H, W, C)`` or ``(N, D, H, W, C)``."""
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
    fn.__name__ = fn.__qualname__ = f"{mode}_pool{dims}d"
    fn.__doc__ = (f"TensorFlow ``{pool_fn.__name__}(x, {mode!r}, pool_size, strides, "
                  f"padding)``; see :func:`pooledu.reference.{mode}_pool{dims}d`.")
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


def _global(x, spatial_dims, mode, keepdims):
    mode = check_mode(mode, GLOBAL_MODES)
    keepdims = check_bool(keepdims, "keepdims")
    x, info = _as_tensor(x, spatial_dims)
    axes = list(range(1, spatial_dims + 1))
    out_dtype = tf.as_dtype(result_dtype(_np_dtype(x.dtype), mode))
    if mode == "max":
        r = tf.reduce_max(x, axis=axes, keepdims=True)
    elif mode == "min":
        r = tf.reduce_min(x, axis=axes, keepdims=True)
    elif mode == "sum":
        r = tf.reduce_sum(tf.cast(x, out_dtype), axis=axes, keepdims=True)
    else:
        r = tf.reduce_mean(tf.cast(x, out_dtype), axis=axes, keepdims=True)
    if keepdims:
        return _restore(r, info)
    shape = ([x.shape[0]] if info.batched else []) + ([x.shape[-1]] if info.has_channels else [])
    return tf.reshape(r, shape)


def global_pool2d(x, mode="avg", keepdims=False):
    """TensorFlow :func:`pooledu.reference.global_pool2d`:
    ``(H, W) -> ()``, ``(H, W, C) -> (C,)``, ``(N, H, W, C) -> (N, C)``."""
    return _global(x, 2, mode, keepdims)


def global_pool1d(x, mode="avg", keepdims=False):
    """TensorFlow :func:`pooledu.reference.global_pool1d`."""
    return _global(x, 1, mode, keepdims)


def global_pool3d(x, mode="avg", keepdims=False):
    """TensorFlow :func:`pooledu.reference.global_pool3d`."""
    return _global(x, 3, mode, keepdims)


def global_max_pool2d(x, keepdims=False):
    """TensorFlow ``global_pool2d(x, "max", keepdims)``."""
    return _global(x, 2, "max", keepdims)


def global_avg_pool2d(x, keepdims=False):
    """TensorFlow ``global_pool2d(x, "avg", keepdims)``."""
    return _global(x, 2, "avg", keepdims)


def max_pool2d_with_argmax(x, pool_size=2, strides=None, padding="valid",
                           include_batch_in_index=False):
    """``tf.nn.max_pool_with_argmax`` with the reference's shapes and checks.

    Returns ``(out, argmax)``; ``argmax`` is int64, index ``(y*W + x)*C + c``
    (``((b*H + y)*W + x)*C + c`` with ``include_batch_in_index=True``).
    See :func:`pooledu.reference.max_pool2d_with_argmax`.
    """
    x, info = _as_tensor(x, 2)
    include_batch_in_index = check_bool(include_batch_in_index, "include_batch_in_index")
    ks, ss, padding, _ = check_pool_args(info, pool_size, strides, padding)
    out, index = tf.nn.max_pool_with_argmax(x, ks, ss, padding.upper(),
                                            include_batch_in_index=include_batch_in_index)
    return _restore(out, info), _restore(index, info)


def pool2d_grad(x, dy, mode="max", pool_size=2, strides=None, padding="valid"):
    """Input gradient from ``tf.GradientTape`` through the pooling, with ``dy`` as the
    upstream gradient. See :func:`pooledu.reference.pool2d_grad`."""
    mode = check_mode(mode, GRAD_MODES)
    x, info = _as_tensor(x, 2)
    check_floating(info, "x", " to take a gradient")
    ks, ss, padding, out_spatial = check_pool_args(info, pool_size, strides, padding)
    out_shape = (x.shape[0], *out_spatial, x.shape[-1])
    g, ginfo = _as_tensor(dy, 2, name="dy")
    check_same_shape(ginfo.shape, info.restore(out_shape), "dy",
                     f"pool2d(x) for x of shape {info.shape}")
    g = tf.cast(tf.reshape(g, out_shape), x.dtype)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = _pool(x, mode, ks, ss, padding)
    return tf.reshape(tape.gradient(y, x, output_gradients=g), info.shape)


def adaptive_pool_nd(x, output_size, spatial_dims, mode="avg"):
    """TensorFlow :func:`pooledu.reference.adaptive_pool_nd` (separable, like Keras)."""
    mode = check_mode(mode, ADAPTIVE_MODES)
    x, info = _as_tensor(x, spatial_dims)
    outs = check_output_size(output_size, spatial_dims)
    if mode == "avg":
        x = tf.cast(x, tf.as_dtype(result_dtype(_np_dtype(x.dtype), "avg")))
    reduce = tf.reduce_max if mode == "max" else tf.reduce_mean
    for axis, out in enumerate(outs, start=1):
        starts, stops = adaptive_bins(x.shape[axis], out)
        parts = []
        for lo, hi in zip(starts, stops):
            begin = [0] * x.shape.rank
            size = list(x.shape)
            begin[axis], size[axis] = lo, hi - lo
            parts.append(reduce(tf.slice(x, begin, size), axis=axis, keepdims=True))
        x = tf.concat(parts, axis=axis)
    return _restore(x, info)


def adaptive_pool2d(x, output_size, mode="avg"):
    """TensorFlow :func:`pooledu.reference.adaptive_pool2d` (PyTorch / Keras 3 bins)."""
    return adaptive_pool_nd(x, output_size, 2, mode)


def fractional_pool2d(x, pooling_ratio, mode="max", pseudo_random=False, overlapping=False,
                      seed=None, row_seq=None, col_seq=None):
    """``tf.nn.fractional_max_pool`` / ``fractional_avg_pool`` with the reference's checks.

    Returns ``(out, row_seq, col_seq)``; hand the sequences to
    :func:`pooledu.reference.fractional_pool2d` to replay TF's windows in NumPy.

    ``seed=None`` (default) lets TensorFlow draw new sequences on every call.
    A positive ``seed`` repeats. ``seed=0`` is refused: TensorFlow reads 0 as
    "non-deterministic", which would silently not repeat. ``row_seq``/``col_seq``
    are not supported (TF draws its own): passing them raises ``ValueError``.
    """
    mode = check_mode(mode, FRACTIONAL_MODES)
    x, info = _as_tensor(x, 2)
    ratios = check_pooling_ratio(pooling_ratio, 2)
    pseudo_random = check_bool(pseudo_random, "pseudo_random")
    overlapping = check_bool(overlapping, "overlapping")
    seed = check_seed(seed)
    if row_seq is not None or col_seq is not None:
        raise ValueError(
            "row_seq/col_seq are not supported by pooledu.tf.fractional_pool2d: TensorFlow "
            "draws its own sequences. Use pooledu.reference.fractional_pool2d(..., "
            "row_seq=..., col_seq=...) to pool with given sequences."
        )
    if seed == 0:
        raise ValueError(
            "seed=0 means 'non-deterministic' to TensorFlow, so it would not repeat; "
            "use seed=None for fresh random sequences or a positive seed to repeat them"
        )
    check_fractional_sizes(info.spatial, ratios)
    op = tf.nn.fractional_max_pool if mode == "max" else tf.nn.fractional_avg_pool
    # TF's kernels take float32/64 and int32/64 only; other dtypes go through a
    # dtype that holds them exactly (max) or through float64 (avg of integers)
    out_dtype = tf.as_dtype(result_dtype(_np_dtype(x.dtype), mode))
    if mode == "avg":
        work = out_dtype if out_dtype in (tf.float32, tf.float64) else tf.float32
    elif x.dtype in (tf.float32, tf.float64, tf.int32, tf.int64):
        work = x.dtype
    else:
        work = tf.float32 if x.dtype.is_floating else tf.int64
    out, rows, cols = op(tf.cast(x, work), [1.0, *ratios, 1.0], pseudo_random=pseudo_random,
                         overlapping=overlapping, seed=seed or 0)
    return _restore(tf.cast(out, out_dtype), info), rows, cols
