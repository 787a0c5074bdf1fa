"""ShiftExplorer: shift the input pixel by pixel; watch max, average and blur pooling change.

Drawn by the page (``shift.js``) from **precomputed states**: the settings space
is small (pattern x direction x pool size x shift x metric: a few hundred
settings), so at construction pooledu computes every pooled output and every
invariance curve, and the widget state carries them (pictures as small PNGs,
curve values as exact floats with the labels pooledu formats). The page only
picks the state that matches its controls: the explorer is live on the static
book site with no kernel, and every number it shows is pooledu's.
"""

from __future__ import annotations

import base64
import io
import time

import anywidget
import numpy as np
import traitlets as T
from matplotlib import colormaps
from PIL import Image

from .. import data
from .. import reference as ref
from ..viz import ANNOTATE_MAX, LINE_COLORS, format_number
from ._common import _check_image2d, fit_problem
from ._upload import ImageUpload
from ._window import HoldsRefresh, encode_array, front_end

__all__ = ["SHIFT_METHODS", "SHIFT_PATTERNS", "ShiftExplorer"]


def _pool_max(x, k):
    return ref.max_pool2d(x, k)


def _pool_avg(x, k):
    return ref.avg_pool2d(x, k)


def _pool_blur(x, k):
    return ref.blur_pool2d(x, filter_size=3, strides=k)


def _pool_max_blur(x, k):
    return ref.max_blur_pool2d(x, pool_size=2, filter_size=3, strides=k)


#: Pooling methods the shift explorer compares: label -> (function(x, k), description).
SHIFT_METHODS = {
    "max": (_pool_max, "max pooling, k x k windows, stride k"),
    "avg": (_pool_avg, "average pooling, k x k windows, stride k"),
    "blur": (_pool_blur, "BlurPool (Zhang 2019): 3x3 binomial blur, then subsample by k"),
    "max-blur": (_pool_max_blur, ("MaxBlurPool (Zhang 2019): 2x2 max with stride 1, then "
                                 "blur and subsample by k")),
}

#: Patterns the shift explorer offers when no image is given: name -> function() -> (H, W).
SHIFT_PATTERNS = {
    "square": lambda: data.square(16, side=4),
    "bar": lambda: data.bar(16, width=1),
    "stripes": lambda: data.stripes(4, size=16),
    "dots": lambda: data.dots(16, spacing=4),
    "edge": lambda: data.edges(16),
    "checkerboard": lambda: data.checkerboard(16, cell=2),
    "photo": lambda: data.photo(64),
}

_DIRECTIONS = {"right": (0, 1), "down": (1, 0), "diagonal": (1, 1)}
_METRICS = ("cosine similarity", "max abs change")


def _compare(a, b, metric):
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if metric == "cosine similarity":
        norm = np.linalg.norm(a) * np.linalg.norm(b)
        return float(a @ b / norm) if norm > 0 else 1.0
    return float(np.max(np.abs(a - b)))


def _palette(cmap) -> list:
    rgb = colormaps[cmap](np.linspace(0, 1, 256))[:, :3]
    return (rgb * 255).round().astype(np.uint8).ravel().tolist()


def _png(values, lo, hi, cmap) -> str:
    """A 2-D array as a PNG data URL, coloured with ``cmap`` on the range [lo, hi]."""
    t = (np.asarray(values, dtype=np.float64) - lo) / (hi - lo) if hi > lo else \
        np.full(np.shape(values), 0.5)
    index = (np.clip(t, 0, 1) * 255).round().astype(np.uint8)
    image = Image.fromarray(index, mode="L")
    if cmap != "gray":              # a palette PNG: one byte per pixel, coloured by cmap
        used = np.unique(index)         # (only the colours used: small pictures stay small)
        lut = np.zeros(256, dtype=np.uint8)
        lut[used] = np.arange(len(used))
        image = Image.fromarray(lut[index], mode="L").convert("P")
        image.putpalette(np.asarray(_palette(cmap)).reshape(256, 3)[used].ravel().tolist())
    buffer = io.BytesIO()
    image.save(buffer, format="png", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def shift_text(shift, direction, pool_size, metric, labels) -> str:
    """The sentence under the controls (the page writes the same one)."""
    better = "higher" if metric == "cosine similarity" else "lower"
    return (f"Shift {shift} pixel{'s' if shift != 1 else ''} {direction}, "
            f"pool size {pool_size}. {metric} of each pooled output with the "
            f"one at shift 0 ({better} = more invariant): "
            + ", ".join(f"<b>{m}</b> {label}" for m, label in labels.items()))


class ShiftExplorer(ImageUpload, HoldsRefresh, anywidget.AnyWidget):
    """Shift the input pixel by pixel; watch max, average and blur pooling change.

    The input is shifted circularly (what leaves one side comes back on the
    other), so every change in a pooled output comes from the pooling itself.
    The curve compares the pooled output at each shift with the one at shift 0,
    position by position (what a layer above would see).

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        Default: the ``pattern`` control chooses one of ``SHIFT_PATTERNS``.
    pool_size : int, default 2
    max_shift : int, default 8
    methods : sequence of str, default ("max", "avg", "max-blur")
        Keys of ``SHIFT_METHODS``: "max", "avg", "blur", "max-blur".
    pattern : str, default "square"
        Used when ``x`` is None.

    Controls / ``update()`` parameters: ``shift`` (0..max_shift), ``direction``
    ("right", "down", "diagonal"), ``pool_size`` (1..4), ``metric``
    ("cosine similarity", "max abs change"), ``pattern`` (only when ``x`` is None)
    and ``image`` ("built-in", or "uploaded" after :meth:`load_image`).

    Use your own image: ``explorer.load_image(data)`` (bytes of an image file, a
    path, or an array; ``None`` goes back to the built-in input) shows it grey,
    centre-cropped and shrunk to at most 64 x 64; in JupyterLab the explorer has
    a file control that does the same.

    ``state``: ``shift``, ``similarity`` (method -> value at this shift),
    ``curves`` (method -> array over shifts 0..max_shift), ``outputs`` (method ->
    pooled array), ``text``, ``image`` (``"built-in"`` or what the uploaded image
    is). ``last_output`` is ``state["similarity"]``.

    Examples
    --------
    >>> explorer = ShiftExplorer()
    >>> explorer.update(shift=1, metric="max abs change")
    >>> explorer.state["similarity"]["max"] > 0
    True
    """

    _esm = front_end("dom.js", "upload.js", "shift.js")
    _css = front_end("window.css", "upload.css")
    _upload_size = 64

    patterns = T.List(T.Unicode()).tag(sync=True)
    pattern = T.Unicode("").tag(sync=True)
    shift = T.Int(0).tag(sync=True)
    max_shift = T.Int(8).tag(sync=True)
    direction = T.Unicode("right").tag(sync=True)
    pool_size = T.Int(2).tag(sync=True)
    kmax = T.Int(4).tag(sync=True)
    metric = T.Unicode(_METRICS[0]).tag(sync=True)
    methods = T.List(T.Unicode()).tag(sync=True)
    colors = T.List(T.Unicode()).tag(sync=True)
    #: every setting's pictures and curves, computed by pooledu: "pattern|direction|k" -> ...
    scenes = T.Dict().tag(sync=True)
    #: the shifted inputs: "pattern|direction" -> list of picture numbers over shifts
    inputs = T.Dict().tag(sync=True)
    #: the input when one was given (encode_array), else {} (the patterns are pooledu's)
    source = T.Dict().tag(sync=True)
    #: every distinct picture once, as a PNG data URL (scenes and inputs index it)
    pictures = T.List(T.Unicode()).tag(sync=True)

    def __init__(self, x=None, pool_size=2, max_shift=8, methods=("max", "avg", "max-blur"),
                 pattern="square"):
        unknown = [m for m in methods if m not in SHIFT_METHODS]
        if unknown or not methods:
            raise ValueError(f"methods must be a non-empty selection of {list(SHIFT_METHODS)}; "
                             f"got {list(methods)}")
        if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) \
                or max_shift < 1:
            raise ValueError(f"max_shift must be an integer >= 1; got {max_shift!r}")
        self.x = None if x is None else _check_image2d(x)
        if self.x is None and pattern not in SHIFT_PATTERNS:
            raise ValueError(f"pattern must be one of {list(SHIFT_PATTERNS)}; got {pattern!r}")
        pool_size = self._int("pool_size", pool_size, 1)
        super().__init__(patterns=[] if self.x is not None else list(SHIFT_PATTERNS),
                         pattern="" if self.x is not None else pattern,
                         max_shift=int(max_shift), pool_size=pool_size,
                         kmax=max(4, pool_size), methods=list(methods),
                         colors=LINE_COLORS[:len(methods)],
                         source={} if self.x is None else encode_array(self.x))
        self.state: dict = {"ok": False, "message": "", "params": {}}
        self.last_output = None
        self.timings: list[float] = []
        self._hold = False
        self._images = {}
        self._precompute()
        self.observe(self._on_change, names=list(self._names()))
        self._refresh()
        self._builtin = {"x": self.x, "patterns": list(self.patterns), "pattern": self.pattern}
        self._init_upload()

    # -- the API notebooks and tests use -----------------------------------------------
    def _names(self):
        return (("pattern",) if self.patterns else ()) + (
            "shift", "direction", "pool_size", "metric")

    @property
    def widget(self):
        """The widget to display: the explorer itself (kept for older notebooks)."""
        return self

    @property
    def controls(self) -> dict:
        """Every control by ``update()`` name, with the values it offers."""
        offered = {"pattern": list(self.patterns), "shift": list(range(self.max_shift + 1)),
                   "direction": list(_DIRECTIONS), "pool_size": list(range(1, self.kmax + 1)),
                   "metric": list(_METRICS)}
        return {name: offered[name] for name in self._names()}

    @property
    def params(self) -> dict:
        """The current control values, by ``update()`` parameter name."""
        return {name: getattr(self, name) for name in self._names()}

    def update(self, **params) -> None:
        """Set controls (by name, see ``.controls``); the numbers land in ``.state``."""
        names = set(self._names()) | ({"pattern"} if self._builtin["patterns"] else set())
        with self._image_first(params, names) as params:
            allowed = sorted(set(self._names()) | {"image"})
            unknown = sorted(set(params) - set(allowed))
            if unknown:
                raise TypeError(f"ShiftExplorer.update() got unknown parameter(s) "
                                f"{unknown} with this image; allowed: {allowed}")
            checked = {name: self._check(name, value) for name, value in params.items()}
            with self._holding():
                for name, value in checked.items():
                    setattr(self, name, value)
            self._refresh()

    @staticmethod
    def _int(name, value, low, high=None):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer; got {value!r}")
        if value < low or (high is not None and value > high):
            allowed = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ValueError(f"{name} must be {allowed}; got {value}")
        return int(value)

    def _check(self, name, value):
        if name == "shift":
            return self._int("shift", value, 0, self.max_shift)
        if name == "pool_size":
            return self._int("pool_size", value, 1, self.kmax)
        allowed = self.controls[name]
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
        return value

    def _use_image(self, x):
        """Recompute every setting for ``x`` (None: the built-in input or patterns)."""
        if self.patterns:               # the built-in patterns are shown: keep the choice
            self._builtin["pattern"] = self.pattern
        builtin = x is None
        with self._holding():
            self.x = self._builtin["x"] if builtin else x
            self.patterns = self._builtin["patterns"] if builtin else []
            self.pattern = self._builtin["pattern"] if builtin else ""
            self.source = {} if self.x is None else encode_array(self.x)
            self._precompute()
        self._refresh()

    # -- pooledu computes every setting once --------------------------------------------
    def _image(self, pattern):
        if self.x is not None:
            return self.x
        if pattern not in self._images:
            self._images[pattern] = SHIFT_PATTERNS[pattern]()
        return self._images[pattern]

    def _precompute(self):
        scenes, inputs, self._pictures = {}, {}, {}
        for pattern in self.patterns or [""]:
            x = self._image(pattern)
            lo, hi = float(np.min(x)), float(np.max(x))
            cmap = "gray" if max(x.shape) > ANNOTATE_MAX else "cividis"
            for direction, (dy, dx) in _DIRECTIONS.items():
                moved = [data.shift_image(x, (dy * s, dx * s))
                         for s in range(self.max_shift + 1)]
                inputs[f"{pattern}|{direction}"] = [self._picture(m, lo, hi, cmap)
                                                     for m in moved]
                for k in range(1, self.kmax + 1):
                    scenes[f"{pattern}|{direction}|{k}"] = self._scene(x, moved, k, lo, hi,
                                                                       cmap)
        self.pictures = list(self._pictures)
        self.scenes, self.inputs = scenes, inputs

    def _picture(self, values, lo, hi, cmap) -> int:
        url = _png(values, lo, hi, cmap)
        return self._pictures.setdefault(url, len(self._pictures))

    def _scene(self, x, moved, k, lo, hi, cmap):
        problem = fit_problem(x.shape, k, None, "valid")
        if problem:
            return {"ok": False, "message": problem}
        outs = {m: [SHIFT_METHODS[m][0](xs, k) for xs in moved] for m in self.methods}
        curves, labels, ylim = {}, {}, {}
        for metric in _METRICS:
            curves[metric] = {m: [_compare(o, outs[m][0], metric) for o in outs[m]]
                              for m in self.methods}
            labels[metric] = {m: [format_number(v) for v in c]
                              for m, c in curves[metric].items()}
            every = [v for c in curves[metric].values() for v in c]
            span = max(max(every) - min(every), 0.05)
            ylim[metric] = [min(every) - 0.1 * span, max(every) + 0.1 * span]
        shape = list(outs[self.methods[0]][0].shape)
        return {"ok": True, "message": "", "shape": shape, "curves": curves,
                "labels": labels, "ylim": ylim,
                "outputs": {m: [self._picture(o, lo, hi, cmap) for o in outs[m]]
                            for m in outs}}

    def _refresh(self):
        start = time.perf_counter()
        pattern, shift, metric = self.pattern, self.shift, self.metric
        scene = self.scenes[f"{pattern}|{self.direction}|{self.pool_size}"]
        if not scene["ok"]:
            self.state = {"ok": False, "message": scene["message"], "params": self.params}
            self.last_output = None
            self.timings.append(time.perf_counter() - start)
            return
        x = self._image(pattern)
        dy, dx = _DIRECTIONS[self.direction]
        moved = data.shift_image(x, (dy * shift, dx * shift))
        outputs = {m: SHIFT_METHODS[m][0](moved, self.pool_size) for m in self.methods}
        curves = {m: np.array(c) for m, c in scene["curves"][metric].items()}
        values = {m: float(c[shift]) for m, c in curves.items()}
        labels = {m: scene["labels"][metric][m][shift] for m in self.methods}
        self.state = {"ok": True, "message": "", "params": self.params, "shift": shift,
                      "similarity": values, "curves": curves, "outputs": outputs,
                      "metric": metric, "labels": labels,
                      "text": shift_text(shift, self.direction, self.pool_size, metric,
                                         labels)}
        self.last_output = values
        self.timings.append(time.perf_counter() - start)

    def __repr__(self):
        source = f"pattern={self.pattern!r}" if self.patterns else \
            f"x: {' x '.join(map(str, self.x.shape))}"
        return (f"ShiftExplorer({source}, shift={self.shift}, direction={self.direction!r}, "
                f"pool_size={self.pool_size}, metric={self.metric!r})")
