"""ShiftExplorer: shift the input pixel by pixel; watch max, average and blur pooling change.

Still drawn by matplotlib in the kernel (a PNG in an Output widget): on the
static book site it shows its saved picture and its controls do not recompute.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import data
from .. import reference as ref
from ..viz import ANNOTATE_MAX, DPI, GridView, format_number, style_context
from ._common import _check_image2d, _Impossible, fit_problem
from ._png import _DESCRIPTION, _Explorer

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


class ShiftExplorer(_Explorer):
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
    ("cosine similarity", "max abs change") and ``pattern`` (only when ``x`` is None).

    ``state``: ``shift``, ``similarity`` (method -> value at this shift),
    ``curves`` (method -> array over shifts 0..max_shift), ``outputs`` (method ->
    pooled array). ``last_output`` is ``state["similarity"]``.

    Examples
    --------
    >>> explorer = ShiftExplorer()
    >>> explorer.update(shift=1, metric="max abs change")
    >>> explorer.state["similarity"]["max"] > 0
    True
    """

    figsize = (5.2, 1.7)
    curve_figsize = (2.8, 2.4)

    def __init__(self, x=None, pool_size=2, max_shift=8, methods=("max", "avg", "max-blur"),
                 pattern="square"):
        super().__init__()
        unknown = [m for m in methods if m not in SHIFT_METHODS]
        if unknown or not methods:
            raise ValueError(f"methods must be a non-empty selection of {list(SHIFT_METHODS)}; "
                             f"got {list(methods)}")
        self.methods = tuple(methods)
        self.x = None if x is None else _check_image2d(x)
        if self.x is None:
            self._add("pattern", W.Dropdown(options=list(SHIFT_PATTERNS), value=pattern,
                                            description="input", style=_DESCRIPTION,
                                            layout=W.Layout(width="180px")))
        self._add("shift", W.IntSlider(value=0, min=0, max=int(max_shift), description="shift",
                                       style=_DESCRIPTION))
        self._add("direction", W.Dropdown(options=list(_DIRECTIONS), value="right",
                                          description="direction", style=_DESCRIPTION,
                                          layout=W.Layout(width="170px")))
        self._add("pool_size", W.IntSlider(value=pool_size, min=1, max=max(4, pool_size),
                                           description="pool size", style=_DESCRIPTION,
                                           continuous_update=False))
        self._add("metric", W.Dropdown(options=list(_METRICS), value=_METRICS[0],
                                       description="measure", style=_DESCRIPTION,
                                       layout=W.Layout(width="230px")))
        n = len(self.methods)
        boxes = self._panels([1.0] * (n + 1), left=0.02, right=0.98, gap=0.03,
                             bottom=0.03, top=0.85)
        self._views = [GridView(self.figure.add_axes(b)) for b in boxes]
        # The curve has its own figure: it only changes with the settings, so its PNG
        # for each shift is rendered once and reused while the shift slider moves.
        self.curve_figure = Figure(figsize=self.curve_figsize, dpi=DPI)
        FigureCanvasAgg(self.curve_figure)
        self._ax_curve = self.curve_figure.add_axes([0.2, 0.18, 0.76, 0.7])
        self.curve_output = W.Output()
        self._curve_lines = None
        self._curve_pngs = {}
        self._cache = {}
        self._refresh(from_update=True)

    def _image(self, pattern):
        if self.x is not None:
            return self.x
        return self._cache.setdefault(("image", pattern), SHIFT_PATTERNS[pattern]())

    def _curves(self, x, pattern, pool_size, direction, metric):
        key = ("curves", pattern, pool_size, direction, metric, self.controls["shift"].max)
        if key not in self._cache:
            dy, dx = _DIRECTIONS[direction]
            base = {m: SHIFT_METHODS[m][0](x, pool_size) for m in self.methods}
            shifts = np.arange(self.controls["shift"].max + 1)
            curves = {m: np.array([_compare(SHIFT_METHODS[m][0](
                data.shift_image(x, (dy * s, dx * s)), pool_size), base[m], metric)
                for s in shifts]) for m in self.methods}
            self._cache = {k: v for k, v in self._cache.items() if k[0] == "image"}
            self._cache[key] = (shifts, curves)
        return (key, *self._cache[key])

    def _draw(self, shift, direction, pool_size, metric, pattern=None):
        x = self._image(pattern)
        problem = fit_problem(x.shape, pool_size, None, "valid")
        if problem:
            raise _Impossible(problem)
        dy, dx = _DIRECTIONS[direction]
        moved = data.shift_image(x, (dy * shift, dx * shift))
        outputs = {m: SHIFT_METHODS[m][0](moved, pool_size) for m in self.methods}
        key, shifts, curves = self._curves(x, pattern, pool_size, direction, metric)
        values = {m: float(curves[m][shift]) for m in self.methods}
        lo, hi = float(np.min(x)), float(np.max(x))
        cmap = "gray" if max(x.shape) > ANNOTATE_MAX else "cividis"   # photos in grey
        self._views[0].show(moved, vmin=lo, vmax=hi, annotate=False, ticks=False, cmap=cmap,
                            title=f"input, shift {shift}")
        for view, m in zip(self._views[1:], self.methods):
            view.show(outputs[m], vmin=lo, vmax=hi, annotate=False, ticks=False, cmap=cmap,
                      title=f"{m}: {format_number(values[m])}")
        self._curve_key = (key, shift)
        self._curve_args = (shifts, curves, shift, metric)
        better = "higher" if metric == "cosine similarity" else "lower"
        self.text.value = (f"Shift {shift} pixel{'s' if shift != 1 else ''} {direction}, "
                           f"pool size {pool_size}. {metric} of each pooled output with the "
                           f"one at shift 0 ({better} = more invariant): "
                           + ", ".join(f"<b>{m}</b> {format_number(v)}" for m, v in values.items()))
        self.last_output = values
        return {"shift": shift, "similarity": values, "curves": curves, "outputs": outputs,
                "metric": metric}

    def _layout(self):
        return W.VBox([W.HBox(list(self.controls.values()),
                              layout=W.Layout(flex_flow="row wrap")),
                       self.text, self.message,
                       W.HBox([self.output, self.curve_output],
                              layout=W.Layout(flex_flow="row wrap"))])

    def _publish(self):
        super()._publish()
        settings, _ = self._curve_key
        if not self._curve_pngs or next(iter(self._curve_pngs))[0] != settings:
            self._curve_pngs = {}           # new settings: forget the old pictures
        if self._curve_key not in self._curve_pngs:
            with style_context():
                self._plot_curves(*self._curve_args)
            self._curve_pngs[self._curve_key] = self._png_bundle(self.curve_figure,
                                                                 "invariance curve")
        self.curve_output.outputs = (self._curve_pngs[self._curve_key],)

    def _show_problem(self, text, params):
        super()._show_problem(text, params)
        self.curve_output.outputs = ()

    def _plot_curves(self, shifts, curves, shift, metric):
        from ..viz import _LINESTYLES, _MARKERS, LINE_COLORS

        ax = self._ax_curve
        key = (len(shifts), metric, tuple(self.methods))
        if self._curve_lines is None or self._curve_lines[0] != key:
            ax.cla()
            lines = [ax.plot(shifts, curves[m], label=m, color=LINE_COLORS[i],
                             marker=_MARKERS[i], linestyle=_LINESTYLES[i], markersize=4)[0]
                     for i, m in enumerate(self.methods)]
            marker = ax.axvline(shift, color="#777777", linewidth=1, zorder=0)
            ax.set_xlabel("shift (pixels)")
            ax.set_title(metric + " vs shift 0")
            ax.legend(loc="best", fontsize=7)
            self._curve_lines = (key, lines, marker)
        _, lines, marker = self._curve_lines
        for line, m in zip(lines, self.methods):
            line.set_ydata(curves[m])
        marker.set_xdata([shift, shift])
        every = np.concatenate([curves[m] for m in self.methods])
        lo, hi = float(every.min()), float(every.max())
        span = max(hi - lo, 0.05)
        ax.set_ylim(lo - 0.1 * span, hi + 0.1 * span)

