"""NumPy reference implementation of every pooling operation in the course.

NumPy only: importing this module never imports TensorFlow. ``pooledu.tf``
offers the same functions backed by TensorFlow, and the tests prove the two
agree (bit-exact for max/min, within float tolerance for averages).

Conventions (see ``pooledu._geometry``): inputs are channels-last, ``(H, W)``,
``(H, W, C)`` or ``(N, H, W, C)`` for 2-D pooling; the output keeps the
input's rank; ``strides=None`` means ``pool_size``; ``padding`` is
``"valid"`` or ``"same"`` (any case), with TensorFlow's padding split - or
PyTorch's explicit int padding, with ``dilation``, ``ceil_mode``,
``count_include_pad`` and ``divisor_override`` (keyword-only; notebook 01
section 5).
"""

from ._fractional import *
from ._fractional import __all__ as _fractional_all
from ._functions import *
from ._functions import __all__ as _functions_all
from ._geometry import output_shape, output_size, padding_amounts, window_cells
from ._pool import *
from ._pool import __all__ as _pool_all

__all__ = ["output_size", "output_shape", "padding_amounts", "window_cells",
           *_pool_all, *_fractional_all, *_functions_all]
