"""The page-side pooling of the explorers (pooledu/widgets/pool.js) equals pooledu.

The book site has no kernel, so its explorers compute in the browser. Here
pool.js runs in headless Chromium on 300 random settings (modes, pool sizes,
strides, paddings, shapes, float32 and float64, signed values, ties) and every
result is compared with pooledu.reference:

* max / min / sum / avg: bit for bit (float32 sums are rounded to float32 after
  every addition, in row-major window order, as pooledu and TensorFlow do);
* lp (p = 2): to float32 / float64 rounding (pow differs by an ulp);
* gradients (pool2d_grad): to rounding (overlapping windows may add in another order);
* the texts the page writes (formula, window arithmetic, "does not fit" message,
  number format) character for character;
* PyTorch's options (issue 15): 500 more settings with an explicit int padding,
  dilation, ceil_mode and count_include_pad, the not-allowed combinations among
  them (the page's message equals pooledu.widgets' word for word, and pooledu
  refuses exactly those settings).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from _booksite import CHROMIUM, skip_or_fail

from pooledu import reference as ref
from pooledu.viz import format_number
from pooledu.widgets import _common, fit_problem, window_arithmetic
from pooledu.widgets._common import window_problem

pytestmark = [pytest.mark.browser]

POOL_JS = Path(_common.__file__).with_name("pool.js")
N_SETTINGS = 300
N_TORCH_SETTINGS = 500


@pytest.fixture(scope="module")
def page():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed: pip install playwright")
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.set_content("<html><body></body></html>")
        page.add_script_tag(content=POOL_JS.read_text(encoding="utf-8"))
        yield page
        browser.close()


def random_settings(seed=20261202, n=N_SETTINGS):
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n):
        h, w = int(rng.integers(1, 10)), int(rng.integers(1, 10))
        c = 3 if i % 7 == 0 else 1
        dtype = np.float32 if i % 2 else np.float64
        if i % 5 == 0:   # small integers: many ties
            x = rng.integers(-3, 4, size=(h, w, c)).astype(dtype)
        else:            # signed values of mixed magnitude
            x = (rng.standard_normal((h, w, c)) * 10 ** rng.uniform(-2, 3)).astype(dtype)
        if c == 1:
            x = x[..., 0]
        k, s = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        padding = "same" if rng.random() < 0.5 else "valid"
        mode = ref.POOL_MODES[i % len(ref.POOL_MODES)]
        cases.append({"x": x, "mode": mode, "k": k, "s": s, "padding": padding,
                      "d": 1, "ceil": False, "cip": False})
    return cases


def torch_settings(seed=15, n=N_TORCH_SETTINGS):
    """Random settings with PyTorch's options: an int padding most of the time (some
    over k // 2), dilation 1-3, ceil_mode, count_include_pad; some not allowed."""
    rng = np.random.default_rng(seed)
    cases = []
    for i, case in enumerate(random_settings(seed=seed, n=n)):
        draw = rng.random()
        most = case["k"] // 2 + (rng.random() < 0.15)      # sometimes over k // 2
        padding = int(rng.integers(0, most + 1)) if draw < 0.7 else \
            ("valid" if draw < 0.85 else "same")
        d = int(rng.choice([1, 1, 2, 3]))
        ceil = bool(rng.random() < 0.5) if not isinstance(padding, str) else \
            bool(rng.random() < 0.1)
        cip = bool(rng.random() < 0.5)
        mode = "avg" if i % 3 == 0 else case["mode"]   # count_include_pad acts on avg
        cases.append({**case, "mode": mode, "padding": padding, "d": d, "ceil": ceil,
                      "cip": cip})
    return cases


def torch_kwargs(case):
    """pooledu's keywords for a case (count_include_pad acts on avg only, as on the page)."""
    return {"dilation": case["d"], "ceil_mode": case["ceil"],
            "count_include_pad": case["cip"] and case["mode"] == "avg"}


_RUN_POOL = """cases => cases.map(c => {
  const r = pool2d(Float64Array.from(c.data), c.shape, c.mode, c.k, c.s, c.padding, c.float32, 2,
                   {dilation: c.d, ceilMode: c.ceil, countIncludePad: c.cip});
  return {
    fit: fitProblem(c.shape[0], c.shape[1], c.k, c.s, c.padding),
    problem: windowProblem(c.shape[0], c.shape[1], c.k, c.s, c.padding, c.d, c.ceil, c.mode, c.cip),
    out: r === null ? null : Array.from(r.out).map(v => Number.isFinite(v) ? v : String(v)),
    shape: r === null ? null : r.shape,
    formula: r === null ? null : formulaLines(c.shape[0], c.shape[1], c.k, c.s, c.padding,
                                              c.d, c.ceil),
  };
})"""


def _payload(case):
    x = case["x"]
    return {"data": x.ravel().astype(np.float64).tolist(), "shape": list(x.shape),
            "float32": x.dtype == np.float32, "mode": case["mode"], "k": case["k"],
            "s": case["s"], "padding": case["padding"], "d": case["d"], "ceil": case["ceil"],
            "cip": case["cip"]}


def _compare(page, cases):
    """Run pool.js on ``cases``; compare with pooledu; return (fitted, refused)."""
    results = page.evaluate(_RUN_POOL, [_payload(c) for c in cases])
    fitted = refused = 0
    for case, got in zip(cases, results):
        x, label = case["x"], {k: v for k, v in case.items() if k != "x"} | {
            "shape": case["x"].shape, "dtype": str(case["x"].dtype)}
        if isinstance(case["padding"], str):
            assert got["fit"] == fit_problem(x.shape[:2], case["k"], case["s"],
                                             case["padding"]), label
        kwargs = torch_kwargs(case)
        problem = window_problem(x.shape[:2], case["k"], case["s"], case["padding"],
                                 mode=case["mode"], **kwargs)
        assert got["problem"] == problem, label
        if problem:
            refused += 1
            assert got["out"] is None
            with pytest.raises(ValueError):     # pooledu refuses exactly these settings
                ref.pool2d(x, case["mode"], case["k"], case["s"], case["padding"], **kwargs)
            continue
        fitted += 1
        want = ref.pool2d(x, case["mode"], case["k"], case["s"], case["padding"], **kwargs)
        assert tuple(got["shape"]) == want.shape, label
        out = np.asarray([float(v) for v in got["out"]], dtype=np.float64).reshape(want.shape)
        if case["mode"] == "lp":
            rtol = 4e-7 if x.dtype == np.float32 else 1e-14
            np.testing.assert_allclose(out, want, rtol=rtol, err_msg=str(label))
        else:
            assert np.array_equal(out.astype(want.dtype), want), label
            assert np.array_equal(out, want.astype(np.float64)), label
        h, w = x.shape[:2]
        assert got["formula"] == _common._axis_lines((h, w), case["k"], case["s"],
                                                     case["padding"], case["d"],
                                                     case["ceil"]), label
    return fitted, refused


def test_page_pooling_equals_pooledu_on_random_settings(page):
    fitted, _ = _compare(page, random_settings())
    assert fitted >= 200, f"only {fitted} of the random settings fit: widen the generator"


def test_page_pooling_with_pytorch_options_equals_pooledu(page):
    cases = torch_settings()
    fitted, refused = _compare(page, cases)
    explicit = [c for c in cases if not isinstance(c["padding"], str)]
    assert len(explicit) >= 200 and sum(c["d"] > 1 for c in cases) >= 100
    assert sum(c["ceil"] for c in explicit) >= 100
    assert sum(c["cip"] and c["mode"] == "avg" for c in explicit) >= 40
    assert fitted >= 200, f"only {fitted} of the PyTorch settings fit: widen the generator"
    torch_fitted = [c for c in cases if (not isinstance(c["padding"], str) or c["d"] > 1)
                    and window_problem(c["x"].shape[:2], c["k"], c["s"], c["padding"],
                                       mode=c["mode"], **torch_kwargs(c)) is None]
    assert len(torch_fitted) >= 200, len(torch_fitted)
    assert refused >= 40, f"only {refused} not-allowed settings: widen the generator"


_RUN_GRAD = """cases => cases.map(c => {
  const r = pool2dGrad(Float64Array.from(c.data), c.shape, Float64Array.from(c.dy), c.mode,
                       c.k, c.s, c.padding, c.float32);
  return r === null ? null : Array.from(r.dx);
})"""


def test_page_gradients_equal_pooledu_on_random_settings(page):
    rng = np.random.default_rng(7)
    cases, payloads = [], []
    for i, case in enumerate(random_settings(seed=99, n=400)):
        x = case["x"]
        if x.ndim != 2 or fit_problem(x.shape, case["k"], case["s"], case["padding"]):
            continue
        mode = ref.GRAD_MODES[i % len(ref.GRAD_MODES)]
        out_shape = ref.pool2d(x, mode, case["k"], case["s"], case["padding"]).shape
        dy = np.zeros(out_shape)
        if i % 3 == 0:
            dy[:] = 1.0
        else:
            dy.flat[rng.integers(dy.size)] = 1.0
        cases.append((x, dy, mode, case))
        payloads.append(_payload({**case, "mode": mode}) | {"dy": dy.ravel().tolist()})
    assert len(cases) >= 200
    results = page.evaluate(_RUN_GRAD, payloads)
    for (x, dy, mode, case), got in zip(cases, results):
        want = ref.pool2d_grad(x, dy.astype(x.dtype), mode, case["k"], case["s"], case["padding"])
        got = np.asarray(got).reshape(x.shape)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7,
                                   err_msg=f"{mode} {case['k']} {case['s']} {case['padding']}")
        assert np.array_equal(got != 0, want != 0) or mode in ("avg", "sum")


def test_page_texts_equal_pooledu(page):
    rng = np.random.default_rng(3)
    values = [0.0, -0.0, 6.0, 3.75, 1 / 3, -2 / 3, 1e-5, -2.5e-5, 123456.789, 1e6, -3.2e7,
              0.00012, 99999.99996, 1.0000001e-5, 2.004e-5, 9.996e-6, 1.0000001e7, float("inf"), float("-inf"), float("nan")]
    values += [float(v) for v in rng.standard_normal(150) * 10.0 ** rng.integers(-5, 8, 150)]
    values += [float(np.float32(v)) for v in rng.standard_normal(50)]
    got = page.evaluate("vs => vs.map(v => formatNumber(v))",
                        [v if np.isfinite(v) else str(v) for v in values])
    # JSON has no inf / nan: pass them as text and convert on the page
    got_special = page.evaluate("vs => vs.map(v => formatNumber(Number(v)))",
                                ["Infinity", "-Infinity", "NaN"])
    finite = [(v, g) for v, g in zip(values, got) if np.isfinite(v)]
    assert [g for _, g in finite] == [format_number(v) for v, _ in finite]
    assert got_special == ["inf", "-inf", "nan"]

    windows = []
    for _ in range(120):
        n = int(rng.integers(1, 30))
        cells = [None if rng.random() < 0.2 else float(np.float32(rng.normal() * 10))
                 for _ in range(n)]
        if all(c is None for c in cells):
            cells[0] = 1.0
        mode = ["max", "avg", "min", "sum", "lp"][int(rng.integers(5))]
        # count_include_pad: the divisor counts padded cells too
        count = n if mode == "avg" and rng.random() < 0.5 else None
        text, value = window_arithmetic(cells, mode, count=count)
        windows.append((cells, mode, value, count, text))
    for mode in ("avg", "sum", "lp"):      # a window of padding only (count_include_pad)
        windows.append(([None, None], mode, 0.0, 2, window_arithmetic([None, None], mode,
                                                                      0.0, 2)[0]))
    got = page.evaluate("ws => ws.map(w => windowArithmetic(w[0], w[1], w[2], w[3]))",
                        [[c, m, v, n] for c, m, v, n, _ in windows])
    assert got == [t for *_, t in windows]


def test_front_ends_import_nothing_and_name_no_host():
    """The widget code is loaded from a blob: URL on the book site: it must be self-contained."""
    for path in sorted(POOL_JS.parent.glob("*.js")) + sorted(POOL_JS.parent.glob("*.css")):
        text = path.read_text(encoding="utf-8")
        assert "import " not in text and "import(" not in text, path.name
        hosts = [u for u in re.findall(r"https?://[^\s\"']+", text)
                 if u != "http://www.w3.org/2000/svg"]   # a namespace name, never fetched
        assert hosts == [], path.name
    assert "export " not in POOL_JS.read_text(encoding="utf-8"), "pool.js is prepended to modules"


def test_results_page_texts_equal_pooledu(page):
    """results.js writes the ResultsExplorer's sentence and title from the labels pooledu
    formatted (the page formats no number): the same text as Python, character for
    character, names with HTML characters included."""
    from pooledu.widgets import results_explorer as rx

    module = rx.front_end("dom.js", "results.js")
    # the module's functions as plain script in a fresh page (no export, no render)
    fresh = page.context.browser.new_page()
    fresh.set_content("<html><body></body></html>")
    fresh.add_script_tag(content=module.replace("export default { render };", ""))
    rng = np.random.default_rng(5)
    names = ["max", "avg", "a<b", "x & y", "gap_head", "c>d"]
    cases = []
    for shift in range(-4, 5):
        values = [float(v) for v in rng.random(len(names))]
        values[int(rng.integers(len(names)))] = 0.0625      # a tie-break point of toFixed
        labels = {n: rx.accuracy_label(v) for n, v in zip(names, values)}
        best = names[int(np.argmax(values))]
        cases.append((shift, labels, best))
    got = fresh.evaluate("cs => cs.map(c => [sentence(c[0], c[1], c[2]), shiftTitle(c[0])])",
                         [list(c) for c in cases])
    toFixed = fresh.evaluate("(0.0625).toFixed(3)")
    fresh.close()
    assert got == [[rx.results_text(*c), rx.shift_title(c[0])] for c in cases]
    # why pooledu writes every label: on an exact tie Python rounds half to even and
    # JavaScript's toFixed rounds up
    assert (rx.accuracy_label(0.0625), toFixed) == ("0.062", "0.063")
