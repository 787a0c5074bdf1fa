"""The NumPy reference against TensorFlow itself, and pooledu.tf against the reference.

Max / min / argmax are compared bit for bit, averages within float tolerance.
Inputs go through ``tf.constant`` first (raw NumPy float64 can come back float32).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import POOL_SETTINGS, pool_case
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import pooledu.reference as R
from pooledu._pool import _window_counts
from pooledu._validation import check_input, check_pool_args

tf = pytest.importorskip("tensorflow")
import pooledu.tf as ptf  # (needs TensorFlow)

pytestmark = pytest.mark.tf

BATCHED = pool_case(layouts=("batch",))
RTOL = {np.dtype("float16"): 2e-3, np.dtype("float32"): 2e-6, np.dtype("float64"): 1e-12}


def close(actual, desired, dtype, scale=1.0):
    """allclose for averages: relative, plus an absolute slack for cancellation."""
    rtol = RTOL[np.dtype(dtype)]
    assert_allclose(np.asarray(actual, dtype=np.float64), np.asarray(desired, dtype=np.float64),
                    rtol=rtol, atol=rtol * scale)


def _geometry(x, k, s, padding, d=2):
    _, info = check_input(x, d)
    ks, ss, pad, _ = check_pool_args(info, k, s, padding)
    return ks, ss, pad.upper()


def _window_fits(x, k, d=2):
    """True if the window is no larger than the input along every spatial axis."""
    _, info = check_input(x, d)
    ks, _, _, _ = check_pool_args(info, k, None, "same")
    return all(kk <= n for kk, n in zip(ks, info.spatial))


def _tf_sum(xt, ks, ss, pad):
    """Window sums the independent way: a convolution with a kernel of ones, channel by
    channel (TF pads convolutions with zeros, with the same split as pooling).

    In float64: TF 2.21's float32 (oneDNN) conv2d returned garbage here for a stride
    larger than the input, e.g. shape (2, 2, 1, 1), kernel (1, 2), strides (1, 2), SAME.
    """
    n, h, w, c = xt.shape
    planes = tf.reshape(tf.transpose(tf.cast(xt, tf.float64), (0, 3, 1, 2)), (n * c, h, w, 1))
    sums = tf.nn.conv2d(planes, tf.ones((*ks, 1, 1), tf.float64), (1, *ss, 1), pad)
    return tf.transpose(tf.reshape(sums, (n, c, *sums.shape[1:3])), (0, 2, 3, 1))


# ---------------------------------------------------------------- reference vs raw TensorFlow
@POOL_SETTINGS
@given(pool_case(layouts=("batch",), dtypes=("float16", "float32", "float64")))
def test_max_min_avg_match_tf_nn_bit_for_bit(case):
    x, k, s, padding = case
    ks, ss, pad = _geometry(x, k, s, padding)
    xt = tf.constant(x)
    assert_array_equal(R.pool2d(x, "max", k, s, padding), tf.nn.max_pool2d(xt, ks, ss, pad),
                       strict=True)
    assert_array_equal(R.pool2d(x, "min", k, s, padding), -tf.nn.max_pool2d(-xt, ks, ss, pad),
                       strict=True)
    # row-major summation in the input dtype: averages agree bit for bit too
    assert_array_equal(R.pool2d(x, "avg", k, s, padding), tf.nn.avg_pool2d(xt, ks, ss, pad),
                       strict=True)


def test_averages_match_tf_to_the_sign_of_zero():
    """Bit for bit means the sign of zero too: TF sums 0 + x0 + x1 + ..., so a window of
    -0.0 cells averages to +0.0 (assert_array_equal alone cannot see the sign)."""
    rng = np.random.default_rng(11)
    for i in range(60):
        shape = (int(rng.integers(1, 3)), int(rng.integers(2, 12)), int(rng.integers(2, 12)),
                 int(rng.choice([1, 3, 16])))
        x = rng.choice(np.array([-0.0, 0.0, -0.0, 1.0, -2.0], np.float32), size=shape)
        if i % 3 == 0:
            x[...] = -0.0
        k, s = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        for padding in ("valid", "same"):
            if padding == "valid" and k > min(shape[1:3]):
                continue
            want = tf.nn.avg_pool2d(tf.constant(x), k, s, padding.upper()).numpy()
            got = R.pool2d(x, "avg", k, s, padding)
            assert_array_equal(got.view(np.uint32), want.view(np.uint32),
                               err_msg=f"{shape} k={k} s={s} {padding}")


@POOL_SETTINGS
@given(BATCHED)
def test_sum_and_lp_match_a_tf_convolution(case):
    x, k, s, padding = case
    ks, ss, pad = _geometry(x, k, s, padding)
    xt = tf.constant(x)
    close(R.pool2d(x, "sum", k, s, padding), _tf_sum(xt, ks, ss, pad), x.dtype,
          np.abs(x).sum())
    for p in (1.0, 2.0, 3.5):
        want = tf.pow(_tf_sum(tf.pow(tf.abs(xt), p), ks, ss, pad), 1.0 / p)
        close(R.pool2d(x, "lp", k, s, padding, p=p), want, x.dtype, np.abs(x).max())


@POOL_SETTINGS
@given(pool_case(spatial_dims=1, layouts=("batch",), max_side=24))
def test_1d_matches_tf(case):
    x, k, s, padding = case
    ks, ss, pad = _geometry(x, k, s, padding, 1)
    xt = tf.constant(x)
    assert_array_equal(R.pool1d(x, "max", k, s, padding), tf.nn.max_pool1d(xt, ks, ss, pad))
    assert_array_equal(R.pool1d(x, "avg", k, s, padding), tf.nn.avg_pool1d(xt, ks, ss, pad))


@POOL_SETTINGS
@given(pool_case(spatial_dims=3, layouts=("batch",), max_side=7, dtypes=("float32",)))
def test_3d_matches_tf(case):
    x, k, s, padding = case
    ks, ss, pad = _geometry(x, k, s, padding, 3)
    xt = tf.constant(x)
    assert_array_equal(R.pool3d(x, "max", k, s, padding), tf.nn.max_pool3d(xt, ks, ss, pad))
    assert_array_equal(R.pool3d(x, "avg", k, s, padding), tf.nn.avg_pool3d(xt, ks, ss, pad))


@POOL_SETTINGS
@given(BATCHED)
def test_global_matches_tf_reductions(case):
    x = case[0]
    xt = tf.constant(x)
    assert_array_equal(R.global_max_pool2d(x), tf.reduce_max(xt, axis=(1, 2)))
    assert_array_equal(R.global_pool2d(x, "min"), tf.reduce_min(xt, axis=(1, 2)))
    close(R.global_avg_pool2d(x), tf.reduce_mean(xt, axis=(1, 2)), x.dtype, np.abs(x).max())
    close(R.global_pool2d(x, "sum", keepdims=True), tf.reduce_sum(xt, (1, 2), keepdims=True),
          x.dtype, np.abs(x).sum())


@POOL_SETTINGS
@given(case=BATCHED, include_batch=st.booleans())
def test_argmax_matches_tf_bit_for_bit(case, include_batch):
    x, k, s, padding = case
    ks, ss, pad = _geometry(x, k, s, padding)
    out, idx = tf.nn.max_pool_with_argmax(tf.constant(x), ks, ss, pad,
                                          include_batch_in_index=include_batch)
    r_out, r_idx = R.max_pool2d_with_argmax(x, k, s, padding, include_batch)
    assert_array_equal(r_out, out)
    assert_array_equal(r_idx, idx, strict=True)


@POOL_SETTINGS
@given(BATCHED)
def test_gradients_match_gradient_tape(case):
    x, k, s, padding = case
    ks, ss, pad = _geometry(x, k, s, padding)
    xt = tf.constant(x)
    modes = (("max", tf.nn.max_pool2d), ("avg", tf.nn.avg_pool2d))
    if not _window_fits(x, k):  # TF's AvgPoolGrad bug: see test_tf_avg_pool_grad_bug
        modes = modes[:1]
    for mode, fn in modes:
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = fn(xt, ks, ss, pad)
        dy = np.random.default_rng(0).standard_normal(y.shape).astype(x.dtype)
        want = tape.gradient(y, xt, output_gradients=tf.constant(dy))
        close(R.pool2d_grad(x, dy, mode, k, s, padding), want, x.dtype, np.abs(dy).sum())


@POOL_SETTINGS
@given(case=pool_case(layouts=("batch",), dtypes=("float32",), max_side=20),
       out=st.tuples(st.integers(1, 10), st.integers(1, 10)))
def test_adaptive_matches_keras(case, out):
    import keras

    x = case[0]
    # Keras 3.15's TF adaptive pooling uses a window of ceil(n/out) + 1 cells, larger than
    # the input when n == 1 or out == 1; the process then dies (SIGFPE). Avoid those sizes.
    assume(min(out) > 1 and min(x.shape[1:3]) > 1)
    got_max = R.adaptive_pool2d(x, out, "max")
    assert_array_equal(got_max, keras.layers.AdaptiveMaxPooling2D(out)(x))
    want = np.asarray(keras.layers.AdaptiveAveragePooling2D(out)(x))
    assert_allclose(R.adaptive_pool2d(x, out, "avg"), want, rtol=1e-5,
                    atol=1e-5 * np.abs(x).max())


@POOL_SETTINGS
@given(case=pool_case(layouts=("batch",), max_side=24, dtypes=("float32", "float64")),
       ratio=st.tuples(st.floats(1.0, 3.0), st.floats(1.0, 3.0)),
       mode=st.sampled_from(["max", "avg"]), pseudo=st.booleans(), overlapping=st.booleans())
def test_fractional_with_tf_sequences_is_bit_exact(case, ratio, mode, pseudo, overlapping):
    x = case[0]
    ratio = tuple(min(r, n) for r, n in zip(ratio, x.shape[1:3]))
    op = tf.nn.fractional_max_pool if mode == "max" else tf.nn.fractional_avg_pool
    out, rows, cols = op(tf.constant(x), [1.0, *ratio, 1.0], pseudo_random=pseudo,
                         overlapping=overlapping, seed=7)
    got, r_rows, r_cols = R.fractional_pool2d(x, ratio, mode, overlapping=overlapping,
                                              row_seq=rows.numpy(), col_seq=cols.numpy())
    assert_array_equal(got, out, strict=True)
    assert_array_equal(r_rows, rows)
    assert_array_equal(r_cols, cols)


# ---------------------------------------------------------------- pooledu.tf vs the reference
@POOL_SETTINGS
@given(case=pool_case(dtypes=("float32", "float64", "int8", "uint8", "int32")),
       mode=st.sampled_from(["max", "min", "avg", "sum", "lp"]), dims=st.sampled_from([1, 2]))
def test_pooledu_tf_pool_matches_reference(case, mode, dims):
    x, k, s, padding = case
    if dims == 1:  # reuse the 2-D case as a batch of rows
        x = x.reshape(-1, x.shape[-1]) if x.ndim == 2 else x.reshape(-1, *x.shape[-2:])
        k = k if isinstance(k, int) else k[-1]
        s = s if s is None else s[-1]
        if padding.lower() == "valid" and k > x.shape[-2 if x.ndim > 1 else -1]:
            return
    fn_r, fn_t = (R.pool2d, ptf.pool2d) if dims == 2 else (R.pool1d, ptf.pool1d)
    want = fn_r(x, mode, k, s, padding, p=3)
    got = fn_t(tf.constant(x), mode, k, s, padding, p=3).numpy()
    assert got.dtype == want.dtype and got.shape == want.shape
    if mode in ("max", "min") or (mode == "sum" and x.dtype.kind in "iu"):
        assert_array_equal(got, want)
    else:
        close(got, want, want.dtype, np.abs(want).max())


@POOL_SETTINGS
@given(case=pool_case(spatial_dims=3, max_side=6, dtypes=("float32", "float64", "int16")),
       mode=st.sampled_from(["max", "min", "avg"]))
def test_pooledu_tf_3d_matches_reference(case, mode):
    x, k, s, padding = case
    want = R.pool3d(x, mode, k, s, padding)
    got = ptf.pool3d(x, mode, k, s, padding).numpy()
    assert got.dtype == want.dtype
    if mode == "avg":
        close(got, want, want.dtype, np.abs(want).max())
    else:
        assert_array_equal(got, want)


@POOL_SETTINGS
@given(case=pool_case(), keepdims=st.booleans(), mode=st.sampled_from(["max", "min", "avg", "sum"]))
def test_pooledu_tf_global_matches_reference(case, keepdims, mode):
    x = case[0]
    want = R.global_pool2d(x, mode, keepdims)
    got = ptf.global_pool2d(x, mode, keepdims).numpy()
    assert got.shape == want.shape and got.dtype == want.dtype
    close(got, want, x.dtype, np.abs(x).sum())


@POOL_SETTINGS
@given(case=pool_case(), include_batch=st.booleans())
def test_pooledu_tf_argmax_and_grad_match_reference(case, include_batch):
    x, k, s, padding = case
    out, idx = ptf.max_pool2d_with_argmax(x, k, s, padding, include_batch)
    r_out, r_idx = R.max_pool2d_with_argmax(x, k, s, padding, include_batch)
    assert_array_equal(out.numpy(), r_out)
    assert_array_equal(idx.numpy(), r_idx)
    dy = np.random.default_rng(1).standard_normal(r_out.shape).astype(x.dtype)
    modes = ("max", "min", "avg", "sum") if _window_fits(x, k) else ("max", "min")
    for mode in modes:
        close(ptf.pool2d_grad(x, dy, mode, k, s, padding), R.pool2d_grad(x, dy, mode, k, s,
                                                                         padding),
              x.dtype, np.abs(dy).sum())


@POOL_SETTINGS
@given(case=pool_case(max_side=16), out=st.tuples(st.integers(1, 8), st.integers(1, 8)),
       mode=st.sampled_from(["max", "avg"]))
def test_pooledu_tf_adaptive_matches_reference(case, out, mode):
    x = case[0]
    got = ptf.adaptive_pool2d(x, out, mode).numpy()
    want = R.adaptive_pool2d(x, out, mode)
    if mode == "max":
        assert_array_equal(got, want)
    else:
        close(got, want, x.dtype, np.abs(x).max())


def test_pooledu_tf_fractional_round_trip():
    x = np.random.default_rng(5).standard_normal((2, 13, 11, 3)).astype(np.float32)
    for mode in ("max", "avg"):
        out, rows, cols = ptf.fractional_pool2d(x, (1.6, 1.3), mode, seed=11, overlapping=True)
        again, rows2, _ = ptf.fractional_pool2d(x, (1.6, 1.3), mode, seed=11, overlapping=True)
        assert_array_equal(rows, rows2)                       # a positive seed repeats
        assert_array_equal(out, again)
        ref, _, _ = R.fractional_pool2d(x, (1.6, 1.3), mode, overlapping=True,
                                        row_seq=rows, col_seq=cols)
        assert_array_equal(out.numpy(), ref)
        assert out.shape == (2, 8, 8, 3)
    # a seed: another test may have switched TF's op determinism on, which refuses seed=0
    out, _, _ = ptf.fractional_pool2d(x[0, ..., 0].astype(np.int8), 1.5, seed=3)
    assert out.dtype == tf.int8 and out.shape == (8, 7)


# ---------------------------------------------------------------- documented differences
def test_tf_backend_ignores_nan_in_max_pooling_reference_propagates():
    x = np.array([[1.0, np.nan, 2.0, 3.0]], dtype=np.float32)
    assert_array_equal(ptf.max_pool2d(x, (1, 2)).numpy(), [[1.0, 3.0]])
    assert np.isnan(R.max_pool2d(x, (1, 2))[0, 0])


def test_tf_integer_min_pool_has_no_overflow_trap():
    x = np.array([[-128, 5], [3, 2]], dtype=np.int8)
    naive = -tf.nn.max_pool2d(-tf.constant(x[None, :, :, None]), 2, 2, "VALID")
    assert naive.numpy().item() == 2                 # the trap: -(-128) wraps to -128
    assert ptf.min_pool2d(x).numpy()[0, 0] == -128
    for dtype in (np.uint8, np.uint16, np.uint32, np.uint64, np.int64):
        info = np.iinfo(dtype)
        y = np.array([[info.max, info.min], [info.max - 1, 1]], dtype=dtype)
        assert ptf.min_pool2d(y).numpy()[0, 0] == info.min
        assert ptf.max_pool2d(y).numpy()[0, 0] == info.max
        assert ptf.max_pool2d(y).dtype == tf.as_dtype(dtype)


def test_tf_avg_pool_grad_bug_when_the_window_exceeds_the_input():
    """TF 2.21's AvgPoolGrad disagrees with its own forward pass for a SAME window
    larger than the input (H=4, k=5, s=1); the reference follows the forward pass."""
    x = tf.ones((1, 4, 1, 1), tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.avg_pool2d(x, (5, 1), 1, "SAME")
    tf_grad = tape.gradient(y, x).numpy().ravel()
    unit = np.eye(4).reshape(4, 1, 4, 1, 1)            # unit[i]: a 1 in row i
    jacobian = np.stack([tf.nn.avg_pool2d(tf.constant(unit[i]), (5, 1), 1, "SAME").numpy().ravel()
                         for i in range(4)])                # row i: d y / d x_i
    ref = R.pool2d_grad(np.ones((4, 1)), np.ones((4, 1)), "avg", (5, 1), 1, "same").ravel()
    assert_allclose(ref, jacobian.sum(axis=1))                 # [5/6, 7/6, 7/6, 5/6]
    assert_allclose(tf_grad, [0.75, 13 / 12, 13 / 12, 13 / 12])  # TF's (wrong) answer
    assert not np.allclose(tf_grad, ref)


def test_tf_backend_accepts_tensors_and_keeps_rank():
    x = tf.constant(np.arange(16.0).reshape(4, 4))
    out = ptf.avg_pool2d(x)
    assert isinstance(out, tf.Tensor) and out.shape == (2, 2) and out.dtype == tf.float64
    assert ptf.global_avg_pool2d(x).shape == ()
    assert ptf.pool2d(tf.Variable(np.ones((1, 4, 4, 2), np.float32)), "sum").shape == (1, 2, 2, 2)


def test_window_counts_agree_with_tf_avg_pool_of_ones():
    ones = tf.ones((1, 7, 5, 1), tf.float64)
    counts = _window_counts((7, 5), (3, 2), (2, 2), "same")
    sums = _tf_sum(ones, (3, 2), (2, 2), "SAME")
    assert_array_equal(np.broadcast_to(counts, sums.shape), sums)
