"""Bring the notebooks' stored outputs and metadata up to date without re-running them.

Two changes of issue 11 that re-executing (tools/execute_notebooks.py) would also
make, done here as a small in-place edit so they can be re-applied after a merge:

1. the exercise checks' status marks: the emoji (empty boxes without an emoji
   font) became text symbols (pooledu/exercises/_framework.py), in stream outputs;
2. ``metadata.language_info.version``: the executor used to drop it, and JupyterLab
   then marked every notebook modified as soon as its kernel connected (it writes
   the kernel's language_info, version included). It is set to this Python's
   version, which is what the kernel of this environment reports.

    python tools/fix_stored_notebooks.py            # every notebook
    python tools/fix_stored_notebooks.py notebooks/02_types_of_pooling.ipynb

Run it with the course's environment (.venv/bin/python), whose Python the kernel is.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD_TO_NEW = {"\u2705": "\u2714", "\u274c": "\u2718", "\u23f3": "\u25cb"}


def fix(path: Path) -> tuple[int, bool]:
    """Returns (output lines whose marks changed, whether language_info changed)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    marks = 0
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            if output.get("output_type") != "stream":
                continue
            lines = output["text"] if isinstance(output["text"], list) else [output["text"]]
            new = ["".join(OLD_TO_NEW.get(ch, ch) for ch in line) for line in lines]
            if new != lines:
                marks += sum(a != b for a, b in zip(lines, new))
                output["text"] = new if isinstance(output["text"], list) else new[0]
    info = nb["metadata"].setdefault("language_info", {"name": "python"})
    version_changed = info.get("version") != platform.python_version()
    if version_changed:
        info["version"] = platform.python_version()
        nb["metadata"]["language_info"] = dict(sorted(info.items()))  # as nbformat sorts
    if marks or version_changed:
        # nbformat's layout: indent=1, non-ASCII kept, trailing newline
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return marks, version_changed


def main(argv: list[str]) -> None:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        marks, version = fix(path)
        print(f"{path.name}: {marks} status marks, language_info.version "
              f"{'set to ' + platform.python_version() if version else 'unchanged'}")


if __name__ == "__main__":
    main(sys.argv[1:])
