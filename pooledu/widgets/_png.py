"""The matplotlib base of the explorers that still draw a PNG in the kernel (shift, zoo).

See :mod:`pooledu.widgets` for the API every explorer shares.
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

from .._geometry import normalize_padding
from ..viz import DPI, style_context
from ._common import _Impossible

_ERROR_STYLE = ("color:#7a2e00;background:#fff3e0;border-left:4px solid #D55E00;"
                "padding:4px 8px;margin:2px 0")
_NOTE_STYLE = "color:#333;padding:2px 8px;margin:2px 0"
_DESCRIPTION = {"description_width": "initial"}


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

