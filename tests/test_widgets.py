"""pooledu.widgets: every explorer driven without a browser.

Each explorer is swept through every value of every control, both with
``update(...)`` and by setting the control as the page does (a trait for the
explorers drawn by the page, the ipywidgets control for the others), must
explain impossible settings in words and keep its memory flat. The explorers
drawn by the page send pooledu's numbers to it (``result``) and carry their
front end in the saved widget state; the others carry every setting's
precomputed state. (Notebook 07's ResultsExplorer is tested in
test_experiment.py.) What the page itself computes is tested in Chromium by
test_widgets_parity.py and test_explorers_browser.py.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import base64
import gc
import io
import struct

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pytest
from ipywidgets.embed import embed_data

from pooledu import data, widgets
from pooledu import reference as ref
from pooledu.viz import format_number
from pooledu.widgets import _upload
from pooledu.widgets._window import decode_array, encode_array

PAGE_EXPLORERS = {
    "PoolingExplorer": lambda: widgets.PoolingExplorer(),
    "WindowStepper": lambda: widgets.WindowStepper(),
    "GradientExplorer": lambda: widgets.GradientExplorer(),
}
#: drawn by the page from states pooledu precomputed (saved in the widget state)
STATE_EXPLORERS = {
    "ShiftExplorer": lambda: widgets.ShiftExplorer(max_shift=4),
    "PoolingZoo": lambda: widgets.PoolingZoo(data.photo(32)),
}
EXPLORERS = {**PAGE_EXPLORERS, **STATE_EXPLORERS}


def control_values(control):
    """Every value a control can take."""
    if isinstance(control, list):          # an explorer drawn by the page
        return list(control)
    if isinstance(control, (W.Dropdown, W.ToggleButtons)):
        return [opt[1] if isinstance(opt, tuple) else opt for opt in control.options]
    if isinstance(control, W.Checkbox):
        return [True, False]
    if isinstance(control, W.IntSlider):
        return list(range(control.min, control.max + 1))
    raise AssertionError(f"unexpected control {control!r}")


def has_picture(explorer):
    """The page has pooledu's numbers (or precomputed pictures) to draw."""
    if isinstance(explorer, widgets.PoolingExplorer.__mro__[1]):
        result = explorer.result
        return result["ok"] and np.array_equal(decode_array(result["output"]),
                                                explorer.state["output"])
    if isinstance(explorer, widgets.ShiftExplorer):
        scene = explorer.scenes[f"{explorer.pattern}|{explorer.direction}|{explorer.pool_size}"]
        pictures = [explorer.pictures[scene["outputs"][m][explorer.shift]]
                    for m in explorer.methods]
        return scene["ok"] and all(p.startswith("data:image/png;base64,") for p in pictures)
    entries = [explorer.table[f"{name}|{explorer.pool_size}"]
               for name in (explorer.left, explorer.right)]
    return all(e["ok"] and explorer.pictures[e["picture"]].startswith("data:image/png")
               for e in entries)


def has_no_picture(explorer):
    if isinstance(explorer, widgets.PoolingExplorer.__mro__[1]):
        return explorer.result["ok"] is False and "output" not in explorer.result
    if isinstance(explorer, widgets.ShiftExplorer):
        scene = explorer.scenes[f"{explorer.pattern}|{explorer.direction}|{explorer.pool_size}"]
        return scene["ok"] is False and "outputs" not in scene
    entry = explorer.table[f"{explorer.left}|{explorer.pool_size}"]
    return entry["ok"] is False and "picture" not in entry


# --------------------------------------------------------------------------- all explorers
@pytest.mark.parametrize("name", EXPLORERS)
def test_sweep_every_control_with_update(name):
    explorer = EXPLORERS[name]()
    assert explorer.state["ok"] and has_picture(explorer)
    for control_name, control in list(explorer.controls.items()):
        for value in control_values(control):
            explorer.update(**{control_name: value})
            now = explorer.params.get(control_name, getattr(explorer, control_name, None))
            assert now == value or not explorer.state["ok"] \
                or control_name in ("step", "row", "col")
            if explorer.state["ok"]:
                assert has_picture(explorer), (control_name, value)
                assert explorer.last_output is not None
            else:
                assert explorer.state["message"] and has_no_picture(explorer)
        explorer.update(**{control_name: control_values(control)[0]})


@pytest.mark.parametrize("name", EXPLORERS)
def test_moving_a_control_recomputes(name):
    """What a slider move does: the page sets a trait (or a control's value)."""
    explorer = EXPLORERS[name]()
    for control_name, control in explorer.controls.items():
        if control_name in ("row", "col"):
            continue
        values = control_values(control)
        if len(values) < 2:
            continue
        before = len(explorer.timings)
        value = values[1] if getattr(explorer, control_name) != values[1] else values[0]
        setattr(explorer, control_name, value)
        assert explorer.state["params"][control_name] == getattr(explorer, control_name)
        assert len(explorer.timings) == before + 1, f"{control_name} did not recompute"


@pytest.mark.parametrize("name", PAGE_EXPLORERS)
def test_page_explorer_saved_state_carries_front_end_and_numbers(name):
    explorer = PAGE_EXPLORERS[name]()
    assert explorer.widget is explorer
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle[0] \
        if isinstance(bundle, tuple) else bundle
    state = embed_data(views=[explorer], drop_defaults=False)["manager_state"]["state"]
    model = state[explorer.model_id]["state"]
    assert model["_model_module"] == "anywidget"
    assert "function pool2d(" in model["_esm"] and "export default" in model["_esm"]
    assert ".pooledu-x" in model["_css"]
    assert model["result"]["ok"] and model["result"]["key"][:4] == ["max", 2, 2, "valid"]
    np.testing.assert_array_equal(decode_array(model["result"]["output"]),
                                  explorer.state["output"])
    assert decode_array(model["x"])[0].tolist() == [1.0, 3.0, 2.0, 4.0] and model["x"]["float32"]


@pytest.mark.parametrize("name", EXPLORERS)
def test_update_rejects_unknown_names_and_values(name):
    explorer = EXPLORERS[name]()
    with pytest.raises(TypeError, match="unknown parameter"):
        explorer.update(colour="red")
    dropdown = {"ShiftExplorer": "direction", "PoolingZoo": "left"}.get(name, "mode")
    with pytest.raises(ValueError, match=dropdown):
        explorer.update(**{dropdown: "no such option"})


@pytest.mark.parametrize("name", PAGE_EXPLORERS)
def test_page_explorer_rejects_bad_numbers(name):
    explorer = PAGE_EXPLORERS[name]()
    with pytest.raises(TypeError, match="pool_size must be an integer; got 2.5"):
        explorer.update(pool_size=2.5)
    with pytest.raises(ValueError, match="strides must be at least 1; got 0"):
        explorer.update(strides=0)
    with pytest.raises(ValueError, match="padding must be 'valid'.*'same'.*; got 'full'"):
        explorer.update(padding="full")
    assert explorer.state["ok"] and explorer.pool_size == 2


@pytest.mark.parametrize("name", list(PAGE_EXPLORERS))
def test_impossible_window_is_explained_not_raised(name):
    explorer = EXPLORERS[name]()
    explorer.update(pool_size=5, padding="valid")
    assert not explorer.state["ok"]
    expected = ("A 5x5 window does not fit in a 4x4 input with padding 'valid'. "
                "Choose a pool size of at most 4, or padding 'same'.")
    assert explorer.state["message"] == expected == explorer.result["message"]
    assert explorer.last_output is None and has_no_picture(explorer)
    explorer.update(padding="same")       # the same window now fits
    assert explorer.state["ok"] and has_picture(explorer) and explorer.state["message"] == ""


def test_impossible_window_from_a_slider_move_is_explained():
    explorer = widgets.PoolingExplorer()
    explorer.pool_size = 6                  # what the page does when the slider moves
    assert "does not fit" in explorer.state["message"]
    assert explorer.result["message"] == explorer.state["message"]


@pytest.mark.parametrize("make", [
    lambda: widgets.ShiftExplorer(np.ones((3, 3)), pool_size=2),
    lambda: widgets.PoolingZoo(np.ones((3, 3))),
])
def test_impossible_in_other_explorers(make):
    explorer = make()
    explorer.update(pool_size=4)
    assert not explorer.state["ok"] and "does not fit in a 3x3 input" in explorer.state["message"]


def _rss_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096
    except OSError:            # not Linux: the other checks still run
        return 0


@pytest.mark.parametrize("name", EXPLORERS)
def test_no_figure_or_memory_leak_over_200_updates(name):
    explorer = EXPLORERS[name]()
    # two settings to alternate between, so every update really recomputes
    sweeps = {
        "PoolingExplorer": [{"pool_size": 2, "mode": "max"}, {"pool_size": 3, "mode": "avg"}],
        "WindowStepper": [{"step": 0}, {"step": 3}],
        "ShiftExplorer": [{"shift": 0}, {"shift": 3}],
        "PoolingZoo": [{"left": "max_pool2d"}, {"left": "soft_pool2d"}],
        "GradientExplorer": [{"row": 0, "col": 0}, {"row": 1, "col": 1}],
    }[name]
    figures = plt.get_fignums()
    for params in sweeps * 5:            # warm up caches, fonts, ...
        explorer.update(**params)
    gc.collect()
    objects, rss = len(gc.get_objects()), _rss_bytes()
    for params in sweeps * 100:
        explorer.update(**params)
    gc.collect()
    assert plt.get_fignums() == figures, "no pyplot figure is created"
    assert len(gc.get_objects()) - objects < 2_000
    assert _rss_bytes() - rss < 30_000_000, "memory stays roughly flat"


@pytest.mark.parametrize("name", PAGE_EXPLORERS)
def test_page_explorer_repr_is_short_and_stable(name):
    """nbval compares the text/plain of a widget's output: it must not carry the data."""
    explorer = PAGE_EXPLORERS[name]()
    text = repr(explorer)
    assert text.startswith(f"{name}(x: 4 x 4, mode='max', pool_size=2, strides=2")
    assert len(text) < 120 and text == repr(PAGE_EXPLORERS[name]())


# --------------------------------------------------------------------------- PoolingExplorer
def test_pooling_explorer_numbers_and_formula():
    explorer = widgets.PoolingExplorer()
    explorer.update(mode="max", pool_size=2, strides=2, padding="valid")
    np.testing.assert_array_equal(explorer.last_output, [[6, 8], [14, 16]])
    assert explorer.state["formula"][0].startswith("out = floor((4 - 2) / 2) + 1 = 2")
    assert explorer.state["output_shape"] == (2, 2)
    explorer.update(mode="avg", pool_size=3, strides=2, padding="same")
    assert explorer.state["output_shape"] == (2, 2)
    assert explorer.state["formula"][0].startswith("out = ceil(4 / 2) = 2")
    assert "0 before, 1 after" in explorer.state["formula"][0]
    np.testing.assert_allclose(explorer.last_output,
                               ref.pool2d(data.article_matrix(), "avg", 3, 2, "same"))
    explorer.update(strides=None)         # None means "equal to pool_size"
    assert explorer.strides == 3


def test_pooling_explorer_note_for_stride_larger_than_window():
    explorer = widgets.PoolingExplorer(pool_size=1, strides=3)
    assert explorer.state["ok"] and "never looked at" in explorer.state["message"]


def test_pooling_explorer_rectangular_rgb_input():
    img = data.photo((40, 30), grey=False)
    explorer = widgets.PoolingExplorer(img, mode="avg", pool_size=4)
    assert explorer.last_output.shape == (10, 7, 3)
    assert explorer.state["formula"][0].startswith("rows: out = floor((40 - 4) / 4) + 1 = 10")
    assert explorer.state["formula"][1].startswith("columns: out = floor((30 - 4) / 4) + 1 = 7")
    with pytest.raises(ValueError, match="shape"):
        widgets.PoolingExplorer(np.zeros((2, 3, 4, 5)))


def test_update_beyond_the_slider_range_extends_it():
    explorer = widgets.PoolingExplorer(data.photo(32))
    explorer.update(pool_size=12, strides=12)
    assert explorer.state["ok"] and explorer.last_output.shape == (2, 2)
    assert max(explorer.controls["pool_size"]) >= 12


# ------------------------------------------------------ PyTorch's options (issue 15)
TORCH_EXPLORERS = {"PoolingExplorer": widgets.PoolingExplorer,
                   "WindowStepper": widgets.WindowStepper}


@pytest.mark.parametrize("name", TORCH_EXPLORERS)
def test_pytorch_options_update_state_and_match_pooledu(name):
    x = data.article_matrix()
    explorer = TORCH_EXPLORERS[name]()
    assert {"dilation", "ceil_mode", "count_include_pad"} <= set(explorer.controls)
    assert explorer.controls["padding"] == ["valid", "same", 0, 1, 2, 3]
    for mode, k, s, padding, d, ceil, cip in [
            ("max", 2, 2, 1, 1, False, False), ("avg", 2, 2, 1, 1, False, True),
            ("avg", 3, 2, 1, 2, True, False), ("min", 2, 2, 0, 1, True, False),
            ("sum", 2, 1, "valid", 2, False, False), ("max", 3, 2, 1, 1, True, False)]:
        explorer.update(mode=mode, pool_size=k, strides=s, padding=padding, dilation=d,
                        ceil_mode=ceil, count_include_pad=cip, step=0)
        want = ref.pool2d(x, mode, k, s, padding, dilation=d, ceil_mode=ceil,
                          count_include_pad=cip)
        assert explorer.state["ok"], explorer.state["message"]
        np.testing.assert_array_equal(explorer.state["output"], want)
        assert explorer.state["params"] | {} == {
            "mode": mode, "pool_size": k, "strides": s, "padding": padding, "dilation": d,
            "ceil_mode": ceil, "count_include_pad": cip, "step": 0}
        assert explorer.result["key"] == [mode, k, s, padding, d, ceil, cip]
        np.testing.assert_array_equal(decode_array(explorer.result["output"]), want)


def test_pytorch_padding_formula_and_arithmetic():
    explorer = widgets.PoolingExplorer(mode="avg", padding=1, count_include_pad=True)
    assert explorer.state["formula"] == [
        "out = floor((4 + 2*1 - 1*(2 - 1) - 1) / 2) + 1 = 3  (padding 1 on each side)"]
    assert explorer.state["arithmetic"] == "(1) / 4 = 0.25"       # PyTorch's default
    explorer.update(count_include_pad=False)
    assert explorer.state["arithmetic"] == "(1) / 1 = 1"          # TensorFlow's rule
    explorer.update(mode="max", pool_size=3, strides=2, padding=1, dilation=2,
                    ceil_mode=True)
    assert explorer.state["formula"] == [
        "out = ceil((4 + 2*1 - 2*(3 - 1) - 1) / 2) + 1 = 2  (padding 1 on each side)"]
    assert explorer.state["taps"] == ([-1, 1, 3], [-1, 1, 3])
    assert explorer.state["rows"] == (-1, 4) and explorer.state["padded"] == 5
    assert explorer.state["arithmetic"] == "max(pad, pad, pad, pad, 6, 8, pad, 14, 16) = 16"
    # n = 5, k = 2, s = 2, p = 1: the ceil formula asks for 4, the rule keeps 3
    stepper = widgets.WindowStepper(np.arange(25.0).reshape(5, 5), pool_size=2, padding=1,
                                    ceil_mode=True)
    assert stepper.state["formula"] == [
        "out = ceil((5 + 2*1 - 1*(2 - 1) - 1) / 2) + 1 = 4 - 1 = 3  (padding 1 on each side; "
        "a last window starting in the right padding is dropped)"]
    assert stepper.state["n_windows"] == 9


@pytest.mark.parametrize("params, start", [
    ({"padding": 2}, "Padding 2 is more than half the 2x2 window"),
    ({"padding": "valid", "ceil_mode": True}, "ceil_mode needs an explicit padding"),
    ({"padding": "same", "dilation": 2}, "Dilation 2 is not defined with padding 'same'"),
    ({"padding": "same", "mode": "avg", "count_include_pad": True},
     "count_include_pad needs an explicit padding"),
    ({"padding": 0, "pool_size": 3, "dilation": 2}, "A 3x3 window with dilation 2 (it spans 5x5"),
])
@pytest.mark.parametrize("name", TORCH_EXPLORERS)
def test_not_allowed_combinations_are_explained_not_raised(name, params, start):
    explorer = TORCH_EXPLORERS[name]()
    explorer.update(**params)
    assert not explorer.state["ok"] and explorer.state["message"].startswith(start)
    assert explorer.result == {"key": explorer._key(), "ok": False,
                               "message": explorer.state["message"]}
    assert explorer.last_output is None
    kwargs = {"mode": explorer.mode, "pool_size": explorer.pool_size,
              "strides": explorer.strides, "padding": explorer.padding,
              "dilation": explorer.dilation, "ceil_mode": explorer.ceil_mode,
              "count_include_pad": explorer.count_include_pad and explorer.mode == "avg"}
    with pytest.raises(ValueError):      # pooledu refuses the same setting
        ref.pool2d(data.article_matrix(), **kwargs)
    explorer.update(padding="valid", dilation=1, ceil_mode=False, count_include_pad=False,
                    pool_size=2, strides=2)
    assert explorer.state["ok"] and explorer.state["message"] == ""


def test_a_window_of_padding_only_is_explained_for_average():
    x = np.arange(4.0).reshape(2, 2)     # taps -1 and 2 of the first window: padding only
    explorer = widgets.WindowStepper(x, mode="avg", pool_size=2, padding=1, dilation=3)
    assert not explorer.state["ok"]
    assert explorer.state["message"].startswith("A window holds padding only")
    with pytest.raises(ValueError, match="padding only"):
        ref.pool2d(x, "avg", 2, 2, 1, dilation=3)
    explorer.update(count_include_pad=True)  # its 4 padded cells count: 0 / 4
    assert explorer.state["ok"] and explorer.state["arithmetic"] == "(0) / 4 = 0"
    explorer.update(mode="max")              # max pads with -inf
    assert explorer.state["arithmetic"] == "max(pad, pad, pad, pad) = -inf"


def test_count_include_pad_acts_on_average_only():
    explorer = widgets.PoolingExplorer(padding=1, count_include_pad=True)
    assert explorer.state["ok"] and explorer.mode == "max"
    np.testing.assert_array_equal(explorer.last_output,
                                  ref.pool2d(data.article_matrix(), "max", 2, 2, 1))


@pytest.mark.parametrize("params, error, match", [
    ({"padding": -1}, ValueError, r"padding must be 'valid', 'same' or an int >= 0 .*got -1"),
    ({"padding": 1.5}, ValueError, r"padding must be .*got 1.5"),
    ({"padding": True}, ValueError, r"padding must be .*got True"),
    ({"dilation": 0}, ValueError, "dilation must be at least 1; got 0"),
    ({"dilation": 1.5}, TypeError, "dilation must be an integer; got 1.5"),
    ({"ceil_mode": "yes"}, TypeError, "ceil_mode must be True or False; got 'yes'"),
    ({"count_include_pad": 1}, TypeError, "count_include_pad must be True or False; got 1"),
])
def test_bad_pytorch_values_raise_naming_parameter_value_and_allowed(params, error, match):
    explorer = widgets.PoolingExplorer()
    with pytest.raises(error, match=match):
        explorer.update(**params)
    assert explorer.state["ok"] and explorer.params["padding"] == "valid"


def test_dilation_beyond_the_slider_range_extends_it():
    explorer = widgets.PoolingExplorer(data.photo(32), pool_size=2, dilation=5)
    assert explorer.state["ok"] and explorer.dmax == 5
    assert explorer.controls["dilation"] == [1, 2, 3, 4, 5]
    explorer.update(padding=1, pool_size=2)
    assert explorer.controls["padding"] == ["valid", "same", 0, 1, 2, 3, 4]   # kmax 8


def test_gradient_explorer_keeps_tensorflow_paddings():
    explorer = widgets.GradientExplorer()
    assert explorer.torch_options is False
    assert explorer.controls["padding"] == ["valid", "same"]
    assert not {"dilation", "ceil_mode", "count_include_pad"} & set(explorer.controls)
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'; got 1"):
        explorer.update(padding=1)
    with pytest.raises(TypeError, match="unknown parameter"):
        explorer.update(dilation=2)


def test_saved_defaults_look_as_before():
    """Explorers saved in notebooks: the default settings and texts are unchanged."""
    explorer = widgets.PoolingExplorer()
    assert (explorer.dilation, explorer.ceil_mode, explorer.count_include_pad) == (1, False, False)
    assert explorer.state["formula"] == ["out = floor((4 - 2) / 2) + 1 = 2  (no padding)"]
    assert repr(explorer) == ("PoolingExplorer(x: 4 x 4, mode='max', pool_size=2, strides=2, "
                              "padding='valid', step=0)")
    explorer.update(padding=1, dilation=2, pool_size=3)
    assert "padding=1, dilation=2, step=0)" in repr(explorer)


# --------------------------------------------------------------------------- WindowStepper
def test_window_arithmetic_strings():
    assert widgets.window_arithmetic([1, 3, 5, 6], "max") == ("max(1, 3, 5, 6) = 6", 6.0)
    assert widgets.window_arithmetic([1, 3, 5, 6], "avg") == ("(1 + 3 + 5 + 6) / 4 = 3.75", 3.75)
    assert widgets.window_arithmetic([1, 3, 5, 6], "sum") == ("1 + 3 + 5 + 6 = 15", 15.0)
    assert widgets.window_arithmetic([1, None], "min") == ("min(1, pad) = 1", 1.0)
    assert widgets.window_arithmetic([None, 2, None, 4], "avg")[0] == "(2 + 4) / 2 = 3"
    assert widgets.window_arithmetic([3, None, 4], "lp") == ("sqrt(3\u00b2 + 4\u00b2) = 5", 5.0)
    assert widgets.window_arithmetic([1, 3], "avg", result=2.5)[0] == "(1 + 3) / 2 = 2.5"
    with pytest.raises(ValueError, match="mode"):
        widgets.window_arithmetic([1], "median")
    with pytest.raises(ValueError, match="real"):
        widgets.window_arithmetic([None], "max")


def test_stepper_walks_every_window_and_matches_the_reference():
    x = data.article_matrix()
    stepper = widgets.WindowStepper()
    for mode, k, s, padding in [("max", 2, 2, "valid"), ("avg", 3, 2, "same"),
                                ("min", 3, 1, "same"), ("sum", 2, 1, "valid"),
                                ("avg", 1, 1, "valid"), ("max", 2, 3, "same")]:
        stepper.update(mode=mode, pool_size=k, strides=s, padding=padding, step=0)
        expected = ref.pool2d(x, mode, k, s, padding)
        assert stepper.state["n_windows"] == expected.size
        assert max(stepper.controls["step"]) == expected.size - 1
        for i in range(expected.size):
            stepper.update(step=i)
            assert stepper.last_output == pytest.approx(float(expected.flat[i]))
            assert stepper.state["arithmetic"].endswith(
                "= " + format_number(expected.flat[i]))


def test_stepper_shows_padding_under_same():
    stepper = widgets.WindowStepper(mode="max", pool_size=3, strides=2, padding="same")
    stepper.update(step=3)
    assert stepper.state["arithmetic"] == "max(11, 12, pad, 15, 16, pad, pad, pad, pad) = 16"
    assert stepper.state["padded"] == 5
    stepper.update(mode="avg")
    assert stepper.state["arithmetic"] == "(11 + 12 + 15 + 16) / 4 = 13.5"
    assert stepper.state["rows"] == (2, 5) and stepper.state["cols"] == (2, 5)


def test_stepper_step_is_clamped():
    stepper = widgets.WindowStepper()
    stepper.step = 2                            # what Play / the slider do on the page
    assert stepper.state["out_index"] == (1, 0)
    stepper.update(step=3)
    stepper.update(pool_size=4, strides=4)      # one window left
    assert stepper.step == 0 and stepper.state["n_windows"] == 1
    assert stepper.state["arithmetic"] == ("max(1, 3, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, "
                                           "15, 16) = 16")
    stepper = widgets.WindowStepper(np.arange(25.0).reshape(5, 5), mode="sum", pool_size=5)
    assert stepper.state["arithmetic"] == "0 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + ... + 22 + 23 + 24 = 300"


def test_stepper_first_window_default_example():
    stepper = widgets.WindowStepper()
    assert stepper.state["arithmetic"] == "max(1, 3, 5, 6) = 6"
    stepper.update(mode="avg")
    assert stepper.state["arithmetic"] == "(1 + 3 + 5 + 6) / 4 = 3.75"
    with pytest.raises(ValueError, match="mode"):
        widgets.WindowStepper(mode="lp")


# --------------------------------------------------------------------------- ShiftExplorer
def test_shift_explorer_curves_start_at_one_and_match_direct_computation():
    explorer = widgets.ShiftExplorer(max_shift=4)
    for pattern in widgets.SHIFT_PATTERNS:
        explorer.update(pattern=pattern, shift=2, pool_size=2, direction="right")
        curves = explorer.state["curves"]
        assert set(curves) == {"max", "avg", "max-blur"}
        for curve in curves.values():
            assert len(curve) == 5 and curve[0] == pytest.approx(1.0)
        x = widgets.SHIFT_PATTERNS[pattern]()
        pooled0 = ref.max_pool2d(x, 2)
        pooled2 = ref.max_pool2d(np.roll(x, 2, axis=1), 2)
        cos = float(np.sum(pooled0 * pooled2) / (np.linalg.norm(pooled0) * np.linalg.norm(pooled2)))
        assert explorer.last_output["max"] == pytest.approx(cos)


def test_shift_explorer_max_abs_change_and_periodic_input():
    # stripes of period 2 shifted by 2 are the same image: nothing changes
    explorer = widgets.ShiftExplorer(data.stripes(2, size=16), max_shift=4,
                                     methods=("max", "avg", "blur", "max-blur"))
    explorer.update(metric="max abs change", shift=2)
    assert all(v == pytest.approx(0.0) for v in explorer.last_output.values())
    explorer.update(shift=1)
    # max pooling of period-2 stripes is all ones whatever the phase: invariant
    assert explorer.last_output["max"] == pytest.approx(0.0)
    assert explorer.state["outputs"]["blur"].shape == (8, 8)
    with pytest.raises(ValueError, match="methods"):
        widgets.ShiftExplorer(methods=("max", "median"))


def test_shift_explorer_on_a_digit_like_the_notebook():
    digits, _, _ = data.shifted_digits(canvas=24, scale=2, max_shift=0)
    explorer = widgets.ShiftExplorer(digits[3], pool_size=2, max_shift=6,
                                     methods=("max", "avg", "max-blur"))
    explorer.update(shift=1, direction="diagonal")
    assert "pattern" not in explorer.controls
    assert 0 < explorer.last_output["max"] < 1


# --------------------------------------------------------------------------- PoolingZoo
def test_zoo_runs_every_function_on_the_photo():
    zoo = widgets.PoolingZoo()
    assert zoo.x.shape == (128, 128)
    for name in zoo.functions:
        zoo.update(left=name, right=name, pool_size=2)
        assert zoo.state["ok"], (name, zoo.state["message"])
        left = zoo.last_output["left"]
        assert np.all(np.isfinite(left)), name
        np.testing.assert_array_equal(left, zoo.last_output["right"])
    zoo.update(left="avg_pool2d", right="max_pool2d", pool_size=4)
    np.testing.assert_allclose(zoo.last_output["left"], ref.avg_pool2d(zoo.x, 4))
    assert zoo.state["shapes"] == {"left": (32, 32), "right": (32, 32)}


def test_zoo_precomputes_every_function_and_size_with_pooledu():
    zoo = widgets.PoolingZoo(data.photo(32))
    assert len(zoo.table) == len(zoo.functions) * 8
    for name in zoo.functions:
        for k in (1, 3, 8):
            zoo.update(left=name, right="max_pool2d", pool_size=k)
            out = zoo.last_output["left"]
            lo, hi = zoo.state["ranges"]["left"]
            assert zoo.table[f"{name}|{k}"]["line"] == widgets.pooling_zoo.zoo_line(
                name, zoo.functions[name][1], out)
            assert f"values {format_number(lo)} to {format_number(hi)}" in zoo.state["text"]
    state = embed_data(views=[zoo], drop_defaults=False)["manager_state"]["state"]
    model = state[zoo.model_id]["state"]
    assert "export default" in model["_esm"] and model["table"] == zoo.table
    assert len(set(zoo.pictures)) == len(zoo.pictures), "each picture stored once"


def test_zoo_colour_photo():
    zoo = widgets.PoolingZoo(data.photo(32, grey=False), left="lp_pool2d (p=2)",
                             right="spatial_pyramid_pool2d")
    assert zoo.state["ok"] and zoo.last_output["left"].shape == (16, 16, 3)
    with pytest.raises(ValueError, match="left"):
        widgets.PoolingZoo(left="median_pool2d")


# --------------------------------------------------------------------------- GradientExplorer
def test_gradient_max_goes_to_the_winner_avg_spreads():
    explorer = widgets.GradientExplorer()
    explorer.update(mode="max", row=0, col=1)
    assert explorer.state["receivers"] == [(1, 3, 8.0, 1.0)]
    assert explorer.last_output.sum() == 1.0
    explorer.update(mode="avg", row=1, col=1)
    assert [(r, c) for r, c, _, _ in explorer.state["receivers"]] == [(2, 2), (2, 3), (3, 2),
                                                                      (3, 3)]
    assert all(g == 0.25 for *_, g in explorer.state["receivers"])
    assert "shared equally by the 4 real cells" in explorer.state["summary"]


def test_gradient_matches_pool2d_grad_for_every_cell_and_setting():
    x = data.article_matrix()
    explorer = widgets.GradientExplorer()
    for mode, k, s, padding in [("max", 2, 2, "valid"), ("avg", 3, 2, "same"),
                                ("max", 3, 1, "same"), ("avg", 2, 1, "valid")]:
        explorer.update(mode=mode, pool_size=k, strides=s, padding=padding, row=0, col=0)
        out = explorer.state["output"]
        for r, c in np.ndindex(*out.shape):
            explorer.update(row=r, col=c)
            dy = np.zeros_like(out, dtype=float)
            dy[r, c] = 1
            np.testing.assert_allclose(explorer.last_output,
                                       ref.pool2d_grad(x, dy, mode, k, s, padding))


def test_gradient_all_cells_accumulates_over_overlapping_windows():
    x = np.arange(16.0).reshape(4, 4) / 100
    x[1, 1] = 9                          # wins the four 2x2 windows that contain it
    explorer = widgets.GradientExplorer(x, mode="max", pool_size=2, strides=1)
    explorer.update(all_cells=True)
    dx = explorer.last_output
    assert dx.sum() == 9, "nine windows, one unit of gradient each"
    assert dx[1, 1] == 4 and dx.max() == 4
    assert "dy = 1 for all 9 output cells" in explorer.state["summary"]
    assert "the most, 4, goes to cell (1, 1)" in explorer.state["summary"]


def test_gradient_sliders_follow_the_output_shape():
    explorer = widgets.GradientExplorer()
    explorer.update(pool_size=1, strides=1, row=3, col=3)
    explorer.update(pool_size=2, strides=2)
    assert explorer.controls["row"] == [0, 1] and explorer.state["out_index"] == (1, 1)


def test_gradient_explorer_on_a_large_image():
    explorer = widgets.GradientExplorer(data.photo(256))
    explorer.update(row=40, col=70)
    assert explorer.state["ok"] and len(explorer.state["receivers"]) == 1
    assert explorer.state["out_index"] == (40, 70) and has_picture(explorer)
    assert decode_array(explorer.result["dx"]).shape == (256, 256)


def test_shift_explorer_precomputes_every_setting_with_pooledu():
    explorer = widgets.ShiftExplorer(max_shift=3, methods=("max", "avg", "blur", "max-blur"))
    assert len(explorer.scenes) == len(widgets.SHIFT_PATTERNS) * 3 * 4
    for key, scene in explorer.scenes.items():
        pattern, direction, k = key.split("|")
        explorer.update(pattern=pattern, direction=direction, pool_size=int(k))
        for metric in ("cosine similarity", "max abs change"):
            explorer.update(metric=metric)
            for shift in range(4):
                explorer.update(shift=shift)
                for m, value in explorer.state["similarity"].items():
                    assert scene["curves"][metric][m][shift] == value
                    assert scene["labels"][metric][m][shift] == format_number(value)
    # the saved widget state carries the front end and every precomputed setting
    state = embed_data(views=[explorer], drop_defaults=False)["manager_state"]["state"]
    model = state[explorer.model_id]["state"]
    assert "export default" in model["_esm"] and ".pooledu-shift" in model["_css"]
    assert model["scenes"] == explorer.scenes and model["pictures"] == explorer.pictures
    assert len(set(explorer.pictures)) == len(explorer.pictures), "each picture stored once"


# ------------------------------------------------------------ use your own image ---
def _png_bytes(array, mode=None):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(array), mode=mode).save(buffer, format="png")
    return buffer.getvalue()


def _photo_like(h=90, w=150):
    rng = np.random.default_rng(7)
    return (rng.random((h, w, 3)) * 255).astype(np.uint8)


def _expected(rgb_uint8, size):
    """What the explorers must make of an RGB picture: luma, centre square, area resize."""
    grey = rgb_uint8.astype(np.float64) / 255.0 @ data._LUMA
    h, w = grey.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = grey[top:top + side, left:left + side]
    if side > size:
        square = data.resize(square, size)
    return np.clip(square, 0, 1).astype(np.float32)


def test_to_image_decodes_crops_and_shrinks_a_png():
    rgb = _photo_like()
    got = _upload.to_image(_png_bytes(rgb), size=64)
    assert got.shape == (64, 64) and got.dtype == np.float32
    np.testing.assert_array_equal(got, _expected(rgb, 64))
    small = _upload.to_image(_png_bytes(rgb[:20, :30]), size=64)   # never enlarged
    np.testing.assert_array_equal(small, _expected(rgb[:20, :30], 64))
    colour = _upload.to_image(_png_bytes(rgb), size=32, grey=False)
    assert colour.shape == (32, 32, 3)


def test_to_image_takes_bytes_a_path_or_an_array_alike(tmp_path):
    rgb = _photo_like(70, 50)
    path = tmp_path / "mine.png"
    path.write_bytes(_png_bytes(rgb))
    from_bytes = _upload.to_image(path.read_bytes(), size=40)
    np.testing.assert_array_equal(_upload.to_image(path, size=40), from_bytes)
    np.testing.assert_array_equal(_upload.to_image(str(path), size=40), from_bytes)
    np.testing.assert_array_equal(_upload.to_image(rgb, size=40), from_bytes)
    np.testing.assert_array_equal(_upload.to_image(rgb / 255.0, size=40), from_bytes)
    grey = np.linspace(0, 1, 36, dtype=np.float32).reshape(6, 6)
    np.testing.assert_array_equal(_upload.to_image(grey, size=40), grey)


def test_to_image_puts_transparent_pixels_on_white():
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[:4, :, 3] = 255                      # top half opaque black, bottom transparent
    got = _upload.to_image(_png_bytes(rgba), size=8)
    assert got[:4].max() == 0 and got[4:].min() == pytest.approx(1.0)


@pytest.mark.parametrize("bad, error, words", [
    (b"", ValueError, "data is empty"),
    (b"this is not a picture at all", ValueError, "not an image file"),
    (np.zeros((2, 9)), ValueError, "at least 4"),
    (np.zeros((5, 5, 2)), ValueError, "shape (H, W), (H, W, 3)"),
    (np.full((5, 5), 2.0), ValueError, "in [0, 1]"),
    (np.full((5, 5), np.nan), ValueError, "finite"),
    (np.full((5, 5), 300), ValueError, "0..255"),
    (np.array([["a"] * 5] * 5), TypeError, "numeric"),
    (42, TypeError, "data must be the bytes of an image file"),
    ("/no/such/picture.png", ValueError, "cannot read the file"),
])
def test_to_image_refuses_bad_data_naming_the_parameter(bad, error, words):
    with pytest.raises(error) as info:
        _upload.to_image(bad)
    assert str(info.value).startswith("data") and words in str(info.value)


def test_to_image_refuses_huge_files_and_pictures(monkeypatch):
    assert _upload.MAX_BYTES == 8 * 2**20 and _upload.MAX_PIXELS == 25_000_000
    with pytest.raises(ValueError, match=r"data has 8388609 bytes; at most 8388608") as info:
        _upload.to_image(b"\x89PNG" + bytes(_upload.MAX_BYTES - 3))
    assert info.value.friendly == ("That file is too large (8.1 MB). "
                                   "Choose a picture under 8 MB.")   # as upload.js says
    monkeypatch.setattr(_upload, "MAX_PIXELS", 100)
    with pytest.raises(ValueError, match=r"data is 20 x 10 pixels; at most 100 pixels"):
        _upload.to_image(_png_bytes(np.zeros((10, 20), dtype=np.uint8)))


def test_the_largest_file_fits_in_one_websocket_message_of_the_server():
    """The file travels as one websocket message (binary buffer plus a small JSON
    header); Tornado, under jupyter_server, closes the connection on one over
    ``websocket_max_message_size`` (10 MiB unless a server raises it)."""
    tornado_websocket = pytest.importorskip("tornado.websocket")
    limit = tornado_websocket._default_max_message_size
    assert limit == 10 * 2**20
    assert _upload.MAX_BYTES + 64 * 1024 <= limit


def _png16(values):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(values, dtype=np.uint16)).save(buffer, format="png")
    return buffer.getvalue()


def test_16_bit_greyscale_pngs_keep_their_tones():
    """16-bit greyscale (Pillow mode I;16) is divided by 65535: a ramp stays a ramp
    (clipping at 255 made nearly all of it white)."""
    from PIL import Image

    ramp = np.linspace(0, 65535, 24 * 24).round().reshape(24, 24).astype(np.uint16)
    assert Image.open(io.BytesIO(_png16(ramp))).mode.startswith("I")
    got = _upload.to_image(_png16(ramp), size=24)
    np.testing.assert_allclose(got, ramp / 65535.0, atol=1e-6)
    assert got.mean() == pytest.approx(0.5, abs=0.01)
    # the same picture stored with 8 bits per pixel gives the same tones (to 1/255)
    eight = _upload.to_image(_png_bytes((ramp >> 8).astype(np.uint8)), size=24)
    np.testing.assert_allclose(got, eight, atol=1.01 / 255)
    big = np.tile(ramp, (60, 60))                    # 1440 x 1440: shrunk in Pillow first
    assert _upload.to_image(_png16(big), size=16).mean() == pytest.approx(0.5, abs=0.01)
    mode_i = Image.fromarray(ramp.astype(np.int32), mode="I")     # a 32-bit image
    np.testing.assert_allclose(_upload._pixels(mode_i), ramp / 65535.0)


def test_float_and_wide_integer_pictures_are_scaled_by_their_range():
    from PIL import Image

    unit = np.linspace(0, 1, 36, dtype=np.float32).reshape(6, 6)
    np.testing.assert_allclose(_upload._pixels(Image.fromarray(unit, mode="F")), unit)
    wide = unit * 8 - 3                              # -3..5: min -> 0, max -> 1
    np.testing.assert_allclose(_upload._pixels(Image.fromarray(wide, mode="F")), unit,
                               atol=1e-6)
    flat = Image.fromarray(np.full((6, 6), 7.0, dtype=np.float32), mode="F")
    np.testing.assert_array_equal(_upload._pixels(flat), np.full((6, 6), 0.5))
    deep = Image.fromarray((unit * 1e6).astype(np.int32), mode="I")
    np.testing.assert_allclose(_upload._pixels(deep), unit, atol=1e-6)


def _saved(fmt, **options):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(_photo_like(16, 16)).save(buffer, format=fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "WEBP"])
def test_the_formats_the_page_names_are_read(fmt):
    assert _upload.to_image(_saved(fmt), size=8).shape == (8, 8)


@pytest.mark.parametrize("raw", [
    _saved("TIFF"), _saved("PPM"),
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 16 16\nshowpage\n",   # Ghostscript
])
def test_other_formats_are_not_tried(raw, monkeypatch):
    from PIL import EpsImagePlugin

    def no_ghostscript(*args, **kwargs):
        raise AssertionError("Ghostscript must never run on an upload")

    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", no_ghostscript)
    with pytest.raises(ValueError, match=r"^data \(\d+ bytes\) is not an image file the "
                                         r"explorers read \(PNG, JPEG, GIF, BMP, WEBP\)"):
        _upload.to_image(raw)


@pytest.mark.parametrize("error", [struct.error("unpack requires a buffer of 4 bytes"),
                                   KeyError(274), IndexError("tuple index out of range")])
def test_a_broken_file_is_a_value_error_naming_data(error, monkeypatch):
    """Pillow can raise struct.error or KeyError on broken EXIF (exif_transpose): the
    caller sees a ValueError naming ``data`` (and the page a sentence)."""
    from PIL import ImageOps

    def broken(image, **kwargs):
        raise error

    monkeypatch.setattr(ImageOps, "exif_transpose", broken)
    with pytest.raises(ValueError, match=r"^data \(\d+ bytes\) could not be decoded") as info:
        _upload.to_image(_saved("JPEG"))
    assert "damaged" in info.value.friendly
    truncated = _saved("PNG")[:-40]
    with pytest.raises(ValueError, match=r"^data "):
        _upload.to_image(truncated)


def test_large_pictures_are_shrunk_before_they_become_floats():
    from PIL import Image

    for mode in ("L", "RGB", "P", "I;16"):
        image = Image.new(mode, (3000, 1200))
        small = _upload._shrink(image)
        assert max(small.size) == 1024 and small.size[1] in (409, 410), (mode, small.size)
    jpeg = io.BytesIO()
    Image.fromarray(_photo_like(2400, 3000)).save(jpeg, format="JPEG")
    got = _upload.to_image(jpeg.getvalue(), size=64)
    assert got.shape == (64, 64) and 0.3 < got.mean() < 0.7


def test_an_array_with_alpha_is_laid_over_white_as_a_file_is():
    rgba = _photo_like(20, 20)
    rgba = np.concatenate([rgba, np.zeros((20, 20, 1), dtype=np.uint8)], axis=-1)
    rgba[:10, :, 3] = 255                   # top half opaque, bottom half transparent
    rgba[10:15, :, 3] = 128                 # ... and a half-transparent band
    from_file = _upload.to_image(_png_bytes(rgba), size=20, grey=False)
    np.testing.assert_allclose(_upload.to_image(rgba, size=20, grey=False), from_file,
                               atol=1e-6)
    np.testing.assert_allclose(_upload.to_image(rgba / 255.0, size=20, grey=False),
                               from_file, atol=1e-6)
    assert from_file[15:].min() == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"^data: a float image must hold values in \[0, 1\]"):
        _upload.to_image(np.concatenate([rgba[..., :3] / 255.0,
                                         np.full((20, 20, 1), 2.0)], axis=-1))


UPLOAD_EXPLORERS = {
    "ShiftExplorer": (lambda: widgets.ShiftExplorer(max_shift=3, pattern="stripes"), 64),
    "PoolingZoo": (lambda: widgets.PoolingZoo(data.photo(32)), 128),
}


def _same_numbers(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], dict):
            _same_numbers(a[key], b[key])
        elif isinstance(a[key], np.ndarray):
            np.testing.assert_array_equal(a[key], b[key])
        else:
            assert a[key] == b[key], key


@pytest.mark.parametrize("name", UPLOAD_EXPLORERS)
def test_explorer_shows_an_uploaded_image_and_goes_back(name):
    make, size = UPLOAD_EXPLORERS[name]
    explorer = make()
    builtin_state, builtin_params = explorer.state, explorer.params
    assert builtin_state["image"] == "built-in" and explorer.uploaded == ""
    rgb = _photo_like(300, 200)
    explorer.load_image(_png_bytes(rgb), name="cat.png")
    x = _expected(rgb, size)
    assert explorer.state["image"] == f"cat.png, {size} x {size}, grey"
    assert explorer.image == "uploaded" and explorer.image_rev == 1
    # the numbers are pooledu's on the decoded image, as for an explorer built on it
    fresh = type(explorer)(x, **({"max_shift": 3} if name == "ShiftExplorer" else {}))
    fresh.update(**{k: v for k, v in explorer.params.items() if k != "pattern"})
    _same_numbers({k: v for k, v in explorer.state.items() if k not in ("image", "params")},
                  {k: v for k, v in fresh.state.items() if k not in ("image", "params")})
    explorer.update(pool_size=3)
    assert explorer.state["image"].startswith("cat.png") and explorer.state["ok"]
    explorer.update(image="built-in", pool_size=builtin_params["pool_size"])
    assert explorer.params == builtin_params and explorer.image_rev == 2
    _same_numbers(explorer.state, builtin_state)
    explorer.update(image="uploaded")
    assert explorer.state["image"].startswith("cat.png")
    explorer.load_image(None)
    assert explorer.state["image"] == "built-in"


@pytest.mark.parametrize("name", UPLOAD_EXPLORERS)
def test_explorer_upload_api_refuses_bad_input(name):
    explorer = UPLOAD_EXPLORERS[name][0]()
    with pytest.raises(ValueError, match=r"image must be one of \['built-in'\]; got 'uploaded'"):
        explorer.update(image="uploaded")
    with pytest.raises(ValueError, match=r"^data .*not an image file"):
        explorer.load_image(b"GIF89a but not really")
    with pytest.raises(TypeError, match=r"^data must be"):
        explorer.load_image(3.5)
    assert explorer.state["image"] == "built-in" and explorer.image_rev == 0


@pytest.mark.parametrize("name", UPLOAD_EXPLORERS)
def test_page_messages_upload_and_friendly_errors(name, monkeypatch):
    """What the page sends (upload.js): hello, then a file's bytes as one buffer."""
    explorer = UPLOAD_EXPLORERS[name][0]()
    sent = []
    monkeypatch.setattr(explorer, "send", lambda content, buffers=None: sent.append(content))
    explorer._on_upload_message(explorer, {"type": "pooledu-upload-hello"}, [])
    assert sent.pop() == {"type": "pooledu-upload-ready"}
    for raw, words in ((b"", "That file is empty."),
                       (b"<html>not a picture</html>", "not a picture this explorer can read"),
                       (_png_bytes(np.zeros((2, 2), dtype=np.uint8)), "too small")):
        explorer._on_upload_message(explorer, {"type": "pooledu-upload", "name": "f"},
                                    [memoryview(raw)])
        reply = sent.pop()
        assert reply["ok"] is False and words in reply["message"], reply
        assert "Traceback" not in reply["message"] and "Error" not in reply["message"]
    assert explorer.state["image"] == "built-in"
    explorer._on_upload_message(explorer, {"type": "pooledu-upload", "name": "dog.png"},
                                [memoryview(_png_bytes(_photo_like()))])
    reply = sent.pop()
    assert reply["ok"] is True and "dog.png" in reply["message"]
    assert explorer.state["image"].startswith("dog.png")
    explorer.image = "built-in"                  # the page's "image" select
    assert explorer.state["image"] == "built-in" and explorer.image_rev == 2
    explorer.image = "uploaded"
    assert explorer.state["image"].startswith("dog.png") and explorer.image_rev == 3


@pytest.mark.parametrize("name", UPLOAD_EXPLORERS)
def test_upload_front_end_is_in_the_widget_state(name):
    explorer = UPLOAD_EXPLORERS[name][0]()
    saved = embed_data(views=[explorer], drop_defaults=False)["manager_state"]["state"]
    state = saved[explorer.model_id]["state"]
    assert "function uploadable(render)" in state["_esm"]
    assert "render: uploadable(render)" in state["_esm"]
    assert ".pooledu-upload" in state["_css"]
    assert state["upload"] is True and state["image"] == "built-in" and state["uploaded"] == ""


@pytest.mark.parametrize("name", UPLOAD_EXPLORERS)
def test_an_unexpected_failure_is_a_sentence_and_the_explorer_keeps_its_image(name,
                                                                              monkeypatch):
    explorer = UPLOAD_EXPLORERS[name][0]()
    builtin_state = explorer.state
    sent = []
    monkeypatch.setattr(explorer, "send", lambda content, buffers=None: sent.append(content))
    use_image = explorer._use_image

    def fails_for_uploads(x):
        if x is not None:
            raise RuntimeError("out of memory, say")
        use_image(x)

    monkeypatch.setattr(explorer, "_use_image", fails_for_uploads)
    explorer._on_upload_message(explorer, {"type": "pooledu-upload", "name": "big.png"},
                                [memoryview(_png_bytes(_photo_like()))])
    assert sent.pop() == {"type": "pooledu-upload-done", "ok": False, "message":
                          "That picture could not be used. Try another PNG or JPEG file."}
    assert explorer.uploaded == "" and explorer.image == "built-in"
    _same_numbers(explorer.state, builtin_state)


def test_a_shift_explorer_built_on_an_array_goes_back_to_it(monkeypatch):
    """Notebook 05: ``ShiftExplorer(digit, ...)``; an upload, then back to the digit by
    load_image(None), update(image="built-in") and the page's "image" menu."""
    digit = data.dots(24, spacing=6)          # any array: the digit in 05
    explorer = widgets.ShiftExplorer(digit, max_shift=3)
    builtin_state = explorer.state
    sent = []
    monkeypatch.setattr(explorer, "send", lambda content, buffers=None: sent.append(content))
    png = _png_bytes(_photo_like())
    explorer.load_image(png, name="cat.png")
    assert explorer.state["image"].startswith("cat.png")
    explorer.load_image(None)
    assert explorer.image == "built-in" and explorer.pattern == "" and explorer.patterns == []
    _same_numbers(explorer.state, builtin_state)
    np.testing.assert_array_equal(explorer.x, digit)
    explorer.load_image(png, name="cat.png")
    explorer.update(image="built-in")
    _same_numbers(explorer.state, builtin_state)
    explorer.update(image="uploaded")
    explorer.image = "built-in"                   # the page's "image" menu
    _same_numbers(explorer.state, builtin_state)
    assert sent == [] and "x: 24 x 24" in repr(explorer)


@pytest.mark.parametrize("name", UPLOAD_EXPLORERS)
def test_the_page_handlers_never_raise_they_say_a_sentence(name, monkeypatch):
    explorer = UPLOAD_EXPLORERS[name][0]()
    sent = []
    monkeypatch.setattr(explorer, "send", lambda content, buffers=None: sent.append(content))
    explorer.image = "uploaded"                   # the menu asks for an image not there
    assert explorer.image == "built-in" and explorer.image_rev == 0
    assert sent.pop() == {"type": "pooledu-upload-done", "ok": False, "message":
                          "That image is not available. Choose your file again."}
    explorer.load_image(_png_bytes(_photo_like()), name="cat.png")
    uploaded_state = explorer.state
    use_image = explorer._use_image

    def fails_going_back(x):
        if x is None:
            raise KeyError("pattern")
        use_image(x)

    monkeypatch.setattr(explorer, "_use_image", fails_going_back)
    explorer.image = "built-in"                   # raised KeyError into the comm before
    assert sent.pop() == {"type": "pooledu-upload-done", "ok": False, "message":
                          "That image could not be shown. Try again, or choose another "
                          "picture."}
    assert explorer.image == "uploaded"
    _same_numbers(explorer.state, uploaded_state)

    def broken_reply(content, buffers):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(explorer, "_upload_reply", broken_reply)
    explorer._on_upload_message(explorer, {"type": "pooledu-upload", "name": "f"}, [b"x"])
    assert sent.pop()["message"] == ("That picture could not be used. Try another PNG or "
                                     "JPEG file.")
    monkeypatch.setattr(explorer, "send", broken_reply)          # no page to tell either
    explorer._on_upload_message(explorer, {"type": "pooledu-upload-hello"}, [])
    explorer.image = "built-in"
    assert explorer.image == "uploaded"


@pytest.mark.parametrize("name", UPLOAD_EXPLORERS)
def test_a_failed_update_changes_nothing_not_even_the_image(name):
    explorer = UPLOAD_EXPLORERS[name][0]()
    explorer.load_image(_png_bytes(_photo_like()), name="cat.png")
    before, rev = explorer.state, explorer.image_rev
    with pytest.raises(TypeError, match=r"unknown parameter\(s\) \['bogus'\]; allowed: "
                                        r"\[.*'image'"):
        explorer.update(image="built-in", bogus=1)
    assert explorer.image == "uploaded" and explorer.image_rev == rev
    with pytest.raises(ValueError, match=r"^pool_size must be between 1 and"):
        explorer.update(image="built-in", pool_size=99)
    assert explorer.image == "uploaded"
    _same_numbers(explorer.state, before)
    if name == "ShiftExplorer":                   # "pattern" exists for the built-in only
        with pytest.raises(TypeError, match=r"unknown parameter\(s\) \['pattern'\] with "
                                            r"this image"):
            explorer.update(pattern="bar")
        explorer.update(image="built-in", pattern="bar")
        assert explorer.pattern == "bar" and explorer.image == "built-in"


@pytest.mark.parametrize("name", UPLOAD_EXPLORERS)
def test_the_page_reads_the_largest_file_from_the_model(name):
    explorer = UPLOAD_EXPLORERS[name][0]()
    saved = embed_data(views=[explorer], drop_defaults=False)["manager_state"]["state"]
    state = saved[explorer.model_id]["state"]
    assert state["upload_max_bytes"] == _upload.MAX_BYTES == explorer.upload_max_bytes
    script = state["_esm"]
    assert 'model.get("upload_max_bytes")' in script and "1024 * 1024" not in script
    for words in ('file.value = ""', 'setAttribute("aria-busy", "true")',
                  "file.disabled = on", "UPLOAD_REPLY_MS = 30000"):
        assert words in script, words


def test_arrays_go_to_the_page_exactly_and_float32_in_half_the_bytes():
    """encode_array sends float32 arrays as float32 (half the bytes of float64) and
    everything else as float64; decode_array (what the page reads) gives the values back
    exactly, signed zeros, infinities and NaN included."""
    rng = np.random.default_rng(5)
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, 3.4e38]
    for dtype, width in ((np.float32, 4), (np.float64, 8), (np.int64, 8), (np.float16, 8)):
        a = np.concatenate([rng.standard_normal(61), specials]).astype(dtype).reshape(4, 17)
        encoded = encode_array(a)
        assert encoded["float32"] == (dtype == np.float32)
        assert len(base64.b64decode(encoded["b64"])) == a.size * width
        back = decode_array(encoded)
        assert back.dtype == np.float64 and back.shape == a.shape
        np.testing.assert_array_equal(back, a.astype(np.float64))
        assert np.array_equal(np.signbit(back), np.signbit(a.astype(np.float64)))
