"""The NumPy reference (pooledu.reference): hand-checked examples, a pixel-loop
definition it must match exactly, properties, and edge cases (NaN, inf, int8,
float16)."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import POOL_SETTINGS, pool_case
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import pooledu._pool as engine
import pooledu.reference as R
from pooledu._geometry import normalize_tuple, output_shape, window_bounds

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = np.array([[1, 3, 2, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]])


# ---------------------------------------------------------------- the definition, as loops
def loop_pool(x, spatial_dims, mode, pool_size, strides, padding, p=2.0):
    """Pooling written the slow, obvious way: one window at a time, its real cells
    visited in row-major order and accumulated in the dtype the reference uses."""
    x = np.asarray(x)
    d = spatial_dims
    batched, channels = x.ndim == d + 2, x.ndim >= d + 1
    a = x if batched else x[None]
    a = a if channels else a[..., None]
    ks = normalize_tuple(pool_size, d, "pool_size")
    ss = ks if strides is None else normalize_tuple(strides, d, "strides")
    bounds = [window_bounds(n, k, s, padding) for n, k, s in zip(a.shape[1:-1], ks, ss)]
    out_dtype = engine.result_dtype(a.dtype, mode)
    out = np.empty((a.shape[0], *(len(b[0]) for b in bounds), a.shape[-1]), out_dtype)
    for b, c in itertools.product(range(a.shape[0]), range(a.shape[-1])):
        for pos in itertools.product(*(range(len(bd[0])) for bd in bounds)):
            window = a[(b, *(slice(bd[0][i], bd[1][i]) for bd, i in zip(bounds, pos)), c)]
            cells = window.ravel()  # row-major
            if mode == "max":
                value = np.max(cells)
            elif mode == "min":
                value = np.min(cells)
            else:
                acc = out_dtype.type(0)
                for v in cells:
                    term = np.abs(out_dtype.type(v)) ** out_dtype.type(p) if mode == "lp" else v
                    acc = out_dtype.type(acc + out_dtype.type(term))
                if mode == "avg":
                    value = acc / out_dtype.type(cells.size)
                elif mode == "lp":
                    value = acc ** out_dtype.type(1.0 / p)
                else:
                    value = acc
            out[(b, *pos, c)] = value
    if not channels:
        out = out[..., 0]
    return out if batched else out[0]


POOL_FN = {1: R.pool1d, 2: R.pool2d, 3: R.pool3d}


# ---------------------------------------------------------------- hand-checked examples
def test_article_matrix():
    assert_array_equal(R.max_pool2d(ARTICLE), [[6, 8], [14, 16]])
    assert_array_equal(R.avg_pool2d(ARTICLE), [[3.75, 5.25], [11.5, 13.5]])
    assert_array_equal(R.min_pool2d(ARTICLE), [[1, 2], [9, 11]])
    assert R.global_avg_pool2d(ARTICLE) == 8.5
    assert R.global_max_pool2d(ARTICLE) == 16
    assert R.global_pool2d(ARTICLE).shape == ()


def test_article_matrix_in_every_layout():
    for x, shape in [(ARTICLE[..., None], (2, 2, 1)), (ARTICLE[None, ..., None], (1, 2, 2, 1))]:
        out = R.max_pool2d(x)
        assert out.shape == shape
        assert_array_equal(out.reshape(2, 2), [[6, 8], [14, 16]])


def test_same_padding_never_lets_padding_win_or_count():
    x = -np.arange(1.0, 26.0).reshape(5, 5)      # all negative: zero padding would win
    out = R.max_pool2d(x, 2, 2, "same")           # 3x3 windows, padding after
    assert out.shape == (3, 3)
    assert out[2, 2] == -25.0
    avg = R.avg_pool2d(x, 2, 2, "same")
    assert avg[2, 2] == -25.0                     # a 1-cell window: divided by 1
    assert avg[0, 2] == (-5 - 10) / 2


def test_strides_default_to_pool_size():
    x = np.arange(36.0).reshape(6, 6)
    assert_array_equal(R.max_pool2d(x, 3), R.max_pool2d(x, 3, 3))
    assert R.max_pool2d(x, 3).shape == (2, 2)


def test_lp_pooling_is_pytorch_lppool_without_averaging():
    x = np.array([[3.0, -4.0], [0.0, 0.0]])
    assert R.pool2d(x, "lp", p=2)[0, 0] == 5.0
    assert R.pool2d(x, "lp", p=1)[0, 0] == 7.0
    assert R.pool2d(x, "sum")[0, 0] == -1.0


def test_1d_and_3d():
    assert_array_equal(R.max_pool1d([1, 9, 2, 3], 2, 1), [9, 9, 3])
    assert_array_equal(R.avg_pool1d(np.array([[1.0], [3.0], [5.0]]), 2, 2, "same"),
                       [[2.0], [5.0]])
    cube = np.arange(27.0).reshape(3, 3, 3)
    assert R.max_pool3d(cube, 3)[0, 0, 0] == 26.0
    assert R.avg_pool3d(cube, 3)[0, 0, 0] == 13.0
    assert R.pool3d(cube, "min", 2, 1).shape == (2, 2, 2)


def test_global_shapes_and_keepdims():
    x = np.random.default_rng(0).standard_normal((2, 5, 4, 3))
    assert R.global_pool2d(x).shape == (2, 3)
    assert R.global_pool2d(x[0]).shape == (3,)
    assert R.global_pool2d(x[0, ..., 0]).shape == ()
    assert R.global_pool2d(x, "max", keepdims=True).shape == (2, 1, 1, 3)
    assert R.global_pool2d(x[0], keepdims=True).shape == (1, 1, 3)
    assert R.global_pool2d(x[0, ..., 0], keepdims=True).shape == (1, 1)
    assert_allclose(R.global_avg_pool2d(x), x.mean(axis=(1, 2)))
    assert_array_equal(R.global_pool2d(x, "min"), x.min(axis=(1, 2)))
    assert_allclose(R.global_pool2d(x, "sum"), x.sum(axis=(1, 2)))
    assert R.global_pool1d(np.ones((4, 2))).shape == (2,)
    assert R.global_pool3d(np.ones((2, 3, 4, 5, 6)), "max").shape == (2, 6)


def test_global_equals_one_window_covering_the_image():
    x = np.random.default_rng(1).standard_normal((2, 5, 7, 3))
    for mode in ("max", "min", "avg", "sum"):
        assert_allclose(R.global_pool2d(x, mode), R.pool2d(x, mode, (5, 7))[:, 0, 0], rtol=1e-12)


# ---------------------------------------------------------------- argmax and gradients
def test_argmax_index_convention_and_ties():
    x = np.zeros((2, 4, 4, 3))
    x[1, 2, 3, 1] = 5.0
    out, idx = R.max_pool2d_with_argmax(x)
    assert idx[1, 1, 1, 1] == (2 * 4 + 3) * 3 + 1
    _, idx_b = R.max_pool2d_with_argmax(x, include_batch_in_index=True)
    assert idx_b[1, 1, 1, 1] == ((1 * 4 + 2) * 4 + 3) * 3 + 1
    # all zeros: ties go to the window's first cell in row-major order
    assert idx[0, 1, 0, 2] == (2 * 4 + 0) * 3 + 2
    assert idx.dtype == np.int64
    assert_array_equal(out, R.max_pool2d(x))


def test_argmax_of_a_2d_input_treats_it_as_one_channel():
    out, idx = R.max_pool2d_with_argmax(ARTICLE)
    assert_array_equal(out, [[6, 8], [14, 16]])
    assert_array_equal(idx, [[5, 7], [13, 15]])            # y*W + x
    assert_array_equal(ARTICLE.ravel()[idx], out)


def test_gradient_overlapping_windows_accumulate():
    x = np.array([[1.0, 9.0, 2.0, 3.0]])
    grad = R.pool2d_grad(x, np.ones((1, 3)), "max", (1, 2), 1)
    assert_array_equal(grad, [[0.0, 2.0, 0.0, 1.0]])


def test_gradient_ties_go_to_the_first_maximum():
    grad = R.pool2d_grad(np.ones((2, 2)), np.array([[1.0]]), "max")
    assert_array_equal(grad, [[1.0, 0.0], [0.0, 0.0]])
    grad = R.pool2d_grad(np.ones((2, 2)), np.array([[1.0]]), "min")
    assert_array_equal(grad, [[1.0, 0.0], [0.0, 0.0]])


def test_gradient_of_average_spreads_over_real_cells():
    x = np.zeros((3, 3))
    grad = R.pool2d_grad(x, np.ones((2, 2)), "avg", 2, 2, "same")
    assert_allclose(grad, [[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]])
    assert_allclose(R.pool2d_grad(x, np.ones((2, 2)), "sum", 2, 2, "same"), np.ones((3, 3)))


@POOL_SETTINGS
@given(pool_case(dtypes=("float64",), max_side=8))
def test_gradient_matches_finite_differences(case):
    x, k, s, padding = case
    rng = np.random.default_rng(0)
    x = x + rng.standard_normal(x.shape) * 1e-3        # break ties: max is smooth there
    for mode in ("max", "avg", "min", "sum"):
        dy = rng.standard_normal(R.pool2d(x, mode, k, s, padding).shape)
        grad = R.pool2d_grad(x, dy, mode, k, s, padding)
        e = np.zeros_like(x)
        flat = e.reshape(-1)
        for i in rng.choice(x.size, size=min(x.size, 5), replace=False):
            flat[i] = 1e-7
            up = np.sum(R.pool2d(x + e, mode, k, s, padding) * dy)
            down = np.sum(R.pool2d(x - e, mode, k, s, padding) * dy)
            flat[i] = 0.0
            assert_allclose((up - down) / 2e-7, grad.reshape(-1)[i], rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------- the engine vs the loops
@POOL_SETTINGS
@given(case=pool_case(max_side=9, dtypes=("float16", "float32", "float64", "int8", "uint8")),
       mode=st.sampled_from(["max", "avg", "min", "sum"]))
def test_pool2d_equals_the_loop_definition_bit_for_bit(case, mode):
    x, k, s, padding = case
    assert_array_equal(R.pool2d(x, mode, k, s, padding), loop_pool(x, 2, mode, k, s, padding),
                       strict=True)


@pytest.mark.parametrize("channels", [9, 16])
@pytest.mark.parametrize("geometry", [(2, 2, "valid"), (3, 2, "same"), ((2, 3), (3, 1), "same")])
def test_many_channels_equal_the_loop_definition(channels, geometry):
    k, s, padding = geometry
    x = np.random.default_rng(channels).standard_normal((2, 7, 8, channels)).astype(np.float32)
    for mode in ("max", "min", "avg", "sum"):
        assert_array_equal(R.pool2d(x, mode, k, s, padding), loop_pool(x, 2, mode, k, s, padding),
                           strict=True)


@POOL_SETTINGS
@given(dims=st.sampled_from([1, 3]), data=st.data(),
       mode=st.sampled_from(["max", "avg", "min", "sum", "lp"]))
def test_1d_and_3d_equal_the_loop_definition(dims, data, mode):
    x, k, s, padding = data.draw(pool_case(spatial_dims=dims, max_side=12 if dims == 1 else 5))
    got = POOL_FN[dims](x, mode, k, s, padding, p=3)
    want = loop_pool(x, dims, mode, k, s, padding, p=3)
    if mode == "lp":
        assert_allclose(got, want, rtol=1e-5)
    else:
        assert_array_equal(got, want, strict=True)


@POOL_SETTINGS
@given(pool_case(max_side=16))
def test_properties(case):
    x, k, s, padding = case
    mx, mn = R.pool2d(x, "max", k, s, padding), R.pool2d(x, "min", k, s, padding)
    avg = R.pool2d(x, "avg", k, s, padding)
    assert mx.shape == output_shape(x.shape, k, s, padding) == avg.shape
    assert mx.dtype == x.dtype
    eps = 1e-4 * (1 + np.abs(x).max())
    assert np.all(mn <= avg + eps) and np.all(avg <= mx + eps)
    assert_array_equal(mn, -R.pool2d(-x, "max", k, s, padding))
    assert np.all(R.pool2d(x, "lp", k, s, padding, p=1) >= np.abs(R.pool2d(x, "sum", k, s,
                                                                        padding)) - eps)
    # every max is a value of x; a constant image stays constant
    assert np.isin(mx, x).all()
    assert_array_equal(R.pool2d(np.full_like(x, 3), "avg", k, s, padding), 3)


def test_identity_window():
    x = np.random.default_rng(2).standard_normal((2, 5, 6, 3))
    for mode in ("max", "min", "avg", "sum"):
        assert_array_equal(R.pool2d(x, mode, 1, 1), x)


def test_the_channels_first_layout_does_not_change_a_bit(monkeypatch):
    """With few channels the engine pools channels-first; the result is the same."""
    rng = np.random.default_rng(3)
    for shape in [(3, 40, 33, 3), (2, 37, 30, 17)]:
        x = rng.standard_normal(shape).astype(np.float32)
        cases = [(mode, k, s, pad) for mode in ("max", "min", "avg", "sum", "lp")
                 for k, s, pad in [(2, 2, "valid"), (3, 2, "same"), (3, 1, "same"),
                                   (3, 2, 1)]]
        with monkeypatch.context() as m:
            m.setattr(engine, "_FEW_CHANNELS", 0)
            last = [R.pool2d(x, *c) for c in cases]
        with monkeypatch.context() as m:
            m.setattr(engine, "_FEW_CHANNELS", 1 << 30)
            first = [R.pool2d(x, *c) for c in cases]
        for c, a, b in zip(cases, last, first):
            assert_array_equal(a, b, err_msg=str(c))
            assert a.flags.c_contiguous and b.flags.c_contiguous


@given(data=st.data(), mode=st.sampled_from(["avg", "sum", "lp"]),
       dtype=st.sampled_from(["float16", "float32", "float64"]))
def test_summing_the_border_windows_apart_does_not_change_a_bit(data, mode, dtype):
    """``_split_border`` sums the windows that reach into the padding apart from the
    others, for speed only: with and without it, the same bits (TF's and PyTorch's
    paddings, dilation, ceil_mode, count_include_pad, few and many channels)."""
    n = data.draw(st.integers(4, 30))
    k, s, d = data.draw(st.integers(2, 4)), data.draw(st.integers(2, 4)), 1
    options = {}
    if data.draw(st.booleans()):
        padding = data.draw(st.sampled_from(["same", "valid"]))
    else:
        d = data.draw(st.integers(1, 2))
        padding = data.draw(st.integers(0, k // 2))
        options = {"dilation": d, "ceil_mode": data.draw(st.booleans())}
        if mode == "avg":
            options["count_include_pad"] = data.draw(st.booleans())
    if d * (k - 1) + 1 > n + 2 * (padding if isinstance(padding, int) else k):
        return
    channels = data.draw(st.sampled_from([1, 3, 16]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((2, n, n + 3, channels)).astype(dtype)
    x[rng.random(x.shape) < 0.5] = -0.0       # signed zeros: whole windows of -0.0 too
    with_split = R.pool2d(x, mode, k, s, padding, **options)
    engine_off = pytest.MonkeyPatch()
    engine_off.setattr(engine, "_split_border", lambda *args: None)
    try:
        without = R.pool2d(x, mode, k, s, padding, **options)
    finally:
        engine_off.undo()
    assert_array_equal(with_split.view(np.uint8), without.view(np.uint8))


def test_the_border_split_runs_where_it_should():
    """The property test above would pass vacuously if the split never ran: it runs
    for strides above 1 where windows reach into the padding, and only there."""
    ran = []
    split = engine._split_border

    def counted(*args):
        result = split(*args)
        ran.append(result is not None)
        return result

    engine._split_border = counted
    try:
        R.pool2d(np.ones((1, 9, 9, 4), np.float32), "avg", 3, 2, "same")
        assert ran[-1] is True      # the call on the whole block split it
        ran.clear()
        R.pool2d(np.ones((1, 9, 9, 4), np.float32), "avg", 3, 1, "same")   # stride 1
        R.pool2d(np.ones((1, 8, 8, 4), np.float32), "avg", 2, 2, "valid")  # no border
        assert ran and not any(ran)
    finally:
        engine._split_border = split


def test_views_and_lists_are_accepted():
    x = np.arange(64.0).reshape(8, 8)
    assert_array_equal(R.max_pool2d(x[::2, ::-2]), R.max_pool2d(np.ascontiguousarray(x[::2, ::-2])))
    assert_array_equal(R.max_pool2d(x.T), R.max_pool2d(np.ascontiguousarray(x.T)))
    assert_array_equal(R.max_pool2d(ARTICLE.tolist()), [[6, 8], [14, 16]])


# ---------------------------------------------------------------- edge cases (documented)
def test_nan_propagates_in_the_reference():
    x = np.array([[1.0, np.nan, 2.0, 3.0]])
    for mode in ("max", "min", "avg", "sum", "lp"):
        out = R.pool2d(x, mode, (1, 2))
        assert np.isnan(out[0, 0]) and not np.isnan(out[0, 1]), mode
    out, idx = R.max_pool2d_with_argmax(np.array([[1.0, np.nan, np.nan, 3.0]]), (1, 4))
    assert np.isnan(out[0, 0]) and idx[0, 0] == 1          # the first NaN
    assert np.isnan(R.global_max_pool2d(x))


def test_infinities():
    assert R.max_pool2d(np.full((2, 2), -np.inf))[0, 0] == -np.inf
    with np.errstate(invalid="ignore"):   # inf - inf: NumPy warns, the answer is NaN
        assert np.isnan(R.avg_pool2d(np.array([[np.inf, -np.inf], [1.0, 2.0]]))[0, 0])
    assert R.max_pool2d(np.array([[np.inf, 1.0], [1.0, 2.0]]))[0, 0] == np.inf


def test_int8_min_pool_does_not_overflow():
    x = np.array([[-128, 5], [3, 2]], dtype=np.int8)
    out = R.min_pool2d(x)
    assert out.dtype == np.int8 and out[0, 0] == -128
    assert R.max_pool2d(x)[0, 0] == 5


def test_integer_dtypes():
    x = np.array([[100, 100], [100, 100]], dtype=np.int8)
    assert R.pool2d(x, "sum")[0, 0] == 400 and R.pool2d(x, "sum").dtype == np.int64
    assert R.avg_pool2d(x).dtype == np.float64 and R.avg_pool2d(x)[0, 0] == 100.0
    assert R.pool2d(np.array([[250, 250]], np.uint8), "sum", (1, 2)).dtype == np.uint64
    assert R.global_pool2d(x, "sum") == 400
    big = np.array([[2**62, 2**62 + 1]], dtype=np.int64)
    assert R.max_pool2d(big, (1, 2))[0, 0] == 2**62 + 1        # exact, no float detour


def test_float16_average_is_accumulated_in_row_major_order():
    first = np.array([[2048, 1], [1, 1]], dtype=np.float16)
    last = np.array([[1, 1], [1, 2048]], dtype=np.float16)
    assert R.avg_pool2d(first)[0, 0] == 512 and R.avg_pool2d(first).dtype == np.float16
    assert R.avg_pool2d(last)[0, 0] == 513


def test_importing_the_reference_does_not_import_tensorflow():
    code = ("import pooledu, pooledu.reference, sys; "
            "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_reference_exports_the_api():
    for name in ["pool2d", "max_pool2d", "avg_pool2d", "min_pool2d", "pool1d", "max_pool1d",
                 "avg_pool1d", "pool3d", "max_pool3d", "avg_pool3d", "global_pool2d",
                 "global_max_pool2d", "global_avg_pool2d", "max_pool2d_with_argmax",
                 "pool2d_grad", "adaptive_pool2d", "fractional_pool2d", "output_size"]:
        assert callable(getattr(R, name)), name


# ---------------------------------------------------------------- adaptive
def test_adaptive_bins_example():
    x = np.arange(7.0).reshape(1, 7)
    assert_array_equal(R.adaptive_pool2d(x, (1, 4)), [[0.5, 2.0, 4.0, 5.5]])
    assert_array_equal(R.adaptive_pool2d(x, (1, 4), "max"), [[1.0, 3.0, 5.0, 6.0]])


@POOL_SETTINGS
@given(case=pool_case(max_side=12), out=st.tuples(st.integers(1, 14), st.integers(1, 14)))
def test_adaptive_properties(case, out):
    x = case[0]
    sp = 1 if x.ndim == 4 else 0
    h, w = x.shape[sp:sp + 2]
    got = R.adaptive_pool2d(x, out, "max")
    assert got.shape[sp:sp + 2] == out
    assert_array_equal(R.adaptive_pool2d(x, (h, w), "max"), x)
    assert_allclose(R.adaptive_pool2d(x, (h, w), "avg"), x, rtol=1e-6)
    assert_array_equal(R.adaptive_pool2d(x, 1, "max").squeeze((sp, sp + 1)),
                       R.global_max_pool2d(x))
    if h % out[0] == 0 and w % out[1] == 0:   # divisible: plain pooling
        k = (h // out[0], w // out[1])
        assert_array_equal(got, R.max_pool2d(x, k))


# ---------------------------------------------------------------- fractional
@POOL_SETTINGS
@given(n=st.integers(1, 60), data=st.data(), pseudo=st.booleans(), seed=st.integers(0, 1000))
def test_fractional_sequences_follow_tf_rules(n, data, pseudo, seed):
    out = data.draw(st.integers(1, n))
    seq = R.fractional_sequence(n, out, pseudo, seed)
    k = n // out
    assert seq[0] == 0 and seq[-1] == n and seq.size == out + 1
    assert set(np.diff(seq).tolist()) <= {k, k + 1}
    assert_array_equal(seq, R.fractional_sequence(n, out, pseudo, seed))   # seeded: repeats


def test_fractional_with_given_sequences():
    x = np.arange(25.0).reshape(5, 5)
    out, rows, cols = R.fractional_pool2d(x, 1.5, row_seq=[0, 2, 3, 5], col_seq=[0, 1, 3, 5])
    assert_array_equal(out, [[5, 7, 9], [10, 12, 14], [20, 22, 24]])
    assert_array_equal(rows, [0, 2, 3, 5])
    assert_array_equal(cols, [0, 1, 3, 5])
    avg, _, _ = R.fractional_pool2d(x, 1.5, "avg", row_seq=[0, 2, 3, 5], col_seq=[0, 1, 3, 5])
    assert avg[0, 0] == (0 + 5) / 2 and avg[2, 2] == (18 + 19 + 23 + 24) / 4
    over, _, _ = R.fractional_pool2d(x, 1.5, "max", overlapping=True,
                                     row_seq=[0, 2, 3, 5], col_seq=[0, 1, 3, 5])
    assert_array_equal(over, [[11, 13, 14], [16, 18, 19], [21, 23, 24]])


def test_fractional_draws_its_own_sequences_reproducibly():
    x = np.random.default_rng(4).standard_normal((2, 11, 13, 3))
    a = R.fractional_pool2d(x, (1.5, 1.7), seed=5)
    b = R.fractional_pool2d(x, (1.5, 1.7), seed=5)
    assert a[0].shape == (2, 7, 7, 3)
    for u, v in zip(a, b):
        assert_array_equal(u, v)
    out, rows, cols = R.fractional_pool2d(x, [1.0, 1.5, 1.7, 1.0], "avg", pseudo_random=True)
    assert out.shape == (2, 7, 7, 3) and rows[-1] == 11 and cols[-1] == 13


def test_fractional_output_size_uses_float32_like_tf():
    assert R.fractional_output_size(10, 1.5) == 6
    assert R.fractional_output_size(5, 1.44) == 3
    assert R.fractional_output_size(144, 1.44) == 99   # float32 1.44 is a bit above 1.44
