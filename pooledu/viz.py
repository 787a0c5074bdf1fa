"""Figures for the course: annotated grids, input/output pairs, feature maps, curves.

One look everywhere, chosen to be colour-blind safe: the ``cividis`` colour
map for values (perceptually uniform, readable with any colour vision and in
greyscale), the Okabe-Ito palette for lines (plus markers, so curves differ
without colour), and a vermillion outline for "the window".

The look is applied through a context (:func:`style_context`) around each
figure this module makes, so importing ``pooledu.viz`` changes no global
matplotlib state, and a learner's own plots keep their own style.

Every ``plot_*`` function returns the :class:`~matplotlib.figure.Figure` it
drew on and closes nothing. Figures are sized to be read at 100% zoom in
JupyterLab and in the book: at least ``MIN_WIDTH`` (4.9 inches, 490 CSS
pixels at ``FIGURE_DPI``) and at most ``MAX_WIDTH`` wide (the book's text
column), panels of at least 200 CSS pixels (or, for grids with printed
values, cells that fit the values), no text under 9 pt, integer ticks for
integer quantities, legends beside the data instead of over it. In a
JupyterLab or Jupyter kernel with the inline backend, the first figure drawn
here switches the backend to pixel-doubled ("retina") PNGs, so figures are
crisp on HiDPI screens; a format the learner chose is kept. In a notebook,
assign the result (``fig = plot_pooling(...)``): a bare call would show the
figure twice, once as the cell's value and once by the inline backend.

:class:`GridView` is the fast redrawable grid that the explorers in
:mod:`pooledu.widgets` reuse; :func:`plot_grid` is its one-shot form.
"""

from __future__ import annotations

import contextlib
import math
import sys
import textwrap
import warnings
from collections.abc import Callable, Mapping, Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.patches import Rectangle

__all__ = [
    "CMAP",
    "FIGURE_DPI",
    "HIGHLIGHT",
    "LINE_COLORS",
    "OKABE_ITO",
    "STYLE",
    "GridView",
    "format_number",
    "plot_bars",
    "plot_curves",
    "plot_feature_maps",
    "plot_grid",
    "plot_pooling",
    "style_context",
]

#: Okabe & Ito (2008), "Color Universal Design": eight colours distinguishable
#: with every common form of colour-vision deficiency.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
#: Line colours in the order curves use them (yellow last: weak on white).
LINE_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
               "#000000", "#F0E442"]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
_LINESTYLES = ["-", "--", "-.", ":"]

#: Colour map for values: cividis is perceptually uniform and colour-blind safe.
CMAP = "cividis"
#: Outline of the pooling window / the selected cell.
HIGHLIGHT = OKABE_ITO["vermillion"]
#: Second highlight (cells that receive gradient, a chosen output cell).
HIGHLIGHT_2 = OKABE_ITO["sky blue"]
#: Shade of cells with no value (padding, not yet computed).
MISSING = "#d9d9d9"
#: CSS pixels per inch of the figures made here. The inline backend stores them
#: pixel-doubled (200 pixels per inch) with their CSS size in the output's metadata.
FIGURE_DPI = 100
#: Smallest and largest width of a figure made here, in inches (490 and 700 CSS
#: pixels): wide enough to read, narrow enough for the book's text column.
MIN_WIDTH = 4.9
MAX_WIDTH = 7.0
#: Smallest side of a picture panel (photo, feature map, curve plot), in inches.
MIN_PANEL = 2.1
#: Smallest font, in points, of any text in a figure made here.
MIN_FONT = 9
#: Largest grid (per side) whose values are printed in the cells.
ANNOTATE_MAX = 16

#: The course's matplotlib settings, applied only inside :func:`style_context`.
STYLE = {
    "figure.dpi": FIGURE_DPI,
    "savefig.dpi": FIGURE_DPI,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "figure.titlesize": 11,
    "xtick.labelsize": MIN_FONT,
    "ytick.labelsize": MIN_FONT,
    "legend.fontsize": MIN_FONT,
    "legend.frameon": False,
    "axes.prop_cycle": mpl.cycler(color=LINE_COLORS),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "image.cmap": CMAP,
    "image.interpolation": "nearest",
    "lines.linewidth": 1.8,
    "lines.markersize": 5,
}


def style_context():
    """The course look, as a context manager (changes rcParams only inside it).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with style_context():
    ...     fig, ax = plt.subplots(figsize=(3, 2))
    >>> plt.close(fig)
    """
    return _style_context()


@contextlib.contextmanager
def _style_context():
    with mpl.rc_context(STYLE):
        try:
            yield
        finally:
            # rc_context restores every rcParam on exit, "interactive" included. If
            # the first figure of a session is made inside it, ipykernel's inline
            # backend is activated there and switches interactive mode on; undoing
            # that would stop every later figure from showing. Keep the backend's choice.
            interactive = mpl.rcParams["interactive"]
    mpl.interactive(interactive)
    _use_hidpi_inline()


_HIDPI = {"done": False}


def _use_hidpi_inline():
    """Make the inline backend store pixel-doubled PNGs (crisp on HiDPI screens).

    Runs when a figure has been made here, never at import, and only once per
    session: in an IPython kernel whose matplotlib backend is the inline one and
    whose figure format is still the default ``{"png"}`` (a format the learner
    chose, e.g. ``%config InlineBackend.figure_formats = ["svg"]``, is kept). The
    PNG then has twice the pixels and its CSS size in the output's metadata, which
    JupyterLab and the book (myst-nb) both honour. No rcParam is changed.
    """
    if _HIDPI["done"]:
        return
    backend_module = sys.modules.get("matplotlib_inline.backend_inline")
    ipython = sys.modules.get("IPython")
    if backend_module is None or ipython is None:
        return  # no inline backend loaded (yet): try again after the next figure
    backend = mpl.rcParams._get("backend")
    if backend not in ("inline", "module://matplotlib_inline.backend_inline"):
        _HIDPI["done"] = True
        return
    shell = ipython.get_ipython()
    if shell is None:
        return
    from matplotlib_inline.config import InlineBackend

    config = InlineBackend.instance()
    _HIDPI["done"] = True
    if set(config.figure_formats) == {"png"}:
        config.shell = config.shell or shell
        config.figure_formats = {"retina"}  # re-registers the PNG formatter


def format_number(value, digits: int = 4) -> str:
    """A number as a lesson would write it: ``6``, ``3.75``, ``0.3333``, ``-inf``.

    At most ``digits`` digits after the point, trailing zeros removed.

    >>> format_number(6.0), format_number(3.75), format_number(1 / 3)
    ('6', '3.75', '0.3333')
    """
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 10 ** -digits):
        return np.format_float_scientific(value, precision=2, trim="-")
    text = np.format_float_positional(value, precision=digits, trim="-", unique=True)
    return "0" if text in ("-0", "0") else text


def _formatter(fmt) -> Callable[[float], str]:
    if fmt is None:
        return format_number
    if callable(fmt):
        return fmt
    if isinstance(fmt, str):
        return lambda v: format(v, fmt)
    raise TypeError(f"fmt must be None, a format spec such as '.2f', or a callable; got {fmt!r}")


def _as_pairs(window):
    """``((r0, r1), (c0, c1))`` with exclusive stops, validated."""
    try:
        (r0, r1), (c0, c1) = window
    except (TypeError, ValueError):
        raise TypeError("window must be ((row_start, row_stop), (col_start, col_stop)) with "
                        f"exclusive stops; got {window!r}") from None
    return (int(r0), int(r1)), (int(c0), int(c1))


def _is_rgb(x: np.ndarray) -> bool:
    return x.ndim == 3 and x.shape[-1] in (3, 4)


def _check_image(x, name="x") -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 3 and x.shape[-1] == 1:
        x = x[..., 0]
    if not (x.ndim == 2 or _is_rgb(x)):
        raise ValueError(f"{name} must have shape (H, W), (H, W, 1) or (H, W, 3); "
                         f"got shape {x.shape}")
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric; got dtype {x.dtype}")
    return x


def _axes_pixels(ax) -> tuple[float, float]:
    """Width and height of ``ax`` in CSS pixels (as laid out so far)."""
    fig = ax.figure
    box = ax.get_position()
    return (box.width * fig.get_figwidth() * fig.dpi, box.height * fig.get_figheight() * fig.dpi)


def _fitting_fontsize(ax, cells: tuple[int, int], chars: int, largest: float = 11.0) -> float:
    """The largest font (points, at most ``largest``) whose ``chars``-character
    label fits in one of ``cells`` = (rows, cols) cells of ``ax``."""
    width, height = _axes_pixels(ax)
    px_per_pt = ax.figure.dpi / 72
    # a digit is about 0.6 em wide; leave a margin of 15% across, 45% down
    by_width = 0.85 * width / max(cells[1], 1) / (0.6 * max(chars, 1) * px_per_pt)
    by_height = 0.55 * height / max(cells[0], 1) / px_per_pt
    return float(min(largest, by_width, by_height))


def _label_chars(values, fmt) -> int:
    """Characters of the longest printed value (at least 3, the width of "pad")."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return max([3] + [len(fmt(v)) for v in np.unique(finite)[:512]])


def _wrap_title(ax, title, fontsize=None):
    """``title`` broken into lines no wider than ``ax`` (estimated from its font size)."""
    if not title:
        return title or ""
    size = fontsize or mpl.font_manager.FontProperties(
        size=mpl.rcParams["axes.titlesize"]).get_size_in_points()
    width, _ = _axes_pixels(ax)
    per_line = max(8, int(width / (0.58 * size * ax.figure.dpi / 72)))
    return "\n".join(textwrap.fill(line, per_line, break_on_hyphens=False)
                     for line in str(title).split("\n"))


class GridView:
    """A redrawable picture of a 2-D array on one Axes.

    Small grids (at most ``ANNOTATE_MAX`` cells a side) print each cell's
    value; any grid can show a pooling window, padded cells (hatched, outside
    the input) and a set of highlighted cells. Calling :meth:`show` again with
    an array of the same shape only updates the existing image and texts
    (``set_data``), which keeps interactive explorers fast.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    cmap : str, default ``CMAP`` ("cividis")

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 2))
    >>> view = GridView(fig.add_subplot())
    >>> view.show(np.arange(16.0).reshape(4, 4), window=((0, 2), (0, 2)))
    >>> len(view.texts)
    16
    """

    def __init__(self, ax, cmap=CMAP):
        self.ax = ax
        self.cmap = self._colormap(cmap)
        self._forget_artists()
        self._key = None

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def _colormap(cmap):
        if isinstance(cmap, str):
            return mpl.colormaps[cmap].with_extremes(bad=MISSING)
        return cmap

    def _reset(self):
        self.ax.cla()
        self._forget_artists()

    def _forget_artists(self):
        self.image = None
        self.texts = []
        self.window_patch = None
        self.cell_patch = None
        self._highlights = []
        self._pad_patches = []

    def _rect(self, color, lw, ls="-", z=3):
        patch = Rectangle((0, 0), 1, 1, fill=False, edgecolor=color, linewidth=lw,
                          linestyle=ls, zorder=z, visible=False)
        self.ax.add_patch(patch)
        return patch

    @staticmethod
    def _place(patch, window):
        if window is None:
            patch.set_visible(False)
            return
        (r0, r1), (c0, c1) = _as_pairs(window)
        patch.set_bounds(c0 - 0.5, r0 - 0.5, c1 - c0, r1 - r0)
        patch.set_visible(True)

    # -- the one drawing method ---------------------------------------------------------
    def show(self, x, *, vmin=None, vmax=None, title=None, fmt=None, annotate=None,
             window=None, cell=None, pad=((0, 0), (0, 0)), highlight=None, ticks=None,
             cmap=None):
        """Draw ``x`` (replacing what was drawn before).

        Parameters
        ----------
        x : array_like, shape (H, W) or (H, W, 3)
            Values to show; NaN cells are drawn grey and left blank.
        vmin, vmax : float, optional
            Colour scale; defaults to the finite min / max of ``x``.
        title : str, optional
        fmt : None, str or callable
            How cell values are printed (default :func:`format_number`).
        annotate : bool or None
            Print values in the cells; ``None``: only when ``H, W <= ANNOTATE_MAX``.
        window : ((r0, r1), (c0, c1)) or None
            Rows ``r0..r1-1`` and columns ``c0..c1-1`` outlined in vermillion, in
            input coordinates (negative or ``>= H`` reaches into the padding).
        cell : ((r0, r1), (c0, c1)) or None
            A second outline (dashed, sky blue), e.g. the output cell being computed.
        pad : ((top, bottom), (left, right)), default no padding
            Padded cells drawn around the input, hatched and marked "pad".
        highlight : bool array of shape (H, W), optional
            Cells to outline in sky blue (e.g. cells that receive gradient).
        ticks : bool or None
            Row/column index ticks; ``None``: only for annotated grids.
        cmap : str, optional
            Switch to another colour map (e.g. "gray" for a photo) from now on.
        """
        if cmap is not None and getattr(self.cmap, "name", None) != cmap:
            self.cmap = self._colormap(cmap)
            if self.image is not None:
                self.image.set_cmap(self.cmap)
        x = _check_image(x)
        rgb = _is_rgb(x)
        h, w = x.shape[:2]
        (pt, pb), (pl, pr) = (int(pad[0][0]), int(pad[0][1])), (int(pad[1][0]), int(pad[1][1]))
        if annotate is None:
            annotate = not rgb and h <= ANNOTATE_MAX and w <= ANNOTATE_MAX
        annotate = bool(annotate) and not rgb
        if ticks is None:
            ticks = annotate
        values = x.astype(np.float64) if not rgb else np.clip(x.astype(np.float64), 0, 1)
        if pt or pb or pl or pr:
            width = ((pt, pb), (pl, pr)) + (((0, 0),) if rgb else ())
            shown = np.pad(values, width, constant_values=np.nan)
        else:
            shown = values
        extent = (-pl - 0.5, w + pr - 0.5, h + pb - 0.5, -pt - 0.5)
        shown, image_extent = self._reduce(shown, extent) if not annotate else (shown, extent)
        key = (shown.shape, image_extent, (pt, pb, pl, pr), bool(annotate), bool(ticks))
        if key != self._key:
            self._reset()
            self._key = key
        finite = values[np.isfinite(values)] if not rgb else values
        lo = vmin if vmin is not None else (float(finite.min()) if finite.size else 0.0)
        hi = vmax if vmax is not None else (float(finite.max()) if finite.size else 1.0)
        if hi <= lo:
            hi = lo + 1.0
        ax = self.ax
        if self.image is None:
            self.image = ax.imshow(shown, cmap=self.cmap, vmin=lo, vmax=hi, extent=image_extent,
                                   interpolation="nearest")
            ax.set_xlim(extent[0], extent[1])
            ax.set_ylim(extent[2], extent[3])
            if ticks:
                # index ticks at MIN_FONT; every 2nd (5th, ...) one where cells are narrow
                px_w, px_h = _axes_pixels(ax)
                cell_px = min(px_w / (w + pl + pr), px_h / (h + pt + pb))
                label_px = (0.6 * len(str(max(h, w) - 1)) + 0.6) * MIN_FONT * ax.figure.dpi / 72
                step = max(1, math.ceil(label_px / max(cell_px, 1e-9)))
                step = next(s for s in (1, 2, 5, 10, 20, 50, 100, step) if s >= step)
                ax.set_xticks(range(0, w, step))
                ax.set_yticks(range(0, h, step))
                ax.tick_params(length=0, pad=2, labelsize=MIN_FONT)
            else:
                # no axis at all (not just no ticks): skipping its layout speeds up redraws
                ax.set_axis_off()
            for spine in ax.spines.values():
                spine.set_visible(False)
            for r0, r1, c0, c1 in ((-pt, 0, -pl, w + pr), (h, h + pb, -pl, w + pr),
                                   (0, h, -pl, 0), (0, h, w, w + pr)):
                if r1 > r0 and c1 > c0:
                    self._pad_patches.append(ax.add_patch(Rectangle(
                        (c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False, hatch="///",
                        edgecolor="#9a9a9a", linewidth=0, zorder=2)))
            self.window_patch = self._rect(HIGHLIGHT, 3.0, z=5)
            self.cell_patch = self._rect(HIGHLIGHT_2, 2.5, ls="--", z=4)
            if annotate:
                # the largest font (up to 11 pt) that fits the longest value in a cell
                size = max(6.0, _fitting_fontsize(ax, (h + pt + pb, w + pl + pr),
                                                  _label_chars(values, _formatter(fmt)), 13))
                for r in range(-pt, h + pb):
                    for c in range(-pl, w + pr):
                        self.texts.append(ax.text(c, r, "", ha="center", va="center",
                                                  fontsize=size, zorder=6))
        else:
            self.image.set_data(shown)
            self.image.set_clim(lo, hi)
        if annotate:
            self._annotate(shown, lo, hi, _formatter(fmt), pt, pl, h, w)
        self._place(self.window_patch, window)
        self._place(self.cell_patch, cell)
        self._show_highlight(highlight, h, w)
        ax.set_title(_wrap_title(ax, title) if title is not None else "")

    def _reduce(self, shown, extent):
        """Area-average a large image down to about the Axes' size in pixels.

        Drawing a 2048x2048 array into a 400-pixel Axes makes matplotlib resample
        it on every draw (slow) and, with nearest-neighbour sampling, alias it,
        which would be a poor picture in a lesson about aliasing. Averaging
        ``f x f`` blocks first is both fast and faithful; a remainder of fewer
        than ``f`` rows/columns at the bottom/right is left out of the picture.
        """
        fig = self.ax.figure
        box = self.ax.get_position()
        # figures are stored pixel-doubled for HiDPI screens: keep 2 pixels a CSS pixel
        px_w = max(2 * box.width * fig.get_figwidth() * fig.dpi, 1.0)
        px_h = max(2 * box.height * fig.get_figheight() * fig.dpi, 1.0)
        rows, cols = shown.shape[:2]
        f = int(min(rows / px_h, cols / px_w))
        if f < 2:
            return shown, extent
        r, c = (rows // f) * f, (cols // f) * f
        blocks = shown[:r, :c].reshape(r // f, f, c // f, f, *shown.shape[2:])
        if np.isnan(blocks).any():
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                small = np.nanmean(blocks, axis=(1, 3))
        else:
            small = blocks.mean(axis=(1, 3))
        left, top = extent[0], extent[3]
        return small, (left, left + c, top + r, top)

    def _annotate(self, shown, lo, hi, fmt, pt, pl, h, w):
        norm = (shown - lo) / (hi - lo)
        for text, value, level, (r, c) in zip(self.texts, shown.ravel(), norm.ravel(),
                                              np.ndindex(*shown.shape)):
            inside = 0 <= r - pt < h and 0 <= c - pl < w
            if not inside:
                text.set_text("pad")
                text.set_color("#555555")
                text.set_fontstyle("italic")
            elif np.isnan(value):
                text.set_text("")
            else:
                text.set_text(fmt(value))
                # cividis is dark at the bottom: white text there, black above the middle
                text.set_color("white" if level < 0.5 else "black")
                text.set_fontstyle("normal")

    def _show_highlight(self, mask, h, w):
        for artist in self._highlights:
            artist.remove()
        self._highlights = []
        if mask is None:
            return
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (h, w):
            raise ValueError(f"highlight must have the grid's shape {(h, w)}; got {mask.shape}")
        if h <= ANNOTATE_MAX and w <= ANNOTATE_MAX:
            for r, c in zip(*np.nonzero(mask)):
                self._highlights.append(self.ax.add_patch(Rectangle(
                    (c - 0.45, r - 0.45), 0.9, 0.9, fill=False, edgecolor=HIGHLIGHT_2,
                    linewidth=2.5, zorder=4)))
        else:
            # block-reduce the mask like the image, keeping any highlighted cell visible
            extent = (-0.5, w - 0.5, h - 0.5, -0.5)
            coverage, extent = self._reduce(mask.astype(np.float64), extent)
            overlay = np.zeros(coverage.shape + (4,))
            overlay[coverage > 0] = mpl.colors.to_rgba(HIGHLIGHT_2, 0.8)
            self._highlights.append(self.ax.imshow(overlay, extent=extent,
                                                   interpolation="nearest", zorder=3))


def _new_figure(figsize, **kwargs):
    import matplotlib.pyplot as plt

    with style_context():
        return plt.figure(figsize=figsize, dpi=FIGURE_DPI, layout="constrained", **kwargs)


def _lay_out(fig):
    """Run the figure's layout now, so the Axes have (about) their final size before
    the fonts and title breaks that depend on it are chosen."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)


def _cell_inches(chars: int, size: float = 10.0) -> float:
    """Side of a grid cell (inches) that holds a ``chars``-character value at ``size`` pt."""
    return max(0.6 * chars * size / 72 / 0.85, size / 72 / 0.55)


def _grid_cells(x, kwargs) -> tuple[int, int]:
    """Rows and columns drawn for ``x``, padding included."""
    h, w = x.shape[:2]
    (pt, pb), (pl, pr) = kwargs.get("pad", ((0, 0), (0, 0)))
    return h + int(pt) + int(pb), w + int(pl) + int(pr)


#: Room around a grid's cells, in inches: index ticks (left, below) and a title (above).
_GRID_MARGIN = 0.45


def plot_grid(ax, x, window=None, title=None, fmt=None, **kwargs):
    """Draw a grid with each cell's value printed and a pooling window outlined.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        Where to draw; ``None`` makes a new small figure.
    x : array_like, shape (H, W) or (H, W, 3)
    window : ((r0, r1), (c0, c1)) or None
        Rows ``r0..r1-1``, columns ``c0..c1-1`` outlined (exclusive stops, as
        ``pooledu._geometry.window_bounds`` returns them).
    title : str, optional
    fmt : None, format spec or callable
        How values are printed (default :func:`format_number`).
    **kwargs
        Passed to :meth:`GridView.show` (``vmin``, ``vmax``, ``pad``, ``cell``,
        ``highlight``, ``annotate``, ``ticks``).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.

    Examples
    --------
    >>> from pooledu.data import article_matrix
    >>> fig = plot_grid(None, article_matrix(), window=((0, 2), (0, 2)), title="first window")
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    if ax is None:
        image = _check_image(x)
        rows, cols = _grid_cells(image, kwargs)
        wanted = kwargs.get("annotate")
        annotated = (not _is_rgb(image) and max(image.shape[:2]) <= ANNOTATE_MAX
                     if wanted is None else bool(wanted))
        # big enough to be read: MIN_WIDTH at least, larger cells if the values need them
        cell = (MIN_WIDTH - _GRID_MARGIN) / max(rows, cols)
        if annotated:
            cell = max(cell, _cell_inches(_label_chars(image, _formatter(fmt))))
            cell = min(cell, (MAX_WIDTH - _GRID_MARGIN) / max(rows, cols))
            if wanted is None and cell < _cell_inches(
                    _label_chars(image, _formatter(fmt)), MIN_FONT):
                kwargs = {**kwargs, "annotate": False}  # values would not fit legibly
        size = (cols * cell + _GRID_MARGIN, rows * cell + 0.9)
        fig = _new_figure(size)
        with style_context():
            ax = fig.add_subplot()
            _lay_out(fig)
    with style_context():
        GridView(ax).show(x, window=window, title=title, fmt=fmt, **kwargs)
    return ax.figure


def plot_pooling(x, out, *, window=None, out_cell=None, titles=("input", "output"),
                 suptitle=None, fmt=None, same_scale=True, figsize=None):
    """Input and pooled output side by side, drawn to the same scale of cells.

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, 3)
    out : array_like, shape (H', W') or (H', W', 3)
    window : ((r0, r1), (c0, c1)), optional
        A window to outline on the input.
    out_cell : (int, int), optional
        The output cell that window produces, outlined on the output.
    titles : (str, str)
        Titles of the two panels; the shapes are appended.
    suptitle : str, optional
    fmt : None, format spec or callable
    same_scale : bool, default True
        One colour scale for both panels (honest for max/avg/min); use
        ``False`` when the output's range differs (sum or Lp pooling).
    figsize : (float, float), optional
        Default: grids with printed values get cells that fit them (the output
        drawn to the input's scale of cells), pictures get an output panel of at
        least ``MIN_PANEL``; between ``MIN_WIDTH`` and ``MAX_WIDTH`` wide.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from pooledu.data import article_matrix
    >>> x = article_matrix()
    >>> out = x.reshape(2, 2, 2, 2).max(axis=(1, 3))
    >>> fig = plot_pooling(x, out, window=((0, 2), (0, 2)), out_cell=(0, 0))
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    x, out = _check_image(x), _check_image(out, "out")
    annotate = None
    if max(x.shape[:2]) <= ANNOTATE_MAX and max(out.shape[:2]) <= ANNOTATE_MAX \
            and not _is_rgb(x):
        # printed values: one cell size for both panels, large enough for the values
        chars = max(_label_chars(x, _formatter(fmt)), _label_chars(out, _formatter(fmt)))
        cols, rows = x.shape[1] + out.shape[1], max(x.shape[0], out.shape[0])
        margin = 2 * _GRID_MARGIN + 0.1
        cell = max(_cell_inches(chars), (MIN_WIDTH - margin) / cols)
        cell = min(cell, (MAX_WIDTH - margin) / cols)
        if cell < _cell_inches(chars, MIN_FONT):
            annotate = False  # too many values to print legibly: colours only
        ratio = out.shape[1] / x.shape[1]
        # height: generous (ticks, titles, layout pads); spare room is cropped away
        size = (cols * cell + margin, rows * cell + 0.9)
    else:
        # pictures: the output panel narrower in proportion (pooling shrinks), but at
        # least MIN_PANEL wide
        ratio = max(out.shape[1] / x.shape[1], 0.5)
        margin = 0.3
        width_in = min((MAX_WIDTH - margin) / (1 + ratio), max(MIN_PANEL / ratio, 3.0))
        size = (width_in * (1 + ratio) + margin, width_in * x.shape[0] / x.shape[1] + 0.6)
        annotate = False  # the output of a picture is a picture too
    if suptitle:
        size = (size[0], size[1] + 0.3)
    fig = _new_figure(figsize or size)
    with style_context():
        ax_in, ax_out = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, ratio]})
        _lay_out(fig)
        scale = {}
        if same_scale and not _is_rgb(x):
            finite = np.asarray(x, dtype=float)
            finite = finite[np.isfinite(finite)]
            if finite.size:
                scale = {"vmin": float(finite.min()), "vmax": float(finite.max())}
        GridView(ax_in).show(x, window=window, fmt=fmt, annotate=annotate,
                             title=f"{titles[0]} {x.shape[0]}x{x.shape[1]}", **scale)
        cell = None if out_cell is None else ((out_cell[0], out_cell[0] + 1),
                                              (out_cell[1], out_cell[1] + 1))
        GridView(ax_out).show(out, window=cell, fmt=fmt, annotate=annotate,
                              title=f"{titles[1]} {out.shape[0]}x{out.shape[1]}", **scale)
        if suptitle:
            fig.suptitle(suptitle)
    return fig


def plot_feature_maps(maps, *, ncols: int = 8, titles: Sequence[str] | None = None,
                      suptitle=None, same_scale: bool = False, axis: int = -1, cmap=CMAP):
    """A grid of small images, one per feature map (channel).

    Parameters
    ----------
    maps : array_like, shape (H, W, C), or a sequence of (H, W) arrays
        Channels last (``axis=-1``), as everywhere in pooledu.
    ncols : int, default 8
        Panels per row at most; fewer when that many would not fit the book's
        column at ``MIN_PANEL`` each (rows are then balanced: 4 maps make 2 x 2).
    titles : sequence of str, optional
        One per map; default ``"0", "1", ...``.
    suptitle : str, optional
    same_scale : bool, default False
        One colour scale for all maps (compare strengths) instead of one per
        map (see each map's pattern).
    axis : int, default -1
        The axis of ``maps`` that indexes the maps.
    cmap : str, default "cividis"

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_feature_maps(np.random.default_rng(0).random((6, 6, 4)))
    >>> len(fig.axes)
    4
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    if isinstance(maps, np.ndarray):
        if maps.ndim != 3:
            raise ValueError(f"maps must have shape (H, W, C); got shape {maps.shape}")
        stack = np.moveaxis(maps, axis, 0)
    else:
        stack = [np.asarray(m) for m in maps]
        if any(m.ndim != 2 for m in stack):
            raise ValueError("each map must be a 2-D array (H, W)")
    count = len(stack)
    if count == 0:
        raise ValueError("maps is empty: nothing to plot")
    if titles is not None and len(titles) != count:
        raise ValueError(f"titles must have one entry per map ({count}); got {len(titles)}")
    gap = 0.12
    fits = max(1, int((MAX_WIDTH + gap) // (MIN_PANEL + gap)))
    ncols = max(1, min(int(ncols), count, fits))
    nrows = math.ceil(count / ncols)
    ncols = math.ceil(count / nrows)  # balanced rows: 4 maps in 2 x 2, not 3 + 1
    panel = max(MIN_PANEL, (MIN_WIDTH - gap * ncols) / ncols)
    titles = [str(t) for t in titles] if titles else [str(i) for i in range(count)]
    size = STYLE["axes.titlesize"]
    # a little narrower than GridView wraps to, so it keeps these breaks
    per_line = max(8, int(0.85 * panel * 72 / (0.58 * size)))
    titles = ["\n".join(textwrap.fill(line, per_line, break_on_hyphens=False)
                        for line in t.split("\n")) for t in titles]
    title_room = 0.4 + 0.22 * max(t.count("\n") for t in titles)
    fig = _new_figure(((panel + gap) * ncols, (panel + title_room) * nrows
                       + (0.5 if suptitle else 0.2)))
    scale = {}
    if same_scale:
        every = np.concatenate([np.ravel(m) for m in stack]).astype(float)
        every = every[np.isfinite(every)]
        scale = {"vmin": float(every.min()), "vmax": float(every.max())}
    with style_context():
        axes = fig.subplots(nrows, ncols, squeeze=False)
        _lay_out(fig)
        for i, ax in enumerate(axes.ravel()):
            if i >= count:
                ax.remove()
                continue
            GridView(ax, cmap=cmap).show(stack[i], annotate=False, ticks=False,
                                         title=titles[i], **scale)
        if suptitle:
            fig.suptitle(suptitle)
    return fig


def plot_curves(x, curves, *, xlabel: str = "", ylabel: str = "", title: str | None = None,
                ax=None, marker_every=None, mark_x=None, ylim=None, figsize=(5.5, 3)):
    """Line plot of one or more curves, colour-blind safe (colours + markers + dashes).

    Parameters
    ----------
    x : array_like, shape (n,)
    curves : mapping of label -> array_like shape (n,), or one array (n,)
    xlabel, ylabel, title : str
    ax : matplotlib.axes.Axes, optional
        Draw there; default a new figure of ``figsize``.
    marker_every : int, optional
        Passed to ``markevery``; default: every point of a curve of up to 25
        points, about 12 markers along a longer one (a marker on each of 150
        points would draw a thick smear, not a line).
    mark_x : float, optional
        Draw a thin vertical line at this x (e.g. the current slider value).
    ylim : (float, float), optional
    figsize : (float, float), default (5.5, 3)
        Raised to at least (5.5, 3) inches, so the plot keeps 200 CSS pixels a
        side next to its legend, which stands to the right of the axes.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_curves([0, 1, 2], {"max": [1, 1, 0.5], "avg": [1, 0.9, 0.8]},
    ...                   xlabel="shift (pixels)", ylabel="similarity")
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    x = np.asarray(x)
    if not isinstance(curves, Mapping):
        curves = {"": curves}
    if ax is None:
        fig = _new_figure((min(max(figsize[0], 5.5), MAX_WIDTH), max(figsize[1], 3.0)))
        with style_context():
            ax = fig.add_subplot()
    if marker_every is None and x.size > 25:
        marker_every = max(1, x.size // 12)
    with style_context():
        for i, (label, y) in enumerate(curves.items()):
            y = np.asarray(y)
            if y.shape != x.shape:
                raise ValueError(f"curve {label!r} has shape {y.shape}; x has shape {x.shape}")
            ax.plot(x, y, label=label or None, color=LINE_COLORS[i % len(LINE_COLORS)],
                    marker=_MARKERS[i % len(_MARKERS)],
                    linestyle=_LINESTYLES[i % len(_LINESTYLES)], markevery=marker_every)
        if mark_x is not None:
            ax.axvline(mark_x, color="#777777", linewidth=1, zorder=0)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        _integer_ticks(ax.xaxis, x)
        _integer_ticks(ax.yaxis, *[np.asarray(y) for y in curves.values()])
        if ylim is not None:
            ax.set_ylim(*ylim)
        if any(label for label in curves):
            _legend_beside(ax)
        if title:
            ax.set_title(_wrap_title(ax, title))
    return ax.figure


def _integer_ticks(axis, *arrays):
    """Whole-number ticks on ``axis`` when every value plotted on it is an integer."""
    from matplotlib.ticker import MaxNLocator

    values = [np.asarray(a) for a in arrays]
    if values and all(v.dtype.kind in "biuf" and v.size for v in values) and all(
            np.all(np.isfinite(v)) and np.all(v == np.round(v)) for v in values):
        axis.set_major_locator(MaxNLocator(integer=True))


def _legend_beside(ax, **kwargs):
    """The legend to the right of the axes, never over the data."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                     **kwargs)


def plot_bars(names: Sequence[str], groups, *, errors=None, ylabel: str = "",
              title: str | None = None, ylim=None, ax=None, figsize=(6.0, 3.2)):
    """Grouped bars: one group of bars per name, one bar per series, legend beside.

    Parameters
    ----------
    names : sequence of str, length n
        The x-axis categories (e.g. the variants of an experiment).
    groups : mapping of label -> array_like shape (n,), or one array (n,)
        The series; each gets one bar per name, in the Okabe-Ito colours.
    errors : mapping of label -> (low, high), optional
        Absolute lower and upper ends of an error bar (e.g. min and max over
        seeds), each of shape (n,), for the series that have them.
    ylabel, title : str
    ylim : (float, float), optional
    ax : matplotlib.axes.Axes, optional
        Draw there; default a new figure of ``figsize`` (raised to at least
        (5.5, 3) inches).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_bars(["max", "avg"], {"test": [0.9, 0.8], "shifted": [0.7, 0.6]},
    ...                 errors={"test": ([0.88, 0.79], [0.92, 0.83])}, ylabel="accuracy")
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    names = [str(n) for n in names]
    if not isinstance(groups, Mapping):
        groups = {"": groups}
    errors = dict(errors or {})
    unknown = set(errors) - set(groups)
    if unknown:
        raise ValueError(f"errors has labels that are not in groups: {sorted(unknown)}")
    if ax is None:
        fig = _new_figure((min(max(figsize[0], 5.5), MAX_WIDTH), max(figsize[1], 3.0)))
        with style_context():
            ax = fig.add_subplot()
    x = np.arange(len(names))
    width = 0.8 / max(len(groups), 1)
    with style_context():
        for i, (label, values) in enumerate(groups.items()):
            values = np.asarray(values, dtype=float)
            if values.shape != x.shape:
                raise ValueError(f"series {label!r} has shape {values.shape}; "
                                 f"there are {len(names)} names")
            yerr = None
            if label in errors:
                low, high = (np.asarray(e, dtype=float) for e in errors[label])
                yerr = [values - low, high - values]
            ax.bar(x + (i - (len(groups) - 1) / 2) * width, values, width=width * 0.95,
                   color=LINE_COLORS[i % len(LINE_COLORS)], label=label or None,
                   yerr=yerr, capsize=3)
        # names side by side, broken into lines to fit their slot; upright if still too long
        slot = 0.7 * _axes_pixels(ax)[0] / max(len(names), 1)
        chars = max(4, int(slot / (0.6 * MIN_FONT * ax.figure.dpi / 72)))
        labels = [textwrap.fill(n, chars, break_on_hyphens=False) for n in names]
        upright = any(len(line) > chars for label in labels for line in label.split("\n"))
        ax.set_xticks(x, names if upright else labels, rotation=90 if upright else 0)
        ax.set_ylabel(ylabel)
        if ylim is not None:
            ax.set_ylim(*ylim)
        if any(label for label in groups):
            _legend_beside(ax)
        if title:
            ax.set_title(_wrap_title(ax, title))
    return ax.figure

