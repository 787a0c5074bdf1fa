"""PyTorch's pooling conventions in pooledu (explicit padding, dilation, ceil_mode,
count_include_pad, divisor_override): the formulas of ../shared/pooling-spec.md
section 2, a window-by-window loop definition, TensorFlow where TF has the feature
(tf.nn.pool's dilations, tf.nn.max_pool2d's explicit padding) and, when torch is
installed, PyTorch itself (never installed by the project)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import pooledu.reference as R
from pooledu._geometry import output_size, padding_amounts, window_cells
from pooledu._pool import result_dtype

ARTICLE = np.array([[1, 3, 2, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]])


def spec_output_size(n, k, s, p, d, ceil_mode):
    """pooling-spec.md section 2, typed in again from the spec."""
    out = math.floor((n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) / s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


@st.composite
def torch_axis(draw, max_n=9):
    """One axis of a PyTorch-style pooling: n, k, s, p (<= k // 2), d, ceil_mode,
    with at least one window whose every window holds an input cell."""
    k = draw(st.integers(1, 4))
    d = draw(st.integers(1, 3))
    p = draw(st.integers(0, k // 2))
    s = draw(st.integers(1, 4))
    ceil_mode = draw(st.booleans())
    n = draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), max(max_n, d * (k - 1) + 1)))
    return n, k, s, p, d, ceil_mode


def _has_empty_window(n, k, s, p, d, ceil_mode):
    """Some window holds padding only (dilation + padding): max gives -inf there."""
    return any(not any(0 <= c < n for c in cells)
               for cells in window_cells(n, k, s, p, dilation=d, ceil_mode=ceil_mode))


def loop_pool(x, mode, ks, ss, ps, ds, ceil_mode, count_include_pad=False,
              divisor_override=None):
    """(N, *spatial, C) pooled window by window, from window_cells: the real cells
    visited in row-major order, padded cells skipped (counted only for the divisor
    with count_include_pad)."""
    axes = [window_cells(n, k, s, p, dilation=d, ceil_mode=ceil_mode)
            for n, k, s, p, d in zip(x.shape[1:-1], ks, ss, ps, ds)]
    out_dtype = result_dtype(x.dtype, mode)
    out = np.empty((x.shape[0], *(len(a) for a in axes), x.shape[-1]), out_dtype)
    for pos in itertools.product(*(range(len(a)) for a in axes)):
        windows = [a[i] for a, i in zip(axes, pos)]
        real = [c for c in itertools.product(*windows)
                if all(0 <= ci < n for ci, n in zip(c, x.shape[1:-1]))]
        padded = sum(all(-p <= ci < n + p for ci, n, p in zip(c, x.shape[1:-1], ps))
                     for c in itertools.product(*windows))
        for b, ch in itertools.product(range(x.shape[0]), range(x.shape[-1])):
            values = [x[(b, *c, ch)] for c in real]
            if mode in ("max", "min"):   # a window of padding only: -inf / +inf
                info = np.finfo(x.dtype) if x.dtype.kind == "f" else np.iinfo(x.dtype)
                empty = {"max": -np.inf, "min": np.inf} if x.dtype.kind == "f" else \
                    {"max": info.min, "min": info.max}
                value = (max if mode == "max" else min)(values, default=empty[mode])
            else:
                acc = out_dtype.type(0)
                for v in values:
                    acc = out_dtype.type(acc + out_dtype.type(v))
                divisor = divisor_override or (padded if count_include_pad else len(real))
                value = acc / out_dtype.type(divisor)
            out[(b, *pos, ch)] = value
    return out


# ---------------------------------------------------------------- the geometry
@given(torch_axis())
def test_output_size_is_the_spec_formula(axis):
    n, k, s, p, d, ceil_mode = axis
    want = spec_output_size(n, k, s, p, d, ceil_mode)
    if want < 1:
        with pytest.raises(ValueError, match="no window fits"):
            output_size(n, k, s, p, dilation=d, ceil_mode=ceil_mode)
        return
    assert output_size(n, k, s, p, dilation=d, ceil_mode=ceil_mode) == want
    assert padding_amounts(n, k, s, p, dilation=d, ceil_mode=ceil_mode) == (p, p)
    starts = [cells[0] for cells in window_cells(n, k, s, p, dilation=d, ceil_mode=ceil_mode)]
    assert starts[-1] < n + p          # the last window starts inside input or left padding
    assert starts == [i * s - p for i in range(want)]


@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 6), st.integers(1, 4))
def test_dilated_valid_is_the_formula_with_no_padding(n, k, s, d):
    span = d * (k - 1) + 1
    if span > n:
        with pytest.raises(ValueError, match="larger than the input"):
            output_size(n, k, s, "valid", dilation=d)
    else:
        assert output_size(n, k, s, "valid", dilation=d) == (n + 0 - span) // s + 1
        assert output_size(n, k, s, 0, dilation=d) == output_size(n, k, s, "valid", dilation=d)


def test_hand_checked_sizes():
    assert output_size(5, 2, 2, 0) == 2
    assert output_size(5, 2, 2, 0, ceil_mode=True) == 3      # the last window overhangs
    assert window_cells(5, 2, 2, 0, ceil_mode=True)[-1] == [4, 5]
    # ceil would give 4 windows, but the 4th would start at 6 >= n + p = 6: dropped
    assert output_size(5, 2, 2, 1, ceil_mode=True) == 3
    assert output_size(6, 3, 1, 1, dilation=2) == 4          # floor((6+2-4-1)/1)+1
    assert output_size(4, 3, 1, 1) == 4                       # "same"-like, symmetric
    assert R.output_shape((1, 7, 9, 3), 3, 2, 1, dilation=(1, 2), ceil_mode=True) == \
        (1, 4, 4, 3)


# ---------------------------------------------------------------- values
def test_the_count_include_pad_trap_on_the_article_matrix():
    excl = R.pool2d(ARTICLE, "avg", 2, 2, 1)
    incl = R.pool2d(ARTICLE, "avg", 2, 2, 1, count_include_pad=True)
    # the corner window holds one real cell (1) and three padded cells
    assert excl[0, 0] == 1.0 and incl[0, 0] == 0.25
    assert excl[1, 1] == incl[1, 1] == (6 + 7 + 10 + 11) / 4   # inner windows agree
    assert_array_equal(R.pool2d(ARTICLE, "avg", 2, 2, 1, divisor_override=1),
                       R.pool2d(ARTICLE, "sum", 2, 2, 1))
    # max pads with -inf: padding never wins, even for all-negative inputs
    assert_array_equal(R.pool2d(-ARTICLE, "max", 2, 2, 1)[0, 0], -1)
    # a dilated window can hold padding only: -inf, as PyTorch gives
    assert_array_equal(R.pool1d([1.0, 2.0], "max", 2, 1, 1, dilation=3), [-np.inf])
    assert_array_equal(R.pool1d(np.array([1, 2], np.int8), "min", 2, 1, 1, dilation=3), [127])


@settings(max_examples=60, deadline=None)
@given(st.data(), st.sampled_from(["max", "avg", "min"]), st.sampled_from([1, 2]))
def test_reference_equals_the_loop_definition(data, mode, dims):
    geo = [data.draw(torch_axis(7)) for _ in range(dims)]
    ceil_mode = geo[0][5]
    geo = [(n, k, s, p, d) for n, k, s, p, d, _ in geo]
    if any(spec_output_size(*g, ceil_mode) < 1 for g in geo):
        return
    n, k, s, p, d = (tuple(g[i] for g in geo) for i in range(5))
    dtype = data.draw(st.sampled_from([np.float32, np.float16, np.int16]))
    x = data.draw(st.integers(0, 2**32 - 1).map(
        lambda seed: (np.random.default_rng(seed).standard_normal((2, *n, 2)) * 50)
        .astype(dtype)))
    include = mode == "avg" and data.draw(st.booleans())
    override = data.draw(st.sampled_from([None, 3])) if mode == "avg" else None
    if mode == "avg" and not include and override is None and \
            any(_has_empty_window(*g, ceil_mode) for g in geo):
        with pytest.raises(ValueError, match="padding only"):
            R.pool_nd(x, dims, "avg", k, s, p, dilation=d, ceil_mode=ceil_mode)
        return
    fn = {1: R.pool1d, 2: R.pool2d}[dims]
    got = fn(x, mode, k, s, p, dilation=d, ceil_mode=ceil_mode,
             **({"count_include_pad": include, "divisor_override": override}
                if mode == "avg" else {}))
    want = loop_pool(x, mode, k, s, p, d, ceil_mode, include, override)
    assert got.dtype == want.dtype
    assert_array_equal(got, want)


# ---------------------------------------------------------------- TensorFlow
tf_only = pytest.mark.tf


@tf_only
@settings(max_examples=40, deadline=None)
@given(st.data(), st.sampled_from(["MAX", "AVG"]))
def test_dilation_matches_tf_nn_pool(data, mode):
    """tf.nn.pool takes dilations with "VALID" and strides 1 only."""
    tf = pytest.importorskip("tensorflow")
    k = tuple(data.draw(st.integers(1, 3)) for _ in range(2))
    d = tuple(data.draw(st.integers(1, 3)) for _ in range(2))
    n = tuple(data.draw(st.integers(dd * (kk - 1) + 1, 10)) for kk, dd in zip(k, d))
    seed = data.draw(st.integers(0, 2**32 - 1))
    x = np.random.default_rng(seed).standard_normal((2, *n, 3)).astype(np.float32)
    want = tf.nn.pool(tf.constant(x), k, mode, strides=(1, 1), padding="VALID",
                      dilations=d).numpy()
    got = R.pool2d(x, mode.lower(), k, 1, "valid", dilation=d)
    assert_array_equal(got, want) if mode == "MAX" else assert_allclose(got, want, rtol=1e-6)
    # and pooledu.tf gives the same, with any stride (a subsampling of stride 1)
    import pooledu.tf as ptf
    s = data.draw(st.integers(1, 3))
    assert_allclose(ptf.pool2d(x, mode.lower(), k, s, "valid", dilation=d).numpy(),
                    R.pool2d(x, mode.lower(), k, s, "valid", dilation=d), rtol=1e-6)


@tf_only
@settings(max_examples=40, deadline=None)
@given(st.data())
def test_explicit_padding_max_matches_tf_max_pool2d(data):
    """tf.nn.max_pool2d takes explicit padding as a list (pads with -inf, like PyTorch)."""
    tf = pytest.importorskip("tensorflow")
    k = tuple(data.draw(st.integers(1, 4)) for _ in range(2))
    p = tuple(data.draw(st.integers(0, kk // 2)) for kk in k)
    s = tuple(data.draw(st.integers(1, 3)) for _ in range(2))
    n = tuple(data.draw(st.integers(max(1, kk - 2 * pp), 9)) for kk, pp in zip(k, p))
    seed = data.draw(st.integers(0, 2**32 - 1))
    x = (np.random.default_rng(seed).standard_normal((2, *n, 3)) - 3).astype(np.float32)
    want = tf.nn.max_pool2d(tf.constant(x), k, s,
                            [[0, 0], [p[0], p[0]], [p[1], p[1]], [0, 0]]).numpy()
    assert_array_equal(R.pool2d(x, "max", k, s, p), want)


@tf_only
@settings(max_examples=40, deadline=None)
@given(st.data(), st.sampled_from(["max", "min", "avg", "sum", "lp"]))
def test_pooledu_tf_agrees_with_the_reference(data, mode):
    ptf = pytest.importorskip("pooledu.tf")
    geo = [data.draw(torch_axis(8)) for _ in range(2)]
    ceil_mode = geo[0][5]
    geo = [(n, k, s, p, d) for n, k, s, p, d, _ in geo]
    if any(spec_output_size(*g, ceil_mode) < 1 for g in geo) or (
            mode == "avg" and any(_has_empty_window(*g, ceil_mode) for g in geo)):
        return
    n, k, s, p, d = (tuple(g[i] for g in geo) for i in range(5))
    dtype = data.draw(st.sampled_from([np.float32, np.float64, np.int32]))
    x = (np.random.default_rng(1).standard_normal((2, *n, 3)) * 10).astype(dtype)
    extra = {"count_include_pad": data.draw(st.booleans())} if mode == "avg" else {}
    got = ptf.pool2d(x, mode, k, s, p, dilation=d, ceil_mode=ceil_mode, **extra).numpy()
    want = R.pool2d(x, mode, k, s, p, dilation=d, ceil_mode=ceil_mode, **extra)
    assert got.dtype == want.dtype
    if mode in ("max", "min"):
        assert_array_equal(got, want)
    else:
        assert_allclose(got, want, rtol=1e-5)


# ---------------------------------------------------------------- PyTorch itself
@settings(max_examples=80, deadline=None)
@given(st.data(), st.sampled_from(["max", "avg"]))
def test_pytorch_cross_check(data, mode):
    """Only when torch is installed (the project never installs it)."""
    torch = pytest.importorskip("torch")
    geo = [data.draw(torch_axis(8)) for _ in range(2)]
    ceil_mode = geo[0][5]
    geo = [(n, k, s, p, 1 if mode == "avg" else d) for n, k, s, p, d, _ in geo]
    if any(spec_output_size(*g, ceil_mode) < 1 for g in geo):
        return
    n, k, s, p, d = (tuple(g[i] for g in geo) for i in range(5))
    x = np.random.default_rng(data.draw(st.integers(0, 99))).standard_normal(
        (2, *n, 3)).astype(np.float32)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    if mode == "max":
        want = torch.nn.functional.max_pool2d(xt, k, s, p, dilation=d, ceil_mode=ceil_mode)
        got = R.pool2d(x, "max", k, s, p, dilation=d, ceil_mode=ceil_mode)
    else:
        include = data.draw(st.booleans())
        override = data.draw(st.sampled_from([None, 2]))
        want = torch.nn.functional.avg_pool2d(xt, k, s, p, ceil_mode=ceil_mode,
                                              count_include_pad=include,
                                              divisor_override=override)
        got = R.pool2d(x, "avg", k, s, p, ceil_mode=ceil_mode, count_include_pad=include,
                       divisor_override=override)
    want = want.numpy().transpose(0, 2, 3, 1)
    assert got.shape == want.shape
    assert_allclose(got, want, rtol=1e-6, atol=1e-6)
