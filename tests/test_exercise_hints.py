"""Exercise checks give a hint that fits the answer: the misleading cases found
by the review of issue 13 (a right answer refused, a hint that is false for the
check's own input), each answer reproduced here."""

from __future__ import annotations

import numpy as np
import pytest

from pooledu import exercises


def _says(check, answer, capsys):
    ok = check(answer)
    return ok, capsys.readouterr().out


# ------------------------------------------------ max_pool_loop: variable names are not calls
def _loop_into_max_pool(x, pool_size=2, strides=None):
    s = pool_size if strides is None else strides
    h = (x.shape[0] - pool_size) // s + 1
    w = (x.shape[1] - pool_size) // s + 1
    max_pool = np.empty((h, w))
    for i in range(h):
        for j in range(w):
            max_pool[i, j] = x[i * s:i * s + pool_size, j * s:j * s + pool_size].max()
    return max_pool


def _loop_into_pool2d(x, pool_size=2, strides=None):
    s = pool_size if strides is None else strides
    rows = range(0, x.shape[0] - pool_size + 1, s)
    cols = range(0, x.shape[1] - pool_size + 1, s)
    pool2d = [[x[i:i + pool_size, j:j + pool_size].max() for j in cols] for i in rows]
    return np.array(pool2d)


@pytest.mark.parametrize("func", [_loop_into_max_pool, _loop_into_pool2d])
def test_a_loop_storing_into_a_variable_named_like_a_library_function_passes(func, capsys):
    ok, out = _says(exercises.check_max_pool_loop, func, capsys)
    assert ok, out


def _loop_then_library(x, pool_size=2, strides=None):
    from pooledu import reference as lib

    max_pool = lib.max_pool2d       # bound to a local name, then called
    for _ in range(1):
        out = max_pool(x, pool_size, strides)
    return out


def _tf_call_and_local_name(x, pool_size=2, strides=None):
    import pooledu.reference as nn  # stands for tf.nn: an attribute call always counts

    max_pool = None
    for _ in range(1):
        max_pool = nn.max_pool2d(x, pool_size, strides)
    return max_pool


@pytest.mark.parametrize("func", [_loop_then_library, _tf_call_and_local_name])
def test_a_library_call_is_still_refused(func, capsys):
    ok, out = _says(exercises.check_max_pool_loop, func, capsys)
    assert not ok and "max_pool2d" in out


def test_called_names_ignore_what_the_source_binds():
    import ast

    from pooledu.exercises._framework import called_names

    tree = ast.parse("def f(x, pool2d=None):\n    max_pool = tf.nn.max_pool(x)\n"
                     "    y = pool2d(x)\n    return block_reduce(max_pool)\n")
    assert called_names(tree) == {"max_pool", "block_reduce"}


# ------------------------------------------------ min_pool: the int8 hint states what came back
def _naive_min(x, pool_size=2, strides=None, padding="valid"):
    from pooledu import reference as ref

    return -ref.max_pool2d(-np.asarray(x), pool_size, strides, padding)


def test_int8_hint_names_the_value_the_function_returned(capsys):
    ok, out = _says(exercises.check_min_pool, _naive_min, capsys)
    # the check's int8 window holding -128 is [[70, 27], [-128, -92]]: naive gives -92
    assert not ok and "-92" in out and "overflow" in out and "positive" not in out


# ------------------------------------------------ min_pool: built from max pooling, as asked
def _min_from_the_library(x, pool_size=2, strides=None, padding="valid"):
    from pooledu import reference as ref

    return ref.min_pool2d(x, pool_size, strides, padding)


def _min_via_pool2d(x, pool_size=2, strides=None, padding="valid"):
    from pooledu import reference as ref

    return ref.pool2d(x, mode="min", pool_size=pool_size, strides=strides, padding=padding)


@pytest.mark.parametrize("func", [_min_from_the_library, _min_via_pool2d])
def test_min_pool_from_pooledus_min_pooling_is_refused(func, capsys):
    ok, out = _says(exercises.check_min_pool, func, capsys)
    assert not ok and "ref.max_pool2d" in out and "min" in out


# ------------------------------------------------ Keras' shape notation is an answer
def test_keras_shape_with_none_batch_gets_a_batch_hint(capsys):
    ok, out = _says(exercises.check_pooled_batch_shape, (None, 15, 15, 16), capsys)
    assert not ok and "not attempted" not in out and "placeholder" not in out
    assert "batch is known: 8" in out and "the rest is right" in out


@pytest.mark.parametrize("answer", [(None, 15, 15, 16), [None, 15, 15, 16]])
def test_keras_shape_is_judged_not_taken_for_a_placeholder(answer, capsys):
    ok, out = _says(exercises.check_pooled_batch_shape, answer, capsys)
    assert not ok and "not attempted" not in out and "nan" not in out
    ok, out = _says(exercises.check_pooled_batch_shape, (None, 16, 16, 16), capsys)
    assert not ok and "batch is known: 8" in out and "the rest is right" not in out


def test_a_leading_none_elsewhere_is_still_a_placeholder(capsys):
    # a half-filled template in an exercise whose answer is not a shape
    ok, out = _says(exercises.check_fractional_sequence, [None, 2, 5, 7, 10], capsys)
    assert not ok and "not attempted yet" in out and "placeholder" in out


# ------------------------------------------------ GeM in plain Python floats: complex result
def test_gem_returning_a_complex_number_is_told_why(capsys):
    def gem(x, p=3.0, eps=1e-6):
        return float(np.mean(np.asarray(x, float) ** p)) ** (1 / p)

    ok, out = _says(exercises.check_gem, gem, capsys)
    assert not ok and "complex" in out and "Clamp" in out and "list of lists" not in out


# ------------------------------------------------ right but rounded
@pytest.mark.parametrize("name", ["article_average", "quiz_article_average"])
def test_rounded_averages_are_told_to_give_them_unrounded(name, capsys):
    check = getattr(exercises, f"check_{name}")
    ok, out = _says(check, [[3.8, 5.3], [11.5, 13.5]], capsys)
    assert not ok and "unrounded" in out and "look again" not in out


def test_layer_params_hint_does_not_say_pooling_saves_parameters_everywhere(capsys):
    ok, out = _says(exercises.check_quiz_pooling_layer_params, 2, capsys)
    assert not ok and "Dense" in out and "no weights" in out


# ------------------------------------------------ 07: the nine variants of the stored run
def _stored_07():
    """params and MACs per variant of the stored run (notebooks/data/07_results.json)."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "notebooks" / "data" / "07_results.json"
    runs = json.loads(path.read_text())["runs"]
    return {r["variant"]: (r["params"], r["macs"]) for r in runs}


def test_nb07_checks_know_every_variant_of_the_experiment():
    from pooledu import experiment
    from pooledu.exercises import _nb07

    assert _nb07._VARIANTS == experiment.VARIANTS
    assert set(_stored_07()) == set(experiment.VARIANTS)


@pytest.mark.parametrize("answer", ["all_conv", "max_aug", "All_Conv", " max-aug "])
def test_new_07_variants_are_judged_not_called_unknown(answer, capsys):
    ok, out = _says(exercises.check_fewest_macs, answer, capsys)
    assert not ok and "not a variant" not in out and "one of" not in out


@pytest.mark.parametrize("answer", ["strided_conv", "Strided_Conv", "strided conv",
                                    "strided-conv"])
def test_fewest_macs_accepts_the_right_variant_however_spelled(answer, capsys):
    ok, out = _says(exercises.check_fewest_macs, answer, capsys)
    assert ok, out


def test_fewest_macs_refuses_a_name_that_is_no_variant(capsys):
    ok, out = _says(exercises.check_fewest_macs, "strided", capsys)
    assert not ok and "not a variant" in out


def test_fewest_macs_hints_agree_with_the_stored_run(capsys):
    stored = _stored_07()
    macs = {v: m for v, (_, m) in stored.items()}
    # the solution really is the cheapest, and the hints' comparisons hold
    assert min(macs, key=macs.get) == "strided_conv"
    assert macs["gap_head"] > macs["max"] and stored["gap_head"][0] < stored["max"][0]
    assert macs["all_conv"] > macs["max"] and macs["blur"] > macs["max"]
    assert macs["max_aug"] == macs["max"] == macs["avg"] == macs["stochastic"]
    assert max(macs, key=macs.get) == "no_pool"
    ok, out = _says(exercises.check_fewest_macs, "gap_head", capsys)
    assert not ok and "more multiply-adds than 'max'" in out
    assert "cost the same" not in out


def test_gap_head_dense_hints_agree_with_the_stored_run(capsys):
    stored = _stored_07()
    head_of_max = 6 * 6 * 16 * 10 + 10
    assert stored["gap_head"][0] == 6218
    assert stored["gap_head"][0] - 330 == (3 * 3 * 1 * 8 + 8) + (3 * 3 * 8 * 16 + 16) + (
        3 * 3 * 16 * 32 + 32)
    assert stored["max"][0] - head_of_max == (3 * 3 * 1 * 8 + 8) + (3 * 3 * 8 * 16 + 16)
    ok, out = _says(exercises.check_gap_head_dense_params, 11530, capsys)
    assert not ok and "other models" not in out and "6x6x32" in out
    ok, out = _says(exercises.check_gap_head_dense_params, head_of_max, capsys)
    assert not ok and "other models' head" in out
    ok, out = _says(exercises.check_gap_head_dense_params, 330, capsys)
    assert ok and "5,770" in out and "11,530" not in out
