"""The head-to-head experiment of notebook 07: one small CNN, seven ways to downsample.

Every variant is the same network, ``conv(8) -> DOWN -> conv(16) -> DOWN -> head``,
with 3x3 "same" convolutions and ReLU, where ``DOWN`` is:

=================  ==========================================================
``"max"``          ``MaxPooling2D(2)``
``"avg"``          ``AveragePooling2D(2)``
``"stochastic"``   stochastic pooling, 2x2 (Zeiler & Fergus 2013): samples in
                   training, probability-weighted average at test time
``"blur"``         MaxBlurPool (Zhang 2019): max with stride 1, then a 3x3
                   binomial blur with stride 2 (anti-aliased max pooling)
``"strided_conv"`` no pooling layer; the convolution before it has stride 2
                   (Springenberg et al. 2015, "Striving for simplicity")
``"no_pool"``      no downsampling at all
``"gap_head"``     max pooling as in ``"max"``, but the head is global average
                   pooling + dense (Lin et al. 2014, "Network in Network")
                   instead of flatten + dense
=================  ==========================================================

The head is ``Flatten -> Dense(10, softmax)`` except for ``"gap_head"``.

Data: sklearn's digits, enlarged 2x (16x16) and centred on a 24x24 canvas for
training and testing, and the *same test digits* moved by up to 2 pixels in
each direction for the shifted test (:func:`pooledu.data.shifted_digits`), and
by 0..4 pixels to the right for an accuracy-versus-shift curve.

TensorFlow is imported inside the functions, so importing this module (and
``pooledu``) stays light. :func:`run_experiment` seeds Keras and switches on
TensorFlow's op determinism, so the same arguments give the same accuracies in
any fresh process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np

from .widgets import _Explorer

__all__ = [
    "VARIANTS",
    "ResultsExplorer",
    "build_model",
    "count_flops",
    "epochs_to_reach",
    "fit_gem_exponent",
    "format_summary",
    "load_data",
    "plot_results",
    "run_experiment",
    "shifted_copies",
    "summarize",
    "train_and_evaluate",
]

VARIANTS = ("max", "avg", "stochastic", "blur", "strided_conv", "no_pool", "gap_head")


def _keras():
    import os
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    return keras


def _check_variant(variant):
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}; got {variant!r}")
    return variant


def _downsample(variant: str, index: int, seed=None) -> list:
    """The layers that downsample after convolution ``index`` (empty: none)."""
    keras = _keras()
    name = f"down{index + 1}"
    if variant in ("max", "gap_head"):
        return [keras.layers.MaxPooling2D(2, name=name)]
    if variant == "avg":
        return [keras.layers.AveragePooling2D(2, name=name)]
    if variant == "stochastic":
        from .layers import StochasticPooling2D
        return [StochasticPooling2D(2, seed=None if seed is None else seed + index, name=name)]
    if variant == "blur":
        # Zhang's MaxBlurPool: dense max (stride 1), then blur and subsample by 2
        from .layers import BlurPooling2D
        return [keras.layers.MaxPooling2D(2, strides=1, name=f"{name}_max"),
                BlurPooling2D(filter_size=3, strides=2, name=f"{name}_blur")]
    return []


def build_model(variant: str, input_shape=(24, 24, 1), n_classes: int = 10,
                filters: Sequence[int] = (8, 16), kernel_size: int = 3, seed=None):
    """Build (not compile) the small CNN with the downsampling ``variant``.

    Parameters
    ----------
    variant : str
        One of :data:`VARIANTS` (see the module docstring).
    input_shape : tuple, default (24, 24, 1)
        ``(H, W, C)`` of one image.
    n_classes : int, default 10
    filters : sequence of int, default (8, 16)
        Filters of each 3x3 convolution; one downsampling step follows each.
    kernel_size : int, default 3
    seed : int or None
        Seeds the random layers (``"stochastic"``); None: Keras' global seed.

    Returns
    -------
    keras.Model
        Named after the variant; layers ``conv1``, ``down1``, ``conv2``, ...

    Examples
    --------
    >>> build_model("max").count_params()          # doctest: +SKIP
    7018
    """
    _check_variant(variant)
    keras = _keras()
    inputs = keras.Input(tuple(input_shape), name="image")
    x = inputs
    for i, f in enumerate(filters):
        stride = 2 if variant == "strided_conv" else 1
        x = keras.layers.Conv2D(f, kernel_size, strides=stride, padding="same",
                                activation="relu", name=f"conv{i + 1}")(x)
        for layer in _downsample(variant, i, seed):
            x = layer(x)
    if variant == "gap_head":
        x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    else:
        x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, outputs, name=variant)


def _shape(tensor):
    return tuple(int(d) for d in tensor.shape[1:])


def count_flops(model) -> int:
    """Multiply-adds (MACs) of one forward pass of one image through ``model``.

    Counted analytically from the layers' output shapes:

    * ``Conv2D``: ``H_out * W_out * kh * kw * (C_in / groups) * C_out``;
    * ``DepthwiseConv2D``: ``H_out * W_out * kh * kw * C_in * depth_multiplier``;
    * ``Dense``: ``inputs * units`` (times the leading positions, if any);
    * a layer with a fixed blur filter (``filter_size`` attribute, e.g. blur
      pooling): ``H_out * W_out * C * f * f``.

    Biases, activations and the comparisons / additions inside max and average
    pooling are not counted (they are a few percent at most). FLOPs are about
    ``2 * MACs``.

    Examples
    --------
    >>> count_flops(build_model("max"))            # doctest: +SKIP
    213120
    """
    keras = _keras()
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        out = _shape(layer.output)
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            kh, kw = layer.kernel_size
            cin = _shape(layer.input)[-1]
            total += out[0] * out[1] * kh * kw * cin * layer.depth_multiplier
        elif isinstance(layer, keras.layers.Conv2D):
            kh, kw = layer.kernel_size
            cin = _shape(layer.input)[-1]
            total += out[0] * out[1] * kh * kw * (cin // layer.groups) * layer.filters
        elif isinstance(layer, keras.layers.Dense):
            inp = _shape(layer.input)
            total += math.prod(inp[:-1]) * inp[-1] * layer.units
        elif getattr(layer, "filter_size", None):
            f = layer.filter_size
            f = f if isinstance(f, int) else f[0]
            total += math.prod(out) * f * f
    return int(total)


def load_data(canvas: int = 24, scale: int = 2, max_shift: int = 2,
              test_fraction: float = 0.25, split_seed: int = 0, shift_seed: int = 1):
    """Centred train / test digits and a shifted copy of the test digits.

    Returns
    -------
    dict with ``x_train, y_train, x_test, y_test, x_shifted`` (images with a
    channel axis, shape ``(N, canvas, canvas, 1)``, float32) and
    ``offsets`` (the ``(dy, dx)`` of every shifted test digit, each drawn from
    ``-max_shift .. max_shift``).

    Examples
    --------
    >>> d = load_data()
    >>> d["x_train"].shape, d["x_shifted"].shape
    ((1348, 24, 24, 1), (449, 24, 24, 1))
    """
    from .data import shifted_digits
    centred, labels, _ = shifted_digits(canvas=canvas, scale=scale, max_shift=0)
    moved, _, offsets = shifted_digits(canvas=canvas, scale=scale, max_shift=max_shift,
                                       seed=shift_seed)
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1; got {test_fraction}")
    order = np.random.default_rng(split_seed).permutation(len(labels))
    n_test = round(test_fraction * len(labels))
    test, train = order[:n_test], order[n_test:]
    return {"x_train": centred[train, ..., None], "y_train": labels[train],
            "x_test": centred[test, ..., None], "y_test": labels[test],
            "x_shifted": moved[test, ..., None], "offsets": offsets[test]}


def shifted_copies(images, shift: int, axis: int = 1):
    """``images`` (N, H, W, C) moved by ``shift`` pixels along ``axis`` (1 = right).

    The digits sit on a blank canvas, so nothing leaves it for shifts up to the
    free margin and wrapping equals zero filling.
    """
    images = np.asarray(images)
    return np.roll(images, int(shift), axis=1 + (axis == 1))


def _fit(model, x, y, epochs, batch_size, learning_rate, seed, on_epoch_end) -> list:
    """Minibatch Adam on sparse categorical cross-entropy, one compiled call per epoch.

    A plain training loop (what ``model.fit`` does, without its machinery, which
    costs more than the training itself for a model this small). Each epoch visits
    the training set in an order drawn from ``numpy.random.default_rng(seed)``.
    Returns the values ``on_epoch_end()`` returned after each epoch.
    """
    import tensorflow as tf
    keras = _keras()
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build(model.trainable_variables)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    x, y = tf.constant(x), tf.constant(y)
    n = int(x.shape[0])

    @tf.function
    def train_epoch(order):
        for start in tf.range(0, n, batch_size):
            batch = order[start:start + batch_size]
            with tf.GradientTape() as tape:
                loss = loss_fn(tf.gather(y, batch), model(tf.gather(x, batch), training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply(grads, model.trainable_variables)

    rng = np.random.default_rng(seed)
    results = []
    for _ in range(epochs):
        train_epoch(tf.constant(rng.permutation(n)))
        results.append(on_epoch_end())
    return results


def train_and_evaluate(variant: str, data: dict, seed: int = 0, epochs: int = 5,
                       batch_size: int = 64, learning_rate: float = 3e-3,
                       curve_shifts: Sequence[int] = range(5),
                       filters: Sequence[int] = (8, 16)) -> dict:
    """Train one variant with one seed; return one tidy row of results.

    Seeds Keras (Python, NumPy and TensorFlow generators) with ``seed`` and
    enables TensorFlow op determinism first; trains with minibatch Adam
    (:func:`_fit`) and records the test accuracy after every epoch.

    Returns
    -------
    dict with ``variant, seed, params, macs, train_seconds`` (wall time of
    training, with the per-epoch test evaluation), ``test_accuracy``,
    ``shifted_accuracy`` (on ``data["x_shifted"]``), ``curve`` (test accuracy
    after each epoch, a list) and ``shift_curve`` (test accuracy with every test
    digit moved right by each of ``curve_shifts`` pixels, a list).
    """
    keras = _keras()
    import tensorflow as tf
    keras.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()
    model = build_model(variant, input_shape=data["x_train"].shape[1:], filters=filters,
                        seed=int(seed))

    def accuracy(x, y):
        # a direct call, not model.predict: no tf.function retracing per model
        pred = np.argmax(np.asarray(model(x, training=False)), axis=1)
        return float(np.mean(pred == y))

    start = time.perf_counter()
    curve = _fit(model, data["x_train"], data["y_train"], epochs=int(epochs),
                 batch_size=batch_size, learning_rate=learning_rate, seed=int(seed),
                 on_epoch_end=lambda: accuracy(data["x_test"], data["y_test"]))
    seconds = time.perf_counter() - start
    shifts = list(curve_shifts)
    shift_curve = [curve[-1] if d == 0 else
                   accuracy(shifted_copies(data["x_test"], d), data["y_test"]) for d in shifts]

    return {"variant": variant, "seed": int(seed), "params": int(model.count_params()),
            "macs": count_flops(model), "train_seconds": seconds,
            "test_accuracy": curve[-1],
            "shifted_accuracy": accuracy(data["x_shifted"], data["y_test"]),
            "curve": curve, "shift_curve": shift_curve}


def run_experiment(variants: Sequence[str] = VARIANTS, seeds: Sequence[int] = (0, 1),
                   epochs: int = 5, data: dict | None = None, **train_kwargs) -> list[dict]:
    """Train every variant with every seed; return a tidy table (one row per run).

    Parameters
    ----------
    variants : sequence of str, default all of :data:`VARIANTS`
    seeds : sequence of int, default (0, 1)
    epochs : int, default 5
    data : dict, optional
        From :func:`load_data` (default: ``load_data()``).
    **train_kwargs
        Passed to :func:`train_and_evaluate` (``batch_size``, ``learning_rate``,
        ``filters``, ``curve_shifts``).

    Returns
    -------
    list of dict
        The rows of :func:`train_and_evaluate`, variants in the given order.
        :func:`summarize` turns them into one row per variant.
    """
    for v in variants:
        _check_variant(v)
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    data = load_data() if data is None else data
    return [train_and_evaluate(v, data, seed=s, epochs=epochs, **train_kwargs)
            for v in variants for s in seeds]


def summarize(rows: Sequence[dict]) -> list[dict]:
    """One row per variant: mean and spread over seeds.

    ``*_std`` is the standard deviation over seeds (``ddof=0``: 0 for one seed);
    ``*_min`` / ``*_max`` give the range, which says more with 2-3 seeds.

    Returns
    -------
    list of dict with ``variant, seeds, params, macs, train_seconds,
    test_accuracy, test_std, test_min, test_max, shifted_accuracy, shifted_std,
    shifted_min, shifted_max``, ``curve`` (mean test accuracy per epoch) and
    ``shift_curve`` (mean test accuracy per shift).
    """
    out = []
    for v in dict.fromkeys(r["variant"] for r in rows):
        rs = [r for r in rows if r["variant"] == v]
        test = np.array([r["test_accuracy"] for r in rs])
        shifted = np.array([r["shifted_accuracy"] for r in rs])
        out.append({
            "variant": v, "seeds": len(rs), "params": rs[0]["params"], "macs": rs[0]["macs"],
            "train_seconds": float(np.mean([r["train_seconds"] for r in rs])),
            "test_accuracy": float(test.mean()), "test_std": float(test.std()),
            "test_min": float(test.min()), "test_max": float(test.max()),
            "shifted_accuracy": float(shifted.mean()), "shifted_std": float(shifted.std()),
            "shifted_min": float(shifted.min()), "shifted_max": float(shifted.max()),
            "curve": np.mean([r["curve"] for r in rs], axis=0).tolist(),
            "shift_curve": np.mean([r["shift_curve"] for r in rs], axis=0).tolist(),
        })
    return out


def epochs_to_reach(curve: Sequence[float], threshold: float = 0.9):
    """First epoch (1-based) at which ``curve`` reaches ``threshold``; None if never.

    >>> epochs_to_reach([0.5, 0.85, 0.93, 0.95], 0.9)
    3
    """
    for i, value in enumerate(curve, start=1):
        if value >= threshold:
            return i
    return None


def fit_gem_exponent(target: str = "max", p: float = 3.0, steps: int = 150,
                     learning_rate: float = 0.1, pool_size: int = 2, seed: int = 0) -> list:
    """Learn GeM's exponent ``p`` so that GeM pooling imitates ``target`` pooling.

    The demonstration that pooling *can* be learnable (Radenovic et al. 2018):
    a :class:`pooledu.layers.GeMPooling2D` with a trainable ``p`` is fitted by
    gradient descent (Adam, mean squared error) to the output of max or average
    pooling on random non-negative maps ``(32, 8, 8, 4)``. ``p`` moves towards
    large values for ``"max"`` and towards 1 for ``"avg"``.

    Returns
    -------
    list of float
        ``p`` before training and after every step (``steps + 1`` values).
    """
    if target not in ("max", "avg"):
        raise ValueError(f"target must be 'max' or 'avg'; got {target!r}")
    keras = _keras()
    import tensorflow as tf

    from .layers import GeMPooling2D
    keras.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()
    x = tf.constant(np.random.default_rng(seed).random((32, 8, 8, 4)), tf.float32)
    pool = tf.nn.max_pool2d if target == "max" else tf.nn.avg_pool2d
    y = pool(x, pool_size, pool_size, "VALID")
    layer = GeMPooling2D(p=p, pool_size=pool_size)
    layer.build(x.shape)
    optimizer = keras.optimizers.Adam(learning_rate)
    history = [float(layer.p.numpy())]
    for _ in range(int(steps)):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((layer(x) - y) ** 2)
        grads = tape.gradient(loss, [layer.p])
        optimizer.apply_gradients(zip(grads, [layer.p]))
        history.append(float(layer.p.numpy()))
    return history


def plot_results(summary: Sequence[dict], figsize=(8.0, 3.0)):
    """Two panels: test and shifted accuracy per variant (mean, with the min-max range
    over seeds as error bars), and accuracy against the size of the shift.

    Returns the matplotlib Figure (assign it: ``_ = plot_results(summary)``).
    """
    import matplotlib.pyplot as plt

    from .viz import _LINESTYLES, _MARKERS, LINE_COLORS, style_context

    with style_context():
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize,
                                       gridspec_kw={"width_ratios": [1.2, 1]})
        names = [s["variant"] for s in summary]
        x = np.arange(len(names))
        for offset, key, label, color in ((-0.2, "test", "centred test", LINE_COLORS[0]),
                                          (0.2, "shifted", "shifted (up to 2 px)",
                                           LINE_COLORS[1])):
            mean = np.array([s[f"{key}_accuracy"] for s in summary])
            lo = mean - np.array([s[f"{key}_min"] for s in summary])
            hi = np.array([s[f"{key}_max"] for s in summary]) - mean
            ax1.bar(x + offset, mean, width=0.4, color=color, label=label,
                    yerr=[lo, hi], capsize=2)
        ax1.set_xticks(x, names, rotation=35, ha="right")
        ax1.set_ylabel("accuracy")
        ax1.set_ylim(0, 1)
        ax1.legend(loc="lower left")
        for i, s in enumerate(summary):
            shifts = np.arange(len(s["shift_curve"]))
            ax2.plot(shifts, s["shift_curve"], label=s["variant"],
                     color=LINE_COLORS[i % len(LINE_COLORS)], marker=_MARKERS[i % len(_MARKERS)],
                     linestyle=_LINESTYLES[i % len(_LINESTYLES)])
        ax2.set_xlabel("digit moved right by (pixels)")
        ax2.set_ylabel("test accuracy")
        ax2.set_ylim(0, 1)
        ax2.legend(fontsize=7, ncol=2)
        fig.tight_layout()
    return fig


class ResultsExplorer(_Explorer):
    """An explorer over the experiment's results: pick a shift, see every variant's accuracy.

    Parameters
    ----------
    summary : list of dict
        From :func:`summarize` (uses ``variant`` and ``shift_curve``).

    Controls / ``update()`` parameters: ``shift`` (pixels the test digits move
    right, 0 .. len(shift_curve) - 1). ``state["accuracy"]`` maps each variant to
    its mean test accuracy at that shift; ``last_output`` is the same dict.
    """

    figsize = (6.0, 2.6)

    def __init__(self, summary: Sequence[dict]):
        import ipywidgets as W

        super().__init__()
        self.summary = list(summary)
        if not self.summary:
            raise ValueError("summary is empty: run the experiment first")
        n = len(self.summary[0]["shift_curve"])
        self._add("shift", W.IntSlider(value=0, min=0, max=n - 1, description="shift"))
        self._ax = self.figure.add_axes([0.1, 0.3, 0.87, 0.6])
        self._refresh(from_update=True)

    def _draw(self, shift):
        from .viz import LINE_COLORS

        acc = {s["variant"]: float(s["shift_curve"][shift]) for s in self.summary}
        ax = self._ax
        ax.cla()
        ax.bar(range(len(acc)), list(acc.values()), color=LINE_COLORS[0])
        ax.set_xticks(range(len(acc)), list(acc), rotation=30, ha="right")
        ax.set_ylim(0, 1)
        ax.set_ylabel("accuracy")
        ax.set_title(f"test digits moved {shift} pixel(s) right")
        best = max(acc, key=acc.get)
        self.text.value = (f"Shift {shift}: best <b>{best}</b> ({acc[best]:.3f}); "
                           + ", ".join(f"{k} {v:.3f}" for k, v in acc.items()))
        self.last_output = acc
        return {"shift": shift, "accuracy": acc}


def format_summary(summary: Sequence[dict], timings: bool = False) -> str:
    """The summary as a fixed-width text table (accuracies to 3 decimals).

    Columns: variant, parameters, multiply-adds, mean test accuracy and its
    range over seeds, mean shifted accuracy and its range; with ``timings=True``
    only the variant and the mean training time (which varies from run to run,
    so notebooks print it separately from the compared numbers).
    """
    from .measure import format_table

    if timings:
        return format_table([{"variant": s["variant"], "train_seconds": s["train_seconds"]}
                             for s in summary], formats={"train_seconds": ".1f"})
    rows = [{"variant": s["variant"], "params": s["params"], "macs": s["macs"],
             "test": s["test_accuracy"], "test_range": f"{s['test_min']:.3f}-{s['test_max']:.3f}",
             "shifted": s["shifted_accuracy"],
             "shifted_range": f"{s['shifted_min']:.3f}-{s['shifted_max']:.3f}"}
            for s in summary]
    return format_table(rows)
