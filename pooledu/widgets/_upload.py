"""Use your own image: the photo explorers' shared upload (Python side of ``upload.js``).

In JupyterLab the page offers a labelled file control; it sends the chosen
file's bytes to the kernel as an anywidget custom message (``model.send`` with
one buffer). Here Pillow decodes them, :func:`to_image` turns them into the
explorer's input (grey floats in [0, 1], centre-cropped to a square and shrunk
to the explorer's working size by area averaging), and the explorer recomputes
everything with pooledu as for its built-in image; the page redraws.

On the static book site no kernel answers the page's hello message, so the
page never shows the control; it says where the upload works instead.

Python API (no browser needed): ``explorer.load_image(data)`` with bytes, a
path or an array; ``explorer.load_image(None)`` or
``explorer.update(image="built-in")`` goes back; ``explorer.state["image"]``
says which image is shown.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import warnings

import numpy as np
import traitlets as T

from .. import data as _data

__all__ = ["FORMATS", "MAX_BYTES", "MAX_PIXELS", "ImageUpload", "UploadProblem", "to_image"]

#: Largest file the explorers accept (bytes): 8 MiB. The file travels to the kernel as
#: one websocket message, and Tornado (under jupyter_server) closes the connection on
#: a message over 10 MiB; the page reads this limit from the ``upload_max_bytes`` trait.
MAX_BYTES = 8 * 1024 * 1024
#: Largest picture the explorers decode (pixels): 25 megapixels.
MAX_PIXELS = 25_000_000
#: Smallest side (pixels) of an image the explorers accept.
MIN_SIDE = 4
#: The file formats the explorers decode (Pillow format names); no others are tried.
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
#: Pictures are shrunk to at most this side in Pillow before anything else (fast, small).
_DECODE_SIDE = 1024

_KINDS = "PNG, JPEG, GIF, BMP or WebP"


class UploadProblem(ValueError):
    """A file the explorer cannot use; ``friendly`` is what the page shows."""

    def __init__(self, message, friendly):
        super().__init__(message)
        self.friendly = friendly


def _shrink(image):
    """Shrink a decoded Pillow image to at most ``_DECODE_SIDE`` a side (area averaging).

    Done before any conversion to floats or RGBA, so a large picture never exists in
    memory at four or eight bytes per channel.
    """
    from PIL import Image

    if image.mode.startswith("I;16"):
        image = image.convert("I")                  # Pillow cannot resize I;16 itself
    if max(image.size) > _DECODE_SIDE:
        if image.mode in ("1", "P", "PA"):          # resizing would take nearest pixels
            image = image.convert("RGBA")
        image.thumbnail((_DECODE_SIDE, _DECODE_SIDE), Image.Resampling.BOX)
    return image


def _pixels(image) -> np.ndarray:
    """A decoded Pillow image -> float64 array in [0, 1]: (H, W) grey or (H, W, 3) RGB.

    8-bit modes become RGBA and the alpha is laid over white. 16-bit and 32-bit
    integer greyscale (modes ``I;16*``, ``I``) is divided by 65535 (by its own range
    when it leaves 0..65535); float greyscale (mode ``F``) stays as it is when it lies
    in [0, 1], else it is scaled by its range (min -> 0, max -> 1).
    """
    if image.mode.startswith("I;16"):
        image = image.convert("I")
    if image.mode in ("I", "F"):
        a = np.asarray(image, dtype=np.float64)
        finite = a[np.isfinite(a)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        if image.mode == "F" and 0.0 <= lo and hi <= 1.0:
            pass
        elif image.mode == "I" and 0.0 <= lo and hi <= 65535.0:
            a = a / 65535.0
        else:
            a = (a - lo) / (hi - lo) if hi > lo else np.full(a.shape, 0.5)
        return np.clip(np.nan_to_num(a, nan=0.5, posinf=1.0, neginf=0.0), 0.0, 1.0)
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float64) / 255.0
    return _over_white(rgba)


def _over_white(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) values in [0, 1] -> (H, W, 3): the colour laid over white by its alpha."""
    alpha = rgba[..., 3:]
    return rgba[..., :3] * alpha + (1.0 - alpha)


def _megabytes(n: int) -> str:
    """Bytes as MiB rounded up to a tenth ("8.1" for 8 MiB + 1 byte; "8" for 8 MiB)."""
    return f"{math.ceil(n / 2**20 * 10) / 10:g}"


def _decode(raw: bytes, name: str) -> np.ndarray:
    """Bytes of an image file -> float64 array in [0, 1], grey (H, W) or RGB (H, W, 3)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(raw) == 0:
        raise UploadProblem(f"{name} is empty (0 bytes)",
                            f"That file is empty. Choose a {_KINDS} picture.")
    if len(raw) > MAX_BYTES:
        raise UploadProblem(
            f"{name} has {len(raw)} bytes; at most {MAX_BYTES} are allowed",
            f"That file is too large ({_megabytes(len(raw))} MB). "
            f"Choose a picture under {_megabytes(MAX_BYTES)} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)   # "Corrupt EXIF data", ...
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=list(FORMATS))
            w, h = image.size
            if w * h > MAX_PIXELS:
                raise UploadProblem(
                    f"{name} is {w} x {h} pixels; at most {MAX_PIXELS} pixels are allowed",
                    f"That picture is too large ({w} x {h} pixels). "
                    f"Choose one under {MAX_PIXELS // 10**6} megapixels.")
            # JPEG: decode at a reduced scale (cheap); other formats ignore the request
            image.draft("RGB", (_DECODE_SIDE, _DECODE_SIDE))
            image = _shrink(image)
            ImageOps.exif_transpose(image, in_place=True)
            return _pixels(image)
    except UploadProblem:
        raise
    except (UnidentifiedImageError, SyntaxError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadProblem(
            f"{name} ({len(raw)} bytes) is not an image file the explorers read "
            f"({', '.join(FORMATS)}): {type(error).__name__}",
            f"That file is not a picture this explorer can read. Choose a {_KINDS} "
            "image.") from None
    except Exception as error:      # truncated data, broken EXIF (struct.error), ...
        raise UploadProblem(
            f"{name} ({len(raw)} bytes) could not be decoded as an image "
            f"({type(error).__name__}: {error})",
            f"That picture could not be read (the file may be damaged). Choose another "
            f"{_KINDS} image.") from None


def _from_array(array, name) -> np.ndarray:
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[-1] in (3, 4))):
        raise ValueError(f"{name} must be an image array of shape (H, W), (H, W, 3) or "
                         f"(H, W, 4); got shape {a.shape}")
    if a.dtype.kind == "b" or a.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a numeric array; got dtype {a.dtype}")
    if a.dtype.kind in "iu":
        if a.size and (a.min() < 0 or a.max() > 255):
            raise ValueError(f"{name}: an integer image must hold values 0..255; got "
                             f"{a.min()}..{a.max()}")
        a = a.astype(np.float64) / 255.0
    a = a.astype(np.float64)
    if a.size and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must hold finite values; got NaN or infinity")
    if a.size and (a.min() < 0 or a.max() > 1):
        raise ValueError(f"{name}: a float image must hold values in [0, 1]; got "
                         f"{a.min():.3g}..{a.max():.3g}")
    return _over_white(a) if a.ndim == 3 and a.shape[-1] == 4 else a


def to_image(data, size: int = 128, grey: bool = True, name: str = "data") -> np.ndarray:
    """An image file (bytes or path) or array as an explorer's input.

    Parameters
    ----------
    data : bytes, str, os.PathLike or array_like
        The contents of an image file (PNG, JPEG, GIF, BMP or WebP, at most
        ``MAX_BYTES`` bytes and ``MAX_PIXELS`` pixels), the path of one, or an array
        of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) (uint8 values 0..255, or
        floats in [0, 1]). Transparency (a file's or the fourth channel of an
        array) is laid over white; 16-bit greyscale files are scaled by 65535.
    size : int, default 128
        Working size: the centred square crop is shrunk to ``size x size`` by area
        averaging (:func:`pooledu.data.resize`); a smaller square stays as it is.
    grey : bool, default True
        ``True``: one channel (BT.601 luma, as :func:`pooledu.data.photo`).
    name : str
        Used in error messages (the parameter name).

    Returns
    -------
    ndarray, float32, shape (n, n) or (n, n, 3), values in [0, 1], n <= size

    Raises
    ------
    UploadProblem (a ValueError)
        For a file that is empty, too large, damaged or not an image of those
        formats (``.friendly`` holds a sentence for the learner).
    TypeError, ValueError
        For data of another type or an array of the wrong shape or range.

    Examples
    --------
    >>> to_image(np.full((300, 200), 255, dtype=np.uint8), size=64).shape
    (64, 64)
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        rgb = _decode(bytes(data), name)
    elif isinstance(data, (str, os.PathLike)):
        try:
            with open(data, "rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
        except OSError as error:
            raise ValueError(f"{name}: cannot read the file {str(data)!r} "
                             f"({error.strerror or error})") from None
        rgb = _decode(raw, f"{name} ({os.fspath(data)!r})")
    elif isinstance(data, np.ndarray) or isinstance(data, (list, tuple)):
        rgb = _from_array(data, name)
    else:
        raise TypeError(f"{name} must be the bytes of an image file, a path to one, or an "
                        f"array of shape (H, W), (H, W, 3) or (H, W, 4); got "
                        f"{type(data).__name__}")
    if min(rgb.shape[:2]) < MIN_SIDE:
        raise UploadProblem(
            f"{name} is {rgb.shape[0]} x {rgb.shape[1]} pixels; each side must be at least "
            f"{MIN_SIDE}",
            f"That picture is too small ({rgb.shape[1]} x {rgb.shape[0]} pixels). "
            f"Choose one at least {MIN_SIDE} x {MIN_SIDE}.")
    if grey and rgb.ndim == 3:
        rgb = rgb @ _data._LUMA
    if not grey and rgb.ndim == 2:
        rgb = np.repeat(rgb[..., None], 3, axis=-1)
    h, w = rgb.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = rgb[top:top + side, left:left + side]
    if side > size:
        square = _data.resize(square, size)
    return np.clip(square, 0.0, 1.0).astype(np.float32)


class ImageUpload(T.HasTraits):
    """Mixin: "Use your own image" for an anywidget explorer (front end ``upload.js``).

    The explorer sets ``_upload_size`` / ``_upload_grey`` (its working size and
    colour), calls ``_init_upload()`` at the end of ``__init__``, does its
    ``update()`` inside ``with self._image_first(params, names) as params:`` and
    defines ``_use_image(x)``: recompute everything for the array ``x``, or for the
    built-in image when ``x`` is None.

    Nothing the page sends (the file, the "image" menu) ever raises into the kernel's
    comm handler: a problem becomes a sentence the page shows.
    """

    #: show the upload control (the page asks the kernel first; no kernel, no control)
    upload = T.Bool(True).tag(sync=True)
    #: "built-in" or "uploaded": which image the explorer shows
    image = T.Unicode("built-in").tag(sync=True)
    #: what the uploaded image is ("cat.png, 128 x 128, grey"); "" before any upload
    uploaded = T.Unicode("").tag(sync=True)
    #: counts image changes; the page rebuilds the explorer when it changes
    image_rev = T.Int(0).tag(sync=True)
    #: the largest file the page sends (bytes); larger ones get a sentence instead
    upload_max_bytes = T.Int().tag(sync=True)

    @T.default("upload_max_bytes")
    def _default_upload_max_bytes(self):
        return MAX_BYTES

    _upload_size = 128
    _upload_grey = True

    def _init_upload(self):
        self._uploaded_array = None
        self._switching = False
        self.on_msg(self._on_upload_message)
        self.observe(self._on_image_trait, names="image")

    # -- the state says which image is shown -----------------------------------------------
    @property
    def state(self) -> dict:
        return self._upload_state

    @state.setter
    def state(self, value):
        shown = "built-in"
        if getattr(self, "image", "built-in") == "uploaded" and self.uploaded:
            shown = self.uploaded
        self._upload_state = {**value, "image": shown}

    # -- the API ------------------------------------------------------------------------
    def load_image(self, data, name: str | None = None) -> None:
        """Show your own image instead of the built-in one, and recompute with pooledu.

        Parameters
        ----------
        data : bytes, str, os.PathLike, array_like or None
            The contents of an image file, its path, or an array (see
            :func:`pooledu.widgets._upload.to_image`); ``None`` goes back to the
            built-in image. The image is centre-cropped to a square and shrunk to
            the explorer's working size.
        name : str, optional
            Shown in the explorer (default: the file name, or "array").

        Raises
        ------
        TypeError, ValueError
            Naming ``data``: not an image, empty, too large, wrong shape or range.
        """
        if data is None:
            self._select_image("built-in")
            return
        x = to_image(data, self._upload_size, self._upload_grey, name="data")
        if name is None:
            name = os.path.basename(os.fspath(data)) if isinstance(
                data, (str, os.PathLike)) else ("array" if not isinstance(
                    data, (bytes, bytearray, memoryview)) else "your file")
        colour = "grey" if x.ndim == 2 else "colour"
        before = self._uploaded_array, self.uploaded, self.image
        self._uploaded_array = x
        self.uploaded = f"{name}, {x.shape[0]} x {x.shape[1]}, {colour}"
        try:
            self._select_image("uploaded", force=True)
        except Exception:           # keep showing what was shown before
            self._uploaded_array, self.uploaded, shown = before
            self._select_image(shown, force=True)
            raise

    @contextlib.contextmanager
    def _image_first(self, params: dict, names):
        """``update(image=..., **others)``: check, switch the image, then the others.

        ``names`` are every parameter name ``update()`` takes besides ``image`` (with
        either image shown). An unknown name raises TypeError before anything changes;
        when the body (the explorer's checks of the other parameters) raises, the
        image shown before comes back, so a failed ``update()`` changes nothing.
        """
        params = dict(params)
        allowed = sorted(set(names) | {"image"})
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise TypeError(f"{type(self).__name__}.update() got unknown parameter(s) "
                            f"{unknown}; allowed: {allowed}")
        before = self.image
        if "image" in params:
            self._select_image(params.pop("image"))
        try:
            yield params
        except BaseException:
            if self.image != before:
                self._select_image(before, force=True)
            raise

    def _image_choices(self) -> list:
        return ["built-in"] + (["uploaded"] if self._uploaded_array is not None else [])

    def _select_image(self, which, force=False):
        allowed = self._image_choices()
        if which not in allowed:
            raise ValueError(f"image must be one of {allowed}; got {which!r}"
                             + ("" if len(allowed) > 1 else
                                " (call load_image(...) first to use your own image)"))
        if which == self.image and not force and not self._switching:
            return
        self._switching = True
        try:
            with self.hold_sync():
                self._use_image(self._uploaded_array if which == "uploaded" else None)
                self.image = which
                self.image_rev += 1
                self.state = dict(self.state)     # "image" follows the switch
        finally:
            self._switching = False

    def _on_image_trait(self, change):
        """The page's "image" menu. Never raises: a problem is a sentence on the page."""
        if self._switching:
            return
        if change["new"] not in self._image_choices():   # nothing computed: say so
            self._restore_image(change["old"], recompute=False)
            self._tell_page("That image is not available. Choose your file again.")
            return
        try:
            self._select_image(change["new"], force=True)
        except Exception:
            self._restore_image(change["old"], recompute=True)
            self._tell_page("That image could not be shown. "
                            "Try again, or choose another picture.")

    def _restore_image(self, old, recompute):
        try:
            if recompute:
                self._select_image(old, force=True)
                return
        except Exception:       # at least the menu shows what is drawn
            pass
        self._switching = True
        try:
            self.image = old
        finally:
            self._switching = False

    def _tell_page(self, message):
        try:
            self.send({"type": "pooledu-upload-done", "ok": False, "message": message})
        except Exception:       # no page to tell
            pass

    # -- the page's messages ------------------------------------------------------------
    def _on_upload_message(self, _widget, content, buffers):
        """The page's custom messages. Never raises into the comm handler."""
        try:
            kind = content.get("type") if isinstance(content, dict) else None
            if kind == "pooledu-upload-hello":
                self.send({"type": "pooledu-upload-ready"})
            elif kind == "pooledu-upload":
                self.send(self._upload_reply(content, buffers))
        except Exception:
            self._tell_page("That picture could not be used. Try another PNG or JPEG file.")

    def _upload_reply(self, content, buffers) -> dict:
        name = str(content.get("name") or "your file")[:80]
        try:
            if not buffers:
                raise UploadProblem("no file data arrived",
                                    "No file data arrived. Please choose the file again.")
            self.load_image(bytes(buffers[0]), name=name)
        except UploadProblem as problem:
            return {"type": "pooledu-upload-done", "ok": False, "message": problem.friendly}
        except Exception:   # anything else: the page shows a sentence, never a traceback
            return {"type": "pooledu-upload-done", "ok": False,
                    "message": "That picture could not be used. Try another PNG or JPEG file."}
        return {"type": "pooledu-upload-done", "ok": True,
                "message": f"Showing your image: {self.uploaded}."}
