"""The Keras 3 layers of pooledu.layers: training, shapes, saving, and agreement with
the NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = [
    pytest.mark.tf,
    # Keras 3.15's own model.save() calls np.array(variable) (NumPy 2 deprecation); not ours
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"),
]

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

import pooledu.reference as R
from pooledu import layers as L

SHAPE = (8, 8, 2)
X = np.random.default_rng(0).random((4, *SHAPE)).astype("float32")   # non-negative
Y = np.random.default_rng(1).random((4, 1)).astype("float32")

LAYERS = {
    "min_same": lambda: L.MinPooling2D(3, 2, "same"),
    "lp": lambda: L.LpPooling2D(3.0, padding="same"),
    "gem_global": lambda: L.GeMPooling2D(),
    "gem_windowed": lambda: L.GeMPooling2D(2.0, pool_size=2),
    "stochastic": lambda: L.StochasticPooling2D(seed=1),
    "mixed": lambda: L.MixedPooling2D(alpha=0.3, seed=2),
    "soft": lambda: L.SoftPooling2D(padding="same"),
    "blur": lambda: L.BlurPooling2D(),
    "spp": lambda: L.SpatialPyramidPooling2D((1, 2, 3), "avg"),
    "fractional": lambda: L.FractionalMaxPooling2D(1.5, seed=3),
}


def small_model(layer):
    stack = [keras.Input(SHAPE), layer]
    if len(layer.compute_output_shape((None, *SHAPE))) == 4:
        stack.append(keras.layers.Flatten())
    stack.append(keras.layers.Dense(1))
    model = keras.Sequential(stack)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    return model


@pytest.mark.parametrize("key", list(LAYERS))
def test_layer_trains_saves_and_loads(key, tmp_path):
    layer = LAYERS[key]()
    model = small_model(layer)
    history = model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    out = model.predict(X, verbose=0)
    assert np.isfinite(out).all()

    path = tmp_path / f"{key}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.layers[0]) is type(layer)
    assert loaded.layers[0].get_config() == layer.get_config()
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), out)


@pytest.mark.parametrize("key", list(LAYERS))
def test_compute_output_shape_matches_the_output_also_for_unknown_sizes(key):
    layer = LAYERS[key]()
    model = keras.Sequential([keras.Input((None, None, 2)), layer])   # H, W unknown
    out = model.predict(X, verbose=0)
    assert out.shape == tuple(layer.compute_output_shape(X.shape))
    assert layer.compute_output_shape((None, *SHAPE))[0] is None
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_min_pooling_replaces_the_articles_broken_layer():
    x = np.random.default_rng(2).normal(size=(2, 5, 7, 3)).astype("float32")
    # what the article's layer calls does not run:
    with pytest.raises(ValueError, match="MIN"):
        tf.nn.pool(tf.constant(x), window_shape=[2, 2], pooling_type="MIN", padding="VALID")
    for args in [(2,), (3, 2, "same"), ((2, 3), (1, 2), "same"), (3, None, "valid")]:
        got = L.MinPooling2D(*args)(x).numpy()
        np.testing.assert_array_equal(got, R.min_pool2d(x, *args))


def test_min_pooling_integers_do_not_overflow():
    x = tf.constant(np.array([-128, 5, 3, 2], np.int8).reshape(1, 2, 2, 1))
    assert L.MinPooling2D()(x).numpy().ravel().tolist() == [-128]
    naive = -tf.nn.max_pool2d(-x, 2, 2, "VALID")
    assert naive.numpy().ravel().tolist() == [2]            # the trap the layer avoids
    u = tf.constant(np.array([0, 255, 7, 9], np.uint8).reshape(1, 2, 2, 1))
    assert L.MinPooling2D()(u).numpy().ravel().tolist() == [0]


def test_layers_match_the_reference_functions():
    x = X.astype("float64")
    np.testing.assert_allclose(L.LpPooling2D(3.0, padding="same")(x).numpy(),
                               R.lp_pool2d(x, 3.0, padding="same"), rtol=1e-5)
    np.testing.assert_allclose(L.GeMPooling2D()(x).numpy(), R.gem_pool2d(x), rtol=1e-5)
    np.testing.assert_allclose(L.SoftPooling2D(3, 2)(x).numpy(), R.soft_pool2d(x, 3, 2),
                               rtol=1e-5)
    np.testing.assert_allclose(L.BlurPooling2D(4, 3)(x).numpy(), R.blur_pool2d(x, 4, 3),
                               rtol=1e-5)
    np.testing.assert_allclose(L.SpatialPyramidPooling2D()(x).numpy(),
                               R.spatial_pyramid_pool2d(x), rtol=1e-5)
    np.testing.assert_allclose(L.StochasticPooling2D()(x).numpy(), R.stochastic_pool2d(x),
                               rtol=1e-5)
    np.testing.assert_allclose(L.MixedPooling2D(alpha=0.2)(x).numpy(),
                               R.mixed_pool2d(x, alpha=0.2), rtol=1e-5)


def test_gem_p_is_a_trainable_weight_that_learns():
    layer = L.GeMPooling2D(3.0)
    model = small_model(layer)
    assert [w.name for w in layer.trainable_weights] == ["p"]
    model.fit(X, Y, epochs=3, batch_size=4, verbose=0)
    assert float(layer.p.numpy()) != 3.0
    frozen = L.GeMPooling2D(3.0, trainable_p=False)
    frozen.build((None, *SHAPE))
    assert not frozen.trainable_weights and len(frozen.non_trainable_weights) == 1


def test_random_layers_differ_in_training_and_not_in_inference():
    for layer in (L.StochasticPooling2D(seed=0), L.MixedPooling2D(seed=0)):
        a = layer(X, training=True).numpy()
        b = layer(X, training=True).numpy()
        assert not np.array_equal(a, b)                    # a new draw at each call
        np.testing.assert_array_equal(layer(X, training=False).numpy(),
                                      layer(X, training=False).numpy())
    w, m = R.extract_windows(X, 2)
    y = L.StochasticPooling2D(seed=5)(X, training=True).numpy()
    assert np.all(np.any((w == y[..., None]) & m, axis=-1))


def test_spp_gives_one_length_for_any_input_size(tmp_path):
    model = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(4, 3),
                              L.SpatialPyramidPooling2D(), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    for h, w in [(9, 9), (12, 7), (30, 17)]:
        x = np.random.default_rng(h).random((2, h, w, 3)).astype("float32")
        assert model.predict(x, verbose=0).shape == (2, 2)
    model.fit(np.zeros((2, 9, 9, 3), "float32"), np.zeros((2, 2), "float32"), verbose=0)


def test_fractional_output_shape_and_unknown_sizes():
    layer = L.FractionalMaxPooling2D((1.44, 1.73), seed=11)
    assert layer.compute_output_shape((None, 10, 10, 3)) == (None, 6, 5, 3)
    assert layer.compute_output_shape((None, None, 10, 3)) == (None, None, 5, 3)
    out = layer(np.random.default_rng(3).random((1, 10, 10, 3)).astype("float32"))
    assert tuple(out.shape) == (1, 6, 5, 3)
    model = keras.Sequential([keras.Input((None, None, 3)), L.FractionalMaxPooling2D(2.0)])
    assert model.output_shape == (None, None, None, 3)


@pytest.mark.parametrize("make, error, match", [
    (lambda: L.MinPooling2D(0), ValueError, "pool_size"),
    (lambda: L.MinPooling2D(2, padding="full"), ValueError, "padding"),
    (lambda: L.LpPooling2D(p=-1), ValueError, "p must be"),
    (lambda: L.GeMPooling2D(eps=0), ValueError, "eps"),
    (lambda: L.GeMPooling2D(strides=2), ValueError, "strides"),
    (lambda: L.MixedPooling2D(alpha=2), ValueError, "alpha"),
    (lambda: L.StochasticPooling2D(seed="x"), TypeError, "seed"),
    (lambda: L.BlurPooling2D(filter_size=0), ValueError, "filter_size"),
    (lambda: L.SpatialPyramidPooling2D(levels=()), ValueError, "levels"),
    (lambda: L.SpatialPyramidPooling2D(mode="sum"), ValueError, "mode"),
    (lambda: L.FractionalMaxPooling2D(0.5), ValueError, "pooling_ratio"),
])
def test_bad_layer_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()



# ---------------------------------------------------------------- Keras' own layer harness
from keras.src import testing as keras_testing


class _Harness(keras_testing.TestCase):
    """Keras' own TestCase, the one its pooling layers are tested with."""

    def runTest(self):  # unittest needs a test method to instantiate the class
        pass


# layer, init kwargs, channels-last input shape, channels-last output shape
HARNESS = {
    "MinPooling2D": (L.MinPooling2D, {"pool_size": 3, "strides": 2, "padding": "same"},
                     (2, 7, 6, 3), (2, 4, 3, 3)),
    "LpPooling2D": (L.LpPooling2D, {"p": 3.0, "padding": "same"}, (2, 7, 6, 3), (2, 4, 3, 3)),
    "GeMPooling2D_global": (L.GeMPooling2D, {}, (2, 7, 6, 3), (2, 3)),
    "GeMPooling2D_windowed": (L.GeMPooling2D, {"p": 2.0, "pool_size": 2}, (2, 7, 6, 3),
                              (2, 3, 3, 3)),
    "StochasticPooling2D": (L.StochasticPooling2D, {"seed": 1}, (2, 7, 6, 3), (2, 3, 3, 3)),
    "MixedPooling2D": (L.MixedPooling2D, {"alpha": 0.3, "seed": 2}, (2, 7, 6, 3),
                       (2, 3, 3, 3)),
    "SoftPooling2D": (L.SoftPooling2D, {"padding": "same"}, (2, 7, 6, 3), (2, 4, 3, 3)),
    "BlurPooling2D": (L.BlurPooling2D, {}, (2, 7, 6, 3), (2, 4, 3, 3)),
    "SpatialPyramidPooling2D": (L.SpatialPyramidPooling2D, {"levels": (1, 2), "mode": "avg"},
                                (2, 7, 6, 3), (2, 15)),
    "FractionalMaxPooling2D": (L.FractionalMaxPooling2D, {"pooling_ratio": 1.5, "seed": 3},
                               (2, 7, 6, 3), (2, 4, 4, 3)),
}


def test_every_layer_is_in_the_harness():
    assert {cls.__name__ for cls, *_ in HARNESS.values()} == set(L.__all__)


def _first(shape):
    return shape if len(shape) != 4 else (shape[0], shape[3], shape[1], shape[2])


@pytest.mark.parametrize("policy", [None, "mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("key", list(HARNESS))
def test_keras_layer_harness(key, data_format, policy):
    """run_layer_test: config and serialization round trips, build, symbolic and eager
    calls with the declared output shape, a training step, and its own mixed_float16
    check (output dtype = compute_output_spec's); with ``policy`` the whole run uses
    that dtype policy and the output must have its compute dtype."""
    cls, kwargs, shape, out = HARNESS[key]
    kwargs = {**kwargs, "data_format": data_format}
    if policy:
        kwargs["dtype"] = policy
    if data_format == "channels_first":
        shape, out = _first(shape), _first(out)
    _Harness().run_layer_test(
        cls, init_kwargs=kwargs, input_shape=shape, expected_output_shape=out,
        expected_output_dtype={None: "float32", "mixed_float16": "float16",
                               "mixed_bfloat16": "bfloat16"}[policy],
        expected_num_trainable_weights=1 if cls is L.GeMPooling2D else 0,
        expected_num_non_trainable_weights=0, expected_num_losses=0,
        supports_masking=False, run_mixed_precision_check=policy is None)


@pytest.mark.parametrize("key", list(HARNESS))
def test_channels_first_gives_the_transposed_channels_last_result(key):
    cls, kwargs, shape, _ = HARNESS[key]
    x = np.random.default_rng(4).random(shape).astype("float32")
    last = cls(**kwargs)(x).numpy()
    first = cls(**kwargs, data_format="channels_first")(x.transpose(0, 3, 1, 2)).numpy()
    if last.ndim == 4:
        first = first.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(first, last, rtol=1e-6)


@pytest.mark.parametrize("key", list(HARNESS))
def test_functional_model_input_layer_flatten_dense(key):
    """Input -> layer -> Flatten -> Dense: Flatten's size comes from
    compute_output_shape, so a wrong declared shape breaks the Dense layer."""
    cls, kwargs, shape, out = HARNESS[key]
    inputs = keras.Input(shape[1:])
    y = cls(**kwargs)(inputs)
    y = keras.layers.Dense(2)(keras.layers.Flatten()(y))
    model = keras.Model(inputs, y)
    assert model.layers[1].output.shape[1:] == out[1:]
    model.compile("sgd", "mse")
    x = np.random.default_rng(5).random(shape).astype("float32")
    model.fit(x, np.zeros((shape[0], 2), "float32"), verbose=0)
    assert model.predict(x, verbose=0).shape == (shape[0], 2)


@pytest.mark.parametrize("h, ratio", [(18, 1.2), (33, 1.1), (10, 1.44)])
def test_fractional_declared_shape_is_computed_in_float32_like_tf(h, ratio):
    from pooledu.reference import fractional_output_size
    layer = L.FractionalMaxPooling2D((ratio, 1.0), seed=7)
    x = np.random.default_rng(6).random((1, h, 4, 1)).astype("float32")
    assert layer(x).shape[1] == layer.compute_output_shape((1, h, 4, 1))[1] == \
        fractional_output_size(h, ratio)


def test_pooledu_tf_keeps_bfloat16():
    import pooledu.tf as ptf
    x = tf.cast(tf.constant(X), tf.bfloat16)
    for y in (ptf.avg_pool2d(x), ptf.pool2d(x, "lp"), ptf.pool2d(x, "sum"), ptf.min_pool2d(x),
              ptf.lp_pool2d(x), ptf.gem_pool2d(x), ptf.soft_pool2d(x), ptf.blur_pool2d(x),
              ptf.stochastic_pool2d(x), ptf.mixed_pool2d(x),
              ptf.spatial_pyramid_pool2d(x), ptf.global_avg_pool2d(x),
              ptf.fractional_pool2d(x, 1.5, seed=1)[0]):
        assert y.dtype == tf.bfloat16
