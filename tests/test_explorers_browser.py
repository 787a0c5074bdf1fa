"""The explorers on the built book site: every control moved, in Chromium, offline.

No kernel runs behind the static site, so what the explorers show after a
control moves is computed by the page (pooledu/widgets/pool.js), or picked by it
from the states pooledu precomputed (shift, zoo and notebook 07's results
explorer: bars, values, 95% whiskers and sentence at every shift). Each move is
checked against pooledu: the pooled output (bit for bit, lp to rounding), the
output shape, the formula, the window arithmetic or the gradient summary, the
"does not fit" message. The pages make no request outside the site and log no
console error, and axe-core finds no serious or critical accessibility issue on
any page of the book.

Screenshots: tests/artifacts/explorers/<page>-<n>.png.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from _booksite import ARTIFACTS, CHROMIUM, built_site, skip_or_fail, toc_pages

from pooledu import data, widgets
from pooledu.widgets._window import decode_array
from pooledu.widgets.pooling_zoo import _png as zoo_png
from pooledu.widgets.pooling_zoo import _shown as zoo_shown
from pooledu.widgets.shift_explorer import _png

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOCAL_SCHEMES = ("data:", "blob:", "about:")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PAGES = [*toc_pages(), "genindex", "search"]
NOTEBOOK_PAGES = [p for p in toc_pages() if p.startswith("notebooks/")]
#: the window explorers (the ShiftExplorer's root is .pooledu-x.pooledu-shift)
WINDOW = ".pooledu-x:not(.pooledu-shift):not(.pooledu-zoo):not(.pooledu-results)"
SHIFT = ".pooledu-x.pooledu-shift"
ZOO = ".pooledu-x.pooledu-zoo"
#: notebook 07's ResultsExplorer
RESULTS = ".pooledu-x.pooledu-results"
CLASSES = {"explorer": widgets.PoolingExplorer, "stepper": widgets.WindowStepper,
           "gradient": widgets.GradientExplorer}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return built_site(tmp_path_factory)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_url(site):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site.html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def context(site_url):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed: pip install playwright")
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900},
                                  service_workers="block")
        ctx.external = []

        def route(r):
            url = r.request.url
            if url.startswith(site_url + "/") or url.startswith(LOCAL_SCHEMES):
                r.continue_()
            else:
                ctx.external.append(url)
                r.abort("blockedbyclient")

        ctx.route("**/*", route)
        yield ctx
        browser.close()


def open_page(context, site_url, name):
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(f"{site_url}/{name}.html", wait_until="load", timeout=30_000)
    return page


# ------------------------------------------------------------ checking a view ---
_VIEW = """e => { const v = e.pooleduView;
  return {ok: v.ok, output: v.output ? Array.from(v.output) : null, shape: v.shape, text: v.text, params: v.params,
          x: v.x, source: v.source, drawCount: v.drawCount, hover: v.hover, dx: v.dx || null,
          message: e.querySelector('.px-message').textContent,
          formula: Array.from(e.querySelectorAll('.px-formula > div')).map(d => d.textContent)};
}"""


def pooledu_state(view):
    """What pooledu computes for the setting the page shows."""
    x = view["x"]
    array = np.asarray(x["data"], dtype=np.float32 if x["float32"] else np.float64)
    p = view["params"]
    explorer = CLASSES[p["kind"]](array.reshape(x["shape"]))
    params = {"mode": p["mode"], "pool_size": p["k"], "strides": p["s"],
              "padding": p["padding"], "step": p["step"]}
    if p["kind"] == "gradient":
        params["all_cells"] = p["allCells"]
    else:   # PyTorch's options (the gradient explorer has none)
        params.update(dilation=p["d"], ceil_mode=p["ceil"], count_include_pad=p["cip"])
    explorer.update(**params)
    if view["hover"] is not None and explorer.state["ok"]:
        explorer.update(step=view["hover"])
    return explorer.state


_FROM_POOLEDU = """e => { const v = e.pooleduView;
  return v.ok === false || v.source === 'pooledu'; }"""


def check(root, sources=None, live=False):
    """The numbers and texts the page shows equal pooledu's for its current setting.

    ``live``: a kernel runs (JupyterLab): first wait until the page has drawn the
    numbers pooledu sent for this setting.
    """
    if live:
        # the kernel answers every change in order; let the last answer arrive
        root.page.wait_for_timeout(250)
        root.page.wait_for_function(_FROM_POOLEDU, arg=root.element_handle(), timeout=15_000)
    view = root.evaluate(_VIEW)
    if sources is not None:
        sources.add(view["source"])
    want = pooledu_state(view)
    where = f"{view['params']} (page: {view['text'] or view['message']})"
    assert view["ok"] == want["ok"], where
    if not want["ok"]:
        assert view["message"] == want["message"], where
        return view
    out = np.asarray(view["output"]).reshape(want["output"].shape)
    if view["params"]["mode"] == "lp":
        np.testing.assert_allclose(out, want["output"], rtol=4e-7, err_msg=where)
    else:
        assert np.array_equal(out, want["output"].astype(np.float64)), where
    assert view["formula"] == want["formula"], where
    assert view["message"] == want["message"], where
    if view["params"]["kind"] == "gradient":
        assert view["text"] == want["summary"], where
        np.testing.assert_allclose(np.reshape(view["dx"], want["dx"].shape), want["dx"],
                                   rtol=1e-6, err_msg=where)
    elif "arithmetic" in want:
        assert view["text"].startswith(want["arithmetic"]), where
    return view


def drawn_after(root, before):
    root.page.wait_for_function("([e, n]) => e.pooleduView.drawCount > n",
                                arg=[root.element_handle(), before], timeout=5_000)


def move_every_control(root, live=False) -> int:
    """Move each control of one explorer through its values; check after each move."""
    checks = 0
    page = root.page
    def control(name):
        return root.locator(f"[id$='-{name}']")

    mode, padding = control("mode"), control("padding")
    initial = root.evaluate(_VIEW)["params"]
    sources = set()
    for option in mode.locator("option").all_text_contents():
        mode.select_option(option)
        check(root, sources, live)
        checks += 1
    mode.select_option(initial["mode"])
    # every padding: "valid", "same" and PyTorch's 0, 1, ... (over k // 2: the message)
    for option in padding.locator("option").evaluate_all("os => os.map(o => o.value)"):
        padding.select_option(option)
        check(root, None, live)
        checks += 1
    padding.select_option(str(initial["padding"]))
    for name in ("k", "s"):                    # pool size, stride: by keyboard
        checks += _slide(control(name), root, live)
    if control("dilation").count():            # PyTorch's options
        checks += _move_pytorch_options(root, control, initial, live)
    buttons = root.locator("button")
    previous, play, following = buttons.nth(0), buttons.nth(1), buttons.nth(2)
    n_steps = int(control("step").get_attribute("max")) + 1
    for button in [following] * min(n_steps, 5) + [previous] * 2:
        button.press("Enter")                   # keyboard, not only the mouse
        check(root, None, live)
        checks += 1
    step = control("step")
    step.focus()
    page.keyboard.press("Home")
    first = check(root, None, live)["params"]["step"]
    page.keyboard.press("ArrowRight")
    moved = check(root, None, live)["params"]["step"]
    assert (first, moved) == (0, min(1, n_steps - 1)), step.evaluate(
        "e => [e.value, document.activeElement === e, e.max]")
    checks += 1
    checkbox = control("all")
    if checkbox.count():
        for _ in range(2):
            checkbox.press("Space")
            check(root, None, live)
            checks += 1
    if play.is_visible() and n_steps > 1:
        page.keyboard.press("Home")
        before = root.evaluate("e => e.pooleduView.params.step")
        play.click()
        page.wait_for_function("([e, s]) => e.pooleduView.params.step > s",
                               arg=[root.element_handle(), before], timeout=5_000)
        play.click()                            # pause
        assert play.get_attribute("aria-pressed") == "false"
        check(root, None, live)
        checks += 1
    cells = root.locator("svg .px-pick")
    if cells.count() > 1:
        cells.last.scroll_into_view_if_needed()
        cells.last.click()
        view = check(root, None, live)
        assert view["params"]["step"] == cells.count() - 1
        checks += 1
        if view["params"]["kind"] != "gradient":
            cells.first.hover()
            assert check(root, None, live)["hover"] == 0
            checks += 1
    # no kernel: after a move the page computes; back on the saved setting it shows
    # the numbers pooledu saved
    assert sources == ({"pooledu"} if live else {"page", "pooledu"}) or \
        (not live and sources == {"page"}), sources
    return checks


def _slide(handle, root, live) -> int:
    """Move a range by keyboard to its top, its bottom and back; check after each key."""
    checks = 0
    handle.focus()
    top, low = int(handle.get_attribute("max")), int(handle.get_attribute("min"))
    start = int(handle.input_value())
    for key, moves in (("ArrowRight", top - start), ("ArrowLeft", top - low),
                       ("ArrowRight", start - low)):
        for _ in range(moves):
            root.page.keyboard.press(key)
            check(root, None, live)
            checks += 1
    assert int(handle.input_value()) == start
    return checks


def _move_pytorch_options(root, control, initial, live) -> int:
    """Padding 1 with dilation, ceil_mode and count_include_pad, by keyboard; also the
    combinations pooledu refuses (ceil_mode with 'valid', dilation with 'same')."""
    checks = 0
    padding, mode = control("padding"), control("mode")
    ceil, cip, dilation = control("ceil"), control("cip"), control("dilation")
    for value in ("1", "valid", "same"):
        padding.select_option(value)
        checks += _slide(dilation, root, live)
        ceil.press("Space")                     # on: refused with a string padding
        check(root, None, live)
        dilation.focus()
        root.page.keyboard.press("ArrowRight")  # dilation 2 with ceil mode
        check(root, None, live)
        root.page.keyboard.press("ArrowLeft")
        ceil.press("Space")
        check(root, None, live)
        checks += 3
    padding.select_option("1")
    mode.select_option("avg")
    assert not cip.is_disabled()
    for _ in range(2):                          # count_include_pad on, off
        cip.press("Space")
        view = check(root, None, live)
        checks += 1
    assert view["params"]["cip"] == initial["cip"]
    mode.select_option("max")
    assert cip.is_disabled()                    # AvgPool2d's option only
    padding.select_option(str(initial["padding"]))
    mode.select_option(initial["mode"])
    assert root.evaluate(_VIEW)["params"] == initial
    return checks


# ------------------------------------------------------- the shift explorer ---
_SHIFT_VIEW = """e => { const v = e.pooleduView;
  return {ok: v.ok, params: v.params, labels: v.labels || null, values: v.values || null,
          text: e.querySelector('.px-text').innerHTML,
          message: e.querySelector('.px-message').textContent,
          pictures: Array.from(e.querySelectorAll('.px-shift-figure img')).map(i => i.src),
          captions: Array.from(e.querySelectorAll('.px-shift-figure figcaption'))
                      .map(c => c.textContent),
          legend: Array.from(e.querySelectorAll('.px-shift-figure svg text.px-tick'))
                      .map(t => t.textContent),
          line: (e.querySelector('.px-shift-line') || {getAttribute: () => null})
                      .getAttribute('x1'),
          current: Array.from(e.querySelectorAll('.px-current')).length,
          drawCount: v.drawCount, model: v.model};
}"""


@functools.lru_cache(maxsize=8)
def _shift_explorer(source, max_shift, methods):
    """pooledu's ShiftExplorer for a page's settings (built once: it precomputes)."""
    x = None
    if source is not None:
        encoded = json.loads(source)
        x = decode_array(encoded).astype(np.float32 if encoded["float32"] else np.float64)
    return widgets.ShiftExplorer(x, max_shift=max_shift, methods=methods)


def check_shift(root):
    """What the shift explorer shows equals pooledu's numbers and pictures for its setting."""
    view = root.evaluate(_SHIFT_VIEW)
    model = view["model"]
    explorer = _shift_explorer(json.dumps(model["source"]) if model["source"] else None,
                               model["max_shift"], tuple(model["methods"]))
    p = dict(view["params"])
    if not model["source"]:
        explorer.update(pattern=p["pattern"])
    p.pop("pattern")
    explorer.update(**p)
    want = explorer.state
    where = f"{view['params']}"
    assert view["ok"] == want["ok"], where
    if not want["ok"]:
        assert view["message"] == want["message"], where
        return view
    assert view["values"] == want["similarity"], where          # exact floats
    assert view["labels"] == want["labels"], where
    assert view["text"] == want["text"], where
    assert view["captions"] == [f"input, shift {p['shift']}"] + [
        f"{m}: {label}" for m, label in want["labels"].items()], where
    # the pictures shown are pooledu's shifted input and pooled outputs
    x = explorer._image(explorer.pattern)
    lo, hi = float(np.min(x)), float(np.max(x))
    cmap = "gray" if max(x.shape) > 16 else "cividis"
    dy, dx = {"right": (0, 1), "down": (1, 0), "diagonal": (1, 1)}[p["direction"]]
    moved = data.shift_image(x, (dy * p["shift"], dx * p["shift"]))
    assert view["pictures"][0] == _png(moved, lo, hi, cmap), where
    for m, picture in zip(explorer.methods, view["pictures"][1:]):
        assert picture == _png(want["outputs"][m], lo, hi, cmap), (where, m)
    # the curve moves with the shift: its marker line and highlighted points
    legend = [f"{m} {label}" for m, label in want["labels"].items()]
    assert view["legend"][-len(legend):] == legend, where
    assert view["current"] == len(explorer.methods), where
    assert float(view["line"]) == pytest.approx(52 + p["shift"] / model["max_shift"] * 256)
    return view


def move_shift_controls(root) -> int:
    """Every control of a shift explorer moved (keyboard / options); checked after each."""
    checks, page = 0, root.page
    check_shift(root)
    ranges, selects = root.locator("input[type=range]"), root.locator("select")
    initial = root.evaluate(_SHIFT_VIEW)["params"]
    for i in range(selects.count()):
        sel = selects.nth(i)
        start = sel.input_value()
        for option in sel.locator("option").all_text_contents() + [start]:
            sel.select_option(option)
            check_shift(root)
            checks += 1
    for i in range(ranges.count()):             # shift, pool size: by keyboard
        handle = ranges.nth(i)
        handle.focus()
        top, low = int(handle.get_attribute("max")), int(handle.get_attribute("min"))
        start = int(handle.input_value())
        for key, moves in (("ArrowRight", top - start), ("ArrowLeft", top - low),
                           ("ArrowRight", start - low)):
            for _ in range(moves):
                page.keyboard.press(key)
                check_shift(root)
                checks += 1
        assert int(handle.input_value()) == start
    # click the curve near its right end: the shift (and the pictures) follow
    svg = root.locator(".px-shift-figure svg")
    box = svg.bounding_box()
    svg.click(position={"x": box["width"] * 0.95, "y": box["height"] / 2})
    assert check_shift(root)["params"]["shift"] == root.evaluate(_SHIFT_VIEW)["model"][
        "max_shift"]
    checks += 1
    root.locator("input[type=range]").first.focus()
    page.keyboard.press("Home")
    assert root.evaluate(_SHIFT_VIEW)["params"]["shift"] == 0
    shift_back = initial["shift"]
    for _ in range(shift_back):
        page.keyboard.press("ArrowRight")
    assert root.evaluate(_SHIFT_VIEW)["params"] == initial
    return checks


# ------------------------------------------------------------- the pooling zoo ---
_ZOO_VIEW = """e => { const v = e.pooleduView;
  return {ok: v.ok, params: v.params, message: e.querySelector('.px-message').textContent,
          text: e.querySelector('.px-text').innerHTML,
          pictures: Array.from(e.querySelectorAll('.px-zoo-figure img')).map(i => i.src),
          captions: Array.from(e.querySelectorAll('.px-zoo-figure figcaption'))
                      .map(c => c.textContent)};
}"""


@functools.lru_cache(maxsize=2)
def _zoo():
    """pooledu's PoolingZoo on its default photo (what notebooks 03 and 08 show)."""
    return widgets.PoolingZoo()


def check_zoo(root):
    """The zoo shows pooledu's outputs (pictures), shapes and value ranges for its setting."""
    view = root.evaluate(_ZOO_VIEW)
    zoo = _zoo()
    zoo.update(**view["params"])
    want, where = zoo.state, f"{view['params']}"
    assert view["ok"] == want["ok"], where
    if not want["ok"]:
        assert view["message"] == want["message"], where
        return view
    assert view["text"] == want["text"], where
    p = view["params"]
    assert view["captions"] == [f"input {' x '.join(map(str, zoo.x.shape))}",
                                f"{p['left']}: {' x '.join(map(str, want['shapes']['left']))}",
                                f"{p['right']}: {' x '.join(map(str, want['shapes']['right']))}"]
    for side, picture in zip(("left", "right"), view["pictures"][1:]):
        name = p[side]
        assert picture == zoo_png(zoo_shown(want["outputs"][side], name, zoo.x)), (where, side)
    return view


def move_zoo_controls(root) -> int:
    checks, page = 0, root.page
    check_zoo(root)
    initial = root.evaluate(_ZOO_VIEW)["params"]
    selects = root.locator("select")
    for i in range(selects.count()):
        sel = selects.nth(i)
        start = sel.input_value()
        for option in sel.locator("option").all_text_contents() + [start]:
            sel.select_option(option)
            check_zoo(root)
            checks += 1
    handle = root.locator("input[type=range]").first
    handle.focus()
    top, start = int(handle.get_attribute("max")), int(handle.input_value())
    for key, moves in (("ArrowRight", top - start), ("ArrowLeft", top - 1),
                       ("ArrowRight", start - 1)):
        for _ in range(moves):
            page.keyboard.press(key)
            check_zoo(root)
            checks += 1
    assert root.evaluate(_ZOO_VIEW)["params"] == initial
    return checks


# ------------------------------------------------- notebook 07's results explorer ---
_RESULTS_VIEW = """e => { const v = e.pooleduView;
  return {ok: v.ok, params: v.params, values: v.values || null, labels: v.labels || null,
          best: v.best || null, scale: v.scale || null, drawCount: v.drawCount,
          text: e.querySelector('.px-text').innerHTML,
          readout: e.querySelector('output').textContent,
          title: (e.querySelector('svg .px-title') || {}).textContent || null,
          bars: Array.from(e.querySelectorAll('rect.px-bar')).map(
            r => [r.dataset.variant, Number(r.getAttribute('width')), r.getAttribute('fill')]),
          shown: Array.from(e.querySelectorAll('text.px-value')).map(t => t.textContent),
          whiskers: Array.from(e.querySelectorAll('g.px-row')).map(g => {
            const w = g.querySelector('path.px-whisker');
            return w ? w.getAttribute('d') : null; })};
}"""


@functools.lru_cache(maxsize=1)
def _results_explorer():
    """pooledu's ResultsExplorer on the stored run (what notebook 07 shows)."""
    from pooledu import experiment

    return experiment.ResultsExplorer(experiment.summarize(experiment.load_results()))


def check_results(root):
    """The bars, values, whiskers and sentence equal pooledu's numbers at the page's shift."""
    from pooledu.viz import HIGHLIGHT, LINE_COLORS

    view = root.evaluate(_RESULTS_VIEW)
    explorer = _results_explorer()
    explorer.update(**view["params"])
    want, where = explorer.state, f"{view['params']}"
    assert view["ok"] and want["ok"], where
    assert view["values"] == want["accuracy"], where          # exact floats
    assert view["labels"] == want["labels"] and view["best"] == want["best"], where
    assert view["text"] == want["text"], where
    assert view["title"] == want["title"], where
    assert view["readout"] == str(want["shift"]), where
    assert view["shown"] == list(want["labels"].values()), where
    x0, width = view["scale"]["x0"], view["scale"]["width"]
    assert [b[0] for b in view["bars"]] == list(want["accuracy"]), where
    for variant, drawn, fill in view["bars"]:
        assert drawn == pytest.approx(want["accuracy"][variant] * width, abs=1e-9), where
        assert fill == (HIGHLIGHT if variant == want["best"] else LINE_COLORS[0]), where
    for variant, d in zip(want["accuracy"], view["whiskers"]):
        half = want["interval"][variant]
        if half is None:
            assert d is None, where
            continue
        lo, hi = (x0 + min(max(want["accuracy"][variant] + sign * half, 0), 1) * width
                  for sign in (-1, 1))
        start, end = d.split("H")[0], d.split("H")[1].split("M")[0]
        assert float(start[1:].split(",")[0]) == pytest.approx(lo), (where, variant)
        assert float(end) == pytest.approx(hi), (where, variant)
    return view


def move_results_controls(root) -> int:
    """The shift control, by keyboard, through every shift; checked after each move."""
    checks, page = 1, root.page
    check_results(root)                          # as saved
    handle = root.locator("input[type=range]")
    assert handle.count() == 1
    label = root.locator(f"label[for='{handle.get_attribute('id')}']")
    assert label.count() == 1 and "shift" in label.inner_text()
    low, top = int(handle.get_attribute("min")), int(handle.get_attribute("max"))
    assert (low, top) == (-4, 4)
    start = int(handle.input_value())
    handle.focus()
    seen = set()
    # up to the right end, down to the left end, up again, back to the start
    for key, moves in (("ArrowRight", top - start), ("ArrowLeft", top - low),
                       ("ArrowRight", top - low), ("ArrowLeft", top - start)):
        for _ in range(moves):
            page.keyboard.press(key)
            seen.add(check_results(root)["params"]["shift"])
            checks += 1
    assert seen == set(range(low, top + 1)) and int(handle.input_value()) == start
    for key, shift in (("Home", low), ("End", top)):
        page.keyboard.press(key)
        assert check_results(root)["params"]["shift"] == shift
        checks += 1
    page.keyboard.press("Home")
    for _ in range(start - low):
        page.keyboard.press("ArrowRight")
    assert check_results(root)["params"]["shift"] == start
    return checks + 1


# -------------------------------------------------------------------- tests ---
def test_saved_explorers_show_pooledus_numbers(context, site_url):
    """As loaded, each explorer draws the numbers pooledu saved in the notebook."""
    seen = 0
    for name in NOTEBOOK_PAGES:
        page = open_page(context, site_url, name)
        try:
            roots = page.locator(WINDOW)
            expected = page.evaluate(
                "() => (document.querySelector("
                "'script[type=\"application/vnd.jupyter.widget-state+json\"]')||{}).textContent"
                " || ''")
            if "AnyModel" not in expected:
                continue
            page.locator(".pooledu-x").first.wait_for(state="visible", timeout=20_000)
            shifts = page.locator(SHIFT)
            for i in range(shifts.count()):
                view = check_shift(shifts.nth(i))
                assert view["ok"], f"{name}: shift explorer {i} saved in an error state"
                seen += 1
            zoos = page.locator(ZOO)
            for i in range(zoos.count()):
                assert check_zoo(zoos.nth(i))["ok"], f"{name}: zoo {i} saved in an error state"
                seen += 1
            results = page.locator(RESULTS)
            for i in range(results.count()):
                assert check_results(results.nth(i))["ok"], f"{name}: results explorer {i}"
                seen += 1
            for i in range(roots.count()):
                view = check(roots.nth(i))
                assert view["source"] == "pooledu", f"{name}: explorer {i} ignored saved result"
                assert view["ok"], f"{name}: explorer {i} saved in an error state"
                seen += 1
            assert page.errors == [], f"{name}: console errors"
        finally:
            page.close()
    assert seen >= 6, f"only {seen} page-drawn explorers on the book"
    assert context.external == [], "requests left the site"


@pytest.mark.parametrize("name", NOTEBOOK_PAGES)
def test_every_control_of_every_explorer_on_the_book(context, site_url, name):
    page = open_page(context, site_url, name)
    try:
        state = page.evaluate("() => (document.querySelector("
                              "'script[type=\"application/vnd.jupyter.widget-state+json\"]')"
                              "||{}).textContent || ''")
        if "AnyModel" not in state:
            pytest.skip(f"{name} has no explorer drawn by the page")
        page.locator(".pooledu-x").first.wait_for(state="visible", timeout=20_000)
        checks = explorers = 0
        for selector, move, tag in ((SHIFT, move_shift_controls, "-shift"),
                                    (ZOO, move_zoo_controls, "-zoo"),
                                    (RESULTS, move_results_controls, "-results"),
                                    (WINDOW, move_every_control, "")):
            found = page.locator(selector)
            explorers += found.count()
            for i in range(found.count()):
                root = found.nth(i)
                root.scroll_into_view_if_needed()
                checks += move(root)
                path = ARTIFACTS / "explorers" / f"{name.replace('/', '__')}{tag}-{i}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                root.screenshot(path=str(path))
        assert checks >= 20 * explorers > 0
        assert page.errors == [], "console errors"
    finally:
        page.close()
    assert context.external == [], "requests left the site"


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_or_critical_issue(context, site_url, name):
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        skip_or_fail("axe-playwright-python is not installed: pip install 'pooledu[test]'")
    page = open_page(context, site_url, name)
    try:
        page.wait_for_timeout(300)
        if page.locator(".pooledu-x").count():
            page.locator(".pooledu-x").first.wait_for(state="visible", timeout=20_000)
        results = Axe().run(page)
        bad = [f"{v['id']} ({v['impact']}): {v['help']} - "
               + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                           for n in v["nodes"][:5])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert bad == [], "\n".join(bad)
    finally:
        page.close()


UPLOAD_PAGES = ["notebooks/03_more_pooling_functions", "notebooks/05_why_pooling_helps",
                "notebooks/06_what_pooling_costs", "notebooks/08_alternatives"]


@pytest.mark.parametrize("name", UPLOAD_PAGES)
def test_use_your_own_image_is_explained_not_broken_on_the_book(context, site_url, name):
    """No kernel behind the book: the photo explorers show no file control (it could not
    reach pooledu) but a short note saying where it works; the explorer stays live."""
    page = open_page(context, site_url, name)
    try:
        page.locator(".pooledu-upload").first.wait_for(state="visible", timeout=20_000)
        bars = page.locator(".pooledu-upload")
        explorers = page.locator(f"{SHIFT}, {ZOO}")
        assert bars.count() == explorers.count() >= 1
        for i in range(bars.count()):
            bar = bars.nth(i)
            assert bar.get_by_role("status").inner_text() == (
                "Open this notebook in JupyterLab to use your own image.")
            assert bar.locator("input[type=file]").count() == 1
            assert not bar.locator("input[type=file]").is_visible()
            assert not bar.locator("select").is_visible()
            assert bar.evaluate("e => e.pooleduUpload.state") == "no-kernel"
            if i == 0:
                path = ARTIFACTS / "explorers" / f"{name.replace('/', '__')}-upload.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                bar.locator("xpath=..").screenshot(path=str(path))
        # the explorer below the note still answers its controls
        root = explorers.first
        check = check_shift if "pooledu-shift" in root.get_attribute("class") else check_zoo
        before = root.evaluate("e => e.pooleduView.drawCount")
        root.locator("input[type=range]").first.focus()
        page.keyboard.press("ArrowRight")
        assert root.evaluate("e => e.pooleduView.drawCount") > before
        check(root)           # asserts the numbers shown are pooledu's
        assert page.errors == [], "console errors"
    finally:
        page.close()
    assert context.external == [], "requests left the site"
