"""Exercise checks with automatic feedback.

Every exercise ``NAME`` of the course has a ``check_NAME(answer)`` here. It
prints a clear pass, a specific hint for a common wrong answer, or
"not attempted yet" for a blank answer, returns True/False, and never raises.
``show_solution(NAME)`` prints the worked solution.

The checks live in one module per notebook (``_nb00.py`` ... ``_nb09.py``);
this package re-exports them all.
"""

from __future__ import annotations

import importlib

from ._framework import REGISTRY, Exercise, Hint, Verdict, show_solution

_NOTEBOOK_MODULES = [f"_nb{i:02d}" for i in range(10)]

__all__ = ["REGISTRY", "Exercise", "Hint", "Verdict", "show_solution"]

for _mod_name in _NOTEBOOK_MODULES:
    try:
        _mod = importlib.import_module(f"{__name__}.{_mod_name}")
    except ModuleNotFoundError as _e:  # a notebook without exercises yet
        if _e.name != f"{__name__}.{_mod_name}":
            raise
        continue
    for _attr in dir(_mod):
        if _attr.startswith("check_"):
            globals()[_attr] = getattr(_mod, _attr)
            __all__.append(_attr)

del _mod_name


