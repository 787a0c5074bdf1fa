"""pooledu.experiment: the models of notebook 07, their FLOP count, determinism, and a
tiny papermill run of the notebook itself."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.tf

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")

from pooledu import experiment, measure

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.parametrize("variant", experiment.VARIANTS)
def test_every_variant_builds_to_ten_classes(variant):
    model = experiment.build_model(variant)
    assert model.output.shape[-1] == 10
    assert model(np.zeros((2, 24, 24, 1), "float32")).shape == (2, 10)


def test_parameters_and_flops_by_hand():
    # default filters (8, 16) on a 24x24x1 input
    conv = measure.conv2d_params(3, 1, 8) + measure.conv2d_params(3, 8, 16)
    m = experiment.build_model("max")
    assert m.count_params() == conv + measure.dense_params(6 * 6 * 16, 10)
    assert experiment.count_flops(m) == (measure.conv2d_macs(24, 24, 3, 1, 8)
                                         + measure.conv2d_macs(12, 12, 3, 8, 16)
                                         + 6 * 6 * 16 * 10)
    # pooling layers own no parameters; the no-pool model pays in its dense layer
    assert experiment.build_model("avg").count_params() == m.count_params()
    assert experiment.build_model("no_pool").count_params() == \
        conv + measure.dense_params(24 * 24 * 16, 10)
    assert experiment.build_model("gap_head").count_params() == conv + 16 * 10 + 10
    # stride 2 in the convolutions: same parameters, fewer multiply-adds
    strided = experiment.build_model("strided_conv")
    assert strided.count_params() == m.count_params()
    assert experiment.count_flops(strided) == (measure.conv2d_macs(12, 12, 3, 1, 8)
                                               + measure.conv2d_macs(6, 6, 3, 8, 16)
                                               + 6 * 6 * 16 * 10)
    # the blur filter's multiply-adds (3x3 per output value) are counted
    blur = experiment.build_model("blur")
    assert experiment.count_flops(blur) == experiment.count_flops(m) + 12 * 12 * 8 * 9 + \
        6 * 6 * 16 * 9
    wide = experiment.build_model("max", filters=(16, 32))
    assert wide.count_params() == measure.conv2d_params(3, 1, 16) + \
        measure.conv2d_params(3, 16, 32) + measure.dense_params(6 * 6 * 32, 10)


def test_bad_variant_names_the_choices():
    with pytest.raises(ValueError, match="variant must be one of"):
        experiment.build_model("maxx")


def test_load_data_shapes_and_shifts():
    d = experiment.load_data(max_shift=2)
    assert d["x_train"].shape[1:] == (24, 24, 1) and len(d["x_train"]) + len(d["x_test"]) == 1797
    assert np.abs(d["offsets"]).max() <= 2
    # the shifted test set holds the same digits, moved
    i = int(np.argmax(np.abs(d["offsets"]).sum(1)))
    assert d["x_test"][i].sum() == pytest.approx(d["x_shifted"][i].sum())
    assert not np.array_equal(d["x_test"][i], d["x_shifted"][i])


def test_run_experiment_is_deterministic_and_tidy():
    data = experiment.load_data()
    small = {k: v[:200] for k, v in data.items()}
    a = experiment.run_experiment(["max", "stochastic"], seeds=[0], epochs=1, data=small)
    b = experiment.run_experiment(["max", "stochastic"], seeds=[0], epochs=1, data=small)
    keys = ("test_accuracy", "shifted_accuracy", "curve", "shift_curve")
    assert [[r[k] for k in keys] for r in a] == [[r[k] for k in keys] for r in b]
    summary = experiment.summarize(a + [dict(a[0], seed=1, test_accuracy=0.0)])
    assert [s["variant"] for s in summary] == ["max", "stochastic"]
    assert summary[0]["seeds"] == 2 and summary[0]["test_min"] == 0.0
    assert experiment.epochs_to_reach([0.1, 0.95]) == 2
    assert experiment.epochs_to_reach([0.1], 0.5) is None


@pytest.mark.slow
def test_notebook_07_runs_with_tiny_parameters(tmp_path):
    papermill = pytest.importorskip("papermill")
    out = tmp_path / "07_out.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / "07_experiment.ipynb"), str(out),
                               parameters={"EPOCHS": 1, "SEEDS": [0], "VARIANTS": ["max", "avg"]},
                               cwd=str(NOTEBOOKS), kernel_name="python3", progress_bar=False)
    nb = json.loads(out.read_text())
    texts = ["".join(o["text"]) if isinstance(o["text"], list) else o["text"]
             for c in nb["cells"] if c["cell_type"] == "code"
             for o in c.get("outputs", []) if o.get("output_type") == "stream"]
    assert not any(o.get("output_type") == "error" for c in nb["cells"]
                   for o in c.get("outputs", []))
    table = next(t for t in texts if "test_range" in t).strip().splitlines()
    assert table[0].split()[:4] == ["variant", "params", "macs", "test"]
    assert [line.split()[0] for line in table[1:]] == ["max", "avg"]
    for line in table[1:]:
        test, shifted = float(line.split()[3]), float(line.split()[5])
        assert 0.0 <= shifted <= 1.0 and 0.1 < test <= 1.0   # one epoch beats chance (0.1)


def _fake_summary():
    rows = [{"variant": v, "seed": s, "params": 10, "macs": 20, "train_seconds": 1.0,
             "test_accuracy": 0.9 - 0.1 * s, "shifted_accuracy": 0.5, "curve": [0.5, 0.9],
             "shift_curve": [0.9, 0.6, 0.3]} for v in ("max", "avg") for s in (0, 1)]
    return experiment.summarize(rows)


def test_format_summary_keeps_timings_apart():
    summary = _fake_summary()
    text = experiment.format_summary(summary)
    assert text.splitlines()[0].split() == ["variant", "params", "macs", "test", "test_range",
                                            "shifted", "shifted_range"]
    assert "0.850" in text and "0.800-0.900" in text and "seconds" not in text
    assert "train_seconds" in experiment.format_summary(summary, timings=True)


def test_results_explorer_and_plot():
    import matplotlib.pyplot as plt
    summary = _fake_summary()
    explorer = experiment.ResultsExplorer(summary)
    explorer.update(shift=2)
    assert explorer.state["accuracy"] == {"max": 0.3, "avg": 0.3}
    fig = experiment.plot_results(summary)
    assert len(fig.axes) == 2
    plt.close(fig)


def test_fit_gem_exponent_moves_towards_the_target():
    up = experiment.fit_gem_exponent("max", p=3.0, steps=15)
    down = experiment.fit_gem_exponent("avg", p=3.0, steps=15)
    assert len(up) == 16 and up[-1] > 3.0 > down[-1]
    with pytest.raises(ValueError, match="target"):
        experiment.fit_gem_exponent("min")
