"""The ``--layers`` syntax of ``glassnet train``: hidden layers by width, or a convolutional stack.

Items are separated by commas; each is one of

=================  ===========================================================================
``64``             a dense layer of 64 units, then the activation (and dropout, when asked for)
``conv16k3``       a convolution with 16 output channels and kernel 3, then the activation;
                   ``s2`` and ``p1`` add stride and padding: ``conv25k5s2p1``. 1-D on sequences
                   (mnist1d), 2-D (square kernel) on images (digits)
``maxpool2``       max pooling with kernel 2 (stride: the kernel; ``s``/``p`` as above)
``avgpool2``       average pooling, likewise
``gap``            global average pooling: one value per channel
``bn``             batch normalisation of the current channels (or features)
``flatten``        samples as rows (added by itself before the first dense layer and the output)
=================  ===========================================================================

so ``conv32k3p1,maxpool2,conv64k3p1,maxpool2,128`` on the digits is a small image CNN with a dense
layer of 128 units before the output. Convolutional items need a data set whose samples are images
or sequences (``digits``, ``mnist1d``): the network starts by reading each row of pixels or points
as ``(1, 8, 8)`` or ``(1, 40)``.
"""

from __future__ import annotations

import math
import re

from ..nn import layers as nn_layers

_CONV = re.compile(r"conv(\d+)k(\d+)(?:s(\d+))?(?:p(\d+))?")
_POOL = re.compile(r"(max|avg)pool(\d+)(?:s(\d+))?(?:p(\d+))?")
_WORDS = ("gap", "bn", "flatten")
SYNTAX = ("hidden-layer widths are positive whole numbers like 64,32, and convolutional items look like "
          "conv16k3p1, maxpool2, avgpool2, gap, bn, flatten (docs/command-line.md)")


def parse_item(item):
    """One ``--layers`` item as stored in a configuration: an int width or a lower-case spec string."""
    if isinstance(item, int) and not isinstance(item, bool):
        if item > 0:
            return item
    elif isinstance(item, str):
        text = item.strip().lower()
        if text.isdigit() and int(text) > 0:
            return int(text)
        conv, pool = _CONV.fullmatch(text), _POOL.fullmatch(text)
        # channels, kernel and stride are positive; padding may be 0
        positive = conv.groups()[:3] if conv else pool.groups()[1:3] if pool else ()
        if text in _WORDS or ((conv or pool) and all(g is None or int(g) > 0 for g in positive)):
            return text
    raise ValueError(f"--layers: {SYNTAX}; got {item!r}.")


def parse_layers(text) -> tuple:
    """The items of ``--layers`` text such as ``64,32`` or ``conv16k3p1,maxpool2,64``."""
    return tuple(parse_item(part) for part in str(text).split(","))


def is_spatial(items) -> bool:
    """Whether the items need samples with channels (images or sequences)."""
    return any(isinstance(i, str) and i not in ("bn", "flatten") for i in items)


def build_layers(items, *, n_in, n_out, sample_shape, activation, dropout, dtype):
    """The hidden layers and the output layer for ``items``, on rows of ``n_in`` inputs.

    ``sample_shape`` is ``(channels, *spatial)`` for data whose rows are images or sequences, else None.
    """
    stack, shape = [], (n_in,)
    if is_spatial(items):
        if sample_shape is None or math.prod(sample_shape) != n_in:
            raise ValueError("convolutional layers need samples that are images or sequences, as in --dataset "
                             "digits or mnist1d; this data has rows of plain features.")
        stack.append(nn_layers.Reshape(sample_shape))
        shape = tuple(sample_shape)
    init = "he_normal" if activation in ("relu", "leaky_relu", "gelu") else "glorot_uniform"
    ndim = len(shape) - 1

    def add(layer):
        nonlocal shape
        try:
            shape = layer.output_shape(shape)
        except ValueError as exc:
            raise ValueError(f"--layers item {len(stack)}: {exc}") from None
        stack.append(layer)

    def flatten():
        if len(shape) > 1:
            add(nn_layers.Flatten())

    for item in items:
        conv, pool = (_CONV.fullmatch(item), _POOL.fullmatch(item)) if isinstance(item, str) else (None, None)
        if isinstance(item, int):
            flatten()
            add(nn_layers.Dense(shape[0], item, init=init, dtype=dtype))
        elif conv or pool:
            if len(shape) < 2:
                raise ValueError(f"{item} needs images or sequences, but the layers before it give rows: put "
                                 "convolutions and pooling before the dense layers.")
            if conv:
                channels, k, s, p = (int(g) if g else d for g, d in zip(conv.groups(), (0, 0, 1, 0)))
                cls = nn_layers.Conv1D if ndim == 1 else nn_layers.Conv2D
                add(cls(shape[0], channels, k, stride=s, padding=p, init=init, dtype=dtype))
            else:
                kind, k, s, p = pool.groups()
                cls = {("max", 1): nn_layers.MaxPool1D, ("max", 2): nn_layers.MaxPool2D,
                       ("avg", 1): nn_layers.AvgPool1D, ("avg", 2): nn_layers.AvgPool2D}[kind, ndim]
                add(cls(int(k), stride=int(s) if s else None, padding=int(p) if p else 0))
                continue
        elif item == "gap":
            add(nn_layers.GlobalAveragePool())
            continue
        elif item == "bn":
            add(nn_layers.BatchNorm(shape[0], dtype=dtype))
            continue
        else:  # flatten
            flatten()
            continue
        add(nn_layers.activations.get(activation))
        if dropout > 0:
            add(nn_layers.Dropout(dropout))
    flatten()
    add(nn_layers.Dense(shape[0], n_out, dtype=dtype))
    return stack
