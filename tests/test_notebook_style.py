"""Readable, honest notebooks: cell-size limits, explanation before code, no
orphan numbers.

The rules and their exact definitions are in ``tools/check_notebook_style.py``
(module docstring); ``python tools/check_notebook_style.py`` prints every
violation at once. This file runs the same functions over every notebook, and
checks on small made-up notebooks that each rule can fail.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_checker():
    spec = importlib.util.spec_from_file_location(
        "check_notebook_style", ROOT / "tools" / "check_notebook_style.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_notebook_style"] = module      # dataclasses look it up
    spec.loader.exec_module(module)
    return module


style = _load_checker()
NOTEBOOKS = style.notebook_paths()
ALLOW = style.load_allowlist()
ids = [p.stem for p in NOTEBOOKS]


def _report(violations) -> str:
    return "\n".join(str(v) for v in violations)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 10


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_cell_sizes(path):
    """No code cell over 15 lines, no code line over 88 chars, no markdown cell over 25."""
    found = style.size_violations(style.load(path), path.stem)
    assert not found, "\n" + _report(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_explanation_before_code(path):
    found = style.explanation_violations(style.load(path), path.stem)
    assert not found, "\n" + _report(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_orphan_numbers(path):
    """Every number written in markdown is printed by an output of the notebook."""
    found = style.orphan_violations(style.load(path), path.stem, ALLOW)
    assert not found, "\n" + _report(found)


def test_allowlist_is_well_formed():
    problems = style.allowlist_problems(ALLOW, set(ids))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_allowlist_has_no_stale_entries(path):
    stale = style.unused_allowlist_entries(style.load(path), path.stem, ALLOW)
    assert not stale, "\n".join(stale)


# ---------------------------------------------------------------- the rules can fail
def _nb(*cells, widgets=None):
    out = []
    for kind, text, *outputs in cells:
        cell = {"cell_type": kind, "source": text, "metadata": {}}
        if kind == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": t}
                               for t in outputs]
        out.append(cell)
    meta = {}
    if widgets:
        meta["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": widgets}}
    return {"cells": out, "metadata": meta}


TITLE = ("markdown", "# 99 · Title\n\nWhat this notebook does.")


def test_size_rules_fire_at_the_limits():
    ok = _nb(TITLE, ("code", "\n".join(["x = 1"] * 15)), ("code", "y" * 88),
             ("markdown", "\n".join(["text"] * 25)))
    assert style.size_violations(ok, "t") == []
    bad = _nb(TITLE, ("code", "\n".join(["x = 1"] * 16)), ("code", "y" * 89),
              ("markdown", "\n".join(["text"] * 26)))
    rules = [v.rule for v in style.size_violations(bad, "t")]
    assert rules == ["code-cell-lines", "code-line-chars", "markdown-cell-lines"]


def test_explanation_rules():
    good = _nb(TITLE, ("code", "import x"), ("markdown", "## 1. Part\n\nWe compute y."),
               ("code", "explorer"), ("code", "explorer.update(a=1)"))
    assert style.explanation_violations(good, "t") == []
    heading_only = _nb(TITLE, ("markdown", "## 1. Part"), ("code", "y = 2"))
    assert [v.cell for v in style.explanation_violations(heading_only, "t")] == [2]
    code_after_code = _nb(TITLE, ("code", "print(table)"), ("code", "plot(table)"))
    assert [v.cell for v in style.explanation_violations(code_after_code, "t")] == [2]
    bare_title = _nb(("markdown", "# 99 · Title"), ("code", "import x"))
    assert [v.cell for v in style.explanation_violations(bare_title, "t")] == [0]
    no_title = _nb(("code", "import x"))
    assert [v.cell for v in style.explanation_violations(no_title, "t")] == [0]


@pytest.mark.parametrize("markdown, numbers", [
    ("ratio 1.44 gives 1.67 rows", ["1.44", "1.67"]),
    ("see 9x9 and 36x36, a 2x2 window, 3x3 kernels", ["36"]),
    ("75% of cells, 12.3 % tied", ["75%", "12.3%"]),
    ("to about 1e-10; 4,194,432 weights; 18496 MACs", ["1e-10", "4,194,432", "18496"]),
    ("notebook 05, Exercise 2, 2016, 12 of 16, TF 2.21.0, section 1.", []),
    ("a change of -0.25, a range 0.5-0.7, float16 and v1.5", ["0.25", "0.5", "0.7"]),
    ("$p = 0.5$ and $$x = 1.5$$ and `0.25` and ``0.125``", []),
    ("[link](https://example.org/v1.5/x) and <img width=\"480.5\">", []),
    ("```python\nanswer = 7.33\n```\nafter 0.75", ["0.75"]),
    ("```{admonition} Correction 1.5\n:class: warning\n:name: x-2.5\nsays 3.25\n```",
     ["3.25"]),
    ("````{dropdown} Solution\n```python\nx = 0.1\n```\nthen 0.2\n````", ["0.2"]),
])
def test_which_numbers_are_checked(markdown, numbers):
    assert [n.text for n in style.prose_numbers(markdown)] == numbers


@pytest.mark.parametrize("written, printed, ok", [
    ("0.75", "0.750", True), ("0.750", "0.75", True), ("1.44", "1.4400", True),
    ("1.44", "1.4412", True), ("1.67", "1.6666666666666667", True),
    ("1.7", "1.67", True), ("1.67", "1.7", False), ("3.04", "3.0412", True),
    ("3.04", "4.95", False), ("75%", "0.75", True), ("75%", "75.0%", True),
    ("12.3%", "0.1234", True), ("12.3%", "0.13", False), ("1e-10", "1.2e-10", True),
    ("1e-10", "3e-12", False), ("4,194,432", "4194432", True),
    ("18,496", "18,496", True), ("36x36", "38", False), ("36x36", "(36, 36)", True),
])
def test_when_a_number_appears(written, printed, ok):
    nb = _nb(TITLE, ("code", "print(x)", printed), ("markdown", f"It is {written}."))
    found = style.orphan_violations(nb, "t", {})
    assert (found == []) is ok, found


def test_numbers_in_html_and_widget_state_count():
    nb = _nb(TITLE, ("markdown", "It is 0.844 and 2.5."),
             widgets={"m1": {"state": {"value": "<b>zero fraction 0.844</b>"}},
                      "m2": {"state": {"outputs": [{"output_type": "execute_result",
                                                    "data": {"text/html": "<td>2.50</td>"}}]}}})
    assert style.orphan_violations(nb, "t", {}) == []
    nb["metadata"] = {}
    assert len(style.orphan_violations(nb, "t", {})) == 2


def test_allowlist_exempts_and_is_validated():
    nb = _nb(TITLE, ("markdown", "The paper reports 0.97."))
    allow = {"t": [{"number": "0.97", "source": "Smith 2020, Table 1"}]}
    assert style.orphan_violations(nb, "t", allow) == []
    assert style.unused_allowlist_entries(nb, "t", allow) == []
    assert len(style.orphan_violations(nb, "t", {})) == 1
    stale = {"t": [{"number": "0.5", "source": "x"}]}
    assert style.unused_allowlist_entries(nb, "t", stale)
    assert style.allowlist_problems({"t": [{"number": "0.97"}]}, {"t"})
    assert style.allowlist_problems({"nope": []}, {"t"})


def test_checker_prints_every_violation(tmp_path, capsys):
    path = tmp_path / "99_bad.ipynb"
    import json

    path.write_text(json.dumps(_nb(("markdown", "## only"), ("code", "x" * 100))))
    assert style.main([str(path)]) == 1
    text = capsys.readouterr().out
    assert "code-line-chars" in text and "explanation" in text


def test_checker_docstring_examples():
    import doctest

    result = doctest.testmod(style)
    assert result.attempted >= 4 and result.failed == 0
