"""pooledu.receptive_field: the jump/receptive-field recurrence agrees with a
brute-force measurement (which input cells can change output cell 0)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pooledu import reference as ref
from pooledu.receptive_field import (
    Layer,
    format_table,
    gradient_extent,
    receptive_field,
    receptive_field_table,
)


def measured_receptive_field(layers, n=1000):
    """Input cells that reach output cell 0, found by walking the windows backwards.

    Every layer (a convolution with non-negative weights, or a pooling) makes output
    cell i depend on input cells ``i*s + t*d`` for ``t < k``: scatter a 1 at output
    cell 0 back through each layer's window taps and see which input cells it reaches.
    ``n`` is larger than any field the strategies below can produce (at most 727).
    """
    lengths = [n]
    for layer in layers:
        lengths.append((lengths[-1] - layer.effective_kernel) // layer.stride + 1)
    assert lengths[-1] >= 1, "input too small for this stack"
    reach = np.zeros(lengths[-1])
    reach[0] = 1.0
    for layer, n_in in zip(reversed(layers), reversed(lengths[:-1])):
        back = np.zeros(n_in)
        for i in np.nonzero(reach)[0]:
            for t in range(layer.kernel):
                back[i * layer.stride + t * layer.dilation] += reach[i]
        reach = back
    cells = np.nonzero(reach)[0]
    return int(cells.max() - cells.min() + 1)


def test_classic_examples():
    assert receptive_field([]) == 1
    assert receptive_field([(3, 1)] * 3) == 7          # three 3x3 convs see like one 7x7
    assert receptive_field([(3, 1), (2, 2), (3, 1), (2, 2)]) == 10
    assert receptive_field([(3, 1), (2, 2), (3, 1), (3, 1), (2, 2), (3, 1)]) == 22
    assert receptive_field([Layer(3, 1, dilation=2)]) == 5
    widest = [Layer(4, 3, dilation=2)] * 5          # the largest field the strategies produce
    assert receptive_field(widest) == measured_receptive_field(widest) == 727


def test_table_tracks_jump_and_field():
    rows = receptive_field_table([(3, 1, "conv"), (2, 2, "pool"), (3, 1, "conv")])
    assert [r["jump"] for r in rows] == [1, 1, 2, 2]
    assert [r["rf"] for r in rows] == [1, 3, 4, 8]
    assert [r["name"] for r in rows] == ["input", "conv", "pool", "conv"]
    text = format_table(rows)
    assert text.splitlines()[0].startswith("layer")
    assert text.splitlines()[-1].split() == ["conv", "3", "1", "2", "8"]


def test_pooling_stride_matches_sum_pooling_support():
    # a 2x2/2 pool after a conv3: window of 2 conv outputs = 3 + 1 input cells
    x = np.zeros(12)
    x[3] = 1.0
    conv = ref.pool1d(x[:, None], "sum", 3, 1)
    pooled = ref.pool1d(conv, "sum", 2, 2)
    assert pooled[:, 0].tolist().count(0.0) < pooled.shape[0]
    assert measured_receptive_field([Layer(3, 1), Layer(2, 2)]) == 4


layer_strategy = st.builds(Layer, kernel=st.integers(1, 4), stride=st.integers(1, 3),
                           dilation=st.integers(1, 2))


@settings(max_examples=50, deadline=None)
@given(st.lists(layer_strategy, min_size=1, max_size=5))
def test_recurrence_matches_brute_force(layers):
    assert receptive_field(layers) == measured_receptive_field(layers)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3"])
def test_bad_kernel_is_refused(bad):
    with pytest.raises(ValueError, match="kernel"):
        Layer(bad)


def test_bad_layer_spec_is_refused():
    with pytest.raises(TypeError, match="each layer"):
        receptive_field(["conv"])


def test_gradient_extent():
    g = np.zeros((1, 9, 9, 2))
    g[0, 2:7, 3:6, 1] = 0.5
    assert gradient_extent(g) == (5, 3)
    assert gradient_extent(np.zeros((4, 4))) == (0, 0)
    with pytest.raises(ValueError, match="shape"):
        gradient_extent(np.zeros(5))


def test_from_keras_reads_convs_and_pools():
    keras = pytest.importorskip("keras")
    from pooledu.receptive_field import from_keras

    model = keras.Sequential([
        keras.Input((32, 32, 1)),
        keras.layers.Conv2D(4, 3, name="conv_a"),
        keras.layers.ReLU(),
        keras.layers.MaxPooling2D(2, name="pool_a"),
        keras.layers.Conv2D(4, (5, 3), name="conv_b"),
        keras.layers.GlobalAveragePooling2D(),
    ])
    rows = from_keras(model)
    assert [(layer.kernel, layer.stride) for layer in rows] == [(3, 1), (2, 2), (5, 1)]
    assert receptive_field(rows) == 1 + 2 + 1 + 4 * 2
    assert receptive_field(from_keras(model, axis=1)) == 1 + 2 + 1 + 2 * 2
