"""Interactive explorers for the notebooks.

Every explorer has

* ``update(**params)`` - set any controls and recompute, without a browser, so
  tests, benchmarks and notebook cells can drive it (it returns None, so a
  notebook cell ending in ``update(...)`` prints nothing);
* ``.state`` - a dict with the numbers of the last setting (``"ok"``,
  ``"message"``, the output arrays, the text shown) and ``.last_output`` - the
  main numeric result, so a notebook can print the number the text talks about;
* ``.controls`` - the controls by ``update()`` name; ``.widget`` - what to display
  (displaying the explorer itself does the same).

An impossible setting (a window larger than the input under ``"valid"``, or a
combination of PyTorch's options that pooledu refuses, such as ``ceil_mode``
with ``"valid"``) is explained in plain language, never as a traceback.

Two kinds of explorers, one module each:

* Drawn by the page (anywidget; front end ``pool.js`` + ``window.js`` beside
  the modules, plain ES modules, no build step). The page computes the pooling
  itself, so they stay live on the static book site; in JupyterLab the kernel
  recomputes with pooledu and the page draws pooledu's numbers.

  - :class:`PoolingExplorer` - mode, pool size, stride and padding (TensorFlow's
    or PyTorch's, with dilation, ceil_mode, count_include_pad); output,
    shape and the output-size formula with the numbers filled in; hover a cell
    to see its window and arithmetic.
  - :class:`WindowStepper` - one window at a time with its arithmetic; play/step.
  - :class:`GradientExplorer` - where the gradient of one output cell goes.

* Drawn by the page from states pooledu precomputed (anywidget; front ends
  ``shift.js``, ``zoo.js``, ``results.js``): every setting's pictures and numbers
  are in the widget state, so the page only picks one; live on the static book site.

  - :class:`ShiftExplorer` - shift the input, watch max/avg/blur pooling change;
    the outputs and the invariance curve move together.
  - :class:`PoolingZoo` - any pooling function of ``pooledu.reference`` on a photo.
  - :class:`ResultsExplorer` - notebook 07's experiment: every variant's mean test
    accuracy (and its 95% interval) at one shift of the test digits
    (also ``pooledu.experiment.ResultsExplorer``).
"""

from __future__ import annotations

from ._common import fit_problem, output_size_formula, window_arithmetic
from .gradient_explorer import GradientExplorer
from .pooling_explorer import PoolingExplorer
from .pooling_zoo import PoolingZoo
from .results_explorer import ResultsExplorer
from .shift_explorer import SHIFT_METHODS, SHIFT_PATTERNS, ShiftExplorer
from .window_stepper import WindowStepper

__all__ = [
    "SHIFT_METHODS",
    "SHIFT_PATTERNS",
    "GradientExplorer",
    "PoolingExplorer",
    "PoolingZoo",
    "ResultsExplorer",
    "ShiftExplorer",
    "WindowStepper",
    "fit_problem",
    "output_size_formula",
    "window_arithmetic",
]
