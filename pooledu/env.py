"""Environment check for the course: which packages are there, which are missing.

:func:`check_environment` prints a table with one row per package - what the
course uses it for and ``OK`` / ``missing`` / ``too old`` - and says what to
install. Its output names no version numbers or paths when everything is in
place, so a notebook that stores it gives the same output on every machine.

Packages are looked up without importing them (``importlib``), so the check is
fast and never imports TensorFlow.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from dataclasses import dataclass

__all__ = [
    "REQUIREMENTS",
    "PackageStatus",
    "Requirement",
    "check_environment",
    "environment_status",
    "find_package",
]


@dataclass(frozen=True)
class Requirement:
    """A package the course needs.

    Parameters
    ----------
    module : str
        The name you import (``"sklearn"``).
    distributions : tuple of str
        Names it may be installed under (``("scikit-learn",)``); the first found counts.
    minimum : str
        Lowest version the course is tested with (``"1.3"``).
    purpose : str
        What the course uses it for.
    required : bool
        False for packages only some notebooks or tests need.
    """

    module: str
    distributions: tuple
    minimum: str
    purpose: str
    required: bool = True


#: What the course needs, in the order the table lists it (see pyproject.toml).
REQUIREMENTS = (
    Requirement("numpy", ("numpy",), "1.24", "arrays; pooledu's reference pooling"),
    Requirement("matplotlib", ("matplotlib",), "3.7", "figures; the sample photo"),
    Requirement("ipywidgets", ("ipywidgets",), "8.0", "the interactive explorers"),
    Requirement("tensorflow", ("tensorflow-cpu", "tensorflow", "tensorflow-macos"), "2.16",
                "TF ops and Keras layers to cross-check"),
    Requirement("keras", ("keras",), "3.0", "pooling layers, the small CNNs"),
    Requirement("sklearn", ("scikit-learn",), "1.3", "the handwritten digits data set"),
    Requirement("jupyterlab", ("jupyterlab",), "4.0", "running the notebooks"),
    Requirement("nbval", ("nbval",), "0.11", "testing the notebooks", required=False),
    Requirement("papermill", ("papermill",), "2.4", "parameterised experiment runs",
                required=False),
)

_PYTHON_MINIMUM = (3, 10)


@dataclass(frozen=True)
class PackageStatus:
    """The outcome of looking for one :class:`Requirement`."""

    requirement: Requirement
    status: str            # "OK", "missing" or "too old"
    version: str | None    # the installed version, if found

    @property
    def ok(self) -> bool:
        return self.status == "OK"


def _version_tuple(version: str) -> tuple:
    parts = []
    for piece in version.split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) != len(piece):   # "0rc1": stop after the number
            break
    return tuple(parts)


def find_package(req: Requirement) -> PackageStatus:
    """Look for one requirement without importing it.

    >>> find_package(REQUIREMENTS[0]).status
    'OK'
    """
    if importlib.util.find_spec(req.module) is None:
        return PackageStatus(req, "missing", None)
    version = None
    for dist in req.distributions:
        try:
            version = importlib.metadata.version(dist)
            break
        except importlib.metadata.PackageNotFoundError:
            continue
    if version is not None and _version_tuple(version) < _version_tuple(req.minimum):
        return PackageStatus(req, "too old", version)
    return PackageStatus(req, "OK", version)


def environment_status(requirements=REQUIREMENTS) -> list[PackageStatus]:
    """The status of every requirement (no printing)."""
    return [find_package(req) for req in requirements]


def check_environment(requirements=REQUIREMENTS) -> bool:
    """Print which packages the course needs and whether each is installed.

    Prints one row per package: the module, what the course uses it for, and
    ``OK``, ``missing`` or ``too old (have X, need >= Y)``, then a verdict with
    the command that fixes what is missing. Versions appear only in problem
    rows, so on a complete set-up the output is the same on every machine.

    Returns
    -------
    bool
        True when every required package (and Python itself) is OK.

    Examples
    --------
    >>> ok = check_environment()  # doctest: +SKIP
    python      the language (>= 3.10)                    OK
    numpy       arrays; pooledu's reference pooling       OK
    ...
    """
    rows = []
    py_ok = sys.version_info[:2] >= _PYTHON_MINIMUM
    py_need = ".".join(map(str, _PYTHON_MINIMUM))
    rows.append(("python", f"the language (>= {py_need})",
                 "OK" if py_ok else f"too old (have {sys.version_info[0]}."
                                    f"{sys.version_info[1]}, need >= {py_need})"))
    statuses = environment_status(requirements)
    for st in statuses:
        req = st.requirement
        purpose = req.purpose + ("" if req.required else " (optional)")
        if st.status == "too old":
            text = f"too old (have {st.version}, need >= {req.minimum})"
        else:
            text = st.status
        rows.append((req.module, purpose, text))
    width = max(len(r[1]) for r in rows) + 2
    for module, purpose, text in rows:
        print(f"{module:12s}{purpose:{width}s}{text}")
    problems = [st for st in statuses if not st.ok and st.requirement.required]
    optional = [st for st in statuses if not st.ok and not st.requirement.required]
    print()
    if py_ok and not problems:
        print("Everything the course needs is installed.")
        if optional:
            names = ", ".join(st.requirement.module for st in optional)
            print(f"Optional, for the tests only: {names} (pip install -e '.[test]').")
        return True
    if not py_ok:
        print(f"Python {py_need} or newer is needed: install it from python.org, then "
              f"run `make lab` again.")
    if problems:
        names = " ".join(st.requirement.distributions[0] for st in problems)
        print(f"Missing or too old: {names}.")
        print("Fix: run `make lab` from the repository root (it installs everything), or")
        print(f"     pip install -U {names}")
    return False
