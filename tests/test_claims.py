"""pooledu.claims: the small networks behind the measured claims of notebooks 04-06."""

from __future__ import annotations

import numpy as np
import pytest

from pooledu import claims

pytestmark = pytest.mark.tf


def test_mean_interval_matches_the_t_formula():
    m, lo, hi = claims.mean_interval([1.0, 2.0, 3.0])
    assert m == 2.0 and lo < 2.0 < hi
    assert hi - m == pytest.approx(4.302652729911275 * 1.0 / np.sqrt(3))
    with pytest.raises(ValueError, match="at least 2"):
        claims.mean_interval([1.0])


def test_paired_difference_pairs_by_seed():
    runs = [{"variant": "a", "seed": s, "x": s + 1.0} for s in range(3)]
    runs += [{"variant": "b", "seed": s, "x": float(s)} for s in range(3)]
    m, lo, hi = claims.paired_difference(runs, "a", "b", "x")
    assert (m, lo, hi) == (1.0, 1.0, 1.0)


def test_small_cnn_variants_and_costs():
    costs = {v: claims.model_costs(claims.small_cnn(v)) for v in claims.VARIANTS}
    assert costs["early"]["params"] == costs["late"]["params"] < costs["none"]["params"]
    assert costs["early"]["macs"] < costs["late"]["macs"] < costs["none"]["macs"]
    # none: two 8x8 convolutions (1->8, 8->16) and Dense(1024 -> 10)
    assert costs["none"]["macs"] == 64 * 9 * 8 + 64 * 9 * 8 * 16 + 8 * 8 * 16 * 10
    assert costs["none"]["act_bytes"] == 4 * (64 * 8 + 64 * 16 + 64 * 16 + 10)
    with pytest.raises(ValueError, match="variant"):
        claims.small_cnn("middle")


def test_train_digits_learns_and_is_deterministic():
    a = claims.train_digits("both", seeds=[0], n_train=100, steps=30, every=10)[0]
    b = claims.train_digits("both", seeds=[0], n_train=100, steps=30, every=10)[0]
    assert a["train_acc"] > 0.8 and a["test_acc"] > 0.5
    assert a["curve"][0][0] == 0 and a["curve"][-1][0] == 30
    assert a["test_acc"] == b["test_acc"] and a["train_loss"] == b["train_loss"]
    assert a["gap"] == pytest.approx(a["train_acc"] - a["test_acc"])


def test_depth_table_pooling_keeps_conv_params_and_cuts_macs():
    rows = claims.depth_table(depths=(1, 2), size=8, filters=4)
    by = {(r["depth"], r["pooling"]): r for r in rows}
    for d in (1, 2):
        assert by[d, True]["conv_params"] == by[d, False]["conv_params"]
        assert by[d, True]["macs"] < by[d, False]["macs"]
        assert by[d, True]["act_bytes"] < by[d, False]["act_bytes"]


def test_gradient_norms_max_keeps_the_norm_avg_shrinks_it():
    mx = claims.gradient_norms("max", blocks=2, size=8, seeds=[0])
    av = claims.gradient_norms("avg", blocks=2, size=8, seeds=[0])
    assert mx[-1] == pytest.approx(1.0, rel=1e-5) and av[-1] == pytest.approx(1.0, rel=1e-5)
    assert av[0] < mx[0]
    with pytest.raises(ValueError, match="pooling"):
        claims.gradient_norms("min")


def test_effective_receptive_field_fills_exactly_the_receptive_field():
    erf = claims.effective_receptive_field([("conv", 3), ("avg", 2), ("conv", 3)],
                                           size=16, trials=2, inputs=2)
    rows, cols = np.nonzero(erf)
    assert np.ptp(rows) + 1 == np.ptp(cols) + 1 == 8      # 3 + 1 + 2 * 2
    assert erf.max() == 1.0
    with pytest.raises(ValueError):
        claims.effective_receptive_field([("pool", 2)])


def test_feature_maps_returns_every_conv_output():
    model = claims.small_cnn("early")
    maps = claims.feature_maps(model, np.zeros((8, 8)))
    assert [m.shape for m in maps] == [(8, 8, 8), (4, 4, 16)]


def test_importing_claims_does_not_import_tensorflow():
    import subprocess
    import sys

    code = ("import sys, pooledu; pooledu.claims; "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
