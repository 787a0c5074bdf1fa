"""pooledu.compare.side_by_side: the helper notebook 02 uses to put implementations side by side."""

import numpy as np
import pytest

from pooledu.compare import side_by_side


def test_equal_outputs_are_reported_equal(capsys):
    x = np.arange(4.0).reshape(2, 2)
    side_by_side(numpy=x, batched=x.reshape(1, 2, 2, 1), as_list=x.tolist(),
                 float32=x.astype(np.float32))
    out = capsys.readouterr().out
    assert out.rstrip().endswith("all equal: True")
    for name in ("numpy:", "batched:", "as_list:", "float32:"):
        assert name in out
    assert out.count("[[0. 1.]\n [2. 3.]]") == 4       # every output printed as 2-D


def test_one_differing_value_is_reported(capsys):
    side_by_side(article=[[3.5, 5.5]], keras=[[3.75, 5.25]])
    out = capsys.readouterr().out
    assert out.rstrip().endswith("all equal: False")
    assert "[3.5 5.5]" in out and "[3.75 5.25]" in out


def test_different_shapes_are_not_equal(capsys):
    side_by_side(a=[[1.0, 2.0], [3.0, 4.0]], b=[1.0, 2.0, 3.0, 4.0])
    assert capsys.readouterr().out.rstrip().endswith("all equal: False")


def test_no_outputs_is_a_clear_error():
    with pytest.raises(TypeError, match="at least one output"):
        side_by_side()
