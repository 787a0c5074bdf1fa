"""pooledu: the helper library of the course "Pooling in CNNs".

Submodules (each imported on first use, so ``import pooledu`` stays light and
never imports TensorFlow):

* ``pooledu.reference`` - NumPy reference implementation of every pooling operation.
* ``pooledu.tf`` - the same API backed by TensorFlow (imports TensorFlow).
* ``pooledu.layers`` - Keras 3 layers for the pooling operations Keras lacks.
* ``pooledu.data`` - offline data: the article's matrix, a photo, digits, patterns.
* ``pooledu.viz`` - figures (annotated grids, side-by-side maps, curves).
* ``pooledu.widgets`` - ipywidgets explorers used by the notebooks.
* ``pooledu.exercises`` - exercise checks with automatic feedback.
* ``pooledu.measure`` - the arithmetic and measurements of notebooks 05-08
  (parameters, multiply-adds, invariance, noise, information loss).
* ``pooledu.experiment`` - the small CNNs and training loop of notebook 07
  (imports TensorFlow when a model is built).
* ``pooledu.receptive_field`` - receptive-field growth through conv/pool stacks.
* ``pooledu.env`` - the environment check of notebook 00.
* ``pooledu.quiz`` - the multiple-choice quiz of notebook 09 (offline HTML).
* ``pooledu.compare`` - ``side_by_side``: several implementations' outputs next to
  each other (notebook 02).
* ``pooledu.claims`` - small networks that measure the article's claims in notebooks
  04-06 (effective receptive field, overfitting, depth, gradient norms; imports
  TensorFlow when called).

Importing pooledu changes no global state (no seeding, no matplotlib styles).
"""

from __future__ import annotations

import importlib

from ._geometry import output_shape, output_size, padding_amounts

__version__ = "0.1.0"

_SUBMODULES = ("reference", "tf", "layers", "data", "viz", "widgets", "exercises", "env",
               "measure", "experiment", "receptive_field", "quiz", "compare",
               "claims")

__all__ = ["output_size", "output_shape", "padding_amounts", "__version__", *_SUBMODULES]


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'pooledu' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
