"""The package as a learner gets it without the repository: a wheel, `pip install .`,
or `pip install git+URL` on Colab (all three install the same wheel).

The wheel is built from a copy of the sources (so no build/ or *.egg-info lands in
the work tree) and must hold every module and front-end file under pooledu/. A
clean venv (no system site-packages, no -e) then installs it with the core
dependencies and imports every module whose third-party imports are installed
there; TensorFlow and scikit-learn are optional extras, so the modules that need
them are expected to stop at exactly that import and nowhere else.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pooledu"
# Files that are part of the package besides Python modules (pyproject's package-data).
DATA_SUFFIXES = {".js", ".mjs", ".css", ".json", ".html", ".txt", ".npz"}

pytestmark = pytest.mark.slow


def _package_files() -> list[str]:
    """Every file under pooledu/ that belongs in the wheel, as wheel paths."""
    files = []
    for path in sorted(PACKAGE.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        if path.suffix == ".py" or path.suffix in DATA_SUFFIXES or path.name == "py.typed":
            files.append(path.relative_to(ROOT).as_posix())
    return files


def _module_names() -> list[str]:
    names = []
    for rel in _package_files():
        if rel.endswith(".py"):
            parts = rel[:-3].split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join(parts))
    return names


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, **kwargs)
    assert result.returncode == 0, f"{cmd}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("packaging")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, src / name)
    shutil.copytree(PACKAGE, src / "pooledu",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # --no-build-isolation: setuptools comes from this environment, nothing is downloaded
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--quiet", "--wheel-dir", str(tmp / "dist"), str(src)], cwd=tmp)
    wheels = list((tmp / "dist").glob("pooledu-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_pyproject_finds_every_subpackage():
    """No hand-written package list to forget a new subpackage in."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert isinstance(tool.get("packages"), dict), \
        "list packages by discovery ([tool.setuptools.packages.find]), not by hand"
    assert tool["packages"]["find"]["include"] == ["pooledu*"]


def test_wheel_holds_every_file_of_the_package(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    expected = _package_files()
    assert "pooledu/exercises/__init__.py" in expected
    missing = [f for f in expected if f not in names]
    assert missing == [], f"{wheel.name} lacks {missing}"
    # and nothing from outside the package (tests, notebooks, tools) rides along
    top = {n.split("/")[0] for n in names}
    dist_info = "-".join(wheel.name.split("-")[:2]) + ".dist-info"
    assert top == {"pooledu", dist_info}, top


def test_wheel_works_in_a_clean_venv(wheel, tmp_path):
    venv = tmp_path / "venv"
    # No pip inside the venv (faster): this environment's pip installs into it.
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    # The wheel alone, not editable, no extras: its declared dependencies must be
    # enough (pip's own configuration chooses the index).
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
          "--progress-bar", "off", str(wheel)])
    installed = _run([sys.executable, "-m", "pip", "--python", str(python), "list",
                      "--format", "json"]).stdout
    names = {p["name"].lower() for p in json.loads(installed)}
    assert {"pooledu", "numpy", "matplotlib", "ipywidgets"} <= names
    assert not {"tensorflow", "tensorflow-cpu", "jupyterlab"} & names, "extras were installed"

    probe = textwrap.dedent("""
        import importlib, json, sys
        core = {"numpy", "matplotlib", "ipywidgets", "pooledu"}
        report = {"ok": [], "optional": {}, "broken": {}}
        for name in json.loads(sys.argv[1]):
            try:
                importlib.import_module(name)
                report["ok"].append(name)
            except ModuleNotFoundError as e:
                top = (e.name or "").split(".")[0]
                (report["broken"] if top in core else report["optional"])[name] = repr(e)
            except Exception as e:
                report["broken"][name] = repr(e)
        import pooledu
        report["location"] = pooledu.__file__
        from pooledu.exercises import check_first_max_pool
        report["check"] = bool(check_first_max_pool(None))
        print(json.dumps(report))
        """)
    # Run from an empty folder: the repository's pooledu/ must not be importable.
    result = _run([str(python), "-c", probe, json.dumps(_module_names())], cwd=tmp_path)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    print("imported:", report["ok"], "\noptional deps missing:", report["optional"])
    assert str(venv) in report["location"] and "site-packages" in report["location"]
    assert report["broken"] == {}, report["broken"]
    for name in ("pooledu", "pooledu.reference", "pooledu.exercises", "pooledu.viz",
                 "pooledu.widgets", "pooledu.data"):
        assert name in report["ok"], f"{name} does not import from the wheel: {report}"
    # only TensorFlow/Keras and scikit-learn (extras) may be missing
    for name, error in report["optional"].items():
        assert any(dep in error for dep in ("tensorflow", "keras", "sklearn")), (name, error)
    assert report["check"] is False  # a blank answer: "not attempted yet", no exception
    assert "not attempted yet" in result.stdout
