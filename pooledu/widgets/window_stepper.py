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
    padding : {"valid", "same"} or int, default "valid"
        TensorFlow's strings, or PyTorch's explicit padding: an int ``p`` of cells
        on each side (``p <= pool_size // 2``; notebook 01 section 5).
    dilation : int, default 1
        Gap between a window's taps (PyTorch's ``dilation``; not with "same").
    ceil_mode : bool, default False
        PyTorch's ceil mode (needs an int padding): round the output size up.
    count_include_pad : bool, default False
        ``mode="avg"`` with an int padding: padded cells count in the divisor
        (PyTorch's default is True; TensorFlow's rule, the default here, is False).

    Controls / ``update()`` parameters: ``mode``, ``pool_size``, ``strides``,
    ``padding``, ``dilation``, ``ceil_mode``, ``count_include_pad``, ``step``
    (window number, row-major from 0).

    ``state``: ``step``, ``n_windows``, ``out_index`` (row, col of the output
    cell), ``rows`` / ``cols`` (window extent in input coordinates, stop
    exclusive, may reach into padding), ``taps`` (the rows and the columns the
    window reads, ``dilation`` apart), ``values`` (real values under the
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

    def __init__(self, x=None, mode="max", pool_size=2, strides=None, padding="valid", *,
                 dilation=1, ceil_mode=False, count_include_pad=False):
        x = data.article_matrix() if x is None else x
        if mode not in STEPPER_MODES:
            raise ValueError(f"mode must be one of {STEPPER_MODES}; got {mode!r}")
        super().__init__(x, STEPPER_MODES, mode, pool_size, strides, padding, "stepper",
                         dilation=dilation, ceil_mode=ceil_mode,
                         count_include_pad=count_include_pad)

    def _last_output(self, state):
        return state["value"]
