"""Every quotation the notebooks attribute to the article is really in the article.

The lessons quote the source article as *"..."* (italic, double quotes) before
measuring or correcting it. A quote that paraphrases (review of issue 13 found
'simplify the network by reducing the number of parameters' and 'might reduce
the network's ability to discriminate', neither of which the article says)
puts words in the article's mouth. This test needs no kernel.

Rules: an ellipsis (``...``) may join parts of a quote, and ``[...]`` marks an
editorial insertion; each remaining part must occur in
``/work/shared/source-article.txt`` (or ``$POOLEDU_ARTICLE``), compared
case-insensitively with typographic quotes and whitespace normalised. Italic
quotes right after a year - ``Zhang (2019), *"Title"*`` - are paper titles and
are skipped.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = Path(os.environ.get("POOLEDU_ARTICLE", "/work/shared/source-article.txt"))
QUOTE = re.compile(r'\*"([^"]+)"\*')
#: In a correction box's "The article says:" line, 'single quotes' quote too.
SAYS_LINE = re.compile(r"^\*\*The article says:\*\*.*$", re.MULTILINE)
SINGLE = re.compile(r"(?<![\w'])'(.+?)'(?!\w)")
AFTER_A_YEAR = re.compile(r"\d{4}[a-z]?\)?,?\s*$")


def _norm(text: str) -> str:
    for fancy, plain in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"')):
        text = text.replace(fancy, plain)
    return re.sub(r"\s+", " ", text).strip().lower()


def article_quotes(source: str) -> list[str]:
    """The italic double-quoted passages of a markdown source, minus paper titles,
    and the single-quoted ones on a correction box's "The article says:" line."""
    quotes = [m.group(1) for m in QUOTE.finditer(source)
              if not AFTER_A_YEAR.search(source[max(0, m.start() - 12):m.start()])]
    return quotes + [q for line in SAYS_LINE.findall(source) for q in SINGLE.findall(line)]


def missing_parts(quote: str, article: str) -> list[str]:
    """Parts of ``quote`` (split at ``...`` and ``[...]``) not found in ``article``."""
    parts = re.split(r"\s*(?:\.\.\.|\u2026|\[[^\]]*\])\s*", quote)
    return [p for p in parts if p.strip(" .,;:") and _norm(p).strip(" .,;:") not in article]


def test_the_rules_catch_a_paraphrase():
    article = _norm("Pooling layers use fixed, non-learnable operations: more text.")
    assert missing_parts("use fixed, non-learnable operations", article) == []
    assert missing_parts("[Pooling] layers use ... operations", article) == []
    assert missing_parts("uses fixed operations", article) == ["uses fixed operations"]
    src = 'Zhang (2019), *"Making Networks Great"*, and the article: *"use fixed"*.'
    assert article_quotes(src) == ["use fixed"]
    box = "**The article says:** it 'might reduce the network's ability' (and more)."
    assert article_quotes(box) == ["might reduce the network's ability"]


@pytest.mark.skipif(not ARTICLE.exists(), reason="the source article is not on this machine")
@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")),
                         ids=lambda p: p.stem)
def test_quotes_of_the_article_are_verbatim(path):
    article = _norm(ARTICLE.read_text(encoding="utf-8"))
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    wrong = [(i, q, missing) for i, cell in enumerate(cells) if cell["cell_type"] == "markdown"
             for q in article_quotes("".join(cell["source"]))
             if (missing := missing_parts(q, article))]
    assert not wrong, f"quoted but not in the article (cell, quote, missing parts): {wrong}"
