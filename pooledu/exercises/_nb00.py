"""Exercises of notebook 00_start_here: the running example, by hand.

Both exercises use the article's 4x4 matrix (:func:`pooledu.data.article_matrix`),
so a learner meets the check mechanics on numbers they can verify in their head.
"""

from __future__ import annotations

import numpy as np

from ..data import article_matrix
from ._framework import Hint, agree, as_array, exercise, expect_shape, matches, wrong_cells

NOTEBOOK = "00_start_here"

_X = article_matrix(np.float64)
_MAX = _X.reshape(2, 2, 2, 2).max(axis=(1, 3))        # [[6, 8], [14, 16]]
_AVG = _X.reshape(2, 2, 2, 2).mean(axis=(1, 3))       # [[3.75, 5.25], [11.5, 13.5]]
_MIN = _X.reshape(2, 2, 2, 2).min(axis=(1, 3))        # [[1, 2], [9, 11]]
_MAX_STRIDE_1 = np.array([[_X[i:i + 2, j:j + 2].max() for j in range(3)] for i in range(3)])


@exercise(
    "first_max_pool",
    notebook=NOTEBOOK,
    prompt="Max-pool the running example by hand with 2x2 windows (stride 2): a 2x2 list.",
    solution=[[6, 8], [14, 16]],
    wrong=[
        (_MAX_STRIDE_1.tolist(), "stride"),
        (_AVG.tolist(), "average"),
        (_MIN.tolist(), "smallest"),
        (_MAX.T.tolist(), "row"),
        ([[6, 8], [14, 15]], "(1, 1)"),
    ],
)
def check_first_max_pool(answer):
    arr = as_array(answer)
    if arr.shape == (3, 3) and matches(arr, _MAX_STRIDE_1):
        raise Hint("you moved the window one cell at a time (stride 1), so the windows "
                   "overlap and you get 3x3 outputs. Here the stride is 2, the pool size: "
                   "the four 2x2 windows tile the matrix without overlapping.")
    expect_shape(arr, (2, 2), "the pooled matrix")
    if matches(arr, _AVG):
        raise Hint("those are the averages of the windows; max pooling keeps the largest "
                   "value of each window.")
    if matches(arr, _MIN):
        raise Hint("those are the smallest values of the windows; max pooling keeps the "
                   "largest.")
    if matches(arr, _MAX.T):
        raise Hint("the values are right but transposed: output row i comes from input "
                   "rows 2i and 2i+1 (the first output row comes from the top two rows).")
    if not matches(arr, _MAX):
        raise Hint(f"look again at output cell(s) {wrong_cells(arr, _MAX)}: output cell "
                   f"(i, j) is the largest value of input rows 2i..2i+1, columns 2j..2j+1.")
    return "Each output is the largest value of its 2x2 block: 16 numbers became 4."


@exercise(
    "running_mean",
    notebook=NOTEBOOK,
    prompt="The average of all 16 values of the running example (one number).",
    solution=8.5,
    wrong=[
        (7.5, "article"),
        (136, "sum"),
        (16, "largest"),
        (8.0, "16"),
    ],
)
def check_running_mean(answer):
    arr = as_array(answer)
    if arr.size != 1:
        raise Hint(f"give one number (the mean of all 16 values); you gave {arr.size} numbers.")
    value = float(arr.ravel()[0])
    if agree(value, 7.5):
        raise Hint("7.5 is the article's global average, and the article is wrong here: "
                   "add up the 16 values and divide by 16.")
    if agree(value, _X.sum()):
        raise Hint("that is the sum of the values; the average divides the sum by 16.")
    if agree(value, _X.max()):
        raise Hint("that is the largest value (global MAX pooling); the average divides "
                   "the sum by 16.")
    if not agree(value, _X.mean()):
        raise Hint(f"not quite: add up all 16 values (they sum to {_X.sum():g}) and divide "
                   f"by 16.")
    return ("8.5 = 136 / 16. This is what global average pooling outputs for this map; "
            "notebook 02 checks it with Keras.")
