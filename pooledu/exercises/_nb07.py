"""Exercise checks for notebook 07_experiment."""

from __future__ import annotations

from ._framework import Hint, exercise
from ._nb05 import _number

NOTEBOOK = "07_experiment"
_VARIANTS = ("max", "avg", "stochastic", "blur", "strided_conv", "no_pool", "gap_head")


@exercise("fewest_macs", notebook=NOTEBOOK, solution="strided_conv",
          prompt="Which variant of the experiment needs the fewest multiply-adds per image?",
          wrong=[("gap_head", "parameters"), ("max", "convolution"),
                 ("no_pool", "most"), ("blur", "adds")])
def check_fewest_macs(answer):
    if not isinstance(answer, str):
        raise Hint(f"answer with a variant name, one of {_VARIANTS}.")
    v = answer.strip().lower()
    if v == "gap_head":
        raise Hint("the GAP head saves parameters (its dense layer is tiny), but the "
                   "convolutions cost the same as in 'max'.")
    if v in ("max", "avg", "stochastic"):
        raise Hint("pooling shrinks the map after each convolution; which variant also "
                   "shrinks it *during* the convolution?")
    if v == "no_pool":
        raise Hint("no_pool runs its second convolution on the full 24x24 map: it needs the "
                   "most.")
    if v == "blur":
        raise Hint("blur pooling adds the blur's multiply-adds on top of max pooling's cost.")
    if v != "strided_conv":
        raise Hint(f"answer with one of {_VARIANTS}.")
    return "the stride-2 convolutions compute only every other output position."


@exercise("gap_head_dense_params", notebook=NOTEBOOK, solution=330,
          prompt="In the gap_head model, global average pooling turns the 6x6x32 map into 32 "
                 "numbers. How many parameters does the Dense(10) layer after it have?",
          wrong=[(11530, "flatten"), (320, "bias"), (0, "dense layer")])
def check_gap_head_dense_params(answer):
    n = _number(answer)
    if n == 11530:
        raise Hint("that is Dense(10) after flatten (6*6*32 inputs), the other models' head.")
    if n == 320:
        raise Hint("add one bias per unit.")
    if n == 0:
        raise Hint("GAP has no parameters, but the dense layer after it does.")
    if n != 330:
        raise Hint("32 inputs x 10 units + 10 biases.")
    return "330, against 11,530 for flatten + dense."
