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

Rules every check follows (so that no hint misleads):

* numbers are answered as numbers: ``"8.5"`` (in quotes) gets a hint to drop
  the quotes, in every check (:func:`as_array`);
* nan or inf in a typed answer is never right, and says so;
* a value whose exact form needs more than 4 decimals (22/3) may be rounded to
  2 or more decimals (7.33); short values (3.75, 0.0625) must be exact
  (:func:`agree`, :func:`matches`);
* a learner's function that returns None or a single number is told so,
  before any hint about its values (:func:`returned`, :func:`returned_array`).

A check never raises. The registry is what the tests walk: every check must
accept its ``solution`` and reject every one of its ``wrong`` answers.
"""

from __future__ import annotations

import ast
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
    shape_answer: bool = False

    def solution_text(self) -> str:
        """The worked solution as text (source code for a function)."""
        if callable(self.solution):
            return textwrap.dedent(inspect.getsource(self.solution))
        return repr(self.solution)


REGISTRY: dict[str, Exercise] = {}


class Verdict:
    """What a ``check_...`` function returns: true when the answer is right.

    It behaves like the bool it wraps (``if check_x(answer):``, ``bool(...)``,
    ``== True``), but shows nothing when it is the last line of a notebook cell:
    the feedback line printed above it already says everything, and a bare
    ``False`` under "not attempted yet" would only confuse.

    >>> v = Verdict(False)
    >>> bool(v), v == False, repr(v)
    (False, True, 'False')
    """

    __slots__ = ("passed",)

    def __init__(self, passed: bool):
        self.passed = bool(passed)

    def __bool__(self) -> bool:
        return self.passed

    def __eq__(self, other) -> bool:
        if isinstance(other, Verdict):
            return self.passed == other.passed
        if isinstance(other, bool):
            return self.passed == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.passed)

    def __repr__(self) -> str:
        return repr(self.passed)

    def _ipython_display_(self) -> None:
        """Display nothing: the check has already printed its feedback."""


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
        if not (ex.shape_answer and is_keras_shape(answer)):
            if _holds_placeholder(answer):
                raise NotAttempted("Your answer still holds a placeholder (None or ...): "
                                   "fill in every value and run this cell again.")
            _refuse_non_finite(answer)
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


def _refuse_non_finite(answer) -> None:
    """A typed answer holding nan or inf is never right: say so (before any other hint)."""
    if callable(answer) or _holds_text(answer) or isinstance(answer, (dict, set)):
        return
    try:
        with np.errstate(all="ignore"):
            arr = np.asarray(answer, dtype=float)
    except (TypeError, ValueError, OverflowError):
        return
    if arr.size and not np.all(np.isfinite(arr)):
        raise Hint("your answer contains nan or inf; write the number(s) you computed "
                   "(if nan came from a calculation, one of its steps went wrong).")


def exercise(name: str, *, notebook: str, solution, wrong=(), prompt: str = "",
             shape_answer: bool = False):
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
    shape_answer : bool
        The answer is a tensor shape: Keras' ``(None, 15, 15, 16)`` (None for an
        unknown batch) reaches the judge instead of counting as a placeholder.
    """

    def decorate(judge):
        ex = Exercise(name=name, notebook=notebook, judge=judge, solution=solution,
                      wrong=list(wrong), prompt=prompt, shape_answer=shape_answer)
        if name in REGISTRY:
            raise RuntimeError(f"exercise {name!r} is registered twice")
        REGISTRY[name] = ex

        @functools.wraps(judge)
        def check(answer=None):
            return Verdict(_run(ex, answer))

        check.__name__ = check.__qualname__ = f"check_{name}"
        check.__doc__ = (f"Check your answer to exercise {name!r} ({notebook}).\n\n"
                         f"{prompt}\n\nPrints feedback and returns a Verdict, true when the "
                         f"answer is right; never raises.")
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

def _holds(answer, is_leaf, depth=0) -> bool:
    """True when ``is_leaf`` holds for the answer or any item of its (nested) lists."""
    if is_leaf(answer):
        return True
    if isinstance(answer, np.ndarray):
        return answer.dtype.kind == "O" and depth < 3 and any(
            _holds(v, is_leaf, depth + 1) for v in answer.ravel()[:64])
    if isinstance(answer, (list, tuple)) and depth < 3:
        return any(_holds(v, is_leaf, depth + 1) for v in answer[:64])
    return False


def _holds_text(answer) -> bool:
    """True when the answer is, or holds, a string (a number typed in quotes)."""
    return _holds(answer, lambda v: isinstance(v, (str, bytes, np.str_, np.bytes_)) or (
        isinstance(v, np.ndarray) and v.dtype.kind in "US"))


def _holds_placeholder(answer) -> bool:
    """True when a list answer still holds a placeholder (None or ...)."""
    return isinstance(answer, (list, tuple, np.ndarray)) and _holds(
        answer, lambda v: v is None or v is Ellipsis)


def is_keras_shape(answer) -> bool:
    """True for a flat shape with an unknown (None) batch, as Keras prints it.

    Only exercises registered with ``shape_answer=True`` treat it as an answer;
    elsewhere a None is a placeholder still to fill in.
    """
    return (isinstance(answer, (list, tuple)) and len(answer) >= 2 and answer[0] is None
            and all(isinstance(v, (int, float, np.integer, np.floating))
                    and not isinstance(v, bool) for v in answer[1:]))


def called_names(tree) -> set:
    """Names of the functions a source tree calls, leaving out names it binds itself.

    Only names in call position count, so a learner may name a variable
    ``max_pool`` or ``pool2d``. ``lib.max_pool2d(...)`` always counts;
    ``max_pool(...)`` counts unless ``max_pool`` is a local variable, argument or
    function defined in the source.
    """
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            bound.add(getattr(node, "name", None))
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            called.add(node.func.attr)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id not in bound:
                called.add(node.func.id)
    return called


def as_array(answer, name="your answer") -> np.ndarray:
    """Convert an answer to a float array, with a hint (not an error) if impossible.

    One rule for every check: numbers are answered as numbers. A number in
    quotes (``"8.5"``) is a string, and gets a hint to drop the quotes; so do
    booleans where numbers are expected.
    """
    if answer is None:
        raise Hint(f"{name} is None: if it comes from a function, that function has no "
                   f"`return` line (a function without one returns None).")
    if _holds_text(answer):
        raise Hint(f"{name} is text (in quotes): write numbers without quotes, e.g. 8.5, "
                   f"not \"8.5\".")
    if isinstance(answer, (bool, np.bool_)):
        raise Hint(f"{name} should be numbers, not {answer!r}.")
    if isinstance(answer, (dict, set, frozenset)):
        raise Hint(f"{name} should be numbers (a list of lists or a NumPy array); "
                   f"got a {type(answer).__name__}.")
    try:
        with np.errstate(all="ignore"):
            arr = np.asarray(answer, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise Hint(f"{name} should be numbers (a list of lists or a NumPy array, every row "
                   f"the same length); got {type(answer).__name__}.") from None
    return arr


def returned(value, what="your function"):
    """The value a learner's function returned, with a hint if it returned None."""
    if value is None:
        raise Hint(f"{what} returned None: it has no `return` line (or the return is "
                   f"inside a branch that did not run). End it with `return ...`.")
    return value


def returned_array(value, shape, where="", what="your function") -> np.ndarray:
    """A learner's function result as an array with ``len(shape)`` axes, or a Hint.

    Catches the results that would otherwise get a misleading hint: None (no
    ``return``), a single number, an array with the wrong number of axes.
    """
    for_ = f"for {where} " if where else ""
    arr = as_array(returned(value, what), f"what {what} returned")
    if arr.ndim == len(shape):
        return arr
    if arr.ndim == 0:
        raise Hint(f"{for_}{what} returned a single number ({float(arr):g}); it should "
                   f"return the whole pooled array, shape {tuple(shape)}: one value per "
                   f"window. (Is the `return` inside the loop?)")
    raise Hint(f"{for_}{what} returned an array of shape {arr.shape}; it should have "
               f"{len(shape)} axes, shape {tuple(shape)}.")


def _decimals(v: float) -> int:
    text = repr(float(v))
    if "e" in text or "." not in text:
        return 0
    return len(text.split(".")[1].rstrip("0"))


def agree(answer: float, expected: float) -> bool:
    """True when a hand-computed number ``answer`` is ``expected``.

    The one rounding rule of every check: a number whose exact value needs
    more than 4 decimals (22/3 = 7.3333...) may be given rounded to 2 or more
    decimals (7.33, 7.333); a number with a short exact value (3.75, 0.0625)
    must be given exactly.

    >>> agree(7.33, 22 / 3), agree(7.333, 22 / 3), agree(7.3, 22 / 3), agree(7.34, 22 / 3)
    (True, True, False, False)
    >>> agree(0.06, 1 / 16), agree(0.0625, 1 / 16)
    (False, True)
    """
    a, e = float(answer), float(expected)
    if not (np.isfinite(a) and np.isfinite(e)):
        return a == e or (np.isnan(a) and np.isnan(e))
    if np.isclose(a, e, rtol=1e-6, atol=1e-9):
        return True
    long_exact = not np.isclose(e, round(e, 4), rtol=0, atol=1e-12)
    d = _decimals(a)
    return long_exact and d >= 2 and abs(a - e) <= 0.5 * 10.0 ** -d + 1e-12


def matches(answer, expected) -> bool:
    """Same shape and every value :func:`agree` s (hand-computed answers)."""
    a, e = np.asarray(answer, dtype=float), np.asarray(expected, dtype=float)
    return a.shape == e.shape and all(agree(x, y) for x, y in zip(a.ravel(), e.ravel()))


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


def rounded_too_far(answer, expected) -> bool:
    """True when ``answer`` is ``expected`` except for values rounded to 0 or 1 decimals.

    >>> rounded_too_far([6, 7.3], [6, 22 / 3]), rounded_too_far([6, 7.33], [6, 22 / 3])
    (True, False)
    """
    a, e = np.asarray(answer, dtype=float), np.asarray(expected, dtype=float)
    if a.shape != e.shape or matches(a, e):
        return False
    return all(agree(x, y) or (_decimals(x) < 2 and abs(x - y) <= 0.5 * 10.0 ** -_decimals(x))
               for x, y in zip(a.ravel(), e.ravel()))


def wrong_cells(arr, expected) -> str:
    """The cells where ``arr`` differs from ``expected``, as text for a hint.

    >>> wrong_cells(np.array([[1, 2], [3, 5]]), np.array([[1, 2], [3, 4]]))
    '(1, 1)'
    """
    arr, expected = np.asarray(arr, dtype=float), np.asarray(expected, dtype=float)
    ok = np.vectorize(agree, otypes=[bool])(arr, expected)
    bad = np.argwhere(~ok)
    return ", ".join(str(tuple(int(v) for v in ij)) for ij in bad)


def close(a, b, rtol=1e-6, atol=1e-9) -> bool:
    """True when ``a`` and ``b`` have the same shape and agree within tolerance."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
