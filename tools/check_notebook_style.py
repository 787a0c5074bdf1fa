"""Check the course notebooks against the handbook's limits; print every violation.

    python tools/check_notebook_style.py                 # all notebooks/*.ipynb
    python tools/check_notebook_style.py notebooks/05_why_pooling_helps.ipynb

Exit status 1 if anything is found. ``tests/test_notebook_style.py`` runs the
same functions, so what this prints is exactly what the tests reject.

The rules (HANDBOOK.md, "Notebooks are shared ground" in the working rules):

* **cell size** - no code cell over 15 lines, no code line over 88
  characters, no markdown cell over 25 lines (lines of the cell's source).
* **explanation before code** - checkable form:

  1. the notebook starts with a markdown title cell (``# ...``) that has prose
     after the heading;
  2. a code cell may not directly follow a *heading-only* markdown cell (a
     cell whose non-blank lines are all headings): a section's first code cell
     needs at least one sentence saying what it does;
  3. a code cell may not directly follow another code cell, unless that
     earlier cell *displays an explorer*: its last line is a bare name (such
     as ``explorer``), and the next cell drives it (``explorer.update(...)``).
     Everything else - a figure after a table, a second computation - gets a
     sentence of markdown in between.

* **no orphan numbers** - every number written in a markdown cell is printed
  by some output of the same notebook. What counts as a number:

  - a decimal with a fractional part (``0.75``, ``3.04``), a percentage
    (``75%``, ``12.3 %``), a number in scientific notation (``1e-10``), or
    an integer of 5 or more digits or with thousands commas (``4,194,432``,
    ``18496``);
  - the integer side of an ``NxN`` size from 10 up (``36x36``) - sizes
    and receptive fields are computed claims;
  - numbers are unsigned (a minus sign is ignored on both sides).

  Not checked: LaTeX (``$...$``, ``$$...$$``), code spans and code fences,
  URLs and link targets, HTML tags, MyST directive option lines
  (``:class: warning``), the heading line of a ``{dropdown}`` or
  ``{admonition}`` (its title), version-like numbers (``2.21.0``), and the
  entries of ``tests/notebook_number_allowlist.yml`` (figures cited from the
  literature, each with its source).

  What counts as an output: ``text/plain``, ``text/html`` and
  ``text/markdown`` data, ``stream`` text, and the text saved in the
  notebook's widget state (HTML/Label values, Output widgets' outputs).

  When a number "appears": a markdown number written with ``d`` decimals
  appears when some output number rounds to it at ``d`` decimals. So
  ``0.750`` and ``0.75`` match the output ``0.75``; ``1.44`` matches
  ``1.4400`` and ``1.4412``; ``1.67`` and ``1.7`` match ``1.6667``: prose
  may round an output, never the other way round (``1.67`` does not match
  an output ``1.7``). Integers match exactly (``36x36`` needs a
  printed 36). A percentage ``p%`` also matches an output fraction ``p/100``
  (``75%`` matches ``0.75``; ``12.3%`` matches ``0.1234``). Scientific
  notation compares significant digits (``1e-10`` matches ``1.2e-10``).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ALLOWLIST = ROOT / "tests" / "notebook_number_allowlist.yml"

MAX_CODE_LINES = 15
MAX_CODE_LINE_CHARS = 88
MAX_MARKDOWN_LINES = 25


@dataclass(frozen=True)
class Violation:
    """One rule broken by one cell (``cell`` is the 0-based index in the notebook)."""

    notebook: str
    cell: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.notebook} cell {self.cell} [{self.rule}]: {self.detail}"


# ----------------------------------------------------------------------------- loading
def load(path) -> dict:
    """The notebook at ``path`` as a dict (plain JSON; no nbformat needed)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _lines(text: str) -> list[str]:
    return text.rstrip("\n").split("\n") if text.strip() else []


# ----------------------------------------------------------------------------- sizes
def size_violations(nb: dict, name: str) -> list[Violation]:
    """Code cells over 15 lines, code lines over 88 characters, markdown over 25 lines."""
    out = []
    for i, cell in enumerate(nb["cells"]):
        lines = _lines(source(cell))
        if cell["cell_type"] == "code":
            if len(lines) > MAX_CODE_LINES:
                out.append(Violation(name, i, "code-cell-lines",
                                     f"{len(lines)} lines (max {MAX_CODE_LINES}): "
                                     f"{_first(lines)}"))
            for n, line in enumerate(lines, 1):
                if len(line) > MAX_CODE_LINE_CHARS:
                    out.append(Violation(name, i, "code-line-chars",
                                         f"line {n} has {len(line)} characters "
                                         f"(max {MAX_CODE_LINE_CHARS}): {line[:50]!r}..."))
        elif cell["cell_type"] == "markdown" and len(lines) > MAX_MARKDOWN_LINES:
            out.append(Violation(name, i, "markdown-cell-lines",
                                 f"{len(lines)} lines (max {MAX_MARKDOWN_LINES}): "
                                 f"{_first(lines)}"))
    return out


def _first(lines) -> str:
    return repr(lines[0][:60]) if lines else "''"


# ----------------------------------------------------------------------------- explanation
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_BARE_NAME = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")


def is_heading_only(text: str) -> bool:
    """True when every non-blank line of a markdown cell is a heading."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    return bool(lines) and all(_HEADING.match(ln) for ln in lines)


def displays_explorer(code: str) -> bool:
    """True when a code cell ends by displaying an object by its bare name."""
    lines = [ln for ln in code.split("\n") if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(lines) and bool(_BARE_NAME.match(lines[-1].strip()))


def explanation_violations(nb: dict, name: str) -> list[Violation]:
    """Rules 1-3 of "explanation before code" (see the module docstring)."""
    cells = nb["cells"]
    out = []
    if not cells:
        return out
    first = cells[0]
    if first["cell_type"] != "markdown" or not _HEADING.match(source(first).lstrip("\n")):
        out.append(Violation(name, 0, "explanation",
                             "the notebook must start with a markdown title cell (# ...)"))
    elif is_heading_only(source(first)):
        out.append(Violation(name, 0, "explanation",
                             "the title cell has no prose: say what the notebook does "
                             "before the first code cell"))
    for i in range(1, len(cells)):
        prev, cell = cells[i - 1], cells[i]
        if cell["cell_type"] != "code":
            continue
        if i > 1 and prev["cell_type"] == "markdown" and is_heading_only(source(prev)):
            out.append(Violation(name, i, "explanation",
                                 f"code directly after the heading "
                                 f"{source(prev).strip()[:50]!r}: add a sentence saying "
                                 f"what the cell does"))
        elif prev["cell_type"] == "code" and not displays_explorer(source(prev)):
            out.append(Violation(name, i, "explanation",
                                 f"code directly after code ({_first(_lines(source(cell)))}): "
                                 f"add a sentence of markdown before it"))
    return out


# ----------------------------------------------------------------------------- numbers in markdown
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_OPTION = re.compile(r"^\s*:[\w-]+:")


def prose(markdown: str) -> str:
    """The markdown text whose numbers are checked, with everything exempt removed.

    Removed: code fences (but not MyST directives, whose body is prose),
    directive option lines and titles, LaTeX, code spans, HTML tags, URLs and
    link targets.

    >>> prose("A $x_1 = 0.5$ and `0.25` and 0.75 [see](https://a.b/1.5)")
    'A   and   and 0.75 [see] '
    """
    kept, stack = [], []      # stack of open fences: (marker, is_directive)
    in_options = False
    for line in markdown.split("\n"):
        m = _FENCE.match(line)
        if m:
            marker, info = m.group(2), m.group(3).strip()
            if stack and marker[0] == stack[-1][0][0] and len(marker) >= len(stack[-1][0]) \
                    and not info:
                stack.pop()
                in_options = False
                continue
            is_directive = info.startswith("{")
            if not stack or stack[-1][1]:
                stack.append((marker, is_directive))
                in_options = is_directive
                continue
        if stack and not stack[-1][1]:
            continue                              # inside a plain code fence
        if in_options:
            if _OPTION.match(line):
                continue
            in_options = False
        kept.append(line)
    text = "\n".join(kept)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"(?<!\\)\$[^$\n]+?(?<!\\)\$", " ", text)
    text = re.sub(r"``.+?``|`[^`\n]+`", " ", text)
    text = re.sub(r"<[^>\n]+>", " ", text)
    text = re.sub(r"\]\([^)\s]*\)", "] ", text)
    text = re.sub(r"https?://\S+|www\.\S+", " ", text)
    return text


# A number as written in prose. Group "num" is the number, "pct" a percent sign,
# "size" the right-hand side of an NxN size.
_PROSE_NUMBER = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"(?P<pct>\s?%)?(?:x(?P<size>\d+))?(?![\w]|\.\d|,\d)")


@dataclass(frozen=True)
class ProseNumber:
    """A number in markdown: its text, value and decimals (or significant digits)."""

    text: str
    value: float
    decimals: int
    scientific: bool = False
    percent: bool = False


def _make(text: str, percent=False) -> ProseNumber:
    plain = text.replace(",", "")
    sci = "e" in plain.lower()
    mantissa = re.split("[eE]", plain)[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    if sci:
        decimals = len(mantissa.replace(".", "").lstrip("0"))  # significant digits
    return ProseNumber(text + ("%" if percent else ""), float(plain), decimals, sci, percent)


def prose_numbers(markdown: str) -> list[ProseNumber]:
    """The numbers of a markdown cell that must appear in an output (see module docs).

    >>> [n.text for n in prose_numbers("2x2 pooling: 36x36, 0.75, 75%, 1e-10, 4,194,432, "
    ...                                "notebook 05, TF 2.21.0, 12 of 16")]
    ['36', '0.75', '75%', '1e-10', '4,194,432']
    """
    found = []
    for m in _PROSE_NUMBER.finditer(prose(markdown)):
        num, pct, size = m.group("num"), bool(m.group("pct")), m.group("size")
        plain = num.replace(",", "")
        if size is not None:                         # NxN: check the side if >= 10
            if "." not in plain and int(plain) >= 10:
                found.append(_make(num))
            if size != plain and int(size) >= 10:
                found.append(_make(size))
            continue
        is_decimal = "." in plain or "e" in plain.lower()
        is_big = "," in num or (plain.isdigit() and len(plain) >= 5)
        if is_decimal or pct or is_big:
            found.append(_make(num, pct))
    return found


_OUTPUT_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+")


def output_numbers(texts) -> set[str]:
    """Every number-like token in the output texts (commas removed)."""
    found = set()
    for text in texts:
        for tok in _OUTPUT_NUMBER.findall(text):
            tok = tok.rstrip(",").replace(",", "")
            if tok.startswith("."):
                tok = "0" + tok
            try:
                float(tok)
            except ValueError:
                continue
            found.add(tok)
    return found


def output_texts(nb: dict) -> list[str]:
    """The text of every output of the notebook, and its saved widget state."""
    texts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            texts.extend(_output_text(out))
    state = nb.get("metadata", {}).get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model in state.values():
        texts.extend(_strings(model.get("state", {})))
    return texts


def _output_text(out) -> list[str]:
    if out.get("output_type") == "stream":
        return [_join(out.get("text", ""))]
    data = out.get("data", {})
    texts = []
    for mime in ("text/plain", "text/markdown"):
        if mime in data:
            texts.append(_join(data[mime]))
    if "text/html" in data:
        texts.append(re.sub(r"<[^>]*>", " ", _join(data["text/html"])))
    return texts


def _join(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _strings(obj):
    """Strings saved in widget state (values, labels, Output widgets' outputs)."""
    if isinstance(obj, str):
        if not obj.startswith("IPY_MODEL_"):
            yield re.sub(r"<[^>]*>", " ", obj)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            if key == "outputs" and isinstance(value, list):
                # an Output widget's outputs are dicts; an anywidget's own "outputs"
                # trait may hold plain values (the shift explorer's method names)
                for out in value:
                    yield from (_output_text(out) if isinstance(out, dict)
                                else _strings(out))
            elif not key.startswith("_") and key not in ("layout", "style"):
                yield from _strings(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _strings(value)


def appears(number: ProseNumber, outputs: set[str]) -> bool:
    """True when some output number, rounded as the prose rounds, equals ``number``.

    >>> appears(_make("1.44"), {"1.4412"}), appears(_make("1.67"), {"1.7"})
    (True, False)
    >>> appears(_make("75", percent=True), {"0.75"}), appears(_make("36"), {"36.4"})
    (True, False)
    """
    for tok in outputs:
        o = float(tok)
        if number.scientific:
            if o and _sig_round(o, number.decimals) == _sig_round(number.value,
                                                                   number.decimals):
                return True
        elif number.decimals == 0 and not number.percent:
            if o == number.value:                # integers match exactly
                return True
        elif _rounds_to(o, number.value, number.decimals):
            return True
        elif number.percent and _rounds_to(o * 100, number.value, number.decimals):
            return True
    return False


def _rounds_to(o: float, value: float, decimals: int) -> bool:
    """``o`` rounded half-up or half-even to ``decimals`` places is ``value``."""
    half = 0.5 * 10 ** -decimals
    return value - half - 1e-12 <= o <= value + half + 1e-12


def _sig_round(x: float, digits: int) -> float:
    digits = max(digits, 1)
    return float(f"{x:.{digits - 1}e}")


def load_allowlist(path=ALLOWLIST) -> dict[str, list[dict]]:
    """The allow-list: ``{notebook stem: [{"number": "...", "source": "..."}]}``."""
    path = Path(path)
    if not path.exists():
        return {}
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): list(v or []) for k, v in data.items()}


def allowlist_problems(allow: dict, names) -> list[str]:
    """Entries without a source, or for a notebook that does not exist."""
    problems = []
    for nb_name, entries in allow.items():
        if nb_name not in names:
            problems.append(f"allow-list names notebook {nb_name!r}, which does not exist")
        for entry in entries:
            if not isinstance(entry, dict) or not str(entry.get("number", "")).strip():
                problems.append(f"{nb_name}: entry {entry!r} has no 'number'")
            elif not str(entry.get("source", "")).strip():
                problems.append(f"{nb_name}: {entry['number']!r} has no 'source'")
    return problems


def orphan_violations(nb: dict, name: str, allow: dict | None = None) -> list[Violation]:
    """Numbers written in markdown that no output of the notebook prints."""
    allowed = {str(e.get("number")).strip() for e in (allow or {}).get(name, [])
               if isinstance(e, dict)}
    outputs = output_numbers(output_texts(nb))
    out = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for number in prose_numbers(source(cell)):
            if number.text in allowed or number.text.rstrip("%") in allowed:
                continue
            if not appears(number, outputs):
                out.append(Violation(name, i, "orphan-number",
                                     f"{number.text} is printed by no output of the "
                                     f"notebook: {_context(source(cell), number.text)}"))
    return out


def unused_allowlist_entries(nb: dict, name: str, allow: dict) -> list[str]:
    """Allow-list entries whose number no longer occurs in the notebook's markdown."""
    written = {n.text for c in nb["cells"] if c["cell_type"] == "markdown"
               for n in prose_numbers(source(c))}
    written |= {t.rstrip("%") for t in written}
    return [f"{name}: allow-list entry {e.get('number')!r} is not written in the notebook"
            for e in allow.get(name, []) if isinstance(e, dict)
            and str(e.get("number")).strip() not in written]


def _context(text: str, number: str) -> str:
    flat = " ".join(text.split())
    k = flat.find(number.rstrip("%"))
    return repr(flat[max(k - 40, 0):k + len(number) + 30]) if k >= 0 else ""


# ----------------------------------------------------------------------------- all together
def notebook_paths(args=()) -> list[Path]:
    return [Path(a) for a in args] if args else sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def check(path, allow=None) -> list[Violation]:
    """Every violation of every rule in one notebook."""
    path = Path(path)
    nb, name = load(path), path.stem
    allow = load_allowlist() if allow is None else allow
    return (size_violations(nb, name) + explanation_violations(nb, name)
            + orphan_violations(nb, name, allow))


def main(argv=None) -> int:
    paths = notebook_paths(sys.argv[1:] if argv is None else argv)
    allow = load_allowlist()
    total = 0
    for problem in allowlist_problems(allow, {p.stem for p in notebook_paths()}):
        print(problem)
        total += 1
    for path in paths:
        found = check(path, allow)
        unused = unused_allowlist_entries(load(path), path.stem, allow)
        print(f"== {path.stem}: {len(found) + len(unused)} violation(s)")
        for v in found:
            print(f"  cell {v.cell:>2} [{v.rule}] {v.detail}")
        for u in unused:
            print(f"  {u}")
        total += len(found) + len(unused)
    print(f"total: {total} violation(s) in {len(paths)} notebook(s)")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
