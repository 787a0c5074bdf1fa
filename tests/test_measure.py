"""pooledu.measure: the arithmetic and measurements behind notebooks 05, 06 and 08."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pooledu import measure, reference
from pooledu.data import shift_image


def test_pooling_savings_64_to_32_exact():
    without, with_ = measure.pooling_savings(64, 64, 32, 2, dense_units=128, next_filters=64)
    assert without["feature_map"] == (64, 64, 32) and with_["feature_map"] == (32, 32, 32)
    assert without["pooling_params"] == with_["pooling_params"] == 0
    assert without["dense_params"] == 64 * 64 * 32 * 128 + 128 == 16_777_344
    assert with_["dense_params"] == 32 * 32 * 32 * 128 + 128 == 4_194_432
    assert without["conv_params"] == with_["conv_params"] == 3 * 3 * 32 * 64 + 64
    assert without["conv_macs"] == 64 * 64 * 9 * 32 * 64 == 4 * with_["conv_macs"]


@pytest.mark.tf
def test_pooling_savings_match_keras_count_params():
    keras = pytest.importorskip("keras")
    rows = measure.pooling_savings(16, 16, 4, 2, dense_units=8, next_filters=6)
    for row, pool in zip(rows, (False, True)):
        layers = [keras.Input((16, 16, 4))]
        if pool:
            layers.append(keras.layers.MaxPooling2D(2))
        dense = keras.Sequential(layers + [keras.layers.Flatten(), keras.layers.Dense(8)])
        conv = keras.Sequential(layers + [keras.layers.Conv2D(6, 3, padding="same")])
        assert dense.count_params() == row["dense_params"]
        assert conv.count_params() == row["conv_params"]


def test_parameter_formulas_validate_input():
    assert measure.conv2d_params((3, 1), 2, 4, use_bias=False) == 24
    assert measure.dense_params(10, 3) == 33
    with pytest.raises(ValueError, match="in_features"):
        measure.dense_params(0, 3)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 7))
def test_global_pooling_is_exactly_invariant_to_circular_shifts(s):
    x = np.random.default_rng(s).random((8, 8))
    for pool in ("global_max", "global_avg"):
        assert measure.invariance_curve(x, pool, shifts=[s])[0] == pytest.approx(0, abs=1e-12)


def test_invariance_grows_with_pooling_but_is_not_exact():
    from pooledu.data import shifted_digits
    img = shifted_digits(canvas=24, scale=2, max_shift=0)[0][3]
    none = measure.invariance_curve(img, None, shifts=[1])[0]
    max2 = measure.invariance_curve(img, "max", shifts=[1], pool_size=2)[0]
    max4 = measure.invariance_curve(img, "max", shifts=[1], pool_size=4)[0]
    assert none > max2 > max4 > 0


def test_equivariance_zhang_example_and_blur_fix():
    x = np.tile([0.0, 0, 1, 1], (4, 2))            # Zhang 2019's 1-D signal, as rows
    mx = measure.equivariance_curve(x, "max", shifts=range(4))
    assert mx[0] == mx[2] == 0 and mx[1] > 0.5 and mx[3] > 0.5
    blur = measure.equivariance_curve(x, lambda a: reference.max_blur_pool2d(
        a, padding="same"), shifts=range(4))
    assert blur[1] < mx[1]
    assert np.all(measure.equivariance_curve(x, None, shifts=range(4)) == 0)


def test_noise_average_divides_std_by_window_side_and_max_is_biased():
    avg = measure.pooled_noise_stats("avg", 2, size=512)
    mx = measure.pooled_noise_stats("max", 2, size=512)
    assert avg["std"] == pytest.approx(0.5, abs=0.01) and abs(avg["mean"]) < 0.01
    assert mx["mean"] == pytest.approx(1.0294, abs=0.02)   # E[max of 4 N(0,1)]
    assert mx["std"] == pytest.approx(0.7012, abs=0.02)


def test_add_noise_kinds_are_deterministic():
    x = np.linspace(0, 1, 64).reshape(8, 8)
    assert np.array_equal(measure.add_noise(x, "gaussian", 0.2, seed=3),
                          measure.add_noise(x, "gaussian", 0.2, seed=3))
    salt = measure.add_noise(x, "salt", 0.5, seed=0)
    assert np.all((salt == x) | (salt == 1.0))
    with pytest.raises(ValueError, match="kind"):
        measure.add_noise(x, "speckle")


def test_reconstruction_and_unpool():
    x = np.arange(16.0).reshape(4, 4) / 16
    rec = measure.reconstruction_error(x, "avg", 2)
    assert rec["kept"] == 0.25 and rec["rmse"] > 0
    assert measure.reconstruction_error(np.kron(np.eye(2), np.ones((2, 2))), "max")["rmse"] == 0
    un = measure.max_unpool(x, 2)
    assert np.count_nonzero(un) == 4
    assert np.array_equal(reference.max_pool2d(un, 2), reference.max_pool2d(x, 2))


def test_localization_error_grows_with_pool_size():
    assert measure.localization_error(8, 1) == 0
    assert measure.localization_error(8, 2) == pytest.approx(math.sqrt(0.5))
    assert measure.localization_error(8, 4) > measure.localization_error(8, 2)


def test_gradient_sparsity_max_is_sparse_avg_is_dense():
    x = np.random.default_rng(0).random((6, 6))
    assert measure.gradient_sparsity(x, "max", 2) == 0.75
    assert measure.gradient_sparsity(x, "avg", 2) == 0.0
    assert 0 < measure.gradient_sparsity(x, "max", 3, strides=2) < 1


def test_upsample_and_shift_round_trip():
    y = np.arange(6.0).reshape(2, 3)
    up = measure.upsample(y, 2, (3, 5))
    assert up.shape == (3, 5) and up[2, 4] == y[1, 2]
    assert np.array_equal(shift_image(shift_image(y, (1, 2)), (-1, -2)), y)


def test_format_table_is_fixed_width():
    text = measure.format_table([{"v": "max", "n": 1234, "a": 0.5},
                                 {"v": "no_pool", "n": 5, "a": 1 / 3}])
    lines = text.splitlines()
    assert lines[0].split() == ["v", "n", "a"]
    assert "1,234" in lines[1] and "0.333" in lines[2]


# ---- helpers added for issue 13 (ties, finite differences, discrimination) -----------

def test_localization_error_worst_case_is_the_window_corner():
    assert measure.localization_error(16, 8, "max") == pytest.approx(math.hypot(3.5, 3.5))
    assert measure.localization_error(16, 8, "max") > measure.localization_error(16, 8)
    with pytest.raises(ValueError, match="statistic"):
        measure.localization_error(16, 2, "median")


def test_indistinguishable_fraction_counts_moves_inside_a_window():
    assert measure.indistinguishable_fraction(16, None) == 0.0
    # along a row of 16, 8 of the 15 one-pixel moves stay inside a 2x2 window
    assert measure.indistinguishable_fraction(16, "max", 2) == pytest.approx(8 / 15)
    assert measure.indistinguishable_fraction(16, "avg", 2) == pytest.approx(8 / 15)
    assert measure.indistinguishable_fraction(16, "max", 4) == pytest.approx(12 / 15)
    assert measure.indistinguishable_fraction(16, "global_max") == 1.0


def test_tied_window_fraction_counts_zero_windows_and_positive_ties():
    x = np.array([[0., 0., 1., 2.], [0., 0., 3., 4.]])
    out = measure.tied_window_fraction(x, 2)
    assert out == {"windows": 2, "tied": 0.5, "all_zero": 0.5}
    y = np.array([[5., 5.], [1., 0.]])
    assert measure.tied_window_fraction(y, 2) == {"windows": 1, "tied": 1.0, "all_zero": 0.0}
    batch = np.zeros((3, 4, 4, 2))
    assert measure.tied_window_fraction(batch, 2)["windows"] == 3 * 4 * 2
    with pytest.raises(ValueError, match="dimensions"):
        measure.tied_window_fraction(np.zeros(4))
    with pytest.raises(ValueError, match="no full"):
        measure.tied_window_fraction(np.zeros((1, 1)), 2)


def test_finite_difference_grad_matches_max_pool_gradient():
    rng = np.random.default_rng(3)
    x, dy = rng.normal(size=(6, 6)), rng.normal(size=(3, 3))
    numeric = measure.finite_difference_grad(
        lambda v: float((reference.max_pool2d(v, 2) * dy).sum()), x)
    assert np.allclose(numeric, reference.pool2d_grad(x, dy, "max"), atol=1e-6)
    with pytest.raises(ValueError, match="eps"):
        measure.finite_difference_grad(lambda v: 0.0, x, eps=0)
