"""`make bench`: every benchmark of the course, printed as tables and written to
benchmarks/RESULTS.md together with a description of the machine.

    python benchmarks/run.py            # everything (a few minutes)
    python benchmarks/run.py --quick    # fewer repeats, no notebook runs

Timing lives here, never in the tests. Targets (issues 8 and 14):
- pooledu.reference at most 2x TensorFlow's CPU kernels (wall time) on each
  pooling case, peak memory at most 3x the input; its N-d core about 200 lines;
- explorer update median at most 50 ms at 256x256 and 512x512;
- in Chromium, control change -> updated picture at 256x256 (issue 15): median at most
  16 ms on the static book site, at most 50 ms in a live JupyterLab;
- every notebook under 60 s (the experiment under 90 s), the whole course under 4 min;
- `import pooledu` under 0.3 s without TensorFlow.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import bench_course  # noqa: E402
import bench_pooling  # noqa: E402
from _common import machine_description, markdown_table  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats and no notebook runs")
    parser.add_argument("--output", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args(argv)

    sections = [f"# Benchmark results\n\nMachine: {machine_description()}\n\n"
                f"Run: {datetime.date.today().isoformat()}, `make bench`"
                f"{' --quick' if args.quick else ''}. Medians unless said otherwise; "
                f"ratios below 1 mean pooledu is faster."]

    print("== import time ==")
    rows = bench_course.bench_import()
    table = markdown_table(["what", "median", "target", "met"], rows)
    print(table)
    sections.append("## Import time (fresh interpreter, no TensorFlow)\n\n" + table)

    print("\n== pooling: pooledu.reference vs pooledu.tf (TensorFlow CPU kernels) ==")
    with tempfile.TemporaryDirectory() as tmp:
        md = Path(tmp) / "pooling.md"
        bench_pooling.main((["--quick"] if args.quick else []) + ["--markdown", str(md)])
        sections.append("## Pooling kernels: reference vs TensorFlow, and the bandwidth floor"
                        "\n\nTarget (issue 14): reference at most 2x TF, peak memory at "
                        "most 3x the input, the core about 200 lines.\n\n" + md.read_text())

    print("\n== explorer update latency ==")
    rows = bench_course.bench_explorers(repeat=15 if args.quick else 40)
    table = markdown_table(["explorer", "median", "p95", "target", "met"], rows)
    print(table)
    sections.append("## Explorer update latency (update() including the redraw)\n\n" + table)

    print("\n== explorer latency in the browser (control change -> updated picture) ==")
    import bench_explorers_browser
    rows = bench_explorers_browser.rows(static_n=40 if args.quick else 100,
                                        lab_n=20 if args.quick else 60)
    table = markdown_table(["setting", "median", "p95", "target", "met"], rows)
    print(table)
    sections.append("## Explorer latency in Chromium: control change -> updated picture, "
                    "256x256\n\n" + bench_explorers_browser.__doc__.split("\n\n", 1)[1]
                    + "\n" + table)

    if not args.quick:
        print("\n== notebooks ==")
        rows = bench_course.bench_notebooks()
        table = markdown_table(["notebook", "time", "target", "met"], rows)
        print(table)
        sections.append("## Notebook execution (fresh kernel each)\n\n" + table)

    Path(args.output).write_text("\n\n".join(sections) + "\n")
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
