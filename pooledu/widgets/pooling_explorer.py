"""PoolingExplorer: mode, pool size, stride and padding; the output and its size formula."""

from __future__ import annotations

from .. import data
from .. import reference as ref
from ._window import WindowExplorer

__all__ = ["PoolingExplorer"]


class PoolingExplorer(WindowExplorer):
    """Pool the article's matrix (or any image) and see the output and its size formula.

    Drawn by the page: hover or click an output cell to light up its window on
    the input with the arithmetic; step or play through the windows; padded
    cells are drawn hatched; the output-size formula has the numbers filled in.
    Live on the static book site too (the page computes what pooledu computes).

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, 3), optional
        Default: the article's 4x4 matrix (:func:`pooledu.data.article_matrix`).
    mode : {"max", "avg", "min", "sum", "lp"}, default "max"
        ``"lp"`` uses p = 2.
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

    Controls / ``update()`` parameters: ``mode``, ``pool_size``, ``strides``
    (``None`` means "equal to pool_size"), ``padding``, ``dilation``,
    ``ceil_mode``, ``count_include_pad``, ``step`` (the window
    whose arithmetic is shown, row-major from 0).

    ``state``: ``output``, ``output_shape``, ``formula`` (text lines),
    ``message``, ``ok``, and for the selected window ``step``, ``out_index``,
    ``arithmetic``; ``last_output`` is the pooled array.

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
    >>> explorer.update(mode="avg", pool_size=2, padding=1, count_include_pad=True)
    >>> explorer.state["arithmetic"]          # PyTorch's default divides by 4
    '(1) / 4 = 0.25'
    >>> explorer.update(padding=2)
    >>> explorer.state["message"][:45]
    'Padding 2 is more than half the 2x2 window: P'
    """

    _allow_rgb = True

    def __init__(self, x=None, mode="max", pool_size=2, strides=None, padding="valid", *,
                 dilation=1, ceil_mode=False, count_include_pad=False):
        x = data.article_matrix() if x is None else x
        super().__init__(x, ref.POOL_MODES, mode, pool_size, strides, padding, "explorer",
                         dilation=dilation, ceil_mode=ceil_mode,
                         count_include_pad=count_include_pad)
