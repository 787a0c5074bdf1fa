"""WindowStepper: one window at a time, with the arithmetic of the current mode."""

from __future__ import annotations

from .. import data
from ._window import WindowExplorer

__all__ = ["WindowStepper"]

STEPPER_MODES = ("max", "avg", "min", "sum")


class WindowStepper(WindowExplorer):
    """Step (or play) window by window and see the arithmetic of the current mode.

    Drawn by the page: the output fills in window by window; the Play button,
    the previous / next buttons and the window slider move the step; hovering
    or clicking an output cell jumps to its window.

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        Default: the article's 4x4 matrix. Meant for small grids.
    mode : {"max", "avg", "min", "sum"}, default "max"
    pool_size : int, default 2
    strides : int or None, default None (= pool_size)
    padding : {"valid", "same"}, default "valid"

    Controls / ``update()`` parameters: ``mode``, ``pool_size``, ``strides``,
    ``padding``, ``step`` (window number, row-major from 0).

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

    def __init__(self, x=None, mode="max", pool_size=2, strides=None, padding="valid"):
        x = data.article_matrix() if x is None else x
        if mode not in STEPPER_MODES:
            raise ValueError(f"mode must be one of {STEPPER_MODES}; got {mode!r}")
        super().__init__(x, STEPPER_MODES, mode, pool_size, strides, padding, "stepper")

    def _last_output(self, state):
        return state["value"]
