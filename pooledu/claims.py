"""Small trained and untrained networks that test the article's claims (notebooks 04-06).

The article says pooling "helps prevent overfitting", is "particularly useful in
early layers", "allows deeper networks without a proportional increase in
parameters", "reduces memory" and causes "gradient bottlenecks"; notebook 04
says the *effective* receptive field is bell-shaped. Each function here measures
one of these on a network small enough to run in seconds on a CPU:

* :func:`small_cnn`, :func:`train_digits` and :func:`overfitting_study`: tiny
  CNNs on sklearn's 8x8 digits, trained full-batch with several seeds, with
  training curves (to check convergence);
* :func:`mean_interval`, :func:`paired_difference`: means and t-intervals over seeds;
* :func:`model_costs`, :func:`activation_bytes`: bytes of the activation tensors a forward pass
  really produces;
* :func:`depth_table`: parameters, multiply-adds and activation memory of
  deeper and deeper stacks, with and without pooling;
* :func:`gradient_norms`: the norm of the gradient at the input of every block
  of a deep stack;
* :func:`effective_receptive_field`: the gradient of a centre output cell with
  respect to the input, averaged over random weights and inputs (Luo et al. 2016);
* :func:`digit_feature_model` and :func:`feature_maps`: what every conv layer
  of a trained model outputs;
* :func:`plot_effective_receptive_field`, :func:`plot_feature_hierarchy`.

TensorFlow is imported inside the functions, so ``import pooledu`` stays light.
Every function seeds Keras and enables op determinism, so a notebook that calls
it prints the same numbers on every run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "VARIANTS",
    "activation_bytes",
    "depth_table",
    "effective_receptive_field",
    "feature_maps",
    "gradient_norms",
    "mean_interval",
    "model_costs",
    "paired_difference",
    "digit_feature_model",
    "overfitting_study",
    "plot_effective_receptive_field",
    "plot_feature_hierarchy",
    "small_cnn",
    "train_digits",
]

#: Where the 2x2 max pooling layers go in :func:`small_cnn`.
VARIANTS = ("none", "early", "late", "both")


def _tf():
    import tensorflow as tf

    return tf


def _seed(seed: int):
    tf = _tf()
    tf.keras.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()
    return tf


def _check_variant(variant):
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}; got {variant!r}")


def small_cnn(variant: str = "both", input_shape=(8, 8, 1), filters=(8, 16),
              seed: int = 0):
    """Two 3x3 "same" convolutions (ReLU) and a Dense(10) head, pooled where asked.

    Parameters
    ----------
    variant : {"none", "early", "late", "both"}
        2x2 max pooling after no convolution, after the first, after the second,
        or after both. "early" and "late" have exactly the same parameters.
    input_shape : tuple, default (8, 8, 1)
    filters : (int, int), default (8, 16)
    seed : int
        Seeds the weight initialisation.

    Returns
    -------
    keras.Sequential
    """
    _check_variant(variant)
    tf = _seed(seed)
    layers = tf.keras.layers
    stack = [tf.keras.Input(input_shape)]
    for i, f in enumerate(filters):
        stack.append(layers.Conv2D(f, 3, padding="same", activation="relu"))
        if variant == "both" or (variant, i) in (("early", 0), ("late", 1)):
            stack.append(layers.MaxPooling2D(2))
    stack += [layers.Flatten(), layers.Dense(10)]
    return tf.keras.Sequential(stack)


def _split(n_train: int, seed: int):
    from .data import digits

    images, labels = digits()
    order = np.random.default_rng(seed).permutation(len(images))
    train, test = order[:n_train], order[n_train:]
    x = images[..., None]
    return x[train], labels[train], x[test], labels[test]


def train_digits(variant: str = "both", seeds: Sequence[int] = (0,), n_train: int = 300,
                 steps: int = 100, learning_rate: float = 0.01, every: int = 20) -> list[dict]:
    """Train :func:`small_cnn` full-batch (Adam) on ``n_train`` sklearn digits, per seed.

    For each seed the training subset is drawn with that seed (the same for
    every variant, so variants can be compared seed by seed; the other digits
    are the test set) and the weights are initialised with it. One model and
    one traced training step serve all seeds: the weights and the optimizer
    are reset between seeds.

    Returns
    -------
    list of dict, one per seed
        ``variant``, ``seed``, ``params``, final ``train_acc``, ``test_acc``,
        ``gap`` (train minus test accuracy), ``train_loss``, ``test_loss``,
        ``n_test`` (test digits), and ``curve``: ``(step, train_acc, test_acc,
        train_loss)`` every ``every`` steps (the training curve, to see convergence).
    """
    if int(steps) < 1 or int(n_train) < 10:
        raise ValueError(f"steps must be >= 1 and n_train >= 10; got {steps!r}, {n_train!r}")
    _check_variant(variant)
    tf = _seed(0)
    model = small_cnn(variant)
    opt = tf.keras.optimizers.Adam(learning_rate)
    opt.build(model.trainable_variables)
    fresh = [v.numpy() for v in opt.variables]      # learning rate, zeroed moments
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                model.trainable_variables))
        return loss

    predict = tf.function(lambda v: model(v))

    def evaluate(x, y, xt, yt):
        logits, logits_t = predict(tf.constant(x)).numpy(), predict(tf.constant(xt)).numpy()
        return (float(np.mean(logits.argmax(1) == y)), float(np.mean(logits_t.argmax(1) == yt)),
                float(loss_fn(y, logits)), float(loss_fn(yt, logits_t)))

    results = []
    for seed in seeds:
        x, y, xt, yt = _split(int(n_train), seed)
        model.set_weights(small_cnn(variant, seed=seed).get_weights())
        for v, value in zip(opt.variables, fresh):
            v.assign(value)
        curve = []
        for i in range(int(steps) + 1):
            if i % every == 0 or i == steps:
                tr, te, trl, _ = evaluate(x, y, xt, yt)
                curve.append((i, tr, te, trl))
            if i < steps:
                step(tf.constant(x), tf.constant(y))
        tr, te, trl, tel = evaluate(x, y, xt, yt)
        results.append({"variant": variant, "seed": int(seed),
                        "params": int(model.count_params()), "train_acc": tr,
                        "test_acc": te, "gap": tr - te, "train_loss": trl,
                        "test_loss": tel, "n_test": len(yt), "curve": curve})
    return results


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> tuple:
    """Mean and two-sided Student-t confidence interval ``(mean, low, high)``.

    Examples
    --------
    >>> m, lo, hi = mean_interval([1.0, 2.0, 3.0])
    >>> round(m, 3), round(hi - m, 3)
    (2.0, 2.484)
    """
    from .experiment import t_interval  # the one t-interval of the course (notebook 07)

    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or v.size < 2:
        raise ValueError(f"values must be a 1-D sequence of at least 2 numbers; got {values!r}")
    m, half = t_interval(v, confidence)
    return m, m - half, m + half


def overfitting_study(variants: Sequence[str] = VARIANTS, seeds: Sequence[int] = range(5),
                      **train_kwargs) -> list[dict]:
    """Run :func:`train_digits` for every variant and seed; one dict per run."""
    return [r for v in variants for r in train_digits(v, seeds, **train_kwargs)]


def paired_difference(runs: Sequence[dict], a: str, b: str, key: str = "test_acc",
                      confidence: float = 0.95) -> tuple:
    """Mean and t-interval of ``run_a[key] - run_b[key]`` over the seeds both ran.

    ``runs`` as returned by :func:`overfitting_study`; runs of variants ``a`` and
    ``b`` with the same seed share their training set, so the difference is
    paired. Returns ``(mean, low, high)``; "a beats b" only if the interval
    excludes 0.
    """
    by_seed = {r["seed"]: r[key] for r in runs if r["variant"] == b}
    diffs = [r[key] - by_seed[r["seed"]] for r in runs
             if r["variant"] == a and r["seed"] in by_seed]
    return mean_interval(diffs, confidence)


def model_costs(model) -> dict:
    """Parameters, multiply-adds and activation bytes (per image) of a Keras model.

    Multiply-adds count one per weight per output position for Conv2D and one
    per weight for Dense; pooling, activations and Flatten count 0.
    Activation bytes come from :func:`activation_bytes` on one all-zero image.
    """
    x = x0 = np.zeros((1,) + tuple(model.inputs[0].shape[1:]), np.float32)
    macs = 0
    for layer in model.layers:
        y = layer(x)
        kind = type(layer).__name__
        if kind == "Conv2D":
            kh, kw = layer.kernel_size
            macs += int(np.prod(y.shape[1:3])) * kh * kw * x.shape[-1] * layer.filters
        elif kind == "Dense":
            macs += x.shape[-1] * layer.units
        x = y
    return {"params": int(model.count_params()), "macs": int(macs),
            "act_bytes": activation_bytes(model, np.zeros_like(x0))}


#: Layers whose output is a reshaped view of their input (TensorFlow's Reshape
#: shares the input's buffer), so they allocate no activation memory.
VIEW_LAYERS = ("Flatten", "Reshape")


def activation_bytes(model, batch) -> int:
    """Bytes of all activation tensors one forward pass of ``model`` produces.

    The layers' outputs are computed one after another on ``batch`` and their
    ``nbytes`` summed. Not counted: the input, and the outputs of
    :data:`VIEW_LAYERS` (``Flatten`` only reshapes; its output shares the
    memory of its input). Training keeps these tensors for the backward pass,
    so this is the activation memory of one step, not counting the input.
    """
    x = batch
    total = 0
    for layer in model.layers:
        x = layer(x)
        if type(layer).__name__ not in VIEW_LAYERS:
            total += int(np.asarray(x).nbytes)
    return total


def depth_table(depths: Sequence[int] = (1, 2, 3, 4), size: int = 32, filters: int = 16,
                units: int = 10) -> list[dict]:
    """Parameters, multiply-adds and activation memory of deeper and deeper stacks.

    For each depth ``d`` two Keras models on a ``size x size x 1`` input:
    ``d`` blocks of Conv2D(filters, 3, "same", ReLU), each followed by 2x2 max
    pooling or not, then Flatten + Dense(units).

    Returns
    -------
    list of dict
        ``depth``, ``pooling`` (bool), ``conv_params``, ``dense_params``,
        ``macs`` (of the convolutions and the dense layer) and ``act_bytes``
        (per image, :func:`activation_bytes`).
    """
    tf = _seed(0)
    L = tf.keras.layers
    rows = []
    for d in depths:
        for pool in (False, True):
            stack = [tf.keras.Input((size, size, 1))]
            for _ in range(int(d)):
                stack.append(L.Conv2D(filters, 3, padding="same", activation="relu"))
                if pool:
                    stack.append(L.MaxPooling2D(2))
            model = tf.keras.Sequential(stack + [L.Flatten(), L.Dense(units)])
            costs = model_costs(model)
            dense = model.layers[-1].count_params()
            rows.append({"depth": int(d), "pooling": pool,
                         "conv_params": costs["params"] - dense, "dense_params": dense,
                         "macs": costs["macs"], "act_bytes": costs["act_bytes"]})
    return rows


def gradient_norms(pooling: str = "max", blocks: int = 4, size: int = 32, filters: int = 8,
                   seeds: Sequence[int] = range(5), per_seed: bool = False) -> list:
    """Norm of dL/d(input of each block) in a deep random stack, averaged over seeds.

    ``blocks`` blocks of Conv2D(filters, 3, "same", ReLU, He-normal) each followed
    by 2x2 pooling (``"max"``, ``"avg"``) or nothing (``"none"``); the loss is
    the sum of the last block's output times a random upstream gradient of norm 1.
    Returns ``blocks + 1`` norms, from the network input (index 0) to the last
    block's output (index ``blocks``, always 1.0), each divided by the norm of
    the upstream gradient. With ``per_seed=True``, one such list per seed
    instead of their mean (for intervals over the seeds; the same seed gives
    the same convolution weights and input whatever ``pooling`` is, so the
    variants can be compared seed by seed).
    """
    if pooling not in ("max", "avg", "none"):
        raise ValueError(f"pooling must be 'max', 'avg' or 'none'; got {pooling!r}")
    rows = []
    for seed in seeds:
        tf = _seed(seed)
        L = tf.keras.layers
        layers = []
        for _ in range(int(blocks)):
            block = [L.Conv2D(filters, 3, padding="same", activation="relu",
                              kernel_initializer="he_normal")]
            if pooling != "none":
                block.append((L.MaxPooling2D if pooling == "max" else L.AveragePooling2D)(2))
            layers.append(block)
        x = tf.random.uniform((1, size, size, 1), seed=seed)
        acts = [tf.Variable(x)]
        with tf.GradientTape() as tape:
            h = acts[0]
            inputs = [h]
            for i, block in enumerate(layers):
                if i:
                    inputs.append(h)
                for layer in block:
                    h = layer(h)
            dy = tf.random.normal(h.shape, seed=seed)
            loss = tf.reduce_sum(h * dy / tf.norm(dy))
            inputs.append(h)
        grads = tape.gradient(loss, inputs)
        rows.append([float(tf.norm(g)) for g in grads])
    if per_seed:
        return rows
    return np.mean(rows, axis=0).tolist()


def effective_receptive_field(stack: Sequence[tuple], size: int = 48, trials: int = 16,
                              inputs: int = 16, channels: int = 4,
                              seed: int = 0) -> np.ndarray:
    """Mean |gradient| of the centre output cell w.r.t. the input (Luo et al. 2016).

    Parameters
    ----------
    stack : sequence of (kind, k)
        ``("conv", k)`` is a k x k "valid" convolution with random normal weights
        and a ReLU; ``("max", k)`` / ``("avg", k)`` a k x k pooling with stride k.
    size : int
        Input side; random uniform inputs.
    trials : int
        Random weight draws to average over.
    inputs : int
        Random inputs per weight draw (one batch; each sample's gradient is its
        own, so ``trials * inputs`` gradient maps are averaged).
    channels : int
        Channels of every convolution.

    Returns
    -------
    ndarray, shape (size, size)
        Mean absolute gradient, scaled so that its maximum is 1.
    """
    if not stack:
        raise ValueError("stack must name at least one layer, e.g. [('conv', 3)]")
    for kind, k in stack:
        if kind not in ("conv", "max", "avg") or int(k) < 1:
            raise ValueError(f"each layer must be ('conv'|'max'|'avg', k >= 1); got {(kind, k)!r}")
    tf = _seed(seed)
    acc = np.zeros((size, size))
    for t in range(int(trials)):
        x = tf.random.uniform((inputs, size, size, 1), seed=seed * 1000 + t)
        with tf.GradientTape() as tape:
            tape.watch(x)
            h, cin = x, 1
            for kind, k in stack:
                if kind == "conv":
                    w = tf.random.normal((k, k, cin, channels)) / math.sqrt(k * k * cin)
                    h, cin = tf.nn.relu(tf.nn.conv2d(h, w, 1, "VALID")), channels
                else:
                    op = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
                    h = op(h, k, k, "VALID")
            centre = tf.reduce_sum(h[:, h.shape[1] // 2, h.shape[2] // 2, :])
        acc += np.abs(tape.gradient(centre, x).numpy()[..., 0]).sum(axis=0)
    return acc / acc.max() if acc.max() > 0 else acc


def plot_effective_receptive_field(erf, field: int, title: str = ""):
    """Heat map of an ERF with the theoretical receptive field, and its centre row.

    Parameters
    ----------
    erf : ndarray, shape (H, W)
        From :func:`effective_receptive_field` (maximum 1).
    field : int
        The theoretical receptive field (pixels per side), drawn as a square
        around the peak.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    erf = np.asarray(erf, dtype=float)
    nz = np.argwhere(erf > 0)
    (top, left), (bottom, right) = nz.min(0), nz.max(0)
    cy, cx = (top + bottom) // 2, (left + right) // 2
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(7.6, 3.2), dpi=100,
                                 gridspec_kw={"width_ratios": [1, 1.25]})
    im = ax.imshow(erf, cmap="magma", vmin=0, vmax=1)
    ax.add_patch(plt.Rectangle((left - 0.5, top - 0.5), right - left + 1, bottom - top + 1,
                               fill=False, ec="cyan", lw=1.5))
    ax.set_title(f"mean |gradient|; box: {field}x{field} field", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    cols = np.arange(erf.shape[1]) - cx
    row = erf[cy]
    bx.bar(cols, row, width=0.9, color="tab:purple")
    bx.axvspan(left - cx - 0.5, right - cx + 0.5, color="cyan", alpha=0.15,
               label="receptive field")
    bx.set_xlim(left - cx - 3, right - cx + 3)
    bx.set_xlabel("input column relative to the centre (pixels)")
    bx.set_ylabel("mean |gradient| (max = 1)")
    bx.set_title("the row through the centre", fontsize=10)
    bx.legend(fontsize=9, loc="upper left")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def digit_feature_model(seed: int = 0, steps: int = 150, canvas: int = 16,
                        learning_rate: float = 0.01, n_train: int = 500):
    """A conv-pool-conv-pool-conv network trained on digits, for looking at its maps.

    The 8x8 digits are enlarged 2x and centred on a ``canvas`` x ``canvas``
    image (:func:`pooledu.data.shifted_digits`, no shift). Three 3x3 "same"
    convolutions with 8, 16 and 16 filters (ReLU), 2x2 max pooling after the
    first two, global average pooling and Dense(10); Adam with ``learning_rate``,
    full batch of the first ``n_train`` digits, ``steps`` steps.

    Returns
    -------
    model : keras.Sequential
    images : ndarray, shape (N, canvas, canvas)
        All digits (the first ``n_train`` were the training set).
    accuracy : (float, float)
        Training accuracy and accuracy on the other digits.
    """
    from .data import shifted_digits

    tf = _seed(seed)
    images, labels, _ = shifted_digits(canvas=canvas, scale=2, max_shift=0)
    L = tf.keras.layers
    model = tf.keras.Sequential([
        tf.keras.Input((canvas, canvas, 1)),
        L.Conv2D(8, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Conv2D(16, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Conv2D(16, 3, padding="same", activation="relu"),
        L.GlobalAveragePooling2D(), L.Dense(10)])
    x, y = tf.constant(images[:n_train, :, :, None]), labels[:n_train]
    opt = tf.keras.optimizers.Adam(learning_rate)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                model.trainable_variables))

    for _ in range(int(steps)):
        step()
    acc = [float(np.mean(model(images[a:b, :, :, None]).numpy().argmax(1) == labels[a:b]))
           for a, b in ((0, n_train), (n_train, len(images)))]
    return model, images, tuple(acc)


def plot_feature_hierarchy(image, maps, n: int = 4):
    """One row per conv layer: the input max-pooled to that layer's size, then its
    ``n`` most active channels (largest mean activation on this image).

    Parameters
    ----------
    image : ndarray, shape (H, W)
    maps : list of ndarray, shape (h, w, C)
        From :func:`feature_maps`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from ._pool import max_pool2d

    fig, axes = plt.subplots(len(maps), n + 1, figsize=(2.1 * (n + 1), 2.2 * len(maps)),
                             dpi=100, squeeze=False)
    for r, m in enumerate(maps):
        k = image.shape[0] // m.shape[0]
        axes[r, 0].imshow(max_pool2d(image, k) if k > 1 else image, cmap="gray")
        axes[r, 0].set_title(f"input {'pooled to ' if k > 1 else ''}{m.shape[0]}x{m.shape[1]}",
                             fontsize=10)
        for i, c in enumerate(np.argsort(-m.mean(axis=(0, 1)))[:n]):
            axes[r, i + 1].imshow(m[:, :, c], cmap="magma")
            axes[r, i + 1].set_title(f"layer {r + 1}, channel {c}", fontsize=10)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def feature_maps(model, image) -> list[np.ndarray]:
    """Output of every Conv2D layer of ``model`` for one image, shape (H, W, C) each."""
    x = np.asarray(image, dtype=np.float32)
    x = x.reshape((1,) + x.shape + ((1,) if x.ndim == 2 else ()))
    maps = []
    for layer in model.layers:
        x = layer(x)
        if type(layer).__name__ == "Conv2D":
            maps.append(np.asarray(x)[0])
    return maps
