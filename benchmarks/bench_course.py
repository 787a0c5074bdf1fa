"""How fast the course feels: import time, explorer updates, notebook run times.

Targets (issue 8): ``import pooledu`` <= 0.3 s without TensorFlow; explorer
``update()`` median <= 50 ms at 256x256 and 512x512; the whole course <= 4 min.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import median, p95, timeit

ROOT = Path(__file__).resolve().parents[1]

IMPORT_CODE = (
    "import time; t = time.perf_counter(); import pooledu, pooledu.reference; "
    "d = time.perf_counter() - t; import sys; "
    "assert 'tensorflow' not in sys.modules; print(d)"
)


def bench_import(repeat: int = 7):
    """Seconds to `import pooledu, pooledu.reference` in a fresh interpreter."""
    times = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", IMPORT_CODE], capture_output=True,
                             text=True, check=True, cwd=ROOT)
        times.append(float(out.stdout.strip()))
    t = median(times)
    return [["import pooledu + pooledu.reference", f"{t * 1000:.0f} ms", "<= 300 ms",
             "yes" if t <= 0.3 else "NO"]]


def _explorer_cases():
    from pooledu import widgets
    cases = []
    for size in (256, 512):
        rng = np.random.default_rng(0)
        image = rng.random((size, size))
        explorer = widgets.PoolingExplorer(image)
        modes = ["max", "avg", "min"]
        state = {"i": 0}

        def step(explorer=explorer, state=state, modes=modes):
            state["i"] += 1
            explorer.update(mode=modes[state["i"] % 3], pool_size=2 + state["i"] % 2,
                            strides=2, padding="same")
        cases.append((f"PoolingExplorer.update {size}x{size}", step))
    return cases


def bench_explorers(repeat: int = 40):
    import matplotlib
    matplotlib.use("Agg")
    rows = []
    for name, step in _explorer_cases():
        times = timeit(step, repeat=repeat, warmup=3)
        rows.append([name, f"{median(times) * 1000:.1f} ms", f"{p95(times) * 1000:.1f} ms",
                     "<= 50 ms", "yes" if median(times) <= 0.05 else "NO"])
    return rows


def bench_notebooks():
    """Run every notebook in a fresh kernel (the stored notebooks stay untouched)."""
    sys.path.insert(0, str(ROOT / "tools"))
    from execute_notebooks import run

    rows, total = [], 0.0
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for path in paths:
        _, seconds = run(path, timeout=600)
        total += seconds
        rows.append([path.name, f"{seconds:.1f} s", "<= 60 s" if "07_" not in path.name
                     else "<= 90 s", "yes" if seconds <= (90 if "07_" in path.name else 60)
                     else "NO"])
    rows.append(["whole course, one after another", f"{total:.1f} s", "<= 240 s",
                 "yes" if total <= 240 else "NO"])
    # the way `make test` runs them: nbval, two workers
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "--nbval", "--nbval-sanitize-with",
             "tests/nbval_sanitize.cfg", "-n", "2", "--dist", "loadfile", "-q",
             "-p", "no:cacheprovider", "notebooks/", f"--basetemp={tmp}"],
            cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    rows.append(["whole course under nbval (make test, -n 2)", f"{seconds:.1f} s", "<= 240 s",
                 ("yes" if seconds <= 240 else "NO") + ("" if result.returncode == 0
                                                         else " (nbval FAILED)")])
    return rows
