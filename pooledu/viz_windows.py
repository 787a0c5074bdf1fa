"""Where the windows of a pooling sit along one axis: the picture behind the formula.

:func:`plot_window_axis` draws one axis of ``n`` cells with its padding, and
below it every window as a row of dots at the cells it reads (its *taps*), so
that the output-size formula can be read off the picture (notebook 01, "the same
window in PyTorch"):

* the padded axis has ``n + 2p`` cells;
* a window of ``k`` taps ``d`` apart spans ``d(k-1) + 1`` of them;
* window ``i`` starts at ``i*s`` and fits while ``i*s + d(k-1) + 1 <= n + 2p``,
  so there are ``floor((n + 2p - d(k-1) - 1) / s) + 1`` windows.

The geometry comes from :mod:`pooledu._geometry` (``window_cells``,
``padding_amounts``), the look from :mod:`pooledu.viz` (its colours and
:func:`pooledu.viz.style_context`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ._geometry import output_size, padding_amounts, window_cells
from .viz import HIGHLIGHT, MISSING, OKABE_ITO, style_context

__all__ = ["plot_window_axis"]

_DPI = 100


def plot_window_axis(n, pool_size, strides=None, padding=0, *, dilation=1, ceil_mode=False,
                     values=None, title=None, ax=None):
    """Draw one axis, its padding and every window's taps, with the size formula.

    Parameters
    ----------
    n : int
        Input cells along the axis.
    pool_size, strides, padding, dilation, ceil_mode
        As :func:`pooledu.output_size`; ``padding`` may be ``"valid"``, ``"same"``
        or an int (PyTorch).
    values : sequence of n numbers, optional
        Printed in the input cells (default: the cell indices 0..n-1).
    title : str, optional
        Default: the formula with the numbers filled in.
    ax : matplotlib.axes.Axes, optional
        Where to draw; ``None`` makes a new figure (about 6.5 inches wide).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_window_axis(5, 3, 2, 1, dilation=2)
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    out = output_size(n, pool_size, strides, padding, dilation=dilation, ceil_mode=ceil_mode)
    before, after = padding_amounts(n, pool_size, strides, padding, dilation=dilation,
                                    ceil_mode=ceil_mode)
    windows = window_cells(n, pool_size, strides, padding, dilation=dilation,
                           ceil_mode=ceil_mode)
    k, d = int(pool_size), int(dilation)
    s = k if strides is None else int(strides)
    lo = -before
    hi = max(n + after, max(w[-1] for w in windows) + 1)
    if ax is None:
        import matplotlib.pyplot as plt
        with style_context():
            fig = plt.figure(figsize=(7.0, 1.5 + 0.45 * out), dpi=_DPI, layout="constrained")
            fig.get_layout_engine().set(h_pad=0.12)   # room above the title's brackets
            ax = fig.add_subplot()
    with style_context():
        _draw(ax, n, lo, hi, before, after, windows, values)
        if title is None:
            title = _formula(n, k, s, padding, d, ceil_mode, before, out)
        ax.set_title(title, fontsize=10)
    return ax.figure


def _formula(n, k, s, padding, d, ceil_mode, before, out):
    if isinstance(padding, str):
        return (f"padding={padding!r}: {out} windows of {k} taps, "
                f"{before} padded cell(s) before")
    p = int(padding)
    rounding = "⌈" if ceil_mode else "⌊"
    closing = "⌉" if ceil_mode else "⌋"
    raw = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    text = (f"n={n}, k={k}, s={s}, p={p}, d={d}{', ceil_mode' if ceil_mode else ''}:  "
            f"out = {rounding}({n} + {2 * p} − {d * (k - 1)} − 1) / {s}{closing} + 1 = {raw}")
    if raw != out:   # ceil mode's rule: a window starting past the input is dropped
        text += f"\nminus window {raw - 1}, which would start at {(raw - 1) * s - p} >= n: {out}"
    return text


def _draw(ax, n, lo, hi, before, after, windows, values):
    pad_color, tap_color = MISSING, HIGHLIGHT
    for c in range(lo, hi):
        real = 0 <= c < n
        padded = -before <= c < 0 or n <= c < n + after
        face = "white" if real else pad_color if padded else "none"
        ax.add_patch(Rectangle((c - 0.45, -0.45), 0.9, 0.9, facecolor=face,
                               edgecolor="black" if (real or padded) else "0.5",
                               linestyle="-" if (real or padded) else "--", linewidth=1))
        label = (str(values[c]) if values is not None else str(c)) if real else \
            "pad" if padded else "—"
        ax.text(c, 0, label, ha="center", va="center", fontsize=9,
                color="black" if real else "0.3")
    for i, cells in enumerate(windows):
        y = -(i + 1.2)
        ax.plot([cells[0], cells[-1]], [y, y], color="0.6", linewidth=1.2, zorder=1)
        for c in cells:
            real = 0 <= c < n
            ax.plot(c, y, "o", markersize=8, zorder=2,
                    markerfacecolor=tap_color if real else "white",
                    markeredgecolor=tap_color if real else "0.4")
        ax.text(lo - 0.8, y, f"window {i}", ha="right", va="center", fontsize=9)
        note = f"starts at {cells[0]}"
        if i == 0:
            note += f", spans d(k−1)+1 = {cells[-1] - cells[0] + 1}"
        ax.text(hi + 0.1, y, note, ha="left", va="center", fontsize=9, color="0.25")
    # the padded length, above the cells
    ax.annotate("", xy=(-before - 0.45, 0.75), xytext=(n + after - 0.55, 0.75),
                arrowprops={"arrowstyle": "<->", "color": OKABE_ITO["blue"]})
    ax.text(-before - 0.6, 0.75, f"n + 2p = {n + before + after} cells  ", ha="right",
            va="center", fontsize=9, color=OKABE_ITO["blue"])
    ax.set_xlim(lo - 3.2, hi + 6.0)
    ax.set_ylim(-(len(windows) + 1.0), 1.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.plot([], [], "o", markerfacecolor=tap_color, markeredgecolor=tap_color,
            label="tap on an input cell")
    ax.plot([], [], "o", markerfacecolor="white", markeredgecolor="0.4",
            label="tap on padding / overhang")
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 1.02), fontsize=8, ncols=1)
    return np.asarray(windows)
