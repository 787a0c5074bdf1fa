"""pooledu.experiment: the models of notebook 07, their cost, the metrics and statistics,
determinism across processes, the stored full run, and a tiny papermill run of 07."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.tf

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")

from pooledu import experiment, measure

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


@pytest.mark.parametrize("variant", experiment.VARIANTS)
def test_every_variant_builds_to_ten_classes(variant):
    model = experiment.build_model(variant)
    assert model.output.shape[-1] == 10
    assert model(np.zeros((2, 24, 24, 1), "float32")).shape == (2, 10)


def test_parameters_and_macs_by_hand():
    # default filters (8, 16) on a 24x24x1 input
    conv = measure.conv2d_params(3, 1, 8) + measure.conv2d_params(3, 8, 16)
    head = measure.dense_params(6 * 6 * 16, 10)
    m = experiment.build_model("max")
    assert m.count_params() == conv + head
    max_macs = (measure.conv2d_macs(24, 24, 3, 1, 8) + measure.conv2d_macs(12, 12, 3, 8, 16)
                + 6 * 6 * 16 * 10)
    assert experiment.count_flops(m) == max_macs
    # pooling layers own no parameters
    for v in ("avg", "stochastic", "blur", "max_aug"):
        assert experiment.build_model(v).count_params() == m.count_params()
    # the blur filter's multiply-adds (3x3 per output value) are counted
    assert experiment.count_flops(experiment.build_model("blur")) == \
        max_macs + 12 * 12 * 8 * 9 + 6 * 6 * 16 * 9
    # stride 2 in the convolutions: same parameters, fewer multiply-adds
    strided = experiment.build_model("strided_conv")
    assert strided.count_params() == m.count_params()
    assert experiment.count_flops(strided) == (measure.conv2d_macs(12, 12, 3, 1, 8)
                                               + measure.conv2d_macs(6, 6, 3, 8, 16)
                                               + 6 * 6 * 16 * 10)
    # All-CNN: an extra stride-2 convolution where each pooling layer was
    all_conv = experiment.build_model("all_conv")
    assert all_conv.count_params() == m.count_params() + measure.conv2d_params(3, 8, 8) \
        + measure.conv2d_params(3, 16, 16)
    assert experiment.count_flops(all_conv) == max_macs + measure.conv2d_macs(
        12, 12, 3, 8, 8) + measure.conv2d_macs(6, 6, 3, 16, 16)
    # no pooling, parameter-matched: a 1x1 convolution to one channel (576 values)
    no_pool = experiment.build_model("no_pool")
    assert no_pool.get_layer("classifier").input.shape[-1] == 6 * 6 * 16
    assert no_pool.count_params() == conv + measure.conv2d_params(1, 16, 1) + head
    assert abs(no_pool.count_params() - m.count_params()) < 0.01 * m.count_params()
    # GAP head: a third convolution (32 filters), then 32 numbers into Dense(10)
    gap = experiment.build_model("gap_head")
    assert gap.count_params() == conv + measure.conv2d_params(3, 16, 32) + 32 * 10 + 10
    assert experiment.count_flops(gap) == max_macs - 6 * 6 * 16 * 10 + \
        measure.conv2d_macs(6, 6, 3, 16, 32) + 32 * 10


def test_bad_variant_names_the_choices():
    with pytest.raises(ValueError, match="variant must be one of"):
        experiment.build_model("maxx")
    with pytest.raises(ValueError, match="metric must be one of"):
        experiment.compare_to_max(_fake_results(), "accuracy")


def test_load_data_splits_digits_once():
    d = experiment.load_data()
    sizes = [len(d[f"y_{p}"]) for p in ("train", "val", "test")]
    assert sizes == [1078, 270, 449] and sum(sizes) == 1797
    assert d["x_test"].shape[1:] == (24, 24, 1)
    # the same split every time, and the parts hold different images
    again = experiment.load_data()
    assert all(np.array_equal(d[k], again[k]) for k in d)
    flat = {p: {im.tobytes() for im in d[f"x_{p}"]} for p in ("train", "val", "test")}
    assert len(flat["test"] & flat["train"]) < 5   # sklearn holds a few duplicate digits


def test_shifted_copies_both_directions():
    img = np.zeros((1, 24, 24, 1), "float32")
    img[0, 10, 10, 0] = 1
    for shift, where in ((3, (10, 13)), (-3, (10, 7)), ((2, -1), (12, 9))):
        moved = experiment.shifted_copies(img, shift)
        assert moved[0, where[0], where[1], 0] == 1 and moved.sum() == 1
    assert experiment.shifted_copies(img, -2, axis=0)[0, 8, 10, 0] == 1
    # placements: the 5x5 grid, then 3 and 4 pixels on one axis, both directions
    assert len(experiment.OFFSETS) == 33 and (0, -4) in experiment.OFFSETS


def test_consistency_by_hand():
    # image 0: the same class at all 3 placements; image 1: classes 1, 1, 2
    preds = np.array([[0, 1], [0, 1], [0, 2]])
    # image 1: of the 6 ordered pairs of different placements, 2 agree
    assert experiment._consistency(preds) == pytest.approx((1 + 2 / 6) / 2)


def test_t_interval_by_hand():
    mean, half = experiment.t_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    # sd = sqrt(2.5), t(0.975, 4) = 2.7764
    assert mean == 3.0 and half == pytest.approx(2.7764451 * math.sqrt(2.5 / 5), rel=1e-6)
    assert math.isnan(experiment.t_interval([1.0])[1])


def _fake_results(n_seeds=5):
    """max, avg (clean accuracy 0.05 lower, with seed noise), blur (same as max +/- noise)."""
    runs = []
    noise = [0.01, -0.01, 0.02, -0.02, 0.0][:n_seeds]
    for v, shift in (("max", 0.0), ("avg", -0.05), ("blur", None)):
        for s in range(n_seeds):
            clean = 0.9 + (noise[s] if shift is None else shift + noise[s] / 10)
            acc = [0.5] * len(experiment.OFFSETS)
            acc[experiment.OFFSETS.index((0, 0))] = clean
            runs.append({"variant": v, "seed": s, "params": 10, "macs": 20,
                         "best_epoch": 3, "epochs_run": 5, "train_seconds": 1.0,
                         "history": [{"epoch": e, "train_loss": 1 / e, "train_accuracy": 0.9,
                                      "val_loss": 1 / e + (e > 3), "val_accuracy": 0.9}
                                     for e in range(1, 6)],
                         "test": {"clean_accuracy": clean, "shifted_accuracy": 0.6,
                                  "consistency": 0.7, "offset_accuracy": acc}})
    return {"meta": {"settings": dict(experiment.SETTINGS)}, "runs": runs}


def test_paired_comparison_and_verdicts():
    comparison = {c["variant"]: c for c in experiment.compare_to_max(_fake_results())}
    avg, blur = comparison["avg"], comparison["blur"]
    assert avg["diff"] == pytest.approx(-0.05) and avg["high"] < 0 and avg["verdict"] == "lower"
    assert blur["low"] < 0 < blur["high"] and blur["verdict"] == "not established"
    text = experiment.format_comparison(list(comparison.values()))
    assert "clean accuracy lower than max" in text and "difference not established" in text
    # one seed: no interval, so nothing is established
    one = experiment.compare_to_max(_fake_results(1))
    assert all(c["verdict"] == "not established" for c in one)


def test_summary_table_has_intervals():
    summary = experiment.summarize(_fake_results())
    assert [s["variant"] for s in summary] == ["max", "avg", "blur"]
    assert summary[0]["relative"] == pytest.approx(0.6 / 0.9, rel=1e-4)
    assert len(summary[0]["shift_curve"]) == 9 and summary[0]["shift_curve"][4] == 0.9
    text = experiment.format_summary(summary)
    assert text.splitlines()[0].split() == ["variant", "params", "macs", "epoch", "clean",
                                            "shifted", "relative", "consistency"]
    assert "0.850 ±" in text and "seconds" not in text
    assert "train_seconds" in experiment.format_summary(summary, timings=True)


def test_summary_carries_intervals_of_the_shift_curves():
    summary = experiment.summarize(_fake_results())
    for row in summary:
        for key in ("shift_curve", "shift_curve_vertical"):
            assert len(row[f"{key}_ci"]) == 9
    # every run of "max" is 0.5 off centre: no spread, a zero-width interval
    assert summary[0]["shift_curve_ci"][0] == 0.0
    _, half = experiment.t_interval([0.85 + n / 10 for n in (0.01, -0.01, 0.02, -0.02, 0.0)])
    assert summary[1]["shift_curve_ci"][4] == pytest.approx(half)
    one = experiment.summarize(_fake_results(1))
    assert all(math.isnan(h) for h in one[0]["shift_curve_ci"])


def test_results_explorer_and_plots():
    import matplotlib.pyplot as plt
    results = _fake_results()
    summary = experiment.summarize(results)
    explorer = experiment.ResultsExplorer(summary)
    assert explorer.state["shift"] == 0 and explorer.controls == {"shift": list(range(-4, 5))}
    explorer.update(shift=-4)
    assert explorer.state["accuracy"] == {"max": 0.5, "avg": 0.5, "blur": 0.5}
    assert explorer.last_output is explorer.state["accuracy"]
    explorer.update(shift=0)
    assert explorer.state["accuracy"]["avg"] == pytest.approx(0.85)
    for fig in (experiment.plot_results(summary), experiment.plot_curves(results)):
        assert fig.get_size_inches()[0] * fig.dpi >= 480
        plt.close(fig)


def test_results_explorer_text_at_every_shift_of_the_stored_run():
    summary = experiment.summarize(experiment.load_results())
    explorer = experiment.ResultsExplorer(summary)
    assert explorer is explorer.widget and repr(explorer) == "ResultsExplorer(9 variants, shift=0)"
    for shift in range(-4, 5):
        explorer.update(shift=shift)
        acc = {s["variant"]: s["shift_curve"][shift + 4] for s in summary}
        best = max(acc, key=acc.get)
        want = (f"Shift {shift}: best <b>{best}</b> ({acc[best]:.3f}); "
                + ", ".join(f"{k} {v:.3f}" for k, v in acc.items()))
        state = explorer.state
        assert state["ok"] and state["accuracy"] == acc and state["best"] == best
        assert state["text"] == want and state["params"] == {"shift": shift}
        assert state["interval"] == {s["variant"]: s["shift_curve_ci"][shift + 4]
                                     for s in summary}
    # what the page reads: the same numbers, for every shift
    i = explorer.shifts.index(-2)
    assert [c[i] for c in explorer.curves] == [s["shift_curve"][2] for s in summary]
    assert explorer.labels[explorer.variants.index("max")][i] == "0.534"


def test_results_explorer_a_move_on_the_page_recomputes():
    explorer = experiment.ResultsExplorer(experiment.summarize(_fake_results()))
    before = len(explorer.timings)
    explorer.shift = 2                       # what the page does when the control moves
    assert explorer.state["shift"] == 2 and len(explorer.timings) == before + 1


@pytest.mark.parametrize("params, error, match", [
    ({"shift": 5}, ValueError, "shift must be between -4 and 4; got 5"),
    ({"shift": -5}, ValueError, "shift must be between -4 and 4; got -5"),
    ({"shift": 1.5}, TypeError, "shift must be an integer; got 1.5"),
    ({"shift": True}, TypeError, "shift must be an integer; got True"),
    ({"seed": 1}, TypeError, r"unknown parameter\(s\) \['seed'\]; allowed: \['shift'\]"),
])
def test_results_explorer_rejects_bad_settings(params, error, match):
    explorer = experiment.ResultsExplorer(experiment.summarize(_fake_results()))
    explorer.update(shift=1)
    with pytest.raises(error, match=match):
        explorer.update(**params)
    assert explorer.shift == 1 and explorer.state["shift"] == 1
    with pytest.raises(Exception, match="shift must be between -4 and 4; got 9"):
        explorer.shift = 9                   # a trait set directly is checked too
    assert explorer.state["shift"] == 1


def test_results_explorer_memory_stays_flat_over_200_updates():
    import gc

    explorer = experiment.ResultsExplorer(experiment.summarize(_fake_results()))
    for shift in (0, 3) * 5:
        explorer.update(shift=shift)
    gc.collect()
    objects = len(gc.get_objects())
    for shift in (0, 3) * 100:
        explorer.update(shift=shift)
    gc.collect()
    assert len(gc.get_objects()) - objects < 2_000 and len(explorer.timings) == 211


def test_results_explorer_bad_summaries():
    with pytest.raises(ValueError, match="summary is empty"):
        experiment.ResultsExplorer([])
    with pytest.raises(ValueError, match=r"summary\[0\] must have keys .*missing \['shift_curve'\]"):
        experiment.ResultsExplorer([{"variant": "max"}])
    with pytest.raises(ValueError, match="same odd length"):
        experiment.ResultsExplorer([{"variant": "a", "shift_curve": [0.5, 0.6]}])
    # without intervals (an older summary) it still works, and draws none
    rows = [{"variant": "a", "shift_curve": [0.1, 0.9, 0.2]},
            {"variant": "b", "shift_curve": [0.3, 0.8, 0.1]}]
    explorer = experiment.ResultsExplorer(rows)
    assert explorer.intervals == [] and explorer.state["interval"] is None
    explorer.update(shift=-1)
    assert explorer.state["text"] == "Shift -1: best <b>b</b> (0.300); a 0.100, b 0.300"
    # one seed: no interval (nan) is sent to the page as None, never as NaN
    one = experiment.ResultsExplorer(experiment.summarize(_fake_results(1)))
    assert all(h is None for c in one.intervals for h in c)


def test_results_explorer_saved_state_carries_front_end_and_every_shift():
    from ipywidgets.embed import embed_data

    explorer = experiment.ResultsExplorer(experiment.summarize(_fake_results()))
    explorer.update(shift=-2)
    state = embed_data(views=[explorer], drop_defaults=False)["manager_state"]["state"]
    model = state[explorer.model_id]["state"]
    assert model["_model_module"] == "anywidget" and "export default" in model["_esm"]
    assert ".pooledu-results" in model["_css"] and ".pooledu-x" in model["_css"]
    assert model["shift"] == -2 and model["shifts"] == list(range(-4, 5))
    assert model["variants"] == ["max", "avg", "blur"] and len(model["curves"][0]) == 9
    # all three at 0.5 four pixels left: the first is the best, as Python's max() picks
    assert model["labels"][1][4] == "0.850" and model["best"][0] == 0
    json.dumps(model, allow_nan=False)        # plain JSON: no NaN for the page


def test_stored_full_run_is_complete():
    results = experiment.load_results()
    meta = results["meta"]
    for key in ("command", "date", "versions", "settings", "wall_seconds"):
        assert meta[key]
    assert set(meta["versions"]) >= {"python", "numpy", "tensorflow", "keras"}
    for v in experiment.VARIANTS:
        runs = [r for r in results["runs"] if r["variant"] == v]
        assert len({r["seed"] for r in runs}) >= 5, v
        for r in runs:
            # converged: stopped by the validation loss, not by the epoch limit
            assert r["epochs_run"] < meta["settings"]["max_epochs"], (v, r["seed"])
            assert r["epochs_run"] == r["best_epoch"] + meta["settings"]["patience"]
            assert len(r["test"]["offset_accuracy"]) == len(experiment.OFFSETS)


@pytest.mark.slow
def test_runs_are_identical_across_processes(tmp_path):
    """Two worker processes write a run; a fresh process re-trains it bit for bit."""
    path = tmp_path / "run.json"
    code = ("from pooledu import experiment as E\n"
            "if __name__ == '__main__':\n"
            f"    E.run_experiment(['max', 'stochastic'], seeds=[0], workers=2, "
            f"max_epochs=2, path={str(path)!r}, progress=None)\n"
            f"    print(E.rerun_matches(E.load_results({str(path)!r}), "
            "['max', 'stochastic'], seed=0, epochs=2))\n")
    script = tmp_path / "run.py"
    script.write_text(code)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=600, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "{'max': True, 'stochastic': True}"


@pytest.mark.slow
def test_notebook_07_full_run_path_with_tiny_parameters(tmp_path):
    papermill = pytest.importorskip("papermill")
    out, results = tmp_path / "07_out.ipynb", tmp_path / "results.json"
    papermill.execute_notebook(
        str(NOTEBOOKS / "07_experiment.ipynb"), str(out),
        parameters={"FULL_RUN": True, "SEEDS": [0], "VARIANTS": ["max", "avg"],
                    "MAX_EPOCHS": 1, "RESULTS": str(results), "WORKERS": 1},
        cwd=str(NOTEBOOKS), kernel_name="python3", progress_bar=False)
    nb = json.loads(out.read_text())
    assert not any(o.get("output_type") == "error" for c in nb["cells"]
                   for o in c.get("outputs", []))
    stored = json.loads(results.read_text())
    assert [r["variant"] for r in stored["runs"]] == ["max", "avg"]
    assert all(r["epochs_run"] == 1 for r in stored["runs"])


def test_fit_gem_exponent_moves_towards_the_target():
    up = experiment.fit_gem_exponent("max", p=3.0, steps=15)
    down = experiment.fit_gem_exponent("avg", p=3.0, steps=15)
    assert len(up) == 16 and up[-1] > 3.0 > down[-1]
    with pytest.raises(ValueError, match="target"):
        experiment.fit_gem_exponent("min")
