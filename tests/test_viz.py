"""pooledu.viz: annotated grids, side-by-side pooling, feature maps, curves."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from pooledu import data, viz


@pytest.fixture(autouse=True)
def _close_our_figures():
    before = set(plt.get_fignums())
    yield
    for num in set(plt.get_fignums()) - before:
        plt.close(num)


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_import_changes_no_matplotlib_state():
    code = ("import matplotlib as mpl; rc = dict(mpl.rcParams); "
            "import pooledu.viz, pooledu.widgets; "
            "changed = [k for k in rc if rc[k] != mpl.rcParams[k]]; "
            "import sys; assert 'tensorflow' not in sys.modules; "
            "import matplotlib.pyplot as plt; assert not plt.get_fignums(); print(changed)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                         env={"MPLBACKEND": "Agg", "PATH": ""})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_style_context_applies_and_restores():
    before = dict(matplotlib.rcParams)
    with viz.style_context():
        assert matplotlib.rcParams["image.cmap"] == "cividis"
        assert matplotlib.rcParams["figure.dpi"] == viz.DPI
    assert dict(matplotlib.rcParams) == before


def test_palette_is_okabe_ito_and_cmap_cividis():
    assert viz.CMAP == "cividis"
    assert set(viz.LINE_COLORS) == set(viz.OKABE_ITO.values())
    assert viz.LINE_COLORS[-1] == viz.OKABE_ITO["yellow"], "yellow, weak on white, comes last"


@pytest.mark.parametrize("value, text", [
    (6.0, "6"), (3.75, "3.75"), (1 / 3, "0.3333"), (-2.5, "-2.5"), (0.0, "0"), (-0.0, "0"),
    (np.float32(13.5), "13.5"), (float("-inf"), "-inf"), (float("nan"), "nan"),
    (1e-7, "1e-07"), (2.5e7, "2.5e+07"),
])
def test_format_number(value, text):
    assert viz.format_number(value) == text


def test_plot_grid_prints_every_value_and_outlines_the_window():
    x = data.article_matrix()
    fig = viz.plot_grid(None, x, window=((0, 2), (2, 4)), title="t")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert _texts(ax) == ["1", "3", "2", "4", "5", "6", "7", "8", "9", "10", "11", "12",
                          "13", "14", "15", "16"]
    visible = [p for p in ax.patches if p.get_visible() and not p.get_fill()
               and p.get_edgecolor()[:3] == matplotlib.colors.to_rgb(viz.HIGHLIGHT)]
    assert len(visible) == 1
    assert (visible[0].get_x(), visible[0].get_y(), visible[0].get_width(),
            visible[0].get_height()) == (1.5, -0.5, 2, 2)
    assert ax.get_title() == "t"


def test_plot_grid_on_a_given_axes_returns_its_figure_and_formats():
    fig, ax = plt.subplots()
    out = viz.plot_grid(ax, np.array([[0.5, 0.25]]), fmt=".2f")
    assert out is fig
    assert _texts(ax) == ["0.50", "0.25"]
    _fig2, ax2 = plt.subplots()
    viz.plot_grid(ax2, np.array([[1.0, 2.0]]), fmt=lambda v: f"<{v:g}>")
    assert _texts(ax2) == ["<1>", "<2>"]


def test_plot_grid_shows_padding_as_pad_cells():
    fig = viz.plot_grid(None, data.article_matrix(), pad=((1, 0), (0, 1)),
                        window=((-1, 1), (0, 2)))
    texts = _texts(fig.axes[0])
    assert len(texts) == 5 * 5 and texts.count("pad") == 5 + 4
    xlim, ylim = fig.axes[0].get_xlim(), fig.axes[0].get_ylim()
    assert xlim == (-0.5, 4.5) and ylim == (3.5, -1.5)


def test_large_grids_are_not_annotated_and_are_reduced_for_speed():
    big = np.random.default_rng(0).random((512, 512))
    fig = viz.plot_grid(None, big)
    ax = fig.axes[0]
    assert not ax.texts
    shown = ax.images[0].get_array()
    assert shown.shape[0] < 512, "the picture is area-averaged down to about the axes' size"
    np.testing.assert_allclose(float(shown.mean()), float(big.mean()), atol=0.01)
    assert ax.get_xlim() == (-0.5, 511.5)


def test_nan_cells_are_blank():
    fig = viz.plot_grid(None, np.array([[1.0, np.nan]]))
    assert _texts(fig.axes[0]) == ["1", ""]


def test_grid_view_redraws_in_place_for_the_same_shape():
    fig = Figure()
    view = viz.GridView(fig.add_subplot())
    view.show(np.zeros((4, 4)))
    image, texts = view.image, list(view.texts)
    view.show(np.ones((4, 4)) * 7, window=((1, 3), (1, 3)))
    assert view.image is image and view.texts == texts, "same shape: set_data, same artists"
    assert texts[0].get_text() == "7"
    view.show(np.zeros((2, 2)))
    assert view.image is not image and len(view.texts) == 4


def test_grid_view_highlight_and_bad_inputs():
    fig = Figure()
    view = viz.GridView(fig.add_subplot())
    mask = np.zeros((4, 4), bool)
    mask[1, 2] = mask[3, 3] = True
    view.show(data.article_matrix(), highlight=mask)
    assert len(view._highlights) == 2
    view.show(data.article_matrix())
    assert not view._highlights
    with pytest.raises(ValueError, match="highlight"):
        view.show(data.article_matrix(), highlight=np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match="shape"):
        view.show(np.zeros((2, 2, 2, 2)))
    with pytest.raises(TypeError, match="window"):
        view.show(np.zeros((2, 2)), window=(1, 2))
    with pytest.raises(TypeError, match="fmt"):
        view.show(np.zeros((2, 2)), fmt=3)


def test_plot_pooling_two_panels_small_figure_and_same_scale():
    x = data.article_matrix()
    out = x.reshape(2, 2, 2, 2).max(axis=(1, 3))
    before = set(plt.get_fignums())
    fig = viz.plot_pooling(x, out, window=((0, 2), (0, 2)), out_cell=(0, 0), suptitle="max")
    assert len(fig.axes) == 2
    w, h = fig.get_size_inches()
    assert w <= 8 and h <= 3 and fig.dpi == viz.DPI
    assert fig.axes[0].get_title() == "input 4x4" and fig.axes[1].get_title() == "output 2x2"
    assert fig.axes[0].images[0].get_clim() == fig.axes[1].images[0].get_clim() == (1, 16)
    assert _texts(fig.axes[1]) == ["6", "8", "14", "16"]
    assert before <= set(plt.get_fignums()), "closes nothing the caller owns"


def test_plot_pooling_rgb_photo():
    fig = viz.plot_pooling(data.photo(64, grey=False), data.photo(32, grey=False))
    assert fig.axes[0].images[0].get_array().shape[-1] == 3


def test_plot_feature_maps_channels_last_and_lists():
    maps = np.random.default_rng(1).random((6, 6, 10))
    fig = viz.plot_feature_maps(maps, ncols=4, suptitle="maps")
    assert len(fig.axes) == 10
    assert [ax.get_title() for ax in fig.axes][:3] == ["0", "1", "2"]
    assert fig.get_size_inches()[0] <= 8
    sizes = [np.ones((8, 8)), np.ones((4, 4)), np.ones((2, 2))]
    fig = viz.plot_feature_maps(sizes, titles=["8", "4", "2"], same_scale=True, cmap="gray")
    assert [ax.get_title() for ax in fig.axes] == ["8", "4", "2"]
    fig = viz.plot_feature_maps(np.zeros((3, 5, 5)), axis=0)
    assert len(fig.axes) == 3


@pytest.mark.parametrize("maps, kwargs, error", [
    (np.zeros((4, 4)), {}, ValueError),
    ([np.zeros(3)], {}, ValueError),
    ([], {}, ValueError),
    (np.zeros((4, 4, 2)), {"titles": ["a"]}, ValueError),
])
def test_plot_feature_maps_errors(maps, kwargs, error):
    with pytest.raises(error):
        viz.plot_feature_maps(maps, **kwargs)


def test_plot_curves_distinct_colours_markers_and_labels():
    x = np.arange(5)
    fig = viz.plot_curves(x, {"max": x * 1.0, "avg": x * 0.5, "blur": x * 0.2},
                          xlabel="shift", ylabel="change", title="t", mark_x=2, ylim=(0, 5))
    ax = fig.axes[0]
    lines = [line for line in ax.lines if line.get_label() in ("max", "avg", "blur")]
    assert len(lines) == 3
    assert len({line.get_color() for line in lines}) == 3
    assert len({line.get_marker() for line in lines}) == 3
    assert ax.get_xlabel() == "shift" and ax.get_ylim() == (0, 5)
    assert ax.get_legend() is not None
    fig2 = viz.plot_curves(x, x ** 2)
    assert fig2.axes[0].get_legend() is None
    with pytest.raises(ValueError, match="shape"):
        viz.plot_curves(x, {"bad": np.arange(3)})


def test_plot_curves_on_a_given_axes():
    fig, ax = plt.subplots()
    assert viz.plot_curves([0, 1], {"a": [0, 1]}, ax=ax) is fig


def test_style_context_keeps_interactive_mode_switched_on_inside_it():
    """ipykernel's inline backend switches interactive mode on when the first figure
    of a session is made; if that happens inside style_context, leaving the context
    must not switch it off again, or every later figure of the notebook goes missing."""
    mpl = matplotlib
    was = mpl.is_interactive()
    try:
        mpl.interactive(False)
        with viz.style_context():
            mpl.interactive(True)  # what the inline backend does on activation
        assert mpl.is_interactive()
        with viz.style_context():
            pass
        assert mpl.is_interactive()
    finally:
        mpl.interactive(was)
