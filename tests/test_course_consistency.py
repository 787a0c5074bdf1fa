"""The course says the same thing everywhere: every correction box of a notebook
has its counterpart on the corrections page, and every page that describes the
experiment of notebook 07 gives its real number of variants."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
BOX = re.compile(r"[`:]{3,}\{admonition\}[^\n]*\n:class: warning")
# boxes whose correction the page makes in a box that links another section
ELSEWHERE = {
    ("02_types_of_pooling", "4-global-max-pooling"): "the global average box (shapes)",
    ("08_alternatives", "6-a-decision-guide"): "the adaptive pooling box (section 2)",
    ("09_summary_and_quiz", "3-every-correction-to-the-article-recomputed"): "the summary",
}


def _slug(heading: str) -> str:
    """The anchor MyST gives a heading (as the page's existing links use it)."""
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", heading.lower()).strip())


def _markdown(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def _boxes():
    for path in NOTEBOOKS:
        section = ""
        for text in _markdown(path):
            for line in text.splitlines():
                if line.startswith("## "):
                    section = _slug(line[3:])
            if BOX.search(text):
                yield path.stem, section


@pytest.mark.parametrize("stem,section", sorted(set(_boxes())))
def test_every_correction_box_has_its_counterpart_on_the_corrections_page(stem, section):
    if (stem, section) in ELSEWHERE:
        return
    page = (ROOT / "book" / "corrections.md").read_text(encoding="utf-8")
    assert f"notebooks/{stem}.ipynb#{section}" in page, (
        f"the correction box of {stem}, section {section!r}, has no box on "
        f"book/corrections.md linking to it")


def test_the_known_boxes_are_found():
    found = set(_boxes())
    assert ("05_why_pooling_helps", "5-the-other-claims-overfitting-early-layers-depth-memory"
            ) in found
    assert ("06_what_pooling_costs", "6-lost-discrimination-and-gradient-bottlenecks") in found
    assert set(ELSEWHERE) <= found, "an exception above no longer names a box"


# the whole experiment has more than four variants ("two variants" are a part of it)
NUMBER_WORDS = ["five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
COUNT = re.compile(rf"\b({'|'.join(NUMBER_WORDS)})\s+(networks|ways to downsample|"
                   r"kinds of down-?sampling|pooling choices|variants)\b", re.IGNORECASE)


def _pages():
    for path in NOTEBOOKS:
        yield path.name, "\n".join(_markdown(path))
    for path in [*sorted((ROOT / "book").glob("*.md")), ROOT / "README.md"]:
        yield path.name, path.read_text(encoding="utf-8")


def test_the_experiment_is_described_with_its_real_number_of_variants():
    from pooledu.experiment import VARIANTS

    right = NUMBER_WORDS[len(VARIANTS) - 5]
    checked, wrong = 0, []
    for name, text in _pages():
        for line in text.splitlines():
            if "07" not in line and "experiment" not in line.lower() and name[:2] != "07":
                continue
            for m in COUNT.finditer(line):
                checked += 1
                if m.group(1).lower() != right:
                    wrong.append(f"{name}: {line.strip()}")
    assert checked >= 3, "the pattern no longer finds the experiment's descriptions"
    assert not wrong, "\n".join(wrong)
