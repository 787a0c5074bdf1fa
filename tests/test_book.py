"""The book site: it builds cleanly, lists every notebook, and needs no other host.

The book is built once per session into a temporary folder (see _booksite.py;
set POOLEDU_BOOK_HTML=book/_build/html to check an existing build instead).
"""

from __future__ import annotations

import importlib.util
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from _booksite import BOOK, built_site, load_build_module, toc_pages

build_book = load_build_module()
NOTEBOOK_FILES = sorted((BOOK / "notebooks").glob("*.ipynb"))
NOTEBOOK_PAGES = [p for p in toc_pages() if p.startswith("notebooks/")]
EXTERNAL = re.compile(r"^(https?:)?//", re.IGNORECASE)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return built_site(tmp_path_factory)


class _Refs(HTMLParser):
    """Collects (tag, attribute, value) of everything a browser would load."""

    LOADS: ClassVar[set[tuple[str, str]]] = {("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"),
             ("audio", "src"), ("video", "src"), ("embed", "src"), ("object", "data"),
             ("link", "href")}

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for t, a in self.LOADS:
            if tag == t and attrs.get(a):
                # <link rel="next|prev|index|search|canonical"> are navigation, not loads
                if tag == "link" and not {"stylesheet", "preload", "icon", "modulepreload",
                                          "prefetch", "manifest"} & set(
                        (attrs.get("rel") or "").lower().split()):
                    continue
                self.refs.append((tag, a, attrs[a]))


def _site_pages(html: Path) -> list[Path]:
    skip = {"_static", "_sources", "_downloads", "_images", "vendor"}
    return [p for p in sorted(html.rglob("*.html"))
            if not skip & set(p.relative_to(html).parts)]


def test_build_exits_0_without_warnings(site):
    if site.returncode is None:
        pytest.skip("POOLEDU_BOOK_HTML is set: reusing a site built elsewhere")
    assert site.returncode == 0
    warnings = [ln for ln in site.output.splitlines() if "WARNING" in ln or "ERROR" in ln]
    assert warnings == [], "\n".join(warnings)
    assert (site.html / "index.html").exists()


def test_every_notebook_is_in_the_toc_in_file_name_order():
    assert NOTEBOOK_FILES, f"no notebooks in {BOOK / 'notebooks'}"
    listed = [p.removeprefix("notebooks/") for p in NOTEBOOK_PAGES]
    on_disk = [p.stem for p in NOTEBOOK_FILES]
    assert sorted(set(on_disk) - set(listed)) == [], "notebooks missing from _toc.yml"
    assert listed == sorted(listed), "the TOC must follow the notebooks' file-name order"
    assert build_book.check_toc(BOOK) == []


def test_build_refuses_a_notebook_missing_from_the_toc(tmp_path, capsys):
    book = tmp_path / "book"
    (book / "notebooks").mkdir(parents=True)
    for name in ("00_start_here", "01_what_is_pooling"):
        (book / "notebooks" / f"{name}.ipynb").write_text("{}")
    (book / "intro.md").write_text("# Intro\n")
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: notebooks/00_start_here\n"
        "  - file: notebooks/gone\n")
    assert build_book.main(["--book", str(book)]) == 1
    err = capsys.readouterr().err
    assert "01_what_is_pooling.ipynb is not in _toc.yml" in err
    assert "'notebooks/gone', which does not exist" in err


def test_build_fails_on_a_warning(site, tmp_path, capfd):
    """A page with a broken reference: Sphinx warns, so the build must fail."""
    if not (BOOK / "_offline" / "vendor" / "VERSIONS.json").exists():
        pytest.skip("needs the offline assets in book/_offline: run `make book` once")
    book = tmp_path / "book"
    (book / "notebooks").mkdir(parents=True)
    for shared in ("_config.yml", "_ext", "favicon.svg", "_offline"):
        (book / shared).symlink_to(BOOK / shared)  # _offline: no second fetch
    (book / "notebooks" / "00_only.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# Only"}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    (book / "intro.md").write_text("# Intro\n\nSee {ref}`a-label-that-does-not-exist`.\n")
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: notebooks/00_only\n")
    status = build_book.main(["--book", str(book), "--output", str(tmp_path / "out"), "--quiet"])
    out, err = capfd.readouterr()
    assert status == 1
    assert "a-label-that-does-not-exist" in out + err


def test_every_toc_page_is_built(site):
    for page in toc_pages():
        assert (site.html / f"{page}.html").exists(), page
    assert (site.html / "corrections.html").exists() and (site.html / "glossary.html").exists()


def test_no_page_loads_anything_from_another_host(site):
    offenders = []
    for page in _site_pages(site.html):
        parser = _Refs()
        parser.feed(page.read_text(encoding="utf-8"))
        offenders += [f"{page.relative_to(site.html)}: <{t} {a}={v}>"
                      for t, a, v in parser.refs if EXTERNAL.match(v)]
    for css in site.html.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{css.relative_to(site.html)}: {m}"
                      for m in re.findall(r"(?:url\(|@import)\s*['\"]?(?:https?:)?//[^)'\"]+", text)]
    assert offenders == []


def test_offline_assets_are_in_the_site(site):
    vendor = site.html / "vendor"
    pinned = json.loads((vendor / "VERSIONS.json").read_text())
    assert pinned == build_book.pinned_versions()
    for rel in ("mathjax/tex-mml-chtml.js", "mathjax/output/chtml/fonts/woff-v2",
                "mathjax/input/tex/extensions/ams.js", "requirejs/require.js",
                "widgets-setup.js", "html-manager/embed-amd.js"):
        assert (vendor / rel).exists(), rel
    assert list((vendor / "html-manager").glob("*.woff2")), "the widget icon fonts"
    assert not (BOOK / "_static" / "vendor").exists(), "never under _static (injected everywhere)"


def test_anywidget_front_end_is_served_by_the_site(site):
    """The explorers are anywidgets: the embedder loads `anywidget` through the require.js
    path that widgets-setup.js maps onto the site's copy, never from a CDN."""
    served = site.html / "vendor" / "anywidget" / "index.js"
    assert served.read_bytes() == build_book.anywidget_front_end().read_bytes()
    setup = (site.html / "vendor" / "widgets-setup.js").read_text()
    assert '"anywidget": here + "anywidget/index"' in setup


def test_pages_load_math_and_widgets_from_the_site(site):
    for page in NOTEBOOK_PAGES:
        html = (site.html / f"{page}.html").read_text(encoding="utf-8")
        if 'class="math' in html:
            assert re.search(r'<script[^>]+src="[./]*(_static/\.\./)?vendor/mathjax/', html), page
        if "application/vnd.jupyter.widget-state+json" in html:
            for js in ("vendor/requirejs/require.js", "vendor/widgets-setup.js",
                       "vendor/html-manager/embed-amd.js"):
                assert js in html, f"{page} does not load {js}"


@pytest.mark.parametrize("notebook", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebook_page_shows_stored_outputs_and_state(site, notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    html = (site.html / "notebooks" / f"{notebook.stem}.html").read_text(encoding="utf-8")
    outputs = sum(len(c.get("outputs", [])) for c in nb["cells"] if c["cell_type"] == "code")
    if outputs:
        assert "cell_output" in html, "stored outputs are not shown (execute_notebooks: off)"
    state = nb["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json")
    if state and state.get("state"):
        assert "application/vnd.jupyter.widget-state+json" in html
    # download link for the notebook itself (the page's download button)
    assert (site.html / "_sources" / "notebooks" / notebook.name).exists()
    assert f"_sources/notebooks/{notebook.name}" in html


def _links_extension():
    spec = importlib.util.spec_from_file_location("pooledu_links",
                                                  BOOK / "_ext" / "pooledu_links.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _repository_url() -> str:
    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    return (config.get("repository") or {}).get("url") or ""


LAUNCH_OR_REPOSITORY = re.compile(
    r'href="(https://(mybinder\.org|colab\.research\.google\.com|github\.com|gitlab\.com|'
    r'bitbucket\.org)[^"]*)"')


@pytest.mark.parametrize("notebook", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_launch_buttons_only_for_a_real_repository(site, notebook):
    """While repository.url is a placeholder, no launch button or repository link
    (they would lead nowhere); once it is set, they open this very notebook."""
    html = (site.html / "notebooks" / f"{notebook.stem}.html").read_text(encoding="utf-8")
    url = _repository_url()
    if _links_extension().is_placeholder(url):
        links = [m.group(1) for m in LAUNCH_OR_REPOSITORY.finditer(html)]
        assert links == [], f"repository.url is a placeholder ({url!r}) but the page links {links}"
        return
    rel = f"notebooks/{notebook.name}"
    assert re.search(rf'href="https://mybinder\.org/v2/gh/[^"]+urlpath=lab/tree/{rel}"', html)
    assert re.search(rf'href="https://colab\.research\.google\.com/github/[^"]+/{rel}"', html)
    assert f'href="{url.rstrip("/")}"' in html, "the repository button"


def test_shipped_repository_url_is_real_or_switches_the_links_off():
    """The one setting: a placeholder URL switches every repository and launch link off."""
    links = _links_extension()
    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    url = (config.get("repository") or {}).get("url") or ""
    for placeholder in ("", "https://github.com/pooledu/pooledu",
                        "https://github.com/executablebooks/jupyter-book"):
        assert links.is_placeholder(placeholder), placeholder
    if links.is_placeholder(url):
        # the buttons are not switched on by hand next to a placeholder
        assert not config["html"].get("use_repository_button"), "use_repository_button: true"
    off = {"repository_url": "https://github.com/pooledu/pooledu", "use_repository_button": True,
           "launch_buttons": {"binderhub_url": "https://mybinder.org",
                              "colab_url": "https://colab.research.google.com"}}
    assert links.apply_repository_setting(off) is False
    assert off["use_repository_button"] is False and off["repository_url"] == ""
    assert not any(v for k, v in off["launch_buttons"].items() if k != "notebook_interface")
    on = {"repository_url": "https://github.com/some-school/pooling-course",
          "launch_buttons": dict(config["launch_buttons"])}
    assert links.apply_repository_setting(on) is True
    assert on["use_repository_button"] is True
    assert on["launch_buttons"]["binderhub_url"] and on["launch_buttons"]["colab_url"]


def test_intro_has_course_map_with_download_links(site):
    html = (site.html / "intro.html").read_text(encoding="utf-8")
    for page in NOTEBOOK_PAGES:
        assert f'href="{page}.html"' in html, f"course map misses {page}"
        name = page.removeprefix("notebooks/")
        assert re.search(rf'href="_downloads/[0-9a-f]+/{name}\.ipynb"', html), name
    assert "How to run it locally" in html


def test_corrections_page_links_each_correction_to_its_notebook(site):
    html = (site.html / "corrections.html").read_text(encoding="utf-8")
    boxes = [c for c in re.findall(r'<div class="([^"]*)"', html)
             if {"admonition", "warning"} <= set(c.split())]
    assert len(boxes) >= 7, "one correction box per correction"
    for shown_in in ("02_types_of_pooling", "04_pooling_inside_a_cnn", "05_why_pooling_helps"):
        assert f'href="notebooks/{shown_in}.html' in html, shown_in
    for true_value in ("3.75", "5.25", "8.5"):
        assert true_value in html


SOLUTION_DROPDOWN = re.compile(r"^[`:]{3,}\{dropdown\}\s*Solution", re.MULTILINE)


def test_exercise_solutions_are_collapsed(site):
    """Each worked solution (a ``{dropdown}`` titled "Solution...") is a closed <details>."""
    checked = 0
    for notebook in NOTEBOOK_FILES:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        wanted = sum(len(SOLUTION_DROPDOWN.findall("".join(c["source"])))
                     for c in nb["cells"] if c["cell_type"] == "markdown")
        if not wanted:
            continue
        html = (site.html / "notebooks" / f"{notebook.stem}.html").read_text(encoding="utf-8")
        details = re.findall(r"<details([^>]*)>\s*<summary[^>]*>(.*?)</summary>", html,
                             re.DOTALL)
        solutions = [(attrs, summary) for attrs, summary in details if "Solution" in summary]
        assert len(solutions) >= wanted, f"{notebook.name}: {len(solutions)} of {wanted} folded"
        assert not [a for a, _ in solutions if re.search(r"\bopen\b", a)], \
            f"{notebook.name}: a solution is open on load"
        checked += 1
    if not checked:
        pytest.skip("no notebook has a solution dropdown yet")
