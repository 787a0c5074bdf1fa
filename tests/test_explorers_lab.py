"""The explorers in a live JupyterLab: every control moved, numbers from pooledu.

JupyterLab runs notebook 01 (a WindowStepper and a PoolingExplorer), and
notebook 06 (a ShiftExplorer), 07 (the ResultsExplorer) and 08 (a PoolingZoo), on a
copy of the notebooks; after Run All every
control of every explorer is moved in Chromium, and after each move the test waits until the page has drawn the
numbers the kernel's pooledu sent for that setting, then checks them against
pooledu (test_explorers_browser.check / check_shift). No request leaves the machine and no
cell shows a traceback. Screenshots: tests/artifacts/explorers/lab-<n>.png.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from _booksite import ARTIFACTS, CHROMIUM, ROOT, skip_or_fail
from test_browser import _ALL_CELLS_RAN, _wait_kernel_idle, _wait_one_idle_session
from test_explorers_browser import (
    CHROMIUM_ARGS,
    RESULTS,
    SHIFT,
    WINDOW,
    ZOO,
    check_shift,
    check_zoo,
    move_every_control,
    move_results_controls,
    move_shift_controls,
    move_zoo_controls,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = ROOT / "notebooks" / "01_what_is_pooling.ipynb"
SHIFT_NOTEBOOK = "06_what_pooling_costs.ipynb"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    root = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK.parent, root,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_build", "__pycache__"))
    settings = tmp_path / "settings"
    for rel, content in {
            "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
            "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                {"checkForUpdates": False, "fetchNews": "false"},
            # every cell in the page (no virtualisation), so every explorer is drawn
            "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
                {"windowingMode": "none"}}.items():
        (settings / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings / rel).write_text(json.dumps(content))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), TF_CPP_MIN_LOG_LEVEL="3",
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip", "127.0.0.1",
           "--port", str(port), "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           f"--LabApp.user_settings_dir={settings}",
           f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}", "--LabApp.news_url=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (tmp_path / "lab.log").open("w")
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
                                + (tmp_path / "lab.log").read_text()[-3000:])
                time.sleep(0.3)
        yield {"base": base, "token": token, "log": tmp_path / "lab.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def test_every_control_of_the_explorers_in_live_jupyterlab(lab):
    # the WindowStepper, the PoolingExplorer and the PyTorch-padding explorer of section 5
    _run_and_move(lab, NOTEBOOK.name, WINDOW, 3, move_every_control, "lab")


def test_shift_explorer_in_live_jupyterlab(lab):
    """Notebook 06's ShiftExplorer: every control moved with a kernel behind it; the
    page shows pooledu's precomputed numbers and pictures for each setting."""
    _run_and_move(lab, SHIFT_NOTEBOOK, SHIFT, 1, lambda root, live: move_shift_controls(root),
                  "lab-shift")


def test_pooling_zoo_in_live_jupyterlab(lab):
    """Notebook 08's PoolingZoo: every control moved with a kernel behind it."""
    _run_and_move(lab, "08_alternatives.ipynb", ZOO, 1,
                  lambda root, live: move_zoo_controls(root), "lab-zoo")


def test_results_explorer_in_live_jupyterlab(lab):
    """Notebook 07's ResultsExplorer (the stored run; FULL_RUN is False): the shift
    moved through every value by keyboard with a kernel behind it."""
    _run_and_move(lab, "07_experiment.ipynb", RESULTS, 1,
                  lambda root, live: move_results_controls(root), "lab-results")


@contextlib.contextmanager
def _notebook_ran(lab, notebook, failure_label):
    """Open ``notebook`` in JupyterLab (Chromium), run all its cells, yield the page.

    On failure: a screenshot ``<failure_label>-failure.png`` and the Lab log's tail.
    Afterwards: no request left the machine and the page raised no error."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed: pip install playwright")
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"chromium not found at {CHROMIUM}: apt-get install chromium")
    external, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
            (lab["base"], "data:", "blob:")) else (external.append(r.request.url), r.abort()))
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto(f"{lab['base']}/lab/tree/{notebook}?reset&token={lab['token']}",
                      wait_until="domcontentloaded", timeout=60_000)
            page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
            _wait_kernel_idle(page, 60_000)
            _wait_one_idle_session(page, lab)   # JupyterLab may restart the first kernel
            _wait_kernel_idle(page, 30_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            page.wait_for_timeout(500)
            _wait_kernel_idle(page, 240_000)
            page.wait_for_function(_ALL_CELLS_RAN, timeout=240_000)
            yield page
        except BaseException:
            path = ARTIFACTS / "explorers" / f"{failure_label}-failure.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path))
            print("JupyterLab log (tail):\n" + lab["log"].read_text()[-3000:])
            raise
        finally:
            browser.close()
    assert external == [], "requests left the machine"
    assert errors == [], "page errors"


def _run_and_move(lab, notebook, selector, count, move, label):
    with _notebook_ran(lab, notebook, label) as page:
        roots = page.locator(f".jp-OutputArea {selector}")
        roots.first.wait_for(state="visible", timeout=60_000)
        errors_in_cells = page.locator("[data-mime-type='application/vnd.jupyter.error']")
        assert errors_in_cells.count() == 0, errors_in_cells.first.inner_text()[:2000]
        assert roots.count() == count, f"{notebook} has {count} such explorer(s)"
        checks = 0
        for i in range(roots.count()):
            root = roots.nth(i)
            root.scroll_into_view_if_needed()
            checks += move(root, live=True)
            path = ARTIFACTS / "explorers" / f"{label}-{i}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            root.screenshot(path=str(path))
        assert checks >= 20 * count


# ------------------------------------------------------------ use your own image ---
def _test_png() -> bytes:
    """A generated 150 x 100 RGB picture (a gradient with a bright disc), as PNG bytes."""
    import io

    import numpy as np
    from PIL import Image

    yy, xx = np.mgrid[0:100, 0:150]
    rgb = np.stack([xx * 255 / 149, yy * 255 / 99, np.full_like(xx, 60.0)], axis=-1)
    rgb[(yy - 50) ** 2 + (xx - 90) ** 2 < 25 ** 2] = 250
    buffer = io.BytesIO()
    Image.fromarray(rgb.astype(np.uint8)).save(buffer, format="png")
    return buffer.getvalue()


def _check_uploaded_zoo(root, x):
    """The zoo shows pooledu's pictures and texts for the decoded image ``x``."""
    from test_explorers_browser import _ZOO_VIEW, zoo_png, zoo_shown

    from pooledu import widgets

    view = root.evaluate(_ZOO_VIEW)
    zoo = widgets.PoolingZoo(x)
    zoo.update(**view["params"])
    assert view["ok"] and view["text"] == zoo.state["text"], view["params"]
    assert view["captions"][0] == f"input {x.shape[0]} x {x.shape[1]}"
    assert view["pictures"][0] == zoo_png(zoo_shown(x, "", x))
    for side, picture in zip(("left", "right"), view["pictures"][1:]):
        shown = zoo_shown(zoo.state["outputs"][side], view["params"][side], x)
        assert picture == zoo_png(shown), side
    return 3


def _check_uploaded_shift(root, x):
    """The shift explorer carries the decoded image and shows pooledu's numbers for it."""
    from test_explorers_browser import _SHIFT_VIEW, check_shift

    from pooledu.widgets._window import decode_array

    source = root.evaluate(_SHIFT_VIEW)["model"]["source"]
    np.testing.assert_array_equal(decode_array(source), x)
    assert check_shift(root)["ok"]
    return 1


def _eventually(check, timeout=20.0):
    """``check()`` once it stops failing (the page redraws after the kernel answers)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            assert check()
            return 1
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)


@pytest.mark.parametrize("notebook, selector, size, check_uploaded, check_builtin", [
    ("08_alternatives.ipynb", ZOO, 128, _check_uploaded_zoo, check_zoo),
    (SHIFT_NOTEBOOK, SHIFT, 64, _check_uploaded_shift, check_shift),
])
def test_use_your_own_image_in_live_jupyterlab(lab, notebook, selector, size, check_uploaded,
                                               check_builtin):
    """The file control appears once the kernel answers; a PNG set on it is decoded by
    pooledu (the page then shows pooledu's numbers on that image); a file that is not a
    picture gives a sentence, not a traceback; "built-in" goes back."""
    from pooledu.widgets._upload import MAX_BYTES, to_image

    png = _test_png()
    x = to_image(png, size=size)
    name = notebook.split("_")[0]

    def after_run(page):
        bar = page.locator(".jp-OutputArea .pooledu-upload").first
        control = bar.get_by_label("Use your own image")
        control.wait_for(state="visible", timeout=30_000)
        root = page.locator(f".jp-OutputArea {selector}").first
        root.scroll_into_view_if_needed()
        shots = ARTIFACTS / "explorers"
        shots.mkdir(parents=True, exist_ok=True)
        bar.locator("xpath=..").screenshot(path=str(shots / f"lab-upload-{name}-before.png"))
        drawn = root.evaluate("e => e.pooleduView.drawCount")
        control.set_input_files(files=[{"name": "mine.png", "mimeType": "image/png",
                                        "buffer": png}])
        status = bar.get_by_role("status")
        status.filter(has_text="Showing your image").wait_for(timeout=60_000)
        assert "mine.png" in status.inner_text()
        root = page.locator(f".jp-OutputArea {selector}").first   # drawn again
        assert drawn >= 1
        checks = _eventually(lambda: check_uploaded(root, x))
        bar.locator("xpath=..").screenshot(path=str(shots / f"lab-upload-{name}-after.png"))
        pick = bar.get_by_label("image", exact=True)
        assert pick.input_value() == "uploaded"
        # a file that is not a picture: a sentence in the explorer, the picture stays
        control.set_input_files(files=[{"name": "notes.png", "mimeType": "image/png",
                                        "buffer": b"these are notes, not a picture"}])
        status.filter(has_text="not a picture").wait_for(timeout=30_000)
        assert "Traceback" not in bar.inner_text() + root.inner_text()
        checks += check_uploaded(root, x)
        # the control is usable again and empty: choosing the same file again works
        assert control.input_value() == "" and control.is_enabled()
        assert bar.get_attribute("aria-busy") is None
        # a file over the limit (the model's upload_max_bytes) never leaves the page
        control.set_input_files(files=[{"name": "huge.png", "mimeType": "image/png",
                                        "buffer": bytes(MAX_BYTES + 1)}])
        status.filter(has_text="too large").wait_for(timeout=10_000)
        assert "too large (8.1 MB). Choose a picture under 8 MB." in status.inner_text()
        assert control.input_value() == ""
        bar.locator("xpath=..").screenshot(path=str(shots / f"lab-upload-{name}-error.png"))
        checks += check_uploaded(root, x)
        # back to the built-in image (a labelled select, keyboard-operable)
        pick.focus()
        pick.select_option("built-in")
        checks += _eventually(lambda: check_builtin(
            page.locator(f".jp-OutputArea {selector}").first)["ok"])
        assert bar.get_by_label("image", exact=True).input_value() == "built-in"
        return checks

    _run_and_upload(lab, notebook, after_run)


def _run_and_upload(lab, notebook, after_run):
    with _notebook_ran(lab, notebook, f"lab-upload-{notebook[:2]}") as page:
        assert after_run(page) >= 2
