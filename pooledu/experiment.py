"""The head-to-head experiment of notebook 07: one small CNN, nine ways to downsample.

Every variant is built on the same network, ``conv(8) -> DOWN -> conv(16) -> DOWN ->
head``, with 3x3 "same" convolutions and ReLU, where ``DOWN`` is:

=================  ==========================================================
``"max"``          ``MaxPooling2D(2)``
``"avg"``          ``AveragePooling2D(2)``
``"stochastic"``   stochastic pooling, 2x2 (Zeiler & Fergus 2013): samples in
                   training, probability-weighted average at test time
``"blur"``         MaxBlurPool (Zhang 2019): max with stride 1, then a 3x3
                   binomial blur with stride 2 (anti-aliased max pooling)
``"strided_conv"`` no pooling layer; the convolution before it has stride 2
                   (Springenberg et al. 2015's "Strided-CNN": cheapest)
``"all_conv"``     each pooling layer replaced by an *extra* 3x3 convolution
                   with stride 2 and as many filters (Springenberg et al.
                   2015's "All-CNN", the comparison their paper is about)
``"no_pool"``      no downsampling; a 1x1 convolution to one channel before
                   the head, so the head sees 24x24x1 = 576 values, as many as
                   the pooled models' 6x6x16: a *parameter-matched* control
``"gap_head"``     max pooling as in ``"max"``, then a third 3x3 convolution
                   (32 filters) and global average pooling + dense instead of
                   flatten + dense (Lin et al. 2014, "Network in Network")
``"max_aug"``      ``"max"`` trained on digits moved by a random offset of up
                   to ``AUG_SHIFT`` pixels each epoch (data augmentation)
=================  ==========================================================

The head is ``Flatten -> Dense(10, softmax)`` except for ``"gap_head"``.

Data (:func:`load_data`): sklearn's 1,797 digits, enlarged 2x (16x16) and centred on
a 24x24 canvas, split once into train / validation / test digits. Models train on
the train digits, stop early on the validation loss, and are tested on the test
digits at 33 placements (:data:`OFFSETS`): every offset of up to 2 pixels in each
direction, and 3 or 4 pixels along one axis.

TensorFlow is imported inside the functions, so importing this module (and
``pooledu``) stays light. Every run seeds Keras and switches on TensorFlow's op
determinism and runs TensorFlow on one thread, so the same arguments give the same
numbers, bit for bit, in any fresh process (see :func:`use_one_thread`).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .widgets.results_explorer import ResultsExplorer

__all__ = [
    "OFFSETS",
    "VARIANTS",
    "ResultsExplorer",
    "build_model",
    "compare_to_max",
    "count_flops",
    "fit_gem_exponent",
    "format_comparison",
    "format_summary",
    "load_data",
    "load_results",
    "plot_curves",
    "plot_results",
    "rerun_matches",
    "run_experiment",
    "shifted_copies",
    "summarize",
    "t_interval",
    "train_and_evaluate",
    "use_one_thread",
]

VARIANTS = ("max", "avg", "stochastic", "blur", "strided_conv", "all_conv", "no_pool",
            "gap_head", "max_aug")

#: Largest offset (pixels, each axis) of the augmentation of ``"max_aug"``.
AUG_SHIFT = 2
#: Test placements ``(dy, dx)``: the 5x5 grid within 2 pixels, then 3-4 pixels on one axis.
OFFSETS = tuple([(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)]
                + [(0, d) for d in (-4, -3, 3, 4)] + [(d, 0) for d in (-4, -3, 3, 4)])
#: Training settings of the stored run (:func:`run_experiment` defaults).
SETTINGS = {"batch_size": 64, "learning_rate": 3e-3, "max_epochs": 100, "patience": 8}
#: Where the stored full run lives (written by ``make experiment``).
RESULTS_PATH = Path(__file__).resolve().parents[1] / "notebooks" / "data" / "07_results.json"


def _keras():
    import os
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")   # as the notebooks set it
    import keras
    return keras


def use_one_thread() -> bool:
    """Run each TensorFlow kernel on one thread (call before TensorFlow runs anything).

    Op determinism makes a run repeatable, but only for the same size of
    TensorFlow's intra-op thread pool: a kernel splits its sums over the threads,
    and a different split rounds differently. One thread makes a run independent of
    the machine's number of cores, so a stored run reproduces bit for bit anywhere
    (:func:`run_experiment` trains in several processes instead). Returns False if
    TensorFlow was already running with another setting.
    """
    _keras()
    import tensorflow as tf
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
    except RuntimeError:
        return tf.config.threading.get_intra_op_parallelism_threads() == 1
    return True


def _check_variant(variant):
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}; got {variant!r}")
    return variant


def _downsample(variant: str, index: int, channels: int, seed=None) -> list:
    """The layers that downsample after convolution ``index`` (empty: none)."""
    keras = _keras()
    name = f"down{index + 1}"
    if variant in ("max", "gap_head", "max_aug"):
        return [keras.layers.MaxPooling2D(2, name=name)]
    if variant == "avg":
        return [keras.layers.AveragePooling2D(2, name=name)]
    if variant == "stochastic":
        from .layers import StochasticPooling2D
        return [StochasticPooling2D(2, seed=None if seed is None else seed + index,
                                    name=name)]
    if variant == "blur":
        # Zhang's MaxBlurPool: dense max (stride 1), then blur and subsample by 2
        from .layers import BlurPooling2D
        return [keras.layers.MaxPooling2D(2, strides=1, name=f"{name}_max"),
                BlurPooling2D(filter_size=3, strides=2, name=f"{name}_blur")]
    if variant == "all_conv":
        return [keras.layers.Conv2D(channels, 3, strides=2, padding="same",
                                    activation="relu", name=name)]
    return []


def build_model(variant: str, input_shape=(24, 24, 1), n_classes: int = 10,
                filters: Sequence[int] = (8, 16), kernel_size: int = 3, seed=None,
                gap_filters: int = 32):
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
    gap_filters : int, default 32
        Filters of the extra convolution before the ``"gap_head"``'s global pooling.

    Returns
    -------
    keras.Model
        Named after the variant; layers ``conv1``, ``down1``, ``conv2``, ...,
        ``classifier``.

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
        for layer in _downsample(variant, i, f, seed):
            x = layer(x)
    if variant == "gap_head":
        x = keras.layers.Conv2D(gap_filters, kernel_size, padding="same", activation="relu",
                                name=f"conv{len(filters) + 1}")(x)
        x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    else:
        if variant == "no_pool":
            x = keras.layers.Conv2D(1, 1, name="squeeze")(x)
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


def load_data(canvas: int = 24, scale: int = 2, test_fraction: float = 0.25,
              val_fraction: float = 0.2, split_seed: int = 0):
    """Centred digits, split once into train, validation and test digits.

    ``test_fraction`` of the 1,797 digits are test digits; ``val_fraction`` of the
    rest validate (early stopping), the others train. No digit is in two parts.

    Returns
    -------
    dict with ``x_train, y_train, x_val, y_val, x_test, y_test``: images with a
    channel axis, shape ``(N, canvas, canvas, 1)``, float32, and int64 labels.

    Examples
    --------
    >>> d = load_data()
    >>> d["x_train"].shape, d["x_val"].shape, d["x_test"].shape
    ((1078, 24, 24, 1), (270, 24, 24, 1), (449, 24, 24, 1))
    """
    from .data import shifted_digits
    for name, value in (("test_fraction", test_fraction), ("val_fraction", val_fraction)):
        if not 0 < value < 1:
            raise ValueError(f"{name} must be between 0 and 1; got {value}")
    images, labels, _ = shifted_digits(canvas=canvas, scale=scale, max_shift=0)
    order = np.random.default_rng(split_seed).permutation(len(labels))
    n_test = round(test_fraction * len(labels))
    n_val = round(val_fraction * (len(labels) - n_test))
    parts = {"test": order[:n_test], "val": order[n_test:n_test + n_val],
             "train": order[n_test + n_val:]}
    out = {}
    for part, index in parts.items():
        out[f"x_{part}"] = images[index, ..., None]
        out[f"y_{part}"] = labels[index]
    return out


def shifted_copies(images, shift, axis: int = 1):
    """``images`` (N, H, W, C) moved by ``shift`` pixels.

    ``shift`` is an int (along ``axis``: 1 = right, 0 = down) or a pair ``(down,
    right)``. The digits sit on a blank canvas, so for shifts up to the free margin
    (4 pixels for the default data) wrapping equals zero filling.
    """
    images = np.asarray(images)
    if np.ndim(shift) == 0:
        shift = (0, int(shift)) if axis == 1 else (int(shift), 0)
    dy, dx = (int(s) for s in shift)
    return np.roll(images, (dy, dx), axis=(1, 2))


def _augment(images, rng, max_shift):
    """Every image moved by its own random offset, each axis in ``-max_shift..max_shift``."""
    offsets = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    out = np.empty_like(images)
    for i, (dy, dx) in enumerate(offsets):
        out[i] = np.roll(images[i], (dy, dx), axis=(0, 1))
    return out


def _evaluate(model, x, y, batch: int = 512):
    """``(loss, accuracy, predicted classes)`` of ``model`` on ``x``, in inference mode."""
    probs = np.concatenate([np.asarray(model(x[i:i + batch], training=False))
                            for i in range(0, len(x), batch)])
    p = np.clip(probs[np.arange(len(y)), y].astype(np.float64), 1e-7, 1.0)
    pred = np.argmax(probs, axis=1)
    return float(-np.mean(np.log(p))), float(np.mean(pred == y)), pred


def _consistency(predictions) -> float:
    """Zhang (2019)'s consistency: how often two different random placements of the
    same image get the same top-1 class. ``predictions`` is ``(placements, images)``;
    the result is the exact mean over all pairs of distinct placements (no sampling).
    """
    predictions = np.asarray(predictions)
    k = predictions.shape[0]
    counts = np.stack([(predictions == c).sum(axis=0) for c in range(10)])
    return float(np.mean((counts * (counts - 1)).sum(axis=0) / (k * (k - 1))))


def _test_metrics(model, data) -> dict:
    """Accuracy at every placement of :data:`OFFSETS`, and consistency on the 5x5 grid."""
    acc, preds = [], []
    for offset in OFFSETS:
        _, a, pred = _evaluate(model, shifted_copies(data["x_test"], offset), data["y_test"])
        acc.append(a)
        preds.append(pred)
    grid = [i for i, (dy, dx) in enumerate(OFFSETS) if max(abs(dy), abs(dx)) <= 2]
    return {"clean_accuracy": acc[OFFSETS.index((0, 0))],
            "shifted_accuracy": float(np.mean([acc[i] for i in grid])),
            "consistency": _consistency([preds[i] for i in grid]),
            "offset_accuracy": acc}


def train_and_evaluate(variant: str, data: dict, seed: int = 0, max_epochs: int = 60,
                       patience: int = 8, batch_size: int = 64,
                       learning_rate: float = 3e-3, test: bool = True) -> dict:
    """Train one variant with one seed until the validation loss stops improving.

    Seeds Keras (Python, NumPy and TensorFlow generators) with ``seed``, enables
    TensorFlow's op determinism, and trains with minibatch Adam on sparse
    categorical cross-entropy (a plain loop, one compiled call per epoch: what
    ``model.fit`` does, without its overhead, which would dominate for a model this
    small). The epoch's order of the training digits (and, for ``"max_aug"``, their
    random offsets) comes from ``numpy.random.default_rng(seed)``.

    After every epoch it records loss and accuracy on the training images of that
    epoch and on the validation digits (for ``"max_aug"``, validation digits moved
    once by random offsets like its training digits). Training stops when the
    validation loss has not improved for ``patience`` epochs, or after
    ``max_epochs``; the weights of the best epoch are restored and tested.

    Returns
    -------
    dict with ``variant, seed, params, macs, best_epoch, epochs_run,
    train_seconds`` (wall time of the training loop), ``history`` (one dict per
    epoch: ``epoch, train_loss, train_accuracy, val_loss, val_accuracy``) and, with
    ``test=True``, ``test``: ``clean_accuracy`` (centred test digits),
    ``shifted_accuracy`` (mean over the 25 placements within 2 pixels),
    ``consistency`` and ``offset_accuracy`` (one value per :data:`OFFSETS`).
    """
    keras = _keras()
    import tensorflow as tf
    _check_variant(variant)
    tf.get_logger().setLevel("ERROR")   # a new tf.function per run: no retracing notes
    seed = int(seed)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    x_train, y_train = data["x_train"], data["y_train"]
    x_val, y_val = data["x_val"], data["y_val"]
    rng = np.random.default_rng(seed)
    augment = variant == "max_aug"
    if augment:
        x_val = _augment(x_val, np.random.default_rng(10_000 + seed), AUG_SHIFT)
    model = build_model(variant, input_shape=x_train.shape[1:], seed=seed)
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build(model.trainable_variables)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    y_t, n = tf.constant(y_train), len(y_train)

    @tf.function
    def train_epoch(x, order):
        for start in tf.range(0, n, batch_size):
            batch = order[start:start + batch_size]
            with tf.GradientTape() as tape:
                loss = loss_fn(tf.gather(y_t, batch),
                               model(tf.gather(x, batch), training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply(grads, model.trainable_variables)

    history, best, best_weights, waited = [], math.inf, None, 0
    start = time.perf_counter()
    for epoch in range(1, int(max_epochs) + 1):
        x_epoch = _augment(x_train, rng, AUG_SHIFT) if augment else x_train
        train_epoch(tf.constant(x_epoch), tf.constant(rng.permutation(n)))
        tl, ta, _ = _evaluate(model, x_epoch, y_train)
        vl, va, _ = _evaluate(model, x_val, y_val)
        history.append({"epoch": epoch, "train_loss": tl, "train_accuracy": ta,
                        "val_loss": vl, "val_accuracy": va})
        if vl < best:
            best, best_weights, waited = vl, model.get_weights(), 0
        else:
            waited += 1
            if waited >= patience:
                break
    seconds = time.perf_counter() - start
    model.set_weights(best_weights)
    best_epoch = min(history, key=lambda h: (h["val_loss"], h["epoch"]))["epoch"]
    row = {"variant": variant, "seed": seed, "settings": {
               "batch_size": batch_size, "learning_rate": learning_rate,
               "max_epochs": int(max_epochs), "patience": patience},
           "params": int(model.count_params()),
           "macs": count_flops(model), "best_epoch": best_epoch,
           "epochs_run": len(history), "train_seconds": seconds, "history": history}
    if test:
        row["test"] = _test_metrics(model, data)
    return row


def _worker_init():
    _keras()
    use_one_thread()


def _worker(task):
    variant, seed, settings = task
    return train_and_evaluate(variant, load_data(), seed=seed, **settings)


def _versions() -> dict:
    import platform
    import sys

    keras = _keras()   # the environment settings first: they count only before TF loads
    import sklearn
    import tensorflow as tf
    return {"python": sys.version.split()[0], "numpy": np.__version__,
            "tensorflow": tf.__version__, "keras": keras.__version__,
            "scikit-learn": sklearn.__version__, "platform": platform.platform()}


def run_experiment(variants: Sequence[str] = VARIANTS, seeds: Sequence[int] = range(5),
                   workers: int = 2, path=None, command: str = "", progress=print,
                   resume: bool = True, **settings) -> dict:
    """Train every variant with every seed (in ``workers`` processes); return the results.

    Parameters
    ----------
    variants : sequence of str, default all of :data:`VARIANTS`
    seeds : sequence of int, default 0..4
    workers : int, default 2
        Processes training at the same time (each on one TensorFlow thread, so the
        results do not depend on it). 1: train in this process.
    path : str or Path, optional
        Write the results there as JSON (e.g. :data:`RESULTS_PATH`). Every finished
        run is also appended to ``<path>.partial.jsonl`` (deleted at the end).
    resume : bool, default True
        Take the runs an interrupted call left in ``<path>.partial.jsonl`` instead of
        training them again (the runs are deterministic, so they are the same).
    command : str
        The command that produced the run, stored with it.
    progress : callable or None, default print
        Called with one line of text after every finished run.
    **settings
        ``max_epochs, patience, batch_size, learning_rate`` (default :data:`SETTINGS`).

    Returns
    -------
    dict with ``meta`` (command, date, versions, settings, wall time, load average)
    and ``runs`` (the rows of :func:`train_and_evaluate`, variants in the given
    order, then seeds).
    """
    import datetime
    import os
    for v in variants:
        _check_variant(v)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    settings = {**SETTINGS, **settings}
    tasks = [(v, s, settings) for v in variants for s in seeds]
    runs = [None] * len(tasks)
    partial = None if path is None else Path(str(path) + ".partial.jsonl")
    resumed = _resume(partial, tasks, runs) if partial is not None and resume else 0
    load_before = os.getloadavg()
    start = time.perf_counter()
    # the longest runs first, so the workers finish together
    todo = sorted((i for i in range(len(tasks)) if runs[i] is None),
                  key=lambda i: _EXPECTED_EPOCHS.get(tasks[i][0], 30), reverse=True)

    def finished(i, r, done):
        runs[i] = r
        if partial is not None:
            partial.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("a") as f:
                f.write(json.dumps(r) + "\n")
        if progress:
            progress(f"[{done:>3}/{len(tasks)}] {r['variant']:<12} seed {r['seed']}: "
                     f"{r['epochs_run']} epochs, {r['train_seconds']:.0f} s, "
                     f"{time.perf_counter() - start:.0f} s so far")

    if workers > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"),
                                 initializer=_worker_init) as pool:
            futures = {pool.submit(_worker, tasks[i]): i for i in todo}
            for done, future in enumerate(as_completed(futures), start=resumed + 1):
                finished(futures[future], future.result(), done)
    else:
        use_one_thread()
        data = load_data()
        for done, i in enumerate(todo, start=resumed + 1):
            v, s, st = tasks[i]
            finished(i, train_and_evaluate(v, data, seed=s, **st), done)
    meta = {"command": command, "date": datetime.datetime.now(datetime.timezone.utc)
            .strftime("%Y-%m-%d %H:%M UTC"), "versions": _versions(), "settings": settings,
            "variants": list(variants), "seeds": seeds, "offsets": [list(o) for o in OFFSETS],
            "workers": workers, "wall_seconds": time.perf_counter() - start,
            "resumed_runs": resumed,
            "load_average_before": list(load_before),
            "load_average_after": list(os.getloadavg()), "cpu_count": os.cpu_count()}
    results = {"meta": meta, "runs": runs}
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(results, indent=1) + "\n")
        partial.unlink(missing_ok=True)
    return results


#: Rough epochs per run of each variant (only used to start the longest runs first).
_EXPECTED_EPOCHS = {"gap_head": 55, "max_aug": 45, "no_pool": 15, "all_conv": 17}


def _resume(partial: Path, tasks, runs) -> int:
    """Fill ``runs`` from the runs an interrupted call left in ``partial`` (same
    variant, seed and settings); return how many. Runs are deterministic, so a
    stored run is the run this call would make."""
    if not partial.exists():
        return 0
    n = 0
    for line in partial.read_text().splitlines():
        try:
            r = json.loads(line)
        except json.JSONDecodeError:        # a line cut short by the interruption
            continue
        for i, (v, s, st) in enumerate(tasks):
            if runs[i] is None and (r["variant"], r["seed"], r.get("settings")) == (v, s, st):
                runs[i] = r
                n += 1
    return n


def load_results(path=None) -> dict:
    """The stored results (default :data:`RESULTS_PATH`), as :func:`run_experiment` returns."""
    path = Path(RESULTS_PATH if path is None else path)
    if not path.exists():
        raise FileNotFoundError(f"no stored results at {path}: run `make experiment`")
    return json.loads(path.read_text())


def rerun_matches(results: dict, variants: Sequence[str] = ("max", "avg"), seed: int = 0,
                  epochs: int = 3) -> dict:
    """Re-train ``variants`` with ``seed`` for ``epochs`` epochs in this process and
    compare every number of their history with the stored run's first epochs.

    Returns ``{variant: True/False}`` (True: identical, bit for bit).
    """
    if not use_one_thread():
        raise RuntimeError("TensorFlow already runs kernels on several threads in this "
                           "process; call experiment.use_one_thread() before anything "
                           "else uses TensorFlow (e.g. in a fresh kernel)")
    data = load_data()
    settings = dict(results["meta"]["settings"], max_epochs=int(epochs))
    out = {}
    for v in variants:
        stored = next(r for r in results["runs"] if r["variant"] == v and r["seed"] == seed)
        n = min(int(epochs), len(stored["history"]))
        fresh = train_and_evaluate(v, data, seed=seed, test=False,
                                   **dict(settings, max_epochs=n))
        out[v] = fresh["history"] == stored["history"][:n]
    return out


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




# --------------------------------------------------------------------------- statistics
METRICS = ("clean_accuracy", "shifted_accuracy", "relative", "consistency")
#: Short column names of :data:`METRICS` in the printed tables.
METRIC_NAMES = {"clean_accuracy": "clean", "shifted_accuracy": "shifted",
                "relative": "relative", "consistency": "consistency",
                "best_epoch": "epochs"}


def t_interval(values, level: float = 0.95) -> tuple[float, float]:
    """Mean of ``values`` and the half-width of its Student-t confidence interval.

    ``mean +/- half`` covers the true mean with probability ``level`` if the values
    are independent draws from a normal distribution (here: one value per seed).
    With one value the half-width is ``nan``.

    >>> mean, half = t_interval([0.90, 0.92, 0.94])
    >>> round(mean, 3), round(half, 3)
    (0.92, 0.05)
    """
    from scipy import stats
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, math.nan
    sem = values.std(ddof=1) / math.sqrt(len(values))
    return mean, float(stats.t.ppf(0.5 + level / 2, len(values) - 1) * sem)


def _metric(run, name):
    if name == "best_epoch":
        return run["best_epoch"]
    t = run["test"]
    if name == "relative":
        return t["shifted_accuracy"] / t["clean_accuracy"]
    return t[name]


def _runs_of(results, variant):
    return sorted((r for r in results["runs"] if r["variant"] == variant),
                  key=lambda r: r["seed"])


def _offset_accuracies(results_runs, axis):
    """Per shift -4..4 along ``axis`` (1: right, 0: down), every run's test accuracy."""
    offsets = [tuple(o) for o in OFFSETS]
    out = []
    for d in range(-4, 5):
        i = offsets.index((0, d) if axis == 1 else (d, 0))
        out.append([r["test"]["offset_accuracy"][i] for r in results_runs])
    return out


def _offset_curve(results_runs, axis):
    """Mean accuracy (over runs) at shifts -4..4 along ``axis`` (1: right, 0: down)."""
    return [float(np.mean(a)) for a in _offset_accuracies(results_runs, axis)]


def _offset_interval(results_runs, axis):
    """Half-widths of the 95% t-intervals of :func:`_offset_curve`'s means."""
    return [t_interval(a)[1] for a in _offset_accuracies(results_runs, axis)]


def summarize(results: dict) -> list[dict]:
    """One row per variant: cost, epochs and every test metric, mean and 95% t-interval.

    Returns
    -------
    list of dict with ``variant, seeds, params, macs, best_epoch`` (mean epoch of
    the restored weights), ``epochs_run``, ``train_seconds`` (mean per run), for each
    of :data:`METRICS` the mean and ``<metric>_ci`` (half-width of the 95%
    t-interval over seeds; ``relative`` is shifted / clean accuracy),
    ``shift_curve`` / ``shift_curve_vertical`` (mean accuracy at shifts -4..4
    pixels to the right / down) and ``shift_curve_ci`` / ``shift_curve_vertical_ci``
    (half-widths of their 95% t-intervals over seeds).
    """
    out = []
    variants = dict.fromkeys(r["variant"] for r in results["runs"])
    for v in variants:
        rs = _runs_of(results, v)
        row = {"variant": v, "seeds": len(rs), "params": rs[0]["params"],
               "macs": rs[0]["macs"],
               "best_epoch": float(np.mean([r["best_epoch"] for r in rs])),
               "epochs_run": float(np.mean([r["epochs_run"] for r in rs])),
               "train_seconds": float(np.mean([r["train_seconds"] for r in rs]))}
        for m in METRICS:
            row[m], row[f"{m}_ci"] = t_interval([_metric(r, m) for r in rs])
        row["shift_curve"] = _offset_curve(rs, 1)
        row["shift_curve_vertical"] = _offset_curve(rs, 0)
        row["shift_curve_ci"] = _offset_interval(rs, 1)
        row["shift_curve_vertical_ci"] = _offset_interval(rs, 0)
        out.append(row)
    return out


def compare_to_max(results: dict, metric: str = "clean_accuracy",
                   baseline: str = "max") -> list[dict]:
    """Paired per-seed differences ``variant - baseline`` of ``metric``, with 95% intervals.

    ``metric`` is one of :data:`METRICS` or ``"best_epoch"`` (the epoch of the kept
    weights). Run ``s`` of a variant is paired with run ``s`` of the baseline (same
    seed, same data). Returns one dict per other variant: ``variant, diff`` (mean difference),
    ``low, high`` (the 95% t-interval of the mean difference) and ``verdict``:
    ``"higher"`` / ``"lower"`` when the interval excludes 0, else
    ``"not established"``.
    """
    if metric not in METRICS + ("best_epoch",):
        raise ValueError(f"metric must be one of {METRICS + ('best_epoch',)}; got {metric!r}")
    base = {r["seed"]: _metric(r, metric) for r in _runs_of(results, baseline)}
    out = []
    for v in dict.fromkeys(r["variant"] for r in results["runs"]):
        if v == baseline:
            continue
        diffs = [_metric(r, metric) - base[r["seed"]] for r in _runs_of(results, v)
                 if r["seed"] in base]
        mean, half = t_interval(diffs)
        low, high = mean - half, mean + half
        verdict = ("higher" if low > 0 else "lower" if high < 0 else "not established")
        out.append({"variant": v, "metric": metric, "pairs": len(diffs), "diff": mean,
                    "low": low, "high": high, "verdict": verdict})
    return out


def _pm(mean, half, digits=3):
    return f"{mean:.{digits}f} ± {half:.{digits}f}"


def format_summary(summary: Sequence[dict], timings: bool = False) -> str:
    """The summary as a fixed-width text table: mean ± half-width of the 95% interval.

    Columns: variant, parameters, multiply-adds, mean epoch of the restored weights,
    and the four :data:`METRICS`. With ``timings=True``: variant, epochs trained and
    mean training seconds per run (which depend on the machine and its load, so the
    notebook prints them from the stored run, apart from the compared numbers).
    """
    from .measure import format_table

    if timings:
        return format_table([{"variant": s["variant"], "epochs_run": s["epochs_run"],
                              "train_seconds": s["train_seconds"]} for s in summary],
                            formats={"epochs_run": ".1f", "train_seconds": ".1f"})
    rows = [{"variant": s["variant"], "params": s["params"], "macs": s["macs"],
             "epoch": s["best_epoch"],
             **{METRIC_NAMES[m]: _pm(s[m], s[f"{m}_ci"]) for m in METRICS}}
            for s in summary]
    return format_table(rows, formats={"epoch": ".1f"})


def format_comparison(comparison: Sequence[dict]) -> str:
    """Paired differences from :func:`compare_to_max` as text: one line per variant,
    the mean difference, its 95% interval and the verdict, in words."""
    lines = []
    for c in comparison:
        name = {"clean": "clean accuracy", "shifted": "shifted accuracy",
                "relative": "relative accuracy"}.get(METRIC_NAMES[c["metric"]],
                                                     METRIC_NAMES[c["metric"]])
        if c["verdict"] == "not established":
            words = "difference not established"
        elif c["metric"] == "best_epoch":
            words = f"{'more' if c['verdict'] == 'higher' else 'fewer'} epochs than max"
        else:
            words = f"{name} {c['verdict']} than max"
        d = 1 if c["metric"] == "best_epoch" else 3
        lines.append(f"{c['variant']:<13} {c['diff']:+.{d}f}  95% CI [{c['low']:+.{d}f}, "
                     f"{c['high']:+.{d}f}]  {words}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- figures
def plot_curves(results: dict, variants: Sequence[str] | None = None, ncols: int = 3):
    """Training and validation loss per epoch, every seed, one panel per variant.

    Thin lines: one per seed (train dashed, validation solid); a dot marks the
    epoch whose weights were kept (lowest validation loss). Log-scale loss.
    Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    from .viz import LINE_COLORS, style_context

    variants = list(variants or dict.fromkeys(r["variant"] for r in results["runs"]))
    nrows = math.ceil(len(variants) / ncols)
    with style_context():
        fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.4 * nrows),
                                 sharey=True, squeeze=False)
        for ax, v in zip(axes.flat, variants):
            for r in _runs_of(results, v):
                ep = [h["epoch"] for h in r["history"]]
                ax.plot(ep, [h["train_loss"] for h in r["history"]], color=LINE_COLORS[0],
                        lw=0.9, ls="--", label="train" if r["seed"] == 0 else None)
                ax.plot(ep, [h["val_loss"] for h in r["history"]], color=LINE_COLORS[1],
                        lw=0.9, label="validation" if r["seed"] == 0 else None)
                best = r["history"][r["best_epoch"] - 1]
                ax.plot(best["epoch"], best["val_loss"], "o", color=LINE_COLORS[1], ms=3)
            ax.set_title(v)
            ax.set_yscale("log")
            ax.xaxis.get_major_locator().set_params(integer=True)
        for ax in axes.flat[len(variants):]:
            ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel("loss")
        for ax in axes[-1, :]:
            ax.set_xlabel("epoch")
        axes.flat[0].legend(loc="upper right")
        fig.tight_layout()
    return fig


def plot_results(summary: Sequence[dict], figsize=(7.2, 7.6)):
    """Two panels, one above the other (the figure fits the book's text column):
    clean accuracy, shifted accuracy and consistency per variant (mean over seeds,
    95% t-interval as error bars), and accuracy against the shift of the test
    digits (-4..4 pixels, left/right). Legends sit beside the data, not on it.

    Returns the matplotlib Figure (assign it: ``_ = plot_results(summary)``).
    """
    import matplotlib.pyplot as plt

    from .viz import _LINESTYLES, _MARKERS, LINE_COLORS, style_context

    with style_context():
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=figsize)
        names = [s["variant"] for s in summary]
        x = np.arange(len(names))
        keys = (("clean_accuracy", "clean test"), ("shifted_accuracy", "shifted (<= 2 px)"),
                ("consistency", "consistency"))
        for k, (key, label) in enumerate(keys):
            ax1.bar(x + (k - 1) * 0.27, [s[key] for s in summary], width=0.27,
                    color=LINE_COLORS[k], label=label,
                    yerr=[s[f"{key}_ci"] for s in summary], capsize=2)
        ax1.set_xticks(x, names, rotation=90)
        ax1.set_ylabel("accuracy / consistency")
        ax1.set_ylim(0, 1)
        ax1.set_yticks(np.linspace(0, 1, 6))
        ax1.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.01, 0.5),
                   frameon=False)
        shifts = np.arange(-4, 5)
        # nine distinguishable lines: the course colours without yellow, plus two more
        colors = [c for c in LINE_COLORS if c != "#F0E442"] + ["#882255", "#999999"]
        markers = list(_MARKERS) + ["h", "<"]
        for i, s in enumerate(summary):
            ax2.plot(shifts, s["shift_curve"], label=s["variant"],
                     color=colors[i % len(colors)], marker=markers[i % len(markers)],
                     linestyle=_LINESTYLES[i % len(_LINESTYLES)], ms=4)
        ax2.set_xlabel("test digits moved right by (pixels; < 0: left)")
        ax2.set_ylabel("test accuracy")
        ax2.set_ylim(0, 1)
        ax2.set_xticks(shifts)
        ax2.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.01, 0.5),
                   frameon=False)
        fig.tight_layout()
    return fig
