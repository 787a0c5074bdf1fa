"""Exercise checks for notebook 07_experiment.

The hints state facts about the nine variants of :mod:`pooledu.experiment`
(their multiply-adds and parameters, as the stored run in
``notebooks/data/07_results.json`` records them); ``tests/test_exercise_hints.py``
checks each fact against that file.
"""

from __future__ import annotations

from ._framework import Hint, exercise
from ._nb05 import _number

NOTEBOOK = "07_experiment"
#: The variants of notebook 07, as ``pooledu.experiment.VARIANTS`` (not imported
#: here, so that the checks stay light; a test keeps the two equal).
_VARIANTS = ("max", "avg", "stochastic", "blur", "strided_conv", "all_conv", "no_pool",
             "gap_head", "max_aug")


def _variant(answer) -> str:
    """A variant name as a learner may type it: any case, '-' or ' ' for '_'."""
    if not isinstance(answer, str):
        raise Hint(f"answer with a variant name as a string, one of {_VARIANTS}.")
    v = "_".join(answer.strip().lower().replace("-", " ").replace("_", " ").split())
    if v not in _VARIANTS:
        raise Hint(f"{answer!r} is not a variant of the experiment; answer with one of "
                   f"{_VARIANTS}.")
    return v


@exercise("fewest_macs", notebook=NOTEBOOK, solution="strided_conv",
          prompt="Which variant of the experiment needs the fewest multiply-adds per image?",
          wrong=[("gap_head", "third convolution"), ("max", "during"),
                 ("max_aug", "same network"), ("all_conv", "extra"),
                 ("no_pool", "most"), ("blur", "adds")])
def check_fewest_macs(answer):
    v = _variant(answer)
    if v == "gap_head":
        raise Hint("the GAP head has fewer parameters (its dense layer is tiny), but it "
                   "adds a third convolution (32 filters on the 6x6 map): it needs more "
                   "multiply-adds than 'max', not fewer.")
    if v == "max_aug":
        raise Hint("max_aug is the same network as 'max' (augmentation changes the "
                   "training data, not the model), so it costs the same. Which variant "
                   "shrinks the map *during* the convolution?")
    if v in ("max", "avg", "stochastic"):
        raise Hint("pooling shrinks the map after each convolution; which variant also "
                   "shrinks it *during* the convolution?")
    if v == "all_conv":
        raise Hint("all_conv puts an extra stride-2 convolution where each pooling layer "
                   "was, on top of the full-resolution convolutions: it costs more than "
                   "'max'. Which variant gives the stride to the existing convolutions?")
    if v == "no_pool":
        raise Hint("no_pool runs its second convolution on the full 24x24 map: it needs "
                   "the most.")
    if v == "blur":
        raise Hint("blur pooling adds the blur's multiply-adds on top of max pooling's "
                   "cost.")
    return "the stride-2 convolutions compute only every other output position."


@exercise("gap_head_dense_params", notebook=NOTEBOOK, solution=330,
          prompt="In the gap_head model, global average pooling turns the 6x6x32 map into 32 "
                 "numbers. How many parameters does the Dense(10) layer after it have?",
          wrong=[(11530, "6x6x32"), (5770, "6x6x16"), (6218, "whole"), (320, "bias"),
                 (0, "dense layer")])
def check_gap_head_dense_params(answer):
    n = _number(answer)
    if n == 11530:
        raise Hint("that would be Dense(10) after flattening the 6x6x32 map (1,152 "
                   "inputs); global average pooling leaves 32 inputs.")
    if n == 5770:
        raise Hint("that is the other models' head: Dense(10) on the flattened 6x6x16 map "
                   "(576 inputs). In gap_head, GAP leaves 32 inputs.")
    if n == 6218:
        raise Hint("that is the whole gap_head model, its convolutions included; count "
                   "only the Dense layer.")
    if n == 320:
        raise Hint("add one bias per unit.")
    if n == 0:
        raise Hint("GAP has no parameters, but the dense layer after it does.")
    if n != 330:
        raise Hint("32 inputs x 10 units + 10 biases.")
    return "330, against 5,770 for the flatten + dense head of the other models (6x6x16)."
