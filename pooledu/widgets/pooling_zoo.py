"""PoolingZoo: any two pooling functions of ``pooledu.reference`` on the same photo.

Drawn by the page (``zoo.js``) from **precomputed states**: pooledu computes every
function at every pool size once (19 functions x 8 sizes), and the widget state
carries the pictures (PNG, each distinct one stored once) and the texts; the page
picks the ones its controls name. Live on the static book site, and every number
shown (shapes, value ranges) is pooledu's.
"""

from __future__ import annotations

import base64
import html
import io
import time

import anywidget
import numpy as np
import traitlets as T
from PIL import Image

from .. import data
from .. import reference as ref
from ..viz import format_number
from ._common import _check_image2d, _shape_text, fit_problem
from ._upload import ImageUpload
from ._window import HoldsRefresh, front_end

__all__ = ["PoolingZoo"]


def _zoo_entries():
    """Name -> (function(x, k), description) for every pooling function available."""
    entries = {
        "max_pool2d": (lambda x, k: ref.max_pool2d(x, k), "largest value of each k x k window"),
        "avg_pool2d": (lambda x, k: ref.avg_pool2d(x, k), "mean of each window"),
        "min_pool2d": (lambda x, k: ref.min_pool2d(x, k), "smallest value of each window"),
        "lp_pool2d (p=2)": (lambda x, k: ref.lp_pool2d(x, p=2.0, pool_size=k),
                            "(sum of x^p)^(1/p) over each window"),
        "gem_pool2d (p=3)": (lambda x, k: ref.gem_pool2d(x, p=3.0, pool_size=k),
                             "generalised mean: (mean of x^p)^(1/p)"),
        "soft_pool2d": (lambda x, k: ref.soft_pool2d(x, pool_size=k),
                        "softmax-weighted average of each window"),
        "lse_pool2d (r=10)": (lambda x, k: ref.lse_pool2d(x, r=10.0, pool_size=k),
                              "log-sum-exp: between average (small r) and max (large r)"),
        "stochastic_pool2d (training)": (
            lambda x, k: ref.stochastic_pool2d(x, pool_size=k, training=True, seed=0),
            "training: one cell drawn per window, probability proportional to its value"),
        "stochastic_pool2d (test)": (
            lambda x, k: ref.stochastic_pool2d(x, pool_size=k, training=False),
            "test: probability-weighted average of each window"),
        "mixed_pool2d (alpha=0.5)": (
            lambda x, k: ref.mixed_pool2d(x, pool_size=k, alpha=0.5),
            "alpha * max + (1 - alpha) * average"),
        "blur_pool2d": (lambda x, k: ref.blur_pool2d(x, filter_size=3, strides=k),
                        "anti-aliasing: 3x3 binomial blur, then subsample by k"),
        "max_blur_pool2d": (
            lambda x, k: ref.max_blur_pool2d(x, pool_size=2, filter_size=3, strides=k),
            "2x2 max with stride 1, then blur and subsample by k"),
        "adaptive_pool2d (max)": (
            lambda x, k: ref.adaptive_pool2d(x, (x.shape[0] // k, x.shape[1] // k), "max"),
            "max over H/k x W/k bins, whatever the input size"),
        "adaptive_pool2d (avg)": (
            lambda x, k: ref.adaptive_pool2d(x, (x.shape[0] // k, x.shape[1] // k), "avg"),
            "average over H/k x W/k bins, whatever the input size"),
        "global_pool2d (avg)": (lambda x, k: ref.global_pool2d(x, "avg", keepdims=True),
                                "one number per channel: the mean of the whole map"),
        "global_pool2d (max)": (lambda x, k: ref.global_pool2d(x, "max", keepdims=True),
                                "one number per channel: the largest value"),
        "spatial_pyramid_pool2d": (
            lambda x, k: ref.spatial_pyramid_pool2d(x, levels=(1, 2, 4), mode="max"),
            "max over 1x1, 2x2 and 4x4 grids of bins, concatenated (21 values per channel)"),
    }
    if hasattr(ref, "fractional_pool2d"):
        for mode in ("max", "avg"):
            entries[f"fractional_pool2d ({mode}, ratio k-0.5)"] = (
                lambda x, k, mode=mode: ref.fractional_pool2d(
                    x, max(1.0, k - 0.5), mode, pseudo_random=True, seed=0)[0],
                ("ratio r = k - 0.5 (1.5 for k=2): pseudo-random windows of floor(r) or "
                "floor(r) + 1 cells, seed 0"))
    return entries


def _shown(out, name, x):
    """What is drawn for an output: a 2-D (or RGB) picture scaled into [0, 1]."""
    shown = np.asarray(out, dtype=np.float64)
    if shown.ndim == 1 or (x.ndim == 3 and shown.ndim == 2 and name.startswith("spatial")):
        shown = shown.reshape(1, -1) if shown.ndim == 1 else shown.T
    lo, hi = float(np.min(shown)), float(np.max(shown))
    if shown.ndim == 3 and shown.shape[-1] == 3:
        return np.clip(shown / hi if hi > 1 else shown, 0, 1)
    return (shown - lo) / (hi - lo) if hi > lo else np.full(shown.shape, 0.5)


def _png(t) -> str:
    """An array of values in [0, 1] (grey or RGB) as a PNG data URL."""
    image = Image.fromarray((np.clip(t, 0, 1) * 255).round().astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format="png", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def zoo_line(name, description, out) -> str:
    """The sentence about one side (the page shows the same one)."""
    lo, hi = float(np.min(out)), float(np.max(out))
    return (f"<b>{html.escape(name)}</b>: {html.escape(description)}; "
            f"output {_shape_text(out.shape)}, values "
            f"{format_number(lo)} to {format_number(hi)}")


class PoolingZoo(ImageUpload, HoldsRefresh, anywidget.AnyWidget):
    """Any two pooling functions of ``pooledu.reference`` on the same real photo.

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, 3), optional
        Default: :func:`pooledu.data.photo` at 128 x 128, grey.
    left, right : str, default "max_pool2d" and "blur_pool2d"
        Keys of ``PoolingZoo.functions`` (see ``PoolingZoo.functions.keys()``).
    pool_size : int, default 2

    Controls / ``update()`` parameters: ``left``, ``right``, ``pool_size`` (1..8),
    ``image`` ("built-in", or "uploaded" after :meth:`load_image`).

    Use your own image: ``zoo.load_image(data)`` (bytes of an image file, a path,
    or an array; ``None`` goes back to the built-in photo) shows it grey,
    centre-cropped and shrunk to at most 128 x 128; in JupyterLab the explorer
    has a file control that does the same.

    ``state``: ``outputs`` (``{"left": array, "right": array}``), ``shapes``,
    ``ranges``, ``text``, ``image`` (``"built-in"`` or what the uploaded image is).
    ``last_output`` is ``state["outputs"]``.

    Examples
    --------
    >>> zoo = PoolingZoo()
    >>> zoo.update(left="avg_pool2d", right="max_pool2d", pool_size=4)
    >>> zoo.state["shapes"]
    {'left': (32, 32), 'right': (32, 32)}
    """

    _esm = front_end("dom.js", "upload.js", "zoo.js")
    _css = front_end("window.css", "upload.css")
    _upload_size = 128

    names = T.List(T.Unicode()).tag(sync=True)
    left = T.Unicode("max_pool2d").tag(sync=True)
    right = T.Unicode("blur_pool2d").tag(sync=True)
    pool_size = T.Int(2).tag(sync=True)
    kmax = T.Int(8).tag(sync=True)
    #: "name|k" -> {"ok", "message", "picture" (index), "shape", "line"}
    table = T.Dict().tag(sync=True)
    #: the input: picture index and caption
    input = T.Dict().tag(sync=True)
    #: every distinct picture once, as a PNG data URL
    pictures = T.List(T.Unicode()).tag(sync=True)

    def __init__(self, x=None, left="max_pool2d", right="blur_pool2d", pool_size=2):
        x = data.photo(128) if x is None else _check_image2d(x, allow_rgb=True)
        functions = _zoo_entries()
        names = list(functions)
        for side, value in (("left", left), ("right", right)):
            if value not in functions:
                raise ValueError(f"{side} must be one of {names}; got {value!r}")
        if isinstance(pool_size, bool) or not isinstance(pool_size, (int, np.integer)) \
                or pool_size < 1:
            raise ValueError(f"pool_size must be an integer >= 1; got {pool_size!r}")
        super().__init__(names=names, left=left, right=right, pool_size=int(pool_size),
                         kmax=max(8, int(pool_size)))
        self.x, self.functions = x, functions
        self._builtin_x = x
        self.state: dict = {"ok": False, "message": "", "params": {}}
        self.last_output = None
        self.timings: list[float] = []
        self._hold = False
        self._precompute()
        self.observe(self._on_change, names=["left", "right", "pool_size"])
        self._refresh()
        self._init_upload()

    @property
    def widget(self):
        """The widget to display: the explorer itself (kept for older notebooks)."""
        return self

    @property
    def controls(self) -> dict:
        """Every control by ``update()`` name, with the values it offers."""
        return {"left": list(self.names), "right": list(self.names),
                "pool_size": list(range(1, self.kmax + 1))}

    @property
    def params(self) -> dict:
        return {"left": self.left, "right": self.right, "pool_size": self.pool_size}

    def update(self, **params) -> None:
        """Set controls (by name, see ``.controls``); the numbers land in ``.state``."""
        with self._image_first(params, self.controls) as params:
            for name, value in params.items():
                if name == "pool_size":
                    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                        raise TypeError(f"pool_size must be an integer; got {value!r}")
                    if not 1 <= value <= self.kmax:
                        raise ValueError(f"pool_size must be between 1 and {self.kmax}; "
                                         f"got {value}")
                elif value not in self.names:
                    raise ValueError(f"{name} must be one of {list(self.names)}; "
                                     f"got {value!r}")
            with self._holding():
                for name, value in params.items():
                    setattr(self, name, int(value) if name == "pool_size" else value)
            self._refresh()

    def _use_image(self, x):
        """Recompute every picture for ``x`` (None: the built-in photo)."""
        self.x = self._builtin_x if x is None else x
        self._precompute()
        self._refresh()

    def _output(self, name, k):
        return np.asarray(self.functions[name][0](self.x, k))

    def _precompute(self):
        pictures, table = {}, {}

        def picture(t):
            return pictures.setdefault(_png(t), len(pictures))

        x = self.x
        self.input = {"picture": picture(_shown(x, "", x) if x.ndim == 2 else np.clip(x, 0, 1)),
                      "caption": f"input {_shape_text(x.shape)}"}
        for k in range(1, self.kmax + 1):
            problem = fit_problem(x.shape, k, None, "valid")
            for name in self.names:
                if problem:
                    table[f"{name}|{k}"] = {"ok": False, "message": problem}
                    continue
                out = self._output(name, k)
                table[f"{name}|{k}"] = {
                    "ok": True, "message": "", "picture": picture(_shown(out, name, x)),
                    "shape": _shape_text(out.shape),
                    "line": zoo_line(name, self.functions[name][1], out)}
        self.pictures, self.table = list(pictures), table

    def _refresh(self):
        start = time.perf_counter()
        k = self.pool_size
        entry = self.table[f"{self.left}|{k}"]
        if not entry["ok"]:
            self.state = {"ok": False, "message": entry["message"], "params": self.params}
            self.last_output = None
        else:
            outputs = {side: self._output(name, k)
                       for side, name in (("left", self.left), ("right", self.right))}
            self.state = {
                "ok": True, "message": "", "params": self.params, "outputs": outputs,
                "shapes": {side: out.shape for side, out in outputs.items()},
                "ranges": {side: (float(np.min(out)), float(np.max(out)))
                           for side, out in outputs.items()},
                "text": "<br>".join(self.table[f"{name}|{k}"]["line"]
                                    for name in (self.left, self.right))}
            self.last_output = outputs
        self.timings.append(time.perf_counter() - start)

    def __repr__(self):
        return (f"PoolingZoo(x: {_shape_text(self.x.shape)}, left={self.left!r}, "
                f"right={self.right!r}, pool_size={self.pool_size})")
