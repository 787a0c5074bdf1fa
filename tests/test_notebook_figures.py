"""The figures stored in the notebooks are legible where learners see them.

nbval compares a notebook's text outputs, not its pictures, so these checks read
the stored PNGs themselves: every figure is at least 480 CSS pixels wide (the
width JupyterLab and the book give it: the ``width`` the inline backend stores
in the output's metadata for a pixel-doubled PNG, else the PNG's own width),
pixel-doubled so it is crisp on HiDPI screens, and every notebook stays under
3 MB. Legibility inside a figure (fonts, panel sizes, overlapping text) is
tested on the functions that draw them, in tests/test_viz.py.
"""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MIN_CSS_WIDTH = 480
MAX_NOTEBOOK_BYTES = 3 * 1024 * 1024


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from the PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", png[16:24])


def stored_pngs(path: Path):
    """(where, pixel width, CSS width) for every image/png output of the notebook."""
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" not in data:
                continue
            width, _ = png_size(base64.b64decode(data["image/png"]))
            meta = output.get("metadata", {}).get("image/png", {})
            css = int(meta["width"]) if "width" in meta else width
            yield f"{path.name} cell {index}", width, css


def _ids(paths):
    return [p.stem[:2] for p in paths]


def test_the_notebooks_have_figures_to_check():
    assert NOTEBOOKS, "no notebooks found"
    assert sum(1 for path in NOTEBOOKS for _ in stored_pngs(path)) >= 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_figures_are_at_least_480_css_pixels_wide(path):
    narrow = [f"{where}: {css} px" for where, _, css in stored_pngs(path) if css < MIN_CSS_WIDTH]
    assert not narrow, f"figures narrower than {MIN_CSS_WIDTH} CSS px: {narrow}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_figures_are_pixel_doubled_for_hidpi(path):
    blurred = [f"{where}: {width} px shown at {css} px" for where, width, css
               in stored_pngs(path) if width not in (2 * css, 2 * css + 1)]
    assert not blurred, ("figures not stored at 2 pixels per CSS pixel (the inline "
                         f"backend's 'retina' format, which pooledu.viz selects): {blurred}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebooks_stay_small(path):
    size = path.stat().st_size
    assert size < MAX_NOTEBOOK_BYTES, f"{path.name} is {size / 1e6:.2f} MB"


def test_png_size_reads_the_header_and_rejects_other_data():
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0d" + b"IHDR" + struct.pack(">II", 980, 600)
    assert png_size(header + b"\x00" * 8) == (980, 600)
    with pytest.raises(ValueError):
        png_size(b"GIF89a" + b"\x00" * 30)
