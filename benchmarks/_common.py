"""Shared timing helpers for the benchmarks (never used by tests: timing is
measured here and reported, never asserted)."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time


def timeit(fn, repeat: int = 7, warmup: int = 1) -> list[float]:
    """Run ``fn`` ``warmup`` times untimed, then ``repeat`` times; return seconds each."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def median(times) -> float:
    return statistics.median(times)


def p95(times) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def machine_description() -> str:
    """One line about the machine: CPU model, cores, memory, Python, NumPy, TF."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages * size / 2**30:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        pass
    import numpy as np
    versions = f"Python {platform.python_version()}, NumPy {np.__version__}"
    try:
        out = subprocess.run(
            [sys.executable, "-c",
             "import importlib.metadata as m; print(m.version('tensorflow-cpu'))"],
            capture_output=True, text=True, timeout=30)
        if out.returncode == 0:
            versions += f", tensorflow-cpu {out.stdout.strip()}"
    except (OSError, subprocess.TimeoutExpired):
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} cores{mem}; {system}; {versions}"


def markdown_table(headers, rows) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
