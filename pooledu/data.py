"""Offline data for the course: the article's matrix, a real photo, digits, patterns.

Everything here ships with the packages the course already installs, so
nothing is downloaded at run time, and every function is deterministic:
the same arguments (and the same ``seed``) always give the same arrays.

* :func:`article_matrix` - the 4x4 feature map the article pools (the running example).
* :func:`photo` - Grace Hopper's portrait, shipped with matplotlib, grey or colour.
* :func:`digits` / :func:`shifted_digits` - sklearn's 1,797 handwritten digits,
  as they are and upsampled at random offsets on a larger canvas.
* :func:`edges`, :func:`dots`, :func:`stripes`, :func:`checkerboard`,
  :func:`square`, :func:`bar` - small synthetic images for the aliasing and
  invariance lessons; each can be moved by an integer ``shift``.
* :func:`shift_image` - move any image by whole pixels.

Images are float arrays in ``[0, 1]``, channels last: ``(H, W)`` or ``(H, W, 3)``.
Importing this module changes no global state (no seeding, no styles).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "article_matrix",
    "bar",
    "checkerboard",
    "digits",
    "dots",
    "edges",
    "photo",
    "resize",
    "shift_image",
    "shifted_digits",
    "square",
    "stripes",
]

#: The photo shipped inside matplotlib (``mpl-data/sample_data``).
PHOTO_NAME = "grace_hopper.jpg"

# ITU-R BT.601 luma weights, the usual RGB -> grey conversion (as in PIL's "L" mode).
_LUMA = np.array([0.299, 0.587, 0.114])


# --------------------------------------------------------------------------- helpers
def _missing(package: str, pip_name: str, what: str) -> ImportError:
    return ImportError(
        f"{what} needs the optional package '{package}', which is not installed. "
        f"Install it with `pip install {pip_name}` (or all course extras with "
        f'`pip install "pooledu[course]"`).'
    )


def _positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r} "
                        f"of type {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def _int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} of type {type(value).__name__}")
    return int(value)


def _shift_pair(shift, name: str = "shift") -> tuple[int, int]:
    """``shift`` as ``(rows, cols)``: an int moves right, a pair is ``(down, right)``."""
    if isinstance(shift, numbers.Integral) and not isinstance(shift, bool):
        return 0, int(shift)
    try:
        dy, dx = shift
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an integer (columns to the right) or a pair "
                        f"(rows down, columns right); got {shift!r}") from None
    return _int(dy, name), _int(dx, name)


def _size_pair(size, name: str = "size") -> tuple[int, int]:
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        s = _positive_int(size, name)
        return s, s
    try:
        h, w = size
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an integer or a pair (height, width); "
                        f"got {size!r}") from None
    return _positive_int(h, name), _positive_int(w, name)


def _check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"dtype must be a floating-point type (float16/32/64); got {dtype}")
    return dtype


# --------------------------------------------------------------------------- the matrix
def article_matrix(dtype=np.float32) -> np.ndarray:
    """The article's 4x4 feature map, the course's running example.

    Parameters
    ----------
    dtype : floating dtype, default float32

    Returns
    -------
    ndarray, shape (4, 4)
        ``[[1, 3, 2, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]``.
        A new array on every call, so changing it changes nothing elsewhere.

    Examples
    --------
    >>> article_matrix()[0]
    array([1., 3., 2., 4.], dtype=float32)
    """
    return np.array([[1, 3, 2, 4],
                     [5, 6, 7, 8],
                     [9, 10, 11, 12],
                     [13, 14, 15, 16]], dtype=_check_dtype(dtype))


# --------------------------------------------------------------------------- resizing
def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, n_in)`` weights: output cell i averages the input interval it covers.

    Output cell ``i`` covers ``[i * n_in / n_out, (i + 1) * n_in / n_out)`` of the
    input axis; each input cell contributes the length of its overlap with that
    interval, and each row is divided by the interval's length.
    """
    edges_out = np.arange(n_out + 1) * (n_in / n_out)
    lo = np.maximum(edges_out[:-1, None], np.arange(n_in)[None, :])
    hi = np.minimum(edges_out[1:, None], np.arange(1, n_in + 1)[None, :])
    weights = np.clip(hi - lo, 0.0, None)
    return weights / weights.sum(axis=1, keepdims=True)


def _resize_numpy(image: np.ndarray, height: int, width: int) -> np.ndarray:
    rows = _area_matrix(image.shape[0], height)
    cols = _area_matrix(image.shape[1], width)
    out = np.tensordot(rows, image, axes=(1, 0))          # (height, W, ...)
    out = np.tensordot(cols, out, axes=(1, 1))            # (width, height, ...)
    return np.swapaxes(out, 0, 1)


def _resize_pil(image: np.ndarray, height: int, width: int):
    try:
        from PIL import Image
    except ImportError:
        return None
    channels = image[..., None] if image.ndim == 2 else image
    planes = []
    for c in range(channels.shape[-1]):
        plane = Image.fromarray(np.ascontiguousarray(channels[..., c], dtype=np.float32), mode="F")
        # BOX is an area average, the same rule as the NumPy fallback.
        planes.append(np.asarray(plane.resize((width, height), Image.Resampling.BOX)))
    out = np.stack(planes, axis=-1)
    return out[..., 0] if image.ndim == 2 else out


def resize(image, size, use_pil: bool = False) -> np.ndarray:
    """Resize an image by area averaging (each output pixel is the mean of the
    input area it covers).

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
    size : int or (int, int)
        Output ``(height, width)``; an int means a square.
    use_pil : bool, default False
        ``False``: an exact area average in NumPy, identical on every machine.
        ``True``: Pillow's BOX filter (Pillow ships with matplotlib). Both agree
        to float precision when the size divides evenly (512 -> 128); for
        other factors Pillow samples the box at pixel centres instead of
        integrating it, so the two differ at sharp edges (up to ~0.1).

    Returns
    -------
    ndarray, shape (height, width) or (height, width, C), float64

    Examples
    --------
    >>> resize(article_matrix(), 2, use_pil=False)   # 2x2 blocks averaged
    array([[ 3.75,  5.25],
           [11.5 , 13.5 ]])
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim not in (2, 3):
        raise ValueError(f"image must have shape (H, W) or (H, W, C); got shape {image.shape}")
    height, width = _size_pair(size)
    if use_pil:
        out = _resize_pil(image, height, width)
        if out is None:
            raise _missing("Pillow", "pillow", "resize(..., use_pil=True)")
        return out.astype(np.float64)
    return _resize_numpy(image, height, width)


# --------------------------------------------------------------------------- the photo
def _load_photo() -> np.ndarray:
    from matplotlib import cbook

    path = cbook.get_sample_data(PHOTO_NAME, asfileobj=False)
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - matplotlib itself requires Pillow
        import matplotlib.image as mpimg

        return np.asarray(mpimg.imread(path))
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def photo(size=128, grey: bool = True, dtype=np.float32, use_pil: bool = False):
    """Grace Hopper's portrait (shipped with matplotlib), as a float image in [0, 1].

    The original is 600 x 512 (height x width). With an integer ``size`` the
    top 512 x 512 square (her face is in its middle) is resized to
    ``size x size`` by area averaging.

    Parameters
    ----------
    size : int, (int, int) or None, default 128
        Square side, or ``(height, width)`` for the full picture resized to that
        shape, or ``None`` for the full-resolution 600 x 512 picture.
    grey : bool, default True
        ``True``: one channel, shape ``(H, W)`` (BT.601 luma). ``False``: colour,
        shape ``(H, W, 3)``.
    dtype : floating dtype, default float32
    use_pil : bool, default False
        Passed to :func:`resize` (the default NumPy area average gives the
        same pixels on every machine).

    Returns
    -------
    ndarray, shape (H, W) or (H, W, 3), values in [0, 1]

    Examples
    --------
    >>> photo(64).shape, photo(64, grey=False).shape
    ((64, 64), (64, 64, 3))
    """
    dtype = _check_dtype(dtype)
    rgb = _load_photo().astype(np.float64) / 255.0
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        side = min(rgb.shape[:2])
        rgb = rgb[:side, :side]
    image = rgb @ _LUMA if grey else rgb
    if size is not None:
        height, width = _size_pair(size)
        if (height, width) != image.shape[:2]:
            image = resize(image, (height, width), use_pil=use_pil)
    return np.clip(image, 0.0, 1.0).astype(dtype)


# --------------------------------------------------------------------------- digits
def _load_digits_raw():
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise _missing("scikit-learn", "scikit-learn", "pooledu.data.digits()") from None
    bunch = load_digits()
    return bunch.images, bunch.target


def digits(dtype=np.float32):
    """sklearn's handwritten digits: 1,797 real 8x8 images, scaled to [0, 1].

    Needs scikit-learn (``pip install scikit-learn``); the data ships inside
    it, nothing is downloaded.

    Returns
    -------
    images : ndarray, shape (1797, 8, 8), values in [0, 1]
        The original grey levels 0..16 divided by 16.
    labels : ndarray, shape (1797,), int64
        The digit, 0..9.

    Examples
    --------
    >>> images, labels = digits()
    >>> images.shape, int(labels[0])
    ((1797, 8, 8), 0)
    """
    images, labels = _load_digits_raw()
    return (images / 16.0).astype(_check_dtype(dtype)), labels.astype(np.int64)


def shifted_digits(canvas: int = 32, scale: int = 2, max_shift: int | None = None,
                   seed: int = 0, dtype=np.float32):
    """The digits upsampled and placed at random offsets on a larger black canvas.

    Each 8x8 digit is enlarged ``scale`` times (every pixel becomes a
    ``scale x scale`` block), centred on a ``canvas x canvas`` image and moved
    by a random whole-pixel offset ``(dy, dx)``, each drawn uniformly from
    ``-max_shift .. max_shift``. ``max_shift=0`` gives centred digits, the
    "no shift" baseline.

    Parameters
    ----------
    canvas : int, default 32
    scale : int, default 2
        Digit size on the canvas is ``8 * scale``; it must fit: ``8 * scale <= canvas``.
    max_shift : int or None, default None
        Largest offset from the centre, in pixels. ``None``: as far as the digit
        fits on the canvas, ``(canvas - 8 * scale) // 2``.
    seed : int, default 0
        Seed of the offsets (a private ``numpy.random.default_rng``); the global
        NumPy seed is neither used nor changed.
    dtype : floating dtype, default float32

    Returns
    -------
    images : ndarray, shape (1797, canvas, canvas), values in [0, 1]
    labels : ndarray, shape (1797,), int64
    offsets : ndarray, shape (1797, 2), int64
        ``(dy, dx)`` of each digit from the centred position (down, right).

    Examples
    --------
    >>> images, labels, offsets = shifted_digits(canvas=32, scale=2, max_shift=4, seed=0)
    >>> images.shape, int(abs(offsets).max()) <= 4
    ((1797, 32, 32), True)
    """
    canvas = _positive_int(canvas, "canvas")
    scale = _positive_int(scale, "scale")
    side = 8 * scale
    if side > canvas:
        raise ValueError(f"a digit scaled by {scale} is {side}x{side} and does not fit on a "
                         f"{canvas}x{canvas} canvas; use canvas >= {side} or a smaller scale")
    room = (canvas - side) // 2          # free pixels on the smaller side of the centre
    if max_shift is None:
        max_shift = room
    max_shift = _positive_int(max_shift, "max_shift", minimum=0)
    if max_shift > room:
        raise ValueError(f"max_shift={max_shift} would move a {side}x{side} digit off a "
                         f"{canvas}x{canvas} canvas; use max_shift <= {room}")
    images, labels = _load_digits_raw()
    images = images / 16.0
    big = np.repeat(np.repeat(images, scale, axis=1), scale, axis=2)
    rng = np.random.default_rng(seed)
    offsets = rng.integers(-max_shift, max_shift + 1, size=(len(big), 2)).astype(np.int64)
    out = np.zeros((len(big), canvas, canvas), dtype=_check_dtype(dtype))
    centre = (canvas - side) // 2
    for i, (dy, dx) in enumerate(offsets):
        top, left = centre + dy, centre + dx
        out[i, top:top + side, left:left + side] = big[i]
    return out, labels.astype(np.int64), offsets


# --------------------------------------------------------------------------- shifting
def shift_image(image, shift, mode: str = "wrap", fill: float = 0.0) -> np.ndarray:
    """Move an image by whole pixels.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
    shift : int or (int, int)
        An int moves the image that many columns to the right; a pair is
        ``(rows down, columns right)``. Negative values move up / left.
    mode : {"wrap", "constant"}, default "wrap"
        ``"wrap"``: what leaves one side comes back on the other (nothing is
        lost, so any change in a pooled output is due to the pooling).
        ``"constant"``: the uncovered border is filled with ``fill``.
    fill : float, default 0.0

    Returns
    -------
    ndarray, same shape and dtype as ``image``

    Examples
    --------
    >>> shift_image(np.eye(3), 1)
    array([[0., 1., 0.],
           [0., 0., 1.],
           [1., 0., 0.]])
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"image must have shape (H, W) or (H, W, C); got shape {image.shape}")
    dy, dx = _shift_pair(shift)
    if mode == "wrap":
        return np.roll(image, (dy, dx), axis=(0, 1))
    if mode != "constant":
        raise ValueError(f"mode must be 'wrap' or 'constant'; got {mode!r}")
    out = np.full_like(image, fill)
    h, w = image.shape[:2]
    if abs(dy) >= h or abs(dx) >= w:
        return out
    src_r = slice(max(-dy, 0), h - max(dy, 0))
    dst_r = slice(max(dy, 0), h - max(-dy, 0))
    src_c = slice(max(-dx, 0), w - max(dx, 0))
    dst_c = slice(max(dx, 0), w - max(-dx, 0))
    out[dst_r, dst_c] = image[src_r, src_c]
    return out


# --------------------------------------------------------------------------- patterns
def _canvas(size, dtype):
    return np.zeros(_size_pair(size), dtype=_check_dtype(dtype))


def _orientation(orientation, allowed=("vertical", "horizontal")):
    if orientation not in allowed:
        raise ValueError(f"orientation must be one of {allowed}; got {orientation!r}")
    return orientation


def edges(size=16, orientation: str = "vertical", shift=0, dtype=np.float32) -> np.ndarray:
    """A step edge: dark (0) on one side, bright (1) on the other.

    Parameters
    ----------
    size : int or (int, int), default 16
    orientation : {"vertical", "horizontal", "both"}, default "vertical"
        ``"vertical"``: the right half is bright; ``"horizontal"``: the bottom
        half; ``"both"``: bright where exactly one of the two is (four quadrants).
    shift : int or (int, int), default 0
        Moves the edge(s) right (int) or ``(down, right)``.
    dtype : floating dtype, default float32

    Returns
    -------
    ndarray, shape (size, size), values 0 and 1

    Examples
    --------
    >>> edges(4)[0]
    array([0., 0., 1., 1.], dtype=float32)
    >>> edges(4, shift=1)[0]
    array([0., 0., 0., 1.], dtype=float32)
    """
    _orientation(orientation, ("vertical", "horizontal", "both"))
    img = _canvas(size, dtype)
    h, w = img.shape
    dy, dx = _shift_pair(shift)
    right = np.arange(w) >= w // 2 + dx
    below = np.arange(h) >= h // 2 + dy
    if orientation == "vertical":
        img[:, right] = 1
    elif orientation == "horizontal":
        img[below, :] = 1
    else:
        img[...] = below[:, None] ^ right[None, :]
    return img


def dots(size=16, spacing: int = 4, shift=0, dtype=np.float32) -> np.ndarray:
    """Single bright pixels on a regular grid, every ``spacing`` pixels.

    With ``shift=0`` the first dot is at ``(0, 0)``; shifting wraps around.

    Examples
    --------
    >>> dots(4, spacing=2)
    array([[1., 0., 1., 0.],
           [0., 0., 0., 0.],
           [1., 0., 1., 0.],
           [0., 0., 0., 0.]], dtype=float32)
    """
    spacing = _positive_int(spacing, "spacing")
    img = _canvas(size, dtype)
    img[::spacing, ::spacing] = 1
    return shift_image(img, shift, mode="wrap")


def stripes(period: int = 2, size=16, orientation: str = "vertical", shift=0,
            kind: str = "square", dtype=np.float32) -> np.ndarray:
    """Parallel stripes repeating every ``period`` pixels (the aliasing lesson's input).

    Parameters
    ----------
    period : int, default 2
        Pixels per bright + dark pair (>= 2). ``period=2`` alternates single
        columns: the finest pattern a grid can hold, which a stride-2 pooling
        cannot represent.
    size : int or (int, int), default 16
    orientation : {"vertical", "horizontal"}, default "vertical"
        Vertical stripes vary along the columns.
    shift : int, default 0
        Moves the pattern by that many pixels across the stripes (wrapping).
    kind : {"square", "sine"}, default "square"
        ``"square"``: bright for the first ``period // 2`` pixels of each period;
        ``"sine"``: ``0.5 + 0.5 * cos(2 pi j / period)``.
    dtype : floating dtype, default float32

    Returns
    -------
    ndarray, shape (size, size), values in [0, 1]

    Examples
    --------
    >>> stripes(2, size=4)[0]
    array([1., 0., 1., 0.], dtype=float32)
    >>> stripes(2, size=4, shift=1)[0]
    array([0., 1., 0., 1.], dtype=float32)
    """
    period = _positive_int(period, "period", minimum=2)
    _orientation(orientation)
    shift = _int(shift, "shift")
    img = _canvas(size, dtype)
    n = img.shape[1] if orientation == "vertical" else img.shape[0]
    j = np.arange(n) - shift
    if kind == "square":
        profile = (np.mod(j, period) < period // 2).astype(img.dtype)
    elif kind == "sine":
        profile = 0.5 + 0.5 * np.cos(2 * np.pi * j / period)
    else:
        raise ValueError(f"kind must be 'square' or 'sine'; got {kind!r}")
    img[...] = profile[None, :] if orientation == "vertical" else profile[:, None]
    return img


def checkerboard(size=16, cell: int = 1, shift=0, dtype=np.float32) -> np.ndarray:
    """A checkerboard of ``cell x cell`` squares; the top-left square is bright.

    Examples
    --------
    >>> checkerboard(4, cell=1)[:2]
    array([[1., 0., 1., 0.],
           [0., 1., 0., 1.]], dtype=float32)
    """
    cell = _positive_int(cell, "cell")
    img = _canvas(size, dtype)
    dy, dx = _shift_pair(shift)
    r = (np.arange(img.shape[0]) - dy) // cell
    c = (np.arange(img.shape[1]) - dx) // cell
    img[...] = (r[:, None] + c[None, :]) % 2 == 0
    return img


def _paint(img, top, left, height, width):
    """Set ``img[top:top+height, left:left+width] = 1``, clipped to the image."""
    h, w = img.shape
    r0, r1 = max(top, 0), min(top + height, h)
    c0, c1 = max(left, 0), min(left + width, w)
    if r0 < r1 and c0 < c1:
        img[r0:r1, c0:c1] = 1
    return img


def square(size=16, side: int = 4, shift=0, position=None, dtype=np.float32) -> np.ndarray:
    """A bright ``side x side`` square on a dark background.

    Parameters
    ----------
    size : int or (int, int), default 16
    side : int, default 4
    shift : int or (int, int), default 0
        Moves the square right (int) or ``(down, right)``. Parts moved off the
        image are cut off (no wrapping).
    position : (int, int) or None
        Top-left corner before the shift; ``None`` centres the square.
    dtype : floating dtype, default float32

    Examples
    --------
    >>> square(6, side=2)
    array([[0., 0., 0., 0., 0., 0.],
           [0., 0., 0., 0., 0., 0.],
           [0., 0., 1., 1., 0., 0.],
           [0., 0., 1., 1., 0., 0.],
           [0., 0., 0., 0., 0., 0.],
           [0., 0., 0., 0., 0., 0.]], dtype=float32)
    """
    side = _positive_int(side, "side")
    img = _canvas(size, dtype)
    h, w = img.shape
    top, left = ((h - side) // 2, (w - side) // 2) if position is None else _shift_pair(position,
                                                                                      "position")
    dy, dx = _shift_pair(shift)
    return _paint(img, top + dy, left + dx, side, side)


def bar(size=16, width: int = 1, length: int | None = None, orientation: str = "vertical",
        shift=0, dtype=np.float32) -> np.ndarray:
    """A bright bar (a line ``width`` pixels thick) through the middle of a dark image.

    Parameters
    ----------
    size : int or (int, int), default 16
    width : int, default 1
        Thickness of the bar.
    length : int or None
        Length of the bar, centred; ``None`` spans the whole image.
    orientation : {"vertical", "horizontal"}, default "vertical"
    shift : int or (int, int), default 0
        Moves the bar right (int) or ``(down, right)``; cut off at the border.
    dtype : floating dtype, default float32

    Examples
    --------
    >>> bar(4)[0], bar(4, shift=1)[0]
    (array([0., 1., 0., 0.], dtype=float32), array([0., 0., 1., 0.], dtype=float32))
    """
    width = _positive_int(width, "width")
    _orientation(orientation)
    img = _canvas(size, dtype)
    h, w = img.shape
    dy, dx = _shift_pair(shift)
    if orientation == "vertical":
        n = h if length is None else _positive_int(length, "length")
        return _paint(img, (h - n) // 2 + dy, (w - width) // 2 + dx, n, width)
    n = w if length is None else _positive_int(length, "length")
    return _paint(img, (h - width) // 2 + dy, (w - n) // 2 + dx, width, n)
