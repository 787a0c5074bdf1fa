"""Receptive fields of conv + pool stacks: how much of the input one output cell sees.

Walking a stack from the input, each layer with kernel ``k`` and stride ``s``
updates two numbers (Araujo et al., "Computing receptive fields of CNNs",
Distill 2019):

* the **jump** ``j`` - the distance, in input pixels, between neighbouring
  cells of the current feature map: ``j_out = j_in * s``;
* the **receptive field** ``r`` - how many input pixels (per axis) one cell
  depends on: ``r_out = r_in + (k - 1) * j_in``.

Starting from ``r = j = 1`` at the input. A pooling window of size ``k`` widens
the field exactly like a convolution kernel of size ``k``; its stride is what
makes every *later* layer's kernel count several input pixels per step.
Padding moves the field but does not change its size; dilation ``d`` acts
like a kernel of ``d * (k - 1) + 1``.

This module is pure Python (no TensorFlow); :func:`from_keras` reads a Keras
model's layers when one is given.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Layer",
    "format_table",
    "from_keras",
    "gradient_extent",
    "receptive_field",
    "receptive_field_table",
]


@dataclass(frozen=True)
class Layer:
    """One layer of a stack, along one axis: a kernel (or pooling window) and a stride.

    Parameters
    ----------
    kernel : int
        Kernel or pooling window size ``k`` (>= 1).
    stride : int, default 1
        Step ``s`` (>= 1).
    name : str, default ""
        A label for tables, e.g. ``"conv3"`` or ``"pool2"``.
    dilation : int, default 1
        Dilation ``d``; the effective kernel is ``d * (k - 1) + 1``.
    """

    kernel: int
    stride: int = 1
    name: str = ""
    dilation: int = 1

    def __post_init__(self):
        for field_name in ("kernel", "stride", "dilation"):
            value = getattr(self, field_name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{field_name} must be a positive integer; got {value!r}")

    @property
    def effective_kernel(self) -> int:
        return self.dilation * (self.kernel - 1) + 1


def _as_layer(item) -> Layer:
    if isinstance(item, Layer):
        return item
    if isinstance(item, dict):
        return Layer(**item)
    if isinstance(item, (tuple, list)) and 1 <= len(item) <= 3:
        k, *rest = item
        s = rest[0] if rest else 1
        name = rest[1] if len(rest) > 1 else ""
        return Layer(k, s, name)
    raise TypeError(
        f"each layer must be a Layer, a dict, or a (kernel, stride[, name]) tuple; got {item!r}"
    )


def receptive_field_table(layers: Iterable) -> list[dict]:
    """Receptive field and jump after every layer of a stack (one axis).

    Parameters
    ----------
    layers : iterable of Layer, dict or (kernel, stride[, name]) tuples
        From the input towards the output.

    Returns
    -------
    list of dict
        One row per layer plus a first row for the input, with keys ``name``,
        ``kernel``, ``stride``, ``jump`` (input pixels between neighbouring
        cells after this layer) and ``rf`` (receptive field after this layer).

    Examples
    --------
    >>> [row["rf"] for row in receptive_field_table([(3, 1), (2, 2), (3, 1)])]
    [1, 3, 4, 8]
    """
    rows = [{"name": "input", "kernel": None, "stride": None, "jump": 1, "rf": 1}]
    rf, jump = 1, 1
    for i, item in enumerate(layers):
        layer = _as_layer(item)
        rf = rf + (layer.effective_kernel - 1) * jump
        jump = jump * layer.stride
        rows.append({"name": layer.name or f"layer {i + 1}", "kernel": layer.kernel,
                     "stride": layer.stride, "jump": jump, "rf": rf})
    return rows


def receptive_field(layers: Iterable) -> int:
    """Receptive field (input pixels per axis) of one output cell of a stack.

    ``r = 1 + sum_i (k_i - 1) * (s_1 * ... * s_{i-1})``.

    Examples
    --------
    >>> receptive_field([(3, 1), (2, 2), (3, 1), (2, 2)])   # conv3 pool2 conv3 pool2
    10
    >>> receptive_field([(3, 1)] * 3)                          # three 3x3 convs = one 7x7
    7
    """
    return receptive_field_table(layers)[-1]["rf"]


def format_table(rows: Sequence[dict]) -> str:
    """The rows of :func:`receptive_field_table` as a fixed-width text table.

    >>> print(format_table(receptive_field_table([(3, 1, "conv3"), (2, 2, "pool2")])))
    layer      kernel  stride  jump  receptive field
    input           -       -     1                1
    conv3           3       1     1                3
    pool2           2       2     2                4
    """
    lines = [f"{'layer':10s} {'kernel':>6s} {'stride':>7s} {'jump':>5s} {'receptive field':>16s}"]
    for row in rows:
        k = "-" if row["kernel"] is None else str(row["kernel"])
        s = "-" if row["stride"] is None else str(row["stride"])
        lines.append(f"{row['name']:10s} {k:>6s} {s:>7s} {row['jump']:>5d} {row['rf']:>16d}")
    return "\n".join(lines)


def from_keras(model, axis: int = 0) -> list[Layer]:
    """The conv and pooling layers of a Keras model as :class:`Layer` (one axis).

    Layers with ``kernel_size`` (convolutions) or ``pool_size`` (pooling) are
    kept; every other layer (activations, batch norm, ...) does not change the
    receptive field and is skipped. Global pooling and Flatten end the stack.

    Parameters
    ----------
    model : keras.Model
    axis : {0, 1}
        0 for rows (height), 1 for columns (width).
    """
    if axis not in (0, 1):
        raise ValueError(f"axis must be 0 (rows) or 1 (columns); got {axis!r}")
    out = []
    for layer in model.layers:
        cls = type(layer).__name__
        if cls.startswith("Global") or cls == "Flatten":
            break
        size = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
        if size is None:
            continue
        strides = getattr(layer, "strides", None) or size
        dilation = getattr(layer, "dilation_rate", None) or (1, 1)

        def pick(v):
            return int(v[axis] if isinstance(v, (tuple, list)) else v)

        out.append(Layer(pick(size), pick(strides), layer.name, pick(dilation)))
    return out


def gradient_extent(grad, atol: float = 0.0) -> tuple[int, int]:
    """Height and width of the bounding box of the non-zero cells of ``grad``.

    With ``grad`` the gradient of one output cell with respect to the input, this
    is the part of the input that cell actually depends on (for max pooling it
    can be smaller than the receptive field: max sends gradient to one cell per
    window).

    Parameters
    ----------
    grad : array_like, shape (H, W), (H, W, C) or (1, H, W, C)
        Channels (and a batch of one) are combined first.
    atol : float, default 0.0
        Cells with ``|grad| <= atol`` count as zero.

    Examples
    --------
    >>> g = np.zeros((9, 9)); g[2:7, 3:6] = 1.0
    >>> gradient_extent(g)
    (5, 3)
    """
    g = np.abs(np.asarray(grad, dtype=float))
    if g.ndim == 4:
        if g.shape[0] != 1:
            raise ValueError(f"grad must hold one sample; got shape {g.shape}")
        g = g[0]
    if g.ndim == 3:
        g = g.sum(axis=-1)
    if g.ndim != 2:
        raise ValueError(f"grad must have shape (H, W), (H, W, C) or (1, H, W, C); "
                         f"got shape {np.shape(grad)}")
    rows, cols = np.nonzero(g > atol)
    if rows.size == 0:
        return (0, 0)
    return (int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1))
