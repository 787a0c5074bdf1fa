"""Compare the outputs of several implementations of the same pooling (notebook 02).

Notebook 02 runs each of the article's code samples and puts the result next to
the raw TensorFlow op and the NumPy reference. :func:`side_by_side` prints them
as 2-D arrays and says whether they are all equal.
"""

from __future__ import annotations

import numpy as np

__all__ = ["side_by_side"]


def side_by_side(**outputs) -> None:
    """Print each output as a 2-D array under its name, then whether all are equal.

    Parameters
    ----------
    **outputs : array_like
        One keyword per implementation, e.g. ``keras=..., tf_nn=..., pooledu=...``:
        NumPy arrays, TensorFlow tensors or nested lists, of any shape whose
        squeezed form is what you want to see (``(1, 2, 2, 1)`` prints as 2x2).
        Values are compared exactly, as float64, so a float32 result and a
        float64 result with the same values are equal.

    Examples
    --------
    >>> side_by_side(a=[[1.0, 2.0]], b=np.array([[[1], [2]]]))
    a:
    [1. 2.]
    b:
    [1. 2.]
    all equal: True
    """
    if not outputs:
        raise TypeError("side_by_side needs at least one output, e.g. side_by_side(a=x)")
    arrays = {name: np.squeeze(np.asarray(out, dtype=np.float64))
              for name, out in outputs.items()}
    for name, a in arrays.items():
        print(f"{name}:\n{a}")
    first = next(iter(arrays.values()))
    agree = all(np.array_equal(first, a) for a in arrays.values())
    print("all equal:", agree)
