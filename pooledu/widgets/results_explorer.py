"""ResultsExplorer: notebook 07's experiment at one shift of the test digits.

Drawn by the page (``results.js``) from **precomputed states**: the summary of
the experiment is small (9 variants x 9 shifts), so the widget state carries
every variant's mean accuracy at every shift as exact floats, the labels
pooledu formats (``0.534``), the best variant at each shift and, when the
summary has them, the 95% intervals over seeds. The page only picks the column
of the shift its control names: the explorer is live on the static book site
with no kernel, and every number it shows is pooledu's.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Sequence

import anywidget
import numpy as np
import traitlets as T

from ..viz import HIGHLIGHT, LINE_COLORS, MISSING
from ._window import HoldsRefresh, front_end

__all__ = ["ResultsExplorer", "accuracy_label", "results_text", "shift_title"]


def accuracy_label(value: float) -> str:
    """How an accuracy is written (three decimals, as the notebook's tables).

    >>> accuracy_label(0.53452)
    '0.535'
    """
    return f"{value:.3f}"


def results_text(shift: int, labels: dict, best: str) -> str:
    """The sentence under the control (the page writes the same one from ``labels``).

    >>> results_text(-2, {"max": "0.534", "avg": "0.489"}, "max")
    'Shift -2: best <b>max</b> (0.534); max 0.534, avg 0.489'
    """
    def esc(s):
        return html.escape(str(s), quote=False)
    return (f"Shift {shift}: best <b>{esc(best)}</b> ({labels[best]}); "
            + ", ".join(f"{esc(v)} {label}" for v, label in labels.items()))


def shift_title(shift: int) -> str:
    """The chart's title: where the test digits are (the page writes the same one).

    >>> shift_title(-1), shift_title(3), shift_title(0)
    ('test digits moved 1 pixel left', 'test digits moved 3 pixels right', 'test digits centred')
    """
    if shift == 0:
        return "test digits centred"
    side = "right" if shift > 0 else "left"
    return f"test digits moved {abs(shift)} pixel{'s' if abs(shift) != 1 else ''} {side}"


def _finite_or_none(value):
    value = float(value)
    return value if math.isfinite(value) else None


class ResultsExplorer(HoldsRefresh, anywidget.AnyWidget):
    """An explorer over the experiment's results: pick a shift, see every variant's accuracy.

    Parameters
    ----------
    summary : list of dict
        From :func:`pooledu.experiment.summarize`: uses ``variant``,
        ``shift_curve`` (mean test accuracy at shifts -4..4) and, when every row
        has it, ``shift_curve_ci`` (half-widths of the 95% t-intervals over
        seeds, drawn as whiskers) and ``seeds``.

    Controls / ``update()`` parameters: ``shift`` (pixels the test digits move
    right, -4 .. 4; negative: left).

    ``state``: ``shift``, ``accuracy`` (variant -> mean test accuracy at that
    shift), ``labels`` (the same, as written), ``best``, ``interval`` (variant ->
    half-width, or None without intervals), ``text``. ``last_output`` is
    ``state["accuracy"]``.

    Examples
    --------
    >>> rows = [{"variant": "max", "shift_curve": [0.2, 0.9, 0.98, 0.9, 0.3]},
    ...         {"variant": "avg", "shift_curve": [0.1, 0.8, 0.96, 0.9, 0.2]}]
    >>> explorer = ResultsExplorer(rows)
    >>> explorer.update(shift=1)
    >>> explorer.state["text"]
    'Shift 1: best <b>max</b> (0.900); max 0.900, avg 0.900'
    """

    _esm = front_end("dom.js", "results.js")
    _css = front_end("window.css", "results.css")

    shift = T.Int(0).tag(sync=True)
    #: the shifts the control offers, in order (-4 .. 4)
    shifts = T.List(T.Int()).tag(sync=True)
    variants = T.List(T.Unicode()).tag(sync=True)
    #: per variant (in ``variants`` order), the mean accuracy at each shift (exact floats)
    curves = T.List(T.List(T.Float())).tag(sync=True)
    #: the same, written as pooledu writes them ("0.534")
    labels = T.List(T.List(T.Unicode())).tag(sync=True)
    #: per variant, the half-width of the 95% interval at each shift (None: unknown);
    #: empty when the summary carries no intervals
    intervals = T.List(T.List(T.Any())).tag(sync=True)
    #: the same, written ("0.051")
    interval_labels = T.List(T.List(T.Unicode())).tag(sync=True)
    #: the best variant at each shift (its index in ``variants``)
    best = T.List(T.Int()).tag(sync=True)
    seeds = T.Int(0).tag(sync=True)
    colors = T.Dict().tag(sync=True)

    def __init__(self, summary: Sequence[dict]):
        rows = list(summary)
        if not rows:
            raise ValueError("summary is empty: run the experiment first")
        for i, row in enumerate(rows):
            missing = [key for key in ("variant", "shift_curve") if key not in row]
            if missing:
                raise ValueError(f"summary[{i}] must have keys 'variant' and 'shift_curve' "
                                 f"(from experiment.summarize); missing {missing}")
        n = len(rows[0]["shift_curve"])
        lengths = {len(row["shift_curve"]) for row in rows}
        if lengths != {n} or n % 2 == 0:
            raise ValueError(f"every shift_curve must have the same odd length (shifts -k..k); "
                             f"got lengths {sorted(lengths)}")
        half = n // 2
        curves = [[float(a) for a in row["shift_curve"]] for row in rows]
        with_ci = all(len(row.get("shift_curve_ci", ())) == n for row in rows)
        intervals = ([[_finite_or_none(h) for h in row["shift_curve_ci"]] for row in rows]
                     if with_ci else [])
        variants = [str(row["variant"]) for row in rows]
        best = [max(range(len(rows)), key=lambda j, i=i: curves[j][i]) for i in range(n)]
        seeds = {row.get("seeds", 0) for row in rows}
        super().__init__(
            shifts=list(range(-half, half + 1)), variants=variants, curves=curves,
            labels=[[accuracy_label(a) for a in c] for c in curves],
            intervals=intervals,
            interval_labels=[["" if h is None else accuracy_label(h) for h in c]
                             for c in intervals],
            best=best, seeds=int(seeds.pop()) if len(seeds) == 1 else 0,
            colors={"bar": LINE_COLORS[0], "best": HIGHLIGHT, "reference": MISSING})
        self.summary = rows
        self.state: dict = {"ok": False, "message": "", "params": {}}
        self.last_output = None
        self.timings: list[float] = []
        self._hold = False
        self.observe(self._on_change, names=["shift"])
        self._refresh()

    @T.validate("shift")
    def _valid_shift(self, proposal):
        value = proposal["value"]
        if self.shifts and value not in self.shifts:
            raise T.TraitError(f"shift must be between {self.shifts[0]} and "
                               f"{self.shifts[-1]}; got {value}")
        return value

    # -- the API notebooks and tests use -----------------------------------------------
    @property
    def widget(self):
        """The widget to display: the explorer itself (kept for older notebooks)."""
        return self

    @property
    def controls(self) -> dict:
        """Every control by ``update()`` name, with the values it offers."""
        return {"shift": list(self.shifts)}

    @property
    def params(self) -> dict:
        """The current control values, by ``update()`` parameter name."""
        return {"shift": self.shift}

    def update(self, **params) -> None:
        """Set the shift (``update(shift=-2)``); the numbers land in ``.state``."""
        unknown = sorted(set(params) - {"shift"})
        if unknown:
            raise TypeError(f"ResultsExplorer.update() got unknown parameter(s) {unknown}; "
                            f"allowed: ['shift']")
        if "shift" in params:
            value = params["shift"]
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"shift must be an integer; got {value!r}")
            if value not in self.shifts:
                raise ValueError(f"shift must be between {self.shifts[0]} and "
                                 f"{self.shifts[-1]}; got {value}")
            with self._holding():
                self.shift = int(value)
        self._refresh()

    # -- the numbers of one shift ---------------------------------------------------------
    def _refresh(self):
        start = time.perf_counter()
        i = self.shifts.index(self.shift)
        accuracy = {v: c[i] for v, c in zip(self.variants, self.curves)}
        labels = {v: lab[i] for v, lab in zip(self.variants, self.labels)}
        best = self.variants[self.best[i]]
        interval = ({v: c[i] for v, c in zip(self.variants, self.intervals)}
                    if self.intervals else None)
        self.state = {"ok": True, "message": "", "params": self.params, "shift": self.shift,
                      "accuracy": accuracy, "labels": labels, "best": best,
                      "interval": interval, "title": shift_title(self.shift),
                      "text": results_text(self.shift, labels, best)}
        self.last_output = accuracy
        self.timings.append(time.perf_counter() - start)

    def __repr__(self):
        return f"ResultsExplorer({len(self.variants)} variants, shift={self.shift})"
