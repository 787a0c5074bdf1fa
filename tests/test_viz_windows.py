"""The window-geometry figure of notebook 01 ("the same window in PyTorch")."""

from __future__ import annotations

import io

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from pooledu import output_size
from pooledu.viz_windows import plot_window_axis


@pytest.mark.parametrize("n, k, s, p, d, ceil_mode", [
    (5, 3, 2, 1, 2, False), (5, 2, 2, 0, 1, True), (5, 2, 2, 1, 1, True), (7, 3, 1, 1, 1, False),
])
def test_one_row_per_window_and_the_formula_in_the_title(n, k, s, p, d, ceil_mode):
    fig = plot_window_axis(n, k, s, p, dilation=d, ceil_mode=ceil_mode)
    ax = fig.axes[0]
    out = output_size(n, k, s, p, dilation=d, ceil_mode=ceil_mode)
    rows = [t.get_text() for t in ax.texts if t.get_text().startswith("window ")]
    assert rows == [f"window {i}" for i in range(out)]
    assert ax.get_title().split("\n")[-1].endswith(f" {out}")
    cells = [t.get_text() for t in ax.texts if t.get_text() in {str(c) for c in range(n)}]
    assert cells == [str(c) for c in range(n)]
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    width = int.from_bytes(buf.getvalue()[16:20], "big")
    assert width >= 480
    plt.close(fig)


def test_ceil_mode_drop_is_explained():
    fig = plot_window_axis(5, 2, 2, 1, ceil_mode=True)
    assert "minus window 3, which would start at 5 >= n: 3" in fig.axes[0].get_title()
    plt.close(fig)
