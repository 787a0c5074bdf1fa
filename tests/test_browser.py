"""Real-browser tests: the static book site, and the course live in JupyterLab.

Playwright drives Debian's chromium (/usr/bin/chromium; never a downloaded
browser). Without them these tests skip (enable: `apt-get install chromium`
and `pip install playwright`); under CI=true they fail instead.

Screenshots are saved to tests/artifacts/ (gitignored; POOLEDU_ARTIFACTS
moves them): book/<page>.jpg for every page, lab/<notebook>-*.jpg.

POOLEDU_LIVE_NOTEBOOK picks the notebook the JupyterLab test runs
(default: notebooks/05_why_pooling_helps.ipynb: its ShiftExplorer's range
inputs, drawn by the page, are moved - ipywidgets sliders where a notebook has
them; the explorers drawn by the page are moved live by
test_explorers_lab.py).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from _booksite import ARTIFACTS, CHROMIUM, ROOT, built_site, skip_or_fail, toc_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE_NOTEBOOK = Path(os.environ.get("POOLEDU_LIVE_NOTEBOOK")
                     or ROOT / "notebooks" / "05_why_pooling_helps.ipynb")
# Every page a reader can reach: the TOC, plus Sphinx's own index and search pages.
PAGES = [*toc_pages(), "genindex", "search"]
LOCAL_SCHEMES = ("data:", "blob:", "about:")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps",
                 "--disable-features=Translate,OptimizationHints,MediaRouter"]


# ------------------------------------------------------------------ fixtures ---
@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed: pip install playwright "
                     "(it drives Debian's chromium; no browser download)")
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return built_site(tmp_path_factory)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url(site):
    """The built site over http on 127.0.0.1, from a thread, on a free port."""
    handler = functools.partial(_QuietHandler, directory=str(site.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class PageWatch:
    """Records console errors, page errors, failed and external requests."""

    def __init__(self, context, allowed_prefix: str):
        self.allowed_prefix = allowed_prefix
        self.external: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.allowed_prefix) or url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            self.external.append(url)
            route.abort("blockedbyclient")

    def attach(self, page):
        page.on("console", lambda m: m.type == "error" and self.errors.append(
            f"console: {m.text} @ {m.location.get('url', '')}"))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: r.url not in self.external and self.failed.append(
            f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(
            f"{r.url} (HTTP {r.status})"))
        return page

    def reset(self):
        self.external.clear()
        self.failed.clear()
        self.errors.clear()

    def assert_clean(self):
        assert self.external == [], "requests left the site"
        assert self.failed == [], "failed requests"
        assert self.errors == [], "console errors"


def _screenshot(page, *parts: str) -> Path:
    """Full-page screenshot; JPEG, because PNGs of 10,000-pixel pages are slow to encode."""
    path = ARTIFACTS.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True, type="jpeg", quality=75)
    return path


# JS: wait for MathJax 3 to finish, then report what is (not) typeset.
_MATH_STATE = """async () => {
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) { await mj.startup.promise; }
  const math = Array.from(document.querySelectorAll('.math'));
  const main = document.querySelector('main') || document.body;
  const copy = main.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, textarea').forEach(e => e.remove());
  return {
    math: math.length,
    untypeset: math.filter(e => !e.querySelector('mjx-container'))
                   .map(e => e.textContent.slice(0, 80)),
    containers: document.querySelectorAll('mjx-container').length,
    rawDollars: copy.textContent.includes('$$'),
    hasMathJax: !!(mj && mj.version),
  };
}"""

# JS: saved widget views on the page, and how many were drawn.
# JS: how many widget views are drawn (core widgets, or an explorer drawn by the page).
_DRAWN = """() => Array.from(document.querySelectorAll('.widget-subarea')).filter(s =>
    s.querySelector(':scope > .jupyter-widgets, :scope > .jupyter-widget, .pooledu-x')).length"""

_WIDGET_STATE = """() => { const DRAWN = """ + _DRAWN + """;
  const stateTag = document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
  if (!stateTag) { return {views: 0, drawn: 0, sliders: 0, models: []}; }
  const state = JSON.parse(stateTag.textContent).state || {};
  const views = Array.from(document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]'))
    .map(s => JSON.parse(s.textContent).model_id).filter(id => id in state);
  const sliderModels = Object.values(state).filter(m => /Slider/.test(m.model_name)).length;
  return {
    views: views.length,
    drawn: DRAWN(),
    sliders: sliderModels,
    models: Object.values(state).map(m => m.model_name),
  };
}"""


def _check_page(page, name: str) -> dict:
    """Math typeset, saved widgets drawn (and visible); returns what was seen."""
    math = page.evaluate(_MATH_STATE)
    if math["math"]:
        assert math["hasMathJax"], f"{name}: math on the page but MathJax did not load"
        assert math["untypeset"] == [], f"{name}: math left as raw TeX"
        assert math["containers"] >= 1
    assert not math["rawDollars"], f"{name}: raw $$ in the text"

    widgets = page.evaluate(_WIDGET_STATE)
    if widgets["views"]:
        page.wait_for_function(f"n => ({_DRAWN})() >= n", arg=widgets["views"],
                               timeout=20_000)
        page.locator(".widget-subarea > .jupyter-widgets, .pooledu-x").first.wait_for(
            state="visible", timeout=5_000)
        widgets["drawn"] = page.evaluate(_DRAWN)
        if widgets["sliders"]:
            page.locator(".widget-slider").first.wait_for(state="visible", timeout=5_000)
    return {"math": math, "widgets": widgets}


# -------------------------------------------------------------- static site ---
@pytest.fixture(scope="session")
def static_context(browser, site_url):
    """One context for all pages: its cache makes the shared scripts load once."""
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  service_workers="block")
    watch = PageWatch(context, allowed_prefix=site_url + "/")
    yield context, watch
    context.close()


@pytest.mark.parametrize("name", PAGES)
def test_static_page_loads_clean_and_renders(static_context, site_url, name):
    context, watch = static_context
    watch.reset()
    page = watch.attach(context.new_page())
    try:
        page.goto(f"{site_url}/{name}.html", wait_until="load", timeout=30_000)
        seen = _check_page(page, name)  # waits for MathJax and the widgets
        page.wait_for_timeout(300)  # let late requests and console errors arrive
        _screenshot(page, "book", name.replace("/", "__") + ".jpg")
    finally:
        page.close()
    watch.assert_clean()
    if name.startswith("notebooks/") and seen["widgets"]["views"]:
        assert seen["widgets"]["drawn"] >= seen["widgets"]["views"]


def test_site_has_pages_with_widgets_and_math(browser, site, site_url):
    """The course as a whole shows explorers and typeset math (not one page each)."""
    html = {p: (site.html / f"{p}.html").read_text(encoding="utf-8")
            for p in toc_pages() if p.startswith("notebooks/")}
    assert any("application/vnd.jupyter.widget-state+json" in t for t in html.values()), \
        "no notebook page has saved widget state (execute the notebooks with widget state)"
    assert any('class="math' in t for t in html.values()), "no notebook page has math"


def _first_widget_page(site) -> str:
    for page in toc_pages():
        text = (site.html / f"{page}.html").read_text(encoding="utf-8")
        if "application/vnd.jupyter.widget-state+json" in text and 'class="math' in text:
            return page
    for page in toc_pages():
        if "widget-state+json" in (site.html / f"{page}.html").read_text(encoding="utf-8"):
            return page
    return "corrections"


def test_a_page_works_from_file_url(browser, site):
    """Opened straight from disk (file://), a page still draws its widgets and math."""
    name = _first_widget_page(site)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = PageWatch(context, allowed_prefix="file://")
    page = watch.attach(context.new_page())
    try:
        page.goto((site.html / f"{name}.html").as_uri(), wait_until="load", timeout=30_000)
        page.wait_for_timeout(500)
        _check_page(page, name)
        _screenshot(page, "book", "file-url__" + name.replace("/", "__") + ".jpg")
    finally:
        context.close()
    watch.assert_clean()


QUIZ_PAGE = "notebooks/09_summary_and_quiz"


def test_quiz_reveals_hints_and_correct_without_a_kernel(static_context, site_url):
    """09's multiple-choice quiz (pooledu.quiz) works on the static page: clicking a
    wrong option opens that option's own hint, clicking the right one opens "Correct",
    and nothing leaves the site."""
    from pooledu import quiz

    context, watch = static_context
    watch.reset()
    page = watch.attach(context.new_page())
    expected = quiz.questions()
    try:
        page.goto(f"{site_url}/{QUIZ_PAGE}.html", wait_until="load", timeout=30_000)
        blocks = page.locator(".pooledu-quiz")
        assert blocks.count() == len(expected) >= 12
        for block, question in zip(blocks.all(), expected):
            options = block.locator("details.pooledu-quiz-option")
            assert options.count() == len(question.options)
            for i, option in enumerate(question.options):
                feedback = options.nth(i).locator(".pooledu-quiz-feedback")
                assert not feedback.is_visible(), "feedback shown before a click"
                options.nth(i).locator("summary").click()
                feedback.wait_for(state="visible", timeout=2_000)
                text = " ".join(feedback.inner_text().split())
                verdict = "Correct." if option.correct else "Not this one."
                assert verdict in text and option.feedback in text, (question.number, text)
            if question.number in (5, 12):
                block.scroll_into_view_if_needed()
                path = ARTIFACTS / "book" / f"quiz-Q{question.number}-all-open.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                block.screenshot(path=str(path))
        page.wait_for_timeout(300)
    finally:
        page.close()
    watch.assert_clean()


# ---------------------------------------------------------- live JupyterLab ---
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_lab_settings(settings: Path) -> None:
    """No autosave (never rewrite a notebook), no news or update checks (no internet)."""
    files = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"checkForUpdates": False, "fetchNews": "false"},
    }
    for rel, content in files.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))


@contextlib.contextmanager
def running_lab(tmp_path: Path, root: Path, extra_args: tuple[str, ...] = ()):
    """JupyterLab serving root, with the settings in tmp_path/settings; yields its address.

    The server's config, runtime and workspace folders are under tmp_path too, so
    nothing of the user's own JupyterLab set-up is read or changed.
    """
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), TF_CPP_MIN_LOG_LEVEL="3",
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    log = (tmp_path / "jupyterlab.log").open("w")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip", "127.0.0.1",
           "--port", str(port), "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
           f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
           "--LabApp.news_url=", "--LabApp.extension_manager=readonly",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *extra_args]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI and containers run as root
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n"
                                + (tmp_path / "jupyterlab.log").read_text()[-3000:])
                time.sleep(0.3)
        yield {"base": base, "token": token, "log": tmp_path / "jupyterlab.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on a copy of the notebook's folder (Run All never touches the repo)."""
    if not LIVE_NOTEBOOK.exists():
        skip_or_fail(f"{LIVE_NOTEBOOK} does not exist (set POOLEDU_LIVE_NOTEBOOK)")
    root = tmp_path / "notebooks"
    shutil.copytree(LIVE_NOTEBOOK.parent, root,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_build", "__pycache__"))
    _write_lab_settings(tmp_path / "settings")
    with running_lab(tmp_path, root) as server:
        yield {**server, "name": LIVE_NOTEBOOK.name}


# JS: the notebook's outputs, with every slider (and its readout) taken out, so
# a change means the widget's *output* changed, not just the slider's number.
_OUTPUTS_WITHOUT_SLIDERS = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  const copy = nb.cloneNode(true);
  copy.querySelectorAll('.widget-slider, .px-controls, .jp-InputArea, .jp-InputPrompt, ' +
                        '.jp-OutputPrompt')
      .forEach(e => e.remove());
  return Array.from(copy.querySelectorAll('.jp-OutputArea')).map(e => e.innerHTML).join('\\n');
}"""


def _wait_kernel_idle(page, timeout_ms: int) -> None:
    page.wait_for_selector('.jp-NotebookPanel:not(.lm-mod-hidden) '
                           '.jp-Notebook-ExecutionIndicator[data-status="idle"]',
                           timeout=timeout_ms)


def _wait_one_idle_session(page, lab, timeout_s: float = 120) -> None:
    """Exactly one session whose kernel has stayed idle for a moment.

    JupyterLab's indicator says "idle" before a kernel exists, and it can start
    a second kernel while it opens a notebook and shut the first one down;
    cells queued on the first are then dropped. Waits with page.wait_for_timeout,
    not time.sleep: the route handler only runs while Playwright has control.
    """
    deadline, stable_since = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{lab['base']}/api/sessions?token={lab['token']}",
                                    timeout=5) as resp:
            sessions = json.load(resp)
        idle = len(sessions) == 1 and sessions[0]["kernel"]["execution_state"] == "idle"
        if not idle:
            stable_since = None
        elif stable_since is None:
            stable_since = time.monotonic()
        elif time.monotonic() - stable_since > 1.5:
            return
        page.wait_for_timeout(250)
    pytest.fail(f"the notebook's kernel did not settle to idle: {sessions}")


_ALL_CELLS_RAN = """() => {
  const prompts = Array.from(document.querySelectorAll(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt'));
  const error = document.querySelector(
      '.jp-NotebookPanel:not(.lm-mod-hidden) [data-mime-type="application/vnd.jupyter.error"]');
  return !!error || (prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent)));
}"""


def test_live_notebook_runs_and_slider_changes_output(browser, lab):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    watch = PageWatch(context, allowed_prefix=lab["base"] + "/")
    page = watch.attach(context.new_page())
    stem = Path(lab["name"]).stem
    try:
        page.goto(f"{lab['base']}/lab/tree/{lab['name']}?token={lab['token']}",
                  wait_until="domcontentloaded", timeout=60_000)
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
        _wait_kernel_idle(page, 60_000)
        _wait_one_idle_session(page, lab)
        _wait_kernel_idle(page, 30_000)

        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        # Busy first (or already done), then idle with no cell still waiting.
        page.wait_for_timeout(500)
        _wait_kernel_idle(page, 240_000)
        page.wait_for_function(_ALL_CELLS_RAN, timeout=240_000)

        tracebacks = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) "
                                  "[data-mime-type='application/vnd.jupyter.error']")
        assert tracebacks.count() == 0, tracebacks.first.inner_text()[:2000]

        # ipywidgets sliders, or the range inputs of the explorers drawn by the page
        sliders = page.locator(".jp-OutputArea .widget-slider, "
                               ".jp-OutputArea .pooledu-x input[type=range]")
        sliders.first.wait_for(state="visible", timeout=30_000)
        _screenshot(page, "lab", f"{stem}-after-run-all.jpg")

        changed = False
        for i in range(min(sliders.count(), 6)):
            slider = sliders.nth(i)
            slider.scroll_into_view_if_needed()
            native = slider.evaluate("e => e.tagName") == "INPUT"
            handle = slider if native else slider.locator(".noUi-handle").first
            now, top = (("value", "max") if native else ("aria-valuenow", "aria-valuemax"))
            def value_of(handle=handle, native=native, now=now):
                return handle.input_value() if native else handle.get_attribute(now)

            at_max = value_of() == handle.get_attribute(top)
            before = page.evaluate(_OUTPUTS_WITHOUT_SLIDERS)
            value_before = value_of()
            handle.focus()
            page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
            try:
                page.wait_for_function(
                    f"b => ({_OUTPUTS_WITHOUT_SLIDERS})() !== b", arg=before, timeout=15_000)
                changed = True
            except PlaywrightTimeout:  # this slider's output did not change: try the next
                assert value_of() != value_before, \
                    "ArrowRight did not move the slider"
                continue
            break
        _screenshot(page, "lab", f"{stem}-after-slider.jpg")
        assert changed, "moving a slider changed none of the notebook's outputs"
    except BaseException:  # pytest.fail raises a BaseException
        _screenshot(page, "lab", f"{stem}-failure.jpg")
        print("browser console errors:", *watch.errors, sep="\n  ")
        print("JupyterLab log (tail):\n" + lab["log"].read_text()[-4000:])
        raise
    finally:
        context.close()
    # With news and update checks off, JupyterLab itself needs nothing from the internet.
    assert watch.external == [], "JupyterLab made requests outside the machine"
