"""Interactive explorers for the notebooks (standard ipywidgets + matplotlib).

Each explorer is a class with

* ``.widget`` - the ipywidgets container to display (or display the explorer
  itself: it delegates to ``.widget``);
* ``update(**params)`` - set any controls and redraw, without a browser, so
  tests, benchmarks and notebook cells can drive it (it returns None, so a
  notebook cell ending in ``update(...)`` prints nothing);
* ``.state`` - a dict with the numbers of the last update (``"ok"``,
  ``"message"``, the output arrays, the text shown) and ``.last_output`` - the
  main numeric result, so a notebook can print the number the text talks about.

How drawing works: every explorer owns one matplotlib ``Figure`` (never
registered with pyplot, so nothing leaks and ``plt.get_fignums()`` does not
grow). An update changes the existing images in place (``set_data``), renders
the figure to a PNG and puts it in an ``ipywidgets.Output`` as its only output.
That saved output is part of the widget state, so a static page (Jupyter Book
with the HTML widget manager) shows the last picture; no ipympl is needed.

An impossible setting (a window larger than the input under ``"valid"``) is
explained in plain language in the widget, never as a traceback.

Explorers:

* :class:`PoolingExplorer` - mode, pool size, stride and padding; output, shape
  and the output-size formula with the numbers filled in.
* :class:`WindowStepper` - one window at a time with its arithmetic.
* :class:`ShiftExplorer` - shift the input, watch max/avg/blur pooling change.
* :class:`PoolingZoo` - any pooling function of ``pooledu.reference`` on a photo.
* :class:`GradientExplorer` - where the gradient of one output cell goes.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import time

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import data
from . import reference as ref
from ._geometry import normalize_padding, output_size, padding_amounts, window_bounds
from .viz import ANNOTATE_MAX, DPI, GridView, format_number, style_context

__all__ = [
    "SHIFT_METHODS",
    "SHIFT_PATTERNS",
    "GradientExplorer",
    "PoolingExplorer",
    "PoolingZoo",
    "ShiftExplorer",
    "WindowStepper",
    "fit_problem",
    "output_size_formula",
    "window_arithmetic",
]

_ERROR_STYLE = ("color:#7a2e00;background:#fff3e0;border-left:4px solid #D55E00;"
                "padding:4px 8px;margin:2px 0")
_NOTE_STYLE = "color:#333;padding:2px 8px;margin:2px 0"
_DESCRIPTION = {"description_width": "initial"}


# --------------------------------------------------------------------------- shared text
def fit_problem(shape, pool_size: int, strides=None, padding: str = "valid") -> str | None:
    """Plain-language reason why a window cannot slide over ``shape``, or ``None`` if it can.

    Parameters
    ----------
    shape : (int, int)
        ``(H, W)`` of the input.
    pool_size, strides, padding
        As for pooling (square windows).

    Examples
    --------
    >>> print(fit_problem((4, 4), 5)[:62])
    A 5x5 window does not fit in a 4x4 input with padding 'valid'.
    >>> fit_problem((4, 4), 2) is None
    True
    """
    h, w = int(shape[0]), int(shape[1])
    try:
        for n in (h, w):
            output_size(n, pool_size, strides, padding)
    except ValueError:
        k = int(pool_size)
        return (f"A {k}x{k} window does not fit in a {h}x{w} input with padding "
                f"'{normalize_padding(padding)}'. Choose a pool size of at most {min(h, w)}, "
                f"or padding 'same'.")
    return None


def output_size_formula(n: int, pool_size: int, strides=None, padding: str = "valid") -> str:
    """The output-size formula along one axis, with the numbers filled in.

    Examples
    --------
    >>> output_size_formula(4, 2, 2)
    'out = floor((4 - 2) / 2) + 1 = 2'
    >>> output_size_formula(5, 2, 2, "same")
    'out = ceil(5 / 2) = 3'
    """
    k = int(pool_size)
    s = k if strides is None else int(strides)
    out = output_size(n, k, s, padding)
    if normalize_padding(padding) == "valid":
        return f"out = floor(({n} - {k}) / {s}) + 1 = {out}"
    return f"out = ceil({n} / {s}) = {out}"


def _padding_text(n, k, s, padding):
    before, after = padding_amounts(n, k, s, padding)
    if normalize_padding(padding) == "valid":
        return "no padding"
    out = output_size(n, k, s, padding)
    return (f"padding = max(({out} - 1) * {s} + {k} - {n}, 0) = {before + after}: "
            f"{before} before, {after} after")


def _axis_lines(shape, k, s, padding):
    """Formula lines (plain text) for rows and columns; one line when both axes agree."""
    h, w = shape
    if h == w:
        return [f"{output_size_formula(h, k, s, padding)}  ({_padding_text(h, k, s, padding)})"]
    return [f"{axis}: {output_size_formula(n, k, s, padding)}  ({_padding_text(n, k, s, padding)})"
            for axis, n in (("rows", h), ("columns", w))]


def _shape_text(shape):
    return " x ".join(str(d) for d in shape)


def _list_values(values, limit=16):
    if len(values) <= limit:
        return ", ".join(values)
    return ", ".join(values[:limit // 2]) + ", ..., " + ", ".join(values[-3:])


def _check_image2d(x, name="x", allow_rgb=False):
    x = np.asarray(x)
    if x.ndim == 3 and x.shape[-1] == 1:
        x = x[..., 0]
    ok = x.ndim == 2 or (allow_rgb and x.ndim == 3 and x.shape[-1] == 3)
    if not ok:
        allowed = "(H, W) or (H, W, 3)" if allow_rgb else "(H, W)"
        raise ValueError(f"{name} must have shape {allowed}; got shape {x.shape}")
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array; got dtype {x.dtype}")
    return x


class _Impossible(Exception):
    """A setting the explorer cannot draw; its message is shown in the widget."""


# --------------------------------------------------------------------------- the base class
class _Explorer:
    """Shared machinery: controls, one figure, PNG output, message, state."""

    figsize = (6.0, 3.0)

    def __init__(self):
        self.figure = Figure(figsize=self.figsize, dpi=DPI)
        FigureCanvasAgg(self.figure)
        self.controls: dict[str, W.ValueWidget] = {}
        self.output = W.Output(layout=W.Layout(min_height=f"{int(self.figsize[1] * DPI)}px"))
        self.text = W.HTML()
        self.message = W.HTML()
        self.state: dict = {"ok": False, "message": "", "params": {}}
        self.last_output = None
        self.timings: list[float] = []
        self._hold = False
        self._widget = None

    # -- controls ---------------------------------------------------------------------
    def _add(self, name, control):
        control.observe(self._on_change, names="value")
        self.controls[name] = control
        return control

    def _on_change(self, change):
        if not self._hold:
            self._refresh(from_update=False)

    @contextlib.contextmanager
    def _holding(self):
        previous, self._hold = self._hold, True
        try:
            yield
        finally:
            self._hold = previous

    @staticmethod
    def _set(control, value, name):
        if isinstance(control, (W.Dropdown, W.ToggleButtons, W.RadioButtons)):
            values = [opt[1] if isinstance(opt, tuple) else opt for opt in control.options]
            if value not in values:
                raise ValueError(f"{name} must be one of {values}; got {value!r}")
        elif isinstance(control, (W.IntSlider, W.Play, W.BoundedIntText)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name} must be an integer; got {value!r}")
            value = int(value)
            # update() may go beyond the slider's range (e.g. to show an impossible setting)
            control.max = max(control.max, value)
            control.min = min(control.min, value)
        control.value = value

    @property
    def params(self) -> dict:
        """The current control values, by ``update()`` parameter name."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self, **params) -> None:
        """Set controls (by name, see ``.controls``) and redraw; the numbers land in ``.state``.

        An impossible combination is not an error: ``state["ok"]`` is False and
        ``state["message"]`` says why (the widget shows the same message).
        """
        unknown = sorted(set(params) - set(self.controls) - set(self._extra_params()))
        if unknown:
            raise TypeError(f"{type(self).__name__}.update() got unknown parameter(s) {unknown}; "
                            f"allowed: {sorted(self.controls) + self._extra_params()}")
        with self._holding():
            params = self._prepare(dict(params))
            for name, value in params.items():
                self._set(self.controls[name], value, name)
        self._refresh(from_update=True)

    def _extra_params(self) -> list:
        return []

    def _prepare(self, params: dict) -> dict:
        """Hook: translate update() arguments (e.g. strides=None) before they are set."""
        return params

    # -- drawing ------------------------------------------------------------------------
    def _refresh(self, from_update: bool):
        start = time.perf_counter()
        params = self.params
        try:
            with self._holding(), style_context():
                state = self._draw(**params)
        except _Impossible as problem:
            self._show_problem(str(problem), params)
        except Exception as error:
            self._show_problem(f"This setting could not be computed: {error}", params)
            if from_update:
                raise
        else:
            state.setdefault("message", "")
            self.state = {"ok": True, "params": params, **state}
            self.message.value = (f'<div style="{_NOTE_STYLE}">{html.escape(state["message"])}'
                                  f"</div>" if state["message"] else "")
            self._publish()
        self.timings.append(time.perf_counter() - start)

    def _show_problem(self, text, params):
        self.state = {"ok": False, "message": text, "params": params}
        self.last_output = None
        self.message.value = f'<div style="{_ERROR_STYLE}">{html.escape(text)}</div>'
        self.text.value = ""
        self.output.outputs = ()

    @staticmethod
    def _png_bundle(figure, label):
        """Render ``figure`` to a PNG display_data output (base64, as notebooks store it)."""
        canvas = figure.canvas
        canvas.draw()
        buffer = io.BytesIO()
        try:
            from PIL import Image
        except ImportError:  # pragma: no cover - matplotlib requires Pillow
            figure.savefig(buffer, format="png", dpi=DPI)
        else:
            rgb = np.asarray(canvas.buffer_rgba())[..., :3]
            Image.fromarray(rgb).save(buffer, format="png", compress_level=1)
        png = base64.b64encode(buffer.getvalue()).decode("ascii")
        return {"output_type": "display_data",
                "data": {"image/png": png, "text/plain": f"<{label} figure>"},
                "metadata": {}}

    def _publish(self):
        """Render the figure to PNG and make it the Output widget's only output.

        Setting ``Output.outputs`` (what ``Output.append_display_data`` does) replaces
        the picture in one message, without flicker, works without a running kernel
        (tests) and is saved with the widget state for static pages.
        """
        self.output.outputs = (self._png_bundle(self.figure, type(self).__name__),)

    def _draw(self, **params) -> dict:  # pragma: no cover - every explorer overrides it
        raise NotImplementedError

    def _panels(self, widths, top=0.86, bottom=0.08, left=0.03, right=0.97, gap=0.05):
        """Axes boxes side by side, widths proportional to ``widths`` (figure fractions)."""
        avail = right - left - gap * (len(widths) - 1)
        unit = avail / sum(widths)
        boxes, x = [], left
        for width in widths:
            boxes.append([x, bottom, width * unit, top - bottom])
            x += width * unit + gap
        return boxes

    def _scaled_panels(self, shapes, top=0.86, bottom=0.1, left=0.05, right=0.98, gap=0.4):
        """Boxes for grids of ``shapes`` ((rows, cols) each) drawn with one cell size.

        The same cell size in every panel makes the shrinking visible: a 2x2 output
        is drawn half as wide as the 4x4 input it came from. ``gap`` is in inches.
        """
        fig_w, fig_h = self.figure.get_size_inches()
        avail_w = (right - left) * fig_w - gap * (len(shapes) - 1)
        avail_h = (top - bottom) * fig_h
        cell = min(avail_w / sum(c for _, c in shapes), avail_h / max(r for r, _ in shapes))
        boxes, x = [], left * fig_w
        for rows, cols in shapes:
            w, h = cols * cell, rows * cell
            y = bottom * fig_h + (avail_h - h) / 2
            boxes.append([x / fig_w, y / fig_h, w / fig_w, h / fig_h])
            x += w + gap
        return boxes

    # -- display ------------------------------------------------------------------------
    @property
    def widget(self):
        """The ipywidgets container to display."""
        if self._widget is None:
            self._widget = self._layout()
        return self._widget

    def _layout(self):
        return W.VBox([W.HBox(list(self.controls.values()),
                              layout=W.Layout(flex_flow="row wrap")),
                       self.text, self.message, self.output])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def _geometry_controls(explorer, modes, mode, pool_size, strides, padding, kmax):
    explorer._add("mode", W.Dropdown(options=list(modes), value=mode, description="mode",
                                     style=_DESCRIPTION, layout=W.Layout(width="140px")))
    explorer._add("pool_size", W.IntSlider(value=pool_size, min=1, max=max(kmax, pool_size),
                                           description="pool size", style=_DESCRIPTION,
                                           continuous_update=False))
    explorer._add("strides", W.IntSlider(value=pool_size if strides is None else strides, min=1,
                                         max=max(kmax, pool_size, strides or 1),
                                         description="stride", style=_DESCRIPTION,
                                         continuous_update=False))
    explorer._add("padding", W.ToggleButtons(options=["valid", "same"],
                                             value=normalize_padding(padding),
                                             description="padding",
                                             style={"description_width": "initial",
                                                    "button_width": "60px"}))


def _kmax(shape):
    # one or two sizes past the input on small grids, so "does not fit" can be seen
    return int(min(max(shape[:2]) + 2, 8))


def _strides_none(params, controls):
    """``strides=None`` in update() means "equal to the pool size" (Keras' default)."""
    if "strides" in params and params["strides"] is None:
        params["strides"] = params.get("pool_size", controls["pool_size"].value)
    return params


# --------------------------------------------------------------------------- PoolingExplorer
class PoolingExplorer(_Explorer):
    """Pool the article's matrix (or any image) and see the output and its size formula.

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, 3), optional
        Default: the article's 4x4 matrix (:func:`pooledu.data.article_matrix`).
    mode : {"max", "avg", "min", "sum", "lp"}, default "max"
        ``"lp"`` uses p = 2.
    pool_size : int, default 2
    strides : int or None, default None (= pool_size)
    padding : {"valid", "same"}, default "valid"

    Controls / ``update()`` parameters: ``mode``, ``pool_size``, ``strides``
    (``None`` means "equal to pool_size"), ``padding``.

    ``state``: ``output``, ``output_shape``, ``formula`` (text lines),
    ``message``, ``ok``; ``last_output`` is the pooled array.

    Examples
    --------
    >>> explorer = PoolingExplorer()
    >>> explorer.update(pool_size=2, strides=2)
    >>> explorer.state["formula"]
    ['out = floor((4 - 2) / 2) + 1 = 2  (no padding)']
    >>> explorer.last_output
    array([[ 6.,  8.],
           [14., 16.]], dtype=float32)
    >>> explorer.update(pool_size=5)
    >>> explorer.state["message"][:40]
    'A 5x5 window does not fit in a 4x4 input'
    """

    figsize = (6.0, 3.0)

    def __init__(self, x=None, mode="max", pool_size=2, strides=None, padding="valid"):
        super().__init__()
        self.x = data.article_matrix() if x is None else _check_image2d(x, allow_rgb=True)
        _geometry_controls(self, ref.POOL_MODES, mode, pool_size, strides, padding,
                           _kmax(self.x.shape))
        self._ax_in = self.figure.add_axes([0, 0, 1, 1])
        self._ax_out = self.figure.add_axes([0, 0, 1, 1])
        self._view_in = GridView(self._ax_in, cmap=self._cmap())
        self._view_out = GridView(self._ax_out, cmap=self._cmap())
        self._refresh(from_update=True)

    def _cmap(self):
        return "gray" if max(self.x.shape[:2]) > ANNOTATE_MAX else "cividis"

    def _prepare(self, params):
        return _strides_none(params, self.controls)

    def _draw(self, mode, pool_size, strides, padding):
        x, (h, w) = self.x, self.x.shape[:2]
        problem = fit_problem((h, w), pool_size, strides, padding)
        if problem:
            raise _Impossible(problem)
        out = ref.pool2d(x, mode, pool_size, strides, padding)
        oh, ow = out.shape[:2]
        pt_pb, pl_pr = padding_amounts(h, pool_size, strides, padding), \
            padding_amounts(w, pool_size, strides, padding)
        small = max(h, w) <= ANNOTATE_MAX
        if not small:
            pt_pb = pl_pr = (0, 0)
        box_in, box_out = self._scaled_panels([
            (h + sum(pt_pb), w + sum(pl_pr)), (max(oh, 0.25 * h), max(ow, 0.25 * w))])
        self._ax_in.set_position(box_in)
        self._ax_out.set_position(box_out)
        # the first window, in input coordinates (it may reach into the padding)
        first = ((-pt_pb[0], -pt_pb[0] + pool_size), (-pl_pr[0], -pl_pr[0] + pool_size))
        same_scale = mode in ("max", "avg", "min")
        scale = {}
        if same_scale and x.ndim == 2:
            scale = {"vmin": float(np.nanmin(x)), "vmax": float(np.nanmax(x))}
        shown_out = out if x.ndim == 2 or mode in ("max", "avg", "min") else out / np.max(out)
        self._view_in.show(x, window=first if small else None, pad=(pt_pb, pl_pr),
                           title=f"input {h}x{w}", **scale)
        self._view_out.show(shown_out, cell=((0, 1), (0, 1)) if small else None,
                            title=f"{mode} pool -> {oh}x{ow}", **scale)
        formula = _axis_lines((h, w), pool_size, strides, padding)
        notes = []
        if strides > pool_size:
            notes.append(f"The stride ({strides}) is larger than the window ({pool_size}): "
                         f"some input cells are never looked at.")
        self.text.value = (f"<b>output shape</b> {_shape_text(x.shape)} &rarr; "
                           f"<b>{_shape_text(out.shape)}</b><br>"
                           + "<br>".join(html.escape(line).replace("  ", " &nbsp; ")
                                         for line in formula))
        self.last_output = out
        return {"output": out, "output_shape": out.shape, "formula": formula,
                "message": " ".join(notes)}


# --------------------------------------------------------------------------- WindowStepper
_STEPPER_MODES = ("max", "avg", "min", "sum")


def window_arithmetic(cells, mode):
    """What one window computes, written out: ``"max(1, 3, 5, 6) = 6"``.

    Parameters
    ----------
    cells : sequence of float or None
        The cells under the window in row-major order; ``None`` marks a padded
        cell (it never wins and never counts).
    mode : {"max", "avg", "min", "sum"}

    Returns
    -------
    (str, float)
        The text and the result.

    Examples
    --------
    >>> window_arithmetic([1, 3, 5, 6], "avg")
    ('(1 + 3 + 5 + 6) / 4 = 3.75', 3.75)
    >>> window_arithmetic([11, 12, None, 15, 16, None], "max")[0]
    'max(11, 12, pad, 15, 16, pad) = 16'
    >>> window_arithmetic([11, 12, None, 15, 16, None], "avg")[0]
    '(11 + 12 + 15 + 16) / 4 = 13.5'
    """
    if mode not in _STEPPER_MODES:
        raise ValueError(f"mode must be one of {_STEPPER_MODES}; got {mode!r}")
    vals = np.array([float(v) for v in cells if v is not None])
    if vals.size == 0:
        raise ValueError("cells must hold at least one real (non-padded) value")
    if mode in ("max", "min"):
        result = float(vals.max() if mode == "max" else vals.min())
        listed = ["pad" if v is None else format_number(v) for v in cells]
        return f"{mode}({_list_values(listed)}) = {format_number(result)}", result
    # padded cells are simply left out of a sum and of an average's count
    terms = " + ".join(_list_values([format_number(v) for v in vals]).split(", "))
    total = float(vals.sum())
    if mode == "sum":
        return f"{terms} = {format_number(total)}", total
    result = total / vals.size
    return f"({terms}) / {vals.size} = {format_number(result)}", result


class WindowStepper(_Explorer):
    """Step (or play) window by window and see the arithmetic of the current mode.

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        Default: the article's 4x4 matrix. Meant for small grids.
    mode : {"max", "avg", "min", "sum"}, default "max"
    pool_size : int, default 2
    strides : int or None, default None (= pool_size)
    padding : {"valid", "same"}, default "valid"

    Controls / ``update()`` parameters: ``mode``, ``pool_size``, ``strides``,
    ``padding``, ``step`` (window number, row-major from 0). The ``Play``
    button (``.play``) moves ``step`` on its own.

    ``state``: ``step``, ``n_windows``, ``out_index`` (row, col of the output
    cell), ``rows`` / ``cols`` (window extent in input coordinates, stop
    exclusive, may reach into padding), ``values`` (real values under the
    window), ``padded`` (number of padded cells), ``arithmetic`` (the text),
    ``value`` and ``output`` (the whole pooled array). ``last_output`` is
    ``value``, the current output cell.

    Examples
    --------
    >>> stepper = WindowStepper()
    >>> stepper.update(mode="avg", step=0)
    >>> stepper.state["arithmetic"]
    '(1 + 3 + 5 + 6) / 4 = 3.75'
    >>> stepper.update(mode="max", step=1)
    >>> stepper.state["arithmetic"]
    'max(2, 4, 7, 8) = 8'
    """

    figsize = (6.0, 3.0)

    def __init__(self, x=None, mode="max", pool_size=2, strides=None, padding="valid"):
        super().__init__()
        self.x = data.article_matrix() if x is None else _check_image2d(x)
        if mode not in _STEPPER_MODES:
            raise ValueError(f"mode must be one of {_STEPPER_MODES}; got {mode!r}")
        _geometry_controls(self, _STEPPER_MODES, mode, pool_size, strides, padding,
                           _kmax(self.x.shape))
        self._add("step", W.IntSlider(value=0, min=0, max=0, description="window",
                                      style=_DESCRIPTION))
        self.play = W.Play(value=0, min=0, max=0, step=1, interval=900, description="play")
        # jslink moves the slider in the browser (also on a static page); the Python link
        # below makes the same happen when the kernel (or a test) changes .play.value
        W.jslink((self.play, "value"), (self.controls["step"], "value"))
        self.play.observe(self._on_play, names="value")
        self._ax_in = self.figure.add_axes([0, 0, 1, 1])
        self._ax_out = self.figure.add_axes([0, 0, 1, 1])
        self._view_in = GridView(self._ax_in)
        self._view_out = GridView(self._ax_out)
        self._refresh(from_update=True)

    def _on_play(self, change):
        step = self.controls["step"]
        if change["new"] != step.value and step.min <= change["new"] <= step.max:
            step.value = change["new"]

    def _prepare(self, params):
        return _strides_none(params, self.controls)

    def _layout(self):
        geometry = [self.controls[k] for k in ("mode", "pool_size", "strides", "padding")]
        return W.VBox([W.HBox(geometry, layout=W.Layout(flex_flow="row wrap")),
                       W.HBox([self.play, self.controls["step"]]),
                       self.text, self.message, self.output])

    def _set_step_range(self, n_windows):
        step = self.controls["step"]
        step.max = max(n_windows - 1, 0)
        step.value = min(step.value, step.max)
        self.play.max = step.max

    def _draw(self, mode, pool_size, strides, padding, step):
        x, (h, w) = self.x, self.x.shape
        problem = fit_problem((h, w), pool_size, strides, padding)
        if problem:
            self._set_step_range(1)
            raise _Impossible(problem)
        out = ref.pool2d(x, mode, pool_size, strides, padding)
        oh, ow = out.shape
        self._set_step_range(oh * ow)
        step = self.controls["step"].value
        # The browser's jslink copies play -> slider when a page loads (static pages
        # included), so the Play button must hold the same window as the slider.
        self.play.value = step
        oi, oj = divmod(step, ow)
        (pt, pb), (pl, pr) = padding_amounts(h, pool_size, strides, padding), \
            padding_amounts(w, pool_size, strides, padding)
        r_starts, r_stops = window_bounds(h, pool_size, strides, padding)
        c_starts, c_stops = window_bounds(w, pool_size, strides, padding)
        # the window's full extent, padding included: starts shifted back by the padding
        r0, c0 = oi * strides - pt, oj * strides - pl
        rows, cols = (r0, r0 + pool_size), (c0, c0 + pool_size)
        real = x[r_starts[oi]:r_stops[oi], c_starts[oj]:c_stops[oj]]
        padded = pool_size * pool_size - real.size
        cells = [x[r, c] if 0 <= r < h and 0 <= c < w else None
                 for r in range(*rows) for c in range(*cols)]
        text, _ = window_arithmetic(cells, mode)
        value = float(out[oi, oj])  # the reference's number is the one shown
        partial = np.full(out.shape, np.nan)
        partial.flat[:step + 1] = out.flat[:step + 1]
        note = ""
        if padded and mode in ("max", "min"):
            note = " &nbsp; (padded cells never win)"
        elif padded:
            note = (f" &nbsp; (the {padded} padded cell{'s' if padded > 1 else ''} "
                    f"{'are' if padded > 1 else 'is'} not counted)")
        scale = {"vmin": float(np.nanmin(x)), "vmax": float(np.nanmax(x))} \
            if mode != "sum" else {}
        box_in, box_out = self._scaled_panels([(h + pt + pb, w + pl + pr),
                                               (max(oh, 0.25 * h), max(ow, 0.25 * w))])
        self._ax_in.set_position(box_in)
        self._ax_out.set_position(box_out)
        self._view_in.show(x, window=(rows, cols), pad=((pt, pb), (pl, pr)),
                           title=f"input {h}x{w}, window {step + 1} of {oh * ow}",
                           **scale)
        self._view_out.show(partial, window=((oi, oi + 1), (oj, oj + 1)),
                            title=f"{mode} pool output {oh}x{ow}", **scale)
        self.text.value = (f"window {step + 1} of {oh * ow} &rarr; output cell ({oi}, {oj}): "
                           f"rows {max(r0, 0)}-{min(r0 + pool_size, h) - 1}, "
                           f"columns {max(c0, 0)}-{min(c0 + pool_size, w) - 1}<br>"
                           f"<code style='font-size:110%'>{html.escape(text)}</code>{note}")
        self.last_output = value
        return {"step": step, "n_windows": oh * ow, "out_index": (oi, oj), "rows": rows,
                "cols": cols, "values": real.ravel().tolist(), "padded": padded,
                "arithmetic": text, "value": value, "output": out}


# --------------------------------------------------------------------------- ShiftExplorer
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
        from .viz import _LINESTYLES, _MARKERS, LINE_COLORS

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


# --------------------------------------------------------------------------- PoolingZoo
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


class PoolingZoo(_Explorer):
    """Any two pooling functions of ``pooledu.reference`` on the same real photo.

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, 3), optional
        Default: :func:`pooledu.data.photo` at 128 x 128, grey.
    left, right : str, default "max_pool2d" and "blur_pool2d"
        Keys of ``PoolingZoo.functions`` (see ``PoolingZoo.functions.keys()``).
    pool_size : int, default 2

    Controls / ``update()`` parameters: ``left``, ``right``, ``pool_size`` (1..8).

    ``state``: ``outputs`` (``{"left": array, "right": array}``), ``shapes``,
    ``ranges``. ``last_output`` is ``state["outputs"]``.

    Examples
    --------
    >>> zoo = PoolingZoo()
    >>> zoo.update(left="avg_pool2d", right="max_pool2d", pool_size=4)
    >>> zoo.state["shapes"]
    {'left': (32, 32), 'right': (32, 32)}
    """

    figsize = (7.5, 3.0)

    def __init__(self, x=None, left="max_pool2d", right="blur_pool2d", pool_size=2):
        super().__init__()
        self.x = data.photo(128) if x is None else _check_image2d(x, allow_rgb=True)
        self.functions = _zoo_entries()
        names = list(self.functions)
        for side, value in (("left", left), ("right", right)):
            if value not in self.functions:
                raise ValueError(f"{side} must be one of {names}; got {value!r}")
            self._add(side, W.Dropdown(options=names, value=value, description=side,
                                       style=_DESCRIPTION, layout=W.Layout(width="300px")))
        self._add("pool_size", W.IntSlider(value=pool_size, min=1, max=max(8, pool_size),
                                           description="pool size", style=_DESCRIPTION,
                                           continuous_update=False))
        boxes = self._panels([1, 1, 1], bottom=0.04, top=0.86)
        cmap = "gray" if self.x.ndim == 2 else "cividis"
        self._views = [GridView(self.figure.add_axes(b), cmap=cmap) for b in boxes]
        self._refresh(from_update=True)

    def _draw(self, left, right, pool_size):
        x = self.x
        problem = fit_problem(x.shape, pool_size, None, "valid")
        if problem:
            raise _Impossible(problem)
        self._views[0].show(x, title=f"input {_shape_text(x.shape)}", annotate=False)
        outputs, shapes, ranges, lines = {}, {}, {}, []
        for view, side, name in ((self._views[1], "left", left), (self._views[2], "right", right)):
            fn, description = self.functions[name]
            out = np.asarray(fn(x, pool_size))
            outputs[side], shapes[side] = out, out.shape
            ranges[side] = (float(np.min(out)), float(np.max(out)))
            shown = out
            if out.ndim == 1 or (x.ndim == 3 and out.ndim == 2 and name.startswith("spatial")):
                shown = out.reshape(1, -1) if out.ndim == 1 else out.T
            elif out.ndim == 3 and out.shape[-1] == 3 and ranges[side][1] > 1:
                shown = out / ranges[side][1]      # colour images must stay within [0, 1]
            view.show(shown, annotate=shown.ndim == 2 and max(shown.shape) <= 8,
                      ticks=False, title=f"{name}\n{_shape_text(out.shape)}")
            lines.append(f"<b>{html.escape(name)}</b>: {html.escape(description)}; "
                         f"output {_shape_text(out.shape)}, values "
                         f"{format_number(ranges[side][0])} to {format_number(ranges[side][1])}")
        self.text.value = "<br>".join(lines)
        self.last_output = outputs
        return {"outputs": outputs, "shapes": shapes, "ranges": ranges}


# --------------------------------------------------------------------------- GradientExplorer
_MAX_RECEIVERS = 1024


class GradientExplorer(_Explorer):
    """Where the gradient of one output cell goes back to, for max and average pooling.

    The explorer calls :func:`pooledu.reference.pool2d_grad` with a one-hot
    ``dy`` (1 at the chosen output cell, 0 elsewhere), or with ``dy = 1``
    everywhere when ``all_cells`` is on (overlapping windows then add up).

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        Default: the article's 4x4 matrix.
    mode : {"max", "avg", "min", "sum"}, default "max"
    pool_size : int, default 2
    strides : int or None, default None (= pool_size)
    padding : {"valid", "same"}, default "valid"

    Controls / ``update()`` parameters: ``mode``, ``pool_size``, ``strides``,
    ``padding``, ``row``, ``col`` (the output cell), ``all_cells`` (bool).

    ``state``: ``dx`` (input gradient, shape of ``x``), ``receivers`` (list of
    ``(row, col, input value, gradient)`` for the cells with non-zero gradient,
    row-major, at most 1024), ``n_receivers`` (how many there are),
    ``out_index``, ``value`` (the output cell) and ``output``.
    ``last_output`` is ``dx``.

    Examples
    --------
    >>> explorer = GradientExplorer()
    >>> explorer.update(mode="max", row=0, col=1)
    >>> explorer.state["receivers"]
    [(1, 3, 8.0, 1.0)]
    >>> explorer.update(mode="avg", row=0, col=0)
    >>> explorer.state["receivers"][0]
    (0, 0, 1.0, 0.25)
    """

    figsize = (7.5, 3.0)

    def __init__(self, x=None, mode="max", pool_size=2, strides=None, padding="valid"):
        super().__init__()
        self.x = data.article_matrix() if x is None else _check_image2d(x)
        _geometry_controls(self, ref.GRAD_MODES, mode, pool_size, strides, padding,
                           _kmax(self.x.shape))
        self._add("row", W.IntSlider(value=0, min=0, max=0, description="output row",
                                     style=_DESCRIPTION))
        self._add("col", W.IntSlider(value=0, min=0, max=0, description="output col",
                                     style=_DESCRIPTION))
        self._add("all_cells", W.Checkbox(value=False, description="dy = 1 for every output cell",
                                          style=_DESCRIPTION, indent=False))
        boxes = self._panels([1, 1, 0.7], bottom=0.06, top=0.86)
        self._axes = [self.figure.add_axes(b) for b in boxes]
        cmap = "gray" if max(self.x.shape) > ANNOTATE_MAX else "cividis"
        self._view_in = GridView(self._axes[0], cmap=cmap)
        self._view_dx = GridView(self._axes[1])
        self._view_out = GridView(self._axes[2], cmap=cmap)
        self._refresh(from_update=True)

    def _prepare(self, params):
        return _strides_none(params, self.controls)

    def _clamp(self, name, n):
        control = self.controls[name]
        control.max = max(n - 1, 0)
        control.value = min(control.value, control.max)

    def _draw(self, mode, pool_size, strides, padding, row, col, all_cells):
        x, (h, w) = self.x, self.x.shape
        problem = fit_problem((h, w), pool_size, strides, padding)
        if problem:
            raise _Impossible(problem)
        out = ref.pool2d(x, mode, pool_size, strides, padding)
        oh, ow = out.shape
        self._clamp("row", oh)
        self._clamp("col", ow)
        row, col = self.controls["row"].value, self.controls["col"].value
        if all_cells:
            dy = np.ones_like(out, dtype=np.float64)
        else:
            dy = np.zeros_like(out, dtype=np.float64)
            dy[row, col] = 1.0
        dx = np.asarray(ref.pool2d_grad(x, dy, mode, pool_size, strides, padding))
        rows_nz, cols_nz = np.nonzero(dx)
        n_receivers = len(rows_nz)
        # listed cell by cell only up to a readable number (dy = 1 everywhere on a photo
        # would make a list of ~100k tuples); dx itself is always in the state
        receivers = [(int(r), int(c), float(x[r, c]), float(dx[r, c]))
                     for r, c in zip(rows_nz[:_MAX_RECEIVERS], cols_nz[:_MAX_RECEIVERS])]
        r_starts, r_stops = window_bounds(h, pool_size, strides, padding)
        c_starts, c_stops = window_bounds(w, pool_size, strides, padding)
        window = None if all_cells else ((r_starts[row], r_stops[row]),
                                         (c_starts[col], c_stops[col]))
        self._view_in.show(x, window=window, highlight=dx != 0,
                           title=f"input {h}x{w}: cells receiving gradient")
        self._view_dx.show(dx, window=window, vmin=0.0 if dx.min() >= 0 else None,
                           title="gradient dL/dx")
        self._view_out.show(out, cell=None if all_cells else ((row, row + 1), (col, col + 1)),
                            title=f"{mode} pool output {oh}x{ow}"
                            + ("" if all_cells else f"\ndy = 1 at ({row}, {col})"))
        value = float(out[row, col])
        if all_cells:
            most = None
            if n_receivers:
                r, c = np.unravel_index(int(np.argmax(dx)), dx.shape)
                most = (int(r), int(c), float(x[r, c]), float(dx[r, c]))
            summary = (f"dy = 1 for all {oh * ow} output cells: {n_receivers} of {h * w} input "
                       f"cells receive gradient")
            if most is not None:
                summary += (f"; the most, {format_number(most[3])}, goes to cell "
                            f"({most[0]}, {most[1]}) (windows overlap there or it wins "
                            f"several)" if most[3] > 1 else "")
        else:
            parts = [f"({r}, {c}) value {format_number(v)} gets {format_number(g)}"
                     for r, c, v, g in receivers[:12]]
            more = f" and {len(receivers) - 12} more" if len(receivers) > 12 else ""
            how = {"max": "only the largest value of the window (the first one on a tie) "
                          "receives it",
                   "min": "only the smallest value of the window receives it",
                   "avg": f"it is shared equally by the {len(receivers)} real cells "
                          f"of the window",
                   "sum": "every real cell of the window receives all of it"}[mode]
            summary = (f"Output cell ({row}, {col}) = {format_number(value)}. Its gradient "
                       f"(dy = 1) goes back to: {'; '.join(parts) or 'no cell'}{more} - {how}.")
        self.text.value = html.escape(summary)
        self.last_output = dx
        return {"dx": dx, "receivers": receivers, "n_receivers": n_receivers,
                "out_index": (row, col), "value": value,
                "output": out, "summary": summary}
