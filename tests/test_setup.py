"""The repository's set-up: packaging, the two commands, README and CI wiring."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _load_bootstrap():
    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "tools" / "bootstrap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _name(requirement: str) -> str:
    """'tensorflow-cpu>=2.16; marker' -> 'tensorflow' (one name for conda and pip)."""
    name = re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower()
    name = name.replace("_", "-")
    return {"tensorflow-cpu": "tensorflow"}.get(name, name)


# ---- packaging ---------------------------------------------------------------------------

def test_import_pooledu_does_not_import_tensorflow():
    code = ("import sys, pooledu, pooledu.reference, pooledu.exercises, pooledu.data, "
            "pooledu.viz, pooledu.widgets\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]


def test_import_pooledu_changes_no_global_state():
    code = ("import matplotlib, numpy as np\n"
            "rc = dict(matplotlib.rcParams); state = np.random.get_state()[1].copy()\n"
            "import pooledu, pooledu.viz, pooledu.widgets, pooledu.data, pooledu.exercises\n"
            "assert dict(matplotlib.rcParams) == rc, 'matplotlib rcParams changed'\n"
            "assert (np.random.get_state()[1] == state).all(), 'NumPy global RNG re-seeded'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, env={**os.environ, "MPLBACKEND": "Agg"})
    assert result.returncode == 0, result.stderr[-2000:]


def test_pyproject_uses_ranges_not_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.10"
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    pinned = [r for r in requirements if "==" in r.split(";")[0]]
    assert not pinned, f"exact pins in pyproject.toml: {pinned}"
    extras = set(project["optional-dependencies"])
    assert {"tf", "course", "test", "book", "all"} <= extras


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    py_names = {_name(r) for r in project["dependencies"]}
    for reqs in project["optional-dependencies"].values():
        py_names |= {_name(r) for r in reqs if not r.startswith("pooledu")}

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda_names, pip_names = set(), set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_names |= {_name(r) for r in dep["pip"] if not r.startswith("-e")}
            assert "-e ." in dep["pip"], "environment.yml must install pooledu itself (-e .)"
        else:
            conda_names.add(_name(dep))
    env_names = (conda_names | pip_names) - {"python", "pip"}
    assert conda_names & pip_names == set(), "a package is both a conda and a pip dependency"
    assert env_names - py_names == set(), "in environment.yml but not in pyproject.toml"
    assert py_names - env_names == set(), "in pyproject.toml but not in environment.yml"


# ---- README ------------------------------------------------------------------------------

def _notebook_title(path: Path) -> str:
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    # "# 01 · What is pooling?" -> "What is pooling?"
                    return re.sub(r"^\d\d\s*·\s*", "", line[2:].strip())
    raise AssertionError(f"{path.name} has no '# Title' heading")


def test_readme_table_of_contents_lists_every_notebook_in_order():
    readme = (ROOT / "README.md").read_text()
    readme = readme.split("## Contents", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"\((notebooks/(\d\d_[a-z0-9_]+)\.ipynb)\)", readme)
    assert [p for p, _ in listed] == [f"notebooks/{p.name}" for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        link = f"[{_notebook_title(path)}](notebooks/{path.name})"
        assert link in readme, f"README's table of contents lacks {link!r}"


def test_readme_gives_the_two_commands_first():
    readme = (ROOT / "README.md").read_text()
    first = readme.index("make lab"), readme.index("make test")
    assert max(first) < readme.index("## Contents"), "the two commands come before the contents"


# ---- the two commands --------------------------------------------------------------------

def test_ci_runs_make_test():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_second_setup_skips_the_install():
    """After the first set-up the stamp is current: `make setup` has nothing to do."""
    result = subprocess.run(["make", "-q", "setup"], cwd=ROOT)
    assert result.returncode == 0, "make would re-install although pyproject.toml is unchanged"


def test_sanitize_file_only_covers_noise():
    text = (ROOT / "tests" / "nbval_sanitize.cfg").read_text()
    sections = re.findall(r"^\[(.+)\]$", text, re.M)
    assert len(sections) <= 4, sections
    assert all(re.search(r"address|timing|path", s) for s in sections), sections


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_missing_python_gets_a_clear_message(tmp_path):
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "tools", tmp_path / "tools",
                    ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(["make", "setup", "PYTHON=/nonexistent/python3"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "'/nonexistent/python3' was not found" in result.stdout + result.stderr
    assert not (tmp_path / ".venv").exists()


def test_old_python_gets_a_clear_message(monkeypatch, capsys):
    bootstrap = _load_bootstrap()
    monkeypatch.setattr(bootstrap.sys, "version_info", (3, 8, 10, "final", 0))
    with pytest.raises(SystemExit) as exc:
        bootstrap.check_python()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "needs Python 3.10 or newer" in err and "Python 3.8" in err


def test_no_network_gets_a_clear_message(monkeypatch, capsys, tmp_path):
    bootstrap = _load_bootstrap()

    class FakePip:
        returncode = 1

        def __init__(self, *args, **kwargs):
            self.stdout = iter([
                "Collecting numpy\n",
                "WARNING: Retrying ... Failed to establish a new connection: "
                "[Errno 101] Network is unreachable\n",
                "ERROR: No matching distribution found for numpy\n",
            ])

        def wait(self):
            return 1

    monkeypatch.setattr(bootstrap.subprocess, "Popen", FakePip)
    with pytest.raises(SystemExit):
        bootstrap.install(str(tmp_path / "venv"))
    err = capsys.readouterr().err
    assert "could not download the packages" in err and "PyPI" in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_serves_jupyterlab_on_localhost():
    port, token = _free_port(), secrets.token_hex(8)
    args = (f"LAB_ARGS=--no-browser --ip=127.0.0.1 --port={port} "
            f"--IdentityProvider.token={token} --ServerApp.port_retries=0")
    proc = subprocess.Popen(["make", "lab", args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                url = f"http://127.0.0.1:{port}/api/status?token={token}"
                with urllib.request.urlopen(url, timeout=2) as response:
                    assert response.status == 200
                    assert "started" in json.loads(response.read())
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/lab?token={token}", timeout=5) as response:
                    assert b"JupyterLab" in response.read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("make lab did not bring up JupyterLab") from None
                time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_bootstrap_installs_the_lab_settings_and_keeps_others(tmp_path):
    """make lab's environment gets the course's JupyterLab defaults (no news pop-up);
    settings already in the environment's overrides.json are kept."""
    bootstrap = _load_bootstrap()
    folder = tmp_path / "share" / "jupyter" / "lab" / "settings"
    folder.mkdir(parents=True)
    (folder / "overrides.json").write_text(json.dumps({
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "none",
                                                        "doNotDisturbMode": True}}))
    target = bootstrap.install_lab_settings(str(tmp_path))
    settings = json.loads(Path(target).read_text())
    assert settings["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    assert settings["@jupyterlab/apputils-extension:notification"] == {
        "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True}
    # a fresh environment gets exactly the course's file
    fresh = tmp_path / "fresh"
    target = bootstrap.install_lab_settings(str(fresh))
    shipped = json.loads((ROOT / "tools" / "lab-settings" / "overrides.json").read_text())
    assert json.loads(Path(target).read_text()) == shipped
