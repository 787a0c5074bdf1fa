"""The machinery behind every exercise check.

An exercise is a plain function ``judge(answer) -> str`` that either returns a
success message or raises :class:`Hint` with a specific, friendly hint.
:func:`exercise` registers it together with its worked solution and the common
wrong answers it must recognise, and turns it into the public
``check_<name>(answer)`` that learners call:

* blank answer (``None``, ``...``, or a function that raises
  ``NotImplementedError``) -> "not attempted yet", returns False;
* right answer -> a clear pass, returns True;
* a known wrong answer -> its specific hint, returns False;
* anything else, even of the wrong type or raising -> an explanation, returns False.

A check never raises. The registry is what the tests walk: every check must
accept its ``solution`` and reject every one of its ``wrong`` answers.
"""

from __future__ import annotations

import functools
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Status marks at the start of every check message: text symbols that DejaVu Sans
# Mono (the default monospace font of Debian and Ubuntu) has, and that other systems
# find in their symbol fonts. Emoji such as U+2705, U+274C or the hourglass U+23F3
# show as empty boxes in Chromium on a Linux without an emoji font.
# tests/test_lab.py checks in the browser that every mark in the outputs renders.
PASS_MARK = "\u2714"      # heavy check mark
FAIL_MARK = "\u2718"      # heavy ballot X
TODO_MARK = "\u25cb"      # white circle: not attempted yet


class Hint(Exception):
    """Raised by a judge to reject an answer with a specific hint."""


class NotAttempted(Exception):
    """Raised by a judge when the answer is still the notebook's placeholder."""


@dataclass
class Exercise:
    """One registered exercise."""

    name: str
    notebook: str
    judge: Callable[[Any], str]
    solution: Any
    wrong: list = field(default_factory=list)
    prompt: str = ""

    def solution_text(self) -> str:
        """The worked solution as text (source code for a function)."""
        if callable(self.solution):
            return textwrap.dedent(inspect.getsource(self.solution))
        return repr(self.solution)


REGISTRY: dict[str, Exercise] = {}


def _is_blank(answer) -> bool:
    return answer is None or answer is Ellipsis or (isinstance(answer, str) and not answer.strip())


def _run(ex: Exercise, answer, quiet: bool = False) -> bool:
    def say(text):
        if not quiet:
            print(text)

    if _is_blank(answer):
        say(f"{TODO_MARK} {ex.name}: not attempted yet. Replace the placeholder with your "
            f"answer and run this cell again.")
        return False
    try:
        message = ex.judge(answer)
    except NotAttempted as e:
        say(f"{TODO_MARK} {ex.name}: not attempted yet. {e}".rstrip())
        return False
    except Hint as e:
        say(f"{FAIL_MARK} {ex.name}: not yet. {e}")
        return False
    except NotImplementedError:
        say(f"{TODO_MARK} {ex.name}: not attempted yet (your function still raises "
            f"NotImplementedError). Fill in its body and run this cell again.")
        return False
    except Exception as e:  # a learner's code may fail in any way: explain, never raise
        say(f"{FAIL_MARK} {ex.name}: your answer raised {type(e).__name__}: {e}. "
            f"Run it on a small example by itself to see where it goes wrong.")
        return False
    say(f"{PASS_MARK} {ex.name}: correct! {message or ''}".rstrip())
    return True


def exercise(name: str, *, notebook: str, solution, wrong=(), prompt: str = ""):
    """Register ``judge`` as exercise ``name`` and return the public check.

    Parameters
    ----------
    name : str
        Exercise name; the public function is ``check_<name>``.
    notebook : str
        The notebook that poses it, e.g. ``"01_what_is_pooling"``.
    solution
        The worked solution: a value, or a function (its source is shown).
    wrong : sequence of (answer, hint_substring)
        Common wrong answers and a piece of the hint each must produce.
    prompt : str
        One line saying what is asked (shown with the solution).
    """

    def decorate(judge):
        ex = Exercise(name=name, notebook=notebook, judge=judge, solution=solution,
                      wrong=list(wrong), prompt=prompt)
        if name in REGISTRY:
            raise RuntimeError(f"exercise {name!r} is registered twice")
        REGISTRY[name] = ex

        @functools.wraps(judge)
        def check(answer=None):
            return _run(ex, answer)

        check.__name__ = check.__qualname__ = f"check_{name}"
        check.__doc__ = (f"Check your answer to exercise {name!r} ({notebook}).\n\n"
                         f"{prompt}\n\nPrints feedback and returns True or False; never raises.")
        check.exercise = ex
        return check

    return decorate


def show_solution(name: str) -> None:
    """Print the worked solution of exercise ``name``.

    >>> show_solution("first_max_pool")  # doctest: +SKIP
    """
    key = name[len("check_"):] if name.startswith("check_") else name
    if key not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        print(f"There is no exercise called {name!r}. Known exercises: {known}")
        return
    ex = REGISTRY[key]
    print(f"Solution to {key} ({ex.notebook})" + (f": {ex.prompt}" if ex.prompt else ""))
    print(ex.solution_text())


# ---- small helpers for writing judges ------------------------------------------------

def as_array(answer, name="your answer") -> np.ndarray:
    """Convert an answer to a float array, with a hint (not an error) if impossible."""
    try:
        arr = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        raise Hint(f"{name} should be numbers (a list of lists or a NumPy array); "
                   f"got {type(answer).__name__}.") from None
    return arr


def expect_shape(arr: np.ndarray, shape, what="the output") -> None:
    """Raise a Hint if ``arr`` does not have ``shape``."""
    if arr.shape != tuple(shape):
        raise Hint(f"{what} should have shape {tuple(shape)}, but yours has shape {arr.shape}.")


def require_callable(answer, what="a function") -> Callable:
    """Raise a Hint unless ``answer`` is callable."""
    if not callable(answer):
        raise Hint(f"pass {what} (the function itself, not its result); "
                   f"got {type(answer).__name__}.")
    return answer


def wrong_cells(arr, expected) -> str:
    """The cells where ``arr`` differs from ``expected``, as text for a hint.

    >>> wrong_cells(np.array([[1, 2], [3, 5]]), np.array([[1, 2], [3, 4]]))
    '(1, 1)'
    """
    bad = np.argwhere(~np.isclose(np.asarray(arr, dtype=float), expected))
    return ", ".join(str(tuple(int(v) for v in ij)) for ij in bad)


def close(a, b, rtol=1e-6, atol=1e-9) -> bool:
    """True when ``a`` and ``b`` have the same shape and agree within tolerance."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
