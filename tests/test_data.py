"""pooledu.data: offline, deterministic data (matrix, photo, digits, patterns)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pooledu import data

SETTINGS = settings(max_examples=50, deadline=None)


# --------------------------------------------------------------------------- matrix
def test_article_matrix_values_and_copy():
    m = data.article_matrix()
    np.testing.assert_array_equal(m, [[1, 3, 2, 4], [5, 6, 7, 8], [9, 10, 11, 12],
                                      [13, 14, 15, 16]])
    assert m.dtype == np.float32 and m.shape == (4, 4)
    m[0, 0] = 99
    assert data.article_matrix()[0, 0] == 1, "each call must return a fresh array"
    assert data.article_matrix(np.float64).dtype == np.float64


def test_article_matrix_rejects_integer_dtype():
    with pytest.raises(TypeError, match="dtype"):
        data.article_matrix(np.int32)


# --------------------------------------------------------------------------- photo
def test_photo_grey_and_colour_shapes_and_range():
    grey, colour = data.photo(64), data.photo(64, grey=False)
    assert grey.shape == (64, 64) and colour.shape == (64, 64, 3)
    for img in (grey, colour):
        assert img.dtype == np.float32
        assert 0.0 <= img.min() and img.max() <= 1.0
        assert img.std() > 0.1, "a real photo has contrast"


def test_photo_full_and_rectangular_sizes():
    assert data.photo(None).shape == (600, 512)
    assert data.photo(None, grey=False).shape == (600, 512, 3)
    assert data.photo((60, 51)).shape == (60, 51)


def test_photo_is_deterministic_and_grey_is_luma_of_colour():
    np.testing.assert_array_equal(data.photo(128), data.photo(128))
    colour = data.photo(32, grey=False, dtype=np.float64)
    grey = data.photo(32, dtype=np.float64)
    # area averaging is linear, so grey(resized) == luma(resized colour)
    np.testing.assert_allclose(grey, colour @ np.array([0.299, 0.587, 0.114]), atol=1e-9)


def test_photo_pil_and_numpy_agree_for_an_integer_factor():
    np.testing.assert_allclose(data.photo(128, use_pil=True), data.photo(128), atol=1e-5)


def test_photo_bad_size():
    with pytest.raises(ValueError, match="size"):
        data.photo(0)
    with pytest.raises(TypeError, match="size"):
        data.photo("big")


# --------------------------------------------------------------------------- resize
def test_resize_is_block_average_for_integer_factor():
    m = data.article_matrix(np.float64)
    np.testing.assert_allclose(data.resize(m, 2), [[3.75, 5.25], [11.5, 13.5]])


def test_resize_rgb_keeps_channels():
    img = np.random.default_rng(0).random((10, 12, 3))
    assert data.resize(img, (5, 4)).shape == (5, 4, 3)


@SETTINGS
@given(h=st.integers(1, 24), w=st.integers(1, 24), oh=st.integers(1, 24), ow=st.integers(1, 24),
       seed=st.integers(0, 2**16))
def test_resize_area_average_preserves_the_mean_and_range(h, w, oh, ow, seed):
    img = np.random.default_rng(seed).random((h, w))
    out = data.resize(img, (oh, ow))
    assert out.shape == (oh, ow)
    # every output pixel covers the same area, so the mean is exactly preserved
    np.testing.assert_allclose(out.mean(), img.mean(), rtol=1e-9, atol=1e-12)
    assert img.min() - 1e-12 <= out.min() and out.max() <= img.max() + 1e-12


def test_resize_rejects_bad_rank():
    with pytest.raises(ValueError, match="image"):
        data.resize(np.zeros(5), 2)


# --------------------------------------------------------------------------- digits
def test_digits_shapes_range_labels():
    images, labels = data.digits()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert images.min() == 0.0 and images.max() == 1.0
    assert set(np.unique(labels)) == set(range(10))


def test_missing_sklearn_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)   # import now fails
    with pytest.raises(ImportError) as info:
        data.digits()
    text = str(info.value)
    assert "pip install scikit-learn" in text and 'pip install "pooledu[course]"' in text


def test_shifted_digits_same_seed_same_arrays_and_seeds_differ():
    a = data.shifted_digits(seed=0)
    b = data.shifted_digits(seed=0)
    c = data.shifted_digits(seed=1)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[2], c[2]) and not np.array_equal(a[0], c[0])
    np.testing.assert_array_equal(a[1], c[1])  # labels do not depend on the seed


def test_shifted_digits_places_each_digit_at_its_offset():
    images, labels, offsets = data.shifted_digits(canvas=32, scale=2, max_shift=5, seed=3)
    small, small_labels = data.digits()
    np.testing.assert_array_equal(labels, small_labels)
    assert images.shape == (1797, 32, 32) and offsets.shape == (1797, 2)
    assert np.abs(offsets).max() <= 5 and np.abs(offsets).max() == 5
    for i in (0, 1, 500, 1796):
        dy, dx = offsets[i]
        top, left = 8 + dy, 8 + dx
        big = np.kron(small[i], np.ones((2, 2)))
        np.testing.assert_allclose(images[i, top:top + 16, left:left + 16], big)
        assert images[i].sum() == pytest.approx(big.sum()), "nothing else on the canvas"


def test_shifted_digits_no_shift_is_centred_and_default_uses_all_room():
    _images, _, offsets = data.shifted_digits(canvas=24, scale=2, max_shift=0)
    assert not offsets.any()
    assert data.shifted_digits(canvas=20, scale=2)[2].max() <= 2


def test_shifted_digits_does_not_touch_the_global_rng():
    state = np.random.get_state()[1].copy()
    data.shifted_digits(seed=5)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("kwargs, match", [
    ({"canvas": 12, "scale": 2}, "does not fit"),
    ({"canvas": 32, "scale": 2, "max_shift": 9}, "max_shift"),
    ({"canvas": 32, "scale": 0}, "scale"),
])
def test_shifted_digits_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.shifted_digits(**kwargs)


# --------------------------------------------------------------------------- shifting
@SETTINGS
@given(h=st.integers(1, 12), w=st.integers(1, 12), dy=st.integers(-15, 15),
       dx=st.integers(-15, 15))
def test_shift_image_wrap_is_roll_and_invertible(h, w, dy, dx):
    img = np.arange(h * w, dtype=float).reshape(h, w)
    moved = data.shift_image(img, (dy, dx))
    np.testing.assert_array_equal(moved, np.roll(img, (dy, dx), axis=(0, 1)))
    np.testing.assert_array_equal(data.shift_image(moved, (-dy, -dx)), img)


@SETTINGS
@given(h=st.integers(1, 10), w=st.integers(1, 10), dy=st.integers(-12, 12),
       dx=st.integers(-12, 12))
def test_shift_image_constant_moves_and_fills(h, w, dy, dx):
    img = np.arange(1, h * w + 1, dtype=float).reshape(h, w)
    moved = data.shift_image(img, (dy, dx), mode="constant", fill=-1)
    for r in range(h):
        for c in range(w):
            src_r, src_c = r - dy, c - dx
            expected = img[src_r, src_c] if 0 <= src_r < h and 0 <= src_c < w else -1
            assert moved[r, c] == expected


def test_shift_image_int_means_columns_and_bad_mode():
    img = np.eye(3)
    np.testing.assert_array_equal(data.shift_image(img, 1), np.roll(img, 1, axis=1))
    with pytest.raises(ValueError, match="mode"):
        data.shift_image(img, 1, mode="mirror")
    with pytest.raises(TypeError, match="shift"):
        data.shift_image(img, 1.5)


# --------------------------------------------------------------------------- patterns
@pytest.mark.parametrize("make", [
    lambda: data.edges(16), lambda: data.edges(16, "horizontal"), lambda: data.edges(16, "both"),
    lambda: data.dots(16), lambda: data.stripes(4), lambda: data.checkerboard(16, cell=2),
    lambda: data.square(16), lambda: data.bar(16), lambda: data.bar(16, orientation="horizontal"),
])
def test_patterns_are_binary_square_images(make):
    img = make()
    assert img.shape == (16, 16) and img.dtype == np.float32
    assert set(np.unique(img)) == {0.0, 1.0}


def test_stripes_period_2_alternates_and_shift_by_a_period_is_identity():
    s = data.stripes(2, size=6)
    np.testing.assert_array_equal(s[0], [1, 0, 1, 0, 1, 0])
    assert (s == s[0]).all(), "vertical stripes are the same on every row"
    np.testing.assert_array_equal(data.stripes(5, size=20, shift=5), data.stripes(5, size=20))
    np.testing.assert_array_equal(data.stripes(4, size=8, shift=1), np.roll(data.stripes(4, 8), 1, 1))
    horiz = data.stripes(2, size=4, orientation="horizontal")
    np.testing.assert_array_equal(horiz[:, 0], [1, 0, 1, 0])
    sine = data.stripes(8, size=16, kind="sine")
    assert sine.min() >= 0 and sine.max() <= 1 and sine[0, 0] == 1


@pytest.mark.parametrize("make", [
    lambda s: data.square(16, side=4, shift=s), lambda s: data.bar(16, shift=s),
    lambda s: data.edges(16, shift=s), lambda s: data.checkerboard(16, cell=2, shift=s),
    lambda s: data.dots(16, spacing=4, shift=s),
])
def test_integer_shift_moves_the_pattern(make):
    base = make(0)
    for s in (1, 2, 3):
        moved = make(s)
        # away from the border, the shifted pattern is the original moved right by s
        np.testing.assert_array_equal(moved[:, 4:12], base[:, 4 - s:12 - s])


def test_square_pair_shift_and_cut_off_at_border():
    img = data.square(8, side=2, shift=(1, -1))
    assert img.sum() == 4 and img[4, 2] == 1 and img[4, 3] == 1 and img[3, 3] == 0
    assert data.square(8, side=2, shift=(0, 4)).sum() == 2, "half the square leaves the image"
    assert data.square(8, side=2, shift=(0, 100)).sum() == 0


@pytest.mark.parametrize("call, error, match", [
    (lambda: data.stripes(1), ValueError, "period"),
    (lambda: data.stripes(4, orientation="diagonal"), ValueError, "orientation"),
    (lambda: data.stripes(4, kind="saw"), ValueError, "kind"),
    (lambda: data.square(16, side=0), ValueError, "side"),
    (lambda: data.dots(16, spacing=2.5), TypeError, "spacing"),
    (lambda: data.bar(16, shift="left"), TypeError, "shift"),
    (lambda: data.edges(-3), ValueError, "size"),
])
def test_pattern_errors_name_the_parameter(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_importing_data_changes_no_global_state():
    code = ("import numpy as np, matplotlib as mpl; s = np.random.get_state()[1].copy(); "
            "rc = dict(mpl.rcParams); import pooledu.data; "
            "assert (np.random.get_state()[1] == s).all(); "
            "assert dict(mpl.rcParams) == rc; import sys; "
            "assert 'tensorflow' not in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    assert out.stdout.strip() == "ok", out.stderr
