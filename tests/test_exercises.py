"""Every exercise check accepts its worked solution, rejects each listed common
wrong answer with its specific hint, says "not attempted yet" for a blank
answer, and never raises whatever it is given."""

from __future__ import annotations

import numpy as np
import pytest

from pooledu import exercises
from pooledu.exercises import REGISTRY, show_solution

NAMES = sorted(REGISTRY)
WRONG = [(name, i) for name in NAMES for i in range(len(REGISTRY[name].wrong))]


def _check(name):
    return getattr(exercises, f"check_{name}")


def test_every_notebook_with_exercises_has_two_to_four():
    per_notebook = {}
    for ex in REGISTRY.values():
        per_notebook.setdefault(ex.notebook, []).append(ex.name)
    assert per_notebook, "no exercises registered"
    for notebook, names in per_notebook.items():
        assert 2 <= len(names) <= 6, f"{notebook} has {len(names)} exercises: {names}"


@pytest.mark.parametrize("name", NAMES)
def test_check_accepts_the_solution(name, capsys):
    assert _check(name)(REGISTRY[name].solution).passed is True
    out = capsys.readouterr().out
    assert "correct" in out.lower()


@pytest.mark.parametrize("name", NAMES)
def test_every_exercise_lists_common_wrong_answers(name):
    assert REGISTRY[name].wrong, f"{name} lists no common wrong answers"


@pytest.mark.parametrize("name,index", WRONG)
def test_check_rejects_each_common_wrong_answer_with_its_hint(name, index, capsys):
    answer, hint = REGISTRY[name].wrong[index]
    assert _check(name)(answer).passed is False
    out = capsys.readouterr().out
    assert hint.lower() in out.lower(), f"expected the hint {hint!r}, got: {out}"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("blank", [None, ...])
def test_blank_answer_is_not_attempted_yet(name, blank, capsys):
    assert _check(name)(blank).passed is False
    assert "not attempted yet" in capsys.readouterr().out


def _unfinished(*args, **kwargs):
    raise NotImplementedError


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("junk", [
    "hello", 42, -1.5, [1, 2], {"a": 1}, np.zeros((3, 7)), np.array(["x"]), object(),
    lambda *a, **k: 1 / 0, _unfinished,
], ids=["str", "int", "float", "list", "dict", "array", "strarray", "object", "raises",
        "unfinished"])
def test_check_never_raises_on_junk(name, junk, capsys):
    assert _check(name)(junk) in (True, False)
    out = capsys.readouterr().out
    assert out.strip(), "a check must always explain itself"
    assert "Traceback" not in out


@pytest.mark.parametrize("name", NAMES)
def test_show_solution_prints_it(name, capsys):
    show_solution(name)
    out = capsys.readouterr().out
    assert out.startswith(f"Solution to {name}")
    assert len(out.splitlines()) >= 2


def test_show_solution_of_an_unknown_exercise_explains(capsys):
    show_solution("no_such_exercise")
    assert "no exercise called" in capsys.readouterr().out


# ---------------------------------------------------------------- answers that used to mislead
def _says(check, answer, capsys):
    ok = check(answer)
    return ok, capsys.readouterr().out


@pytest.mark.parametrize("answer", [
    [[6, 7.33], [12, 13.5]], [[6, 7.333], [12, 13.5]], [[6.0, 44 / 6], [12, 13.5]],
    np.array([[6, 7.3333], [12, 13.5]]),
])
def test_avg_same_padding_accepts_the_rounded_solution(answer, capsys):
    ok, out = _says(exercises.check_avg_same_padding, answer, capsys)
    assert ok, out


def test_rounding_too_far_gets_its_own_hint(capsys):
    ok, out = _says(exercises.check_avg_same_padding, [[6, 7.3], [12, 13.5]], capsys)
    assert not ok and "at least 2 decimals" in out
    # the padded-zeros mistake, rounded as a learner writes it: still recognised
    ok, out = _says(exercises.check_avg_same_padding, [[6, 4.89], [8, 6]], capsys)
    assert not ok and "padded cells" in out


def test_one_rounding_rule():
    from pooledu.exercises._framework import agree

    assert agree(7.33, 22 / 3) and agree(7.333, 22 / 3) and agree(4.89, 44 / 9)
    assert not agree(7.3, 22 / 3) and not agree(7.34, 22 / 3)
    # values with a short exact decimal form must be exact
    assert not agree(0.06, 1 / 16) and not agree(3.8, 3.75) and agree(3.75, 15 / 4)


def test_a_scalar_is_not_the_valid_result_unless_it_is_6(capsys):
    ok, out = _says(exercises.check_avg_same_padding, 5.0, capsys)
    assert not ok and "'valid'" not in out and "shape (2, 2)" in out
    ok, out = _says(exercises.check_avg_same_padding, 6.0, capsys)
    assert not ok and "'valid'" in out


def _no_return(x, pool_size=2, strides=None, padding="valid"):
    out = np.zeros((2, 2))  # noqa: F841 - the learner forgot `return out`


def _returns_scalar(x, pool_size=2, strides=None, padding="valid"):
    for row in x:
        return float(np.max(row))  # return inside the loop


@pytest.mark.parametrize("name", ["max_pool_loop", "min_pool"])
def test_no_return_or_a_scalar_is_not_a_missing_last_window(name, capsys):
    check = _check(name)
    ok, out = _says(check, _no_return, capsys)
    assert not ok and "returned None" in out and "last window" not in out
    ok, out = _says(check, _returns_scalar, capsys)
    assert not ok and "single number" in out and "last window" not in out


def test_gem_without_return_or_blank_is_not_nan(capsys):
    def gem(x, p=3.0, eps=1e-6):
        x = np.asarray(x, dtype=float)

    ok, out = _says(exercises.check_gem, gem, capsys)
    assert not ok and "returned None" in out and "nan" not in out
    ok, out = _says(exercises.check_gem, None, capsys)
    assert not ok and "not attempted yet" in out and "nan" not in out


def test_unrounded_adaptive_bins_are_told_to_round(capsys):
    bins = [(i * 7 / 4, (i + 1) * 7 / 4) for i in range(4)]
    ok, out = _says(exercises.check_adaptive_bins, bins, capsys)
    assert not ok and "whole" in out and "both ends down" not in out


@pytest.mark.parametrize("name, answer", [
    ("running_mean", "8.5"), ("quiz_global_average", "8.5"), ("article_average",
     [["3.75", "5.25"], ["11.5", "13.5"]]), ("pooled_batch_shape", ("8", "15", "15", "16")),
    ("dense_params_after_pooling", "4194432"), ("zero_gradient_fraction", "0.75"),
    ("global_average_keras", np.array([["8.5"]])), ("adaptive_avg_5_to_3", ["1.5", 3, 4.5]),
])
def test_numbers_in_quotes_get_one_rule_everywhere(name, answer, capsys):
    ok, out = _says(_check(name), answer, capsys)
    assert not ok and "without quotes" in out


@pytest.mark.parametrize("name", [n for n in NAMES if not callable(REGISTRY[n].solution)
                                  and not isinstance(REGISTRY[n].solution, (str, bool))])
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nan_or_inf_never_passes(name, bad, capsys):
    solution = np.asarray(REGISTRY[name].solution, dtype=float)
    answer = np.full(solution.shape, bad)
    ok, out = _says(_check(name), answer, capsys)
    assert not ok and "nan or inf" in out


def test_fraction_given_as_percentage(capsys):
    ok, out = _says(exercises.check_zero_gradient_fraction, 75, capsys)
    assert not ok and "percentage" in out
    ok, out = _says(exercises.check_values_kept_twice, 6.25, capsys)
    assert not ok and "percentage" in out


def test_global_average_8_hint_fits(capsys):
    ok, out = _says(exercises.check_quiz_global_average, 8.0, capsys)
    assert not ok and "136" in out and "has a 3 where" not in out


def _calls_reference(x, pool_size=2, strides=None):
    from pooledu import reference as ref

    return ref.max_pool2d(x, pool_size, strides)


def _vectorised(x, pool_size=2, strides=None):
    s = pool_size if strides is None else strides
    view = np.lib.stride_tricks.sliding_window_view(np.asarray(x), (pool_size, pool_size))
    return view[::s, ::s].max(axis=(2, 3))


def _keras_inside_a_loop(x, pool_size=2, strides=None):
    from pooledu import reference

    for _ in range(1):
        out = reference.pool2d(x, "max", pool_size, strides)
    return out


@pytest.mark.parametrize("func, hint", [
    (_calls_reference, "pooledu's max_pool2d"), (_vectorised, "no for loop"),
    (_keras_inside_a_loop, "pooledu's pool2d"),
])
def test_max_pool_loop_requires_a_loop(func, hint, capsys):
    ok, out = _says(exercises.check_max_pool_loop, func, capsys)
    assert not ok and hint in out


# ---------------------------------------------------------------- property: junk never raises
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                     st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
                     st.complex_numbers(allow_nan=True), st.just(...))
_junk = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.tuples(inner, inner),
    st.dictionaries(st.text(max_size=3), inner, max_size=3)), max_leaves=12)
_arrays = st.builds(lambda shape, fill: np.full(shape, fill),
                    st.lists(st.integers(0, 5), max_size=3).map(tuple),
                    st.floats(allow_nan=True, allow_infinity=True))


def _function_returning(value, raises):
    def learner(*args, **kwargs):
        if raises:
            raise ValueError("learner bug")
        return value
    return learner


_functions = st.builds(_function_returning, st.one_of(_junk, _arrays), st.booleans())


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.sampled_from(NAMES), answer=st.one_of(_junk, _arrays, _functions))
def test_property_junk_never_raises(name, answer):
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = _check(name)(answer)
    assert result in (True, False)
    out = buf.getvalue()
    assert out.strip() and "Traceback" not in out
    if result:  # junk passes only if it IS the solution
        assert not callable(answer)


@pytest.mark.parametrize("answer", [[[..., ...], [..., ...]], [[6, None], [12, 13.5]],
                                    (8, ..., 15, 16)])
def test_a_half_filled_template_is_not_attempted_yet(answer, capsys):
    ok, out = _says(exercises.check_avg_same_padding, answer, capsys)
    assert not ok and "not attempted yet" in out and "placeholder" in out and "nan" not in out


def test_a_check_on_the_last_line_of_a_cell_shows_only_its_feedback():
    """A check returns a Verdict, which IPython displays as nothing, so a stored
    notebook never shows a bare True/False under the feedback line."""
    import json
    from pathlib import Path

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    result = shell.run_cell("from pooledu.exercises import check_first_max_pool\n"
                            "check_first_max_pool(None)")
    assert result.result == False  # noqa: E712 - a Verdict, compared as a bool
    assert shell.display_formatter.format(result.result) == ({}, {})  # shows nothing
    shown = []
    for nb_path in sorted(Path(__file__).parents[1].glob("notebooks/*.ipynb")):
        for cell in json.loads(nb_path.read_text())["cells"]:
            last = "".join(cell["source"]).strip().splitlines()[-1:] if cell["source"] else []
            if cell["cell_type"] == "code" and last and last[0].startswith("check_"):
                shown += [(nb_path.name, last[0]) for o in cell.get("outputs", [])
                          if o["output_type"] == "execute_result"]
    assert shown == []
