"""Shared test fixtures and hypothesis strategies (kept small on purpose).

Test modules import the strategies with ``from conftest import pool_case``
(pytest puts ``tests/`` on ``sys.path``).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# TensorFlow's C++ start-up chatter would otherwise fill the test log
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

#: default hypothesis settings for pooling tests: modest, no deadline (2 shared cores)
POOL_SETTINGS = settings(max_examples=50, deadline=None,
                         suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="session")
def tf():
    """The ``tensorflow`` module, or skip the test if it is not installed."""
    return pytest.importorskip("tensorflow")


@pytest.fixture(scope="session")
def ptf(tf):
    """``pooledu.tf`` (skips without TensorFlow)."""
    import pooledu.tf

    return pooledu.tf


def _values(rng, shape, dtype, ties):
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    if ties:  # small integers: many equal values, to exercise tie-breaking
        return rng.integers(-4, 5, size=shape).astype(dtype)
    return (rng.standard_normal(shape) * 10).astype(dtype)


@st.composite
def pool_case(draw, spatial_dims=2, dtypes=("float32", "float64"), max_side=24,
              max_pool=5, max_stride=6, layouts=("spatial", "channels", "batch")):
    """``(x, pool_size, strides, padding)`` for a pooling with at least one window.

    Shapes: 1..max_side per spatial axis, 1-4 channels, batches 1-3, any of the
    three layouts; pool sizes 1..max_pool; strides 1..max_stride (so also larger
    than the window) or None; both paddings; signed values, often with ties.
    """
    layout = draw(st.sampled_from(layouts))
    spatial = tuple(draw(st.integers(1, max_side)) for _ in range(spatial_dims))
    padding = draw(st.sampled_from(["valid", "same", "SAME", "Valid"]))
    limit = spatial if padding.lower() == "valid" else (max_pool,) * spatial_dims
    pool = tuple(draw(st.integers(1, min(max_pool, n))) for n in limit)
    strides = draw(st.one_of(
        st.none(), st.tuples(*[st.integers(1, max_stride)] * spatial_dims)))
    shape = spatial
    if layout in ("channels", "batch"):
        shape = shape + (draw(st.integers(1, 4)),)
    if layout == "batch":
        shape = (draw(st.integers(1, 3)),) + shape
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = _values(rng, shape, dtype, ties=draw(st.booleans()))
    if len(set(pool)) == 1 and draw(st.booleans()):  # a plain int pool_size is fine too
        pool = pool[0]
    return x, pool, strides, padding
