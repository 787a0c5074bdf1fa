"""GradientExplorer: where the gradient of one output cell goes back to."""

from __future__ import annotations

import numpy as np

from .. import data
from .. import reference as ref
from .._geometry import output_size
from ..viz import format_number
from ._window import WindowExplorer, encode_array

__all__ = ["GradientExplorer"]

_MAX_RECEIVERS = 1024
_HOW = {"max": "only the largest value of the window (the first one on a tie) receives it",
        "min": "only the smallest value of the window receives it",
        "avg": "it is shared equally by the {n} real cells of the window",
        "sum": "every real cell of the window receives all of it"}


class GradientExplorer(WindowExplorer):
    """Where the gradient of one output cell goes back to, for max and average pooling.

    The explorer calls :func:`pooledu.reference.pool2d_grad` with a one-hot
    ``dy`` (1 at the chosen output cell, 0 elsewhere), or with ``dy = 1``
    everywhere when ``all_cells`` is on (overlapping windows then add up).
    Drawn by the page: click or hover an output cell to choose it; arrows draw
    the routes of the gradient from the output cell back to the input cells
    that receive it. Live on the static book site too.

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        Default: the article's 4x4 matrix.
    mode : {"max", "avg", "min", "sum"}, default "max"
    pool_size : int, default 2
    strides : int or None, default None (= pool_size)
    padding : {"valid", "same"}, default "valid"
        TensorFlow's paddings only: :func:`pooledu.reference.pool2d_grad` has no
        PyTorch options, so this explorer offers no int padding, dilation or
        ceil_mode (PoolingExplorer and WindowStepper do).

    Controls / ``update()`` parameters: ``mode``, ``pool_size``, ``strides``,
    ``padding``, ``row``, ``col`` (the output cell; or ``step``, its row-major
    number), ``all_cells`` (bool).

    ``state``: ``dx`` (input gradient, shape of ``x``), ``receivers`` (list of
    ``(row, col, input value, gradient)`` for the cells with non-zero gradient,
    row-major, at most 1024), ``n_receivers`` (how many there are),
    ``out_index``, ``value`` (the output cell), ``output`` and ``summary``.
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

    _params = ("mode", "pool_size", "strides", "padding", "step", "all_cells")
    #: pool2d_grad takes TensorFlow's paddings only: no PyTorch options here
    _torch = False

    def __init__(self, x=None, mode="max", pool_size=2, strides=None, padding="valid"):
        x = data.article_matrix() if x is None else x
        super().__init__(x, ref.GRAD_MODES, mode, pool_size, strides, padding, "gradient")

    @property
    def controls(self) -> dict:
        controls = super().controls
        oh, ow = self.state.get("output_shape", (1, 1))[:2]
        controls.update(row=list(range(oh)), col=list(range(ow)), all_cells=[False, True])
        return controls

    def update(self, **params) -> None:
        """As :meth:`WindowExplorer.update`, plus ``row`` / ``col`` for the output cell."""
        row, col = params.pop("row", None), params.pop("col", None)
        if row is not None or col is not None:
            k = params.get("pool_size", self.pool_size)
            s = params.get("strides", self.strides)
            s = k if s is None else s
            padding = params.get("padding", self.padding)
            h, w = self.array.shape
            try:
                oh, ow = (output_size(h, k, s, padding),
                          output_size(w, k, s, padding))
            except ValueError:
                oh = ow = 1
            r = self._check("row", self.state.get("out_index", (0, 0))[0] if row is None else row)
            c = self._check("col", self.state.get("out_index", (0, 0))[1] if col is None else col)
            params["step"] = min(r, oh - 1) * ow + min(c, ow - 1)
        super().update(**params)

    def _key(self):
        return [*super()._key(), self.step, self.all_cells]

    def _result(self, state):
        result = super()._result(state)
        if state["ok"]:
            result["dx"] = encode_array(state["dx"])
        return result

    def _last_output(self, state):
        return state["dx"]

    def _compute(self, mode, pool_size, strides, padding, step, all_cells=False) -> dict:
        state = super()._compute(mode, pool_size, strides, padding, step)
        if not state["ok"]:
            return state
        x, out = self.array, state["output"]
        (h, w), (oh, ow) = x.shape, out.shape
        row, col = state["out_index"]
        dy = np.ones_like(out, dtype=np.float64)
        if not all_cells:
            dy[:] = 0.0
            dy[row, col] = 1.0
        dx = np.asarray(ref.pool2d_grad(x, dy, mode, pool_size, strides, padding))
        rows_nz, cols_nz = np.nonzero(dx)
        n_receivers = len(rows_nz)
        # listed cell by cell only up to a readable number (dy = 1 everywhere on a photo
        # would make a list of ~100k tuples); dx itself is always in the state
        receivers = [(int(r), int(c), float(x[r, c]), float(dx[r, c]))
                     for r, c in zip(rows_nz[:_MAX_RECEIVERS], cols_nz[:_MAX_RECEIVERS])]
        value = float(out[row, col])
        if all_cells:
            summary = (f"dy = 1 for all {oh * ow} output cells: {n_receivers} of {h * w} input "
                       f"cells receive gradient")
            if n_receivers:
                r, c = np.unravel_index(int(np.argmax(dx)), dx.shape)
                if dx[r, c] > 1:
                    summary += (f"; the most, {format_number(dx[r, c])}, goes to cell "
                                f"({r}, {c}) (windows overlap there or it wins several)")
        else:
            parts = [f"({r}, {c}) value {format_number(v)} gets {format_number(g)}"
                     for r, c, v, g in receivers[:12]]
            more = f" and {len(receivers) - 12} more" if len(receivers) > 12 else ""
            summary = (f"Output cell ({row}, {col}) = {format_number(value)}. Its gradient "
                       f"(dy = 1) goes back to: {'; '.join(parts) or 'no cell'}{more} - "
                       f"{_HOW[mode].format(n=len(receivers))}.")
        state.update(dx=dx, receivers=receivers, n_receivers=n_receivers, value=value,
                     summary=summary, all_cells=all_cells)
        return state
