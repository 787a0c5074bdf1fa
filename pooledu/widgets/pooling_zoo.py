"""PoolingZoo: any two pooling functions of ``pooledu.reference`` on the same photo.

Still drawn by matplotlib in the kernel (a PNG in an Output widget): on the
static book site it shows its saved picture and its controls do not recompute.
"""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from .. import data
from .. import reference as ref
from ..viz import GridView, format_number
from ._common import _check_image2d, _Impossible, _shape_text, fit_problem
from ._png import _DESCRIPTION, _Explorer

__all__ = ["PoolingZoo"]


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

