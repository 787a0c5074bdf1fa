"""Shared by test_book.py and test_browser.py: one book build per test session.

Environment variables:

POOLEDU_BOOK_HTML
    Path to an already built site (``.../_build/html``): the tests use it
    instead of building the book (the build-output test is then skipped).
POOLEDU_BOOK_DIR
    The book folder to build (default: ``book/``). Lets the tests run against
    a scratch book whose ``notebooks`` link points elsewhere.
POOLEDU_ARTIFACTS
    Where screenshots go (default: ``tests/artifacts/``, gitignored).
CI
    When true, a missing browser, playwright or npm fails the tests instead
    of skipping them.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK = Path(os.environ.get("POOLEDU_BOOK_DIR") or ROOT / "book").resolve()
ARTIFACTS = Path(os.environ.get("POOLEDU_ARTIFACTS") or ROOT / "tests" / "artifacts")
BUILD_SCRIPT = ROOT / "tools" / "build_book.py"
CHROMIUM = os.environ.get("POOLEDU_CHROMIUM", "/usr/bin/chromium")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip with a reason on a developer's machine; fail under CI=true."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: this must not be skipped)", pytrace=False)
    pytest.skip(reason)


def load_build_module():
    """tools/build_book.py as a module (its TOC check is reused by the tests)."""
    spec = importlib.util.spec_from_file_location("build_book", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def toc_pages(book: Path = BOOK) -> list[str]:
    """Document names in TOC order (root first), e.g. 'notebooks/01_what_is_pooling'."""
    toc = yaml.safe_load((book / "_toc.yml").read_text(encoding="utf-8"))
    return [str(Path(f).with_suffix("")) for f in load_build_module().toc_files(toc)]


@dataclass
class BuiltSite:
    html: Path
    returncode: int | None  # None: reused a site built elsewhere
    output: str
    seconds: float


@functools.lru_cache(maxsize=1)
def _build(out_dir: str) -> BuiltSite:
    reuse = os.environ.get("POOLEDU_BOOK_HTML")
    if reuse:
        html = Path(reuse).resolve()
        if not (html / "index.html").exists():
            pytest.fail(f"POOLEDU_BOOK_HTML={reuse} has no index.html", pytrace=False)
        return BuiltSite(html, None, "", 0.0)
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--book", str(BOOK), "--output", out_dir, "--quiet"],
        check=False, capture_output=True, text=True, cwd=ROOT,
        env=dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning"),
    )
    return BuiltSite(Path(out_dir) / "_build" / "html", proc.returncode,
                     proc.stdout + proc.stderr, time.monotonic() - start)


def built_site(tmp_path_factory) -> BuiltSite:
    """Build the book once per session into a temporary folder (or reuse one)."""
    if not os.environ.get("POOLEDU_BOOK_HTML"):
        if importlib.util.find_spec("jupyter_book") is None:
            skip_or_fail("jupyter-book is not installed: pip install 'pooledu[book]'")
        vendor_ok = (BOOK / "_offline" / "vendor" / "VERSIONS.json").exists()
        if not vendor_ok and not _which("npm"):
            skip_or_fail("npm is needed once to fetch the offline assets: apt-get install npm")
    key = getattr(built_site, "_dir", None)
    if key is None:
        key = built_site._dir = str(tmp_path_factory.mktemp("book-site"))
    site = _build(key)
    if site.returncode not in (None, 0):
        pytest.fail(f"the book build failed (exit {site.returncode}):\n{site.output[-6000:]}",
                    pytrace=False)
    return site


def _which(name: str) -> bool:
    from shutil import which

    return which(name) is not None
