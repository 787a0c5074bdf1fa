"""Keras 3 layers for the pooling operations Keras does not ship.

Importing this module imports Keras and TensorFlow (``import pooledu`` does
not).  Every layer

* takes channels-last input ``(batch, height, width, channels)``, or with
  ``data_format="channels_first"`` ``(batch, channels, height, width)``, as
  Keras' own pooling layers do (``None`` means Keras' ``image_data_format()``);
  the pooling is computed channels last (a transpose), as Keras does on CPU;
* runs under the ``mixed_float16`` and ``mixed_bfloat16`` dtype policies (its
  output has the policy's compute dtype), and passes Keras' own layer harness,
  ``keras.src.testing.TestCase.run_layer_test`` (``tests/test_layers.py``);
* is registered with ``keras.saving.register_keras_serializable(package="pooledu")``,
  so a model using it saves to and loads from a ``.keras`` file;
* has ``get_config`` and ``compute_output_shape`` (unknown sizes stay ``None``);
* is built on :mod:`pooledu.tf`, whose functions the tests check against the
  NumPy reference :mod:`pooledu.reference`.

=============================  ===================================================
layer                          pooling
=============================  ===================================================
``MinPooling2D``               min (the article's version calls ``tf.nn.pool(
                               pooling_type="MIN")``, which raises ``ValueError``)
``LpPooling2D``                ``sum(|x|^p)^(1/p)`` (or the mean, ``normalize=True``)
``GeMPooling2D``               generalized mean with a learnable ``p``
``StochasticPooling2D``        random cell in training, weighted average in inference
``MixedPooling2D``             random max/avg in training, a blend in inference
``SoftPooling2D``              softmax-weighted average
``BlurPooling2D``              binomial blur + subsampling (anti-aliasing)
``SpatialPyramidPooling2D``    fixed-length vector from any input size
``FractionalMaxPooling2D``     ``tf.nn.fractional_max_pool`` (random windows)
=============================  ===================================================

Padding and strides follow Keras' own pooling layers: ``strides=None`` means
``pool_size``; ``padding`` is ``"valid"`` or ``"same"``.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from . import _tf_functions as F
from . import _tf_pool
from ._fractional import fractional_output_size
from ._functions import _check_levels, _check_positive_real
from ._geometry import normalize_padding, normalize_tuple, output_size
from ._validation import check_bool, check_mode, check_p, check_pooling_ratio, check_seed

if keras.backend.backend() != "tensorflow":
    raise ImportError(
        "pooledu.layers is built on TensorFlow ops and needs the Keras 'tensorflow' "
        f"backend; the active backend is {keras.backend.backend()!r}. Set the "
        "environment variable KERAS_BACKEND=tensorflow before importing keras.")

__all__ = [
    "BlurPooling2D",
    "FractionalMaxPooling2D",
    "GeMPooling2D",
    "LpPooling2D",
    "MinPooling2D",
    "MixedPooling2D",
    "SoftPooling2D",
    "SpatialPyramidPooling2D",
    "StochasticPooling2D",
]

_register = keras.saving.register_keras_serializable(package="pooledu")


def _min_pool2d(x, pool_size, strides, padding):
    """Min pooling by ``pooledu.tf``'s kernel, which avoids both traps of ``-max_pool(-x)``.

    * Floats: ``-max_pool(-x)`` is exact, and a padded cell ("same") never wins.
    * Integers: ``-x`` overflows (``-(-128)`` is ``-128`` in int8); bitwise NOT
      (``~x = -x - 1``) also reverses the order but maps the integer range onto
      itself, so ``min(x) = ~max(~x)`` is exact for every integer type.

    (The public ``pooledu.tf.min_pool2d`` needs fully known shapes; a Keras
    layer sees an unknown batch size, so the layer calls the kernel directly.)
    """
    return _tf_pool._pool(tf.convert_to_tensor(x), "min", pool_size, strides, padding)


class _Pooling2D(keras.layers.Layer):
    """The input layout every layer shares: ``data_format`` and shapes.

    A subclass pools a channels-last tensor in ``_pool(x, training)`` and gives
    the channels-last output shape in ``_output_shape(shape)``; this class
    transposes ``channels_first`` inputs (and 4-D outputs) around them.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format is None:
            data_format = keras.config.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"data_format must be 'channels_last', 'channels_first' or None "
                             f"(keras.config.image_data_format()); got {data_format!r}")
        self.data_format = data_format
        self.input_spec = keras.layers.InputSpec(ndim=4)

    @property
    def _first(self):
        return self.data_format == "channels_first"

    def call(self, inputs, training=None):
        x = tf.transpose(inputs, [0, 2, 3, 1]) if self._first else inputs
        y = self._pool(x, training)
        return tf.transpose(y, [0, 3, 1, 2]) if self._first and y.shape.rank == 4 else y

    def compute_output_shape(self, input_shape):
        n, a, b, c = input_shape
        shape = (n, b, c, a) if self._first else (n, a, b, c)
        out = tuple(self._output_shape(shape))
        if self._first and len(out) == 4:
            out = (out[0], out[3], out[1], out[2])
        return out

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class _WindowPooling2D(_Pooling2D):
    """Shared arguments, output shape and config of the windowed pooling layers."""

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(data_format, **kwargs)
        self.pool_size = normalize_tuple(pool_size, 2, "pool_size")
        self.strides = (self.pool_size if strides is None
                        else normalize_tuple(strides, 2, "strides"))
        self.padding = normalize_padding(padding)

    def _output_shape(self, input_shape):
        n, h, w, c = input_shape
        out = [None if d is None else output_size(d, k, s, self.padding)
               for d, k, s in zip((h, w), self.pool_size, self.strides)]
        return (n, *out, c)

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=list(self.pool_size), strides=list(self.strides),
                      padding=self.padding)
        return config


class _RandomMixin:
    """A layer that draws fresh randomness at every training step.

    ``seed`` seeds a ``keras.random.SeedGenerator``; each call draws a new
    stateless seed from it, so a fixed ``seed`` makes a training run repeatable
    while every step still samples differently.
    """

    def _init_seed(self, seed):
        self.seed = check_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def _draw_seed(self):
        return keras.random.randint((2,), 0, 2**31 - 1, seed=self.seed_generator, dtype="int32")


@_register
class MinPooling2D(_WindowPooling2D):
    """Min pooling: the smallest value of every window.

    Keras has no min pooling layer, and ``tf.nn.pool(..., pooling_type="MIN")``
    raises ``ValueError: 2-D MIN pooling is not supported``.  This layer is
    ``-max_pool(-x)`` for floats and ``~max_pool(~x)`` for integers (no
    overflow: int8 ``[-128, 5, 3, 2]`` gives -128), with "same" padding that
    never wins.

    Parameters
    ----------
    pool_size : int or (int, int), default 2
    strides : int, (int, int) or None, default None (= pool_size)
    padding : {"valid", "same"}, default "valid"

    Input ``(N, H, W, C)`` -> output ``(N, H', W', C)`` as ``MaxPooling2D``.

    Examples
    --------
    >>> import numpy as np
    >>> MinPooling2D()(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0].numpy()
    array([[ 0.,  2.],
           [ 8., 10.]], dtype=float32)
    """

    def _pool(self, x, training=None):
        return _min_pool2d(x, self.pool_size, self.strides, self.padding)


@_register
class LpPooling2D(_WindowPooling2D):
    """Lp pooling: ``(sum |x|^p)^(1/p)`` per window (PyTorch's ``LPPool2d`` raises
    ``x``, not ``|x|``: the same for even ``p`` or ``x >= 0``), or with
    ``normalize=True`` the power average ``(mean |x|^p)^(1/p)``.

    See :func:`pooledu.reference.lp_pool2d`.

    Parameters
    ----------
    p : float > 0, default 2.0
    pool_size, strides, padding : as ``MaxPooling2D``
    normalize : bool, default False
    """

    def __init__(self, p=2.0, pool_size=2, strides=None, padding="valid", normalize=False,
                 data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
        self.p = check_p(p)
        self.normalize = check_bool(normalize, "normalize")

    def _pool(self, x, training=None):
        return F.lp_pool2d(x, self.p, self.pool_size, self.strides, self.padding,
                           normalize=self.normalize)

    def get_config(self):
        return {**super().get_config(), "p": self.p, "normalize": self.normalize}


@_register
class GeMPooling2D(_Pooling2D):
    """Generalized-mean pooling with a learnable exponent ``p`` (Radenovic et al. 2018).

    ``mean(clamp(x, eps)^p)^(1/p)``: ``p = 1`` is average pooling, large ``p``
    approaches max pooling, and the network learns where in between to sit.
    ``p`` is a trainable scalar weight (``trainable_p=False`` freezes it); it
    is not constrained, so keep the learning rate modest (``p`` must stay > 0).

    Parameters
    ----------
    p : float > 0, default 3.0
        Initial value of the weight ``p``.
    eps : float > 0, default 1e-6
    pool_size : None, int or (int, int), default None
        None: global pooling, ``(N, H, W, C) -> (N, C)`` (``(N, 1, 1, C)`` with
        ``keepdims=True``).  Otherwise windowed, like ``AveragePooling2D``.
    strides, padding : windowed pooling only
    keepdims : bool, default False (global pooling only)
    trainable_p : bool, default True
    """

    def __init__(self, p=3.0, eps=1e-6, pool_size=None, strides=None, padding="valid",
                 keepdims=False, trainable_p=True, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.initial_p = check_p(p)
        self.eps = _check_positive_real(eps, "eps")
        self.pool_size = None if pool_size is None else normalize_tuple(pool_size, 2, "pool_size")
        if self.pool_size is None and strides is not None:
            raise ValueError(f"strides must be None for global GeM pooling (pool_size=None); "
                             f"got strides={strides!r}")
        self.strides = (None if self.pool_size is None else
                        self.pool_size if strides is None else
                        normalize_tuple(strides, 2, "strides"))
        self.padding = normalize_padding(padding)
        self.keepdims = check_bool(keepdims, "keepdims")
        self.trainable_p = check_bool(trainable_p, "trainable_p")

    def build(self, input_shape):
        self.p = self.add_weight(name="p", shape=(),
                                 initializer=keras.initializers.Constant(self.initial_p),
                                 trainable=self.trainable_p)

    def _pool(self, x, training=None):
        return F.gem_pool2d(x, self.p, self.eps, self.pool_size, self.strides,
                            self.padding, keepdims=self.keepdims)

    def _output_shape(self, input_shape):
        n, h, w, c = input_shape
        if self.pool_size is None:
            return (n, 1, 1, c) if self.keepdims else (n, c)
        out = [None if d is None else output_size(d, k, s, self.padding)
               for d, k, s in zip((h, w), self.pool_size, self.strides)]
        return (n, *out, c)

    def get_config(self):
        config = super().get_config()
        config.update(p=self.initial_p, eps=self.eps,
                      pool_size=None if self.pool_size is None else list(self.pool_size),
                      strides=None if self.strides is None else list(self.strides),
                      padding=self.padding, keepdims=self.keepdims,
                      trainable_p=self.trainable_p)
        return config


@_register
class StochasticPooling2D(_RandomMixin, _WindowPooling2D):
    """Stochastic pooling (Zeiler & Fergus 2013).

    Training (``fit``, or ``training=True``): each window outputs one of its
    cells, cell ``i`` with probability ``a_i / sum(a)``.  Inference
    (``predict``, ``training=False``): the expectation ``sum(a^2) / sum(a)``.
    The input must be non-negative (put it after a ReLU).

    Parameters
    ----------
    pool_size, strides, padding : as ``MaxPooling2D``
    seed : None or int, default None
        Seeds the layer's ``keras.random.SeedGenerator``.
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", seed=None, data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
        self._init_seed(seed)

    def _pool(self, x, training=None):
        if training:
            return F.stochastic_pool2d(x, self.pool_size, self.strides, self.padding,
                                       training=True, seed=self._draw_seed())
        return F.stochastic_pool2d(x, self.pool_size, self.strides, self.padding)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@_register
class MixedPooling2D(_RandomMixin, _WindowPooling2D):
    """Mixed pooling (Yu et al. 2014): each output is the window's max or its average.

    Training: the max with probability ``alpha``, else the average, drawn per
    window and feature map.  Inference: the fixed blend
    ``alpha * max + (1 - alpha) * avg`` (pooledu's choice; see
    :func:`pooledu.reference.mixed_pool2d`).  The layer has no weights.

    Parameters
    ----------
    pool_size, strides, padding : as ``MaxPooling2D``
    alpha : float in [0, 1], default 0.5
    seed : None or int, default None
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", alpha=0.5, seed=None,
                 data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
        self.alpha = _check_positive_real(alpha, "alpha", allow_zero=True)
        if self.alpha > 1:
            raise ValueError(f"alpha must be in [0, 1]; got {alpha!r}")
        self._init_seed(seed)

    def _pool(self, x, training=None):
        if training:
            return F.mixed_pool2d(x, self.pool_size, self.strides, self.padding,
                                  self.alpha, training=True, seed=self._draw_seed())
        return F.mixed_pool2d(x, self.pool_size, self.strides, self.padding, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}


@_register
class SoftPooling2D(_WindowPooling2D):
    """SoftPool (Stergiou et al. 2021): ``sum(e^x * x) / sum(e^x)`` per window.

    Stable for large inputs (the window max is subtracted first).

    Parameters
    ----------
    pool_size, strides, padding : as ``MaxPooling2D``
    """

    def _pool(self, x, training=None):
        return F.soft_pool2d(x, self.pool_size, self.strides, self.padding)


@_register
class BlurPooling2D(_Pooling2D):
    """Blur pooling (Zhang 2019): binomial low-pass filter per channel, then stride.

    Reflect padding ``[floor((f-1)/2), ceil((f-1)/2)]``; output
    ``ceil(H / sh) x ceil(W / sw)``.  No weights (the filter is fixed).
    Put it after a stride-1 max pooling for Zhang's MaxBlurPool.

    Parameters
    ----------
    filter_size : int >= 1, default 3
    strides : int or (int, int), default 2
    """

    def __init__(self, filter_size=3, strides=2, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        F._ref.binomial_filter(filter_size)                 # validates filter_size
        self.filter_size = int(filter_size)
        self.strides = normalize_tuple(strides, 2, "strides")

    def _pool(self, x, training=None):
        return F.blur_pool2d(x, self.filter_size, self.strides)

    def _output_shape(self, input_shape):
        n, h, w, c = input_shape
        out = [None if d is None else -(-d // s) for d, s in zip((h, w), self.strides)]
        return (n, *out, c)

    def get_config(self):
        return {**super().get_config(), "filter_size": self.filter_size,
                "strides": list(self.strides)}


@_register
class SpatialPyramidPooling2D(_Pooling2D):
    """Spatial pyramid pooling (He et al. 2014): ``(N, H, W, C) -> (N, C * sum(l*l))``.

    Any ``H, W`` (also unknown, ``Input((None, None, C))``) gives the same
    output length, so a dense head can follow convolutions on images of any
    size.  Adaptive bins and output order as
    :func:`pooledu.reference.spatial_pyramid_pool2d`.

    Parameters
    ----------
    levels : sequence of positive ints, default (1, 2, 4)
    mode : {"max", "avg"}, default "max"
    """

    def __init__(self, levels=(1, 2, 4), mode="max", data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.levels = _check_levels(levels)
        self.mode = check_mode(mode, F._ref.SPP_MODES)

    def build(self, input_shape):
        if input_shape[1 if self._first else -1] is None:
            raise ValueError("SpatialPyramidPooling2D needs a known number of channels; "
                             f"got input shape {input_shape}")

    def _pool(self, x, training=None):
        return F.spatial_pyramid_pool2d(x, self.levels, self.mode)

    def _output_shape(self, input_shape):
        c = input_shape[-1]
        return (input_shape[0], None if c is None else c * sum(n * n for n in self.levels))

    def get_config(self):
        return {**super().get_config(), "levels": list(self.levels), "mode": self.mode}


@_register
class FractionalMaxPooling2D(_Pooling2D):
    """Fractional max pooling (Graham 2014), wrapping ``tf.nn.fractional_max_pool``.

    Output ``floor(H / r_h) x floor(W / r_w)`` with random window boundaries
    (steps of ``k`` or ``k + 1``), drawn again at every call, in training and
    in inference alike (as TensorFlow does; Graham averages several
    inference passes).

    Parameters
    ----------
    pooling_ratio : float >= 1 or (float, float), default 1.5
        Also TensorFlow's ``[1.0, r_h, r_w, 1.0]``.
    pseudo_random : bool, default False
    overlapping : bool, default False
        Windows share their boundary cell.
    seed : None or int, default None
        ``None`` or 0: non-deterministic.  Any other int: TensorFlow's op
        seed, the same windows at every call.
    """

    def __init__(self, pooling_ratio=1.5, pseudo_random=False, overlapping=False, seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.pooling_ratio = check_pooling_ratio(pooling_ratio, 2)
        self.pseudo_random = check_bool(pseudo_random, "pseudo_random")
        self.overlapping = check_bool(overlapping, "overlapping")
        self.seed = check_seed(seed)

    def _pool(self, x, training=None):
        # TF's kernel has no float16 / bfloat16: those go through float32 (exact for max)
        work = x if x.dtype in (tf.float32, tf.float64) else tf.cast(x, tf.float32)
        output, _, _ = tf.nn.fractional_max_pool(
            work, [1.0, *self.pooling_ratio, 1.0], pseudo_random=self.pseudo_random,
            overlapping=self.overlapping, seed=self.seed or 0)
        return tf.cast(output, x.dtype)

    def _output_shape(self, input_shape):
        # floor(n / ratio) in float32, as TF's op computes it (float64 can differ by one)
        n, h, w, c = input_shape
        out = [None if d is None else fractional_output_size(d, r)
               for d, r in zip((h, w), self.pooling_ratio)]
        return (n, *out, c)

    def get_config(self):
        return {**super().get_config(), "pooling_ratio": list(self.pooling_ratio),
                "pseudo_random": self.pseudo_random, "overlapping": self.overlapping,
                "seed": self.seed}
