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
    assert _check(name)(REGISTRY[name].solution) is True
    out = capsys.readouterr().out
    assert "correct" in out.lower()


@pytest.mark.parametrize("name", NAMES)
def test_every_exercise_lists_common_wrong_answers(name):
    assert REGISTRY[name].wrong, f"{name} lists no common wrong answers"


@pytest.mark.parametrize("name,index", WRONG)
def test_check_rejects_each_common_wrong_answer_with_its_hint(name, index, capsys):
    answer, hint = REGISTRY[name].wrong[index]
    assert _check(name)(answer) is False
    out = capsys.readouterr().out
    assert hint.lower() in out.lower(), f"expected the hint {hint!r}, got: {out}"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("blank", [None, ...])
def test_blank_answer_is_not_attempted_yet(name, blank, capsys):
    assert _check(name)(blank) is False
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
