"""The window explorers' shared machinery: an anywidget drawn by the page.

The page (``window.js`` on top of ``pool.js``) draws the input, the windows and
the output as SVG (canvas for large inputs), with native, labelled controls.
It computes the pooling itself, so the explorer stays live on the static book
site with no kernel; in JupyterLab the kernel recomputes every setting with
pooledu and sends the numbers (``result``), and the page redraws from them, so
pooledu stays the source of what is shown. ``tests/test_widgets_parity.py``
holds the page's numbers equal to pooledu's.

Python side: ``update(**params)`` sets controls and recomputes without a
browser; ``.state`` holds the numbers of the last setting.
"""

from __future__ import annotations

import base64
import contextlib
import time
from pathlib import Path

import anywidget
import numpy as np
import traitlets as T

from .. import reference as ref
from .._geometry import normalize_padding, padding_amounts, window_cells
from ._common import _axis_lines, _check_image2d, _shape_text, window_arithmetic, window_problem

HERE = Path(__file__).resolve().parent


def front_end(*names: str) -> str:
    """The text of the front-end files ``names`` (beside this module), joined in order."""
    return "\n".join((HERE / name).read_text(encoding="utf-8") for name in names)


def encode_array(a) -> dict:
    """An array as the page reads it: shape, whether it is float32, and the row-major
    values as little-endian bytes in base64 - float32 arrays as float32 (half the
    bytes to send), everything else as float64. Exact either way, ~10x faster to send
    and parse than a JSON list of numbers, and plain JSON, so saved widget state
    keeps it."""
    a = np.asarray(a)
    float32 = a.dtype == np.float32
    data = np.ascontiguousarray(a, dtype="<f4" if float32 else "<f8").tobytes()
    return {"shape": list(a.shape), "float32": bool(float32),
            "b64": base64.b64encode(data).decode("ascii")}


def decode_array(encoded: dict) -> np.ndarray:
    """The float64 array an :func:`encode_array` dict holds (what the page reads)."""
    dtype = "<f4" if encoded["float32"] else "<f8"
    values = np.frombuffer(base64.b64decode(encoded["b64"]), dtype=dtype)
    return values.astype(np.float64).reshape(encoded["shape"])


def _int_padding(padding) -> int:
    return padding if isinstance(padding, int) else 0


def _kmax(shape):
    # one or two sizes past the input on small grids, so "does not fit" can be seen
    return int(min(max(shape[:2]) + 2, 8))


class HoldsRefresh:
    """Recompute once per change, not once per trait: ``update()`` sets several
    traits inside ``with self._holding():`` and refreshes once at the end; a
    control moved in the page changes one trait and ``_on_change`` refreshes.
    The class sets ``self._hold = False`` and defines ``_refresh()``."""

    @contextlib.contextmanager
    def _holding(self):
        previous, self._hold = self._hold, True
        try:
            yield
        finally:
            self._hold = previous

    def _on_change(self, change):
        if not self._hold:
            self._refresh()


class WindowExplorer(HoldsRefresh, anywidget.AnyWidget):
    """Base of PoolingExplorer, WindowStepper and GradientExplorer (one front end)."""

    _esm = front_end("dom.js", "pool.js", "window.js")
    _css = front_end("window.css")

    kind = T.Unicode("explorer").tag(sync=True)
    x = T.Dict().tag(sync=True)
    modes = T.List(T.Unicode()).tag(sync=True)
    kmax = T.Int(4).tag(sync=True)
    mode = T.Unicode("max").tag(sync=True)
    pool_size = T.Int(2).tag(sync=True)
    strides = T.Int(2).tag(sync=True)
    #: "valid" / "same" (TensorFlow) or an int: cells on each side (PyTorch)
    padding = T.Union([T.Unicode(), T.Int()], default_value="valid").tag(sync=True)
    dilation = T.Int(1).tag(sync=True)
    ceil_mode = T.Bool(False).tag(sync=True)
    count_include_pad = T.Bool(False).tag(sync=True)
    #: the page offers PyTorch's options (padding 0, 1, ..., dilation, ceil_mode,
    #: count_include_pad); False for the gradient explorer
    torch_options = T.Bool(True).tag(sync=True)
    dmax = T.Int(3).tag(sync=True)
    step = T.Int(0).tag(sync=True)
    all_cells = T.Bool(False).tag(sync=True)
    interval = T.Int(900).tag(sync=True)
    #: pooledu's numbers for the current setting (the page draws from them when present)
    result = T.Dict().tag(sync=True)

    _params = ("mode", "pool_size", "strides", "padding", "dilation", "ceil_mode",
               "count_include_pad", "step")
    _torch = True
    _allow_rgb = False

    def __init__(self, x, modes, mode, pool_size, strides, padding, kind, **torch):
        x = _check_image2d(x, allow_rgb=self._allow_rgb)
        super().__init__(kind=kind, x=encode_array(x), modes=list(modes),
                         kmax=max(_kmax(x.shape), int(pool_size)),
                         torch_options=self._torch)
        self.array = x
        self.state: dict = {"ok": False, "message": "", "params": {}}
        self.last_output = None
        self.timings: list[float] = []
        self._hold = False
        self.observe(self._on_change, names=list(self._params))
        self.update(mode=mode, pool_size=pool_size, strides=strides, padding=padding,
                    **torch)

    # -- the API notebooks and tests use -----------------------------------------------
    @property
    def widget(self):
        """The widget to display: the explorer itself (kept for older notebooks)."""
        return self

    @property
    def controls(self) -> dict:
        """Every control by ``update()`` name, with the values it offers now."""
        paddings = ["valid", "same"]
        if self._torch:
            paddings += list(range(max(self.kmax // 2, _int_padding(self.padding)) + 1))
        shown = {"mode": list(self.modes), "pool_size": list(range(1, self.kmax + 1)),
                 "strides": list(range(1, self.kmax + 1)), "padding": paddings,
                 "dilation": list(range(1, self.dmax + 1)), "ceil_mode": [False, True],
                 "count_include_pad": [False, True],
                 "step": list(range(self.state.get("n_windows", 1)))}
        return {name: shown[name] for name in self._params if name in shown}

    @property
    def params(self) -> dict:
        """The current control values, by ``update()`` parameter name."""
        return {name: getattr(self, name) for name in self._params}

    def update(self, **params) -> None:
        """Set controls (by name, see ``.controls``) and recompute; the numbers land in ``.state``.

        ``strides=None`` means "equal to the pool size". An impossible combination
        (a window that does not fit, padding over half the window, ``ceil_mode``
        with "valid", ...) is not an error: ``state["ok"]`` is False and
        ``state["message"]`` says why (the page shows the same message). A value no
        control can take (``padding="full"``, ``dilation=0``) raises ValueError or
        TypeError. ``count_include_pad`` only acts with ``mode="avg"``.
        """
        allowed = sorted(self._params)
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise TypeError(f"{type(self).__name__}.update() got unknown parameter(s) {unknown}; "
                            f"allowed: {allowed}")
        if "strides" in params and params["strides"] is None:
            params["strides"] = params.get("pool_size", self.pool_size)
        checked = {name: self._check(name, value) for name, value in params.items()}
        with self._holding():
            for name, value in checked.items():
                if name in ("pool_size", "strides"):
                    self.kmax = max(self.kmax, value)
                if name == "dilation":
                    self.dmax = max(self.dmax, value)
                setattr(self, name, value)
        self._refresh()

    def _check(self, name, value):
        if name == "mode":
            if value not in self.modes:
                raise ValueError(f"mode must be one of {list(self.modes)}; got {value!r}")
            return value
        if name == "padding":
            return self._check_padding(value)
        if name in ("all_cells", "ceil_mode", "count_include_pad"):
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False; got {value!r}")
            return bool(value)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer; got {value!r}")
        low = 0 if name in ("step", "row", "col") else 1
        if value < low:
            raise ValueError(f"{name} must be at least {low}; got {value}")
        return int(value)

    def _check_padding(self, value):
        allowed = ("'valid', 'same' or an int >= 0 (cells on each side, PyTorch)"
                   if self._torch else "'valid' or 'same'")
        if isinstance(value, str):
            try:
                return normalize_padding(value)
            except ValueError:
                pass
        elif self._torch and isinstance(value, (int, np.integer)) \
                and not isinstance(value, (bool, np.bool_)) and value >= 0:
            return int(value)
        raise ValueError(f"padding must be {allowed}; got {value!r}")

    # -- recomputing ----------------------------------------------------------------------

    def _refresh(self):
        start = time.perf_counter()
        params = self.params
        with self._holding(), self.hold_sync():   # one message to the page per change
            state = self._compute(**params)
            self.state = {"params": self.params, **state}
            self.result = self._result(state)
        self.last_output = self._last_output(state) if state["ok"] else None
        self.timings.append(time.perf_counter() - start)

    def _key(self):
        return [self.mode, self.pool_size, self.strides, self.padding, self.dilation,
                self.ceil_mode, self.count_include_pad]

    def _result(self, state) -> dict:
        result = {"key": self._key(), "ok": state["ok"], "message": state["message"]}
        if state["ok"]:
            result["output"] = encode_array(state["output"])
        return result

    def _last_output(self, state):
        return state["output"]

    def _compute(self, mode, pool_size, strides, padding, step, dilation=1, ceil_mode=False,
                 count_include_pad=False, **extra) -> dict:
        x = self.array
        (h, w), k, s, d = x.shape[:2], pool_size, strides, dilation
        cip = count_include_pad and mode == "avg"   # PyTorch's option of AvgPool2d only
        torch = {"dilation": d, "ceil_mode": ceil_mode}
        problem = window_problem((h, w), k, s, padding, **torch, mode=mode,
                                 count_include_pad=cip)
        if problem:
            self.step = 0
            return {"ok": False, "message": problem}
        try:
            out = ref.pool2d(x, mode, k, s, padding, **torch, count_include_pad=cip)
        except ValueError as error:     # a rule window_problem does not know: no traceback
            self.step = 0
            return {"ok": False, "message": str(error)}
        oh, ow = out.shape[:2]
        self.step = min(step, oh * ow - 1)
        oi, oj = divmod(self.step, ow)
        (pt, pb), (pl, pr) = (padding_amounts(h, k, s, padding, **torch),
                              padding_amounts(w, k, s, padding, **torch))
        rows = window_cells(h, k, s, padding, **torch)[oi]
        cols = window_cells(w, k, s, padding, **torch)[oj]
        real_rows = [r for r in rows if 0 <= r < h]
        real_cols = [c for c in cols if 0 <= c < w]
        real = x[np.ix_(real_rows, real_cols)]
        state = {"ok": True, "output": out, "output_shape": out.shape,
                 "formula": _axis_lines((h, w), k, s, padding, d, ceil_mode),
                 "message": (f"The stride ({s}) is larger than the window ({k}): some input "
                             f"cells are never looked at.") if s > k else "",
                 "step": self.step, "n_windows": oh * ow, "out_index": (oi, oj),
                 "rows": (rows[0], rows[-1] + 1), "cols": (cols[0], cols[-1] + 1),
                 "taps": (rows, cols), "padding_amounts": ((pt, pb), (pl, pr)),
                 "padded": k * k - real.shape[0] * real.shape[1]}
        if x.ndim == 2:
            cells = [x[r, c] if 0 <= r < h and 0 <= c < w else None
                     for r in rows for c in cols]
            count = None
            if cip:     # padded cells count in the divisor, the ceil-mode overhang never
                count = (sum(-pt <= r < h + pb for r in rows)
                         * sum(-pl <= c < w + pr for c in cols))
            value = float(out[oi, oj])
            state.update(values=real.ravel().tolist(), value=value,
                         arithmetic=window_arithmetic(cells, mode, value, count)[0])
        return state

    # -- display --------------------------------------------------------------------------
    def __repr__(self):
        shape = _shape_text(self.array.shape)
        torch = "".join(f"{name}={getattr(self, name)!r}, " for name, default in
                        (("dilation", 1), ("ceil_mode", False), ("count_include_pad", False))
                        if name in self._params and getattr(self, name) != default)
        return (f"{type(self).__name__}(x: {shape}, mode={self.mode!r}, "
                f"pool_size={self.pool_size}, strides={self.strides}, "
                f"padding={self.padding!r}, {torch}step={self.step})")

