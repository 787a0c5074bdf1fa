"""Pooling beyond max and average: properties of the NumPy reference, its parity
with the TensorFlow versions, and the errors bad arguments raise."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import pooledu.reference as R
from pooledu._functions import extract_windows

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = settings(max_examples=40, deadline=None)


# ---- strategies ---------------------------------------------------------------------------

@st.composite
def pooling_case(draw, low=-10.0, high=10.0):
    """(x of shape (N, H, W, C), pool_size, strides, padding) with at least one window."""
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 7)), draw(st.integers(1, 7)),
             draw(st.integers(1, 2)))
    x = draw(arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False)))
    padding = draw(st.sampled_from(["valid", "same"]))
    limit = min(shape[1:3]) if padding == "valid" else 3
    k = (draw(st.integers(1, min(limit, 3))), draw(st.integers(1, min(limit, 3))))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return x, k, s, padding


def window_stats(x, k, s, padding):
    """min, max and mean of the real cells of every window (via the one extractor)."""
    w, m = extract_windows(x, k, s, padding)
    lo = np.where(m, w, np.inf).min(-1)
    hi = np.where(m, w, -np.inf).max(-1)
    mean = np.where(m, w, 0).sum(-1) / m.sum(-1)
    return lo, hi, mean


def tol(value):
    return 1e-9 * (1 + np.abs(value))


# ---- GeM and Lp ---------------------------------------------------------------------------

@SETTINGS
@given(pooling_case(low=0.0))
def test_gem_with_p_1_is_average_pooling(case):
    x, k, s, padding = case
    clamped = np.maximum(x, 1e-6)
    np.testing.assert_allclose(R.gem_pool2d(x, p=1, pool_size=k, strides=s, padding=padding),
                               R.avg_pool2d(clamped, k, s, padding), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(R.gem_pool2d(x, p=1), clamped.mean(axis=(1, 2)), rtol=1e-12)


@SETTINGS
@given(pooling_case(low=0.1))
def test_gem_with_large_p_approaches_max_pooling(case):
    x, k, s, padding = case
    p = 500.0
    gem = R.gem_pool2d(x, p=p, pool_size=k, strides=s, padding=padding)
    _, hi, _ = window_stats(x, k, s, padding)
    count = k[0] * k[1]
    # mean(x^p)^(1/p) lies between max * count^(-1/p) and max
    assert np.all(gem <= hi * (1 + 1e-12))
    assert np.all(gem >= hi * count ** (-1 / p) * (1 - 1e-12))
    # so within 1 - 9^(-1/500) < 0.5 % of max pooling for 3x3 windows
    np.testing.assert_allclose(gem, R.max_pool2d(x, k, s, padding), rtol=0.005)
    np.testing.assert_allclose(R.gem_pool2d(x, p=p), x.max(axis=(1, 2)), rtol=0.01)


def test_gem_global_shapes_and_keepdims():
    x = np.random.default_rng(0).random((2, 5, 4, 3))
    assert R.gem_pool2d(x).shape == (2, 3)
    assert R.gem_pool2d(x[0]).shape == (3,)
    assert R.gem_pool2d(x[0, ..., 0]).shape == ()
    assert R.gem_pool2d(x, keepdims=True).shape == (2, 1, 1, 3)
    assert R.gem_pool2d(x, pool_size=2).shape == (2, 2, 2, 3)


@SETTINGS
@given(pooling_case(), st.floats(0.5, 6.0))
def test_lp_matches_pool2d_lp_mode_and_normalize_divides_by_count(case, p):
    x, k, s, padding = case
    lp = R.lp_pool2d(x, p, k, s, padding)
    np.testing.assert_allclose(lp, R.pool2d(x, "lp", k, s, padding, p=p), rtol=1e-9, atol=1e-12)
    _, m = extract_windows(x, k, s, padding)
    count = m.sum(-1)
    np.testing.assert_allclose(R.lp_pool2d(x, p, k, s, padding, normalize=True),
                               lp / count ** (1 / p), rtol=1e-9, atol=1e-12)


def test_lp_large_p_does_not_overflow():
    x = np.array([[1e3, 2e3], [3e3, 4e3]], dtype=np.float32)
    y = R.lp_pool2d(x, p=100.0)
    assert np.isfinite(y).all() and abs(float(y[0, 0]) - 4e3) / 4e3 < 0.01


# ---- smooth maxima ------------------------------------------------------------------------

@SETTINGS
@given(pooling_case(low=-50.0, high=50.0))
def test_soft_pool_lies_between_window_min_and_max(case):
    x, k, s, padding = case
    y = R.soft_pool2d(x, k, s, padding)
    lo, hi, _ = window_stats(x, k, s, padding)
    assert np.all(y >= lo - tol(lo)) and np.all(y <= hi + tol(hi))


def test_soft_pool_does_not_overflow_float32_at_1000():
    x = np.full((1, 4, 4, 1), 1000.0, np.float32)
    x[0, 0, 0, 0] = 999.0
    y = R.soft_pool2d(x)
    assert y.dtype == np.float32 and np.isfinite(y).all()
    assert 999.0 < y[0, 0, 0, 0] < 1000.0 and y[0, 1, 1, 0] == 1000.0


def test_soft_pool_known_value():
    # weights e^0, e^0, e^0, e^ln3 = 1, 1, 1, 3 -> (3 ln 3) / 6
    x = np.array([[0.0, 0.0], [0.0, math.log(3.0)]])
    assert R.soft_pool2d(x)[0, 0] == pytest.approx(math.log(3.0) / 2)


@SETTINGS
@given(pooling_case(), st.floats(0.05, 20.0))
def test_lse_lies_between_window_average_and_max(case, r):
    x, k, s, padding = case
    y = R.lse_pool2d(x, r, k, s, padding)
    _, hi, mean = window_stats(x, k, s, padding)
    assert np.all(y >= mean - tol(mean)) and np.all(y <= hi + tol(hi))


def test_lse_limits_in_r():
    x = np.random.default_rng(1).normal(size=(1, 6, 6, 2))
    np.testing.assert_allclose(R.lse_pool2d(x, r=1e-6), R.avg_pool2d(x), atol=1e-5)
    np.testing.assert_allclose(R.lse_pool2d(x, r=1e4), R.max_pool2d(x), atol=1e-3)


# ---- stochastic and mixed -----------------------------------------------------------------

@SETTINGS
@given(pooling_case(low=0.0))
def test_stochastic_inference_lies_between_average_and_max(case):
    x, k, s, padding = case
    y = R.stochastic_pool2d(x, k, s, padding)
    _, hi, mean = window_stats(x, k, s, padding)
    assert np.all(y >= mean - tol(mean)) and np.all(y <= hi + tol(hi))


@SETTINGS
@given(pooling_case(low=0.0), st.integers(0, 2**32 - 1))
def test_stochastic_training_sample_is_a_real_cell_of_its_window(case, seed):
    x, k, s, padding = case
    x = np.where(x < 3, 0.0, x)          # plenty of zeros and all-zero windows
    y = R.stochastic_pool2d(x, k, s, padding, training=True, seed=seed)
    w, m = extract_windows(x, k, s, padding)
    assert np.all(np.any((w == y[..., None]) & m, axis=-1))
    # never a zero-probability cell unless the whole window is zero
    assert np.all((y > 0) | (w.sum(-1) == 0))
    np.testing.assert_array_equal(
        y, R.stochastic_pool2d(x, k, s, padding, training=True, seed=seed))


def test_stochastic_sampling_frequencies_follow_the_activations():
    x = np.tile(np.array([[1.0, 3.0]]), (2000, 1))[:, None, :, None]   # 2000 windows (1, 2)
    y = R.stochastic_pool2d(x, (1, 2), training=True, seed=0)
    assert abs(np.mean(y == 3.0) - 0.75) < 0.04


def test_stochastic_all_zero_window_gives_zero_in_both_modes():
    x = np.zeros((4, 4))
    x[2:, 2:] = [[1.0, 2.0], [0.0, 0.0]]
    inference = R.stochastic_pool2d(x)
    assert inference[0, 0] == 0 and inference[1, 1] == pytest.approx(5 / 3)
    trained = R.stochastic_pool2d(x, training=True, seed=1)
    assert trained[0, 0] == 0 and trained[1, 1] in (1.0, 2.0)


@SETTINGS
@given(pooling_case(), st.floats(0.0, 1.0), st.integers(0, 1000))
def test_mixed_pooling_blends_in_inference_and_picks_in_training(case, alpha, seed):
    x, k, s, padding = case
    mx, av = R.max_pool2d(x, k, s, padding), R.avg_pool2d(x, k, s, padding)
    np.testing.assert_allclose(R.mixed_pool2d(x, k, s, padding, alpha),
                               alpha * mx + (1 - alpha) * av, rtol=1e-12, atol=1e-12)
    y = R.mixed_pool2d(x, k, s, padding, alpha, training=True, seed=seed)
    assert np.all((y == mx) | (y == av))


def test_mixed_training_picks_max_with_probability_alpha():
    x = np.tile(np.array([[0.0, 4.0]]), (3000, 1))[:, None, :, None]
    y = R.mixed_pool2d(x, (1, 2), alpha=0.3, training=True, seed=5)
    assert abs(np.mean(y == 4.0) - 0.3) < 0.04


# ---- blur pooling -------------------------------------------------------------------------

@pytest.mark.parametrize("size", range(1, 8))
def test_binomial_filter_sums_to_one_and_is_pascal(size):
    f = R.binomial_filter(size)
    row = np.array([math.comb(size - 1, i) for i in range(size)], float)
    assert f.shape == (size, size) and f.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(f, np.outer(row, row) / row.sum() ** 2)


@SETTINGS
@given(st.integers(2, 9), st.integers(2, 9), st.integers(1, 5), st.integers(1, 3))
def test_blur_pool_shape_and_constants(h, w, f, s):
    if max((f - 1) // 2, f // 2) > min(h, w) - 1:
        return
    y = R.blur_pool2d(np.full((h, w, 2), 7.0), f, s)
    assert y.shape == (-(-h // s), -(-w // s), 2)
    np.testing.assert_allclose(y, 7.0)


def test_blur_pool_known_values_with_reflect_padding():
    x = np.array([[0.0, 0.0, 4.0, 4.0]] * 4)
    # rows are constant; columns blurred by [1, 2, 1]/4 after reflect padding 0|0 0 4 4|4
    # positions 0 and 2 kept: (0 + 0 + 0)/4 = 0 ; (0 + 8 + 4)/4 = 3
    np.testing.assert_allclose(R.blur_pool2d(x), [[0.0, 3.0], [0.0, 3.0]])
    np.testing.assert_allclose(R.blur_pool2d(x, filter_size=1), x[::2, ::2])


def test_max_blur_pool_is_dense_max_then_blur():
    x = np.random.default_rng(3).random((1, 9, 8, 2))
    y = R.max_blur_pool2d(x)
    assert y.shape == (1, 4, 4, 2)                     # ceil((9 - 1) / 2), ceil((8 - 1) / 2)
    np.testing.assert_allclose(y, R.blur_pool2d(R.max_pool2d(x, 2, 1), 3, 2))
    assert R.max_blur_pool2d(x, padding="same").shape == (1, 5, 4, 2)


# ---- spatial pyramid pooling --------------------------------------------------------------

@SETTINGS
@given(st.integers(1, 12), st.integers(1, 12), st.sampled_from(["max", "avg"]))
def test_spp_length_is_independent_of_input_size(h, w, mode):
    x = np.random.default_rng(h * 13 + w).random((2, h, w, 3))
    y = R.spatial_pyramid_pool2d(x, (1, 2, 4), mode)
    assert y.shape == (2, 3 * 21)
    assert R.spatial_pyramid_pool2d(x[0], (1, 3), mode).shape == (3 * 10,)


def test_spp_order_and_adaptive_bins():
    x = np.random.default_rng(4).random((2, 7, 10, 3))
    y = R.spatial_pyramid_pool2d(x, (1, 2, 4))
    expected = np.concatenate([R.adaptive_pool2d(x, n, "max").reshape(2, -1)
                               for n in (1, 2, 4)], axis=1)
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(y[:, :3], x.max(axis=(1, 2)))   # level 1 first
    # level 4 on 7 rows: bins [0,2) [1,4) [3,6) [5,7) - four bins, last row included
    x2 = np.zeros((7, 7))
    x2[6, 6] = 1.0
    assert R.spatial_pyramid_pool2d(x2, (4,))[-1] == 1.0


# ---- parity with TensorFlow ---------------------------------------------------------------

def _parity_calls(k, s, padding):
    return {
        "stochastic_pool2d": (lambda m, x: m.stochastic_pool2d(np.abs(x), k, s, padding)),
        "mixed_pool2d": (lambda m, x: m.mixed_pool2d(x, k, s, padding, 0.3)),
        "lp_pool2d": (lambda m, x: m.lp_pool2d(x, 2.5, k, s, padding)),
        "lp_pool2d(normalize)": (lambda m, x: m.lp_pool2d(x, 3, k, s, padding, normalize=True)),
        "gem_pool2d(global)": (lambda m, x: m.gem_pool2d(x, 3.0)),
        "gem_pool2d(windowed)": (lambda m, x: m.gem_pool2d(x, 2.0, 1e-6, k, s, padding)),
        "soft_pool2d": (lambda m, x: m.soft_pool2d(x, k, s, padding)),
        "lse_pool2d": (lambda m, x: m.lse_pool2d(x, 1.5, k, s, padding)),
        "blur_pool2d": (lambda m, x: m.blur_pool2d(x, 3, s)),
        "max_blur_pool2d": (lambda m, x: m.max_blur_pool2d(x, k, 3, s, padding)),
        "spp(max)": (lambda m, x: m.spatial_pyramid_pool2d(x, (1, 2, 3), "max")),
        "spp(avg)": (lambda m, x: m.spatial_pyramid_pool2d(x, (1, 2, 4), "avg")),
    }


@pytest.mark.tf
@pytest.mark.parametrize("name", list(_parity_calls(1, 1, "valid")))
@settings(max_examples=25, deadline=None)
@given(case=pooling_case())
def test_reference_matches_tensorflow(name, case):
    tf = pytest.importorskip("tensorflow")
    from pooledu import _tf_functions as T
    x, k, s, padding = case
    if name.startswith("max_blur"):
        k = (min(k[0], x.shape[1]), min(k[1], x.shape[2]))
        dense = [n - kk + 1 if padding == "valid" else n for n, kk in zip(x.shape[1:3], k)]
        if min(dense) < 2:
            return
    if name == "blur_pool2d" and min(x.shape[1:3]) < 2:
        return
    call = _parity_calls(k, s, padding)[name]
    expected = call(R, x)
    got = call(T, tf.constant(x))
    assert isinstance(got, tf.Tensor) and got.dtype == tf.float64
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-9, atol=1e-9)


@pytest.mark.tf
@SETTINGS
@given(pooling_case())
def test_window_extractors_agree(case):
    tf = pytest.importorskip("tensorflow")
    from pooledu import _tf_functions as T
    x, k, s, padding = case
    w, m = extract_windows(x, k, s, padding)
    tw, tm = T.extract_windows(tf.constant(x), k, s, padding)
    np.testing.assert_array_equal(tw.numpy(), w)
    np.testing.assert_array_equal(tm.numpy(), m)


def test_integer_input_gives_float64_and_rank_is_kept():
    x = np.arange(16, dtype=np.int8).reshape(4, 4)
    for y in (R.stochastic_pool2d(x), R.soft_pool2d(x), R.lse_pool2d(x), R.lp_pool2d(x),
              R.mixed_pool2d(x), R.blur_pool2d(x), R.max_blur_pool2d(x)):
        assert y.dtype == np.float64 and y.ndim == 2
    assert R.soft_pool2d(x[..., None]).shape == (2, 2, 1)


@pytest.mark.tf
def test_tensorflow_random_modes_and_gradients():
    tf = pytest.importorskip("tensorflow")
    from pooledu import _tf_functions as T
    x = np.random.default_rng(6).random((2, 6, 6, 3))
    w, m = extract_windows(x, 2, 2, "same")
    y = T.stochastic_pool2d(x, padding="same", training=True, seed=3).numpy()
    assert np.all(np.any((w == y[..., None]) & m, axis=-1))
    np.testing.assert_array_equal(
        y, T.stochastic_pool2d(x, padding="same", training=True, seed=3).numpy())
    mixed = T.mixed_pool2d(x, training=True, seed=4).numpy()
    assert np.all(np.isclose(mixed, R.max_pool2d(x)) | np.isclose(mixed, R.avg_pool2d(x)))

    # gradients exist and are finite, also for a learnable p and a huge soft pool input
    xt = tf.Variable(tf.constant(x * 1000.0, tf.float32))
    p = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        loss = (tf.reduce_sum(T.gem_pool2d(xt, p, pool_size=3, strides=2, padding="same"))
                + tf.reduce_sum(T.soft_pool2d(xt)) + tf.reduce_sum(T.lse_pool2d(xt, 2.0))
                + tf.reduce_sum(T.lp_pool2d(xt * 0.0)))
    gx, gp = tape.gradient(loss, [xt, p])
    assert np.isfinite(gx.numpy()).all() and np.isfinite(gp.numpy())
    assert T.soft_pool2d(np.full((2, 2), 1000.0, np.float32)).numpy()[0, 0] == 1000.0


@pytest.mark.tf
def test_tensorflow_spp_with_unknown_spatial_sizes():
    tf = pytest.importorskip("tensorflow")
    from pooledu import _tf_functions as T
    spp = tf.function(lambda t: T.spatial_pyramid_pool2d(t, (1, 2, 4), "avg"),
                      input_signature=[tf.TensorSpec([None, None, None, 2], tf.float64)])
    for h, w in [(7, 10), (3, 2), (16, 5)]:
        x = np.random.default_rng(h).random((2, h, w, 2))
        np.testing.assert_allclose(spp(tf.constant(x)).numpy(),
                                   R.spatial_pyramid_pool2d(x, (1, 2, 4), "avg"), rtol=1e-12)


# ---- bad arguments ------------------------------------------------------------------------

X = np.random.default_rng(7).random((1, 6, 6, 2))

BAD_CALLS = [
    ("negative stochastic", lambda: R.stochastic_pool2d(-X), ValueError, "non-negative"),
    ("NaN stochastic", lambda: R.stochastic_pool2d(np.full((2, 2), np.nan)), ValueError,
     "non-negative"),
    ("training not bool", lambda: R.stochastic_pool2d(X, training="yes"), TypeError, "training"),
    ("bad seed", lambda: R.stochastic_pool2d(X, training=True, seed=-1), ValueError, "seed"),
    ("alpha > 1", lambda: R.mixed_pool2d(X, alpha=1.5), ValueError, "alpha"),
    ("alpha str", lambda: R.mixed_pool2d(X, alpha="0.5"), TypeError, "alpha"),
    ("p = 0", lambda: R.lp_pool2d(X, p=0), ValueError, "p must be"),
    ("p = inf", lambda: R.gem_pool2d(X, p=np.inf), ValueError, "p must be"),
    ("eps = 0", lambda: R.gem_pool2d(X, eps=0), ValueError, "eps"),
    ("global GeM strides", lambda: R.gem_pool2d(X, strides=2), ValueError, "strides"),
    ("r negative", lambda: R.lse_pool2d(X, r=-1.0), ValueError, "r must be"),
    ("normalize not bool", lambda: R.lp_pool2d(X, normalize=1), TypeError, "normalize"),
    ("pool_size 0", lambda: R.soft_pool2d(X, pool_size=0), ValueError, "pool_size"),
    ("pool too big", lambda: R.soft_pool2d(X, pool_size=7), ValueError, "pool_size"),
    ("bad padding", lambda: R.lse_pool2d(X, padding="full"), ValueError, "padding"),
    ("5-D input", lambda: R.soft_pool2d(np.zeros((1, 1, 4, 4, 1))), ValueError, "dimensions"),
    ("complex input", lambda: R.soft_pool2d(np.zeros((4, 4), complex)), TypeError, "x must"),
    ("filter_size 0", lambda: R.blur_pool2d(X, filter_size=0), ValueError, "filter_size"),
    ("filter too big", lambda: R.blur_pool2d(X, filter_size=15), ValueError, "filter_size"),
    ("binomial float", lambda: R.binomial_filter(2.5), TypeError, "filter_size"),
    ("levels empty", lambda: R.spatial_pyramid_pool2d(X, levels=()), ValueError, "levels"),
    ("level 0", lambda: R.spatial_pyramid_pool2d(X, levels=(1, 0)), ValueError, "level"),
    ("spp mode", lambda: R.spatial_pyramid_pool2d(X, mode="min"), ValueError, "mode"),
]


@pytest.mark.parametrize("call, error, match", [c[1:] for c in BAD_CALLS],
                         ids=[c[0] for c in BAD_CALLS])
def test_bad_arguments_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.tf
@pytest.mark.parametrize("call, error, match", [c[1:] for c in BAD_CALLS[2:]],
                         ids=[c[0] for c in BAD_CALLS[2:]])
def test_tensorflow_versions_raise_the_same_errors(call, error, match, monkeypatch):
    pytest.importorskip("tensorflow")
    from pooledu import _tf_functions as T
    monkeypatch.setattr(sys.modules[__name__], "R", T)
    with pytest.raises(error, match=match):
        call()


@pytest.mark.tf
def test_tf_negative_stochastic_input_raises():
    pytest.importorskip("tensorflow")
    from pooledu import _tf_functions as T
    with pytest.raises(ValueError, match="non-negative"):
        T.stochastic_pool2d(-X)


# ---- packaging ----------------------------------------------------------------------------

def test_functions_are_reexported_and_import_no_tensorflow():
    from pooledu import _functions
    assert all(getattr(R, name) is getattr(_functions, name) for name in _functions.__all__)
    code = ("import sys, pooledu.reference\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')]\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.tf
def test_tf_module_reexports_the_tf_functions():
    pytest.importorskip("tensorflow")
    import pooledu.tf as ptf
    from pooledu import _tf_functions
    assert all(getattr(ptf, name) is getattr(_tf_functions, name)
               for name in _tf_functions.__all__)
