"""TensorFlow backend: the NumPy reference's API, built from TensorFlow ops.

Importing this module imports TensorFlow (``import pooledu`` never does). It sets
nothing global: no seeds, no device or threading configuration.

Every function takes NumPy arrays, lists or ``tf.Tensor`` s (fully known
shapes) and returns ``tf.Tensor`` s. Names, arguments, defaults and argument
checks are those of :mod:`pooledu.reference` (both use ``pooledu._validation``
and ``pooledu._geometry``, so a bad call raises the same error in both).
Behavioural differences, all TensorFlow's own, are listed in
:mod:`pooledu._tf_pool` (NaN is ignored by TF's max pool) and
:mod:`pooledu._tf_functions`.

>>> import numpy as np
>>> import pooledu.tf as ptf
>>> ptf.max_pool2d(np.array([[1., 3., 2., 4.], [5., 6., 7., 8.]])).numpy()
array([[6., 8.]])
"""

import tensorflow as tf  # noqa: F401  (first use of pooledu.tf imports TensorFlow)

from ._geometry import output_shape, output_size, padding_amounts, window_cells
from ._tf_functions import *
from ._tf_functions import __all__ as _functions_all
from ._tf_pool import *
from ._tf_pool import __all__ as _pool_all

__all__ = ["output_size", "output_shape", "padding_amounts", "window_cells",
           *_pool_all, *_functions_all]
