"""pooledu.env: the environment check names what is missing and stays deterministic."""

from __future__ import annotations

import sys

from pooledu.env import REQUIREMENTS, Requirement, check_environment, find_package


def test_complete_setup_prints_no_versions(capsys):
    assert check_environment() is True
    out = capsys.readouterr().out
    assert "Everything the course needs is installed." in out
    for line in out.splitlines()[:len(REQUIREMENTS) + 1]:
        assert line.endswith("OK"), line
    assert sys.version.split()[0] not in out


def test_missing_and_too_old_are_named_with_a_fix(capsys):
    reqs = (Requirement("no_such_module_xyz", ("no-such-dist",), "1.0", "nothing"),
            Requirement("numpy", ("numpy",), "999.0", "arrays"))
    assert check_environment(reqs) is False
    out = capsys.readouterr().out
    assert "no_such_module_xyz" in out and "missing" in out
    assert "too old (have" in out and "need >= 999.0" in out
    assert "pip install -U no-such-dist numpy" in out


def test_optional_package_missing_still_passes(capsys):
    reqs = (Requirement("no_such_module_xyz", ("x",), "1.0", "tests", required=False),)
    assert check_environment(reqs) is True
    assert "Optional" in capsys.readouterr().out


def test_find_package_does_not_import():
    before = set(sys.modules)
    status = find_package(Requirement("json", ("no-dist",), "1.0", "std lib"))
    assert status.ok and status.version is None
    assert "tensorflow" not in set(sys.modules) - before
