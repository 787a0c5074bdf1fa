"""Re-run notebooks in place, top to bottom, so their stored outputs are fresh.

    python tools/execute_notebooks.py                 # every notebook in notebooks/
    python tools/execute_notebooks.py notebooks/01_what_is_pooling.ipynb

Runs each notebook in a fresh kernel with notebooks/ as the working directory
(as JupyterLab and nbval do), stores widget state so the book can render the
explorers, and writes the notebook back. Exits non-zero if a cell fails.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def run(path: Path, timeout: int = 300):
    """Execute the notebook at ``path`` in a fresh kernel, its folder as the working
    directory; return ``(notebook, seconds)``. The file itself is not touched."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=True, record_timing=False)
    client.execute()
    return nb, time.perf_counter() - start


def execute(path: Path, timeout: int = 300) -> float:
    """Execute the notebook at ``path`` and write it back with fresh outputs; return seconds."""
    nb, seconds = run(path, timeout)
    # A stable kernelspec keeps diffs quiet whichever machine executed the notebook.
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)",
                                 "language": "python", "name": "python3"}
    # language_info is kept exactly as the kernel reported it, version included:
    # JupyterLab writes the connected kernel's language_info into the notebook, and
    # a stored one that differs (e.g. without "version") marks the notebook modified
    # the moment a learner opens it (tests/test_lab.py).
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str]) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    paths = [Path(a).resolve() for a in argv] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        print("no notebooks to execute")
        return 0
    total = 0.0
    for path in paths:
        try:
            seconds = execute(path)
        except Exception as e:  # report which notebook failed, then stop
            print(f"FAILED {path.name}: {type(e).__name__}: {str(e)[-2000:]}", file=sys.stderr)
            return 1
        total += seconds
        print(f"{path.name:40s} {seconds:6.1f} s")
    print(f"{'total':40s} {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
