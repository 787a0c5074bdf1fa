"""The article's code samples, run as written (issue 13).

Notebook 02 puts every code sample of the source article into a cell exactly as
the article prints it (its text lost the indentation, restored here; one long
``return`` line is wrapped inside its parentheses to fit 88 characters) and
accounts for every way the run differs from the article's printed output.

These tests keep that true:

* every sample below is the source of a code cell of notebook 02, unchanged;
* run here, outside the notebook, the samples deviate from the article exactly
  as notebook 02, the corrections page and notebook 09 say - values, shapes, and
  the two ways the ``MinPooling2D`` sample fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_02 = ROOT / "notebooks" / "02_types_of_pooling.ipynb"

# The article's samples, in its order. Copied from the article, never edited:
# a change here must be a change of the article.
MAX = """import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import MaxPooling2D
# Define a 4x4 input matrix
input_matrix = np.array([[1, 3, 2, 4],
[5, 6, 7, 8],
[9, 10, 11, 12],
[13, 14, 15, 16]], dtype=float)
# Reshape for a single channel and batch dimension
input_matrix = input_matrix.reshape((1, 4, 4, 1))
# Apply MaxPooling2D
max_pooling = MaxPooling2D(pool_size=(2, 2))
output = max_pooling(tf.convert_to_tensor(input_matrix))
print("Max Pooling Output:")
print(output.numpy().reshape(2, 2))"""

AVERAGE = """from tensorflow.keras.layers import AveragePooling2D
# Apply AveragePooling2D
average_pooling = AveragePooling2D(pool_size=(2, 2))
output = average_pooling(tf.convert_to_tensor(input_matrix))
print("Average Pooling Output:")
print(output.numpy().reshape(2, 2))"""

GLOBAL_AVERAGE = """from tensorflow.keras.layers import GlobalAveragePooling2D
# Define the layer
global_avg_pooling = GlobalAveragePooling2D()
output = global_avg_pooling(tf.convert_to_tensor(input_matrix))
print("Global Average Pooling Output:")
print(output.numpy())"""

GLOBAL_MAX = """from tensorflow.keras.layers import GlobalMaxPooling2D
# Define the layer
global_max_pooling = GlobalMaxPooling2D()
output = global_max_pooling(tf.convert_to_tensor(input_matrix))
print("Global Max Pooling Output:")
print(output.numpy())"""

MIN_LAYER = """import tensorflow as tf
from tensorflow.keras.layers import Layer
class MinPooling2D(Layer):
    def __init__(self, pool_size=(2, 2), **kwargs):
        super(MinPooling2D, self).__init__(**kwargs)
        self.pool_size = pool_size
    def call(self, inputs):
        return tf.nn.pool(inputs, window_shape=self.pool_size, pooling_type='MIN',
                          padding='VALID')"""

MIN_CALL = """# Apply MinPooling2D
min_pooling = MinPooling2D(pool_size=(2, 2))
output = min_pooling(tf.convert_to_tensor(input_matrix))
print("Min Pooling Output:")
print(output.numpy().reshape(2, 2))"""

SAMPLES = [MAX, AVERAGE, GLOBAL_AVERAGE, GLOBAL_MAX, MIN_LAYER + "\n" + MIN_CALL]


def _code_cells():
    nb = json.loads(NOTEBOOK_02.read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("sample", SAMPLES, ids=["max", "avg", "global_avg", "global_max",
                                                 "min"])
def test_every_sample_is_a_cell_of_notebook_02_unchanged(sample):
    sources = ["".join(c["source"]) for c in _code_cells()]
    assert sample in sources, "the article's sample is not a cell of notebook 02 as printed"


def test_the_failing_min_sample_is_tagged_and_its_error_stored():
    cell = next(c for c in _code_cells() if "".join(c["source"]) == SAMPLES[-1])
    assert "raises-exception" in cell.get("metadata", {}).get("tags", [])
    errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
    assert errors and errors[0]["ename"] == "ValueError"
    assert "MIN pooling is not supported" in errors[0]["evalue"]


@pytest.fixture(scope="module")
def article_run(tf):
    """Run the article's samples in one namespace, as a reader would, in order."""
    import contextlib
    import io

    namespace: dict = {}
    printed = {}
    for name, sample in zip(["max", "avg", "global_avg", "global_max"], SAMPLES[:4]):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            exec(sample, namespace)
        printed[name] = (buffer.getvalue(), namespace["output"].numpy())
    exec(MIN_LAYER, namespace)
    return namespace, printed


def _stored_stream_text(sample):
    cell = next(c for c in _code_cells() if "".join(c["source"]) == sample)
    return "".join("".join(o["text"]) for o in cell["outputs"]
                   if o["output_type"] == "stream")


@pytest.mark.parametrize("name, sample", list(zip(["max", "avg", "global_avg", "global_max"],
                                                  SAMPLES[:4])),
                         ids=["max", "avg", "global_avg", "global_max"])
def test_stored_outputs_of_the_samples_are_what_they_print(article_run, name, sample):
    """The output stored under each sample in 02 is what the sample prints (a text
    merge of the notebook once left another cell's output under the GAP sample)."""
    _, printed = article_run
    assert _stored_stream_text(sample) == printed[name][0]


def test_stored_output_of_the_min_sample_is_what_it_prints(article_run, tf):
    import contextlib
    import io

    namespace, _ = article_run
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), pytest.raises(ValueError):
        exec(MIN_CALL, namespace)
    assert _stored_stream_text(SAMPLES[-1]) == buffer.getvalue()


def test_max_and_average_as_the_course_says(article_run):
    _, printed = article_run
    np.testing.assert_array_equal(printed["max"][1].reshape(2, 2), [[6, 8], [14, 16]])
    # the article prints [[3.5, 5.5], [11.5, 13.5]]: the top row is wrong
    np.testing.assert_array_equal(printed["avg"][1].reshape(2, 2),
                                  [[3.75, 5.25], [11.5, 13.5]])
    assert printed["max"][1].dtype == np.float32      # Keras computes in float32


def test_global_layers_print_2d_arrays_not_the_articles_1d(article_run):
    _, printed = article_run
    text, value = printed["global_avg"]
    assert value.shape == (1, 1) and value[0, 0] == 8.5    # the article: [ 7.5]
    assert "[[8.5]]" in text
    text, value = printed["global_max"]
    assert value.shape == (1, 1) and value[0, 0] == 16     # the article: [16.]
    assert "[[16.]]" in text


def test_min_sample_raises_because_tensorflow_has_no_min_pooling(article_run, tf):
    namespace, _ = article_run
    with pytest.raises(ValueError, match="MIN pooling is not supported"):
        exec(MIN_CALL, namespace)


def test_min_sample_repaired_still_pools_with_stride_1(article_run, tf):
    """MIN -> -max(-x) is not enough: tf.nn.pool's stride defaults to 1, not the pool size."""
    namespace, _ = article_run
    layer_class = namespace["MinPooling2D"]

    class Repaired(layer_class):
        def call(self, inputs):
            return -tf.nn.pool(-inputs, window_shape=self.pool_size, pooling_type="MAX",
                               padding="VALID")

    output = Repaired(pool_size=(2, 2))(tf.convert_to_tensor(namespace["input_matrix"]))
    assert tuple(output.shape) == (1, 3, 3, 1)
    with pytest.raises(ValueError, match="cannot reshape array of size 9"):
        output.numpy().reshape(2, 2)                         # the article's last line
